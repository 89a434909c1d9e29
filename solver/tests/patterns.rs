//! The pattern relaxation (docs/model.md, "Pattern bound and diving"): its bound lies
//! between the pair LP's and the integer optimum, split by specialty or not, with and
//! without the P1 floor; the plan found by diving passes the checker; and a rounding short
//! of the P1 floor is mended specialty by specialty.

use std::time::{Duration, Instant};

use clinicplan_solver::theatre::Instance;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::domain::Priority;
use clinicplan_solver::theatre::models::column_generation::solve_lp;
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::models::patterns::{
    Part, RelaxationRun, patterns_of, schedulable_p1, solve_by_specialty, solve_relaxation,
};
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::stages::{RunStatus, best_of_roundings, round_patterns, run_stage};

use crate::support;

fn instance(theatres: u32, patients: u32, seed: u64, pins: bool) -> Instance {
    support::generated(theatres, patients, seed, pins)
}

#[test]
fn the_pattern_bound_lies_between_the_lp_and_the_integer_optimum() {
    let far = || Instant::now() + Duration::from_secs(120);
    let mut tighter = 0;
    // Weeks whose floor is every P1 patient with an eligible session, where the split
    // relaxation forces each of them in rather than pricing the floor row.
    let mut forced = 0;
    for (theatres, patients, seed, pins) in [
        (2, 40, 1, false),
        (2, 60, 2, false),
        (3, 70, 3, false),
        (3, 90, 4, false),
        (4, 120, 5, false),
        (3, 80, 6, true),
        (4, 100, 7, true),
    ] {
        let instance = instance(theatres, patients, seed, pins);
        let nothing = instance.nothing_scheduled_cost();
        let tolerance = 1e-6 * nothing;
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        // The most P1 any plan schedules, and a plan with that many.
        let p1_plan = support::most_p1(&instance, &start);
        let most_p1 = p1_plan.counts_by_priority(&instance)[0];
        if most_p1 > 0 && most_p1 as usize == schedulable_p1(&instance).len() {
            forced += 1;
        }
        for floor in [0, most_p1] {
            let seed_plan = if floor > 0 { &p1_plan } else { &start };
            let lp = solve_lp(&instance, seed_plan, floor, far(), 1, false).expect("the LP solves");
            let optimum = run_stage(
                &instance,
                Stage::WeightedWait,
                [floor, 0, 0, 0],
                true,
                Some(seed_plan),
                &support::exact(),
                None,
            );
            assert_eq!(
                optimum.status,
                RunStatus::Optimal,
                "seed {seed}: the MIP is solved"
            );
            let whole = solve_relaxation(
                &instance,
                &Part::whole(&instance),
                &patterns_of(&instance, seed_plan),
                floor,
                Some(&lp.shared_duals),
                far(),
                false,
            )
            .expect("the pattern relaxation solves");
            let split = solve_by_specialty(
                &instance,
                &[seed_plan],
                floor,
                &lp.shared_duals,
                &RelaxationRun {
                    deadline: far(),
                    dive_until: None,
                    threads: 2,
                    log: false,
                },
            )
            .expect("the split relaxation solves");
            for (name, bound) in [("whole", whole.bound), ("by specialty", split.bound)] {
                assert!(
                    bound >= lp.objective - tolerance,
                    "seed {seed}, floor {floor}, {name}: pattern bound {bound} below the LP {}",
                    lp.objective
                );
                assert!(
                    bound <= optimum.objective + tolerance,
                    "seed {seed}, floor {floor}, {name}: pattern bound {bound} above the optimum {}",
                    optimum.objective
                );
            }
            if whole.bound > lp.objective + tolerance {
                tighter += 1;
            }
        }
    }
    // Whole patients fill the sessions' minutes: the bound is strictly tighter somewhere.
    assert!(tighter > 0, "the pattern bound never beat the LP");
    assert!(
        forced > 0,
        "no week had every schedulable P1 patient forced in"
    );
}

#[test]
fn diving_gives_a_checked_plan_with_the_most_p1() {
    for (theatres, patients, seed, pins) in
        [(3, 200, 11, false), (6, 900, 12, false), (4, 300, 13, true)]
    {
        let instance = instance(theatres, patients, seed, pins);
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let p1_plan = support::most_p1(&instance, &start);
        let floor = p1_plan.counts_by_priority(&instance)[0];
        let far = Instant::now() + Duration::from_secs(120);
        let lp = solve_lp(&instance, &p1_plan, floor, far, 1, false).expect("the LP solves");
        let relaxation = solve_by_specialty(
            &instance,
            &[&p1_plan],
            floor,
            &lp.shared_duals,
            &RelaxationRun {
                deadline: far,
                dive_until: Some(far),
                threads: 2,
                log: false,
            },
        )
        .expect("the relaxation solves");
        assert!(relaxation.converged);
        assert!(
            !relaxation.fixed.is_empty(),
            "seed {seed}: the dive fixed nothing"
        );
        // The patterns fixed (by the second dive where it was kept) are a plan for their
        // sessions: one pattern per session, no patient twice, every pattern within its
        // session's minutes and every surgeon's day within its limit.
        let mut sessions = std::collections::HashSet::new();
        let mut patients = std::collections::HashSet::new();
        let mut operating: std::collections::HashMap<_, u32> = std::collections::HashMap::new();
        for pattern in &relaxation.fixed {
            assert!(
                sessions.insert(pattern.session),
                "seed {seed}: a session twice"
            );
            let session = instance.session(pattern.session);
            let mut minutes = 0;
            for &p in &pattern.patients {
                assert!(patients.insert(p), "seed {seed}: a patient twice");
                assert!(instance.eligible[p.idx()].contains(&pattern.session));
                minutes += instance.patient(p).duration_min + instance.turnaround(pattern.session);
                *operating.entry((session.surgeon, session.day)).or_default() +=
                    instance.patient(p).duration_min;
            }
            assert!(minutes <= session.length_min + instance.turnaround(pattern.session));
        }
        for ((surgeon, _), minutes) in operating {
            assert!(minutes <= instance.surgeons[surgeon.idx()].max_minutes_per_day);
        }
        let plan = round_patterns(&instance, &relaxation, &p1_plan, floor, far);
        assert!(plan.counts_by_priority(&instance)[0] >= floor);
        let objective = plan.weighted_wait(&instance);
        assert!(
            objective >= instance.nothing_scheduled_cost() + relaxation.bound - 1e-6 * objective,
            "seed {seed}: a plan below the bound"
        );
        let built = build_plan(&instance, plan);
        let report = check(&instance, &built.to_proposed(&instance));
        assert!(report.is_valid(), "seed {seed}: {:?}", report.violations);
    }
}

/// A plan one P1 short of the floor in one specialty (a density-order plan with one P1
/// booking undone) and the P1 plan (which books only the P1 and more urgent patients):
/// the candidate that takes the P1 plan only in that specialty meets the floor, passes the
/// checker and waits less than the P1 plan.
#[test]
fn a_rounding_short_of_the_p1_floor_is_mended_by_specialty() {
    for (theatres, patients, seed) in [(3, 300, 21), (6, 900, 22), (6, 1200, 23)] {
        let instance = instance(theatres, patients, seed, false);
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let p1_plan = support::most_p1(&instance, &start);
        let floor = p1_plan.counts_by_priority(&instance)[0];
        let order = clinicplan_solver::theatre::constructive::density_order(&instance);
        let mut short =
            clinicplan_solver::theatre::constructive::constructive_plan_in(&instance, &order);
        let (p, _) = short
            .scheduled()
            .find(|&(p, _)| instance.patient(p).priority == Priority::P1)
            .expect("a P1 booking");
        short.set(p, None);
        assert!(
            short.counts_by_priority(&instance)[0] < floor,
            "seed {seed}"
        );
        let far = Instant::now() + Duration::from_secs(60);
        let plan = best_of_roundings(&instance, short, p1_plan.clone(), floor, far);
        assert!(
            plan.counts_by_priority(&instance)[0] >= floor,
            "seed {seed}: below the P1 floor"
        );
        assert!(
            plan.weighted_wait(&instance) < p1_plan.weighted_wait(&instance) - 1e-9,
            "seed {seed}: no better than the P1 plan"
        );
        let built = build_plan(&instance, plan);
        let report = check(&instance, &built.to_proposed(&instance));
        assert!(report.is_valid(), "seed {seed}: {:?}", report.violations);
    }
}
