//! Checks a GP-network scenario and builds a [`GpScenario`], or lists every problem
//! with its location. One function per section of the file: the run's own fields,
//! practices and travel, templates, clinicians, demand streams, variants.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime};

use super::config::*;
use super::scenario::*;
use crate::appointments::domain::Urgency;
use crate::appointments::input::ModeInput;
use crate::simulate::problems::{
    MAX_HORIZON_WEEKS, MAX_PER_WEEK, Problems, ScenarioProblem, parse_weekday,
};

/// Each template's week of slots, Monday first.
type Templates = BTreeMap<String, [Vec<SlotSpec>; 7]>;

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
    templates: &Templates,
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
    let start = check_run(&mut p, config);
    p.replications(config.replications);
    p.warmup_weeks(config.warmup_weeks, config.horizon_weeks);
    let n = &config.network;
    let practices = check_practices(&mut p, n);
    let templates = check_templates(&mut p, config);
    let (ids, clinicians) = check_clinicians(&mut p, n, &practices, &templates);
    let streams: Vec<GpStream> = config
        .demand
        .streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            stream(
                &mut p,
                &format!("demand.streams[{i}]"),
                s,
                &practices,
                &n.practices,
            )
        })
        .collect();
    let known = Known {
        practices: &practices,
        templates: &templates,
        ids: &ids,
        network: n,
    };
    let variants = check_variants(&mut p, config, &known);

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
        replication: 0,
        replications: config.replications,
        warmup_weeks: config.warmup_weeks,
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

/// The run's own fields: kind, name, start date (a Monday), horizon, safety net.
fn check_run(p: &mut Problems, config: &GpScenarioConfig) -> Option<NaiveDate> {
    if config.kind != GP_KIND {
        p.push("kind", format!("'{}': give \"{GP_KIND}\"", config.kind));
    }
    if config.name.trim().is_empty() {
        p.push("name", "the name is empty");
    }
    let start = p.monday("start_date", &config.start_date);
    if !(1..=MAX_HORIZON_WEEKS).contains(&config.horizon_weeks) {
        p.push(
            "horizon_weeks",
            format!("{}: give 1 to {MAX_HORIZON_WEEKS}", config.horizon_weeks),
        );
    }
    if config.week_time_limit_ms == 0 {
        p.push("week_time_limit_ms", "0: give at least 1 ms");
    }
    start
}

/// Practice ids (one at least, each once) and the travel between them.
fn check_practices<'a>(p: &mut Problems, n: &'a NetworkConfig) -> BTreeSet<&'a str> {
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
    practices
}

/// Each template's days: shares, slot length, start, the day's end, weekdays.
fn check_templates(p: &mut Problems, config: &GpScenarioConfig) -> Templates {
    let mut templates: Templates = BTreeMap::new();
    for (name, days) in &config.templates {
        let mut week: [Vec<SlotSpec>; 7] = Default::default();
        for (i, d) in days.iter().enumerate() {
            template_day(p, name, i, d, &mut week);
        }
        templates.insert(name.clone(), week);
    }
    templates
}

/// Day `i` of template `name`: its slots laid into `week` on each of its weekdays.
fn template_day(
    p: &mut Problems,
    name: &str,
    i: usize,
    d: &TemplateDayConfig,
    week: &mut [Vec<SlotSpec>; 7],
) {
    let at = format!("templates.{name}[{i}]");
    let shares = [d.face_to_face, d.phone, d.video];
    if shares.iter().any(|s| !(s.is_finite() && *s >= 0.0)) || shares.iter().sum::<f64>() <= 0.0 {
        p.push(
            at.clone(),
            "give the modes' shares (face_to_face, phone, video): at least one above 0, none below",
        );
        return;
    }
    if d.slot_min == 0 || d.slot_min > 240 {
        p.push(
            format!("{at}.slot_min"),
            format!("{}: give 1 to 240", d.slot_min),
        );
        return;
    }
    let Ok(start) = NaiveTime::parse_from_str(&d.start, "%H:%M") else {
        p.push(
            format!("{at}.start"),
            format!("'{}' is not a time: give HH:MM", d.start),
        );
        return;
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
        return;
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

/// The network's clinicians, each id once; returns where each id was first given.
fn check_clinicians(
    p: &mut Problems,
    n: &NetworkConfig,
    practices: &BTreeSet<&str>,
    templates: &Templates,
) -> (HashMap<String, String>, Vec<GpClinician>) {
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
        if let Some(k) = clinician(p, &at, c, practices, templates) {
            clinicians.push(k);
        }
    }
    (ids, clinicians)
}

/// One demand stream: urgency, role, rate, home practices, modes, preferred share.
fn stream(
    p: &mut Problems,
    at: &str,
    s: &GpStreamConfig,
    practices: &BTreeSet<&str>,
    all_practices: &[PracticeConfig],
) -> Option<GpStream> {
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
    urgency.map(|urgency| GpStream {
        role: s.role.clone(),
        urgency,
        practices: if s.practices.is_empty() {
            all_practices.iter().map(|x| x.id.clone()).collect()
        } else {
            s.practices.clone()
        },
        per_week: s.per_week,
        modes,
        max_travel_min: s.max_travel_min,
        preferred_share: s.preferred_share,
    })
}

/// What the variants are checked against.
struct Known<'a> {
    practices: &'a BTreeSet<&'a str>,
    templates: &'a Templates,
    /// Clinician id → where it was first given.
    ids: &'a HashMap<String, String>,
    network: &'a NetworkConfig,
}

/// Every variant: a name of its own, its weeks, and its changes.
fn check_variants(p: &mut Problems, config: &GpScenarioConfig, known: &Known) -> Vec<GpVariant> {
    let mut names = BTreeSet::new();
    let mut variants = Vec::new();
    for (i, v) in config.variants.iter().enumerate() {
        let at = format!("variants[{i}]");
        if p.variant_name(&at, &v.name) && !names.insert(v.name.as_str()) {
            p.push(
                format!("{at}.name"),
                format!("'{}' is already used", v.name),
            );
        }
        p.variant_weeks(&at, v.from_week, v.to_week);
        variants.push(variant(p, &at, v, known));
    }
    variants
}

/// One variant's changes: clinicians who join (new ids), who leave, the demand change.
fn variant(p: &mut Problems, at: &str, v: &GpVariantConfig, known: &Known) -> GpVariant {
    let mut added = Vec::new();
    for (j, c) in v.add_clinicians.iter().enumerate() {
        let cat = format!("{at}.add_clinicians[{j}]");
        if let Some(first) = known.ids.get(&c.id) {
            p.push(
                format!("{cat}.id"),
                format!("'{}' is already used at {first}", c.id),
            );
            continue;
        }
        if let Some(k) = clinician(p, &cat, c, known.practices, known.templates) {
            added.push(k);
        }
    }
    let mut seen = BTreeSet::new();
    for (j, id) in v.remove_clinicians.iter().enumerate() {
        if !known.network.clinicians.iter().any(|c| &c.id == id) {
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
    p.demand_change_pct(format!("{at}.demand_change_pct"), v.demand_change_pct);
    let booking = match &v.booking {
        None => GpBooking::Network,
        Some(text) => GpBooking::parse(text).unwrap_or_else(|| {
            p.push(
                format!("{at}.booking"),
                format!("'{text}': give network or practice-only"),
            );
            GpBooking::Network
        }),
    };
    GpVariant {
        name: v.name.clone(),
        from_week: v.from_week,
        to_week: v.to_week,
        add_clinicians: added,
        remove_clinicians: v.remove_clinicians.clone(),
        demand_change_pct: v.demand_change_pct,
        booking,
    }
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
