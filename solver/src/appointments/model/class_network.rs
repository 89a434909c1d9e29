//! The transshipment network equivalent to the grouped model: request classes, day
//! chains and the arcs between them (the derivation is on `solve_transshipment`, and in
//! docs/model.md, "Appointment balancing"), with its exact Lagrangian bound and the
//! eligible slots that explanations need.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::grouping::{EligibleSlots, Grouping};
use crate::appointments::domain::*;

/// A day chain of the transshipment network: the slot groups of one role, one mode and (face
/// to face only) one site, as seen by requests of one urgency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ChainKey {
    role: RoleIdx,
    mode: Mode,
    site: Option<SiteIdx>,
    urgency: Urgency,
}

/// One day of a chain.
pub(super) struct Node {
    pub(super) day: i64,
    /// The chain's next day (none for same-day chains and the last day).
    pub(super) next: Option<u32>,
    /// Cost of waiting from this day to the next: 30 w (days between).
    pub(super) link_cost: i64,
    /// The chain's slot groups on this day.
    pub(super) slots: Vec<u32>,
}

#[derive(Clone, Copy)]
pub(super) enum ArcHead {
    Node(u32),
    Slot(u32),
}

/// An arc out of a request class.
pub(super) struct ClassArc {
    pub(super) class: u32,
    pub(super) head: ArcHead,
    pub(super) cost: i64,
}

/// The transshipment network equivalent to the grouped transportation problem (see
/// `solve_transshipment`).
pub(super) struct TransshipmentNetwork {
    /// Request groups of each class, in group order.
    pub(super) classes: Vec<Vec<u32>>,
    pub(super) supply: Vec<i64>,
    /// Chains are contiguous runs of nodes in day order.
    pub(super) nodes: Vec<Node>,
    /// In class order.
    pub(super) arcs: Vec<ClassArc>,
}

/// The day chains and where they sit in the node list.
struct Chains {
    /// Chains are contiguous runs of nodes in day order.
    nodes: Vec<Node>,
    /// Each chain as (first node, length), in a dense table indexed by `slot_of`.
    runs: Vec<Option<(u32, u32)>>,
    /// Slot groups of each clinician, in group order.
    by_clinician: Vec<Vec<u32>>,
    n_sites: usize,
}

impl Chains {
    /// Per (role, mode, site or none for remote modes), the slot groups of each day,
    /// then one chain per urgency.
    fn new(network: &Network, grouping: &Grouping) -> Self {
        // Slot groups by (role, mode, site for face to face) and day.
        type Base = (RoleIdx, Mode, Option<SiteIdx>);
        let mut by_base: BTreeMap<Base, BTreeMap<i64, Vec<u32>>> = BTreeMap::new();
        let mut by_clinician: Vec<Vec<u32>> = vec![Vec::new(); network.clinicians.len()];
        for h in 0..grouping.slot_groups.len() {
            let slot = network.slot(grouping.slot_rep(h));
            let site = (slot.mode == Mode::FaceToFace).then_some(slot.site);
            by_base
                .entry((slot.role, slot.mode, site))
                .or_default()
                .entry(slot.day)
                .or_default()
                .push(h as u32);
            by_clinician[slot.clinician.idx()].push(h as u32);
        }
        let n_sites = network.sites.len();
        let mut chains = Chains {
            nodes: Vec::new(),
            runs: vec![
                None;
                network.roles.len() * Mode::ALL.len() * (n_sites + 1) * Urgency::ALL.len()
            ],
            by_clinician,
            n_sites,
        };
        for (&(role, mode, site), days) in &by_base {
            for urgency in Urgency::ALL {
                let start = chains.push_chain(days, urgency);
                let key = ChainKey {
                    role,
                    mode,
                    site,
                    urgency,
                };
                let slot = chains.slot_of(key);
                chains.runs[slot] = Some((start, chains.nodes.len() as u32 - start));
            }
        }
        chains
    }

    /// Appends one chain's nodes, one per day; returns its first node.
    fn push_chain(&mut self, days: &BTreeMap<i64, Vec<u32>>, urgency: Urgency) -> u32 {
        let nodes = &mut self.nodes;
        let start = nodes.len() as u32;
        let linked = urgency != Urgency::SameDay;
        for (&day, slots) in days {
            if linked
                && let Some(prev) = nodes.len().checked_sub(1)
                && prev >= start as usize
            {
                nodes[prev].next = Some(nodes.len() as u32);
                nodes[prev].link_cost = COST_SCALE * urgency.weight() * (day - nodes[prev].day);
            }
            nodes.push(Node {
                day,
                next: None,
                link_cost: 0,
                slots: slots.clone(),
            });
        }
        start
    }

    /// A chain's place in the dense table.
    fn slot_of(&self, key: ChainKey) -> usize {
        let n_sites = self.n_sites;
        let site = key.site.map_or(n_sites, |s| s.idx());
        ((key.role.idx() * Mode::ALL.len() + key.mode as usize) * (n_sites + 1) + site)
            * Urgency::ALL.len()
            + key.urgency as usize
    }

    /// The nodes of a chain, or `None` if it has no slot group.
    fn run(&self, key: ChainKey) -> Option<(u32, u32)> {
        self.runs[self.slot_of(key)]
    }
}

/// The first day a request may take: its own for a same-day request, else its own or
/// the planning start, whichever is later.
fn first_day(request: &Request) -> i64 {
    if request.urgency == Urgency::SameDay {
        request.day
    } else {
        request.day.max(0)
    }
}

/// Request classes: groups that differ only in what neither the rules nor c' look at
/// (the request day when no slot comes before it; home and travel limit when face to
/// face is not accepted). Returns the groups of each class and its supply.
fn request_classes(network: &Network, grouping: &Grouping) -> (Vec<Vec<u32>>, Vec<i64>) {
    type ClassKey = (
        RoleIdx,
        Urgency,
        ModeSet,
        Option<(SiteIdx, u32)>,
        i64,
        Option<ClinicianIdx>,
    );
    let mut class_index: HashMap<ClassKey, u32> = HashMap::new();
    let mut classes: Vec<Vec<u32>> = Vec::new();
    let mut supply: Vec<i64> = Vec::new();
    for (g, members) in grouping.request_groups.iter().enumerate() {
        let r = network.request(grouping.request_rep(g));
        let d0 = first_day(r);
        let f2f = r
            .modes
            .contains(Mode::FaceToFace)
            .then_some((r.home, r.max_travel_min));
        let key = (r.role, r.urgency, r.modes, f2f, d0, r.preferred);
        let c = *class_index.entry(key).or_insert_with(|| {
            classes.push(Vec::new());
            supply.push(0);
            classes.len() as u32 - 1
        });
        classes[c as usize].push(g as u32);
        supply[c as usize] += members.len() as i64;
    }
    (classes, supply)
}

/// Collects the arcs out of the request classes.
struct ClassArcs<'a> {
    network: &'a Network,
    grouping: &'a Grouping,
    chains: &'a Chains,
    arcs: Vec<ClassArc>,
}

impl ClassArcs<'_> {
    /// Arcs out of class `c` (represented by request `r`) into the first day it may take of
    /// every chain it may use, at c' plus the missed-preference cost.
    fn chain_entries(&mut self, c: u32, r: RequestIdx) {
        let (network, grouping, chains) = (self.network, self.grouping, self.chains);
        let request = network.request(r);
        let unbooked = network.unbooked_cost30(r);
        let d0 = first_day(request);
        let n_sites = chains.n_sites;
        for mode in request.modes.iter() {
            let sites = if mode == Mode::FaceToFace {
                0..n_sites
            } else {
                n_sites..n_sites + 1
            };
            for site in sites {
                let site = (site < n_sites).then_some(SiteIdx(site as u32));
                // Beyond the travel limit (or out of reach) no slot there passes.
                if let Some(site) = site
                    && network
                        .travel_min(request.home, site)
                        .is_none_or(|t| t > request.max_travel_min)
                {
                    continue;
                }
                let key = ChainKey {
                    role: request.role,
                    mode,
                    site,
                    urgency: request.urgency,
                };
                let Some((start, len)) = chains.run(key) else {
                    continue;
                };
                let run = &chains.nodes[start as usize..(start + len) as usize];
                let pos = run.partition_point(|n| n.day < d0);
                if pos == run.len() {
                    continue;
                }
                let v = start as usize + pos;
                let s = grouping.slot_rep(chains.nodes[v].slots[0] as usize);
                if check_pair(network, r, s).is_err() {
                    continue;
                }
                let missed = match request.preferred {
                    Some(k) if k != network.slot(s).clinician => COST_SCALE,
                    _ => 0,
                };
                let penalty = if request.preferred.is_some() {
                    COST_SCALE
                } else {
                    0
                };
                self.arcs.push(ClassArc {
                    class: c,
                    head: ArcHead::Node(v as u32),
                    cost: network.booking_cost30(r, s) - missed + penalty - unbooked,
                });
            }
        }
    }

    /// Arcs out of class `c` straight to the slot groups of its preferred clinician, at c'.
    fn preferred_arcs(&mut self, c: u32, r: RequestIdx) {
        let (network, grouping, chains) = (self.network, self.grouping, self.chains);
        let request = network.request(r);
        let unbooked = network.unbooked_cost30(r);
        if let Some(k) = request.preferred {
            for &h in &chains.by_clinician[k.idx()] {
                let s = grouping.slot_rep(h as usize);
                if check_pair(network, r, s).is_ok() {
                    self.arcs.push(ClassArc {
                        class: c,
                        head: ArcHead::Slot(h),
                        cost: network.booking_cost30(r, s) - unbooked,
                    });
                }
            }
        }
    }
}

impl TransshipmentNetwork {
    pub(super) fn new(network: &Network, grouping: &Grouping) -> Self {
        let chains = Chains::new(network, grouping);
        let (classes, supply) = request_classes(network, grouping);
        let mut class_arcs = ClassArcs {
            network,
            grouping,
            chains: &chains,
            arcs: Vec::new(),
        };
        for (c, groups) in classes.iter().enumerate() {
            let r = grouping.request_rep(groups[0] as usize);
            class_arcs.chain_entries(c as u32, r);
            class_arcs.preferred_arcs(c as u32, r);
        }
        let arcs = class_arcs.arcs;
        TransshipmentNetwork {
            classes,
            supply,
            nodes: chains.nodes,
            arcs,
        }
    }

    /// For slot duals z ≤ 0 (integers): the cheapest c' − z over the slot groups each
    /// node reaches, then the Lagrangian bound Σ_h m_h z_h + Σ_g n_g min(0, min_h
    /// (c'[g,h] − z_h)), exactly, in integers.
    pub(super) fn lagrangian(&self, grouping: &Grouping, z: &[i64]) -> i64 {
        let mut reach = vec![i64::MAX; self.nodes.len()];
        for v in (0..self.nodes.len()).rev() {
            let node = &self.nodes[v];
            let mut best = node
                .slots
                .iter()
                .map(|&h| -z[h as usize])
                .min()
                .unwrap_or(i64::MAX);
            if let Some(next) = node.next {
                best = best.min(node.link_cost.saturating_add(reach[next as usize]));
            }
            reach[v] = best;
        }
        let mut best = vec![0i64; self.classes.len()];
        for arc in &self.arcs {
            let tail = match arc.head {
                ArcHead::Node(v) => reach[v as usize],
                ArcHead::Slot(h) => -z[h as usize],
            };
            let b = &mut best[arc.class as usize];
            *b = (*b).min(arc.cost.saturating_add(tail));
        }
        let slots: i64 = grouping
            .slot_groups
            .iter()
            .zip(z)
            .map(|(m, &z)| m.len() as i64 * z)
            .sum();
        slots
            + best
                .iter()
                .zip(&self.supply)
                .map(|(&b, &n)| b * n)
                .sum::<i64>()
    }

    /// Eligible (request group, slot group) pairs: every one is reached through
    /// exactly one chain entry.
    pub(super) fn eligible_arcs(&self) -> u64 {
        let mut reach = vec![0u64; self.nodes.len()];
        for v in (0..self.nodes.len()).rev() {
            let node = &self.nodes[v];
            reach[v] = node.slots.len() as u64 + node.next.map_or(0, |n| reach[n as usize]);
        }
        self.arcs
            .iter()
            .map(|arc| match arc.head {
                ArcHead::Node(v) => {
                    reach[v as usize] * self.classes[arc.class as usize].len() as u64
                }
                ArcHead::Slot(_) => 0,
            })
            .sum()
    }
}

/// The request classes and day chains of the transshipment network, kept for
/// explanations.
#[derive(Clone)]
pub struct ClassNetwork(pub(super) Arc<TransshipmentNetwork>);

impl std::fmt::Debug for ClassNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassNetwork")
            .field("classes", &self.0.classes.len())
            .field("nodes", &self.0.nodes.len())
            .field("arcs", &self.0.arcs.len())
            .finish()
    }
}

impl ClassNetwork {
    /// [`eligible_slots`] through the chains: every eligible slot group of a class is
    /// reached through exactly one chain entry, at its c' (or 30 more for the preferred
    /// clinician's own slot groups, which the class's direct arcs reach at c'), so the
    /// least (c', day, group) over free slot groups is a minimum along each chain
    /// (backwards, in integers) and then over the class's arcs; every group of a class
    /// has the same eligible slot groups at the same c'.
    pub fn eligible_slots(&self, grouping: &Grouping, free: &[u32]) -> Vec<EligibleSlots> {
        let transshipment = &*self.0;
        let n_nodes = transshipment.nodes.len();
        let mut reach = vec![0u64; n_nodes];
        let mut best: Vec<Option<(i64, i64, u32)>> = vec![None; n_nodes];
        for v in (0..n_nodes).rev() {
            let node = &transshipment.nodes[v];
            let mut b: Option<(i64, i64, u32)> = node
                .slots
                .iter()
                .filter(|&&h| free[h as usize] > 0)
                .map(|&h| (0, node.day, h))
                .min();
            let mut r: u64 = node
                .slots
                .iter()
                .map(|&h| grouping.slot_groups[h as usize].len() as u64)
                .sum();
            if let Some(next) = node.next {
                let next = next as usize;
                r += reach[next];
                if let Some((c, d, h)) = best[next] {
                    let via = (c + node.link_cost, d, h);
                    b = Some(b.map_or(via, |b| b.min(via)));
                }
            }
            reach[v] = r;
            best[v] = b;
        }
        // Per class: eligible slots, and the least (c', day, slot group) that is free.
        type Cheapest = Option<(i64, i64, u32)>;
        let mut per_class: Vec<(u64, Cheapest)> = vec![(0, None); transshipment.classes.len()];
        for arc in &transshipment.arcs {
            let (slots, cheapest) = &mut per_class[arc.class as usize];
            let candidate = match arc.head {
                ArcHead::Node(v) => {
                    *slots += reach[v as usize];
                    best[v as usize].map(|(c, d, h)| (c + arc.cost, d, h))
                }
                ArcHead::Slot(h) => (free[h as usize] > 0)
                    .then(|| (arc.cost, grouping.slot_group_day[h as usize], h)),
            };
            if let Some(candidate) = candidate {
                *cheapest = Some(cheapest.map_or(candidate, |b| b.min(candidate)));
            }
        }
        let mut out = vec![
            EligibleSlots {
                slots: 0,
                cheapest_free: None
            };
            grouping.request_groups.len()
        ];
        for (c, groups) in transshipment.classes.iter().enumerate() {
            let (slots, cheapest) = per_class[c];
            for &g in groups {
                out[g as usize] = EligibleSlots {
                    slots,
                    cheapest_free: cheapest.map(|(c, _, h)| (c, h)),
                };
            }
        }
        out
    }
}
