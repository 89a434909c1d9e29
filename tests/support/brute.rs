//! The exact optimum of a tiny request by exhaustive search: every patient goes to one
//! of the sessions the per-pair rules allow, or waits; every shared capacity is kept;
//! pins stay. Branch and bound on the policy's key keeps it quick for up to about ten
//! patients and three sessions.
//!
//! Keys, minimised lexicographically:
//! - weighted wait: (−#P1 scheduled, weighted wait);
//! - priority order: (−#P1, −#P2, −#P3, −#P4, weighted wait).

use std::collections::BTreeMap;

use clinicplan_service::proto;

use super::model::{Loads, Model};

/// Objective policy of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    WeightedWait,
    PriorityOrder,
}

impl Policy {
    pub fn of(request: &proto::PlanTheatreListsRequest) -> Policy {
        let objective = request.options.as_ref().map_or(0, |o| o.objective);
        if objective == proto::Objective::PriorityOrder as i32 {
            Policy::PriorityOrder
        } else {
            Policy::WeightedWait
        }
    }

    /// How many priority classes the policy maximises before the weighted wait.
    fn n_counted(self) -> usize {
        match self {
            Policy::WeightedWait => 1,
            Policy::PriorityOrder => 4,
        }
    }
}

/// The best plan's figures.
#[derive(Clone, Debug)]
pub struct Optimum {
    /// Patients scheduled, indexed P1..P4.
    pub scheduled_by_priority: [u32; 4],
    pub weighted_wait: f64,
    /// One optimal plan: patient id → session id (absent: waiting).
    pub assignment: BTreeMap<String, String>,
}

/// Absolute slack when comparing weighted waits inside the search.
const EPS: f64 = 1e-9;

#[derive(Clone, Copy, Debug)]
struct Key {
    /// Negated counts of the classes the policy maximises (zeros for the others).
    neg_counts: [i64; 4],
    weighted_wait: f64,
}

impl Key {
    fn new(policy: Policy, counts: [u32; 4], weighted_wait: f64) -> Key {
        let mut neg_counts = [0; 4];
        for r in 0..policy.n_counted() {
            neg_counts[r] = -i64::from(counts[r]);
        }
        Key {
            neg_counts,
            weighted_wait,
        }
    }

    /// Strictly better (smaller) than `other`.
    fn better_than(&self, other: &Key) -> bool {
        match self.neg_counts.cmp(&other.neg_counts) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => self.weighted_wait < other.weighted_wait - EPS,
        }
    }
}

struct Search<'m, 'a> {
    model: &'m Model<'a>,
    policy: Policy,
    /// Patients to decide, most urgent first.
    order: Vec<usize>,
    /// For each position of `order`, its eligible sessions, cheapest first.
    options: Vec<Vec<usize>>,
    /// For each position, the patients from there on with any eligible session, per class.
    suffix_counts: Vec<[u32; 4]>,
    /// For each position, the least those patients can cost.
    suffix_min_cost: Vec<f64>,
    loads: Loads,
    choice: Vec<Option<usize>>,
    best: Option<(Key, [u32; 4], Vec<Option<usize>>)>,
}

impl Search<'_, '_> {
    fn dfs(&mut self, i: usize, counts: [u32; 4], cost: f64) {
        let mut optimistic = counts;
        for (count, rest) in optimistic.iter_mut().zip(self.suffix_counts[i]) {
            *count += rest;
        }
        let bound = Key::new(self.policy, optimistic, cost + self.suffix_min_cost[i]);
        if let Some((best, _, _)) = &self.best
            && !bound.better_than(best)
        {
            return;
        }
        if i == self.order.len() {
            self.best = Some((
                Key::new(self.policy, counts, cost),
                counts,
                self.choice.clone(),
            ));
            return;
        }
        let p = self.order[i];
        let rank = self.model.patients[p].priority_idx;
        for k in 0..self.options[i].len() {
            let s = self.options[i][k];
            if !self.loads.fits(self.model, p, s) {
                continue;
            }
            self.loads.add(self.model, p, s);
            self.choice[i] = Some(s);
            let mut next = counts;
            next[rank] += 1;
            self.dfs(i + 1, next, cost + self.model.cost(p, Some(s)));
            self.loads.remove(self.model, p, s);
        }
        self.choice[i] = None;
        self.dfs(i + 1, counts, cost + self.model.cost(p, None));
    }
}

/// The optimum of `request` under its own policy.
pub fn optimum(request: &proto::PlanTheatreListsRequest) -> Optimum {
    optimum_for(request, Policy::of(request))
}

/// The optimum of `request` under `policy`.
pub fn optimum_for(request: &proto::PlanTheatreListsRequest, policy: Policy) -> Optimum {
    let model = Model::new(request).expect("a request the tests can read");
    let mut loads = Loads::new(&model);
    let mut counts = [0u32; 4];
    let mut cost = 0.0;
    let mut pinned = vec![None; model.patients.len()];
    for &(p, s) in &model.pins {
        assert!(
            loads.fits(&model, p, s),
            "the pins of a brute-force case must fit together"
        );
        loads.add(&model, p, s);
        pinned[p] = Some(s);
        counts[model.patients[p].priority_idx] += 1;
        cost += model.cost(p, Some(s));
    }
    let (order, options) = search_order(&model, &pinned);
    let n = order.len();
    let (suffix_counts, suffix_min_cost) = suffix_bounds(&model, &order, &options);
    let mut search = Search {
        model: &model,
        policy,
        order,
        options,
        suffix_counts,
        suffix_min_cost,
        loads,
        choice: vec![None; n],
        best: None,
    };
    search.dfs(0, counts, cost);
    let (key, counts, choice) = search.best.expect("waiting for everyone is always a plan");
    let mut assignment = BTreeMap::new();
    for (p, s) in pinned.iter().enumerate() {
        if let Some(s) = s {
            assignment.insert(
                model.patients[p].patient.id.clone(),
                model.sessions[*s].session.id.clone(),
            );
        }
    }
    for (i, s) in choice.iter().enumerate() {
        if let Some(s) = s {
            assignment.insert(
                model.patients[search.order[i]].patient.id.clone(),
                model.sessions[*s].session.id.clone(),
            );
        }
    }
    Optimum {
        scheduled_by_priority: counts,
        weighted_wait: key.weighted_wait,
        assignment,
    }
}

/// The patients not pinned, by priority then urgency (most urgent first), and each
/// one's eligible sessions, cheapest first.
fn search_order(model: &Model, pinned: &[Option<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let mut order: Vec<usize> = (0..model.patients.len())
        .filter(|&p| pinned[p].is_none())
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&model.patients[a], &model.patients[b]);
        pa.priority_idx
            .cmp(&pb.priority_idx)
            .then(pb.urgency.total_cmp(&pa.urgency))
            .then(a.cmp(&b))
    });
    let options: Vec<Vec<usize>> = order
        .iter()
        .map(|&p| {
            let mut eligible = model.eligible(p);
            eligible.sort_by(|&a, &b| model.cost(p, Some(a)).total_cmp(&model.cost(p, Some(b))));
            eligible
        })
        .collect();
    (order, options)
}

/// For each position of `order`: how many of the patients from there on could be
/// scheduled, by priority, and the least they could cost.
fn suffix_bounds(
    model: &Model,
    order: &[usize],
    options: &[Vec<usize>],
) -> (Vec<[u32; 4]>, Vec<f64>) {
    let n = order.len();
    let mut suffix_counts = vec![[0u32; 4]; n + 1];
    let mut suffix_min_cost = vec![0.0; n + 1];
    for i in (0..n).rev() {
        let p = order[i];
        suffix_counts[i] = suffix_counts[i + 1];
        if !options[i].is_empty() {
            suffix_counts[i][model.patients[p].priority_idx] += 1;
        }
        let least = options[i]
            .iter()
            .map(|&s| model.cost(p, Some(s)))
            .fold(model.cost(p, None), f64::min);
        suffix_min_cost[i] = suffix_min_cost[i + 1] + least;
    }
    (suffix_counts, suffix_min_cost)
}
