//! Units and dates: costs in thirtieths, the planning start of hand-made networks, and
//! short names for the modes and urgencies.

use chrono::{Days, NaiveDate};
use clinicplan_service::proto;

/// Costs are kept in thirtieths.
pub const SCALE: i64 = 30;

pub use proto::Mode::{FaceToFace as F2F, Phone as PHONE, Video as VIDEO};
pub use proto::Urgency::{Routine as ROUTINE, SameDay as SAME_DAY, Urgent as URGENT};

/// The planning start of every hand-made network: Monday 2 March 2026 (day 0).
pub const START: &str = "2026-03-02";

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date")
}

/// The date `n` days after (or, negative, before) the planning start.
pub fn day(n: i64) -> String {
    let d = if n >= 0 {
        start_date() + Days::new(n as u64)
    } else {
        start_date() - Days::new(n.unsigned_abs())
    };
    d.format("%Y-%m-%d").to_string()
}
