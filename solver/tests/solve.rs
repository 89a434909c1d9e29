//! The solver end to end in process: generated weeks are solved, every plan passes the
//! checker, the metrics add up, and the checker catches hand edits that break rules.

use std::time::Duration;

use clinicplan_solver::theatre::Instance;
use clinicplan_solver::theatre::check::{ProposedPlan, check};
use clinicplan_solver::theatre::solve::{InProcess, SolveStatus, solve};

use crate::support;

fn instance(theatres: u32, patients: u32, seed: u64) -> Instance {
    support::generated(theatres, patients, seed, false)
}

fn code_of(report: &clinicplan_solver::theatre::check::CheckReport) -> Vec<&'static str> {
    report.violations.iter().map(|v| v.code).collect()
}

#[test]
fn generated_weeks_solve_to_checked_plans() {
    for seed in 1..=6 {
        let instance = instance(2, 60, seed);
        let outcome = solve(&instance, Duration::from_secs(3), &mut InProcess).expect("a plan");
        assert!(
            outcome.check.is_valid(),
            "seed {seed}: {:?}",
            outcome.check.violations
        );
        let m = &outcome.plan.metrics;
        let r = &outcome.report;
        assert!((r.objective - m.weighted_wait).abs() < 1e-9);
        assert!((outcome.check.weighted_wait - m.weighted_wait).abs() < 1e-6);
        assert!(r.best_bound <= r.objective + 1e-9, "seed {seed}");
        assert!((0.0..=1.0).contains(&r.gap), "seed {seed}: gap {}", r.gap);
        assert_eq!(
            m.patients_scheduled + m.patients_unscheduled,
            instance.patients.len() as u32
        );
        if r.status == SolveStatus::Optimal {
            assert!(r.gap < 1e-3, "seed {seed}: optimal with gap {}", r.gap);
        }
    }
}

#[test]
fn the_checker_catches_hand_edits() {
    let instance = instance(3, 120, 11);
    let outcome = solve(&instance, Duration::from_secs(2), &mut InProcess).expect("a plan");
    let good = outcome.plan.to_proposed(&instance);
    assert!(check(&instance, &good).is_valid());

    // A case stretched by ten minutes.
    let mut edited: ProposedPlan = good.clone();
    let session = edited
        .sessions
        .iter_mut()
        .find(|s| !s.cases.is_empty())
        .expect("some session has cases");
    session.cases[0].end_time = {
        let t = chrono::NaiveTime::parse_from_str(&session.cases[0].end_time, "%H:%M").unwrap();
        (t + chrono::Duration::minutes(10))
            .format("%H:%M")
            .to_string()
    };
    assert!(code_of(&check(&instance, &edited)).contains(&"CP2011"));

    // The same patient booked twice.
    let mut edited = good.clone();
    let (first, second) = {
        let busy: Vec<usize> = (0..edited.sessions.len())
            .filter(|&i| !edited.sessions[i].cases.is_empty())
            .collect();
        (busy[0], busy[1])
    };
    let case = edited.sessions[first].cases[0].clone();
    edited.sessions[second].cases.push(case);
    assert!(code_of(&check(&instance, &edited)).contains(&"CP2004"));

    // A patient moved into a session of another specialty.
    let mut edited = good.clone();
    let spec_of = |id: &str| {
        instance
            .sessions
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.specialty)
            .unwrap()
    };
    let from = edited
        .sessions
        .iter()
        .position(|s| !s.cases.is_empty())
        .unwrap();
    let to = (0..edited.sessions.len())
        .find(|&i| {
            spec_of(&edited.sessions[i].session_id) != spec_of(&edited.sessions[from].session_id)
        })
        .expect("another specialty");
    let case = edited.sessions[from].cases.remove(0);
    edited.sessions[to].cases.push(case);
    assert!(code_of(&check(&instance, &edited)).contains(&"CP2010"));

    // Every waiting patient eligible for the session most of them could go to, added
    // to it: the session overflows.
    let mut edited = good.clone();
    let waiting_for = |i: usize| -> Vec<String> {
        outcome
            .plan
            .unscheduled
            .iter()
            .filter(|(p, _)| {
                instance.eligible[p.idx()]
                    .iter()
                    .any(|s| instance.session(*s).id == good.sessions[i].session_id)
            })
            .map(|(p, _)| instance.patient(*p).id.clone())
            .collect()
    };
    let fullest = (0..edited.sessions.len())
        .max_by_key(|&i| waiting_for(i).len())
        .unwrap();
    let unscheduled = waiting_for(fullest);
    assert!(!unscheduled.is_empty(), "no patient waits for any session");
    for id in unscheduled {
        edited.sessions[fullest]
            .cases
            .push(clinicplan_solver::theatre::check::ProposedCase {
                patient_id: id,
                start_time: "08:30".into(),
                end_time: "08:31".into(),
            });
    }
    let codes = code_of(&check(&instance, &edited));
    assert!(
        codes.contains(&"CP2014") || codes.contains(&"CP2013"),
        "{codes:?}"
    );
}

#[test]
fn the_same_request_gives_the_same_plan() {
    let instance = instance(2, 40, 5);
    let a = solve(&instance, Duration::from_secs(20), &mut InProcess).expect("a plan");
    let b = solve(&instance, Duration::from_secs(20), &mut InProcess).expect("a plan");
    assert_eq!(a.report.status, SolveStatus::Optimal);
    assert_eq!(a.plan.assignment, b.plan.assignment);
}

#[test]
fn column_generation_reaches_the_whole_lp_optimum() {
    use clinicplan_solver::theatre::assignment::Assignment;
    use clinicplan_solver::theatre::models::column_generation::solve_lp;
    use clinicplan_solver::theatre::models::formulation::Stage;
    use clinicplan_solver::theatre::stages::{RunOptions, run_stage};
    use std::time::Instant;

    for (theatres, patients, seed, with_pins) in [
        (2, 60, 1, false),
        (3, 200, 2, false),
        (6, 900, 3, false),
        (3, 200, 4, true),
    ] {
        let instance = support::generated(theatres, patients, seed, with_pins);
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let p1_floor = if with_pins {
            start.counts_by_priority(&instance)[0]
        } else {
            0
        };
        let far = Instant::now() + Duration::from_secs(120);
        let seed_plan = if with_pins {
            start.clone()
        } else {
            Assignment::empty(&instance)
        };
        let cg = solve_lp(&instance, &seed_plan, p1_floor, far, 1, false).expect("the LP solves");
        let options = RunOptions {
            time_limit: Duration::from_secs(120),
            mip_rel_gap: 1e-4,
            mip_abs_gap: None,
            threads: 1,
            log: false,
        };
        let whole = run_stage(
            &instance,
            Stage::WeightedWait,
            [0; 4],
            false,
            None,
            &options,
            None,
        );
        let tolerance = 1e-7 * instance.nothing_scheduled_cost();
        assert!(
            (cg.objective - whole.objective).abs() <= tolerance,
            "{theatres} theatres: column generation {} against the whole LP {}",
            cg.objective,
            whole.objective
        );
    }
}
