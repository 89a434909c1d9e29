//! Balancing a network end to end: group, solve the grouped model, hand out slots,
//! fill any free slot a deadline left unused, explain every unbooked request, check
//! the bookings and measure them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::check::{BookingViolation, check};
use super::domain::*;
use super::input::BalanceMethod;
use super::model::{
    self, ClassNetwork, EligibleSlots, Flow, GroupedSolution, Grouping, ModelError,
};

/// Why a request was left unbooked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnassignedReason {
    NoEligibleSlot,
    EligibleSlotsTaken,
    CostsMoreThanWaiting,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Unassigned {
    pub request: RequestIdx,
    pub reason: UnassignedReason,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UrgencyMetrics {
    pub urgency: Urgency,
    pub requests: u32,
    pub assigned: u32,
    pub mean_wait_days: f64,
    pub share_within_target: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BalanceMetrics {
    /// The objective: booking costs plus unbooked costs.
    pub weighted_cost: f64,
    pub assigned: u32,
    pub unassigned: u32,
    pub by_urgency: Vec<UrgencyMetrics>,
    pub share_away_from_home: f64,
    pub continuity_rate: f64,
    pub mean_travel_min: f64,
    pub slot_utilisation: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BalanceSummary {
    pub optimal: bool,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub solve_ms: u64,
    pub method: BalanceMethod,
    pub request_groups: u32,
    pub slot_groups: u32,
    pub arcs: u64,
    pub arcs_in_lp: u64,
    pub rounds: u32,
    pub deadline_reached: bool,
}

/// A checked plan with its explanations, metrics and proof of quality.
#[derive(Clone, Debug, PartialEq)]
pub struct BalancePlan {
    /// In request order.
    pub bookings: Vec<(RequestIdx, SlotIdx)>,
    /// In request order.
    pub unassigned: Vec<Unassigned>,
    pub metrics: BalanceMetrics,
    pub summary: BalanceSummary,
}

#[derive(Debug, thiserror::Error)]
pub enum BalanceError {
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A bug: the plan broke a rule. Never sent as a plan.
    #[error("the plan failed its check: {}", .0.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Check(Vec<BookingViolation>),
}

/// Balances `network` within its time limit (or `default_time_limit_ms`).
pub fn balance(network: &Network, default_time_limit_ms: u32) -> Result<BalancePlan, BalanceError> {
    balance_cancellable(network, default_time_limit_ms, &AtomicBool::new(false))
}

/// [`balance`], which also gives up when `cancel` is set: the default method's network
/// simplex looks at the flag (and the clock) every `flow::STOP_EVERY` pivots, and then
/// returns the plan it returns at a deadline (`fill`, the bound L(0),
/// `deadline_reached`). The full LP (the reference method) looks only at its deadline.
pub fn balance_cancellable(
    network: &Network,
    default_time_limit_ms: u32,
    cancel: &AtomicBool,
) -> Result<BalancePlan, BalanceError> {
    let started = Instant::now();
    let limit = network
        .options
        .time_limit_ms
        .unwrap_or(default_time_limit_ms);
    let deadline = started + Duration::from_millis(u64::from(limit.max(1)));
    let grouping = Grouping::new(network);
    tracing::debug!(
        request_groups = grouping.request_groups.len(),
        slot_groups = grouping.slot_groups.len(),
        "grouped the network"
    );
    let mut solution = solve_grouped(network, &grouping, deadline, cancel)?;
    if !solution.optimal {
        model::fill(network, &grouping, &mut solution.flows);
    }
    let bookings = model::hand_out(&grouping, &solution.flows);
    let cost30 = check(network, &bookings).map_err(BalanceError::Check)?;
    let unbooked_all: i64 = (0..network.requests.len())
        .map(|r| network.unbooked_cost30(RequestIdx(r as u32)))
        .sum();
    let bound30 = (unbooked_all + solution.bound30).min(cost30);
    let objective = cost30 as f64 / COST_SCALE as f64;
    let bound = bound30 as f64 / COST_SCALE as f64;
    let unassigned = explain(
        network,
        &grouping,
        &solution.flows,
        solution.classes.as_ref(),
    );
    let metrics = measure(network, &bookings, cost30);
    let summary = BalanceSummary {
        optimal: bound30 >= cost30,
        objective,
        bound,
        gap: (objective - bound) / objective.abs().max(1.0),
        solve_ms: started.elapsed().as_millis() as u64,
        method: network.options.method,
        request_groups: grouping.request_groups.len() as u32,
        slot_groups: grouping.slot_groups.len() as u32,
        arcs: solution.arcs,
        arcs_in_lp: solution.arcs_in_lp,
        rounds: solution.rounds,
        deadline_reached: solution.deadline_reached,
    };
    log_balanced(network, &metrics, &summary);
    Ok(BalancePlan {
        bookings,
        unassigned,
        metrics,
        summary,
    })
}

/// The grouped model solved by the request's method: the network simplex stops at the
/// deadline or when `cancel` is set, the full LP at the deadline only.
fn solve_grouped(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    cancel: &AtomicBool,
) -> Result<GroupedSolution, ModelError> {
    let log = network.options.log_solver;
    match network.options.method {
        BalanceMethod::Transshipment => model::solve_transshipment(network, grouping, || {
            cancel.load(Ordering::Relaxed) || Instant::now() >= deadline
        }),
        BalanceMethod::FullLp => model::solve_full_lp(network, grouping, deadline, log),
    }
}

fn log_balanced(network: &Network, metrics: &BalanceMetrics, summary: &BalanceSummary) {
    tracing::debug!(
        requests = network.requests.len(),
        slots = network.slots.len(),
        assigned = metrics.assigned,
        objective = summary.objective,
        bound = summary.bound,
        optimal = summary.optimal,
        solve_ms = summary.solve_ms,
        "balanced appointments"
    );
}

fn list_modes(modes: ModeSet) -> String {
    modes
        .iter()
        .map(Mode::name)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Why each unbooked request waits, decided per request group (its members are
/// interchangeable, so one reason holds for all of them). The eligible slots come from
/// the transshipment network when there is one, else from every group's arcs.
fn explain(
    network: &Network,
    grouping: &Grouping,
    flows: &[Flow],
    classes: Option<&ClassNetwork>,
) -> Vec<Unassigned> {
    let free = grouping.free_slots(flows);
    let mut booked: Vec<u32> = vec![0; grouping.request_groups.len()];
    for f in flows {
        booked[f.request_group as usize] += f.count;
    }
    let eligible = match classes {
        Some(classes) => classes.eligible_slots(grouping, &free),
        None => model::eligible_slots(network, grouping, &free),
    };
    let mut out = Vec::new();
    for (g, members) in grouping.request_groups.iter().enumerate() {
        let unbooked = &members[booked[g] as usize..];
        if unbooked.is_empty() {
            continue;
        }
        let (reason, detail) = reason_for(network, grouping, g, eligible[g]);
        for &member in unbooked {
            out.push(Unassigned {
                request: member,
                reason,
                detail: detail.clone(),
            });
        }
    }
    out.sort_by_key(|u| u.request);
    out
}

/// Why request group `g`'s unbooked members wait, and the detail in words.
fn reason_for(
    network: &Network,
    grouping: &Grouping,
    g: usize,
    eligible: EligibleSlots,
) -> (UnassignedReason, String) {
    let r = grouping.request_rep(g);
    let request = network.request(r);
    let role = network.role(request.role);
    let EligibleSlots {
        slots: eligible,
        cheapest_free,
    } = eligible;
    if eligible == 0 {
        (
            UnassignedReason::NoEligibleSlot,
            no_slot_detail(network, grouping, r),
        )
    } else if let Some((_, h)) = cheapest_free {
        let s = grouping.slot_rep(h as usize);
        (
            UnassignedReason::CostsMoreThanWaiting,
            format!(
                "the cheapest free slot it may take ('{}', {} at {}, {} minutes away) costs {:.2}, more than waiting ({:.2})",
                network.slot(s).id,
                network.slot(s).date,
                network.site(network.slot(s).site).id,
                network.booking_travel(r, s),
                network.booking_cost30(r, s) as f64 / COST_SCALE as f64,
                network.unbooked_cost30(r) as f64 / COST_SCALE as f64
            ),
        )
    } else {
        (
            UnassignedReason::EligibleSlotsTaken,
            format!(
                "all {eligible} {role} slot(s) it may take are booked, each for a request it serves at least as well"
            ),
        )
    }
}

/// The furthest rule every slot of the request's role fails, in words.
fn no_slot_detail(network: &Network, grouping: &Grouping, r: RequestIdx) -> String {
    let request = network.request(r);
    let role = network.role(request.role);
    let furthest = grouping
        .slot_groups_of_role(request.role)
        .iter()
        .filter_map(|&h| check_pair(network, r, grouping.slot_rep(h as usize)).err())
        .max();
    match furthest {
        None | Some(Ineligible::Role) => format!("no {role} slot in the horizon"),
        Some(Ineligible::Mode) => {
            format!("no {role} slot by {}", list_modes(request.modes))
        }
        Some(Ineligible::Date) if request.urgency == Urgency::SameDay => format!(
            "no {role} slot by {} on {}, the day of this same-day request",
            list_modes(request.modes),
            request.date
        ),
        Some(Ineligible::Date) => format!(
            "no {role} slot by {} on or after {}",
            list_modes(request.modes),
            request.date
        ),
        Some(Ineligible::Travel) => format!(
            "every {role} slot it could take is face to face beyond its {}-minute travel limit from '{}'",
            request.max_travel_min,
            network.site(request.home).id
        ),
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Requests of one urgency: how many were booked, their mean wait and the share
/// booked within the urgency's target.
fn urgency_metrics(
    network: &Network,
    bookings: &[(RequestIdx, SlotIdx)],
    urgency: Urgency,
) -> UrgencyMetrics {
    let requests = network
        .requests
        .iter()
        .filter(|r| r.urgency == urgency)
        .count();
    let waits: Vec<i64> = bookings
        .iter()
        .filter(|(r, _)| network.request(*r).urgency == urgency)
        .map(|&(r, s)| network.slot(s).day - network.request(r).day)
        .collect();
    let within = waits
        .iter()
        .filter(|&&w| w <= i64::from(urgency.target_days()))
        .count();
    UrgencyMetrics {
        urgency,
        requests: requests as u32,
        assigned: waits.len() as u32,
        mean_wait_days: if waits.is_empty() {
            0.0
        } else {
            waits.iter().sum::<i64>() as f64 / waits.len() as f64
        },
        share_within_target: share(within, requests),
    }
}

/// The plan's measures (docs/model.md, "Appointment metrics").
pub fn measure(
    network: &Network,
    bookings: &[(RequestIdx, SlotIdx)],
    cost30: i64,
) -> BalanceMetrics {
    let by_urgency = Urgency::ALL
        .into_iter()
        .map(|urgency| urgency_metrics(network, bookings, urgency))
        .collect();
    let away = bookings
        .iter()
        .filter(|&&(r, s)| network.slot(s).site != network.request(r).home)
        .count();
    let with_preference: Vec<_> = bookings
        .iter()
        .filter(|(r, _)| network.request(*r).preferred.is_some())
        .collect();
    let kept = with_preference
        .iter()
        .filter(|&&&(r, s)| network.request(r).preferred == Some(network.slot(s).clinician))
        .count();
    let travels: Vec<u32> = bookings
        .iter()
        .filter(|(_, s)| network.slot(*s).mode == Mode::FaceToFace)
        .map(|&(r, s)| network.booking_travel(r, s))
        .collect();
    BalanceMetrics {
        weighted_cost: cost30 as f64 / COST_SCALE as f64,
        assigned: bookings.len() as u32,
        unassigned: (network.requests.len() - bookings.len()) as u32,
        by_urgency,
        share_away_from_home: share(away, bookings.len()),
        continuity_rate: share(kept, with_preference.len()),
        mean_travel_min: if travels.is_empty() {
            0.0
        } else {
            travels.iter().map(|&t| f64::from(t)).sum::<f64>() / travels.len() as f64
        },
        slot_utilisation: share(bookings.len(), network.slots.len()),
    }
}
