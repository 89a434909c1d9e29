//! A GP-network scenario as written: the serde types of the file (TOML in the service),
//! field for field, before anything is checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `kind` of a GP-network scenario file.
pub const GP_KIND: &str = "gp-network";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpScenarioConfig {
    /// Always "gp-network".
    pub kind: String,
    pub name: String,
    /// The Monday of week 0.
    pub start_date: String,
    pub horizon_weeks: u32,
    pub seed: u64,
    /// Safety net of each week's balancing, ms (the LP is exact; the limit only strikes
    /// on a far slower machine, and the week says so).
    #[serde(default = "default_week_time_limit_ms")]
    pub week_time_limit_ms: u32,
    /// Runs of each variant, each on its own random streams, the same for every
    /// variant (common random numbers).
    #[serde(default = "one")]
    pub replications: u32,
    /// First weeks left out of every summary.
    #[serde(default)]
    pub warmup_weeks: u32,
    pub network: NetworkConfig,
    /// Named weekly slot templates, referred to by clinicians.
    pub templates: BTreeMap<String, Vec<TemplateDayConfig>>,
    pub demand: GpDemandConfig,
    #[serde(default)]
    pub variants: Vec<GpVariantConfig>,
}

fn default_week_time_limit_ms() -> u32 {
    30_000
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    pub practices: Vec<PracticeConfig>,
    /// Minutes between practices, either direction; a pair not given is out of reach
    /// for face-to-face appointments.
    #[serde(default)]
    pub travel: Vec<TravelConfig>,
    pub clinicians: Vec<GpClinicianConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeConfig {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelConfig {
    pub from: String,
    pub to: String,
    pub minutes: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpClinicianConfig {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub practice: String,
    /// GP, NURSE, PHARMACIST, ... (upper case).
    pub role: String,
    /// A key of `templates`.
    pub template: String,
}

/// Slots on some weekdays: `slots` appointments of `slot_min` minutes from `start`,
/// their modes in the shares given (rounded so that the day's counts add up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDayConfig {
    pub weekdays: Vec<String>,
    pub slots: u32,
    #[serde(default = "default_slot_min")]
    pub slot_min: u32,
    #[serde(default = "default_start")]
    pub start: String,
    #[serde(default)]
    pub face_to_face: f64,
    #[serde(default)]
    pub phone: f64,
    #[serde(default)]
    pub video: f64,
}

fn default_slot_min() -> u32 {
    10
}

fn default_start() -> String {
    "08:30".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpDemandConfig {
    pub streams: Vec<GpStreamConfig>,
}

/// Requests of one role and urgency, `per_week` from each home practice listed (every
/// practice when `practices` is empty).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpStreamConfig {
    pub role: String,
    /// "same-day", "urgent" or "routine".
    pub urgency: String,
    pub per_week: f64,
    #[serde(default)]
    pub practices: Vec<String>,
    /// Acceptable modes: "face-to-face", "phone", "video".
    pub modes: Vec<String>,
    /// Longest acceptable journey to a face-to-face slot at another practice.
    #[serde(default = "default_max_travel")]
    pub max_travel_min: u32,
    /// Share of requests naming their own clinician (one of the role at the home
    /// practice, drawn at random), for continuity.
    #[serde(default)]
    pub preferred_share: f64,
}

fn default_max_travel() -> u32 {
    20
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpVariantConfig {
    pub name: String,
    #[serde(default)]
    pub from_week: u32,
    #[serde(default)]
    pub to_week: Option<u32>,
    /// Clinicians who join (same shape as `network.clinicians`).
    #[serde(default)]
    pub add_clinicians: Vec<GpClinicianConfig>,
    /// Clinician ids who leave: no slots; requests naming them name no one.
    #[serde(default)]
    pub remove_clinicians: Vec<String>,
    /// Every stream's requests changed by this percentage.
    #[serde(default)]
    pub demand_change_pct: f64,
    /// How the weeks the variant is in force are booked: "network" (balanced across the
    /// network, the default) or "practice-only" (each practice books its own patients
    /// into its own slots, in arrival order).
    #[serde(default)]
    pub booking: Option<String>,
}
