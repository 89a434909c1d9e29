//! Invalid requests: each class of problem gets INVALID_ARGUMENT with a
//! google.rpc.BadRequest naming every offending field by its path, its description
//! starting with the rule's code (docs/errors.md). Every problem is listed, not only
//! the first.

use std::collections::BTreeSet;

use clinicplan_service::proto;

use crate::support::build::*;
use crate::support::violations::coded_violations;
use crate::support::{Harness, plan_valid};

/// A small valid request that each test breaks in one way:
/// sessions[0] S1 (T1, day 0, 08:30–12:30, GEN, K1), sessions[1] S2 (T2, day 0,
/// 08:30–12:30, GEN, K2), sessions[2] S3 (T1, day 1, 13:30–17:30, ORTHO, K3);
/// patients[0] P1 (GEN 60), patients[1] P2 (GEN 90, named K1), patients[2] P3
/// (ORTHO 120), patients[3] P4 (GEN 45, P1 priority).
fn valid_request() -> proto::PlanTheatreListsRequest {
    let mut request = request(3);
    request.specialties = vec![specialty("GEN", 15), specialty("ORTHO", 20)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &["robot"])];
    request.surgeons = vec![
        surgeon("K1", "GEN", 480),
        surgeon("K2", "GEN", 480),
        surgeon("K3", "ORTHO", 480),
    ];
    request.sessions = vec![
        session("S1", "T1", 0, "08:30", "12:30", "GEN", "K1"),
        session("S2", "T2", 0, "08:30", "12:30", "GEN", "K2"),
        session("S3", "T1", 1, "13:30", "17:30", "ORTHO", "K3"),
    ];
    request.patients = vec![
        patient("P1", "GEN", 60, P3, 10),
        proto::Patient {
            surgeon_id: "K1".into(),
            ..patient("P2", "GEN", 90, P2, 5)
        },
        patient("P3", "ORTHO", 120, P4, 200),
        patient("P4", "GEN", 45, P1, 1),
    ];
    request.ward_beds = vec![beds(0, 3)];
    request
}

/// The (code, field) pairs of the BadRequest that `request` gets (see
/// `coded_violations` for what is checked on the way).
fn violations(
    harness: &Harness,
    name: &str,
    request: &proto::PlanTheatreListsRequest,
) -> BTreeSet<(String, String)> {
    coded_violations(name, harness.plan(request))
}

/// Asserts that `request` is rejected with exactly the `expected` (code, field) pairs.
#[track_caller]
fn assert_rejected(
    harness: &Harness,
    name: &str,
    request: &proto::PlanTheatreListsRequest,
    expected: &[(&str, &str)],
) {
    let got = violations(harness, name, request);
    let expected: BTreeSet<(String, String)> = expected
        .iter()
        .map(|(c, f)| (c.to_string(), f.to_string()))
        .collect();
    assert_eq!(got, expected, "{name}");
}

/// One way of breaking the valid request, and what the service must say about it.
struct Breakage {
    name: &'static str,
    apply: fn(&mut proto::PlanTheatreListsRequest),
    expected: &'static [(&'static str, &'static str)],
}

fn run_all(breakages: &[Breakage]) {
    let harness = Harness::start();
    for b in breakages {
        let mut request = valid_request();
        (b.apply)(&mut request);
        assert_rejected(&harness, b.name, &request, b.expected);
    }
}

#[test]
fn the_valid_base_request_is_accepted() {
    // So that every test below fails only because of what it breaks.
    let harness = Harness::start();
    plan_valid(&harness, "bad_input_base", &valid_request());
}

#[test]
fn unknown_ids_are_named_by_their_field() {
    run_all(&[
        Breakage {
            name: "session theatre",
            apply: |r| r.sessions[0].theatre_id = "T9".into(),
            expected: &[("CP1020", "sessions[0].theatre_id")],
        },
        Breakage {
            name: "session surgeon",
            apply: |r| r.sessions[1].surgeon_id = "K9".into(),
            expected: &[("CP1020", "sessions[1].surgeon_id")],
        },
        Breakage {
            name: "session specialty",
            apply: |r| r.sessions[2].specialty = "CARDIO".into(),
            expected: &[("CP1020", "sessions[2].specialty")],
        },
        Breakage {
            name: "patient surgeon",
            apply: |r| r.patients[1].surgeon_id = "K9".into(),
            expected: &[("CP1020", "patients[1].surgeon_id")],
        },
        Breakage {
            name: "patient specialty",
            apply: |r| r.patients[2].specialty = "CARDIO".into(),
            expected: &[("CP1020", "patients[2].specialty")],
        },
        Breakage {
            name: "surgeon specialty",
            apply: |r| r.surgeons[0].specialty = "CARDIO".into(),
            expected: &[("CP1020", "surgeons[0].specialty")],
        },
        Breakage {
            name: "pinned patient",
            apply: |r| r.pinned = vec![pin("NOBODY", "S1")],
            expected: &[("CP1020", "pinned[0].patient_id")],
        },
        Breakage {
            name: "pinned session",
            apply: |r| r.pinned = vec![pin("P1", "S9")],
            expected: &[("CP1020", "pinned[0].session_id")],
        },
    ]);
}

#[test]
fn duplicate_ids_are_named_at_their_second_use() {
    run_all(&[
        Breakage {
            name: "patient",
            apply: |r| r.patients[3].id = "P1".into(),
            expected: &[("CP1011", "patients[3].id")],
        },
        Breakage {
            name: "session",
            apply: |r| r.sessions[2].id = "S1".into(),
            expected: &[("CP1011", "sessions[2].id")],
        },
        Breakage {
            name: "theatre",
            apply: |r| r.theatres.push(theatre("T1", &["laser"])),
            expected: &[("CP1011", "theatres[2].id")],
        },
        Breakage {
            name: "surgeon",
            apply: |r| r.surgeons.push(surgeon("K2", "GEN", 300)),
            expected: &[("CP1011", "surgeons[3].id")],
        },
        Breakage {
            name: "specialty",
            apply: |r| r.specialties.push(specialty("GEN", 30)),
            expected: &[("CP1011", "specialties[2].code")],
        },
    ]);
}

#[test]
fn malformed_dates_and_times_are_named() {
    run_all(&[
        Breakage {
            name: "planning start",
            apply: |r| r.planning_start = "2026-02-30".into(),
            expected: &[("CP1030", "planning_start")],
        },
        Breakage {
            name: "session date",
            apply: |r| r.sessions[0].date = "02/03/2026".into(),
            expected: &[("CP1030", "sessions[0].date")],
        },
        Breakage {
            name: "listed date",
            apply: |r| r.patients[0].listed_date = "last week".into(),
            expected: &[("CP1030", "patients[0].listed_date")],
        },
        Breakage {
            name: "surgeon leave",
            apply: |r| r.surgeons[0].unavailable_dates = vec![day(1), "2026-03-04x".into()],
            expected: &[("CP1030", "surgeons[0].unavailable_dates[1]")],
        },
        Breakage {
            name: "patient unavailable",
            apply: |r| r.patients[1].unavailable_dates = vec!["tomorrow".into()],
            expected: &[("CP1030", "patients[1].unavailable_dates[0]")],
        },
        Breakage {
            name: "ward beds date",
            apply: |r| r.ward_beds[0].date = "Monday".into(),
            expected: &[("CP1030", "ward_beds[0].date")],
        },
        Breakage {
            name: "start time",
            apply: |r| r.sessions[0].start_time = "8.30".into(),
            expected: &[("CP1031", "sessions[0].start_time")],
        },
        Breakage {
            name: "end time",
            apply: |r| r.sessions[1].end_time = "25:00".into(),
            expected: &[("CP1031", "sessions[1].end_time")],
        },
    ]);
}

#[test]
fn sessions_ending_before_they_start_or_overlapping_are_named() {
    run_all(&[
        Breakage {
            name: "ends before it starts",
            apply: |r| {
                r.sessions[0].start_time = "12:30".into();
                r.sessions[0].end_time = "08:30".into();
            },
            expected: &[("CP1032", "sessions[0].end_time")],
        },
        Breakage {
            name: "ends as it starts",
            apply: |r| {
                r.sessions[1].start_time = "09:00".into();
                r.sessions[1].end_time = "09:00".into();
            },
            expected: &[("CP1032", "sessions[1].end_time")],
        },
        Breakage {
            // S4 starts in T1 at 12:00 on day 0, while S1 runs there until 12:30.
            name: "overlap in one theatre",
            apply: |r| {
                r.sessions
                    .push(session("S4", "T1", 0, "12:00", "14:00", "ORTHO", "K3"))
            },
            expected: &[("CP1034", "sessions[3].start_time")],
        },
        Breakage {
            // S4 in T2 at 14:00 on day 1, while K3 operates in T1 from 13:30 to 17:30.
            name: "overlap for one surgeon",
            apply: |r| {
                r.sessions
                    .push(session("S4", "T2", 1, "14:00", "16:00", "ORTHO", "K3"))
            },
            expected: &[("CP1035", "sessions[3].start_time")],
        },
        Breakage {
            name: "after the horizon",
            apply: |r| r.sessions[2].date = day(3),
            expected: &[("CP1033", "sessions[2].date")],
        },
        Breakage {
            name: "before the planning start",
            apply: |r| r.sessions[0].date = "2026-03-01".into(),
            expected: &[("CP1033", "sessions[0].date")],
        },
    ]);
}

#[test]
fn non_positive_durations_and_missing_priorities_are_named() {
    run_all(&[
        Breakage {
            name: "zero-minute case",
            apply: |r| r.patients[0].expected_duration_min = 0,
            expected: &[("CP1040", "patients[0].expected_duration_min")],
        },
        Breakage {
            name: "surgeon with no minutes",
            apply: |r| r.surgeons[1].max_minutes_per_day = 0,
            expected: &[("CP1040", "surgeons[1].max_minutes_per_day")],
        },
        Breakage {
            name: "unspecified priority",
            apply: |r| r.patients[2].priority = proto::Priority::Unspecified as i32,
            expected: &[("CP1042", "patients[2].priority")],
        },
        Breakage {
            name: "unknown priority",
            apply: |r| r.patients[3].priority = 7,
            expected: &[("CP1042", "patients[3].priority")],
        },
    ]);
    // A zero-day horizon also puts every session outside it.
    let harness = Harness::start();
    let mut request = valid_request();
    request.horizon_days = 0;
    let got = violations(&harness, "zero horizon", &request);
    assert!(
        got.contains(&("CP1002".to_string(), "horizon_days".to_string())),
        "{got:?}"
    );
}

#[test]
fn pins_that_break_a_rule_are_errors_not_silent_drops() {
    run_all(&[
        Breakage {
            name: "other specialty",
            apply: |r| r.pinned = vec![pin("P3", "S1")],
            expected: &[("CP1061", "pinned[0].session_id")],
        },
        Breakage {
            name: "other surgeon than the named one",
            apply: |r| r.pinned = vec![pin("P2", "S2")],
            expected: &[("CP1061", "pinned[0].session_id")],
        },
        Breakage {
            name: "patient unavailable that day",
            apply: |r| {
                r.patients[0].unavailable_dates = vec![day(0)];
                r.pinned = vec![pin("P1", "S1")];
            },
            expected: &[("CP1061", "pinned[0].session_id")],
        },
        Breakage {
            // 200 + 15 + 100 + 15 = 330 > 240 + 15.
            name: "pins overfill the session",
            apply: |r| {
                r.patients[0].expected_duration_min = 200;
                r.patients[3].expected_duration_min = 100;
                r.pinned = vec![pin("P1", "S1"), pin("P4", "S1")];
            },
            expected: &[("CP1062", "pinned[1]")],
        },
        Breakage {
            name: "pinned inpatient with no free bed",
            apply: |r| {
                r.ward_beds[0].free_beds = 0;
                r.patients[0].length_of_stay_days = 2;
                r.pinned = vec![pin("P1", "S1")];
            },
            expected: &[("CP1062", "pinned[0]")],
        },
        Breakage {
            name: "one patient pinned twice",
            apply: |r| r.pinned = vec![pin("P1", "S1"), pin("P1", "S2")],
            expected: &[("CP1060", "pinned[1].patient_id")],
        },
    ]);
}

#[test]
fn every_problem_of_a_request_is_listed() {
    let harness = Harness::start();
    let mut request = valid_request();
    request.sessions[0].theatre_id = "T9".into();
    request.sessions[1].start_time = "12:30".into();
    request.sessions[1].end_time = "08:30".into();
    request.patients[1].listed_date = "2026-13-01".into();
    request.patients[2].priority = proto::Priority::Unspecified as i32;
    request.patients[3].id = "P1".into();
    request.pinned = vec![pin("P2", "S9")];
    assert_rejected(
        &harness,
        "several problems",
        &request,
        &[
            ("CP1020", "sessions[0].theatre_id"),
            ("CP1032", "sessions[1].end_time"),
            ("CP1030", "patients[1].listed_date"),
            ("CP1042", "patients[2].priority"),
            ("CP1011", "patients[3].id"),
            ("CP1020", "pinned[0].session_id"),
        ],
    );
}

#[test]
fn an_empty_request_is_invalid_not_a_crash() {
    let harness = Harness::start();
    let got = violations(
        &harness,
        "empty",
        &proto::PlanTheatreListsRequest::default(),
    );
    let fields: BTreeSet<&str> = got.iter().map(|(_, f)| f.as_str()).collect();
    assert!(fields.contains("planning_start"), "{got:?}");
    assert!(fields.contains("horizon_days"), "{got:?}");
}
