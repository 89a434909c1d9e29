//! Re-planning around a published plan (the 6-4-2 cycle): the previous plan's bookings
//! resolved against today's request, how firm each is, what moving or cancelling it
//! costs, and (in [`changes`]) what the new plan changed.
//!
//! Stability enters the objective through [`crate::theatre::domain::Instance::cost_scheduled`]
//! and `cost_unscheduled` alone, so every model, stage, bound and check prices it the same
//! way (docs/model.md, "Stability").

pub mod calendar;
pub mod changes;

pub use crate::theatre::domain::{
    BookingState, DEFAULT_CANCEL_COST, DEFAULT_DRAFT_MOVE_COST, DEFAULT_LOCK_DAYS,
    DEFAULT_MIN_NOTICE_DAYS, DEFAULT_MOVE_COST, DEFAULT_NOTIFY_DAYS, DisplacedReason, Previous,
    PreviousEntry, Replan, StabilityCosts,
};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::constructive::{density_order, fill};
use crate::theatre::domain::Instance;

/// The start plan of a re-plan: the pins (LOCKED bookings among them), then every
/// standing previous booking, in the previous plan's order, while the hard rules hold,
/// then the density-order fill. Nothing in it moves, so its stability cost is only
/// that of the bookings that could not be kept.
pub fn kept_plan(instance: &Instance) -> Assignment {
    let mut assignment = Assignment::empty(instance);
    let mut loads = Loads::new(instance);
    for &(p, s) in &instance.pinned {
        assignment.set(p, Some(s));
        loads.add(instance, p, s);
    }
    if let Some(replan) = &instance.replan {
        for entry in &replan.entries {
            let (Some(p), Some(s)) = (entry.patient, entry.session) else {
                continue;
            };
            if assignment.get(p).is_none() && loads.check(instance, p, s).is_ok() {
                assignment.set(p, Some(s));
                loads.add(instance, p, s);
            }
        }
    }
    fill(
        instance,
        &mut assignment,
        &mut loads,
        &density_order(instance),
    );
    assignment
}
