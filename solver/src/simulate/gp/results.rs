//! What a GP-network week records, a variant's summary, and how a run fails.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::simulate::driver::VariantRunOf;

/// One week of one variant: the row of the GP kind's `weeks.csv` / `weeks.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpWeekResult {
    pub variant: String,
    /// Which replication (0: the file's seed).
    pub replication: u32,
    pub week: u32,
    pub week_start: NaiveDate,
    /// Requests that arrived this week.
    pub arrivals: u32,
    /// Slots offered this week.
    pub slots: u32,
    /// Requests offered to the week's balancing (carried over and new).
    pub offered: u32,
    pub booked: u32,
    /// Same-day requests not booked on their day: they leave the list.
    pub expired: u32,
    /// Requests waiting at the end of the week.
    pub waiting: u32,
    /// Booked this week, by role (every role of the scenario, sorted).
    pub booked_by_role: BTreeMap<String, u32>,
    /// Waiting at the end of the week, by role.
    pub waiting_by_role: BTreeMap<String, u32>,
    /// Mean days from request to appointment of this week's bookings, by urgency.
    pub mean_wait_days_same_day: f64,
    pub mean_wait_days_urgent: f64,
    pub mean_wait_days_routine: f64,
    /// Of the requests offered this week, the share booked within their urgency's
    /// target (same day, 2 days, 14 days), by urgency.
    pub within_target_same_day: f64,
    pub within_target_urgent: f64,
    pub within_target_routine: f64,
    /// Of this week's bookings, the share at another practice than the patient's own.
    pub share_away_from_home: f64,
    /// Of this week's bookings naming a clinician, the share with that clinician.
    pub continuity_rate: f64,
    /// booked / slots.
    pub slot_utilisation: f64,
    /// The wall-clock safety net stopped the week's balancing before its optimum.
    pub safety_net_struck: bool,
}

/// Who moved in one week, by request id: for tests and audits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpWeekLedger {
    pub arrived: Vec<String>,
    pub booked: Vec<String>,
    pub expired: Vec<String>,
    /// The list at the end of the week.
    pub waiting: Vec<String>,
}

/// The figures of one variant over its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpVariantSummary {
    pub variant: String,
    /// Weeks summarised (after the warm-up).
    pub weeks: u32,
    pub arrivals: u32,
    pub booked: u32,
    pub expired: u32,
    pub final_waiting: u32,
    pub booked_by_role: BTreeMap<String, u32>,
    pub final_waiting_by_role: BTreeMap<String, u32>,
    pub mean_slot_utilisation: f64,
    pub mean_within_target_same_day: f64,
    pub mean_within_target_urgent: f64,
    pub mean_within_target_routine: f64,
    /// Mean over the weeks of the week's mean days from request to appointment.
    pub mean_wait_days_urgent: f64,
    pub mean_wait_days_routine: f64,
    pub mean_share_away_from_home: f64,
    pub mean_continuity_rate: f64,
    pub weeks_safety_net_struck: u32,
}

impl GpVariantSummary {
    /// The measures the statistics over replications give intervals for, by name.
    pub fn measures(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("final_waiting", f64::from(self.final_waiting)),
            ("booked", f64::from(self.booked)),
            ("expired", f64::from(self.expired)),
            ("mean_slot_utilisation", self.mean_slot_utilisation),
            (
                "mean_within_target_same_day",
                self.mean_within_target_same_day,
            ),
            ("mean_within_target_urgent", self.mean_within_target_urgent),
            (
                "mean_within_target_routine",
                self.mean_within_target_routine,
            ),
            ("mean_wait_days_urgent", self.mean_wait_days_urgent),
            ("mean_wait_days_routine", self.mean_wait_days_routine),
            ("mean_share_away_from_home", self.mean_share_away_from_home),
            ("mean_continuity_rate", self.mean_continuity_rate),
        ]
    }
}

/// One variant's run.
pub type GpVariantRun = VariantRunOf<GpWeekResult, GpVariantSummary>;

/// Why a GP simulation stopped: the same failures as a theatre one.
pub type GpSimulationError = crate::simulate::weeks::SimulationError;

pub(super) fn by_role(
    roles: &[String],
    requests: impl Iterator<Item = String>,
) -> BTreeMap<String, u32> {
    let mut m: BTreeMap<String, u32> = roles.iter().map(|r| (r.clone(), 0)).collect();
    for role in requests {
        *m.entry(role).or_default() += 1;
    }
    m
}

/// A variant's summary from its weeks.
pub fn summarise_gp(variant: &str, roles: &[String], weeks: &[GpWeekResult]) -> GpVariantSummary {
    let mean = |f: &dyn Fn(&GpWeekResult) -> f64| {
        if weeks.is_empty() {
            0.0
        } else {
            weeks.iter().map(f).sum::<f64>() / weeks.len() as f64
        }
    };
    let mut booked_by_role: BTreeMap<String, u32> = roles.iter().map(|r| (r.clone(), 0)).collect();
    for w in weeks {
        for (role, n) in &w.booked_by_role {
            *booked_by_role.entry(role.clone()).or_default() += n;
        }
    }
    let last = weeks.last();
    GpVariantSummary {
        variant: variant.to_string(),
        weeks: weeks.len() as u32,
        arrivals: weeks.iter().map(|w| w.arrivals).sum(),
        booked: weeks.iter().map(|w| w.booked).sum(),
        expired: weeks.iter().map(|w| w.expired).sum(),
        final_waiting: last.map_or(0, |w| w.waiting),
        booked_by_role,
        final_waiting_by_role: last.map_or_else(BTreeMap::new, |w| w.waiting_by_role.clone()),
        mean_slot_utilisation: mean(&|w| w.slot_utilisation),
        mean_within_target_same_day: mean(&|w| w.within_target_same_day),
        mean_within_target_urgent: mean(&|w| w.within_target_urgent),
        mean_within_target_routine: mean(&|w| w.within_target_routine),
        mean_wait_days_urgent: mean(&|w| w.mean_wait_days_urgent),
        mean_wait_days_routine: mean(&|w| w.mean_wait_days_routine),
        mean_share_away_from_home: mean(&|w| w.share_away_from_home),
        mean_continuity_rate: mean(&|w| w.continuity_rate),
        weeks_safety_net_struck: weeks.iter().filter(|w| w.safety_net_struck).count() as u32,
    }
}
