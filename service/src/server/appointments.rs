//! `clinicplan.v1.AppointmentBalancer`: balances a network's appointments, one solve
//! per call.

use std::sync::Arc;

use clinicplan_solver::appointments;
use tonic::{Request, Response, Status};
use tracing::info;

use super::state::{Admitted, Call, Shared};
use crate::convert;
use crate::engine::balance_validated;
use crate::error::ServiceError;
use crate::proto;
use crate::proto::appointment_balancer_server::AppointmentBalancer;

/// The AppointmentBalancer service, sharing the server's solve pool.
#[derive(Clone)]
pub(super) struct AppointmentBalancerService(pub(super) Arc<Shared>);

#[tonic::async_trait]
impl AppointmentBalancer for AppointmentBalancerService {
    async fn balance_appointments(
        &self,
        request: Request<proto::BalanceAppointmentsRequest>,
    ) -> Result<Response<proto::BalanceAppointmentsResponse>, Status> {
        let shared = &self.0;
        let call = Call::start(shared, request.metadata(), "BalanceAppointments");
        let (started, deadline, id) = (call.started, call.deadline, call.id().to_string());
        let handler = async move {
            let request = convert::appointments::request_from_proto(request.into_inner());
            shared.check_limits(
                &[
                    ("sites", request.sites.len()),
                    ("travel", request.travel.len()),
                    ("clinicians", request.clinicians.len()),
                    ("slots", request.slots.len()),
                    ("requests", request.requests.len()),
                ],
                request.options.time_limit_ms,
            )?;
            let (n_requests, n_slots) = (request.requests.len(), request.slots.len());
            info!(n_requests, n_slots, "BalanceAppointments received");
            let requested = request.options.time_limit_ms;
            let network = shared
                .validate(move || Ok(appointments::validate(&request)?))
                .await?;
            let admitted = Admitted {
                request_id: &id,
                requested_ms: requested,
                deadline,
            };
            let (network, plan) = shared
                .run(admitted, move |engine, token, time_limit_ms| {
                    let mut network = network;
                    network.options.time_limit_ms = Some(time_limit_ms);
                    if token.is_cancelled() {
                        return Err(ServiceError::Cancelled);
                    }
                    balance_validated(network, engine, token)
                })
                .await?;
            let s = &plan.summary;
            shared
                .metrics
                .solved("BalanceAppointments", started.elapsed(), s.gap);
            info!(
                optimal = s.optimal,
                objective = s.objective,
                gap = s.gap,
                solve_ms = s.solve_ms,
                "BalanceAppointments solved"
            );
            Ok(Response::new(convert::appointments::response_to_proto(
                &network, &plan,
            )))
        };
        call.answer(&shared.metrics, handler).await
    }
}
