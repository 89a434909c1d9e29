//! The grouped assignment model (docs/model.md, "Appointment balancing") and its
//! solvers: an equivalent min-cost flow over request classes and day chains, solved by
//! our network simplex (`flow.rs`, the default) or as an LP on the `highs` crate
//! directly (for comparison), and the whole grouped LP built with good_lp (the
//! reference).
//!
//! Requests that agree on everything the rules and the cost look at (home site, role,
//! urgency, modes, travel limit, request date, preferred clinician) form a request
//! group; slots that agree on site, clinician, role, mode and date form a slot group.
//! Every member of a group is interchangeable with every other, so the problem is a
//! transportation problem between groups: x[g,h] ≥ 0 requests of group g booked into
//! slots of group h, Σ_h x[g,h] ≤ |g|, Σ_g x[g,h] ≤ |h|, minimise Σ c'[g,h] x[g,h] with
//! c' = booking cost − unbooked cost. Its constraint matrix is totally unimodular, so a
//! basic optimal solution (simplex) is integral.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
use highs::{ColProblem, HighsModelStatus, Row, Sense};

use super::domain::*;
use super::flow::{FlowNetwork, FlowStatus, UNBOUNDED};

/// Interchangeable requests and slots.
#[derive(Clone, Debug)]
pub struct Grouping {
    /// Members in request order.
    pub request_groups: Vec<Vec<RequestIdx>>,
    /// Members in (start time, slot order) order: the earliest slot is handed out first.
    pub slot_groups: Vec<Vec<SlotIdx>>,
    /// Slot groups of each role, in (day, group) order.
    by_role: Vec<Vec<u32>>,
    slot_group_day: Vec<i64>,
}

impl Grouping {
    /// Groups in order of first appearance, so the grouping is deterministic.
    pub fn new(network: &Network) -> Self {
        type RequestKey = (
            SiteIdx,
            RoleIdx,
            Urgency,
            ModeSet,
            u32,
            i64,
            Option<ClinicianIdx>,
        );
        let mut request_index: HashMap<RequestKey, usize> = HashMap::new();
        let mut request_groups: Vec<Vec<RequestIdx>> = Vec::new();
        for (i, r) in network.requests.iter().enumerate() {
            let key = (
                r.home,
                r.role,
                r.urgency,
                r.modes,
                r.max_travel_min,
                r.day,
                r.preferred,
            );
            let g = *request_index.entry(key).or_insert_with(|| {
                request_groups.push(Vec::new());
                request_groups.len() - 1
            });
            request_groups[g].push(RequestIdx(i as u32));
        }
        type SlotKey = (SiteIdx, ClinicianIdx, RoleIdx, Mode, i64);
        let mut slot_index: HashMap<SlotKey, usize> = HashMap::new();
        let mut slot_groups: Vec<Vec<SlotIdx>> = Vec::new();
        for (i, s) in network.slots.iter().enumerate() {
            let key = (s.site, s.clinician, s.role, s.mode, s.day);
            let h = *slot_index.entry(key).or_insert_with(|| {
                slot_groups.push(Vec::new());
                slot_groups.len() - 1
            });
            slot_groups[h].push(SlotIdx(i as u32));
        }
        for members in &mut slot_groups {
            members.sort_by_key(|&s| (network.slot(s).start, s));
        }
        let slot_group_day: Vec<i64> = slot_groups.iter().map(|m| network.slot(m[0]).day).collect();
        let mut by_role: Vec<Vec<u32>> = vec![Vec::new(); network.roles.len()];
        for (h, members) in slot_groups.iter().enumerate() {
            by_role[network.slot(members[0]).role.idx()].push(h as u32);
        }
        for list in &mut by_role {
            list.sort_by_key(|&h| (slot_group_day[h as usize], h));
        }
        Grouping {
            request_groups,
            slot_groups,
            by_role,
            slot_group_day,
        }
    }

    pub fn request_rep(&self, g: usize) -> RequestIdx {
        self.request_groups[g][0]
    }

    pub fn slot_rep(&self, h: usize) -> SlotIdx {
        self.slot_groups[h][0]
    }

    /// Calls `f(h, c')` for every eligible arc of request group `g`, in (day, group)
    /// order, with c' = booking cost − unbooked cost in thirtieths.
    pub fn for_each_arc(&self, network: &Network, g: usize, mut f: impl FnMut(usize, i64)) {
        let r = self.request_rep(g);
        let request = network.request(r);
        let unbooked = network.unbooked_cost30(r);
        let list = &self.by_role[request.role.idx()];
        let first = list.partition_point(|&h| self.slot_group_day[h as usize] < request.day);
        for &h in &list[first..] {
            let h = h as usize;
            if request.urgency == Urgency::SameDay && self.slot_group_day[h] != request.day {
                break;
            }
            let s = self.slot_rep(h);
            if check_pair(network, r, s).is_ok() {
                f(h, network.booking_cost30(r, s) - unbooked);
            }
        }
    }

    /// Slot groups of a role (any day), for explanations.
    pub fn slot_groups_of_role(&self, role: RoleIdx) -> &[u32] {
        self.by_role.get(role.idx()).map_or(&[], |v| v.as_slice())
    }
}

/// Requests of a group booked into slots of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub request_group: u32,
    pub slot_group: u32,
    pub count: u32,
}

/// What a solve of the grouped model gives.
#[derive(Clone, Debug)]
pub struct GroupedSolution {
    /// Sorted by (request group, slot group).
    pub flows: Vec<Flow>,
    /// Σ c' x in thirtieths (add the unbooked cost of everyone for the objective).
    pub objective30: i64,
    /// A proven lower bound on Σ c' x over all plans, in thirtieths.
    pub bound30: i64,
    /// The optimum is proven (bound equals objective).
    pub optimal: bool,
    pub deadline_reached: bool,
    pub arcs: u64,
    pub arcs_in_lp: u64,
    pub rounds: u32,
    /// The class and chain network the transshipment methods solved (for explanations).
    pub classes: Option<ClassNetwork>,
}

/// What explanations need about a request group's eligible slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EligibleSlots {
    /// Eligible slots (not groups).
    pub slots: u64,
    /// The free eligible slot group of least c' (then earliest day, then lowest index),
    /// with that c'.
    pub cheapest_free: Option<(i64, u32)>,
}

/// Per request group, from its eligible arcs (`for_each_arc`): what the transshipment
/// network gives faster through [`ClassNetwork::eligible_slots`].
pub fn eligible_slots(network: &Network, grouping: &Grouping, free: &[u32]) -> Vec<EligibleSlots> {
    (0..grouping.request_groups.len())
        .map(|g| {
            let mut slots = 0u64;
            let mut cheapest_free: Option<(i64, u32)> = None;
            grouping.for_each_arc(network, g, |h, c| {
                slots += grouping.slot_groups[h].len() as u64;
                if free[h] > 0 && cheapest_free.is_none_or(|(b, _)| c < b) {
                    cheapest_free = Some((c, h as u32));
                }
            });
            EligibleSlots {
                slots,
                cheapest_free,
            }
        })
        .collect()
}

/// The request classes and day chains of the transshipment network, kept for
/// explanations.
#[derive(Clone)]
pub struct ClassNetwork(Arc<Compact>);

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
        let compact = &*self.0;
        let n_nodes = compact.nodes.len();
        let mut reach = vec![0u64; n_nodes];
        let mut best: Vec<Option<(i64, i64, u32)>> = vec![None; n_nodes];
        for v in (0..n_nodes).rev() {
            let node = &compact.nodes[v];
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
        let mut per_class: Vec<(u64, Cheapest)> = vec![(0, None); compact.classes.len()];
        for arc in &compact.arcs {
            let (slots, cheapest) = &mut per_class[arc.class as usize];
            let candidate = match arc.head {
                Head::Node(v) => {
                    *slots += reach[v as usize];
                    best[v as usize].map(|(c, d, h)| (c + arc.cost, d, h))
                }
                Head::Slot(h) => (free[h as usize] > 0)
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
        for (c, groups) in compact.classes.iter().enumerate() {
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

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("HiGHS failed: {0}")]
    Highs(String),
    #[error("the network simplex failed: {0}")]
    Flow(String),
}

/// Σ_h m_h z_h + Σ_g n_g min(0, min_h (c'[g,h] − z_h)) for slot duals z ≤ 0: the
/// Lagrangian bound of relaxing the slot rows, a true lower bound for any such z.
/// Also returns the number of eligible arcs.
fn lagrangian_bound(network: &Network, grouping: &Grouping, z: &[f64]) -> (f64, u64) {
    let mut bound: f64 = grouping
        .slot_groups
        .iter()
        .zip(z)
        .map(|(m, &z)| m.len() as f64 * z.min(0.0))
        .sum();
    let mut arcs = 0u64;
    for (g, members) in grouping.request_groups.iter().enumerate() {
        let mut best = 0.0f64;
        grouping.for_each_arc(network, g, |h, c| {
            arcs += 1;
            best = best.min(c as f64 - z[h].min(0.0));
        });
        bound += members.len() as f64 * best;
    }
    (bound, arcs)
}

/// The integer at or above a lower bound, allowing for floating-point error (HiGHS's
/// tolerances are 1e-7 on values of order one): every plan's cost is a whole number
/// of thirtieths.
fn integer_bound(bound: f64) -> i64 {
    (bound - 1e-3 - 1e-9 * bound.abs()).ceil() as i64
}

/// A feasible start: request groups by urgency then date, each into its cheapest free
/// eligible slot groups.
pub fn greedy(network: &Network, grouping: &Grouping) -> Vec<Flow> {
    let mut order: Vec<usize> = (0..grouping.request_groups.len()).collect();
    order.sort_by_key(|&g| {
        let r = network.request(grouping.request_rep(g));
        (r.urgency, r.day, g)
    });
    let mut free: Vec<u32> = grouping
        .slot_groups
        .iter()
        .map(|m| m.len() as u32)
        .collect();
    let mut flows = Vec::new();
    let mut arcs: Vec<(i64, usize)> = Vec::new();
    for g in order {
        arcs.clear();
        grouping.for_each_arc(network, g, |h, c| {
            if c < 0 {
                arcs.push((c, h));
            }
        });
        arcs.sort();
        let mut left = grouping.request_groups[g].len() as u32;
        for &(_, h) in &arcs {
            if left == 0 {
                break;
            }
            let take = left.min(free[h]);
            if take > 0 {
                free[h] -= take;
                left -= take;
                flows.push(Flow {
                    request_group: g as u32,
                    slot_group: h as u32,
                    count: take,
                });
            }
        }
    }
    flows.sort();
    flows
}

fn flows_cost(network: &Network, grouping: &Grouping, flows: &[Flow]) -> i64 {
    flows
        .iter()
        .map(|f| {
            let r = grouping.request_rep(f.request_group as usize);
            let s = grouping.slot_rep(f.slot_group as usize);
            i64::from(f.count) * (network.booking_cost30(r, s) - network.unbooked_cost30(r))
        })
        .sum()
}

/// Rounds LP values to flows; `None` if any is fractional (never for a basic solution).
fn integral_flows(columns: &[(u32, u32)], values: &[f64]) -> Option<Vec<Flow>> {
    let mut flows = Vec::new();
    for (&(g, h), &v) in columns.iter().zip(values) {
        let rounded = v.round();
        if (v - rounded).abs() > 1e-6 {
            return None;
        }
        if rounded >= 1.0 {
            flows.push(Flow {
                request_group: g,
                slot_group: h,
                count: rounded as u32,
            });
        }
    }
    flows.sort();
    Some(flows)
}

fn err(e: impl std::fmt::Debug) -> ModelError {
    ModelError::Highs(format!("{e:?}"))
}

/// A day chain of the compact network: the slot groups of one role, one mode and (face
/// to face only) one site, as seen by requests of one urgency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ChainKey {
    role: RoleIdx,
    mode: Mode,
    site: Option<SiteIdx>,
    urgency: Urgency,
}

/// One day of a chain.
struct Node {
    day: i64,
    /// The chain's next day (none for same-day chains and the last day).
    next: Option<u32>,
    /// Cost of waiting from this day to the next: 30 w (days between).
    link_cost: i64,
    /// The chain's slot groups on this day.
    slots: Vec<u32>,
}

#[derive(Clone, Copy)]
enum Head {
    Node(u32),
    Slot(u32),
}

/// An arc out of a request class.
struct ClassArc {
    class: u32,
    head: Head,
    cost: i64,
}

/// The transshipment network equivalent to the grouped transportation problem (see
/// `solve_transshipment`).
struct Compact {
    /// Request groups of each class, in group order.
    classes: Vec<Vec<u32>>,
    supply: Vec<i64>,
    /// Chains are contiguous runs of nodes in day order.
    nodes: Vec<Node>,
    /// In class order.
    arcs: Vec<ClassArc>,
}

impl Compact {
    fn new(network: &Network, grouping: &Grouping) -> Self {
        // Chains, from the slot groups: per (role, mode, site or none for remote modes),
        // the slot groups of each day, then one chain per urgency.
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
        let mut nodes: Vec<Node> = Vec::new();
        // Chains as (first node, length) by (role, mode, site or none, urgency), in a
        // dense table.
        let n_sites = network.sites.len();
        let chain_slot = |key: ChainKey| {
            let site = key.site.map_or(n_sites, |s| s.idx());
            ((key.role.idx() * Mode::ALL.len() + key.mode as usize) * (n_sites + 1) + site)
                * Urgency::ALL.len()
                + key.urgency as usize
        };
        let mut chains: Vec<Option<(u32, u32)>> =
            vec![None; network.roles.len() * Mode::ALL.len() * (n_sites + 1) * Urgency::ALL.len()];
        for (&(role, mode, site), days) in &by_base {
            for urgency in Urgency::ALL {
                let start = nodes.len() as u32;
                let linked = urgency != Urgency::SameDay;
                for (&day, slots) in days {
                    if linked
                        && let Some(prev) = nodes.len().checked_sub(1)
                        && prev >= start as usize
                    {
                        nodes[prev].next = Some(nodes.len() as u32);
                        nodes[prev].link_cost =
                            COST_SCALE * urgency.weight() * (day - nodes[prev].day);
                    }
                    nodes.push(Node {
                        day,
                        next: None,
                        link_cost: 0,
                        slots: slots.clone(),
                    });
                }
                let key = ChainKey {
                    role,
                    mode,
                    site,
                    urgency,
                };
                chains[chain_slot(key)] = Some((start, nodes.len() as u32 - start));
            }
        }

        // Request classes: groups that differ only in what neither the rules nor c'
        // look at (the request day when no slot comes before it; home and travel limit
        // when face to face is not accepted).
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
            let d0 = if r.urgency == Urgency::SameDay {
                r.day
            } else {
                r.day.max(0)
            };
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

        // Arcs out of each class: into the first day it may take of every chain it may
        // use, at c' plus the missed-preference cost, and straight to the slot groups of
        // its preferred clinician at c'.
        let mut arcs: Vec<ClassArc> = Vec::new();
        for (c, groups) in classes.iter().enumerate() {
            let r = grouping.request_rep(groups[0] as usize);
            let request = network.request(r);
            let unbooked = network.unbooked_cost30(r);
            let d0 = if request.urgency == Urgency::SameDay {
                request.day
            } else {
                request.day.max(0)
            };
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
                    let Some((start, len)) = chains[chain_slot(key)] else {
                        continue;
                    };
                    let run = &nodes[start as usize..(start + len) as usize];
                    let pos = run.partition_point(|n| n.day < d0);
                    if pos == run.len() {
                        continue;
                    }
                    let v = start as usize + pos;
                    let s = grouping.slot_rep(nodes[v].slots[0] as usize);
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
                    arcs.push(ClassArc {
                        class: c as u32,
                        head: Head::Node(v as u32),
                        cost: network.booking_cost30(r, s) - missed + penalty - unbooked,
                    });
                }
            }
            if let Some(k) = request.preferred {
                for &h in &by_clinician[k.idx()] {
                    let s = grouping.slot_rep(h as usize);
                    if check_pair(network, r, s).is_ok() {
                        arcs.push(ClassArc {
                            class: c as u32,
                            head: Head::Slot(h),
                            cost: network.booking_cost30(r, s) - unbooked,
                        });
                    }
                }
            }
        }
        Compact {
            classes,
            supply,
            nodes,
            arcs,
        }
    }

    /// For slot duals z ≤ 0 (integers): the cheapest c' − z over the slot groups each
    /// node reaches, then the Lagrangian bound Σ_h m_h z_h + Σ_g n_g min(0, min_h
    /// (c'[g,h] − z_h)), exactly, in integers.
    fn lagrangian(&self, grouping: &Grouping, z: &[i64]) -> i64 {
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
                Head::Node(v) => reach[v as usize],
                Head::Slot(h) => -z[h as usize],
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
    fn eligible_arcs(&self) -> u64 {
        let mut reach = vec![0u64; self.nodes.len()];
        for v in (0..self.nodes.len()).rev() {
            let node = &self.nodes[v];
            reach[v] = node.slots.len() as u64 + node.next.map_or(0, |n| reach[n as usize]);
        }
        self.arcs
            .iter()
            .map(|arc| match arc.head {
                Head::Node(v) => reach[v as usize] * self.classes[arc.class as usize].len() as u64,
                Head::Slot(_) => 0,
            })
            .sum()
    }
}

/// What a column of the compact LP (an arc of the flow network) is.
#[derive(Clone, Copy)]
enum Column {
    /// Index into `Compact::arcs`.
    Class(u32),
    /// Node to the next day of its chain.
    Link(u32),
    /// Node to one of its slot groups.
    Out(u32, u32),
}

/// The chain nodes some class can reach (the others carry nothing), and the columns:
/// class arcs in class order, then per reachable node its link and its out arcs.
fn layout(compact: &Compact) -> (Vec<bool>, Vec<Column>) {
    let n_nodes = compact.nodes.len();
    let mut alive = vec![false; n_nodes];
    for arc in &compact.arcs {
        if let Head::Node(v) = arc.head {
            alive[v as usize] = true;
        }
    }
    for v in 0..n_nodes {
        if alive[v]
            && let Some(next) = compact.nodes[v].next
        {
            alive[next as usize] = true;
        }
    }
    let mut columns: Vec<Column> = (0..compact.arcs.len() as u32).map(Column::Class).collect();
    for (v, node) in compact.nodes.iter().enumerate() {
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

/// Integral flows on the compact network's columns, split into (request group, slot
/// group) flows. `None` if the flows do not balance (never for a feasible flow).
fn decompose(
    compact: &Compact,
    grouping: &Grouping,
    columns: &[Column],
    counts: &[i64],
) -> Option<Vec<Flow>> {
    let n_nodes = compact.nodes.len();
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
                let arc = &compact.arcs[a as usize];
                match arc.head {
                    Head::Node(n) => entering[n as usize].push((arc.class, count)),
                    Head::Slot(h) => pairs.push((arc.class, h, count)),
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
        if left != link[v] || (left > 0 && compact.nodes[v].next.is_none()) {
            return None;
        }
        if let Some(next) = compact.nodes[v].next {
            carried[next as usize] = left;
        }
    }
    // Each class's members, group by group.
    pairs.sort_unstable();
    let mut used = vec![(0usize, 0u32); compact.classes.len()];
    let mut flows: Vec<Flow> = Vec::new();
    for (c, h, mut count) in pairs {
        let groups = &compact.classes[c as usize];
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
    Some(merged)
}

/// The compact network, its layout and the Lagrangian bound at z = 0, shared by both
/// transshipment solvers.
struct Prepared {
    compact: Arc<Compact>,
    alive: Vec<bool>,
    columns: Vec<Column>,
    arcs_total: u64,
    zero_bound: i64,
}

impl Prepared {
    fn new(network: &Network, grouping: &Grouping) -> Self {
        let compact = Arc::new(Compact::new(network, grouping));
        let arcs_total = compact.eligible_arcs();
        let zero_bound = compact.lagrangian(grouping, &vec![0; grouping.slot_groups.len()]);
        let (alive, columns) = layout(&compact);
        Prepared {
            compact,
            alive,
            columns,
            arcs_total,
            zero_bound,
        }
    }

    /// No plan yet (`fill` makes one): the bound L(0).
    fn fallback(&self, deadline_reached: bool) -> GroupedSolution {
        GroupedSolution {
            flows: Vec::new(),
            objective30: 0,
            bound30: self.zero_bound.min(0),
            optimal: self.zero_bound >= 0,
            deadline_reached,
            arcs: self.arcs_total,
            arcs_in_lp: self.columns.len() as u64,
            rounds: 1,
            classes: Some(ClassNetwork(self.compact.clone())),
        }
    }

    /// The plan from optimal column flows and the slot duals z (≤ 0, integers), with
    /// the bound max(L(z), L(0)) capped at the plan's cost.
    fn finish(
        &self,
        network: &Network,
        grouping: &Grouping,
        counts: &[i64],
        z: &[i64],
    ) -> Option<GroupedSolution> {
        let flows = decompose(&self.compact, grouping, &self.columns, counts)?;
        let cost = flows_cost(network, grouping, &flows);
        let bound30 = self
            .compact
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
            classes: Some(ClassNetwork(self.compact.clone())),
        })
    }
}

/// The grouped model as a min-cost flow over request classes and day chains, solved by
/// the network simplex of `flow.rs` (the default method; docs/model.md, "Appointment
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
    let prepared = Prepared::new(network, grouping);
    if prepared.compact.arcs.is_empty() {
        return Ok(prepared.fallback(false));
    }
    if stop() {
        return Ok(prepared.fallback(true));
    }
    let compact = &prepared.compact;
    let n_h = grouping.slot_groups.len();
    // Roles never share a slot, so each role is a network of its own.
    let n_roles = network.roles.len();
    let slot_role: Vec<usize> = (0..n_h)
        .map(|h| network.slot(grouping.slot_rep(h)).role.idx())
        .collect();
    let class_role: Vec<usize> = compact
        .classes
        .iter()
        .map(|groups| {
            network
                .request(grouping.request_rep(groups[0] as usize))
                .role
                .idx()
        })
        .collect();
    let node_role: Vec<usize> = compact
        .nodes
        .iter()
        .map(|node| slot_role[node.slots[0] as usize])
        .collect();
    let column_role = |column: Column| match column {
        Column::Class(a) => class_role[compact.arcs[a as usize].class as usize],
        Column::Link(v) | Column::Out(v, _) => node_role[v as usize],
    };
    // Each class, slot group and reachable chain node's index in its role's network.
    let mut local_class = vec![0u32; compact.classes.len()];
    let mut local_slot = vec![0u32; n_h];
    let mut local_node = vec![u32::MAX; compact.nodes.len()];
    let mut counts = vec![0i64; prepared.columns.len()];
    let mut z = vec![0i64; n_h];
    let mut pivots = 0u64;
    for role in 0..n_roles {
        let total: i64 = compact
            .supply
            .iter()
            .zip(&class_role)
            .filter(|&(_, &r)| r == role)
            .map(|(&n, _)| n)
            .sum();
        if total == 0 {
            continue;
        }
        let mut net = FlowNetwork::new();
        let source = net.add_node(total);
        let sink = net.add_node(-total);
        for (c, &r) in class_role.iter().enumerate() {
            if r == role {
                local_class[c] = net.add_node(0);
            }
        }
        for (h, &r) in slot_role.iter().enumerate() {
            if r == role {
                local_slot[h] = net.add_node(0);
            }
        }
        for (v, &r) in node_role.iter().enumerate() {
            if r == role && prepared.alive[v] {
                local_node[v] = net.add_node(0);
            }
        }
        // Arcs: this role's columns in column order, then supplies, slots and bypass.
        let mut columns: Vec<u32> = Vec::new();
        for (i, &column) in prepared.columns.iter().enumerate() {
            if column_role(column) != role {
                continue;
            }
            columns.push(i as u32);
            match column {
                Column::Class(a) => {
                    let arc = &compact.arcs[a as usize];
                    let head = match arc.head {
                        Head::Node(v) => local_node[v as usize],
                        Head::Slot(h) => local_slot[h as usize],
                    };
                    net.add_arc(local_class[arc.class as usize], head, UNBOUNDED, arc.cost);
                }
                Column::Link(v) => {
                    let node = &compact.nodes[v as usize];
                    let next = node.next.expect("a link has a next day") as usize;
                    net.add_arc(
                        local_node[v as usize],
                        local_node[next],
                        UNBOUNDED,
                        node.link_cost,
                    );
                }
                Column::Out(v, h) => {
                    net.add_arc(local_node[v as usize], local_slot[h as usize], UNBOUNDED, 0);
                }
            }
        }
        for (c, &n) in compact.supply.iter().enumerate() {
            if class_role[c] == role {
                net.add_arc(source, local_class[c], n, 0);
            }
        }
        for (h, members) in grouping.slot_groups.iter().enumerate() {
            if slot_role[h] == role {
                net.add_arc(local_slot[h], sink, members.len() as i64, 0);
            }
        }
        net.add_arc(source, sink, UNBOUNDED, 0);

        let solved = net
            .solve(&mut stop)
            .map_err(|e| ModelError::Flow(e.to_string()))?;
        match solved.status {
            FlowStatus::Optimal => {}
            FlowStatus::Interrupted => return Ok(prepared.fallback(true)),
            other => return Err(ModelError::Flow(format!("the network ended {other:?}"))),
        }
        pivots += solved.pivots;
        for (local, &i) in columns.iter().enumerate() {
            counts[i as usize] = solved.flow[local];
        }
        // z_h = min(0, reduced cost of h → sink) = min(0, y_sink − y_h).
        let y_sink = solved.potential[sink as usize];
        for (h, &r) in slot_role.iter().enumerate() {
            if r == role {
                z[h] = (y_sink - solved.potential[local_slot[h] as usize]).min(0);
            }
        }
    }
    tracing::debug!(columns = prepared.columns.len(), pivots, "network simplex");
    prepared
        .finish(network, grouping, &counts, &z)
        .ok_or_else(|| ModelError::Flow("the optimal flow did not decompose".to_string()))
}

/// The same transshipment problem as an LP solved by HiGHS's dual simplex (the default
/// before the network simplex; kept for comparison in the tests and the bench). The
/// matrix is a network matrix (totally unimodular): the simplex optimum and its duals
/// are integral.
pub fn solve_transshipment_highs(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let prepared = Prepared::new(network, grouping);
    if prepared.compact.arcs.is_empty() {
        return Ok(prepared.fallback(false));
    }
    let compact = &prepared.compact;
    let n_h = grouping.slot_groups.len();
    let mut problem = ColProblem::default();
    let class_rows: Vec<Row> = compact
        .supply
        .iter()
        .map(|&n| problem.add_row(..=n as f64))
        .collect();
    let slot_rows: Vec<Row> = grouping
        .slot_groups
        .iter()
        .map(|m| problem.add_row(..=m.len() as f64))
        .collect();
    let first_slot_row = class_rows.len();
    let node_rows: Vec<Option<Row>> = prepared
        .alive
        .iter()
        .map(|&a| a.then(|| problem.add_row(0.0..=0.0)))
        .collect();
    for &column in &prepared.columns {
        match column {
            Column::Class(a) => {
                let arc = &compact.arcs[a as usize];
                let head = match arc.head {
                    Head::Node(v) => node_rows[v as usize].expect("entered"),
                    Head::Slot(h) => slot_rows[h as usize],
                };
                problem.add_column(
                    arc.cost as f64,
                    0.0..,
                    [(class_rows[arc.class as usize], 1.0), (head, 1.0)],
                );
            }
            Column::Link(v) => {
                let node = &compact.nodes[v as usize];
                let row = node_rows[v as usize].expect("alive");
                let next = node.next.expect("a link has a next day");
                let next_row = node_rows[next as usize].expect("alive after an alive node");
                problem.add_column(node.link_cost as f64, 0.0.., [(row, -1.0), (next_row, 1.0)]);
            }
            Column::Out(v, h) => {
                let row = node_rows[v as usize].expect("alive");
                problem.add_column(0.0, 0.0.., [(row, -1.0), (slot_rows[h as usize], 1.0)]);
            }
        }
    }

    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(prepared.fallback(true));
    }
    let mut model = problem.optimise(Sense::Minimise);
    model.try_set_option("output_flag", log).map_err(err)?;
    model.try_set_option("log_to_console", log).map_err(err)?;
    model.try_set_option("threads", 1).map_err(err)?;
    model.try_set_option("random_seed", 0).map_err(err)?;
    model.try_set_option("solver", "simplex").map_err(err)?;
    model
        .try_set_option("time_limit", left.as_secs_f64())
        .map_err(err)?;
    let solved = model.try_solve().map_err(err)?;
    if solved.status() != HighsModelStatus::Optimal {
        if Instant::now() >= deadline {
            return Ok(prepared.fallback(true));
        }
        return Err(ModelError::Highs(format!(
            "the transshipment LP ended {:?}",
            solved.status()
        )));
    }
    let solution = solved.get_solution();
    let mut counts = Vec::with_capacity(prepared.columns.len());
    for &v in solution.columns() {
        let rounded = v.round();
        if (v - rounded).abs() > 1e-6 {
            return Err(ModelError::Highs(
                "the LP optimum came back fractional".to_string(),
            ));
        }
        counts.push(rounded as i64);
    }
    let z: Vec<i64> = solution.dual_rows()[first_slot_row..first_slot_row + n_h]
        .iter()
        .map(|&d| (d.round() as i64).min(0))
        .collect();
    prepared
        .finish(network, grouping, &counts, &z)
        .ok_or_else(|| ModelError::Highs("the LP optimum came back unbalanced".to_string()))
}

/// The whole grouped LP, one good_lp variable per eligible arc: the reference.
pub fn solve_full_lp(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let mut vars = ProblemVariables::new();
    let mut arcs: Vec<(u32, u32, i64, Variable)> = Vec::new();
    for g in 0..grouping.request_groups.len() {
        grouping.for_each_arc(network, g, |h, c| {
            arcs.push((g as u32, h as u32, c, vars.add(variable().min(0.0))));
        });
    }
    let start = greedy(network, grouping);
    let start_cost = flows_cost(network, grouping, &start);
    let (z0_bound, _) = lagrangian_bound(network, grouping, &vec![0.0; grouping.slot_groups.len()]);
    let fallback = |deadline_reached: bool| GroupedSolution {
        flows: start.clone(),
        objective30: start_cost,
        bound30: integer_bound(z0_bound).min(start_cost),
        optimal: integer_bound(z0_bound) >= start_cost,
        deadline_reached,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
        classes: None,
    };
    if arcs.is_empty() {
        return Ok(fallback(false));
    }
    let objective: Expression = arcs.iter().map(|&(_, _, c, v)| c as f64 * v).sum();
    let mut by_request: Vec<Vec<Variable>> = vec![Vec::new(); grouping.request_groups.len()];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); grouping.slot_groups.len()];
    for &(g, h, _, v) in &arcs {
        by_request[g as usize].push(v);
        by_slot[h as usize].push(v);
    }
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(fallback(true));
    }
    let mut problem = vars
        .minimise(objective)
        .using(good_lp::solvers::highs::highs)
        .set_threads(1)
        .set_time_limit(left.as_secs_f64())
        .set_option("random_seed", 0)
        .set_option("solver", "simplex");
    problem.set_verbose(log);
    for (g, vs) in by_request.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.request_groups[g].len() as f64));
        }
    }
    for (h, vs) in by_slot.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.slot_groups[h].len() as f64));
        }
    }
    let solution = match problem.solve() {
        Ok(s) => s,
        Err(_) if Instant::now() >= deadline => return Ok(fallback(true)),
        Err(e) => return Err(ModelError::Highs(e.to_string())),
    };
    if !matches!(solution.status(), good_lp::SolutionStatus::Optimal) {
        return Ok(fallback(true));
    }
    let columns: Vec<(u32, u32)> = arcs.iter().map(|&(g, h, _, _)| (g, h)).collect();
    let values: Vec<f64> = arcs.iter().map(|&(_, _, _, v)| solution.value(v)).collect();
    let Some(flows) = integral_flows(&columns, &values) else {
        return Err(ModelError::Highs(
            "the LP optimum came back fractional".to_string(),
        ));
    };
    let cost = flows_cost(network, grouping, &flows);
    let lp_value: f64 = arcs
        .iter()
        .zip(&values)
        .map(|(&(_, _, c, _), &v)| c as f64 * v)
        .sum();
    let bound30 = integer_bound(lp_value).min(cost);
    Ok(GroupedSolution {
        flows,
        objective30: cost,
        bound30,
        optimal: bound30 >= cost,
        deadline_reached: false,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
        classes: None,
    })
}

/// Hands out individual slots: for each flow in order, the group's next requests (in
/// request order) take the slot group's next slots (earliest first).
pub fn hand_out(grouping: &Grouping, flows: &[Flow]) -> Vec<(RequestIdx, SlotIdx)> {
    let mut next_request = vec![0usize; grouping.request_groups.len()];
    let mut next_slot = vec![0usize; grouping.slot_groups.len()];
    let mut bookings = Vec::new();
    for f in flows {
        let (g, h) = (f.request_group as usize, f.slot_group as usize);
        for _ in 0..f.count {
            let r = grouping.request_groups[g][next_request[g]];
            let s = grouping.slot_groups[h][next_slot[h]];
            next_request[g] += 1;
            next_slot[h] += 1;
            bookings.push((r, s));
        }
    }
    bookings.sort();
    bookings
}
