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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};

use clinicplan_solver::theatre::domain::{Instance, PatientIdx, SessionIdx};
use clinicplan_solver::theatre::models::column_generation::SharedDuals;
use clinicplan_solver::theatre::models::patterns::{
    Coupling, Part, Pattern, bed_prices, schedulable_p1, sessions_by_specialty, solve_relaxation,
};

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

/// The least bound over every set of L = `schedulable P1 − floor` P1 patients left out (of
/// at most L when the floor is not `floor_proven`), each part's tree given `per_branch`,
/// or an error when there are more than `max_configurations` trees to grow.
#[allow(clippy::too_many_arguments)]
pub fn p1_branches(
    instance: &Instance,
    initial: &[Pattern],
    p1_floor: u32,
    floor_proven: bool,
    duals: &SharedDuals,
    penalty: f64,
    max_configurations: usize,
    per_branch: std::time::Duration,
    threads: usize,
) -> anyhow::Result<Branched> {
    let split = Split::new(instance, p1_floor, duals)?;
    let (sessions, p1_of_part, left) = (&split.sessions, &split.p1_of_part, split.left);
    let pinned: Vec<PatientIdx> = instance.pinned.iter().map(|&(p, _)| p).collect();
    let mut branches = Vec::new();
    for (part, patients) in p1_of_part.iter().enumerate() {
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
    let results: Vec<Mutex<Option<(f64, bool, usize)>>> =
        branches.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(branch) = branches.get(k) else { break };
                    let mut week = instance.clone();
                    for p in &branch.left_out {
                        week.eligible[p.idx()].clear();
                    }
                    let forced: Vec<PatientIdx> = p1_of_part[branch.part]
                        .iter()
                        .filter(|p| !branch.left_out.contains(p))
                        .copied()
                        .collect();
                    let tree = Tree {
                        base: &week,
                        sessions: &sessions[branch.part],
                        beds: &split.beds,
                        forced: &forced,
                        penalty,
                        duals,
                    };
                    let result = tree.branch_and_price(initial, Instant::now() + per_branch);
                    *results[k].lock().expect("not poisoned") = result;
                }
            });
        }
    });
    // The least bound of each part for each number of its P1 patients left out.
    let mut least = vec![vec![f64::INFINITY; left + 1]; sessions.len()];
    let mut closed = true;
    let mut nodes = 0;
    for (branch, result) in branches.iter().zip(results) {
        let (bound, done, solved) = result
            .into_inner()
            .expect("not poisoned")
            .context("a part's pattern relaxation failed")?;
        closed &= done;
        nodes += solved;
        let slot = &mut least[branch.part][branch.left_out.len()];
        *slot = slot.min(bound);
    }
    Ok(Branched {
        bound: split.constant
            + if floor_proven {
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

/// A node of one part's branch and price: the pairs (p, s) fixed to 1 (pins) and to 0,
/// and the patients forced in by branching.
struct Node {
    /// A lower bound on the node's least cost (its parent's until it is solved).
    bound: f64,
    /// Creation order: ties of `bound` go to the older node.
    id: usize,
    pins: Vec<(PatientIdx, SessionIdx)>,
    forbidden: Vec<(PatientIdx, SessionIdx)>,
    forced: Vec<PatientIdx>,
    /// The parent's patterns, the node's start once those it forbids are dropped.
    pool: Arc<Vec<Pattern>>,
}

/// How a node splits, from the coarsest decision to the finest.
#[derive(Debug, PartialEq)]
enum Branching {
    /// y_p = Σ_s x_{p,s} fractional, p not yet forced in: p forced in, or p left out.
    Booked(PatientIdx),
    /// y_p = 1 and z_{p,d} = Σ_{s on day d} x_{p,s} fractional: p on day d (forced in,
    /// its other days forbidden), or p not on day d.
    Day(PatientIdx, u32),
    /// x_{p,s} fractional: p pinned to s, or p kept out of s.
    Pair(PatientIdx, SessionIdx),
}

/// One part's branch and price: the part's week (its left-out P1 patients already out),
/// its sessions, the ward beds' multipliers, the patients every plan of it books (each a
/// row −Σ_s x_{p,s} ≤ −1 priced at −`penalty`), and the centre of the first pricing.
struct Tree<'a> {
    base: &'a Instance,
    sessions: &'a [SessionIdx],
    beds: &'a BTreeMap<i64, f64>,
    forced: &'a [PatientIdx],
    penalty: f64,
    duals: &'a SharedDuals,
}

impl Tree<'_> {
    /// Best-first branch and price until `deadline`: each node's pattern relaxation is
    /// solved to the end and split by [`choose`]. Returns the least bound over the nodes
    /// left open and the leaves (a true lower bound on the part's least cost at these
    /// multipliers, the forced rows' constants included), whether the tree was closed, and
    /// the number of nodes solved. `None` when the root's relaxation fails.
    fn branch_and_price(
        &self,
        initial: &[Pattern],
        deadline: Instant,
    ) -> Option<(f64, bool, usize)> {
        let mut open = vec![Node {
            bound: f64::NEG_INFINITY,
            id: 0,
            pins: Vec::new(),
            forbidden: Vec::new(),
            forced: Vec::new(),
            pool: Arc::new(initial.to_vec()),
        }];
        let mut created = 1;
        // The least bound of the nodes solved to an integer plan or not solved to the end.
        let mut settled = f64::INFINITY;
        let mut incumbent = f64::INFINITY;
        let mut solved = 0;
        let mut closed = true;
        while !open.is_empty() {
            if Instant::now() >= deadline {
                closed = false;
                break;
            }
            let k = (0..open.len())
                .min_by(|&a, &b| {
                    open[a]
                        .bound
                        .total_cmp(&open[b].bound)
                        .then(open[a].id.cmp(&open[b].id))
                })
                .expect("not empty");
            let node = open.swap_remove(k);
            if node.bound >= incumbent {
                continue;
            }
            let Some(week) = node_week(self.base, &node) else {
                // The pins do not fit: no plan in this node.
                continue;
            };
            let forced: BTreeSet<PatientIdx> =
                self.forced.iter().chain(&node.forced).copied().collect();
            // The forced rows' Lagrangian constant: −Σ_p ν_p.
            let constant = self.penalty * forced.len() as f64;
            let part = Part::of(
                self.sessions.to_vec(),
                Some(Coupling {
                    beds: self.beds.clone(),
                    floor: 0.0,
                    forced: forced.iter().map(|&p| (p, -self.penalty)).collect(),
                }),
            )
            .until_converged();
            // The parent's patterns that the node allows, and each pinned session's pins
            // alone, so that the master is feasible from the start (the pins fit their
            // session and their surgeon's day, and every other session may stay empty).
            let mut pins: BTreeMap<SessionIdx, Vec<PatientIdx>> = BTreeMap::new();
            for &(p, s) in &week.pinned {
                pins.entry(s).or_default().push(p);
            }
            let start: Vec<Pattern> = pins
                .into_iter()
                .map(|(session, mut patients)| {
                    patients.sort();
                    Pattern { session, patients }
                })
                .chain(
                    node.pool
                        .iter()
                        .filter(|pattern| allowed(&week, pattern))
                        .cloned(),
                )
                .collect();
            let Some(relaxation) =
                solve_relaxation(&week, &part, &start, 0, Some(self.duals), deadline, false)
            else {
                if solved == 0 {
                    return None;
                }
                settled = settled.min(node.bound);
                closed = false;
                continue;
            };
            solved += 1;
            let bound = (relaxation.bound + constant).max(node.bound);
            if !relaxation.converged {
                settled = settled.min(bound);
                closed = false;
                continue;
            }
            if bound >= incumbent {
                continue;
            }
            let mut x: BTreeMap<(PatientIdx, SessionIdx), f64> = BTreeMap::new();
            for (pattern, &v) in relaxation.pool.iter().zip(&relaxation.values) {
                if v > 1e-9 {
                    for &p in &pattern.patients {
                        *x.entry((p, pattern.session)).or_insert(0.0) += v;
                    }
                }
            }
            let Some(branching) = choose(&week, &x, &forced) else {
                // An integer plan of the part: the node is solved. Its cost is a plan's
                // only if it books every forced patient (the rows are priced, not
                // enforced); otherwise it is still the node's least Lagrangian cost.
                let books_forced = forced.iter().all(|&p| {
                    week.eligible[p.idx()]
                        .iter()
                        .any(|&s| x.contains_key(&(p, s)))
                });
                if books_forced {
                    incumbent = incumbent.min(relaxation.master_objective + constant);
                }
                settled = settled.min(bound);
                continue;
            };
            let pool = Arc::new(relaxation.pool);
            let mut child = |pins: Vec<_>, forbidden: Vec<_>, forced: Vec<_>| {
                open.push(Node {
                    bound,
                    id: created,
                    pins,
                    forbidden,
                    forced,
                    pool: pool.clone(),
                });
                created += 1;
            };
            let of_patient = |p: PatientIdx, keep: &dyn Fn(SessionIdx) -> bool| {
                let mut forbidden = node.forbidden.clone();
                forbidden.extend(
                    week.eligible[p.idx()]
                        .iter()
                        .filter(|&&s| !keep(s))
                        .map(|&s| (p, s)),
                );
                forbidden
            };
            let with = |p: PatientIdx| {
                let mut forced = node.forced.clone();
                forced.push(p);
                forced
            };
            match branching {
                Branching::Booked(p) => {
                    child(node.pins.clone(), node.forbidden.clone(), with(p));
                    child(
                        node.pins.clone(),
                        of_patient(p, &|_| false),
                        node.forced.clone(),
                    );
                }
                Branching::Day(p, d) => {
                    let on_day = |s: SessionIdx| week.session(s).day == d;
                    child(node.pins.clone(), of_patient(p, &on_day), with(p));
                    child(
                        node.pins.clone(),
                        of_patient(p, &|s| !on_day(s)),
                        node.forced.clone(),
                    );
                }
                Branching::Pair(p, s) => {
                    let mut pins = node.pins.clone();
                    pins.push((p, s));
                    let mut forbidden = node.forbidden.clone();
                    forbidden.push((p, s));
                    child(pins, node.forbidden.clone(), node.forced.clone());
                    child(node.pins.clone(), forbidden, node.forced.clone());
                }
            }
        }
        let least_open = open.iter().map(|n| n.bound).fold(f64::INFINITY, f64::min);
        Some((settled.min(least_open), closed, solved))
    }
}

/// How to split a node whose pattern relaxation books x (patient, session → value):
/// the most fractional booking y_p of a patient not forced in; else, of the patients
/// booked whole, the most fractional day z_{p,d}; else the most fractional pair x_{p,s};
/// ties to the first in (patient, day or session) order. `None` when x is integer.
fn choose(
    week: &Instance,
    x: &BTreeMap<(PatientIdx, SessionIdx), f64>,
    forced: &BTreeSet<PatientIdx>,
) -> Option<Branching> {
    const EPS: f64 = 1e-6;
    let mut booked: BTreeMap<PatientIdx, f64> = BTreeMap::new();
    let mut days: BTreeMap<(PatientIdx, u32), f64> = BTreeMap::new();
    for (&(p, s), &v) in x {
        *booked.entry(p).or_insert(0.0) += v;
        *days.entry((p, week.session(s).day)).or_insert(0.0) += v;
    }
    let unforced = booked
        .iter()
        .filter(|(p, _)| !forced.contains(p))
        .map(|(&p, &v)| (p, v));
    if let Some(p) = most_fractional(unforced, EPS) {
        return Some(Branching::Booked(p));
    }
    let whole = days
        .into_iter()
        .filter(|((p, _), _)| booked[p] >= 1.0 - EPS);
    if let Some((p, d)) = most_fractional(whole, EPS) {
        return Some(Branching::Day(p, d));
    }
    most_fractional(x.iter().map(|(&pair, &v)| (pair, v)), EPS).map(|(p, s)| Branching::Pair(p, s))
}

/// The key whose value is farthest from 0 and 1 among those more than `eps` from both,
/// the first on ties.
fn most_fractional<K>(values: impl Iterator<Item = (K, f64)>, eps: f64) -> Option<K> {
    values
        .filter(|&(_, v)| v > eps && v < 1.0 - eps)
        .map(|(key, v)| (key, v.min(1.0 - v)))
        .fold(None, |best: Option<(K, f64)>, (key, f)| match best {
            Some((_, g)) if g >= f => best,
            _ => Some((key, f)),
        })
        .map(|(key, _)| key)
}

/// The part's week at a node: its pins added, its forbidden pairs out of eligibility;
/// `None` when the pins overfill a session or a surgeon's day.
fn node_week(base: &Instance, node: &Node) -> Option<Instance> {
    let mut week = base.clone();
    for &(p, s) in &node.forbidden {
        week.eligible[p.idx()].retain(|&e| e != s);
    }
    let mut minutes: BTreeMap<SessionIdx, u32> = BTreeMap::new();
    let mut operating: BTreeMap<(usize, u32), u32> = BTreeMap::new();
    week.pinned.extend(node.pins.iter().copied());
    for &(p, s) in &week.pinned {
        let session = week.session(s);
        let duration = week.patient(p).duration_min;
        *minutes.entry(s).or_insert(0) += duration + week.turnaround(s);
        *operating
            .entry((session.surgeon.idx(), session.day))
            .or_insert(0) += duration;
    }
    let fits = minutes
        .iter()
        .all(|(&s, &m)| m <= week.session(s).length_min + week.turnaround(s))
        && operating
            .iter()
            .all(|(&(k, _), &m)| m <= week.surgeons[k].max_minutes_per_day);
    fits.then_some(week)
}

/// Whether a pattern is one of `week`'s: every case eligible for its session, every pin of
/// its session in it, and no case pinned elsewhere.
fn allowed(week: &Instance, pattern: &Pattern) -> bool {
    let s = pattern.session;
    pattern
        .patients
        .iter()
        .all(|p| week.eligible[p.idx()].binary_search(&s).is_ok())
        && week
            .pinned
            .iter()
            .all(|&(p, pinned)| (pinned == s) == pattern.patients.binary_search(&p).is_ok())
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
    use std::time::Duration;

    use clinicplan_solver::theatre::constructive::constructive_plan;
    use clinicplan_solver::theatre::generate::{GeneratorConfig, theatre_request};
    use clinicplan_solver::theatre::models::patterns::patterns_of;
    use clinicplan_solver::theatre::models::theatre_list::Stage;
    use clinicplan_solver::theatre::stages::{RunOptions, RunStatus, run_stage};

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
        let branched = p1_branches(
            instance,
            &patterns_of(instance, &floor.p1_plan),
            floor.p1_floor,
            floor.p1_proven,
            &floor.lp.shared_duals,
            4.0 * instance
                .patient_indices()
                .map(|p| instance.cost_unscheduled(p))
                .fold(0.0, f64::max),
            1000,
            Duration::from_secs(60),
            1,
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
