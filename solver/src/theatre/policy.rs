//! How the objective policy ranks plans: the counts it protects, then the weighted wait
//! (docs/model.md, "Objective policies"). Shared by the solve, the stages and their
//! roundings, so that every comparison of two plans is the same one.

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, ObjectivePolicy};

/// Passes of session re-packing before the MIP.
pub const REPACK_PASSES: usize = 50;

/// The ranks whose counts the policy protects: P1 (weighted wait) or P1..P4.
pub fn protected_ranks(instance: &Instance) -> usize {
    match instance.options.policy {
        ObjectivePolicy::WeightedWait => 1,
        ObjectivePolicy::PriorityOrder => 4,
    }
}

/// Whether plan `a` ranks below plan `b` under the instance's policy: by the P1
/// count (weighted wait policy) or the P1..P4 counts in turn (priority order), then by
/// the weighted wait.
pub fn policy_worse(instance: &Instance, a: &Assignment, b: &Assignment) -> bool {
    let (ca, cb) = (
        a.counts_by_priority(instance),
        b.counts_by_priority(instance),
    );
    let ranks = protected_ranks(instance);
    for r in 0..ranks {
        if ca[r] != cb[r] {
            return ca[r] < cb[r];
        }
    }
    a.weighted_wait(instance) > b.weighted_wait(instance) + 1e-9
}

/// Whether `candidate` takes the place of `incumbent` as the plan kept: it ranks higher
/// under the policy, or it ranks the same and comes first in a fixed order of plans (the
/// sessions of patients in index order, a waiting patient first). So when two workers
/// find equally good plans, the plan kept does not depend on which arrived first.
pub fn replaces(instance: &Instance, incumbent: &Assignment, candidate: &Assignment) -> bool {
    if policy_worse(instance, incumbent, candidate) {
        return true;
    }
    !policy_worse(instance, candidate, incumbent) && candidate.0 < incumbent.0
}

/// The counts per priority rank (of the ranks the policy protects) that the patients of
/// `in_scope` have booked in `incumbent`: the floors a sub-model of that scope keeps, so
/// that a plan it returns never ranks lower.
pub fn scope_floors(instance: &Instance, incumbent: &Assignment, in_scope: &[bool]) -> [u32; 4] {
    let ranks = protected_ranks(instance);
    let mut floors = [0u32; 4];
    for (p, _) in incumbent.scheduled() {
        let r = instance.patient(p).priority.rank();
        if in_scope[p.idx()] && r < ranks {
            floors[r] += 1;
        }
    }
    floors
}
