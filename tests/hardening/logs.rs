//! Logs an operator can keep (issue 22): a bad request is refused before it takes a
//! queue place; no identifier or other request value in the log above DEBUG; text
//! without colour on a pipe; `--log-format json` with the request id on every line of
//! a request, the worker's included.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;

use clinicplan_service::proto;
use clinicplan_service::proto::appointment_balancer_client::AppointmentBalancerClient;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::ServerConfig;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use super::processes::{ChildGuard, exit_within_a_minute, sigterm, stuck_worker};
use super::requests::{busy, network, plan};
use super::server::{TestServer, bounded};
use crate::support::generated_for_days;

/// Values planted in the bad requests: none may reach the log at the default level.
const DUPLICATE_PATIENT: &str = "PTX-DUPLICATE-4471";
const UNKNOWN_SURGEON: &str = "SURG-UNKNOWN-8812";
const BAD_DATE: &str = "2026-02-31";
const DUPLICATE_BOOKING: &str = "REQ-DUPLICATE-3390";

/// A small request with two patients sharing [`DUPLICATE_PATIENT`].
fn duplicate_patient(seed: u64) -> proto::PlanTheatreListsRequest {
    let mut request = busy(seed, 1_000);
    request.patients[0].id = DUPLICATE_PATIENT.into();
    request.patients[1].id = DUPLICATE_PATIENT.into();
    request
}

/// A small request whose first patient names a surgeon nobody has heard of.
fn unknown_surgeon(seed: u64) -> proto::PlanTheatreListsRequest {
    let mut request = busy(seed, 1_000);
    request.patients[0].surgeon_id = UNKNOWN_SURGEON.into();
    request
}

/// A small request whose first session is on a day that does not exist.
fn bad_date(seed: u64) -> proto::PlanTheatreListsRequest {
    let mut request = busy(seed, 1_000);
    request.sessions[0].date = BAD_DATE.into();
    request
}

/// An appointment network with two requests sharing [`DUPLICATE_BOOKING`].
fn duplicate_booking() -> proto::BalanceAppointmentsRequest {
    let mut request = network(5, 1_000);
    request.requests[0].id = DUPLICATE_BOOKING.into();
    request.requests[1].id = DUPLICATE_BOOKING.into();
    request
}

fn with_id<T>(message: T, id: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-request-id", id.parse().unwrap());
    request
}

#[track_caller]
fn assert_bad_request(status: &Status, what: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
    let violations = status
        .get_details_bad_request()
        .map_or(0, |b| b.field_violations.len());
    assert!(
        violations > 0,
        "{what}: no BadRequest details in {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_request_is_refused_at_once_when_every_solver_is_busy_and_never_queued() {
    let server = TestServer::start(ServerConfig {
        max_concurrent_solves: 1,
        max_queued: 0,
        ..ServerConfig::new(stuck_worker("cplogs-admit"))
    })
    .await;
    // A holds the only solver until its 60 s deadline (or until it is cancelled below).
    let running = tokio::spawn(plan(server.addr, busy(1, 60_000)));
    server.wait_metric("clinicplan_solves_running", 1.0).await;

    for (what, request) in [
        ("a duplicate patient id", duplicate_patient(61)),
        ("an unknown surgeon id", unknown_surgeon(62)),
        ("a session on 31 February", bad_date(63)),
    ] {
        let refused = plan(server.addr, request)
            .await
            .expect_err("a bad request is refused");
        assert_bad_request(&refused, what);
    }
    let mut balancer = server.balancer().await;
    let refused = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(duplicate_booking()),
    )
    .await
    .expect_err("a bad network is refused");
    assert_bad_request(&refused, "a duplicate appointment request id");
    assert!(!running.is_finished(), "A still holds the solver");

    // A good request finds no place: the pool really was full all along.
    let full = plan(server.addr, busy(2, 1_000))
        .await
        .expect_err("no place for a good request");
    assert_eq!(full.code(), Code::ResourceExhausted, "{full:?}");
    let exhausted = ["code=\"ResourceExhausted\""];
    assert_eq!(
        server
            .metric(
                "clinicplan_requests_total",
                &[exhausted[0], "rpc=\"PlanTheatreLists\""]
            )
            .await,
        1.0,
        "only the good request found the pool full"
    );
    assert_eq!(
        server
            .metric(
                "clinicplan_requests_total",
                &[exhausted[0], "rpc=\"BalanceAppointments\""]
            )
            .await,
        0.0
    );
    assert_eq!(
        server
            .metric(
                "clinicplan_requests_total",
                &["code=\"InvalidArgument\"", "rpc=\"PlanTheatreLists\""]
            )
            .await,
        3.0
    );
    assert_eq!(server.metric("clinicplan_queue_depth", &[]).await, 0.0);
    running.abort();
    server.wait_metric("clinicplan_solves_running", 0.0).await;
    server.stop().await.expect("serve returns Ok");
}

/// `clinicplan serve` with `extra` arguments and environment, its log (standard error)
/// written to `log`; its address from the listening line.
fn serve_logging_to(log: &Path, args: &[&str], env: &[(&str, &str)]) -> (ChildGuard, SocketAddr) {
    let file = std::fs::File::create(log).expect("create the log file");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("CLINICPLAN_LOG_FORMAT")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(file);
    let mut child = ChildGuard(command.spawn().expect("start clinicplan serve"));
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("clinicplan listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    (child, addr)
}

/// SIGTERM, then the exit (within 60 s), then the whole log.
async fn stop_and_read(mut child: ChildGuard, log: &Path) -> String {
    assert!(sigterm(&child).success(), "kill -TERM failed");
    let status = exit_within_a_minute(&mut child).await;
    assert_eq!(status.code(), Some(0), "exit status: {status}");
    std::fs::read_to_string(log).expect("read the log")
}

async fn connect(addr: SocketAddr) -> Channel {
    bounded(
        "connect",
        Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect(),
    )
    .await
    .expect("connect to clinicplan serve")
}

/// Every identifier and name of a theatre request.
fn theatre_values(request: &proto::PlanTheatreListsRequest, values: &mut BTreeSet<String>) {
    values.extend(request.patients.iter().map(|p| p.id.clone()));
    values.extend(request.patients.iter().map(|p| p.procedure.clone()));
    values.extend(request.surgeons.iter().map(|s| s.id.clone()));
    values.extend(request.surgeons.iter().map(|s| s.name.clone()));
    values.extend(request.sessions.iter().map(|s| s.id.clone()));
    values.extend(request.theatres.iter().map(|t| t.id.clone()));
    values.extend(request.theatres.iter().map(|t| t.name.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_log_names_no_identifier_and_has_no_colour_on_a_pipe() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("serve.log");
    let (child, addr) = serve_logging_to(&log, &[], &[]);
    let channel = connect(addr).await;
    let mut scheduler = TheatreSchedulerClient::new(channel.clone());
    let mut balancer = AppointmentBalancerClient::new(channel);

    let good = generated_for_days(1, 10, 1, 91, 1_000);
    bounded(
        "PlanTheatreLists",
        scheduler.plan_theatre_lists(with_id(good.clone(), "logs-good-1")),
    )
    .await
    .expect("the good request is served");
    let bad = [
        ("logs-bad-dup", duplicate_patient(64)),
        ("logs-bad-surgeon", unknown_surgeon(65)),
        ("logs-bad-date", bad_date(66)),
    ];
    for (id, request) in &bad {
        let refused = bounded(
            "PlanTheatreLists",
            scheduler.plan_theatre_lists(with_id(request.clone(), id)),
        )
        .await
        .expect_err("a bad request is refused");
        assert_bad_request(&refused, id);
    }
    let refused = bounded(
        "BalanceAppointments",
        balancer.balance_appointments(with_id(duplicate_booking(), "logs-bad-booking")),
    )
    .await
    .expect_err("a bad network is refused");
    assert_bad_request(&refused, "logs-bad-booking");
    let text = stop_and_read(child, &log).await;

    assert!(!text.contains('\u{1b}'), "ANSI escapes on a pipe:\n{text}");
    let mut values: BTreeSet<String> = [
        DUPLICATE_PATIENT,
        UNKNOWN_SURGEON,
        BAD_DATE,
        DUPLICATE_BOOKING,
    ]
    .map(String::from)
    .into();
    theatre_values(&good, &mut values);
    for (_, request) in &bad {
        theatre_values(request, &mut values);
    }
    // Short generated values ("T1") could match a timestamp or a word by chance; the
    // planted ones above are long and distinctive.
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| v.len() >= 5 && text.contains(v.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "request values in the log: {leaked:?}\n{text}"
    );
    for id in [
        "logs-good-1",
        "logs-bad-dup",
        "logs-bad-surgeon",
        "logs-bad-date",
        "logs-bad-booking",
    ] {
        assert!(
            text.contains(id),
            "the request id {id} is not logged:\n{text}"
        );
    }
}

/// The request id of a JSON log line: a field of one of its spans.
fn request_id_of(line: &serde_json::Value) -> Option<&str> {
    line.get("spans")?
        .as_array()?
        .iter()
        .find_map(|span| span.get("request_id")?.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_log_has_only_json_lines_with_the_request_id_the_workers_included() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("serve.json");
    let (child, addr) = serve_logging_to(
        &log,
        &["--log-format", "json"],
        &[(
            "RUST_LOG",
            "info,clinicplan_service=debug,clinicplan_solver=debug",
        )],
    );
    let mut scheduler = TheatreSchedulerClient::new(connect(addr).await);
    let request = generated_for_days(4, 120, 5, 17, 2_000);
    bounded(
        "PlanTheatreLists",
        scheduler.plan_theatre_lists(with_id(request, "logs-json-1")),
    )
    .await
    .expect("served");
    let refused = bounded(
        "PlanTheatreLists",
        scheduler.plan_theatre_lists(with_id(duplicate_patient(67), "logs-json-bad")),
    )
    .await
    .expect_err("refused");
    assert_bad_request(&refused, "logs-json-bad");
    let text = stop_and_read(child, &log).await;

    assert!(!text.contains('\u{1b}'), "ANSI escapes in a JSON log");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let message = |l: &serde_json::Value| {
        l.pointer("/fields/message")
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_string()
    };
    for (wanted, id) in [
        ("PlanTheatreLists received", "logs-json-1"),
        ("PlanTheatreLists solved", "logs-json-1"),
        ("worker started", "logs-json-1"),
        ("request refused", "logs-json-bad"),
    ] {
        let found: Vec<&serde_json::Value> =
            lines.iter().filter(|l| message(l) == wanted).collect();
        assert!(
            found.iter().any(|l| request_id_of(l) == Some(id)),
            "no line {wanted:?} of {id} in:\n{text}"
        );
        for line in found {
            assert!(request_id_of(line).is_some(), "no request id: {line}");
        }
    }
    // Every line of the solve, the worker processes' and the solver's included, names
    // the request.
    let mut n_solve_lines = 0;
    for line in &lines {
        let target = line.get("target").and_then(|t| t.as_str()).unwrap_or("");
        if [
            "clinicplan_solver",
            "clinicplan_service::worker",
            "clinicplan_service::engine",
        ]
        .iter()
        .any(|t| target.starts_with(t))
        {
            n_solve_lines += 1;
            assert!(request_id_of(line).is_some(), "no request id: {line}");
        }
    }
    assert!(n_solve_lines > 0, "no line from the solve:\n{text}");
}
