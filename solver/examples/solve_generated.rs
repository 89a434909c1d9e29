//! Solves one generated instance in process and prints the proof of quality.
//! `cargo run --release -p clinicplan-solver --example solve_generated -- THEATRES PATIENTS SECONDS [SEED]`

use std::time::Duration;

use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::solve::{InProcess, solve};
use clinicplan_solver::theatre::validate;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let config = GeneratorConfig {
        theatres: args.first().copied().unwrap_or(10) as u32,
        patients: args.get(1).copied().unwrap_or(2500) as u32,
        horizon_days: 5,
        seed: args.get(3).copied().unwrap_or(1),
        shape: WeekShape::baseline(),
    };
    let request = theatre_request(&config);
    let instance = validate(&request).expect("generated requests are valid");
    let pairs: usize = instance.eligible.iter().map(Vec::len).sum();
    println!(
        "{} sessions, {} patients, {pairs} eligible pairs",
        instance.sessions.len(),
        instance.patients.len()
    );
    let limit = Duration::from_secs(args.get(2).copied().unwrap_or(10));
    let outcome = solve(&instance, limit, &mut InProcess).expect("a plan");
    let r = &outcome.report;
    println!(
        "{:?} objective {:.1} bound {:.1} ({}) gap {:.4} in {} ms, source {:?}",
        r.status,
        r.objective,
        r.best_bound,
        r.bound_source.name(),
        r.gap,
        r.solve_ms,
        r.source
    );
    for n in &r.notes {
        println!("  {n}");
    }
    println!(
        "scheduled {} of {}",
        outcome.plan.metrics.patients_scheduled,
        instance.patients.len()
    );
}
