//! The gRPC server: TheatreScheduler, AppointmentBalancer, health (`grpc.health.v1`)
//! and reflection.
//!
//! Each handler follows the same steps: convert, then on a blocking thread validate,
//! solve (the MIP in a worker process), check; then convert back.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use crate::convert;
use crate::engine::{
    CancelToken, EngineConfig, WorkerCommand, balance_appointments, plan_theatres,
};
use crate::error::{ServiceError, to_status};
use crate::proto;
use crate::proto::appointment_balancer_server::{AppointmentBalancer, AppointmentBalancerServer};
use crate::proto::theatre_scheduler_server::{TheatreScheduler, TheatreSchedulerServer};

/// Largest request accepted (a 60-theatre, 40,000-patient week is about 10 MiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub worker: WorkerCommand,
    /// Used when a request gives no time limit.
    pub default_time_limit_ms: u32,
    /// Solves running at once; more requests wait their turn.
    pub max_concurrent_solves: usize,
}

impl ServerConfig {
    /// A 10 s default time limit, one solve per core.
    pub fn new(worker: WorkerCommand) -> Self {
        ServerConfig {
            worker,
            default_time_limit_ms: 10_000,
            max_concurrent_solves: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        }
    }
}

struct Scheduler {
    engine: Arc<EngineConfig>,
    solves: Arc<Semaphore>,
}

#[tonic::async_trait]
impl TheatreScheduler for Scheduler {
    async fn plan_theatre_lists(
        &self,
        request: Request<proto::PlanTheatreListsRequest>,
    ) -> Result<Response<proto::PlanTheatreListsResponse>, Status> {
        let request = convert::request_from_proto(request.into_inner());
        let n_patients = request.patients.len();
        let n_sessions = request.sessions.len();
        let cancel = CancelToken::default();
        // Dropped with this future when the client cancels or disconnects.
        let guard = cancel.drop_guard();
        let permit = self
            .solves
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("the server is shutting down"))?;
        let engine = self.engine.clone();
        let token = cancel.clone();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            plan_theatres(request, &engine, &token)
        })
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?;
        guard.disarm();
        match result {
            Ok((instance, outcome)) => {
                let r = &outcome.report;
                info!(
                    n_patients,
                    n_sessions,
                    status = ?r.status,
                    objective = r.objective,
                    gap = r.gap,
                    solve_ms = r.solve_ms,
                    deadline_reached = r.deadline_reached,
                    "PlanTheatreLists solved"
                );
                Ok(Response::new(convert::response_to_proto(
                    &instance, &outcome,
                )))
            }
            Err(e) => {
                warn!(n_patients, n_sessions, error = %e, "PlanTheatreLists failed");
                Err(to_status(e))
            }
        }
    }
}

#[tonic::async_trait]
impl AppointmentBalancer for Scheduler {
    async fn balance_appointments(
        &self,
        request: Request<proto::BalanceAppointmentsRequest>,
    ) -> Result<Response<proto::BalanceAppointmentsResponse>, Status> {
        let request = convert::appointments::request_from_proto(request.into_inner());
        let n_requests = request.requests.len();
        let n_slots = request.slots.len();
        let permit = self
            .solves
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("the server is shutting down"))?;
        let engine = self.engine.clone();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            balance_appointments(&request, &engine)
        })
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?;
        match result {
            Ok((network, plan)) => {
                let s = &plan.summary;
                info!(
                    n_requests,
                    n_slots,
                    optimal = s.optimal,
                    objective = s.objective,
                    gap = s.gap,
                    solve_ms = s.solve_ms,
                    "BalanceAppointments solved"
                );
                Ok(Response::new(convert::appointments::response_to_proto(
                    &network, &plan,
                )))
            }
            Err(e) => {
                warn!(n_requests, n_slots, error = %e, "BalanceAppointments failed");
                Err(to_status(e))
            }
        }
    }
}

/// Serves clinicplan on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<TheatreSchedulerServer<Scheduler>>()
        .await;
    health_reporter
        .set_serving::<AppointmentBalancerServer<Scheduler>>()
        .await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let engine = Arc::new(EngineConfig {
        worker: config.worker,
        default_time_limit_ms: config.default_time_limit_ms,
    });
    // One pool of solves for every capability.
    let solves = Arc::new(Semaphore::new(config.max_concurrent_solves.max(1)));
    let balancer = AppointmentBalancerServer::new(Scheduler {
        engine: engine.clone(),
        solves: solves.clone(),
    })
    .max_decoding_message_size(MAX_MESSAGE_BYTES)
    .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let scheduler = Scheduler { engine, solves };
    let scheduler = TheatreSchedulerServer::new(scheduler)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(scheduler)
        .add_service(balancer)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}
