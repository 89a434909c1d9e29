//! Shared helpers of the solver's tests: generated weeks, exact HiGHS options, the most-P1
//! plan.

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::domain::Priority;
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::input::{BookingInput, TheatreRequest};
use clinicplan_solver::theatre::stages::{RunOptions, RunStatus, max_count};
use clinicplan_solver::theatre::{Instance, validate};
use std::time::Duration;

/// The generator's five-day week of the baseline shape, as a request.
pub fn generated_request(theatres: u32, patients: u32, seed: u64) -> TheatreRequest {
    theatre_request(&GeneratorConfig {
        theatres,
        patients,
        horizon_days: 5,
        seed,
        shape: WeekShape::baseline(),
    })
}

/// The generator's week; with `pins`, every third booking of its constructive plan pinned
/// (a set of pins that is feasible by construction).
pub fn generated(theatres: u32, patients: u32, seed: u64, pins: bool) -> Instance {
    let mut request = generated_request(theatres, patients, seed);
    let first = validate(&request).expect("generated requests are valid");
    if !pins {
        return first;
    }
    let start = clinicplan_solver::theatre::constructive::constructive_plan(&first);
    request.pinned = start
        .scheduled()
        .step_by(3)
        .map(|(p, s)| BookingInput {
            patient_id: first.patient(p).id.clone(),
            session_id: first.session(s).id.clone(),
        })
        .collect();
    validate(&request).expect("pins from a feasible plan are valid")
}

/// HiGHS run to optimality (one thread, no gap), for counts and optima the tests compare.
pub fn exact() -> RunOptions {
    RunOptions {
        time_limit: Duration::from_secs(120),
        mip_rel_gap: 0.0,
        mip_abs_gap: Some(1e-6),
        threads: 1,
        log: false,
    }
}

/// A plan with the most P1 patients any plan can book (the count proven by HiGHS run to
/// optimality), from `start` (which it is, if no plan books more).
pub fn most_p1(instance: &Instance, start: &Assignment) -> Assignment {
    let (count, plan) = max_count(instance, Priority::P1, [0; 4], start, &exact(), None);
    assert_eq!(count.status, RunStatus::Optimal, "the P1 count is proven");
    plan.unwrap_or_else(|| start.clone())
}
