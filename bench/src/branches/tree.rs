//! One part's branch and price (`Tree`): best-first over nodes whose pattern relaxations
//! are solved to the end, each split on its coarsest fractional decision (`choose`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use clinicplan_solver::theatre::domain::{Instance, PatientIdx, SessionIdx};
use clinicplan_solver::theatre::models::column_generation::SharedDuals;
use clinicplan_solver::theatre::models::patterns::{Coupling, Part, Pattern, solve_relaxation};

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

impl Node {
    /// The part with nothing fixed, started from `initial`.
    fn root(initial: &[Pattern]) -> Node {
        Node {
            bound: f64::NEG_INFINITY,
            id: 0,
            pins: Vec::new(),
            forbidden: Vec::new(),
            forced: Vec::new(),
            pool: Arc::new(initial.to_vec()),
        }
    }

    /// A child of a node solved to `bound`, whose patterns were `pool`.
    fn child(
        (pins, forbidden, forced): ChildNode,
        bound: f64,
        id: usize,
        pool: &Arc<Vec<Pattern>>,
    ) -> Node {
        Node {
            bound,
            id,
            pins,
            forbidden,
            forced,
            pool: pool.clone(),
        }
    }
}

/// A child's pins, forbidden pairs and patients forced in by branching.
type ChildNode = (
    Vec<(PatientIdx, SessionIdx)>,
    Vec<(PatientIdx, SessionIdx)>,
    Vec<PatientIdx>,
);

/// How a node splits, from the coarsest decision to the finest.
#[derive(Debug, PartialEq)]
pub(super) enum Branching {
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
pub(super) struct Tree<'a> {
    pub(super) base: &'a Instance,
    pub(super) sessions: &'a [SessionIdx],
    pub(super) beds: &'a BTreeMap<i64, f64>,
    pub(super) forced: &'a [PatientIdx],
    pub(super) penalty: f64,
    pub(super) duals: &'a SharedDuals,
}

impl Tree<'_> {
    /// Best-first branch and price until `deadline`: each node's pattern relaxation is
    /// solved to the end and split by [`choose`]. Returns the least bound over the nodes
    /// left open and the leaves (a true lower bound on the part's least cost at these
    /// multipliers, the forced rows' constants included), whether the tree was closed, and
    /// the number of nodes solved. `None` when the root's relaxation fails.
    pub(super) fn branch_and_price(
        &self,
        initial: &[Pattern],
        deadline: Instant,
    ) -> Option<(f64, bool, usize)> {
        let mut open = vec![Node::root(initial)];
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
            let node = take_best(&mut open);
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
            let part = self.part(&forced);
            let start = start_patterns(&week, &node);
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
            let x = pair_values(&relaxation.pool, &relaxation.values);
            let Some(branching) = choose(&week, &x, &forced) else {
                // An integer plan of the part: the node is solved. Its cost is a plan's
                // only if it books every forced patient (the rows are priced, not
                // enforced); otherwise it is still the node's least Lagrangian cost.
                if books_every(&week, &x, &forced) {
                    incumbent = incumbent.min(relaxation.master_objective + constant);
                }
                settled = settled.min(bound);
                continue;
            };
            let pool = Arc::new(relaxation.pool);
            for child in children(&week, &node, &branching) {
                open.push(Node::child(child, bound, created, &pool));
                created += 1;
            }
        }
        let least_open = open.iter().map(|n| n.bound).fold(f64::INFINITY, f64::min);
        Some((settled.min(least_open), closed, solved))
    }

    /// The part's relaxation at a node: the ward beds priced, and each of `forced` a row
    /// priced at −`penalty`.
    fn part(&self, forced: &BTreeSet<PatientIdx>) -> Part {
        Part::of(
            self.sessions.to_vec(),
            Some(Coupling {
                beds: self.beds.clone(),
                floor: 0.0,
                forced: forced.iter().map(|&p| (p, -self.penalty)).collect(),
            }),
        )
        .until_converged()
    }
}

/// Takes the open node of least bound out of `open` (the older one on ties).
fn take_best(open: &mut Vec<Node>) -> Node {
    let k = (0..open.len())
        .min_by(|&a, &b| {
            open[a]
                .bound
                .total_cmp(&open[b].bound)
                .then(open[a].id.cmp(&open[b].id))
        })
        .expect("not empty");
    open.swap_remove(k)
}

/// A node's first patterns: each pinned session's pins alone, so that the master is
/// feasible from the start (the pins fit their session and their surgeon's day, and every
/// other session may stay empty), then the parent's patterns that the node allows.
fn start_patterns(week: &Instance, node: &Node) -> Vec<Pattern> {
    let mut pins: BTreeMap<SessionIdx, Vec<PatientIdx>> = BTreeMap::new();
    for &(p, s) in &week.pinned {
        pins.entry(s).or_default().push(p);
    }
    pins.into_iter()
        .map(|(session, mut patients)| {
            patients.sort();
            Pattern { session, patients }
        })
        .chain(
            node.pool
                .iter()
                .filter(|pattern| allowed(week, pattern))
                .cloned(),
        )
        .collect()
}

/// x_{p,s}: what the relaxation's patterns book of each pair (patterns at 0 left out).
fn pair_values(pool: &[Pattern], values: &[f64]) -> BTreeMap<(PatientIdx, SessionIdx), f64> {
    let mut x: BTreeMap<(PatientIdx, SessionIdx), f64> = BTreeMap::new();
    for (pattern, &v) in pool.iter().zip(values) {
        if v > 1e-9 {
            for &p in &pattern.patients {
                *x.entry((p, pattern.session)).or_insert(0.0) += v;
            }
        }
    }
    x
}

/// Whether x books every forced patient in one of its eligible sessions.
fn books_every(
    week: &Instance,
    x: &BTreeMap<(PatientIdx, SessionIdx), f64>,
    forced: &BTreeSet<PatientIdx>,
) -> bool {
    forced.iter().all(|&p| {
        week.eligible[p.idx()]
            .iter()
            .any(|&s| x.contains_key(&(p, s)))
    })
}

/// The two children of `node` split by `branching`, in the order they are opened: the
/// side that books (forces in, or pins) first.
fn children(week: &Instance, node: &Node, branching: &Branching) -> [ChildNode; 2] {
    // The node's forbidden pairs, and p's eligible sessions that `keep` rejects.
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
    match *branching {
        Branching::Booked(p) => [
            (node.pins.clone(), node.forbidden.clone(), with(p)),
            (
                node.pins.clone(),
                of_patient(p, &|_| false),
                node.forced.clone(),
            ),
        ],
        Branching::Day(p, d) => {
            let on_day = |s: SessionIdx| week.session(s).day == d;
            [
                (node.pins.clone(), of_patient(p, &on_day), with(p)),
                (
                    node.pins.clone(),
                    of_patient(p, &|s| !on_day(s)),
                    node.forced.clone(),
                ),
            ]
        }
        Branching::Pair(p, s) => {
            let mut pins = node.pins.clone();
            pins.push((p, s));
            let mut forbidden = node.forbidden.clone();
            forbidden.push((p, s));
            [
                (pins, node.forbidden.clone(), node.forced.clone()),
                (node.pins.clone(), forbidden, node.forced.clone()),
            ]
        }
    }
}

/// How to split a node whose pattern relaxation books x (patient, session → value):
/// the most fractional booking y_p of a patient not forced in; else, of the patients
/// booked whole, the most fractional day z_{p,d}; else the most fractional pair x_{p,s};
/// ties to the first in (patient, day or session) order. `None` when x is integer.
pub(super) fn choose(
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
