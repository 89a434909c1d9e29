//! The fuzz run: raw bytes decoded here, then every kind of case sent to one server.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clinicplan_service::proto;
use clinicplan_service::proto::appointment_balancer_client::AppointmentBalancerClient;
use clinicplan_service::proto::theatre_scheduler_client::TheatreSchedulerClient;
use prost::Message;
use tonic::transport::Channel;

use super::appointments::{network_base, network_case};
use super::harness::{Job, Tally, assert_still_serving, draw, env_number, fuzz_server, run_jobs};
use super::judge::{answer_bound, judge_network, judge_theatre, problems, save, save_request};
use super::raw::{BALANCE_PATH, PLAN_PATH, judge_raw, raw_case};
use super::theatre::{theatre_base, theatre_case};
use super::{APPOINTMENT_CASES, RAW_DECODED, RAW_SENT, THEATRE_CASES};

#[test]
fn fuzzed_requests_get_a_checked_plan_or_field_violations_in_time() {
    let seed = env_number("CLINICPLAN_FUZZ_SEED", 20_260_302);
    let scale = env_number("CLINICPLAN_FUZZ_SCALE", 1).max(1) as usize;
    let started = Instant::now();

    // Raw bytes: decoding never panics (a panic fails the test here).
    let valid_theatre: Vec<Vec<u8>> = draw(theatre_base(), seed, 8)
        .iter()
        .map(|r| r.encode_to_vec())
        .collect();
    let valid_network: Vec<Vec<u8>> = draw(network_base(), seed, 8)
        .iter()
        .map(|r| r.encode_to_vec())
        .collect();
    let raw_theatre = draw(raw_case(valid_theatre), seed ^ 1, RAW_DECODED * scale);
    let raw_network = draw(raw_case(valid_network), seed ^ 2, RAW_DECODED * scale);
    let decoded_theatre = raw_theatre
        .iter()
        .filter(|b| proto::PlanTheatreListsRequest::decode(b.as_slice()).is_ok())
        .count();
    let decoded_network = raw_network
        .iter()
        .filter(|b| proto::BalanceAppointmentsRequest::decode(b.as_slice()).is_ok())
        .count();

    let theatre_cases = draw(theatre_case(), seed ^ 3, THEATRE_CASES * scale);
    let network_cases = draw(network_case(), seed ^ 4, APPOINTMENT_CASES * scale);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut tally = Tally {
        counts: HashMap::new(),
        failures: Vec::new(),
    };
    runtime.block_on(async {
        let (channel, stop, server) = fuzz_server().await;

        let mut jobs: Vec<(&'static str, usize, Job)> = Vec::new();
        for (n, request) in theatre_cases.into_iter().enumerate() {
            jobs.push(("theatre", n, theatre_job(&channel, n, request)));
        }
        for (n, request) in network_cases.into_iter().enumerate() {
            jobs.push(("appointments", n, network_job(&channel, n, request)));
        }
        for (kind, path, cases) in [
            ("raw theatre", PLAN_PATH, &raw_theatre),
            ("raw appointments", BALANCE_PATH, &raw_network),
        ] {
            for (n, bytes) in cases.iter().take(RAW_SENT * scale).cloned().enumerate() {
                jobs.push((kind, n, raw_job(&channel, kind, path, n, bytes)));
            }
        }
        run_jobs(jobs, &mut tally).await;
        assert_still_serving(channel).await;
        drop(stop);
        let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
    });

    let mut counts: Vec<_> = tally.counts.iter().collect();
    counts.sort_by_key(|((kind, verdict), _)| (*kind, format!("{verdict:?}")));
    let sent: usize = tally.counts.values().sum::<usize>() + tally.failures.len();
    eprintln!(
        "fuzz (seed {seed}): {} raw byte strings decoded locally ({decoded_theatre} of {} as \
         theatre requests, {decoded_network} of {} as appointment requests), {sent} cases sent \
         over gRPC in {:.1} s: {counts:?}; {} failed",
        raw_theatre.len() + raw_network.len(),
        raw_theatre.len(),
        raw_network.len(),
        started.elapsed().as_secs_f64(),
        tally.failures.len(),
    );
    assert!(
        tally.failures.is_empty(),
        "{} fuzz case(s) failed:\n  {}",
        tally.failures.len(),
        tally
            .failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// Sends a theatre request and judges its answer; a failing request is saved, and the
/// local validator's view of it is added to the failure.
fn theatre_job(channel: &Channel, n: usize, request: proto::PlanTheatreListsRequest) -> Job {
    let mut client = TheatreSchedulerClient::new(channel.clone());
    let bound = answer_bound(request.options.as_ref().map_or(0, |o| o.time_limit_ms));
    Box::pin(async move {
        let answer = tokio::time::timeout(bound, client.plan_theatre_lists(request.clone())).await;
        let verdict = match answer {
            Err(_) => Err(format!("no answer within {bound:?}")),
            Ok(answer) => judge_theatre(&request, answer.map(|r| r.into_inner())),
        };
        if let Err(e) = &verdict {
            let path = save_request(&format!("fuzz-theatre-{n}"), &request);
            let local = clinicplan_solver::theatre::validate(
                &clinicplan_service::convert::request_from_proto(request.clone()),
            )
            .err();
            return Err(format!(
                "{e} (request saved as {path}; {})",
                problems(local)
            ));
        }
        verdict
    })
}

/// Sends an appointment request and judges its answer, as `theatre_job` does.
fn network_job(channel: &Channel, n: usize, request: proto::BalanceAppointmentsRequest) -> Job {
    let mut client = AppointmentBalancerClient::new(channel.clone());
    let bound = answer_bound(request.options.as_ref().map_or(0, |o| o.time_limit_ms));
    Box::pin(async move {
        let answer =
            tokio::time::timeout(bound, client.balance_appointments(request.clone())).await;
        let verdict = match answer {
            Err(_) => Err(format!("no answer within {bound:?}")),
            Ok(answer) => judge_network(&request, answer.map(|r| r.into_inner())),
        };
        if let Err(e) = &verdict {
            let path = save_request(&format!("fuzz-appointments-{n}"), &request);
            let local = clinicplan_solver::appointments::validate(
                &clinicplan_service::convert::appointments::request_from_proto(request.clone()),
            )
            .err();
            return Err(format!(
                "{e} (request saved as {path}; {})",
                problems(local)
            ));
        }
        verdict
    })
}

/// Sends raw bytes to `path` and judges the answer; failing bytes are saved.
fn raw_job(
    channel: &Channel,
    kind: &'static str,
    path: &'static str,
    n: usize,
    bytes: Vec<u8>,
) -> Job {
    let channel = channel.clone();
    Box::pin(async move {
        let verdict = judge_raw(channel, path, &bytes).await;
        if let Err(e) = &verdict {
            let file = save(
                &format!("fuzz-{}-{n}", kind.replace(' ', "-")),
                "bin",
                &bytes,
            );
            return Err(format!("{e} (bytes saved as {file})"));
        }
        verdict
    })
}
