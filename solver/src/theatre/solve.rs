//! The whole solve, deadline first: a constructive plan in hand before HiGHS starts,
//! the staged MIP run by a [`MipRunner`] that can be abandoned at the deadline, the
//! best plan kept, checked, and returned with its proof of quality.

use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::check::{CheckReport, check};
use crate::theatre::constructive::{
    constructive_plan, constructive_plan_in, density_order, fill, priority_order,
};
use crate::theatre::domain::Instance;
use crate::theatre::effort::{Clock, DEFAULT_EFFORT};
use crate::theatre::improve::repack_sessions;
use crate::theatre::plan::{Plan, build_plan};
use crate::theatre::policy::{REPACK_PASSES, policy_worse, replaces};
mod report;
mod runner;

pub use report::{BoundSource, Outcome, PlanSource, SolveReport, SolveStatus};
pub use runner::{InProcess, MipRunner, NoMip, RunnerEnd};

use crate::theatre::stages::{MipEvent, RunStatus, StageName};

/// How [`solve`] words the time the returned plan was first found, in
/// [`SolveReport::notes`]: `"last improvement at N ms"`, counted from the solve's start.
pub const LAST_IMPROVEMENT_NOTE: &str = "last improvement at ";

/// The milliseconds of the "last improvement at N ms" note, when the notes carry one.
pub fn last_improvement_ms(notes: &[String]) -> Option<u64> {
    notes.iter().find_map(|n| {
        n.strip_prefix(LAST_IMPROVEMENT_NOTE)?
            .strip_suffix(" ms")?
            .parse()
            .ok()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// Even the constructive plan failed the check: a bug, reported rather than returned.
    #[error("internal error: the plan failed its own check: {0}")]
    PlanFailedCheck(String),
}

/// Time kept back from the limit to build, check and send the answer.
pub fn answer_margin(time_limit: Duration) -> Duration {
    (time_limit / 20).clamp(Duration::from_millis(50), Duration::from_millis(500))
}

/// A bound needing no solver: every patient at their earliest eligible day (pinned
/// patients at their pin), as if capacity were unlimited.
pub fn trivial_bound(instance: &Instance) -> f64 {
    let pinned: std::collections::HashMap<_, _> = instance.pinned.iter().copied().collect();
    instance
        .patient_indices()
        .map(|p| match pinned.get(&p) {
            Some(&s) => instance.cost_scheduled(p, s),
            None => instance.eligible[p.idx()]
                .iter()
                .map(|&s| instance.cost_scheduled(p, s))
                .fold(instance.cost_unscheduled(p), f64::min),
        })
        .sum()
}

/// The gap on the wait removed.
pub fn wait_removed_gap(objective: f64, bound: f64, nothing: f64) -> f64 {
    let denominator = nothing - bound;
    if denominator <= 1e-9 {
        0.0
    } else {
        ((objective - bound) / denominator).max(0.0)
    }
}

/// Solves a validated instance within `time_limit`, always returning a checked plan.
/// With `options.reproducible` the solve counts effort instead of time (docs/model.md,
/// "Determinism"): the plan then depends on the instance alone, and `time_limit` is only
/// a safety net ([`SolveReport::reproducible`] says whether it struck).
pub fn solve(
    instance: &Instance,
    time_limit: Duration,
    runner: &mut dyn MipRunner,
) -> Result<Outcome, SolveError> {
    let started = Instant::now();
    let instance = &with_clock(
        instance,
        started + time_limit.saturating_sub(answer_margin(time_limit)),
    );
    let mut no_mip = NoMip;
    let runner: &mut dyn MipRunner = if instance.options.local_search_only {
        &mut no_mip
    } else {
        runner
    };
    let clock = &instance.clock;
    // On the virtual clock, the deadline is the end of the nominal schedule.
    let deadline = match clock.nominal() {
        Some(nominal) => clock.now() + nominal,
        None => started + time_limit.saturating_sub(answer_margin(time_limit)),
    };
    let (mut search, constructive) =
        Search::from_start_plans(instance, started, time_limit, deadline, runner);
    search.run_mip(runner, deadline);
    search.fill_remaining();
    clock.charge(search.progress.runner_effort);
    clock.finish();
    let Search {
        best, mut progress, ..
    } = search;
    let (plan, check_report) = progress.check_or_fallback(instance, best, constructive)?;
    Ok(progress.into_outcome(instance, started, plan, check_report))
}

/// The instance with a fresh clock for one solve: the virtual one, cut at the effort
/// limit with the safety net at `safety`, for a reproducible request; else the wall clock.
fn with_clock(instance: &Instance, safety: Instant) -> Instance {
    let mut own = instance.clone();
    own.clock = if instance.options.reproducible {
        let limit = instance.options.effort_limit.unwrap_or(DEFAULT_EFFORT);
        Clock::reproducible(limit, safety)
    } else {
        Clock::wall()
    };
    own
}

/// What the phases of [`solve`] share: the proof so far and its notes.
struct Progress {
    nothing: f64,
    bound: f64,
    bound_source: BoundSource,
    // The bound that holds for every plan the policy accepts, whichever the returned
    // plan is, and the P1 floor the LP bound assumed.
    plain_bound: (f64, BoundSource),
    lp_p1_floor: u32,
    notes: Vec<String>,
    // When the plan in hand was first found: a plan of equal rank found later is kept
    // but does not move it.
    improved_at: Duration,
    source: PlanSource,
    status: SolveStatus,
    deadline_reached: bool,
    local_search_cut: bool,
    /// The work units the runner's worker processes reported (an in-process runner
    /// charges the instance's clock directly).
    runner_effort: u64,
    /// The runner failed or was stopped: the plan is not promised to repeat.
    runner_cut_short: bool,
}

/// The plan in hand and the proof so far, while the runner's events arrive.
struct Search<'a> {
    instance: &'a Instance,
    started: Instant,
    best: Assignment,
    progress: Progress,
    final_stage: Option<(RunStatus, bool)>,
}

impl<'a> Search<'a> {
    /// The start plans and the local search; returns the search and the
    /// priority-order constructive plan, the fallback.
    fn from_start_plans(
        instance: &'a Instance,
        started: Instant,
        time_limit: Duration,
        deadline: Instant,
        runner: &mut dyn MipRunner,
    ) -> (Self, Assignment) {
        let nothing = instance.nothing_scheduled_cost();
        let constructive = constructive_plan(instance);
        let constructive_ww = constructive.weighted_wait(instance);
        let bound = trivial_bound(instance);
        let bound_source = BoundSource::Trivial;
        let mut notes = vec![format!(
            "constructive plan: weighted wait {constructive_ww:.1}, {} patients",
            constructive.scheduled().count()
        )];

        // Local improvement in process: deterministic (a pass limit, not a time limit), with
        // a share of the time as a safety net.
        // The local search starts from the density-order plan, usually far better than the
        // priority-order one, which stays as the fallback and the benchmark's greedy.
        let mut best = constructive_plan_in(instance, &density_order(instance));
        if policy_worse(instance, &best, &constructive) {
            best = constructive.clone();
        }
        notes.push(format!(
            "density-order plan: weighted wait {:.1}",
            best.weighted_wait(instance)
        ));
        if instance.replan.is_some() {
            let kept = crate::theatre::replan::kept_plan(instance);
            notes.push(format!(
                "previous plan kept where it stands, then filled: objective {:.1}",
                kept.weighted_wait(instance)
            ));
            if policy_worse(instance, &best, &kept) {
                best = kept;
            }
        }
        if !instance.options.reproducible {
            runner.start_bound(instance, &best, deadline);
        }
        // On the virtual clock the re-packing (which charges no effort) is cut only by
        // the safety net.
        let repack_deadline = instance.clock.now() + time_limit.mul_f64(0.4);
        let repacks = repack_sessions(instance, &mut best, REPACK_PASSES, repack_deadline);
        let local_search_cut = instance.clock.now() >= repack_deadline;
        if local_search_cut {
            notes
                .push("the time limit stopped the session re-packing before its pass limit".into());
        }
        let mut source = PlanSource::Constructive;
        if repacks > 0 {
            source = PlanSource::LocalSearch;
            notes.push(format!(
                "session re-packing: {repacks} re-pack(s), weighted wait {:.1}",
                best.weighted_wait(instance)
            ));
        }
        let progress = Progress {
            nothing,
            bound,
            bound_source,
            plain_bound: (bound, bound_source),
            lp_p1_floor: 0,
            notes,
            improved_at: started.elapsed(),
            source,
            status: SolveStatus::Feasible,
            deadline_reached: false,
            local_search_cut,
            runner_effort: 0,
            runner_cut_short: false,
        };
        let search = Search {
            instance,
            started,
            best,
            progress,
            final_stage: None,
        };
        (search, constructive)
    }

    /// Runs the MIP unless the plan in hand already meets the trivial bound.
    fn run_mip(&mut self, runner: &mut dyn MipRunner, deadline: Instant) {
        let instance = self.instance;
        let start = self.best.clone();
        let p = &mut self.progress;
        if self.best.weighted_wait(instance) <= p.bound + 1e-9 * p.nothing.max(1.0) {
            p.status = SolveStatus::Optimal;
            p.notes
                .push("the plan meets the trivial bound: optimal".into());
            return;
        }
        let end = runner.run(instance, &start, deadline, &mut |event| {
            self.on_event(event)
        });
        let p = &mut self.progress;
        match &end {
            RunnerEnd::Finished => {}
            RunnerEnd::DeadlineReached => {
                p.deadline_reached = true;
                p.notes
                    .push("the deadline stopped the MIP before it finished".into());
            }
            RunnerEnd::Cancelled => p.notes.push("cancelled by the caller".into()),
            RunnerEnd::Failed(why) => p.notes.push(format!("the MIP runner failed: {why}")),
        }
        p.runner_cut_short = end != RunnerEnd::Finished;
        if end == RunnerEnd::Finished && self.final_stage == Some((RunStatus::Optimal, true)) {
            p.status = SolveStatus::Optimal;
        }
    }

    fn on_event(&mut self, event: MipEvent) {
        match event {
            MipEvent::Effort { used, struck } => {
                self.progress.runner_effort = used;
                if struck {
                    self.instance.clock.mark_struck();
                }
            }
            MipEvent::LpBound {
                weighted_wait,
                p1_floor,
                ..
            }
            | MipEvent::PatternBound {
                weighted_wait,
                p1_floor,
                ..
            } => {
                // Both hold for every plan with at least `p1_floor` P1 patients.
                let (source, note) = match event {
                    MipEvent::PatternBound {
                        converged: false, ..
                    } => (
                        BoundSource::Patterns,
                        "pattern relaxation bound (column generation cut short)",
                    ),
                    MipEvent::PatternBound { .. } => {
                        (BoundSource::Patterns, "pattern relaxation bound")
                    }
                    MipEvent::LpBound {
                        converged: false, ..
                    } => (
                        BoundSource::Lp,
                        "Lagrangian bound of the LP relaxation (column generation cut short)",
                    ),
                    _ => (BoundSource::Lp, "LP relaxation bound"),
                };
                self.progress
                    .on_relaxation_bound(weighted_wait, p1_floor, source, note);
            }
            MipEvent::StageDone {
                stage,
                status: run_status,
                plan,
                weighted_wait_bound,
                counts_proven,
                elapsed_ms,
            } => {
                let done = StageDone {
                    stage,
                    run_status,
                    plan,
                    weighted_wait_bound,
                    counts_proven,
                    elapsed_ms,
                };
                self.on_stage_done(done);
            }
        }
    }

    fn on_stage_done(&mut self, done: StageDone) {
        let instance = self.instance;
        let StageDone {
            stage,
            run_status,
            plan,
            weighted_wait_bound,
            counts_proven,
            elapsed_ms,
        } = done;
        let p = &mut self.progress;
        // Keep a stage's plan only if the policy ranks it at least as high.
        let verdict = match &plan {
            None => String::new(),
            Some(plan) if policy_worse(instance, plan, &self.best) => format!(
                ", its plan (weighted wait {:.1}, {} P1) ranks lower: not kept",
                plan.weighted_wait(instance),
                plan.counts_by_priority(instance)[0]
            ),
            Some(plan) => format!(
                ", plan kept: weighted wait {:.1}",
                plan.weighted_wait(instance)
            ),
        };
        p.notes.push(format!(
            "stage {stage:?}: {run_status:?} in {elapsed_ms} ms{verdict}"
        ));
        if let Some(plan) = plan.filter(|plan| replaces(instance, &self.best, plan)) {
            if policy_worse(instance, &self.best, &plan) {
                p.improved_at = self.started.elapsed();
            }
            self.best = plan;
            p.source = PlanSource::Mip;
        }
        if let Some(b) = weighted_wait_bound
            && b > p.bound
        {
            p.bound = b;
            p.bound_source = BoundSource::Mip;
        }
        if stage == StageName::WeightedWait {
            self.final_stage = Some((run_status, counts_proven));
        }
    }

    /// Anything that still fits only lowers the wait and raises counts.
    fn fill_remaining(&mut self) {
        let instance = self.instance;
        let best = &mut self.best;
        let mut loads = Loads::from_assignment(instance, best);
        let before = best.scheduled().count();
        fill(instance, best, &mut loads, &priority_order(instance));
        if best.scheduled().count() > before {
            self.progress.notes.push(format!(
                "{} patient(s) added to room the solver left",
                best.scheduled().count() - before
            ));
        }
    }
}

/// The fields of a [`MipEvent::StageDone`].
struct StageDone {
    stage: StageName,
    run_status: RunStatus,
    plan: Option<Assignment>,
    weighted_wait_bound: Option<f64>,
    counts_proven: bool,
    elapsed_ms: u64,
}

impl Progress {
    fn on_relaxation_bound(
        &mut self,
        weighted_wait: f64,
        p1_floor: u32,
        source: BoundSource,
        note: &str,
    ) {
        self.notes.push(format!(
            "{note} {weighted_wait:.1} (with at least {p1_floor} P1)"
        ));
        self.lp_p1_floor = self.lp_p1_floor.max(p1_floor);
        if weighted_wait > self.plain_bound.0 {
            self.plain_bound = (weighted_wait, source);
        }
        if weighted_wait > self.bound {
            self.bound = weighted_wait;
            self.bound_source = source;
        }
    }

    /// Builds and checks the plan; a solver plan that fails the check never leaves.
    fn check_or_fallback(
        &mut self,
        instance: &Instance,
        best: Assignment,
        constructive: Assignment,
    ) -> Result<(Plan, CheckReport), SolveError> {
        let plan = build_plan(instance, best);
        let report = check(instance, &plan.to_proposed(instance));
        if report.is_valid() {
            return Ok((plan, report));
        }
        // A solver plan that fails the check never leaves: fall back to the constructive plan.
        self.notes.push(format!(
            "the solver's plan failed the check ({}); the constructive plan is returned",
            report.violations[0]
        ));
        self.source = PlanSource::Constructive;
        self.status = SolveStatus::Feasible;
        // The LP and MIP bounds assumed the solver's P1 floors, which the
        // priority-order plan may miss: only the trivial bound is sure.
        (self.bound, self.bound_source) = (trivial_bound(instance), BoundSource::Trivial);
        let plan = build_plan(instance, constructive);
        let report = check(instance, &plan.to_proposed(instance));
        if !report.is_valid() {
            return Err(SolveError::PlanFailedCheck(
                report.violations[0].to_string(),
            ));
        }
        Ok((plan, report))
    }

    /// The effort used, the effort limit (reproducible mode) and whether the plan repeats,
    /// with a note saying which.
    fn effort_notes(&mut self, instance: &Instance) -> (u64, Option<u64>, bool) {
        let clock = &instance.clock;
        let used = clock.used();
        let Some(limit) = clock.limit() else {
            self.notes.push(format!(
                "effort: {used} work units; the time limit governed, so the plan may differ \
                 from run to run (ask for reproducible to plan by effort)"
            ));
            return (used, None, false);
        };
        let struck = clock.struck()
            || self.deadline_reached
            || self.local_search_cut
            || self.runner_cut_short;
        if struck {
            self.notes.push(format!(
                "reproducible mode: the time limit (the safety net) struck after {used} of \
                 {limit} work units: the plan is not promised to repeat"
            ));
        } else {
            let why = if clock.cut() {
                "the effort limit stopped the search"
            } else {
                "the search ended of itself"
            };
            self.notes.push(format!(
                "reproducible: {used} work units of the limit {limit} ({why}); the same \
                 request with effort_limit {used} gives the same plan"
            ));
        }
        (used, Some(limit), !struck)
    }

    /// The final notes and the report of the checked plan.
    fn into_outcome(
        mut self,
        instance: &Instance,
        started: Instant,
        plan: Plan,
        check_report: CheckReport,
    ) -> Outcome {
        self.notes.push(format!(
            "{LAST_IMPROVEMENT_NOTE}{} ms",
            self.improved_at.as_millis()
        ));
        let objective = plan.metrics.weighted_wait + plan.metrics.stability_cost;
        let nothing = self.nothing;
        // The LP and MIP bounds hold for plans with at least the floors' P1 count; a plan
        // with fewer (its improvement never arrived) is not the policy's optimum, and only
        // the trivial bound speaks for it.
        if plan.metrics.scheduled_by_priority[0] < self.lp_p1_floor {
            (self.bound, self.bound_source) = (trivial_bound(instance), BoundSource::Trivial);
            self.plain_bound = (self.bound, self.bound_source);
            self.status = SolveStatus::Feasible;
            self.notes.push(format!(
                "the plan schedules fewer P1 than the {} the solver proved possible",
                self.lp_p1_floor
            ));
        }
        // A bound a little above the objective is rounding; more is a broken premise (a
        // plan with fewer P1 than the floors assumed): then only the plain bound holds.
        if self.bound > objective + 1e-7 * nothing.max(1.0) {
            (self.bound, self.bound_source) = self.plain_bound;
            self.notes
                .push("the MIP bound assumed priority floors this plan does not meet".into());
        }
        let bound = self.bound.min(objective);
        let (effort_used, effort_limit, reproducible) = self.effort_notes(instance);
        Outcome {
            report: SolveReport {
                status: self.status,
                objective,
                best_bound: bound,
                gap: wait_removed_gap(objective, bound, nothing),
                solve_ms: started.elapsed().as_millis() as u64,
                source: self.source,
                bound_source: self.bound_source,
                deadline_reached: self.deadline_reached,
                local_search_cut: self.local_search_cut,
                effort_used,
                effort_limit,
                reproducible,
                notes: self.notes,
            },
            plan,
            check: check_report,
        }
    }
}
