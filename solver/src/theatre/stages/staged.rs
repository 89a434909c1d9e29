//! The policy's stages in order (count stages, specialty sub-models, the whole model,
//! the anytime search), each warm-started from the best plan so far.

use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, ObjectivePolicy, Priority};
use crate::theatre::models::formulation::Stage;
use crate::theatre::policy::policy_worse;
use crate::theatre::stages::counts::{Placement, max_count, place_preferred, wait_preference};
use crate::theatre::stages::events::{MipEvent, StageName, count_upper_bounds, stages};
use crate::theatre::stages::lns::{Inbox, Search, adopt, search};
use crate::theatre::stages::lp_bound::lp_bound;
use crate::theatre::stages::neighbourhoods::LpGuide;
use crate::theatre::stages::polish::polish_keeping;
use crate::theatre::stages::run::{RunOptions, RunResult, RunStatus, run_options, run_stage};
use crate::theatre::stages::sub_models::improve_by_submodels;

/// Runs the LP bound and then the policy's stages, each warm-started from the latest
/// plan, within `budget`. Every result goes to `on_event` as soon as it exists.
pub fn solve_staged(
    instance: &Instance,
    start: Assignment,
    budget: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let t0 = instance.clock.now();
    let mut start = start;
    let lp = lp_bound(instance, &start.clone(), budget / 4, &mut |event| {
        if let MipEvent::StageDone {
            plan: Some(plan), ..
        } = &event
            && !policy_worse(instance, plan, &start)
        {
            start = plan.clone();
        }
        on_event(event)
    });
    solve_stages(
        instance,
        start,
        budget.saturating_sub(instance.clock.since(t0)),
        Anytime {
            lp: lp.as_ref(),
            ..Anytime::default()
        },
        on_event,
    );
}

/// The policy's stages without the LP bound (the service computes that bound in a
/// process of its own, alongside the local search).
pub fn solve_stages(
    instance: &Instance,
    start: Assignment,
    budget: Duration,
    anytime: Anytime,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let t0 = instance.clock.now();
    let remaining = |t0: Instant| budget.saturating_sub(instance.clock.since(t0));
    let opts = |limit: Duration| run_options(instance, limit);

    let stages = stages(instance.options.policy);
    let upper = count_upper_bounds(instance);
    let mut incumbent = start;
    let mut floors = [0u32; 4];
    let mut counts_proven = true;
    // Whether the floors so far keep every policy-optimal plan feasible.
    let mut floors_sound = true;
    for (i, &stage) in stages.iter().enumerate() {
        let left = stages.len() - i;
        let limit = stage_limit(instance, stage, left, remaining(t0));
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
                let options = opts(limit);
                let (result, changed) = count_stage(
                    instance,
                    priority,
                    floors,
                    &mut incumbent,
                    &options,
                    t0 + budget,
                );
                floors[r] = incumbent.counts_by_priority(instance)[r];
                // The dual bound proves the count: no plan schedules floor + 1 of them.
                let proven = result.dual_bound.is_finite()
                    && -result.dual_bound < f64::from(floors[r]) + 1.0 - 1e-6;
                counts_proven &= proven;
                on_event(MipEvent::StageDone {
                    stage: StageName::of(stage),
                    status: result.status,
                    plan: changed.then(|| incumbent.clone()),
                    weighted_wait_bound: None,
                    counts_proven,
                    elapsed_ms: result.elapsed_ms,
                });
            }
            Stage::WeightedWait => {
                let proven = Proven {
                    floors,
                    counts_proven,
                    floors_sound,
                };
                let until = t0 + budget;
                weighted_wait_stage(instance, &mut incumbent, &proven, until, anytime, on_event);
            }
        }
    }
}

/// One count stage from `incumbent` (docs/model.md, "Count stages"): the count MIP;
/// under the weighted-wait policy, its patients then placed where they remove the most
/// wait with the time left; the plan polished around what the incumbent kept, and taken
/// unless the policy ranks it lower. The count's run, and whether the incumbent changed.
fn count_stage(
    instance: &Instance,
    priority: Priority,
    floors: [u32; 4],
    incumbent: &mut Assignment,
    options: &RunOptions,
    until: Instant,
) -> (RunResult, bool) {
    let started = instance.clock.now();
    let (result, improved) = max_count(instance, priority, floors, incumbent, options, None);
    let Some(mut plan) = improved else {
        return (result, false);
    };
    // Under priority order the counts are the objective, and the time goes to them.
    if instance.options.policy == ObjectivePolicy::WeightedWait {
        let prefer = wait_preference(instance, priority, incumbent);
        let options = options.left_since(instance, started);
        let placement = Placement {
            priority,
            floors,
            prefer: &prefer,
            by_specialty: true,
        };
        if let Some(placed) = place_preferred(instance, &plan, &options, placement) {
            plan = placed;
        }
    }
    // A count stage ignores everyone else: put back all that still fits.
    polish_keeping(instance, &mut plan, incumbent, until);
    if policy_worse(instance, &plan, incumbent) {
        return (result, false);
    }
    *incumbent = plan;
    (result, true)
}

/// A stage's time limit, with `left` stages (this one included) sharing `remaining`.
/// Under the weighted-wait policy (one count stage) and for the weighted-wait stage, an
/// equal share with one more kept back: the time a stage leaves unused goes to the later
/// ones. Under priority order the counts *are* the objective, and the weighted wait is
/// searched meanwhile in the other worker too (docs/model.md, "Anytime search"), so the
/// count stages share [`COUNT_STAGES_SHARE`] of the time left among themselves.
fn stage_limit(instance: &Instance, stage: Stage, left: usize, remaining: Duration) -> Duration {
    match (stage, instance.options.policy) {
        (Stage::MaxCount(_), ObjectivePolicy::PriorityOrder) if left > 1 => {
            remaining.mul_f64(COUNT_STAGES_SHARE)
        }
        _ => remaining / (left as u32 + 1),
    }
}

/// Under priority order, the share of the stages worker's time left that the count
/// stages still to run may take (the weighted-wait stage keeps the rest, and whatever
/// they leave unused).
const COUNT_STAGES_SHARE: f64 = 0.6;

/// How the stages search once the count stages are done (docs/model.md, "Anytime
/// search (LNS)").
#[derive(Clone, Copy, Debug, Default)]
pub struct Anytime<'a> {
    /// Seeds the choice of neighbourhoods: the same seed and timings give the same run.
    pub seed: u64,
    /// Better plans found elsewhere, adopted when the policy ranks them higher.
    pub inbox: Option<&'a Inbox>,
    /// The LP relaxation's solution, for the relaxation-induced neighbourhoods.
    pub lp: Option<&'a LpGuide>,
}

/// What the count stages proved.
struct Proven {
    floors: [u32; 4],
    counts_proven: bool,
    /// Whether the floors keep every policy-optimal plan feasible.
    floors_sound: bool,
}

/// The weighted-wait stage: specialty sub-models, then (small weeks) the whole model
/// warm-started from the incumbent, then the anytime search until `until`, and on
/// weeks not too large for it the whole model with what is left, for its bound.
fn weighted_wait_stage(
    instance: &Instance,
    incumbent: &mut Assignment,
    proven: &Proven,
    until: Instant,
    anytime: Anytime,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let remaining = || until.saturating_duration_since(instance.clock.now());
    let opts = |limit: Duration| run_options(instance, limit);
    let sub_until = instance.clock.now() + remaining().mul_f64(SUBMODEL_SHARE);
    improve_by_submodels(
        instance,
        incumbent,
        sub_until,
        &opts,
        proven.counts_proven,
        on_event,
    );
    adopt(instance, incumbent, anytime.inbox);
    let pairs: usize = instance.eligible.iter().map(Vec::len).sum();
    let small = pairs <= SMALL_WEEK_PAIRS;
    let mut bound = f64::NEG_INFINITY;
    if small {
        let limit = remaining().mul_f64(SMALL_WEEK_WHOLE_SHARE);
        match whole_model(instance, incumbent, proven, limit, on_event) {
            (_, true) => return,
            (b, false) => bound = b,
        }
    }
    // Not in reproducible mode: there the whole model's root is charged far less than it
    // costs (HiGHS checks its iteration cap only between phases), so the run took about
    // 40 % of the wall time for no plan and no bound on the bench's weeks, and leaving it
    // out gave the same or better plans on each of 8 families (docs/bench-log).
    let last_whole = !small && pairs <= WHOLE_MODEL_MAX_PAIRS && !instance.clock.is_virtual();
    let search_until = if last_whole {
        instance.clock.now() + remaining().mul_f64(1.0 - LAST_WHOLE_SHARE)
    } else {
        until
    };
    let settings = Search {
        seed: anytime.seed,
        until: search_until,
        inbox: anytime.inbox,
        bound,
        counts_proven: proven.counts_proven,
        lp: anytime.lp,
    };
    search(instance, incumbent, &settings, on_event);
    if last_whole {
        adopt(instance, incumbent, anytime.inbox);
        whole_model(instance, incumbent, proven, remaining(), on_event);
    } else if pairs > WHOLE_MODEL_MAX_PAIRS {
        tracing::debug!(pairs, "whole-model stage skipped");
    }
}

/// The whole weighted-wait model warm-started from the incumbent, within `limit`; a
/// better plan becomes the incumbent. Returns its bound on the weighted wait (−∞ when
/// none holds) and whether it was solved to optimality.
fn whole_model(
    instance: &Instance,
    incumbent: &mut Assignment,
    proven: &Proven,
    limit: Duration,
    on_event: &mut dyn FnMut(MipEvent),
) -> (f64, bool) {
    let floors = proven.floors;
    let result = run_stage(
        instance,
        Stage::WeightedWait,
        floors,
        true,
        Some(incumbent),
        &run_options(instance, limit),
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
    if let Some(a) = &improved {
        *incumbent = a.clone();
    }
    let bound = (proven.floors_sound && result.dual_bound.is_finite())
        .then_some(instance.nothing_scheduled_cost() + result.dual_bound);
    on_event(MipEvent::StageDone {
        stage: StageName::WeightedWait,
        status: result.status,
        plan: improved,
        weighted_wait_bound: bound,
        counts_proven: proven.counts_proven,
        elapsed_ms: result.elapsed_ms,
    });
    (
        bound.unwrap_or(f64::NEG_INFINITY),
        result.status == RunStatus::Optimal,
    )
}

/// The share of the weighted-wait stage's time given to the specialty sub-models.
const SUBMODEL_SHARE: f64 = 0.2;

/// At most this many eligible pairs, a week is small: the whole model, warm-started
/// from the incumbent, gets a share of the time before the anytime search (HiGHS
/// solves such weeks whole; on the 10 × 2,500 week (under 30,000 pairs) a whole-model
/// run of 23 s found nothing while the search improved the plan).
const SMALL_WEEK_PAIRS: usize = 5_000;
const SMALL_WEEK_WHOLE_SHARE: f64 = 0.5;

/// On larger weeks (up to [`WHOLE_MODEL_MAX_PAIRS`]) the whole model gets the last
/// share of the time, for its dual bound.
const LAST_WHOLE_SHARE: f64 = 0.2;

/// Above this many eligible pairs the whole-model `WeightedWait` stage is not built: the
/// model alone took about 400 MiB more at 1.1 million pairs (large weeks), and whole-model
/// HiGHS gave no plan within 40 s already at 0.2 million (docs/benchmarks.md).
const WHOLE_MODEL_MAX_PAIRS: usize = 500_000;
