//! The grouped assignment model (docs/model.md, "Appointment balancing") and its
//! solvers: an equivalent min-cost flow over request classes and day chains, solved by
//! our network simplex (`appointments::flow`, the default) or as an LP on the `highs` crate
//! directly (for comparison), and the whole grouped LP built with good_lp (the
//! reference).
//!
//! Requests that agree on everything the rules and the cost look at (home site, role,
//! urgency, modes, travel limit, request date, preferred clinician) form a request
//! group; slots that agree on site, clinician, role, mode and date form a slot group.
//! Every member of a group is interchangeable with every other, so the problem is a
//! transportation problem between groups: x[g,h] ≥ 0 requests of group g booked into
//! slots of group h, Σ_h x[g,h] ≤ |g|, Σ_g x[g,h] ≤ |h|, minimise Σ c'[g,h] x[g,h] with
//! c' = booking cost − unbooked cost. Its constraint matrix is totally unimodular, so a
//! basic optimal solution (simplex) is integral.
//!
//! The files, each using only those listed before it:
//! - `grouping`: request and slot groups, their eligible arcs, the greedy fill and the
//!   hand-out of individual slots;
//! - `class_network`: the transshipment network of request classes and day chains, its
//!   Lagrangian bound and the eligible slots for explanations;
//! - `solution`: what every solver returns, and its error;
//! - `columns`: the network's columns, their decomposition into group flows, and what
//!   both transshipment solvers share;
//! - `transshipment`: the network solved by our network simplex (the default);
//! - `transshipment_lp`: the same network as a HiGHS LP (for comparison);
//! - `full_lp`: the whole grouped LP through good_lp (the reference).

mod class_network;
mod columns;
mod full_lp;
mod grouping;
mod solution;
mod transshipment;
mod transshipment_lp;

pub use class_network::ClassNetwork;
pub use full_lp::solve_full_lp;
pub use grouping::{EligibleSlots, Flow, Grouping, eligible_slots, fill, greedy, hand_out};
pub use solution::{GroupedSolution, ModelError};
pub use transshipment::solve_transshipment;
pub use transshipment_lp::solve_transshipment_highs;
