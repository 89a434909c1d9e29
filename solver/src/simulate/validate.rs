//! Checks a scenario and builds a [`Scenario`], or lists every problem found, each with
//! its location (`variants[1].add_sessions[0].weekday`, or a CSV row's file and line).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

use super::config::*;
use super::scenario::*;
use crate::theatre::domain::{ObjectivePolicy, Priority};
use crate::validation::{MAX_DURATION_MIN, MAX_LENGTH_OF_STAY_DAYS};

/// Longest simulation accepted, in weeks (ten years).
pub const MAX_HORIZON_WEEKS: u32 = 520;
/// Most additions per week accepted for one stream.
pub const MAX_PER_WEEK: f64 = 500.0;

/// One problem: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ScenarioProblem {
    pub location: String,
    pub message: String,
}

/// A starting-list patient read from elsewhere than the scenario file (a CSV export),
/// with the location its problems are reported at (`dgh-ptl.csv line 17`) and, by
/// [`PatientConfig`] field name, where each field came from (`column 3 (specialty)`).
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPatient {
    pub location: String,
    pub columns: BTreeMap<String, String>,
    pub patient: PatientConfig,
}

struct Problems(Vec<ScenarioProblem>);

impl Problems {
    fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScenarioProblem {
            location: location.into(),
            message: message.into(),
        });
    }

    fn date(&mut self, location: String, text: &str) -> Option<NaiveDate> {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if d.is_none() {
            self.push(location, format!("'{text}' is not a date: give YYYY-MM-DD"));
        }
        d
    }

    fn time(&mut self, location: String, text: &str) -> Option<NaiveTime> {
        let t = NaiveTime::parse_from_str(text, "%H:%M").ok();
        if t.is_none() {
            self.push(location, format!("'{text}' is not a time: give HH:MM"));
        }
        t
    }

    fn weekday(&mut self, location: String, text: &str) -> Option<u32> {
        let w = parse_weekday(text);
        if w.is_none() {
            self.push(
                location,
                format!("'{text}' is not a weekday: give mon, tue, wed, thu, fri, sat or sun"),
            );
        }
        w
    }

    fn priority(&mut self, location: String, text: &str) -> Option<Priority> {
        let p = parse_priority(text);
        if p.is_none() {
            self.push(
                location,
                format!("'{text}' is not a priority: give P1 to P4"),
            );
        }
        p
    }

    fn policy(&mut self, location: String, text: &str) -> Option<ObjectivePolicy> {
        let p = match text {
            "weighted-wait" => Some(ObjectivePolicy::WeightedWait),
            "priority-order" => Some(ObjectivePolicy::PriorityOrder),
            _ => None,
        };
        if p.is_none() {
            self.push(
                location,
                format!("'{text}' is not an objective: give weighted-wait or priority-order"),
            );
        }
        p
    }

    fn share(&mut self, location: String, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.push(location, format!("{value} is not a share: give 0 to 1"));
        }
    }

    /// Duplicate or empty ids.
    fn ids<'a>(&mut self, list: &str, field: &str, ids: impl Iterator<Item = &'a str>) {
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
}

/// "mon" … "sun" (any case, or the full name) → 0 … 6.
pub fn parse_weekday(text: &str) -> Option<u32> {
    text.trim()
        .parse::<Weekday>()
        .ok()
        .map(|w| w.num_days_from_monday())
}

/// "P1" … "P4" (any case).
pub fn parse_priority(text: &str) -> Option<Priority> {
    match text.trim().to_ascii_uppercase().as_str() {
        "P1" => Some(Priority::P1),
        "P2" => Some(Priority::P2),
        "P3" => Some(Priority::P3),
        "P4" => Some(Priority::P4),
        _ => None,
    }
}

/// What the checks of sessions and surgeons need to know about the hospital.
struct Names<'a> {
    theatres: BTreeSet<&'a str>,
    specialties: BTreeSet<&'a str>,
    /// Surgeon id → specialty.
    surgeons: BTreeMap<&'a str, &'a str>,
}

fn surgeon(p: &mut Problems, at: &str, s: &SurgeonConfig, names: &Names) -> Option<SurgeonSpec> {
    if !names.specialties.contains(s.specialty.as_str()) {
        p.push(
            format!("{at}.specialty"),
            format!("'{}' is not a specialty of the hospital", s.specialty),
        );
    }
    if s.max_minutes_per_day == 0 || s.max_minutes_per_day > MAX_DURATION_MIN {
        p.push(
            format!("{at}.max_minutes_per_day"),
            format!("{}: give 1 to {MAX_DURATION_MIN}", s.max_minutes_per_day),
        );
    }
    let mut leave = Vec::new();
    for (j, l) in s.leave.iter().enumerate() {
        let from = p.date(format!("{at}.leave[{j}].from"), &l.from);
        let to = p.date(format!("{at}.leave[{j}].to"), &l.to);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                p.push(
                    format!("{at}.leave[{j}].to"),
                    format!("{to} is before {from}"),
                );
            }
            leave.push((from, to));
        }
    }
    Some(SurgeonSpec {
        id: s.id.clone(),
        name: s.name.clone(),
        specialty: s.specialty.clone(),
        max_minutes_per_day: s.max_minutes_per_day,
        leave,
    })
}

fn session(p: &mut Problems, at: &str, s: &SessionConfig, names: &Names) -> Option<SessionSpec> {
    let mut ok = true;
    if !names.theatres.contains(s.theatre.as_str()) {
        p.push(
            format!("{at}.theatre"),
            format!("'{}' is not a theatre of the hospital", s.theatre),
        );
        ok = false;
    }
    if !names.specialties.contains(s.specialty.as_str()) {
        p.push(
            format!("{at}.specialty"),
            format!("'{}' is not a specialty of the hospital", s.specialty),
        );
        ok = false;
    }
    match names.surgeons.get(s.surgeon.as_str()) {
        None => {
            p.push(
                format!("{at}.surgeon"),
                format!("'{}' is not a surgeon of the hospital", s.surgeon),
            );
            ok = false;
        }
        Some(&specialty) if specialty != s.specialty => {
            p.push(
                format!("{at}.surgeon"),
                format!(
                    "'{}' is a {specialty} surgeon, not {}",
                    s.surgeon, s.specialty
                ),
            );
            ok = false;
        }
        Some(_) => {}
    }
    let weekday = p.weekday(format!("{at}.weekday"), &s.weekday);
    let start = p.time(format!("{at}.start"), &s.start);
    let end = p.time(format!("{at}.end"), &s.end);
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        p.push(
            format!("{at}.end"),
            format!("{end} is not after the start {start}"),
        );
        ok = false;
    }
    match (ok, weekday, start, end) {
        (true, Some(weekday), Some(start), Some(end)) => Some(SessionSpec {
            theatre: s.theatre.clone(),
            weekday,
            start,
            end,
            specialty: s.specialty.clone(),
            surgeon: s.surgeon.clone(),
        }),
        _ => None,
    }
}

/// Sessions of one theatre, or of one surgeon, that overlap on a weekday.
fn overlaps(p: &mut Problems, sessions: &[(String, SessionSpec)]) {
    for (i, (at_a, a)) in sessions.iter().enumerate() {
        for (at_b, b) in &sessions[..i] {
            if a.weekday == b.weekday && a.start < b.end && b.start < a.end {
                if a.theatre == b.theatre {
                    p.push(
                        at_a.clone(),
                        format!("overlaps {at_b} in theatre {}", a.theatre),
                    );
                } else if a.surgeon == b.surgeon {
                    p.push(
                        at_a.clone(),
                        format!("overlaps {at_b} for surgeon {}", a.surgeon),
                    );
                }
            }
        }
    }
}

fn patient(
    p: &mut Problems,
    field: &dyn Fn(&str) -> String,
    c: &PatientConfig,
    names: &Names,
    start: Option<NaiveDate>,
) -> Option<WaitingPatient> {
    let mut ok = true;
    if c.id.trim().is_empty() {
        p.push(field("id"), "is empty");
        ok = false;
    }
    if !names.specialties.contains(c.specialty.as_str()) {
        p.push(
            field("specialty"),
            format!("'{}' is not a specialty of the hospital", c.specialty),
        );
        ok = false;
    }
    if c.duration_min == 0 || c.duration_min > MAX_DURATION_MIN {
        p.push(
            field("duration_min"),
            format!("{}: give 1 to {MAX_DURATION_MIN} minutes", c.duration_min),
        );
        ok = false;
    }
    if c.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
        p.push(
            field("length_of_stay_days"),
            format!(
                "{}: at most {MAX_LENGTH_OF_STAY_DAYS}",
                c.length_of_stay_days
            ),
        );
        ok = false;
    }
    let priority = p.priority(field("priority"), &c.priority);
    let listed = p.date(field("listed_date"), &c.listed_date);
    if let (Some(l), Some(s)) = (listed, start)
        && l > s
    {
        p.push(
            field("listed_date"),
            format!(
                "{l} is after the start date {s}: the starting list holds patients listed by then"
            ),
        );
        ok = false;
    }
    let surgeon = c.surgeon.clone().filter(|s| !s.trim().is_empty());
    if let Some(k) = &surgeon {
        match names.surgeons.get(k.as_str()) {
            None => {
                p.push(
                    field("surgeon"),
                    format!("'{k}' is not a surgeon of the hospital"),
                );
                ok = false;
            }
            Some(&sp) if sp != c.specialty => {
                p.push(
                    field("surgeon"),
                    format!("'{k}' is a {sp} surgeon, not {}", c.specialty),
                );
                ok = false;
            }
            Some(_) => {}
        }
    }
    match (ok, priority, listed) {
        (true, Some(priority), Some(listed_date)) => Some(WaitingPatient {
            id: c.id.clone(),
            specialty: c.specialty.clone(),
            procedure: c.procedure.clone(),
            duration_min: c.duration_min,
            priority,
            listed_date,
            surgeon,
            equipment: c.equipment.clone(),
            length_of_stay_days: c.length_of_stay_days,
        }),
        _ => None,
    }
}

fn stream(
    p: &mut Problems,
    at: &str,
    s: &DemandStreamConfig,
    names: &Names,
    case_mix: &BTreeMap<String, Vec<ProcedureConfig>>,
) -> Option<DemandStream> {
    if !names.specialties.contains(s.specialty.as_str()) {
        p.push(
            format!("{at}.specialty"),
            format!("'{}' is not a specialty of the hospital", s.specialty),
        );
    }
    let priority = p.priority(format!("{at}.priority"), &s.priority);
    if !(s.per_week.is_finite() && (0.0..=MAX_PER_WEEK).contains(&s.per_week)) {
        p.push(
            format!("{at}.per_week"),
            format!(
                "{}: give 0 to {MAX_PER_WEEK} additions per week",
                s.per_week
            ),
        );
    }
    p.share(format!("{at}.named_surgeon_share"), s.named_surgeon_share);
    let mut procedures = Vec::new();
    let (own, procedures_at) = if s.case_minutes.is_none() && s.procedures.is_empty() {
        match case_mix.get(&s.specialty) {
            Some(mix) => (mix, format!("demand.case_mix.{}", s.specialty)),
            None => (&s.procedures, format!("{at}.procedures")),
        }
    } else {
        (&s.procedures, format!("{at}.procedures"))
    };
    match (&s.case_minutes, own.is_empty()) {
        (Some(_), false) => p.push(
            at.to_string(),
            "gives both case_minutes and procedures: give one",
        ),
        (None, true) => p.push(
            at.to_string(),
            "gives neither case_minutes nor procedures, and demand.case_mix has none for its specialty: give one",
        ),
        (Some(c), true) => {
            let f = format!("{at}.case_minutes");
            if !(c.mean.is_finite() && c.mean > 0.0) {
                p.push(format!("{f}.mean"), format!("{}: give a positive mean", c.mean));
            }
            if !(c.sd.is_finite() && c.sd >= 0.0) {
                p.push(format!("{f}.sd"), format!("{}: give 0 or more", c.sd));
            }
            if c.min == 0 || c.max > MAX_DURATION_MIN || c.min > c.max {
                p.push(
                    f.clone(),
                    format!(
                        "min {} and max {}: give 1 ≤ min ≤ max ≤ {MAX_DURATION_MIN}",
                        c.min, c.max
                    ),
                );
            }
            let los = s.length_of_stay_days.unwrap_or(0);
            if los > MAX_LENGTH_OF_STAY_DAYS {
                p.push(format!("{at}.length_of_stay_days"), format!("{los}: at most {MAX_LENGTH_OF_STAY_DAYS}"));
            }
            procedures.push(ProcedureSpec {
                name: String::new(),
                share: 1.0,
                mean_min: c.mean,
                sd_min: c.sd,
                min_min: c.min,
                max_min: c.max,
                length_of_stay_days: los,
                equipment: Vec::new(),
            });
        }
        (None, false) => {
            if s.length_of_stay_days.is_some() {
                p.push(
                    format!("{at}.length_of_stay_days"),
                    "goes with case_minutes: give each procedure its own",
                );
            }
            for (j, c) in own.iter().enumerate() {
                let f = format!("{procedures_at}[{j}]");
                if !(c.share.is_finite() && c.share > 0.0) {
                    p.push(format!("{f}.share"), format!("{}: give a positive share", c.share));
                }
                if !(c.mean_min.is_finite() && c.mean_min >= 1.0 && c.mean_min <= f64::from(MAX_DURATION_MIN)) {
                    p.push(format!("{f}.mean_min"), format!("{}: give 1 to {MAX_DURATION_MIN}", c.mean_min));
                }
                if !(c.sd_min.is_finite() && c.sd_min >= 0.0) {
                    p.push(format!("{f}.sd_min"), format!("{}: give 0 or more", c.sd_min));
                }
                if c.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
                    p.push(format!("{f}.length_of_stay_days"), format!("{}: at most {MAX_LENGTH_OF_STAY_DAYS}", c.length_of_stay_days));
                }
                let lo = (c.mean_min - 2.0 * c.sd_min).round().max(5.0).min(f64::from(MAX_DURATION_MIN));
                let hi = (c.mean_min + 2.0 * c.sd_min).round().clamp(lo, f64::from(MAX_DURATION_MIN));
                procedures.push(ProcedureSpec {
                    name: c.name.clone(),
                    share: c.share,
                    mean_min: c.mean_min,
                    sd_min: c.sd_min,
                    min_min: lo as u32,
                    max_min: hi as u32,
                    length_of_stay_days: c.length_of_stay_days,
                    equipment: c.equipment.clone(),
                });
            }
            let total: f64 = procedures.iter().map(|q| q.share).sum();
            if total > 0.0 && total.is_finite() {
                for q in &mut procedures {
                    q.share /= total;
                }
            }
        }
    }
    Some(DemandStream {
        specialty: s.specialty.clone(),
        priority: priority?,
        per_week: s.per_week,
        named_surgeon_share: s.named_surgeon_share,
        procedures,
    })
}

/// Validates a scenario and the starting-list patients read from a CSV export, and
/// builds the [`Scenario`], or returns every problem found.
pub fn validate_scenario(
    config: &ScenarioConfig,
    csv_patients: &[ListedPatient],
) -> Result<Scenario, Vec<ScenarioProblem>> {
    let mut p = Problems(Vec::new());
    if config.name.trim().is_empty() {
        p.push("name", "is empty: give the scenario a name");
    }
    let start = p.date("start_date".into(), &config.start_date);
    if let Some(s) = start
        && s.weekday() != Weekday::Mon
    {
        p.push(
            "start_date",
            format!("{s} is a {}: give a Monday", s.weekday()),
        );
    }
    if config.horizon_weeks == 0 || config.horizon_weeks > MAX_HORIZON_WEEKS {
        p.push(
            "horizon_weeks",
            format!(
                "{}: give 1 to {MAX_HORIZON_WEEKS} weeks",
                config.horizon_weeks
            ),
        );
    }
    if config.week_time_limit_ms == 0 {
        p.push(
            "week_time_limit_ms",
            "is 0: give the safety net in milliseconds",
        );
    }
    let policy = match &config.objective {
        None => Some(ObjectivePolicy::WeightedWait),
        Some(o) => p.policy("objective".into(), o),
    };

    // The hospital.
    let h = &config.hospital;
    p.ids(
        "hospital.theatres",
        "id",
        h.theatres.iter().map(|t| t.id.as_str()),
    );
    p.ids(
        "hospital.specialties",
        "code",
        h.specialties.iter().map(|s| s.code.as_str()),
    );
    p.ids(
        "hospital.surgeons",
        "id",
        h.surgeons.iter().map(|s| s.id.as_str()),
    );
    for (i, s) in h.specialties.iter().enumerate() {
        if s.turnaround_min > MAX_DURATION_MIN {
            p.push(
                format!("hospital.specialties[{i}].turnaround_min"),
                format!("{}: at most {MAX_DURATION_MIN}", s.turnaround_min),
            );
        }
    }
    let names = Names {
        theatres: h.theatres.iter().map(|t| t.id.as_str()).collect(),
        specialties: h.specialties.iter().map(|s| s.code.as_str()).collect(),
        surgeons: h
            .surgeons
            .iter()
            .map(|s| (s.id.as_str(), s.specialty.as_str()))
            .collect(),
    };
    let surgeons: Vec<SurgeonSpec> = h
        .surgeons
        .iter()
        .enumerate()
        .filter_map(|(i, s)| surgeon(&mut p, &format!("hospital.surgeons[{i}]"), s, &names))
        .collect();
    let mut located: Vec<(String, SessionSpec)> = Vec::new();
    for (i, s) in h.sessions.iter().enumerate() {
        let at = format!("hospital.sessions[{i}]");
        if let Some(spec) = session(&mut p, &at, s, &names) {
            located.push((at, spec));
        }
    }
    overlaps(&mut p, &located);
    let sessions: Vec<SessionSpec> = located.iter().map(|(_, s)| s.clone()).collect();
    if h.sessions.is_empty() {
        p.push(
            "hospital.sessions",
            "is empty: give the weekly session template",
        );
    }
    let beds_by_weekday = match &h.ward.elective_beds_by_weekday {
        None => [h.ward.elective_beds; 7],
        Some(v) => match <[u32; 7]>::try_from(v.as_slice()) {
            Ok(a) => a,
            Err(_) => {
                p.push(
                    "hospital.ward.elective_beds_by_weekday",
                    format!("{} figures: give seven, Monday first", v.len()),
                );
                [h.ward.elective_beds; 7]
            }
        },
    };

    // The starting list.
    let mut starting_list = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let no_columns = BTreeMap::new();
    let inline = config
        .waiting_list
        .patients
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("waiting_list.patients[{i}]"), None, c));
    let from_csv = csv_patients
        .iter()
        .map(|l| (l.location.clone(), Some(&l.columns), &l.patient));
    for (at, columns, c) in inline.chain(from_csv) {
        let field = |f: &str| match columns.unwrap_or(&no_columns).get(f) {
            Some(column) => format!("{at}, {column}"),
            None if columns.is_some() => format!("{at} ({f})"),
            None => format!("{at}.{f}"),
        };
        if let Some(first) = ids.get(&c.id) {
            p.push(
                field("id"),
                format!("'{}' is already used at {first}", c.id),
            );
            continue;
        }
        ids.insert(c.id.clone(), at.clone());
        if let Some(w) = patient(&mut p, &field, c, &names, start) {
            starting_list.push(w);
        }
    }

    // Demand.
    let d = &config.demand;
    p.share("demand.cancellation_rate".into(), d.cancellation_rate);
    p.share(
        "demand.validation_removal_rate".into(),
        d.validation_removal_rate,
    );
    let seasonal_factors = match &d.seasonal_factors {
        None => [1.0; 12],
        Some(v) => {
            for (m, f) in v.iter().enumerate() {
                if !(f.is_finite() && (0.0..=10.0).contains(f)) {
                    p.push(
                        format!("demand.seasonal_factors[{m}]"),
                        format!("{f}: give 0 to 10"),
                    );
                }
            }
            <[f64; 12]>::try_from(v.as_slice()).unwrap_or_else(|_| {
                p.push(
                    "demand.seasonal_factors",
                    format!("{} figures: give twelve, January first", v.len()),
                );
                [1.0; 12]
            })
        }
    };
    for code in d.case_mix.keys() {
        if !names.specialties.contains(code.as_str()) {
            p.push(
                format!("demand.case_mix.{code}"),
                format!("'{code}' is not a specialty of the hospital"),
            );
        }
    }
    let mut seen_streams: HashMap<(String, String), usize> = HashMap::new();
    let mut streams = Vec::new();
    for (i, s) in d.streams.iter().enumerate() {
        let at = format!("demand.streams[{i}]");
        let key = (s.specialty.clone(), s.priority.trim().to_ascii_uppercase());
        if let Some(first) = seen_streams.insert(key.clone(), i) {
            seen_streams.insert(key, first);
            p.push(
                at.clone(),
                format!(
                    "{} {} is already given by demand.streams[{first}]",
                    s.specialty, s.priority
                ),
            );
        }
        if let Some(stream) = stream(&mut p, &at, s, &names, &d.case_mix) {
            streams.push(stream);
        }
    }

    // Variants.
    let mut variant_names: HashMap<&str, usize> = HashMap::new();
    let mut variants = Vec::new();
    for (i, v) in config.variants.iter().enumerate() {
        let at = format!("variants[{i}]");
        if v.name.trim().is_empty() || v.name == BASELINE || v.name.contains(',') {
            p.push(
                format!("{at}.name"),
                format!(
                    "'{}': give a name other than '{BASELINE}', without commas",
                    v.name
                ),
            );
        } else if let Some(first) = variant_names.insert(v.name.as_str(), i) {
            variant_names.insert(v.name.as_str(), first);
            p.push(
                format!("{at}.name"),
                format!("'{}' is already used by variants[{first}]", v.name),
            );
        }
        if config.horizon_weeks > 0 && v.from_week >= config.horizon_weeks {
            p.push(
                format!("{at}.from_week"),
                format!(
                    "{} is past the horizon ({} weeks, numbered from 0)",
                    v.from_week, config.horizon_weeks
                ),
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
        // Surgeons who join.
        p.ids(
            &format!("{at}.add_surgeons"),
            "id",
            v.add_surgeons.iter().map(|s| s.id.as_str()),
        );
        let mut add_surgeons = Vec::new();
        for (j, s) in v.add_surgeons.iter().enumerate() {
            let f = format!("{at}.add_surgeons[{j}]");
            if names.surgeons.contains_key(s.id.as_str()) {
                p.push(
                    format!("{f}.id"),
                    format!("'{}' is already a surgeon of the hospital", s.id),
                );
            }
            if let Some(k) = surgeon(&mut p, &f, s, &names) {
                add_surgeons.push(k);
            }
        }
        let mut variant_names_ctx = Names {
            theatres: names.theatres.clone(),
            specialties: names.specialties.clone(),
            surgeons: names.surgeons.clone(),
        };
        for s in &v.add_surgeons {
            variant_names_ctx
                .surgeons
                .insert(s.id.as_str(), s.specialty.as_str());
        }
        for (j, k) in v.remove_surgeons.iter().enumerate() {
            if !names.surgeons.contains_key(k.as_str()) {
                p.push(
                    format!("{at}.remove_surgeons[{j}]"),
                    format!("'{k}' is not a surgeon of the hospital"),
                );
            }
        }
        for (j, t) in v.close_theatres.iter().enumerate() {
            if !names.theatres.contains(t.as_str()) {
                p.push(
                    format!("{at}.close_theatres[{j}]"),
                    format!("'{t}' is not a theatre of the hospital"),
                );
            }
        }
        let mut remove_sessions = Vec::new();
        for (j, m) in v.remove_sessions.iter().enumerate() {
            let f = format!("{at}.remove_sessions[{j}]");
            if m.theatre.is_none() && m.weekday.is_none() && m.specialty.is_none() {
                p.push(
                    f.clone(),
                    "matches every session: give a theatre, a weekday or a specialty",
                );
                continue;
            }
            if let Some(t) = &m.theatre
                && !names.theatres.contains(t.as_str())
            {
                p.push(
                    format!("{f}.theatre"),
                    format!("'{t}' is not a theatre of the hospital"),
                );
            }
            if let Some(c) = &m.specialty
                && !names.specialties.contains(c.as_str())
            {
                p.push(
                    format!("{f}.specialty"),
                    format!("'{c}' is not a specialty of the hospital"),
                );
            }
            let weekday = match &m.weekday {
                None => None,
                Some(w) => match p.weekday(format!("{f}.weekday"), w) {
                    Some(w) => Some(w),
                    None => continue,
                },
            };
            let matcher = SessionMatch {
                theatre: m.theatre.clone(),
                weekday,
                specialty: m.specialty.clone(),
            };
            if !sessions.iter().any(|s| matcher.matches(s)) {
                p.push(f, "matches no session of the template");
            }
            remove_sessions.push(matcher);
        }
        let mut add_sessions = Vec::new();
        let mut combined: Vec<(String, SessionSpec)> = located
            .iter()
            .filter(|(_, s)| {
                !remove_sessions.iter().any(|m| m.matches(s))
                    && !v.close_theatres.contains(&s.theatre)
            })
            .cloned()
            .collect();
        for (j, s) in v.add_sessions.iter().enumerate() {
            let f = format!("{at}.add_sessions[{j}]");
            if let Some(spec) = session(&mut p, &f, s, &variant_names_ctx) {
                add_sessions.push(spec.clone());
                combined.push((f, spec));
            }
        }
        // Only overlaps that involve an added session are the variant's own.
        let mut q = Problems(Vec::new());
        overlaps(&mut q, &combined);
        p.0.extend(q.0.into_iter().filter(|e| e.location.starts_with(&at)));
        let change = v.session_length_change_min.unwrap_or(0);
        if change != 0 {
            for (loc, s) in &combined {
                let end = i64::from(s.end.num_seconds_from_midnight()) / 60 + i64::from(change);
                let start = i64::from(s.start.num_seconds_from_midnight()) / 60;
                if end <= start || end > 24 * 60 - 1 {
                    p.push(
                        format!("{at}.session_length_change_min"),
                        format!("{change} minutes would make {loc} end at minute {end} of the day: it must end after it starts, by 23:59"),
                    );
                    break;
                }
            }
        }
        for (code, &t) in &v.turnaround_min {
            if !names.specialties.contains(code.as_str()) {
                p.push(
                    format!("{at}.turnaround_min.{code}"),
                    format!("'{code}' is not a specialty of the hospital"),
                );
            } else if t > MAX_DURATION_MIN {
                p.push(
                    format!("{at}.turnaround_min.{code}"),
                    format!("{t}: at most {MAX_DURATION_MIN}"),
                );
            }
        }
        let pct = v.demand_change_pct.unwrap_or(0.0);
        if !(pct.is_finite() && (-100.0..=1000.0).contains(&pct)) {
            p.push(
                format!("{at}.demand_change_pct"),
                format!("{pct}: give -100 to 1000"),
            );
        }
        for (code, &pct) in &v.demand_change_pct_by_specialty {
            if !names.specialties.contains(code.as_str()) {
                p.push(
                    format!("{at}.demand_change_pct_by_specialty.{code}"),
                    format!("'{code}' is not a specialty of the hospital"),
                );
            } else if !(pct.is_finite() && (-100.0..=1000.0).contains(&pct)) {
                p.push(
                    format!("{at}.demand_change_pct_by_specialty.{code}"),
                    format!("{pct}: give -100 to 1000"),
                );
            }
        }
        let policy = v
            .objective
            .as_ref()
            .and_then(|o| p.policy(format!("{at}.objective"), o));
        variants.push(Variant {
            name: v.name.clone(),
            from_week: v.from_week,
            to_week: v.to_week,
            add_sessions,
            remove_sessions,
            close_theatres: v.close_theatres.clone(),
            add_surgeons,
            remove_surgeons: v.remove_surgeons.clone(),
            session_length_change_min: change,
            turnaround_min: v.turnaround_min.clone(),
            demand_change_pct: pct,
            demand_change_pct_by_specialty: v.demand_change_pct_by_specialty.clone(),
            ward_beds: v.ward_beds,
            policy,
        });
    }

    if !p.0.is_empty() {
        // A shared case mix is checked once per stream using it: report each problem once.
        let mut seen = BTreeSet::new();
        p.0.retain(|e| seen.insert((e.location.clone(), e.message.clone())));
        return Err(p.0);
    }
    Ok(Scenario {
        name: config.name.clone(),
        start: start.expect("checked above"),
        horizon_weeks: config.horizon_weeks,
        seed: config.seed,
        week_time_limit: Duration::from_millis(u64::from(config.week_time_limit_ms)),
        policy: policy.expect("checked above"),
        hospital: Hospital {
            theatres: h
                .theatres
                .iter()
                .map(|t| TheatreSpec {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    equipment: t.equipment.clone(),
                })
                .collect(),
            specialties: h
                .specialties
                .iter()
                .map(|s| (s.code.clone(), s.turnaround_min))
                .collect(),
            surgeons,
            sessions,
            beds_by_weekday,
        },
        starting_list,
        demand: Demand {
            cancellation_rate: d.cancellation_rate,
            validation_removal_rate: d.validation_removal_rate,
            seasonal_factors,
            streams,
        },
        variants,
    })
}
