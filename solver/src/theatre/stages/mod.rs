//! Solving the theatre-list model with HiGHS: one stage at a time, each warm-started
//! from the best plan so far, reporting every result through a callback as soon as it
//! exists, so that a caller that has to stop (a deadline, a cancelled request) always
//! holds the latest plan and bound.
//!
//! HiGHS does not always honour its own time limit (it can sit in MIP set-up far past
//! it), so this code is meant to run where it can be abandoned: the service runs it in
//! a worker process that it kills at the deadline.
//!
//! - [`run`]: one HiGHS run and its options.
//! - [`events`]: what the stages report, and the stages a policy runs.
//! - [`lp_bound`]: the LP worker (P1 count, LP bound, roundings, pattern bound).
//! - [`staged`]: the stages worker (count stages, sub-models, whole model).
//! - [`lns`], [`neighbourhoods`]: the anytime search on the incumbent.
//! - [`counts`], [`sub_models`], [`rounding`], [`lift`], [`polish`]: their parts.

pub mod booking;
pub mod counts;
pub mod events;
pub mod lift;
pub mod lns;
pub mod lp_bound;
pub mod neighbourhoods;
pub mod polish;
pub mod rounding;
pub mod run;
pub mod staged;
pub mod sub_models;

pub use counts::{max_count, max_p1_by_specialty};
pub use events::{MipEvent, StageName, count_upper_bounds, stages};
pub use lns::{Inbox, Search, lns_step, search};
pub use lp_bound::lp_bound;
pub use rounding::{best_of_roundings, round_patterns};
pub use run::{RunOptions, RunResult, RunStatus, run_stage};
pub use staged::{Anytime, solve_staged, solve_stages};
