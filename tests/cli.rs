//! The `clinicplan` command-line tool as a user runs it: every shipped theatre scenario
//! plans, its plan passes the independent checker, `clinicplan check` accepts it and
//! rejects a hand edit that breaks a rule, and bad input exits 2 naming the field.
//! Every shipped appointment network balances from its JSON and from its CSV folder to
//! the same optimum; a malformed CSV row exits 2 naming its file, line and column and
//! writes nothing; a CSV row naming an unknown site exits 2 naming its line.

use std::path::{Path, PathBuf};
use std::process::Output;

use clinicplan_service::proto;

use crate::support::cli::{clinicplan, text};
use crate::support::{appointments, assert_valid};

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// What a shipped scenario is, told by its top-level fields.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A PlanTheatreListsRequest (it has `sessions`).
    Theatre,
    /// A BalanceAppointmentsRequest (it has `slots`).
    Appointments,
}

fn kind_of(path: &Path) -> Kind {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let has = |key: &str| value.get(key).is_some();
    match (has("sessions"), has("slots")) {
        (true, false) => Kind::Theatre,
        (false, true) => Kind::Appointments,
        _ => panic!(
            "{}: neither a theatre request (sessions) nor an appointment network (slots)",
            path.display()
        ),
    }
}

/// The shipped scenarios of one kind (every `scenarios/*.json` is one or the other).
fn scenarios_of(kind: Kind) -> Vec<PathBuf> {
    let dir = scenario_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| kind_of(p) == kind)
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no {kind:?} scenario in {}",
        dir.display()
    );
    files
}

fn scenarios() -> Vec<PathBuf> {
    scenarios_of(Kind::Theatre)
}

fn scratch(name: &str) -> PathBuf {
    crate::support::cli::scratch("cli", name)
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

/// `scenarios/NAME/`, the CSV form of `scenarios/NAME.json`.
fn csv_folder(json: &Path) -> PathBuf {
    json.with_extension("")
}

/// Copies a CSV folder into a scratch folder of its own, changing one value of one
/// line (1-based, the header is line 1) of one file.
fn edited_copy(
    from: &Path,
    name: &str,
    file: &str,
    line: usize,
    column: &str,
    value: &str,
) -> PathBuf {
    let to = scratch(name);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let path = to.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines[0]
        .split(',')
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    let mut fields: Vec<&str> = lines[line - 1].split(',').collect();
    fields[at] = value;
    lines[line - 1] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    to
}

fn read_response(path: &Path) -> proto::BalanceAppointmentsResponse {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every request is booked or unassigned, exactly once, and nothing else appears.
fn assert_each_request_once(
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
) {
    let mut seen: std::collections::BTreeMap<&str, u32> = request
        .requests
        .iter()
        .map(|r| (r.id.as_str(), 0))
        .collect();
    let answered = response
        .bookings
        .iter()
        .map(|b| &b.request_id)
        .chain(response.unassigned.iter().map(|u| &u.request_id));
    for id in answered {
        *seen
            .get_mut(id.as_str())
            .unwrap_or_else(|| panic!("{name}: unknown request {id} in the answer")) += 1;
    }
    let wrong: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        wrong.is_empty(),
        "{name}: not answered exactly once: {wrong:?}"
    );
}

#[test]
fn every_network_balances_the_same_from_json_and_from_csv() {
    for scenario in scenarios_of(Kind::Appointments) {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let folder = csv_folder(&scenario);
        assert!(
            folder.is_dir(),
            "{stem}: no CSV folder {}",
            folder.display()
        );
        let request: proto::BalanceAppointmentsRequest =
            serde_json::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();

        let json_plan = scratch(&format!("{stem}.json-plan.json"));
        let out = clinicplan(&[
            "balance-appointments",
            "--input",
            scenario.to_str().unwrap(),
            "--output",
            json_plan.to_str().unwrap(),
            "--time-limit-ms",
            "60000",
        ]);
        assert!(out.status.success(), "{stem}: {}", text(&out.stderr));
        let table = text(&out.stdout);
        for shown in [
            "Practice",
            "Network",
            "Urgency",
            "away from their home",
            "Proof of quality",
        ] {
            assert!(table.contains(shown), "{stem}: no {shown} in {table}");
        }

        let csv_plan = scratch(&format!("{stem}.csv-plan.json"));
        let bookings = scratch(&format!("{stem}.bookings.csv"));
        let file = |name: &str| folder.join(name).to_str().unwrap().to_string();
        // The flat files carry no horizon: it comes from the flags, as in the README.
        let horizon = request.horizon_days.to_string();
        let out = clinicplan(&[
            "balance-appointments",
            "--planning-start",
            &request.planning_start,
            "--horizon-days",
            &horizon,
            "--sites",
            &file("sites.csv"),
            "--travel",
            &file("travel.csv"),
            "--clinicians",
            &file("clinicians.csv"),
            "--slots",
            &file("slots.csv"),
            "--requests",
            &file("requests.csv"),
            "--output",
            csv_plan.to_str().unwrap(),
            "--bookings-csv",
            bookings.to_str().unwrap(),
            "--time-limit-ms",
            "60000",
        ]);
        assert!(out.status.success(), "{stem} (CSV): {}", text(&out.stderr));

        let from_json = read_response(&json_plan);
        let from_csv = read_response(&csv_plan);
        for (how, response) in [("JSON", &from_json), ("CSV", &from_csv)] {
            let name = format!("cli-{stem}-{how}");
            assert_each_request_once(&name, &request, response);
            let report = appointments::check(&request, response);
            assert!(
                report.violations.is_empty(),
                "{name}: {:#?}",
                report.violations
            );
            let solve = appointments::summary(response);
            assert_eq!(solve.status, proto::SolveStatus::Optimal as i32, "{name}");
            assert!(
                (solve.objective - report.recomputed.cost()).abs() < 1e-6,
                "{name}: states {}, recomputed {}",
                solve.objective,
                report.recomputed.cost()
            );
        }
        let (a, b) = (
            appointments::summary(&from_json).objective,
            appointments::summary(&from_csv).objective,
        );
        assert!((a - b).abs() < 1e-6, "{stem}: JSON {a}, CSV {b}");

        // One bookings row per booking, under the documented header.
        let rows = std::fs::read_to_string(&bookings).unwrap();
        let mut lines = rows.lines();
        assert_eq!(
            lines.next(),
            Some(
                "request_id,slot_id,clinician_id,site_id,date,start_time,mode,wait_days,travel_min,with_preferred_clinician,cost"
            )
        );
        assert_eq!(lines.count(), from_csv.bookings.len(), "{stem}");
    }
}

/// Runs `balance-appointments --csv-dir FOLDER` with the plan to go to scratch file
/// `plan_name`, which must exit 2; returns the plan's path and the run's output.
fn balance_bad_csv_dir(folder: &Path, plan_name: &str) -> (PathBuf, Output) {
    let plan = scratch(plan_name);
    let _ = std::fs::remove_file(&plan);
    let out = clinicplan(&[
        "balance-appointments",
        "--csv-dir",
        folder.to_str().unwrap(),
        "--output",
        plan.to_str().unwrap(),
    ]);
    let message = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{message}");
    (plan, out)
}

#[test]
fn a_malformed_csv_row_exits_2_naming_file_line_and_column_and_writes_nothing() {
    let scenario = &scenarios_of(Kind::Appointments)[0];
    let folder = edited_copy(
        &csv_folder(scenario),
        "malformed-csv",
        "requests.csv",
        17,
        "max_travel_min",
        "ten",
    );
    // A second problem in another file: both are reported, not only the first.
    let slots = std::fs::read_to_string(folder.join("slots.csv")).unwrap();
    std::fs::write(
        folder.join("slots.csv"),
        slots.replacen(",FACE_TO_FACE\n", ",IN PERSON\n", 1),
    )
    .unwrap();
    let (plan, out) = balance_bad_csv_dir(&folder, "malformed-csv.plan.json");
    let message = text(&out.stderr);
    assert!(
        message.contains(
            "requests.csv line 17, column max_travel_min: 'ten' is not a whole number of minutes"
        ),
        "{message}"
    );
    assert!(
        message.contains("column mode: 'IN PERSON' is not a mode"),
        "{message}"
    );
    assert!(message.contains("nothing was imported"), "{message}");
    assert!(!plan.exists(), "a plan was written despite the bad row");
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
}

#[test]
fn a_csv_row_naming_an_unknown_site_exits_2_naming_its_line() {
    let scenario = &scenarios_of(Kind::Appointments)[0];
    let folder = edited_copy(
        &csv_folder(scenario),
        "unknown-site-csv",
        "slots.csv",
        5,
        "site_id",
        "NOWHERE",
    );
    let (plan, out) = balance_bad_csv_dir(&folder, "unknown-site-csv.plan.json");
    let message = text(&out.stderr);
    assert!(
        message.contains("CP1020 slots.csv line 5 (slots[3].site_id): unknown site 'NOWHERE'"),
        "{message}"
    );
    assert!(!plan.exists(), "a plan was written for an invalid network");
}
