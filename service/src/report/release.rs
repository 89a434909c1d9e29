//! The weighted wait that releasing each 6-4-2 release candidate would cost, found by
//! re-solving without it.
//!
//! Both plans compared come from the same method: the request re-solved in this process
//! with `local_search_only` (the constructive plan and the pass-limited session
//! re-packing, no LP or MIP), once whole and once without the session. That method is
//! deterministic and cheap, so the difference is the session's worth to that method; it
//! is a heuristic estimate, not a bound (the difference can even be negative), and it is
//! not measured against the plan drawn (which may come from the MIP). A session with
//! locked cases is not re-solved (releasing it would break a booking).

use std::collections::HashMap;
use std::time::Duration;

use clinicplan_solver::theatre::solve::{NoMip, solve};
use clinicplan_solver::theatre::{TheatreRequest, validate};

use super::lists::{ListsError, ReleaseCost, ReleaseReview, release_candidates};
use crate::proto;

/// How the costs are found, as the report states it.
pub const RELEASE_METHOD: &str = "re-solved without the session: the request planned \
    twice with local search alone (the constructive plan and session re-packing, no MIP; \
    deterministic), once whole and once without the session, and the weighted waits \
    compared. A heuristic estimate, not a bound.";

/// Each solve's wall-clock safety net (the re-packing is pass-limited well inside it).
const SOLVE_LIMIT: Duration = Duration::from_secs(20);

/// The weighted wait and patients scheduled of `request` planned by local search alone,
/// or why it could not be planned.
fn local_search(request: &TheatreRequest) -> Result<(f64, u32), String> {
    let mut request = request.clone();
    request.options.local_search_only = true;
    let instance = validate(&request).map_err(|e| match e.0.first() {
        Some(first) => format!("the request without it is invalid ({})", first.message),
        None => "the request without it is invalid".to_string(),
    })?;
    let outcome = solve(&instance, SOLVE_LIMIT, &mut NoMip).map_err(|e| e.to_string())?;
    let m = &outcome.plan.metrics;
    Ok((m.weighted_wait, m.patients_scheduled))
}

/// The release candidates of `plan` (a plan of `request`) and what releasing each would
/// cost.
pub fn review_releases(
    request: &TheatreRequest,
    plan: &proto::PlanTheatreListsResponse,
) -> Result<ReleaseReview, ListsError> {
    let candidates = release_candidates(request, plan)?;
    if candidates.is_empty() {
        return Ok(ReleaseReview {
            method: RELEASE_METHOD.to_string(),
            costs: HashMap::new(),
        });
    }
    let whole = match local_search(request) {
        Ok(whole) => whole,
        Err(why) => return Ok(ReleaseReview::not_computed(&why)),
    };
    let mut costs = HashMap::new();
    for session_id in candidates {
        let cost = release_cost(request, &session_id, whole);
        costs.insert(session_id, cost);
    }
    Ok(ReleaseReview {
        method: RELEASE_METHOD.to_string(),
        costs,
    })
}

fn release_cost(request: &TheatreRequest, session_id: &str, whole: (f64, u32)) -> ReleaseCost {
    if request.pinned.iter().any(|b| b.session_id == session_id) {
        return ReleaseCost::NotComputed("locked cases are booked in it".to_string());
    }
    let mut without = request.clone();
    without.sessions.retain(|s| s.id != session_id);
    match local_search(&without) {
        Ok((ww, scheduled)) => ReleaseCost::Computed {
            increase: ww - whole.0,
            fewer_patients: i64::from(whole.1) - i64::from(scheduled),
        },
        Err(why) => ReleaseCost::NotComputed(why),
    }
}
