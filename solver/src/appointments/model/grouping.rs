//! Request groups and slot groups (members interchangeable), their eligible arcs, the
//! greedy fill and the hand-out of individual slots from group flows.

use std::collections::HashMap;

use crate::appointments::domain::*;

/// Interchangeable requests and slots.
#[derive(Clone, Debug)]
pub struct Grouping {
    /// Members in request order.
    pub request_groups: Vec<Vec<RequestIdx>>,
    /// Members in (start time, slot order) order: the earliest slot is handed out first.
    pub slot_groups: Vec<Vec<SlotIdx>>,
    /// Slot groups of each role, in (day, group) order.
    by_role: Vec<Vec<u32>>,
    /// The day of each slot group.
    pub(super) slot_group_day: Vec<i64>,
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

    /// Free slots of each slot group once `flows` are booked.
    pub fn free_slots(&self, flows: &[Flow]) -> Vec<u32> {
        let mut free: Vec<u32> = self.slot_groups.iter().map(|m| m.len() as u32).collect();
        for f in flows {
            free[f.slot_group as usize] -= f.count;
        }
        free
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
/// network gives faster through `ClassNetwork::eligible_slots` (transshipment.rs).
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

/// A feasible start: request groups by urgency then date, each into its cheapest free
/// eligible slot groups (the fill of an empty plan).
pub fn greedy(network: &Network, grouping: &Grouping) -> Vec<Flow> {
    let mut flows = Vec::new();
    fill(network, grouping, &mut flows);
    flows
}

/// Books unbooked requests (most urgent first, then by date) into free eligible slots
/// that cost less than waiting: the start of the full LP, and the plan after a
/// deadline. A no-op on an optimal plan.
pub fn fill(network: &Network, grouping: &Grouping, flows: &mut Vec<Flow>) {
    let mut free = grouping.free_slots(flows);
    let mut left: Vec<u32> = grouping
        .request_groups
        .iter()
        .map(|m| m.len() as u32)
        .collect();
    for f in flows.iter() {
        left[f.request_group as usize] -= f.count;
    }
    let mut order: Vec<usize> = (0..grouping.request_groups.len())
        .filter(|&g| left[g] > 0)
        .collect();
    order.sort_by_key(|&g| {
        let r = network.request(grouping.request_rep(g));
        (r.urgency, r.day, g)
    });
    let mut arcs: Vec<(i64, usize)> = Vec::new();
    for g in order {
        arcs.clear();
        grouping.for_each_arc(network, g, |h, c| {
            if c < 0 && free[h] > 0 {
                arcs.push((c, h));
            }
        });
        arcs.sort();
        for &(_, h) in &arcs {
            let take = left[g].min(free[h]);
            if take > 0 {
                left[g] -= take;
                free[h] -= take;
                flows.push(Flow {
                    request_group: g as u32,
                    slot_group: h as u32,
                    count: take,
                });
            }
        }
    }
    flows.sort();
}

/// Σ c' over the flows, in thirtieths.
pub(super) fn flows_cost(network: &Network, grouping: &Grouping, flows: &[Flow]) -> i64 {
    flows
        .iter()
        .map(|f| {
            let r = grouping.request_rep(f.request_group as usize);
            let s = grouping.slot_rep(f.slot_group as usize);
            i64::from(f.count) * (network.booking_cost30(r, s) - network.unbooked_cost30(r))
        })
        .sum()
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
