//! Bearer tokens.

use clinicplan_service::server::ServerConfig;
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;

use super::processes::real_worker;
use super::requests::{assert_checked, health, network};
use super::server::{TestServer, bounded};
use crate::support::generated_for_days;

const TOKEN: &str = "s3cret-token-for-tests";

pub(super) fn with_token<T>(message: T, value: Option<&str>) -> Request<T> {
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
    let request = generated_for_days(1, 10, 1, 61, 1_000);
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
