//! An independent checker of a returned plan against its request, over the wire types.
//!
//! It re-checks one family at a time: coverage (each patient exactly once, in a list or
//! waiting), the per-pair rules, the timing of every list and its order, session
//! capacity, surgeon minutes per day, ward beds, pins, the explanations, the metrics and
//! the solve summary. It shares no code with clinicplan-solver (see `model.rs`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use clinicplan_service::proto;

use super::model::{Model, priority_rank};

/// Relative tolerance for every floating-point comparison.
pub const REL_TOL: f64 = 1e-6;

/// Whether two numbers agree to `REL_TOL` (relative, with an absolute floor of `REL_TOL`).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL_TOL * 1f64.max(a.abs()).max(b.abs())
}

/// The plan's figures as the tests compute them from the request and the lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recomputed {
    pub weighted_wait: f64,
    pub nothing_scheduled_cost: f64,
    pub patients_scheduled: u32,
    pub patients_unscheduled: u32,
    pub minutes_scheduled: u32,
    /// Indexed P1..P4.
    pub scheduled_by_priority: [u32; 4],
    /// Indexed P1..P4.
    pub waiting_by_priority: [u32; 4],
    pub session_minutes: u32,
    pub used_minutes: u32,
}

/// What the checker found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub violations: Vec<String>,
    pub recomputed: Recomputed,
}

/// Rank of a case in its list by the flag rule (latex allergy first, then children,
/// then diabetics, then unflagged cases, infected cases last). `None` for a case that
/// is both latex-allergic and infected, which the rule cannot place on its own.
fn flag_rank(patient: &proto::Patient) -> Option<u8> {
    let has = |f: proto::CaseFlag| patient.flags.contains(&(f as i32));
    let latex = has(proto::CaseFlag::LatexAllergy);
    let infected = has(proto::CaseFlag::Infected);
    match (latex, infected) {
        (true, true) => None,
        (true, false) => Some(0),
        (false, true) => Some(4),
        (false, false) if has(proto::CaseFlag::Paediatric) => Some(1),
        (false, false) if has(proto::CaseFlag::Diabetic) => Some(2),
        (false, false) => Some(3),
    }
}

fn clock(min: i64) -> String {
    format!("{:02}:{:02}", min.div_euclid(60), min.rem_euclid(60))
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
    let pinned_session: HashMap<usize, usize> = model.pins.iter().copied().collect();

    // Lists: each session at most once, each case timed and allowed.
    let mut placed: HashMap<usize, usize> = HashMap::new();
    let mut listed_sessions: HashMap<usize, usize> = HashMap::new();
    let mut used_minutes: i64 = 0;
    for (k, plan) in response.sessions.iter().enumerate() {
        let Some(&s) = model.session_idx.get(plan.session_id.as_str()) else {
            v.push(format!(
                "sessions[{k}]: unknown session '{}'",
                plan.session_id
            ));
            continue;
        };
        if let Some(first) = listed_sessions.insert(s, k) {
            v.push(format!(
                "sessions[{k}]: session '{}' is listed twice (also sessions[{first}])",
                plan.session_id
            ));
            continue;
        }
        let session = &model.sessions[s];
        let sid = &session.session.id;
        let echoes = [
            ("theatre_id", &plan.theatre_id, &session.session.theatre_id),
            ("date", &plan.date, &session.session.date),
            ("surgeon_id", &plan.surgeon_id, &session.session.surgeon_id),
            ("specialty", &plan.specialty, &session.session.specialty),
        ];
        for (name, got, want) in echoes {
            if got != want {
                v.push(format!(
                    "session {sid}: {name} is '{got}', the request says '{want}'"
                ));
            }
        }
        let plan_start = super::model::parse_clock_min(&plan.start_time);
        let plan_end = super::model::parse_clock_min(&plan.end_time);
        if plan_start != Some(session.start_min) || plan_end != Some(session.end_min) {
            v.push(format!(
                "session {sid}: times {}–{} differ from the request's {}–{}",
                plan.start_time,
                plan.end_time,
                session.session.start_time,
                session.session.end_time
            ));
        }

        let ta = session.turnaround_min;
        let mut load_min: i64 = 0;
        let mut previous_end: Option<i64> = None;
        let mut ranks: Vec<(Option<u8>, &str)> = Vec::new();
        for (j, case) in plan.cases.iter().enumerate() {
            let pid = &case.patient_id;
            let Some(&p) = model.patient_idx.get(pid.as_str()) else {
                v.push(format!(
                    "session {sid}: case {j} names unknown patient '{pid}'"
                ));
                continue;
            };
            if let Some(&other) = placed.get(&p) {
                v.push(format!(
                    "patient {pid} is in session {sid} and also in session {}",
                    model.sessions[other].session.id
                ));
            } else {
                placed.insert(p, s);
            }
            let patient = &model.patients[p];
            if let Err(rule) = model.pair_rule(p, s) {
                v.push(format!(
                    "patient {pid} in session {sid} breaks the {rule:?} rule"
                ));
            }

            // What the case says about its patient must be the request's.
            if i64::from(case.duration_min) != patient.duration_min {
                v.push(format!(
                    "patient {pid}: case duration {} ≠ expected duration {}",
                    case.duration_min, patient.duration_min
                ));
            }
            if case.priority != patient.patient.priority {
                v.push(format!(
                    "patient {pid}: case priority {} ≠ {}",
                    case.priority, patient.patient.priority
                ));
            }
            if case.procedure != patient.patient.procedure {
                v.push(format!(
                    "patient {pid}: case procedure '{}' ≠ '{}'",
                    case.procedure, patient.patient.procedure
                ));
            }
            if case.pinned != pinned_session.contains_key(&p) {
                v.push(format!(
                    "patient {pid}: case says pinned = {}, the request disagrees",
                    case.pinned
                ));
            }

            // Back to back from the session's start, one turnaround between cases.
            let expected_start = match previous_end {
                None => session.start_min,
                Some(end) => end + ta,
            };
            let start = super::model::parse_clock_min(&case.start_time);
            let end = super::model::parse_clock_min(&case.end_time);
            match (start, end) {
                (Some(start), Some(end)) => {
                    if start != expected_start {
                        v.push(format!(
                            "patient {pid} in session {sid}: starts {}, expected {} (back to back from the start with {ta} min turnaround)",
                            case.start_time,
                            clock(expected_start)
                        ));
                    }
                    if end - start != patient.duration_min {
                        v.push(format!(
                            "patient {pid} in session {sid}: {}–{} is not its {} minutes",
                            case.start_time, case.end_time, patient.duration_min
                        ));
                    }
                    if start < session.start_min || end > session.end_min {
                        v.push(format!(
                            "patient {pid} in session {sid}: {}–{} is outside {}–{}",
                            case.start_time,
                            case.end_time,
                            session.session.start_time,
                            session.session.end_time
                        ));
                    }
                    previous_end = Some(end);
                }
                _ => {
                    v.push(format!(
                        "patient {pid} in session {sid}: unreadable times '{}'–'{}'",
                        case.start_time, case.end_time
                    ));
                    previous_end = Some(expected_start + patient.duration_min);
                }
            }
            load_min += patient.duration_min + ta;
            ranks.push((flag_rank(patient.patient), pid.as_str()));
        }

        // Session capacity: Σ (duration + turnaround) ≤ length + turnaround.
        if load_min > session.length_min + ta {
            v.push(format!(
                "session {sid}: Σ(duration + turnaround) = {load_min} > length {} + turnaround {ta}",
                session.length_min
            ));
        }
        let used = previous_end.map_or(0, |end| end - session.start_min);
        used_minutes += used;
        if i64::from(plan.used_minutes) != used {
            v.push(format!(
                "session {sid}: used_minutes {} ≠ {used}",
                plan.used_minutes
            ));
        }
        let utilisation = used as f64 / session.length_min as f64;
        if !close(plan.utilisation, utilisation) {
            v.push(format!(
                "session {sid}: utilisation {} ≠ {utilisation}",
                plan.utilisation
            ));
        }
        // The flag rule: no case may come after one with a higher rank.
        for a in 0..ranks.len() {
            for b in a + 1..ranks.len() {
                if let ((Some(ra), pa), (Some(rb), pb)) = (ranks[a], ranks[b])
                    && ra > rb
                {
                    v.push(format!(
                        "session {sid}: {pa} (flag rank {ra}) comes before {pb} (flag rank {rb})"
                    ));
                }
            }
        }
    }

    // Surgeon minutes per date, over all their sessions that day.
    let mut surgeon_day: BTreeMap<(&str, NaiveDate), i64> = BTreeMap::new();
    for (&p, &s) in &placed {
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

    // Ward beds: an inpatient operated on date d holds a bed on d … d + L − 1.
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

    // Pins are kept.
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

    // The waiting: each patient not in a list, each with the reason the rules give.
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
    for (p, patient) in model.patients.iter().enumerate() {
        if !placed.contains_key(&p) && !waiting.contains_key(&p) {
            v.push(format!(
                "patient {} is neither in a list nor waiting",
                patient.patient.id
            ));
        }
    }

    // Figures, recomputed.
    let mut r = Recomputed {
        nothing_scheduled_cost: model.nothing_scheduled_cost(),
        session_minutes: model.sessions.iter().map(|s| s.length_min).sum::<i64>() as u32,
        used_minutes: used_minutes as u32,
        ..Recomputed::default()
    };
    for (p, patient) in model.patients.iter().enumerate() {
        let s = placed.get(&p).copied();
        r.weighted_wait += model.cost(p, s);
        if s.is_some() {
            r.patients_scheduled += 1;
            r.minutes_scheduled += patient.duration_min as u32;
            r.scheduled_by_priority[patient.priority_idx] += 1;
        } else {
            r.patients_unscheduled += 1;
            r.waiting_by_priority[patient.priority_idx] += 1;
        }
    }

    match &response.metrics {
        None => v.push("the response has no metrics".into()),
        Some(m) => check_metrics(&mut v, m, &r),
    }
    match &response.solve {
        None => v.push("the response has no solve summary".into()),
        Some(solve) => check_solve(&mut v, solve, &r, response.metrics.as_ref()),
    }

    Report {
        violations: v,
        recomputed: r,
    }
}

fn check_metrics(v: &mut Vec<String>, m: &proto::PlanMetrics, r: &Recomputed) {
    if !close(m.weighted_wait, r.weighted_wait) {
        v.push(format!(
            "metrics.weighted_wait {} ≠ recomputed {}",
            m.weighted_wait, r.weighted_wait
        ));
    }
    if !close(m.nothing_scheduled_cost, r.nothing_scheduled_cost) {
        v.push(format!(
            "metrics.nothing_scheduled_cost {} ≠ recomputed {}",
            m.nothing_scheduled_cost, r.nothing_scheduled_cost
        ));
    }
    let counts = [
        (
            "patients_scheduled",
            m.patients_scheduled,
            r.patients_scheduled,
        ),
        (
            "patients_unscheduled",
            m.patients_unscheduled,
            r.patients_unscheduled,
        ),
        (
            "minutes_scheduled",
            m.minutes_scheduled,
            r.minutes_scheduled,
        ),
        ("session_minutes", m.session_minutes, r.session_minutes),
    ];
    for (name, got, want) in counts {
        if got != want {
            v.push(format!("metrics.{name} {got} ≠ recomputed {want}"));
        }
    }
    let utilisation = if r.session_minutes == 0 {
        0.0
    } else {
        f64::from(r.used_minutes) / f64::from(r.session_minutes)
    };
    if !close(m.utilisation, utilisation) {
        v.push(format!(
            "metrics.utilisation {} ≠ recomputed {utilisation}",
            m.utilisation
        ));
    }
    let mut seen = [false; 4];
    for c in &m.by_priority {
        let Some(rank) = priority_rank(c.priority) else {
            v.push(format!("metrics.by_priority has priority {}", c.priority));
            continue;
        };
        if std::mem::replace(&mut seen[rank], true) {
            v.push(format!("metrics.by_priority lists P{} twice", rank + 1));
        }
        if c.scheduled != r.scheduled_by_priority[rank] || c.waiting != r.waiting_by_priority[rank]
        {
            v.push(format!(
                "metrics.by_priority P{}: {} scheduled, {} waiting ≠ recomputed {}, {}",
                rank + 1,
                c.scheduled,
                c.waiting,
                r.scheduled_by_priority[rank],
                r.waiting_by_priority[rank]
            ));
        }
    }
    for (rank, &listed) in seen.iter().enumerate() {
        if !listed && r.scheduled_by_priority[rank] + r.waiting_by_priority[rank] > 0 {
            v.push(format!(
                "metrics.by_priority has no entry for P{}",
                rank + 1
            ));
        }
    }
}

fn check_solve(
    v: &mut Vec<String>,
    solve: &proto::SolveSummary,
    r: &Recomputed,
    m: Option<&proto::PlanMetrics>,
) {
    let status = proto::SolveStatus::try_from(solve.status);
    if !matches!(
        status,
        Ok(proto::SolveStatus::Optimal | proto::SolveStatus::Feasible)
    ) {
        v.push(format!("solve.status is {status:?} for a returned plan"));
    }
    if !matches!(proto::PlanSource::try_from(solve.source), Ok(source) if source != proto::PlanSource::Unspecified)
    {
        v.push(format!("solve.source is {}", solve.source));
    }
    if !["mip", "patterns", "lp", "trivial"].contains(&solve.bound_source.as_str()) {
        v.push(format!("solve.bound_source is '{}'", solve.bound_source));
    }
    if !close(solve.objective, r.weighted_wait) {
        v.push(format!(
            "solve.objective {} ≠ recomputed weighted wait {}",
            solve.objective, r.weighted_wait
        ));
    }
    if let Some(m) = m
        && !close(solve.objective, m.weighted_wait)
    {
        v.push(format!(
            "solve.objective {} ≠ metrics.weighted_wait {}",
            solve.objective, m.weighted_wait
        ));
    }
    if !solve.best_bound.is_finite()
        || solve.best_bound > solve.objective + REL_TOL * 1f64.max(solve.objective.abs())
    {
        v.push(format!(
            "solve.best_bound {} is above the objective {}",
            solve.best_bound, solve.objective
        ));
    }
    if r.weighted_wait > r.nothing_scheduled_cost * (1.0 + REL_TOL) {
        v.push(format!(
            "the plan costs {} , more than scheduling nobody ({})",
            r.weighted_wait, r.nothing_scheduled_cost
        ));
    }
    let denominator = r.nothing_scheduled_cost - solve.best_bound;
    let expected_gap = if (solve.objective - solve.best_bound).abs()
        <= REL_TOL * 1f64.max(solve.objective.abs())
    {
        0.0
    } else {
        (solve.objective - solve.best_bound) / denominator
    };
    if !solve.gap.is_finite() || (solve.gap - expected_gap).abs() > REL_TOL {
        v.push(format!(
            "solve.gap {} ≠ (objective − best_bound) / (nothing − best_bound) = {expected_gap}",
            solve.gap
        ));
    }
    if solve.gap < -REL_TOL || solve.gap > 1.0 + REL_TOL {
        v.push(format!("solve.gap {} is outside [0, 1]", solve.gap));
    }
}
