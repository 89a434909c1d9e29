//! The anytime search (docs/model.md, "Anytime search (LNS)"): each step keeps or
//! raises the plan's rank under the policy and gives checked plans; the search alone
//! reaches the whole model's optimum on tiny weeks.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use clinicplan_solver::theatre::Instance;
use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::constructive::constructive_plan;
use clinicplan_solver::theatre::domain::ObjectivePolicy;
use clinicplan_solver::theatre::models::column_generation::{LpOptimum, solve_lp};
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::policy::policy_worse;
use clinicplan_solver::theatre::solve::{InProcess, solve};
use clinicplan_solver::theatre::stages::neighbourhoods::{DrawFrom, KINDS, Kind, LpGuide};
use clinicplan_solver::theatre::stages::{RunStatus, Search, lns_step, run_stage, search};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::support;

/// A tiny week solved exactly (no relative gap).
fn exact_instance(seed: u64, policy: ObjectivePolicy) -> Instance {
    let mut instance = support::generated(3, 60, seed, false);
    instance.options.mip_rel_gap = 0.0;
    instance.options.threads = 1;
    instance.options.policy = policy;
    instance
}

#[test]
fn lns_steps_never_give_a_worse_plan_and_their_plans_pass_the_check() {
    let mut improved = 0;
    for (seed, policy) in [
        (1, ObjectivePolicy::WeightedWait),
        (2, ObjectivePolicy::PriorityOrder),
        (3, ObjectivePolicy::WeightedWait),
    ] {
        let instance = exact_instance(seed, policy);
        let mut incumbent = constructive_plan(&instance);
        let lp = lp_guide(&instance);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for round in 0..3 {
            for kind in KINDS {
                let from = DrawFrom {
                    instance: &instance,
                    incumbent: &incumbent,
                    lp: Some(&lp),
                };
                let sessions = kind.draw(from, 1 + round, &mut rng);
                let step = lns_step(from, &sessions, Duration::from_secs(20));
                let Some(plan) = step.plan else { continue };
                assert!(
                    !policy_worse(&instance, &plan, &incumbent),
                    "seed {seed}, {kind:?}: the step ranks lower"
                );
                assert!(plan.weighted_wait(&instance) < incumbent.weighted_wait(&instance));
                let report = check(
                    &instance,
                    &build_plan(&instance, plan.clone()).to_proposed(&instance),
                );
                assert!(
                    report.is_valid(),
                    "seed {seed}, {kind:?}: {:?}",
                    report.violations
                );
                incumbent = plan;
                improved += 1;
            }
        }
    }
    assert!(improved > 0, "no step improved a constructive plan");
}

/// The LP relaxation's solution of `instance` with no P1 floor.
fn lp_solution(instance: &Instance) -> LpOptimum {
    let far = Instant::now() + Duration::from_secs(300);
    solve_lp(instance, &constructive_plan(instance), 0, far, 1, false).expect("the LP solves")
}

fn lp_guide(instance: &Instance) -> LpGuide {
    LpGuide::new(instance.patients.len(), &lp_solution(instance).values)
}

#[test]
fn relaxation_neighbourhoods_are_drawn_where_the_plan_and_the_lp_disagree() {
    for seed in [5, 6] {
        let instance = exact_instance(seed, ObjectivePolicy::WeightedWait);
        let lp = lp_solution(&instance);
        let guide = LpGuide::new(instance.patients.len(), &lp.values);
        // A plan that books no one disagrees with the LP exactly in the sessions the LP
        // books someone into.
        let empty = Assignment::empty(&instance);
        let lp_sessions: BTreeSet<usize> = lp
            .values
            .iter()
            .filter(|&&(_, v)| v > 1e-6)
            .map(|&((_, s), _)| s.idx())
            .collect();
        let from = DrawFrom {
            instance: &instance,
            incumbent: &empty,
            lp: Some(&guide),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for size in 1..=lp_sessions.len().min(4) {
            let drawn: BTreeSet<usize> = Kind::Relaxation
                .draw(from, size, &mut rng)
                .iter()
                .enumerate()
                .filter(|&(_, &d)| d)
                .map(|(s, _)| s)
                .collect();
            assert_eq!(drawn.len(), size, "seed {seed}");
            assert!(
                drawn.is_subset(&lp_sessions),
                "seed {seed}: drew {drawn:?}, the LP books into {lp_sessions:?}"
            );
        }
    }
}

/// The optimum of the weighted-wait policy: the most P1, then the least weighted wait.
fn whole_model_optimum(instance: &Instance) -> f64 {
    let most_p1 = support::most_p1(instance, &constructive_plan(instance));
    let floors = [most_p1.counts_by_priority(instance)[0], 0, 0, 0];
    let run = run_stage(
        instance,
        Stage::WeightedWait,
        floors,
        true,
        Some(&most_p1),
        &support::exact(),
        None,
    );
    assert_eq!(run.status, RunStatus::Optimal);
    run.assignment
        .expect("an optimal plan")
        .weighted_wait(instance)
}

#[test]
fn the_search_alone_reaches_the_whole_model_optimum_on_tiny_weeks() {
    for seed in [1, 4, 7] {
        let instance = exact_instance(seed, ObjectivePolicy::WeightedWait);
        let optimum = whole_model_optimum(&instance);
        // With the LP's guide (the relaxation-induced neighbourhoods) on two weeks.
        let guide = (seed != 1).then(|| lp_guide(&instance));
        let mut incumbent = support::most_p1(&instance, &constructive_plan(&instance));
        // The search stops by itself once a neighbourhood of every session and every
        // patient is solved to optimality without gain; the limit is only a guard.
        let settings = Search {
            seed,
            until: Instant::now() + Duration::from_secs(300),
            inbox: None,
            bound: f64::NEG_INFINITY,
            counts_proven: true,
            lp: guide.as_ref(),
        };
        search(&instance, &mut incumbent, &settings, &mut |_| {});
        let found = incumbent.weighted_wait(&instance);
        assert!(
            (found - optimum).abs() <= 1e-6 * optimum.max(1.0),
            "seed {seed}: the search ends at {found}, the optimum is {optimum}"
        );
        let report = check(
            &instance,
            &build_plan(&instance, incumbent).to_proposed(&instance),
        );
        assert!(report.is_valid(), "seed {seed}: {:?}", report.violations);

        // The whole solve keeps the optimum.
        let outcome = solve(&instance, Duration::from_secs(30), &mut InProcess).expect("a plan");
        assert!(outcome.check.is_valid());
        assert!(
            (outcome.report.objective - optimum).abs() <= 1e-6 * optimum.max(1.0),
            "seed {seed}: the solve returns {}, the optimum is {optimum}",
            outcome.report.objective
        );
    }
}
