//! The one place where wire types and domain types meet: protobuf messages to the
//! solver's input, and solver results back to protobuf. One submodule per capability.

pub mod appointments;
mod replan;
pub mod scenarios;
mod theatre;

pub use theatre::*;
