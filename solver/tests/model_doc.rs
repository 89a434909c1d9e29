//! The documentation follows the code: every constraint family built by
//! `models::formulation` has its heading in docs/model.md, and every error code that
//! the theatre's or the appointments' validators and checkers can return is explained in
//! docs/errors.md. The sources are read at test time, every `.rs` file under a folder, so
//! that splitting a file changes nothing here.

use clinicplan_solver::theatre::models::formulation::Family;

const MODEL_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/model.md");
const ERRORS_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md");
const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Every `.rs` file under `dir`, recursively, sorted by path.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {dir:?}: {e}"));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The text of every `.rs` file of `paths` (folders read recursively), relative to
/// solver/src, joined in sorted order.
fn sources(paths: &[&str]) -> String {
    let mut files = Vec::new();
    for path in paths {
        let path = std::path::Path::new(SRC).join(path);
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| read(f.to_str().expect("a UTF-8 path")))
        .collect::<Vec<_>>()
        .join("\n")
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
    let theatre = error_codes(&sources(&["theatre", "validation.rs"]));
    let appointments = error_codes(&sources(&["appointments", "validation.rs"]));
    // Guard against a scan that silently finds nothing.
    assert!(
        theatre.iter().any(|c| c.starts_with("CP1")),
        "no CP1xxx code found in solver/src/theatre"
    );
    assert!(
        theatre.iter().any(|c| c.starts_with("CP2")),
        "no CP2xxx code found in solver/src/theatre"
    );
    assert!(
        appointments.iter().any(|c| c.starts_with("CP3")),
        "no CP3xxx code found in solver/src/appointments"
    );
    assert!(
        appointments.iter().any(|c| c.starts_with("CP4")),
        "no CP4xxx code found in solver/src/appointments"
    );
    let missing: Vec<&String> = theatre
        .iter()
        .chain(&appointments)
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
