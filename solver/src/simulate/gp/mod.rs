//! GP-network scenarios: a primary care network's appointment requests simulated week
//! by week, each week's requests booked into the week's slots by
//! [`crate::appointments::balance`] (exact and deterministic), under a baseline and
//! named variants (clinicians added or removed, demand changed). `docs/scenarios.md`,
//! "GP-network scenarios", documents the file and the model.
//!
//! - [`GpScenarioConfig`]: the file as written (serde, shaped for TOML).
//! - [`validate_gp`]: every problem with its location, or the [`GpScenario`].
//! - [`run_gp_variant`]: the weekly loop, calling back after each week with a
//!   [`GpWeekResult`] and a [`GpWeekLedger`], stopping when a cancel flag is set; this
//!   kind's part of the shared driver ([`crate::simulate::ScenarioKind`]).
//!
//! Each week: requests arrive (seeded Poisson counts per stream and home practice,
//! request dates Monday to Friday); every waiting request (carried over with its
//! request date) and the week's slots go to the balancer; booked requests leave;
//! same-day requests not booked on their day leave as `expired` (redirected: extended
//! access, NHS 111); the rest wait for next week. Every request is, at the end of each
//! week, exactly one of booked, expired or waiting.

mod config;
mod practice_only;
mod request;
mod results;
mod scenario;
mod validate;
mod week;

pub use config::*;
pub use practice_only::practice_only_bookings;
pub use request::{GpRequest, active_clinicians, gp_arrivals, week_request};
pub use results::{
    GpSimulationError, GpVariantRun, GpVariantSummary, GpWeekLedger, GpWeekResult, summarise_gp,
};
pub use scenario::*;
pub use validate::validate_gp;
pub use week::run_gp_variant;
