//! Re-planning: the changes list and the cost of stability recomputed from the previous
//! plan (as the tests resolve it) and the placements read from the new plan, and compared
//! with what the response states.

use std::collections::{BTreeSet, HashMap};

use clinicplan_service::proto;

use super::super::model::Model;
use super::figures::{Recomputed, close};

/// One recomputed change: (patient, kind, from session, to session, reason prefix).
type Expected<'a> = (
    &'a str,
    proto::ChangeKind,
    &'a str,
    Option<&'a str>,
    &'a str,
);

/// The changes of a re-plan, recomputed; nothing for a plan from scratch (which must
/// then state no changes).
pub(super) fn check_changes(
    model: &Model,
    placed: &HashMap<usize, usize>,
    response: &proto::PlanTheatreListsResponse,
    r: &Recomputed,
    v: &mut Vec<String>,
) {
    let Some(previous) = &model.previous else {
        if !response.changes.is_empty() || response.stability.is_some() {
            v.push("a plan from scratch states changes".into());
        }
        return;
    };
    let session_id = |s: usize| model.sessions[s].session.id.as_str();
    let mut expected: Vec<Expected<'_>> = Vec::new();
    for e in &previous.entries {
        let to = e.patient.and_then(|p| placed.get(&p).copied());
        let (kind, reason) = match (e.displaced, e.standing, to) {
            (Some(why), _, _) => (proto::ChangeKind::Displaced, why),
            (None, Some(s0), Some(s)) if s0 == s => (proto::ChangeKind::Kept, ""),
            (None, _, Some(_)) => (proto::ChangeKind::Moved, ""),
            (None, _, None) => (proto::ChangeKind::Unbooked, ""),
        };
        expected.push((
            &e.patient_id,
            kind,
            &e.session_id,
            to.map(session_id),
            reason,
        ));
    }
    let booked_before: BTreeSet<usize> = previous.of_patient.keys().copied().collect();
    let mut newly: BTreeSet<&str> = BTreeSet::new();
    for &p in placed.keys() {
        if !booked_before.contains(&p) {
            newly.insert(model.patients[p].patient.id.as_str());
        }
    }
    let stated = &response.changes;
    if stated.len() != expected.len() + newly.len() {
        v.push(format!(
            "{} changes stated, {} previous bookings and {} newly booked",
            stated.len(),
            expected.len(),
            newly.len()
        ));
    }
    for (i, (c, e)) in stated.iter().zip(&expected).enumerate() {
        let (pid, kind, from, to, reason) = *e;
        let to_stated = (!c.to_session_id.is_empty()).then_some(c.to_session_id.as_str());
        if c.patient_id != pid
            || c.kind != kind as i32
            || c.from_session_id != from
            || to_stated != to
            || !c.reason.starts_with(reason)
        {
            v.push(format!(
                "changes[{i}]: stated {} {:?} {} → {:?} ({}), recomputed {pid} {kind:?} {from} → {to:?} ({reason})",
                c.patient_id,
                proto::ChangeKind::try_from(c.kind),
                c.from_session_id,
                to_stated,
                c.reason
            ));
        }
        let entry = &previous.entries[i];
        let from_date = entry.date.map(|d| d.to_string()).unwrap_or_default();
        if c.from_date != from_date {
            v.push(format!(
                "changes[{i}]: from date {} ≠ {from_date}",
                c.from_date
            ));
        }
        if c.state != entry.state.wire() {
            v.push(format!(
                "changes[{i}]: state {} ≠ recomputed {:?}",
                c.state, entry.state
            ));
        }
    }
    let stated_new: BTreeSet<&str> = stated
        .iter()
        .skip(expected.len())
        .filter(|c| c.kind == proto::ChangeKind::NewlyBooked as i32)
        .map(|c| c.patient_id.as_str())
        .collect();
    if stated_new != newly {
        v.push(format!(
            "newly booked stated {stated_new:?}, recomputed {newly:?}"
        ));
    }
    check_counts(response, &expected, newly.len(), v);
    match &response.stability {
        None => v.push("a re-plan without its stability summary".into()),
        Some(s) => {
            if !close(s.stability_cost, r.stability_cost) {
                v.push(format!(
                    "stability.stability_cost {} ≠ recomputed {}",
                    s.stability_cost, r.stability_cost
                ));
            }
            let sum: f64 = stated.iter().map(|c| c.stability_cost).sum();
            if !close(sum, r.stability_cost) {
                v.push(format!(
                    "the changes' stability costs add up to {sum}, recomputed {}",
                    r.stability_cost
                ));
            }
            if !close(s.weighted_wait, r.weighted_wait) {
                v.push(format!(
                    "stability.weighted_wait {} ≠ recomputed {}",
                    s.weighted_wait, r.weighted_wait
                ));
            }
        }
    }
}

/// The counts by kind against the recomputed changes.
fn check_counts(
    response: &proto::PlanTheatreListsResponse,
    expected: &[Expected<'_>],
    newly: usize,
    v: &mut Vec<String>,
) {
    let Some(n) = &response.change_counts else {
        v.push("a re-plan without change counts".into());
        return;
    };
    let count = |k: proto::ChangeKind| expected.iter().filter(|e| e.1 == k).count() as u32;
    let rebooked = expected
        .iter()
        .filter(|e| e.1 == proto::ChangeKind::Displaced && e.3.is_some())
        .count() as u32;
    let want = (
        count(proto::ChangeKind::Kept),
        count(proto::ChangeKind::Moved),
        newly as u32,
        count(proto::ChangeKind::Unbooked),
        count(proto::ChangeKind::Displaced),
        rebooked,
    );
    let got = (
        n.kept,
        n.moved,
        n.newly_booked,
        n.unbooked,
        n.displaced,
        n.displaced_rebooked,
    );
    if got != want {
        v.push(format!(
            "change counts (kept, moved, new, unbooked, displaced, re-booked) {got:?} ≠ recomputed {want:?}"
        ));
    }
    let by_state: u32 = n.by_state.iter().map(|b| b.bookings).sum();
    if by_state as usize != expected.len() {
        v.push(format!(
            "counts by state add up to {by_state}, the previous plan has {}",
            expected.len()
        ));
    }
}
