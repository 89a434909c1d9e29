//! `clinicplan plan-theatres --html` on the shipped example week, the page rendered in
//! headless Chromium: from the DOM Chromium built, one case element per scheduled case
//! of the plan (as its `--output` JSON says) and one session element per session, each
//! with its id, and no script; a screenshot of the page is a PNG of the window's size.
//!
//! Chromium is required (see `scenario_report`); the folder is kept when the test fails.

use std::path::Path;
use std::process::{Command, Stdio};

use clinicplan_service::proto;

use crate::support::browser::{chromium, dump_dom, elements_of_class, screenshot};

#[test]
fn plan_theatres_html_draws_every_case_and_session_in_headless_chromium() {
    let browser = chromium();
    let dir = std::env::temp_dir().join(format!("clinicplan-lists-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (html, json) = (dir.join("week.html"), dir.join("plan.json"));
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/example-week.json");
    let run = Command::new(env!("CARGO_BIN_EXE_clinicplan"))
        .args(["plan-theatres", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .stdin(Stdio::null())
        .output()
        .expect("clinicplan runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let plan: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let page = std::fs::canonicalize(&html).unwrap();

    let dom = dump_dom(&browser, &dir, &page);
    assert!(!dom.contains("<script"), "the page has a script");
    let cases = elements_of_class(&dom, "g", "case");
    let sessions = elements_of_class(&dom, "rect", "session");
    let n_cases: usize = plan.sessions.iter().map(|s| s.cases.len()).sum();
    assert!(n_cases > 0, "the example week schedules cases");
    assert_eq!(cases.len(), n_cases, "one case element per scheduled case");
    assert_eq!(
        sessions.len(),
        plan.sessions.len(),
        "one element per session"
    );
    for s in &plan.sessions {
        let id = format!("data-session-id=\"{}\"", s.session_id);
        assert_eq!(
            sessions.iter().filter(|e| e.contains(&id)).count(),
            1,
            "session {} drawn once",
            s.session_id
        );
        for c in &s.cases {
            let patient = format!("data-patient-id=\"{}\"", c.patient_id);
            assert!(
                cases
                    .iter()
                    .any(|e| e.contains(&patient) && e.contains(&id)),
                "case {} of {} not drawn",
                c.patient_id,
                s.session_id
            );
        }
    }
    // The example week books one patient beforehand: drawn locked.
    assert_eq!(
        elements_of_class(&dom, "g", "case")
            .iter()
            .filter(|e| e.contains("data-locked=\"true\""))
            .count(),
        1
    );
    assert!(dom.contains("id=\"six-four-two\""), "no 6-4-2 view");

    screenshot(&browser, &dir, &page, "week.png", (1440, 2000), 20_000);
    std::fs::remove_dir_all(&dir).unwrap();
}
