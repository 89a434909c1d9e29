//! The pattern relaxation solved one specialty at a time (the ward beds and the P1 floor
//! priced at the pair LP's duals), two passes, in time shares, with dives.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::theatre::effort::Clock;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::models::column_generation::SharedDuals;
use crate::theatre::models::patterns::master::{Generation, Master};
use crate::theatre::models::patterns::pattern::{
    Coupling, Part, Pattern, PatternRelaxation, patterns_of,
};
use crate::theatre::models::patterns::pricing::Pricing;

/// The multiplier of each forced P1 row, in units of the largest cost of leaving a
/// patient out: large enough that the relaxation books every forced patient it can.
const FORCED_PENALTY: f64 = 4.0;

/// Dives of the second pass after the first, each passing over one more of the patterns
/// its first step could fix (a limited discrepancy search, time permitting).
const DIVE_DISCREPANCIES: usize = 4;

/// Column generation on the pattern master of `part` from the `initial` patterns (those
/// of plans that respect the pins; where the floor is a row, one of them must meet it,
/// or the master may be infeasible), until it converges or `deadline`. Pricing is
/// stabilised by smoothing (Wentges): it prices at a point between the master's duals
/// and the duals of the best Lagrangian bound so far (the *centre*), starting from
/// `centre` when given (the pair LP's duals: the first bound is then at least the pair
/// LP's). `None` when HiGHS fails before the first bound.
pub fn solve_relaxation(
    instance: &Instance,
    part: &Part,
    initial: &[Pattern],
    p1_floor: u32,
    centre: Option<&SharedDuals>,
    deadline: Instant,
    log: bool,
) -> Option<PatternRelaxation> {
    let pricing = Pricing::new(instance);
    let mut master = Master::new(instance, &pricing, part, initial, p1_floor, centre, log)?;
    let end = master.generate(deadline, None);
    (end != Generation::Failed && master.best_bound.is_finite())
        .then(|| master.relaxation(end == Generation::Converged))
}

/// The sessions of each specialty, in specialty order: the parts of the split relaxation.
pub fn sessions_by_specialty(instance: &Instance) -> Vec<Vec<SessionIdx>> {
    let mut by_specialty: BTreeMap<usize, Vec<SessionIdx>> = BTreeMap::new();
    for s in instance.session_indices() {
        by_specialty
            .entry(instance.session(s).specialty.idx())
            .or_default()
            .push(s);
    }
    by_specialty.into_values().collect()
}

/// The ward beds' multipliers of the split relaxation, the duals' clamped to ≤ 0, and
/// their Lagrangian constant Σ_d free_d μ_d.
pub fn bed_prices(instance: &Instance, duals: &SharedDuals) -> (BTreeMap<i64, f64>, f64) {
    let beds: BTreeMap<i64, f64> = instance
        .free_beds
        .keys()
        .map(|&day| (day, duals.beds.get(&day).copied().unwrap_or(0.0).min(0.0)))
        .collect();
    let constant = instance
        .free_beds
        .iter()
        .map(|(day, &free)| f64::from(free) * beds[day])
        .sum();
    (beds, constant)
}

/// The P1 patients with an eligible session, in patient order: where the P1 floor is all
/// of them, every plan with the floor books each one.
pub fn schedulable_p1(instance: &Instance) -> Vec<PatientIdx> {
    instance
        .patient_indices()
        .filter(|&p| {
            instance.patient(p).priority == Priority::P1 && !instance.eligible[p.idx()].is_empty()
        })
        .collect()
}

/// How long and on how many threads [`solve_by_specialty`] runs: column generation until
/// `deadline`, dives until `dive_until` (none without it), HiGHS's log when `log`.
#[derive(Clone, Copy, Debug)]
pub struct RelaxationRun {
    pub deadline: Instant,
    pub dive_until: Option<Instant>,
    pub threads: usize,
    pub log: bool,
}

/// The pattern relaxation split by specialty (docs/model.md): one master per specialty,
/// the ward beds and the P1 floor priced at the multipliers of `duals` (the pair LP's;
/// where the floor is every schedulable P1 patient, a forced row per patient instead),
/// solved on up to `threads` threads (each part alone, so the result does not depend on
/// the threads). The bound is the Lagrangian constant Σ_d free_d μ_d − floor μ_floor − Σ_p ν_p
/// plus every part's bound; the pool and values are the parts' in specialty order. With
/// `dive_until`, each part whose relaxation converged then dives until then, and where
/// the first pass left at least as much time as it took, dives again one pattern at a time,
/// then with discrepancies (docs/model.md, "Diving").
pub fn solve_by_specialty(
    instance: &Instance,
    starts: &[&Assignment],
    p1_floor: u32,
    duals: &SharedDuals,
    run: &RelaxationRun,
) -> Option<PatternRelaxation> {
    let RelaxationRun {
        deadline,
        dive_until,
        threads,
        log,
    } = *run;
    let initial: Vec<Pattern> = starts
        .iter()
        .flat_map(|plan| patterns_of(instance, plan))
        .collect();
    let (coupling, constant) = coupling(instance, p1_floor, duals);
    let centre = forced_centre(duals, &coupling);
    let parts: Vec<Part> = sessions_by_specialty(instance)
        .into_iter()
        .map(|sessions| Part::of(sessions, Some(coupling.clone())))
        .collect();
    let results: Vec<Mutex<Option<PatternRelaxation>>> =
        parts.iter().map(|_| Mutex::new(None)).collect();
    // Largest parts first, so that the threads finish together.
    let mut queue: Vec<usize> = (0..parts.len()).collect();
    queue.sort_by_key(|&k| std::cmp::Reverse(parts[k].sessions.len()));
    let started = instance.clock.now();
    // What pricing needs about every session, once for all parts.
    let pricing = Pricing::new(instance);
    let split = Split {
        instance,
        pricing: &pricing,
        parts: &parts,
        p1_floor,
        duals: &centre,
        log,
        started,
        results: &results,
    };
    // One part at a time in reproducible mode: parts on two threads would charge one
    // effort account in an order the machine decides.
    let clock = &instance.clock;
    let threads = if clock.is_virtual() { 1 } else { threads };
    let workers = threads.clamp(1, parts.len().max(1));
    run_in_time_shares(&parts, &queue, (workers, clock), deadline, |k, slot| {
        split.first_pass(k, slot, &initial, dive_until);
    });
    // A second, slower dive (one pattern per step) where the first pass used at most half
    // of the time to `dive_until` (small weeks), then up to DIVE_DISCREPANCIES more, each
    // from a fresh master over the part's columns, in shares of the time left as above;
    // each kept where it fixes as many sessions at a lower cost at the part's prices.
    let first_pass_took_at_most_half = |until: &Instant| {
        let now = clock.now();
        until.saturating_duration_since(now) >= now.saturating_duration_since(started)
    };
    if let Some(until) = dive_until.filter(first_pass_took_at_most_half) {
        let again: Vec<usize> = queue
            .iter()
            .copied()
            .filter(|&k| {
                results[k]
                    .lock()
                    .expect("not poisoned")
                    .as_ref()
                    .is_some_and(|r| r.converged && !r.fixed.is_empty())
            })
            .collect();
        run_in_time_shares(&parts, &again, (workers, clock), until, |k, slot| {
            split.dive_again(k, slot, until);
        });
    }
    total(results, constant)
}

/// The multipliers of the split relaxation's coupling rows, and their Lagrangian constant
/// Σ_d free_d μ_d − floor μ_floor − Σ_p ν_p.
fn coupling(instance: &Instance, p1_floor: u32, duals: &SharedDuals) -> (Coupling, f64) {
    // Where the floor is every P1 patient with an eligible session, every plan with the
    // floor books each of them: a row per patient, priced at −FORCED_PENALTY·max c⁰, is
    // tighter than the floor row (docs/model.md, "Every P1 patient forced in").
    let schedulable_p1 = schedulable_p1(instance);
    let force = p1_floor > 0 && schedulable_p1.len() == p1_floor as usize;
    let penalty = FORCED_PENALTY
        * instance
            .patient_indices()
            .map(|p| instance.cost_unscheduled(p))
            .fold(0.0, f64::max);
    let (beds, bed_constant) = bed_prices(instance, duals);
    let coupling = Coupling {
        beds,
        floor: if p1_floor > 0 && !force {
            duals.floor.min(0.0)
        } else {
            0.0
        },
        forced: if force {
            schedulable_p1.iter().map(|&p| (p, -penalty)).collect()
        } else {
            BTreeMap::new()
        },
    };
    let constant =
        bed_constant - f64::from(p1_floor) * coupling.floor - coupling.forced.values().sum::<f64>();
    (coupling, constant)
}

/// The centre for the forced rows: each forced patient's assignment dual moved by as
/// much as its item cost moved (from μ_floor to ν_p), so that pricing at the centre
/// sees the reduced costs, and the Lagrangian bound, of the pair LP's duals.
fn forced_centre(duals: &SharedDuals, coupling: &Coupling) -> SharedDuals {
    let mut centre = duals.clone();
    for (&p, &nu) in &coupling.forced {
        centre.assign[p.idx()] += nu - duals.floor.min(0.0);
    }
    centre
}

/// What both passes of [`solve_by_specialty`] share: the parts, what their masters start
/// from, and each part's result so far.
struct Split<'a> {
    instance: &'a Instance,
    pricing: &'a Pricing,
    parts: &'a [Part],
    p1_floor: u32,
    /// The centre the masters price from (the pair LP's duals, moved for forced rows).
    duals: &'a SharedDuals,
    log: bool,
    started: Instant,
    results: &'a [Mutex<Option<PatternRelaxation>>],
}

impl Split<'_> {
    fn master(&self, k: usize, initial: &[Pattern]) -> Option<Master<'_>> {
        Master::new(
            self.instance,
            self.pricing,
            &self.parts[k],
            initial,
            self.p1_floor,
            Some(self.duals),
            self.log,
        )
    }

    /// Part k's relaxation until `slot` from the `initial` patterns, and where it
    /// converged, a dive until `dive_until` (no later than `slot`).
    fn first_pass(
        &self,
        k: usize,
        slot: Instant,
        initial: &[Pattern],
        dive_until: Option<Instant>,
    ) {
        let Some(mut master) = self.master(k, initial) else {
            return;
        };
        let end = master.generate(slot, None);
        if end == Generation::Failed || !master.best_bound.is_finite() {
            return;
        }
        let mut relaxation = master.relaxation(end == Generation::Converged);
        tracing::debug!(
            part = k,
            sessions = self.parts[k].sessions.len(),
            ?end,
            rounds = master.rounds,
            gap = master.relative_gap(),
            elapsed_ms = self
                .instance
                .clock
                .now()
                .saturating_duration_since(self.started)
                .as_millis() as u64,
            "pattern relaxation of a part"
        );
        if let (Some(until), Generation::Converged) = (dive_until, end) {
            relaxation.fixed = master.dive(until.min(slot), false, 0);
            tracing::debug!(
                part = k,
                fixed = relaxation.fixed.len(),
                elapsed_ms = self
                    .instance
                    .clock
                    .now()
                    .saturating_duration_since(self.started)
                    .as_millis() as u64,
                "dive done"
            );
        }
        *self.results[k].lock().expect("not poisoned") = Some(relaxation);
    }

    /// The second pass of part k until `slot`: dives one pattern at a time, with 0 to
    /// DIVE_DISCREPANCIES discrepancies, each kept where it is better.
    fn dive_again(&self, k: usize, slot: Instant, until: Instant) {
        if self.instance.clock.now() >= until {
            return;
        }
        let mut guard = self.results[k].lock().expect("not poisoned");
        let Some(relaxation) = guard.as_mut() else {
            return;
        };
        let columns: Vec<Pattern> = relaxation
            .pool
            .iter()
            .chain(&relaxation.fixed)
            .cloned()
            .collect();
        for skip in 0..=DIVE_DISCREPANCIES {
            if self.instance.clock.now() >= slot {
                break;
            }
            let Some(mut master) = self.master(k, &columns) else {
                return;
            };
            if master.generate(slot, None) != Generation::Converged {
                return;
            }
            let again = master.dive(slot, true, skip);
            let cost = |fixed: &[Pattern]| -> f64 {
                fixed
                    .iter()
                    .map(|p| master.rows.column(self.instance, p).0)
                    .sum()
            };
            let (kept_cost, again_cost) = (cost(&relaxation.fixed), cost(&again));
            tracing::debug!(
                part = k,
                skip,
                kept = kept_cost,
                again = again_cost,
                kept_fixed = relaxation.fixed.len(),
                again_fixed = again.len(),
                "second dive"
            );
            if again.len() >= relaxation.fixed.len()
                && again_cost < kept_cost - 1e-9 * kept_cost.abs()
            {
                relaxation.fixed = again;
            }
        }
    }
}

/// The parts' results summed onto the Lagrangian `constant`, in specialty order; `None`
/// when a part has none.
fn total(
    results: Vec<Mutex<Option<PatternRelaxation>>>,
    constant: f64,
) -> Option<PatternRelaxation> {
    let mut total = PatternRelaxation {
        bound: constant,
        master_objective: constant,
        converged: true,
        rounds: 0,
        pool: Vec::new(),
        values: Vec::new(),
        fixed: Vec::new(),
    };
    for result in results {
        let part = result.into_inner().expect("not poisoned")?;
        total.bound += part.bound;
        total.master_objective += part.master_objective;
        total.converged &= part.converged;
        total.rounds = total.rounds.max(part.rounds);
        total.pool.extend(part.pool);
        total.values.extend(part.values);
        total.fixed.extend(part.fixed);
    }
    Some(total)
}

/// Runs `work(k, slot)` for the parts of `queue` in order, on `workers` threads, each
/// part until its `slot`: a fair share of the time left to `until`, by size among the
/// parts not yet started, so that the first parts do not take it all; a part that ends
/// early leaves its share to those after it. Each part alone, so that what a part does
/// does not depend on the threads.
fn run_in_time_shares(
    parts: &[Part],
    queue: &[usize],
    (workers, clock): (usize, &Clock),
    until: Instant,
    work: impl Fn(usize, Instant) + Sync,
) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let span = tracing::Span::current();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let _span = span.enter();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&k) = queue.get(i) else { break };
                    let waiting: usize = queue[i..].iter().map(|&j| parts[j].sessions.len()).sum();
                    let share = (workers * parts[k].sessions.len()) as f64 / waiting.max(1) as f64;
                    let now = clock.now();
                    let slot = now + until.saturating_duration_since(now).mul_f64(share.min(1.0));
                    work(k, slot);
                }
            });
        }
    });
}
