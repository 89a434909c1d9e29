//! The default appointment solver (the transshipment network by our network simplex)
//! against the reference (the whole grouped LP through good_lp) and against the same
//! transshipment problem as a HiGHS LP, on small generated networks: the same optimum,
//! proven, and a deterministic plan.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use clinicplan_solver::appointments::input::BalanceMethod;
use clinicplan_solver::appointments::model::{self, Grouping};
use clinicplan_solver::appointments::{
    BalancePlan, Network, balance, balance_cancellable, validate,
};

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

fn network(config: &NetworkConfig) -> Network {
    validate(&network_request(config)).expect("generated requests are valid")
}

fn configs() -> Vec<NetworkConfig> {
    let mut configs = Vec::new();
    for seed in 1..=4 {
        configs.push(NetworkConfig {
            practices: 3,
            clinicians: 12,
            requests: 300,
            horizon_days: 14,
            seed,
        });
    }
    for (seed, horizon_days) in [(11, 5), (12, 9), (13, 14)] {
        configs.push(NetworkConfig {
            practices: 6,
            clinicians: 14,
            requests: 400,
            horizon_days,
            seed,
        });
    }
    configs.push(NetworkConfig {
        practices: 2,
        clinicians: 3,
        requests: 500,
        horizon_days: 6,
        seed: 22,
    });
    configs.push(NetworkConfig {
        practices: 8,
        clinicians: 40,
        requests: 3_000,
        horizon_days: 14,
        seed: 41,
    });
    configs
}

#[test]
fn the_network_simplex_equals_the_highs_transshipment_lp() {
    for config in configs() {
        let network = network(&config);
        let grouping = Grouping::new(&network);
        let flow = model::solve_transshipment(&network, &grouping, || false).expect("solved");
        let deadline = Instant::now() + Duration::from_secs(60);
        let lp =
            model::solve_transshipment_highs(&network, &grouping, deadline, false).expect("solved");
        assert!(flow.optimal && lp.optimal, "{config:?}");
        assert!(!flow.deadline_reached && !lp.deadline_reached);
        assert_eq!(flow.objective30, lp.objective30, "{config:?}");
        assert_eq!(flow.bound30, flow.objective30, "{config:?}");
        assert_eq!(lp.bound30, lp.objective30, "{config:?}");
        assert_eq!((flow.arcs, flow.arcs_in_lp), (lp.arcs, lp.arcs_in_lp));
    }
}

#[test]
fn eligible_slots_through_the_chains_equal_those_of_every_arc() {
    for config in configs() {
        let network = network(&config);
        let grouping = Grouping::new(&network);
        let solution = model::solve_transshipment(&network, &grouping, || false).expect("solved");
        let classes = solution.classes.as_ref().expect("a class network");
        // All free, and free after the optimal plan.
        let mut free: Vec<u32> = grouping
            .slot_groups
            .iter()
            .map(|m| m.len() as u32)
            .collect();
        for _ in 0..2 {
            assert_eq!(
                classes.eligible_slots(&grouping, &free),
                model::eligible_slots(&network, &grouping, &free),
                "{config:?}"
            );
            for f in &solution.flows {
                free[f.slot_group as usize] -= f.count;
            }
        }
    }
}

#[test]
fn a_cancelled_balance_returns_the_deadline_plan() {
    let network = network(&NetworkConfig {
        practices: 5,
        clinicians: 25,
        requests: 1_500,
        horizon_days: 14,
        seed: 31,
    });
    let plan = balance_cancellable(&network, 60_000, &AtomicBool::new(true)).expect("a plan");
    let s = &plan.summary;
    assert!(s.deadline_reached);
    assert!(s.bound <= s.objective);
    assert_eq!(
        plan.bookings.len() + plan.unassigned.len(),
        network.requests.len()
    );
    let optimal = balance(&network, 60_000).expect("a plan");
    assert!(optimal.summary.optimal);
    assert!(optimal.summary.objective <= s.objective);
    assert!(s.bound <= optimal.summary.objective);
}
