//! The default appointment solver (the transshipment LP) against the reference (the whole
//! grouped LP through good_lp) on small generated networks: the same optimum, proven,
//! and a deterministic plan.

use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::appointments::input::BalanceMethod;
use clinicplan_solver::appointments::{BalancePlan, balance, validate};

fn solve(config: &NetworkConfig, method: BalanceMethod) -> BalancePlan {
    let mut request = network_request(config);
    request.options.method = method;
    let network = validate(&request).expect("generated requests are valid");
    balance(&network, 60_000).expect("solved")
}

fn compare(config: &NetworkConfig) {
    let default = solve(config, BalanceMethod::Transshipment);
    let reference = solve(config, BalanceMethod::FullLp);
    let (d, r) = (&default.summary, &reference.summary);
    assert!(d.optimal, "{config:?}: default not proven optimal");
    assert!(r.optimal, "{config:?}: reference not proven optimal");
    assert_eq!(d.objective, r.objective, "{config:?}");
    assert_eq!(d.bound, d.objective, "{config:?}");
    assert_eq!(d.arcs, r.arcs, "{config:?}: eligible arcs");
    assert_eq!(d.request_groups, r.request_groups);
    assert_eq!(d.slot_groups, r.slot_groups);
    assert!(!d.deadline_reached);
    assert_eq!(default.metrics.weighted_cost, d.objective);
    assert_eq!(
        default.bookings.len() + default.unassigned.len(),
        config.requests as usize
    );
}

#[test]
fn transshipment_equals_the_full_lp() {
    for seed in 1..=4 {
        compare(&NetworkConfig {
            practices: 3,
            clinicians: 12,
            requests: 300,
            horizon_days: 14,
            seed,
        });
    }
}

#[test]
fn transshipment_equals_the_full_lp_with_travel_limits_and_short_horizons() {
    for (seed, horizon_days) in [(11, 5), (12, 9), (13, 14)] {
        compare(&NetworkConfig {
            practices: 6,
            clinicians: 14,
            requests: 400,
            horizon_days,
            seed,
        });
    }
}

#[test]
fn over_and_under_subscribed_networks() {
    // Few requests (every one booked) and many (most wait).
    compare(&NetworkConfig {
        practices: 4,
        clinicians: 10,
        requests: 40,
        horizon_days: 7,
        seed: 21,
    });
    compare(&NetworkConfig {
        practices: 2,
        clinicians: 3,
        requests: 500,
        horizon_days: 6,
        seed: 22,
    });
}

#[test]
fn the_same_input_gives_the_same_plan() {
    let config = NetworkConfig {
        practices: 5,
        clinicians: 25,
        requests: 1_500,
        horizon_days: 14,
        seed: 31,
    };
    let a = solve(&config, BalanceMethod::Transshipment);
    let b = solve(&config, BalanceMethod::Transshipment);
    assert!(a.summary.optimal);
    assert_eq!(a.bookings, b.bookings);
    assert_eq!(a.unassigned, b.unassigned);
    assert_eq!(a.summary.objective, b.summary.objective);
}
