//! The waiting list of a bundle: `ServiceRequest` → patients, booked `Appointment` →
//! pins (the previous plan's bookings). docs/fhir.md has the mapping.

use std::collections::BTreeMap;

use clinicplan_solver::theatre::input::*;

use super::bundle::{BundleIndex, Entry};
use super::codes::*;
use super::element::{Extension, Quantity, Reference, extensions};
use super::london;
use super::reader::{Reader, duration, ext_path, ext_value};
use super::resources::{Appointment, ServiceRequest};

/// The patients, and each one's `subject`.
pub(super) struct Waiting {
    pub(super) patients: Vec<PatientInput>,
    pub(super) subjects: BTreeMap<String, Reference>,
}

/// The pins, and the Appointment id of each pinned patient.
pub(super) struct Pins {
    pub(super) pinned: Vec<BookingInput>,
    pub(super) appointment_ids: BTreeMap<String, String>,
}

/// Patients, one per `active` ServiceRequest (other statuses are not on the list).
pub(super) fn service_requests(r: &mut Reader<'_>, surgeons: &[SurgeonInput]) -> Waiting {
    let mut waiting = Waiting {
        patients: Vec::new(),
        subjects: BTreeMap::new(),
    };
    for entry in r.index.of_type("ServiceRequest") {
        let Some(sr) = BundleIndex::typed::<ServiceRequest>(entry, &mut r.problems) else {
            continue;
        };
        match sr.status.as_deref() {
            Some("active") => {}
            Some(_) => continue,
            None => {
                r.problems.at(entry, "status", "missing: give active");
                continue;
            }
        }
        let Some(patient) = patient(r, entry, &sr, surgeons) else {
            continue;
        };
        if let Some(subject) = sr.subject.clone() {
            waiting.subjects.insert(patient.id.clone(), subject);
        }
        r.origins.push("patients", entry);
        waiting.patients.push(patient);
    }
    waiting
}

fn patient(
    r: &mut Reader<'_>,
    entry: &Entry,
    sr: &ServiceRequest,
    surgeons: &[SurgeonInput],
) -> Option<PatientInput> {
    let id = r.id(entry, "patient (waiting-list entry)");
    let priority = priority(r, entry, sr);
    let minutes = required_duration(r, entry, &sr.extension);
    let listed = sr.authored_on.as_deref().and_then(london::parse_date);
    if listed.is_none() {
        let why = format!("{:?}: give the date listed (a date)", sr.authored_on);
        r.problems.at(entry, "authoredOn", why);
    }
    let surgeon_id = surgeon(r, entry, sr);
    let specialty = sr
        .performer_type
        .as_ref()
        .and_then(|c| c.code(None))
        .map(str::to_string)
        .or_else(|| {
            let s = surgeons
                .iter()
                .find(|s| Some(&s.id) == surgeon_id.as_ref())?;
            Some(s.specialty.clone()).filter(|c| !c.is_empty())
        });
    if specialty.is_none() {
        r.problems.at(
            entry,
            "performerType",
            "no specialty: give its code, or a performer (PractitionerRole) with one",
        );
    }
    let length_of_stay_days = match extensions(&sr.extension, LENGTH_OF_STAY).next() {
        Some((i, e)) => duration_of(r, entry, i, LENGTH_OF_STAY, e, true).unwrap_or(0),
        None => 0,
    };
    let unavailable_dates = extensions(&sr.extension, PATIENT_UNAVAILABLE)
        .filter_map(|(i, e)| {
            let date = ext_value::<String>(e, "Date").filter(|d| london::parse_date(d).is_some());
            if date.is_none() {
                let path = ext_path(i, PATIENT_UNAVAILABLE, "valueDate");
                r.problems.at(entry, &path, "give a date");
            }
            date
        })
        .collect();
    let flags = extensions(&sr.extension, CASE_FLAG)
        .map(|(i, e)| flag(r, entry, i, e))
        .collect();
    let equipment = extensions(&sr.extension, EQUIPMENT_NEEDED)
        .filter_map(|(_, e)| e.text().map(str::to_string))
        .collect();
    let procedure = sr.code.as_ref().and_then(|c| {
        c.text.clone().or_else(|| {
            let coding = c.coding.first()?;
            coding.display.clone().or_else(|| coding.code.clone())
        })
    });
    Some(PatientInput {
        id: id?,
        specialty: specialty?,
        procedure: procedure.unwrap_or_default(),
        expected_duration_min: minutes?,
        priority: priority?,
        listed_date: listed?.format("%Y-%m-%d").to_string(),
        surgeon_id: surgeon_id.unwrap_or_default(),
        equipment,
        length_of_stay_days,
        unavailable_dates,
        flags,
    })
}

/// The P-code: the `surgical-priority` extension, else `ServiceRequest.priority`.
fn priority(r: &mut Reader<'_>, entry: &Entry, sr: &ServiceRequest) -> Option<PriorityInput> {
    if let Some((i, e)) = extensions(&sr.extension, SURGICAL_PRIORITY).next() {
        let code = e
            .text()
            .map(str::to_string)
            .or_else(|| ext_value::<super::element::Coding>(e, "Coding").and_then(|c| c.code));
        let p = code.as_deref().and_then(priority_from_code);
        if p.is_none() {
            let path = ext_path(i, SURGICAL_PRIORITY, "valueCode");
            r.problems
                .at(entry, &path, format!("{code:?}: give P1, P2, P3 or P4"));
        }
        return p;
    }
    let p = sr
        .priority
        .as_deref()
        .and_then(priority_from_request_priority);
    if p.is_none() {
        let why = format!(
            "{:?}: give the surgical-priority extension (P1..P4) or routine, urgent, asap or stat",
            sr.priority
        );
        r.problems.at(entry, "priority", why);
    }
    p
}

/// The requested surgeon: the first `performer`, a PractitionerRole of the bundle.
fn surgeon(r: &mut Reader<'_>, entry: &Entry, sr: &ServiceRequest) -> Option<String> {
    let performer = sr.performer.first()?;
    let target = r.target(entry, "performer[0]", performer, &["PractitionerRole"])?;
    target.id.clone()
}

fn required_duration(r: &mut Reader<'_>, entry: &Entry, list: &[Extension]) -> Option<u32> {
    match extensions(list, EXPECTED_DURATION).next() {
        Some((i, e)) => duration_of(r, entry, i, EXPECTED_DURATION, e, false),
        None => {
            let path = format!("extension('{EXPECTED_DURATION}')");
            r.problems.at(
                entry,
                &path,
                "missing: give the expected operating time (a Duration)",
            );
            None
        }
    }
}

fn duration_of(
    r: &mut Reader<'_>,
    entry: &Entry,
    i: usize,
    url: &str,
    e: &Extension,
    days: bool,
) -> Option<u32> {
    let path = ext_path(i, url, "valueDuration");
    let Some(q) = ext_value::<Quantity>(e, "Duration") else {
        r.problems.at(entry, &path, "missing: give a Duration");
        return None;
    };
    duration(&q, days)
        .map_err(|why| r.problems.at(entry, &path, why))
        .ok()
}

fn flag(r: &mut Reader<'_>, entry: &Entry, i: usize, e: &Extension) -> FlagInput {
    match e.text().unwrap_or_default() {
        "latex-allergy" => FlagInput::LatexAllergy,
        "paediatric" => FlagInput::Paediatric,
        "diabetic" => FlagInput::Diabetic,
        "infected" => FlagInput::Infected,
        other => {
            let path = ext_path(i, CASE_FLAG, "valueCode");
            r.problems.at(
                entry,
                &path,
                format!("'{other}': give latex-allergy, paediatric, diabetic or infected"),
            );
            FlagInput::Unknown(0)
        }
    }
}

/// Pins, one per `booked` Appointment: its `basedOn` ServiceRequest stays in its
/// `slot`'s session. Appointments of other statuses are not bookings to keep.
pub(super) fn appointments(r: &mut Reader<'_>) -> Pins {
    let mut pins = Pins {
        pinned: Vec::new(),
        appointment_ids: BTreeMap::new(),
    };
    for entry in r.index.of_type("Appointment") {
        let Some(a) = BundleIndex::typed::<Appointment>(entry, &mut r.problems) else {
            continue;
        };
        if a.status.as_deref() != Some("booked") {
            continue;
        }
        let request = first_target(r, entry, "basedOn", &a.based_on, "ServiceRequest");
        let slot = first_target(r, entry, "slot", &a.slot, "Slot");
        let (Some(patient_id), Some(session_id)) = (request, slot) else {
            continue;
        };
        if let Some(id) = &entry.id {
            pins.appointment_ids.insert(patient_id.clone(), id.clone());
        }
        r.origins.push("pinned", entry);
        pins.pinned.push(BookingInput {
            patient_id,
            session_id,
        });
    }
    pins
}

/// The id of the first reference of `list`, which must name a `kind` of the bundle.
fn first_target(
    r: &mut Reader<'_>,
    entry: &Entry,
    element: &str,
    list: &[Reference],
    kind: &str,
) -> Option<String> {
    let Some(first) = list.first() else {
        r.problems.at(
            entry,
            element,
            format!("missing: name the {kind} of the booking"),
        );
        return None;
    };
    let target = r.target(entry, &format!("{element}[0]"), first, &[kind])?;
    target.id.clone()
}
