//! Request builders, and readers of a response's parts.

use clinicplan_service::proto;

use super::units::{START, day};
use crate::support::close;

/// An empty network over `horizon_days` from `START`, with the given method.
pub fn network(horizon_days: u32) -> proto::BalanceAppointmentsRequest {
    proto::BalanceAppointmentsRequest {
        planning_start: START.into(),
        horizon_days,
        options: Some(proto::BalanceOptions {
            time_limit_ms: 10_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn site(id: &str) -> proto::Site {
    proto::Site {
        id: id.into(),
        name: format!("{id} Surgery"),
    }
}

pub fn travel(from: &str, to: &str, minutes: u32) -> proto::TravelTime {
    proto::TravelTime {
        from_site_id: from.into(),
        to_site_id: to.into(),
        minutes,
    }
}

pub fn clinician(id: &str, site_id: &str, role: &str) -> proto::Clinician {
    proto::Clinician {
        id: id.into(),
        site_id: site_id.into(),
        role: role.into(),
        name: format!("Dr {id}"),
    }
}

/// A 15-minute slot on day index `day_idx` at `start` ("HH:MM").
pub fn slot(
    id: &str,
    clinician_id: &str,
    site_id: &str,
    role: &str,
    day_idx: i64,
    start: &str,
    mode: proto::Mode,
) -> proto::Slot {
    proto::Slot {
        id: id.into(),
        clinician_id: clinician_id.into(),
        site_id: site_id.into(),
        role: role.into(),
        date: day(day_idx),
        start_time: start.into(),
        duration_min: 15,
        mode: mode as i32,
    }
}

/// A request made on day index `day_idx` (negative: before the planning start), with
/// no preferred clinician.
pub fn appt(
    id: &str,
    home: &str,
    role: &str,
    urgency: proto::Urgency,
    day_idx: i64,
    modes: &[proto::Mode],
    max_travel_min: u32,
) -> proto::AppointmentRequest {
    proto::AppointmentRequest {
        id: id.into(),
        home_site_id: home.into(),
        role: role.into(),
        urgency: urgency as i32,
        request_date: day(day_idx),
        modes: modes.iter().map(|&m| m as i32).collect(),
        max_travel_min,
        preferred_clinician_id: String::new(),
    }
}

/// The same request naming `clinician_id` as the patient's own clinician.
pub fn preferring(
    mut request: proto::AppointmentRequest,
    clinician_id: &str,
) -> proto::AppointmentRequest {
    request.preferred_clinician_id = clinician_id.into();
    request
}

/// Sets the request's method.
pub fn with_method(
    mut request: proto::BalanceAppointmentsRequest,
    method: proto::BalanceMethod,
) -> proto::BalanceAppointmentsRequest {
    request.options.get_or_insert_with(Default::default).method = method as i32;
    request
}

// ---------------------------------------------------------------------------------
// Reading a response.

pub fn booking_of<'r>(
    response: &'r proto::BalanceAppointmentsResponse,
    request_id: &str,
) -> Option<&'r proto::AppointmentBooking> {
    response
        .bookings
        .iter()
        .find(|b| b.request_id == request_id)
}

/// The slot booked for `request_id`, if any.
pub fn slot_of(response: &proto::BalanceAppointmentsResponse, request_id: &str) -> Option<String> {
    booking_of(response, request_id).map(|b| b.slot_id.clone())
}

/// Why `request_id` is unbooked, if it is.
pub fn reason_of(
    response: &proto::BalanceAppointmentsResponse,
    request_id: &str,
) -> Option<proto::UnassignedReason> {
    response
        .unassigned
        .iter()
        .find(|u| u.request_id == request_id)
        .map(|u| proto::UnassignedReason::try_from(u.reason).expect("a known reason"))
}

pub fn summary(response: &proto::BalanceAppointmentsResponse) -> &proto::BalanceSolveSummary {
    response.solve.as_ref().expect("a solve summary")
}

pub fn metrics(response: &proto::BalanceAppointmentsResponse) -> &proto::BalanceMetrics {
    response.metrics.as_ref().expect("metrics")
}

/// Asserts the objective (and weighted cost) and that the status is optimal.
#[track_caller]
pub fn assert_optimum(response: &proto::BalanceAppointmentsResponse, expected: f64) {
    let s = summary(response);
    assert_eq!(
        s.status,
        proto::SolveStatus::Optimal as i32,
        "status {:?}",
        s.status
    );
    assert!(
        close(s.objective, expected),
        "objective {}, expected {expected}",
        s.objective
    );
    let weighted = metrics(response).weighted_cost;
    assert!(
        close(weighted, expected),
        "weighted cost {weighted}, expected {expected}"
    );
}

/// A response with its timing removed, for determinism comparisons.
pub fn without_timing(
    mut response: proto::BalanceAppointmentsResponse,
) -> proto::BalanceAppointmentsResponse {
    if let Some(s) = response.solve.as_mut() {
        s.solve_ms = 0;
    }
    response
}
