//! The columns of the transshipment network (its arcs, as both solvers number them),
//! their optimal flows decomposed into request-group flows, and what both
//! transshipment solvers share (`TransshipmentLayout`).

use std::collections::VecDeque;
use std::sync::Arc;

use super::class_network::{ArcHead, ClassNetwork, TransshipmentNetwork};
use super::grouping::{Flow, Grouping, flows_cost};
use super::solution::GroupedSolution;
use crate::appointments::domain::*;

/// What a column of the transshipment LP (an arc of the flow network) is.
#[derive(Clone, Copy)]
pub(super) enum Column {
    /// Index into `TransshipmentNetwork::arcs`.
    Class(u32),
    /// Node to the next day of its chain.
    Link(u32),
    /// Node to one of its slot groups.
    Out(u32, u32),
}

/// The chain nodes some class can reach (the others carry nothing), and the columns:
/// class arcs in class order, then per reachable node its link and its out arcs.
fn layout(transshipment: &TransshipmentNetwork) -> (Vec<bool>, Vec<Column>) {
    let n_nodes = transshipment.nodes.len();
    let mut alive = vec![false; n_nodes];
    for arc in &transshipment.arcs {
        if let ArcHead::Node(v) = arc.head {
            alive[v as usize] = true;
        }
    }
    for v in 0..n_nodes {
        if alive[v]
            && let Some(next) = transshipment.nodes[v].next
        {
            alive[next as usize] = true;
        }
    }
    let mut columns: Vec<Column> = (0..transshipment.arcs.len() as u32)
        .map(Column::Class)
        .collect();
    for (v, node) in transshipment.nodes.iter().enumerate() {
        if !alive[v] {
            continue;
        }
        if node.next.is_some() {
            columns.push(Column::Link(v as u32));
        }
        for &h in &node.slots {
            columns.push(Column::Out(v as u32, h));
        }
    }
    (alive, columns)
}

/// Integral flows on the transshipment network's columns, split into (request group, slot
/// group) flows. `None` if the flows do not balance (never for a feasible flow).
fn decompose(
    transshipment: &TransshipmentNetwork,
    grouping: &Grouping,
    columns: &[Column],
    counts: &[i64],
) -> Option<Vec<Flow>> {
    let pairs = class_slot_pairs(transshipment, columns, counts)?;
    let flows = split_classes_into_groups(transshipment, grouping, pairs)?;
    Some(merge_flows(flows))
}

/// (class, slot group, count) from the column flows: direct arcs as they are, and along
/// each chain, requests that entered earlier take the earlier slots. `None` if a chain
/// does not balance.
fn class_slot_pairs(
    transshipment: &TransshipmentNetwork,
    columns: &[Column],
    counts: &[i64],
) -> Option<Vec<(u32, u32, i64)>> {
    let n_nodes = transshipment.nodes.len();
    let mut entering: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n_nodes];
    let mut leaving: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n_nodes];
    let mut link = vec![0i64; n_nodes];
    // (class, slot group, count)
    let mut pairs: Vec<(u32, u32, i64)> = Vec::new();
    for (&column, &count) in columns.iter().zip(counts) {
        if count <= 0 {
            continue;
        }
        match column {
            Column::Class(a) => {
                let arc = &transshipment.arcs[a as usize];
                match arc.head {
                    ArcHead::Node(n) => entering[n as usize].push((arc.class, count)),
                    ArcHead::Slot(h) => pairs.push((arc.class, h, count)),
                }
            }
            Column::Link(n) => link[n as usize] = count,
            Column::Out(n, h) => leaving[n as usize].push((h, count)),
        }
    }
    // Along each chain, requests that entered earlier take the earlier slots.
    let mut queue: VecDeque<(u32, i64)> = VecDeque::new();
    let mut carried = vec![0i64; n_nodes];
    for v in 0..n_nodes {
        if carried[v] == 0 {
            queue.clear();
        }
        queue.extend(entering[v].iter().copied());
        for &(h, mut count) in &leaving[v] {
            while count > 0 {
                let front = queue.front_mut()?;
                let take = front.1.min(count);
                pairs.push((front.0, h, take));
                front.1 -= take;
                count -= take;
                if front.1 == 0 {
                    queue.pop_front();
                }
            }
        }
        let left: i64 = queue.iter().map(|p| p.1).sum();
        if left != link[v] || (left > 0 && transshipment.nodes[v].next.is_none()) {
            return None;
        }
        if let Some(next) = transshipment.nodes[v].next {
            carried[next as usize] = left;
        }
    }
    Some(pairs)
}

/// Each class's pairs handed to its request groups, members group by group.
fn split_classes_into_groups(
    transshipment: &TransshipmentNetwork,
    grouping: &Grouping,
    mut pairs: Vec<(u32, u32, i64)>,
) -> Option<Vec<Flow>> {
    pairs.sort_unstable();
    let mut used = vec![(0usize, 0u32); transshipment.classes.len()];
    let mut flows: Vec<Flow> = Vec::new();
    for (c, h, mut count) in pairs {
        let groups = &transshipment.classes[c as usize];
        let (i, taken) = &mut used[c as usize];
        while count > 0 {
            let g = *groups.get(*i)?;
            let size = grouping.request_groups[g as usize].len() as u32;
            let take = (size - *taken).min(count as u32);
            flows.push(Flow {
                request_group: g,
                slot_group: h,
                count: take,
            });
            *taken += take;
            count -= i64::from(take);
            if *taken == size {
                *i += 1;
                *taken = 0;
            }
        }
    }
    Some(flows)
}

/// Sorted flows, those of the same (request group, slot group) added up.
fn merge_flows(mut flows: Vec<Flow>) -> Vec<Flow> {
    flows.sort();
    let mut merged: Vec<Flow> = Vec::with_capacity(flows.len());
    for f in flows {
        match merged.last_mut() {
            Some(last)
                if (last.request_group, last.slot_group) == (f.request_group, f.slot_group) =>
            {
                last.count += f.count
            }
            _ => merged.push(f),
        }
    }
    merged
}

/// The transshipment network, its layout and the Lagrangian bound at z = 0, shared by both
/// transshipment solvers.
pub(super) struct TransshipmentLayout {
    pub(super) transshipment: Arc<TransshipmentNetwork>,
    pub(super) alive: Vec<bool>,
    pub(super) columns: Vec<Column>,
    arcs_total: u64,
    zero_bound: i64,
}

impl TransshipmentLayout {
    pub(super) fn new(network: &Network, grouping: &Grouping) -> Self {
        let transshipment = Arc::new(TransshipmentNetwork::new(network, grouping));
        let arcs_total = transshipment.eligible_arcs();
        let zero_bound = transshipment.lagrangian(grouping, &vec![0; grouping.slot_groups.len()]);
        let (alive, columns) = layout(&transshipment);
        TransshipmentLayout {
            transshipment,
            alive,
            columns,
            arcs_total,
            zero_bound,
        }
    }

    /// No plan yet (`fill` makes one): the bound L(0).
    pub(super) fn fallback(&self, deadline_reached: bool) -> GroupedSolution {
        GroupedSolution {
            flows: Vec::new(),
            objective30: 0,
            bound30: self.zero_bound.min(0),
            optimal: self.zero_bound >= 0,
            deadline_reached,
            arcs: self.arcs_total,
            arcs_in_lp: self.columns.len() as u64,
            rounds: 1,
            classes: Some(ClassNetwork(self.transshipment.clone())),
        }
    }

    /// The plan from optimal column flows and the slot duals z (≤ 0, integers), with
    /// the bound max(L(z), L(0)) capped at the plan's cost.
    pub(super) fn finish(
        &self,
        network: &Network,
        grouping: &Grouping,
        counts: &[i64],
        z: &[i64],
    ) -> Option<GroupedSolution> {
        let flows = decompose(&self.transshipment, grouping, &self.columns, counts)?;
        let cost = flows_cost(network, grouping, &flows);
        let bound30 = self
            .transshipment
            .lagrangian(grouping, z)
            .max(self.zero_bound)
            .min(cost);
        Some(GroupedSolution {
            flows,
            objective30: cost,
            bound30,
            optimal: bound30 >= cost,
            deadline_reached: false,
            arcs: self.arcs_total,
            arcs_in_lp: self.columns.len() as u64,
            rounds: 1,
            classes: Some(ClassNetwork(self.transshipment.clone())),
        })
    }
}
