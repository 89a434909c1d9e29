//! One module per optimisation model; each documents its sets, variables, constraints
//! and objective, mirrored in docs/model.md.

pub mod column_generation;
pub mod formulation;
pub mod highs_ext;
pub mod patterns;
