//! The P1 count (docs/model.md, "Count stages"): specialty by specialty it equals the
//! whole model's count, proven, also where the ward beds are tight enough to turn
//! bookings away; and a preference among the plans with that count is followed.

use std::collections::HashMap;

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::domain::{PatientIdx, Priority, SessionIdx};

use clinicplan_solver::theatre::input::PriorityInput;
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::stages::{RunStatus, max_count, max_p1_by_specialty, run_stage};
use clinicplan_solver::theatre::{Instance, validate};

use crate::support;

/// The most P1 any plan books: the whole count MIP run to optimality.
fn whole_count(instance: &Instance, start: &Assignment) -> u32 {
    let run = run_stage(
        instance,
        Stage::MaxCount(Priority::P1),
        [0; 4],
        true,
        Some(start),
        &support::exact(),
        None,
    );
    assert_eq!(run.status, RunStatus::Optimal, "the whole count is proven");
    (-run.objective).round() as u32
}

/// `max_count` for P1 run to the end: the run, and its plan (`start` if no better).
fn count(
    instance: &Instance,
    start: &Assignment,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> (clinicplan_solver::theatre::stages::RunResult, Assignment) {
    let (run, plan) = max_count(
        instance,
        Priority::P1,
        [0; 4],
        start,
        &support::exact(),
        prefer,
    );
    (run, plan.unwrap_or_else(|| start.clone()))
}

fn assert_checked(instance: &Instance, plan: &Assignment, what: &str) {
    let built = build_plan(instance, plan.clone());
    let report = check(instance, &built.to_proposed(instance));
    assert!(report.is_valid(), "{what}: {:?}", report.violations);
}

/// The generator's week with every `p1_every`-th patient made P1 and, with `beds`, at
/// most that many free ward beds a day.
fn week(theatres: u32, patients: u32, seed: u64, p1_every: usize, beds: Option<u32>) -> Instance {
    let mut request = support::generated_request(theatres, patients, seed);
    for patient in request.patients.iter_mut().step_by(p1_every) {
        patient.priority = PriorityInput::P1;
    }
    if let Some(free) = beds {
        for day in &mut request.ward_beds {
            day.free_beds = day.free_beds.min(free);
        }
    }
    validate(&request).expect("a valid week")
}

#[test]
fn the_count_by_specialty_is_the_whole_models_count() {
    let (mut by_specialty, mut gave_up) = (0, 0);
    for (theatres, patients, seed, p1_every, beds) in [
        (3, 150, 31, 40, None),
        (4, 200, 32, 4, None),
        (4, 250, 33, 5, None),
        // Ward beds cut to a few a day: bookings across specialties collide.
        (3, 200, 35, 3, Some(2)),
        (4, 200, 36, 3, Some(1)),
        (4, 250, 37, 3, Some(3)),
    ] {
        let instance = week(theatres, patients, seed, p1_every, beds);
        let what = format!("seed {seed}");
        let start = Assignment::empty(&instance);
        let most = whole_count(&instance, &start);
        let (run, plan) = count(&instance, &start, None);
        assert_eq!(plan.counts_by_priority(&instance)[0], most, "{what}");
        assert!(
            -run.dual_bound < f64::from(most) + 1.0 - 1e-6,
            "{what}: the count is not proven"
        );
        assert_checked(&instance, &plan, &what);
        match max_p1_by_specialty(&instance, &start, &support::exact(), None) {
            Some((run, plan)) => {
                by_specialty += 1;
                assert_eq!(run.status, RunStatus::Optimal);
                assert_eq!(plan.counts_by_priority(&instance)[0], most, "{what}");
                assert_checked(&instance, &plan, &what);
            }
            None => gave_up += 1,
        }
    }
    // Both ways out are taken: the count by specialty where the beds allow, the whole
    // model where they do not.
    assert!(
        by_specialty >= 3,
        "the count by specialty gave up {gave_up} times"
    );
    assert!(
        gave_up >= 1,
        "the beds never turned the count by specialty away"
    );
}

#[test]
fn a_preferred_placement_is_followed_at_the_same_count() {
    let mut gained = 0;
    for (theatres, patients, seed) in [(3, 150, 41), (4, 200, 42), (4, 250, 43)] {
        let instance = week(theatres, patients, seed, 8, None);
        let start = clinicplan_solver::theatre::constructive::constructive_plan(&instance);
        let most = whole_count(&instance, &start);
        let count_near = |prefer: &HashMap<(PatientIdx, SessionIdx), f64>| {
            let (_, near) = count(&instance, &start, Some(prefer));
            assert_eq!(near.counts_by_priority(&instance)[0], most, "seed {seed}");
            assert_checked(&instance, &near, &format!("seed {seed}"));
            near
        };
        // A placement with the most P1 that the count alone has no reason to find: as
        // late in the week as the count allows.
        let late: HashMap<(PatientIdx, SessionIdx), f64> = instance
            .patient_indices()
            .filter(|&p| instance.patient(p).priority == Priority::P1)
            .filter_map(|p| instance.eligible[p.idx()].last().map(|&s| ((p, s), 1.0)))
            .collect();
        let target: HashMap<(PatientIdx, SessionIdx), f64> = count_near(&late)
            .scheduled()
            .filter(|&(p, _)| instance.patient(p).priority == Priority::P1)
            .map(|pair| (pair, 1.0))
            .collect();
        let followed = |plan: &Assignment| {
            plan.scheduled()
                .filter(|pair| target.contains_key(pair))
                .count()
        };
        // Asked for that placement, the count keeps nearly all of it (the preference is
        // optimised to within `PREFER_GAP`, a twentieth of a patient per specialty).
        let near = count_near(&target);
        let wanted = target.len();
        assert!(
            followed(&near) + 2 + wanted / 20 >= wanted,
            "seed {seed}: {} of {wanted} preferred bookings followed",
            followed(&near)
        );
        let (_, alone) = count(&instance, &start, None);
        if followed(&near) > followed(&alone) {
            gained += 1;
        }
    }
    assert!(gained > 0, "the preference never changed the placement");
}
