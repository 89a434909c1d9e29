//! Message size, entity and time limits, and a request with hundreds of problems.

use clinicplan_service::server::ServerConfig;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use super::processes::real_worker;
use super::requests::{assert_checked, health, network};
use super::server::{TestServer, bounded};
use crate::support::generated_for_days;
use crate::support::violations::{assert_invalid_fields, violated_fields};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_refused_and_the_server_keeps_serving() {
    use prost::Message;
    let server = TestServer::start(ServerConfig {
        max_message_bytes: 4096,
        ..ServerConfig::new(real_worker())
    })
    .await;
    let big = generated_for_days(3, 200, 2, 71, 1_000);
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
    let small = generated_for_days(1, 4, 1, 72, 1_000);
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

// Entity and time limits.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_and_time_limits_answer_invalid_argument_naming_the_field() {
    let server = TestServer::start(ServerConfig {
        max_entities: 60,
        max_time_limit_ms: 5_000,
        ..ServerConfig::new(real_worker())
    })
    .await;
    let mut client = server.scheduler().await;

    let crowded = generated_for_days(1, 80, 1, 81, 1_000);
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(crowded))
        .await
        .expect_err("too many entities");
    assert_invalid_fields(&status, &["patients"]);

    let slow = generated_for_days(1, 10, 1, 82, 5_001);
    let status = bounded("PlanTheatreLists", client.plan_theatre_lists(slow))
        .await
        .expect_err("too long a time limit");
    assert_invalid_fields(&status, &["options.time_limit_ms"]);

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
    assert_invalid_fields(&status, &[largest]);

    let mut slow = network(5, 5_001);
    slow.slots.truncate(20);
    let status = bounded("BalanceAppointments", balancer.balance_appointments(slow))
        .await
        .expect_err("too long a time limit");
    assert_invalid_fields(&status, &["options.time_limit_ms"]);

    // Within the limits: served.
    let fine = generated_for_days(1, 10, 1, 83, 1_000);
    let response = bounded("PlanTheatreLists", client.plan_theatre_lists(fine.clone()))
        .await
        .expect("a request within the limits")
        .into_inner();
    assert_checked(&fine, &response);
    server.stop().await.expect("serve returns Ok");
}

// Many problems in one request.

/// A request with hundreds of problems must still get INVALID_ARGUMENT with its field
/// violations: the violations travel in the `grpc-status-details-bin` trailer, and a
/// trailer over the client's header-list limit (16 KiB in hyper/tonic, 8 KiB in gRPC
/// C-core) turns the answer into an HTTP/2 protocol error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_hundreds_of_problems_still_gets_invalid_argument() {
    let server = TestServer::start(ServerConfig::new(real_worker())).await;
    let mut client = server.scheduler().await;
    let mut request = generated_for_days(1, 300, 1, 101, 1_000);
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
