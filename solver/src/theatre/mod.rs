//! Weekly theatre lists. Requests come in as [`input::TheatreRequest`], are turned into an
//! [`domain::Instance`] by [`validate::validate`] (the only way to build one), and come
//! out as a [`plan::Plan`], which [`check::check`] re-verifies.

pub mod assignment;
pub mod capacity;
pub mod check;
pub mod constructive;
pub mod domain;
pub mod effort;
pub mod eligibility;
pub mod explain;
pub mod generate;
pub mod improve;
pub mod input;
pub mod knapsack;

pub mod models;
pub mod plan;
pub mod policy;
pub mod replan;
pub mod solve;
pub mod stages;
pub mod validate;

pub use crate::validation::{ValidationError, ValidationErrors};
pub use assignment::Assignment;
pub use domain::Instance;
pub use input::TheatreRequest;
pub use plan::Plan;
pub use validate::validate;
