//! The policy's stages in order (count stages, specialty sub-models, the whole model),
//! each warm-started from the best plan so far.

use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::Instance;
use crate::theatre::models::formulation::Stage;
use crate::theatre::policy::policy_worse;
use crate::theatre::stages::counts::max_count;
use crate::theatre::stages::events::{MipEvent, StageName, count_upper_bounds, stages};
use crate::theatre::stages::lp_bound::lp_bound;
use crate::theatre::stages::polish::polish;
use crate::theatre::stages::run::{run_options, run_stage};
use crate::theatre::stages::sub_models::improve_by_submodels;

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
            && !policy_worse(instance, plan, &start)
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
