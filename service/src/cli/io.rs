//! Reading and writing the command-line tool's JSON files, and printing a request's
//! validation problems.

use std::path::Path;

use anyhow::Context;
use clinicplan_service::fhir::Locate;

pub(super) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {what} {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{what} {} is not valid", path.display()))
}

pub(super) fn print_validation(errors: &clinicplan_solver::theatre::ValidationErrors) {
    eprintln!("clinicplan: the request has {} problem(s):", errors.0.len());
    for e in &errors.0 {
        eprintln!("  {} {}: {}", e.code, e.field, e.message);
    }
}

/// Validation problems of a request read from CSV files or a FHIR bundle, each
/// located by file and line, or by bundle entry.
pub(super) fn print_validation_located(
    errors: &clinicplan_solver::theatre::ValidationErrors,
    origins: &dyn Locate,
) {
    eprintln!("clinicplan: the request has {} problem(s):", errors.0.len());
    for e in &errors.0 {
        eprintln!(
            "  {} {}: {}",
            e.code,
            origins.locate(&e.field),
            origins.annotate(&e.message)
        );
    }
}

/// Writes `value` as pretty JSON, with a final newline, to `path`.
pub(super) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(value)?;
    std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
}
