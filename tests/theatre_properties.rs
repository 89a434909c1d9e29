//! Properties over many requests: every plan passes the independent checker with the
//! reported metrics equal to the recomputed ones; on tiny requests the service's
//! objective is the brute-force optimum; pins taken from a plan are kept; the same
//! request gives the same plan.

use std::cell::Cell;

use clinicplan_service::proto;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use crate::support::tiny::tiny_spec;
use crate::support::{
    Harness, brute, checker, close, generated, plan_valid, save_case, solve, status, with_objective,
};

/// A fixed-seed runner: the same cases on every run, no files written. For a longer
/// hunt, `CLINICPLAN_E2E_CASES` multiplies the number of cases and `CLINICPLAN_E2E_SEED`
/// replaces the seed.
fn runner(cases: u32, seed: u64) -> TestRunner {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let factor = env("CLINICPLAN_E2E_CASES").unwrap_or(1) as u32;
    let seed = env("CLINICPLAN_E2E_SEED").unwrap_or(seed);
    TestRunner::new(Config {
        cases: cases * factor.max(1),
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
    // How many cases exercised what, so that the generator is known to reach each rule.
    let coverage = Cell::new(TinyCoverage::default());
    let result = runner(64, 0x2026_1125).run(&tiny_spec(10), |spec| {
        let request = spec.to_request();
        let optimum = brute::optimum(&request);
        let (response, figures) = plan_checked(&harness, "tiny_brute_force", &request)?;
        let mut seen = coverage.get();
        seen.cases += 1;
        seen.with_pins += usize::from(!request.pinned.is_empty());
        seen.priority_order +=
            usize::from(brute::Policy::of(&request) == brute::Policy::PriorityOrder);
        seen.with_outranked += usize::from(
            response
                .unscheduled
                .iter()
                .any(|u| u.reason == proto::UnscheduledReason::Outranked as i32),
        );
        seen.with_ineligible += usize::from(
            response
                .unscheduled
                .iter()
                .any(|u| u.reason != proto::UnscheduledReason::Outranked as i32),
        );
        coverage.set(seen);
        let fail = |what: String| {
            save_case("tiny_brute_force", &request, Some(&response));
            TestCaseError::fail(format!(
                "{what}; brute-force plan: {:?}",
                optimum.assignment
            ))
        };
        if status(&response) != proto::SolveStatus::Optimal {
            return Err(fail(format!(
                "status {:?}, expected optimal",
                status(&response)
            )));
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
        if figures.scheduled_by_priority[..n_counted] != optimum.scheduled_by_priority[..n_counted]
        {
            return Err(fail(format!(
                "scheduled per priority {:?}, brute force {:?}",
                figures.scheduled_by_priority, optimum.scheduled_by_priority
            )));
        }
        // The bound must hold for the true optimum, not only for the plan returned.
        let bound = solve(&response).best_bound;
        if bound > optimum.weighted_wait + 1e-6 * optimum.weighted_wait.max(1.0) {
            return Err(fail(format!(
                "best_bound {bound} exceeds the optimum {}",
                optimum.weighted_wait
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = coverage.get();
    eprintln!("tiny brute-force cases: {seen:?}");
    assert!(
        seen.with_pins >= 8
            && seen.priority_order >= 8
            && seen.with_outranked >= 16
            && seen.with_ineligible >= 8,
        "the tiny generator no longer reaches every rule: {seen:?}"
    );
}

/// What the tiny cases exercised.
#[derive(Clone, Copy, Debug, Default)]
struct TinyCoverage {
    cases: usize,
    with_pins: usize,
    priority_order: usize,
    /// Cases where capacity, not a per-pair rule, kept someone out.
    with_outranked: usize,
    /// Cases where a per-pair rule kept someone out.
    with_ineligible: usize,
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
            .flat_map(|s| {
                s.cases
                    .iter()
                    .map(move |c| (s.session_id.clone(), c.patient_id.clone()))
            })
            .step_by(2)
            .map(|(session_id, patient_id)| proto::Booking {
                patient_id,
                session_id,
            })
            .collect();
        assert!(!again.pinned.is_empty(), "the first plan schedules someone");
        // The checker asserts that each pin is kept and marked as pinned.
        plan_valid(&harness, &format!("pins_kept_{seed}"), &again);
    }
}

#[test]
fn the_same_request_gives_the_same_plan() {
    // In reproducible mode the plan depends on the request alone, however loaded the
    // machine (a time-limited solve repeats only where it proves its optimum in time).
    let harness = Harness::start();
    let mut request = generated(2, 50, 7, 60_000);
    let options = request.options.get_or_insert_with(Default::default);
    options.reproducible = true;
    let (first, _) = plan_valid(&harness, "determinism_first", &request);
    let (second, _) = plan_valid(&harness, "determinism_second", &request);
    assert!(solve(&first).reproducible, "{:?}", solve(&first).notes);
    assert_eq!(first.sessions, second.sessions);
    assert_eq!(first.unscheduled, second.unscheduled);
    assert_eq!(first.metrics, second.metrics);
    assert_eq!(solve(&first).objective, solve(&second).objective);
}

#[test]
fn more_capacity_never_makes_the_optimum_worse() {
    // Relaxing a generated week (no ward-bed limit, surgeons free to operate all day)
    // can only keep or lower the optimum: when the tighter plan already schedules every
    // P1 patient, both weeks' policies ask for all P1, and the relaxed solve's proven
    // bound must lie at or below the tighter plan's weighted wait (bound ≤ relaxed
    // optimum ≤ tighter optimum ≤ tighter plan). When both solves are proven optimal to
    // the default relative gap g = 1e-4, the relaxed plan is also no worse than the
    // tighter one beyond a factor 1 / (1 − g). Solves stop at 2 s, so the property holds
    // whether or not optimality is reached.
    let harness = Harness::start();
    let mut n_compared = 0;
    for seed in [41, 42, 43, 44] {
        let request = generated(2, 60, seed, 2_000);
        let mut relaxed = request.clone();
        relaxed.ward_beds.clear();
        for surgeon in &mut relaxed.surgeons {
            surgeon.max_minutes_per_day = 24 * 60;
        }
        let (tight, tight_figures) =
            plan_valid(&harness, &format!("capacity_tight_{seed}"), &request);
        let (loose, loose_figures) =
            plan_valid(&harness, &format!("capacity_loose_{seed}"), &relaxed);
        let n_p1 = request
            .patients
            .iter()
            .filter(|p| p.priority == proto::Priority::P1 as i32)
            .count() as u32;
        let (tight_p1, loose_p1) = (
            tight_figures.scheduled_by_priority[0],
            loose_figures.scheduled_by_priority[0],
        );
        assert!(
            loose_p1 >= tight_p1,
            "seed {seed}: {loose_p1} P1 with more capacity, {tight_p1} without"
        );
        if tight_p1 != n_p1 {
            continue;
        }
        n_compared += 1;
        let t = solve(&tight).objective;
        let bound = solve(&loose).best_bound;
        assert!(
            bound <= t + 1e-6 * t,
            "seed {seed}: relaxed bound {bound} above the tighter plan's {t}"
        );
        if status(&tight) == proto::SolveStatus::Optimal
            && status(&loose) == proto::SolveStatus::Optimal
        {
            let l = solve(&loose).objective;
            assert!(
                l <= t / (1.0 - 1e-4) + 1e-6,
                "seed {seed}: {l} with more capacity, {t} without"
            );
        }
    }
    assert!(
        n_compared >= 2,
        "too few weeks schedule every P1 to compare"
    );
}
