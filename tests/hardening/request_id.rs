//! The request id: echoed when sane, made up otherwise, on error answers too.

use clinicplan_service::server::ServerConfig;
use tonic::{Code, Request};

use super::processes::real_worker;
use super::requests::network;
use super::server::{TestServer, bounded};
use crate::support::generated_for_days;

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
    let request = generated_for_days(1, 10, 1, 91, 1_000);

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
    let mut invalid = generated_for_days(1, 10, 1, 92, 1_000);
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
        client.plan_theatre_lists(with_request_id(
            generated_for_days(1, 10, 1, 93, 9_000),
            "limit-1",
        )),
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
