//! The field violations of an INVALID_ARGUMENT answer (its google.rpc.BadRequest).

use std::collections::BTreeSet;

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// The (code, field) pairs of the BadRequest that a request named `name` got as
/// `answer`, after checking that the answer is INVALID_ARGUMENT and that every
/// description starts with a code and goes on to say something.
pub fn coded_violations<T>(name: &str, answer: Result<T, Status>) -> BTreeSet<(String, String)> {
    let status = match answer {
        Ok(_) => panic!("{name}: the invalid request was accepted"),
        Err(status) => status,
    };
    assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
    assert!(
        !status.message().is_empty(),
        "{name}: the status has no message"
    );
    let bad_request = status
        .get_details_bad_request()
        .unwrap_or_else(|| panic!("{name}: no google.rpc.BadRequest in {status:?}"));
    bad_request
        .field_violations
        .iter()
        .map(|v| {
            let code = v
                .description
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            assert!(
                code.len() == 6
                    && code.starts_with("CP")
                    && code[2..].chars().all(|c| c.is_ascii_digit()),
                "{name}: the description of {} does not start with a code: {:?}",
                v.field,
                v.description
            );
            assert!(
                v.description.len() > code.len() + 5,
                "{name}: the description of {} says nothing: {:?}",
                v.field,
                v.description
            );
            (code, v.field.clone())
        })
        .collect()
}

/// The (field, description) pairs of the status's BadRequest, which must be there.
pub fn field_violations(status: &Status) -> Vec<(String, String)> {
    status
        .get_details_bad_request()
        .expect("a google.rpc.BadRequest")
        .field_violations
        .into_iter()
        .map(|v| (v.field, v.description))
        .collect()
}

/// The field names of the status's BadRequest violations, none if it has no BadRequest.
pub fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// Asserts that `status` is INVALID_ARGUMENT whose BadRequest names exactly `fields`.
pub fn assert_invalid_fields(status: &Status, fields: &[&str]) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_fields(status), fields, "{status:?}");
}
