//! What every validator shares: the error types, the [`Collector`] that gathers every
//! problem of a request (never only the first), the parsers of dates, times and ids,
//! and the limits on sizes (docs/errors.md).

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime};

/// Largest horizon accepted, in days.
pub const MAX_HORIZON_DAYS: u32 = 366;
/// Longest case accepted, in minutes (a day).
pub const MAX_DURATION_MIN: u32 = 24 * 60;
/// Longest stay accepted, in days.
pub const MAX_LENGTH_OF_STAY_DAYS: u32 = 365;
/// Most HiGHS threads accepted per solve.
pub const MAX_THREADS: u32 = 64;

/// One problem with the request: a stable code (docs/errors.md), the field's path and
/// a sentence saying what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} {field}: {message}")]
pub struct ValidationError {
    pub code: &'static str,
    pub field: String,
    pub message: String,
}

/// All the problems found in one request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the request, first: {}", .0.len(), .0[0])]
pub struct ValidationErrors(pub Vec<ValidationError>);

/// Collects every problem of a request (shared by the theatre and appointment validators).
pub(crate) struct Collector {
    pub(crate) errors: Vec<ValidationError>,
}

impl Collector {
    pub(crate) fn push(
        &mut self,
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(ValidationError {
            code,
            field: field.into(),
            message: message.into(),
        });
    }

    pub(crate) fn date(&mut self, field: String, text: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.push(
                    "CP1030",
                    field,
                    format!("'{text}' is not a date: write it as YYYY-MM-DD"),
                );
                None
            }
        }
    }

    pub(crate) fn time(&mut self, field: String, text: &str) -> Option<NaiveTime> {
        match NaiveTime::parse_from_str(text, "%H:%M") {
            Ok(t) => Some(t),
            Err(_) => {
                self.push(
                    "CP1031",
                    field,
                    format!("'{text}' is not a time: write it as HH:MM (24-hour clock)"),
                );
                None
            }
        }
    }

    pub(crate) fn dates(&mut self, field: &str, texts: &[String]) -> BTreeSet<NaiveDate> {
        texts
            .iter()
            .enumerate()
            .filter_map(|(i, t)| self.date(format!("{field}[{i}]"), t))
            .collect()
    }

    /// Checks ids are non-empty and unique; returns id → position.
    pub(crate) fn ids<'a>(
        &mut self,
        collection: &str,
        ids: impl Iterator<Item = &'a str>,
        id_field: &str,
    ) -> HashMap<&'a str, u32> {
        let mut map = HashMap::new();
        for (i, id) in ids.enumerate() {
            let field = format!("{collection}[{i}].{id_field}");
            if id.trim().is_empty() {
                self.push("CP1010", field, "is empty: every entry needs an id");
            } else if let Some(first) = map.insert(id, i as u32) {
                map.insert(id, first);
                self.push(
                    "CP1011",
                    field,
                    format!("duplicate id '{id}' (also {collection}[{first}]): ids must be unique"),
                );
            }
        }
        map
    }
}

/// A reference to an id the request does not define (CP1020).
pub(crate) fn unknown(collector: &mut Collector, field: String, what: &str, id: &str) {
    collector.push(
        "CP1020",
        field,
        format!("unknown {what} '{id}': it must name one given in the request"),
    );
}

/// CP1002: the horizon is 1 to MAX_HORIZON_DAYS days.
pub(crate) fn check_horizon_days(c: &mut Collector, horizon_days: u32) {
    if horizon_days == 0 || horizon_days > MAX_HORIZON_DAYS {
        c.push(
            "CP1002",
            "horizon_days",
            format!("{horizon_days} days: the horizon must be 1 to {MAX_HORIZON_DAYS} days"),
        );
    }
}
