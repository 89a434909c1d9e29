//! Balances a generated network with both methods and prints their figures:
//! `cargo run --release -p clinicplan-solver --example balance_generated -- PRACTICES CLINICIANS REQUESTS SEED`.

use std::time::Instant;

use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::appointments::input::BalanceMethod;
use clinicplan_solver::appointments::{balance, validate};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let config = NetworkConfig {
        practices: *args.first().unwrap_or(&20) as u32,
        clinicians: *args.get(1).unwrap_or(&120) as u32,
        requests: *args.get(2).unwrap_or(&30_000) as u32,
        horizon_days: 14,
        seed: *args.get(3).unwrap_or(&1),
    };
    let t = Instant::now();
    let mut request = network_request(&config);
    println!(
        "generated {} slots, {} requests in {:?}",
        request.slots.len(),
        request.requests.len(),
        t.elapsed()
    );
    let full = std::env::var("FULL").is_ok();
    for method in [BalanceMethod::Transshipment, BalanceMethod::FullLp] {
        if method == BalanceMethod::FullLp && !full {
            continue;
        }
        request.options.method = method;
        let t = Instant::now();
        let network = validate(&request).expect("valid");
        let v = t.elapsed();
        let plan = balance(&network, 120_000).expect("solved");
        let s = &plan.summary;
        println!(
            "{method:?}: validate {v:?}, total {:?}; objective {:.3} bound {:.3} optimal {} groups {}x{} arcs {} in LP {} rounds {} assigned {}",
            t.elapsed(),
            s.objective,
            s.bound,
            s.optimal,
            s.request_groups,
            s.slot_groups,
            s.arcs,
            s.arcs_in_lp,
            s.rounds,
            plan.metrics.assigned
        );
    }
}
