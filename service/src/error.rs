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
    /// The client went away before the answer was ready.
    #[error("the request was cancelled")]
    Cancelled,
    /// A blocking task died (a panic in our code).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Room for field violations in one answer. They travel in the `grpc-status-details-bin`
/// trailer, and clients refuse trailers over 8 KiB (gRPC C-core) or 16 KiB (hyper); the
/// base64 encoding adds a third.
const DETAILS_BUDGET_BYTES: usize = 4_500;
/// Longest field path or description kept in a violation (ids are echoed in them).
const MAX_TEXT_CHARS: usize = 240;

/// `text`, cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The one mapping from service errors to gRPC statuses.
///
/// Every validation problem becomes a field violation, as long as they fit in
/// [`DETAILS_BUDGET_BYTES`]; beyond that a last violation says how many more there are
/// (a request with hundreds of problems is fixed in rounds, like a compiler's errors).
pub fn to_status(error: ServiceError) -> Status {
    match error {
        ServiceError::Invalid(errors) => {
            let mut details = ErrorDetails::new();
            let mut used = 0;
            let mut listed = 0;
            for e in &errors.0 {
                let field = clip(&e.field, MAX_TEXT_CHARS);
                let description = clip(&format!("{} {}", e.code, e.message), MAX_TEXT_CHARS);
                let size = field.len() + description.len() + 8;
                if used + size > DETAILS_BUDGET_BYTES {
                    break;
                }
                used += size;
                listed += 1;
                details.add_bad_request_violation(field, description);
            }
            let more = errors.0.len() - listed;
            if more > 0 {
                details.add_bad_request_violation(
                    "",
                    format!(
                        "... and {more} more problem(s) not listed here (the first {listed} are): fix these and send the request again"
                    ),
                );
            }
            Status::with_error_details(
                Code::InvalidArgument,
                clip(
                    &format!(
                        "the request has {} problem(s); the first: {} {}",
                        errors.0.len(),
                        errors.0[0].field,
                        errors.0[0].message
                    ),
                    2 * MAX_TEXT_CHARS,
                ),
                details,
            )
        }
        ServiceError::Solve(e) => Status::internal(e.to_string()),
        ServiceError::Balance(e) => Status::internal(e.to_string()),
        ServiceError::Cancelled => Status::cancelled("the request was cancelled"),
        ServiceError::Internal(e) => Status::internal(e),
    }
}
