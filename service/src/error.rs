//! Errors of the service crate, and their one mapping to gRPC statuses.

use clinicplan_solver::appointments::BalanceError;
use clinicplan_solver::theatre::solve::SolveError;
use clinicplan_solver::validation::ValidationErrors;
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

/// One problem of a request, at a field (`hospital.sessions[3].weekday`,
/// `waiting_list_csv`, `variants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// INVALID_ARGUMENT with a field violation per problem, as long as they fit in
/// [`DETAILS_BUDGET_BYTES`]; beyond that a last violation says how many more there are
/// (a request with hundreds of problems is fixed in rounds, like a compiler's errors).
fn invalid_argument(
    headline: String,
    problems: impl ExactSizeIterator<Item = (String, String)>,
) -> Status {
    let total = problems.len();
    let mut details = ErrorDetails::new();
    let mut used = 0;
    let mut listed = 0;
    let mut first = None;
    for (field, description) in problems {
        let field = clip(&field, MAX_TEXT_CHARS);
        let description = clip(&description, MAX_TEXT_CHARS);
        if first.is_none() {
            first = Some(format!("{field}: {description}"));
        }
        let size = field.len() + description.len() + 8;
        if used + size > DETAILS_BUDGET_BYTES {
            break;
        }
        used += size;
        listed += 1;
        details.add_bad_request_violation(field, description);
    }
    if total > listed {
        details.add_bad_request_violation(
            "",
            format!(
                "... and {} more problem(s) not listed here (the first {listed} are): fix these and send the request again",
                total - listed
            ),
        );
    }
    let message = match first {
        Some(first) => format!("{headline}; the first: {first}"),
        None => headline,
    };
    Status::with_error_details(
        Code::InvalidArgument,
        clip(&message, 2 * MAX_TEXT_CHARS),
        details,
    )
}

/// The one mapping from service errors to gRPC statuses.
pub fn to_status(error: ServiceError) -> Status {
    match error {
        ServiceError::Invalid(errors) => invalid_argument(
            format!("the request has {} problem(s)", errors.0.len()),
            errors
                .0
                .iter()
                .map(|e| (e.field.clone(), format!("{} {}", e.code, e.message))),
        ),
        ServiceError::Scenario(problems) => invalid_argument(
            format!("the scenario has {} problem(s)", problems.len()),
            problems
                .iter()
                .map(|p| (p.field.clone(), p.message.clone())),
        ),
        ServiceError::Solve(e) => Status::internal(e.to_string()),
        ServiceError::Balance(e) => Status::internal(e.to_string()),
        ServiceError::Cancelled => Status::cancelled("the request was cancelled"),
        ServiceError::Internal(e) => Status::internal(e),
    }
}
