//! Theatre-list scenarios: the waiting list simulated week by week, each week's theatre
//! lists planned by [`crate::theatre::solve::solve`], under a baseline and named
//! variants.
//!
//! - [`config`]: the scenario as written (serde types, shaped for TOML; the service
//!   reads the file).
//! - [`validate_scenario`]: every problem collected with its location, and the
//!   [`Scenario`] built.
//! - [`week_setting`]: a variant laid over the baseline for one week (a variant states
//!   only what differs, from `from_week` to `to_week`).
//! - [`run_variant`]: the weekly loop (additions, plan, cancellations on the day,
//!   treated off the list, validation removals, clock), calling back after each week
//!   with a [`WeekResult`] and a [`WeekLedger`]; this kind's part of the shared driver
//!   ([`crate::simulate::ScenarioKind`]).

mod arrivals;
mod by_hand;
pub mod config;
mod request;
mod results;
mod scenario;
mod validate;
mod week;

pub use arrivals::arrivals;
pub use by_hand::{by_hand_plan, checked_by_hand_plan};
pub use results::{
    SimulationError, VariantRun, VariantSummary, WeekLedger, WeekResult, percentile_weeks,
    summarise,
};
pub use scenario::*;
pub use validate::{ListedPatient, parse_priority, validate_scenario};
pub use week::run_variant;
