//! What a re-plan changed: for each patient of the previous plan or the new one, kept,
//! moved, newly booked, unbooked or displaced; the counts; the cost of stability.
//!
//! A pure function of the instance (which holds the previous plan) and the new plan.
//! The end-to-end tests recompute all of it with their own code from the two plans.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{BookingState, Replan};
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};
use crate::theatre::plan::Plan;

/// The kinds of change, in the order they are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// In the same session as before.
    Kept,
    /// In another session than before.
    Moved,
    /// Booked now, not booked before.
    NewlyBooked,
    /// Booked before, waiting now (the previous booking could have stood).
    Unbooked,
    /// The previous booking could not stand (its reason says why); re-booked if `to` is set.
    Displaced,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Kept => "kept",
            ChangeKind::Moved => "moved",
            ChangeKind::NewlyBooked => "newly_booked",
            ChangeKind::Unbooked => "unbooked",
            ChangeKind::Displaced => "displaced",
        }
    }
}

/// A session and its date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub session_id: String,
    /// `None` only for a session that is gone and whose date the previous plan did not give.
    pub date: Option<NaiveDate>,
}

/// One patient's change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub patient_id: String,
    pub kind: ChangeKind,
    /// The previous booking's state (`None` for a newly booked patient).
    pub state: Option<BookingState>,
    pub from: Option<Slot>,
    pub to: Option<Slot>,
    /// Why the patient is unbooked or displaced ("" otherwise).
    pub reason: String,
    /// The stability cost this change adds to the objective.
    pub stability_cost: f64,
    /// The patient's weighted-wait cost now minus in the previous booking (negative:
    /// sooner), for a move between two sessions of the request.
    pub wait_delta: Option<f64>,
}

/// Changes of one state of previous booking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateCounts {
    pub bookings: u32,
    pub kept: u32,
    pub moved: u32,
    pub unbooked: u32,
    pub displaced: u32,
}

/// Counts by kind and by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub kept: u32,
    pub moved: u32,
    pub newly_booked: u32,
    pub unbooked: u32,
    pub displaced: u32,
    /// Displaced bookings re-booked elsewhere.
    pub displaced_rebooked: u32,
    /// By [`BookingState`], in [`BookingState::ALL`] order.
    pub by_state: [StateCounts; 3],
}

/// Everything a re-plan changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub changes: Vec<Change>,
    pub counts: ChangeCounts,
    /// The objective's stability part: Σ of the changes' stability costs.
    pub stability_cost: f64,
    /// The new plan's weighted wait (the objective less the stability part).
    pub weighted_wait: f64,
    /// The weighted wait, in today's request, of keeping every booking of the previous
    /// plan that still stands and booking nobody else.
    pub previous_plan_wait: f64,
}

/// The changes from the previous plan held in `instance` to `plan`; `None` when the
/// instance is not a re-plan.
pub fn changes(instance: &Instance, plan: &Plan) -> Option<Changes> {
    let replan = instance.replan.as_ref()?;
    let reasons: HashMap<PatientIdx, &str> = plan
        .unscheduled
        .iter()
        .map(|(p, why)| (*p, why.detail.as_str()))
        .collect();
    let slot = |s: SessionIdx| Slot {
        session_id: instance.session(s).id.clone(),
        date: Some(instance.session(s).date),
    };
    let mut out = Vec::new();
    for entry in &replan.entries {
        let to = entry.patient.and_then(|p| plan.assignment.get(p));
        let from = Slot {
            session_id: entry.session_id.clone(),
            date: entry.session_date,
        };
        let (kind, reason) = match (&entry.displaced, entry.session, to) {
            (Some(why), _, _) => (ChangeKind::Displaced, why.describe()),
            (None, Some(s0), Some(s)) if s0 == s => (ChangeKind::Kept, String::new()),
            (None, _, Some(_)) => (ChangeKind::Moved, String::new()),
            (None, _, None) => {
                let p = entry
                    .patient
                    .expect("a standing booking's patient is on the list");
                let why = reasons.get(&p).copied().unwrap_or("left waiting");
                (ChangeKind::Unbooked, why.to_string())
            }
        };
        let stability_cost = entry.patient.map_or(0.0, |p| match to {
            Some(s) => instance.stability_scheduled(p, s),
            None => instance.stability_unscheduled(p),
        });
        let wait_delta = match (entry.patient, entry.session, to) {
            (Some(p), Some(s0), Some(s)) if kind == ChangeKind::Moved => {
                Some(instance.wait_scheduled(p, s) - instance.wait_scheduled(p, s0))
            }
            _ => None,
        };
        out.push(Change {
            patient_id: entry.patient_id.clone(),
            kind,
            state: Some(entry.state),
            from: Some(from),
            to: to.map(slot),
            reason,
            stability_cost,
            wait_delta,
        });
    }
    for list in &plan.lists {
        for case in &list.cases {
            if replan.by_patient[case.patient.idx()].is_none() {
                out.push(Change {
                    patient_id: instance.patient(case.patient).id.clone(),
                    kind: ChangeKind::NewlyBooked,
                    state: None,
                    from: None,
                    to: Some(slot(list.session)),
                    reason: String::new(),
                    stability_cost: 0.0,
                    wait_delta: None,
                });
            }
        }
    }
    Some(Changes {
        counts: count(&out),
        stability_cost: out.iter().map(|c| c.stability_cost).sum(),
        weighted_wait: plan.metrics.weighted_wait,
        previous_plan_wait: previous_plan_wait(instance, replan),
        changes: out,
    })
}

/// Counts by kind and by state.
fn count(changes: &[Change]) -> ChangeCounts {
    let mut counts = ChangeCounts::default();
    for c in changes {
        match c.kind {
            ChangeKind::Kept => counts.kept += 1,
            ChangeKind::Moved => counts.moved += 1,
            ChangeKind::NewlyBooked => counts.newly_booked += 1,
            ChangeKind::Unbooked => counts.unbooked += 1,
            ChangeKind::Displaced => {
                counts.displaced += 1;
                counts.displaced_rebooked += u32::from(c.to.is_some());
            }
        }
        let Some(state) = c.state else { continue };
        let i = BookingState::ALL
            .iter()
            .position(|&s| s == state)
            .unwrap_or(0);
        let b = &mut counts.by_state[i];
        b.bookings += 1;
        match c.kind {
            ChangeKind::Kept => b.kept += 1,
            ChangeKind::Moved => b.moved += 1,
            ChangeKind::Unbooked => b.unbooked += 1,
            ChangeKind::Displaced => b.displaced += 1,
            ChangeKind::NewlyBooked => {}
        }
    }
    counts
}

/// The weighted wait of keeping every standing previous booking and nobody else.
fn previous_plan_wait(instance: &Instance, replan: &Replan) -> f64 {
    instance
        .patient_indices()
        .map(
            |p| match replan.by_patient[p.idx()].and_then(|b| b.session) {
                Some(s0) => instance.wait_scheduled(p, s0),
                None => instance.wait_unscheduled(p),
            },
        )
        .sum()
}
