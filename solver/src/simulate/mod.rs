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
//!   [`run_variants`] (variants side by side on scoped threads, at most
//!   `available_parallelism`), and [`selected_variants`].
//! - [`ScenarioProblem`]: problems with their locations, and the checks both kinds share.
//! - [`random`]: seeded streams that give the same numbers on every machine.
//! - [`WeekSolver`]: where each week's plan is made, [`InProcess`] or a remote server
//!   (the service crate's), which must give the same plan. A theatre week asks for
//!   `local_search_only` (no MIP: the constructive plan and exact session re-packing,
//!   bounded by a pass count).
//!
//! Same scenario and seed, same results, bit for bit; the wall-clock limit is a safety
//! net that each week reports when it strikes. The model is written out in
//! `docs/scenarios.md`.

mod driver;
pub mod gp;
mod problems;
pub mod random;
pub mod theatre;
mod weeks;

pub use driver::{
    BASELINE, KindRun, ParallelRun, RunOptions, ScenarioKind, VariantRunOf, run_kind_variant,
    run_variants, selected_variants,
};
pub use problems::{MAX_HORIZON_WEEKS, MAX_PER_WEEK, ScenarioProblem, parse_weekday};
pub use theatre::config;
pub use theatre::*;
pub use weeks::{GpWeekPlan, InProcess, TheatreWeekPlan, WeekSolveError, WeekSolver};
