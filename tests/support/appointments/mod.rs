//! The appointment-balancing side of the end-to-end tests, written apart from
//! `clinicplan_solver::appointments`: the tests' own reading of a
//! `BalanceAppointmentsRequest` (`Net`), an independent checker of the response
//! (`check`), a reference optimum with one good_lp column per eligible (request, slot)
//! pair (`reference_optimum30`, no grouping), a brute force over every assignment of
//! tiny networks (`brute_optimum30`), request builders and the call-and-check helper.
//!
//! Costs are integers in thirtieths (travel_min / 30 is then exact): a booking costs
//! 30 w (wait + 1) + travel (face to face only) + 30 if it misses the preferred
//! clinician; an unbooked request 30 (w (D + 1) + 1), D = days from its request date
//! to planning_start + horizon_days + 7; w = 10, 4, 1 for same-day, urgent, routine.

mod build;
mod call;
mod check;
mod grouped;
mod net;
mod optima;
mod units;

pub use build::*;
pub use call::*;
pub use check::*;
pub use grouped::*;
pub use net::*;
pub use optima::*;
pub use units::*;
