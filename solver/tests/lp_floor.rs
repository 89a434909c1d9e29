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
