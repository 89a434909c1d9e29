//! What every gRPC service shares: the solve pool and its queue ([`Admission`]), the
//! limits, the request ids and the metrics handle.

use clinicplan_solver::theatre::effort::unset_time_limit_ms;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::metadata::MetadataMap;
use tonic::{Code, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tracing::{Instrument, debug, info, warn};

use super::config::ServerConfig;
use crate::engine::{CancelToken, EngineConfig};
use crate::error::{ServiceError, to_status};
use crate::telemetry::Metrics;

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
pub(super) fn request_id(counter: &AtomicU64, metadata: &MetadataMap) -> String {
    metadata
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("r{}", counter.fetch_add(1, Ordering::Relaxed) + 1))
}

/// A unary call as it arrives: its id, its tracing span, when it started and the
/// client's deadline (if any) as an instant.
pub(super) struct Call {
    id: String,
    span: tracing::Span,
    pub(super) started: Instant,
    pub(super) deadline: Option<Instant>,
    rpc: &'static str,
}

impl Call {
    /// The request id.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    pub(super) fn start(shared: &Shared, metadata: &MetadataMap, rpc: &'static str) -> Call {
        let id = shared.request_id(metadata);
        let deadline = grpc_timeout(metadata);
        let span = tracing::info_span!("request", request_id = %id, rpc = rpc);
        let started = Instant::now();
        let deadline = deadline.map(|d| started + d);
        Call {
            id,
            span,
            started,
            deadline,
            rpc,
        }
    }

    /// Runs the call's `handler` in its span; the answer gets the request id and is
    /// counted (as CANCELLED if this future is dropped first).
    pub(super) async fn answer<T>(
        self,
        metrics: &Metrics,
        handler: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Result<Response<T>, Status> {
        let mut tally = Tally {
            metrics,
            rpc: self.rpc,
            done: false,
        };
        let answer = handler.instrument(self.span.clone()).await;
        if let Err(status) = &answer {
            self.span.in_scope(|| log_failure(self.rpc, status));
        }
        let answer = with_request_id(answer, &self.id);
        tally.answered(&answer);
        answer
    }
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

/// Whether a code says the client's request (or the client) was at fault, not the
/// server.
fn client_fault(code: Code) -> bool {
    match code {
        Code::InvalidArgument
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::ResourceExhausted
        | Code::Unauthenticated
        | Code::PermissionDenied
        | Code::NotFound
        | Code::AlreadyExists
        | Code::FailedPrecondition
        | Code::OutOfRange
        | Code::Aborted => true,
        Code::Ok
        | Code::Unknown
        | Code::Unimplemented
        | Code::Internal
        | Code::Unavailable
        | Code::DataLoss => false,
    }
}

/// Logs a call that failed: its code (and number of field violations) at INFO for a
/// client's fault, WARN for the server's; the message, which may echo the request's
/// identifiers, only at DEBUG.
pub(crate) fn log_failure(rpc: &str, status: &Status) {
    let code = status.code();
    let n_violations = status
        .get_details_bad_request()
        .map_or(0, |b| b.field_violations.len());
    if client_fault(code) {
        info!(rpc, ?code, n_violations, "request refused");
    } else {
        warn!(rpc, ?code, "request failed");
    }
    debug!(
        rpc,
        ?code,
        message = status.message(),
        "the refusal's message"
    );
}

/// INVALID_ARGUMENT with one field violation.
fn limit_violation(field: &str, message: String) -> Status {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation(field, message.clone());
    Status::with_error_details(Code::InvalidArgument, message, details)
}

impl Shared {
    /// One pool of solves for every capability, with `max_concurrent_solves` places and
    /// `max_queued` waiting.
    pub(super) fn new(
        config: ServerConfig,
        metrics: Metrics,
        next_request: Arc<AtomicU64>,
    ) -> Self {
        Shared {
            engine: Arc::new(EngineConfig {
                worker: config.worker.clone(),
                default_time_limit_ms: config.default_time_limit_ms,
                request_id: None,
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
        }
    }

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

    /// The time limit a theatre request asks for: its own, or for a reproducible request
    /// that gives none the reproducible safety net (at most the server's maximum); 0
    /// leaves it to the server's default.
    pub(crate) fn theatre_time_limit_ms(&self, asked_ms: u32, reproducible: bool) -> u32 {
        if asked_ms == 0 && reproducible {
            unset_time_limit_ms(
                true,
                self.config.default_time_limit_ms,
                self.config.max_time_limit_ms,
            )
        } else {
            asked_ms
        }
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

    /// Runs `check` (conversion and validation) on a blocking thread, before the
    /// request takes a place in the queue: a bad request is refused at once, whatever
    /// the load. Validating a large request (tens of thousands of patients) is CPU work
    /// that must not hold a runtime thread.
    pub(super) async fn validate<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, Status> {
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(check))
            .await
            .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?
            .map_err(to_status)
    }

    /// Admission, then `solve` on a blocking thread with its time limit (counted from
    /// now, within the client's `deadline`) and a cancel token that fires if this future
    /// is dropped (the client cancelled or went away). The engine's worker processes
    /// log with `request_id`.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        admitted: Admitted<'_>,
        solve: impl FnOnce(&EngineConfig, &CancelToken, u32) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, Status> {
        let cancel = CancelToken::default();
        let guard = cancel.drop_guard();
        let permit = self.admission.admit().await?;
        let time_limit_ms = self.time_limit_now(admitted.requested_ms, admitted.deadline)?;
        let engine = EngineConfig {
            request_id: Some(admitted.request_id.to_string()),
            ..(*self.engine).clone()
        };
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
        result.map_err(to_status)
    }
}

/// What [`Shared::run`] needs of a validated request: its id, the time limit it asks
/// for and the client's deadline.
pub(super) struct Admitted<'a> {
    pub(super) request_id: &'a str,
    pub(super) requested_ms: u32,
    pub(super) deadline: Option<Instant>,
}

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
