//! The solver's integration tests: one test binary (`solver`), one module per subject,
//! and the helpers they share in `support`.
//!
//! - `appointments_model`: the network simplex against the full LP and the HiGHS
//!   transshipment LP.
//! - `lift`: plans short of the P1 floor lifted to it (room made, or the count with a
//!   preference).
//! - `lns`: the anytime search's steps and its reach on tiny weeks.
//! - `lp_floor`: the LP bound with its P1 floor raised while column generation runs.
//! - `model_doc`: every constraint family and error code is documented.
//! - `p1_count`: the P1 count by specialty equals the whole model's.
//! - `patterns`: the pattern relaxation's bound, diving and mending.
//! - `planners`: the by-hand theatre lists and practice-only GP bookings on hand-worked
//!   weeks.
//! - `replications`: replications, common random numbers and their intervals.
//! - `replan`: re-planning around a published plan: moves only when they pay, locks and
//!   notice kept, cancelled sessions displace.
//! - `reproducible`: reproducible mode: the same plan twice, effort reported and replayed.
//! - `simulate`: the scenario simulation in process.
//! - `solve`: the solver end to end in process, checked.

mod appointments_model;
mod lift;
mod lns;
mod lp_floor;
mod model_doc;
mod p1_count;
mod patterns;
mod planners;
mod replan;
mod replications;
mod reproducible;
mod simulate;
mod solve;
mod support;
