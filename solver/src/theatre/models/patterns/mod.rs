//! The pattern relaxation of the theatre-list model (Dantzig–Wolfe over sessions), solved
//! by column generation one specialty at a time, and a plan found by diving on it.
//! docs/model.md, "Pattern bound and diving".
//!
//! A *pattern* of session s is a set of its eligible patients that fits its minutes
//! (Σ (duration + turnaround) ≤ length + turnaround) and holds every patient pinned to s.
//! The master chooses at most one pattern per session (exactly one where s has pins);
//! the rows shared between sessions stay in the master: each patient at most once, the
//! surgeon-day minutes, the ward beds, and the P1 floor. Every plan of the model is a
//! choice of patterns, so the master's LP is a relaxation; it is at least as tight as the
//! LP of [`super::formulation`] because every pattern already respects its session's
//! minutes in whole patients.
//!
//! Pricing one session is a 0-1 knapsack over its minutes, solved exactly (after an exact
//! reduction). Whatever the duals, the Lagrangian function at those duals is a true
//! lower bound, so every round gives one, converged or not:
//! L(y) = Σ_r b_r y_r + Σ_s min_{k ∈ K_s} (c_k − Σ_r a_{r,k} y_r),
//! over the shared rows r (all `≤`, duals clamped to y ≤ 0) and each session's patterns
//! K_s (the empty pattern included unless s has pins).
//!
//! - [`pattern`]: patterns, parts, the relaxation's result.
//! - [`rows`], [`pricing`], [`master`], [`generation`], [`dive`]: one master's rows,
//!   pricing, columns, column generation and diving.
//! - [`by_specialty`]: the masters of all specialties, in time shares.

pub mod by_specialty;
pub mod dive;
pub mod generation;
pub mod master;
pub mod pattern;
pub mod pricing;
pub mod rows;
#[cfg(test)]
mod tests;

pub use by_specialty::{
    RelaxationRun, bed_prices, schedulable_p1, sessions_by_specialty, solve_by_specialty,
    solve_relaxation,
};
pub use pattern::{Coupling, Part, Pattern, PatternRelaxation, patterns_of};
