//! Properties over many requests: every plan passes the independent checker with the
//! reported metrics equal to the recomputed ones; on tiny requests the service's
//! objective is the brute-force optimum; pins taken from a plan are kept; the same
//! request gives the same plan.

use clinicplan_service::proto;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use crate::support::tiny::tiny_spec;
use crate::support::{
    Harness, brute, checker, close, generated, plan_valid, save_case, solve, status, with_objective,
};

/// A fixed-seed runner: the same cases on every run, no files written.
fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 200,
        ..Config::default()
    })
}

/// Plans `request`, checks it, and turns any failure into a test-case error (after
/// saving the case as `name`).
fn plan_checked(
    harness: &Harness,
    name: &str,
    request: &proto::PlanTheatreListsRequest,
) -> Result<(proto::PlanTheatreListsResponse, checker::Recomputed), TestCaseError> {
    let response = harness.plan(request).map_err(|status| {
        let path = save_case(name, request, None);
        TestCaseError::fail(format!("{status:?} (request saved as {})", path.display()))
    })?;
    let report = checker::check(request, &response);
    if !report.violations.is_empty() {
        let path = save_case(name, request, Some(&response));
        return Err(TestCaseError::fail(format!(
            "{} violation(s), saved as {}: {:#?}",
            report.violations.len(),
            path.display(),
            report.violations
        )));
    }
    Ok((response, report.recomputed))
}

#[test]
fn tiny_requests_solve_to_the_brute_force_optimum() {
    let harness = Harness::start();
    let result = runner(64, 0x2026_1125).run(&tiny_spec(8), |spec| {
        let request = spec.to_request();
        let optimum = brute::optimum(&request);
        let (response, figures) = plan_checked(&harness, "tiny_brute_force", &request)?;
        let fail = |what: String| {
            save_case("tiny_brute_force", &request, Some(&response));
            TestCaseError::fail(format!("{what}; brute-force plan: {:?}", optimum.assignment))
        };
        if status(&response) != proto::SolveStatus::Optimal {
            return Err(fail(format!("status {:?}, expected optimal", status(&response))));
        }
        let objective = solve(&response).objective;
        if !close(objective, optimum.weighted_wait) {
            return Err(fail(format!(
                "objective {objective}, brute-force optimum {}",
                optimum.weighted_wait
            )));
        }
        // P1 first under both policies; priority order also maximises P2, P3 and P4 in turn.
        let n_counted = match brute::Policy::of(&request) {
            brute::Policy::WeightedWait => 1,
            brute::Policy::PriorityOrder => 4,
        };
        if figures.scheduled_by_priority[..n_counted] != optimum.scheduled_by_priority[..n_counted] {
            return Err(fail(format!(
                "scheduled per priority {:?}, brute force {:?}",
                figures.scheduled_by_priority, optimum.scheduled_by_priority
            )));
        }
        // The bound must hold for the true optimum, not only for the plan returned.
        let bound = solve(&response).best_bound;
        if bound > optimum.weighted_wait + 1e-6 * optimum.weighted_wait.max(1.0) {
            return Err(fail(format!("best_bound {bound} exceeds the optimum {}", optimum.weighted_wait)));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn generated_requests_give_valid_plans_with_exact_metrics() {
    // Realistic weeks of 1–3 theatres and 20–80 patients, both policies, 2 s each.
    let harness = Harness::start();
    let objective = proptest::sample::select(vec![
        proto::Objective::WeightedWait,
        proto::Objective::PriorityOrder,
    ]);
    let config = (1u32..=3, 20u32..=80, proptest::num::u64::ANY, objective);
    let result = runner(24, 0x0c11_1c91).run(&config, |(theatres, patients, seed, objective)| {
        let request = with_objective(generated(theatres, patients, seed, 2_000), objective);
        let (response, figures) = plan_checked(&harness, "generated", &request)?;
        // The metrics are compared one by one inside the checker; the totals agree too.
        if figures.patients_scheduled + figures.patients_unscheduled != patients {
            return Err(TestCaseError::fail("patients lost or counted twice"));
        }
        if response.unscheduled.len() as u32 != figures.patients_unscheduled {
            return Err(TestCaseError::fail("unscheduled list and metrics disagree"));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn bookings_of_a_plan_pinned_in_a_new_request_are_kept() {
    // Solve a generated week, pin every other booking of its plan, solve again under the
    // other policy: the pins (valid together, since they come from a valid plan) stay.
    let harness = Harness::start();
    for seed in [31, 32] {
        let request = generated(2, 60, seed, 5_000);
        let (first, _) = plan_valid(&harness, &format!("pins_source_{seed}"), &request);
        let mut again = with_objective(request.clone(), proto::Objective::PriorityOrder);
        again.pinned = first
            .sessions
            .iter()
            .flat_map(|s| s.cases.iter().map(move |c| (s.session_id.clone(), c.patient_id.clone())))
            .step_by(2)
            .map(|(session_id, patient_id)| proto::Booking { patient_id, session_id })
            .collect();
        assert!(!again.pinned.is_empty(), "the first plan schedules someone");
        // The checker asserts that each pin is kept and marked as pinned.
        plan_valid(&harness, &format!("pins_kept_{seed}"), &again);
    }
}

#[test]
fn the_same_request_gives_the_same_plan() {
    let harness = Harness::start();
    let request = generated(2, 50, 7, 20_000);
    let (first, _) = plan_valid(&harness, "determinism_first", &request);
    let (second, _) = plan_valid(&harness, "determinism_second", &request);
    assert_eq!(status(&first), proto::SolveStatus::Optimal);
    assert_eq!(first.sessions, second.sessions);
    assert_eq!(first.unscheduled, second.unscheduled);
    assert_eq!(first.metrics, second.metrics);
    assert_eq!(solve(&first).objective, solve(&second).objective);
}
