//! The solve's clock and its effort account (docs/model.md, "Determinism").
//!
//! Every HiGHS run and every pricing round or neighbourhood of the pipeline is charged in
//! *work units*: simplex iterations, plus [`NODE_UNITS`] per branch-and-bound node,
//! [`RUN_UNITS`] per HiGHS run, [`PRICING_UNITS`] per pricing round and
//! [`NEIGHBOURHOOD_UNITS`] per neighbourhood tried. A solve counts them in both modes.
//!
//! In reproducible mode the clock is *virtual*: [`Clock::now`] is the solve's origin plus
//! [`UNIT_NANOS`] per unit charged so far, so every deadline and time share of the
//! pipeline (written in durations) becomes an effort budget, and the plan depends on the
//! request alone. HiGHS runs then get node and iteration limits instead of a time limit
//! ([`Clock::highs_budget`]). The effort limit only cuts: once the units charged reach
//! it, [`Clock::now`] lies past every deadline and nothing more is charged, so the same
//! request with `effort_limit` = the effort used stops at the same point (a final
//! [`Clock::finish`] unit makes that hold when the solve ends of itself). The time limit
//! stays a safety net: where it strikes, the clock jumps past every deadline too and
//! [`Clock::struck`] says the plan is not promised to repeat.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Simplex iterations are the unit; a branch-and-bound node costs this many besides the
/// iterations of its LP.
pub const NODE_UNITS: u64 = 20;
/// The set-up of one HiGHS run (model build, presolve), whatever it does after.
pub const RUN_UNITS: u64 = 100;
/// One pricing round of a column generation (besides its master's iterations): about
/// 2 ms on the 10 × 2,500 week's pattern parts.
pub const PRICING_UNITS: u64 = 5;
/// One neighbourhood of the anytime search (besides its MIP's effort).
pub const NEIGHBOURHOOD_UNITS: u64 = 100;
/// Virtual time per unit: the pipeline's durations (time shares, the search's step
/// limits) read as effort at this rate. Calibrated on what a time-limited solve does in
/// its time: on the benchmark's 10 × 2,500 week (seed 1) a 10 s solve charged 455,000
/// units in 17 s of processor time, about 37 µs a unit. (The first calibration, 400 µs,
/// came from a reproducible run whose time went to work charged too little, and gave
/// the LP worker's pattern relaxation a tenth of what it gets in a 10 s solve.)
pub const UNIT_NANOS: u64 = 40_000;
/// The effort of a reproducible solve that gives no `effort_limit`: 10 s of virtual
/// time, chosen so that its plans are within 0.3 points of a 10 s time-limited solve's
/// gap on the bench's week families (docs/benchmarks.md, "Reproducible mode"). It runs
/// on one core, so it takes longer than 10 s of wall time (about 20 s of processor time
/// on the 10 × 2,500 week).
pub const DEFAULT_EFFORT: u64 = 250_000;
/// The time limit (the safety net) of a reproducible request that gives none: 5
/// minutes, far beyond what the default effort takes on the bench's weeks, so that the
/// effort, not the clock, ends the solve and the plan repeats. A time-limited request
/// that gives none gets the service's default (10 s).
pub const REPRODUCIBLE_SAFETY_NET_MS: u32 = 300_000;

/// The time limit of a request that gives none: `default_ms`, or for a reproducible one
/// [`REPRODUCIBLE_SAFETY_NET_MS`] (at most `max_ms`).
pub fn unset_time_limit_ms(reproducible: bool, default_ms: u32, max_ms: u32) -> u32 {
    if reproducible {
        REPRODUCIBLE_SAFETY_NET_MS.min(max_ms)
    } else {
        default_ms
    }
}

/// One HiGHS model's building, per column (besides [`RUN_UNITS`]).
pub const COLUMNS_PER_UNIT: u64 = 10;
/// The largest `effort_limit` a request may give.
pub const MAX_EFFORT: u64 = 1_000_000_000_000;

/// Where the virtual clock jumps when the effort is spent or the safety net strikes:
/// past every deadline of the pipeline.
const FAR: Duration = Duration::from_secs(1_000_000);

/// The nominal effort of the schedule for `limit`: the pipeline's time shares are
/// shares of this, and `limit` only cuts. It is a power of four times [`DEFAULT_EFFORT`],
/// the one whose band (from half to twice it) holds `limit`, so that a limit and the
/// effort a solve under it used share one schedule (docs/model.md, "Determinism").
pub fn nominal_effort(limit: u64) -> u64 {
    let mut nominal = DEFAULT_EFFORT;
    while limit > 2 * nominal && nominal < MAX_EFFORT {
        nominal *= 4;
    }
    nominal
}

/// The solve's clock. [`Clock::default`] is the wall clock (still counting effort);
/// [`Clock::reproducible`] is the virtual one. Clones share one account.
#[derive(Clone, Default)]
pub struct Clock(Arc<Account>);

#[derive(Default)]
struct Account {
    used: AtomicU64,
    /// The effort limit was reached (virtual clocks only).
    cut: AtomicBool,
    /// The wall-clock safety net struck (virtual clocks only).
    struck: AtomicBool,
    /// Reads of the clock since the limit or the safety net stopped it.
    jumps: AtomicU64,
    virtual_clock: Option<Virtual>,
}

struct Virtual {
    origin: Instant,
    limit: u64,
    nominal: u64,
    /// The wall-clock safety net.
    safety: Instant,
}

/// A HiGHS run's limits in reproducible mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HighsBudget {
    /// Units the run may take (its LP's simplex iteration limit).
    pub units: u64,
    /// The branch-and-bound node limit of a MIP: `units / NODE_UNITS`, at least 1.
    pub nodes: u64,
    /// The wall-clock safety net left.
    pub safety: Duration,
}

impl Clock {
    /// A virtual clock for a reproducible solve cut at `limit` units, with the wall-clock
    /// safety net at `safety`.
    pub fn reproducible(limit: u64, safety: Instant) -> Self {
        Clock(Arc::new(Account {
            virtual_clock: Some(Virtual {
                origin: Instant::now(),
                limit,
                nominal: nominal_effort(limit),
                safety,
            }),
            ..Account::default()
        }))
    }

    /// A fresh wall clock (a new effort account).
    pub fn wall() -> Self {
        Clock::default()
    }

    pub fn is_virtual(&self) -> bool {
        self.0.virtual_clock.is_some()
    }

    /// Now: the wall clock, or the virtual one (past every deadline once the effort is
    /// spent or the safety net strikes).
    pub fn now(&self) -> Instant {
        let Some(v) = &self.0.virtual_clock else {
            return Instant::now();
        };
        if Instant::now() >= v.safety {
            self.0.struck.store(true, Ordering::SeqCst);
        }
        if self.0.cut.load(Ordering::SeqCst) || self.0.struck.load(Ordering::SeqCst) {
            // Each read lies past the last: a deadline set from one read has passed at
            // the next, so every loop of the pipeline ends.
            let jumps = self.0.jumps.fetch_add(1, Ordering::SeqCst) + 1;
            return v.origin + FAR.saturating_mul(jumps.min(u64::from(u32::MAX)) as u32);
        }
        v.origin + Self::duration_of(self.used())
    }

    /// Time since `earlier` (an instant of this clock).
    pub fn since(&self, earlier: Instant) -> Duration {
        self.now().saturating_duration_since(earlier)
    }

    /// The duration `units` stand for on the virtual clock.
    pub fn duration_of(units: u64) -> Duration {
        Duration::from_nanos(units.saturating_mul(UNIT_NANOS))
    }

    /// The units a virtual duration stands for.
    pub fn units_of(duration: Duration) -> u64 {
        (duration.as_nanos() / u128::from(UNIT_NANOS)).min(u128::from(u64::MAX)) as u64
    }

    /// Counts `units` of work. On a virtual clock nothing more is counted once the limit
    /// is reached.
    pub fn charge(&self, units: u64) {
        let account = &self.0;
        let Some(v) = &account.virtual_clock else {
            account.used.fetch_add(units, Ordering::Relaxed);
            return;
        };
        if account.cut.load(Ordering::SeqCst) {
            return;
        }
        let used = account.used.fetch_add(units, Ordering::SeqCst) + units;
        if used >= v.limit {
            account.cut.store(true, Ordering::SeqCst);
        }
    }

    /// The last unit of a solve: charged once everything is done, so that a solve that
    /// ended of itself is repeated by the same request with `effort_limit` = its effort.
    pub fn finish(&self) {
        self.charge(1);
    }

    /// The units counted so far.
    pub fn used(&self) -> u64 {
        self.0.used.load(Ordering::SeqCst)
    }

    /// Whether the effort limit cut the solve (virtual clocks only).
    pub fn cut(&self) -> bool {
        self.0.cut.load(Ordering::SeqCst)
    }

    /// Whether the wall-clock safety net struck (virtual clocks only): the plan is then
    /// not promised to repeat.
    pub fn struck(&self) -> bool {
        self.0.struck.load(Ordering::SeqCst)
    }

    /// Records that the safety net struck elsewhere (a worker process reported it).
    pub fn mark_struck(&self) {
        self.0.struck.store(true, Ordering::SeqCst);
    }

    /// The effort limit, on a virtual clock.
    pub fn limit(&self) -> Option<u64> {
        self.0.virtual_clock.as_ref().map(|v| v.limit)
    }

    /// The virtual duration of the nominal schedule, on a virtual clock.
    pub fn nominal(&self) -> Option<Duration> {
        let v = self.0.virtual_clock.as_ref()?;
        Some(Self::duration_of(v.nominal))
    }

    /// The wall-clock safety net, on a virtual clock.
    pub fn safety(&self) -> Option<Instant> {
        self.0.virtual_clock.as_ref().map(|v| v.safety)
    }

    /// The limits of a HiGHS run given `limit` of (virtual) time, on a virtual clock:
    /// `None` on the wall clock. A budget of zero units means the run must not start.
    pub fn highs_budget(&self, limit: Duration) -> Option<HighsBudget> {
        let v = self.0.virtual_clock.as_ref()?;
        let units = if self.cut() || self.struck() || Instant::now() >= v.safety {
            0
        } else {
            Self::units_of(limit)
        };
        Some(HighsBudget {
            units,
            nodes: (units / NODE_UNITS).max(1),
            safety: v.safety.saturating_duration_since(Instant::now()),
        })
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("virtual", &self.is_virtual())
            .field("used", &self.used())
            .finish()
    }
}

/// Every clock is equal: the clock is the solve's, not part of the problem.
impl PartialEq for Clock {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproducible_request_without_a_time_limit_gets_the_safety_net() {
        assert_eq!(unset_time_limit_ms(false, 10_000, 600_000), 10_000);
        assert_eq!(
            unset_time_limit_ms(true, 10_000, 600_000),
            REPRODUCIBLE_SAFETY_NET_MS
        );
        assert_eq!(unset_time_limit_ms(true, 10_000, 60_000), 60_000);
    }

    #[test]
    fn a_virtual_clock_moves_with_the_units_and_stops_at_the_limit() {
        let clock = Clock::reproducible(1_000, Instant::now() + Duration::from_secs(600));
        let t0 = clock.now();
        clock.charge(400);
        assert_eq!(clock.now() - t0, Clock::duration_of(400));
        assert!(!clock.cut());
        clock.charge(600);
        assert!(clock.cut());
        assert!(clock.now() >= t0 + FAR - Duration::from_secs(1));
        clock.charge(5);
        assert_eq!(clock.used(), 1_000);
        assert_eq!(clock.highs_budget(Duration::from_secs(1)).unwrap().units, 0);
    }

    #[test]
    fn the_nominal_schedule_holds_a_limit_and_the_effort_near_it() {
        assert_eq!(nominal_effort(1), DEFAULT_EFFORT);
        assert_eq!(nominal_effort(2 * DEFAULT_EFFORT), DEFAULT_EFFORT);
        assert_eq!(nominal_effort(2 * DEFAULT_EFFORT + 1), 4 * DEFAULT_EFFORT);
        assert_eq!(nominal_effort(8 * DEFAULT_EFFORT), 4 * DEFAULT_EFFORT);
    }

    #[test]
    fn the_wall_clock_counts_without_limit() {
        let clock = Clock::wall();
        clock.charge(7);
        clock.charge(8);
        assert_eq!(clock.used(), 15);
        assert!(clock.highs_budget(Duration::from_secs(1)).is_none());
    }
}
