//! Why a patient was left waiting, in terms a scheduler can act on.

use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::{Instance, PatientIdx};
use crate::theatre::eligibility::{Ineligible, check_pair};

/// The reason codes of docs/model.md, "Explanations".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    NoSessionForSpecialty,
    NoSessionWithSurgeon,
    NoTheatreWithEquipment,
    TooLong,
    Unavailable,
    Outranked,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub reason: Reason,
    pub detail: String,
    pub eligible_sessions: u32,
}

/// Explains why patient p, unscheduled in the plan whose capacity use is `loads`, waits.
///
/// The per-pair rules are tried in a fixed order (specialty, surgeon, equipment,
/// length, availability); among the sessions of the patient's specialty, the rule
/// reached by the sessions that got furthest through that order is the reason. A patient with eligible sessions was outranked, and the detail says what
/// filled each of them.
pub fn explain(instance: &Instance, loads: &Loads, p: PatientIdx) -> Explanation {
    let patient = instance.patient(p);
    let mut worst_by_session = Vec::new();
    for s in instance.session_indices() {
        match check_pair(instance, p, s) {
            Err(Ineligible::Specialty) => {}
            other => worst_by_session.push(other),
        }
    }
    let eligible = instance.eligible[p.idx()].len() as u32;
    if worst_by_session.is_empty() {
        return Explanation {
            reason: Reason::NoSessionForSpecialty,
            detail: format!(
                "no session of specialty {} in the {} days planned",
                instance.specialties[patient.specialty.idx()].code,
                instance.horizon_days
            ),
            eligible_sessions: 0,
        };
    }
    if eligible == 0 {
        return ruled_out(instance, p, &worst_by_session);
    }
    outranked(instance, loads, p, eligible)
}

/// No session of the specialty is eligible: the reason is the rule that rules out the
/// sessions that got furthest through the checks (`worst_by_session`, one per session of
/// the specialty).
fn ruled_out(
    instance: &Instance,
    p: PatientIdx,
    worst_by_session: &[Result<(), Ineligible>],
) -> Explanation {
    let patient = instance.patient(p);
    // Every session of the specialty is ruled out; name the rule that rules out the
    // sessions that got furthest through the checks.
    let furthest = worst_by_session
        .iter()
        .filter_map(|r| r.err())
        .max()
        .expect("no session is eligible, so each has a reason");
    let n = worst_by_session.len();
    let (reason, detail) = match furthest {
        Ineligible::Specialty | Ineligible::Surgeon => (
            Reason::NoSessionWithSurgeon,
            format!(
                "none of the {n} sessions of the specialty is with the named surgeon {}",
                patient
                    .surgeon
                    .map(|k| instance.surgeons[k.idx()].id.as_str())
                    .unwrap_or("")
            ),
        ),
        Ineligible::Equipment => (
            Reason::NoTheatreWithEquipment,
            format!(
                "no possible session is in a theatre with all of: {}",
                patient
                    .equipment
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Ineligible::TooLong => (
            Reason::TooLong,
            format!(
                "the case takes {} minutes, longer than every possible session or the surgeon's daily maximum",
                patient.duration_min
            ),
        ),
        Ineligible::PatientUnavailable | Ineligible::SurgeonUnavailable => (
            Reason::Unavailable,
            "the patient or the surgeon is unavailable on every day with a possible session"
                .to_string(),
        ),
        Ineligible::TooSoon => (
            Reason::Unavailable,
            "every possible session is sooner than the minimum notice from the re-plan date"
                .to_string(),
        ),
    };
    Explanation {
        reason,
        detail,
        eligible_sessions: 0,
    }
}

/// The patient had eligible sessions but none took them: says how each was filled
/// (session minutes, surgeon's minutes, ward beds) or that it had room left.
fn outranked(instance: &Instance, loads: &Loads, p: PatientIdx, eligible: u32) -> Explanation {
    let (mut full, mut surgeon, mut beds, mut fits) = (0, 0, 0, 0);
    for &s in &instance.eligible[p.idx()] {
        match loads.check(instance, p, s) {
            Err(Overrun::SessionMinutes) => full += 1,
            Err(Overrun::SurgeonMinutes) => surgeon += 1,
            Err(Overrun::WardBeds(_)) => beds += 1,
            Ok(()) => fits += 1,
        }
    }
    let mut parts = Vec::new();
    if full > 0 {
        parts.push(format!("{full} full"));
    }
    if surgeon > 0 {
        parts.push(format!("{surgeon} at the surgeon's daily minutes"));
    }
    if beds > 0 {
        parts.push(format!("{beds} with no ward bed free for the stay"));
    }
    if fits > 0 {
        parts.push(format!("{fits} with room the solver did not use"));
    }
    Explanation {
        reason: Reason::Outranked,
        detail: format!(
            "eligible for {eligible} session(s), none has room in this plan: {}",
            parts.join(", ")
        ),
        eligible_sessions: eligible,
    }
}
