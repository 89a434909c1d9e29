//! The unvalidated appointment-balancing request, field for field as a client, a CSV
//! import or a scenario file says it. Dates and times stay strings so that
//! [`super::validate`] can name a malformed one by its path (`slots[3].date`).

use serde::{Deserialize, Serialize};

/// A request to balance a network's appointments, as received.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceRequest {
    /// First day of the horizon, ISO date.
    pub planning_start: String,
    pub horizon_days: u32,
    pub sites: Vec<SiteInput>,
    pub travel: Vec<TravelInput>,
    pub clinicians: Vec<ClinicianInput>,
    pub slots: Vec<SlotInput>,
    pub requests: Vec<RequestInput>,
    pub options: BalanceOptionsInput,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteInput {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TravelInput {
    pub from_site_id: String,
    pub to_site_id: String,
    pub minutes: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClinicianInput {
    pub id: String,
    pub site_id: String,
    pub role: String,
    pub name: String,
}

/// A mode as sent; `Unspecified` and unknown values are validation errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModeInput {
    #[default]
    Unspecified,
    FaceToFace,
    Phone,
    Video,
    Unknown(i32),
}

/// An urgency as sent; `Unspecified` and unknown values are validation errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UrgencyInput {
    #[default]
    Unspecified,
    SameDay,
    Urgent,
    Routine,
    Unknown(i32),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotInput {
    pub id: String,
    pub clinician_id: String,
    pub site_id: String,
    pub role: String,
    pub date: String,
    /// "HH:MM".
    pub start_time: String,
    pub duration_min: u32,
    pub mode: ModeInput,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestInput {
    pub id: String,
    pub home_site_id: String,
    pub role: String,
    pub urgency: UrgencyInput,
    pub request_date: String,
    pub modes: Vec<ModeInput>,
    pub max_travel_min: u32,
    /// Empty when the patient names no clinician.
    pub preferred_clinician_id: String,
}

/// How the optimum is computed (docs/model.md, "Appointment balancing").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BalanceMethod {
    /// The equivalent transshipment LP over request classes and day chains, on HiGHS
    /// driven directly.
    #[default]
    Transshipment,
    /// Every grouped arc a column, built with good_lp: the reference.
    FullLp,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceOptionsInput {
    /// 0 = the caller's default.
    pub time_limit_ms: u32,
    pub method: BalanceMethod,
    pub log_solver: bool,
}
