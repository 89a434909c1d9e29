//! Tests of the tests' oracle: the independent checker accepts a hand-written valid plan
//! and finds each rule broken on purpose. No server is involved; a checker that let
//! everything through would otherwise make every other test pass.

use clinicplan_service::proto;

use crate::support::build::*;
use crate::support::checker::check;
use crate::support::model::Model;

/// GEN (turnaround 15) and ORTHO (20); T1 without kit, T2 with the robot; K1 (GEN,
/// 200 minutes a day) has S1 (T1, day 0, 08:00–12:00) and S2 (T2, day 0, 13:00–17:00);
/// K2 (ORTHO, on leave on day 1) has S3 (T2, day 1, 08:00–12:00). One free bed on day 0.
fn request_under_test() -> proto::PlanTheatreListsRequest {
    let mut request = request(2);
    request.specialties = vec![specialty("GEN", 15), specialty("ORTHO", 20)];
    request.theatres = vec![theatre("T1", &[]), theatre("T2", &["robot"])];
    request.surgeons = vec![
        surgeon("K1", "GEN", 200),
        proto::Surgeon {
            unavailable_dates: vec![day(1)],
            ..surgeon("K2", "ORTHO", 480)
        },
    ];
    request.sessions = vec![
        session("S1", "T1", 0, "08:00", "12:00", "GEN", "K1"),
        session("S2", "T2", 0, "13:00", "17:00", "GEN", "K1"),
        session("S3", "T2", 1, "08:00", "12:00", "ORTHO", "K2"),
    ];
    request.patients = vec![
        patient("A", "GEN", 90, P2, 10),
        patient("B", "GEN", 90, P3, 20),
        proto::Patient {
            equipment: vec!["robot".into()],
            ..patient("C", "GEN", 90, P4, 30)
        },
        patient("D", "ORTHO", 60, P3, 40),
        proto::Patient {
            length_of_stay_days: 2,
            ..patient("E", "GEN", 60, P1, 1)
        },
        proto::Patient {
            flags: vec![proto::CaseFlag::LatexAllergy as i32],
            ..patient("F", "GEN", 30, P3, 50)
        },
    ];
    request.ward_beds = vec![beds(0, 1)];
    request
}

fn clock(min: i64) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Writes the response a correct service would give for these lists (cases in the order
/// given, back to back from each session's start), with every other patient waiting.
fn write_plan(
    request: &proto::PlanTheatreListsRequest,
    lists: &[(&str, &[&str])],
) -> proto::PlanTheatreListsResponse {
    let model = Model::new(request).expect("a readable request");
    let mut response = proto::PlanTheatreListsResponse::default();
    let mut placed = vec![None; model.patients.len()];
    let mut used_total = 0;
    for &(session_id, patient_ids) in lists {
        let list = write_list(&model, session_id, patient_ids, &mut placed);
        used_total += i64::from(list.used_minutes);
        response.sessions.push(list);
    }
    let mut metrics = proto::PlanMetrics {
        nothing_scheduled_cost: model.nothing_scheduled_cost(),
        session_minutes: model.sessions.iter().map(|s| s.length_min as u32).sum(),
        ..Default::default()
    };
    metrics.utilisation = used_total as f64 / f64::from(metrics.session_minutes);
    let mut by_priority = [(0u32, 0u32); 4];
    for (p, patient) in model.patients.iter().enumerate() {
        metrics.weighted_wait += model.cost(p, placed[p]);
        if placed[p].is_some() {
            metrics.patients_scheduled += 1;
            metrics.minutes_scheduled += patient.duration_min as u32;
            by_priority[patient.priority_idx].0 += 1;
        } else {
            metrics.patients_unscheduled += 1;
            by_priority[patient.priority_idx].1 += 1;
            response.unscheduled.push(proto::Unscheduled {
                patient_id: patient.patient.id.clone(),
                reason: model.expected_reason(p) as i32,
                detail: "waits".into(),
                priority: patient.patient.priority,
                eligible_sessions: model.eligible(p).len() as u32,
            });
        }
    }
    metrics.by_priority = by_priority
        .iter()
        .enumerate()
        .map(|(r, &(scheduled, waiting))| proto::PriorityCount {
            priority: r as i32 + 1,
            scheduled,
            waiting,
        })
        .collect();
    response.solve = Some(proto::SolveSummary {
        status: proto::SolveStatus::Feasible as i32,
        objective: metrics.weighted_wait,
        best_bound: 0.0,
        gap: metrics.weighted_wait / metrics.nothing_scheduled_cost,
        source: proto::PlanSource::Constructive as i32,
        bound_source: "trivial".into(),
        ..Default::default()
    });
    response.metrics = Some(metrics);
    response
}

/// The list of session `session_id`: the patients back to back from its start, each
/// placed there in `placed`.
fn write_list(
    model: &Model,
    session_id: &str,
    patient_ids: &[&str],
    placed: &mut [Option<usize>],
) -> proto::SessionPlan {
    let s = model.session_idx[session_id];
    let session = &model.sessions[s];
    let mut cursor = session.start_min;
    let mut end = session.start_min;
    let mut cases = Vec::new();
    for &pid in patient_ids {
        let p = model.patient_idx[pid];
        let patient = &model.patients[p];
        end = cursor + patient.duration_min;
        cases.push(proto::Case {
            patient_id: pid.into(),
            start_time: clock(cursor),
            end_time: clock(end),
            procedure: patient.patient.procedure.clone(),
            priority: patient.patient.priority,
            duration_min: patient.duration_min as u32,
            pinned: model.pins.contains(&(p, s)),
            state: 0,
        });
        cursor = end + session.turnaround_min;
        placed[p] = Some(s);
    }
    let used = end - session.start_min;
    proto::SessionPlan {
        session_id: session_id.into(),
        theatre_id: session.session.theatre_id.clone(),
        date: session.session.date.clone(),
        surgeon_id: session.session.surgeon_id.clone(),
        specialty: session.session.specialty.clone(),
        start_time: session.session.start_time.clone(),
        end_time: session.session.end_time.clone(),
        cases,
        used_minutes: used as u32,
        utilisation: used as f64 / session.length_min as f64,
    }
}

/// The valid plan: F (latex allergy) first, then A and E in S1: K1 operates 180 of his
/// 200 minutes, S1 holds 225 of its 255, E takes the one bed. B and C wait (outranked),
/// D waits (its only session falls on its surgeon's leave).
const VALID: &[(&str, &[&str])] = &[("S1", &["F", "A", "E"]), ("S2", &[])];

#[track_caller]
fn assert_finds(
    request: &proto::PlanTheatreListsRequest,
    response: &proto::PlanTheatreListsResponse,
    needle: &str,
) {
    let violations = check(request, response).violations;
    assert!(
        violations.iter().any(|v| v.contains(needle)),
        "expected a violation mentioning {needle:?}, got {violations:#?}"
    );
}

#[test]
fn the_checker_accepts_a_valid_plan_and_recomputes_its_figures() {
    let request = request_under_test();
    let response = write_plan(&request, VALID);
    let report = check(&request, &response);
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert_eq!(report.recomputed.patients_scheduled, 3);
    assert_eq!(report.recomputed.minutes_scheduled, 180);
    assert_eq!(report.recomputed.scheduled_by_priority, [1, 1, 1, 0]);
    // u: A 4 × (1 + 10/28), E 10 × (1 + 1/3), F 2 × (1 + 50/90) on day 0 (× 1);
    // B 2 × (1 + 20/90), C 1 × (1 + 30/126), D 2 × (1 + 40/90) waiting (× 9).
    let expected = 4.0 * (1.0 + 10.0 / 28.0)
        + 10.0 * (1.0 + 1.0 / 3.0)
        + 2.0 * (1.0 + 50.0 / 90.0)
        + 9.0 * (2.0 * (1.0 + 20.0 / 90.0) + (1.0 + 30.0 / 126.0) + 2.0 * (1.0 + 40.0 / 90.0));
    assert!(crate::support::close(
        report.recomputed.weighted_wait,
        expected
    ));
}

#[test]
fn the_checker_finds_broken_per_pair_rules() {
    let request = request_under_test();
    // D (ORTHO) in a GEN session.
    assert_finds(
        &request,
        &write_plan(&request, &[("S2", &["D"])]),
        "Specialty rule",
    );
    // C needs the robot, which T1 lacks.
    assert_finds(
        &request,
        &write_plan(&request, &[("S1", &["C"])]),
        "Equipment rule",
    );
    // D's only session falls on K2's leave.
    assert_finds(
        &request,
        &write_plan(&request, &[("S3", &["D"])]),
        "Unavailable rule",
    );
    // A named to K2 cannot be in K1's session.
    let mut named = request_under_test();
    named.patients[0].surgeon_id = "K2".into();
    assert_finds(
        &named,
        &write_plan(&named, &[("S1", &["A"])]),
        "Surgeon rule",
    );
    // A 90-minute case for a surgeon allowed 80 minutes a day.
    let mut short_day = request_under_test();
    short_day.surgeons[0].max_minutes_per_day = 80;
    assert_finds(
        &short_day,
        &write_plan(&short_day, &[("S1", &["A"])]),
        "TooLong rule",
    );
}

#[test]
fn the_checker_finds_overrun_capacities() {
    let request = request_under_test();
    // S1 overfilled: 225 + 105 > 255.
    assert_finds(
        &request,
        &write_plan(&request, &[("S1", &["F", "A", "E", "B"])]),
        "Σ(duration + turnaround)",
    );
    // K1 over his 200 minutes across S1 and S2: 180 + 90.
    assert_finds(
        &request,
        &write_plan(&request, &[("S1", &["F", "A", "E"]), ("S2", &["B"])]),
        "surgeon K1 operates 270 min",
    );
    // No free bed on day 0 for E.
    let mut no_beds = request_under_test();
    no_beds.ward_beds[0].free_beds = 0;
    assert_finds(
        &no_beds,
        &write_plan(&no_beds, VALID),
        "inpatients need a bed",
    );
    // A bed held on the second night: E (2 nights from day 0) holds day 1 too.
    let mut day1 = request_under_test();
    day1.ward_beds = vec![beds(1, 0)];
    assert_finds(&day1, &write_plan(&day1, VALID), "need a bed on 2026-03-03");
}

#[test]
fn the_checker_finds_bad_timing_and_order() {
    let request = request_under_test();
    // Latex allergy after an unflagged case.
    assert_finds(
        &request,
        &write_plan(&request, &[("S1", &["A", "F"])]),
        "flag rank",
    );
    let valid = write_plan(&request, VALID);
    // A case started 5 minutes late.
    let mut late = valid.clone();
    late.sessions[0].cases[1].start_time = "08:50".into();
    late.sessions[0].cases[1].end_time = "10:20".into();
    assert_finds(&request, &late, "starts 08:50, expected 08:45");
    // A case shorter than its duration.
    let mut short = valid.clone();
    short.sessions[0].cases[1].end_time = "10:00".into();
    assert_finds(&request, &short, "is not its 90 minutes");
    // The used minutes misreported.
    let mut used = valid.clone();
    used.sessions[0].used_minutes += 1;
    assert_finds(&request, &used, "used_minutes");
    // The session's echoed details changed.
    let mut echo = valid;
    echo.sessions[0].theatre_id = "T2".into();
    assert_finds(&request, &echo, "theatre_id is 'T2'");
}

#[test]
fn the_checker_finds_lost_doubled_and_unkept_patients() {
    let request = request_under_test();
    let valid = write_plan(&request, VALID);
    let mut lost = valid.clone();
    lost.unscheduled.retain(|u| u.patient_id != "B");
    assert_finds(
        &request,
        &lost,
        "patient B is neither in a list nor waiting",
    );
    let mut both = valid.clone();
    both.unscheduled.push(proto::Unscheduled {
        patient_id: "A".into(),
        reason: proto::UnscheduledReason::Outranked as i32,
        ..Default::default()
    });
    assert_finds(
        &request,
        &both,
        "patient A is both in session S1 and waiting",
    );
    assert_finds(
        &request,
        &write_plan(&request, &[("S1", &["A"]), ("S2", &["A"])]),
        "also in session",
    );
    let mut pinned = request_under_test();
    pinned.pinned = vec![pin("B", "S2")];
    assert_finds(&pinned, &write_plan(&pinned, VALID), "pinned to session S2");
    let mut unknown = valid;
    unknown.sessions[1].session_id = "S9".into();
    assert_finds(&request, &unknown, "unknown session 'S9'");
}

#[test]
fn the_checker_finds_wrong_explanations_metrics_and_summary() {
    let request = request_under_test();
    let valid = write_plan(&request, VALID);
    let d = valid
        .unscheduled
        .iter()
        .position(|u| u.patient_id == "D")
        .expect("D waits");

    let mut reason = valid.clone();
    reason.unscheduled[d].reason = proto::UnscheduledReason::Outranked as i32;
    assert_finds(&request, &reason, "unscheduled D: reason");
    let mut eligible = valid.clone();
    eligible.unscheduled[d].eligible_sessions = 1;
    assert_finds(&request, &eligible, "eligible_sessions 1 ≠ 0");

    let mut wait = valid.clone();
    wait.metrics.as_mut().expect("metrics").weighted_wait += 1.0;
    assert_finds(&request, &wait, "metrics.weighted_wait");
    let mut minutes = valid.clone();
    minutes.metrics.as_mut().expect("metrics").minutes_scheduled = 999;
    assert_finds(&request, &minutes, "metrics.minutes_scheduled");
    let mut counts = valid.clone();
    counts.metrics.as_mut().expect("metrics").by_priority[0].scheduled = 0;
    assert_finds(&request, &counts, "metrics.by_priority P1");

    let mut bound = valid.clone();
    let summary = bound.solve.as_mut().expect("summary");
    summary.best_bound = summary.objective + 1.0;
    assert_finds(&request, &bound, "best_bound");
    let mut objective = valid.clone();
    objective.solve.as_mut().expect("summary").objective -= 1.0;
    assert_finds(&request, &objective, "solve.objective");
    let mut gap = valid;
    gap.solve.as_mut().expect("summary").gap = 0.0;
    assert_finds(&request, &gap, "solve.gap");
}
