//! The network simplex against HiGHS and brute force, and its basis checked after
//! every pivot.

use highs::{ColProblem, HighsModelStatus, Sense};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::basis::{LOWER, Simplex, TREE, UPPER};
use super::network::*;

impl Simplex {
    /// Panics unless the basis is a strongly feasible spanning tree with a consistent
    /// thread, sizes and last nodes, orientation, zero reduced costs and balanced flows.
    fn check_tree(&self, supply: &[i64]) {
        let n = self.parent.len() - 1;
        let root = n as u32;
        // Preorder from the thread: a node's parent must be open on the stack; a node
        // closes when the thread leaves its subtree, and then its size and last node
        // must match what was seen.
        let mut stack: Vec<(u32, u32)> = vec![(root, 0)];
        let mut seen = vec![false; n + 1];
        let mut position = 0u32;
        let mut previous = root;
        let close = |stack: &mut Vec<(u32, u32)>, position: u32, previous: u32| {
            let (v, start) = stack.pop().expect("open node");
            assert_eq!(self.size[v as usize], position - start, "size of {v}");
            assert_eq!(self.last[v as usize], previous, "last of {v}");
        };
        let mut v = self.thread[n];
        let mut visited = 1;
        while v != root {
            assert!(!seen[v as usize], "thread revisits {v}");
            seen[v as usize] = true;
            visited += 1;
            position += 1;
            assert_eq!(self.rev_thread[self.thread[v as usize] as usize], v);
            let p = self.parent[v as usize];
            while stack.last().expect("parent on the stack").0 != p {
                close(&mut stack, position, previous);
            }
            stack.push((v, position));
            previous = v;
            let vi = v as usize;
            let a = self.pred[vi] as usize;
            assert_eq!(self.state[a], TREE);
            let (t, h) = (self.tail[a], self.head[a]);
            if self.up[vi] {
                assert_eq!((t, h), (v, p));
            } else {
                assert_eq!((t, h), (p, v));
            }
            let rc = self.cost[a] - self.y[t as usize] + self.y[h as usize];
            assert_eq!(rc, 0, "tree arc {a}");
            let toward_root = if self.up[vi] {
                self.room(a)
            } else {
                self.flow[a]
            };
            assert!(toward_root > 0, "not strongly feasible at {v}");
            v = self.thread[vi];
        }
        position += 1;
        while !stack.is_empty() {
            close(&mut stack, position, previous);
        }
        assert_eq!(visited, n + 1);
        assert_eq!(self.state.iter().filter(|&&s| s == TREE).count(), n);
        self.check_flows(supply);
    }

    /// Panics unless every flow is within its bounds, matches its arc's state, and the
    /// flows balance the supplies.
    fn check_flows(&self, supply: &[i64]) {
        let n = self.parent.len() - 1;
        let mut balance = vec![0i64; n + 1];
        for a in 0..self.tail.len() {
            let f = self.flow[a];
            assert!(f >= 0 && (self.cap[a] == UNBOUNDED || f <= self.cap[a]));
            if self.state[a] == LOWER {
                assert_eq!(f, 0);
            }
            if self.state[a] == UPPER {
                assert_eq!(f, self.cap[a]);
            }
            balance[self.tail[a] as usize] += f;
            balance[self.head[a] as usize] -= f;
        }
        assert_eq!(&balance[..n], supply);
    }
}

/// The same network as an LP through HiGHS: its status and optimal cost.
fn highs_optimum(net: &FlowNetwork) -> (HighsModelStatus, f64) {
    if net.arc_count() == 0 {
        // HiGHS calls a model without columns empty.
        return if net.supply.iter().all(|&b| b == 0) {
            (HighsModelStatus::Optimal, 0.0)
        } else {
            (HighsModelStatus::Infeasible, 0.0)
        };
    }
    let mut problem = ColProblem::default();
    let rows: Vec<_> = net
        .supply
        .iter()
        .map(|&b| problem.add_row(b as f64..=b as f64))
        .collect();
    for a in 0..net.arc_count() {
        let (t, h) = (net.tail[a] as usize, net.head[a] as usize);
        let upper = if net.cap[a] == UNBOUNDED {
            f64::INFINITY
        } else {
            net.cap[a] as f64
        };
        let factors: Vec<_> = if t == h {
            Vec::new()
        } else {
            vec![(rows[t], 1.0), (rows[h], -1.0)]
        };
        problem.add_column(net.cost[a] as f64, 0.0..=upper, factors);
    }
    let mut model = problem.optimise(Sense::Minimise);
    model.set_option("output_flag", false);
    model.set_option("threads", 1);
    model.set_option("presolve", "off");
    let solved = model.solve();
    let status = solved.status();
    let value = if status == HighsModelStatus::Optimal {
        let s = solved.get_solution();
        s.columns()
            .iter()
            .zip(&net.cost)
            .map(|(&x, &c)| x * c as f64)
            .sum()
    } else {
        0.0
    };
    (status, value)
}

/// Conservation, capacities, the reported cost and complementary slackness.
fn certify(net: &FlowNetwork, sol: &FlowSolution) {
    let n = net.node_count();
    let mut balance = vec![0i64; n];
    let mut cost = 0i128;
    for a in 0..net.arc_count() {
        let f = sol.flow[a];
        assert!(f >= 0, "arc {a}: negative flow");
        assert!(
            net.cap[a] == UNBOUNDED || f <= net.cap[a],
            "arc {a}: over capacity"
        );
        let (t, h) = (net.tail[a] as usize, net.head[a] as usize);
        balance[t] += f;
        balance[h] -= f;
        cost += i128::from(f) * i128::from(net.cost[a]);
        let rc = net.cost[a] - sol.potential[t] + sol.potential[h];
        if net.cap[a] == UNBOUNDED || f < net.cap[a] {
            assert!(rc >= 0, "arc {a}: reduced cost {rc} < 0 below capacity");
        }
        if f > 0 {
            assert!(rc <= 0, "arc {a}: reduced cost {rc} > 0 with flow");
        }
    }
    assert_eq!(balance, net.supply, "conservation");
    assert_eq!(cost, sol.cost);
}

fn random_network(rng: &mut ChaCha8Rng) -> FlowNetwork {
    let n = rng.random_range(1..=9usize);
    let mut net = FlowNetwork::new();
    let mut supply = vec![0i64; n];
    // Supplies that sum to zero: move random amounts between random nodes.
    for _ in 0..rng.random_range(0..=4) {
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        let q = rng.random_range(1..=6);
        supply[a] += q;
        supply[b] -= q;
    }
    for &b in &supply {
        net.add_node(b);
    }
    let arcs = rng.random_range(0..=3 * n);
    for _ in 0..arcs {
        let t = rng.random_range(0..n) as u32;
        let h = rng.random_range(0..n) as u32;
        let unbounded = rng.random_bool(0.25);
        // Unbounded arcs never have a negative cost, so no cycle is unbounded.
        let cost = if unbounded {
            rng.random_range(0..=9)
        } else {
            rng.random_range(-9..=9)
        };
        let cap = if unbounded {
            UNBOUNDED
        } else {
            rng.random_range(0..=7)
        };
        net.add_arc(t, h, cap, cost);
    }
    net
}

#[test]
fn equals_highs_on_random_networks() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261125);
    let (mut optimal, mut infeasible) = (0, 0);
    for case in 0..3000 {
        let net = random_network(&mut rng);
        let sol = net.solve(|| false).expect("valid network");
        let (status, value) = highs_optimum(&net);
        match sol.status {
            FlowStatus::Optimal => {
                optimal += 1;
                assert_eq!(status, HighsModelStatus::Optimal, "case {case}: {net:?}");
                assert_eq!(sol.cost as f64, value.round(), "case {case}: {net:?}");
                certify(&net, &sol);
            }
            FlowStatus::Infeasible => {
                infeasible += 1;
                assert_eq!(status, HighsModelStatus::Infeasible, "case {case}: {net:?}");
            }
            other => panic!("case {case}: {other:?}"),
        }
    }
    assert!(optimal > 1000 && infeasible > 100, "{optimal} {infeasible}");
}

/// Larger layered networks shaped like the appointment network: a source, classes,
/// chains, slot groups and a sink, with a free bypass.
#[test]
fn equals_highs_on_layered_networks() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for case in 0..60 {
        let classes = rng.random_range(1..=40u32);
        let chain = rng.random_range(1..=12u32);
        let slots = rng.random_range(1..=30u32);
        let mut net = FlowNetwork::new();
        let source = net.add_node(0);
        let sink = net.add_node(0);
        let first_class = net.node_count() as u32;
        let mut total = 0;
        for _ in 0..classes {
            net.add_node(0);
        }
        let first_chain = net.node_count() as u32;
        for _ in 0..chain {
            net.add_node(0);
        }
        let first_slot = net.node_count() as u32;
        for _ in 0..slots {
            net.add_node(0);
        }
        for k in 0..classes {
            let n = rng.random_range(1..=20);
            total += n;
            net.add_arc(source, first_class + k, n, 0);
            for _ in 0..rng.random_range(1..=4) {
                let v = first_chain + rng.random_range(0..chain);
                net.add_arc(first_class + k, v, UNBOUNDED, rng.random_range(-300..=50));
            }
            if rng.random_bool(0.3) {
                let h = first_slot + rng.random_range(0..slots);
                net.add_arc(first_class + k, h, UNBOUNDED, rng.random_range(-300..=50));
            }
        }
        for v in 0..chain.saturating_sub(1) {
            net.add_arc(
                first_chain + v,
                first_chain + v + 1,
                UNBOUNDED,
                rng.random_range(1..=40),
            );
        }
        for h in 0..slots {
            let v = first_chain + rng.random_range(0..chain);
            net.add_arc(v, first_slot + h, UNBOUNDED, 0);
            net.add_arc(first_slot + h, sink, rng.random_range(0..=15), 0);
        }
        net.add_arc(source, sink, total, 0);
        net.supply[source as usize] = total;
        net.supply[sink as usize] = -total;
        let sol = net.solve(|| false).expect("valid network");
        assert_eq!(sol.status, FlowStatus::Optimal, "case {case}");
        certify(&net, &sol);
        let (status, value) = highs_optimum(&net);
        assert_eq!(status, HighsModelStatus::Optimal);
        assert_eq!(sol.cost as f64, value.round(), "case {case}");
    }
}

/// Every assignment of a tiny transportation problem, against the solver.
#[test]
fn equals_brute_force_on_tiny_assignments() {
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    for case in 0..300 {
        let rows = rng.random_range(1..=4usize);
        let cols = rng.random_range(1..=4usize);
        let cost: Vec<Vec<Option<i64>>> = (0..rows)
            .map(|_| {
                (0..cols)
                    .map(|_| rng.random_bool(0.7).then(|| rng.random_range(-20..=5)))
                    .collect()
            })
            .collect();
        // Each row takes at most one column, each column at most one row; unassigned
        // costs nothing.
        let mut net = FlowNetwork::new();
        let source = net.add_node(rows as i64);
        let sink = net.add_node(-(rows as i64));
        let r0 = net.node_count() as u32;
        for _ in 0..rows {
            net.add_node(0);
        }
        let c0 = net.node_count() as u32;
        for _ in 0..cols {
            net.add_node(0);
        }
        for (i, row) in cost.iter().enumerate() {
            net.add_arc(source, r0 + i as u32, 1, 0);
            for (j, c) in row.iter().enumerate() {
                if let Some(c) = c {
                    net.add_arc(r0 + i as u32, c0 + j as u32, UNBOUNDED, *c);
                }
            }
        }
        for j in 0..cols {
            net.add_arc(c0 + j as u32, sink, 1, 0);
        }
        net.add_arc(source, sink, UNBOUNDED, 0);
        let sol = net.solve(|| false).expect("valid");
        assert_eq!(sol.status, FlowStatus::Optimal);
        certify(&net, &sol);
        // Brute force: each row picks a column or none.
        fn best(cost: &[Vec<Option<i64>>], i: usize, used: &mut Vec<bool>) -> i64 {
            if i == cost.len() {
                return 0;
            }
            let mut b = best(cost, i + 1, used);
            for j in 0..used.len() {
                if let (false, Some(c)) = (used[j], cost[i][j]) {
                    used[j] = true;
                    b = b.min(c + best(cost, i + 1, used));
                    used[j] = false;
                }
            }
            b
        }
        let brute = best(&cost, 0, &mut vec![false; cols]);
        assert_eq!(sol.cost, i128::from(brute), "case {case}: {cost:?}");
    }
}

#[test]
fn every_basis_is_a_strongly_feasible_tree() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..400 {
        let net = random_network(&mut rng);
        let mut simplex = Simplex::new(&net, 10_000);
        simplex.check_tree(&net.supply);
        while let Some(e) = simplex.find_entering() {
            assert!(simplex.pivot(e));
            simplex.check_tree(&net.supply);
        }
    }
}

#[test]
fn a_negative_cycle_without_capacity_is_unbounded() {
    let mut net = FlowNetwork::new();
    let a = net.add_node(0);
    let b = net.add_node(0);
    net.add_arc(a, b, UNBOUNDED, -1);
    net.add_arc(b, a, UNBOUNDED, 0);
    assert_eq!(net.solve(|| false).unwrap().status, FlowStatus::Unbounded);
}

#[test]
fn stop_interrupts_and_bad_networks_are_refused() {
    let mut net = FlowNetwork::new();
    let a = net.add_node(3);
    let b = net.add_node(-3);
    net.add_arc(a, b, UNBOUNDED, 2);
    assert_eq!(net.solve(|| true).unwrap().status, FlowStatus::Interrupted);
    let sol = net.solve(|| false).unwrap();
    assert_eq!((sol.status, sol.cost), (FlowStatus::Optimal, 6));
    let mut bad = net.clone();
    bad.add_node(1);
    assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::Unbalanced(1));
    let mut bad = net.clone();
    bad.add_arc(a, 7, 1, 0);
    assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::NoSuchNode);
    let mut bad = net.clone();
    bad.add_arc(a, b, -1, 0);
    assert_eq!(
        bad.solve(|| false).unwrap_err(),
        FlowError::NegativeCapacity
    );
    let mut bad = net.clone();
    bad.add_arc(a, b, 1, i64::MAX / 2);
    assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::TooLarge);
    let empty = FlowNetwork::new().solve(|| false).unwrap();
    assert_eq!(empty.status, FlowStatus::Optimal);
}

#[test]
fn the_same_network_gives_the_same_solution() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..50 {
        let net = random_network(&mut rng);
        let a = net.solve(|| false).unwrap();
        let b = net.solve(|| false).unwrap();
        assert_eq!(
            (a.flow, a.potential, a.pivots),
            (b.flow, b.potential, b.pivots)
        );
    }
}
