//! Which sessions a patient may go to: the per-pair hard rules of docs/model.md
//! ("Eligible pairs"). The model, the constructive plan, the explanations and the
//! checker all ask this one function.

use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};

/// Why a (patient, session) pair is not eligible, in the order the rules are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ineligible {
    Specialty,
    Surgeon,
    Equipment,
    TooLong,
    PatientUnavailable,
    SurgeonUnavailable,
    /// Re-planning: the date is sooner than the minimum notice from the re-plan date.
    TooSoon,
}

impl Ineligible {
    pub fn describe(self) -> &'static str {
        match self {
            Ineligible::Specialty => "the session is of another specialty",
            Ineligible::Surgeon => "the session is not the patient's named surgeon's",
            Ineligible::Equipment => "the theatre lacks equipment the case needs",
            Ineligible::TooLong => {
                "the case is longer than the session or the surgeon's daily maximum"
            }
            Ineligible::PatientUnavailable => "the patient is unavailable that day",
            Ineligible::SurgeonUnavailable => "the surgeon is on leave that day",
            Ineligible::TooSoon => {
                "the date is sooner than the minimum notice from the re-plan date"
            }
        }
    }
}

/// The first rule that pair (p, s) breaks, or `Ok` when the patient may go there.
pub fn check_pair(instance: &Instance, p: PatientIdx, s: SessionIdx) -> Result<(), Ineligible> {
    let patient = instance.patient(p);
    let session = instance.session(s);
    if patient.specialty != session.specialty {
        return Err(Ineligible::Specialty);
    }
    if patient.surgeon.is_some_and(|k| k != session.surgeon) {
        return Err(Ineligible::Surgeon);
    }
    let theatre = &instance.theatres[session.theatre.idx()];
    if !patient.equipment.is_subset(&theatre.equipment) {
        return Err(Ineligible::Equipment);
    }
    let surgeon = &instance.surgeons[session.surgeon.idx()];
    if patient.duration_min > session.length_min
        || patient.duration_min > surgeon.max_minutes_per_day
    {
        return Err(Ineligible::TooLong);
    }
    if patient.unavailable.contains(&session.date) {
        return Err(Ineligible::PatientUnavailable);
    }
    if surgeon.unavailable.contains(&session.date) {
        return Err(Ineligible::SurgeonUnavailable);
    }
    if let Some(replan) = &instance.replan
        && replan.too_soon(p, s, session.day, patient.priority)
    {
        return Err(Ineligible::TooSoon);
    }
    Ok(())
}

/// `eligible[p]`: every session patient p may go to, in session order.
pub fn eligible_sessions(instance: &Instance) -> Vec<Vec<SessionIdx>> {
    // Sessions grouped by specialty, so a patient only scans its own specialty's.
    let mut by_specialty: Vec<Vec<SessionIdx>> = vec![Vec::new(); instance.specialties.len()];
    for s in instance.session_indices() {
        by_specialty[instance.session(s).specialty.idx()].push(s);
    }
    instance
        .patient_indices()
        .map(|p| {
            by_specialty[instance.patient(p).specialty.idx()]
                .iter()
                .copied()
                .filter(|&s| check_pair(instance, p, s).is_ok())
                .collect()
        })
        .collect()
}
