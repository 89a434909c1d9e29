//! Shared helpers of the solver's tests: generated weeks, exact HiGHS options, the most-P1
//! plan.

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::domain::Priority;
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::input::{
    BookingInput, PriorityInput, SurgeonInput, TheatreInput, TheatreRequest,
};
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

/// A request with one theatre (T1) and one surgeon (S1, Ms One, of `specialty`, 600
/// minutes a day) from Monday 2 March 2026 over `horizon_days`: the hand-worked weeks add
/// their sessions, patients and specialties.
pub fn one_theatre(specialty: &str, horizon_days: u32) -> TheatreRequest {
    TheatreRequest {
        planning_start: "2026-03-02".into(),
        horizon_days,
        theatres: vec![TheatreInput {
            id: "T1".into(),
            name: "Theatre 1".into(),
            equipment: vec![],
        }],
        surgeons: vec![SurgeonInput {
            id: "S1".into(),
            name: "Ms One".into(),
            specialty: specialty.into(),
            max_minutes_per_day: 600,
            unavailable_dates: vec![],
        }],
        ..TheatreRequest::default()
    }
}

/// The generator's week with every `p1_every`-th patient made P1 and, with `beds`, at
/// most that many free ward beds a day.
pub fn p1_week(
    theatres: u32,
    patients: u32,
    seed: u64,
    p1_every: usize,
    beds: Option<u32>,
) -> Instance {
    let mut request = generated_request(theatres, patients, seed);
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
