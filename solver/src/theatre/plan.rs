//! From an assignment (which patient in which session) to a plan a theatre team can
//! work from: each list ordered by the flag rule, every case timed, every patient left
//! waiting explained, and the plan's metrics.

use chrono::{Duration, NaiveTime};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::domain::*;
use crate::theatre::explain::{Explanation, explain};

/// One timed case in a list.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedCase {
    pub patient: PatientIdx,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub pinned: bool,
}

/// One session's list.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionList {
    pub session: SessionIdx,
    pub cases: Vec<TimedCase>,
    /// From the session's start to the end of its last case.
    pub used_min: u32,
}

/// The plan's figures, all recomputable from the plan and the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// The weighted wait (the objective less its stability part).
    pub weighted_wait: f64,
    /// The objective's stability part: move and cancel costs of a re-plan (else 0).
    pub stability_cost: f64,
    pub nothing_scheduled_cost: f64,
    pub patients_scheduled: u32,
    pub patients_unscheduled: u32,
    /// Σ expected duration of the scheduled cases.
    pub minutes_scheduled: u32,
    /// Σ used minutes over Σ session minutes.
    pub utilisation: f64,
    pub session_minutes: u32,
    pub scheduled_by_priority: [u32; 4],
    pub waiting_by_priority: [u32; 4],
}

/// A complete plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub assignment: Assignment,
    /// One entry per session, in session order (empty lists included).
    pub lists: Vec<SessionList>,
    pub unscheduled: Vec<(PatientIdx, Explanation)>,
    pub metrics: Metrics,
}

/// Position of a case in its list by the flag rule: latex allergy first, then children,
/// then diabetics, then unflagged cases, infected cases last.
pub fn flag_rank(patient: &Patient) -> u8 {
    if patient.flags.contains(&CaseFlag::LatexAllergy) {
        0
    } else if patient.flags.contains(&CaseFlag::Infected) {
        4
    } else if patient.flags.contains(&CaseFlag::Paediatric) {
        1
    } else if patient.flags.contains(&CaseFlag::Diabetic) {
        2
    } else {
        3
    }
}

/// Orders a session's cases (docs/model.md, "Order within a session"): by flag rank,
/// then priority (most urgent first), then longer cases first, then patient id.
pub fn order_cases(instance: &Instance, cases: &mut [PatientIdx]) {
    cases.sort_by(|&a, &b| {
        let (pa, pb) = (instance.patient(a), instance.patient(b));
        (
            flag_rank(pa),
            pa.priority,
            std::cmp::Reverse(pa.duration_min),
            &pa.id,
        )
            .cmp(&(
                flag_rank(pb),
                pb.priority,
                std::cmp::Reverse(pb.duration_min),
                &pb.id,
            ))
    });
}

/// Orders and times every list, explains who waits, and computes the metrics.
pub fn build_plan(instance: &Instance, assignment: Assignment) -> Plan {
    let mut per_session: Vec<Vec<PatientIdx>> = vec![Vec::new(); instance.sessions.len()];
    for (p, s) in assignment.scheduled() {
        per_session[s.idx()].push(p);
    }
    let pinned: std::collections::HashSet<PatientIdx> =
        instance.pinned.iter().map(|&(p, _)| p).collect();
    let mut lists = Vec::with_capacity(instance.sessions.len());
    let mut used_total = 0u32;
    let mut minutes_scheduled = 0u32;
    for s in instance.session_indices() {
        let session = instance.session(s);
        let turnaround = Duration::minutes(i64::from(instance.turnaround(s)));
        let mut patients = std::mem::take(&mut per_session[s.idx()]);
        order_cases(instance, &mut patients);
        let mut clock = session.start;
        let mut cases = Vec::with_capacity(patients.len());
        for (k, &p) in patients.iter().enumerate() {
            if k > 0 {
                clock += turnaround;
            }
            let duration = instance.patient(p).duration_min;
            let end = clock + Duration::minutes(i64::from(duration));
            cases.push(TimedCase {
                patient: p,
                start: clock,
                end,
                pinned: pinned.contains(&p),
            });
            minutes_scheduled += duration;
            clock = end;
        }
        let used_min = (clock - session.start).num_minutes() as u32;
        used_total += used_min;
        lists.push(SessionList {
            session: s,
            cases,
            used_min,
        });
    }
    let session_minutes: u32 = instance.sessions.iter().map(|s| s.length_min).sum();
    let scheduled_by_priority = assignment.counts_by_priority(instance);
    let mut waiting_by_priority = [0u32; 4];
    let mut unscheduled = Vec::new();
    let loads = Loads::from_assignment(instance, &assignment);
    for p in instance.patient_indices() {
        if assignment.get(p).is_none() {
            waiting_by_priority[instance.patient(p).priority.rank()] += 1;
            unscheduled.push((p, explain(instance, &loads, p)));
        }
    }
    let patients_scheduled = scheduled_by_priority.iter().sum();
    let metrics = Metrics {
        weighted_wait: assignment.wait_only(instance),
        stability_cost: assignment.stability_cost(instance),
        nothing_scheduled_cost: instance.nothing_scheduled_cost(),
        patients_scheduled,
        patients_unscheduled: instance.patients.len() as u32 - patients_scheduled,
        minutes_scheduled,
        utilisation: if session_minutes == 0 {
            0.0
        } else {
            f64::from(used_total) / f64::from(session_minutes)
        },
        session_minutes,
        scheduled_by_priority,
        waiting_by_priority,
    };
    Plan {
        assignment,
        lists,
        unscheduled,
        metrics,
    }
}
