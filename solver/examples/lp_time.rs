//! Times the LP relaxation of a generated week: `lp_time THEATRES PATIENTS`.
use std::time::{Duration, Instant};

use clinicplan_solver::generate::{GeneratorConfig, theatre_request};
use clinicplan_solver::mip::{RunOptions, run_stage};
use clinicplan_solver::models::theatre_list::{Stage, build};
use clinicplan_solver::validate;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let request = theatre_request(&GeneratorConfig {
        theatres: args[0],
        patients: args[1],
        horizon_days: 5,
        seed: 1,
    });
    let instance = validate(&request).unwrap();
    let t = Instant::now();
    let f = build(&instance, Stage::WeightedWait, [0; 4], false, None);
    println!(
        "build {} columns {} rows in {:?}",
        f.columns.len(),
        f.constraints.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let opts = RunOptions {
        time_limit: Duration::from_secs(120),
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
        "lp {:?} {:.1} in {:?}",
        r.status,
        instance.nothing_scheduled_cost() + r.objective,
        t.elapsed()
    );
}
