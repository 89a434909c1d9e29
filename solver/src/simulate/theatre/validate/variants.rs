//! The variants: each a named set of changes to the baseline hospital and demand, in
//! force from one week to another. One function per change family.

use std::collections::HashMap;

use chrono::Timelike;

use super::hospital::{CheckedHospital, Names, overlaps, session, surgeon};
use crate::simulate::problems::{Problems, demand_change_pct_in_range};
use crate::simulate::theatre::config::*;
use crate::simulate::theatre::scenario::*;
use crate::validation::MAX_DURATION_MIN;

/// Every variant of the file, in file order.
pub(super) fn check_variants(
    p: &mut Problems,
    config: &ScenarioConfig,
    hospital: &CheckedHospital,
) -> Vec<Variant> {
    let mut variant_names: HashMap<&str, usize> = HashMap::new();
    let mut variants = Vec::new();
    for (i, v) in config.variants.iter().enumerate() {
        let at = format!("variants[{i}]");
        if p.variant_name(&at, &v.name)
            && let Some(first) = variant_names.insert(v.name.as_str(), i)
        {
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
        p.variant_weeks(&at, v.from_week, v.to_week);
        variants.push(variant(p, &at, v, hospital));
    }
    variants
}

/// One variant's changes, checked against the baseline hospital.
fn variant(p: &mut Problems, at: &str, v: &VariantConfig, hospital: &CheckedHospital) -> Variant {
    let names = &hospital.names;
    let add_surgeons = added_surgeons(p, at, v, names);
    removed_surgeons_and_closed_theatres(p, at, v, names);
    let remove_sessions = removed_sessions(p, at, v, names, &hospital.hospital.sessions);
    let (add_sessions, combined) = added_sessions(p, at, v, hospital, &remove_sessions);
    let change = v.session_length_change_min.unwrap_or(0);
    session_length_change(p, at, change, &combined);
    turnarounds(p, at, v, names);
    let pct = demand_changes(p, at, v, names);
    let policy = v
        .objective
        .as_ref()
        .and_then(|o| p.policy(format!("{at}.objective"), o));
    let planner = v
        .planner
        .as_ref()
        .and_then(|o| p.planner(format!("{at}.planner"), o));
    Variant {
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
        planner,
    }
}

/// Surgeons who join: new ids, each checked as a hospital surgeon is.
fn added_surgeons(
    p: &mut Problems,
    at: &str,
    v: &VariantConfig,
    names: &Names,
) -> Vec<SurgeonSpec> {
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
        if let Some(k) = surgeon(p, &f, s, names) {
            add_surgeons.push(k);
        }
    }
    add_surgeons
}

/// Surgeons who leave and theatres that close: each must be the hospital's.
fn removed_surgeons_and_closed_theatres(
    p: &mut Problems,
    at: &str,
    v: &VariantConfig,
    names: &Names,
) {
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
}

/// Sessions removed from the template: each matcher names something and matches a
/// session.
fn removed_sessions(
    p: &mut Problems,
    at: &str,
    v: &VariantConfig,
    names: &Names,
    sessions: &[SessionSpec],
) -> Vec<SessionMatch> {
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
    remove_sessions
}

/// Sessions added (their surgeon may be one who joins), and the variant's template: the
/// baseline's sessions kept, then the added ones, each with its location. Only overlaps
/// that involve an added session are the variant's own.
fn added_sessions(
    p: &mut Problems,
    at: &str,
    v: &VariantConfig,
    hospital: &CheckedHospital,
    remove_sessions: &[SessionMatch],
) -> (Vec<SessionSpec>, Vec<(String, SessionSpec)>) {
    let names = &hospital.names;
    let mut with_joiners = Names {
        theatres: names.theatres.clone(),
        specialties: names.specialties.clone(),
        surgeons: names.surgeons.clone(),
    };
    for s in &v.add_surgeons {
        with_joiners
            .surgeons
            .insert(s.id.as_str(), s.specialty.as_str());
    }
    let mut add_sessions = Vec::new();
    let mut combined: Vec<(String, SessionSpec)> = hospital
        .located
        .iter()
        .filter(|(_, s)| {
            !remove_sessions.iter().any(|m| m.matches(s)) && !v.close_theatres.contains(&s.theatre)
        })
        .cloned()
        .collect();
    for (j, s) in v.add_sessions.iter().enumerate() {
        let f = format!("{at}.add_sessions[{j}]");
        if let Some(spec) = session(p, &f, s, &with_joiners) {
            add_sessions.push(spec.clone());
            combined.push((f, spec));
        }
    }
    let mut q = Problems(Vec::new());
    overlaps(&mut q, &combined);
    p.0.extend(q.0.into_iter().filter(|e| e.location.starts_with(at)));
    (add_sessions, combined)
}

/// A change of every session's length must leave each session of the variant's
/// template ending after it starts, by 23:59. The first session it breaks is named.
fn session_length_change(
    p: &mut Problems,
    at: &str,
    change: i32,
    combined: &[(String, SessionSpec)],
) {
    if change == 0 {
        return;
    }
    for (loc, s) in combined {
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

/// Turnarounds changed, by specialty of the hospital.
fn turnarounds(p: &mut Problems, at: &str, v: &VariantConfig, names: &Names) {
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
}

/// Demand changes, overall and by specialty; returns the overall one (0 when not given).
fn demand_changes(p: &mut Problems, at: &str, v: &VariantConfig, names: &Names) -> f64 {
    let pct = v.demand_change_pct.unwrap_or(0.0);
    p.demand_change_pct(format!("{at}.demand_change_pct"), pct);
    for (code, &pct) in &v.demand_change_pct_by_specialty {
        if !names.specialties.contains(code.as_str()) {
            p.push(
                format!("{at}.demand_change_pct_by_specialty.{code}"),
                format!("'{code}' is not a specialty of the hospital"),
            );
        } else if !demand_change_pct_in_range(pct) {
            p.push(
                format!("{at}.demand_change_pct_by_specialty.{code}"),
                format!("{pct}: give -100 to 1000"),
            );
        }
    }
    pct
}
