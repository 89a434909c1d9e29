//! The solve pool and its queue.

use clinicplan_service::server::ServerConfig;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use super::processes::stuck_worker;
use super::requests::{assert_checked, busy, health, plan};
use super::server::{TestServer, bounded};
use super::{BALANCER, SCHEDULER};

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
