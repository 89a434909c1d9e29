//! Solving the theatre-list model with HiGHS: one stage at a time, each warm-started
//! from the best plan so far, reporting every result through a callback as soon as it
//! exists, so that a caller that has to stop (a deadline, a cancelled request) always
//! holds the latest plan and bound.
//!
//! HiGHS does not always honour its own time limit (it can sit in MIP set-up far past
//! it), so this code is meant to run where it can be abandoned: the service runs it in
//! a worker process that it kills at the deadline.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use good_lp::{SolverModel, solvers::highs::highs};
use highs::HighsModelStatus;
use serde::{Deserialize, Serialize};

use crate::theatre::domain::{Instance, ObjectivePolicy, PatientIdx, Priority, SessionIdx};
use crate::theatre::models::theatre_list::{Scope, Stage, build};
use crate::theatre::plan::Assignment;

/// How a HiGHS run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    /// Proven optimal (within the relative gap asked for).
    Optimal,
    /// Stopped by a limit with a feasible solution.
    Limit,
    /// Stopped with no solution, or HiGHS failed.
    NoSolution,
}

/// One solve's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub status: RunStatus,
    /// The solution, when there is one (MIP only).
    pub assignment: Option<Assignment>,
    /// The stage objective of the solution.
    pub objective: f64,
    /// A proven lower bound on the stage objective (−∞ when none).
    pub dual_bound: f64,
    pub elapsed_ms: u64,
}

/// Options for one HiGHS run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub time_limit: Duration,
    pub mip_rel_gap: f64,
    /// Absolute gap at which HiGHS may stop (count stages: just under one patient).
    pub mip_abs_gap: Option<f64>,
    pub threads: u32,
    pub log: bool,
}

/// Solves one stage: the MIP (`integer`) or its LP relaxation, optionally from a start.
pub fn run_stage(
    instance: &Instance,
    stage: Stage,
    floors: [u32; 4],
    integer: bool,
    start: Option<&Assignment>,
    options: &RunOptions,
    scope: Option<&Scope>,
) -> RunResult {
    let started = Instant::now();
    let formulation = build(instance, stage, floors, integer, scope);
    let n_columns = formulation.columns.len();
    if n_columns == 0 {
        return RunResult {
            status: RunStatus::Optimal,
            assignment: Some(Assignment::empty(instance)),
            objective: 0.0,
            dual_bound: 0.0,
            elapsed_ms: 0,
        };
    }
    let mut problem = formulation
        .variables
        .minimise(formulation.objective)
        .using(highs);
    for (_, _, c) in formulation.constraints {
        problem = problem.with(c);
    }
    // into_inner drops every option set through good_lp: set them on the HiGHS model.
    let mut model = match problem.try_into_inner() {
        Ok(m) => m,
        Err(_) => return no_solution(started),
    };
    let seconds = options.time_limit.as_secs_f64().max(0.001);
    let set = |model: &mut highs::Model| -> Result<(), highs::TrySetOptionError> {
        model.try_set_option("time_limit", seconds)?;
        model.try_set_option("threads", options.threads.max(1) as i32)?;
        model.try_set_option("random_seed", 0)?;
        model.try_set_option("mip_rel_gap", options.mip_rel_gap)?;
        if let Some(gap) = options.mip_abs_gap {
            model.try_set_option("mip_abs_gap", gap)?;
        }
        model.try_set_option("output_flag", options.log)?;
        model.try_set_option("log_to_console", options.log)?;
        Ok(())
    };
    if set(&mut model).is_err() {
        return no_solution(started);
    }
    if let (Some(start), true) = (start, integer) {
        let mut cols = vec![0.0; n_columns];
        for (k, &(p, s)) in formulation.columns.iter().enumerate() {
            if start.get(p) == Some(s) {
                cols[k] = 1.0;
            }
        }
        // A start HiGHS rejects only costs it the head start.
        let _ = model.try_set_solution(Some(&cols), None, None, None);
    }
    let solved = match model.try_solve() {
        Ok(s) => s,
        Err(_) => return no_solution(started),
    };
    let status = solved.status();
    let has_solution = matches!(
        solved.primal_solution_status(),
        highs::HighsSolutionStatus::Feasible
    );
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let objective = solved.objective_value();
    if !integer {
        return match status {
            HighsModelStatus::Optimal => RunResult {
                status: RunStatus::Optimal,
                assignment: None,
                objective,
                dual_bound: objective,
                elapsed_ms,
            },
            _ => no_solution(started),
        };
    }
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .unwrap_or(f64::NEG_INFINITY);
    if !has_solution {
        return RunResult {
            dual_bound,
            ..no_solution(started)
        };
    }
    let values = solved.get_solution();
    let mut assignment = Assignment::empty(instance);
    for (k, &(p, s)) in formulation.columns.iter().enumerate() {
        if values.columns()[k] > 0.5 {
            assignment.set(p, Some(s));
        }
    }
    RunResult {
        status: if status == HighsModelStatus::Optimal {
            RunStatus::Optimal
        } else {
            RunStatus::Limit
        },
        assignment: Some(assignment),
        objective,
        dual_bound,
        elapsed_ms,
    }
}

fn no_solution(started: Instant) -> RunResult {
    RunResult {
        status: RunStatus::NoSolution,
        assignment: None,
        objective: f64::NAN,
        dual_bound: f64::NEG_INFINITY,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// What the staged solve reports as it goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MipEvent {
    /// A proven lower bound on the weighted wait of every plan that schedules at least
    /// `p1_floor` P1 patients (the LP relaxation with that floor), so of every plan the
    /// policy accepts.
    LpBound { weighted_wait: f64, p1_floor: u32 },
    /// The same for the pattern relaxation (docs/model.md, "Pattern bound and diving"): at least as tight as the LP's when `converged`.
    PatternBound {
        weighted_wait: f64,
        p1_floor: u32,
        converged: bool,
    },
    /// A stage finished. `plan` is at least as good as every earlier plan under the
    /// policy (warm start plus floors), so the latest one is the one to keep.
    StageDone {
        stage: StageName,
        status: RunStatus,
        plan: Option<Assignment>,
        /// Lower bound on the weighted wait, for the weighted-wait stage only, valid for
        /// every plan the policy accepts (see docs/model.md, "Bounds").
        weighted_wait_bound: Option<f64>,
        /// Whether every count stage so far was proven optimal (or needed no solve).
        counts_proven: bool,
        elapsed_ms: u64,
    },
}

/// A stage, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageName {
    MaxP1,
    MaxP2,
    MaxP3,
    MaxP4,
    /// A plan rounded from the LP relaxation's solution.
    LpRounding,
    /// A plan rounded from the pattern relaxation's solution.
    PatternRounding,
    /// The weighted wait of one specialty's patients, the rest fixed.
    SubModel,
    WeightedWait,
}

impl StageName {
    fn of(stage: Stage) -> Self {
        match stage {
            Stage::MaxCount(Priority::P1) => StageName::MaxP1,
            Stage::MaxCount(Priority::P2) => StageName::MaxP2,
            Stage::MaxCount(Priority::P3) => StageName::MaxP3,
            Stage::MaxCount(Priority::P4) => StageName::MaxP4,
            Stage::WeightedWait => StageName::WeightedWait,
        }
    }
}

/// The stages a policy solves, in order (docs/model.md, "Objective policies").
pub fn stages(policy: ObjectivePolicy) -> Vec<Stage> {
    match policy {
        ObjectivePolicy::WeightedWait => vec![Stage::MaxCount(Priority::P1), Stage::WeightedWait],
        ObjectivePolicy::PriorityOrder => vec![
            Stage::MaxCount(Priority::P1),
            Stage::MaxCount(Priority::P2),
            Stage::MaxCount(Priority::P3),
            Stage::MaxCount(Priority::P4),
            Stage::WeightedWait,
        ],
    }
}

/// Patients of each priority that have at least one eligible session: an upper bound
/// on that priority's count.
pub fn count_upper_bounds(instance: &Instance) -> [u32; 4] {
    let mut ub = [0; 4];
    for p in instance.patient_indices() {
        if !instance.eligible[p.idx()].is_empty() {
            ub[instance.patient(p).priority.rank()] += 1;
        }
    }
    ub
}

/// Runs the LP bound and then the policy's stages, each warm-started from the latest
/// plan, within `budget`. Every result goes to `on_event` as soon as it exists.
pub fn solve_staged(
    instance: &Instance,
    start: Assignment,
    budget: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let t0 = Instant::now();
    let mut start = start;
    lp_bound(instance, &start.clone(), budget / 4, &mut |event| {
        if let MipEvent::StageDone {
            plan: Some(plan), ..
        } = &event
            && !crate::theatre::solve::policy_worse(instance, plan, &start)
        {
            start = plan.clone();
        }
        on_event(event)
    });
    solve_stages(
        instance,
        start,
        budget.saturating_sub(t0.elapsed()),
        on_event,
    );
}

/// Options for a HiGHS run of this instance.
fn run_options(instance: &Instance, limit: Duration) -> RunOptions {
    RunOptions {
        time_limit: limit,
        mip_rel_gap: instance.options.mip_rel_gap,
        mip_abs_gap: None,
        threads: instance.options.threads,
        log: instance.options.solver_log,
    }
}

/// The LP relaxation of the whole weighted-wait model with the P1 floor of `floor_plan`
/// (at least as many P1 patients as it schedules): a bound on the weighted wait of every
/// plan the policy accepts, since those schedule as many P1 as any plan can. Reported as
/// [`MipEvent::LpBound`]; then a plan rounded from its solution (docs/model.md, "LP
/// rounding"), reported as a [`StageName::LpRounding`] stage.
pub fn lp_bound(
    instance: &Instance,
    floor_plan: &Assignment,
    limit: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let t0 = Instant::now();
    // The most P1 patients that fit (a MIP) is the LP's floor and the rounding's seed. It
    // runs beside the LP, which starts from the floor plan's count and raises its floor
    // when the count is known (`solve_lp_raising_floor`).
    let start_floor = floor_plan.counts_by_priority(instance)[0];
    let mut p1_plan = floor_plan.clone();
    // How long the count took: about what placing P1 near the patterns will take.
    let mut count_took = Duration::ZERO;
    let lp = std::thread::scope(|scope| {
        let mut counting = (start_floor < count_upper_bounds(instance)[0]).then(|| {
            scope.spawn(|| {
                let started = Instant::now();
                let options = run_options(instance, limit / 4);
                let plan = max_count(instance, Priority::P1, [0; 4], floor_plan, &options, None).1;
                (plan, started.elapsed())
            })
        });
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
                elapsed_ms = t0.elapsed().as_millis() as u64,
                p1_floor = p1_plan.counts_by_priority(instance)[0],
                "P1 maximised"
            );
            Some(improved)
        };
        crate::theatre::models::column_generation::solve_lp_raising_floor(
            instance,
            floor_plan,
            start_floor,
            Some(&mut update),
            t0 + limit,
            instance.options.threads,
            instance.options.solver_log,
        )
    });
    let Some(lp) = lp else {
        return;
    };
    let p1_floor = p1_plan.counts_by_priority(instance)[0];
    tracing::debug!(
        elapsed_ms = t0.elapsed().as_millis() as u64,
        rounds = lp.rounds,
        columns = lp.columns,
        "LP bound"
    );
    on_event(MipEvent::LpBound {
        weighted_wait: instance.nothing_scheduled_cost() + lp.objective,
        p1_floor,
    });
    // Round twice, side by side: P1 placed where the LP puts them, and P1 placed as in the
    // plan that set the floor (which always meets it); keep the better under the policy.
    // (Placing the floor's P1 near the LP first, a count with a preference, cost large
    // weeks 1.5 s and gave worse final plans on 14 of 15 weeks: docs/benchmarks.md.)
    let until = Instant::now() + (t0 + limit).saturating_duration_since(Instant::now()) / 2;
    let round = |seed_p1: bool| {
        let started = Instant::now();
        let plan = round_lp(instance, &p1_plan, seed_p1, &lp.values, until);
        (plan, started.elapsed())
    };
    let ((from_lp, rounding), (seeded, _)) = std::thread::scope(|scope| {
        let seeded = scope.spawn(|| round(true));
        let from_lp = round(false);
        (from_lp, seeded.join().expect("the rounding does not panic"))
    });
    tracing::debug!(
        elapsed_ms = t0.elapsed().as_millis() as u64,
        rounding_ms = rounding.as_millis() as u64,
        "LP roundings"
    );
    let plan = best_of_roundings(instance, from_lp, seeded, p1_floor, t0 + limit);
    on_event(MipEvent::StageDone {
        stage: StageName::LpRounding,
        status: RunStatus::Limit,
        plan: Some(plan.clone()),
        weighted_wait_bound: None,
        counts_proven: false,
        elapsed_ms: t0.elapsed().as_millis() as u64,
    });
    // The pattern relaxation, one master per specialty from the LP's duals: a tighter
    // bound, and a plan rounded from its solution, after diving where a part's relaxation
    // converged in time (docs/model.md, "Pattern bound and diving").
    let left = (t0 + limit).saturating_duration_since(Instant::now());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    // Keep back what placing P1 near the patterns (about as long as the count) and
    // rounding the patterns (two roundings side by side, each about as long as an LP
    // rounding) will take: the rest is the relaxation's and the dive's.
    let reserve = (rounding + count_took + Duration::from_millis(50)).min(left.mul_f64(0.2));
    let until = Instant::now() + left.saturating_sub(reserve);
    if let Some(relaxation) = crate::theatre::models::patterns::solve_by_specialty(
        instance,
        &[&p1_plan, &plan],
        p1_floor,
        &lp.shared_duals,
        until,
        Some(until),
        threads,
        instance.options.solver_log,
    ) {
        tracing::debug!(
            elapsed_ms = t0.elapsed().as_millis() as u64,
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
            let left = (t0 + limit).saturating_duration_since(Instant::now());
            place_p1_near(instance, &mut p1_plan, p1_floor, &prefer, left / 2);
            tracing::debug!(
                elapsed_ms = t0.elapsed().as_millis() as u64,
                "P1 placed near the patterns"
            );
        }
        let plan = round_patterns(instance, &relaxation, &p1_plan, p1_floor, t0 + limit);
        on_event(MipEvent::StageDone {
            stage: StageName::PatternRounding,
            status: RunStatus::Limit,
            plan: Some(plan),
            weighted_wait_bound: None,
            counts_proven: false,
            elapsed_ms: t0.elapsed().as_millis() as u64,
        });
    }
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

/// A plan built case by case: a booking is made only if the patient still waits and
/// `Loads::check` passes (session minutes, the surgeon's day, a bed on every day of the
/// stay), so the plan keeps every hard rule.
struct Booking<'a> {
    instance: &'a Instance,
    assignment: Assignment,
    loads: crate::theatre::capacity::Loads,
}

impl<'a> Booking<'a> {
    /// An empty plan with the pins booked, in `Instance::pinned` order.
    fn with_pins(instance: &'a Instance) -> Self {
        let mut booking = Booking {
            instance,
            assignment: Assignment::empty(instance),
            loads: crate::theatre::capacity::Loads::new(instance),
        };
        for &(p, s) in &instance.pinned {
            booking.book(p, s);
        }
        booking
    }

    fn book(&mut self, p: PatientIdx, s: SessionIdx) {
        if self.assignment.get(p).is_none() && self.loads.check(self.instance, p, s).is_ok() {
            self.assignment.set(p, Some(s));
            self.loads.add(self.instance, p, s);
        }
    }

    /// Any P1 patient still waiting: the earliest eligible session with room.
    fn seat_waiting_p1(&mut self) {
        let instance = self.instance;
        for p in instance.patient_indices() {
            if instance.patient(p).priority == Priority::P1 {
                for &s in &instance.eligible[p.idx()] {
                    self.book(p, s);
                }
            }
        }
    }
}

/// Rounds an LP solution to a plan (docs/model.md, "LP rounding"). P1 patients are
/// booked first, as the policies require: at the floor plan's sessions first when
/// `seed_p1`, else where the LP puts them (largest value first) and then at the floor
/// plan's sessions where those still have room. Then the other patients' pairs, largest
/// value first (the pairs at 1 lead), a fill in density order, and re-packing. Every
/// booking is checked against the shared capacities as it is made.
fn round_lp(
    instance: &Instance,
    p1_plan: &Assignment,
    seed_p1: bool,
    lp_values: &[((PatientIdx, SessionIdx), f64)],
    deadline: Instant,
) -> Assignment {
    let mut booking = Booking::with_pins(instance);
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    let p1_bookings: Vec<(PatientIdx, SessionIdx)> =
        p1_plan.scheduled().filter(|&(p, _)| is_p1(p)).collect();
    if seed_p1 {
        for &(p, s) in &p1_bookings {
            booking.book(p, s);
        }
    }
    let mut pairs = lp_values.to_vec();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // P1 where the LP puts them, then the floor plan's P1 where they still fit.
    for &((p, s), _) in &pairs {
        if is_p1(p) {
            booking.book(p, s);
        }
    }
    for &(p, s) in &p1_bookings {
        booking.book(p, s);
    }
    // Any P1 still waiting: the earliest session with room.
    booking.seat_waiting_p1();
    for &((p, s), _) in &pairs {
        if !is_p1(p) {
            booking.book(p, s);
        }
    }
    let Booking {
        mut assignment,
        mut loads,
        ..
    } = booking;
    crate::theatre::constructive::fill(
        instance,
        &mut assignment,
        &mut loads,
        &crate::theatre::constructive::density_order(instance),
    );
    polish(instance, &mut assignment, deadline);
    assignment
}

/// Rounds the pattern relaxation's solution to a plan (docs/model.md, "Pattern bound and
/// diving"): P1 patients first, where the dive's patterns and then the patterns with the
/// largest values put them, then as in `p1_plan`; then whole patterns (the dive's first,
/// then by value), one per session, each case booked only where it still fits every
/// shared capacity; then a fill in density order and re-packing. Beside it, the same with
/// `p1_plan`'s P1 seated first (which meets the floor); [`best_of_roundings`] picks.
pub fn round_patterns(
    instance: &Instance,
    relaxation: &crate::theatre::models::patterns::PatternRelaxation,
    p1_plan: &Assignment,
    p1_floor: u32,
    deadline: Instant,
) -> Assignment {
    // Both roundings side by side (the relaxation is over, so the cores are free).
    let (first, seeded) = std::thread::scope(|scope| {
        let seeded =
            scope.spawn(|| round_patterns_from(instance, relaxation, p1_plan, true, deadline));
        let first = round_patterns_from(instance, relaxation, p1_plan, false, deadline);
        (first, seeded.join().expect("the rounding does not panic"))
    });
    tracing::debug!(
        fixed = relaxation.fixed.len(),
        fixed_p1 = relaxation
            .fixed
            .iter()
            .flat_map(|k| &k.patients)
            .filter(|&&p| instance.patient(p).priority == Priority::P1)
            .count(),
        first_p1 = first.counts_by_priority(instance)[0],
        first_ww = first.weighted_wait(instance),
        seeded_ww = seeded.weighted_wait(instance),
        p1_floor,
        "pattern rounding"
    );
    best_of_roundings(instance, first, seeded, p1_floor, deadline)
}

/// The better under the policy of a rounding with P1 placed as the relaxation puts them
/// (`first`) and one with the P1 plan's P1 seated first (`seeded`, which meets the floor).
/// Where `first` falls short of the floor (its P1 cases blocked others), a third
/// candidate takes `seeded` only in the specialties where `first` seats fewer P1.
pub fn best_of_roundings(
    instance: &Instance,
    first: Assignment,
    seeded: Assignment,
    p1_floor: u32,
    deadline: Instant,
) -> Assignment {
    let meets = |a: &Assignment| a.counts_by_priority(instance)[0] >= p1_floor;
    let merged = (!meets(&first)).then(|| merge_by_specialty(instance, &first, &seeded, deadline));
    let mut best = seeded;
    for candidate in [Some(first), merged].into_iter().flatten() {
        if !crate::theatre::solve::policy_worse(instance, &candidate, &best) {
            best = candidate;
        }
    }
    best
}

/// A plan that takes, in each specialty, the bookings of `first` where it seats at least
/// as many of that specialty's P1 patients as `fallback`, and `fallback`'s elsewhere.
/// Patients and sessions never cross specialties, so only the ward beds couple the
/// choices: every booking is checked again as it is made (the P1 bookings first), then a
/// fill and re-packing.
fn merge_by_specialty(
    instance: &Instance,
    first: &Assignment,
    fallback: &Assignment,
    deadline: Instant,
) -> Assignment {
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    let p1_by_specialty = |plan: &Assignment| {
        let mut counts = vec![0u32; instance.specialties.len()];
        for (p, _) in plan.scheduled().filter(|&(p, _)| is_p1(p)) {
            counts[instance.patient(p).specialty.idx()] += 1;
        }
        counts
    };
    let (ours, theirs) = (p1_by_specialty(first), p1_by_specialty(fallback));
    let session_of = |p: PatientIdx| {
        let k = instance.patient(p).specialty.idx();
        if ours[k] >= theirs[k] {
            first.get(p)
        } else {
            fallback.get(p)
        }
    };
    let mut booking = Booking::with_pins(instance);
    for p1_pass in [true, false] {
        for p in instance.patient_indices().filter(|&p| is_p1(p) == p1_pass) {
            if let Some(s) = session_of(p) {
                booking.book(p, s);
            }
        }
    }
    let mut assignment = booking.assignment;
    polish(instance, &mut assignment, deadline);
    assignment
}

fn round_patterns_from(
    instance: &Instance,
    relaxation: &crate::theatre::models::patterns::PatternRelaxation,
    p1_plan: &Assignment,
    seed_p1: bool,
    deadline: Instant,
) -> Assignment {
    let mut booking = Booking::with_pins(instance);
    // The dive's patterns first, then the last LP's, largest value first.
    let mut order: Vec<(f64, &crate::theatre::models::patterns::Pattern)> = relaxation
        .pool
        .iter()
        .zip(&relaxation.values)
        .filter(|(_, v)| **v > 1e-6)
        .map(|(k, &v)| (v, k))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let order: Vec<&crate::theatre::models::patterns::Pattern> = relaxation
        .fixed
        .iter()
        .chain(order.into_iter().map(|(_, k)| k))
        .collect();
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    if seed_p1 {
        for (p, s) in p1_plan.scheduled().filter(|&(p, _)| is_p1(p)) {
            booking.book(p, s);
        }
    }
    for pattern in &order {
        for &p in pattern.patients.iter().filter(|&&p| is_p1(p)) {
            booking.book(p, pattern.session);
        }
    }
    for (p, s) in p1_plan.scheduled().filter(|&(p, _)| is_p1(p)) {
        booking.book(p, s);
    }
    booking.seat_waiting_p1();
    let mut claimed = vec![false; instance.sessions.len()];
    for pattern in &order {
        if std::mem::replace(&mut claimed[pattern.session.idx()], true) {
            continue;
        }
        for &p in &pattern.patients {
            booking.book(p, pattern.session);
        }
    }
    let mut assignment = booking.assignment;
    polish(instance, &mut assignment, deadline);
    assignment
}

/// The policy's stages without the LP bound (the service computes that bound in a
/// process of its own, alongside the local search).
pub fn solve_stages(
    instance: &Instance,
    start: Assignment,
    budget: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let t0 = Instant::now();
    let remaining = |t0: Instant| budget.saturating_sub(t0.elapsed());
    let opts = |limit: Duration| run_options(instance, limit);
    let nothing = instance.nothing_scheduled_cost();

    let stages = stages(instance.options.policy);
    let upper = count_upper_bounds(instance);
    let mut incumbent = start;
    let mut floors = [0u32; 4];
    let mut counts_proven = true;
    // Whether the floors so far keep every policy-optimal plan feasible.
    let mut floors_sound = true;
    for (i, &stage) in stages.iter().enumerate() {
        let left = stages.len() - i;
        let limit = remaining(t0) / (left as u32 + 1);
        match stage {
            Stage::MaxCount(priority) => {
                let r = priority.rank();
                // A floor set after an unproven count may exclude the policy's optimum.
                if !counts_proven {
                    floors_sound = false;
                }
                let have = incumbent.counts_by_priority(instance)[r];
                if have >= upper[r] {
                    floors[r] = have;
                    continue;
                }
                let (result, improved) =
                    max_count(instance, priority, floors, &incumbent, &opts(limit), None);
                if let Some(a) = &improved {
                    incumbent = a.clone();
                    // A count stage ignores everyone else: put back all that still fits.
                    polish(instance, &mut incumbent, t0 + budget);
                }
                floors[r] = incumbent.counts_by_priority(instance)[r];
                // The dual bound proves the count: no plan schedules floor + 1 of them.
                let proven = result.dual_bound.is_finite()
                    && -result.dual_bound < f64::from(floors[r]) + 1.0 - 1e-6;
                counts_proven &= proven;
                on_event(MipEvent::StageDone {
                    stage: StageName::of(stage),
                    status: result.status,
                    plan: improved.map(|_| incumbent.clone()),
                    weighted_wait_bound: None,
                    counts_proven,
                    elapsed_ms: result.elapsed_ms,
                });
            }
            Stage::WeightedWait => {
                // Specialty sub-models first: small MIPs HiGHS solves well, each
                // warm-started, with most of the time left; then the whole model.
                let until = Instant::now() + remaining(t0).mul_f64(0.6);
                improve_by_submodels(
                    instance,
                    &mut incumbent,
                    until,
                    &opts,
                    counts_proven,
                    on_event,
                );
                let pairs: usize = instance.eligible.iter().map(Vec::len).sum();
                if pairs > WHOLE_MODEL_MAX_PAIRS {
                    tracing::debug!(pairs, "whole-model stage skipped");
                    continue;
                }
                let result = run_stage(
                    instance,
                    stage,
                    floors,
                    true,
                    Some(&incumbent),
                    &opts(remaining(t0)),
                    None,
                );
                let improved = result
                    .assignment
                    .as_ref()
                    .filter(|a| {
                        a.weighted_wait(instance) < incumbent.weighted_wait(instance) - 1e-9
                            && (0..4).all(|r| a.counts_by_priority(instance)[r] >= floors[r])
                    })
                    .cloned();
                let bound = (floors_sound && result.dual_bound.is_finite())
                    .then_some(nothing + result.dual_bound);
                on_event(MipEvent::StageDone {
                    stage: StageName::WeightedWait,
                    status: result.status,
                    plan: improved,
                    weighted_wait_bound: bound,
                    counts_proven,
                    elapsed_ms: result.elapsed_ms,
                });
            }
        }
    }
}

/// Above this many eligible pairs the whole-model `WeightedWait` stage is not built: the
/// model alone took about 400 MiB more at 1.1 million pairs (large weeks), and whole-model
/// HiGHS gave no plan within 40 s already at 0.2 million (docs/benchmarks.md).
const WHOLE_MODEL_MAX_PAIRS: usize = 500_000;

/// The ranks whose counts the policy protects: P1 (weighted wait) or P1..P4.
fn protected_ranks(instance: &Instance) -> usize {
    match instance.options.policy {
        ObjectivePolicy::WeightedWait => 1,
        ObjectivePolicy::PriorityOrder => 4,
    }
}

/// Re-optimises one specialty at a time (docs/model.md, "Sub-models"): every other
/// patient keeps their booking, and the specialty's protected counts may not fall, so
/// each kept result is at least as good under the policy. Rounds repeat while some
/// specialty improves and time remains.
fn improve_by_submodels(
    instance: &Instance,
    incumbent: &mut Assignment,
    until: Instant,
    opts: &dyn Fn(Duration) -> RunOptions,
    counts_proven: bool,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let mut groups: Vec<usize> = (0..instance.specialties.len())
        .filter(|&k| {
            instance.patient_indices().any(|p| {
                instance.patient(p).specialty.idx() == k && !instance.eligible[p.idx()].is_empty()
            })
        })
        .collect();
    groups.sort_by(|&a, &b| {
        instance.specialties[a]
            .code
            .cmp(&instance.specialties[b].code)
    });
    if groups.len() <= 1 {
        return;
    }
    let ranks = protected_ranks(instance);
    // Groups proven optimal since the last change anywhere need no new solve.
    let mut settled = vec![false; groups.len()];
    for _round in 0..4 {
        let mut improved_any = false;
        for (g, &k) in groups.iter().enumerate() {
            let now = Instant::now();
            if now >= until {
                return;
            }
            if settled[g] {
                continue;
            }
            let left = settled[g..].iter().filter(|s| !**s).count().max(1) as u32;
            let limit = (until - now) / left;
            let in_scope = submodel_scope(instance, incumbent, k);
            let mut floors = [0u32; 4];
            for (p, _) in incumbent.scheduled() {
                let r = instance.patient(p).priority.rank();
                if in_scope[p.idx()] && r < ranks {
                    floors[r] += 1;
                }
            }
            let scope = Scope {
                in_scope: &in_scope,
                fixed: incumbent,
                prefer: None,
            };
            let result = run_stage(
                instance,
                Stage::WeightedWait,
                floors,
                true,
                Some(incumbent),
                &opts(limit),
                Some(&scope),
            );
            let Some(sub) = result.assignment else {
                continue;
            };
            let mut merged = incumbent.clone();
            for p in instance.patient_indices() {
                if in_scope[p.idx()] {
                    merged.set(p, sub.get(p));
                }
            }
            let better = merged.weighted_wait(instance) < incumbent.weighted_wait(instance) - 1e-6;
            if better {
                *incumbent = merged.clone();
                improved_any = true;
                settled.iter_mut().for_each(|s| *s = false);
            }
            settled[g] = result.status == RunStatus::Optimal;
            on_event(MipEvent::StageDone {
                stage: StageName::SubModel,
                status: result.status,
                plan: better.then_some(merged),
                weighted_wait_bound: None,
                counts_proven,
                elapsed_ms: result.elapsed_ms,
            });
        }
        if !improved_any {
            return;
        }
    }
}

/// The patients of specialty k that a sub-model re-optimises: every one booked now, and
/// the unbooked ones with the highest urgency per operating minute, twice as many as
/// are booked (plus 20). Unbooked patients of lower density would displace denser ones
/// for the same minutes, so leaving them out keeps the MIP small where it matters.
fn submodel_scope(instance: &Instance, incumbent: &Assignment, k: usize) -> Vec<bool> {
    let mut in_scope = vec![false; instance.patients.len()];
    let mut waiting = Vec::new();
    let mut booked = 0usize;
    for p in instance.patient_indices() {
        let patient = instance.patient(p);
        if patient.specialty.idx() != k || instance.eligible[p.idx()].is_empty() {
            continue;
        }
        if incumbent.get(p).is_some() {
            in_scope[p.idx()] = true;
            booked += 1;
        } else {
            let minutes = patient.duration_min + instance.specialties[k].turnaround_min;
            waiting.push((instance.urgency[p.idx()] / f64::from(minutes), p));
        }
    }
    waiting.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, p) in waiting.iter().take(2 * booked + 20) {
        in_scope[p.idx()] = true;
    }
    in_scope
}

/// Books every patient that still fits (densest first) and re-packs the sessions.
fn polish(instance: &Instance, assignment: &mut Assignment, deadline: Instant) {
    let mut loads = crate::theatre::capacity::Loads::from_assignment(instance, assignment);
    crate::theatre::constructive::fill(
        instance,
        assignment,
        &mut loads,
        &crate::theatre::constructive::density_order(instance),
    );
    crate::theatre::improve::repack_sessions(
        instance,
        assignment,
        crate::theatre::solve::REPACK_PASSES,
        deadline,
    );
}

/// Maximises the count of `priority` (docs/model.md, "Count stages"). The model holds
/// only the patients of that priority and the more urgent ones (whose counts keep
/// their floors) plus the pins: less urgent patients only take capacity, so leaving
/// them out changes no count and makes the MIP small. Returns the run and, when the
/// count rose above the incumbent's, the new bookings of the patients in the model
/// (everyone else unbooked).
pub fn max_count(
    instance: &Instance,
    priority: Priority,
    floors: [u32; 4],
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> (RunResult, Option<Assignment>) {
    let r = priority.rank();
    let have = incumbent.counts_by_priority(instance)[r];
    let started = Instant::now();
    // The whole model, proven to within one patient; a preference there gets what HiGHS
    // finds on the way.
    let whole = |options: &RunOptions| {
        let in_scope: Vec<bool> = instance
            .patients
            .iter()
            .map(|p| p.priority <= priority)
            .collect();
        count_in_scope(
            instance, priority, floors, incumbent, options, prefer, &in_scope, 0.999,
        )
    };
    let by_specialty = (priority == Priority::P1)
        .then(|| max_p1_by_specialty(instance, incumbent, options, prefer))
        .flatten();
    let (result, plan) = match by_specialty {
        Some((result, plan)) => (result, Some(plan)),
        None => whole(&RunOptions {
            time_limit: options.time_limit.saturating_sub(started.elapsed()),
            ..options.clone()
        }),
    };
    let improved =
        plan.filter(|plan| plan.counts_by_priority(instance)[r] > have || prefer.is_some());
    (result, improved)
}

/// The absolute gap (in patients) of a specialty's count with a preference: the count
/// is still exact, and the preference (all of it worth less than one patient) is within
/// this fraction of its range of its best. Small MIPs reach it quickly; the whole model
/// does not, and stops at the count.
const PREFER_GAP: f64 = 0.05;

/// The count MIP over the patients `in_scope` (with only the pins booked outside it),
/// run until its gap is below `abs_gap` patients: the run, and its plan (the pins and
/// the model's bookings).
#[allow(clippy::too_many_arguments)]
fn count_in_scope(
    instance: &Instance,
    priority: Priority,
    floors: [u32; 4],
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
    in_scope: &[bool],
    abs_gap: f64,
) -> (RunResult, Option<Assignment>) {
    let pinned: std::collections::HashSet<PatientIdx> =
        instance.pinned.iter().map(|&(p, _)| p).collect();
    // Outside the model only the pins stay booked.
    let mut fixed = Assignment::empty(instance);
    for &(p, s) in &instance.pinned {
        fixed.set(p, Some(s));
    }
    let scope = Scope {
        in_scope,
        fixed: &fixed,
        prefer,
    };
    // A count is exact only when proven to within one patient: no relative gap.
    let count_options = RunOptions {
        mip_rel_gap: 0.0,
        mip_abs_gap: Some(abs_gap),
        ..options.clone()
    };
    let result = run_stage(
        instance,
        Stage::MaxCount(priority),
        floors,
        true,
        Some(incumbent),
        &count_options,
        Some(&scope),
    );
    let plan = result.assignment.as_ref().map(|a| {
        // The pins (in the model or not) and the model's own bookings.
        let mut plan = fixed.clone();
        for p in instance.patient_indices() {
            if in_scope[p.idx()] && !pinned.contains(&p) {
                plan.set(p, a.get(p));
            }
        }
        plan
    });
    (result, plan)
}

/// The P1 count specialty by specialty (docs/model.md, "Count stages"): one small MIP
/// per specialty over its P1 patients, each with only the pins booked beside them, so
/// each is a relaxation of the whole count (patients and sessions never cross
/// specialties; the ward beds and a surgeon's day across specialties are what it
/// relaxes). Their plans are then booked together under `Loads::check`. `Some` only when
/// every MIP was solved and every booking fits: then the plan's count is the sum of the
/// parts' maxima, which bounds every plan, so it is the proven maximum. `None` leaves the
/// count to the whole model.
pub fn max_p1_by_specialty(
    instance: &Instance,
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> Option<(RunResult, Assignment)> {
    let started = Instant::now();
    // At most half the time: the whole model, should it be needed, keeps the rest.
    let deadline = started + options.time_limit / 2;
    let mut specialties: Vec<usize> = instance
        .patients
        .iter()
        .filter(|p| p.priority == Priority::P1)
        .map(|p| p.specialty.idx())
        .collect();
    specialties.sort_unstable();
    specialties.dedup();
    if specialties.len() <= 1 {
        return None;
    }
    let mut plans = Vec::with_capacity(specialties.len());
    let mut bound = 0u32;
    for (i, &k) in specialties.iter().enumerate() {
        let mut left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        if prefer.is_some() {
            // The preference can keep a MIP busy after its count is proven: a fair share.
            left /= (specialties.len() - i) as u32;
        }
        let in_scope: Vec<bool> = instance
            .patients
            .iter()
            .map(|p| p.priority == Priority::P1 && p.specialty.idx() == k)
            .collect();
        let options = RunOptions {
            time_limit: left,
            ..options.clone()
        };
        let (result, plan) = count_in_scope(
            instance,
            Priority::P1,
            [0; 4],
            incumbent,
            &options,
            prefer,
            &in_scope,
            if prefer.is_some() { PREFER_GAP } else { 0.999 },
        );
        // The part's P1 (its pins among them: the model holds them, at 1).
        let count = plan
            .as_ref()?
            .scheduled()
            .filter(|&(p, _)| in_scope[p.idx()])
            .count() as u32;
        // Proven when no plan of the part books one more (the preference, if any, is
        // worth less than one patient in all).
        if !(result.dual_bound.is_finite() && -result.dual_bound < f64::from(count) + 1.0 - 1e-6) {
            return None;
        }
        bound += count;
        plans.push((in_scope, plan?));
    }
    // All together: the pins, then each specialty's bookings, every one checked.
    let mut booking = Booking::with_pins(instance);
    for (in_scope, plan) in &plans {
        for (p, s) in plan.scheduled() {
            if in_scope[p.idx()] {
                booking.book(p, s);
            }
        }
    }
    // Where the beds (or a surgeon's day across specialties) turn a booking away, the
    // incumbent's session, then any with room.
    for (p, s) in incumbent.scheduled() {
        if instance.patient(p).priority == Priority::P1 {
            booking.book(p, s);
        }
    }
    booking.seat_waiting_p1();
    let plan = booking.assignment;
    let count = plan.counts_by_priority(instance)[0];
    tracing::debug!(
        specialties = specialties.len(),
        count,
        bound,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "P1 count by specialty"
    );
    (count == bound).then(|| {
        (
            RunResult {
                status: RunStatus::Optimal,
                assignment: Some(plan.clone()),
                objective: -f64::from(count),
                dual_bound: -f64::from(count),
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
            plan,
        )
    })
}
