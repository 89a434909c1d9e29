//! Readable text for people: a plan's lists as a table, its proof of quality under it,
//! and a check's findings.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::summary::{push_more, push_reason_counts, solve_status_name};
use crate::proto;

fn priority_name(v: i32) -> &'static str {
    match proto::Priority::try_from(v) {
        Ok(proto::Priority::P1) => "P1",
        Ok(proto::Priority::P2) => "P2",
        Ok(proto::Priority::P3) => "P3",
        Ok(proto::Priority::P4) => "P4",
        _ => "?",
    }
}

fn reason_name(v: i32) -> &'static str {
    match proto::UnscheduledReason::try_from(v) {
        Ok(proto::UnscheduledReason::NoSessionForSpecialty) => "no session for the specialty",
        Ok(proto::UnscheduledReason::NoSessionWithSurgeon) => "no session with the named surgeon",
        Ok(proto::UnscheduledReason::NoTheatreWithEquipment) => "no theatre with the equipment",
        Ok(proto::UnscheduledReason::TooLong) => "longer than any eligible session",
        Ok(proto::UnscheduledReason::Unavailable) => "unavailable on every eligible day",
        Ok(proto::UnscheduledReason::Outranked) => "outranked (capacity went to higher urgency)",
        _ => "unknown",
    }
}

/// The lists as a table (session, time, patient, procedure, priority), then who waits
/// and the proof of quality. `max_unscheduled` caps the waiting patients listed by name.
pub fn plan_text(response: &proto::PlanTheatreListsResponse, max_unscheduled: usize) -> String {
    let mut out = lists_table(response).to_string();
    out.push('\n');

    if !response.unscheduled.is_empty() {
        waiting_text(&mut out, &response.unscheduled, max_unscheduled);
    }

    quality_text(&mut out, response);
    out
}

/// One row per case, the session's columns on its first case only.
fn lists_table(response: &proto::PlanTheatreListsResponse) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "Session",
        "Date",
        "Theatre",
        "Surgeon",
        "Time",
        "Patient",
        "Procedure",
        "Pri",
        "Min",
    ]);
    for s in &response.sessions {
        if s.cases.is_empty() {
            table.add_row(vec![
                s.session_id.clone(),
                s.date.clone(),
                s.theatre_id.clone(),
                s.surgeon_id.clone(),
                format!("{}–{}", s.start_time, s.end_time),
                "(no cases)".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for (k, c) in s.cases.iter().enumerate() {
            let first = k == 0;
            let show = |v: &str| if first { v.to_string() } else { String::new() };
            table.add_row(vec![
                show(&s.session_id),
                show(&s.date),
                show(&s.theatre_id),
                show(&s.surgeon_id),
                format!("{}–{}", c.start_time, c.end_time),
                format!(
                    "{}{}",
                    c.patient_id,
                    if c.pinned { " (pinned)" } else { "" }
                ),
                c.procedure.clone(),
                priority_name(c.priority).into(),
                c.duration_min.to_string(),
            ]);
        }
    }
    table
}

/// Who waits: the count per reason, then the patients by priority (at most
/// `max_unscheduled` of them).
fn waiting_text(out: &mut String, unscheduled: &[proto::Unscheduled], max_unscheduled: usize) {
    out.push_str(&format!(
        "\nWaiting ({} patients not scheduled):\n",
        unscheduled.len()
    ));
    push_reason_counts(out, unscheduled.iter().map(|u| reason_name(u.reason)));
    let mut waiting = Table::new();
    waiting
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["Patient", "Pri", "Reason", "Detail"]);
    let mut shown: Vec<&proto::Unscheduled> = unscheduled.iter().collect();
    shown.sort_by_key(|u| u.priority);
    for u in shown.iter().take(max_unscheduled) {
        waiting.add_row(vec![
            u.patient_id.clone(),
            priority_name(u.priority).into(),
            reason_name(u.reason).into(),
            u.detail.clone(),
        ]);
    }
    out.push_str(&waiting.to_string());
    out.push('\n');
    push_more(out, shown.len(), max_unscheduled);
}

/// The plan's metrics by priority, and its proof of quality.
fn quality_text(out: &mut String, response: &proto::PlanTheatreListsResponse) {
    if let Some(m) = &response.metrics {
        out.push_str(&format!(
            "\nScheduled {} patients, {} operating minutes, utilisation {:.1}%",
            m.patients_scheduled,
            m.minutes_scheduled,
            100.0 * m.utilisation
        ));
        let by: Vec<String> = m
            .by_priority
            .iter()
            .map(|c| {
                format!(
                    "{} {}/{}",
                    priority_name(c.priority),
                    c.scheduled,
                    c.scheduled + c.waiting
                )
            })
            .collect();
        out.push_str(&format!(" ({})\n", by.join(", ")));
    }
    if let Some(s) = &response.solve {
        let status = solve_status_name(s.status);
        // A re-plan's objective is the weighted wait plus the stability cost.
        let what = if response.stability.is_some() {
            "objective (weighted wait + stability cost)"
        } else {
            "weighted wait"
        };
        out.push_str(&format!(
            "Proof of quality: {status}; {what} {:.1}, best bound {:.1} ({}), gap {:.2}% of the wait removable, {} ms{}\n",
            s.objective,
            s.best_bound,
            s.bound_source,
            100.0 * s.gap,
            s.solve_ms,
            if s.deadline_reached {
                "; the deadline stopped the MIP"
            } else {
                ""
            }
        ));
        if s.effort_limit > 0 {
            out.push_str(&format!(
                "Effort: {} of {} work units; {}\n",
                s.effort_used,
                s.effort_limit,
                if s.reproducible {
                    format!(
                        "reproducible (the same request with effort_limit {} gives this plan)",
                        s.effort_used
                    )
                } else {
                    "NOT reproducible: the time limit struck first".to_string()
                }
            ));
        }
    }
}
