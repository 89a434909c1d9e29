//! The mapping, element by element, on small bundles written here.

use clinicplan_solver::theatre::input::{FlagInput, PriorityInput};
use serde_json::{Value, json};

use super::codes::*;
use super::{FhirError, FhirReadOptions, read_theatre_bundle};

fn bundle(resources: Vec<Value>) -> String {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let url = format!(
                "https://trust.example/fhir/{}/{}",
                r["resourceType"].as_str().unwrap(),
                r["id"].as_str().unwrap_or("none")
            );
            json!({ "fullUrl": url, "resource": r })
        })
        .collect();
    json!({ "resourceType": "Bundle", "type": "searchset", "entry": entries }).to_string()
}

fn theatre() -> Value {
    json!({ "resourceType": "Location", "id": "T1", "name": "Theatre 1",
        "type": [{ "coding": [{ "system": EQUIPMENT_SYSTEM, "code": "LASER" }] }],
        "extension": [{ "url": EQUIPMENT_NEEDED, "valueCode": "C_ARM" }] })
}

fn surgeon() -> Value {
    json!({ "resourceType": "PractitionerRole", "id": "S1",
        "extension": [{ "url": MAX_MINUTES_PER_DAY, "valueUnsignedInt": 480 }],
        "practitioner": { "display": "Ms A Surgeon" },
        "specialty": [{ "coding": [{ "code": "ORTH" }] }],
        "notAvailable": [{ "description": "leave", "during": { "start": "2026-03-04", "end": "2026-03-05" } }] })
}

fn schedule() -> Value {
    json!({ "resourceType": "Schedule", "id": "SC1",
        "actor": [{ "reference": "Location/T1" }, { "reference": "PractitionerRole/S1" }],
        "extension": [{ "url": TURNAROUND, "valueDuration": { "value": 20, "system": UCUM, "code": "min" } }] })
}

fn slot(id: &str, status: &str) -> Value {
    json!({ "resourceType": "Slot", "id": id, "schedule": { "reference": "Schedule/SC1" },
        "status": status, "start": "2026-03-02T08:00:00Z", "end": "2026-03-02T12:30:00Z" })
}

fn request(id: &str) -> Value {
    json!({ "resourceType": "ServiceRequest", "id": id, "status": "active", "intent": "order",
        "priority": "urgent", "authoredOn": "2025-11-20T10:00:00+00:00",
        "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "52734007", "display": "Total hip replacement" }] },
        "performer": [{ "reference": "PractitionerRole/S1" }],
        "extension": [
            { "url": EXPECTED_DURATION, "valueDuration": { "value": 2, "system": UCUM, "code": "h" } },
            { "url": LENGTH_OF_STAY, "valueDuration": { "value": 3, "system": UCUM, "code": "d" } },
            { "url": CASE_FLAG, "valueCode": "diabetic" },
            { "url": PATIENT_UNAVAILABLE, "valueDate": "2026-03-03" },
        ] })
}

#[test]
fn each_element_lands_in_its_request_field() {
    let ward = json!({ "resourceType": "Location", "id": "W1",
        "physicalType": { "coding": [{ "system": PHYSICAL_TYPE_SYSTEM, "code": "wa" }] },
        "extension": [{ "url": FREE_BEDS, "extension": [
            { "url": "date", "valueDate": "2026-03-02" }, { "url": "beds", "valueUnsignedInt": 6 } ] }] });
    let mut ward2 = ward.clone();
    ward2["id"] = json!("W2");
    let text = bundle(vec![
        theatre(),
        ward,
        ward2,
        surgeon(),
        schedule(),
        slot("SL1", "free"),
        slot("SL2", "busy-unavailable"),
        request("P1"),
        json!({ "resourceType": "ServiceRequest", "id": "P2", "status": "revoked" }),
        json!({ "resourceType": "Patient", "id": "ignored" }),
    ]);
    let import = read_theatre_bundle(&text, &FhirReadOptions::default()).unwrap();
    let r = &import.request;
    assert_eq!(
        (r.planning_start.as_str(), r.horizon_days),
        ("2026-03-02", 1)
    );
    assert_eq!(r.theatres.len(), 1);
    assert_eq!(r.theatres[0].equipment, ["C_ARM", "LASER"]);
    assert_eq!(r.ward_beds.len(), 1, "two wards' beds on one date add up");
    assert_eq!(r.ward_beds[0].free_beds, 12);
    let s = &r.surgeons[0];
    assert_eq!(
        (s.name.as_str(), s.specialty.as_str(), s.max_minutes_per_day),
        ("Ms A Surgeon", "ORTH", 480)
    );
    assert_eq!(s.unavailable_dates, ["2026-03-04", "2026-03-05"]);
    assert_eq!(
        r.sessions.len(),
        1,
        "a busy-unavailable slot is not a session"
    );
    let session = &r.sessions[0];
    assert_eq!(
        (
            session.theatre_id.as_str(),
            session.surgeon_id.as_str(),
            session.specialty.as_str()
        ),
        ("T1", "S1", "ORTH")
    );
    assert_eq!(
        (session.start_time.as_str(), session.end_time.as_str()),
        ("08:00", "12:30")
    );
    assert_eq!(r.specialties.len(), 1);
    assert_eq!(r.specialties[0].turnaround_min, 20);
    assert_eq!(r.patients.len(), 1, "a revoked request is not on the list");
    let p = &r.patients[0];
    assert_eq!(
        p.priority,
        PriorityInput::P3,
        "urgent without the extension"
    );
    assert_eq!(p.expected_duration_min, 120);
    assert_eq!(p.length_of_stay_days, 3);
    assert_eq!(p.flags, [FlagInput::Diabetic]);
    assert_eq!(p.unavailable_dates, ["2026-03-03"]);
    assert_eq!(
        (p.surgeon_id.as_str(), p.specialty.as_str()),
        ("S1", "ORTH")
    );
    assert_eq!(p.procedure, "Total hip replacement");
    assert_eq!(p.listed_date, "2025-11-20");
}

#[test]
fn the_surgical_priority_extension_wins_over_the_request_priority() {
    let mut sr = request("P1");
    sr["extension"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "url": SURGICAL_PRIORITY, "valueCode": "P1b" }));
    let text = bundle(vec![
        theatre(),
        surgeon(),
        schedule(),
        slot("SL1", "free"),
        sr,
    ]);
    let import = read_theatre_bundle(&text, &FhirReadOptions::default()).unwrap();
    assert_eq!(import.request.patients[0].priority, PriorityInput::P1);
}

#[test]
fn an_element_of_the_wrong_json_type_is_named_by_its_path() {
    let mut s = slot("SL1", "free");
    s["start"] = json!(20260302);
    let text = bundle(vec![
        theatre(),
        surgeon(),
        schedule(),
        s,
        slot("SL2", "free"),
    ]);
    let Err(FhirError::Problems(p)) = read_theatre_bundle(&text, &FhirReadOptions::default())
    else {
        panic!("a number is not an instant");
    };
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].element, "Slot.start");
    assert_eq!(p[0].full_url, "https://trust.example/fhir/Slot/SL1");
}

#[test]
fn options_override_the_horizon() {
    let text = bundle(vec![theatre(), surgeon(), schedule(), slot("SL1", "free")]);
    let options = FhirReadOptions {
        planning_start: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
        horizon_days: Some(7),
    };
    let import = read_theatre_bundle(&text, &options).unwrap();
    assert_eq!(
        (
            import.request.planning_start.as_str(),
            import.request.horizon_days
        ),
        ("2026-03-01", 7)
    );
}

/// Every week family of the generator, with a pin, written as a bundle and read back.
#[test]
fn every_generated_week_family_round_trips_through_a_bundle() {
    use clinicplan_solver::theatre::generate::{Family, theatre_request};
    use clinicplan_solver::theatre::input::{BookingInput, OptionsInput};
    for (k, family) in Family::ALL.into_iter().enumerate() {
        let mut request = theatre_request(&family.week(4, 60, k as u64 + 1));
        request.options = OptionsInput::default();
        request.pinned = vec![BookingInput {
            patient_id: request.patients[3].id.clone(),
            session_id: request.sessions[0].id.clone(),
        }];
        let text = super::theatre_request_bundle(&request).to_string();
        let read = read_theatre_bundle(&text, &FhirReadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", family.name()));
        assert_eq!(read.request, request, "{}", family.name());
    }
}
