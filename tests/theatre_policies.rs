//! The two objective policies, where they agree and where they disagree, the weights
//! option, and P1 first under both.

use std::collections::BTreeSet;

use clinicplan_service::proto;
use clinicplan_service::proto::Objective;

use crate::support::build::*;
use crate::support::{
    Harness, assert_objective, brute, generated, metrics, plan_valid, scheduled_ids, status,
    with_objective,
};

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A long, freshly listed P2 against three short P4 patients who have waited 252 days,
/// all for one 240-minute list (turnaround 20, so Σ(d + 20) ≤ 260) on day 0. Horizon 1:
/// waiting costs u × 8.
///   FRESH_P2: 200 minutes, u = 4 × (1 + 0/28) = 4.
///   OLD_P4a..c: 60 minutes each, u = 1 × (1 + 252/126) = 3.
/// FRESH_P2 fits alone (220 ≤ 260) but not with any P4 (300); the three P4s fit
/// together (240 ≤ 260).
///   P2 in:  4 + 3 × 3 × 8 = 76.     P4s in: 3 × 3 + 4 × 8 = 41.
/// Weighted wait takes the P4s (41); priority order must take the P2 (76).
fn disagreement(objective: Objective) -> proto::PlanTheatreListsRequest {
    let mut request = request(1);
    request.options = options(objective);
    request.specialties = vec![specialty("GEN", 20)];
    request.theatres = vec![theatre("T1", &[])];
    request.surgeons = vec![surgeon("K1", "GEN", 480)];
    request.sessions = vec![session("S1", "T1", 0, "08:00", "12:00", "GEN", "K1")];
    request.patients = vec![
        patient("FRESH_P2", "GEN", 200, P2, 0),
        patient("OLD_P4a", "GEN", 60, P4, 252),
        patient("OLD_P4b", "GEN", 60, P4, 252),
        patient("OLD_P4c", "GEN", 60, P4, 252),
    ];
    request
}

#[test]
fn weighted_wait_prefers_several_long_waiting_p4_to_a_fresh_p2() {
    let harness = Harness::start();
    for objective in [Objective::WeightedWait, Objective::Unspecified] {
        let request = disagreement(objective);
        assert!(crate::support::close(
            brute::optimum(&request).weighted_wait,
            41.0
        ));
        let (response, _) = plan_valid(&harness, "policy_weighted_wait", &request);
        assert_eq!(status(&response), proto::SolveStatus::Optimal);
        assert_objective(&response, 41.0);
        assert_eq!(
            scheduled_ids(&response),
            ids(&["OLD_P4a", "OLD_P4b", "OLD_P4c"]),
            "{objective:?}"
        );
    }
}

#[test]
fn priority_order_takes_the_fresh_p2_first() {
    let request = disagreement(Objective::PriorityOrder);
    assert!(crate::support::close(
        brute::optimum(&request).weighted_wait,
        76.0
    ));
    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "policy_priority_order", &request);
    assert_eq!(status(&response), proto::SolveStatus::Optimal);
    // The weighted wait is still what is reported, so the two policies can be compared.
    assert_objective(&response, 76.0);
    assert_eq!(scheduled_ids(&response), ids(&["FRESH_P2"]));
}

#[test]
fn the_weights_option_changes_the_weighted_wait_choice() {
    // With w(P2) = 10 the fresh P2 has u = 10: P2 in: 10 + 72 = 82; P4s in: 9 + 80 = 89.
    // Weighted wait now takes the P2 too, and reports the wait with the given weights.
    let mut request = disagreement(Objective::WeightedWait);
    request.options.as_mut().expect("options").weights = Some(proto::ObjectiveWeights {
        weight_p2: Some(10.0),
        ..Default::default()
    });
    assert!(crate::support::close(
        brute::optimum(&request).weighted_wait,
        82.0
    ));
    let harness = Harness::start();
    let (response, _) = plan_valid(&harness, "policy_weights", &request);
    assert_objective(&response, 82.0);
    assert!(crate::support::close(
        metrics(&response).nothing_scheduled_cost,
        8.0 * (10.0 + 9.0)
    ));
    assert_eq!(scheduled_ids(&response), ids(&["FRESH_P2"]));
}

#[test]
fn a_long_fresh_p1_comes_before_cheaper_p4_under_both_policies() {
    // One 240-minute list (turnaround 10: Σ(d + 10) ≤ 250) on day 0, horizon 1 (waiting
    // costs u × 8). A fresh P1 of 200 minutes (u = 10) against four P4 of 50 minutes
    // who have waited 630 days (u = 1 × (1 + 630/126) = 6). The P1 fits alone (210), the
    // four P4 fit together (240), the P1 and any P4 do not (270).
    //   P1 in:  10 + 4 × 6 × 8 = 202.     P4s in: 4 × 6 + 10 × 8 = 104.
    // The weighted wait alone would take the P4s; P1 first takes the P1 under either
    // policy, for 202.
    let harness = Harness::start();
    for objective in [Objective::WeightedWait, Objective::PriorityOrder] {
        let mut request = request(1);
        request.options = options(objective);
        request.specialties = vec![specialty("GEN", 10)];
        request.theatres = vec![theatre("T1", &[])];
        request.surgeons = vec![surgeon("K1", "GEN", 480)];
        request.sessions = vec![session("S1", "T1", 0, "08:00", "12:00", "GEN", "K1")];
        request.patients = vec![
            patient("URGENT", "GEN", 200, P1, 0),
            patient("Q1", "GEN", 50, P4, 630),
            patient("Q2", "GEN", 50, P4, 630),
            patient("Q3", "GEN", 50, P4, 630),
            patient("Q4", "GEN", 50, P4, 630),
        ];
        assert!(crate::support::close(
            brute::optimum(&request).weighted_wait,
            202.0
        ));
        let (response, _) = plan_valid(&harness, "p1_first_hand_made", &request);
        assert_eq!(status(&response), proto::SolveStatus::Optimal);
        assert_objective(&response, 202.0);
        assert_eq!(scheduled_ids(&response), ids(&["URGENT"]), "{objective:?}");
    }
}

/// A generated week made P1-heavy: every third patient becomes a fresh P1 with a case
/// half as long again, so that P1 patients compete with each other and with cheaper,
/// long-waiting patients.
fn p1_heavy(theatres: u32, patients: u32, seed: u64) -> proto::PlanTheatreListsRequest {
    let mut request = generated(theatres, patients, seed, 20_000);
    let start = request.planning_start.clone();
    for (i, p) in request.patients.iter_mut().enumerate() {
        if i % 3 == 0 {
            p.priority = proto::Priority::P1 as i32;
            p.listed_date = start.clone();
            p.expected_duration_min = p.expected_duration_min * 3 / 2;
        }
    }
    request
}

fn p1_scheduled(response: &proto::PlanTheatreListsResponse) -> u32 {
    metrics(response)
        .by_priority
        .iter()
        .find(|c| c.priority == proto::Priority::P1 as i32)
        .map_or(0, |c| c.scheduled)
}

#[test]
fn p1_count_equals_the_optimum_of_the_p1_patients_alone() {
    // For each request, solve for its P1 patients alone (pins dropped): that solve's P1
    // count is the most P1 any plan can schedule. Both policies must reach it on the
    // full request.
    let harness = Harness::start();
    for (theatres, patients, seed) in [(1, 36, 101), (2, 60, 102), (1, 40, 104)] {
        let full = p1_heavy(theatres, patients, seed);
        let mut alone = full.clone();
        alone
            .patients
            .retain(|p| p.priority == proto::Priority::P1 as i32);
        alone.pinned.clear();
        let name = format!("p1_alone_{seed}");
        let (alone_response, alone_figures) = plan_valid(&harness, &name, &alone);
        assert_eq!(
            status(&alone_response),
            proto::SolveStatus::Optimal,
            "{name}"
        );
        let most_p1 = alone_figures.scheduled_by_priority[0];
        assert!(
            (most_p1 as usize) < alone.patients.len(),
            "{name}: the case should leave some P1 waiting to be a real test"
        );

        for objective in [Objective::WeightedWait, Objective::PriorityOrder] {
            let request = with_objective(full.clone(), objective);
            let name = format!("p1_full_{seed}_{objective:?}");
            let (response, figures) = plan_valid(&harness, &name, &request);
            assert_eq!(figures.scheduled_by_priority[0], most_p1, "{name}");
            assert_eq!(p1_scheduled(&response), most_p1, "{name}");
        }
    }
}
