//! The bearer-token interceptor on the solver RPCs.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tonic::{Code, Request, Status};
use tracing::info;

use super::state::request_id;
use crate::telemetry::Metrics;

/// Accepts a call when no tokens are configured or it carries
/// `authorization: Bearer <token>` with one of them.
#[derive(Clone)]
pub(super) struct TokenCheck {
    pub(super) tokens: Arc<Vec<String>>,
    pub(super) metrics: Metrics,
    pub(super) next_request: Arc<AtomicU64>,
}

/// Whether `given` is one of `tokens`, in time independent of where a token first
/// differs from it and of which token matches (every token is compared).
fn known_token(tokens: &[String], given: &str) -> bool {
    use subtle::ConstantTimeEq;
    tokens
        .iter()
        .fold(subtle::Choice::from(0), |found, t| {
            found | t.as_bytes().ct_eq(given.as_bytes())
        })
        .into()
}

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        if self.tokens.is_empty() {
            return Ok(request);
        }
        let given = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let mut status = match given {
            Some(token) if known_token(&self.tokens, token) => {
                return Ok(request);
            }
            Some(_) => Status::unauthenticated("the bearer token is not valid"),
            None => Status::unauthenticated("this server needs `authorization: Bearer <token>`"),
        };
        let id = request_id(&self.next_request, request.metadata());
        // A client error: INFO, with the request id only (never the token).
        info!(request_id = %id, "refused: no valid bearer token");
        if let Ok(value) = id.parse() {
            status.metadata_mut().insert("x-request-id", value);
        }
        self.metrics.answered("any", Code::Unauthenticated);
        Err(status)
    }
}
