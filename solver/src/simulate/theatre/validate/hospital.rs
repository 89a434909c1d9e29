//! The hospital: theatres, specialties, surgeons, the weekly session template and the
//! ward.

use std::collections::{BTreeMap, BTreeSet};

use crate::simulate::problems::Problems;
use crate::simulate::theatre::config::*;
use crate::simulate::theatre::scenario::*;
use crate::validation::MAX_DURATION_MIN;

/// What the checks of sessions and surgeons need to know about the hospital.
pub(super) struct Names<'a> {
    pub(super) theatres: BTreeSet<&'a str>,
    pub(super) specialties: BTreeSet<&'a str>,
    /// Surgeon id → specialty.
    pub(super) surgeons: BTreeMap<&'a str, &'a str>,
}

pub(super) fn surgeon(
    p: &mut Problems,
    at: &str,
    s: &SurgeonConfig,
    names: &Names,
) -> Option<SurgeonSpec> {
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

pub(super) fn session(
    p: &mut Problems,
    at: &str,
    s: &SessionConfig,
    names: &Names,
) -> Option<SessionSpec> {
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
pub(super) fn overlaps(p: &mut Problems, sessions: &[(String, SessionSpec)]) {
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

/// The hospital checked: what the scenario keeps, and what later sections check against.
pub(super) struct CheckedHospital<'a> {
    pub(super) hospital: Hospital,
    pub(super) names: Names<'a>,
    /// The template's sessions, each with its location.
    pub(super) located: Vec<(String, SessionSpec)>,
}

/// Ids, turnarounds, surgeons, sessions and their overlaps, and the ward's beds.
pub(super) fn check_hospital<'a>(p: &mut Problems, h: &'a HospitalConfig) -> CheckedHospital<'a> {
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
        .filter_map(|(i, s)| surgeon(p, &format!("hospital.surgeons[{i}]"), s, &names))
        .collect();
    let located = template_sessions(p, h, &names);
    let sessions: Vec<SessionSpec> = located.iter().map(|(_, s)| s.clone()).collect();
    let beds_by_weekday = beds_by_weekday(p, &h.ward);
    CheckedHospital {
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
        names,
        located,
    }
}

/// The weekly session template: each session, then their overlaps.
fn template_sessions(
    p: &mut Problems,
    h: &HospitalConfig,
    names: &Names,
) -> Vec<(String, SessionSpec)> {
    let mut located: Vec<(String, SessionSpec)> = Vec::new();
    for (i, s) in h.sessions.iter().enumerate() {
        let at = format!("hospital.sessions[{i}]");
        if let Some(spec) = session(p, &at, s, names) {
            located.push((at, spec));
        }
    }
    overlaps(p, &located);
    if h.sessions.is_empty() {
        p.push(
            "hospital.sessions",
            "is empty: give the weekly session template",
        );
    }
    located
}

/// Elective beds free, Monday first: one figure for every day, or seven.
fn beds_by_weekday(p: &mut Problems, ward: &WardConfig) -> [u32; 7] {
    match &ward.elective_beds_by_weekday {
        None => [ward.elective_beds; 7],
        Some(v) => match <[u32; 7]>::try_from(v.as_slice()) {
            Ok(a) => a,
            Err(_) => {
                p.push(
                    "hospital.ward.elective_beds_by_weekday",
                    format!("{} figures: give seven, Monday first", v.len()),
                );
                [ward.elective_beds; 7]
            }
        },
    }
}
