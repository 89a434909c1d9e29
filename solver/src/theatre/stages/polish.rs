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
