//! What both kinds of scenario check the same way: the problem list with its locations,
//! the limits on horizon and demand, weekdays, dates and times, and the rules every
//! variant follows (its weeks, its demand change).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::driver::BASELINE;
use super::weeks::WeekPlanner;

/// Longest simulation accepted, in weeks (ten years).
pub const MAX_HORIZON_WEEKS: u32 = 520;
/// Most replications accepted.
pub const MAX_REPLICATIONS: u32 = 1000;
/// Most additions per week accepted for one stream.
pub const MAX_PER_WEEK: f64 = 500.0;

/// One problem: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ScenarioProblem {
    pub location: String,
    pub message: String,
}

/// Every problem found so far, in the order found.
pub(crate) struct Problems(pub(crate) Vec<ScenarioProblem>);

impl Problems {
    pub(crate) fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScenarioProblem {
            location: location.into(),
            message: message.into(),
        });
    }

    pub(crate) fn date(&mut self, location: String, text: &str) -> Option<NaiveDate> {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if d.is_none() {
            self.push(location, format!("'{text}' is not a date: give YYYY-MM-DD"));
        }
        d
    }

    pub(crate) fn time(&mut self, location: String, text: &str) -> Option<NaiveTime> {
        let t = NaiveTime::parse_from_str(text, "%H:%M").ok();
        if t.is_none() {
            self.push(location, format!("'{text}' is not a time: give HH:MM"));
        }
        t
    }

    pub(crate) fn weekday(&mut self, location: String, text: &str) -> Option<u32> {
        let w = parse_weekday(text);
        if w.is_none() {
            self.push(
                location,
                format!("'{text}' is not a weekday: give mon, tue, wed, thu, fri, sat or sun"),
            );
        }
        w
    }

    pub(crate) fn share(&mut self, location: String, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.push(location, format!("{value} is not a share: give 0 to 1"));
        }
    }

    /// Duplicate or empty ids.
    pub(crate) fn ids<'a>(&mut self, list: &str, field: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            if id.trim().is_empty() {
                self.push(format!("{list}[{i}].{field}"), "is empty");
            } else if let Some(first) = seen.insert(id, i) {
                seen.insert(id, first);
                self.push(
                    format!("{list}[{i}].{field}"),
                    format!("'{id}' is already used by {list}[{first}]"),
                );
            }
        }
    }

    /// `start_date`: a date, and a Monday. The date is returned even when it is not a
    /// Monday (the problem is listed), so that later checks can compare with it.
    pub(crate) fn monday(&mut self, location: &str, text: &str) -> Option<NaiveDate> {
        let start = self.date(location.into(), text);
        if let Some(s) = start
            && s.weekday() != Weekday::Mon
        {
            self.push(location, format!("{s} is a {}: give a Monday", s.weekday()));
        }
        start
    }

    /// A variant's name, which may not be blank, the baseline's or hold a comma; whether
    /// it is a name a variant may have (each kind then checks it is not used twice).
    pub(crate) fn variant_name(&mut self, at: &str, name: &str) -> bool {
        let allowed = !(name.trim().is_empty() || name == BASELINE || name.contains(','));
        if !allowed {
            self.push(
                format!("{at}.name"),
                format!("'{name}': give a name other than '{BASELINE}', without commas"),
            );
        }
        allowed
    }

    /// A variant's `to_week`, which may not come before its `from_week`.
    pub(crate) fn variant_weeks(&mut self, at: &str, from_week: u32, to_week: Option<u32>) {
        if let Some(to) = to_week
            && to < from_week
        {
            self.push(
                format!("{at}.to_week"),
                format!("{to} is before from_week {from_week}"),
            );
        }
    }

    /// `replications`: 1 to [`MAX_REPLICATIONS`].
    pub(crate) fn replications(&mut self, replications: u32) {
        if !replications_in_range(replications) {
            self.push(
                "replications",
                format!("{replications}: give 1 to {MAX_REPLICATIONS}"),
            );
        }
    }

    /// `warmup_weeks`: fewer than the horizon, so that a week is left to summarise.
    pub(crate) fn warmup_weeks(&mut self, warmup: u32, horizon: u32) {
        if horizon > 0 && warmup >= horizon {
            self.push(
                "warmup_weeks",
                format!(
                    "{warmup} leaves no week to summarise: give fewer than horizon_weeks ({horizon})"
                ),
            );
        }
    }

    /// `week_effort`: positive when given.
    pub(crate) fn week_effort(&mut self, effort: Option<u64>) {
        if effort == Some(0) {
            self.push(
                "week_effort",
                "is 0: give a positive effort, or leave it out",
            );
        }
    }

    /// A week planner's name.
    pub(crate) fn planner(&mut self, location: String, text: &str) -> Option<WeekPlanner> {
        let planner = WeekPlanner::parse(text);
        if planner.is_none() {
            self.push(
                location,
                format!("'{text}' is not a planner: give optimiser, local-search or by-hand"),
            );
        }
        planner
    }

    /// A demand change in percent: -100 (no demand) to 1000.
    pub(crate) fn demand_change_pct(&mut self, location: String, pct: f64) {
        if !demand_change_pct_in_range(pct) {
            self.push(location, format!("{pct}: give -100 to 1000"));
        }
    }
}

/// Whether a replication count lies in 1 to [`MAX_REPLICATIONS`].
pub fn replications_in_range(replications: u32) -> bool {
    (1..=MAX_REPLICATIONS).contains(&replications)
}

/// Whether a demand change in percent lies in -100 to 1000.
pub(crate) fn demand_change_pct_in_range(pct: f64) -> bool {
    pct.is_finite() && (-100.0..=1000.0).contains(&pct)
}

/// "mon" … "sun" (any case, or the full name) → 0 … 6.
pub fn parse_weekday(text: &str) -> Option<u32> {
    text.trim()
        .parse::<Weekday>()
        .ok()
        .map(|w| w.num_days_from_monday())
}
