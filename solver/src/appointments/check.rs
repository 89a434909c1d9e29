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
/// plus unbooked requests).
pub fn check(
    network: &Network,
    bookings: &[(RequestIdx, SlotIdx)],
) -> Result<i64, Vec<BookingViolation>> {
    let mut violations = Vec::new();
    let mut slot_taken: HashMap<SlotIdx, RequestIdx> = HashMap::new();
    let mut booked = vec![false; network.requests.len()];
    let mut cost = 0i64;
    for &(r, s) in bookings {
        if r.idx() >= network.requests.len() || s.idx() >= network.slots.len() {
            violations.push(BookingViolation {
                code: "CP4001",
                message: format!("booking ({}, {}) names no request or slot", r.0, s.0),
            });
            continue;
        }
        let request = network.request(r);
        let slot = network.slot(s);
        if std::mem::replace(&mut booked[r.idx()], true) {
            violations.push(BookingViolation {
                code: "CP4002",
                message: format!("request '{}' is booked more than once", request.id),
            });
        }
        if let Some(other) = slot_taken.insert(s, r) {
            violations.push(BookingViolation {
                code: "CP4003",
                message: format!(
                    "slot '{}' holds both '{}' and '{}'",
                    slot.id,
                    network.request(other).id,
                    request.id
                ),
            });
        }
        if let Err(why) = check_pair(network, r, s) {
            violations.push(BookingViolation {
                code: "CP4004",
                message: format!(
                    "request '{}' may not take slot '{}': {}",
                    request.id,
                    slot.id,
                    match why {
                        Ineligible::Role => "the roles differ",
                        Ineligible::Mode => "the slot's mode is not one the request accepts",
                        Ineligible::Date => "the slot's date is before the request (or not the same day, for a same-day request)",
                        Ineligible::Travel => "the slot's site is beyond the request's travel limit",
                    }
                ),
            });
        }
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
