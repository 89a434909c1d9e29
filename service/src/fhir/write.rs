//! A plan as FHIR: a `transaction` Bundle of booked `Appointment`s, one per case, and
//! an `OperationOutcome` with one issue per patient left waiting.
//!
//! Why the waiting list is an OperationOutcome and not a note on each ServiceRequest:
//! the reasons explain one plan and change with every re-plan, so they do not belong
//! in the clinical record; writing them as notes would need a PATCH per
//! ServiceRequest that piles up a note per plan. An OperationOutcome is FHIR's
//! resource for "what happened to this request and why", points at each
//! ServiceRequest by its id (`expression`), and is read without being posted. It is
//! written beside the transaction (not in it), because every entry of a transaction
//! is an instruction to the server.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Value, json};

use super::codes::*;
use super::element::Reference;
use super::ids::urn_uuid;
use super::london;
use super::read::FhirTheatreImport;
use crate::proto;

/// The transaction of Appointments and the OperationOutcome of the waiting list.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanBundles {
    pub transaction: Value,
    pub waiting: Value,
}

fn instant(date: &str, time: &str) -> String {
    let local = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .zip(NaiveTime::parse_from_str(time, "%H:%M").ok())
        .map(|(d, t)| NaiveDateTime::new(d, t));
    local.map_or_else(|| format!("{date}T{time}"), london::instant_text)
}

/// `PRIORITY_P2` → `P2`.
fn priority_name(p: i32) -> String {
    proto::Priority::try_from(p)
        .map(|p| p.as_str_name().trim_start_matches("PRIORITY_").to_string())
        .unwrap_or_else(|_| p.to_string())
}

fn participant(actor: Value, kind: Option<(&str, &str)>) -> Value {
    let mut p = json!({ "actor": actor, "required": "required", "status": "accepted" });
    if let Some((code, display)) = kind {
        p["type"] = json!([{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": code, "display": display,
        }]}]);
    }
    p
}

fn appointment(
    session: &proto::SessionPlan,
    case: &proto::Case,
    subject: Option<&Reference>,
    existing_id: Option<&String>,
) -> Value {
    let mut participants = Vec::new();
    if let Some(s) = subject {
        participants.push(participant(
            serde_json::to_value(s).expect("a reference"),
            None,
        ));
    }
    if !session.surgeon_id.is_empty() {
        let actor = json!({ "reference": format!("PractitionerRole/{}", session.surgeon_id) });
        participants.push(participant(actor, Some(("PPRF", "primary performer"))));
    }
    let theatre = json!({ "reference": format!("Location/{}", session.theatre_id) });
    participants.push(participant(theatre, None));
    let mut a = json!({
        "resourceType": "Appointment",
        "meta": { "profile": [UKCORE_APPOINTMENT] },
        "status": "booked",
        "specialty": [{ "coding": [{ "system": SPECIALTY_SYSTEM, "code": session.specialty }] }],
        "start": instant(&session.date, &case.start_time),
        "end": instant(&session.date, &case.end_time),
        "minutesDuration": case.duration_min,
        "slot": [{ "reference": format!("Slot/{}", session.session_id) }],
        "basedOn": [{ "reference": format!("ServiceRequest/{}", case.patient_id) }],
        "participant": participants,
    });
    if !case.procedure.is_empty() {
        a["description"] = json!(case.procedure);
    }
    if let Some(id) = existing_id {
        a["id"] = json!(id);
    }
    a
}

/// The plan's bundles. With `import` (the bundle the request was read from), each
/// Appointment names its patient (`ServiceRequest.subject`) and a pinned case updates
/// (PUT) the Appointment it came from; otherwise every Appointment is created (POST).
pub fn plan_bundles(
    response: &proto::PlanTheatreListsResponse,
    import: Option<&FhirTheatreImport>,
) -> PlanBundles {
    let empty = BTreeMap::new();
    let subjects = import.map_or(&empty, |i| &i.subjects);
    let existing = import
        .map_or(&BTreeMap::new(), |i| &i.appointment_ids)
        .clone();
    let mut entries = Vec::new();
    for session in &response.sessions {
        for case in &session.cases {
            let id = existing.get(&case.patient_id);
            let resource = appointment(session, case, subjects.get(&case.patient_id), id);
            let request = match id {
                Some(id) => json!({ "method": "PUT", "url": format!("Appointment/{id}") }),
                None => json!({ "method": "POST", "url": "Appointment" }),
            };
            entries.push(json!({
                "fullUrl": urn_uuid("Appointment", &case.patient_id),
                "resource": resource,
                "request": request,
            }));
        }
    }
    let transaction = json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries });
    PlanBundles {
        transaction,
        waiting: waiting_outcome(response),
    }
}

/// One `information` issue per patient left waiting, naming the ServiceRequest.
fn waiting_outcome(response: &proto::PlanTheatreListsResponse) -> Value {
    let mut issues: Vec<Value> = response
        .unscheduled
        .iter()
        .map(|u| {
            let reason = proto::UnscheduledReason::try_from(u.reason)
                .map(|r| {
                    r.as_str_name()
                        .trim_start_matches("UNSCHEDULED_REASON_")
                        .to_string()
                })
                .unwrap_or_else(|_| u.reason.to_string());
            json!({
                "severity": "information",
                "code": "informational",
                "details": {
                    "coding": [{ "system": UNSCHEDULED_SYSTEM, "code": reason }],
                    "text": u.detail,
                },
                "diagnostics": format!(
                    "ServiceRequest/{} ({}) left waiting: {}",
                    u.patient_id, priority_name(u.priority), u.detail
                ),
                "expression": [format!("ServiceRequest.where(id = '{}')", u.patient_id)],
            })
        })
        .collect();
    if issues.is_empty() {
        issues.push(json!({
            "severity": "information",
            "code": "informational",
            "diagnostics": "every patient on the list is booked",
        }));
    }
    json!({ "resourceType": "OperationOutcome", "id": "waiting-list", "issue": issues })
}
