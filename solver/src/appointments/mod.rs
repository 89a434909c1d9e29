//! Appointment balancing across a primary care network (docs/model.md, "Appointment
//! balancing"): validation, the grouped assignment model, its solvers, explanations,
//! metrics and the booking checker. No I/O, no protobuf.

pub mod check;
pub mod domain;
pub mod flow;
pub mod generate;
pub mod input;
pub mod model;
pub mod solve;
pub mod validate;

pub use domain::Network;
pub use input::BalanceRequest;
pub use solve::{BalanceError, BalancePlan, balance, balance_cancellable};
pub use validate::validate;
