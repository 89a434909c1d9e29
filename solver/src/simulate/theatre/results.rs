//! What a theatre-list week records, a variant's summary, and how a run fails.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::simulate::driver::VariantRunOf;

/// What one simulated week recorded: the row of `weeks.csv` and `weeks.json`. Waits
/// are measured at the end of the week (the next Monday), in weeks of 7 days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeekResult {
    pub variant: String,
    /// Which replication (0: the file's seed).
    pub replication: u32,
    /// 0 for the first week.
    pub week: u32,
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Patients added to the list this week.
    pub arrivals: u32,
    /// Sessions held (template sessions, less those whose surgeon is on leave).
    pub sessions: u32,
    /// Template sessions not held because the surgeon was on leave.
    pub sessions_lost_to_leave: u32,
    pub session_minutes: u32,
    /// Cases booked by the plan.
    pub booked: u32,
    pub booked_minutes: u32,
    /// booked_minutes / session_minutes (0 without sessions).
    pub utilisation: f64,
    /// Booked cases cancelled on the day (back to the list, clock start kept).
    pub cancelled: u32,
    /// Booked cases operated on: off the list.
    pub treated: u32,
    pub treated_p1: u32,
    pub treated_p2: u32,
    pub treated_p3: u32,
    pub treated_p4: u32,
    /// Removed by list validation.
    pub removed: u32,
    /// Patients waiting at the end of the week.
    pub list_size: u32,
    pub median_wait_weeks: f64,
    pub p92_wait_weeks: f64,
    /// Share of the list waiting 18 weeks (126 days) or less: the RTT standard's measure.
    pub within_18_weeks_share: f64,
    /// Waiting more than 52 weeks (364 days).
    pub over_52_weeks: u32,
    /// Waiting more than 65 weeks (455 days).
    pub over_65_weeks: u32,
    /// Waiting longer than their priority's target (3, 28, 90, 126 days for P1..P4).
    pub breaches: u32,
    pub breaches_p1: u32,
    pub breaches_p2: u32,
    pub breaches_p3: u32,
    pub breaches_p4: u32,
    /// The wall-clock safety net stopped the week's solve: the week's plan may differ
    /// on another machine.
    pub safety_net_struck: bool,
}

/// Who moved in one week, by patient id, and how long the solve took: for tests,
/// progress displays and audits. Not part of the deterministic results (`solve_ms`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekLedger {
    pub arrived: Vec<String>,
    pub booked: Vec<String>,
    pub cancelled: Vec<String>,
    pub treated: Vec<String>,
    pub removed: Vec<String>,
    /// The list at the end of the week, in list order.
    pub waiting: Vec<String>,
    pub solve_ms: u64,
}

/// The figures of one variant over its run: the weeks after the warm-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    pub variant: String,
    /// Weeks summarised (after the warm-up).
    pub weeks: u32,
    pub starting_list_size: u32,
    pub final_list_size: u32,
    pub arrivals: u32,
    pub treated: u32,
    pub cancelled: u32,
    pub removed: u32,
    pub mean_utilisation: f64,
    pub final_median_wait_weeks: f64,
    pub final_p92_wait_weeks: f64,
    pub final_within_18_weeks_share: f64,
    pub final_over_52_weeks: u32,
    pub final_over_65_weeks: u32,
    pub final_breaches: u32,
    pub peak_over_52_weeks: u32,
    /// Means over the weeks summarised, of each week's end-of-week figure.
    pub mean_within_18_weeks_share: f64,
    pub mean_over_52_weeks: f64,
    pub mean_median_wait_weeks: f64,
    pub mean_list_size: f64,
    /// The first week that ended with no 52-week waiters (and none in any later week).
    pub clear_of_52_week_waiters_from_week: Option<u32>,
    pub weeks_safety_net_struck: u32,
}

impl VariantSummary {
    /// The measures the statistics over replications give intervals for, by name.
    pub fn measures(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("final_list_size", f64::from(self.final_list_size)),
            (
                "final_within_18_weeks_share",
                self.final_within_18_weeks_share,
            ),
            ("final_over_52_weeks", f64::from(self.final_over_52_weeks)),
            ("final_median_wait_weeks", self.final_median_wait_weeks),
            ("final_p92_wait_weeks", self.final_p92_wait_weeks),
            ("final_breaches", f64::from(self.final_breaches)),
            (
                "mean_within_18_weeks_share",
                self.mean_within_18_weeks_share,
            ),
            ("mean_over_52_weeks", self.mean_over_52_weeks),
            ("mean_median_wait_weeks", self.mean_median_wait_weeks),
            ("mean_list_size", self.mean_list_size),
            ("treated", f64::from(self.treated)),
            ("mean_utilisation", self.mean_utilisation),
        ]
    }
}

/// One variant's run.
pub type VariantRun = VariantRunOf<WeekResult, VariantSummary>;

pub use crate::simulate::weeks::SimulationError;

/// The q-quantile of sorted waits in days, by nearest rank, in weeks (0 for an empty list).
pub fn percentile_weeks(sorted_days: &[i64], q: f64) -> f64 {
    if sorted_days.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted_days.len() as f64).ceil() as usize).clamp(1, sorted_days.len());
    sorted_days[rank - 1] as f64 / 7.0
}

/// A variant's summary from its weeks.
pub fn summarise(variant: &str, starting_list_size: u32, weeks: &[WeekResult]) -> VariantSummary {
    let last = weeks.last();
    let mean = |f: &dyn Fn(&WeekResult) -> f64| {
        if weeks.is_empty() {
            0.0
        } else {
            weeks.iter().map(f).sum::<f64>() / weeks.len() as f64
        }
    };
    let clear_from = {
        let mut from = None;
        for w in weeks {
            if w.over_52_weeks == 0 {
                from.get_or_insert(w.week);
            } else {
                from = None;
            }
        }
        from
    };
    VariantSummary {
        variant: variant.to_string(),
        weeks: weeks.len() as u32,
        starting_list_size,
        final_list_size: last.map_or(starting_list_size, |w| w.list_size),
        arrivals: weeks.iter().map(|w| w.arrivals).sum(),
        treated: weeks.iter().map(|w| w.treated).sum(),
        cancelled: weeks.iter().map(|w| w.cancelled).sum(),
        removed: weeks.iter().map(|w| w.removed).sum(),
        mean_utilisation: mean(&|w| w.utilisation),
        final_median_wait_weeks: last.map_or(0.0, |w| w.median_wait_weeks),
        final_p92_wait_weeks: last.map_or(0.0, |w| w.p92_wait_weeks),
        final_within_18_weeks_share: last.map_or(0.0, |w| w.within_18_weeks_share),
        final_over_52_weeks: last.map_or(0, |w| w.over_52_weeks),
        final_over_65_weeks: last.map_or(0, |w| w.over_65_weeks),
        final_breaches: last.map_or(0, |w| w.breaches),
        peak_over_52_weeks: weeks.iter().map(|w| w.over_52_weeks).max().unwrap_or(0),
        mean_within_18_weeks_share: mean(&|w| w.within_18_weeks_share),
        mean_over_52_weeks: mean(&|w| f64::from(w.over_52_weeks)),
        mean_median_wait_weeks: mean(&|w| w.median_wait_weeks),
        mean_list_size: mean(&|w| f64::from(w.list_size)),
        clear_of_52_week_waiters_from_week: clear_from,
        weeks_safety_net_struck: weeks.iter().filter(|w| w.safety_net_struck).count() as u32,
    }
}
