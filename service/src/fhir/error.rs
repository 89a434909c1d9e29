//! What is wrong with a bundle: every problem, each naming the entry (its index and
//! `fullUrl`) and the element (a FHIRPath-like path such as
//! `ServiceRequest.performer[0].reference`).

use std::fmt;

/// One unusable element of one entry (or of the bundle itself: `entry` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FhirProblem {
    /// Index in `Bundle.entry`.
    pub entry: Option<usize>,
    /// The entry's `fullUrl` (empty when it has none).
    pub full_url: String,
    /// The element, from the resource type: `Slot.start`.
    pub element: String,
    pub message: String,
}

impl fmt::Display for FhirProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.entry, self.full_url.is_empty()) {
            (Some(i), false) => write!(f, "entry[{i}] {}", self.full_url)?,
            (Some(i), true) => write!(f, "entry[{i}] (no fullUrl)")?,
            (None, _) => write!(f, "Bundle")?,
        }
        write!(f, ": {}: {}", self.element, self.message)
    }
}

/// Why a bundle could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// Not JSON at all (the message has the line and column).
    #[error("the bundle is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but with unusable resources: all of them.
    #[error("the bundle has {} problem(s); nothing was imported:\n{}", .0.len(), list(.0))]
    Problems(Vec<FhirProblem>),
}

fn list(problems: &[FhirProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl FhirError {
    /// The problems (one for a JSON error).
    pub fn problems(&self) -> Vec<String> {
        match self {
            FhirError::Json(e) => vec![format!("the bundle is not JSON: {e}")],
            FhirError::Problems(p) => p.iter().map(ToString::to_string).collect(),
        }
    }
}
