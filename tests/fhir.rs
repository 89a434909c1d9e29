//! Theatre lists from a FHIR R4 (UK Core) Bundle and back (docs/fhir.md): the
//! published UK Core examples round-trip through the typed resources, and are named
//! element by element where they lack what planning needs; a week built from them
//! plans, with the golden transaction of Appointments and OperationOutcome of the
//! waiting list; a generated week written as a Bundle reads back to its request and
//! plans to the same optimum as its JSON; every unusable resource is named by entry,
//! `fullUrl` and element, and nothing is written.

use std::path::{Path, PathBuf};

use clinicplan_service::fhir::resources::{
    Appointment, Location, PractitionerRole, Schedule, ServiceRequest, Slot,
};
use clinicplan_service::fhir::{
    FhirError, FhirReadOptions, read_theatre_bundle, theatre_request_bundle,
};
use clinicplan_service::{convert, proto};
use clinicplan_solver::theatre::generate::{Family, theatre_request};
use clinicplan_solver::theatre::input::{BookingInput, OptionsInput};
use serde_json::Value;

use crate::support::assert_valid;
use crate::support::cli::{clinicplan, fresh_dir, text};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fhir")
}

fn json(path: &Path) -> Value {
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `T` read from `value` and written back.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).expect("the example reads");
    serde_json::to_value(typed).unwrap()
}

#[test]
fn the_published_uk_core_examples_round_trip_through_the_typed_resources() {
    let dir = fixtures().join("ukcore");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let value = json(&path);
        let back = match value["resourceType"].as_str().unwrap() {
            "ServiceRequest" => round_trip::<ServiceRequest>(&value),
            "PractitionerRole" => round_trip::<PractitionerRole>(&value),
            "Location" => round_trip::<Location>(&value),
            "Schedule" => round_trip::<Schedule>(&value),
            "Slot" => round_trip::<Slot>(&value),
            "Appointment" => round_trip::<Appointment>(&value),
            other => panic!("{}: unexpected {other}", path.display()),
        };
        assert_eq!(back, value, "{} changes in a round trip", path.display());
        seen += 1;
    }
    assert_eq!(
        seen, 6,
        "the six examples kept under tests/fixtures/fhir/ukcore"
    );
}

/// The examples as published lack what planning needs (a duration, a P-code, a
/// surgeon's role and daily limit, a theatre for the Schedule): each gap is named.
#[test]
fn the_published_examples_as_they_are_name_every_gap_by_full_url_and_element() {
    let body = std::fs::read_to_string(fixtures().join("ukcore-examples.json")).unwrap();
    let Err(FhirError::Problems(problems)) =
        read_theatre_bundle(&body, &FhirReadOptions::default())
    else {
        panic!("the published examples alone are not a plannable week");
    };
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let want = std::fs::read_to_string(fixtures().join("ukcore-examples.problems.txt")).unwrap();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(got, want, "got:\n{}", got.join("\n"));
    for p in &problems {
        assert!(p.full_url.starts_with("https://trust.example/fhir/"), "{p}");
        assert!(p.entry.is_some(), "{p}");
    }
}

/// The week built from the examples (tests/fixtures/fhir/README.md says what was
/// added): the hip replacement already booked stays in its session (a PUT of its
/// Appointment), the second request waits, and both outputs are the golden files.
#[test]
fn the_uk_core_week_plans_to_the_golden_appointments_and_waiting_list() {
    let out = fresh_dir("fhir", "ukcore-week");
    let (fhir_out, plan) = (out.join("plan-fhir.json"), out.join("plan.json"));
    let bundle = fixtures().join("ukcore-week.json");
    let run = clinicplan(&[
        "plan-theatres",
        "--fhir-bundle",
        bundle.to_str().unwrap(),
        "--time-limit-ms",
        "3000",
        "--output",
        plan.to_str().unwrap(),
        "--fhir-out",
        fhir_out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let body = std::fs::read_to_string(&bundle).unwrap();
    let import = read_theatre_bundle(&body, &FhirReadOptions::default()).unwrap();
    let request = convert::request_to_proto(&import.request);
    let response: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_valid("ukcore-week", &request, &response);
    assert_eq!(
        json(&fhir_out),
        json(&fixtures().join("ukcore-week-plan.json")),
        "the transaction"
    );
    assert_eq!(
        json(&out.join("plan-fhir.waiting.json")),
        json(&fixtures().join("ukcore-week-plan.waiting.json")),
        "the waiting list"
    );
}

/// A generated week (with a pin) written as a Bundle reads back to the same request,
/// but for its options; planned from either file, both plans pass the checker and
/// reach the same proven optimum.
#[test]
fn a_generated_week_from_its_bundle_is_its_json_request_and_plans_the_same() {
    let out = fresh_dir("fhir", "generated");
    let mut request = theatre_request(&Family::Baseline.week(2, 14, 5));
    request.options = OptionsInput::default();
    // A pin the request accepts: the first patient and session that go together.
    let candidates: Vec<BookingInput> = request
        .patients
        .iter()
        .flat_map(|p| request.sessions.iter().map(move |s| (p, s)))
        .filter(|(p, s)| p.specialty == s.specialty)
        .map(|(p, s)| BookingInput {
            patient_id: p.id.clone(),
            session_id: s.id.clone(),
        })
        .collect();
    request.pinned = candidates
        .into_iter()
        .map(|pin| vec![pin])
        .find(|pinned| {
            let mut r = request.clone();
            r.pinned = pinned.clone();
            clinicplan_solver::theatre::validate(&r).is_ok()
        })
        .expect("some patient can be pinned");
    let bundle = theatre_request_bundle(&request);
    let read = read_theatre_bundle(&bundle.to_string(), &FhirReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.request, request);

    let (json_file, bundle_file) = (out.join("week.json"), out.join("week-fhir.json"));
    let wire = convert::request_to_proto(&request);
    std::fs::write(&json_file, serde_json::to_string_pretty(&wire).unwrap()).unwrap();
    std::fs::write(&bundle_file, bundle.to_string()).unwrap();
    let mut plans = Vec::new();
    for (name, flag, file) in [
        ("json", "--input", &json_file),
        ("fhir", "--fhir-bundle", &bundle_file),
    ] {
        let plan = out.join(format!("plan-{name}.json"));
        let run = clinicplan(&[
            "plan-theatres",
            flag,
            file.to_str().unwrap(),
            "--time-limit-ms",
            "20000",
            "--output",
            plan.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(0), "{name}: {}", text(&run.stderr));
        let response: proto::PlanTheatreListsResponse =
            serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
        assert_valid(&format!("generated-{name}"), &wire, &response);
        let solve = response.solve.clone().unwrap_or_default();
        assert_eq!(
            solve.status,
            proto::SolveStatus::Optimal as i32,
            "{name}: a 14-patient week is solved to optimality"
        );
        plans.push(response);
    }
    let metrics = |r: &proto::PlanTheatreListsResponse| r.metrics.clone().unwrap_or_default();
    let (a, b) = (metrics(&plans[0]), metrics(&plans[1]));
    assert!(
        (a.weighted_wait - b.weighted_wait).abs() <= 1e-6 * a.weighted_wait.abs().max(1.0),
        "json {} vs fhir {}",
        a.weighted_wait,
        b.weighted_wait
    );
    assert_eq!(a.patients_scheduled, b.patients_scheduled);
}

#[test]
fn generate_request_writes_a_bundle_that_reads_back_to_the_generated_request() {
    let out = fresh_dir("fhir", "generate");
    let path = out.join("week.json");
    let run = clinicplan(&[
        "generate-request",
        "--theatres",
        "2",
        "--patients",
        "30",
        "--seed",
        "3",
        "--fhir-bundle",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(run.stdout.is_empty(), "the bundle goes to the file only");
    let body = std::fs::read_to_string(&path).unwrap();
    let read = read_theatre_bundle(&body, &FhirReadOptions::default()).unwrap();
    let mut generated = theatre_request(&Family::Baseline.week(2, 30, 3));
    generated.options = OptionsInput::default();
    assert_eq!(read.request, generated);
}

/// The UK Core week with `edit` applied to its JSON, written to a scratch file.
fn edited_week(name: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let mut week = json(&fixtures().join("ukcore-week.json"));
    edit(&mut week);
    let path = fresh_dir("fhir", name).join("week.json");
    std::fs::write(&path, week.to_string()).unwrap();
    path
}

/// Runs plan-theatres on `bundle` with both outputs; returns stderr after checking
/// exit code 2, nothing on standard output and nothing written.
fn rejected(bundle: &Path) -> String {
    let dir = bundle.parent().unwrap();
    let (plan, fhir_out) = (dir.join("plan.json"), dir.join("out.json"));
    let run = clinicplan(&[
        "plan-theatres",
        "--fhir-bundle",
        bundle.to_str().unwrap(),
        "--output",
        plan.to_str().unwrap(),
        "--fhir-out",
        fhir_out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(run.stdout.is_empty(), "{}", text(&run.stdout));
    assert!(!plan.exists() && !fhir_out.exists(), "nothing is written");
    text(&run.stderr)
}

const BASE: &str = "https://trust.example/fhir/";

#[test]
fn every_unusable_resource_is_named_by_entry_full_url_and_element() {
    let bundle = edited_week("unusable", |week| {
        let entries = week["entry"].as_array_mut().unwrap();
        // The Slot: no end, and a schedule that is a Location.
        let slot = &mut entries[3]["resource"];
        slot.as_object_mut().unwrap().remove("end");
        slot["schedule"]["reference"] =
            Value::from("Location/UKCore-Location-HospitalSJUH-Example");
        // The ServiceRequest: an unknown P-code, and a performer not in the bundle.
        let sr = &mut entries[4]["resource"];
        let ext = sr["extension"].as_array_mut().unwrap();
        let p = ext
            .iter_mut()
            .find(|e| e["url"].as_str().unwrap().ends_with("surgical-priority"))
            .unwrap();
        p["valueCode"] = Value::from("P9");
        sr["performer"][0]["reference"] = Value::from("PractitionerRole/nobody");
        // The second ServiceRequest: a duration in weeks.
        let sr2 = &mut entries[5]["resource"];
        let ext = sr2["extension"].as_array_mut().unwrap();
        let d = ext
            .iter_mut()
            .find(|e| e["url"].as_str().unwrap().ends_with("expected-duration"))
            .unwrap();
        d["valueDuration"]["code"] = Value::from("wk");
    });
    let stderr = rejected(&bundle);
    let slot = format!("entry[3] {BASE}Slot/UKCore-Slot-AvailableWalkInVisit-Example");
    let sr = format!("entry[4] {BASE}ServiceRequest/UKCore-ServiceRequest-HipReplacement-Example");
    let sr2 = format!("{sr}-2");
    let sr2 = sr2.replacen("entry[4]", "entry[5]", 1);
    for want in [
        format!("{slot}: Slot.end: None: give an instant"),
        format!(
            "{slot}: Slot.schedule: 'Location/UKCore-Location-HospitalSJUH-Example' is a Location: name a Schedule"
        ),
        format!(
            "{sr}: ServiceRequest.extension[1]('https://clinicplan.example/fhir/StructureDefinition/surgical-priority').valueCode: Some(\"P9\"): give P1, P2, P3 or P4"
        ),
        format!(
            "{sr}: ServiceRequest.performer[0]: 'PractitionerRole/nobody' is not in the bundle"
        ),
        format!(
            "{sr2}: ServiceRequest.extension[1]('https://clinicplan.example/fhir/StructureDefinition/expected-duration').valueDuration: unit 'wk'"
        ),
    ] {
        assert!(stderr.contains(&want), "missing\n  {want}\nin\n{stderr}");
    }
    assert!(
        stderr.contains("problem(s); nothing was imported"),
        "{stderr}"
    );
}

#[test]
fn a_bundle_that_is_not_json_or_not_a_bundle_is_refused_plainly() {
    let dir = fresh_dir("fhir", "not-json");
    let broken = dir.join("week.json");
    std::fs::write(&broken, "{\"resourceType\": \"Bundle\", \"entry\": [}").unwrap();
    let stderr = rejected(&broken);
    assert!(
        stderr.contains("the bundle is not JSON") && stderr.contains("line 1 column"),
        "{stderr}"
    );

    let patient = edited_week("not-a-bundle", |week| {
        *week = serde_json::json!({ "resourceType": "Patient", "id": "x" });
    });
    let stderr = rejected(&patient);
    assert!(
        stderr.contains("Bundle: resourceType: the file is not a FHIR Bundle"),
        "{stderr}"
    );
}

/// A problem only validation finds (a surgeon's daily limit of 0) names the
/// PractitionerRole it came from.
#[test]
fn validation_problems_name_the_resource_they_came_from() {
    let bundle = edited_week("validation", |week| {
        week["entry"][1]["resource"]["extension"][0]["valueUnsignedInt"] = Value::from(0);
    });
    let stderr = rejected(&bundle);
    let want = format!(
        "entry[1] PractitionerRole {BASE}PractitionerRole/UKCore-PractitionerRole-GeneralPractitioner-Example (surgeons[0].max_minutes_per_day)"
    );
    assert!(stderr.contains(&want), "missing\n  {want}\nin\n{stderr}");
}

/// `replan --fhir-bundle`: the bundle's booked Appointment is the published plan (its
/// state from the 6-4-2 calendar), not a pin; the re-plan lists a change for its patient
/// and passes the checker against the bundle's request with that previous plan.
#[test]
fn replan_reads_a_bundles_appointments_as_the_published_plan() {
    let out = fresh_dir("fhir", "replan");
    let plan = out.join("new.json");
    let bundle = fixtures().join("ukcore-week.json");
    let run = clinicplan(&[
        "replan",
        "--fhir-bundle",
        bundle.to_str().unwrap(),
        "--time-limit-ms",
        "3000",
        "--output",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let body = std::fs::read_to_string(&bundle).unwrap();
    let import = read_theatre_bundle(&body, &FhirReadOptions::default()).unwrap();
    let mut request = convert::request_to_proto(&import.request);
    assert!(
        !request.pinned.is_empty(),
        "the week has a booked Appointment"
    );
    request.previous_plan = request
        .pinned
        .drain(..)
        .map(|b| proto::PreviousBooking {
            patient_id: b.patient_id,
            session_id: b.session_id,
            ..Default::default()
        })
        .collect();
    request.replan = Some(proto::ReplanOptions::default());
    let response: proto::PlanTheatreListsResponse =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_valid("fhir-replan", &request, &response);
    for booked in &request.previous_plan {
        assert!(
            response
                .changes
                .iter()
                .any(|c| c.patient_id == booked.patient_id),
            "no change listed for {}",
            booked.patient_id
        );
    }
}
