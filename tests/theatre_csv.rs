//! Theatre plans from the trust's CSV exports (docs/csv.md, "Theatre planning files"):
//! a generated request round-trips through the six files; the shipped example week's
//! CSV folder is the writer's output of its JSON and reads back to the same request;
//! `plan-theatres --csv-dir` plans it with a checked plan and writes one bookings row
//! per case; bad files exit 2 naming file, line and column, and write nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clinicplan_service::csv::CsvOptions;
use clinicplan_service::csv::theatre::{
    BOOKINGS_HEADER, TheatreCsvFiles, read_theatre_csv, write_theatre_csv_dir,
};
use clinicplan_service::{convert, proto};
use clinicplan_solver::theatre::generate::{Family, theatre_request};
use clinicplan_solver::theatre::input::{BookingInput, OptionsInput};

use crate::support::assert_valid;
use crate::support::cli::{clinicplan, fresh_dir, text};

const FILES: [&str; 6] = [
    "ptl.csv",
    "sessions.csv",
    "surgeons.csv",
    "theatres.csv",
    "ward_beds.csv",
    "specialties.csv",
];

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn example_json() -> proto::PlanTheatreListsRequest {
    let json = std::fs::read_to_string(scenarios().join("example-week.json")).unwrap();
    serde_json::from_str(&json).expect("the example week is a request")
}

#[test]
fn a_generated_request_round_trips_through_the_six_files() {
    for (k, family) in Family::ALL.into_iter().enumerate() {
        let mut request = theatre_request(&family.week(4, 60, k as u64 + 1));
        request.options = OptionsInput::default();
        // A pin too, in the patients' order as ptl.csv holds them.
        let (patient, session) = (&request.patients[3], &request.sessions[0]);
        request.pinned = vec![BookingInput {
            patient_id: patient.id.clone(),
            session_id: session.id.clone(),
        }];
        let dir = fresh_dir("theatre-csv", &format!("roundtrip-{}", family.name()));
        write_theatre_csv_dir(&request, &dir).unwrap();
        let options = CsvOptions {
            planning_start: Some(request.planning_start.parse().unwrap()),
            horizon_days: Some(request.horizon_days),
        };
        let import = read_theatre_csv(&TheatreCsvFiles::in_dir(&dir), &options)
            .unwrap_or_else(|e| panic!("{}: {:#?}", family.name(), e.0));
        assert_eq!(import.request, request, "{}", family.name());
    }
}

#[test]
fn the_example_week_reads_the_same_from_csv_and_from_json() {
    let json = example_json();
    let from_json = convert::request_from_proto(json.clone());
    let import = read_theatre_csv(
        &TheatreCsvFiles::in_dir(&scenarios().join("example-week")),
        &CsvOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{:#?}", e.0));
    // The options are not in the files: the CLI's flags give them.
    let mut from_csv = import.request;
    from_csv.options = from_json.options.clone();
    assert_eq!(from_csv, from_json);
    assert_eq!(
        convert::request_to_proto(&from_csv),
        convert::request_to_proto(&from_json)
    );
    assert_eq!(
        convert::request_to_proto(&from_csv).sessions,
        json.sessions,
        "the sessions on the wire"
    );
}

#[test]
fn the_shipped_csv_folder_is_the_writers_output_of_the_json() {
    let dir = fresh_dir("theatre-csv", "example-written");
    write_theatre_csv_dir(&convert::request_from_proto(example_json()), &dir).unwrap();
    for file in FILES {
        let written = std::fs::read_to_string(dir.join(file)).unwrap();
        let shipped = scenarios().join("example-week").join(file);
        assert_eq!(
            std::fs::read_to_string(&shipped).unwrap_or_default(),
            written,
            "{} is not what the writer makes of example-week.json",
            shipped.display()
        );
    }
}

/// `plan-theatres --csv-dir scenarios/example-week`: a plan the independent checker
/// accepts for the JSON's request, and one bookings row per case of it.
#[test]
fn the_example_week_plans_from_csv_and_writes_one_row_per_case() {
    let out = fresh_dir("theatre-csv", "example-plan");
    let (plan, bookings) = (out.join("plan.json"), out.join("bookings.csv"));
    let folder = scenarios().join("example-week");
    let run = clinicplan(&[
        "plan-theatres",
        "--csv-dir",
        folder.to_str().unwrap(),
        "--time-limit-ms",
        "3000",
        "--output",
        plan.to_str().unwrap(),
        "--bookings-csv",
        bookings.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let response: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_valid("example-week-from-csv", &example_json(), &response);

    let mut reader = ::csv::Reader::from_path(&bookings).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, BOOKINGS_HEADER);
    let rows: Vec<BTreeMap<String, String>> = reader.deserialize().map(Result::unwrap).collect();
    let cases: Vec<(&proto::SessionPlan, usize, &proto::Case)> = response
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter().enumerate().map(move |(i, c)| (s, i, c)))
        .collect();
    assert!(!cases.is_empty(), "the example week plans some cases");
    assert_eq!(rows.len(), cases.len());
    for (row, (s, i, c)) in rows.iter().zip(&cases) {
        let priority = proto::Priority::try_from(c.priority).unwrap();
        let want = [
            ("patient_id", c.patient_id.clone()),
            ("session_id", s.session_id.clone()),
            ("theatre_id", s.theatre_id.clone()),
            ("date", s.date.clone()),
            ("start_time", c.start_time.clone()),
            ("end_time", c.end_time.clone()),
            ("procedure", c.procedure.clone()),
            ("priority", priority.as_str_name().replace("PRIORITY_", "")),
            ("list_order", (i + 1).to_string()),
        ];
        for (column, value) in want {
            assert_eq!(row[column], value, "{column} of {row:?}");
        }
    }
}

/// A copy of the example week's folder with `edit` applied to one file's text.
fn edited(name: &str, file: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = fresh_dir("theatre-csv", name);
    for f in FILES {
        let from = scenarios().join("example-week").join(f);
        let body = std::fs::read_to_string(from).unwrap();
        let body = if f == file { edit(&body) } else { body };
        std::fs::write(dir.join(f), body).unwrap();
    }
    dir
}

/// Replaces the value of `column` on `line` (1-based, the header is line 1).
fn set_cell(body: &str, line: usize, column: &str, value: &str) -> String {
    let mut lines: Vec<String> = body.lines().map(str::to_string).collect();
    let at = lines[0].split(',').position(|h| h == column).unwrap();
    let mut cells: Vec<&str> = lines[line - 1].split(',').collect();
    cells[at] = value;
    lines[line - 1] = cells.join(",");
    lines.join("\n") + "\n"
}

/// Runs plan-theatres on `folder` with both outputs; returns stderr after checking
/// exit code 2, nothing on standard output and nothing written.
fn rejected(folder: &Path) -> String {
    let plan = folder.join("out-plan.json");
    let bookings = folder.join("out-bookings.csv");
    let run = clinicplan(&[
        "plan-theatres",
        "--csv-dir",
        folder.to_str().unwrap(),
        "--output",
        plan.to_str().unwrap(),
        "--bookings-csv",
        bookings.to_str().unwrap(),
    ]);
    let message = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(
        !plan.exists() && !bookings.exists(),
        "written despite bad files"
    );
    assert!(text(&run.stdout).is_empty(), "{}", text(&run.stdout));
    message
}

#[test]
fn bad_cells_and_a_missing_column_exit_2_naming_file_line_and_column() {
    let folder = edited("bad-cells", "ptl.csv", |b| {
        set_cell(b, 7, "expected_duration_min", "forty")
    });
    let sessions = std::fs::read_to_string(folder.join("sessions.csv")).unwrap();
    std::fs::write(
        folder.join("sessions.csv"),
        set_cell(&sessions, 4, "date", "2026-03-32"),
    )
    .unwrap();
    let specialties = std::fs::read_to_string(folder.join("specialties.csv")).unwrap();
    std::fs::write(
        folder.join("specialties.csv"),
        specialties.replacen("turnaround_min", "turnaround", 1),
    )
    .unwrap();
    let message = rejected(&folder);
    for want in [
        "ptl.csv line 7, column expected_duration_min: 'forty' is not a whole number of minutes",
        "sessions.csv line 4, column date: '2026-03-32' is not a date",
        "specialties.csv line 1, column turnaround_min: the required column 'turnaround_min' is missing",
        "nothing was imported",
    ] {
        assert!(message.contains(want), "{want} not in {message}");
    }
}

#[test]
fn an_unknown_theatre_in_sessions_csv_exits_2_naming_its_line() {
    let folder = edited("unknown-theatre", "sessions.csv", |b| {
        set_cell(b, 5, "theatre_id", "T99")
    });
    let message = rejected(&folder);
    assert!(
        message
            .contains("CP1020 sessions.csv line 5 (sessions[3].theatre_id): unknown theatre 'T99'"),
        "{message}"
    );
}

#[test]
fn the_six_files_one_by_one_are_the_folder() {
    let folder = scenarios().join("example-week");
    let path = |f: &str| folder.join(f).to_str().unwrap().to_string();
    let broken = edited("one-by-one", "sessions.csv", |b| {
        set_cell(b, 2, "start_time", "25:00")
    });
    let sessions = broken.join("sessions.csv");
    let run = clinicplan(&[
        "plan-theatres",
        "--ptl",
        &path("ptl.csv"),
        "--sessions",
        sessions.to_str().unwrap(),
        "--surgeons",
        &path("surgeons.csv"),
        "--theatres",
        &path("theatres.csv"),
        "--ward-beds",
        &path("ward_beds.csv"),
        "--specialties",
        &path("specialties.csv"),
    ]);
    let message = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(
        message.contains("sessions.csv line 2, column start_time: '25:00' is not a time"),
        "{message}"
    );
    // Not both a JSON request and CSV files.
    let run = clinicplan(&[
        "plan-theatres",
        "--input",
        scenarios().join("example-week.json").to_str().unwrap(),
        "--csv-dir",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
}
