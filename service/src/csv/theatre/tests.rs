//! The theatre files read by hand-made examples: every column, every spelling, every
//! problem located; and written back.

use std::path::{Path, PathBuf};

use clinicplan_solver::theatre::input::*;

use super::*;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "clinicplan-theatre-csv-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn small(d: &Path) {
    write(
        d,
        "theatres.csv",
        "\u{feff}ID,Name,Equipment\nT1,Theatre 1,laser; robot\nT2,,\n",
    );
    write(
        d,
        "surgeons.csv",
        "id,specialty,max_minutes_per_day,unavailable_dates,name\n\
         S1,ORTHO,480,2026-03-03;2026-03-04,Ms One\n\
         S2,GENSURG,420,,\n",
    );
    write(
        d,
        "sessions.csv",
        "id,theatre_id,date,start_time,end_time,specialty,surgeon_id\n\
         A,T1,2026-03-02,8:30,12:30,ORTHO,S1\n\
         B,T2,2026-03-04,13:30:00,17:30,GENSURG,\n",
    );
    write(d, "ward_beds.csv", "date,free_beds\n2026-03-02,3\n");
    write(
        d,
        "specialties.csv",
        "code,turnaround_min\nORTHO,20\nGENSURG,15\n",
    );
    write(
        d,
        "ptl.csv",
        "pathway_id,nhs_number,specialty,procedure,expected_duration_min,priority,clock_start,\
         consultant,equipment,length_of_stay_days,unavailable_dates,flags,pinned_session_id\n\
         P1,999,ORTHO,Knee,60,p2,2026-01-10,S1,laser,2,2026-03-02,latex allergy;CASE_FLAG_DIABETIC,A\n\
         P2,998,GENSURG,Hernia,45,PRIORITY_P1,2026-02-01,,,,,,\n\
         P3,997,GENSURG,Lap chole,90,4,2026-02-11,,,0,,,\n",
    );
}

#[test]
fn reads_every_column_of_the_six_files() {
    let d = dir("ok");
    small(&d);
    let import = read_theatre_csv(&TheatreCsvFiles::in_dir(&d), &CsvOptions::default()).unwrap();
    let r = &import.request;
    assert_eq!(r.planning_start, "2026-03-02");
    assert_eq!(r.horizon_days, 3, "through the latest session date");
    assert_eq!(r.theatres[0].equipment, ["laser", "robot"]);
    assert!(r.theatres[1].equipment.is_empty());
    assert_eq!(
        r.surgeons[0].unavailable_dates,
        ["2026-03-03", "2026-03-04"]
    );
    assert_eq!(r.surgeons[0].name, "Ms One");
    assert_eq!(r.sessions[0].start_time, "08:30");
    assert_eq!(r.sessions[1].start_time, "13:30");
    assert_eq!(r.sessions[1].surgeon_id, "");
    assert_eq!(r.ward_beds[0].free_beds, 3);
    assert_eq!(r.specialties[1].turnaround_min, 15);
    let p = &r.patients[0];
    assert_eq!(p.priority, PriorityInput::P2);
    assert_eq!(p.surgeon_id, "S1");
    assert_eq!(p.listed_date, "2026-01-10");
    assert_eq!(p.length_of_stay_days, 2);
    assert_eq!(p.flags, [FlagInput::LatexAllergy, FlagInput::Diabetic]);
    assert_eq!(r.patients[1].priority, PriorityInput::P1);
    assert_eq!(r.patients[1].length_of_stay_days, 0);
    assert_eq!(r.patients[2].priority, PriorityInput::P4);
    assert_eq!(
        r.pinned,
        [BookingInput {
            patient_id: "P1".into(),
            session_id: "A".into()
        }]
    );
    assert_eq!(r.options, OptionsInput::default());
    let o = &import.origins;
    assert_eq!(
        o.locate("sessions[1].theatre_id"),
        "sessions.csv line 3 (sessions[1].theatre_id)"
    );
    assert_eq!(
        o.locate("patients[2].listed_date"),
        "ptl.csv line 4 (patients[2].listed_date)"
    );
    assert_eq!(
        o.locate("pinned[0].session_id"),
        "ptl.csv line 2 (pinned[0].session_id, the patient's pinned_session_id)"
    );
    assert_eq!(
        o.locate("planning_start"),
        "planning_start (--planning-start, or the earliest session date)"
    );
    // Written back and read again: the same request.
    let out = dir("roundtrip");
    write_theatre_csv_dir(r, &out).unwrap();
    let again = read_theatre_csv(&TheatreCsvFiles::in_dir(&out), &CsvOptions::default()).unwrap();
    assert_eq!(again.request, *r);
}

#[test]
fn collects_every_problem_of_every_file() {
    let d = dir("bad");
    small(&d);
    write(&d, "specialties.csv", "code,turnaround\nORTHO,20\n");
    write(
        &d,
        "sessions.csv",
        "id,theatre_id,date,start_time,end_time,specialty\n\
         A,T1,2026-02-30,8:30,noon,ORTHO\n",
    );
    write(
        &d,
        "ptl.csv",
        "pathway_id,specialty,expected_duration_min,priority,clock_start,flags,length_of_stay_days\n\
         P1,ORTHO,forty,P5,2026-01-10,ASTHMA,1\n\
         P2,ORTHO,40,P1,2026-01-10,,one\n\
         P3,ORTHO\n",
    );
    write(&d, "ward_beds.csv", "date,free_beds\n2026-03-02,-1\n");
    let err = read_theatre_csv(&TheatreCsvFiles::in_dir(&d), &CsvOptions::default()).unwrap_err();
    let text: Vec<String> = err.0.iter().map(|p| p.to_string()).collect();
    let want = [
        "sessions.csv line 2, column date: '2026-02-30' is not a date",
        "sessions.csv line 2, column end_time: 'noon' is not a time",
        "specialties.csv line 1, column turnaround_min: the required column 'turnaround_min' is missing",
        "ward_beds.csv line 2, column free_beds: '-1' is not a whole number of beds",
        "ptl.csv line 2, column priority: 'P5' is not a priority",
        "ptl.csv line 2, column flags: 'ASTHMA' is not a case flag",
        "ptl.csv line 2, column expected_duration_min: 'forty' is not a whole number of minutes",
        "ptl.csv line 3, column length_of_stay_days: 'one' is not a whole number of days",
        "ptl.csv line 4: 2 values, but the header names 7 columns",
    ];
    for w in want {
        assert!(
            text.iter().any(|t| t.starts_with(w)),
            "{w} not in {text:#?}"
        );
    }
    assert_eq!(text.len(), want.len(), "{text:#?}");
}

#[test]
fn an_empty_request_needs_the_horizon_given() {
    let d = dir("empty");
    write_theatre_csv_dir(&TheatreRequest::default(), &d).unwrap();
    let err = read_theatre_csv(&TheatreCsvFiles::in_dir(&d), &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err.0[0].to_string(),
        "sessions.csv: no session dates to take the horizon from: give --planning-start and --horizon-days"
    );
    let given = CsvOptions {
        planning_start: chrono::NaiveDate::from_ymd_opt(2026, 3, 2),
        horizon_days: Some(5),
    };
    let import = read_theatre_csv(&TheatreCsvFiles::in_dir(&d), &given).unwrap();
    assert_eq!(import.request.horizon_days, 5);
    assert!(import.request.patients.is_empty());
}
