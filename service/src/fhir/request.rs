//! A [`TheatreRequest`] written as a FHIR R4 `collection` Bundle that
//! [`super::read_theatre_bundle`] reads back to the same request (but for its
//! options, which are not in the bundle). For `generate-request --fhir-bundle` and
//! the round-trip tests.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use clinicplan_solver::theatre::input::*;
use serde_json::{Value, json};

use super::codes::*;
use super::ids::urn_uuid;
use super::london;

fn entry(kind: &str, id: &str, resource: Value) -> Value {
    json!({ "fullUrl": urn_uuid(kind, id), "resource": resource })
}

fn minutes(value: u32, unit: &str) -> Value {
    let (name, code) = match unit {
        "d" => ("days", "d"),
        _ => ("minutes", "min"),
    };
    json!({ "value": value, "unit": name, "system": UCUM, "code": code })
}

fn instant(date: &str, time: &str) -> String {
    let local = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .zip(NaiveTime::parse_from_str(time, "%H:%M").ok())
        .map(|(d, t)| NaiveDateTime::new(d, t));
    match local {
        Some(l) => london::instant_text(l),
        None => format!("{date}T{time}"),
    }
}

fn flag_code(f: FlagInput) -> &'static str {
    match f {
        FlagInput::LatexAllergy => "latex-allergy",
        FlagInput::Paediatric => "paediatric",
        FlagInput::Diabetic => "diabetic",
        FlagInput::Infected => "infected",
        FlagInput::Unknown(_) => "unknown",
    }
}

fn theatre(t: &TheatreInput) -> Value {
    let kinds: Vec<Value> = t
        .equipment
        .iter()
        .map(|e| json!({ "coding": [{ "system": EQUIPMENT_SYSTEM, "code": e }] }))
        .collect();
    let mut r = json!({
        "resourceType": "Location", "id": t.id, "status": "active",
        "physicalType": { "coding": [{ "system": PHYSICAL_TYPE_SYSTEM, "code": "ro", "display": "Room" }] },
    });
    if !kinds.is_empty() {
        r["type"] = Value::Array(kinds);
    }
    if !t.name.is_empty() {
        r["name"] = json!(t.name);
    }
    entry("Location", &t.id, r)
}

fn ward(beds: &[WardBedsInput]) -> Value {
    let ext: Vec<Value> = beds
        .iter()
        .map(|w| {
            json!({ "url": FREE_BEDS, "extension": [
                { "url": "date", "valueDate": w.date },
                { "url": "beds", "valueUnsignedInt": w.free_beds },
            ]})
        })
        .collect();
    entry(
        "Location",
        "ward",
        json!({
            "resourceType": "Location", "id": "ward", "status": "active", "name": "Surgical wards",
            "physicalType": { "coding": [{ "system": PHYSICAL_TYPE_SYSTEM, "code": "wa", "display": "Ward" }] },
            "extension": ext,
        }),
    )
}

fn surgeon(s: &SurgeonInput) -> Value {
    let mut r = json!({
        "resourceType": "PractitionerRole", "id": s.id, "active": true,
        "extension": [{ "url": MAX_MINUTES_PER_DAY, "valueUnsignedInt": s.max_minutes_per_day }],
        "practitioner": { "display": s.name },
        "specialty": [{ "coding": [{ "system": SPECIALTY_SYSTEM, "code": s.specialty }] }],
    });
    if s.name.is_empty() {
        r.as_object_mut().expect("an object").remove("practitioner");
    }
    let off: Vec<Value> = s
        .unavailable_dates
        .iter()
        .map(|d| json!({ "description": "Leave", "during": { "start": d, "end": d } }))
        .collect();
    if !off.is_empty() {
        r["notAvailable"] = Value::Array(off);
    }
    entry("PractitionerRole", &s.id, r)
}

type ScheduleKey = (String, String, String);

/// One Schedule per (theatre, surgeon, specialty) of the sessions, with its id:
/// ordered by the specialty's place in the request, then by first session, so that
/// the reader's specialties (in order of first mention) come back in the request's
/// order.
fn schedules(request: &TheatreRequest) -> BTreeMap<ScheduleKey, String> {
    let rank = |code: &str| request.specialties.iter().position(|s| s.code == code);
    let mut keys: Vec<(Option<usize>, usize, ScheduleKey)> = Vec::new();
    for (i, s) in request.sessions.iter().enumerate() {
        let key = (
            s.theatre_id.clone(),
            s.surgeon_id.clone(),
            s.specialty.clone(),
        );
        if !keys.iter().any(|k| k.2 == key) {
            keys.push((rank(&s.specialty), i, key));
        }
    }
    keys.sort();
    keys.into_iter()
        .enumerate()
        .map(|(n, (_, _, key))| (key, format!("schedule-{}", n + 1)))
        .collect()
}

fn schedule(request: &TheatreRequest, key: &ScheduleKey, id: &str) -> Value {
    let (theatre, surgeon, specialty) = key;
    let mut actor = vec![json!({ "reference": urn_uuid("Location", theatre) })];
    if !surgeon.is_empty() {
        actor.push(json!({ "reference": urn_uuid("PractitionerRole", surgeon) }));
    }
    let turnaround = request
        .specialties
        .iter()
        .find(|s| &s.code == specialty)
        .map_or(0, |s| s.turnaround_min);
    let start = NaiveDate::parse_from_str(&request.planning_start, "%Y-%m-%d").ok();
    let end = start.map(|s| s + chrono::Duration::days(i64::from(request.horizon_days.max(1)) - 1));
    let mut r = json!({
        "resourceType": "Schedule", "id": id, "active": true,
        "extension": [{ "url": TURNAROUND, "valueDuration": minutes(turnaround, "min") }],
        "specialty": [{ "coding": [{ "system": SPECIALTY_SYSTEM, "code": specialty }] }],
        "actor": actor,
    });
    if let (Some(s), Some(e)) = (start, end) {
        r["planningHorizon"] = json!({ "start": s.to_string(), "end": e.to_string() });
    }
    entry("Schedule", id, r)
}

fn slot(s: &SessionInput, schedule_id: &str) -> Value {
    entry(
        "Slot",
        &s.id,
        json!({
            "resourceType": "Slot", "id": s.id,
            "schedule": { "reference": urn_uuid("Schedule", schedule_id) },
            "status": "free",
            "start": instant(&s.date, &s.start_time),
            "end": instant(&s.date, &s.end_time),
        }),
    )
}

fn service_request(p: &PatientInput) -> Value {
    let mut ext = Vec::new();
    let (p_code, fhir_priority) = priority_codes(p.priority).unwrap_or(("", "routine"));
    ext.push(json!({ "url": SURGICAL_PRIORITY, "valueCode": p_code }));
    ext.push(json!({ "url": EXPECTED_DURATION, "valueDuration": minutes(p.expected_duration_min, "min") }));
    if p.length_of_stay_days > 0 {
        ext.push(
            json!({ "url": LENGTH_OF_STAY, "valueDuration": minutes(p.length_of_stay_days, "d") }),
        );
    }
    ext.extend(
        p.equipment
            .iter()
            .map(|e| json!({ "url": EQUIPMENT_NEEDED, "valueCode": e })),
    );
    ext.extend(
        p.flags
            .iter()
            .map(|f| json!({ "url": CASE_FLAG, "valueCode": flag_code(*f) })),
    );
    ext.extend(
        p.unavailable_dates
            .iter()
            .map(|d| json!({ "url": PATIENT_UNAVAILABLE, "valueDate": d })),
    );
    let mut r = json!({
        "resourceType": "ServiceRequest", "id": p.id, "extension": ext,
        "status": "active", "intent": "order", "priority": fhir_priority,
        "subject": { "identifier": { "system": PATHWAY_SYSTEM, "value": p.id } },
        "authoredOn": p.listed_date,
        "performerType": { "coding": [{ "system": SPECIALTY_SYSTEM, "code": p.specialty }] },
    });
    if !p.procedure.is_empty() {
        r["code"] = json!({ "text": p.procedure });
    }
    if !p.surgeon_id.is_empty() {
        r["performer"] = json!([{ "reference": urn_uuid("PractitionerRole", &p.surgeon_id) }]);
    }
    entry("ServiceRequest", &p.id, r)
}

fn pin(b: &BookingInput, session: Option<&SessionInput>) -> Value {
    let id = format!("pin-{}", b.patient_id);
    let mut r = json!({
        "resourceType": "Appointment", "id": id, "status": "booked",
        "basedOn": [{ "reference": urn_uuid("ServiceRequest", &b.patient_id) }],
        "slot": [{ "reference": urn_uuid("Slot", &b.session_id) }],
        "participant": [{ "actor": { "identifier": { "system": PATHWAY_SYSTEM, "value": b.patient_id } }, "status": "accepted" }],
    });
    if let Some(s) = session {
        r["start"] = json!(instant(&s.date, &s.start_time));
        r["end"] = json!(instant(&s.date, &s.end_time));
    }
    entry("Appointment", &id, r)
}

/// The request as a `collection` Bundle: Locations, PractitionerRoles, Schedules,
/// Slots, ServiceRequests and the pins' Appointments.
pub fn theatre_request_bundle(request: &TheatreRequest) -> Value {
    let mut entries: Vec<Value> = request.theatres.iter().map(theatre).collect();
    if !request.ward_beds.is_empty() {
        entries.push(ward(&request.ward_beds));
    }
    entries.extend(request.surgeons.iter().map(surgeon));
    let keys = schedules(request);
    let mut by_id: Vec<_> = keys.iter().collect();
    by_id.sort_by_key(|(_, id)| id[9..].parse::<usize>().unwrap_or(0));
    entries.extend(by_id.iter().map(|(k, id)| schedule(request, k, id)));
    entries.extend(request.sessions.iter().map(|s| {
        let key = (
            s.theatre_id.clone(),
            s.surgeon_id.clone(),
            s.specialty.clone(),
        );
        slot(s, &keys[&key])
    }));
    entries.extend(request.patients.iter().map(service_request));
    entries.extend(request.pinned.iter().map(|b| {
        let session = request.sessions.iter().find(|s| s.id == b.session_id);
        pin(b, session)
    }));
    json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })
}
