//! `clinicplan scenario` as a user runs it: the shipped hospital validates, a broken file
//! gets every problem with its location (exit 2), a bad PTL row is named by line and
//! column, and two runs of the same file write identical weeks.

use std::path::{Path, PathBuf};

use crate::support::cli::{clinicplan, text};

fn scratch(name: &str) -> PathBuf {
    crate::support::cli::scratch("scenario", name)
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/dgh.toml")
}

/// A small valid scenario with its list in `ptl.csv` beside it.
const SMALL: &str = r#"
name = "small"
start_date = "2026-03-02"
horizon_weeks = 4
seed = 3

[hospital]
theatres = [{ id = "T1", name = "One" }]
specialties = [{ code = "ENT", turnaround_min = 15 }]
surgeons = [{ id = "E1", name = "A", specialty = "ENT", max_minutes_per_day = 480 }]
sessions = [
  { theatre = "T1", weekday = "mon", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" },
  { theatre = "T1", weekday = "wed", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" },
]
ward = { elective_beds = 4 }

[waiting_list]
csv = "ptl.csv"

[demand]
cancellation_rate = 0.05
validation_removal_rate = 0.0
streams = [{ specialty = "ENT", priority = "P4", per_week = 5, case_minutes = { mean = 40, sd = 10, min = 15, max = 90 } }]

[[variants]]
name = "more"
from_week = 1
add_sessions = [{ theatre = "T1", weekday = "fri", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" }]
"#;

const PTL: &str = "pathway_id,nhs_number,specialty,procedure,expected_duration_min,priority,clock_start,consultant\n\
A1,9990000001,ENT,Grommets,15,P4,2025-10-01,E1\n\
A2,9990000002,ENT,Septoplasty,60,P3,2025-12-01,\n";

fn write_small(dir: &str, toml: &str, ptl: &str) -> PathBuf {
    let dir = scratch(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ptl.csv"), ptl).unwrap();
    let file = dir.join("small.toml");
    std::fs::write(&file, toml).unwrap();
    file
}

#[test]
fn the_shipped_hospital_validates() {
    let out = clinicplan(&["scenario", "validate", shipped().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("2500 patients"), "{said}");
    assert!(
        said.contains("baseline, saturday-lists, theatre-refurbishment, demand-surge"),
        "{said}"
    );
}

#[test]
fn validate_lists_every_problem_with_its_location() {
    let broken = SMALL
        .replace("weekday = \"wed\"", "weekday = \"someday\"")
        .replace("surgeon = \"E1\" },\n]", "surgeon = \"X9\" },\n]")
        .replace(
            "validation_removal_rate = 0.0",
            "validation_removal_rate = 1.5",
        )
        .replace("from_week = 1", "from_week = 9");
    let ptl = PTL.replace(
        "Septoplasty,60,P3,2025-12-01,",
        "Septoplasty,60,P3,2025-12-01,NOBODY",
    );
    let file = write_small("broken", &broken, &ptl);
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let said = text(&out.stderr);
    for location in [
        "hospital.sessions[1].weekday",
        "hospital.sessions[1].surgeon",
        "demand.validation_removal_rate",
        "variants[0].from_week",
        "ptl.csv line 3, column 8 (consultant)",
    ] {
        assert!(said.contains(location), "{location} missing:\n{said}");
    }
    assert!(said.contains("has 5 problem(s)"), "{said}");
}

#[test]
fn a_bad_ptl_row_is_named_by_line_and_column_and_a_typo_in_the_toml_by_its_place() {
    let ptl = PTL.replace("Grommets,15,P4", "Grommets,quarter of an hour,P4");
    let file = write_small("badcsv", SMALL, &ptl);
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("ptl.csv line 2, column 5 (expected_duration_min): 'quarter of an hour' is not a whole number"),
        "{said}"
    );

    let file = write_small(
        "typo",
        &SMALL.replace("horizon_weeks", "horizon_weeeks"),
        PTL,
    );
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("horizon_weeeks") && said.contains("line 4"),
        "{said}"
    );
}

#[test]
fn two_runs_of_one_file_write_identical_weeks() {
    let file = write_small("run", SMALL, PTL);
    let mut written = Vec::new();
    for n in 0..2 {
        let dir = scratch(&format!("out-{n}"));
        let out = clinicplan(&[
            "scenario",
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let table = text(&out.stdout);
        assert!(
            table.contains("within 18 weeks") && table.contains("more"),
            "{table}"
        );
        written.push(dir);
    }
    let weeks = |d: &Path| std::fs::read_to_string(d.join("weeks.json")).unwrap();
    assert_eq!(weeks(&written[0]), weeks(&written[1]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&weeks(&written[0])).unwrap();
    assert_eq!(rows.len(), 8, "two variants of four weeks");
    assert_eq!(rows[4]["variant"], "more");
    let csv = std::fs::read_to_string(written[0].join("weeks.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9);
    assert!(csv.starts_with("variant,week,week_start,arrivals,"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(written[0].join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["variants"].as_array().unwrap().len(), 2);

    // --variants picks and orders; an unknown name exits 2.
    let dir = scratch("out-one");
    let out = clinicplan(&[
        "scenario",
        "run",
        file.to_str().unwrap(),
        "--variants",
        "more",
        "--weeks",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&weeks(&dir)).unwrap();
    assert_eq!(rows.len(), 2);
    let out = clinicplan(&[
        "scenario",
        "run",
        file.to_str().unwrap(),
        "--variants",
        "less",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no variant 'less'"));
}
