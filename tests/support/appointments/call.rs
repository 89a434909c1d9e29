//! Calling the service: balance, check, and save the failing cases.

use clinicplan_service::proto;

use super::check::{Recomputed, check};
use crate::support::{Harness, failure_dir};

/// Writes the request (and the response, when there is one) as proto3 JSON under
/// `failure_dir()`, and returns the request's path.
pub fn save_case(
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
    response: Option<&proto::BalanceAppointmentsResponse>,
) -> std::path::PathBuf {
    let dir = failure_dir();
    let path = dir.join(format!("{name}.balance-request.json"));
    let json = serde_json::to_string_pretty(request).expect("a request serialises");
    std::fs::write(&path, json).expect("write the request");
    if let Some(response) = response {
        let json = serde_json::to_string_pretty(response).expect("a response serialises");
        std::fs::write(dir.join(format!("{name}.balance-response.json")), json)
            .expect("write the response");
    }
    path
}

/// Balances `request` and checks the response; on an error status or a violation,
/// saves the case and returns the failure as text.
pub fn balance_checked(
    harness: &Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
) -> Result<(proto::BalanceAppointmentsResponse, Recomputed), String> {
    let response = harness.balance(request).map_err(|status| {
        let path = save_case(name, request, None);
        format!(
            "{name}: BalanceAppointments failed (request saved as {}): {status:?}",
            path.display()
        )
    })?;
    let report = check(request, &response);
    if !report.violations.is_empty() {
        let path = save_case(name, request, Some(&response));
        let shown: Vec<&str> = report
            .violations
            .iter()
            .take(40)
            .map(String::as_str)
            .collect();
        return Err(format!(
            "{name}: {} violation(s) (case saved as {}):\n  {}",
            report.violations.len(),
            path.display(),
            shown.join("\n  ")
        ));
    }
    Ok((response, report.recomputed))
}

/// `balance_checked`, panicking on a failure.
pub fn balance_valid(
    harness: &Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
) -> (proto::BalanceAppointmentsResponse, Recomputed) {
    balance_checked(harness, name, request).unwrap_or_else(|e| panic!("{e}"))
}
