//! Capacity scenarios: a waiting list simulated week by week under a baseline and named
//! variants, each week planned by the solver. Two kinds share one shape:
//!
//! - [`theatre`]: theatre-list scenarios, each week's lists planned by
//!   [`crate::theatre::solve::solve`]. Its items are re-exported here.
//! - [`gp`]: GP-network scenarios, a primary care network's appointments balanced
//!   each week by [`crate::appointments::balance`].
//!
//! The core both use:
//! - [`ScenarioKind`]: what a kind supplies (its week, its summary); the drivers
//!   [`run_kind_variant`] (one variant's weekly loop, with a cancel flag) and
//!   [`run_variants`] (variants and their replications side by side on scoped
//!   threads, at most `available_parallelism`), [`statistics`] (means, 95% intervals
//!   and paired differences over replications, [`stats`]), and [`selected_variants`].
//! - [`ScenarioProblem`]: problems with their locations, and the checks both kinds share.
//! - [`random`]: seeded streams that give the same numbers on every machine.
//! - [`WeekSolver`]: where each week's plan is made, [`InProcess`] or a remote server
//!   (the service crate's), which must give the same plan. A theatre week is planned as
//!   the scenario's [`WeekPlanner`] says: `local-search` asks for `local_search_only`
//!   (no MIP: the constructive plan and exact session re-packing, bounded by a pass
//!   count), `optimiser` for the full solver, and `by-hand` is planned here, by
//!   [`theatre::by_hand_plan`], as a waiting-list office would.
//!
//! Same scenario and seed, same results, bit for bit; the wall-clock limit is a safety
//! net that each week reports when it strikes. The model is written out in
//! `docs/scenarios.md`.

mod driver;
pub mod gp;
mod problems;
pub mod random;
pub mod stats;
pub mod theatre;
mod weeks;

pub use driver::{
    BASELINE, KindRun, ParallelRun, RunId, RunOptions, ScenarioKind, VariantRunOf,
    run_kind_variant, run_variants, selected_variants, statistics,
};
pub use problems::{
    MAX_HORIZON_WEEKS, MAX_PER_WEEK, MAX_REPLICATIONS, ScenarioProblem, parse_weekday,
    replications_in_range,
};
pub use theatre::config;
pub use theatre::*;
pub use weeks::{
    DEFAULT_WEEK_EFFORT, DEFAULT_WEEK_PLANNER, GpWeekPlan, InProcess, TheatreWeekPlan, WeekPlanner,
    WeekSolveError, WeekSolver,
};
