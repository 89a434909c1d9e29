//! Shared pieces of the end-to-end tests: a real server per test, the independent
//! checker, the brute-force optimum, request builders and generators.

pub mod appointments;
pub mod browser;
pub mod brute;
pub mod build;
pub mod checker;
pub mod cli;
pub mod model;
pub mod nginx;
pub mod previous;
pub mod processes;
pub mod server;
pub mod tiny;
pub mod violations;

use std::collections::BTreeSet;
use std::path::PathBuf;

use clinicplan_service::proto;
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};

pub use checker::{Recomputed, close};
pub use server::Harness;

/// Where failing cases are written, for the report and for `clinicplan check`.
pub fn failure_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("clinicplan-e2e");
    std::fs::create_dir_all(&dir).expect("create the failure directory");
    dir
}

/// Writes the request (and the response, when there is one) as proto3 JSON under
/// `failure_dir()`, and returns the request's path.
pub fn save_case(
    name: &str,
    request: &proto::PlanTheatreListsRequest,
    response: Option<&proto::PlanTheatreListsResponse>,
) -> PathBuf {
    let dir = failure_dir();
    let request_path = dir.join(format!("{name}.request.json"));
    let json = serde_json::to_string_pretty(request).expect("a request serialises");
    std::fs::write(&request_path, json).expect("write the request");
    if let Some(response) = response {
        let json = serde_json::to_string_pretty(response).expect("a response serialises");
        std::fs::write(dir.join(format!("{name}.response.json")), json)
            .expect("write the response");
    }
    request_path
}

/// Runs the independent checker; on any violation, saves the case and panics with the
/// violations. Returns the recomputed figures.
pub fn assert_valid(
    name: &str,
    request: &proto::PlanTheatreListsRequest,
    response: &proto::PlanTheatreListsResponse,
) -> Recomputed {
    let report = checker::check(request, response);
    if !report.violations.is_empty() {
        let path = save_case(name, request, Some(response));
        let shown: Vec<&String> = report.violations.iter().take(40).collect();
        panic!(
            "{name}: the plan breaks {} rule(s) (case saved as {}):\n  {}",
            report.violations.len(),
            path.display(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
    report.recomputed
}

/// Plans `request` and checks the plan; panics (saving the case) on an error status or
/// a violation.
pub fn plan_valid(
    harness: &Harness,
    name: &str,
    request: &proto::PlanTheatreListsRequest,
) -> (proto::PlanTheatreListsResponse, Recomputed) {
    match harness.plan(request) {
        Ok(response) => {
            let recomputed = assert_valid(name, request, &response);
            if std::env::var_os("CLINICPLAN_E2E_VERBOSE").is_some() {
                let s = solve(&response);
                eprintln!(
                    "{name}: {:?} in {} ms, objective {}, bound {} ({}), gap {:.2e}",
                    status(&response),
                    s.solve_ms,
                    s.objective,
                    s.best_bound,
                    s.bound_source,
                    s.gap
                );
            }
            (response, recomputed)
        }
        Err(status) => {
            let path = save_case(name, request, None);
            panic!(
                "{name}: PlanTheatreLists failed (request saved as {}): {status:?}",
                path.display()
            );
        }
    }
}

/// A generated request over a working week (Monday 2 March 2026, 5 days), converted to
/// the wire, with `time_limit_ms` and one thread.
pub fn generated(
    theatres: u32,
    patients: u32,
    seed: u64,
    time_limit_ms: u32,
) -> proto::PlanTheatreListsRequest {
    generated_for_days(theatres, patients, 5, seed, time_limit_ms)
}

/// A generated request over `horizon_days` days from Monday 2 March 2026, converted to
/// the wire, with `time_limit_ms` and one thread.
pub fn generated_for_days(
    theatres: u32,
    patients: u32,
    horizon_days: u32,
    seed: u64,
    time_limit_ms: u32,
) -> proto::PlanTheatreListsRequest {
    let request = theatre_request(&GeneratorConfig {
        theatres,
        patients,
        horizon_days,
        seed,
        shape: WeekShape::baseline(),
    });
    let mut request = clinicplan_service::convert::request_to_proto(&request);
    request.options = Some(proto::SolveOptions {
        time_limit_ms,
        threads: 1,
        ..Default::default()
    });
    request
}

/// Sets the request's objective policy.
pub fn with_objective(
    mut request: proto::PlanTheatreListsRequest,
    objective: proto::Objective,
) -> proto::PlanTheatreListsRequest {
    request
        .options
        .get_or_insert_with(Default::default)
        .objective = objective as i32;
    request
}

pub fn solve(response: &proto::PlanTheatreListsResponse) -> &proto::SolveSummary {
    response.solve.as_ref().expect("a solve summary")
}

pub fn metrics(response: &proto::PlanTheatreListsResponse) -> &proto::PlanMetrics {
    response.metrics.as_ref().expect("metrics")
}

pub fn status(response: &proto::PlanTheatreListsResponse) -> proto::SolveStatus {
    proto::SolveStatus::try_from(solve(response).status).expect("a known status")
}

/// The session patient `patient_id` is in, if any.
pub fn session_of(response: &proto::PlanTheatreListsResponse, patient_id: &str) -> Option<String> {
    response
        .sessions
        .iter()
        .find(|s| s.cases.iter().any(|c| c.patient_id == patient_id))
        .map(|s| s.session_id.clone())
}

/// The case of patient `patient_id`, if scheduled.
pub fn case_of<'r>(
    response: &'r proto::PlanTheatreListsResponse,
    patient_id: &str,
) -> Option<&'r proto::Case> {
    response
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter())
        .find(|c| c.patient_id == patient_id)
}

/// The reason patient `patient_id` waits, if waiting.
pub fn reason_of(
    response: &proto::PlanTheatreListsResponse,
    patient_id: &str,
) -> Option<proto::UnscheduledReason> {
    response
        .unscheduled
        .iter()
        .find(|u| u.patient_id == patient_id)
        .map(|u| proto::UnscheduledReason::try_from(u.reason).expect("a known reason"))
}

/// The ids of every scheduled patient.
pub fn scheduled_ids(response: &proto::PlanTheatreListsResponse) -> BTreeSet<String> {
    response
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter().map(|c| c.patient_id.clone()))
        .collect()
}

/// Asserts that `response` reports `expected` as its objective (and weighted wait).
#[track_caller]
pub fn assert_objective(response: &proto::PlanTheatreListsResponse, expected: f64) {
    let objective = solve(response).objective;
    assert!(
        close(objective, expected),
        "objective {objective}, expected {expected}"
    );
    let weighted_wait = metrics(response).weighted_wait;
    assert!(
        close(weighted_wait, expected),
        "weighted wait {weighted_wait}, expected {expected}"
    );
}
