//! Patients on the waiting list: references, duration, priority, dates, stay and flags.

use std::collections::BTreeSet;

use super::{Ids, Known};
use crate::theatre::domain::*;
use crate::theatre::input::*;
use crate::validation::{Collector, MAX_DURATION_MIN, MAX_LENGTH_OF_STAY_DAYS, unknown};

fn priority(p: PriorityInput) -> Option<Priority> {
    match p {
        PriorityInput::P1 => Some(Priority::P1),
        PriorityInput::P2 => Some(Priority::P2),
        PriorityInput::P3 => Some(Priority::P3),
        PriorityInput::P4 => Some(Priority::P4),
        PriorityInput::Unspecified | PriorityInput::Unknown(_) => None,
    }
}

/// Patient ids (CP1010, CP1011), then each patient (see [`check_patient`]). Returns the
/// patients that parsed completely, in request order.
pub(super) fn check_patients<'r>(
    c: &mut Collector,
    req: &'r TheatreRequest,
    known: &Known<'_>,
) -> (Ids<'r>, Vec<Patient>) {
    let patient_ids = c.ids("patients", req.patients.iter().map(|p| p.id.as_str()), "id");
    let mut patients = Vec::with_capacity(req.patients.len());
    for (i, p) in req.patients.iter().enumerate() {
        if let Some(patient) = check_patient(c, i, p, known) {
            patients.push(patient);
        }
    }
    (patient_ids, patients)
}

/// One patient: specialty and surgeon (CP1020), duration (CP1040), priority (CP1042),
/// listing date (CP1030, CP1043), length of stay (CP1044), flags (CP1045) and unavailable
/// dates (CP1030).
fn check_patient(
    c: &mut Collector,
    i: usize,
    p: &PatientInput,
    known: &Known<'_>,
) -> Option<Patient> {
    let f = |name: &str| format!("patients[{i}].{name}");
    let specialty = known.specialties.get(p.specialty.as_str()).copied();
    if specialty.is_none() {
        unknown(c, f("specialty"), "specialty", &p.specialty);
    }
    if p.expected_duration_min == 0 || p.expected_duration_min > MAX_DURATION_MIN {
        c.push(
            "CP1040",
            f("expected_duration_min"),
            format!(
                "{} minutes: a case takes 1 to {MAX_DURATION_MIN} minutes",
                p.expected_duration_min
            ),
        );
    }
    let prio = priority(p.priority);
    if prio.is_none() {
        c.push(
            "CP1042",
            f("priority"),
            "missing or unknown: give PRIORITY_P1 to PRIORITY_P4",
        );
    }
    let listed = check_listed_date(c, i, p, known);
    let surgeon = check_surgeon(c, i, p, known);
    if p.length_of_stay_days > MAX_LENGTH_OF_STAY_DAYS {
        c.push(
            "CP1044",
            f("length_of_stay_days"),
            format!(
                "{} days: at most {MAX_LENGTH_OF_STAY_DAYS}",
                p.length_of_stay_days
            ),
        );
    }
    let flags = check_flags(c, i, p);
    let unavailable = c.dates(&f("unavailable_dates"), &p.unavailable_dates);
    let (Some(sp), Some(prio), Some(l), Some(ps), Some(surgeon)) =
        (specialty, prio, listed, known.planning_start, surgeon)
    else {
        return None;
    };
    Some(Patient {
        id: p.id.clone(),
        specialty: SpecialtyIdx(sp),
        procedure: p.procedure.clone(),
        duration_min: p.expected_duration_min.clamp(1, MAX_DURATION_MIN),
        priority: prio,
        listed_date: l,
        waited_days: (ps - l).num_days().max(0) as u32,
        surgeon,
        equipment: p.equipment.iter().cloned().collect(),
        length_of_stay_days: p.length_of_stay_days.min(MAX_LENGTH_OF_STAY_DAYS),
        unavailable,
        flags,
    })
}

/// The listing date (CP1030), not after the planning start (CP1043).
fn check_listed_date(
    c: &mut Collector,
    i: usize,
    p: &PatientInput,
    known: &Known<'_>,
) -> Option<chrono::NaiveDate> {
    let f = |name: &str| format!("patients[{i}].{name}");
    let listed = c.date(f("listed_date"), &p.listed_date);
    if let (Some(l), Some(ps)) = (listed, known.planning_start)
        && l > ps
    {
        c.push(
            "CP1043",
            f("listed_date"),
            format!(
                "{l} is after the planning start {ps}: a patient is listed before they are planned"
            ),
        );
    }
    listed
}

/// The surgeon (CP1020 when unknown): `Some(None)` for none given, `None` when unknown.
fn check_surgeon(
    c: &mut Collector,
    i: usize,
    p: &PatientInput,
    known: &Known<'_>,
) -> Option<Option<SurgeonIdx>> {
    if p.surgeon_id.is_empty() {
        Some(None)
    } else {
        match known.surgeons.get(p.surgeon_id.as_str()) {
            Some(&k) => Some(Some(SurgeonIdx(k))),
            None => {
                unknown(
                    c,
                    format!("patients[{i}].surgeon_id"),
                    "surgeon",
                    &p.surgeon_id,
                );
                None
            }
        }
    }
}

/// The patient's case flags (CP1045 for an unknown one, which is left out).
fn check_flags(c: &mut Collector, i: usize, p: &PatientInput) -> BTreeSet<CaseFlag> {
    let mut flags = BTreeSet::new();
    for (j, flag) in p.flags.iter().enumerate() {
        match flag {
            FlagInput::LatexAllergy => flags.insert(CaseFlag::LatexAllergy),
            FlagInput::Paediatric => flags.insert(CaseFlag::Paediatric),
            FlagInput::Diabetic => flags.insert(CaseFlag::Diabetic),
            FlagInput::Infected => flags.insert(CaseFlag::Infected),
            FlagInput::Unknown(v) => {
                c.push(
                    "CP1045",
                    format!("patients[{i}].flags[{j}]"),
                    format!("{v} is not a known flag"),
                );
                false
            }
        };
    }
    flags
}
