//! The page drawn from generated and hand-made plans: every session and case is there,
//! the change marks follow a hand-made previous plan, hostile ids are escaped, and the
//! release candidates are the under-half-booked sessions inside four weeks.

use std::time::Duration;

use clinicplan_solver::theatre::generate::{Family, GeneratorConfig, theatre_request};
use clinicplan_solver::theatre::solve::{NoMip, solve};
use clinicplan_solver::theatre::{TheatreRequest, validate};

use super::*;
use crate::convert::response_to_proto;
use crate::report::review_releases;

/// A generated request over `horizon_days` and its local-search plan.
fn generated(
    horizon_days: u32,
    patients: u32,
) -> (TheatreRequest, proto::PlanTheatreListsResponse) {
    let mut request = theatre_request(&GeneratorConfig {
        horizon_days,
        ..Family::Baseline.week(3, patients, 7)
    });
    request.options.local_search_only = true;
    let instance = validate(&request).expect("a generated request is valid");
    let outcome = solve(&instance, Duration::from_secs(30), &mut NoMip).expect("it plans");
    let response = response_to_proto(&instance, &outcome);
    (request, response)
}

fn draw(
    request: &TheatreRequest,
    plan: &proto::PlanTheatreListsResponse,
    previous: Option<&proto::PlanTheatreListsResponse>,
) -> String {
    let release = ReleaseReview::not_computed("not asked for in this test");
    render_lists(&ListsReport {
        request,
        plan,
        previous,
        release: &release,
    })
    .expect("the plan draws")
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn every_session_and_case_of_a_generated_plan_is_drawn_in_its_week() {
    let (request, plan) = generated(12, 90);
    let html = draw(&request, &plan, None);
    let n_cases: usize = plan.sessions.iter().map(|s| s.cases.len()).sum();
    assert!(
        n_cases > 20,
        "the generated plan schedules cases ({n_cases})"
    );
    assert_eq!(count(&html, "class=\"session\""), plan.sessions.len());
    assert_eq!(count(&html, "class=\"case\""), n_cases);
    for s in &plan.sessions {
        let tag = format!("class=\"session\" data-session-id=\"{}\"", s.session_id);
        assert_eq!(count(&html, &tag), 1, "session {} drawn once", s.session_id);
        for c in &s.cases {
            let tag = format!(
                "class=\"case\" data-patient-id=\"{}\" data-session-id=\"{}\"",
                c.patient_id, s.session_id
            );
            assert_eq!(count(&html, &tag), 1, "case {} drawn once", c.patient_id);
        }
    }
    // Twelve days from Monday 2 March 2026: the weeks of 2 and 9 March.
    assert_eq!(count(&html, "<section class=\"week\""), 2);
    assert!(html.contains("id=\"week-2026-03-02\"") && html.contains("id=\"week-2026-03-09\""));
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("data-change="),
        "no previous plan, no change marks"
    );
    // Every patient left waiting is counted beside the panels.
    let waiting = format!("Left waiting: {}</h2>", plan.unscheduled.len());
    assert!(html.contains(&waiting));
}

/// Moves `patient` to `session` in `plan` (start time unchanged).
fn move_case(plan: &mut proto::PlanTheatreListsResponse, patient: &str, session: &str) {
    let mut taken = None;
    for s in &mut plan.sessions {
        if let Some(idx) = s.cases.iter().position(|c| c.patient_id == patient) {
            taken = Some(s.cases.remove(idx));
        }
    }
    let case = taken.expect("the patient is scheduled");
    let to = plan.sessions.iter_mut().find(|s| s.session_id == session);
    to.expect("the session exists").cases.push(case);
}

#[test]
fn moved_new_and_displaced_cases_are_marked_against_a_hand_made_previous_plan() {
    let (request, plan) = generated(5, 60);
    let busy: Vec<&proto::SessionPlan> = plan
        .sessions
        .iter()
        .filter(|s| s.cases.len() >= 2)
        .collect();
    assert!(busy.len() >= 2, "two sessions with two cases or more");
    let moved = busy[0].cases[0].patient_id.clone();
    let new = busy[1].cases[1].patient_id.clone();
    let mut previous = plan.clone();
    // In the previous plan: `moved` was in another session, `new` was not scheduled,
    // and a patient not in this plan was.
    move_case(&mut previous, &moved, &busy[1].session_id);
    for s in &mut previous.sessions {
        s.cases.retain(|c| c.patient_id != new);
    }
    let mut gone = busy[0].cases[0].clone();
    gone.patient_id = "PT-GONE".to_string();
    previous.sessions[0].cases.push(gone);

    let html = draw(&request, &plan, Some(&previous));
    assert_eq!(count(&html, "data-change=\"moved\""), 1);
    assert_eq!(count(&html, "data-change=\"new\""), 1);
    let moved_tag = format!(
        "data-patient-id=\"{moved}\" data-session-id=\"{}\"",
        busy[0].session_id
    );
    let at = html.find(&moved_tag).expect("the moved case is drawn");
    let end = at + html[at..].find("</g>").expect("its group closes");
    assert!(html[at..end].contains("data-change=\"moved\""));
    assert!(html[at..end].contains(&format!("moved from {}", busy[1].session_id)));
    assert!(html.contains("Displaced since the previous plan: 1"));
    assert!(html.contains("data-patient-id=\"PT-GONE\""));
    assert!(
        html.contains("moved since the previous plan"),
        "the legend explains it"
    );
}

#[test]
fn hostile_ids_and_names_are_escaped() {
    let (mut request, mut plan) = generated(5, 30);
    let hostile = "<script>alert(\"x\")</script>";
    plan.sessions[0].session_id = hostile.to_string();
    let s = plan
        .sessions
        .iter_mut()
        .find(|s| !s.cases.is_empty())
        .expect("a case");
    s.cases[0].patient_id = hostile.to_string();
    s.cases[0].procedure = "a & b <i>".to_string();
    request.theatres[0].name = "<img src=x onerror=alert(1)>".to_string();
    if let Some(u) = plan.unscheduled.first_mut() {
        u.patient_id = hostile.to_string();
    }
    let html = draw(&request, &plan, None);
    assert!(!html.contains("<script"), "no script tag gets through");
    assert!(!html.contains("<img"), "no markup from a theatre name");
    assert!(!html.contains("<i>"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(html.contains("a &amp; b &lt;i&gt;"));
}

#[test]
fn a_locked_case_has_a_thick_border_and_a_padlock() {
    let (request, mut plan) = generated(5, 30);
    let s = plan
        .sessions
        .iter_mut()
        .find(|s| !s.cases.is_empty())
        .expect("a case");
    s.cases[0].pinned = true;
    let html = draw(&request, &plan, None);
    assert_eq!(count(&html, "data-locked=\"true\""), 1);
    // One padlock in the legend, one on the case.
    assert_eq!(count(&html, "class=\"lock\""), 2);
}

/// A one-theatre request from Monday 2 March 2026 over 35 days with the given sessions
/// (id, date, used minutes of 08:00–12:00).
fn hand_made(sessions: &[(&str, &str, u32)]) -> (TheatreRequest, proto::PlanTheatreListsResponse) {
    let mut request = TheatreRequest {
        planning_start: "2026-03-02".to_string(),
        horizon_days: 35,
        ..TheatreRequest::default()
    };
    request
        .theatres
        .push(clinicplan_solver::theatre::input::TheatreInput {
            id: "T1".to_string(),
            name: "Theatre 1".to_string(),
            equipment: vec![],
        });
    let plan = proto::PlanTheatreListsResponse {
        sessions: sessions
            .iter()
            .map(|&(id, date, used)| proto::SessionPlan {
                session_id: id.to_string(),
                theatre_id: "T1".to_string(),
                date: date.to_string(),
                start_time: "08:00".to_string(),
                end_time: "12:00".to_string(),
                used_minutes: used,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    (request, plan)
}

#[test]
fn release_candidates_are_under_half_booked_sessions_inside_four_weeks() {
    let (request, plan) = hand_made(&[
        ("empty-day-0", "2026-03-02", 0),
        ("half-day-1", "2026-03-03", 120),
        ("low-day-27", "2026-03-29", 119),
        ("empty-day-28", "2026-03-30", 0),
        ("full-day-2", "2026-03-04", 240),
    ]);
    let ids = release_candidates(&request, &plan).expect("the plan parses");
    assert_eq!(ids, ["empty-day-0", "low-day-27"]);
    let html = draw(&request, &plan, None);
    // Five weeks from Monday 2 March to Sunday 5 April.
    assert_eq!(count(&html, "<section class=\"week\""), 5);
    assert!(html.contains("<tr data-session-id=\"empty-day-0\">"));
    assert!(html.contains("<tr data-session-id=\"low-day-27\">"));
    assert!(!html.contains("<tr data-session-id=\"empty-day-28\">"));
    assert!(html.contains("not computed: not asked for in this test"));
}

#[test]
fn a_malformed_time_is_an_error_naming_the_field() {
    let (request, mut plan) = hand_made(&[("s", "2026-03-02", 0)]);
    plan.sessions[0].end_time = "noon".to_string();
    let release = ReleaseReview::not_computed("test");
    let err = render_lists(&ListsReport {
        request: &request,
        plan: &plan,
        previous: None,
        release: &release,
    })
    .expect_err("the time does not parse");
    assert_eq!(
        err.to_string(),
        "sessions[0].end_time is not a clock time (HH:MM): \"noon\""
    );
}

#[test]
fn releasing_a_session_is_costed_by_re_solving_unless_it_has_locked_cases() {
    let (mut request, plan) = generated(5, 25);
    let candidates = release_candidates(&request, &plan).expect("parses");
    assert!(
        candidates.len() >= 2,
        "a light week has under-booked sessions"
    );
    let review = review_releases(&request, &plan).expect("parses");
    for id in &candidates {
        assert!(
            matches!(review.costs.get(id), Some(ReleaseCost::Computed { .. })),
            "{id}: {:?}",
            review.costs.get(id)
        );
    }
    assert_eq!(review.method, crate::report::RELEASE_METHOD);
    // A session with a locked case (here a case it already has) is not released; the
    // others still are costed.
    let (locked, patient) = plan
        .sessions
        .iter()
        .filter(|s| candidates.contains(&s.session_id))
        .find_map(|s| Some((s.session_id.clone(), s.cases.first()?.patient_id.clone())))
        .expect("an under-booked session with a case");
    request
        .pinned
        .push(clinicplan_solver::theatre::input::BookingInput {
            patient_id: patient,
            session_id: locked.clone(),
        });
    let review = review_releases(&request, &plan).expect("parses");
    assert_eq!(
        review.costs.get(&locked),
        Some(&ReleaseCost::NotComputed(
            "locked cases are booked in it".to_string()
        ))
    );
    for id in candidates.iter().filter(|id| **id != locked) {
        assert!(matches!(
            review.costs.get(id),
            Some(ReleaseCost::Computed { .. })
        ));
    }
}
