//! The independent checker of a balancing response.

use std::collections::HashMap;

use clinicplan_service::proto;

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

fn mean(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// A figure of the response against the recomputed one.
fn figure(v: &mut Vec<String>, name: &str, got: f64, want: f64) {
    if !close(got, want) {
        v.push(format!("{name}: reported {got}, recomputed {want}"));
    }
}

/// What the bookings come to: the slot of each request, the request of each slot, and
/// the cost so far in thirtieths.
struct Booked {
    slot_of: Vec<Option<usize>>,
    holder: HashMap<usize, usize>,
    cost30: i64,
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
    let mut booked = check_bookings(&net, request, response, &mut v);
    check_unassigned(&net, response, &mut booked, &mut v);
    let bookings: Vec<(usize, usize)> = booked
        .slot_of
        .iter()
        .enumerate()
        .filter_map(|(r, s)| s.map(|s| (r, s)))
        .collect();
    let recomputed = recompute(&net, &bookings, booked.cost30);
    match &response.metrics {
        None => v.push("the response has no metrics".into()),
        Some(m) => check_metrics(&net, &bookings, &recomputed, m, &mut v),
    }
    match &response.solve {
        None => v.push("the response has no solve summary".into()),
        Some(s) => check_solve(request, s, recomputed.cost(), &mut v),
    }
    Report {
        violations: v,
        recomputed,
    }
}

/// Bookings: known ids, request order, each request once, each slot once, the rules,
/// and every field recomputed.
fn check_bookings(
    net: &Net,
    request: &proto::BalanceAppointmentsRequest,
    response: &proto::BalanceAppointmentsResponse,
    v: &mut Vec<String>,
) -> Booked {
    let mut booked = Booked {
        slot_of: vec![None; net.requests.len()],
        holder: HashMap::new(),
        cost30: 0,
    };
    let mut last_request: Option<usize> = None;
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
        if booked.slot_of[r].replace(s).is_some() {
            v.push(format!("request '{}' is booked twice", b.request_id));
        }
        if let Some(other) = booked.holder.insert(s, r) {
            v.push(format!(
                "slot '{}' holds both '{}' and '{}'",
                b.slot_id, net.requests[other].id, b.request_id
            ));
        }
        check_booking_rule(net, r, s, v);
        booked.cost30 += check_booking_fields(net, (r, s), b, v);
        check_booking_copies(b, &request.slots[s], v);
    }
    booked
}

/// The booking of request `r` in slot `s` must be allowed.
fn check_booking_rule(net: &Net, r: usize, s: usize, v: &mut Vec<String>) {
    if net.eligible(r, s) {
        return;
    }
    let request = &net.requests[r];
    let slot = &net.slots[s];
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

/// The booking's own figures, recomputed; returns its cost in thirtieths.
fn check_booking_fields(
    net: &Net,
    (r, s): (usize, usize),
    b: &proto::AppointmentBooking,
    v: &mut Vec<String>,
) -> i64 {
    let wait = net.slots[s].day - net.requests[r].day;
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
    if !close(b.cost, c30 as f64 / SCALE as f64) {
        v.push(format!(
            "booking '{}': cost {}, recomputed {}",
            b.request_id,
            b.cost,
            c30 as f64 / SCALE as f64
        ));
    }
    c30
}

/// The fields a booking copies from its slot must be the slot's.
fn check_booking_copies(b: &proto::AppointmentBooking, wire: &proto::Slot, v: &mut Vec<String>) {
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

/// Unassigned: known ids, request order, not booked, each once, with its cost and a
/// reason that matches the plan; adds the waiting costs to `booked.cost30`.
fn check_unassigned(
    net: &Net,
    response: &proto::BalanceAppointmentsResponse,
    booked: &mut Booked,
    v: &mut Vec<String>,
) {
    let mut listed = vec![false; net.requests.len()];
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
        if booked.slot_of[r].is_some() {
            v.push(format!(
                "request '{}' is both booked and unassigned",
                u.request_id
            ));
        }
        booked.cost30 += check_unassigned_entry(net, r, u, &booked.holder, v);
    }
    for (r, request) in net.requests.iter().enumerate() {
        if booked.slot_of[r].is_none() && !listed[r] {
            v.push(format!(
                "request '{}' is neither booked nor unassigned",
                request.id
            ));
        }
    }
}

/// One unassigned request `r`: its cost, detail and reason, and no free eligible slot
/// that costs less than waiting; returns its cost in thirtieths.
fn check_unassigned_entry(
    net: &Net,
    r: usize,
    u: &proto::Unassigned,
    holder: &HashMap<usize, usize>,
    v: &mut Vec<String>,
) -> i64 {
    let u30 = net.unbooked30(r);
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
    u30
}

/// The (request, slot) bookings whose request names a preferred clinician.
fn naming(net: &Net, bookings: &[(usize, usize)]) -> Vec<(usize, usize)> {
    bookings
        .iter()
        .copied()
        .filter(|&(r, _)| net.requests[r].preferred.is_some())
        .collect()
}

/// The response's counts, recomputed from the bookings.
fn recompute(net: &Net, bookings: &[(usize, usize)], cost30: i64) -> Recomputed {
    let away = bookings
        .iter()
        .filter(|&&(r, s)| net.slots[s].site != net.requests[r].home)
        .count();
    let kept = naming(net, bookings)
        .iter()
        .filter(|&&(r, s)| net.with_preferred(r, s))
        .count();
    Recomputed {
        cost30,
        assigned: bookings.len() as u32,
        unassigned: (net.requests.len() - bookings.len()) as u32,
        away_from_home: away as u32,
        with_preferred: kept as u32,
    }
}

/// The metrics against the recomputed figures.
fn check_metrics(
    net: &Net,
    bookings: &[(usize, usize)],
    recomputed: &Recomputed,
    m: &proto::BalanceMetrics,
    v: &mut Vec<String>,
) {
    let travels: Vec<u32> = bookings
        .iter()
        .filter(|(_, s)| net.slots[*s].face_to_face)
        .map(|&(r, s)| net.booking_travel(r, s))
        .collect();
    let travel_sum = travels.iter().map(|&t| f64::from(t)).sum::<f64>();
    let figures = [
        ("metrics.weighted_cost", m.weighted_cost, recomputed.cost()),
        (
            "metrics.assigned",
            f64::from(m.assigned),
            f64::from(recomputed.assigned),
        ),
        (
            "metrics.unassigned",
            f64::from(m.unassigned),
            f64::from(recomputed.unassigned),
        ),
        (
            "metrics.share_away_from_home",
            m.share_away_from_home,
            share(recomputed.away_from_home as usize, bookings.len()),
        ),
        (
            "metrics.continuity_rate",
            m.continuity_rate,
            share(
                recomputed.with_preferred as usize,
                naming(net, bookings).len(),
            ),
        ),
        (
            "metrics.mean_travel_min",
            m.mean_travel_min,
            mean(travel_sum, travels.len()),
        ),
        (
            "metrics.slot_utilisation",
            m.slot_utilisation,
            share(bookings.len(), net.slots.len()),
        ),
    ];
    for (name, got, want) in figures {
        figure(v, name, got, want);
    }
    for urgency in Urg::ALL {
        check_urgency(net, bookings, urgency, m, v);
    }
    if m.by_urgency
        .iter()
        .any(|u| Urg::from_wire(u.urgency).is_none())
    {
        v.push("metrics.by_urgency has an entry of no known urgency".into());
    }
}

/// The one entry of `m.by_urgency` for `urgency`, against the recomputed figures.
fn check_urgency(
    net: &Net,
    bookings: &[(usize, usize)],
    urgency: Urg,
    m: &proto::BalanceMetrics,
    v: &mut Vec<String>,
) {
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
        [] if requests == 0 => return,
        [] => {
            let name = format!("metrics.by_urgency {urgency:?} (missing)");
            return figure(v, &name, 0.0, 1.0);
        }
        [u] => u,
        _ => {
            let name = format!("metrics.by_urgency {urgency:?} entries");
            return figure(v, &name, of.len() as f64, 1.0);
        }
    };
    let name = |f: &str| format!("metrics.by_urgency {urgency:?}.{f}");
    let wait_sum = waits.iter().sum::<i64>() as f64;
    let figures = [
        ("requests", f64::from(u.requests), requests as f64),
        ("assigned", f64::from(u.assigned), waits.len() as f64),
        (
            "mean_wait_days",
            u.mean_wait_days,
            mean(wait_sum, waits.len()),
        ),
        (
            "share_within_target",
            u.share_within_target,
            share(within, requests),
        ),
        (
            "target_days",
            f64::from(u.target_days),
            urgency.target_days() as f64,
        ),
    ];
    for (field, got, want) in figures {
        figure(v, &name(field), got, want);
    }
}

/// The solve summary against the recomputed cost and the method asked for.
fn check_solve(
    request: &proto::BalanceAppointmentsRequest,
    s: &proto::BalanceSolveSummary,
    cost: f64,
    v: &mut Vec<String>,
) {
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
