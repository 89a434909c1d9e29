//! Re-planning's one service-side step: with `compare_with_scratch`, the time is split
//! between the plan with its stability costs and a plan of the same request without them
//! (the same locks and notice rules), so that the response can say what stability cost
//! in weighted wait.

use clinicplan_solver::theatre::domain::Instance;
use clinicplan_solver::theatre::effort::unset_time_limit_ms;
use clinicplan_solver::theatre::input::TheatreRequest;
use clinicplan_solver::theatre::solve::Outcome;
use clinicplan_solver::theatre::validate;

use crate::engine::{CancelToken, EngineConfig, plan_validated};
use crate::error::ServiceError;
use crate::proto;

/// A solved request, and the weighted wait of the plan made without stability costs
/// when the request asked for the comparison.
pub struct Compared {
    pub instance: Instance,
    pub outcome: Outcome,
    pub scratch_wait: Option<f64>,
}

/// Plans `request` (already validated into `instance`) within the instance's time limit;
/// with `compare_with_scratch`, half of it for each of the two plans.
pub fn plan_compared(
    request: &TheatreRequest,
    mut instance: Instance,
    config: &EngineConfig,
    cancel: &CancelToken,
) -> Result<Compared, ServiceError> {
    let compare = instance
        .replan
        .as_ref()
        .is_some_and(|r| r.compare_with_scratch);
    if !compare {
        let (instance, outcome) = plan_validated(request, instance, config, cancel)?;
        return Ok(Compared {
            instance,
            outcome,
            scratch_wait: None,
        });
    }
    let limit = instance.options.time_limit_ms.unwrap_or_else(|| {
        unset_time_limit_ms(
            instance.options.reproducible,
            config.default_time_limit_ms,
            u32::MAX,
        )
    });
    let half = (limit / 2).max(1);
    instance.options.time_limit_ms = Some(half);
    let mut stable_request = request.clone();
    stable_request.options.time_limit_ms = half;
    let (instance, outcome) = plan_validated(&stable_request, instance, config, cancel)?;

    let mut scratch_request = request.clone();
    scratch_request.options.time_limit_ms = (limit - half).max(1);
    let replan = scratch_request.replan.get_or_insert_with(Default::default);
    replan.move_cost = Some(0.0);
    replan.cancel_cost = Some(0.0);
    replan.draft_move_cost = Some(0.0);
    replan.compare_with_scratch = false;
    let scratch_instance = validate(&scratch_request)?;
    let (_, scratch) = plan_validated(&scratch_request, scratch_instance, config, cancel)?;
    Ok(Compared {
        instance,
        outcome,
        scratch_wait: Some(scratch.plan.metrics.weighted_wait),
    })
}

/// The response of a compared solve: the plan, its changes, and the scratch comparison.
pub fn response(compared: &Compared) -> proto::PlanTheatreListsResponse {
    let mut response = crate::convert::response_to_proto(&compared.instance, &compared.outcome);
    if let (Some(stability), Some(wait)) = (response.stability.as_mut(), compared.scratch_wait) {
        stability.scratch_weighted_wait = Some(wait);
        stability.wait_cost_of_stability = Some(stability.weighted_wait - wait);
    }
    response
}
