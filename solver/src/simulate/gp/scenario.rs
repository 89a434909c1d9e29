//! A checked GP-network scenario: templates expanded into each clinician's weekly
//! slots, streams with their home practices, variants ready to apply.

use chrono::{NaiveDate, NaiveTime};

use crate::appointments::domain::Urgency;
use crate::appointments::input::ModeInput;
use crate::simulate::driver::{baseline_then, find_variant, in_force, week_start};

/// One slot of a clinician's weekday.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotSpec {
    pub start: NaiveTime,
    pub minutes: u32,
    pub mode: ModeInput,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpClinician {
    pub id: String,
    pub name: String,
    pub practice: String,
    pub role: String,
    /// Monday first.
    pub week: [Vec<SlotSpec>; 7],
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpStream {
    pub role: String,
    pub urgency: Urgency,
    /// Home practices (every practice when the file lists none).
    pub practices: Vec<String>,
    pub per_week: f64,
    pub modes: Vec<ModeInput>,
    pub max_travel_min: u32,
    pub preferred_share: f64,
}

/// How a GP week is booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpBooking {
    /// Balanced across the network by [`crate::appointments::balance`].
    Network,
    /// Each practice on its own ([`super::practice_only_bookings`]).
    PracticeOnly,
}

impl GpBooking {
    pub fn name(self) -> &'static str {
        match self {
            GpBooking::Network => "network",
            GpBooking::PracticeOnly => "practice-only",
        }
    }

    pub fn parse(text: &str) -> Option<GpBooking> {
        [GpBooking::Network, GpBooking::PracticeOnly]
            .into_iter()
            .find(|b| b.name() == text.trim())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpVariant {
    pub name: String,
    pub from_week: u32,
    pub to_week: Option<u32>,
    pub add_clinicians: Vec<GpClinician>,
    pub remove_clinicians: Vec<String>,
    pub demand_change_pct: f64,
    pub booking: GpBooking,
}

impl GpVariant {
    pub fn active(&self, week: u32) -> bool {
        in_force(self.from_week, self.to_week, week)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpScenario {
    pub name: String,
    pub start: NaiveDate,
    pub horizon_weeks: u32,
    /// The seed of the random streams: the file's, or a replication's.
    pub seed: u64,
    /// Which replication this copy draws (0: the file's seed).
    pub replication: u32,
    /// Replications asked for (at least 1).
    pub replications: u32,
    /// First weeks left out of the summaries.
    pub warmup_weeks: u32,
    pub week_time_limit_ms: u32,
    /// (id, name).
    pub practices: Vec<(String, String)>,
    pub travel: Vec<(String, String, u32)>,
    pub clinicians: Vec<GpClinician>,
    pub streams: Vec<GpStream>,
    pub variants: Vec<GpVariant>,
    /// Every role of clinicians and streams, sorted.
    pub roles: Vec<String>,
}

impl GpScenario {
    /// "baseline", then every variant's name, in file order.
    pub fn variant_names(&self) -> Vec<String> {
        baseline_then(self.variants.iter().map(|v| v.name.as_str()))
    }

    /// `Some(None)` for the baseline, `None` if unknown.
    pub fn variant(&self, name: &str) -> Option<Option<&GpVariant>> {
        find_variant(&self.variants, name, |v| &v.name)
    }

    pub fn week_start(&self, week: u32) -> NaiveDate {
        week_start(self.start, week)
    }

    /// Weekly slots of the baseline's clinicians.
    pub fn weekly_slots(&self) -> usize {
        self.clinicians
            .iter()
            .map(|c| c.week.iter().map(Vec::len).sum::<usize>())
            .sum()
    }
}
