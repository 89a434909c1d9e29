//! The last step of every rounding and count: book what still fits, then re-pack.

use std::time::Instant;

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::constructive::{density_order, fill};
use crate::theatre::domain::Instance;
use crate::theatre::improve::repack_sessions;
use crate::theatre::policy::REPACK_PASSES;

/// Books every patient that still fits (densest first) and re-packs the sessions.
pub(crate) fn polish(instance: &Instance, assignment: &mut Assignment, deadline: Instant) {
    let mut loads = Loads::from_assignment(instance, assignment);
    fill(instance, assignment, &mut loads, &density_order(instance));
    repack_sessions(instance, assignment, REPACK_PASSES, deadline);
}

/// A count stage's plan (its own patients booked, the rest waiting) with the rest of
/// `keep` put back first: each patient `keep` books, the costliest to leave waiting
/// first, returns to their session where it still has room; then [`polish`]. So the
/// lists around the new bookings stay as the search left them where they can.
pub(crate) fn polish_keeping(
    instance: &Instance,
    plan: &mut Assignment,
    keep: &Assignment,
    deadline: Instant,
) {
    let mut loads = Loads::from_assignment(instance, plan);
    let mut back: Vec<_> = keep
        .scheduled()
        .filter(|&(p, _)| plan.get(p).is_none())
        .collect();
    back.sort_by(|&(a, _), &(b, _)| {
        let (ca, cb) = (instance.cost_unscheduled(a), instance.cost_unscheduled(b));
        cb.total_cmp(&ca).then(a.cmp(&b))
    });
    for (p, s) in back {
        if loads.check(instance, p, s).is_ok() {
            plan.set(p, Some(s));
            loads.add(instance, p, s);
        }
    }
    polish(instance, plan, deadline);
}
