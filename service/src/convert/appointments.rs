//! Appointment balancing: BalanceAppointments messages to the solver's input, and
//! plans back.

use clinicplan_solver::appointments::domain::{Mode, Network, Urgency};
use clinicplan_solver::appointments::input::*;
use clinicplan_solver::appointments::solve::{BalanceMetrics, BalancePlan, UnassignedReason};

use crate::proto;

fn mode_in(v: i32) -> ModeInput {
    match proto::Mode::try_from(v) {
        Ok(proto::Mode::FaceToFace) => ModeInput::FaceToFace,
        Ok(proto::Mode::Phone) => ModeInput::Phone,
        Ok(proto::Mode::Video) => ModeInput::Video,
        Ok(proto::Mode::Unspecified) => ModeInput::Unspecified,
        Err(_) => ModeInput::Unknown(v),
    }
}

fn mode_to_proto(m: ModeInput) -> i32 {
    match m {
        ModeInput::FaceToFace => proto::Mode::FaceToFace as i32,
        ModeInput::Phone => proto::Mode::Phone as i32,
        ModeInput::Video => proto::Mode::Video as i32,
        ModeInput::Unspecified => proto::Mode::Unspecified as i32,
        ModeInput::Unknown(v) => v,
    }
}

fn mode_out(m: Mode) -> proto::Mode {
    match m {
        Mode::FaceToFace => proto::Mode::FaceToFace,
        Mode::Phone => proto::Mode::Phone,
        Mode::Video => proto::Mode::Video,
    }
}

fn urgency_in(v: i32) -> UrgencyInput {
    match proto::Urgency::try_from(v) {
        Ok(proto::Urgency::SameDay) => UrgencyInput::SameDay,
        Ok(proto::Urgency::Urgent) => UrgencyInput::Urgent,
        Ok(proto::Urgency::Routine) => UrgencyInput::Routine,
        Ok(proto::Urgency::Unspecified) => UrgencyInput::Unspecified,
        Err(_) => UrgencyInput::Unknown(v),
    }
}

fn urgency_to_proto(u: UrgencyInput) -> i32 {
    match u {
        UrgencyInput::SameDay => proto::Urgency::SameDay as i32,
        UrgencyInput::Urgent => proto::Urgency::Urgent as i32,
        UrgencyInput::Routine => proto::Urgency::Routine as i32,
        UrgencyInput::Unspecified => proto::Urgency::Unspecified as i32,
        UrgencyInput::Unknown(v) => v,
    }
}

fn urgency_out(u: Urgency) -> proto::Urgency {
    match u {
        Urgency::SameDay => proto::Urgency::SameDay,
        Urgency::Urgent => proto::Urgency::Urgent,
        Urgency::Routine => proto::Urgency::Routine,
    }
}

fn method_in(v: i32) -> BalanceMethod {
    match proto::BalanceMethod::try_from(v) {
        Ok(proto::BalanceMethod::FullLp) => BalanceMethod::FullLp,
        _ => BalanceMethod::Transshipment,
    }
}

fn method_out(m: BalanceMethod) -> proto::BalanceMethod {
    match m {
        BalanceMethod::Transshipment => proto::BalanceMethod::Transshipment,
        BalanceMethod::FullLp => proto::BalanceMethod::FullLp,
    }
}

/// The wire request as the solver's unvalidated input.
pub fn request_from_proto(r: proto::BalanceAppointmentsRequest) -> BalanceRequest {
    let options = r.options.unwrap_or_default();
    BalanceRequest {
        planning_start: r.planning_start,
        horizon_days: r.horizon_days,
        sites: r
            .sites
            .into_iter()
            .map(|s| SiteInput {
                id: s.id,
                name: s.name,
            })
            .collect(),
        travel: r
            .travel
            .into_iter()
            .map(|t| TravelInput {
                from_site_id: t.from_site_id,
                to_site_id: t.to_site_id,
                minutes: t.minutes,
            })
            .collect(),
        clinicians: r
            .clinicians
            .into_iter()
            .map(|k| ClinicianInput {
                id: k.id,
                site_id: k.site_id,
                role: k.role,
                name: k.name,
            })
            .collect(),
        slots: r
            .slots
            .into_iter()
            .map(|s| SlotInput {
                id: s.id,
                clinician_id: s.clinician_id,
                site_id: s.site_id,
                role: s.role,
                date: s.date,
                start_time: s.start_time,
                duration_min: s.duration_min,
                mode: mode_in(s.mode),
            })
            .collect(),
        requests: r
            .requests
            .into_iter()
            .map(|q| RequestInput {
                id: q.id,
                home_site_id: q.home_site_id,
                role: q.role,
                urgency: urgency_in(q.urgency),
                request_date: q.request_date,
                modes: q.modes.into_iter().map(mode_in).collect(),
                max_travel_min: q.max_travel_min,
                preferred_clinician_id: q.preferred_clinician_id,
            })
            .collect(),
        options: BalanceOptionsInput {
            time_limit_ms: options.time_limit_ms,
            method: method_in(options.method),
            log_solver: options.log_solver,
        },
    }
}

/// The solver's input as a wire request (for generated networks and CSV imports).
pub fn request_to_proto(r: &BalanceRequest) -> proto::BalanceAppointmentsRequest {
    proto::BalanceAppointmentsRequest {
        planning_start: r.planning_start.clone(),
        horizon_days: r.horizon_days,
        sites: r
            .sites
            .iter()
            .map(|s| proto::Site {
                id: s.id.clone(),
                name: s.name.clone(),
            })
            .collect(),
        travel: r
            .travel
            .iter()
            .map(|t| proto::TravelTime {
                from_site_id: t.from_site_id.clone(),
                to_site_id: t.to_site_id.clone(),
                minutes: t.minutes,
            })
            .collect(),
        clinicians: r
            .clinicians
            .iter()
            .map(|k| proto::Clinician {
                id: k.id.clone(),
                site_id: k.site_id.clone(),
                role: k.role.clone(),
                name: k.name.clone(),
            })
            .collect(),
        slots: r
            .slots
            .iter()
            .map(|s| proto::Slot {
                id: s.id.clone(),
                clinician_id: s.clinician_id.clone(),
                site_id: s.site_id.clone(),
                role: s.role.clone(),
                date: s.date.clone(),
                start_time: s.start_time.clone(),
                duration_min: s.duration_min,
                mode: mode_to_proto(s.mode),
            })
            .collect(),
        requests: r
            .requests
            .iter()
            .map(|q| proto::AppointmentRequest {
                id: q.id.clone(),
                home_site_id: q.home_site_id.clone(),
                role: q.role.clone(),
                urgency: urgency_to_proto(q.urgency),
                request_date: q.request_date.clone(),
                modes: q.modes.iter().map(|&m| mode_to_proto(m)).collect(),
                max_travel_min: q.max_travel_min,
                preferred_clinician_id: q.preferred_clinician_id.clone(),
            })
            .collect(),
        options: Some(proto::BalanceOptions {
            time_limit_ms: r.options.time_limit_ms,
            method: method_out(r.options.method) as i32,
            log_solver: r.options.log_solver,
        }),
    }
}

fn reason_out(r: UnassignedReason) -> proto::UnassignedReason {
    match r {
        UnassignedReason::NoEligibleSlot => proto::UnassignedReason::NoEligibleSlot,
        UnassignedReason::EligibleSlotsTaken => proto::UnassignedReason::EligibleSlotsTaken,
        UnassignedReason::CostsMoreThanWaiting => proto::UnassignedReason::CostsMoreThanWaiting,
    }
}

/// The network's measures, overall and per urgency.
fn metrics_to_proto(m: &BalanceMetrics) -> proto::BalanceMetrics {
    proto::BalanceMetrics {
        weighted_cost: m.weighted_cost,
        assigned: m.assigned,
        unassigned: m.unassigned,
        by_urgency: m
            .by_urgency
            .iter()
            .map(|u| proto::UrgencyMetrics {
                urgency: urgency_out(u.urgency) as i32,
                requests: u.requests,
                assigned: u.assigned,
                mean_wait_days: u.mean_wait_days,
                share_within_target: u.share_within_target,
                target_days: u.urgency.target_days(),
            })
            .collect(),
        share_away_from_home: m.share_away_from_home,
        continuity_rate: m.continuity_rate,
        mean_travel_min: m.mean_travel_min,
        slot_utilisation: m.slot_utilisation,
    }
}

/// A checked plan as the wire response.
pub fn response_to_proto(
    network: &Network,
    plan: &BalancePlan,
) -> proto::BalanceAppointmentsResponse {
    let scale = clinicplan_solver::appointments::domain::COST_SCALE as f64;
    let bookings = plan
        .bookings
        .iter()
        .map(|&(r, s)| {
            let request = network.request(r);
            let slot = network.slot(s);
            proto::AppointmentBooking {
                request_id: request.id.clone(),
                slot_id: slot.id.clone(),
                wait_days: (slot.day - request.day) as u32,
                travel_min: network.booking_travel(r, s),
                with_preferred_clinician: request.preferred == Some(slot.clinician),
                cost: network.booking_cost30(r, s) as f64 / scale,
                clinician_id: network.clinician(slot.clinician).id.clone(),
                site_id: network.site(slot.site).id.clone(),
                date: slot.date.format("%Y-%m-%d").to_string(),
                start_time: slot.start.format("%H:%M").to_string(),
                mode: mode_out(slot.mode) as i32,
            }
        })
        .collect();
    let unassigned = plan
        .unassigned
        .iter()
        .map(|u| proto::Unassigned {
            request_id: network.request(u.request).id.clone(),
            reason: reason_out(u.reason) as i32,
            detail: u.detail.clone(),
            cost: network.unbooked_cost30(u.request) as f64 / scale,
        })
        .collect();
    let metrics = metrics_to_proto(&plan.metrics);
    let s = &plan.summary;
    let status = if s.optimal {
        proto::SolveStatus::Optimal
    } else {
        proto::SolveStatus::Feasible
    };
    proto::BalanceAppointmentsResponse {
        bookings,
        unassigned,
        metrics: Some(metrics),
        solve: Some(proto::BalanceSolveSummary {
            status: status as i32,
            objective: s.objective,
            bound: s.bound,
            gap: s.gap,
            solve_ms: s.solve_ms,
            method: method_out(s.method) as i32,
            request_groups: s.request_groups,
            slot_groups: s.slot_groups,
            arcs: s.arcs,
            arcs_in_lp: s.arcs_in_lp,
            rounds: s.rounds,
            deadline_reached: s.deadline_reached,
        }),
    }
}
