//! The fuzz's server and its runner: cases drawn from a seed, sent a few at a time,
//! their verdicts tallied.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use clinicplan_service::engine::WorkerCommand;
use clinicplan_service::server::{ServerConfig, serve};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tonic::transport::{Channel, Endpoint};

use super::judge::Verdict;
use super::{DEFAULT_LIMIT_MS, IN_FLIGHT, MAX_LIMIT_MS};

pub(super) fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` values of `strategy` from a runner seeded with `seed`.
pub(super) fn draw<S: Strategy>(strategy: S, seed: u64, n: usize) -> Vec<S::Value> {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed.wrapping_add(i as u64 * 0x9E37_79B9)).to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("a value from the strategy")
                .current()
        })
        .collect()
}

/// One case: a kind, a number, and the future that sends and judges it.
pub(super) type Job =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Verdict, String>> + Send>>;

pub(super) struct Tally {
    pub(super) counts: HashMap<(&'static str, Verdict), usize>,
    pub(super) failures: Vec<String>,
}

pub(super) async fn run_jobs(jobs: Vec<(&'static str, usize, Job)>, tally: &mut Tally) {
    let mut pending = jobs.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < IN_FLIGHT {
            let Some((kind, n, job)) = pending.next() else {
                break;
            };
            running.spawn(async move { (kind, n, job.await) });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let (kind, n, verdict) = done.expect("a fuzz case's task");
        match verdict {
            Ok(v) => *tally.counts.entry((kind, v)).or_default() += 1,
            Err(e) => tally.failures.push(format!("{kind} #{n}: {e}")),
        }
    }
}

/// The server every fuzz case goes to, with the fuzz's limits: a connected channel, the
/// sender that stops it when dropped, and its task.
pub(super) async fn fuzz_server() -> (
    Channel,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr: SocketAddr = listener.local_addr().unwrap();
    let config = ServerConfig {
        default_time_limit_ms: DEFAULT_LIMIT_MS,
        max_time_limit_ms: MAX_LIMIT_MS,
        max_concurrent_solves: IN_FLIGHT,
        ..ServerConfig::new(WorkerCommand::clinicplan(
            env!("CARGO_BIN_EXE_clinicplan").into(),
        ))
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, config, async move {
        let _ = stopped.await;
    }));
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect to the fuzz server");
    (channel, stop, server)
}

/// The server still answers health as SERVING.
pub(super) async fn assert_still_serving(channel: Channel) {
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let status = tokio::time::timeout(
        Duration::from_secs(30),
        health.check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        }),
    )
    .await
    .expect("health answers after the fuzz")
    .expect("health after the fuzz")
    .into_inner()
    .status();
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
}
