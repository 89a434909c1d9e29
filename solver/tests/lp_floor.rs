//! The LP bound with its P1 floor raised while column generation runs
//! (docs/model.md, "Raising the floor while the LP runs"): whenever the count arrives, the
//! LP's optimum is the one it has with the final floor from the start.

use std::time::{Duration, Instant};

use clinicplan_solver::theatre::domain::Priority;
use clinicplan_solver::theatre::models::column_generation::{solve_lp, solve_lp_raising_floor};

use crate::support;

#[test]
fn raising_the_floor_mid_way_gives_the_lp_of_the_final_floor() {
    let mut raised = 0;
    // Cases where the higher floor changes the LP (else the test would prove nothing).
    let mut binding = 0;
    for (theatres, patients, seed, pins) in [
        (10, 2500, 1, false),
        (8, 2000, 2, true),
        (6, 1200, 32, false),
    ] {
        let instance = support::generated(theatres, patients, seed, pins);
        // A start with few P1 (priority order reversed would be contrived: drop every
        // second P1 booking of the constructive plan instead).
        let mut start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let pinned: Vec<_> = instance.pinned.iter().map(|&(p, _)| p).collect();
        let p1: Vec<_> = start
            .scheduled()
            .filter(|&(p, _)| instance.patient(p).priority == Priority::P1 && !pinned.contains(&p))
            .map(|(p, _)| p)
            .collect();
        p1.iter().step_by(2).for_each(|&p| start.set(p, None));
        let start_floor = start.counts_by_priority(&instance)[0];
        let p1_plan = support::most_p1(&instance, &start);
        let floor = p1_plan.counts_by_priority(&instance)[0];
        assert!(floor > start_floor, "seed {seed}: the count did not rise");
        let far = Instant::now() + Duration::from_secs(120);
        let fixed = solve_lp(&instance, &p1_plan, floor, far, 1, false).expect("the LP solves");
        let unraised =
            solve_lp(&instance, &start, start_floor, far, 1, false).expect("the LP solves");
        if unraised.objective < fixed.objective - 1e-6 * fixed.objective.abs().max(1.0) {
            binding += 1;
        }
        // The count arrives after `after` rounds (never before the LP converges: 1000).
        for after in [0, 2, 1000] {
            let mut asked = 0;
            let mut update = |wait: bool| {
                asked += 1;
                (wait || asked > after).then(|| Some(p1_plan.clone()))
            };
            let lp = solve_lp_raising_floor(
                &instance,
                &start,
                start_floor,
                Some(&mut update),
                far,
                1,
                false,
            )
            .expect("the LP solves");
            let scale = fixed.objective.abs().max(1.0);
            assert!(
                (lp.objective - fixed.objective).abs() <= 1e-6 * scale,
                "seed {seed}, count after {after} rounds: {} against {}",
                lp.objective,
                fixed.objective
            );
            raised += 1;
        }
    }
    assert_eq!(raised, 9);
    assert!(binding > 0, "the floor never bound");
}

/// A column generation the deadline cuts short still returns a true bound: the best
/// Lagrangian bound of its rounds (docs/model.md, "LP bound by column generation", "Cut
/// short"), never above the LP's optimum, rising with the time it is given, and the
/// optimum itself once it converges. The virtual clock of reproducible mode cuts it after
/// a fixed amount of work, so the rounds each deadline allows are the same on every run.
#[test]
fn a_column_generation_cut_short_still_bounds_the_lp() {
    use clinicplan_solver::theatre::effort::Clock;

    for (theatres, patients, seed, pins) in [(10, 2500, 1, false), (8, 2000, 2, true)] {
        let instance = support::generated(theatres, patients, seed, pins);
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let floor = start.counts_by_priority(&instance)[0];
        let far = Instant::now() + Duration::from_secs(120);
        let optimum = solve_lp(&instance, &start, floor, far, 1, false).expect("the LP solves");
        let tolerance = 1e-7 * instance.nothing_scheduled_cost();
        let (mut cut_short, mut previous) = (0, f64::NEG_INFINITY);
        let mut first = None;
        for units in (4..24).map(|k| 1u64 << k) {
            let mut timed = instance.clone();
            timed.clock = Clock::reproducible(u64::MAX / 2, far);
            let deadline = timed.clock.now() + Clock::duration_of(units);
            let Some(lp) = solve_lp_raising_floor(&timed, &start, floor, None, deadline, 1, false)
            else {
                continue; // not even the first master solved in time
            };
            assert!(
                lp.objective <= optimum.objective + tolerance,
                "seed {seed}, {units} units: bound {} above the LP optimum {}",
                lp.objective,
                optimum.objective
            );
            assert!(
                lp.objective >= previous - tolerance,
                "seed {seed}, {units} units: bound {} below the bound {previous} of less time",
                lp.objective
            );
            previous = lp.objective;
            if lp.converged {
                assert!((lp.objective - optimum.objective).abs() <= tolerance);
                break;
            }
            cut_short += 1;
            first.get_or_insert(lp.objective);
            assert!(
                !lp.values.is_empty(),
                "the last master's solution comes back"
            );
        }
        assert!(
            cut_short >= 2,
            "seed {seed}: only {cut_short} deadlines cut it short"
        );
        // A later round's duals proved more than the first's before it converged.
        let first = first.expect("cut short at least once");
        assert!(
            first < previous - tolerance,
            "seed {seed}: the bound never rose above the first round's {first}"
        );
        assert!(
            (previous - optimum.objective).abs() <= tolerance,
            "seed {seed}: never converged within the deadlines tried"
        );
    }
}
