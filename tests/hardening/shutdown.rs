//! The service as infrastructure (issue 6), over a real server and real clients on
//! loopback: the solve pool and its queue, the client's deadline, cancellation,
//! graceful shutdown (in process and by SIGTERM on the real binary), TLS and mutual
//! TLS with certificates made here, bearer tokens, message-size and entity limits, and
//! the request id.
//!
//! Every wait is bounded: state is observed by polling the metrics endpoint (or the
//! health service) a bounded number of times, never by sleeping and hoping. No test
//! asserts on speed.
//!
//! Where a test needs a solve that is still running while it looks, the server runs a
//! stand-in worker that never answers (a link to `sleep` under a name of the test's
//! own): the solve then lasts exactly until its deadline (or its cancellation) and uses
//! no CPU, whatever the machine's load. The link's name lets a test find its own
//! stand-in processes without mistaking another test's.

use std::net::SocketAddr;
use std::time::Duration;

use clinicplan_service::engine::WorkerCommand;
use clinicplan_service::proto;
use clinicplan_service::proto::appointment_balancer_client::AppointmentBalancerClient;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::{ServerConfig, TlsSettings, serve_with_metrics};
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::theatre::generate::{GeneratorConfig, theatre_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Request, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_types::StatusExt;

use crate::support::checker;

const SCHEDULER: &str = "clinicplan.v1.TheatreScheduler";
const BALANCER: &str = "clinicplan.v1.AppointmentBalancer";

/// The bound on any single wait for an answer.
const ANSWER_WAIT: Duration = Duration::from_secs(60);
/// Metrics polls: 400 × 50 ms = 20 s at most.
const POLL_TRIES: u32 = 400;
const POLL_EVERY: Duration = Duration::from_millis(50);

// ---------------------------------------------------------------------------------
// A small harness of this file's own.

/// The real MIP worker: this build's `clinicplan worker`.
fn real_worker() -> WorkerCommand {
    WorkerCommand::clinicplan(env!("CARGO_BIN_EXE_clinicplan").into())
}

/// A worker that reads nothing and says nothing until killed: `sleep 1000` run through
/// a link named `name` (at most 15 characters, the kernel's `comm`).
fn stuck_worker(name: &str) -> WorkerCommand {
    assert!(name.len() <= 15, "comm names are 15 characters at most");
    let dir = std::env::temp_dir().join(format!("clinicplan-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the stand-in worker's directory");
    let link = dir.join(name);
    if std::fs::symlink_metadata(&link).is_err() {
        let sleep = ["/usr/bin/sleep", "/bin/sleep"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("a sleep executable");
        std::os::unix::fs::symlink(sleep, &link).expect("link the stand-in worker");
    }
    WorkerCommand {
        program: link,
        args: vec!["1000".into()],
    }
}

/// Live (not zombie) children of this process whose command is `name`.
fn children_named(name: &str) -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .flatten()
    {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let mut rest = stat[close + 1..].split_whitespace();
        let state = rest.next();
        let ppid = rest.next().and_then(|s| s.parse::<u32>().ok());
        if &stat[open + 1..close] == name && ppid == Some(me) && state != Some("Z") {
            found.push(pid);
        }
    }
    found
}

/// A server on 127.0.0.1:0 with its metrics on another 127.0.0.1:0 port.
struct TestServer {
    addr: SocketAddr,
    metrics: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    async fn start(config: ServerConfig) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the metrics port");
        let addr = listener.local_addr().expect("the server's address");
        let metrics = metrics_listener.local_addr().expect("the metrics address");
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_metrics(
            listener,
            Some(metrics_listener),
            config,
            async move {
                let _ = shutdown_rx.await;
            },
        ));
        TestServer {
            addr,
            metrics,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn channel(&self) -> Channel {
        bounded(
            "connect",
            Endpoint::from_shared(self.url()).unwrap().connect(),
        )
        .await
        .expect("connect to the test server")
    }

    async fn scheduler(&self) -> TheatreSchedulerClient<Channel> {
        TheatreSchedulerClient::new(self.channel().await)
    }

    async fn balancer(&self) -> AppointmentBalancerClient<Channel> {
        AppointmentBalancerClient::new(self.channel().await)
    }

    /// Starts the shutdown (health NOT_SERVING, stop accepting, grace).
    fn begin_shutdown(&mut self) {
        drop(self.shutdown.take());
    }

    /// Shuts down and returns what `serve` returned, within `ANSWER_WAIT`.
    async fn stop(mut self) -> anyhow::Result<()> {
        self.begin_shutdown();
        self.join().await
    }

    async fn join(&mut self) -> anyhow::Result<()> {
        let task = self.task.take().expect("the server is running");
        bounded("the server to stop", task)
            .await
            .expect("the server task panicked")
    }

    /// The value of an unlabelled metric (or the sum over the lines whose labels
    /// contain every one of `labels`).
    async fn metric(&self, name: &str, labels: &[&str]) -> f64 {
        let text = scrape(self.metrics).await;
        metric_value(&text, name, labels)
    }

    /// Polls the metrics until `name` equals `value`; panics with the last value after
    /// `POLL_TRIES` polls.
    async fn wait_metric(&self, name: &str, value: f64) {
        let mut last = f64::NAN;
        for _ in 0..POLL_TRIES {
            last = self.metric(name, &[]).await;
            if last == value {
                return;
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        panic!("{name} stayed at {last}, never {value}, over {POLL_TRIES} polls");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `GET /metrics` over plain HTTP/1.1.
async fn scrape(addr: SocketAddr) -> String {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut body = String::new();
        stream.read_to_string(&mut body).await?;
        Ok::<_, std::io::Error>(body)
    };
    let response = bounded("the metrics endpoint", fetch)
        .await
        .expect("GET /metrics");
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "GET /metrics: {response}"
    );
    response
}

fn metric_value(text: &str, name: &str, labels: &[&str]) -> f64 {
    let mut total = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (metric, label_text) = match series.split_once('{') {
            Some((m, l)) => (m, l),
            None => (series, ""),
        };
        if metric == name && labels.iter().all(|l| label_text.contains(l)) {
            total += value.parse::<f64>().unwrap_or(f64::NAN);
        }
    }
    total
}

/// Awaits `future` for at most `ANSWER_WAIT`; panics naming `what` if it takes longer.
async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(ANSWER_WAIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("waited {ANSWER_WAIT:?} for {what}"),
    }
}

/// A generated theatre request (Monday 2 March 2026) with `time_limit_ms`, one thread.
fn theatre(
    theatres: u32,
    patients: u32,
    days: u32,
    seed: u64,
    time_limit_ms: u32,
) -> proto::PlanTheatreListsRequest {
    let request = theatre_request(&GeneratorConfig {
        theatres,
        patients,
        horizon_days: days,
        seed,
    });
    let mut request = clinicplan_service::convert::request_to_proto(&request);
    request.options = Some(proto::SolveOptions {
        time_limit_ms,
        threads: 1,
        ..Default::default()
    });
    request
}

/// A request the stand-in worker keeps busy until its deadline: two theatres over two
/// days, so that it has sessions (a request without any is answered at once, without a
/// worker).
fn busy(seed: u64, time_limit_ms: u32) -> proto::PlanTheatreListsRequest {
    let request = theatre(2, 30, 2, seed, time_limit_ms);
    assert!(
        !request.sessions.is_empty(),
        "seed {seed} gives no sessions"
    );
    request
}

/// A generated appointment network with `time_limit_ms`.
fn network(requests: u32, time_limit_ms: u32) -> proto::BalanceAppointmentsRequest {
    let request = network_request(&NetworkConfig {
        practices: 2,
        clinicians: 4,
        requests,
        horizon_days: 3,
        seed: 7,
    });
    let mut request = clinicplan_service::convert::appointments::request_to_proto(&request);
    request
        .options
        .get_or_insert_with(Default::default)
        .time_limit_ms = time_limit_ms;
    request
}

/// Plans on a fresh connection, within `ANSWER_WAIT`.
async fn plan(
    addr: SocketAddr,
    request: proto::PlanTheatreListsRequest,
) -> Result<proto::PlanTheatreListsResponse, Status> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .map_err(|e| Status::unavailable(format!("connect: {e}")))?;
    let mut client = TheatreSchedulerClient::new(channel);
    bounded("PlanTheatreLists", client.plan_theatre_lists(request))
        .await
        .map(tonic::Response::into_inner)
}

/// The plan is a plan of `request` and passes the independent checker.
#[track_caller]
fn assert_checked(
    request: &proto::PlanTheatreListsRequest,
    response: &proto::PlanTheatreListsResponse,
) {
    let report = checker::check(request, response);
    assert!(
        report.violations.is_empty(),
        "the plan breaks rules: {:?}",
        &report.violations[..report.violations.len().min(20)]
    );
    assert!(response.solve.is_some(), "a solve summary");
}

async fn health(channel: Channel, service: &str) -> Result<ServingStatus, Status> {
    let mut client = HealthClient::new(channel);
    let response = bounded(
        "a health check",
        client.check(HealthCheckRequest {
            service: service.into(),
        }),
    )
    .await?;
    Ok(response.into_inner().status())
}

/// The field names of the status's BadRequest violations.
fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// (a) The solve pool and its queue.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_resource_exhausted_at_once_and_health_still_answers() {
    let server = TestServer::start(ServerConfig {
        max_concurrent_solves: 1,
        max_queued: 1,
        ..ServerConfig::new(stuck_worker("cpstuck-queue"))
    })
    .await;
    // A runs until its 60 s deadline (or until it is cancelled below).
    let running = tokio::spawn(plan(server.addr, busy(1, 60_000)));
    server.wait_metric("clinicplan_solves_running", 1.0).await;
    // B waits for A's solver.
    let queued_request = busy(2, 1_000);
    let queued = tokio::spawn(plan(server.addr, queued_request.clone()));
    server.wait_metric("clinicplan_queue_depth", 1.0).await;

    // C finds the solver busy and the queue full: refused without waiting for either.
    let refused = plan(server.addr, busy(3, 1_000))
        .await
        .expect_err("the third request is refused");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        !running.is_finished() && !queued.is_finished(),
        "the refusal came before A and B were answered"
    );
    assert_eq!(server.metric("clinicplan_solves_running", &[]).await, 1.0);
    assert_eq!(server.metric("clinicplan_queue_depth", &[]).await, 1.0);
    assert_eq!(
        server
            .metric(
                "clinicplan_requests_total",
                &["code=\"ResourceExhausted\"", "rpc=\"PlanTheatreLists\""]
            )
            .await,
        1.0
    );
    // Health answers while every solver is busy and the queue is full.
    for service in ["", SCHEDULER, BALANCER] {
        assert_eq!(
            health(server.channel().await, service).await.unwrap(),
            ServingStatus::Serving,
            "health of '{service}' under load"
        );
    }

    // Cancelling A frees the solver for B, which is then answered.
    running.abort();
    let answer = bounded("the queued request", queued)
        .await
        .expect("the queued request's task")
        .expect("the queued request is answered once the solver is free");
    assert_checked(&queued_request, &answer);
    server.wait_metric("clinicplan_queue_depth", 0.0).await;
    server.wait_metric("clinicplan_solves_running", 0.0).await;
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (b) The client's deadline caps the solve.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_deadline_caps_the_time_limit() {
    let server = TestServer::start(ServerConfig {
        // Room to build and send the answer on a loaded machine.
        deadline_margin: Duration::from_millis(600),
        ..ServerConfig::new(stuck_worker("cpstuck-deadln"))
    })
    .await;
    let request = busy(11, 30_000);
    let mut call = Request::new(request.clone());
    call.set_timeout(Duration::from_secs(2));
    let mut client = server.scheduler().await;
    let response = bounded("the capped solve", client.plan_theatre_lists(call))
        .await
        .expect("an answer within the client's deadline, not DEADLINE_EXCEEDED")
        .into_inner();
    let summary = response.solve.as_ref().expect("a solve summary");
    assert!(summary.deadline_reached, "deadline_reached must be set");
    assert!(
        summary.solve_ms < 15_000,
        "the solve stopped at the client's deadline, not the 30 s asked for ({} ms)",
        summary.solve_ms
    );
    assert_checked(&request, &response);
    server.stop().await.expect("serve returns Ok");
}

/// The deadline counts from the request's arrival: time spent waiting for a solver is
/// part of it. B (5 s deadline, 30 s limit) waits about 3 s behind A; its solve must
/// then stop in time for B's deadline, not run for 5 s less the margin after it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_request_still_gets_its_answer_by_its_deadline() {
    let server = TestServer::start(ServerConfig {
        max_concurrent_solves: 1,
        deadline_margin: Duration::from_millis(600),
        ..ServerConfig::new(stuck_worker("cpstuck-queued"))
    })
    .await;
    let first = tokio::spawn(plan(server.addr, busy(12, 3_000)));
    server.wait_metric("clinicplan_solves_running", 1.0).await;
    let request = busy(13, 30_000);
    let mut call = Request::new(request.clone());
    call.set_timeout(Duration::from_secs(5));
    let mut client = server.scheduler().await;
    let answer = bounded("the queued, capped solve", client.plan_theatre_lists(call)).await;
    bounded("the first solve", first)
        .await
        .unwrap()
        .expect("the first solve is answered");
    let response = answer
        .expect("an answer within the client's deadline, counting the time queued")
        .into_inner();
    assert!(response.solve.as_ref().is_some_and(|s| s.deadline_reached));
    assert_checked(&request, &response);
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (c) A client that goes away frees its solver.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_stops_its_solve_and_frees_the_solver() {
    const NAME: &str = "cpstuck-cancel";
    let server = TestServer::start(ServerConfig {
        max_concurrent_solves: 1,
        ..ServerConfig::new(stuck_worker(NAME))
    })
    .await;
    // 60 s: far longer than any bounded wait below.
    let abandoned = tokio::spawn(plan(server.addr, busy(21, 60_000)));
    server.wait_metric("clinicplan_solves_running", 1.0).await;
    let mut tries = 0;
    while children_named(NAME).is_empty() {
        tries += 1;
        assert!(tries < POLL_TRIES, "the solve never started its workers");
        tokio::time::sleep(POLL_EVERY).await;
    }

    abandoned.abort();
    server.wait_metric("clinicplan_solves_running", 0.0).await;
    let mut tries = 0;
    while !children_named(NAME).is_empty() {
        tries += 1;
        assert!(
            tries < POLL_TRIES,
            "the cancelled solve's workers are still running: {:?}",
            children_named(NAME)
        );
        tokio::time::sleep(POLL_EVERY).await;
    }

    // The one solver is free again.
    let request = busy(22, 1_000);
    let response = plan(server.addr, request.clone())
        .await
        .expect("the next request is served");
    assert_checked(&request, &response);
    server.stop().await.expect("serve returns Ok");
}

/// The same for appointment balancing, which runs in the server's own process: a client
/// that goes away mid-solve is answered CANCELLED in the metrics, frees the solver, and
/// the next request is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_balance_frees_the_solver() {
    let server = TestServer::start(ServerConfig {
        max_concurrent_solves: 1,
        ..ServerConfig::new(real_worker())
    })
    .await;
    // The benchmark's network with 100,000 requests: seconds of solving, so the abort
    // below lands while it runs.
    let big = network_request(&NetworkConfig {
        requests: 100_000,
        ..NetworkConfig::network_scale(3)
    });
    let mut big = clinicplan_service::convert::appointments::request_to_proto(&big);
    big.options
        .get_or_insert_with(Default::default)
        .time_limit_ms = 600_000;
    let mut balancer = server.balancer().await;
    let abandoned = tokio::spawn(async move { balancer.balance_appointments(big).await });
    server.wait_metric("clinicplan_solves_running", 1.0).await;
    abandoned.abort();
    server.wait_metric("clinicplan_solves_running", 0.0).await;
    let mut tries = 0;
    while server
        .metric(
            "clinicplan_requests_total",
            &["BalanceAppointments", "Cancelled"],
        )
        .await
        != 1.0
    {
        tries += 1;
        assert!(
            tries < POLL_TRIES,
            "the abandoned balance was not counted as cancelled"
        );
        tokio::time::sleep(POLL_EVERY).await;
    }

    // The one solver is free again.
    let mut balancer = server.balancer().await;
    let response = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(network(50, 5_000)),
    )
    .await
    .expect("the next request is served")
    .into_inner();
    let solve = response.solve.expect("a solve summary");
    assert_eq!(solve.status(), proto::SolveStatus::Optimal, "{solve:?}");
    assert!(!response.bookings.is_empty(), "the next network is booked");
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (d) Graceful shutdown under a running solve.

/// The next status a health watch reports.
async fn next_status(stream: &mut tonic::Streaming<HealthCheckResponse>) -> ServingStatus {
    bounded("a health update", stream.message())
        .await
        .expect("the health watch")
        .expect("the health watch goes on")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_reports_not_serving_stops_accepting_and_lets_the_running_solve_finish() {
    let mut server = TestServer::start(ServerConfig {
        shutdown_grace: Duration::from_secs(30),
        ..ServerConfig::new(stuck_worker("cpstuck-grace"))
    })
    .await;
    let request = busy(31, 2_500);
    let solve = tokio::spawn(plan(server.addr, request.clone()));
    server.wait_metric("clinicplan_solves_running", 1.0).await;

    // Health watches on a second connection, opened before the shutdown.
    let watcher = server.channel().await;
    let mut watches = Vec::new();
    for service in ["", SCHEDULER, BALANCER] {
        let mut client = HealthClient::new(watcher.clone());
        let mut stream = bounded(
            "a health watch",
            client.watch(HealthCheckRequest {
                service: service.into(),
            }),
        )
        .await
        .expect("watch health")
        .into_inner();
        assert_eq!(next_status(&mut stream).await, ServingStatus::Serving);
        watches.push((service, stream));
    }

    server.begin_shutdown();
    for (service, stream) in &mut watches {
        assert_eq!(
            next_status(stream).await,
            ServingStatus::NotServing,
            "health of '{service}' after the shutdown signal"
        );
    }
    // The watches would hold the connection open through the grace period.
    drop(watches);
    drop(watcher);

    // No new connections while the solve finishes.
    let mut tries = 0;
    loop {
        let refused = tokio::time::timeout(
            Duration::from_secs(2),
            Endpoint::from_shared(server.url()).unwrap().connect(),
        )
        .await
        .map_or(true, |r| r.is_err());
        if refused {
            break;
        }
        tries += 1;
        assert!(tries < POLL_TRIES, "the server still accepts connections");
        tokio::time::sleep(POLL_EVERY).await;
    }
    assert_eq!(
        server.metric("clinicplan_solves_running", &[]).await,
        1.0,
        "the solve is still running after the server stopped accepting"
    );

    let response = bounded("the running solve", solve)
        .await
        .expect("the solve's task")
        .expect("the running solve completes normally during the grace period");
    assert_checked(&request, &response);
    server.join().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (e) SIGTERM on the real binary.

/// Kills the child if the test ends before it exits.
#[derive(Debug)]
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_solve_finish_and_exits_0() {
    use std::io::BufRead;
    let mut child = ChildGuard(
        std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start clinicplan serve"),
    );
    let stdout = child.0.stdout.take().expect("the server's stdout");
    let (line_tx, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = line_tx.send(line);
    });
    let line = tokio::task::spawn_blocking(move || line_rx.recv_timeout(ANSWER_WAIT))
        .await
        .unwrap()
        .expect("clinicplan serve prints its address");
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("clinicplan listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    let channel = bounded(
        "connect",
        Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect(),
    )
    .await
    .expect("connect to clinicplan serve");
    // Serving: the signal handlers are in place once the server answers.
    assert_eq!(
        health(channel.clone(), "").await.unwrap(),
        ServingStatus::Serving
    );

    // A solve with the real worker, probably still running at the signal (if it
    // finished first, it must still have been answered).
    let request = theatre(2, 120, 2, 41, 3_000);
    let mut client = TheatreSchedulerClient::new(channel);
    let solve = {
        let request = request.clone();
        tokio::spawn(async move {
            bounded("the solve", client.plan_theatre_lists(request))
                .await
                .map(tonic::Response::into_inner)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM failed");

    let response = bounded("the solve", solve)
        .await
        .unwrap()
        .expect("the solve running at SIGTERM completes");
    assert_checked(&request, &response);
    let mut status = None;
    for _ in 0..POLL_TRIES * 3 {
        status = child.0.try_wait().expect("wait for clinicplan serve");
        if status.is_some() {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    let status = status.expect("clinicplan serve exits within 60 s of SIGTERM");
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
}

/// An orchestrator may stop a server the moment it says it is listening. The
/// SIGTERM handler must be in place by then: a signal caught by the default action
/// ends the process with status 143 instead of a clean exit.
#[test]
fn sigterm_right_after_the_listening_line_still_exits_0() {
    use std::io::BufRead;
    for attempt in 0..5 {
        let mut child = ChildGuard(
            std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"))
                .args(["serve", "--listen", "127.0.0.1:0"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start clinicplan serve"),
        );
        let mut line = String::new();
        std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        assert!(line.starts_with("clinicplan listening on "), "{line:?}");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let mut status = None;
        for _ in 0..POLL_TRIES * 3 {
            status = child.0.try_wait().expect("wait for clinicplan serve");
            if status.is_some() {
                break;
            }
            std::thread::sleep(POLL_EVERY);
        }
        let status = status.expect("clinicplan serve exits within 60 s of SIGTERM");
        assert_eq!(
            status.code(),
            Some(0),
            "attempt {attempt}: SIGTERM just after `clinicplan listening on`: {status}"
        );
    }
}

// ---------------------------------------------------------------------------------
// (e2) Safe by default: beyond loopback, TLS and tokens or an explicit opt-out.

/// Starts `clinicplan serve` with `args` and `envs`; returns the listening line, or the
/// exit code and standard error of a server that refused to start.
fn start_serve(
    args: &[&str],
    envs: &[(&str, &str)],
) -> Result<(ChildGuard, String), (i32, String)> {
    use std::io::{BufRead, Read};
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"));
    command
        .arg("serve")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = ChildGuard(command.spawn().expect("start clinicplan serve"));
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    if line.starts_with("clinicplan listening on ") {
        return Ok((child, line));
    }
    // No listening line: the server ended; it must end promptly, with a reason.
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.0.wait().expect("wait for clinicplan serve");
    Err((status.code().unwrap_or(-1), stderr))
}

#[test]
fn a_non_loopback_address_needs_tls_and_tokens_or_an_explicit_opt_out() {
    // Loopback: plaintext and no tokens, as local users and tests run it.
    let (child, _) = start_serve(&["--listen", "127.0.0.1:0"], &[]).expect("loopback starts");
    drop(child);

    // Every address: refused, naming both missing safeguards and how to give them.
    let (code, stderr) = start_serve(&["--listen", "0.0.0.0:0"], &[])
        .expect_err("0.0.0.0 without TLS or tokens must not start");
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("refusing to serve on 0.0.0.0:"), "{stderr}");
    assert!(
        stderr.contains("--tls-cert") && stderr.contains("--plaintext"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--token-file") && stderr.contains("--no-auth"),
        "{stderr}"
    );

    // One opt-out leaves the other safeguard missing.
    let (code, stderr) = start_serve(&["--listen", "0.0.0.0:0", "--plaintext"], &[])
        .expect_err("--plaintext alone must not start");
    assert_ne!(code, 0, "{stderr}");
    assert!(!stderr.contains("--tls-cert"), "{stderr}");
    assert!(stderr.contains("--no-auth"), "{stderr}");

    // Both opt-outs, by flag and by environment variable.
    let (child, line) = start_serve(&["--listen", "0.0.0.0:0", "--plaintext", "--no-auth"], &[])
        .expect("explicit opt-outs start");
    assert!(line.contains("0.0.0.0:"), "{line}");
    drop(child);
    let (child, _) = start_serve(
        &["--listen", "0.0.0.0:0"],
        &[
            ("CLINICPLAN_PLAINTEXT", "true"),
            ("CLINICPLAN_NO_AUTH", "true"),
        ],
    )
    .expect("opt-outs from the environment start");
    drop(child);

    // TLS and tokens: starts, and serves a client with the token over TLS.
    let pki = pki();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path.to_string_lossy().into_owned()
    };
    let cert = write("server.pem", &pki.server_cert);
    let key = write("server.key", &pki.server_key);
    let tokens = write("tokens", "# the ward's client\nsecret-ward-token\n");
    let (child, line) = start_serve(
        &[
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--token-file",
            &tokens,
        ],
        &[],
    )
    .expect("TLS and tokens start on 0.0.0.0");
    let port: u16 = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port on the listening line");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let ca = pki.ca_pem.clone();
    let answered = runtime.block_on(async move {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost");
        let channel = Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .expect("a TLS connection");
        let mut client = TheatreSchedulerClient::new(channel);
        let request = theatre(1, 10, 1, 1, 1_000);
        let without = client.plan_theatre_lists(request.clone()).await;
        let with = client
            .plan_theatre_lists(with_token(request, Some("Bearer secret-ward-token")))
            .await;
        (without.map(|_| ()), with.map(|_| ()))
    });
    assert_eq!(
        answered.0.expect_err("no token").code(),
        Code::Unauthenticated
    );
    answered.1.expect("the token is accepted over TLS");
    drop(child);
}

// ---------------------------------------------------------------------------------
// (f) TLS and mutual TLS.

struct Pki {
    ca_pem: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
    /// A client certificate from a CA the server does not trust.
    stranger_cert: String,
    stranger_key: String,
}

fn ca(name: &str) -> (rcgen::CertificateParams, rcgen::KeyPair, rcgen::Certificate) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (params, key, cert)
}

fn leaf(
    name: &str,
    purpose: rcgen::ExtendedKeyUsagePurpose,
    issuer: &rcgen::Issuer<'_, &rcgen::KeyPair>,
) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.extended_key_usages = vec![purpose];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn pki() -> Pki {
    use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
    let (ca_params, ca_key, ca_cert) = ca("clinicplan test CA");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let (server_cert, server_key) = leaf("localhost", ServerAuth, &issuer);
    let (client_cert, client_key) = leaf("ward-client", ClientAuth, &issuer);
    let (other_params, other_key, _) = ca("another CA");
    let other = rcgen::Issuer::from_params(&other_params, &other_key);
    let (stranger_cert, stranger_key) = leaf("stranger", ClientAuth, &other);
    Pki {
        ca_pem: ca_cert.pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
        stranger_cert,
        stranger_key,
    }
}

/// Connects over TLS to 127.0.0.1 as "localhost" and checks health, then plans a small
/// request; Err with the first failure.
async fn over_tls(addr: SocketAddr, tls: ClientTlsConfig) -> Result<(), String> {
    let endpoint = Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls.domain_name("localhost"))
        .map_err(|e| format!("tls config: {e}"))?;
    let channel = bounded("a TLS connection", endpoint.connect())
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let status = health(channel.clone(), SCHEDULER)
        .await
        .map_err(|s| format!("health: {s:?}"))?;
    if status != ServingStatus::Serving {
        return Err(format!("health {status:?}"));
    }
    let request = theatre(1, 10, 1, 51, 1_000);
    let mut client = TheatreSchedulerClient::new(channel);
    let response = bounded(
        "a solve over TLS",
        client.plan_theatre_lists(request.clone()),
    )
    .await
    .map_err(|s| format!("plan: {s:?}"))?
    .into_inner();
    assert_checked(&request, &response);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_a_client_that_trusts_the_ca_and_refuses_plaintext() {
    let pki = pki();
    let server = TestServer::start(ServerConfig {
        tls: Some(TlsSettings {
            cert_pem: pki.server_cert.clone().into_bytes(),
            key_pem: pki.server_key.clone().into_bytes(),
            client_ca_pem: None,
        }),
        ..ServerConfig::new(real_worker())
    })
    .await;
    let trusting = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem));
    over_tls(server.addr, trusting)
        .await
        .expect("a client that trusts the CA is served over TLS");

    // A client that trusts another CA does not complete the handshake.
    let (_, _, other_ca) = ca("not the server's CA");
    let wrong_trust = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(other_ca.pem()));
    assert!(
        over_tls(server.addr, wrong_trust).await.is_err(),
        "a client that does not trust the server's CA must fail"
    );
    // Nor does plaintext.
    let plaintext = async {
        let channel = Endpoint::from_shared(server.url())
            .unwrap()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(10))
            .connect()
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        health(channel, "").await
    };
    assert!(
        bounded("a plaintext call", plaintext).await.is_err(),
        "plaintext must not be served by a TLS server"
    );
    server.stop().await.expect("serve returns Ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_a_client_without_a_trusted_certificate() {
    let pki = pki();
    let server = TestServer::start(ServerConfig {
        tls: Some(TlsSettings {
            cert_pem: pki.server_cert.clone().into_bytes(),
            key_pem: pki.server_key.clone().into_bytes(),
            client_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        }),
        ..ServerConfig::new(real_worker())
    })
    .await;
    let ca = Certificate::from_pem(&pki.ca_pem);

    let anonymous = ClientTlsConfig::new().ca_certificate(ca.clone());
    let refused = over_tls(server.addr, anonymous).await;
    assert!(
        refused.is_err(),
        "a client without a certificate must be refused"
    );

    let stranger = ClientTlsConfig::new()
        .ca_certificate(ca.clone())
        .identity(Identity::from_pem(&pki.stranger_cert, &pki.stranger_key));
    assert!(
        over_tls(server.addr, stranger).await.is_err(),
        "a client whose certificate another CA signed must be refused"
    );

    let known = ClientTlsConfig::new()
        .ca_certificate(ca)
        .identity(Identity::from_pem(&pki.client_cert, &pki.client_key));
    over_tls(server.addr, known)
        .await
        .expect("a client with a certificate from the CA is served");
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (g) Bearer tokens.

const TOKEN: &str = "s3cret-token-for-tests";

fn with_token<T>(message: T, value: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(v) = value {
        request
            .metadata_mut()
            .insert("authorization", v.parse().unwrap());
    }
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solver_rpcs_need_a_valid_token_and_health_does_not() {
    let server = TestServer::start(ServerConfig {
        tokens: vec!["another-token".into(), TOKEN.into()],
        ..ServerConfig::new(real_worker())
    })
    .await;
    let request = theatre(1, 10, 1, 61, 1_000);
    let mut client = server.scheduler().await;
    let wrong_bearer = format!("Bearer {TOKEN}x");
    let truncated_bearer = format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]);
    let without_scheme = TOKEN.to_string();
    for (what, value) in [
        ("no token", None),
        ("a wrong token", Some(wrong_bearer.as_str())),
        ("a truncated token", Some(truncated_bearer.as_str())),
        ("the token without `Bearer `", Some(without_scheme.as_str())),
        ("an empty bearer", Some("Bearer ")),
    ] {
        let status = bounded(
            "PlanTheatreLists",
            client.plan_theatre_lists(with_token(request.clone(), value)),
        )
        .await
        .expect_err(what);
        assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");
        assert!(
            !status.message().contains(TOKEN),
            "the error must not echo the token"
        );
    }
    let mut balancer = server.balancer().await;
    let status = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(with_token(network(5, 1_000), None)),
    )
    .await
    .expect_err("no token on BalanceAppointments");
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    let bearer = format!("Bearer {TOKEN}");
    let response = bounded(
        "PlanTheatreLists",
        client.plan_theatre_lists(with_token(request.clone(), Some(&bearer))),
    )
    .await
    .expect("the right token is accepted")
    .into_inner();
    assert_checked(&request, &response);

    assert_eq!(
        health(server.channel().await, "").await.unwrap(),
        ServingStatus::Serving,
        "health needs no token"
    );
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (h) Message size.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_refused_and_the_server_keeps_serving() {
    use prost::Message;
    let server = TestServer::start(ServerConfig {
        max_message_bytes: 4096,
        ..ServerConfig::new(real_worker())
    })
    .await;
    let big = theatre(3, 200, 2, 71, 1_000);
    assert!(big.encoded_len() > 4096);
    let mut client = server.scheduler().await;
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(big))
        .await
        .expect_err("a message over the limit is refused");
    assert_ne!(status.code(), Code::Ok);
    assert_ne!(status.code(), Code::Unknown, "{status:?}");

    let big_network = network(200, 1_000);
    assert!(big_network.encoded_len() > 4096);
    let mut balancer = server.balancer().await;
    let status = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(big_network),
    )
    .await
    .expect_err("a network over the limit is refused");
    assert_ne!(status.code(), Code::Ok);

    // The same connection and a new one are still served.
    let small = theatre(1, 4, 1, 72, 1_000);
    assert!(small.encoded_len() < 4096);
    let response = bounded("PlanTheatreLists", client.plan_theatre_lists(small.clone()))
        .await
        .expect("a small request on the same connection is served")
        .into_inner();
    assert_checked(&small, &response);
    assert_eq!(
        health(server.channel().await, "").await.unwrap(),
        ServingStatus::Serving
    );
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (i) Entity and time limits.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_and_time_limits_answer_invalid_argument_naming_the_field() {
    let server = TestServer::start(ServerConfig {
        max_entities: 60,
        max_time_limit_ms: 5_000,
        ..ServerConfig::new(real_worker())
    })
    .await;
    let mut client = server.scheduler().await;

    let crowded = theatre(1, 80, 1, 81, 1_000);
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(crowded))
        .await
        .expect_err("too many entities");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_fields(&status), ["patients"], "{status:?}");

    let slow = theatre(1, 10, 1, 82, 5_001);
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(slow))
        .await
        .expect_err("too long a time limit");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(
        violated_fields(&status),
        ["options.time_limit_ms"],
        "{status:?}"
    );

    let mut balancer = server.balancer().await;
    let crowded = network(80, 1_000);
    let largest = [
        ("sites", crowded.sites.len()),
        ("travel", crowded.travel.len()),
        ("clinicians", crowded.clinicians.len()),
        ("slots", crowded.slots.len()),
        ("requests", crowded.requests.len()),
    ]
    .into_iter()
    .max_by_key(|(_, n)| *n)
    .unwrap()
    .0;
    let status = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(crowded),
    )
    .await
    .expect_err("too many entities");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_fields(&status), [largest], "{status:?}");

    let mut slow = network(5, 5_001);
    slow.slots.truncate(20);
    let status = bounded("BalanceAppointments", balancer.balance_appointments(slow))
        .await
        .expect_err("too long a time limit");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(
        violated_fields(&status),
        ["options.time_limit_ms"],
        "{status:?}"
    );

    // Within the limits: served.
    let fine = theatre(1, 10, 1, 83, 1_000);
    let response = bounded("PlanTheatreLists", client.plan_theatre_lists(fine.clone()))
        .await
        .expect("a request within the limits")
        .into_inner();
    assert_checked(&fine, &response);
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// (j) The request id.

fn with_request_id<T>(message: T, id: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-request-id", id.parse().unwrap());
    request
}

fn id_of(metadata: &tonic::metadata::MetadataMap) -> Option<String> {
    metadata
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_is_echoed_or_made_up() {
    let server = TestServer::start(ServerConfig::new(real_worker())).await;
    let mut client = server.scheduler().await;
    let request = theatre(1, 10, 1, 91, 1_000);

    let response = bounded(
        "PlanTheatreLists",
        client.plan_theatre_lists(with_request_id(request.clone(), "ward-7/req-0042")),
    )
    .await
    .expect("served");
    assert_eq!(
        id_of(response.metadata()).as_deref(),
        Some("ward-7/req-0042")
    );

    let response = bounded(
        "PlanTheatreLists",
        client.plan_theatre_lists(request.clone()),
    )
    .await
    .expect("served");
    let made_up = id_of(response.metadata()).expect("an id of the server's own");
    assert!(!made_up.is_empty());

    // Not sane (too long, or with spaces): replaced by one of the server's own.
    let long = "x".repeat(200);
    for insane in [long.as_str(), "has spaces in it"] {
        let response = bounded(
            "PlanTheatreLists",
            client.plan_theatre_lists(with_request_id(request.clone(), insane)),
        )
        .await
        .expect("served");
        let id = id_of(response.metadata()).expect("an id");
        assert!(
            id != insane && !id.is_empty(),
            "{insane:?} was echoed as {id:?}"
        );
    }

    let mut balancer = server.balancer().await;
    let response = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(with_request_id(network(5, 1_000), "gp-net-1")),
    )
    .await
    .expect("served");
    assert_eq!(id_of(response.metadata()).as_deref(), Some("gp-net-1"));
    server.stop().await.expect("serve returns Ok");
}

/// "Every response carries x-request-id": an error answer is a response too, and the
/// one a client most needs to match against the server's logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_is_echoed_on_error_answers_too() {
    let server = TestServer::start(ServerConfig {
        max_time_limit_ms: 5_000,
        ..ServerConfig::new(real_worker())
    })
    .await;
    let mut client = server.scheduler().await;
    let mut invalid = theatre(1, 10, 1, 92, 1_000);
    invalid.planning_start = "not a date".into();
    let status = bounded(
        "PlanTheatreLists",
        client.plan_theatre_lists(with_request_id(invalid, "bad-input-1")),
    )
    .await
    .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        id_of(status.metadata()).as_deref(),
        Some("bad-input-1"),
        "INVALID_ARGUMENT answer carries the request id"
    );

    let status = bounded(
        "PlanTheatreLists",
        client.plan_theatre_lists(with_request_id(theatre(1, 10, 1, 93, 9_000), "limit-1")),
    )
    .await
    .expect_err("over the time limit");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        id_of(status.metadata()).as_deref(),
        Some("limit-1"),
        "a limit refusal carries the request id"
    );
    server.stop().await.expect("serve returns Ok");
}

// ---------------------------------------------------------------------------------
// Many problems in one request.

/// A request with hundreds of problems must still get INVALID_ARGUMENT with its field
/// violations: the violations travel in the `grpc-status-details-bin` trailer, and a
/// trailer over the client's header-list limit (16 KiB in hyper/tonic, 8 KiB in gRPC
/// C-core) turns the answer into an HTTP/2 protocol error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_hundreds_of_problems_still_gets_invalid_argument() {
    let server = TestServer::start(ServerConfig::new(real_worker())).await;
    let mut client = server.scheduler().await;
    let mut request = theatre(1, 300, 1, 101, 1_000);
    for patient in &mut request.patients {
        patient.listed_date = "not a date".into();
    }
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(request))
        .await
        .expect_err("300 bad dates");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(!violated_fields(&status).is_empty(), "{status:?}");
    server.stop().await.expect("serve returns Ok");
}
