//! Small constructors for hand-made requests. Every hand-made case plans from Monday
//! 2 March 2026 (day index 0).

use chrono::{Days, NaiveDate};
use clinicplan_service::proto;

pub use proto::Priority::{P1, P2, P3, P4};

/// The planning start of every hand-made case.
pub const START: &str = "2026-03-02";

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date")
}

/// The date `n` days after the planning start.
pub fn day(n: u64) -> String {
    (start_date() + Days::new(n)).format("%Y-%m-%d").to_string()
}

/// The listed date of a patient who has waited `n` days at the planning start.
pub fn waited(n: u64) -> String {
    (start_date() - Days::new(n)).format("%Y-%m-%d").to_string()
}

pub fn specialty(code: &str, turnaround_min: u32) -> proto::Specialty {
    proto::Specialty {
        code: code.into(),
        turnaround_min,
    }
}

pub fn theatre(id: &str, equipment: &[&str]) -> proto::Theatre {
    proto::Theatre {
        id: id.into(),
        name: format!("Theatre {id}"),
        equipment: equipment.iter().map(|e| e.to_string()).collect(),
    }
}

pub fn surgeon(id: &str, specialty: &str, max_minutes_per_day: u32) -> proto::Surgeon {
    proto::Surgeon {
        id: id.into(),
        name: format!("Consultant {id}"),
        specialty: specialty.into(),
        max_minutes_per_day,
        unavailable_dates: Vec::new(),
    }
}

/// A session on day index `day_idx`, from `start` to `end` ("HH:MM").
pub fn session(
    id: &str,
    theatre_id: &str,
    day_idx: u64,
    start: &str,
    end: &str,
    specialty: &str,
    surgeon_id: &str,
) -> proto::Session {
    proto::Session {
        id: id.into(),
        theatre_id: theatre_id.into(),
        date: day(day_idx),
        start_time: start.into(),
        end_time: end.into(),
        specialty: specialty.into(),
        surgeon_id: surgeon_id.into(),
    }
}

/// A day case with no named surgeon, equipment, leave or flags, listed `waited_days` ago.
pub fn patient(
    id: &str,
    specialty: &str,
    duration_min: u32,
    priority: proto::Priority,
    waited_days: u64,
) -> proto::Patient {
    proto::Patient {
        id: id.into(),
        specialty: specialty.into(),
        procedure: format!("Procedure of {id}"),
        expected_duration_min: duration_min,
        priority: priority as i32,
        listed_date: waited(waited_days),
        ..Default::default()
    }
}

pub fn beds(day_idx: u64, free_beds: u32) -> proto::WardBeds {
    proto::WardBeds {
        date: day(day_idx),
        free_beds,
    }
}

pub fn pin(patient_id: &str, session_id: &str) -> proto::Booking {
    proto::Booking {
        patient_id: patient_id.into(),
        session_id: session_id.into(),
    }
}

/// Options for a solve that should reach optimality: 20 s, one thread, the given policy.
pub fn options(objective: proto::Objective) -> Option<proto::SolveOptions> {
    Some(proto::SolveOptions {
        time_limit_ms: 20_000,
        threads: 1,
        objective: objective as i32,
        ..Default::default()
    })
}

/// An empty request from the hand-made planning start over `horizon_days` days, with
/// default-policy options (20 s, one thread).
pub fn request(horizon_days: u32) -> proto::PlanTheatreListsRequest {
    proto::PlanTheatreListsRequest {
        planning_start: START.into(),
        horizon_days,
        options: options(proto::Objective::Unspecified),
        ..Default::default()
    }
}
