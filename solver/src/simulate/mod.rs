//! Capacity scenarios: the waiting list simulated week by week, each week's theatre
//! lists planned by [`crate::theatre::solve::solve`], under a baseline and named variants.
//!
//! - [`config`]: the scenario as written (serde types, shaped for TOML; the service
//!   reads the file).
//! - [`validate_scenario`]: every problem collected with its location, and the
//!   [`Scenario`] built.
//! - [`week_setting`]: a variant laid over the baseline for one week (a variant states
//!   only what differs, from `from_week` to `to_week`).
//! - [`run_variant`]: the weekly loop (additions, plan, cancellations on the day,
//!   treated off the list, validation removals, clock), calling back after each week
//!   with a [`WeekResult`] and a [`WeekLedger`], and stopping when a cancel flag is set.
//! - [`random`]: seeded streams that give the same numbers on every machine.
//!
//! Each week's plan comes from a [`WeekSolver`]: [`InProcess`], or a remote server
//! (the service crate's), which must give the same plan. A theatre week asks for
//! `local_search_only` (no MIP: the constructive plan and exact session re-packing,
//! bounded by a pass count). Same scenario and seed, same results, bit for
//! bit; the wall-clock limit is a safety net that each week reports when it strikes.
//! The model is written out in `docs/scenarios.md`.
//!
//! [`gp`]: GP-network scenarios, the same idea for a primary care network's
//! appointments, balanced each week by [`crate::appointments::balance`].

pub mod config;
pub mod gp;
pub mod random;
mod run;
mod scenario;
mod validate;
mod weeks;

pub use run::{
    RunOptions, SimulationError, VariantRun, VariantSummary, WeekLedger, WeekResult, arrivals,
    percentile_weeks, run_variant, summarise,
};
pub use scenario::*;
pub use validate::{
    ListedPatient, MAX_HORIZON_WEEKS, MAX_PER_WEEK, ScenarioProblem, parse_priority, parse_weekday,
    validate_scenario,
};
pub use weeks::{GpWeekPlan, InProcess, TheatreWeekPlan, WeekSolveError, WeekSolver};
