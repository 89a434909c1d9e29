//! Lifting a plan to the P1 floor (docs/model.md, "LP rounding"): room made for a waiting
//! P1 patient at the least wait (a one-session week against brute force), and plans short
//! of the floor on generated weeks, ward beds tight or not, lifted to it while keeping
//! their P1 bookings where the count allows.

use std::time::{Duration, Instant};

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::capacity::Loads;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::constructive::{constructive_plan_in, density_order, fill};
use clinicplan_solver::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use clinicplan_solver::theatre::input::*;
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::stages::lift::lift_to_p1_floor;
use clinicplan_solver::theatre::validate;

use crate::support;

fn far() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

fn assert_checked(instance: &Instance, plan: &Assignment, what: &str) {
    let built = build_plan(instance, plan.clone());
    let report = check(instance, &built.to_proposed(instance));
    assert!(report.is_valid(), "{what}: {:?}", report.violations);
}

fn patient(id: &str, priority: PriorityInput, minutes: u32, listed: &str) -> PatientInput {
    PatientInput {
        id: id.into(),
        specialty: "GEN".into(),
        procedure: "hernia repair".into(),
        expected_duration_min: minutes,
        priority,
        listed_date: listed.into(),
        ..PatientInput::default()
    }
}

/// One four-hour session on Wednesday, no turnaround: A (P1, 2 h) waits; B (P3, 2 h),
/// C and D (P4, 1 h each) fill the session. B listed on `b_listed`.
fn one_session(b_listed: &str) -> Instance {
    let request = TheatreRequest {
        sessions: vec![SessionInput {
            id: "S".into(),
            theatre_id: "T1".into(),
            date: "2026-03-04".into(),
            start_time: "08:00".into(),
            end_time: "12:00".into(),
            specialty: "GEN".into(),
            surgeon_id: "S1".into(),
        }],
        patients: vec![
            patient("A", PriorityInput::P1, 120, "2026-02-20"),
            patient("B", PriorityInput::P3, 120, b_listed),
            patient("C", PriorityInput::P4, 60, "2024-03-02"),
            patient("D", PriorityInput::P4, 60, "2024-03-02"),
        ],
        specialties: vec![SpecialtyInput {
            code: "GEN".into(),
            turnaround_min: 0,
        }],
        ..support::one_theatre("GEN", 5)
    };
    validate(&request).expect("a valid week")
}

/// The least weighted wait of a plan that books A, by brute force over who else goes in
/// the session; and whether B is in that plan.
fn brute_force_with_a(instance: &Instance) -> (f64, bool) {
    let s = SessionIdx(0);
    let length = instance.session(s).length_min;
    let mut best = (f64::INFINITY, false);
    for subset in 0..8u32 {
        let mut plan = Assignment::empty(instance);
        plan.set(PatientIdx(0), Some(s));
        for q in 1..4 {
            if subset & (1 << (q - 1)) != 0 {
                plan.set(PatientIdx(q), Some(s));
            }
        }
        let minutes: u32 = plan
            .scheduled()
            .map(|(p, _)| instance.patient(p).duration_min)
            .sum();
        let wait = plan.weighted_wait(instance);
        if minutes <= length && wait < best.0 {
            best = (wait, plan.get(PatientIdx(1)).is_some());
        }
    }
    best
}

#[test]
fn room_is_made_for_a_waiting_p1_patient_at_the_least_wait() {
    let mut b_kept = Vec::new();
    // B listed two years ago (taking C and D off costs less than taking B off) and
    // yesterday (B is the cheaper to take off).
    for b_listed in ["2024-03-01", "2026-03-01"] {
        let instance = one_session(b_listed);
        assert!(instance.eligible[0].contains(&SessionIdx(0)));
        let mut full = Assignment::empty(&instance);
        for q in 1..4 {
            full.set(PatientIdx(q), Some(SessionIdx(0)));
        }
        assert_eq!(full.counts_by_priority(&instance)[0], 0);
        let lifted = lift_to_p1_floor(&instance, &full, 1, Duration::from_secs(10), far())
            .expect("room for A");
        let (optimum, keeps_b) = brute_force_with_a(&instance);
        assert_eq!(lifted.get(PatientIdx(0)), Some(SessionIdx(0)), "{b_listed}");
        assert!(
            (lifted.weighted_wait(&instance) - optimum).abs() < 1e-6,
            "{b_listed}: {} against the optimum {optimum}",
            lifted.weighted_wait(&instance)
        );
        assert_checked(&instance, &lifted, b_listed);
        b_kept.push(keeps_b);
    }
    // The two weeks call for different choices, so taking the cheapest case off one at a
    // time (C, then D) would miss one of them.
    assert_eq!(b_kept, [true, false]);
}

/// The P1 bookings `plan` shares with `other`.
fn p1_kept(instance: &Instance, plan: &Assignment, other: &Assignment) -> usize {
    plan.scheduled()
        .filter(|&(p, s)| instance.patient(p).priority == Priority::P1 && other.get(p) == Some(s))
        .count()
}

#[test]
fn plans_short_of_the_p1_floor_are_lifted_to_it_keeping_their_p1_bookings() {
    let mut lifted_weeks = 0;
    for (theatres, patients, seed, p1_every, beds) in [
        (3, 200, 61, 4, None),
        (4, 250, 62, 3, None),
        (3, 200, 63, 3, Some(2)),
        (4, 250, 64, 3, Some(1)),
    ] {
        let instance = support::p1_week(theatres, patients, seed, p1_every, beds);
        let what = format!("seed {seed}");
        // A plan in density order (it books fewer P1 than the most), which is what a
        // rounding that follows the relaxation looks like.
        let short = constructive_plan_in(&instance, &density_order(&instance));
        let start = Assignment::empty(&instance);
        let p1_plan = support::most_p1(&instance, &start);
        let floor = p1_plan.counts_by_priority(&instance)[0];
        if short.counts_by_priority(&instance)[0] >= floor {
            continue;
        }
        let lifted = lift_to_p1_floor(&instance, &short, floor, Duration::from_secs(30), far())
            .expect("a lift to the floor");
        assert!(
            lifted.counts_by_priority(&instance)[0] >= floor,
            "{what}: below the floor"
        );
        assert_checked(&instance, &lifted, &what);
        // The fallback a rounding has: the count's plan with everyone else who fits.
        let mut fallback = p1_plan.clone();
        let mut loads = Loads::from_assignment(&instance, &fallback);
        fill(
            &instance,
            &mut fallback,
            &mut loads,
            &density_order(&instance),
        );
        assert!(
            lifted.weighted_wait(&instance) < fallback.weighted_wait(&instance),
            "{what}: {} not below the fallback's {}",
            lifted.weighted_wait(&instance),
            fallback.weighted_wait(&instance)
        );
        assert!(
            p1_kept(&instance, &lifted, &short) >= p1_kept(&instance, &p1_plan, &short),
            "{what}: the lift moved more of the plan's P1 bookings than the plain count"
        );
        lifted_weeks += 1;
    }
    assert!(
        lifted_weeks >= 3,
        "only {lifted_weeks} weeks fell short of the floor"
    );
}
