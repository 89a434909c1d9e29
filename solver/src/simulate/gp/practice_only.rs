//! GP bookings as each practice makes them on its own: what balancing across the
//! network is measured against.

use std::collections::BTreeMap;

use crate::appointments::domain::{Network, RequestIdx, RoleIdx, SiteIdx, SlotIdx, check_pair};

/// Each practice books its own patients into its own slots, in arrival order: requests
/// by request date (then their place on the list: carried over before new), each into
/// the earliest free slot (date, start, request order) of its home practice that it may
/// take (role, mode, date), with its named clinician when that clinician has one within
/// the urgency's target (same day, 2 days, 14 days), as a receptionist offers; or left
/// waiting when there is none. No request is booked at another practice and no booking
/// is revisited. Returned in request order.
pub fn practice_only_bookings(network: &Network) -> Vec<(RequestIdx, SlotIdx)> {
    let mut slots: BTreeMap<(SiteIdx, RoleIdx), Vec<SlotIdx>> = BTreeMap::new();
    for i in 0..network.slots.len() {
        let s = SlotIdx(i as u32);
        let slot = network.slot(s);
        slots.entry((slot.site, slot.role)).or_default().push(s);
    }
    for list in slots.values_mut() {
        list.sort_by_key(|&s| {
            let slot = network.slot(s);
            (slot.date, slot.start, s)
        });
    }
    let mut order: Vec<RequestIdx> = (0..network.requests.len())
        .map(|i| RequestIdx(i as u32))
        .collect();
    order.sort_by_key(|&r| (network.request(r).date, r));
    let mut taken = vec![false; network.slots.len()];
    let mut bookings = Vec::new();
    for r in order {
        let request = network.request(r);
        let Some(own) = slots.get(&(request.home, request.role)) else {
            continue;
        };
        let free = |s: &&SlotIdx| !taken[s.idx()] && check_pair(network, r, **s).is_ok();
        let target = request.day + i64::from(request.urgency.target_days());
        let named = request.preferred.and_then(|c| {
            own.iter()
                .filter(|s| network.slot(**s).clinician == c && network.slot(**s).day <= target)
                .find(free)
        });
        if let Some(&s) = named.or_else(|| own.iter().find(free)) {
            taken[s.idx()] = true;
            bookings.push((r, s));
        }
    }
    bookings.sort();
    bookings
}
