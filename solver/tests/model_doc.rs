//! The documentation follows the code: every constraint family built by
//! `models::theatre_list` has its heading in docs/model.md, and every error code that
//! validate.rs or check.rs can return is explained in docs/errors.md.

use clinicplan_solver::theatre::models::theatre_list::Family;

const MODEL_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/model.md");
const ERRORS_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md");
const VALIDATE_RS: &str = include_str!("../src/theatre/validate.rs");
const CHECK_RS: &str = include_str!("../src/theatre/check.rs");
const APPOINTMENT_VALIDATE_RS: &str = include_str!("../src/appointments/validate.rs");
const APPOINTMENT_CHECK_RS: &str = include_str!("../src/appointments/check.rs");

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The markdown heading lines of `text`, leaving out lines inside fenced code blocks.
fn headings(text: &str) -> Vec<&str> {
    let mut in_fence = false;
    let mut found = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence && trimmed.starts_with('#') {
            found.push(trimmed);
        }
    }
    found
}

/// Every `CP1ddd` to `CP4ddd` in `source`, in order of first appearance.
fn error_codes(source: &str) -> Vec<String> {
    let bytes = source.as_bytes();
    let mut codes: Vec<String> = Vec::new();
    for start in 0..bytes.len().saturating_sub(5) {
        let candidate = &bytes[start..start + 6];
        let is_code = candidate.starts_with(b"CP")
            && matches!(candidate[2], b'1'..=b'4')
            && candidate[3..].iter().all(u8::is_ascii_digit);
        // A seventh digit would make it some other number, not a code.
        let followed_by_digit = bytes.get(start + 6).is_some_and(u8::is_ascii_digit);
        if is_code && !followed_by_digit {
            let code = String::from_utf8(candidate.to_vec()).expect("ASCII");
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    codes
}

#[test]
fn every_constraint_family_has_a_heading_in_model_md() {
    let doc = read(MODEL_DOC);
    let headings = headings(&doc);
    let missing: Vec<&str> = Family::ALL
        .iter()
        .map(|f| f.name())
        .filter(|name| {
            let quoted = format!("`{name}`");
            !headings.iter().any(|h| h.contains(&quoted))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/model.md has no heading naming these constraint families: {missing:?}"
    );
}

#[test]
fn every_error_code_is_documented_in_errors_md() {
    let doc = read(ERRORS_DOC);
    let validation = error_codes(VALIDATE_RS);
    let check = error_codes(CHECK_RS);
    let appointment_validation = error_codes(APPOINTMENT_VALIDATE_RS);
    let appointment_check = error_codes(APPOINTMENT_CHECK_RS);
    // Guard against a scan that silently finds nothing.
    assert!(
        validation.iter().any(|c| c.starts_with("CP1")),
        "no CP1xxx code found in validate.rs"
    );
    assert!(
        check.iter().any(|c| c.starts_with("CP2")),
        "no CP2xxx code found in check.rs"
    );
    assert!(
        appointment_validation.iter().any(|c| c.starts_with("CP3")),
        "no CP3xxx code found in appointments/validate.rs"
    );
    assert!(
        appointment_check.iter().any(|c| c.starts_with("CP4")),
        "no CP4xxx code found in appointments/check.rs"
    );
    let missing: Vec<&String> = validation
        .iter()
        .chain(&check)
        .chain(&appointment_validation)
        .chain(&appointment_check)
        .filter(|code| error_codes(&doc).iter().all(|d| d != *code))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/errors.md does not mention these codes: {missing:?}"
    );
}

#[test]
fn the_code_scan_finds_codes_and_only_codes() {
    assert_eq!(
        error_codes("push(\"CP1030\", x); CP2101 CP3001 CP12 CP10200 xCP2004 CP5001"),
        vec!["CP1030", "CP2101", "CP3001", "CP2004"]
    );
}
