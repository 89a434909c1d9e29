//! Where a simulated week's plan is made.
//!
//! The weekly loops ([`super::run_variant`], [`super::gp::run_gp_variant`]) build each
//! week's request and hand it to a [`WeekSolver`]: [`InProcess`] solves it here; the
//! service crate has one that sends it to a remote clinicplan server (through a load
//! balancer, retrying a solve whose server went away). Both must give the same plan for
//! the same request: the theatre week asks for `local_search_only` (no LP or MIP, so the
//! plan depends on the request alone) and the appointment week is an exact,
//! deterministic optimum. What comes back is checked against the week's own instance
//! before the simulation uses it.

use std::time::Duration;

use serde::Serialize;

use crate::appointments::domain::{RequestIdx, SlotIdx};
use crate::appointments::input::BalanceRequest;
use crate::appointments::solve::BalanceMetrics;
use crate::appointments::{Network, balance};
use crate::theatre::assignment::Assignment;
use crate::theatre::domain::Instance;
use crate::theatre::input::TheatreRequest;
use crate::theatre::solve::solve;

/// Who plans a simulated theatre week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeekPlanner {
    /// The full solver (the LP bound and the MIP stages within the week's effort).
    Optimiser,
    /// The constructive plan and exact session re-packing, no LP or MIP: the fast mode.
    LocalSearch,
    /// Patients in priority order, then by the date listed, each to the earliest
    /// session where they fit: lists built by hand ([`super::theatre::by_hand_plan`]).
    ByHand,
}

impl WeekPlanner {
    /// The name a scenario file gives.
    pub fn name(self) -> &'static str {
        match self {
            WeekPlanner::Optimiser => "optimiser",
            WeekPlanner::LocalSearch => "local-search",
            WeekPlanner::ByHand => "by-hand",
        }
    }

    pub fn parse(text: &str) -> Option<WeekPlanner> {
        [
            WeekPlanner::Optimiser,
            WeekPlanner::LocalSearch,
            WeekPlanner::ByHand,
        ]
        .into_iter()
        .find(|p| p.name() == text.trim())
    }
}

/// The week planner of a scenario that names none: the full solver, in reproducible
/// mode at the scenario's `week_effort` (default [`DEFAULT_WEEK_EFFORT`]), so that a
/// scenario answers for the planner the service is. `local-search` is the named fast
/// mode (docs/scenarios.md, "Week planners").
pub const DEFAULT_WEEK_PLANNER: WeekPlanner = WeekPlanner::Optimiser;

/// An optimiser week's effort when the scenario gives no `week_effort`: a tenth of a
/// service solve's default. On the shipped hospital a week then takes about 0.6 s, so
/// 52 weeks × 4 variants × 10 replications take about 10 minutes on 2 cores, and the
/// optimiser's lists beat local search's (docs/scenarios.md, "Week planners").
pub const DEFAULT_WEEK_EFFORT: u64 = 25_000;

/// Why a week's solve failed, as the solver reported it.
pub type WeekSolveError = Box<dyn std::error::Error + Send + Sync>;

/// Why a simulation stopped, for both kinds of scenario.
#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("variant '{0}' is not in the scenario")]
    UnknownVariant(String),
    /// A week's request failed validation: a bug in the simulation, reported.
    #[error("week {week}: internal error, the week's request is invalid: {errors}")]
    InvalidWeek {
        week: u32,
        errors: crate::validation::ValidationErrors,
    },
    /// The week's plan (theatre lists or GP bookings) could not be made. `error` is not a
    /// `#[source]`: the message already carries it, once.
    #[error("week {week}: {error}")]
    Solve { week: u32, error: WeekSolveError },
}

/// A week's theatre plan, as the simulation needs it.
#[derive(Clone, Debug)]
pub struct TheatreWeekPlan {
    /// Patients (by position in the week's request) and their sessions.
    pub assignment: Assignment,
    pub solve_ms: u64,
    /// The wall-clock safety net cut the solve: the plan may differ between machines.
    pub safety_net_struck: bool,
}

/// A week's appointment bookings, as the simulation needs them.
#[derive(Clone, Debug)]
pub struct GpWeekPlan {
    /// In request order.
    pub bookings: Vec<(RequestIdx, SlotIdx)>,
    pub metrics: BalanceMetrics,
    /// The time limit stopped the solve before it proved its optimum.
    pub safety_net_struck: bool,
}

/// Makes each simulated week's plan. Shared by the variants' threads.
pub trait WeekSolver: Sync {
    /// Plans the theatre week `request`, already validated as `instance`; `time_limit`
    /// is the scenario's per-week safety net.
    fn plan_theatres(
        &self,
        week: u32,
        request: &TheatreRequest,
        instance: &Instance,
        time_limit: Duration,
    ) -> Result<TheatreWeekPlan, WeekSolveError>;

    /// Books the GP week `request`, already validated as `network`.
    fn balance(
        &self,
        week: u32,
        request: &BalanceRequest,
        network: &Network,
    ) -> Result<GpWeekPlan, WeekSolveError>;

    /// How many variants may run at once.
    fn parallel_variants(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Solves every week in this process.
#[derive(Clone, Copy, Debug, Default)]
pub struct InProcess;

impl WeekSolver for InProcess {
    fn plan_theatres(
        &self,
        _week: u32,
        _request: &TheatreRequest,
        instance: &Instance,
        time_limit: Duration,
    ) -> Result<TheatreWeekPlan, WeekSolveError> {
        // A local-search week asks for `local_search_only`, and `solve` then runs no MIP
        // whatever the runner; an optimiser week runs HiGHS in this thread.
        let outcome = solve(instance, time_limit, &mut crate::theatre::solve::InProcess)?;
        Ok(TheatreWeekPlan {
            assignment: outcome.plan.assignment,
            solve_ms: outcome.report.solve_ms,
            safety_net_struck: outcome.report.deadline_reached || outcome.report.local_search_cut,
        })
    }

    fn balance(
        &self,
        _week: u32,
        _request: &BalanceRequest,
        network: &Network,
    ) -> Result<GpWeekPlan, WeekSolveError> {
        let limit = network.options.time_limit_ms.unwrap_or(u32::MAX);
        let plan = balance(network, limit)?;
        Ok(GpWeekPlan {
            bookings: plan.bookings,
            metrics: plan.metrics,
            safety_net_struck: plan.summary.deadline_reached && !plan.summary.optimal,
        })
    }
}
