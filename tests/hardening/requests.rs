//! Requests the tests send, and what they check in the answers.

use std::net::SocketAddr;

use clinicplan_service::proto;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use tonic::Status;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::server::bounded;
use crate::support::{checker, generated_for_days};

/// A request the stand-in worker keeps busy until its deadline: two theatres over two
/// days, so that it has sessions (a request without any is answered at once, without a
/// worker).
pub(super) fn busy(seed: u64, time_limit_ms: u32) -> proto::PlanTheatreListsRequest {
    let request = generated_for_days(2, 30, 2, seed, time_limit_ms);
    assert!(
        !request.sessions.is_empty(),
        "seed {seed} gives no sessions"
    );
    request
}

/// A generated appointment network with `time_limit_ms`.
pub(super) fn network(requests: u32, time_limit_ms: u32) -> proto::BalanceAppointmentsRequest {
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
pub(super) async fn plan(
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
pub(super) fn assert_checked(
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

pub(super) async fn health(channel: Channel, service: &str) -> Result<ServingStatus, Status> {
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
