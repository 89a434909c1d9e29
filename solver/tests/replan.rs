//! Re-planning around a published plan, in process: hand-computed cases where a notified
//! booking moves and where it stays, the objective's two parts, and properties over
//! generated weeks with random previous plans and random changes: LOCKED bookings never
//! move, every new date keeps the minimum notice, the changes add up, and the re-plan is
//! never worse than keeping the previous plan.

use std::time::Duration;

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::domain::{BookingState, Instance};
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::input::*;
use clinicplan_solver::theatre::policy::policy_worse;
use clinicplan_solver::theatre::replan::changes::{ChangeKind, changes};
use clinicplan_solver::theatre::replan::kept_plan;
use clinicplan_solver::theatre::solve::{InProcess, Outcome, solve};
use clinicplan_solver::theatre::{TheatreRequest, validate};
use proptest::prelude::*;

use crate::support;

fn session(id: &str, date: &str) -> SessionInput {
    SessionInput {
        id: id.into(),
        theatre_id: "T1".into(),
        date: date.into(),
        start_time: "08:00".into(),
        end_time: "09:00".into(),
        specialty: "GEN".into(),
        surgeon_id: "S1".into(),
    }
}

fn patient(id: &str, priority: PriorityInput, listed: &str) -> PatientInput {
    PatientInput {
        id: id.into(),
        specialty: "GEN".into(),
        procedure: "hernia repair".into(),
        expected_duration_min: 60,
        priority,
        listed_date: listed.into(),
        ..PatientInput::default()
    }
}

/// Two one-hour sessions, A on day 14 and B on day 35 of a 42-day horizon; X (P4, listed
/// today, u = 1) was booked and notified in A; Y is new and also an hour long.
fn two_sessions(y: PatientInput, move_cost: f64) -> TheatreRequest {
    TheatreRequest {
        sessions: vec![session("A", "2026-03-16"), session("B", "2026-04-06")],
        patients: vec![patient("X", PriorityInput::P4, "2026-03-02"), y],
        specialties: vec![SpecialtyInput {
            code: "GEN".into(),
            turnaround_min: 0,
        }],
        previous_plan: vec![PreviousBookingInput {
            patient_id: "X".into(),
            session_id: "A".into(),
            session_date: "2026-03-16".into(),
            state: BookingStateInput::Notified,
        }],
        replan: Some(ReplanInput {
            move_cost: Some(move_cost),
            cancel_cost: Some(200.0),
            min_notice_days: [Some(0); 4],
            ..ReplanInput::default()
        }),
        options: OptionsInput {
            time_limit_ms: 5_000,
            ..OptionsInput::default()
        },
        ..support::one_theatre("GEN", 42)
    }
}

fn solved(request: &TheatreRequest) -> (Instance, Outcome) {
    let instance = validate(request).expect("a valid request");
    let outcome = solve(&instance, Duration::from_secs(5), &mut InProcess).expect("a plan");
    assert!(outcome.check.is_valid(), "{:?}", outcome.check.violations);
    (instance, outcome)
}

fn session_of(instance: &Instance, outcome: &Outcome, patient: &str) -> Option<String> {
    let p = instance.patients.iter().position(|q| q.id == patient)?;
    let s = outcome.plan.assignment.0[p]?;
    Some(instance.session(s).id.clone())
}

/// Every assignment of the two patients to A, B or nobody, one per session, by brute force.
fn brute_force_optimum(instance: &Instance) -> f64 {
    let options = [None, Some(0u32), Some(1u32)];
    let mut best = f64::INFINITY;
    for a in options {
        for b in options {
            if a.is_some() && a == b {
                continue;
            }
            let assignment = Assignment(
                [a, b]
                    .iter()
                    .map(|s| s.map(clinicplan_solver::theatre::domain::SessionIdx))
                    .collect(),
            );
            best = best.min(assignment.weighted_wait(instance));
        }
    }
    best
}

#[test]
fn a_notified_booking_moves_when_an_urgent_patient_gains_more_than_the_move_costs() {
    // Keep X in A, Y (P1, u = 10) in B: 1×15 + 10×36 = 375. Move X to B, Y into A:
    // 1×36 + 40 + 10×15 = 226. Cancel X: 10×15 + 1×49 + 200 = 399. So X moves.
    let request = two_sessions(patient("Y", PriorityInput::P1, "2026-03-02"), 40.0);
    let (instance, outcome) = solved(&request);
    assert_eq!(session_of(&instance, &outcome, "X").as_deref(), Some("B"));
    assert_eq!(session_of(&instance, &outcome, "Y").as_deref(), Some("A"));
    assert!((outcome.report.objective - 226.0).abs() < 1e-6);
    assert!((brute_force_optimum(&instance) - 226.0).abs() < 1e-6);
    let m = &outcome.plan.metrics;
    assert!((m.stability_cost - 40.0).abs() < 1e-9);
    assert!((m.weighted_wait - 186.0).abs() < 1e-6);
    let c = changes(&instance, &outcome.plan).expect("a re-plan");
    assert_eq!((c.counts.moved, c.counts.newly_booked), (1, 1));
    let moved = &c.changes[0];
    assert_eq!(moved.kind, ChangeKind::Moved);
    assert_eq!(moved.state, Some(BookingState::Notified));
    assert!((moved.stability_cost - 40.0).abs() < 1e-9);
    // X's own wait rises by 21 days × 1; the plan gains 375 − 186 = 189 > 40.
    assert!((moved.wait_delta.expect("a move") - 21.0).abs() < 1e-9);
    assert!((c.previous_plan_wait - (15.0 + 10.0 * 49.0)).abs() < 1e-6);
}

#[test]
fn a_notified_booking_stays_when_the_gain_is_smaller_than_the_move_cost() {
    // Y is a P4 who has waited 126 days (u = 2). Keep: 15 + 2×36 = 87. Move: 36 + 40 +
    // 2×15 = 106. So X stays; without a move cost the move would pay (66 < 87).
    let y = patient("Y", PriorityInput::P4, "2025-10-27");
    let (instance, outcome) = solved(&two_sessions(y.clone(), 40.0));
    assert_eq!(session_of(&instance, &outcome, "X").as_deref(), Some("A"));
    assert!((outcome.report.objective - 87.0).abs() < 1e-6);
    assert!((brute_force_optimum(&instance) - 87.0).abs() < 1e-6);
    let c = changes(&instance, &outcome.plan).expect("a re-plan");
    assert_eq!((c.counts.kept, c.counts.moved), (1, 0));
    assert_eq!(c.stability_cost, 0.0);

    let (instance, outcome) = solved(&two_sessions(y, 0.0));
    assert_eq!(session_of(&instance, &outcome, "X").as_deref(), Some("B"));
    assert!((outcome.report.objective - 66.0).abs() < 1e-6);
}

#[test]
fn the_minimum_notice_keeps_new_dates_away_and_a_cancelled_session_displaces() {
    // The notice: Y (P2) may not go to A (day 14) with 20 days' notice; X stays in A,
    // being its own booking.
    let mut request = two_sessions(patient("Y", PriorityInput::P2, "2026-03-02"), 40.0);
    request.replan.as_mut().expect("set").min_notice_days = [Some(0), Some(20), Some(20), Some(20)];
    let (instance, outcome) = solved(&request);
    assert_eq!(session_of(&instance, &outcome, "X").as_deref(), Some("A"));
    assert_eq!(session_of(&instance, &outcome, "Y").as_deref(), Some("B"));

    // Session A cancelled: X is displaced and re-booked in B, the reason given.
    let mut request = two_sessions(patient("Y", PriorityInput::P4, "2026-03-02"), 40.0);
    request.sessions.retain(|s| s.id != "A");
    let (instance, outcome) = solved(&request);
    let c = changes(&instance, &outcome.plan).expect("a re-plan");
    assert_eq!(c.counts.displaced, 1);
    assert_eq!(c.changes[0].reason, "session cancelled");
    assert_eq!(
        c.changes[0].to.as_ref().map(|t| t.session_id.as_str()),
        Some("B")
    );
    assert_eq!(
        c.changes[0]
            .from
            .as_ref()
            .and_then(|f| f.date)
            .map(|d| d.to_string())
            .as_deref(),
        Some("2026-03-16")
    );
}

#[test]
fn invalid_replan_settings_name_their_field() {
    let mut request = two_sessions(patient("Y", PriorityInput::P4, "2026-03-02"), 40.0);
    let r = request.replan.as_mut().expect("set");
    r.replan_date = "2026-06-01".into();
    r.cancel_cost = Some(f64::NAN);
    r.lock_days = Some(30);
    request.previous_plan.push(PreviousBookingInput {
        patient_id: "X".into(),
        session_id: "B".into(),
        state: BookingStateInput::Unknown(9),
        ..PreviousBookingInput::default()
    });
    let errors = validate(&request).expect_err("invalid").0;
    let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.code, e.field.as_str())).collect();
    for expected in [
        ("CP1072", "replan.replan_date"),
        ("CP1073", "replan.cancel_cost"),
        ("CP1075", "replan.lock_days"),
        ("CP1071", "previous_plan[1].patient_id"),
        ("CP1074", "previous_plan[1].state"),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
}

/// A generated three-week request.
fn weeks(seed: u64) -> TheatreRequest {
    let mut request = theatre_request(&GeneratorConfig {
        theatres: 2,
        patients: 70,
        horizon_days: 21,
        seed,
        shape: WeekShape::baseline(),
    });
    request.options.local_search_only = true;
    request
}

/// The bookings of a plan as a previous plan, states from `states` (cycled).
fn previous_of(
    instance: &Instance,
    plan: &Assignment,
    states: &[BookingStateInput],
) -> Vec<PreviousBookingInput> {
    plan.scheduled()
        .enumerate()
        .map(|(i, (p, s))| PreviousBookingInput {
            patient_id: instance.patient(p).id.clone(),
            session_id: instance.session(s).id.clone(),
            session_date: instance.session(s).date.to_string(),
            state: states[i % states.len()],
        })
        .collect()
}

/// The rules every re-plan keeps.
fn assert_replan_rules(instance: &Instance, outcome: &Outcome) {
    assert!(outcome.check.is_valid(), "{:?}", outcome.check.violations);
    let replan = instance.replan.as_ref().expect("a re-plan");
    let plan = &outcome.plan;
    for entry in &replan.entries {
        if let (Some(p), Some(s), BookingState::Locked) =
            (entry.patient, entry.session, entry.state)
        {
            assert_eq!(
                plan.assignment.get(p),
                Some(s),
                "locked {} moved",
                entry.patient_id
            );
        }
    }
    let c = changes(instance, plan).expect("a re-plan");
    for change in &c.changes {
        let moved = matches!(
            change.kind,
            ChangeKind::Moved | ChangeKind::NewlyBooked | ChangeKind::Displaced
        );
        if let (true, Some(to)) = (moved, &change.to) {
            let p = instance
                .patients
                .iter()
                .position(|q| q.id == change.patient_id)
                .expect("on the list");
            let earliest = replan.replan_date
                + chrono::Days::new(u64::from(
                    replan.min_notice_days[instance.patients[p].priority.rank()],
                ));
            let pinned = instance.pinned.iter().any(|&(q, _)| q.idx() == p);
            assert!(
                pinned || to.date.expect("a session of the request") >= earliest,
                "{} too soon",
                change.patient_id
            );
        }
    }
    let n = &c.counts;
    assert_eq!(
        (n.kept + n.moved + n.unbooked + n.displaced) as usize,
        replan.entries.len()
    );
    assert!((c.stability_cost - plan.metrics.stability_cost).abs() < 1e-6);
    // Never worse than keeping the previous plan, under the policy (most P1 first, then
    // the objective with its stability costs).
    let kept = kept_plan(instance);
    assert!(
        !policy_worse(instance, &plan.assignment, &kept),
        "re-plan {} (P1 {}) worse than keeping {} (P1 {})",
        plan.assignment.weighted_wait(instance),
        plan.metrics.scheduled_by_priority[0],
        kept.weighted_wait(instance),
        kept.counts_by_priority(instance)[0]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    #[test]
    fn locked_bookings_never_move_and_new_dates_keep_the_notice(
        seed in 1u64..500,
        states in proptest::collection::vec(0usize..4, 1..6),
        replan_day in 0u64..4,
        cancel in proptest::collection::vec(any::<bool>(), 0..4),
        removed in proptest::collection::vec(0usize..70, 0..5),
        urgent in any::<bool>(),
    ) {
        let request = weeks(seed);
        let first = validate(&request).expect("valid");
        let plan = solve(&first, Duration::from_secs(5), &mut InProcess).expect("a plan").plan;
        let all = [BookingStateInput::Unspecified, BookingStateInput::Locked, BookingStateInput::Notified, BookingStateInput::Draft];
        let states: Vec<BookingStateInput> = states.iter().map(|&i| all[i]).collect();
        let mut next = request.clone();
        next.previous_plan = previous_of(&first, &plan.assignment, &states);
        next.replan = Some(ReplanInput {
            replan_date: (first.planning_start + chrono::Days::new(replan_day)).to_string(),
            ..ReplanInput::default()
        });
        // Changes: sessions cancelled, patients treated elsewhere, an urgent patient added.
        let busy: Vec<String> = plan.lists.iter().filter(|l| !l.cases.is_empty()).map(|l| first.session(l.session).id.clone()).collect();
        for (i, c) in cancel.iter().enumerate() {
            if *c && i < busy.len() {
                next.sessions.retain(|s| s.id != busy[i * busy.len() / 4]);
            }
        }
        let gone: Vec<String> = removed.iter().filter_map(|&i| next.patients.get(i).map(|p| p.id.clone())).collect();
        next.patients.retain(|p| !gone.contains(&p.id));
        if urgent {
            let mut p = next.patients[0].clone();
            p.id = "URGENT".into();
            p.priority = PriorityInput::P1;
            p.listed_date = next.planning_start.clone();
            next.patients.push(p);
        }
        let instance = validate(&next).expect("changes are not errors");
        let outcome = solve(&instance, Duration::from_secs(5), &mut InProcess).expect("a plan");
        assert_replan_rules(&instance, &outcome);
    }
}

#[test]
fn an_unchanged_replan_moves_nobody_unless_it_pays_and_a_cancelled_session_only_its_own() {
    for seed in 1..=4 {
        let request = weeks(seed);
        let first = validate(&request).expect("valid");
        let plan = solve(&first, Duration::from_secs(5), &mut InProcess)
            .expect("a plan")
            .plan;
        let mut next = request.clone();
        next.previous_plan =
            previous_of(&first, &plan.assignment, &[BookingStateInput::Unspecified]);
        let instance = validate(&next).expect("valid");
        let outcome = solve(&instance, Duration::from_secs(5), &mut InProcess).expect("a plan");
        assert_replan_rules(&instance, &outcome);
        let c = changes(&instance, &outcome.plan).expect("a re-plan");
        let more_p1 =
            outcome.plan.metrics.scheduled_by_priority[0] > plan.metrics.scheduled_by_priority[0];
        if c.counts.moved + c.counts.unbooked > 0 && !more_p1 {
            // The moves pay: the wait gained against the previous plan exceeds what they cost.
            assert!(
                c.previous_plan_wait - c.weighted_wait > c.stability_cost,
                "seed {seed}"
            );
        }
        eprintln!(
            "seed {seed}: unchanged: {} moved, {} unbooked",
            c.counts.moved, c.counts.unbooked
        );
        assert_eq!(c.counts.displaced, 0, "seed {seed}");

        // The busiest session cancelled: its patients displaced, re-booked or explained.
        let busiest = plan
            .lists
            .iter()
            .max_by_key(|l| l.cases.len())
            .expect("a list");
        let cancelled = first.session(busiest.session).id.clone();
        next.sessions.retain(|s| s.id != cancelled);
        let instance = validate(&next).expect("valid");
        let outcome = solve(&instance, Duration::from_secs(5), &mut InProcess).expect("a plan");
        assert_replan_rules(&instance, &outcome);
        let c = changes(&instance, &outcome.plan).expect("a re-plan");
        assert_eq!(
            c.counts.displaced as usize,
            busiest.cases.len(),
            "seed {seed}"
        );
        for d in c.changes.iter().filter(|d| d.kind == ChangeKind::Displaced) {
            assert_eq!(d.reason, "session cancelled");
        }
        eprintln!(
            "seed {seed}: cancelled {cancelled}: {} displaced ({} re-booked), {} others moved",
            c.counts.displaced, c.counts.displaced_rebooked, c.counts.moved
        );
    }
}
