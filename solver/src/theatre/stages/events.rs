//! What the stages report as they go, and the stages a policy runs.

use serde::{Deserialize, Serialize};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, ObjectivePolicy, Priority};
use crate::theatre::models::formulation::Stage;
use crate::theatre::stages::run::RunStatus;

/// What the staged solve reports as it goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MipEvent {
    /// A proven lower bound on the weighted wait of every plan that schedules at least
    /// `p1_floor` P1 patients (the LP relaxation with that floor), so of every plan the
    /// policy accepts. When not `converged`, the column generation was cut short and
    /// this is its best Lagrangian bound, below the LP's optimum.
    LpBound {
        weighted_wait: f64,
        p1_floor: u32,
        converged: bool,
    },
    /// The same for the pattern relaxation (docs/model.md, "Pattern bound and diving"): at least as tight as the LP's when `converged`.
    PatternBound {
        weighted_wait: f64,
        p1_floor: u32,
        converged: bool,
    },
    /// A stage finished. `plan` is at least as good as every earlier plan under the
    /// policy (warm start plus floors), so the latest one is the one to keep.
    StageDone {
        stage: StageName,
        status: RunStatus,
        plan: Option<Assignment>,
        /// Lower bound on the weighted wait, for the weighted-wait stage only, valid for
        /// every plan the policy accepts (see docs/model.md, "Bounds").
        weighted_wait_bound: Option<f64>,
        /// Whether every count stage so far was proven optimal (or needed no solve).
        counts_proven: bool,
        elapsed_ms: u64,
    },
    /// The work units a worker process has charged so far (docs/model.md,
    /// "Determinism"), and whether the wall-clock safety net struck there.
    Effort { used: u64, struck: bool },
}

/// A stage, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageName {
    MaxP1,
    MaxP2,
    MaxP3,
    MaxP4,
    /// A plan rounded from the LP relaxation's solution.
    LpRounding,
    /// A plan rounded from the pattern relaxation's solution.
    PatternRounding,
    /// The weighted wait of one specialty's patients, the rest fixed.
    SubModel,
    /// A neighbourhood of the incumbent re-optimised, the rest fixed (the anytime search).
    Neighbourhood,
    WeightedWait,
}

impl StageName {
    pub(crate) fn of(stage: Stage) -> Self {
        match stage {
            Stage::MaxCount(Priority::P1) => StageName::MaxP1,
            Stage::MaxCount(Priority::P2) => StageName::MaxP2,
            Stage::MaxCount(Priority::P3) => StageName::MaxP3,
            Stage::MaxCount(Priority::P4) => StageName::MaxP4,
            Stage::WeightedWait => StageName::WeightedWait,
        }
    }
}

/// The stages a policy solves, in order (docs/model.md, "Objective policies").
pub fn stages(policy: ObjectivePolicy) -> Vec<Stage> {
    match policy {
        ObjectivePolicy::WeightedWait => vec![Stage::MaxCount(Priority::P1), Stage::WeightedWait],
        ObjectivePolicy::PriorityOrder => vec![
            Stage::MaxCount(Priority::P1),
            Stage::MaxCount(Priority::P2),
            Stage::MaxCount(Priority::P3),
            Stage::MaxCount(Priority::P4),
            Stage::WeightedWait,
        ],
    }
}

/// Patients of each priority that have at least one eligible session: an upper bound
/// on that priority's count.
pub fn count_upper_bounds(instance: &Instance) -> [u32; 4] {
    let mut ub = [0; 4];
    for p in instance.patient_indices() {
        if !instance.eligible[p.idx()].is_empty() {
            ub[instance.patient(p).priority.rank()] += 1;
        }
    }
    ub
}
