//! The grouped network's size, recomputed: what the solve summary reports about it.

use std::collections::HashMap;

use clinicplan_service::proto;

use super::build::summary;
use super::net::Net;

/// The grouped network's figures in the solve summary: the request and slot groups and
/// eligible arcs as issue 4 defines them, and the LP's columns (all the grouped arcs
/// for the full LP; the default method's transshipment network has arcs of its own, so
/// its count is not compared). Kept apart from `check::check`, so that a
/// wrong figure here fails one test, not every test.
pub fn summary_violations(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
) -> Vec<String> {
    let net = Net::new(request).expect("the tests read the request");
    let s = summary(response);
    let method = s.method;
    let mut v = Vec::new();
    if method == proto::BalanceMethod::FullLp as i32 && s.arcs_in_lp != s.arcs {
        v.push(format!(
            "the full LP took {} of {} arcs",
            s.arcs_in_lp, s.arcs
        ));
    }
    let (request_groups, slot_groups, arcs) = grouped_size(&net);
    if (s.request_groups, s.slot_groups, s.arcs) != (request_groups, slot_groups, arcs) {
        v.push(format!(
            "grouped network: {} request groups, {} slot groups, {} arcs reported; recomputed {request_groups}, {slot_groups}, {arcs}",
            s.request_groups, s.slot_groups, s.arcs
        ));
    }
    v
}

/// The size of the grouped network as issue 4 defines it: requests grouped by home
/// site, role, urgency, mode set, travel limit, date and preferred clinician; slots by
/// site, clinician, role, mode and date; an arc per eligible pair of groups.
pub fn grouped_size(net: &Net) -> (u32, u32, u64) {
    let mut request_groups: Vec<usize> = Vec::new();
    let mut seen = HashMap::new();
    for (i, r) in net.requests.iter().enumerate() {
        let key = (
            r.home,
            r.role.clone(),
            r.urgency,
            r.modes.clone(),
            r.max_travel_min,
            r.day,
            r.preferred.clone(),
        );
        seen.entry(key).or_insert_with(|| {
            request_groups.push(i);
        });
    }
    let mut slot_groups: Vec<usize> = Vec::new();
    let mut seen = HashMap::new();
    for (i, s) in net.slots.iter().enumerate() {
        let key = (s.site, s.clinician.clone(), s.role.clone(), s.mode, s.day);
        seen.entry(key).or_insert_with(|| {
            slot_groups.push(i);
        });
    }
    let mut arcs = 0u64;
    for &r in &request_groups {
        for &s in &slot_groups {
            if net.eligible(r, s) {
                arcs += 1;
            }
        }
    }
    (request_groups.len() as u32, slot_groups.len() as u32, arcs)
}
