//! Judging answers: a checked plan or field violations, never anything else; and the
//! failing cases saved for the report.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use clinicplan_service::proto;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::{DEFAULT_LIMIT_MS, MAX_LIMIT_MS, SLACK};
use crate::support::checker;

/// What a case came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Verdict {
    Planned,
    Invalid,
    /// Raw bytes that do not decode, refused with an error status.
    Undecodable,
}

/// The bound on a request's answer: its time limit (or the server's default; a limit
/// over the maximum is refused at once) + `SLACK`.
pub(super) fn answer_bound(time_limit_ms: u32) -> Duration {
    let limit = match time_limit_ms {
        0 => DEFAULT_LIMIT_MS,
        n => n.min(MAX_LIMIT_MS),
    };
    Duration::from_millis(u64::from(limit)) + SLACK
}

fn judge_error(status: &Status) -> Result<Verdict, String> {
    if status.code() != Code::InvalidArgument {
        return Err(format!(
            "answered {:?}: {}",
            status.code(),
            status.message()
        ));
    }
    let violations = status
        .get_error_details()
        .bad_request()
        .map_or(0, |b| b.field_violations.len());
    if violations == 0 {
        return Err(format!(
            "INVALID_ARGUMENT without a field violation: {}",
            status.message()
        ));
    }
    Ok(Verdict::Invalid)
}

pub(super) fn judge_theatre(
    request: &proto::PlanTheatreListsRequest,
    answer: Result<proto::PlanTheatreListsResponse, Status>,
) -> Result<Verdict, String> {
    match answer {
        Err(status) => judge_error(&status),
        Ok(response) => {
            let report = checker::check(request, &response);
            if report.violations.is_empty() {
                Ok(Verdict::Planned)
            } else {
                Err(format!(
                    "the plan fails the checker: {:?}",
                    &report.violations[..report.violations.len().min(10)]
                ))
            }
        }
    }
}

pub(super) fn judge_network(
    request: &proto::BalanceAppointmentsRequest,
    answer: Result<proto::BalanceAppointmentsResponse, Status>,
) -> Result<Verdict, String> {
    let response = match answer {
        Err(status) => return judge_error(&status),
        Ok(response) => response,
    };
    let mut problems = Vec::new();
    let slots: HashSet<&str> = request.slots.iter().map(|s| s.id.as_str()).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut booked: HashSet<&str> = HashSet::new();
    for b in &response.bookings {
        *seen.entry(b.request_id.as_str()).or_default() += 1;
        if !slots.contains(b.slot_id.as_str()) {
            problems.push(format!(
                "{} booked in unknown slot {:?}",
                b.request_id, b.slot_id
            ));
        }
        if !booked.insert(b.slot_id.as_str()) {
            problems.push(format!("slot {:?} booked twice", b.slot_id));
        }
    }
    for u in &response.unassigned {
        *seen.entry(u.request_id.as_str()).or_default() += 1;
    }
    for q in &request.requests {
        match seen.remove(q.id.as_str()) {
            Some(1) => {}
            Some(n) => problems.push(format!("request {:?} appears {n} times", q.id)),
            None => problems.push(format!("request {:?} is missing", q.id)),
        }
    }
    for (id, _) in seen {
        if !request.requests.iter().any(|q| q.id == id) {
            problems.push(format!("answer names unknown request {id:?}"));
        }
    }
    if problems.is_empty() {
        Ok(Verdict::Planned)
    } else {
        problems.truncate(10);
        Err(format!("the balance fails the re-check: {problems:?}"))
    }
}

pub(super) fn save(name: &str, extension: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join("clinicplan-e2e");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}.{extension}"));
    let _ = std::fs::write(&path, bytes);
    path.display().to_string()
}

/// What the validator, called here, finds in a failing case.
pub(super) fn problems(errors: Option<clinicplan_solver::theatre::ValidationErrors>) -> String {
    match errors {
        None => "the validator accepts it".into(),
        Some(e) => format!(
            "the validator finds {} problem(s), {} bytes of field violations",
            e.0.len(),
            e.0.iter()
                .map(|v| v.field.len() + v.code.len() + v.message.len() + 1)
                .sum::<usize>()
        ),
    }
}

/// Saves a request as proto3 JSON, or (when it has values JSON cannot carry, such as
/// an unknown enum number) in Rust's debug form.
pub(super) fn save_request<T: serde::Serialize + std::fmt::Debug>(
    name: &str,
    request: &T,
) -> String {
    match serde_json::to_vec_pretty(request) {
        Ok(json) => save(&format!("{name}.request"), "json", &json),
        Err(_) => save(
            &format!("{name}.request"),
            "txt",
            format!("{request:#?}").as_bytes(),
        ),
    }
}
