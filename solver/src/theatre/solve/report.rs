//! What a solve returns: the plan's status, where it and its bound came from, the
//! proof of quality with its effort, and the checked plan.

use crate::theatre::check::CheckReport;
use crate::theatre::plan::Plan;

/// Status of the returned plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolveStatus {
    /// Proven optimal for the policy (within the requested relative MIP gap).
    Optimal,
    /// Feasible; the limit struck before optimality was proven: see the gap.
    Feasible,
}

/// Where the returned plan came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanSource {
    Constructive,
    /// The constructive plan improved by session re-packing.
    LocalSearch,
    Mip,
}

/// How the reported bound was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundSource {
    /// Every patient at their earliest eligible day, capacity ignored.
    Trivial,
    /// The LP relaxation of the weighted-wait model.
    Lp,
    /// The pattern (Dantzig–Wolfe) relaxation's Lagrangian bound.
    Patterns,
    /// HiGHS's MIP dual bound on the final stage.
    Mip,
}

impl BoundSource {
    pub fn name(self) -> &'static str {
        match self {
            BoundSource::Trivial => "trivial",
            BoundSource::Lp => "lp",
            BoundSource::Patterns => "patterns",
            BoundSource::Mip => "mip",
        }
    }
}

/// The plan's proof of quality.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveReport {
    pub status: SolveStatus,
    /// The plan's weighted wait.
    pub objective: f64,
    /// A proven lower bound on the weighted wait of every plan the policy accepts.
    pub best_bound: f64,
    /// (objective − best_bound) / (nothing_scheduled_cost − best_bound).
    pub gap: f64,
    pub solve_ms: u64,
    pub source: PlanSource,
    pub bound_source: BoundSource,
    /// The runner was stopped at the deadline before it finished.
    pub deadline_reached: bool,
    /// The session re-packing's wall-clock safety net stopped it before its pass limit:
    /// the plan may then differ between machines.
    pub local_search_cut: bool,
    /// Work units the solve charged (docs/model.md, "Determinism"), in both modes.
    pub effort_used: u64,
    /// The effort limit a reproducible solve ran under (the request's, or the default).
    pub effort_limit: Option<u64>,
    /// The plan depends on the request alone: a reproducible solve that the time limit
    /// (its safety net) never struck. The same request with `effort_limit` =
    /// `effort_used` gives the same plan.
    pub reproducible: bool,
    pub notes: Vec<String>,
}

/// A solved request: the plan, its proof, and the independent check it passed.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub plan: Plan,
    pub report: SolveReport,
    pub check: CheckReport,
}
