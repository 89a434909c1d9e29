//! Errors of the service crate, and their one mapping to gRPC statuses.

use clinicplan_solver::appointments::BalanceError;
use clinicplan_solver::solve::SolveError;
use clinicplan_solver::validate::ValidationErrors;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request breaks the rules of docs/errors.md.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The solver could not produce a checked plan (a bug, never a bad request).
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// The balancer could not produce a checked plan (a bug, never a bad request).
    #[error(transparent)]
    Balance(#[from] BalanceError),
    /// A scenario sent to ScenarioRunner is invalid: every problem, with the field
    /// (or location) it is at.
    #[error("the scenario has {} problem(s)", .0.len())]
    Scenario(Vec<FieldProblem>),
    /// The client went away before the answer was ready.
    #[error("the request was cancelled")]
    Cancelled,
    /// A blocking task died (a panic in our code).
    #[error("internal error: {0}")]
    Internal(String),
}

/// One problem of a request, at a field (`hospital.sessions[3].weekday`,
/// `waiting_list_csv`, `variants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The one mapping from service errors to gRPC statuses.
pub fn to_status(error: ServiceError) -> Status {
    match error {
        ServiceError::Invalid(errors) => {
            let mut details = ErrorDetails::new();
            for e in &errors.0 {
                details.add_bad_request_violation(
                    e.field.clone(),
                    format!("{} {}", e.code, e.message),
                );
            }
            Status::with_error_details(
                Code::InvalidArgument,
                format!(
                    "the request has {} problem(s); the first: {} {}",
                    errors.0.len(),
                    errors.0[0].field,
                    errors.0[0].message
                ),
                details,
            )
        }
        ServiceError::Scenario(problems) => {
            let mut details = ErrorDetails::new();
            for p in &problems {
                details.add_bad_request_violation(p.field.clone(), p.message.clone());
            }
            let first = problems.first().map_or(String::new(), |p| {
                format!("; the first: {}: {}", p.field, p.message)
            });
            Status::with_error_details(
                Code::InvalidArgument,
                format!("the scenario has {} problem(s){first}", problems.len()),
                details,
            )
        }
        ServiceError::Solve(e) => Status::internal(e.to_string()),
        ServiceError::Balance(e) => Status::internal(e.to_string()),
        ServiceError::Cancelled => Status::cancelled("the request was cancelled"),
        ServiceError::Internal(e) => Status::internal(e),
    }
}
