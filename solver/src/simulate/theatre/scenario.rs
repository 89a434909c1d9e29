//! A validated scenario: dates, times and weekdays parsed, names resolved, the variants'
//! changes ready to lay over the baseline. Build it with [`super::validate_scenario`];
//! [`week_setting`] lays a variant over the baseline for one week.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Serialize;

use crate::simulate::driver::{baseline_then, find_variant, in_force, week_start};
use crate::simulate::weeks::WeekPlanner;
use crate::theatre::domain::{ObjectivePolicy, Priority};

/// A checked scenario, ready to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// The Monday of week 0.
    pub start: NaiveDate,
    pub horizon_weeks: u32,
    /// The seed of the random streams: the file's, or a replication's
    /// ([`crate::simulate::random::replication_seed`]).
    pub seed: u64,
    /// Which replication this copy draws (0: the file's seed).
    pub replication: u32,
    /// Replications asked for (at least 1).
    pub replications: u32,
    /// First weeks left out of the summaries.
    pub warmup_weeks: u32,
    /// Wall-clock safety net of each week's solve.
    pub week_time_limit: Duration,
    /// Who plans the weeks (a variant may say otherwise).
    pub planner: WeekPlanner,
    /// An optimiser week's effort (deterministic units); `None`: the solver's default.
    pub week_effort: Option<u64>,
    pub policy: ObjectivePolicy,
    pub hospital: Hospital,
    pub starting_list: Vec<WaitingPatient>,
    pub demand: Demand,
    pub variants: Vec<Variant>,
}

impl Scenario {
    /// "baseline", then every variant's name, in file order.
    pub fn variant_names(&self) -> Vec<String> {
        baseline_then(self.variants.iter().map(|v| v.name.as_str()))
    }

    /// The variant of that name; `Some(None)` for the baseline, `None` if unknown.
    pub fn variant(&self, name: &str) -> Option<Option<&Variant>> {
        find_variant(&self.variants, name, |v| &v.name)
    }

    /// The Monday of week `week`.
    pub fn week_start(&self, week: u32) -> NaiveDate {
        week_start(self.start, week)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hospital {
    pub theatres: Vec<TheatreSpec>,
    /// Code → turnaround minutes, in file order.
    pub specialties: Vec<(String, u32)>,
    pub surgeons: Vec<SurgeonSpec>,
    pub sessions: Vec<SessionSpec>,
    /// Elective beds free, Monday first.
    pub beds_by_weekday: [u32; 7],
}

#[derive(Clone, Debug, PartialEq)]
pub struct TheatreSpec {
    pub id: String,
    pub name: String,
    pub equipment: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurgeonSpec {
    pub id: String,
    pub name: String,
    pub specialty: String,
    pub max_minutes_per_day: u32,
    /// Leave periods, both ends included.
    pub leave: Vec<(NaiveDate, NaiveDate)>,
}

impl SurgeonSpec {
    pub fn on_leave(&self, date: NaiveDate) -> bool {
        self.leave
            .iter()
            .any(|&(from, to)| from <= date && date <= to)
    }
}

/// One session of the weekly template.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSpec {
    pub theatre: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub specialty: String,
    pub surgeon: String,
}

impl SessionSpec {
    pub fn length_min(&self) -> u32 {
        (self.end - self.start).num_minutes().max(0) as u32
    }
}

/// A patient on the waiting list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitingPatient {
    pub id: String,
    pub specialty: String,
    pub procedure: String,
    pub duration_min: u32,
    pub priority: Priority,
    /// Clock start: kept through cancellations.
    pub listed_date: NaiveDate,
    pub surgeon: Option<String>,
    pub equipment: Vec<String>,
    pub length_of_stay_days: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub cancellation_rate: f64,
    pub validation_removal_rate: f64,
    /// January first.
    pub seasonal_factors: [f64; 12],
    pub streams: Vec<DemandStream>,
}

impl Demand {
    /// The seasonal factor of the week starting on `monday`.
    pub fn seasonal(&self, monday: NaiveDate) -> f64 {
        self.seasonal_factors[monday.month0() as usize]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemandStream {
    pub specialty: String,
    pub priority: Priority,
    pub per_week: f64,
    pub named_surgeon_share: f64,
    /// At least one; shares sum to 1.
    pub procedures: Vec<ProcedureSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProcedureSpec {
    pub name: String,
    pub share: f64,
    pub mean_min: f64,
    pub sd_min: f64,
    pub min_min: u32,
    pub max_min: u32,
    pub length_of_stay_days: u32,
    pub equipment: Vec<String>,
}

/// A validated variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: String,
    pub from_week: u32,
    /// Last week in force (included); `None`: to the end.
    pub to_week: Option<u32>,
    pub add_sessions: Vec<SessionSpec>,
    pub remove_sessions: Vec<SessionMatch>,
    pub close_theatres: Vec<String>,
    pub add_surgeons: Vec<SurgeonSpec>,
    pub remove_surgeons: Vec<String>,
    pub session_length_change_min: i32,
    pub turnaround_min: BTreeMap<String, u32>,
    pub demand_change_pct: f64,
    pub demand_change_pct_by_specialty: BTreeMap<String, f64>,
    pub ward_beds: Option<u32>,
    pub policy: Option<ObjectivePolicy>,
    pub planner: Option<WeekPlanner>,
}

impl Variant {
    /// Whether the variant's changes hold in week `week`.
    pub fn active(&self, week: u32) -> bool {
        in_force(self.from_week, self.to_week, week)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionMatch {
    pub theatre: Option<String>,
    pub weekday: Option<u32>,
    pub specialty: Option<String>,
}

impl SessionMatch {
    pub fn matches(&self, s: &SessionSpec) -> bool {
        self.theatre.as_ref().is_none_or(|t| *t == s.theatre)
            && self.weekday.is_none_or(|w| w == s.weekday)
            && self.specialty.as_ref().is_none_or(|c| *c == s.specialty)
    }
}

/// The hospital and demand as they stand in one week of one variant: the baseline with
/// the variant's changes laid over it when the variant is in force.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekSetting<'a> {
    pub theatres: Vec<&'a TheatreSpec>,
    pub specialties: Vec<(String, u32)>,
    pub surgeons: Vec<&'a SurgeonSpec>,
    pub sessions: Vec<SessionSpec>,
    pub beds_by_weekday: [u32; 7],
    pub policy: ObjectivePolicy,
    pub planner: WeekPlanner,
    /// Multiplier of each specialty's additions (1 without a demand change).
    pub demand_factor: BTreeMap<String, f64>,
}

/// Lays `variant` (if in force in `week`) over the baseline.
pub fn week_setting<'a>(
    scenario: &'a Scenario,
    variant: Option<&'a Variant>,
    week: u32,
) -> WeekSetting<'a> {
    let h = &scenario.hospital;
    let mut setting = WeekSetting {
        theatres: h.theatres.iter().collect(),
        specialties: h.specialties.clone(),
        surgeons: h.surgeons.iter().collect(),
        sessions: h.sessions.clone(),
        beds_by_weekday: h.beds_by_weekday,
        policy: scenario.policy,
        planner: scenario.planner,
        demand_factor: h
            .specialties
            .iter()
            .map(|(c, _)| (c.clone(), 1.0))
            .collect(),
    };
    let Some(v) = variant.filter(|v| v.active(week)) else {
        return setting;
    };
    setting
        .sessions
        .retain(|s| !v.remove_sessions.iter().any(|m| m.matches(s)));
    setting.sessions.extend(v.add_sessions.iter().cloned());
    setting
        .sessions
        .retain(|s| !v.close_theatres.contains(&s.theatre));
    setting
        .theatres
        .retain(|t| !v.close_theatres.contains(&t.id));
    setting.surgeons.extend(v.add_surgeons.iter());
    setting
        .surgeons
        .retain(|k| !v.remove_surgeons.contains(&k.id));
    setting
        .sessions
        .retain(|s| !v.remove_surgeons.contains(&s.surgeon));
    if v.session_length_change_min != 0 {
        let change = chrono::Duration::minutes(i64::from(v.session_length_change_min));
        for s in &mut setting.sessions {
            // Validation keeps every session positive and within the day.
            s.end = s.end.overflowing_add_signed(change).0;
        }
    }
    for (code, turnaround) in &mut setting.specialties {
        if let Some(&t) = v.turnaround_min.get(code) {
            *turnaround = t;
        }
    }
    if let Some(beds) = v.ward_beds {
        setting.beds_by_weekday = [beds; 7];
    }
    if let Some(policy) = v.policy {
        setting.policy = policy;
    }
    if let Some(planner) = v.planner {
        setting.planner = planner;
    }
    for (code, factor) in &mut setting.demand_factor {
        let pct = v.demand_change_pct + v.demand_change_pct_by_specialty.get(code).unwrap_or(&0.0);
        *factor = (1.0 + pct / 100.0).max(0.0);
    }
    setting
}
