//! `clinicplan scenario run --server URL`: every simulated week's solve sent to a remote
//! clinicplan server, one server or a gRPC-aware load balancer in front of several
//! (docs/deploy.md), instead of solving in this process.
//!
//! A solve keeps no state between requests and is deterministic (a theatre week asks for
//! the reproducible mode at the week's effort, or `local_search_only`; an appointment
//! week is an exact optimum), so a solve whose server
//! went away is simply sent again, to the same address, where the balancer picks a live
//! replica; the plan is the one an in-process run makes. Each answer is checked against
//! the week's own instance (the same checks as `clinicplan check`) before the simulation
//! uses it. Retries are logged without patient identifiers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use clinicplan_solver::appointments::Network;
use clinicplan_solver::appointments::check::check as check_bookings;
use clinicplan_solver::appointments::domain::{RequestIdx, SlotIdx};
use clinicplan_solver::appointments::input::BalanceRequest;
use clinicplan_solver::appointments::solve::measure;
use clinicplan_solver::simulate::{GpWeekPlan, TheatreWeekPlan, WeekSolveError, WeekSolver};
use clinicplan_solver::theatre::check::check as check_plan;
use clinicplan_solver::theatre::{Instance, TheatreRequest};
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Request, Status};
use tracing::warn;

use crate::convert;
use crate::proto;
use crate::proto::appointment_balancer_client::AppointmentBalancerClient;
use crate::proto::theatre_scheduler_client::TheatreSchedulerClient;
use crate::server::MAX_MESSAGE_BYTES;

/// How to reach the server.
#[derive(Clone, Debug)]
pub struct RemoteSettings {
    /// `http://host:port`, or `https://host:port` with TLS; several, comma-separated, to
    /// spread the solves over them (each solve goes to the next, and a solve sent again
    /// goes to the one after).
    pub url: String,
    /// The CA that signed the server's certificate (PEM); `None`: the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Sent as `authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Tries per solve, the first included.
    pub attempts: u32,
    /// Variants simulated at once, each with one solve in flight.
    pub parallel_variants: usize,
}

/// A [`WeekSolver`] that sends each week to a remote server.
pub struct RemoteWeeks {
    runtime: tokio::runtime::Runtime,
    channels: Vec<Channel>,
    /// Solves sent so far: the next solve's first server.
    next: AtomicUsize,
    authorization: Option<MetadataValue<tonic::metadata::Ascii>>,
    attempts: u32,
    parallel_variants: usize,
    retried: AtomicU64,
}

/// Whether the same solve is sent again: the server (or the path to it) went away or
/// was busy. That is these codes, or any status this client made from a broken
/// connection (it carries the transport's error as its source, say an HTTP/2 stream
/// reset when a balancer loses the replica mid-answer). A status the server sent (a bad
/// request, a refused token) is final.
fn worth_retrying(status: &Status) -> bool {
    let gone_or_busy = matches!(
        status.code(),
        Code::Unavailable
            | Code::Unknown
            | Code::ResourceExhausted
            | Code::Aborted
            | Code::DeadlineExceeded
    );
    gone_or_busy || std::error::Error::source(status).is_some()
}

/// The pause before try `attempt + 1`: 100 ms doubling, at most 3.2 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100 << attempt.saturating_sub(1).min(5))
}

impl RemoteWeeks {
    /// A client for `settings.url` (one server or several). The connections are made on
    /// the first solve (and again whenever they break), so a server that is not up yet is
    /// retried like one that went away.
    pub fn new(settings: &RemoteSettings) -> anyhow::Result<RemoteWeeks> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the client's runtime")?;
        let channels = settings
            .url
            .split(',')
            .map(|url| lazy_channel(&runtime, url.trim(), settings.ca_pem.as_deref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let authorization = settings
            .token
            .as_ref()
            .map(|t| format!("Bearer {t}").parse())
            .transpose()
            .context("the token is not valid in a header")?;
        Ok(RemoteWeeks {
            runtime,
            channels,
            next: AtomicUsize::new(0),
            authorization,
            attempts: settings.attempts.max(1),
            parallel_variants: settings.parallel_variants.max(1),
            retried: AtomicU64::new(0),
        })
    }

    /// Solves sent again after a failure, so far.
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    fn request<T>(&self, message: T, time_limit: Duration) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(value) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        // A server that stops answering is given up on (and the solve retried) a
        // minute after the week's time limit.
        request.set_timeout(time_limit + Duration::from_secs(60));
        request
    }

    /// Calls `rpc` until it answers, fails for good, or has been tried `attempts` times.
    fn call<T, F, Fut>(&self, what: &str, week: u32, rpc: F) -> Result<T, Status>
    where
        F: Fn(Channel) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 1;
        loop {
            let channel = &self.channels[(first + attempt as usize - 1) % self.channels.len()];
            match self.runtime.block_on(rpc(channel.clone())) {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) if attempt < self.attempts && worth_retrying(&status) => {
                    warn!(
                        week,
                        attempt,
                        code = ?status.code(),
                        "{what} failed; sending it again"
                    );
                    tracing::debug!(message = status.message(), "{what}'s failure");
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(backoff(attempt));
                    attempt += 1;
                }
                Err(status) => return Err(status),
            }
        }
    }
}

/// A channel to `url` (connected on its first call, and again whenever it breaks, so a
/// server that is not up yet is retried like one that went away).
fn lazy_channel(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    ca_pem: Option<&[u8]>,
) -> anyhow::Result<Channel> {
    let mut endpoint = Endpoint::from_shared(url.to_string())
        .with_context(|| format!("--server {url}: not a URL"))?
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true);
    if url.starts_with("https://") {
        let mut tls = ClientTlsConfig::new().with_enabled_roots();
        if let Some(ca) = ca_pem {
            tls = tls.ca_certificate(Certificate::from_pem(ca));
        }
        endpoint = endpoint.tls_config(tls).context("the TLS settings")?;
    }
    let _entered = runtime.enter();
    Ok(endpoint.connect_lazy())
}

/// A failed remote solve as the simulation reports it.
fn failed(what: &str, status: Status) -> WeekSolveError {
    format!(
        "the server answered the {what} with {:?}: {}",
        status.code(),
        status.message()
    )
    .into()
}

impl WeekSolver for RemoteWeeks {
    fn plan_theatres(
        &self,
        week: u32,
        request: &TheatreRequest,
        instance: &Instance,
        time_limit: Duration,
    ) -> Result<TheatreWeekPlan, WeekSolveError> {
        let message = convert::request_to_proto(request);
        let response = self
            .call("theatre week", week, |channel| {
                let mut client = TheatreSchedulerClient::new(channel)
                    .max_decoding_message_size(MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(MAX_MESSAGE_BYTES);
                let request = self.request(message.clone(), time_limit);
                async move { client.plan_theatre_lists(request).await }
            })
            .map_err(|status| failed("theatre week", status))?;
        let report = check_plan(instance, &convert::proposed_plan_from_proto(&response));
        if !report.is_valid() {
            return Err(format!(
                "the server's plan breaks {} rule(s); the first: {}",
                report.violations.len(),
                report.violations[0]
            )
            .into());
        }
        let summary = response.solve.unwrap_or_default();
        Ok(TheatreWeekPlan {
            assignment: report.assignment,
            solve_ms: summary.solve_ms,
            safety_net_struck: summary.deadline_reached || summary.local_search_cut,
        })
    }

    fn balance(
        &self,
        week: u32,
        request: &BalanceRequest,
        network: &Network,
    ) -> Result<GpWeekPlan, WeekSolveError> {
        let message = convert::appointments::request_to_proto(request);
        let time_limit = Duration::from_millis(u64::from(request.options.time_limit_ms));
        let response = self
            .call("appointment week", week, |channel| {
                let mut client = AppointmentBalancerClient::new(channel)
                    .max_decoding_message_size(MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(MAX_MESSAGE_BYTES);
                let request = self.request(message.clone(), time_limit);
                async move { client.balance_appointments(request).await }
            })
            .map_err(|status| failed("appointment week", status))?;
        let requests: HashMap<&str, RequestIdx> = (0..network.requests.len())
            .map(|i| (network.requests[i].id.as_str(), RequestIdx(i as u32)))
            .collect();
        let slots: HashMap<&str, SlotIdx> = (0..network.slots.len())
            .map(|i| (network.slots[i].id.as_str(), SlotIdx(i as u32)))
            .collect();
        let mut bookings = Vec::with_capacity(response.bookings.len());
        for (i, b) in response.bookings.iter().enumerate() {
            let (Some(&r), Some(&s)) = (
                requests.get(b.request_id.as_str()),
                slots.get(b.slot_id.as_str()),
            ) else {
                return Err(
                    format!("the server's bookings[{i}] names a request or slot not sent").into(),
                );
            };
            bookings.push((r, s));
        }
        bookings.sort();
        let cost30 = check_bookings(network, &bookings).map_err(|violations| {
            format!(
                "the server's bookings break {} rule(s); the first: {}",
                violations.len(),
                violations[0]
            )
        })?;
        let summary = response.solve.unwrap_or_default();
        let optimal = summary.status == proto::SolveStatus::Optimal as i32;
        Ok(GpWeekPlan {
            metrics: measure(network, &bookings, cost30),
            bookings,
            safety_net_struck: summary.deadline_reached && !optimal,
        })
    }

    fn parallel_variants(&self) -> usize {
        self.parallel_variants
    }
}
