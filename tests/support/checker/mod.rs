//! An independent checker of a returned plan against its request, over the wire types.
//!
//! It re-checks one family at a time: coverage (each patient exactly once, in a list or
//! waiting), the per-pair rules, the timing of every list and its order, session
//! capacity, surgeon minutes per day, ward beds, pins, the explanations, the metrics and
//! the solve summary. It shares no code with clinicplan-solver (see `model.rs`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use clinicplan_service::proto;

mod figures;
mod lists;
mod replan;

use super::model::Model;
pub use figures::{Recomputed, close};
use figures::{check_metrics, check_solve};
use lists::{Lists, check_lists};

/// What the checker found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub violations: Vec<String>,
    pub recomputed: Recomputed,
}

/// Checks `response` against `request`.
pub fn check(
    request: &proto::PlanTheatreListsRequest,
    response: &proto::PlanTheatreListsResponse,
) -> Report {
    let model = match Model::new(request) {
        Ok(m) => m,
        Err(e) => {
            return Report {
                violations: vec![format!("the tests cannot read the request: {e}")],
                recomputed: Recomputed::default(),
            };
        }
    };
    let mut v: Vec<String> = Vec::new();
    let Lists {
        placed,
        used_minutes,
    } = check_lists(&model, response, &mut v);
    check_surgeon_days(&model, &placed, &mut v);
    check_beds(&model, &placed, &mut v);
    check_pins(&model, &placed, &mut v);
    check_waiting(&model, &placed, response, &mut v);
    let r = recompute(&model, &placed, used_minutes);
    match &response.metrics {
        None => v.push("the response has no metrics".into()),
        Some(m) => check_metrics(&mut v, m, &r),
    }
    match &response.solve {
        None => v.push("the response has no solve summary".into()),
        Some(solve) => check_solve(&mut v, solve, &r, response.metrics.as_ref()),
    }
    replan::check_changes(&model, &placed, response, &r, &mut v);
    Report {
        violations: v,
        recomputed: r,
    }
}

/// Surgeon minutes per date, over all their sessions that day.
fn check_surgeon_days(model: &Model, placed: &HashMap<usize, usize>, v: &mut Vec<String>) {
    let mut surgeon_day: BTreeMap<(&str, NaiveDate), i64> = BTreeMap::new();
    for (&p, &s) in placed {
        let session = &model.sessions[s];
        *surgeon_day
            .entry((session.session.surgeon_id.as_str(), session.date))
            .or_insert(0) += model.patients[p].duration_min;
    }
    for ((surgeon, date), minutes) in &surgeon_day {
        let max = model.surgeons[surgeon].max_minutes_per_day;
        if *minutes > max {
            v.push(format!(
                "surgeon {surgeon} operates {minutes} min on {date}, more than {max}"
            ));
        }
    }
}

/// Ward beds: an inpatient operated on date d holds a bed on d … d + L − 1.
fn check_beds(model: &Model, placed: &HashMap<usize, usize>, v: &mut Vec<String>) {
    for (&date, &free) in &model.free_beds {
        let used = placed
            .iter()
            .filter(|&(&p, &s)| {
                let stay = model.patients[p].stay_days;
                let d = model.sessions[s].date;
                stay > 0 && d <= date && date < d + Days::new(stay)
            })
            .count();
        if used > free as usize {
            v.push(format!(
                "{used} inpatients need a bed on {date}, only {free} free"
            ));
        }
    }
}

/// Pins are kept.
fn check_pins(model: &Model, placed: &HashMap<usize, usize>, v: &mut Vec<String>) {
    for &(p, s) in &model.pins {
        if placed.get(&p) != Some(&s) {
            v.push(format!(
                "patient {} is pinned to session {} but the plan has it in {:?}",
                model.patients[p].patient.id,
                model.sessions[s].session.id,
                placed
                    .get(&p)
                    .map(|&o| model.sessions[o].session.id.as_str())
            ));
        }
    }
}

/// The waiting: each patient not in a list, each with the reason the rules give.
fn check_waiting(
    model: &Model,
    placed: &HashMap<usize, usize>,
    response: &proto::PlanTheatreListsResponse,
    v: &mut Vec<String>,
) {
    let mut waiting: HashMap<usize, usize> = HashMap::new();
    for (k, u) in response.unscheduled.iter().enumerate() {
        let pid = &u.patient_id;
        let Some(&p) = model.patient_idx.get(pid.as_str()) else {
            v.push(format!("unscheduled[{k}]: unknown patient '{pid}'"));
            continue;
        };
        if waiting.insert(p, k).is_some() {
            v.push(format!(
                "unscheduled[{k}]: patient {pid} is listed as waiting twice"
            ));
        }
        if let Some(&s) = placed.get(&p) {
            v.push(format!(
                "patient {pid} is both in session {} and waiting",
                model.sessions[s].session.id
            ));
        }
        check_waiting_fields(model, p, u, v);
    }
    for (p, patient) in model.patients.iter().enumerate() {
        if !placed.contains_key(&p) && !waiting.contains_key(&p) {
            v.push(format!(
                "patient {} is neither in a list nor waiting",
                patient.patient.id
            ));
        }
    }
}

/// The fields of one waiting patient `p`: priority, eligible sessions, reason, detail.
fn check_waiting_fields(model: &Model, p: usize, u: &proto::Unscheduled, v: &mut Vec<String>) {
    let pid = &u.patient_id;
    if u.priority != model.patients[p].patient.priority {
        v.push(format!(
            "unscheduled {pid}: priority {} ≠ {}",
            u.priority, model.patients[p].patient.priority
        ));
    }
    let eligible = model.eligible(p).len();
    if u.eligible_sessions as usize != eligible {
        v.push(format!(
            "unscheduled {pid}: eligible_sessions {} ≠ {eligible} by the per-pair rules",
            u.eligible_sessions
        ));
    }
    let expected = model.expected_reason(p);
    if u.reason != expected as i32 {
        v.push(format!(
            "unscheduled {pid}: reason {:?} ≠ {expected:?}",
            proto::UnscheduledReason::try_from(u.reason)
        ));
    }
    if u.detail.trim().is_empty() {
        v.push(format!("unscheduled {pid}: no detail"));
    }
}

/// The plan's figures, recomputed from the request and where each patient is.
fn recompute(model: &Model, placed: &HashMap<usize, usize>, used_minutes: i64) -> Recomputed {
    let mut r = Recomputed {
        nothing_scheduled_cost: model.nothing_scheduled_cost(),
        session_minutes: model.sessions.iter().map(|s| s.length_min).sum::<i64>() as u32,
        used_minutes: used_minutes as u32,
        ..Recomputed::default()
    };
    for (p, patient) in model.patients.iter().enumerate() {
        let s = placed.get(&p).copied();
        r.weighted_wait += model.cost(p, s);
        r.stability_cost += model.stability(p, s);
        if s.is_some() {
            r.patients_scheduled += 1;
            r.minutes_scheduled += patient.duration_min as u32;
            r.scheduled_by_priority[patient.priority_idx] += 1;
        } else {
            r.patients_unscheduled += 1;
            r.waiting_by_priority[patient.priority_idx] += 1;
        }
    }
    r
}
