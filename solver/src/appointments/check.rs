//! Re-checks a set of bookings against every hard rule of the appointment model and
//! recomputes its cost. The service runs it on every answer before it leaves.

use std::collections::HashMap;

use super::domain::*;

/// One broken rule (docs/errors.md, "Appointment check").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct BookingViolation {
    pub code: &'static str,
    pub message: String,
}

/// Checks `bookings`; on success returns the plan's total cost in thirtieths (bookings
/// plus unbooked requests). Each booking is checked rule by rule, in code order.
pub fn check(
    network: &Network,
    bookings: &[(RequestIdx, SlotIdx)],
) -> Result<i64, Vec<BookingViolation>> {
    let mut violations = Vec::new();
    let mut slot_taken: HashMap<SlotIdx, RequestIdx> = HashMap::new();
    let mut booked = vec![false; network.requests.len()];
    let mut cost = 0i64;
    for &(r, s) in bookings {
        if let Err(v) = booking_names_a_request_and_slot(network, r, s) {
            violations.push(v);
            continue;
        }
        violations.extend(request_booked_once(network, r, &mut booked));
        violations.extend(slot_holds_one_request(network, r, s, &mut slot_taken));
        violations.extend(request_may_take_slot(network, r, s));
        cost += network.booking_cost30(r, s);
    }
    for (i, b) in booked.iter().enumerate() {
        if !b {
            cost += network.unbooked_cost30(RequestIdx(i as u32));
        }
    }
    if violations.is_empty() {
        Ok(cost)
    } else {
        Err(violations)
    }
}

/// CP4001: the booking names a request and a slot of the network.
fn booking_names_a_request_and_slot(
    network: &Network,
    r: RequestIdx,
    s: SlotIdx,
) -> Result<(), BookingViolation> {
    if r.idx() >= network.requests.len() || s.idx() >= network.slots.len() {
        return Err(BookingViolation {
            code: "CP4001",
            message: format!("booking ({}, {}) names no request or slot", r.0, s.0),
        });
    }
    Ok(())
}

/// CP4002: no request is booked twice (`booked` marks those seen).
fn request_booked_once(
    network: &Network,
    r: RequestIdx,
    booked: &mut [bool],
) -> Option<BookingViolation> {
    std::mem::replace(&mut booked[r.idx()], true).then(|| BookingViolation {
        code: "CP4002",
        message: format!(
            "request '{}' is booked more than once",
            network.request(r).id
        ),
    })
}

/// CP4003: no slot holds two requests (`slot_taken` holds the first of each).
fn slot_holds_one_request(
    network: &Network,
    r: RequestIdx,
    s: SlotIdx,
    slot_taken: &mut HashMap<SlotIdx, RequestIdx>,
) -> Option<BookingViolation> {
    let other = slot_taken.insert(s, r)?;
    Some(BookingViolation {
        code: "CP4003",
        message: format!(
            "slot '{}' holds both '{}' and '{}'",
            network.slot(s).id,
            network.request(other).id,
            network.request(r).id
        ),
    })
}

/// CP4004: the request may take the slot (role, mode, date, travel).
fn request_may_take_slot(network: &Network, r: RequestIdx, s: SlotIdx) -> Option<BookingViolation> {
    let why = check_pair(network, r, s).err()?;
    Some(BookingViolation {
        code: "CP4004",
        message: format!(
            "request '{}' may not take slot '{}': {}",
            network.request(r).id,
            network.slot(s).id,
            match why {
                Ineligible::Role => "the roles differ",
                Ineligible::Mode => "the slot's mode is not one the request accepts",
                Ineligible::Date =>
                    "the slot's date is before the request (or not the same day, for a same-day request)",
                Ineligible::Travel => "the slot's site is beyond the request's travel limit",
            }
        ),
    })
}
