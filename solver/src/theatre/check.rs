//! Re-checks any plan (the solver's, or one edited by hand) against every hard rule of
//! docs/model.md and recomputes its metrics from the request alone.
//!
//! It reads the plan as a scheduler would write it (ids and clock times), so it shares
//! nothing with how the solver represents a plan. The service runs it on every plan
//! before the plan leaves; `clinicplan check` runs it on a file.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveTime;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx, SurgeonIdx};
use crate::theatre::eligibility::check_pair;
use crate::theatre::plan::{Plan, flag_rank};

/// A plan as ids and times.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProposedPlan {
    pub sessions: Vec<ProposedSession>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProposedSession {
    pub session_id: String,
    pub cases: Vec<ProposedCase>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProposedCase {
    pub patient_id: String,
    /// "HH:MM".
    pub start_time: String,
    /// "HH:MM".
    pub end_time: String,
}

/// A broken hard rule: its code (docs/errors.md), where in the plan, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.path, self.message)
    }
}

/// What the check found.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// Broken hard rules; empty for a valid plan.
    pub violations: Vec<Violation>,
    /// Departures from the documented list order (not hard rules).
    pub warnings: Vec<Violation>,
    /// The assignment read from the plan (unknown ids and repeats left out).
    pub assignment: Assignment,
    /// Recomputed: Σ over every patient of the weighted-wait cost.
    pub weighted_wait: f64,
    pub patients_scheduled: u32,
    pub minutes_scheduled: u32,
    /// Σ (end of last case − session start) / Σ session length.
    pub utilisation: f64,
    pub scheduled_by_priority: [u32; 4],
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

impl Plan {
    /// The plan as ids and clock times, for [`check`].
    pub fn to_proposed(&self, instance: &Instance) -> ProposedPlan {
        ProposedPlan {
            sessions: self
                .lists
                .iter()
                .map(|l| ProposedSession {
                    session_id: instance.session(l.session).id.clone(),
                    cases: l
                        .cases
                        .iter()
                        .map(|c| ProposedCase {
                            patient_id: instance.patient(c.patient).id.clone(),
                            start_time: c.start.format("%H:%M").to_string(),
                            end_time: c.end.format("%H:%M").to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn minutes(a: NaiveTime, b: NaiveTime) -> i64 {
    (b - a).num_minutes()
}

/// Checks `plan` against `instance`.
pub fn check(instance: &Instance, plan: &ProposedPlan) -> CheckReport {
    let mut v = Vec::new();
    let mut warnings = Vec::new();
    let push = |v: &mut Vec<Violation>, code, path: String, message: String| {
        v.push(Violation {
            code,
            path,
            message,
        })
    };
    let session_by_id: HashMap<&str, SessionIdx> = instance
        .session_indices()
        .map(|s| (instance.session(s).id.as_str(), s))
        .collect();
    let patient_by_id: HashMap<&str, PatientIdx> = instance
        .patient_indices()
        .map(|p| (instance.patient(p).id.as_str(), p))
        .collect();

    let mut assignment = Assignment::empty(instance);
    let mut seen_sessions: HashMap<SessionIdx, usize> = HashMap::new();
    let mut seen_patients: HashMap<PatientIdx, String> = HashMap::new();
    let mut used_total: i64 = 0;
    let mut minutes_scheduled = 0u32;
    let mut surgeon_day: BTreeMap<(SurgeonIdx, u32), u32> = BTreeMap::new();
    let mut beds: BTreeMap<i64, u32> = BTreeMap::new();

    for (i, ps) in plan.sessions.iter().enumerate() {
        let path = format!("sessions[{i}]");
        let Some(&s) = session_by_id.get(ps.session_id.as_str()) else {
            push(
                &mut v,
                "CP2001",
                format!("{path}.session_id"),
                format!("unknown session '{}'", ps.session_id),
            );
            continue;
        };
        if let Some(first) = seen_sessions.insert(s, i) {
            push(
                &mut v,
                "CP2002",
                format!("{path}.session_id"),
                format!(
                    "session '{}' is listed twice (also sessions[{first}])",
                    ps.session_id
                ),
            );
            continue;
        }
        let session = instance.session(s);
        let turnaround = i64::from(instance.turnaround(s));
        // (start, end, patient, case index) of the cases that parsed.
        let mut timed: Vec<(NaiveTime, NaiveTime, PatientIdx, usize)> = Vec::new();
        for (j, case) in ps.cases.iter().enumerate() {
            let cpath = format!("{path}.cases[{j}]");
            let Some(&p) = patient_by_id.get(case.patient_id.as_str()) else {
                push(
                    &mut v,
                    "CP2003",
                    format!("{cpath}.patient_id"),
                    format!("unknown patient '{}'", case.patient_id),
                );
                continue;
            };
            if let Some(first) = seen_patients.insert(p, cpath.clone()) {
                push(
                    &mut v,
                    "CP2004",
                    format!("{cpath}.patient_id"),
                    format!(
                        "patient '{}' is booked twice (also {first}): a patient goes at most once",
                        case.patient_id
                    ),
                );
                continue;
            }
            let patient = instance.patient(p);
            if let Err(why) = check_pair(instance, p, s) {
                push(
                    &mut v,
                    "CP2010",
                    format!("{cpath}.patient_id"),
                    format!(
                        "patient '{}' cannot go to session '{}': {}",
                        patient.id,
                        session.id,
                        why.describe()
                    ),
                );
            }
            assignment.set(p, Some(s));
            minutes_scheduled += patient.duration_min;
            *surgeon_day
                .entry((session.surgeon, session.day))
                .or_insert(0) += patient.duration_min;
            for day in instance.bed_days(p, session.day) {
                if instance.free_beds.contains_key(&day) {
                    *beds.entry(day).or_insert(0) += 1;
                }
            }
            let start = NaiveTime::parse_from_str(&case.start_time, "%H:%M");
            let end = NaiveTime::parse_from_str(&case.end_time, "%H:%M");
            let (Ok(start), Ok(end)) = (start, end) else {
                push(
                    &mut v,
                    "CP2005",
                    cpath,
                    "start_time and end_time must be HH:MM".to_string(),
                );
                continue;
            };
            if minutes(start, end) != i64::from(patient.duration_min) {
                push(
                    &mut v,
                    "CP2011",
                    cpath.clone(),
                    format!(
                        "the case runs {}–{} ({} min) but is expected to take {} min",
                        case.start_time,
                        case.end_time,
                        minutes(start, end),
                        patient.duration_min
                    ),
                );
            }
            if start < session.start || end > session.end || end < start {
                push(
                    &mut v,
                    "CP2012",
                    cpath.clone(),
                    format!(
                        "the case runs {}–{}, outside the session's {}–{}",
                        case.start_time,
                        case.end_time,
                        session.start.format("%H:%M"),
                        session.end.format("%H:%M")
                    ),
                );
            }
            timed.push((start, end, p, j));
        }
        // Cases in time order: each starts at least one turnaround after the last ends.
        let listed: Vec<PatientIdx> = timed.iter().map(|t| t.2).collect();
        timed.sort_by_key(|t| (t.0, t.3));
        for w in timed.windows(2) {
            let (_, prev_end, _, _) = w[0];
            let (next_start, _, _, j) = w[1];
            if minutes(prev_end, next_start) < turnaround {
                push(
                    &mut v,
                    "CP2013",
                    format!("{path}.cases[{j}]"),
                    format!(
                        "starts {} min after the previous case ends; the turnaround is {turnaround} min",
                        minutes(prev_end, next_start)
                    ),
                );
            }
        }
        let load: i64 = ps
            .cases
            .iter()
            .filter_map(|c| patient_by_id.get(c.patient_id.as_str()))
            .map(|&p| i64::from(instance.patient(p).duration_min) + turnaround)
            .sum();
        if load > i64::from(session.length_min) + turnaround {
            push(
                &mut v,
                "CP2014",
                path.clone(),
                format!(
                    "cases and turnarounds need {} min, the session has {} min",
                    load - turnaround,
                    session.length_min
                ),
            );
        }
        if let Some(last) = timed.iter().map(|t| t.1).max() {
            used_total += minutes(session.start, last).clamp(0, i64::from(session.length_min));
        }
        // The documented list order (a warning, not a hard rule).
        let by_time: Vec<PatientIdx> = timed.iter().map(|t| t.2).collect();
        let mut expected = listed.clone();
        crate::theatre::plan::order_cases(instance, &mut expected);
        let ranks = |order: &[PatientIdx]| -> Vec<u8> {
            order
                .iter()
                .map(|&p| flag_rank(instance.patient(p)))
                .collect()
        };
        if ranks(&by_time) != ranks(&expected) {
            push(
                &mut warnings,
                "CP2101",
                path.clone(),
                "the cases are not in the documented order (latex allergy, children, diabetics, others, infected last)".to_string(),
            );
        }
    }

    for ((k, day), used) in &surgeon_day {
        let max = instance.surgeons[k.idx()].max_minutes_per_day;
        if *used > max {
            push(
                &mut v,
                "CP2015",
                format!("surgeons[{}]", instance.surgeons[k.idx()].id),
                format!(
                    "operates {used} min on {} but may do {max} min a day",
                    instance.planning_start + chrono::Days::new(u64::from(*day))
                ),
            );
        }
    }
    for (day, used) in &beds {
        let free = instance.free_beds[day];
        if *used > free {
            push(
                &mut v,
                "CP2016",
                format!("ward_beds[{day}]"),
                format!("{used} inpatients need a bed on day {day} of the plan, {free} are free"),
            );
        }
    }
    for &(p, s) in &instance.pinned {
        if assignment.get(p) != Some(s) {
            push(
                &mut v,
                "CP2017",
                format!("pinned[{}]", instance.patient(p).id),
                format!(
                    "patient '{}' is pinned to session '{}' but the plan does not keep it",
                    instance.patient(p).id,
                    instance.session(s).id
                ),
            );
        }
    }

    let session_minutes: i64 = instance
        .sessions
        .iter()
        .map(|s| i64::from(s.length_min))
        .sum();
    let patients_scheduled = assignment.scheduled().count() as u32;
    CheckReport {
        violations: v,
        warnings,
        weighted_wait: assignment.weighted_wait(instance),
        patients_scheduled,
        minutes_scheduled,
        utilisation: if session_minutes == 0 {
            0.0
        } else {
            used_total as f64 / session_minutes as f64
        },
        scheduled_by_priority: assignment.counts_by_priority(instance),
        assignment,
    }
}
