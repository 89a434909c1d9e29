//! `clinicplan scenario` as a user runs it: the shipped hospital validates, a broken file
//! gets every problem with its location (exit 2), a bad PTL row is named by line and
//! column, two runs of the same file write identical weeks, and replications give every
//! figure with its interval and each variant's paired difference against the baseline.

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
    assert!(csv.starts_with("variant,replication,week,week_start,arrivals,"));
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

#[test]
fn replications_give_intervals_and_paired_differences_and_bad_settings_exit_2() {
    let file = write_small("replicated", SMALL, PTL);
    let dir = scratch("out-replicated");
    let out = clinicplan(&[
        "scenario",
        "run",
        file.to_str().unwrap(),
        "--replications",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("3 replications of each"), "{said}");
    assert!(said.contains("Against the baseline"), "{said}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["replications"], 3);
    assert_eq!(
        summary["variants"].as_array().unwrap().len(),
        6,
        "2 variants × 3"
    );
    let stats = summary["statistics"].as_array().unwrap();
    assert_eq!(
        (stats[0]["variant"].as_str(), stats[1]["variant"].as_str()),
        (Some("baseline"), Some("more"))
    );
    for m in stats[1]["measures"].as_array().unwrap() {
        let (low, mean, high) = (&m["value"]["low"], &m["value"]["mean"], &m["value"]["high"]);
        assert!(
            low.as_f64() <= mean.as_f64() && mean.as_f64() <= high.as_f64(),
            "{m}"
        );
        assert!(m["difference"]["mean"].is_number(), "{m}");
    }
    assert!(stats[0]["measures"][0]["difference"].is_null());
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("weeks.json")).unwrap()).unwrap();
    assert_eq!(rows.len(), 2 * 3 * 4);
    assert_eq!(
        (&rows[4]["variant"], &rows[4]["replication"]),
        (&"baseline".into(), &1.into())
    );

    let out = clinicplan(&[
        "scenario",
        "run",
        file.to_str().unwrap(),
        "--replications",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--replications 0: give 1 to 1000"),
        "{}",
        text(&out.stderr)
    );

    // Weeks that end within the warm-up would leave nothing to summarise.
    let warmed = write_small(
        "warm-up",
        &SMALL.replace("seed = 3", "seed = 3\nwarmup_weeks = 2"),
        PTL,
    );
    let out = clinicplan(&["scenario", "run", warmed.to_str().unwrap(), "--weeks", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--weeks 2: the scenario's warm-up (warmup_weeks) is 2"),
        "{}",
        text(&out.stderr)
    );

    let broken = SMALL
        .replace(
            "seed = 3",
            "seed = 3\nreplications = 0\nwarmup_weeks = 4\nweek_planner = \"magic\"",
        )
        .replace("from_week = 1", "from_week = 1\nplanner = \"by hand\"");
    let file = write_small("bad-replications", &broken, PTL);
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    for location in [
        "replications: 0",
        "warmup_weeks: 4",
        "week_planner: 'magic'",
        "variants[0].planner: 'by hand'",
    ] {
        assert!(said.contains(location), "{location} missing:\n{said}");
    }
}

#[test]
fn the_shipped_gp_network_names_a_bad_booking_setting() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gp-pharmacist.toml");
    let text_in = std::fs::read_to_string(shipped).unwrap();
    assert!(
        text_in.contains("booking = \"practice-only\""),
        "the shipped practice-only variant"
    );
    let dir = scratch("gp-booking");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gp.toml");
    std::fs::write(
        &file,
        text_in.replace("booking = \"practice-only\"", "booking = \"by phone\""),
    )
    .unwrap();
    let out = clinicplan(&["scenario", "validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("variants[2].booking: 'by phone': give network or practice-only"),
        "{said}"
    );
}
