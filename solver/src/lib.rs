//! clinicplan's solver: domain types, validation, models, plans and the plan checkers of
//! its three products.
//!
//! - [`theatre`]: weekly theatre lists (requests, validation, models, the solve, the check).
//! - [`appointments`]: a GP network's appointments balanced across its practices.
//! - [`simulate`]: capacity scenarios, the waiting list simulated week by week.
//!
//! Architecture invariant: this crate does no I/O and knows nothing of protobuf, gRPC or
//! file formats.

pub mod appointments;
pub mod simulate;
pub mod theatre;
pub mod validation;
