//! GP-network scenarios: a primary care network's appointment requests simulated week
//! by week, each week's requests booked into the week's slots by
//! [`crate::appointments::balance`] (exact and deterministic), under a baseline and
//! named variants (clinicians added or removed, demand changed). `docs/scenarios.md`,
//! "GP-network scenarios", documents the file and the model.
//!
//! - [`GpScenarioConfig`]: the file as written (serde, shaped for TOML).
//! - [`validate_gp`]: every problem with its location, or the [`GpScenario`].
//! - [`run_gp_variant`]: the weekly loop, calling back after each week with a
//!   [`GpWeekResult`] and a [`GpWeekLedger`], stopping when a cancel flag is set.
//!
//! Each week: requests arrive (seeded Poisson counts per stream and home practice,
//! request dates Monday to Friday); every waiting request (carried over with its
//! request date) and the week's slots go to the balancer; booked requests leave;
//! same-day requests not booked on their day leave as `expired` (redirected: extended
//! access, NHS 111); the rest wait for next week. Every request is, at the end of each
//! week, exactly one of booked, expired or waiting.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::random::{self, Purpose, stable_hash};
use super::run::RunOptions;
use super::scenario::BASELINE;
use super::validate::{MAX_HORIZON_WEEKS, MAX_PER_WEEK, ScenarioProblem, parse_weekday};
use super::weeks::WeekSolveError;
use crate::appointments::domain::Urgency;
use crate::appointments::input::*;
use crate::appointments::validate;

/// The `kind` of a GP-network scenario file.
pub const GP_KIND: &str = "gp-network";

// ---------------------------------------------------------------------------------
// The file as written.

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
}

// ---------------------------------------------------------------------------------
// The checked scenario.

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

#[derive(Clone, Debug, PartialEq)]
pub struct GpVariant {
    pub name: String,
    pub from_week: u32,
    pub to_week: Option<u32>,
    pub add_clinicians: Vec<GpClinician>,
    pub remove_clinicians: Vec<String>,
    pub demand_change_pct: f64,
}

impl GpVariant {
    pub fn active(&self, week: u32) -> bool {
        week >= self.from_week && self.to_week.is_none_or(|t| week <= t)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpScenario {
    pub name: String,
    pub start: NaiveDate,
    pub horizon_weeks: u32,
    pub seed: u64,
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
        std::iter::once(BASELINE.to_string())
            .chain(self.variants.iter().map(|v| v.name.clone()))
            .collect()
    }

    /// `Some(None)` for the baseline, `None` if unknown.
    pub fn variant(&self, name: &str) -> Option<Option<&GpVariant>> {
        if name == BASELINE {
            return Some(None);
        }
        self.variants.iter().find(|v| v.name == name).map(Some)
    }

    pub fn week_start(&self, week: u32) -> NaiveDate {
        self.start + chrono::Duration::days(7 * i64::from(week))
    }

    /// Weekly slots of the baseline's clinicians.
    pub fn weekly_slots(&self) -> usize {
        self.clinicians
            .iter()
            .map(|c| c.week.iter().map(Vec::len).sum::<usize>())
            .sum()
    }
}

fn parse_urgency(text: &str) -> Option<Urgency> {
    match text {
        "same-day" => Some(Urgency::SameDay),
        "urgent" => Some(Urgency::Urgent),
        "routine" => Some(Urgency::Routine),
        _ => None,
    }
}

fn parse_mode(text: &str) -> Option<ModeInput> {
    match text {
        "face-to-face" => Some(ModeInput::FaceToFace),
        "phone" => Some(ModeInput::Phone),
        "video" => Some(ModeInput::Video),
        _ => None,
    }
}

fn urgency_key(u: Urgency) -> &'static str {
    u.name()
}

struct Problems(Vec<ScenarioProblem>);

impl Problems {
    fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScenarioProblem {
            location: location.into(),
            message: message.into(),
        });
    }
}

/// Modes of a day's `n` slots in the template's shares, by largest remainder, in a
/// fixed order (face to face, phone, video), interleaved so a short day gets each mode.
fn day_modes(n: u32, shares: [f64; 3]) -> Vec<ModeInput> {
    let modes = [ModeInput::FaceToFace, ModeInput::Phone, ModeInput::Video];
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| f64::from(n) * s / total).collect();
    let mut counts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut left = n - counts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..3).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in &order {
        if left == 0 {
            break;
        }
        if shares[i] > 0.0 {
            counts[i] += 1;
            left -= 1;
        }
    }
    // Interleave: take from each mode in turn while it has slots left.
    let mut out = Vec::with_capacity(n as usize);
    while out.len() < n as usize {
        for i in 0..3 {
            if counts[i] > 0 {
                counts[i] -= 1;
                out.push(modes[i]);
            }
        }
    }
    out
}

fn clinician(
    p: &mut Problems,
    at: &str,
    c: &GpClinicianConfig,
    practices: &BTreeSet<&str>,
    templates: &BTreeMap<String, [Vec<SlotSpec>; 7]>,
) -> Option<GpClinician> {
    let mut ok = true;
    if c.id.trim().is_empty() {
        p.push(format!("{at}.id"), "the id is empty");
        ok = false;
    }
    if !practices.contains(c.practice.as_str()) {
        p.push(
            format!("{at}.practice"),
            format!("no practice '{}' in network.practices", c.practice),
        );
        ok = false;
    }
    if c.role.trim().is_empty() || c.role != c.role.to_uppercase() {
        p.push(
            format!("{at}.role"),
            format!(
                "'{}': give the role in upper case (GP, NURSE, PHARMACIST, ...)",
                c.role
            ),
        );
        ok = false;
    }
    let week = match templates.get(&c.template) {
        Some(w) => w.clone(),
        None => {
            p.push(
                format!("{at}.template"),
                format!(
                    "no template '{}': the file has {}",
                    c.template,
                    templates.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
            return None;
        }
    };
    ok.then(|| GpClinician {
        id: c.id.clone(),
        name: if c.name.is_empty() {
            c.id.clone()
        } else {
            c.name.clone()
        },
        practice: c.practice.clone(),
        role: c.role.clone(),
        week,
    })
}

/// Checks a GP-network scenario, or lists every problem with its location.
pub fn validate_gp(config: &GpScenarioConfig) -> Result<GpScenario, Vec<ScenarioProblem>> {
    let mut p = Problems(Vec::new());
    if config.kind != GP_KIND {
        p.push("kind", format!("'{}': give \"{GP_KIND}\"", config.kind));
    }
    if config.name.trim().is_empty() {
        p.push("name", "the name is empty");
    }
    let start = match NaiveDate::parse_from_str(&config.start_date, "%Y-%m-%d") {
        Ok(d) if d.weekday() == Weekday::Mon => Some(d),
        Ok(d) => {
            p.push(
                "start_date",
                format!("{d} is a {}: give a Monday", d.weekday()),
            );
            None
        }
        Err(_) => {
            p.push(
                "start_date",
                format!("'{}' is not a date: give YYYY-MM-DD", config.start_date),
            );
            None
        }
    };
    if !(1..=MAX_HORIZON_WEEKS).contains(&config.horizon_weeks) {
        p.push(
            "horizon_weeks",
            format!("{}: give 1 to {MAX_HORIZON_WEEKS}", config.horizon_weeks),
        );
    }
    if config.week_time_limit_ms == 0 {
        p.push("week_time_limit_ms", "0: give at least 1 ms");
    }

    // Practices and travel.
    let n = &config.network;
    let mut practices = BTreeSet::new();
    for (i, s) in n.practices.iter().enumerate() {
        if s.id.trim().is_empty() {
            p.push(format!("network.practices[{i}].id"), "the id is empty");
        } else if !practices.insert(s.id.as_str()) {
            p.push(
                format!("network.practices[{i}].id"),
                format!("'{}' is already used", s.id),
            );
        }
    }
    if n.practices.is_empty() {
        p.push("network.practices", "no practices: give at least one");
    }
    for (i, t) in n.travel.iter().enumerate() {
        for (field, id) in [("from", &t.from), ("to", &t.to)] {
            if !practices.contains(id.as_str()) {
                p.push(
                    format!("network.travel[{i}].{field}"),
                    format!("no practice '{id}' in network.practices"),
                );
            }
        }
        if t.minutes > 24 * 60 {
            p.push(
                format!("network.travel[{i}].minutes"),
                format!("{}: give at most 1440", t.minutes),
            );
        }
    }

    // Templates.
    let mut templates: BTreeMap<String, [Vec<SlotSpec>; 7]> = BTreeMap::new();
    for (name, days) in &config.templates {
        let mut week: [Vec<SlotSpec>; 7] = Default::default();
        for (i, d) in days.iter().enumerate() {
            let at = format!("templates.{name}[{i}]");
            let shares = [d.face_to_face, d.phone, d.video];
            if shares.iter().any(|s| !(s.is_finite() && *s >= 0.0))
                || shares.iter().sum::<f64>() <= 0.0
            {
                p.push(
                    at.clone(),
                    "give the modes' shares (face_to_face, phone, video): at least one above 0, none below",
                );
                continue;
            }
            if d.slot_min == 0 || d.slot_min > 240 {
                p.push(
                    format!("{at}.slot_min"),
                    format!("{}: give 1 to 240", d.slot_min),
                );
                continue;
            }
            let Ok(start) = NaiveTime::parse_from_str(&d.start, "%H:%M") else {
                p.push(
                    format!("{at}.start"),
                    format!("'{}' is not a time: give HH:MM", d.start),
                );
                continue;
            };
            let end_min = start.hour_min() + d.slots * d.slot_min;
            if end_min > 24 * 60 {
                p.push(
                    format!("{at}.slots"),
                    format!(
                        "{} slots of {} minutes from {} run past midnight",
                        d.slots, d.slot_min, d.start
                    ),
                );
                continue;
            }
            let modes = day_modes(d.slots, shares);
            for (j, w) in d.weekdays.iter().enumerate() {
                let Some(wd) = parse_weekday(w) else {
                    p.push(
                        format!("{at}.weekdays[{j}]"),
                        format!("'{w}' is not a weekday: give mon ... sun"),
                    );
                    continue;
                };
                let day = &mut week[wd as usize];
                if !day.is_empty() {
                    p.push(
                        format!("{at}.weekdays[{j}]"),
                        format!("'{w}' is already in template '{name}'"),
                    );
                    continue;
                }
                *day = modes
                    .iter()
                    .enumerate()
                    .map(|(k, &mode)| SlotSpec {
                        start: start + chrono::Duration::minutes(i64::from(k as u32 * d.slot_min)),
                        minutes: d.slot_min,
                        mode,
                    })
                    .collect();
            }
        }
        templates.insert(name.clone(), week);
    }

    // Clinicians.
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut clinicians = Vec::new();
    for (i, c) in n.clinicians.iter().enumerate() {
        let at = format!("network.clinicians[{i}]");
        if let Some(first) = ids.get(&c.id) {
            p.push(
                format!("{at}.id"),
                format!("'{}' is already used at {first}", c.id),
            );
            continue;
        }
        ids.insert(c.id.clone(), at.clone());
        if let Some(k) = clinician(&mut p, &at, c, &practices, &templates) {
            clinicians.push(k);
        }
    }

    // Demand.
    let mut streams = Vec::new();
    for (i, s) in config.demand.streams.iter().enumerate() {
        let at = format!("demand.streams[{i}]");
        let urgency = parse_urgency(&s.urgency);
        if urgency.is_none() {
            p.push(
                format!("{at}.urgency"),
                format!("'{}': give same-day, urgent or routine", s.urgency),
            );
        }
        if s.role.trim().is_empty() || s.role != s.role.to_uppercase() {
            p.push(
                format!("{at}.role"),
                format!("'{}': give the role in upper case", s.role),
            );
        }
        if !(s.per_week.is_finite() && (0.0..=MAX_PER_WEEK).contains(&s.per_week)) {
            p.push(
                format!("{at}.per_week"),
                format!("{}: give 0 to {MAX_PER_WEEK}", s.per_week),
            );
        }
        for (j, h) in s.practices.iter().enumerate() {
            if !practices.contains(h.as_str()) {
                p.push(
                    format!("{at}.practices[{j}]"),
                    format!("no practice '{h}' in network.practices"),
                );
            }
        }
        let mut modes = Vec::new();
        for (j, m) in s.modes.iter().enumerate() {
            match parse_mode(m) {
                Some(m) if !modes.contains(&m) => modes.push(m),
                Some(_) => p.push(format!("{at}.modes[{j}]"), format!("'{m}' is given twice")),
                None => p.push(
                    format!("{at}.modes[{j}]"),
                    format!("'{m}': give face-to-face, phone or video"),
                ),
            }
        }
        if s.modes.is_empty() {
            p.push(format!("{at}.modes"), "no modes: give at least one");
        }
        if !(s.preferred_share.is_finite() && (0.0..=1.0).contains(&s.preferred_share)) {
            p.push(
                format!("{at}.preferred_share"),
                format!("{} is not a share: give 0 to 1", s.preferred_share),
            );
        }
        if let Some(urgency) = urgency {
            streams.push(GpStream {
                role: s.role.clone(),
                urgency,
                practices: if s.practices.is_empty() {
                    n.practices.iter().map(|x| x.id.clone()).collect()
                } else {
                    s.practices.clone()
                },
                per_week: s.per_week,
                modes,
                max_travel_min: s.max_travel_min,
                preferred_share: s.preferred_share,
            });
        }
    }

    // Variants.
    let mut names = BTreeSet::new();
    let mut variants = Vec::new();
    for (i, v) in config.variants.iter().enumerate() {
        let at = format!("variants[{i}]");
        if v.name.trim().is_empty() || v.name == BASELINE || v.name.contains(',') {
            p.push(
                format!("{at}.name"),
                format!(
                    "'{}': give a name other than 'baseline', without commas",
                    v.name
                ),
            );
        } else if !names.insert(v.name.as_str()) {
            p.push(
                format!("{at}.name"),
                format!("'{}' is already used", v.name),
            );
        }
        if let Some(to) = v.to_week
            && to < v.from_week
        {
            p.push(
                format!("{at}.to_week"),
                format!("{to} is before from_week {}", v.from_week),
            );
        }
        let mut added = Vec::new();
        for (j, c) in v.add_clinicians.iter().enumerate() {
            let cat = format!("{at}.add_clinicians[{j}]");
            if let Some(first) = ids.get(&c.id) {
                p.push(
                    format!("{cat}.id"),
                    format!("'{}' is already used at {first}", c.id),
                );
                continue;
            }
            if let Some(k) = clinician(&mut p, &cat, c, &practices, &templates) {
                added.push(k);
            }
        }
        let mut seen = BTreeSet::new();
        for (j, id) in v.remove_clinicians.iter().enumerate() {
            if !n.clinicians.iter().any(|c| &c.id == id) {
                p.push(
                    format!("{at}.remove_clinicians[{j}]"),
                    format!("no clinician '{id}' in network.clinicians"),
                );
            } else if !seen.insert(id) {
                p.push(
                    format!("{at}.remove_clinicians[{j}]"),
                    format!("'{id}' is given twice"),
                );
            }
        }
        if !(v.demand_change_pct.is_finite() && (-100.0..=1000.0).contains(&v.demand_change_pct)) {
            p.push(
                format!("{at}.demand_change_pct"),
                format!("{}: give -100 to 1000", v.demand_change_pct),
            );
        }
        variants.push(GpVariant {
            name: v.name.clone(),
            from_week: v.from_week,
            to_week: v.to_week,
            add_clinicians: added,
            remove_clinicians: v.remove_clinicians.clone(),
            demand_change_pct: v.demand_change_pct,
        });
    }

    if !p.0.is_empty() {
        return Err(p.0);
    }
    let roles: BTreeSet<String> = clinicians
        .iter()
        .chain(variants.iter().flat_map(|v| v.add_clinicians.iter()))
        .map(|c| c.role.clone())
        .chain(streams.iter().map(|s| s.role.clone()))
        .collect();
    Ok(GpScenario {
        name: config.name.clone(),
        start: start.expect("no problems: the date parsed"),
        horizon_weeks: config.horizon_weeks,
        seed: config.seed,
        week_time_limit_ms: config.week_time_limit_ms,
        practices: n
            .practices
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        travel: n
            .travel
            .iter()
            .map(|t| (t.from.clone(), t.to.clone(), t.minutes))
            .collect(),
        clinicians,
        streams,
        variants,
        roles: roles.into_iter().collect(),
    })
}

trait HourMin {
    fn hour_min(&self) -> u32;
}

impl HourMin for NaiveTime {
    fn hour_min(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

// ---------------------------------------------------------------------------------
// The simulation.

/// A request on the network's list.
#[derive(Clone, Debug, PartialEq)]
pub struct GpRequest {
    pub id: String,
    pub home: String,
    pub role: String,
    pub urgency: Urgency,
    pub date: NaiveDate,
    pub modes: Vec<ModeInput>,
    pub max_travel_min: u32,
    pub preferred: Option<String>,
}

/// One week of one variant: the row of the GP kind's `weeks.csv` / `weeks.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpWeekResult {
    pub variant: String,
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
    pub weeks: u32,
    pub arrivals: u32,
    pub booked: u32,
    pub expired: u32,
    pub final_waiting: u32,
    pub booked_by_role: BTreeMap<String, u32>,
    pub final_waiting_by_role: BTreeMap<String, u32>,
    pub mean_slot_utilisation: f64,
    pub mean_within_target_routine: f64,
    pub mean_share_away_from_home: f64,
    pub mean_continuity_rate: f64,
    pub weeks_safety_net_struck: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GpVariantRun {
    pub variant: String,
    pub weeks: Vec<GpWeekResult>,
    pub summary: GpVariantSummary,
    pub stopped_early: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GpSimulationError {
    #[error("variant '{0}' is not in the scenario")]
    UnknownVariant(String),
    /// A week's request failed validation: a bug in the simulation, reported.
    #[error("week {week}: internal error, the week's request is invalid: {errors}")]
    InvalidWeek {
        week: u32,
        errors: crate::validation::ValidationErrors,
    },
    /// `error` is not a `#[source]`: the message already carries it, once.
    #[error("week {week}: {error}")]
    Balance { week: u32, error: WeekSolveError },
}

/// The clinicians working in `week` under `variant`.
pub fn active_clinicians<'a>(
    scenario: &'a GpScenario,
    variant: Option<&'a GpVariant>,
    week: u32,
) -> Vec<&'a GpClinician> {
    let active = variant.filter(|v| v.active(week));
    scenario
        .clinicians
        .iter()
        .filter(|c| active.is_none_or(|v| !v.remove_clinicians.contains(&c.id)))
        .chain(active.into_iter().flat_map(|v| v.add_clinicians.iter()))
        .collect()
}

/// The requests arriving in `week`: per stream and home practice, a Poisson count at a
/// fixed uniform (so a demand change adds to the baseline's requests, never replaces
/// them), each dated Monday to Friday, some naming a clinician of the role at home.
pub fn gp_arrivals(
    scenario: &GpScenario,
    variant: Option<&GpVariant>,
    clinicians: &[&GpClinician],
    week: u32,
) -> Vec<GpRequest> {
    let change = variant
        .filter(|v| v.active(week))
        .map_or(0.0, |v| v.demand_change_pct);
    let monday = scenario.week_start(week);
    let mut out = Vec::new();
    for (si, s) in scenario.streams.iter().enumerate() {
        for home in &s.practices {
            let tag = format!("gp/{si}/{}/{}/{home}", s.role, urgency_key(s.urgency));
            let key = stable_hash(&tag);
            let lambda = s.per_week * (1.0 + change / 100.0);
            let u = random::uniform(&mut random::stream(
                scenario.seed,
                week,
                Purpose::ArrivalCount,
                key,
                0,
            ));
            let count = random::poisson_quantile(lambda, u);
            let own: Vec<&&GpClinician> = clinicians
                .iter()
                .filter(|c| &c.practice == home && c.role == s.role)
                .collect();
            for k in 0..count {
                let mut rng =
                    random::stream(scenario.seed, week, Purpose::ArrivalPatient, key, k.into());
                let day = ((random::uniform(&mut rng) * 5.0) as i64).min(4);
                let wants = random::uniform(&mut rng) < s.preferred_share;
                let pick = random::uniform(&mut rng);
                let preferred = (wants && !own.is_empty()).then(|| {
                    own[((pick * own.len() as f64) as usize).min(own.len() - 1)]
                        .id
                        .clone()
                });
                out.push(GpRequest {
                    id: format!(
                        "W{week:03}-{home}-{}-{}-{si}-{k:04}",
                        s.role,
                        urgency_key(s.urgency)
                    ),
                    home: home.clone(),
                    role: s.role.clone(),
                    urgency: s.urgency,
                    date: monday + chrono::Duration::days(day),
                    modes: s.modes.clone(),
                    max_travel_min: s.max_travel_min,
                    preferred,
                });
            }
        }
    }
    out
}

fn urgency_input(u: Urgency) -> UrgencyInput {
    match u {
        Urgency::SameDay => UrgencyInput::SameDay,
        Urgency::Urgent => UrgencyInput::Urgent,
        Urgency::Routine => UrgencyInput::Routine,
    }
}

/// The week's balancing request: the week's slots of `clinicians` and every request
/// `waiting` (a preferred clinician not working this week is dropped from the request).
pub fn week_request(
    scenario: &GpScenario,
    clinicians: &[&GpClinician],
    waiting: &[GpRequest],
    week: u32,
) -> BalanceRequest {
    let monday = scenario.week_start(week);
    let mut slots = Vec::new();
    for c in clinicians {
        for (wd, day) in c.week.iter().enumerate() {
            let date = monday + chrono::Duration::days(wd as i64);
            for (k, s) in day.iter().enumerate() {
                slots.push(SlotInput {
                    id: format!("{}-{}-{k:02}", c.id, date.format("%Y%m%d")),
                    clinician_id: c.id.clone(),
                    site_id: c.practice.clone(),
                    role: c.role.clone(),
                    date: date.format("%Y-%m-%d").to_string(),
                    start_time: s.start.format("%H:%M").to_string(),
                    duration_min: s.minutes,
                    mode: s.mode,
                });
            }
        }
    }
    let working: BTreeSet<&str> = clinicians.iter().map(|c| c.id.as_str()).collect();
    BalanceRequest {
        planning_start: monday.format("%Y-%m-%d").to_string(),
        horizon_days: 7,
        sites: scenario
            .practices
            .iter()
            .map(|(id, name)| SiteInput {
                id: id.clone(),
                name: name.clone(),
            })
            .collect(),
        travel: scenario
            .travel
            .iter()
            .map(|(from, to, minutes)| TravelInput {
                from_site_id: from.clone(),
                to_site_id: to.clone(),
                minutes: *minutes,
            })
            .collect(),
        clinicians: clinicians
            .iter()
            .map(|c| ClinicianInput {
                id: c.id.clone(),
                site_id: c.practice.clone(),
                role: c.role.clone(),
                name: c.name.clone(),
            })
            .collect(),
        slots,
        requests: waiting
            .iter()
            .map(|r| RequestInput {
                id: r.id.clone(),
                home_site_id: r.home.clone(),
                role: r.role.clone(),
                urgency: urgency_input(r.urgency),
                request_date: r.date.format("%Y-%m-%d").to_string(),
                modes: r.modes.clone(),
                max_travel_min: r.max_travel_min,
                preferred_clinician_id: r
                    .preferred
                    .as_deref()
                    .filter(|p| working.contains(p))
                    .unwrap_or("")
                    .to_string(),
            })
            .collect(),
        options: BalanceOptionsInput {
            time_limit_ms: scenario.week_time_limit_ms,
            method: BalanceMethod::Transshipment,
            log_solver: false,
        },
    }
}

fn by_role(roles: &[String], requests: impl Iterator<Item = String>) -> BTreeMap<String, u32> {
    let mut m: BTreeMap<String, u32> = roles.iter().map(|r| (r.clone(), 0)).collect();
    for role in requests {
        *m.entry(role).or_default() += 1;
    }
    m
}

/// Runs one variant (`None`: the baseline) for `options.weeks` weeks (at most the
/// horizon), each week booked by `options.solver`, calling `on_week` after each. A set
/// `options.cancel` stops the run before its next week.
pub fn run_gp_variant(
    scenario: &GpScenario,
    variant: Option<&GpVariant>,
    options: &RunOptions,
    mut on_week: impl FnMut(&GpWeekResult, &GpWeekLedger),
) -> Result<GpVariantRun, GpSimulationError> {
    let name = variant.map_or(BASELINE.to_string(), |v| v.name.clone());
    let weeks = options.weeks.min(scenario.horizon_weeks);
    let cancel = options.cancel;
    let mut waiting: Vec<GpRequest> = Vec::new();
    let mut results = Vec::new();
    let mut stopped_early = false;
    for week in 0..weeks {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            stopped_early = true;
            break;
        }
        let clinicians = active_clinicians(scenario, variant, week);
        let arrived = gp_arrivals(scenario, variant, &clinicians, week);
        let ledger_arrived: Vec<String> = arrived.iter().map(|r| r.id.clone()).collect();
        waiting.extend(arrived);
        let request = week_request(scenario, &clinicians, &waiting, week);
        let network =
            validate(&request).map_err(|errors| GpSimulationError::InvalidWeek { week, errors })?;
        let plan = options
            .solver
            .balance(week, &request, &network)
            .map_err(|error| GpSimulationError::Balance { week, error })?;
        let mut booked = vec![false; waiting.len()];
        for (r, _) in &plan.bookings {
            booked[r.idx()] = true;
        }
        let offered = waiting.len() as u32;
        let mut ledger = GpWeekLedger {
            arrived: ledger_arrived,
            ..GpWeekLedger::default()
        };
        let mut booked_roles = Vec::new();
        let mut kept = Vec::with_capacity(waiting.len());
        for (r, was_booked) in waiting.drain(..).zip(booked) {
            if was_booked {
                ledger.booked.push(r.id.clone());
                booked_roles.push(r.role.clone());
            } else if r.urgency == Urgency::SameDay {
                ledger.expired.push(r.id.clone());
            } else {
                kept.push(r);
            }
        }
        waiting = kept;
        ledger.waiting = waiting.iter().map(|r| r.id.clone()).collect();
        let m = &plan.metrics;
        let urgency = |u: Urgency| m.by_urgency.iter().find(|x| x.urgency == u);
        let mean_wait = |u: Urgency| urgency(u).map_or(0.0, |x| x.mean_wait_days);
        let within = |u: Urgency| urgency(u).map_or(0.0, |x| x.share_within_target);
        let result = GpWeekResult {
            variant: name.clone(),
            week,
            week_start: scenario.week_start(week),
            arrivals: ledger.arrived.len() as u32,
            slots: network.slots.len() as u32,
            offered,
            booked: ledger.booked.len() as u32,
            expired: ledger.expired.len() as u32,
            waiting: waiting.len() as u32,
            booked_by_role: by_role(&scenario.roles, booked_roles.into_iter()),
            waiting_by_role: by_role(&scenario.roles, waiting.iter().map(|r| r.role.clone())),
            mean_wait_days_same_day: mean_wait(Urgency::SameDay),
            mean_wait_days_urgent: mean_wait(Urgency::Urgent),
            mean_wait_days_routine: mean_wait(Urgency::Routine),
            within_target_same_day: within(Urgency::SameDay),
            within_target_urgent: within(Urgency::Urgent),
            within_target_routine: within(Urgency::Routine),
            share_away_from_home: m.share_away_from_home,
            continuity_rate: m.continuity_rate,
            slot_utilisation: m.slot_utilisation,
            safety_net_struck: plan.safety_net_struck,
        };
        on_week(&result, &ledger);
        results.push(result);
    }
    Ok(GpVariantRun {
        summary: summarise_gp(&name, &scenario.roles, &results),
        variant: name,
        weeks: results,
        stopped_early,
    })
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
        mean_within_target_routine: mean(&|w| w.within_target_routine),
        mean_share_away_from_home: mean(&|w| w.share_away_from_home),
        mean_continuity_rate: mean(&|w| w.continuity_rate),
        weeks_safety_net_struck: weeks.iter().filter(|w| w.safety_net_struck).count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_modes_follow_the_shares_and_add_up() {
        let m = day_modes(10, [0.7, 0.3, 0.0]);
        assert_eq!(m.len(), 10);
        assert_eq!(m.iter().filter(|x| **x == ModeInput::FaceToFace).count(), 7);
        assert_eq!(m.iter().filter(|x| **x == ModeInput::Phone).count(), 3);
        assert_eq!(day_modes(1, [0.0, 0.0, 1.0]), vec![ModeInput::Video]);
        assert!(day_modes(0, [1.0, 0.0, 0.0]).is_empty());
    }
}
