//! The independent checker of a balancing response.

use std::collections::HashMap;

use clinicplan_service::proto;

use super::build::summary;
use super::net::{Net, Urg};
use super::units::SCALE;
use crate::support::close;

/// The response's figures as the tests compute them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recomputed {
    /// The total cost, in thirtieths.
    pub cost30: i64,
    pub assigned: u32,
    pub unassigned: u32,
    pub away_from_home: u32,
    pub with_preferred: u32,
}

impl Recomputed {
    pub fn cost(&self) -> f64 {
        self.cost30 as f64 / SCALE as f64
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub violations: Vec<String>,
    pub recomputed: Recomputed,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Checks `response` against `request`: every rule, every field, every figure.
pub fn check(
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
) -> Report {
    let net = match Net::new(request) {
        Ok(n) => n,
        Err(e) => {
            return Report {
                violations: vec![format!("the tests cannot read the request: {e}")],
                recomputed: Recomputed::default(),
            };
        }
    };
    let mut v: Vec<String> = Vec::new();
    let n_requests = net.requests.len();
    let wire_slots = &request.slots;

    // Bookings: known ids, request order, each request once, each slot once, the rules,
    // and every field recomputed.
    let mut booked: Vec<Option<usize>> = vec![None; n_requests];
    let mut holder: HashMap<usize, usize> = HashMap::new();
    let mut last_request: Option<usize> = None;
    let mut cost30 = 0i64;
    for (i, b) in response.bookings.iter().enumerate() {
        let (Some(&r), Some(&s)) = (
            net.request_index.get(&b.request_id),
            net.slot_index.get(&b.slot_id),
        ) else {
            v.push(format!(
                "bookings[{i}] names request '{}' / slot '{}', not both in the request",
                b.request_id, b.slot_id
            ));
            continue;
        };
        if last_request.is_some_and(|l| l >= r) {
            v.push(format!(
                "bookings[{i}] ('{}') is out of request order",
                b.request_id
            ));
        }
        last_request = Some(r);
        if booked[r].replace(s).is_some() {
            v.push(format!("request '{}' is booked twice", b.request_id));
        }
        if let Some(other) = holder.insert(s, r) {
            v.push(format!(
                "slot '{}' holds both '{}' and '{}'",
                b.slot_id, net.requests[other].id, b.request_id
            ));
        }
        let request = &net.requests[r];
        let slot = &net.slots[s];
        if !net.eligible(r, s) {
            v.push(format!(
                "request '{}' may not take slot '{}' (role {} / {}, modes {:?} / {}, day {} / {}, travel {:?} ≤ {})",
                request.id,
                slot.id,
                request.role,
                slot.role,
                request.modes,
                slot.mode,
                request.day,
                slot.day,
                slot.face_to_face
                    .then(|| net.travel(request.home, slot.site))
                    .flatten(),
                request.max_travel_min
            ));
        }
        let wait = slot.day - request.day;
        if i64::from(b.wait_days) != wait {
            v.push(format!(
                "booking '{}': wait_days {}, recomputed {wait}",
                b.request_id, b.wait_days
            ));
        }
        let travel = net.booking_travel(r, s);
        if b.travel_min != travel {
            v.push(format!(
                "booking '{}': travel_min {}, recomputed {travel}",
                b.request_id, b.travel_min
            ));
        }
        let preferred = net.with_preferred(r, s);
        if b.with_preferred_clinician != preferred {
            v.push(format!(
                "booking '{}': with_preferred_clinician {}, recomputed {preferred}",
                b.request_id, b.with_preferred_clinician
            ));
        }
        let c30 = net.cost30(r, s);
        cost30 += c30;
        if !close(b.cost, c30 as f64 / SCALE as f64) {
            v.push(format!(
                "booking '{}': cost {}, recomputed {}",
                b.request_id,
                b.cost,
                c30 as f64 / SCALE as f64
            ));
        }
        let wire = &wire_slots[s];
        let copies_agree = b.clinician_id == wire.clinician_id
            && b.site_id == wire.site_id
            && b.date == wire.date
            && b.start_time == wire.start_time
            && b.mode == wire.mode;
        if !copies_agree {
            v.push(format!(
                "booking '{}': the slot's copied fields ({}, {}, {}, {}, {}) differ from slot '{}' ({}, {}, {}, {}, {})",
                b.request_id,
                b.clinician_id,
                b.site_id,
                b.date,
                b.start_time,
                b.mode,
                wire.id,
                wire.clinician_id,
                wire.site_id,
                wire.date,
                wire.start_time,
                wire.mode
            ));
        }
    }

    // Unassigned: known ids, request order, not booked, each once, with its cost and a
    // reason that matches the plan.
    let mut listed = vec![false; n_requests];
    let mut last_request: Option<usize> = None;
    for (i, u) in response.unassigned.iter().enumerate() {
        let Some(&r) = net.request_index.get(&u.request_id) else {
            v.push(format!(
                "unassigned[{i}] names request '{}', not in the request",
                u.request_id
            ));
            continue;
        };
        if last_request.is_some_and(|l| l >= r) {
            v.push(format!(
                "unassigned[{i}] ('{}') is out of request order",
                u.request_id
            ));
        }
        last_request = Some(r);
        if std::mem::replace(&mut listed[r], true) {
            v.push(format!(
                "request '{}' is listed unassigned twice",
                u.request_id
            ));
        }
        if booked[r].is_some() {
            v.push(format!(
                "request '{}' is both booked and unassigned",
                u.request_id
            ));
        }
        let u30 = net.unbooked30(r);
        cost30 += u30;
        if !close(u.cost, u30 as f64 / SCALE as f64) {
            v.push(format!(
                "unassigned '{}': cost {}, recomputed {}",
                u.request_id,
                u.cost,
                u30 as f64 / SCALE as f64
            ));
        }
        if u.detail.trim().is_empty() {
            v.push(format!("unassigned '{}' has no detail", u.request_id));
        }
        let eligible: Vec<usize> = (0..net.slots.len())
            .filter(|&s| net.eligible(r, s))
            .collect();
        let free: Vec<usize> = eligible
            .iter()
            .copied()
            .filter(|s| !holder.contains_key(s))
            .collect();
        let expected = if eligible.is_empty() {
            proto::UnassignedReason::NoEligibleSlot
        } else if free.is_empty() {
            proto::UnassignedReason::EligibleSlotsTaken
        } else {
            proto::UnassignedReason::CostsMoreThanWaiting
        };
        if u.reason != expected as i32 {
            v.push(format!(
                "unassigned '{}': reason {:?}, expected {expected:?} ({} eligible slot(s), {} free)",
                u.request_id,
                proto::UnassignedReason::try_from(u.reason),
                eligible.len(),
                free.len()
            ));
        }
        for &s in &free {
            if net.cost30(r, s) < u30 {
                v.push(format!(
                    "unassigned '{}': free eligible slot '{}' costs {}, less than waiting ({}): booking it lowers the cost",
                    u.request_id,
                    net.slots[s].id,
                    net.cost30(r, s) as f64 / SCALE as f64,
                    u30 as f64 / SCALE as f64
                ));
            }
        }
    }
    for (r, request) in net.requests.iter().enumerate() {
        if booked[r].is_none() && !listed[r] {
            v.push(format!(
                "request '{}' is neither booked nor unassigned",
                request.id
            ));
        }
    }

    // Metrics.
    let bookings: Vec<(usize, usize)> = booked
        .iter()
        .enumerate()
        .filter_map(|(r, s)| s.map(|s| (r, s)))
        .collect();
    let away = bookings
        .iter()
        .filter(|&&(r, s)| net.slots[s].site != net.requests[r].home)
        .count();
    let naming: Vec<&(usize, usize)> = bookings
        .iter()
        .filter(|(r, _)| net.requests[*r].preferred.is_some())
        .collect();
    let kept = naming
        .iter()
        .filter(|&&&(r, s)| net.with_preferred(r, s))
        .count();
    let travels: Vec<u32> = bookings
        .iter()
        .filter(|(_, s)| net.slots[*s].face_to_face)
        .map(|&(r, s)| net.booking_travel(r, s))
        .collect();
    let recomputed = Recomputed {
        cost30,
        assigned: bookings.len() as u32,
        unassigned: (n_requests - bookings.len()) as u32,
        away_from_home: away as u32,
        with_preferred: kept as u32,
    };
    let cost = recomputed.cost();
    let mut figure = |name: &str, got: f64, want: f64| {
        if !close(got, want) {
            v.push(format!("{name}: reported {got}, recomputed {want}"));
        }
    };
    match &response.metrics {
        None => v.push("the response has no metrics".into()),
        Some(m) => {
            figure("metrics.weighted_cost", m.weighted_cost, cost);
            figure(
                "metrics.assigned",
                f64::from(m.assigned),
                f64::from(recomputed.assigned),
            );
            figure(
                "metrics.unassigned",
                f64::from(m.unassigned),
                f64::from(recomputed.unassigned),
            );
            figure(
                "metrics.share_away_from_home",
                m.share_away_from_home,
                share(away, bookings.len()),
            );
            figure(
                "metrics.continuity_rate",
                m.continuity_rate,
                share(kept, naming.len()),
            );
            figure(
                "metrics.mean_travel_min",
                m.mean_travel_min,
                if travels.is_empty() {
                    0.0
                } else {
                    travels.iter().map(|&t| f64::from(t)).sum::<f64>() / travels.len() as f64
                },
            );
            figure(
                "metrics.slot_utilisation",
                m.slot_utilisation,
                share(bookings.len(), net.slots.len()),
            );
            for urgency in Urg::ALL {
                let of: Vec<&proto::UrgencyMetrics> = m
                    .by_urgency
                    .iter()
                    .filter(|u| u.urgency == urgency.wire())
                    .collect();
                let requests = net.requests.iter().filter(|r| r.urgency == urgency).count();
                let waits: Vec<i64> = bookings
                    .iter()
                    .filter(|(r, _)| net.requests[*r].urgency == urgency)
                    .map(|&(r, s)| net.slots[s].day - net.requests[r].day)
                    .collect();
                let within = waits
                    .iter()
                    .filter(|&&w| w <= urgency.target_days())
                    .count();
                let u = match of.as_slice() {
                    [] if requests == 0 => continue,
                    [] => {
                        figure(
                            &format!("metrics.by_urgency {urgency:?} (missing)"),
                            0.0,
                            1.0,
                        );
                        continue;
                    }
                    [u] => u,
                    _ => {
                        figure(
                            &format!("metrics.by_urgency {urgency:?} entries"),
                            of.len() as f64,
                            1.0,
                        );
                        continue;
                    }
                };
                let name = |f: &str| format!("metrics.by_urgency {urgency:?}.{f}");
                figure(&name("requests"), f64::from(u.requests), requests as f64);
                figure(&name("assigned"), f64::from(u.assigned), waits.len() as f64);
                figure(
                    &name("mean_wait_days"),
                    u.mean_wait_days,
                    if waits.is_empty() {
                        0.0
                    } else {
                        waits.iter().sum::<i64>() as f64 / waits.len() as f64
                    },
                );
                figure(
                    &name("share_within_target"),
                    u.share_within_target,
                    share(within, requests),
                );
                figure(
                    &name("target_days"),
                    f64::from(u.target_days),
                    urgency.target_days() as f64,
                );
            }
            if m.by_urgency
                .iter()
                .any(|u| Urg::from_wire(u.urgency).is_none())
            {
                v.push("metrics.by_urgency has an entry of no known urgency".into());
            }
        }
    }

    // The solve summary.
    match &response.solve {
        None => v.push("the response has no solve summary".into()),
        Some(s) => {
            if !close(s.objective, cost) {
                v.push(format!(
                    "solve.objective {} differs from the recomputed cost {cost}",
                    s.objective
                ));
            }
            if s.bound > s.objective + 1e-6 {
                v.push(format!(
                    "solve.bound {} is above the objective {}",
                    s.bound, s.objective
                ));
            }
            let gap = (s.objective - s.bound) / s.objective.abs().max(1.0);
            if (s.gap - gap).abs() > 1e-9 {
                v.push(format!("solve.gap {}, recomputed {gap}", s.gap));
            }
            match proto::SolveStatus::try_from(s.status) {
                Ok(proto::SolveStatus::Optimal) => {
                    if !close(s.bound, s.objective) || s.gap.abs() > 1e-9 {
                        v.push(format!(
                            "optimal, yet bound {} ≠ objective {} (gap {})",
                            s.bound, s.objective, s.gap
                        ));
                    }
                }
                Ok(proto::SolveStatus::Feasible) => {
                    if close(s.bound, s.objective) {
                        v.push(format!(
                            "feasible only, yet the bound {} proves the objective {} optimal",
                            s.bound, s.objective
                        ));
                    }
                }
                other => v.push(format!("solve.status {other:?}")),
            }
            let asked = request.options.as_ref().map_or(0, |o| o.method);
            let method = if asked == proto::BalanceMethod::FullLp as i32 {
                proto::BalanceMethod::FullLp
            } else {
                proto::BalanceMethod::Transshipment
            };
            if s.method != method as i32 {
                v.push(format!("solve.method {}, asked {method:?}", s.method));
            }
        }
    }

    Report {
        violations: v,
        recomputed,
    }
}

/// The grouped network's figures in the solve summary: the request and slot groups and
/// eligible arcs as issue 4 defines them, and the LP's columns (all the grouped arcs
/// for the full LP; the default method's transshipment network has arcs of its own, so
/// its count is not compared). Kept apart from `check`, so that a
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
