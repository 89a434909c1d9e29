//! The LP worker's work: the P1 count beside the LP bound by column generation, the LP
//! roundings, then the pattern bound by specialty and its rounding.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::effort::Clock;
use crate::theatre::models::column_generation::{LpOptimum, solve_lp_raising_floor};
use crate::theatre::models::patterns::{PatternRelaxation, RelaxationRun, solve_by_specialty};
use crate::theatre::stages::counts::max_count;
use crate::theatre::stages::events::{MipEvent, StageName, count_upper_bounds};
use crate::theatre::stages::neighbourhoods::LpGuide;
use crate::theatre::stages::rounding::{best_of_roundings, round_lp, round_patterns};
use crate::theatre::stages::run::{RunStatus, run_options};

/// The LP worker's budget on the solve's clock (the wall clock, or the virtual one of
/// reproducible mode): its start and its length.
#[derive(Clone, Copy)]
struct Budget<'a> {
    clock: &'a Clock,
    t0: Instant,
    limit: Duration,
}

impl Budget<'_> {
    fn until(self) -> Instant {
        self.t0 + self.limit
    }

    fn left(self) -> Duration {
        self.until().saturating_duration_since(self.clock.now())
    }

    fn elapsed_ms(self) -> u64 {
        self.clock.since(self.t0).as_millis() as u64
    }
}

/// A plan rounded from a relaxation, as a stage event.
fn rounded(stage: StageName, plan: Assignment, clock: Budget) -> MipEvent {
    MipEvent::StageDone {
        stage,
        status: RunStatus::Limit,
        plan: Some(plan),
        weighted_wait_bound: None,
        counts_proven: false,
        elapsed_ms: clock.elapsed_ms(),
    }
}

/// The LP relaxation of the whole weighted-wait model with the P1 floor of `floor_plan`
/// (at least as many P1 patients as it schedules): a bound on the weighted wait of every
/// plan the policy accepts, since those schedule as many P1 as any plan can. Reported as
/// [`MipEvent::LpBound`]; then a plan rounded from its solution (docs/model.md, "LP
/// rounding"), reported as a [`StageName::LpRounding`] stage; then the pattern bound and
/// its rounding ([`pattern_stage`]). Returns the LP's solution as a guide for the anytime
/// search (`None` when the LP did not finish in time: then only its Lagrangian bound is
/// reported, if a round finished).
pub fn lp_bound(
    instance: &Instance,
    floor_plan: &Assignment,
    limit: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) -> Option<LpGuide> {
    let clock = Budget {
        clock: &instance.clock,
        t0: instance.clock.now(),
        limit,
    };
    let counted = lp_with_p1_count(instance, floor_plan, clock)?;
    let CountedLp {
        lp,
        mut p1_plan,
        count_took,
    } = counted;
    let p1_floor = p1_plan.counts_by_priority(instance)[0];
    tracing::debug!(
        elapsed_ms = clock.elapsed_ms(),
        rounds = lp.rounds,
        columns = lp.columns,
        converged = lp.converged,
        "LP bound"
    );
    on_event(MipEvent::LpBound {
        weighted_wait: instance.nothing_scheduled_cost() + lp.objective,
        p1_floor,
        converged: lp.converged,
    });
    if !lp.converged {
        // The deadline cut the generation short: its bound stands, but the master's
        // solution is not the LP's and no time is left to round it.
        return None;
    }
    let (plan, rounding) = lp_roundings(instance, &lp, &p1_plan, p1_floor, clock);
    on_event(rounded(StageName::LpRounding, plan.clone(), clock));
    // Keep back what placing P1 near the patterns (about as long as the count) and
    // rounding the patterns (two roundings side by side, each about as long as an LP
    // rounding) will take: the rest is the relaxation's and the dive's.
    let reserve =
        (rounding + count_took + Duration::from_millis(50)).min(clock.left().mul_f64(0.2));
    let seeds = PatternSeeds {
        lp: &lp,
        p1_plan: &mut p1_plan,
        lp_plan: &plan,
        p1_floor,
    };
    pattern_stage(instance, seeds, reserve, clock, on_event);
    Some(LpGuide::new(instance.patients.len(), &lp.values))
}

/// The LP with the P1 floor, the plan that set the floor, and how long the count took.
struct CountedLp {
    lp: LpOptimum,
    p1_plan: Assignment,
    /// About what placing P1 near the patterns will take.
    count_took: Duration,
}

/// The LP with its P1 floor raised as the count of P1 patients that fit (a MIP, run
/// beside it in a thread of its own) proves more: the LP starts from the floor plan's
/// count (`solve_lp_raising_floor`). `None` when no round of the LP finished in time.
fn lp_with_p1_count(
    instance: &Instance,
    floor_plan: &Assignment,
    clock: Budget,
) -> Option<CountedLp> {
    let start_floor = floor_plan.counts_by_priority(instance)[0];
    let mut p1_plan = floor_plan.clone();
    let mut count_took = Duration::ZERO;
    let span = tracing::Span::current();
    let lp = std::thread::scope(|scope| {
        let mut counting = (start_floor < count_upper_bounds(instance)[0]).then(|| {
            scope.spawn(|| {
                let _span = span.enter();
                let started = instance.clock.now();
                let options = run_options(instance, clock.limit / 4);
                let plan = max_count(instance, Priority::P1, [0; 4], floor_plan, &options, None).1;
                (plan, instance.clock.since(started))
            })
        });
        // In reproducible mode the count runs alone, before the LP, whose first round
        // then takes its result: the two would otherwise charge one effort account in
        // an order the machine decides.
        if instance.clock.is_virtual()
            && let Some(handle) = &counting
        {
            while !handle.is_finished() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let mut update = |wait: bool| {
            let handle = counting.take()?;
            if !wait && !handle.is_finished() {
                counting = Some(handle);
                return None;
            }
            // A count with no better plan leaves the floor as it is; a panic stays one.
            let (improved, took) = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            count_took = took;
            if let Some(plan) = &improved {
                p1_plan = plan.clone();
            }
            tracing::debug!(
                elapsed_ms = clock.elapsed_ms(),
                p1_floor = p1_plan.counts_by_priority(instance)[0],
                "P1 maximised"
            );
            Some(improved)
        };
        solve_lp_raising_floor(
            instance,
            floor_plan,
            start_floor,
            Some(&mut update),
            clock.until(),
            instance.options.threads,
            instance.options.solver_log,
        )
    })?;
    Some(CountedLp {
        lp,
        p1_plan,
        count_took,
    })
}

/// Rounds the LP twice, side by side: P1 placed where the LP puts them, and P1 placed as
/// in the plan that set the floor (which always meets it); the better under the policy,
/// and how long a rounding took. (Placing the floor's P1 near the LP first, a count with
/// a preference, cost large weeks 1.5 s and gave worse final plans on 14 of 15 weeks:
/// docs/bench-log.)
fn lp_roundings(
    instance: &Instance,
    lp: &LpOptimum,
    p1_plan: &Assignment,
    p1_floor: u32,
    clock: Budget,
) -> (Assignment, Duration) {
    let until = instance.clock.now() + clock.left() / 2;
    let round = |seed_p1: bool| {
        let started = instance.clock.now();
        let plan = round_lp(instance, p1_plan, seed_p1, &lp.values, until);
        (plan, instance.clock.since(started))
    };
    let span = tracing::Span::current();
    let ((from_lp, rounding), (seeded, _)) = std::thread::scope(|scope| {
        let seeded = scope.spawn(|| {
            let _span = span.enter();
            round(true)
        });
        let from_lp = round(false);
        (from_lp, seeded.join().expect("the rounding does not panic"))
    });
    tracing::debug!(
        elapsed_ms = clock.elapsed_ms(),
        rounding_ms = rounding.as_millis() as u64,
        "LP roundings"
    );
    let plan = best_of_roundings(instance, from_lp, seeded, p1_floor, clock.until());
    (plan, rounding)
}

/// What the pattern stage starts from.
struct PatternSeeds<'a> {
    lp: &'a LpOptimum,
    /// The plan that set the floor; replaced by one with its P1 nearer the patterns.
    p1_plan: &'a mut Assignment,
    /// The LP rounding's plan.
    lp_plan: &'a Assignment,
    p1_floor: u32,
}

/// The pattern relaxation, one master per specialty from the LP's duals: a tighter
/// bound ([`MipEvent::PatternBound`]), and a plan rounded from its solution after diving
/// where a part's relaxation converged in time (docs/model.md, "Pattern bound and
/// diving"), reported as a [`StageName::PatternRounding`] stage. `reserve` is kept back
/// for placing P1 and the rounding.
fn pattern_stage(
    instance: &Instance,
    seeds: PatternSeeds,
    reserve: Duration,
    clock: Budget,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let PatternSeeds {
        lp,
        p1_plan,
        lp_plan,
        p1_floor,
    } = seeds;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let until = instance.clock.now() + clock.left().saturating_sub(reserve);
    let run = RelaxationRun {
        deadline: until,
        dive_until: Some(until),
        threads,
        log: instance.options.solver_log,
    };
    let Some(relaxation) = solve_by_specialty(
        instance,
        &[p1_plan, lp_plan],
        p1_floor,
        &lp.shared_duals,
        &run,
    ) else {
        return;
    };
    tracing::debug!(
        elapsed_ms = clock.elapsed_ms(),
        rounds = relaxation.rounds,
        converged = relaxation.converged,
        "pattern bound"
    );
    on_event(MipEvent::PatternBound {
        weighted_wait: instance.nothing_scheduled_cost() + relaxation.bound,
        p1_floor,
        converged: relaxation.converged,
    });
    // The floor's P1 placed as close to the pattern relaxation as the count allows:
    // the seed of the rounding that always meets the floor.
    if p1_floor > 0 {
        let prefer = p1_preference(instance, &relaxation);
        place_p1_near(instance, p1_plan, p1_floor, &prefer, clock.left() / 2);
        tracing::debug!(
            elapsed_ms = clock.elapsed_ms(),
            "P1 placed near the patterns"
        );
    }
    let plan = round_patterns(instance, &relaxation, p1_plan, p1_floor, clock.until());
    on_event(rounded(StageName::PatternRounding, plan, clock));
}

/// How much of each P1 pair (p, s) the pattern relaxation uses (capped at 1).
fn p1_preference(
    instance: &Instance,
    relaxation: &PatternRelaxation,
) -> HashMap<(PatientIdx, SessionIdx), f64> {
    let mut prefer: HashMap<(PatientIdx, SessionIdx), f64> = HashMap::new();
    let fixed = relaxation.fixed.iter().map(|k| (k, 1.0));
    let valued = relaxation
        .pool
        .iter()
        .zip(relaxation.values.iter().copied());
    for (pattern, value) in fixed.chain(valued).filter(|(_, v)| *v > 1e-6) {
        for &p in &pattern.patients {
            if instance.patient(p).priority == Priority::P1 {
                let w = prefer.entry((p, pattern.session)).or_insert(0.0);
                *w = (*w + value).min(1.0);
            }
        }
    }
    prefer
}

/// Replaces `p1_plan` by a plan with at least `p1_floor` P1 whose P1 bookings carry the
/// most of `prefer` (a count with a preference, see "Count stages"), if one is found
/// within `limit`.
fn place_p1_near(
    instance: &Instance,
    p1_plan: &mut Assignment,
    p1_floor: u32,
    prefer: &HashMap<(PatientIdx, SessionIdx), f64>,
    limit: Duration,
) {
    let (_, near) = max_count(
        instance,
        Priority::P1,
        [0; 4],
        p1_plan,
        &run_options(instance, limit),
        Some(prefer),
    );
    if let Some(near) = near.filter(|a| a.counts_by_priority(instance)[0] >= p1_floor) {
        *p1_plan = near;
    }
}
