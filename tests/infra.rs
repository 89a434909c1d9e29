//! The service around the model: health, reflection (v1 and v1alpha), clean shutdown,
//! and the deadline promise: a plan comes back even when the MIP needs far longer than
//! the time limit, or never answers at all.

use clinicplan_service::engine::WorkerCommand;
use clinicplan_service::proto;
use clinicplan_service::server::ServerConfig;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::processes::children_named;
use crate::support::server::worker;
use crate::support::{Harness, generated, plan_valid, solve};

const SCHEDULER: &str = "clinicplan.v1.TheatreScheduler";

#[test]
fn health_says_serving_for_the_server_and_the_scheduler() {
    let harness = Harness::start();
    let mut client = HealthClient::new(harness.channel());
    for service in ["", SCHEDULER] {
        let response = harness
            .block_on(client.check(HealthCheckRequest {
                service: service.into(),
            }))
            .unwrap_or_else(|s| panic!("health check of '{service}': {s:?}"))
            .into_inner();
        assert_eq!(
            response.status(),
            ServingStatus::Serving,
            "service '{service}'"
        );
    }
}

#[test]
fn reflection_v1_lists_and_describes_the_scheduler() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let harness = Harness::start();
    let mut client = ServerReflectionClient::new(harness.channel());
    let requests = vec![
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        },
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(SCHEDULER.into())),
        },
    ];
    let responses = harness.block_on(async {
        let mut stream = client
            .server_reflection_info(tokio_stream::iter(requests))
            .await
            .expect("reflection v1 answers")
            .into_inner();
        let mut responses = Vec::new();
        while let Some(r) = stream.message().await.expect("a reflection response") {
            responses.push(r.message_response);
        }
        responses
    });
    assert_eq!(responses.len(), 2);
    match &responses[0] {
        Some(MessageResponse::ListServicesResponse(list)) => {
            let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
            assert!(names.contains(&SCHEDULER), "{names:?}");
            assert!(names.contains(&"grpc.health.v1.Health"), "{names:?}");
        }
        other => panic!("expected a service list, got {other:?}"),
    }
    match &responses[1] {
        Some(MessageResponse::FileDescriptorResponse(files)) => {
            let described = files.file_descriptor_proto.iter().any(|f| {
                f.windows(b"PlanTheatreLists".len())
                    .any(|w| w == b"PlanTheatreLists")
            });
            assert!(described, "no file descriptor mentions PlanTheatreLists");
        }
        other => panic!("expected file descriptors, got {other:?}"),
    }
}

#[test]
fn reflection_v1alpha_lists_the_scheduler() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let harness = Harness::start();
    let mut client = ServerReflectionClient::new(harness.channel());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let response = harness.block_on(async {
        let mut stream = client
            .server_reflection_info(tokio_stream::iter(vec![request]))
            .await
            .expect("reflection v1alpha answers")
            .into_inner();
        stream
            .message()
            .await
            .expect("a reflection response")
            .expect("one response")
    });
    match response.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
            assert!(names.contains(&SCHEDULER), "{names:?}");
        }
        other => panic!("expected a service list, got {other:?}"),
    }
}

#[test]
fn the_server_stops_cleanly_on_shutdown() {
    let harness = Harness::start();
    plan_valid(&harness, "before_shutdown", &generated(1, 20, 3, 2_000));
    harness.stop().expect("serve returns Ok after shutdown");
}

#[test]
fn a_time_limit_far_below_what_the_model_needs_still_returns_a_valid_plan() {
    // Whole-model HiGHS needs tens of seconds on a week of this size; the service has one.
    let harness = Harness::start();
    let request = generated(10, 2_500, 2026, 1_000);
    let (response, figures) = plan_valid(&harness, "short_time_limit", &request);
    let summary = solve(&response);
    assert!(
        summary.gap.is_finite() && summary.gap >= 0.0 && summary.gap <= 1.0,
        "gap {} is reported",
        summary.gap
    );
    assert!(
        figures.patients_scheduled > 0,
        "a week of ten theatres schedules someone"
    );
    assert!(
        !summary.notes.is_empty(),
        "the notes say what the solver did"
    );
}

/// Processes whose parent is this test process and whose command is `sleep`: the stand-in
/// workers that are still alive.
fn stuck_workers_alive() -> Vec<u32> {
    children_named("sleep")
}

#[test]
fn a_worker_that_never_answers_does_not_hold_the_answer() {
    // `/bin/sleep 1000` stands for HiGHS stuck in its set-up: it reads nothing and says
    // nothing. The deadline must still hold, with the constructive plan.
    let stuck = WorkerCommand {
        program: "/bin/sleep".into(),
        args: vec!["1000".into()],
    };
    let harness = Harness::start_with(ServerConfig {
        worker: stuck.clone(),
        ..ServerConfig::new(worker())
    });
    // 300 patients make a job larger than a pipe's buffer, so a blocking write to the
    // worker's standard input would also be caught.
    let request = generated(3, 300, 5, 1_500);
    let (response, _) = plan_valid(&harness, "stuck_worker", &request);
    assert_plan_without_mip(&response);
    assert!(
        stuck_workers_alive().is_empty(),
        "the stuck worker was left running"
    );
    drop(harness);

    // The server's default time limit applies when the request gives none.
    let harness = Harness::start_with(ServerConfig {
        worker: stuck,
        default_time_limit_ms: 1_500,
        ..ServerConfig::new(worker())
    });
    let request = generated(1, 30, 6, 0);
    let (response, _) = plan_valid(&harness, "stuck_worker_default_limit", &request);
    assert_plan_without_mip(&response);
    assert!(
        stuck_workers_alive().is_empty(),
        "the stuck worker was left running"
    );
}

/// The deadline stopped the worker, and the plan is the one built in the service's own
/// process: the constructive plan, or that plan re-packed session by session.
#[track_caller]
fn assert_plan_without_mip(response: &proto::PlanTheatreListsResponse) {
    let summary = solve(response);
    assert!(summary.deadline_reached, "deadline_reached must be set");
    let source = proto::PlanSource::try_from(summary.source);
    assert!(
        matches!(
            source,
            Ok(proto::PlanSource::Constructive | proto::PlanSource::LocalSearch)
        ),
        "source {source:?}: a worker that never answered cannot have produced the plan"
    );
}
