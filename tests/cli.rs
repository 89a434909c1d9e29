//! The `clinicplan` command-line tool as a user runs it: every shipped scenario plans,
//! its plan passes the independent checker, `clinicplan check` accepts it and rejects a
//! hand edit that breaks a rule, and bad input exits 2 naming the field.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use clinicplan_service::proto;

use crate::support::assert_valid;

fn clinicplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clinicplan"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("clinicplan runs")
}

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in {}", dir.display());
    files
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clinicplan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir.join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_scenario_plans_checks_and_rejects_a_broken_edit() {
    for scenario in scenarios() {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let plan_path = scratch(&format!("{stem}.plan.json"));
        let out = clinicplan(&[
            "plan-theatres",
            "--input",
            scenario.to_str().unwrap(),
            "--output",
            plan_path.to_str().unwrap(),
            "--time-limit-ms",
            "3000",
        ]);
        assert!(out.status.success(), "{stem}: {}", text(&out.stderr));
        let table = text(&out.stdout);
        assert!(table.contains("Proof of quality"), "{stem}: {table}");

        // The written plan passes the tests' own checker.
        let request: proto::PlanTheatreListsRequest =
            serde_json::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();
        let response: proto::PlanTheatreListsResponse =
            serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
        assert_valid(&format!("cli-{stem}"), &request, &response);
        let shown = response.sessions.iter().flat_map(|s| &s.cases).count();
        assert!(shown > 0, "{stem}: nothing scheduled");
        for case in response.sessions.iter().flat_map(|s| &s.cases) {
            assert!(
                table.contains(&case.patient_id),
                "{stem}: {} not printed",
                case.patient_id
            );
        }

        // `check` accepts the plan as written.
        let out = clinicplan(&[
            "check",
            "--input",
            scenario.to_str().unwrap(),
            "--plan",
            plan_path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{stem}: {}", text(&out.stdout));
        assert!(text(&out.stdout).contains("keeps every hard rule"));

        // A scheduler moves the first case of one list onto the start of another list of
        // the same session: the two cases now overlap, and `check` says so.
        let mut edited = response.clone();
        let busy = edited
            .sessions
            .iter()
            .position(|s| s.cases.len() >= 2)
            .expect("some list has two cases");
        let first_start = edited.sessions[busy].cases[0].start_time.clone();
        let duration = edited.sessions[busy].cases[1].duration_min;
        let start = chrono::NaiveTime::parse_from_str(&first_start, "%H:%M").unwrap();
        edited.sessions[busy].cases[1].start_time = first_start;
        edited.sessions[busy].cases[1].end_time = (start
            + chrono::Duration::minutes(i64::from(duration)))
        .format("%H:%M")
        .to_string();
        let edited_path = scratch(&format!("{stem}.edited.json"));
        std::fs::write(&edited_path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
        let out = clinicplan(&[
            "check",
            "--input",
            scenario.to_str().unwrap(),
            "--plan",
            edited_path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{stem}: {}", text(&out.stdout));
        assert!(
            text(&out.stdout).contains("CP2013"),
            "{stem}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let scenario = &scenarios()[0];
    let mut request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario).unwrap()).unwrap();
    request["patients"][3]["surgeonId"] = serde_json::Value::from("NOBODY");
    request["sessions"][0]["endTime"] = serde_json::Value::from("25:00");
    let path = scratch("bad.request.json");
    std::fs::write(&path, request.to_string()).unwrap();
    let out = clinicplan(&["plan-theatres", "--input", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(message.contains("patients[3].surgeon_id"), "{message}");
    assert!(message.contains("sessions[0].end_time"), "{message}");

    // A misspelt field is an error, not silently ignored.
    let mut request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario).unwrap()).unwrap();
    request["horizonDayz"] = serde_json::Value::from(5);
    std::fs::write(&path, request.to_string()).unwrap();
    let out = clinicplan(&["plan-theatres", "--input", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("horizonDayz"),
        "{}",
        text(&out.stderr)
    );
}
