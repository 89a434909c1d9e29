//! The gRPC server: TheatreScheduler ([`theatre`]), AppointmentBalancer
//! ([`appointments`]), ScenarioRunner ([`scenarios`]), health (`grpc.health.v1`) and
//! reflection.
//!
//! Each handler follows the same steps ([`state::Shared::run`]): check the request's
//! size against the limits, take a place in the solve pool (or queue, or answer
//! RESOURCE_EXHAUSTED at once when the queue is full), then on a blocking thread
//! validate, solve and check, within the request's time limit capped by the client's
//! gRPC deadline; then convert back. A client that cancels or disconnects drops the
//! handler's future, which cancels its solve.

mod appointments;
mod auth;
mod config;
mod exposure;
mod scenarios;
mod state;
mod theatre;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::interceptor::InterceptedService;
use tonic_health::server::HealthReporter;
use tracing::{info, warn};

pub use config::{MAX_MESSAGE_BYTES, ServerConfig, TlsSettings};
pub use exposure::{Exposure, check_exposure};
pub use state::{effective_time_limit_ms, grpc_timeout};

use crate::proto;
use crate::proto::appointment_balancer_server::AppointmentBalancerServer;
use crate::proto::scenario_runner_server::ScenarioRunnerServer;
use crate::proto::theatre_scheduler_server::TheatreSchedulerServer;
use crate::telemetry::Metrics;
use appointments::AppointmentBalancerService;
use auth::TokenCheck;
use scenarios::ScenarioRunnerService;
use state::Shared;
use theatre::TheatreSchedulerService;

/// Serves clinicplan on an already-bound listener until `shutdown` completes. Then it
/// reports NOT_SERVING on health, stops accepting, lets running solves finish for up
/// to `shutdown_grace`, and returns. Metrics are served on `config.metrics_addr`, if set.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(crate::telemetry::bind(addr).await?),
        None => None,
    };
    serve_with_metrics(listener, metrics_listener, config, shutdown).await
}

/// Marks the three solver services SERVING (or NOT_SERVING) on health.
async fn set_solvers_serving(reporter: &HealthReporter, serving: bool) {
    if serving {
        reporter
            .set_serving::<TheatreSchedulerServer<TheatreSchedulerService>>()
            .await;
        reporter
            .set_serving::<AppointmentBalancerServer<AppointmentBalancerService>>()
            .await;
        reporter
            .set_serving::<ScenarioRunnerServer<ScenarioRunnerService>>()
            .await;
    } else {
        reporter
            .set_not_serving::<TheatreSchedulerServer<TheatreSchedulerService>>()
            .await;
        reporter
            .set_not_serving::<AppointmentBalancerServer<AppointmentBalancerService>>()
            .await;
        reporter
            .set_not_serving::<ScenarioRunnerServer<ScenarioRunnerService>>()
            .await;
    }
}

/// Reflection (v1 and v1alpha) over the API's and health's descriptors.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// Serves `/metrics` on `listener` (if any) until the returned sender is used or dropped.
fn spawn_metrics(
    listener: Option<TcpListener>,
    metrics: &Metrics,
) -> tokio::sync::oneshot::Sender<()> {
    let (metrics_stop, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    if let Some(listener) = listener {
        info!(addr = ?listener.local_addr().ok(), "serving metrics on /metrics");
        tokio::spawn(crate::telemetry::serve_metrics(
            listener,
            metrics.clone(),
            async move {
                let _ = metrics_stopped.await;
            },
        ));
    }
    metrics_stop
}

/// [`serve`], with the metrics endpoint on an already-bound listener (or none).
pub async fn serve_with_metrics(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    set_solvers_serving(&health_reporter, true).await;
    let reflection_v1 = reflection_builder().build_v1()?;
    let reflection_v1alpha = reflection_builder().build_v1alpha()?;
    let max_message = config.max_message_bytes;
    let grace = config.shutdown_grace;
    let tls = config.tls.clone();
    let metrics = Metrics::new();
    let next_request = Arc::new(AtomicU64::new(0));
    let tokens = TokenCheck {
        tokens: Arc::new(config.tokens.clone()),
        metrics: metrics.clone(),
        next_request: next_request.clone(),
    };
    let metrics_stop = spawn_metrics(metrics_listener, &metrics);
    // One pool of solves for every capability.
    let shared = Arc::new(Shared::new(config, metrics, next_request));
    let scenarios = InterceptedService::new(
        ScenarioRunnerServer::new(ScenarioRunnerService(shared.clone()))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens.clone(),
    );
    let balancer = InterceptedService::new(
        AppointmentBalancerServer::new(AppointmentBalancerService(shared.clone()))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens.clone(),
    );
    let theatres = InterceptedService::new(
        TheatreSchedulerServer::new(TheatreSchedulerService(shared))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens,
    );
    let mut builder = exposure::transport(tls)?;
    let (stop_accepting, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(theatres)
        .add_service(balancer)
        .add_service(scenarios)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
            let _ = stopped.await;
        });
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => {
            let _ = metrics_stop.send(());
            return Ok(result?);
        }
        () = shutdown => {}
    }
    let result = wind_down(server, &health_reporter, stop_accepting, grace).await;
    let _ = metrics_stop.send(());
    result
}

/// After the shutdown signal: health NOT_SERVING, no new connections, and up to `grace`
/// for the running solves to finish before they are stopped.
async fn wind_down(
    server: std::pin::Pin<&mut impl Future<Output = Result<(), tonic::transport::Error>>>,
    health_reporter: &HealthReporter,
    stop_accepting: tokio::sync::oneshot::Sender<()>,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    info!("shutting down: health NOT_SERVING, no new connections, running solves may finish");
    set_solvers_serving(health_reporter, false).await;
    health_reporter
        .set_service_status("", tonic_health::ServingStatus::NotServing)
        .await;
    let _ = stop_accepting.send(());
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result.map_err(anyhow::Error::from),
        Err(_) => {
            warn!(
                grace_s = grace.as_secs_f64(),
                "grace period over: stopping the solves still running"
            );
            Ok(())
        }
    }
}
