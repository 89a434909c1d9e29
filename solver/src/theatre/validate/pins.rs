//! Pinned bookings: their ids first (with everything else), their hard rules once the
//! instance exists, since eligibility and capacity need the whole of it.

use std::collections::HashMap;

use super::Ids;
use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::*;
use crate::theatre::eligibility::check_pair;
use crate::theatre::input::*;
use crate::validation::{Collector, unknown};

/// A pin whose ids resolve: (position in `pinned`, patient position, session position in
/// the request).
pub(super) type PinRef = (usize, u32, u32);

/// The patient and session of each pin (CP1020), each patient pinned once (CP1060).
pub(super) fn check_pin_references(
    c: &mut Collector,
    req: &TheatreRequest,
    patient_ids: &Ids<'_>,
    session_ids: &Ids<'_>,
) -> Vec<PinRef> {
    let mut pin_refs: Vec<PinRef> = Vec::new();
    let mut pinned_patients: HashMap<u32, usize> = HashMap::new();
    for (i, b) in req.pinned.iter().enumerate() {
        let p = patient_ids.get(b.patient_id.as_str()).copied();
        if p.is_none() {
            unknown(
                c,
                format!("pinned[{i}].patient_id"),
                "patient",
                &b.patient_id,
            );
        }
        let s = session_ids.get(b.session_id.as_str()).copied();
        if s.is_none() {
            unknown(
                c,
                format!("pinned[{i}].session_id"),
                "session",
                &b.session_id,
            );
        }
        if let Some(p) = p
            && let Some(first) = pinned_patients.insert(p, i)
        {
            pinned_patients.insert(p, first);
            c.push(
                "CP1060",
                format!("pinned[{i}].patient_id"),
                format!(
                    "patient '{}' is already pinned by pinned[{first}]: a patient goes at most once",
                    b.patient_id
                ),
            );
            continue;
        }
        if let (Some(p), Some(s)) = (p, s) {
            pin_refs.push((i, p, s));
        }
    }
    pin_refs
}

/// Pins must satisfy every hard rule, alone (CP1061: the pair's eligibility) and together
/// (CP1062: session minutes, surgeon minutes, ward beds). Each pin that passes the pair
/// check is added to `instance.pinned`. `session_position` maps request positions of
/// sessions to their positions in the instance.
pub(super) fn check_pins_against_hard_rules(
    c: &mut Collector,
    instance: &mut Instance,
    pin_refs: Vec<PinRef>,
    session_position: &[u32],
) {
    let planning_start = instance.planning_start;
    let mut loads = Loads::new(instance);
    for (i, p, s_old) in pin_refs {
        let p = PatientIdx(p);
        let s = SessionIdx(session_position[s_old as usize]);
        if let Err(why) = check_pair(instance, p, s) {
            c.push(
                "CP1061",
                format!("pinned[{i}].session_id"),
                format!(
                    "patient '{}' cannot go to session '{}': {}",
                    instance.patient(p).id,
                    instance.session(s).id,
                    why.describe()
                ),
            );
            continue;
        }
        if let Err(over) = loads.check(instance, p, s) {
            let what = match over {
                Overrun::SessionMinutes => "the pinned cases overfill the session".to_string(),
                Overrun::SurgeonMinutes => {
                    "the pinned cases exceed the surgeon's operating minutes that day".to_string()
                }
                Overrun::WardBeds(day) => format!(
                    "the pinned inpatients need more ward beds than are free on {}",
                    planning_start + chrono::Days::new(day.max(0) as u64)
                ),
            };
            c.push(
                "CP1062",
                format!("pinned[{i}]"),
                format!(
                    "pinning patient '{}' to session '{}' breaks a hard rule: {what}",
                    instance.patient(p).id,
                    instance.session(s).id
                ),
            );
        }
        loads.add(instance, p, s);
        instance.pinned.push((p, s));
    }
}
