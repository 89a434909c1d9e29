//! The unvalidated request: what a client, a CSV import or a scenario file says,
//! field for field, before anything is checked.
//!
//! Dates and times stay strings here so that [`crate::theatre::validate`] can name a malformed
//! one by its path (`sessions[3].start_time`). The service converts protobuf messages
//! into these types in one place; scenario files build them too.

use serde::{Deserialize, Serialize};

/// A request to plan theatre lists, as received.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TheatreRequest {
    /// First day of the plan, ISO date.
    pub planning_start: String,
    pub horizon_days: u32,
    pub theatres: Vec<TheatreInput>,
    pub surgeons: Vec<SurgeonInput>,
    pub sessions: Vec<SessionInput>,
    pub patients: Vec<PatientInput>,
    pub specialties: Vec<SpecialtyInput>,
    pub ward_beds: Vec<WardBedsInput>,
    pub pinned: Vec<BookingInput>,
    pub options: OptionsInput,
    /// The bookings of the last published plan (re-planning, docs/model.md "Stability").
    // Left out when empty, here and below: a request without the newer fields
    // serialises to the bytes it did before them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_plan: Vec<PreviousBookingInput>,
    /// Re-planning settings; `None` with an empty `previous_plan`: plan from scratch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replan: Option<ReplanInput>,
}

/// How firm a booking of the previous plan is, as sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingStateInput {
    /// Not given: the 6-4-2 calendar decides from the session's date.
    #[default]
    Unspecified,
    Locked,
    Notified,
    Draft,
    /// A value the wire carried that is not a known state.
    Unknown(i32),
}

/// One booking of the previous plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviousBookingInput {
    pub patient_id: String,
    pub session_id: String,
    /// The session's date in the previous plan ("" if not known): what a displaced
    /// booking's change says it was moved from when the session is gone.
    pub session_date: String,
    pub state: BookingStateInput,
}

/// Re-planning settings as sent; `None` means "not given, use the default".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplanInput {
    /// ISO date; "" = planning_start.
    pub replan_date: String,
    pub lock_days: Option<u32>,
    pub notify_days: Option<u32>,
    /// Minimum notice for P1..P4.
    pub min_notice_days: [Option<u32>; 4],
    pub move_cost: Option<f64>,
    pub cancel_cost: Option<f64>,
    pub draft_move_cost: Option<f64>,
    /// Solve once more without the stability costs to price stability in weighted wait.
    pub compare_with_scratch: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TheatreInput {
    pub id: String,
    pub name: String,
    pub equipment: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SurgeonInput {
    pub id: String,
    pub name: String,
    pub specialty: String,
    pub max_minutes_per_day: u32,
    pub unavailable_dates: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionInput {
    pub id: String,
    pub theatre_id: String,
    pub date: String,
    /// "HH:MM".
    pub start_time: String,
    /// "HH:MM".
    pub end_time: String,
    pub specialty: String,
    pub surgeon_id: String,
}

/// Priority as sent; `Unspecified` (or anything out of range) is a validation error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriorityInput {
    #[default]
    Unspecified,
    P1,
    P2,
    P3,
    P4,
    /// A value the wire carried that is not a known priority.
    Unknown(i32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagInput {
    LatexAllergy,
    Paediatric,
    Diabetic,
    Infected,
    /// Unspecified or unknown on the wire.
    Unknown(i32),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientInput {
    pub id: String,
    pub specialty: String,
    pub procedure: String,
    pub expected_duration_min: u32,
    pub priority: PriorityInput,
    pub listed_date: String,
    /// Empty: any surgeon of the specialty.
    pub surgeon_id: String,
    pub equipment: Vec<String>,
    pub length_of_stay_days: u32,
    pub unavailable_dates: Vec<String>,
    pub flags: Vec<FlagInput>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpecialtyInput {
    pub code: String,
    pub turnaround_min: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WardBedsInput {
    pub date: String,
    pub free_beds: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BookingInput {
    pub patient_id: String,
    pub session_id: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectiveInput {
    /// Not given: the default policy (weighted wait).
    #[default]
    Unspecified,
    WeightedWait,
    PriorityOrder,
    Unknown(i32),
}

/// Solve options as sent; `None` means "not given, use the default".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionsInput {
    /// 0 = the caller's default.
    pub time_limit_ms: u32,
    pub mip_rel_gap: Option<f64>,
    /// 0 = 1.
    pub threads: u32,
    pub objective: ObjectiveInput,
    /// Weights w for P1..P4.
    pub weights: [Option<f64>; 4],
    /// Target days T for P1..P4.
    pub target_days: [Option<u32>; 4],
    pub solver_log: bool,
    pub local_search_only: bool,
    /// Count effort instead of time: the same request gives the same plan.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reproducible: bool,
    /// Work units at which a reproducible solve stops; `None`: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort_limit: Option<u64>,
}
