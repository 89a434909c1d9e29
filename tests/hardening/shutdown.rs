//! Graceful shutdown under a running solve, in process and by SIGTERM on the real binary.

use std::net::SocketAddr;
use std::time::Duration;

use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use clinicplan_service::server::ServerConfig;
use tonic::transport::Endpoint;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use super::processes::{exit_within_a_minute, serve_on_loopback, sigterm, stuck_worker};
use super::requests::{assert_checked, busy, health, plan};
use super::server::{TestServer, bounded};
use super::{ANSWER_WAIT, BALANCER, POLL_EVERY, POLL_TRIES, SCHEDULER};
use crate::support::generated_for_days;

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

// SIGTERM on the real binary.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_solve_finish_and_exits_0() {
    use std::io::BufRead;
    let mut child = serve_on_loopback();
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
    let request = generated_for_days(2, 120, 2, 41, 3_000);
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
    let killed = sigterm(&child);
    assert!(killed.success(), "kill -TERM failed");

    let response = bounded("the solve", solve)
        .await
        .unwrap()
        .expect("the solve running at SIGTERM completes");
    assert_checked(&request, &response);
    let status = exit_within_a_minute(&mut child).await;
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
        let mut child = serve_on_loopback();
        let mut line = String::new();
        std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        assert!(line.starts_with("clinicplan listening on "), "{line:?}");
        let killed = sigterm(&child);
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
