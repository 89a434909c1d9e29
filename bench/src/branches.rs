//! `clinicplan-bench bounds --p1-branches`: a bound on every plan that puts P1 first,
//! tighter than the pattern relaxation with the P1 floor, by branching.
//!
//! - **Which P1 patients are left out.** A plan that puts P1 first books the most P1
//!   patients any plan can (`floor`, when the count proved it), so it leaves out a set T
//!   of exactly L = (P1 patients with an eligible session) − floor of them, and books every
//!   other one. For each T, forcing those others in is tighter than the floor row
//!   Σ_P1 x ≥ floor, where a relaxation may book fractions of many P1 patients. Each other
//!   P1 patient p gets a row −Σ_s x_{p,s} ≤ −1 priced at the multiplier ν = −`penalty`
//!   (Lagrangian: any ν ≤ 0 gives a true bound; a larger penalty a tighter one, until it
//!   passes the row's dual), and T leaves every session's candidates.
//! - **By specialty.** The ward beds are priced at the multipliers of the LP with the
//!   floor, as in `solve_by_specialty` (docs/model.md, "Pattern bound and diving"), so the
//!   parts are independent. A P1 patient is eligible in one specialty's sessions only, so T
//!   splits by specialty: each part is solved once per subset of its own P1 patients of
//!   size up to L, and the least sum over the parts with sizes adding up to L (up to L when
//!   the count is not proven) is the bound.
//! - **Branch and price in each part.** Each part and subset is a best-first tree whose
//!   nodes are pattern relaxations solved until no column prices out. A node splits on
//!   the coarsest fractional decision: whether a patient is booked (p forced in, priced
//!   as the P1 rows are, or p left out), then on which day a booked patient is (p on day
//!   d, or not on d), then in which session (p pinned to s, or kept out of s). Sessions of
//!   one day cost a patient the same, so a pair split alone rarely moves the bound. The
//!   least bound over the nodes left open when the time is up (and the leaves) is a true
//!   bound on the part at those multipliers; a closed tree gives the part's optimum.
//!
//! Tested below against the whole-model MIP's optimum on small weeks: without ward beds
//! the closed trees give it exactly, with them a bound under it.

mod tree;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use clinicplan_solver::theatre::domain::{Instance, PatientIdx, SessionIdx};
use clinicplan_solver::theatre::models::column_generation::SharedDuals;
use clinicplan_solver::theatre::models::patterns::{
    Pattern, bed_prices, schedulable_p1, sessions_by_specialty,
};

use tree::Tree;

/// What the branching reached.
pub struct Branched {
    /// Relative to the cost of scheduling nobody (add it for the weighted wait).
    pub bound: f64,
    /// Whether every tree was closed (one stopped by its time limit still gives a true,
    /// weaker bound).
    pub closed: bool,
    /// Branch-and-price trees (one per part and set of its P1 patients left out).
    pub trees: usize,
    /// Pattern relaxations solved, over all trees.
    pub nodes: usize,
}

/// The instance split by specialty, with what every branching needs.
struct Split {
    /// Each part's sessions (a specialty's), in specialty order.
    sessions: Vec<Vec<SessionIdx>>,
    /// Each part's P1 patients with an eligible session, in patient order.
    p1_of_part: Vec<Vec<PatientIdx>>,
    /// L: how many of them every P1-first plan leaves out.
    left: usize,
    /// The ward beds' multipliers (≤ 0) and their Lagrangian constant Σ_d free_d μ_d.
    beds: BTreeMap<i64, f64>,
    constant: f64,
}

impl Split {
    fn new(instance: &Instance, p1_floor: u32, duals: &SharedDuals) -> anyhow::Result<Self> {
        let sessions = sessions_by_specialty(instance);
        let part_of_specialty: BTreeMap<usize, usize> = sessions
            .iter()
            .enumerate()
            .map(|(k, part)| (instance.session(part[0]).specialty.idx(), k))
            .collect();
        // Each schedulable P1 patient's part.
        let mut p1_of_part: Vec<Vec<PatientIdx>> = vec![Vec::new(); sessions.len()];
        for p in schedulable_p1(instance) {
            let mut parts: Vec<usize> = instance.eligible[p.idx()]
                .iter()
                .map(|&s| part_of_specialty[&instance.session(s).specialty.idx()])
                .collect();
            parts.sort_unstable();
            parts.dedup();
            if parts.len() != 1 {
                bail!("a P1 patient is eligible in more than one specialty's sessions");
            }
            p1_of_part[parts[0]].push(p);
        }
        let schedulable: usize = p1_of_part.iter().map(Vec::len).sum();
        let left = schedulable
            .checked_sub(p1_floor as usize)
            .context("the floor is above the schedulable P1 patients")?;
        let (beds, constant) = bed_prices(instance, duals);
        Ok(Split {
            sessions,
            p1_of_part,
            left,
            beds,
            constant,
        })
    }
}

/// The least Σ_A least[A][l_A] over sizes l_A adding up to `left` (+∞ if none).
fn least_sum(least: &[Vec<f64>], left: usize) -> f64 {
    let mut total = vec![f64::INFINITY; left + 1];
    total[0] = 0.0;
    for part in least {
        let mut next = vec![f64::INFINITY; left + 1];
        for (done, &sum) in total.iter().enumerate() {
            for (more, &bound) in part.iter().enumerate().take(left + 1 - done) {
                next[done + more] = next[done + more].min(sum + bound);
            }
        }
        total = next;
    }
    total[left]
}

/// One tree: a part with the P1 patients of `left_out` taken out and its other P1
/// patients forced in.
struct Branch {
    part: usize,
    left_out: Vec<PatientIdx>,
}

/// The P1 count the branching starts from, and how far it may go.
pub struct BranchConfig {
    /// The most P1 patients any plan can book, and whether the count proved it.
    pub p1_floor: u32,
    pub floor_proven: bool,
    /// The forced rows' multiplier is ν = −`penalty` (in weighted wait).
    pub penalty: f64,
    /// More trees than this to grow is an error.
    pub max_configurations: usize,
    /// Each tree's time.
    pub per_branch: Duration,
    pub threads: usize,
}

/// The least bound over every set of L = `schedulable P1 − floor` P1 patients left out (of
/// at most L when the floor is not proven), each part's tree given `per_branch`, or an
/// error when there are more than `max_configurations` trees to grow.
pub fn p1_branches(
    instance: &Instance,
    initial: &[Pattern],
    duals: &SharedDuals,
    config: &BranchConfig,
) -> anyhow::Result<Branched> {
    let split = Split::new(instance, config.p1_floor, duals)?;
    let left = split.left;
    let branches = branches_of(instance, &split, config.max_configurations)?;
    let results = grow_trees(instance, &split, &branches, initial, duals, config);
    // The least bound of each part for each number of its P1 patients left out.
    let mut least = vec![vec![f64::INFINITY; left + 1]; split.sessions.len()];
    let mut closed = true;
    let mut nodes = 0;
    for (branch, result) in branches.iter().zip(results) {
        let (bound, done, solved) = result.context("a part's pattern relaxation failed")?;
        closed &= done;
        nodes += solved;
        let slot = &mut least[branch.part][branch.left_out.len()];
        *slot = slot.min(bound);
    }
    Ok(Branched {
        bound: split.constant
            + if config.floor_proven {
                least_sum(&least, left)
            } else {
                (0..=left)
                    .map(|l| least_sum(&least, l))
                    .fold(f64::INFINITY, f64::min)
            },
        closed,
        trees: branches.len(),
        nodes,
    })
}

/// Every tree to grow: each part with each set of up to L of its P1 patients (pinned ones
/// excepted) left out, part by part, smaller sets first; an error beyond `max_configurations`.
fn branches_of(
    instance: &Instance,
    split: &Split,
    max_configurations: usize,
) -> anyhow::Result<Vec<Branch>> {
    let left = split.left;
    let pinned: Vec<PatientIdx> = instance.pinned.iter().map(|&(p, _)| p).collect();
    let mut branches = Vec::new();
    for (part, patients) in split.p1_of_part.iter().enumerate() {
        let free: Vec<PatientIdx> = patients
            .iter()
            .copied()
            .filter(|p| !pinned.contains(p))
            .collect();
        for size in 0..=left.min(free.len()) {
            subsets(&free, size, &mut Vec::new(), &mut |left_out| {
                branches.push(Branch {
                    part,
                    left_out: left_out.to_vec(),
                });
            });
            if branches.len() > max_configurations {
                bail!(
                    "{} P1 patients left out: more than {max_configurations} trees",
                    left
                );
            }
        }
    }
    Ok(branches)
}

/// Grows every tree, `threads` at a time, each for `per_branch`; each tree's result (see
/// [`Tree::branch_and_price`]) in the order of `branches`.
fn grow_trees(
    instance: &Instance,
    split: &Split,
    branches: &[Branch],
    initial: &[Pattern],
    duals: &SharedDuals,
    config: &BranchConfig,
) -> Vec<Option<(f64, bool, usize)>> {
    let results: Vec<Mutex<Option<(f64, bool, usize)>>> =
        branches.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..config.threads.max(1) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(branch) = branches.get(k) else { break };
                    let mut week = instance.clone();
                    for p in &branch.left_out {
                        week.eligible[p.idx()].clear();
                    }
                    let forced: Vec<PatientIdx> = split.p1_of_part[branch.part]
                        .iter()
                        .filter(|p| !branch.left_out.contains(p))
                        .copied()
                        .collect();
                    let tree = Tree {
                        base: &week,
                        sessions: &split.sessions[branch.part],
                        beds: &split.beds,
                        forced: &forced,
                        penalty: config.penalty,
                        duals,
                    };
                    let result = tree.branch_and_price(initial, Instant::now() + config.per_branch);
                    *results[k].lock().expect("not poisoned") = result;
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().expect("not poisoned"))
        .collect()
}

/// Calls `each` with every subset of `items` of `size` elements, in lexicographic order.
fn subsets<T: Copy>(items: &[T], size: usize, chosen: &mut Vec<T>, each: &mut impl FnMut(&[T])) {
    if chosen.len() == size {
        each(chosen);
        return;
    }
    let need = size - chosen.len();
    for k in 0..items.len() {
        if items.len() - k < need {
            break;
        }
        chosen.push(items[k]);
        subsets(&items[k + 1..], size, chosen, each);
        chosen.pop();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use clinicplan_solver::theatre::constructive::constructive_plan;
    use clinicplan_solver::theatre::generate::{GeneratorConfig, theatre_request};
    use clinicplan_solver::theatre::models::formulation::Stage;
    use clinicplan_solver::theatre::models::patterns::patterns_of;
    use clinicplan_solver::theatre::stages::{RunOptions, RunStatus, run_stage};

    use super::tree::{Branching, choose};
    use super::*;

    /// A generated week of two theatres.
    fn week(patients: u32, seed: u64) -> Instance {
        let request = theatre_request(&GeneratorConfig::week(2, patients, seed));
        clinicplan_solver::theatre::validate(&request).expect("a valid instance")
    }

    /// The least weighted wait (relative) of a plan with the most P1 patients, by the
    /// whole-model MIP solved to optimality, and the bound of `p1_branches`.
    fn optimum_and_bound(instance: &Instance) -> (f64, Branched) {
        let start = constructive_plan(instance);
        let limit = Duration::from_secs(120);
        let floor = crate::bounds::floor_lp(instance, &start, limit).expect("the floor LP");
        let options = RunOptions {
            time_limit: limit,
            mip_rel_gap: 0.0,
            mip_abs_gap: Some(0.0),
            threads: 1,
            log: false,
        };
        let mip = run_stage(
            instance,
            Stage::WeightedWait,
            [floor.p1_floor, 0, 0, 0],
            true,
            Some(&floor.p1_plan),
            &options,
            None,
        );
        assert_eq!(mip.status, RunStatus::Optimal, "the MIP is solved");
        let config = BranchConfig {
            p1_floor: floor.p1_floor,
            floor_proven: floor.p1_proven,
            penalty: 4.0
                * instance
                    .patient_indices()
                    .map(|p| instance.cost_unscheduled(p))
                    .fold(0.0, f64::max),
            max_configurations: 1000,
            per_branch: Duration::from_secs(60),
            threads: 1,
        };
        let branched = p1_branches(
            instance,
            &patterns_of(instance, &floor.p1_plan),
            &floor.lp.shared_duals,
            &config,
        )
        .expect("the branches");
        (mip.objective, branched)
    }

    #[test]
    fn closed_trees_without_beds_give_the_optimum() {
        // Without ward beds nothing couples the specialties: each closed tree is its
        // part's optimum, and their sum the optimum of the week.
        for seed in 1..=4 {
            let mut instance = week(40, seed);
            instance.free_beds.clear();
            let (optimum, branched) = optimum_and_bound(&instance);
            assert!(branched.closed, "seed {seed}: every tree closed");
            let tolerance = 1e-6 * optimum.abs().max(1.0);
            assert!(
                (branched.bound - optimum).abs() <= tolerance,
                "seed {seed}: bound {} against optimum {optimum}",
                branched.bound
            );
        }
    }

    #[test]
    fn the_bound_is_below_the_optimum() {
        for seed in 1..=4 {
            let instance = week(40, seed);
            let (optimum, branched) = optimum_and_bound(&instance);
            let tolerance = 1e-6 * optimum.abs().max(1.0);
            assert!(
                branched.bound <= optimum + tolerance,
                "seed {seed}: bound {} above the optimum {optimum}",
                branched.bound
            );
        }
    }

    #[test]
    fn a_node_splits_on_the_coarsest_fractional_decision() {
        let instance = week(40, 1);
        // Two sessions on one day and one on another.
        let sessions: Vec<SessionIdx> = instance.session_indices().collect();
        let day = |s: SessionIdx| instance.session(s).day;
        let a = sessions[0];
        let b = *sessions[1..]
            .iter()
            .find(|&&s| day(s) == day(a))
            .expect("two sessions on a day");
        let c = *sessions
            .iter()
            .find(|&&s| day(s) != day(a))
            .expect("another day");
        let (p, q, r) = (PatientIdx(0), PatientIdx(1), PatientIdx(2));
        let none = BTreeSet::new();
        // p half booked, q split over two days, r split over two sessions of one day.
        let mut x = BTreeMap::from([
            ((p, a), 0.5),
            ((q, a), 0.3),
            ((q, c), 0.7),
            ((r, a), 0.4),
            ((r, b), 0.6),
        ]);
        assert_eq!(choose(&instance, &x, &none), Some(Branching::Booked(p)));
        // Once p is forced in, its booking is no longer split on.
        let forced = BTreeSet::from([p]);
        assert_eq!(
            choose(&instance, &x, &forced),
            Some(Branching::Day(q, day(c)))
        );
        x.remove(&(p, a));
        x.insert((q, a), 1.0);
        x.remove(&(q, c));
        assert_eq!(choose(&instance, &x, &none), Some(Branching::Pair(r, a)));
        x.insert((r, a), 1.0);
        x.remove(&(r, b));
        assert_eq!(choose(&instance, &x, &none), None);
    }

    #[test]
    fn subsets_are_every_choice_once() {
        let mut seen = Vec::new();
        subsets(&[1, 2, 3, 4], 2, &mut Vec::new(), &mut |s| {
            seen.push(s.to_vec())
        });
        assert_eq!(
            seen,
            vec![
                vec![1, 2],
                vec![1, 3],
                vec![1, 4],
                vec![2, 3],
                vec![2, 4],
                vec![3, 4]
            ]
        );
        let mut empty = 0;
        subsets(&[1, 2], 0, &mut Vec::new(), &mut |s| {
            assert!(s.is_empty());
            empty += 1;
        });
        assert_eq!(empty, 1);
    }
}
