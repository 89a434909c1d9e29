//! Beside the panels: the patients left waiting, grouped by reason (counts and the
//! first few by id), and those displaced since the previous plan.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::ListsReport;
use crate::proto;
use crate::report::page::escape;

/// Patients listed by id under each reason (all are in the plan's JSON).
const LISTED: usize = 8;

pub(super) fn priority_text(p: i32) -> &'static str {
    match proto::Priority::try_from(p) {
        Ok(proto::Priority::P1) => "P1",
        Ok(proto::Priority::P2) => "P2",
        Ok(proto::Priority::P3) => "P3",
        Ok(proto::Priority::P4) => "P4",
        Ok(proto::Priority::Unspecified) | Err(_) => "P?",
    }
}

fn reason_text(r: i32) -> &'static str {
    use proto::UnscheduledReason as R;
    match R::try_from(r) {
        Ok(R::Outranked) => "Capacity went to more urgent patients",
        Ok(R::Unavailable) => "Patient or surgeon unavailable on every eligible day",
        Ok(R::TooLong) => "Longer than every eligible session",
        Ok(R::NoTheatreWithEquipment) => "No eligible theatre has the equipment",
        Ok(R::NoSessionWithSurgeon) => "No session with the named surgeon",
        Ok(R::NoSessionForSpecialty) => "No session of the specialty",
        Ok(R::Unspecified) | Err(_) => "Reason not given",
    }
}

/// The `<aside>`.
pub(super) fn aside(h: &mut String, report: &ListsReport<'_>) {
    let plan = report.plan;
    let _ = writeln!(
        h,
        "<aside id=\"waiting\">\n<h2>Left waiting: {}</h2>",
        plan.unscheduled.len()
    );
    let mut by_reason: BTreeMap<i32, Vec<&proto::Unscheduled>> = BTreeMap::new();
    for u in &plan.unscheduled {
        by_reason.entry(u.reason).or_default().push(u);
    }
    // Most patients first; ties by reason code, so the page is the same every time.
    let mut groups: Vec<(i32, Vec<&proto::Unscheduled>)> = by_reason.into_iter().collect();
    groups.sort_by_key(|(r, list)| (std::cmp::Reverse(list.len()), *r));
    for (reason, list) in groups {
        let _ = writeln!(h, "<h3>{} ({})</h3>\n<ul>", reason_text(reason), list.len());
        for u in list.iter().take(LISTED) {
            let _ = writeln!(
                h,
                "<li data-patient-id=\"{id}\" title=\"{detail}\">{id} {p}</li>",
                id = escape(&u.patient_id),
                detail = escape(&u.detail),
                p = priority_text(u.priority),
            );
        }
        if list.len() > LISTED {
            let _ = writeln!(
                h,
                "<li class=\"more\">and {} more (all in the plan's JSON)</li>",
                list.len() - LISTED
            );
        }
        h.push_str("</ul>\n");
    }
    if !plan.changes.is_empty() {
        changed(h, plan);
    } else if let Some(previous) = report.previous {
        displaced(h, previous, plan);
    }
    h.push_str("</aside>\n");
}

/// A re-plan's displaced and unbooked patients, from the plan's own changes: where each
/// was, why it could not stay, and where it is now.
fn changed(h: &mut String, plan: &proto::PlanTheatreListsResponse) {
    use proto::ChangeKind as K;
    for (kind, title) in [
        (K::Displaced, "Displaced since the previous plan"),
        (K::Unbooked, "Unbooked since the previous plan"),
    ] {
        let list: Vec<&proto::Change> = plan
            .changes
            .iter()
            .filter(|c| c.kind == kind as i32)
            .collect();
        let _ = writeln!(
            h,
            "<h2 id=\"{}\">{title}: {}</h2>\n<ul>",
            if kind == K::Displaced {
                "displaced"
            } else {
                "unbooked"
            },
            list.len()
        );
        for c in list {
            let now = if c.to_session_id.is_empty() {
                "not re-booked".to_string()
            } else {
                format!("now {} on {}", escape(&c.to_session_id), escape(&c.to_date))
            };
            let _ = writeln!(
                h,
                "<li data-patient-id=\"{id}\" data-change=\"{k}\">{id}, was {sid} on {d}: {why}; {now}</li>",
                id = escape(&c.patient_id),
                k = if kind == K::Displaced {
                    "displaced"
                } else {
                    "unbooked"
                },
                sid = escape(&c.from_session_id),
                d = escape(&c.from_date),
                why = escape(&c.reason),
            );
        }
        h.push_str("</ul>\n");
    }
}

/// The patients scheduled in `previous` and not in `plan`, with their reason now.
fn displaced(
    h: &mut String,
    previous: &proto::PlanTheatreListsResponse,
    plan: &proto::PlanTheatreListsResponse,
) {
    let now: HashSet<&str> = plan
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter().map(|c| c.patient_id.as_str()))
        .collect();
    let gone: Vec<(&proto::SessionPlan, &proto::Case)> = previous
        .sessions
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .filter(|(_, c)| !now.contains(c.patient_id.as_str()))
        .collect();
    let _ = writeln!(
        h,
        "<h2 id=\"displaced\">Displaced since the previous plan: {}</h2>\n<ul>",
        gone.len()
    );
    for (s, c) in gone {
        let why = plan
            .unscheduled
            .iter()
            .find(|u| u.patient_id == c.patient_id)
            .map_or("not in this plan", |u| reason_text(u.reason));
        let _ = writeln!(
            h,
            "<li data-patient-id=\"{id}\">{id} {p}, was {sid} at {t}: {why}</li>",
            id = escape(&c.patient_id),
            p = priority_text(c.priority),
            sid = escape(&s.session_id),
            t = escape(&c.start_time),
        );
    }
    h.push_str("</ul>\n");
}
