//! The client's deadline caps the solve, and a client that goes away frees its solver.

use std::time::Duration;

use clinicplan_service::proto;
use clinicplan_service::server::ServerConfig;
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use tonic::Request;

use super::processes::{real_worker, stuck_worker};
use super::requests::{assert_checked, busy, network, plan};
use super::server::{TestServer, bounded};
use super::{POLL_EVERY, POLL_TRIES};
use crate::support::processes::children_named;

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

// A client that goes away frees its solver.

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
