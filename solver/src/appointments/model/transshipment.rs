//! The default solver: the transshipment network as one min-cost flow per role, solved
//! by our network simplex (`appointments::flow`).

use super::class_network::{ArcHead, TransshipmentNetwork};
use super::columns::{Column, TransshipmentLayout};
use super::grouping::Grouping;
use super::solution::{GroupedSolution, ModelError};
use crate::appointments::domain::*;
use crate::appointments::flow::{FlowNetwork, FlowStatus, UNBOUNDED};

/// The grouped model as a min-cost flow over request classes and day chains, solved by
/// the network simplex of `appointments::flow` (the default method; docs/model.md, "Appointment
/// balancing", has the formulation).
///
/// Requests' c' = booking − unbooked cost is 30 w (slot day − D) − 30 + travel + 30
/// (missed preference): it does not depend on the request's day, and it grows
/// linearly with the slot's day. So request groups that differ only in a day before
/// every slot (or in home and travel limit when face to face is not accepted) form one
/// class, and every class enters, for each (mode, site) it may use, a chain of day
/// nodes for its role and urgency at the first day it may take, paying the day's c' as
/// if it missed its preferred clinician; waiting a day costs 30 w, and each node feeds
/// that day's slot groups for free. Classes with a preferred clinician also go
/// straight to that clinician's slot groups at the true c'. Every eligible pair has a
/// path at exactly its c' and every path costs at least its pair's c', so the optimum
/// is the grouped model's.
///
/// As flow networks, one per role (roles never share a slot): a source with supply
/// Σ N_k feeds each class k (capacity N_k, cost 0); each slot group h feeds a sink with
/// demand Σ N_k (capacity m_h, cost 0); and a bypass arc source → sink (cost 0,
/// uncapacitated) carries the requests left unbooked. The optimal flow is integral; the
/// slot duals z_h = min(0, reduced cost of h → sink) from the node potentials give the
/// Lagrangian bound, exactly, in integers.
///
/// `stop` is asked before the solve and every `flow::STOP_EVERY` pivots; if it says
/// stop, the result has no flows, the bound L(0) and `deadline_reached`.
pub fn solve_transshipment(
    network: &Network,
    grouping: &Grouping,
    mut stop: impl FnMut() -> bool,
) -> Result<GroupedSolution, ModelError> {
    let laid_out = TransshipmentLayout::new(network, grouping);
    if laid_out.transshipment.arcs.is_empty() {
        return Ok(laid_out.fallback(false));
    }
    if stop() {
        return Ok(laid_out.fallback(true));
    }
    let n_h = grouping.slot_groups.len();
    // Roles never share a slot, so each role is a network of its own.
    let roles = Roles::new(network, grouping, &laid_out.transshipment);
    let mut local = LocalIndex {
        class: vec![0u32; laid_out.transshipment.classes.len()],
        slot: vec![0u32; n_h],
        node: vec![u32::MAX; laid_out.transshipment.nodes.len()],
    };
    let mut counts = vec![0i64; laid_out.columns.len()];
    let mut z = vec![0i64; n_h];
    let mut pivots = 0u64;
    for role in 0..network.roles.len() {
        let total: i64 = laid_out
            .transshipment
            .supply
            .iter()
            .zip(&roles.class)
            .filter(|&(_, &r)| r == role)
            .map(|(&n, _)| n)
            .sum();
        if total == 0 {
            continue;
        }
        let built = role_network(&laid_out, grouping, &roles, (role, total), &mut local);
        let solved = built
            .net
            .solve(&mut stop)
            .map_err(|e| ModelError::Flow(e.to_string()))?;
        match solved.status {
            FlowStatus::Optimal => {}
            FlowStatus::Interrupted => return Ok(laid_out.fallback(true)),
            other => return Err(ModelError::Flow(format!("the network ended {other:?}"))),
        }
        pivots += solved.pivots;
        for (i, &column) in built.columns.iter().enumerate() {
            counts[column as usize] = solved.flow[i];
        }
        // z_h = min(0, reduced cost of h → sink) = min(0, y_sink − y_h).
        let y_sink = solved.potential[built.sink as usize];
        for (h, &r) in roles.slot.iter().enumerate() {
            if r == role {
                z[h] = (y_sink - solved.potential[local.slot[h] as usize]).min(0);
            }
        }
    }
    tracing::debug!(columns = laid_out.columns.len(), pivots, "network simplex");
    laid_out
        .finish(network, grouping, &counts, &z)
        .ok_or_else(|| ModelError::Flow("the optimal flow did not decompose".to_string()))
}

/// The role of each slot group, class and chain node.
struct Roles {
    slot: Vec<usize>,
    class: Vec<usize>,
    node: Vec<usize>,
}

impl Roles {
    fn new(network: &Network, grouping: &Grouping, transshipment: &TransshipmentNetwork) -> Self {
        let slot: Vec<usize> = (0..grouping.slot_groups.len())
            .map(|h| network.slot(grouping.slot_rep(h)).role.idx())
            .collect();
        let class: Vec<usize> = transshipment
            .classes
            .iter()
            .map(|groups| {
                network
                    .request(grouping.request_rep(groups[0] as usize))
                    .role
                    .idx()
            })
            .collect();
        let node: Vec<usize> = transshipment
            .nodes
            .iter()
            .map(|node| slot[node.slots[0] as usize])
            .collect();
        Roles { slot, class, node }
    }

    fn of_column(&self, transshipment: &TransshipmentNetwork, column: Column) -> usize {
        match column {
            Column::Class(a) => self.class[transshipment.arcs[a as usize].class as usize],
            Column::Link(v) | Column::Out(v, _) => self.node[v as usize],
        }
    }
}

/// Each class, slot group and reachable chain node's index in its role's network (the
/// entries of other roles are stale).
struct LocalIndex {
    class: Vec<u32>,
    slot: Vec<u32>,
    node: Vec<u32>,
}

/// One role's flow network, its sink, and the column behind each of its first arcs.
struct RoleNetwork {
    net: FlowNetwork,
    sink: u32,
    columns: Vec<u32>,
}

/// The flow network of `role` (with `total` requests): nodes source, sink, classes,
/// slot groups, reachable chain nodes; arcs this role's columns in column order, then
/// supplies, slots and the bypass.
fn role_network(
    laid_out: &TransshipmentLayout,
    grouping: &Grouping,
    roles: &Roles,
    (role, total): (usize, i64),
    local: &mut LocalIndex,
) -> RoleNetwork {
    let transshipment = &laid_out.transshipment;
    let mut net = FlowNetwork::new();
    let source = net.add_node(total);
    let sink = net.add_node(-total);
    for (c, &r) in roles.class.iter().enumerate() {
        if r == role {
            local.class[c] = net.add_node(0);
        }
    }
    for (h, &r) in roles.slot.iter().enumerate() {
        if r == role {
            local.slot[h] = net.add_node(0);
        }
    }
    for (v, &r) in roles.node.iter().enumerate() {
        if r == role && laid_out.alive[v] {
            local.node[v] = net.add_node(0);
        }
    }
    let mut columns: Vec<u32> = Vec::new();
    for (i, &column) in laid_out.columns.iter().enumerate() {
        if roles.of_column(transshipment, column) != role {
            continue;
        }
        columns.push(i as u32);
        add_column_arc(&mut net, transshipment, local, column);
    }
    for (c, &n) in transshipment.supply.iter().enumerate() {
        if roles.class[c] == role {
            net.add_arc(source, local.class[c], n, 0);
        }
    }
    for (h, members) in grouping.slot_groups.iter().enumerate() {
        if roles.slot[h] == role {
            net.add_arc(local.slot[h], sink, members.len() as i64, 0);
        }
    }
    net.add_arc(source, sink, UNBOUNDED, 0);
    RoleNetwork { net, sink, columns }
}

/// The flow arc of one column.
fn add_column_arc(
    net: &mut FlowNetwork,
    transshipment: &TransshipmentNetwork,
    local: &LocalIndex,
    column: Column,
) {
    match column {
        Column::Class(a) => {
            let arc = &transshipment.arcs[a as usize];
            let head = match arc.head {
                ArcHead::Node(v) => local.node[v as usize],
                ArcHead::Slot(h) => local.slot[h as usize],
            };
            net.add_arc(local.class[arc.class as usize], head, UNBOUNDED, arc.cost);
        }
        Column::Link(v) => {
            let node = &transshipment.nodes[v as usize];
            let next = node.next.expect("a link has a next day") as usize;
            net.add_arc(
                local.node[v as usize],
                local.node[next],
                UNBOUNDED,
                node.link_cost,
            );
        }
        Column::Out(v, h) => {
            net.add_arc(local.node[v as usize], local.slot[h as usize], UNBOUNDED, 0);
        }
    }
}
