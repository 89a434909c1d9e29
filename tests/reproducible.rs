//! Reproducible mode (issue 22 §1) end to end: the same request with
//! `options.reproducible` gives byte-identical plans (sessions and unscheduled, encoded)
//! in process, twice through one server while two time-limited solves load both cores,
//! and through two servers behind nginx running the shipped configuration; a response's
//! `effort_used` sent back as `effort_limit` gives the same plan again. Timing fields
//! (solve_ms, notes) are not compared; no test asserts on speed.

use std::time::Duration;

use clinicplan_service::proto;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::ServerConfig;
use clinicplan_solver::theatre::solve::{InProcess, solve};
use clinicplan_solver::theatre::validate;
use prost::Message;
use tonic::transport::Endpoint;

use crate::support;
use crate::support::nginx::{balancer, free_port, serve};
use crate::support::server::{Harness, worker};

/// A small week, reproducible, cut at an effort that keeps the test quick; a generous
/// time limit (the safety net, which must not strike).
fn request(effort_limit: Option<u64>) -> proto::PlanTheatreListsRequest {
    let mut request = support::generated(3, 120, 7, 120_000);
    let options = request.options.as_mut().expect("options");
    options.reproducible = true;
    options.effort_limit = effort_limit.or(Some(3_000));
    request
}

/// The plan alone (sessions with their cases and times, and the unscheduled with their
/// reasons), encoded: what must repeat byte for byte.
fn plan_bytes(response: &proto::PlanTheatreListsResponse) -> Vec<u8> {
    proto::PlanTheatreListsResponse {
        sessions: response.sessions.clone(),
        unscheduled: response.unscheduled.clone(),
        ..Default::default()
    }
    .encode_to_vec()
}

/// The request solved in this process with the library's in-process runner.
fn in_process(request: &proto::PlanTheatreListsRequest) -> proto::PlanTheatreListsResponse {
    let instance = validate(&clinicplan_service::convert::request_from_proto(
        request.clone(),
    ))
    .expect("a valid request");
    let outcome = solve(&instance, Duration::from_secs(120), &mut InProcess).expect("a plan");
    clinicplan_service::convert::response_to_proto(&instance, &outcome)
}

/// Checks the plan and that the response promises it repeats.
fn reproducible(
    name: &str,
    request: &proto::PlanTheatreListsRequest,
    response: &proto::PlanTheatreListsResponse,
) -> u64 {
    support::assert_valid(name, request, response);
    let s = support::solve(response);
    assert!(s.reproducible, "{name}: {:?}", s.notes);
    assert!(s.effort_used > 0 && s.effort_limit > 0, "{name}");
    s.effort_used
}

#[test]
fn the_same_request_gives_the_same_bytes_in_process_and_through_a_loaded_server() {
    let request = request(None);
    let local = in_process(&request);
    let used = reproducible("in process", &request, &local);
    let mut config = ServerConfig::new(worker());
    config.max_concurrent_solves = 4;
    let harness = Harness::start_with(config);
    let (first, second) = std::thread::scope(|scope| {
        // Two time-limited solves, each with two worker processes, load both cores
        // while the reproducible ones run.
        let loaders: Vec<_> = (0..2)
            .map(|seed| {
                let harness = &harness;
                scope.spawn(move || harness.plan(&support::generated(8, 1200, 40 + seed, 8_000)))
            })
            .collect();
        let first = harness.plan(&request).expect("a plan");
        let second = harness.plan(&request).expect("a plan");
        for loader in loaders {
            let loaded = loader.join().expect("the loader").expect("a plan");
            // A time-limited plan reports its effort but promises no repeat.
            let s = support::solve(&loaded);
            assert!(s.effort_used > 0 && !s.reproducible && s.effort_limit == 0);
        }
        (first, second)
    });
    assert_eq!(reproducible("first", &request, &first), used);
    assert_eq!(reproducible("second", &request, &second), used);
    assert_eq!(plan_bytes(&first), plan_bytes(&local));
    assert_eq!(plan_bytes(&second), plan_bytes(&local));
    // The effort used, sent back as the limit: the same plan, through the server too.
    let replay = self::request(Some(used));
    let again = harness.plan(&replay).expect("a plan");
    assert_eq!(reproducible("replay", &replay, &again), used);
    assert_eq!(plan_bytes(&again), plan_bytes(&local));
}

#[test]
fn two_servers_behind_nginx_give_the_same_bytes_as_in_process() {
    let request = request(None);
    let local = in_process(&request);
    let (_a, port_a) = serve(0, free_port());
    let (_b, port_b) = serve(0, free_port());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let port = free_port();
    let _nginx = balancer(dir.path(), port, [port_a, port_b]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let responses: Vec<proto::PlanTheatreListsResponse> = runtime.block_on(async {
        let channel = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("a valid URI")
            .connect()
            .await
            .expect("connect to nginx");
        let mut responses = Vec::new();
        // nginx spreads the calls over both servers (round robin): four calls reach
        // each at least once.
        for _ in 0..4 {
            let mut client = TheatreSchedulerClient::new(channel.clone());
            let response = client
                .plan_theatre_lists(request.clone())
                .await
                .expect("a plan through nginx");
            responses.push(response.into_inner());
        }
        responses
    });
    for (i, response) in responses.iter().enumerate() {
        reproducible(&format!("through nginx, call {i}"), &request, response);
        assert_eq!(plan_bytes(response), plan_bytes(&local), "call {i}");
    }
}
