//! The gRPC server: TheatreScheduler, AppointmentBalancer, ScenarioRunner
//! ([`crate::scenario::grpc`]), health (`grpc.health.v1`) and reflection.
//!
//! Each handler follows the same steps ([`Shared::run`]): check the request's size
//! against the limits, take a place in the solve pool (or queue, or answer
//! RESOURCE_EXHAUSTED at once when the queue is full), then on a blocking thread
//! validate, solve and check, within the request's time limit capped by the client's
//! gRPC deadline; then convert back. A client that cancels or disconnects drops the
//! handler's future, which cancels its solve.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::metadata::MetadataMap;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tracing::{Instrument, info, info_span, warn};

use crate::convert;
use crate::engine::{
    CancelToken, EngineConfig, WorkerCommand, balance_appointments, plan_theatres,
};
use crate::error::{ServiceError, to_status};
use crate::proto;
use crate::proto::appointment_balancer_server::{AppointmentBalancer, AppointmentBalancerServer};
use crate::proto::scenario_runner_server::ScenarioRunnerServer;
use crate::proto::theatre_scheduler_server::{TheatreScheduler, TheatreSchedulerServer};
use crate::scenario::grpc::Runner;
use crate::telemetry::Metrics;

/// Default largest message (a 60-theatre, 40,000-patient week is about 10 MiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub worker: WorkerCommand,
    /// Used when a request gives no time limit.
    pub default_time_limit_ms: u32,
    /// Solves running at once.
    pub max_concurrent_solves: usize,
    /// Requests waiting for a solve; one more gets RESOURCE_EXHAUSTED at once.
    pub max_queued: usize,
    /// Largest message accepted or sent, bytes.
    pub max_message_bytes: usize,
    /// Most entities (theatres, surgeons, sessions, patients, ...; sites, clinicians,
    /// slots, requests, ...) in one request.
    pub max_entities: usize,
    /// Largest time limit a request may ask for, ms.
    pub max_time_limit_ms: u32,
    /// Kept back from the client's gRPC deadline to encode and send the answer.
    pub deadline_margin: Duration,
    /// After a shutdown signal, how long running solves may go on.
    pub shutdown_grace: Duration,
    /// Serve over TLS (with client certificates required when a client CA is given).
    pub tls: Option<TlsSettings>,
    /// Bearer tokens accepted on the solver RPCs; empty = no token needed. Health and
    /// reflection stay open (load balancers probe them).
    pub tokens: Vec<String>,
    /// Where to serve `GET /metrics`; `None` = no metrics endpoint.
    pub metrics_addr: Option<SocketAddr>,
}

/// What the operator allowed explicitly for a non-loopback listen address.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exposure {
    /// `--plaintext`: serve without TLS (a proxy or service mesh encrypts the traffic).
    pub plaintext: bool,
    /// `--no-auth`: serve without bearer tokens (something in front controls access).
    pub no_auth: bool,
}

/// Safe by default: on a loopback address the server may run plaintext and without
/// tokens; on any other address (`0.0.0.0` included) it needs TLS and tokens unless the
/// operator opted out of each explicitly. Every missing safeguard is named at once.
pub fn check_exposure(
    addr: SocketAddr,
    config: &ServerConfig,
    allowed: Exposure,
) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    let mut missing = Vec::new();
    if config.tls.is_none() && !allowed.plaintext {
        missing.push(
            "TLS: give --tls-cert and --tls-key (CLINICPLAN_TLS_CERT, CLINICPLAN_TLS_KEY), \
             or --plaintext (CLINICPLAN_PLAINTEXT=true) if a proxy or service mesh encrypts \
             the traffic",
        );
    }
    if config.tokens.is_empty() && !allowed.no_auth {
        missing.push(
            "access control: give --token-file (CLINICPLAN_TOKEN_FILE), or --no-auth \
             (CLINICPLAN_NO_AUTH=true) if something in front of the server controls access",
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to serve on {addr}, which is not a loopback address, without {}",
        missing.join("; and without ")
    ))
}

/// PEM-encoded TLS material.
#[derive(Clone)]
pub struct TlsSettings {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// When set, clients must present a certificate signed by this CA (mutual TLS).
    pub client_ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never goes to a log.
        f.debug_struct("TlsSettings")
            .field("mutual", &self.client_ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A 10 s default time limit, one solve per core, 64 queued, 64 MiB messages,
    /// 500,000 entities, 10-minute maximum time limit, 30 s grace.
    pub fn new(worker: WorkerCommand) -> Self {
        ServerConfig {
            worker,
            default_time_limit_ms: 10_000,
            max_concurrent_solves: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            max_queued: 64,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_entities: 500_000,
            max_time_limit_ms: 600_000,
            deadline_margin: Duration::from_millis(250),
            shutdown_grace: Duration::from_secs(30),
            tls: None,
            tokens: Vec::new(),
            metrics_addr: None,
        }
    }
}

/// The solve pool and its queue.
pub(crate) struct Admission {
    solves: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queued: usize,
    metrics: Metrics,
}

impl Admission {
    pub(crate) async fn admit(&self) -> Result<OwnedSemaphorePermit, Status> {
        if let Ok(permit) = self.solves.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let before = self.queued.fetch_add(1, Ordering::SeqCst);
        self.metrics.queued.inc();
        // Leaves the queue however this future ends (answered or dropped).
        struct Leave<'a>(&'a AtomicUsize, &'a Metrics);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
                self.1.queued.dec();
            }
        }
        let _leave = Leave(&self.queued, &self.metrics);
        if before >= self.max_queued {
            return Err(Status::resource_exhausted(format!(
                "every solver is busy and {} requests are already queued: try again later",
                self.max_queued
            )));
        }
        self.solves
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("the server is shutting down"))
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    engine: Arc<EngineConfig>,
    pub(crate) admission: Admission,
    config: ServerConfig,
    next_request: Arc<AtomicU64>,
    pub(crate) metrics: Metrics,
}

/// The client's gRPC deadline (`grpc-timeout` header), if it sent one.
pub fn grpc_timeout(metadata: &MetadataMap) -> Option<Duration> {
    let value = metadata.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// The time limit a solve gets: the request's (or the default), capped by the client's
/// deadline less the margin; at least 1 ms.
pub fn effective_time_limit_ms(
    requested_ms: u32,
    default_ms: u32,
    deadline: Option<Duration>,
    margin: Duration,
) -> u32 {
    let limit = if requested_ms == 0 {
        default_ms
    } else {
        requested_ms
    };
    let capped = match deadline {
        Some(d) => {
            let available = d.saturating_sub(margin).as_millis();
            u128::from(limit).min(available) as u32
        }
        None => limit,
    };
    capped.max(1)
}

/// The request's id: the client's `x-request-id` when it is short printable ASCII, else
/// a number of our own.
fn request_id(counter: &AtomicU64, metadata: &MetadataMap) -> String {
    metadata
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("r{}", counter.fetch_add(1, Ordering::Relaxed) + 1))
}

/// Counts an answer when it is given, or as CANCELLED when the handler's future is
/// dropped first (the client cancelled or went away).
struct Tally<'a> {
    metrics: &'a Metrics,
    rpc: &'static str,
    done: bool,
}

impl Tally<'_> {
    fn answered<T>(&mut self, answer: &Result<T, Status>) {
        let code = match answer {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        };
        self.metrics.answered(self.rpc, code);
        self.done = true;
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.metrics.answered(self.rpc, Code::Cancelled);
        }
    }
}

/// INVALID_ARGUMENT with one field violation.
fn limit_violation(field: &str, message: String) -> Status {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation(field, message.clone());
    Status::with_error_details(Code::InvalidArgument, message, details)
}

impl Shared {
    pub(crate) fn request_id(&self, metadata: &MetadataMap) -> String {
        request_id(&self.next_request, metadata)
    }

    /// The time limit of a request admitted now: its own (or the default), capped by
    /// the server's maximum and by what is left of the client's deadline less the
    /// margin; DEADLINE_EXCEEDED when nothing useful is left.
    pub(crate) fn time_limit_now(
        &self,
        requested_ms: u32,
        deadline: Option<Instant>,
    ) -> Result<u32, Status> {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if let Some(left) = left
            && left <= self.config.deadline_margin
        {
            return Err(Status::deadline_exceeded(
                "the client's deadline passed while the request waited for a solver",
            ));
        }
        Ok(effective_time_limit_ms(
            requested_ms,
            self.config
                .default_time_limit_ms
                .min(self.config.max_time_limit_ms),
            left,
            self.config.deadline_margin,
        ))
    }

    /// Rejects a request with too many entities (naming its largest list) or too long a
    /// time limit.
    pub(crate) fn check_limits(
        &self,
        lists: &[(&str, usize)],
        time_limit_ms: u32,
    ) -> Result<(), Status> {
        let total: usize = lists.iter().map(|(_, n)| n).sum();
        if total > self.config.max_entities {
            let (field, n) = lists
                .iter()
                .max_by_key(|(_, n)| *n)
                .copied()
                .unwrap_or(("", 0));
            return Err(limit_violation(
                field,
                format!(
                    "the request has {total} entities ({n} in {field}); this server accepts at most {}",
                    self.config.max_entities
                ),
            ));
        }
        if time_limit_ms > self.config.max_time_limit_ms {
            return Err(limit_violation(
                "options.time_limit_ms",
                format!(
                    "{time_limit_ms} ms: this server allows at most {} ms",
                    self.config.max_time_limit_ms
                ),
            ));
        }
        Ok(())
    }

    /// Admission, then `solve` on a blocking thread with its time limit (counted from
    /// now, within the client's `deadline`) and a cancel token that fires if this future
    /// is dropped (the client cancelled or went away).
    async fn run<T: Send + 'static>(
        &self,
        requested_ms: u32,
        deadline: Option<Instant>,
        solve: impl FnOnce(&EngineConfig, &CancelToken, u32) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, Status> {
        let cancel = CancelToken::default();
        let guard = cancel.drop_guard();
        let permit = self.admission.admit().await?;
        let time_limit_ms = self.time_limit_now(requested_ms, deadline)?;
        let engine = self.engine.clone();
        let token = cancel.clone();
        let span = tracing::Span::current();
        let running = self.metrics.running.clone();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            running.inc();
            let result = span.in_scope(|| solve(&engine, &token, time_limit_ms));
            running.dec();
            result
        })
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?;
        guard.disarm();
        result.map_err(|e| {
            warn!(error = %e, "solve failed");
            to_status(e)
        })
    }
}

#[derive(Clone)]
struct Scheduler(Arc<Shared>);

/// Puts the request id on an answer, OK or not.
pub(crate) fn with_request_id<T>(
    answer: Result<Response<T>, Status>,
    id: &str,
) -> Result<Response<T>, Status> {
    let Ok(value) = id.parse::<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>() else {
        return answer;
    };
    match answer {
        Ok(mut response) => {
            response.metadata_mut().insert("x-request-id", value);
            Ok(response)
        }
        Err(mut status) => {
            status.metadata_mut().insert("x-request-id", value);
            Err(status)
        }
    }
}

#[tonic::async_trait]
impl TheatreScheduler for Scheduler {
    async fn plan_theatre_lists(
        &self,
        request: Request<proto::PlanTheatreListsRequest>,
    ) -> Result<Response<proto::PlanTheatreListsResponse>, Status> {
        let shared = &self.0;
        let id = shared.request_id(request.metadata());
        let deadline = grpc_timeout(request.metadata());
        let span = info_span!("request", request_id = %id, rpc = "PlanTheatreLists");
        let started = Instant::now();
        let deadline = deadline.map(|d| started + d);
        let mut tally = Tally {
            metrics: &shared.metrics,
            rpc: "PlanTheatreLists",
            done: false,
        };
        let answer = async move {
            let mut request = convert::request_from_proto(request.into_inner());
            shared.check_limits(
                &[
                    ("theatres", request.theatres.len()),
                    ("surgeons", request.surgeons.len()),
                    ("sessions", request.sessions.len()),
                    ("patients", request.patients.len()),
                    ("specialties", request.specialties.len()),
                    ("ward_beds", request.ward_beds.len()),
                    ("pinned", request.pinned.len()),
                ],
                request.options.time_limit_ms,
            )?;
            let (n_patients, n_sessions) = (request.patients.len(), request.sessions.len());
            info!(n_patients, n_sessions, "PlanTheatreLists received");
            let requested = request.options.time_limit_ms;
            let (instance, outcome) = shared
                .run(requested, deadline, move |engine, token, time_limit_ms| {
                    request.options.time_limit_ms = time_limit_ms;
                    plan_theatres(request, engine, token)
                })
                .await?;
            let r = &outcome.report;
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
            Ok(Response::new(convert::response_to_proto(
                &instance, &outcome,
            )))
        }
        .instrument(span.clone())
        .await;
        let answer = with_request_id(answer, &id);
        tally.answered(&answer);
        answer
    }
}

#[tonic::async_trait]
impl AppointmentBalancer for Scheduler {
    async fn balance_appointments(
        &self,
        request: Request<proto::BalanceAppointmentsRequest>,
    ) -> Result<Response<proto::BalanceAppointmentsResponse>, Status> {
        let shared = &self.0;
        let id = shared.request_id(request.metadata());
        let deadline = grpc_timeout(request.metadata());
        let span = info_span!("request", request_id = %id, rpc = "BalanceAppointments");
        let started = Instant::now();
        let deadline = deadline.map(|d| started + d);
        let mut tally = Tally {
            metrics: &shared.metrics,
            rpc: "BalanceAppointments",
            done: false,
        };
        let answer = async move {
            let mut request = convert::appointments::request_from_proto(request.into_inner());
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
            let (network, plan) = shared
                .run(requested, deadline, move |engine, token, time_limit_ms| {
                    request.options.time_limit_ms = time_limit_ms;
                    if token.is_cancelled() {
                        return Err(ServiceError::Cancelled);
                    }
                    balance_appointments(&request, engine, token)
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
        }
        .instrument(span.clone())
        .await;
        let answer = with_request_id(answer, &id);
        tally.answered(&answer);
        answer
    }
}

/// Accepts a call when no tokens are configured or it carries
/// `authorization: Bearer <token>` with one of them.
#[derive(Clone)]
struct TokenCheck {
    tokens: Arc<Vec<String>>,
    metrics: Metrics,
    next_request: Arc<AtomicU64>,
}

/// Whether `given` is one of `tokens`, in time independent of where a token first
/// differs from it and of which token matches (every token is compared).
fn known_token(tokens: &[String], given: &str) -> bool {
    use subtle::ConstantTimeEq;
    tokens
        .iter()
        .fold(subtle::Choice::from(0), |found, t| {
            found | t.as_bytes().ct_eq(given.as_bytes())
        })
        .into()
}

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        if self.tokens.is_empty() {
            return Ok(request);
        }
        let given = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let mut status = match given {
            Some(token) if known_token(&self.tokens, token) => {
                return Ok(request);
            }
            Some(_) => Status::unauthenticated("the bearer token is not valid"),
            None => Status::unauthenticated("this server needs `authorization: Bearer <token>`"),
        };
        let id = request_id(&self.next_request, request.metadata());
        warn!(request_id = %id, "refused: no valid bearer token");
        if let Ok(value) = id.parse() {
            status.metadata_mut().insert("x-request-id", value);
        }
        self.metrics.answered("any", Code::Unauthenticated);
        Err(status)
    }
}

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

/// [`serve`], with the metrics endpoint on an already-bound listener (or none).
pub async fn serve_with_metrics(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
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
    health_reporter
        .set_serving::<ScenarioRunnerServer<Runner>>()
        .await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
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
    let (metrics_stop, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    if let Some(listener) = metrics_listener {
        info!(addr = ?listener.local_addr().ok(), "serving metrics on /metrics");
        tokio::spawn(crate::telemetry::serve_metrics(
            listener,
            metrics.clone(),
            async move {
                let _ = metrics_stopped.await;
            },
        ));
    }
    // One pool of solves for every capability.
    let shared = Arc::new(Shared {
        engine: Arc::new(EngineConfig {
            worker: config.worker.clone(),
            default_time_limit_ms: config.default_time_limit_ms,
        }),
        admission: Admission {
            solves: Arc::new(Semaphore::new(config.max_concurrent_solves.max(1))),
            queued: AtomicUsize::new(0),
            max_queued: config.max_queued,
            metrics: metrics.clone(),
        },
        config,
        next_request,
        metrics,
    });
    let scenarios = tonic::service::interceptor::InterceptedService::new(
        ScenarioRunnerServer::new(Runner(shared.clone()))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens.clone(),
    );
    let scheduler = Scheduler(shared);
    let balancer = tonic::service::interceptor::InterceptedService::new(
        AppointmentBalancerServer::new(scheduler.clone())
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens.clone(),
    );
    let theatres = tonic::service::interceptor::InterceptedService::new(
        TheatreSchedulerServer::new(scheduler)
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message),
        tokens,
    );
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        let mut tls_config = tonic::transport::ServerTlsConfig::new().identity(
            tonic::transport::Identity::from_pem(&tls.cert_pem, &tls.key_pem),
        );
        if let Some(ca) = &tls.client_ca_pem {
            tls_config = tls_config.client_ca_root(tonic::transport::Certificate::from_pem(ca));
        }
        builder = builder.tls_config(tls_config)?;
    }
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
    info!("shutting down: health NOT_SERVING, no new connections, running solves may finish");
    health_reporter
        .set_not_serving::<TheatreSchedulerServer<Scheduler>>()
        .await;
    health_reporter
        .set_not_serving::<AppointmentBalancerServer<Scheduler>>()
        .await;
    health_reporter
        .set_not_serving::<ScenarioRunnerServer<Runner>>()
        .await;
    health_reporter
        .set_service_status("", tonic_health::ServingStatus::NotServing)
        .await;
    let _ = stop_accepting.send(());
    let result = match tokio::time::timeout(grace, &mut server).await {
        Ok(result) => result.map_err(anyhow::Error::from),
        Err(_) => {
            warn!(
                grace_s = grace.as_secs_f64(),
                "grace period over: stopping the solves still running"
            );
            Ok(())
        }
    };
    let _ = metrics_stop.send(());
    result
}
