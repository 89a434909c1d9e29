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
use crate::theatre::plan::{Plan, flag_rank, order_cases};

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
    /// Recomputed: the stability cost against the previous plan (0 unless re-planning).
    pub stability_cost: f64,
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

/// Checks `plan` against `instance`: each session and its cases in the plan's order,
/// then the rules across sessions (surgeon days, ward beds, pins), then the metrics.
pub fn check(instance: &Instance, plan: &ProposedPlan) -> CheckReport {
    let mut checker = Checker::new(instance);
    for (i, ps) in plan.sessions.iter().enumerate() {
        checker.session(i, ps);
    }
    checker.surgeon_days();
    checker.ward_beds();
    checker.pins();
    checker.report()
}

/// The check's running state: what was found so far, and the tallies of the cases read.
struct Checker<'a> {
    instance: &'a Instance,
    violations: Vec<Violation>,
    warnings: Vec<Violation>,
    session_by_id: HashMap<&'a str, SessionIdx>,
    patient_by_id: HashMap<&'a str, PatientIdx>,
    assignment: Assignment,
    seen_sessions: HashMap<SessionIdx, usize>,
    seen_patients: HashMap<PatientIdx, String>,
    used_total: i64,
    minutes_scheduled: u32,
    surgeon_day: BTreeMap<(SurgeonIdx, u32), u32>,
    beds: BTreeMap<i64, u32>,
}

/// A case whose times parsed: (start, end, patient, case index).
type TimedCase = (NaiveTime, NaiveTime, PatientIdx, usize);

fn push(v: &mut Vec<Violation>, code: &'static str, path: String, message: String) {
    v.push(Violation {
        code,
        path,
        message,
    })
}

impl<'a> Checker<'a> {
    fn new(instance: &'a Instance) -> Self {
        let session_by_id: HashMap<&str, SessionIdx> = instance
            .session_indices()
            .map(|s| (instance.session(s).id.as_str(), s))
            .collect();
        let patient_by_id: HashMap<&str, PatientIdx> = instance
            .patient_indices()
            .map(|p| (instance.patient(p).id.as_str(), p))
            .collect();
        Checker {
            instance,
            violations: Vec::new(),
            warnings: Vec::new(),
            session_by_id,
            patient_by_id,
            assignment: Assignment::empty(instance),
            seen_sessions: HashMap::new(),
            seen_patients: HashMap::new(),
            used_total: 0,
            minutes_scheduled: 0,
            surgeon_day: BTreeMap::new(),
            beds: BTreeMap::new(),
        }
    }

    /// One listed session: its id (CP2001, CP2002), its cases, their turnarounds
    /// (CP2013), its load (CP2014), its used minutes and its list order (CP2101).
    fn session(&mut self, i: usize, ps: &ProposedSession) {
        let instance = self.instance;
        let path = format!("sessions[{i}]");
        let Some(&s) = self.session_by_id.get(ps.session_id.as_str()) else {
            push(
                &mut self.violations,
                "CP2001",
                format!("{path}.session_id"),
                format!("unknown session '{}'", ps.session_id),
            );
            return;
        };
        if let Some(first) = self.seen_sessions.insert(s, i) {
            push(
                &mut self.violations,
                "CP2002",
                format!("{path}.session_id"),
                format!(
                    "session '{}' is listed twice (also sessions[{first}])",
                    ps.session_id
                ),
            );
            return;
        }
        let session = instance.session(s);
        let turnaround = i64::from(instance.turnaround(s));
        let mut timed: Vec<TimedCase> = Vec::new();
        for (j, case) in ps.cases.iter().enumerate() {
            let cpath = format!("{path}.cases[{j}]");
            if let Some(t) = self.case(s, j, cpath, case) {
                timed.push(t);
            }
        }
        // Cases in time order: each starts at least one turnaround after the last ends.
        let listed: Vec<PatientIdx> = timed.iter().map(|t| t.2).collect();
        timed.sort_by_key(|t| (t.0, t.3));
        self.turnarounds(&path, &timed, turnaround);
        self.session_load(&path, ps, s);
        if let Some(last) = timed.iter().map(|t| t.1).max() {
            self.used_total += minutes(session.start, last).clamp(0, i64::from(session.length_min));
        }
        self.list_order(&path, &timed, listed);
    }

    /// One case: its patient's id (CP2003, CP2004), the pair (CP2010), the tallies, its
    /// times (CP2005, CP2011, CP2012). The case with its times, when they parsed.
    fn case(
        &mut self,
        s: SessionIdx,
        j: usize,
        cpath: String,
        case: &ProposedCase,
    ) -> Option<TimedCase> {
        let p = self.booked_patient(&cpath, case)?;
        self.book(s, p, &cpath);
        let (start, end) = self.case_times(s, p, cpath, case)?;
        Some((start, end, p, j))
    }

    /// The case's patient: a known id (CP2003) booked once (CP2004).
    fn booked_patient(&mut self, cpath: &str, case: &ProposedCase) -> Option<PatientIdx> {
        let v = &mut self.violations;
        let Some(&p) = self.patient_by_id.get(case.patient_id.as_str()) else {
            push(
                v,
                "CP2003",
                format!("{cpath}.patient_id"),
                format!("unknown patient '{}'", case.patient_id),
            );
            return None;
        };
        if let Some(first) = self.seen_patients.insert(p, cpath.to_string()) {
            push(
                v,
                "CP2004",
                format!("{cpath}.patient_id"),
                format!(
                    "patient '{}' is booked twice (also {first}): a patient goes at most once",
                    case.patient_id
                ),
            );
            return None;
        }
        Some(p)
    }

    /// Books patient `p` into session `s`: the pair's rules (CP2010), then the tallies of
    /// the assignment, minutes, surgeon-days and ward beds that later checks read.
    fn book(&mut self, s: SessionIdx, p: PatientIdx, cpath: &str) {
        let instance = self.instance;
        let session = instance.session(s);
        let patient = instance.patient(p);
        if let Err(why) = check_pair(instance, p, s) {
            push(
                &mut self.violations,
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
        self.assignment.set(p, Some(s));
        self.minutes_scheduled += patient.duration_min;
        *self
            .surgeon_day
            .entry((session.surgeon, session.day))
            .or_insert(0) += patient.duration_min;
        for day in instance.bed_days(p, session.day) {
            if instance.free_beds.contains_key(&day) {
                *self.beds.entry(day).or_insert(0) += 1;
            }
        }
    }

    /// The case's times: clock times (CP2005), as long as the case (CP2011), inside the
    /// session (CP2012). `None` when they do not parse.
    fn case_times(
        &mut self,
        s: SessionIdx,
        p: PatientIdx,
        cpath: String,
        case: &ProposedCase,
    ) -> Option<(NaiveTime, NaiveTime)> {
        let instance = self.instance;
        let session = instance.session(s);
        let patient = instance.patient(p);
        let v = &mut self.violations;
        let start = NaiveTime::parse_from_str(&case.start_time, "%H:%M");
        let end = NaiveTime::parse_from_str(&case.end_time, "%H:%M");
        let (Ok(start), Ok(end)) = (start, end) else {
            push(
                v,
                "CP2005",
                cpath,
                "start_time and end_time must be HH:MM".to_string(),
            );
            return None;
        };
        if minutes(start, end) != i64::from(patient.duration_min) {
            push(
                v,
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
                v,
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
        Some((start, end))
    }

    /// CP2013: in time order, each case starts at least one turnaround after the last ends.
    fn turnarounds(&mut self, path: &str, timed: &[TimedCase], turnaround: i64) {
        for w in timed.windows(2) {
            let (_, prev_end, _, _) = w[0];
            let (next_start, _, _, j) = w[1];
            if minutes(prev_end, next_start) < turnaround {
                push(
                    &mut self.violations,
                    "CP2013",
                    format!("{path}.cases[{j}]"),
                    format!(
                        "starts {} min after the previous case ends; the turnaround is {turnaround} min",
                        minutes(prev_end, next_start)
                    ),
                );
            }
        }
    }

    /// CP2014: the cases and their turnarounds fit the session's minutes.
    fn session_load(&mut self, path: &str, ps: &ProposedSession, s: SessionIdx) {
        let instance = self.instance;
        let session = instance.session(s);
        let turnaround = i64::from(instance.turnaround(s));
        let load: i64 = ps
            .cases
            .iter()
            .filter_map(|c| self.patient_by_id.get(c.patient_id.as_str()))
            .map(|&p| i64::from(instance.patient(p).duration_min) + turnaround)
            .sum();
        if load > i64::from(session.length_min) + turnaround {
            push(
                &mut self.violations,
                "CP2014",
                path.to_string(),
                format!(
                    "cases and turnarounds need {} min, the session has {} min",
                    load - turnaround,
                    session.length_min
                ),
            );
        }
    }

    /// CP2101: the documented list order (a warning, not a hard rule).
    fn list_order(&mut self, path: &str, timed: &[TimedCase], listed: Vec<PatientIdx>) {
        let instance = self.instance;
        let by_time: Vec<PatientIdx> = timed.iter().map(|t| t.2).collect();
        let mut expected = listed;
        order_cases(instance, &mut expected);
        let ranks = |order: &[PatientIdx]| -> Vec<u8> {
            order
                .iter()
                .map(|&p| flag_rank(instance.patient(p)))
                .collect()
        };
        if ranks(&by_time) != ranks(&expected) {
            push(
                &mut self.warnings,
                "CP2101",
                path.to_string(),
                "the cases are not in the documented order (latex allergy, children, diabetics, others, infected last)".to_string(),
            );
        }
    }

    /// CP2015: each surgeon's minutes on each day.
    fn surgeon_days(&mut self) {
        let instance = self.instance;
        for ((k, day), used) in &self.surgeon_day {
            let max = instance.surgeons[k.idx()].max_minutes_per_day;
            if *used > max {
                push(
                    &mut self.violations,
                    "CP2015",
                    format!("surgeons[{}]", instance.surgeons[k.idx()].id),
                    format!(
                        "operates {used} min on {} but may do {max} min a day",
                        instance.planning_start + chrono::Days::new(u64::from(*day))
                    ),
                );
            }
        }
    }

    /// CP2016: the ward beds on each day.
    fn ward_beds(&mut self) {
        for (day, used) in &self.beds {
            let free = self.instance.free_beds[day];
            if *used > free {
                push(
                    &mut self.violations,
                    "CP2016",
                    format!("ward_beds[{day}]"),
                    format!(
                        "{used} inpatients need a bed on day {day} of the plan, {free} are free"
                    ),
                );
            }
        }
    }

    /// CP2017: every pin kept.
    fn pins(&mut self) {
        let instance = self.instance;
        for &(p, s) in &instance.pinned {
            if self.assignment.get(p) != Some(s) {
                push(
                    &mut self.violations,
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
    }

    /// The metrics, recomputed from the cases read.
    fn report(self) -> CheckReport {
        let instance = self.instance;
        let session_minutes: i64 = instance
            .sessions
            .iter()
            .map(|s| i64::from(s.length_min))
            .sum();
        let assignment = self.assignment;
        let patients_scheduled = assignment.scheduled().count() as u32;
        CheckReport {
            violations: self.violations,
            warnings: self.warnings,
            weighted_wait: assignment.wait_only(instance),
            stability_cost: assignment.stability_cost(instance),
            patients_scheduled,
            minutes_scheduled: self.minutes_scheduled,
            utilisation: if session_minutes == 0 {
                0.0
            } else {
                self.used_total as f64 / session_minutes as f64
            },
            scheduled_by_priority: assignment.counts_by_priority(instance),
            assignment,
        }
    }
}
