//! A scenario as written: the serde types of a scenario file (TOML in the service), field
//! for field, before anything is checked.
//!
//! Dates, times, weekdays, priorities and policies stay strings here so that
//! [`super::validate_scenario`] can name a bad one by its path
//! (`variants[1].add_sessions[0].weekday`). Every struct denies unknown fields: a typo
//! in a scenario file is an error, not a silently ignored line. `docs/scenarios.md`
//! documents every field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole scenario: the baseline hospital, its starting list, its demand, and the
/// variants, each a set of changes to the baseline from a given week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    pub name: String,
    /// The Monday of week 0, ISO date.
    pub start_date: String,
    pub horizon_weeks: u32,
    pub seed: u64,
    /// The wall-clock safety net of each week's solve, in milliseconds. The solve stops
    /// on a pass count, not the clock; this limit only strikes on a machine far slower
    /// than expected, and each week reports whether it did.
    #[serde(default = "default_week_time_limit_ms")]
    pub week_time_limit_ms: u32,
    /// "weighted-wait" (default) or "priority-order".
    #[serde(default)]
    pub objective: Option<String>,
    /// Runs of each variant, each on its own random streams, the same streams for every
    /// variant (common random numbers); summaries then give means with 95% intervals.
    #[serde(default = "one")]
    pub replications: u32,
    /// First weeks left out of every summary (the list settling from its start).
    #[serde(default)]
    pub warmup_weeks: u32,
    /// Who plans each week: "optimiser" (the full solver), "local-search" (no LP or
    /// MIP: the fast mode) or "by-hand"; absent: `simulate::DEFAULT_WEEK_PLANNER`.
    #[serde(default)]
    pub week_planner: Option<String>,
    /// The effort of an optimiser week, in the solver's deterministic effort units;
    /// absent: the solver's default.
    #[serde(default)]
    pub week_effort: Option<u64>,
    pub hospital: HospitalConfig,
    #[serde(default)]
    pub waiting_list: WaitingListConfig,
    pub demand: DemandConfig,
    #[serde(default)]
    pub variants: Vec<VariantConfig>,
}

fn default_week_time_limit_ms() -> u32 {
    30_000
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HospitalConfig {
    pub theatres: Vec<TheatreConfig>,
    pub specialties: Vec<SpecialtyConfig>,
    pub surgeons: Vec<SurgeonConfig>,
    /// The weekly session template (master surgical schedule).
    pub sessions: Vec<SessionConfig>,
    pub ward: WardConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheatreConfig {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub equipment: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialtyConfig {
    pub code: String,
    pub turnaround_min: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeonConfig {
    pub id: String,
    pub name: String,
    pub specialty: String,
    pub max_minutes_per_day: u32,
    #[serde(default)]
    pub leave: Vec<LeaveConfig>,
}

/// A leave period, both dates included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveConfig {
    pub from: String,
    pub to: String,
}

/// One session of the weekly template: held every week on `weekday` unless its surgeon
/// is on leave that day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    pub theatre: String,
    /// "mon" … "sun".
    pub weekday: String,
    /// "HH:MM".
    pub start: String,
    /// "HH:MM".
    pub end: String,
    pub specialty: String,
    pub surgeon: String,
}

/// Ward beds free for elective patients each day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WardConfig {
    pub elective_beds: u32,
    /// Seven figures, Monday first, instead of `elective_beds`.
    #[serde(default)]
    pub elective_beds_by_weekday: Option<Vec<u32>>,
}

/// The starting waiting list: inline patients, a CSV file, or both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitingListConfig {
    /// A patient tracking list export, relative to the scenario file (read by the
    /// service, which hands the rows over as [`super::ListedPatient`]s).
    #[serde(default)]
    pub csv: Option<String>,
    #[serde(default)]
    pub patients: Vec<PatientConfig>,
}

/// One patient on the starting list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientConfig {
    pub id: String,
    pub specialty: String,
    #[serde(default)]
    pub procedure: String,
    pub duration_min: u32,
    /// "P1" … "P4".
    pub priority: String,
    /// Clock start (decision to admit), ISO date, on or before the start date.
    pub listed_date: String,
    /// A named consultant; empty or absent: any surgeon of the specialty.
    #[serde(default)]
    pub surgeon: Option<String>,
    #[serde(default)]
    pub equipment: Vec<String>,
    #[serde(default)]
    pub length_of_stay_days: u32,
}

/// Additions to the list and the flows off it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandConfig {
    /// Share of booked cases cancelled on the day (0 to 1); they return to the list
    /// keeping their clock start.
    pub cancellation_rate: f64,
    /// Share of the waiting list removed each week by list validation (0 to 1).
    pub validation_removal_rate: f64,
    /// Twelve multipliers of the weekly additions, January first (by the month of the
    /// week's Monday). Absent: all 1.
    #[serde(default)]
    pub seasonal_factors: Option<Vec<f64>>,
    /// Each specialty's procedures with their shares, for the streams that give no case
    /// lengths of their own.
    #[serde(default)]
    pub case_mix: BTreeMap<String, Vec<ProcedureConfig>>,
    pub streams: Vec<DemandStreamConfig>,
}

/// Additions of one specialty and priority.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandStreamConfig {
    pub specialty: String,
    /// "P1" … "P4".
    pub priority: String,
    /// Mean additions per week (Poisson).
    pub per_week: f64,
    /// Share of additions listed under a named consultant (0 to 1).
    #[serde(default)]
    pub named_surgeon_share: f64,
    /// Either one case-length distribution ...
    /// (neither this nor `procedures`: the specialty's `demand.case_mix`)
    #[serde(default)]
    pub case_minutes: Option<CaseMinutesConfig>,
    /// ... with this length of stay (days; 0 = day case),
    #[serde(default)]
    pub length_of_stay_days: Option<u32>,
    /// ... or a list of procedures with shares.
    #[serde(default)]
    pub procedures: Vec<ProcedureConfig>,
}

/// A normal distribution truncated to [min, max], in minutes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMinutesConfig {
    pub mean: f64,
    pub sd: f64,
    pub min: u32,
    pub max: u32,
}

/// One procedure of a stream: its share of the stream's additions, and its case length
/// (normal, truncated to mean ± 2 sd and at least 5 minutes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureConfig {
    pub name: String,
    pub share: f64,
    pub mean_min: f64,
    #[serde(default)]
    pub sd_min: f64,
    #[serde(default)]
    pub length_of_stay_days: u32,
    #[serde(default)]
    pub equipment: Vec<String>,
}

/// A named set of changes to the baseline, in force from `from_week` to `to_week`
/// (both included; absent: to the end). It states only what differs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantConfig {
    pub name: String,
    #[serde(default)]
    pub from_week: u32,
    #[serde(default)]
    pub to_week: Option<u32>,
    #[serde(default)]
    pub add_sessions: Vec<SessionConfig>,
    /// Template sessions to drop: each matches every session agreeing on all the fields
    /// it gives.
    #[serde(default)]
    pub remove_sessions: Vec<SessionMatchConfig>,
    /// Theatres closed: none of their sessions is held.
    #[serde(default)]
    pub close_theatres: Vec<String>,
    /// Surgeons who join (their sessions come from `add_sessions`).
    #[serde(default)]
    pub add_surgeons: Vec<SurgeonConfig>,
    /// Surgeons who leave: their sessions are not held, and their named patients go to
    /// any surgeon of the specialty.
    #[serde(default)]
    pub remove_surgeons: Vec<String>,
    /// Minutes added to the end of every session (negative: shorter sessions).
    #[serde(default)]
    pub session_length_change_min: Option<i32>,
    /// New turnaround per specialty code.
    #[serde(default)]
    pub turnaround_min: BTreeMap<String, u32>,
    /// Change of every stream's additions, in percent (10 = +10%).
    #[serde(default)]
    pub demand_change_pct: Option<f64>,
    /// Change of one specialty's additions, in percent, on top of `demand_change_pct`.
    #[serde(default)]
    pub demand_change_pct_by_specialty: BTreeMap<String, f64>,
    /// Elective ward beds free each day, instead of the hospital's figures.
    #[serde(default)]
    pub ward_beds: Option<u32>,
    /// "weighted-wait" or "priority-order".
    #[serde(default)]
    pub objective: Option<String>,
    /// Who plans the weeks the variant is in force: "by-hand" (the lists a
    /// waiting-list office builds: what optimisation gains against), "optimiser" or
    /// "local-search"; absent: the scenario's `week_planner`.
    #[serde(default)]
    pub planner: Option<String>,
}

/// Which template sessions a variant removes: the fields given must all agree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionMatchConfig {
    #[serde(default)]
    pub theatre: Option<String>,
    #[serde(default)]
    pub weekday: Option<String>,
    #[serde(default)]
    pub specialty: Option<String>,
}
