//! Bookings → GP Connect `Appointment` resources (GPConnect-Appointment-1), one per
//! booking of a slot from the searchset, each the body of one
//! `POST /Appointment` to the provider.

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use super::read::GpConnectSlots;
use crate::proto;

const PROFILE: &str = "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1";
const ORGANIZATION_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1";
const BOOKING_ORGANISATION: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1";
const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// The organisation making the bookings (GP Connect requires its name and telephone,
/// as a contained Organization).
#[derive(Clone, Debug)]
pub struct BookingOrganisation {
    pub name: String,
    pub telephone: String,
    /// Its ODS code, when known.
    pub ods_code: Option<String>,
}

/// What every Appointment of one run shares.
#[derive(Clone, Debug)]
pub struct GpConnectBooking<'a> {
    pub organisation: &'a BookingOrganisation,
    /// `Appointment.created`.
    pub created: DateTime<FixedOffset>,
}

fn organisation(o: &BookingOrganisation) -> Value {
    let mut org = json!({
        "resourceType": "Organization",
        "id": "1",
        "meta": { "profile": [ORGANIZATION_PROFILE] },
        "name": o.name,
        "telecom": [{ "system": "phone", "value": o.telephone, "use": "work" }],
    });
    if let Some(ods) = &o.ods_code {
        org["identifier"] = json!([{ "system": ODS_SYSTEM, "value": ods }]);
    }
    org
}

/// One Appointment per booking of a searchset slot, with its request id, in booking
/// order. The patient is `Patient/{request id}`: the requests of a GP Connect run are
/// identified by the patient's logical id on the provider system (docs/fhir.md).
/// Bookings of slots that did not come from the searchset are not GP Connect slots and
/// are left out.
pub fn gpconnect_appointments(
    response: &proto::BalanceAppointmentsResponse,
    slots: &GpConnectSlots,
    booking: &GpConnectBooking<'_>,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for b in &response.bookings {
        let Some(slot) = slots.slot_refs.get(&b.slot_id) else {
            continue;
        };
        let mut participants = vec![
            json!({ "actor": { "reference": format!("Patient/{}", b.request_id) }, "status": "accepted" }),
            json!({
                "actor": { "reference": format!("Location/{}", slot.location_id), "display": slot.location_name },
                "status": "accepted",
            }),
        ];
        if let Some(p) = &slot.practitioner_id {
            participants.push(json!({
                "actor": { "reference": format!("Practitioner/{p}"), "display": slot.practitioner_name },
                "status": "accepted",
            }));
        }
        for p in &mut participants {
            if p["actor"]["display"] == json!("") {
                p["actor"]
                    .as_object_mut()
                    .expect("an object")
                    .remove("display");
            }
        }
        let description: String = format!(
            "Booked by {} (request {})",
            booking.organisation.name, b.request_id
        )
        .chars()
        .take(100)
        .collect();
        let appointment = json!({
            "resourceType": "Appointment",
            "meta": { "profile": [PROFILE] },
            "contained": [organisation(booking.organisation)],
            "extension": [{ "url": BOOKING_ORGANISATION, "valueReference": { "reference": "#1" } }],
            "status": "booked",
            "description": description,
            "start": slot.start,
            "end": slot.end,
            "slot": [{ "reference": format!("Slot/{}", b.slot_id) }],
            "created": booking.created.to_rfc3339(),
            "participant": participants,
        });
        out.push((b.request_id.clone(), appointment));
    }
    out
}
