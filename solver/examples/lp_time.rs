//! Times the LP relaxation of a generated week, whole and by column generation:
//! `lp_time THEATRES PATIENTS [SEED]`.
use std::time::{Duration, Instant};

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::models::column_generation::solve_lp;
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::stages::{RunOptions, run_stage};
use clinicplan_solver::theatre::validate;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let request = theatre_request(&GeneratorConfig {
        theatres: args[0] as u32,
        patients: args[1] as u32,
        horizon_days: 5,
        seed: args.get(2).copied().unwrap_or(1),
        shape: WeekShape::baseline(),
    });
    let instance = validate(&request).unwrap();
    let nothing = instance.nothing_scheduled_cost();
    let t = Instant::now();
    let cg = solve_lp(
        &instance,
        &Assignment::empty(&instance),
        0,
        Instant::now() + Duration::from_secs(300),
        1,
        false,
    )
    .unwrap();
    println!(
        "column generation: {:.3} in {:?} ({} rounds, {} columns)",
        nothing + cg.objective,
        t.elapsed(),
        cg.rounds,
        cg.columns
    );
    if args.len() > 3 {
        return;
    }
    let t = Instant::now();
    let opts = RunOptions {
        time_limit: Duration::from_secs(300),
        mip_rel_gap: 1e-4,
        mip_abs_gap: None,
        threads: 1,
        log: false,
    };
    let r = run_stage(
        &instance,
        Stage::WeightedWait,
        [0; 4],
        false,
        None,
        &opts,
        None,
    );
    println!(
        "whole LP: {:?} {:.3} in {:?}",
        r.status,
        nothing + r.objective,
        t.elapsed()
    );
}
