//! GP Connect slots for appointment balancing (docs/fhir.md, "GP Connect"): the free
//! slot search response published in the GP Connect specification (Appointment
//! Management 1.2, "Search for free slots"), corrected where it is not valid JSON,
//! balances a request file's requests and writes one GP Connect Appointment per
//! booking, shaped as the specification's "Book an appointment" request body; the
//! response exactly as published, and unusable resources, are refused by name.

use std::path::{Path, PathBuf};

use clinicplan_service::fhir::gpconnect::{GpConnectOptions, merge_slots, read_gpconnect_slots};
use clinicplan_service::{convert, proto};
use serde_json::Value;

use crate::support::appointments::check;
use crate::support::cli::{clinicplan, fresh_dir, text};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fhir/gpconnect")
}

/// Two routine GP requests from the practice's own patients (ids `9000000009` and
/// `9000000017`, standing for the patients' logical ids on the provider), asked on
/// the slots' day, face to face.
fn requests() -> proto::BalanceAppointmentsRequest {
    let request = |id: &str| proto::AppointmentRequest {
        id: id.into(),
        home_site_id: "17".into(),
        role: "GP".into(),
        urgency: proto::Urgency::Routine as i32,
        request_date: "2016-08-15".into(),
        modes: vec![proto::Mode::FaceToFace as i32],
        max_travel_min: 30,
        preferred_clinician_id: String::new(),
    };
    proto::BalanceAppointmentsRequest {
        planning_start: "2016-08-15".into(),
        horizon_days: 1,
        requests: vec![request("9000000009"), request("9000000017")],
        options: Some(proto::BalanceOptions {
            time_limit_ms: 10_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn the_published_search_response_reads_as_one_surgery_one_gp_and_two_slots() {
    let body = std::fs::read_to_string(fixtures().join("searchset.json")).unwrap();
    let slots = read_gpconnect_slots(&body, &GpConnectOptions::with_roles([])).unwrap();
    assert_eq!(slots.sites.len(), 1);
    assert_eq!(
        (slots.sites[0].id.as_str(), slots.sites[0].name.as_str()),
        ("17", "The Trevelyan Practice")
    );
    assert_eq!(slots.clinicians.len(), 1);
    let gp = &slots.clinicians[0];
    assert_eq!(
        (
            gp.id.as_str(),
            gp.site_id.as_str(),
            gp.role.as_str(),
            gp.name.as_str()
        ),
        ("2", "17", "GP", "Sarah Black")
    );
    let got: Vec<(&str, &str, &str, u32)> = slots
        .slots
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.date.as_str(),
                s.start_time.as_str(),
                s.duration_min,
            )
        })
        .collect();
    // 11:30:00 to 11:59:59 is a 30-minute slot (to the nearest minute).
    assert_eq!(
        got,
        [
            ("1584", "2016-08-15", "11:30", 30),
            ("1644", "2016-08-15", "12:00", 30)
        ]
    );
}

#[test]
fn the_search_response_books_both_requests_as_gp_connect_appointments() {
    let out = fresh_dir("gpc", "book");
    let (input, response_file, appointments) = (
        out.join("requests.json"),
        out.join("response.json"),
        out.join("appointments"),
    );
    std::fs::write(&input, serde_json::to_string_pretty(&requests()).unwrap()).unwrap();
    let searchset = fixtures().join("searchset.json");
    let run = clinicplan(&[
        "balance-appointments",
        "--input",
        input.to_str().unwrap(),
        "--gpconnect-slots",
        searchset.to_str().unwrap(),
        "--output",
        response_file.to_str().unwrap(),
        "--gpconnect-out",
        appointments.to_str().unwrap(),
        "--booking-org-name",
        "Leeds GP Federation Hub",
        "--booking-org-phone",
        "0113 000 0000",
        "--booking-org-ods",
        "Y12345",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));

    // The plan, checked against the request as merged with the searchset.
    let mut merged = convert::appointments::request_from_proto(requests());
    let body = std::fs::read_to_string(&searchset).unwrap();
    let slots = read_gpconnect_slots(&body, &GpConnectOptions::with_roles([])).unwrap();
    merge_slots(&mut merged, &slots);
    let wire = convert::appointments::request_to_proto(&merged);
    let response: proto::BalanceAppointmentsResponse =
        serde_json::from_str(&std::fs::read_to_string(&response_file).unwrap()).unwrap();
    let report = check(&wire, &response);
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert_eq!(response.bookings.len(), 2, "two requests, two free slots");

    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("book-appointment-request.json")).unwrap(),
    )
    .unwrap();
    for b in &response.bookings {
        let path = appointments.join(format!("appointment-{}.json", b.request_id));
        let a: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // Every element the specification's example request body has, ours has.
        for key in example
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "comment")
        {
            assert!(a.get(key).is_some(), "{}: no {key}", path.display());
        }
        assert_eq!(a["meta"], example["meta"]);
        assert_eq!(a["status"], "booked");
        assert_eq!(
            a["extension"], example["extension"],
            "the booking organisation extension"
        );
        assert_eq!(a["contained"][0]["name"], "Leeds GP Federation Hub");
        assert_eq!(a["contained"][0]["telecom"][0]["value"], "0113 000 0000");
        assert_eq!(a["slot"][0]["reference"], format!("Slot/{}", b.slot_id));
        let slot = &slots.slot_refs[&b.slot_id];
        assert_eq!(
            (a["start"].as_str(), a["end"].as_str()),
            (Some(slot.start.as_str()), Some(slot.end.as_str()))
        );
        let actors: Vec<&str> = a["participant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["actor"]["reference"].as_str().unwrap())
            .collect();
        assert_eq!(
            actors,
            [
                format!("Patient/{}", b.request_id).as_str(),
                "Location/17",
                "Practitioner/2"
            ]
        );
        assert!(a["description"].as_str().unwrap().chars().count() <= 100);
    }
}

/// Exactly as published, the response is not JSON (a trailing comma) and its
/// Organization entry has no `resource`: refused, naming where.
#[test]
fn the_response_exactly_as_published_is_refused_with_its_line_and_column() {
    let out = fresh_dir("gpc", "as-published");
    let input = out.join("requests.json");
    std::fs::write(&input, serde_json::to_string_pretty(&requests()).unwrap()).unwrap();
    let run = clinicplan(&[
        "balance-appointments",
        "--input",
        input.to_str().unwrap(),
        "--gpconnect-slots",
        fixtures()
            .join("searchset-as-published.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("the bundle is not JSON") && stderr.contains("line 167 column 9"),
        "{stderr}"
    );

    // With the comma fixed, the Organization entry is the one problem.
    let body = std::fs::read_to_string(fixtures().join("searchset-as-published.json")).unwrap();
    let body = body.replace("\"Boar Ln\",\n        ],", "\"Boar Ln\"\n        ],");
    let Err(e) = read_gpconnect_slots(&body, &GpConnectOptions::with_roles([])) else {
        panic!("the Organization entry has no resource");
    };
    assert_eq!(
        e.problems(),
        ["entry[5] Organization/14: Bundle.entry.resource: the entry has no resource"]
    );
}

#[test]
fn unusable_slots_and_schedules_are_named_by_full_url_and_element() {
    let mut bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("searchset.json")).unwrap())
            .unwrap();
    let entries = bundle["entry"].as_array_mut().unwrap();
    entries[0]["resource"]["extension"][0]["valueCode"] = Value::from("Carrier pigeon");
    entries[1]["resource"]["schedule"]["reference"] = Value::from("Schedule/99");
    entries[2]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("extension");
    let Err(e) = read_gpconnect_slots(&bundle.to_string(), &GpConnectOptions::with_roles([]))
    else {
        panic!("the bundle has unusable resources");
    };
    assert_eq!(
        e.problems(),
        [
            "entry[2] Schedule/14: Schedule.extension('https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1').valueCodeableConcept: missing: give the practitioner's SDS job role",
            "entry[0] Slot/1584: Slot.extension[0]('https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2').valueCode: Some(\"Carrier pigeon\"): give In-person, Telephone or Video",
            "entry[1] Slot/1644: Slot.schedule: 'Schedule/99' is not in the bundle: include the Schedule",
        ]
    );
}

#[test]
fn a_role_map_names_sds_job_roles_in_the_request_files_words() {
    let body = std::fs::read_to_string(fixtures().join("searchset.json")).unwrap();
    let options = GpConnectOptions::with_roles([("R0260".to_string(), "DOCTOR".to_string())]);
    let slots = read_gpconnect_slots(&body, &options).unwrap();
    assert!(slots.slots.iter().all(|s| s.role == "DOCTOR"));
    assert_eq!(slots.clinicians[0].role, "DOCTOR");
}

/// The requests may come as CSV: a `sites.csv` naming the surgery (for travel times),
/// a `slots.csv` with no rows (the slots are GP Connect's) and a `requests.csv`.
#[test]
fn requests_from_csv_files_book_the_searchset_slots_too() {
    let dir = fresh_dir("gpc", "csv");
    std::fs::write(dir.join("sites.csv"), "id,name\n17,Trevelyan (our name)\n").unwrap();
    std::fs::write(
        dir.join("slots.csv"),
        "id,clinician_id,site_id,role,date,start_time,duration_min,mode\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("requests.csv"),
        "id,home_site_id,role,urgency,request_date,modes,max_travel_min\n\
         9000000009,17,GP,ROUTINE,2016-08-15,FACE_TO_FACE,30\n",
    )
    .unwrap();
    let response_file = dir.join("response.json");
    let run = clinicplan(&[
        "balance-appointments",
        "--csv-dir",
        dir.to_str().unwrap(),
        "--planning-start",
        "2016-08-15",
        "--horizon-days",
        "1",
        "--gpconnect-slots",
        fixtures().join("searchset.json").to_str().unwrap(),
        "--output",
        response_file.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let response: proto::BalanceAppointmentsResponse =
        serde_json::from_str(&std::fs::read_to_string(&response_file).unwrap()).unwrap();
    assert_eq!(response.bookings.len(), 1);
    assert!(["1584", "1644"].contains(&response.bookings[0].slot_id.as_str()));
}
