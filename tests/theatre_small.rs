//! Hand-made cases whose optimum is worked out in the comments, one hard rule at a time.
//!
//! Reminders for the arithmetic: u = w × (1 + waited / T) with w = 10, 4, 2, 1 and
//! T = 3, 28, 90, 126 days for P1..P4; a patient on day index d costs u × (d + 1), one
//! left waiting costs u × (horizon + 7). Every case also goes through the independent
//! checker, and its optimum is confirmed by brute force.

use clinicplan_service::proto;
use clinicplan_service::proto::UnscheduledReason as Reason;

use crate::support::build::*;
use crate::support::{
    Harness, assert_objective, brute, case_of, close, metrics, plan_valid, reason_of, session_of,
    solve, status,
};

/// Asserts that brute force agrees with the optimum worked out by hand, so that the
/// hand arithmetic and the brute force check each other.
#[track_caller]
fn assert_brute_force(request: &proto::PlanTheatreListsRequest, expected: f64) {
    let optimum = brute::optimum(request);
    assert!(
        close(optimum.weighted_wait, expected),
        "brute force finds {}, the hand calculation {expected}",
        optimum.weighted_wait
    );
}

fn unscheduled_detail<'r>(
    response: &'r proto::PlanTheatreListsResponse,
    patient_id: &str,
) -> &'r proto::Unscheduled {
    response
        .unscheduled
        .iter()
        .find(|u| u.patient_id == patient_id)
        .expect("the patient waits")
}

#[test]
fn two_patients_compete_for_one_short_session() {
    // One 120-minute session on day 1 (turnaround 15): room for Σ(d + 15) ≤ 135, so one
    // 90-minute case only. A (P3, waited 90) has u = 2 × (1 + 90/90) = 4; B (P3, waited
    // 0) has u = 2. Horizon 2: waiting costs u × 9.
    //   A in, B waits: 4 × 2 + 2 × 9 = 26.   B in, A waits: 2 × 2 + 4 × 9 = 40.
    // Nobody: 6 × 9 = 54. Optimum 26 with A from 08:00 to 09:30.
    let mut request = request(2);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 480)];
    request.sessions = vec![session("S1", "T1", 1, "08:00", "10:00", "GEN", "K1")];
    request.patients = vec![
        patient("A", "GEN", 90, P3, 90),
        patient("B", "GEN", 90, P3, 0),
    ];
    assert_brute_force(&request, 26.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "two_patients_compete", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 26.0);
    assert!(close(metrics(&response).nothing_scheduled_cost, 54.0));
    assert!(solve(&response).best_bound <= 26.0 + 1e-6);
    let a = case_of(&response, "A").expect("A is scheduled");
    assert_eq!(
        (a.start_time.as_str(), a.end_time.as_str()),
        ("08:00", "09:30")
    );
    assert_eq!(session_of(&response, "A").as_deref(), Some("S1"));
    assert_eq!(reason_of(&response, "B"), Some(Reason::Outranked));
    assert_eq!(unscheduled_detail(&response, "B").eligible_sessions, 1);
}

#[test]
fn the_more_urgent_patient_gets_the_earlier_session() {
    // Two one-case sessions, day 0 and day 2 (120 minutes, turnaround 15, 90-minute
    // cases). A is a fresh P1 (u = 10), B a fresh P4 (u = 1). Horizon 3.
    //   A day 0, B day 2: 10 × 1 + 1 × 3 = 13.   B day 0, A day 2: 1 + 30 = 31.
    // Optimum 13.
    let mut request = request(3);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 480)];
    request.sessions = vec![
        session("S0", "T1", 0, "08:00", "10:00", "GEN", "K1"),
        session("S2", "T1", 2, "08:00", "10:00", "GEN", "K1"),
    ];
    request.patients = vec![
        patient("A", "GEN", 90, P1, 0),
        patient("B", "GEN", 90, P4, 0),
    ];
    assert_brute_force(&request, 13.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "urgent_patient_earlier", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 13.0);
    assert_eq!(session_of(&response, "A").as_deref(), Some("S0"));
    assert_eq!(session_of(&response, "B").as_deref(), Some("S2"));
}

#[test]
fn a_named_surgeon_is_kept_and_missing_sessions_are_explained() {
    // GEN sessions: S1 on day 0 with K1, S2 on day 2 with K2; K3 has no session; ORTHO
    // has no session at all. Horizon 3: waiting costs u × 10.
    //   X (P2, waited 28: u = 4 × 2 = 8) is named to K2, so S2: 8 × 3 = 24 (S1 would be 8).
    //   W (P3, fresh: u = 2), anyone: S1 on day 0: 2.
    //   Y (P3, fresh: u = 2) is named to K3, who has no session: waits, 20.
    //   Z (ORTHO P4, fresh: u = 1): no ORTHO session, waits, 10.
    // Optimum 24 + 2 + 20 + 10 = 56.
    let mut request = request(3);
    request.specialties = vec![specialty("GEN", 15), specialty("ORTHO", 20)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &[])];
    request.surgeons = vec![
        surgeon("K1", "GEN", 480),
        surgeon("K2", "GEN", 480),
        surgeon("K3", "GEN", 480),
        surgeon("K4", "ORTHO", 480),
    ];
    request.sessions = vec![
        session("S1", "T1", 0, "08:30", "12:30", "GEN", "K1"),
        session("S2", "T2", 2, "08:30", "12:30", "GEN", "K2"),
    ];
    request.patients = vec![
        proto::Patient {
            surgeon_id: "K2".into(),
            ..patient("X", "GEN", 120, P2, 28)
        },
        patient("W", "GEN", 60, P3, 0),
        proto::Patient {
            surgeon_id: "K3".into(),
            ..patient("Y", "GEN", 60, P3, 0)
        },
        patient("Z", "ORTHO", 60, P4, 0),
    ];
    assert_brute_force(&request, 56.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "named_surgeon", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 56.0);
    assert_eq!(session_of(&response, "X").as_deref(), Some("S2"));
    assert_eq!(session_of(&response, "W").as_deref(), Some("S1"));
    assert_eq!(
        reason_of(&response, "Y"),
        Some(Reason::NoSessionWithSurgeon)
    );
    assert_eq!(
        reason_of(&response, "Z"),
        Some(Reason::NoSessionForSpecialty)
    );
    assert_eq!(unscheduled_detail(&response, "Y").eligible_sessions, 0);
}

#[test]
fn equipment_sends_a_case_to_the_theatre_that_has_it() {
    // S1 (day 0) is in T1 without kit; S2 (day 1) is in T2 with the robot. Horizon 2:
    // waiting costs u × 9.
    //   R (P3, fresh: u = 2) needs the robot: S2 on day 1: 4 (S1 would be 2).
    //   Q (P3, fresh: u = 2) needs a laser, which no theatre has: waits, 18.
    //   N (P4, waited 126: u = 2) needs nothing: S1 on day 0: 2.
    // Optimum 4 + 18 + 2 = 24.
    let mut request = request(2);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &["robot"])];
    request.surgeons = vec![surgeon("K1", "GEN", 480), surgeon("K2", "GEN", 480)];
    request.sessions = vec![
        session("S1", "T1", 0, "08:30", "12:30", "GEN", "K1"),
        session("S2", "T2", 1, "08:30", "12:30", "GEN", "K2"),
    ];
    request.patients = vec![
        proto::Patient {
            equipment: vec!["robot".into()],
            ..patient("R", "GEN", 120, P3, 0)
        },
        proto::Patient {
            equipment: vec!["laser".into()],
            ..patient("Q", "GEN", 60, P3, 0)
        },
        patient("N", "GEN", 60, P4, 126),
    ];
    assert_brute_force(&request, 24.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "equipment", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 24.0);
    assert_eq!(session_of(&response, "R").as_deref(), Some("S2"));
    assert_eq!(session_of(&response, "N").as_deref(), Some("S1"));
    assert_eq!(
        reason_of(&response, "Q"),
        Some(Reason::NoTheatreWithEquipment)
    );
}

#[test]
fn leave_unavailability_and_length_keep_cases_out() {
    // K1 (daily maximum 180) is on leave on day 0, when S1 runs; S2 runs on day 1.
    // Both sessions are 240 minutes. Horizon 2: waiting costs u × 9.
    //   A (P2, fresh: u = 4), unavailable on day 1: S1 is the surgeon's leave, S2 the
    //     patient's: waits (unavailable), 36.
    //   B (P3, fresh: u = 2): not S1 (leave), so S2 on day 1: 4.
    //   C (P3, fresh: u = 2), 200 minutes: fits a session but not K1's 180: too long, 18.
    //   D (P4, fresh: u = 1), 300 minutes: longer than any session: too long, 9.
    // Optimum 36 + 4 + 18 + 9 = 67.
    let mut request = request(2);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![proto::Surgeon {
        unavailable_dates: vec![day(0)],
        ..surgeon("K1", "GEN", 180)
    }];
    request.sessions = vec![
        session("S1", "T1", 0, "08:30", "12:30", "GEN", "K1"),
        session("S2", "T1", 1, "08:30", "12:30", "GEN", "K1"),
    ];
    request.patients = vec![
        proto::Patient {
            unavailable_dates: vec![day(1)],
            ..patient("A", "GEN", 60, P2, 0)
        },
        patient("B", "GEN", 60, P3, 0),
        patient("C", "GEN", 200, P3, 0),
        patient("D", "GEN", 300, P4, 0),
    ];
    assert_brute_force(&request, 67.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "leave", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 67.0);
    assert_eq!(session_of(&response, "B").as_deref(), Some("S2"));
    assert_eq!(reason_of(&response, "A"), Some(Reason::Unavailable));
    assert_eq!(reason_of(&response, "C"), Some(Reason::TooLong));
    assert_eq!(reason_of(&response, "D"), Some(Reason::TooLong));
}

#[test]
fn a_surgeons_daily_maximum_spans_their_sessions() {
    // K1 has a morning list in T1 and an afternoon list in T2 on day 0 (240 minutes
    // each, turnaround 10: two 90-minute cases fit in each), but may operate only 200
    // minutes that day: two of the three 90-minute cases. Horizon 1: waiting costs u × 8.
    //   A (P2, waited 56: u = 4 × 3 = 12), B (P3, waited 180: u = 2 × 3 = 6), C (P4,
    //   fresh: u = 1).
    //   A and B in: 12 + 6 + 1 × 8 = 26.   A and C in: 12 + 1 + 48 = 61.
    // Optimum 26. (Without the daily maximum all three fit, for 19.)
    let mut request = request(1);
    request.specialties = vec![specialty("GEN", 10)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 200)];
    request.sessions = vec![
        session("AM", "T1", 0, "08:00", "12:00", "GEN", "K1"),
        session("PM", "T2", 0, "13:00", "17:00", "GEN", "K1"),
    ];
    request.patients = vec![
        patient("A", "GEN", 90, P2, 56),
        patient("B", "GEN", 90, P3, 180),
        patient("C", "GEN", 90, P4, 0),
    ];
    assert_brute_force(&request, 26.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "surgeon_daily_maximum", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 26.0);
    assert!(session_of(&response, "A").is_some());
    assert!(session_of(&response, "B").is_some());
    assert_eq!(reason_of(&response, "C"), Some(Reason::Outranked));
}

#[test]
fn ward_beds_limit_inpatients_over_their_whole_stay() {
    // Two 480-minute sessions, day 0 and day 1; one free bed on day 0 and one on day 1
    // (day 2 has no figure). I1 and I2 stay 2 nights, so each holds a bed on its day of
    // surgery and the next: whichever goes first, the other cannot go on day 0 (bed) nor
    // on day 1 (the first one's second night). Only one inpatient gets in. Horizon 2:
    // waiting costs u × 9.
    //   I1 (P2, waited 28: u = 8), I2 (P2, fresh: u = 4), D (P3 day case, fresh: u = 2).
    //   I1 day 0, D day 0, I2 waits: 8 + 2 + 36 = 46.
    //   I2 day 0, D day 0, I1 waits: 4 + 2 + 72 = 78.
    // Optimum 46. (Without the bed rule: 8 + 4 + 2 = 14.)
    let mut request = request(2);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 480)];
    request.sessions = vec![
        session("S0", "T1", 0, "08:00", "16:00", "GEN", "K1"),
        session("S1", "T1", 1, "08:00", "16:00", "GEN", "K1"),
    ];
    request.ward_beds = vec![beds(0, 1), beds(1, 1)];
    request.patients = vec![
        proto::Patient {
            length_of_stay_days: 2,
            ..patient("I1", "GEN", 120, P2, 28)
        },
        proto::Patient {
            length_of_stay_days: 2,
            ..patient("I2", "GEN", 120, P2, 0)
        },
        patient("D", "GEN", 60, P3, 0),
    ];
    assert_brute_force(&request, 46.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "ward_beds", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 46.0);
    assert_eq!(session_of(&response, "I1").as_deref(), Some("S0"));
    assert_eq!(session_of(&response, "D").as_deref(), Some("S0"));
    assert_eq!(reason_of(&response, "I2"), Some(Reason::Outranked));
    assert_eq!(unscheduled_detail(&response, "I2").eligible_sessions, 2);
}

#[test]
fn a_pinned_booking_is_kept_even_when_it_costs_more() {
    // One 120-minute session (turnaround 15) takes one of two 90-minute cases.
    // A (P2, fresh: u = 4), B (P4, fresh: u = 1). Horizon 1: waiting costs u × 8.
    // Free choice: A in, 4 + 8 = 12. With B pinned: 1 + 32 = 33, and A waits.
    let mut request = request(1);
    request.specialties = vec![specialty("GEN", 15)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 480)];
    request.sessions = vec![session("S1", "T1", 0, "08:00", "10:00", "GEN", "K1")];
    request.patients = vec![
        patient("A", "GEN", 90, P2, 0),
        patient("B", "GEN", 90, P4, 0),
    ];
    assert_brute_force(&request, 12.0);
    request.pinned = vec![pin("B", "S1")];
    assert_brute_force(&request, 33.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "pinned", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, 33.0);
    let b = case_of(&response, "B").expect("B stays booked");
    assert!(b.pinned);
    assert_eq!(session_of(&response, "B").as_deref(), Some("S1"));
    assert_eq!(reason_of(&response, "A"), Some(Reason::Outranked));
}

#[test]
fn a_list_runs_in_flag_order_back_to_back() {
    // Five 30-minute ENT cases (turnaround 10) fill 5 × 40 = 200 ≤ 300 + 10 minutes of
    // a 08:00–13:00 list, so all go in: 5 fresh P3 (u = 2) on day 0 cost 10.
    // Order: latex allergy, child, diabetic, unflagged, infected; each starts 10 minutes
    // after the previous one ends: 08:00, 08:40, 09:20, 10:00, 10:40. Used: 190 minutes.
    let flagged = |id: &str, flag: Option<proto::CaseFlag>| proto::Patient {
        flags: flag.map(|f| f as i32).into_iter().collect(),
        ..patient(id, "ENT", 30, P3, 0)
    };
    let mut request = request(1);
    request.specialties = vec![specialty("ENT", 10)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "ENT", 480)];
    request.sessions = vec![session("S1", "T1", 0, "08:00", "13:00", "ENT", "K1")];
    request.patients = vec![
        flagged("INFECTED", Some(proto::CaseFlag::Infected)),
        flagged("PLAIN", None),
        flagged("CHILD", Some(proto::CaseFlag::Paediatric)),
        flagged("LATEX", Some(proto::CaseFlag::LatexAllergy)),
        flagged("DIABETIC", Some(proto::CaseFlag::Diabetic)),
    ];
    assert_brute_force(&request, 10.0);

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "flag_order", &request);
    assert_objective(&response, 10.0);
    let list = response
        .sessions
        .iter()
        .find(|s| s.session_id == "S1")
        .expect("S1 is in the plan");
    let timetable: Vec<(&str, &str, &str)> = list
        .cases
        .iter()
        .map(|c| {
            (
                c.patient_id.as_str(),
                c.start_time.as_str(),
                c.end_time.as_str(),
            )
        })
        .collect();
    assert_eq!(
        timetable,
        vec![
            ("LATEX", "08:00", "08:30"),
            ("CHILD", "08:40", "09:10"),
            ("DIABETIC", "09:20", "09:50"),
            ("PLAIN", "10:00", "10:30"),
            ("INFECTED", "10:40", "11:10"),
        ]
    );
    assert_eq!(list.used_minutes, 190);
    assert!(close(list.utilisation, 190.0 / 300.0));
}

#[test]
fn a_p3_pin_survives_the_p1_count_stage() {
    // Regression: the P1 count stage models only P1 patients and pins, and once dropped
    // the pins of less urgent patients from its plan, so a P3 pin was re-booked
    // elsewhere, the plan failed its own check and the fallback lost a P1.
    // S0 (30 min, day 0), S1 (60 min, day 0), S2 (60 min, day 1), one surgeon.
    // A (P1, 40 min) fits S1 or S2; B (P1, 60 min, unavailable day 1) fits only S1;
    // C (P3, 10 min) is pinned to S2. Both P1 fit only as A → S2, B → S1: the maximum.
    let mut request = request(5);
    request.specialties = vec![specialty("GEN", 0)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 600)];
    request.sessions = vec![
        session("S0", "T1", 0, "08:00", "08:30", "GEN", "K1"),
        session("S1", "T2", 0, "09:00", "10:00", "GEN", "K1"),
        session("S2", "T1", 1, "08:00", "09:00", "GEN", "K1"),
    ];
    let mut b = patient("B", "GEN", 60, P1, 0);
    b.unavailable_dates = vec!["2026-03-03".into()];
    request.patients = vec![
        patient("A", "GEN", 40, P1, 0),
        b,
        patient("C", "GEN", 10, P3, 0),
    ];
    request.pinned = vec![pin("C", "S2")];

    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "p3_pin_and_p1_stage", &request);
    assert_eq!(session_of(&response, "C").as_deref(), Some("S2"));
    assert_eq!(session_of(&response, "A").as_deref(), Some("S2"));
    assert_eq!(session_of(&response, "B").as_deref(), Some("S1"));
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    assert_objective(&response, brute::optimum(&request).weighted_wait);
}
