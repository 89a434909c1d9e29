//! `clinicplan.v1.TheatreScheduler`: plans theatre lists, one solve per call.

use std::sync::Arc;

use clinicplan_solver::theatre::validate;
use tonic::{Request, Response, Status};
use tracing::info;

use super::state::{Admitted, Call, Shared};
use crate::convert;
use crate::proto;
use crate::proto::theatre_scheduler_server::TheatreScheduler;
use crate::replan::plan_compared;

/// The TheatreScheduler service, sharing the server's solve pool.
#[derive(Clone)]
pub(super) struct TheatreSchedulerService(pub(super) Arc<Shared>);

#[tonic::async_trait]
impl TheatreScheduler for TheatreSchedulerService {
    async fn plan_theatre_lists(
        &self,
        request: Request<proto::PlanTheatreListsRequest>,
    ) -> Result<Response<proto::PlanTheatreListsResponse>, Status> {
        let shared = &self.0;
        let call = Call::start(shared, request.metadata(), "PlanTheatreLists");
        let (started, deadline, id) = (call.started, call.deadline, call.id().to_string());
        let handler = async move {
            let request = convert::request_from_proto(request.into_inner());
            shared.check_limits(
                &[
                    ("theatres", request.theatres.len()),
                    ("surgeons", request.surgeons.len()),
                    ("sessions", request.sessions.len()),
                    ("patients", request.patients.len()),
                    ("specialties", request.specialties.len()),
                    ("ward_beds", request.ward_beds.len()),
                    ("pinned", request.pinned.len()),
                    ("previous_plan", request.previous_plan.len()),
                ],
                request.options.time_limit_ms,
            )?;
            let (n_patients, n_sessions) = (request.patients.len(), request.sessions.len());
            info!(n_patients, n_sessions, "PlanTheatreLists received");
            let requested = shared
                .theatre_time_limit_ms(request.options.time_limit_ms, request.options.reproducible);
            let (request, instance) = shared
                .validate(move || {
                    let instance = validate(&request)?;
                    Ok((request, instance))
                })
                .await?;
            let admitted = Admitted {
                request_id: &id,
                requested_ms: requested,
                deadline,
            };
            let compared = shared
                .run(admitted, move |engine, token, time_limit_ms| {
                    let mut request = request;
                    let mut instance = instance;
                    request.options.time_limit_ms = time_limit_ms;
                    instance.options.time_limit_ms = Some(time_limit_ms);
                    plan_compared(&request, instance, engine, token)
                })
                .await?;
            let r = &compared.outcome.report;
            shared
                .metrics
                .solved("PlanTheatreLists", started.elapsed(), r.gap);
            info!(
                status = ?r.status,
                objective = r.objective,
                gap = r.gap,
                solve_ms = r.solve_ms,
                deadline_reached = r.deadline_reached,
                "PlanTheatreLists solved"
            );
            Ok(Response::new(crate::replan::response(&compared)))
        };
        call.answer(&shared.metrics, handler).await
    }
}
