//! Readable text for people, printed by the command-line tool: [`theatre`] (a plan's
//! lists and its proof of quality) and [`appointments`] (a balanced network's bookings).

pub mod appointments;
pub mod replan;
mod summary;
pub mod theatre;
