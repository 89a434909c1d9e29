//! A GP Connect free-slot search response (`searchset` Bundle of `Slot`, `Schedule`,
//! `Practitioner`, `Location`, `Organization`) → sites, clinicians and slots.

use std::collections::BTreeMap;

use clinicplan_solver::appointments::input::*;

use crate::fhir::bundle::{BundleIndex, Entry, Problems};
use crate::fhir::element::{CodeableConcept, extensions};
use crate::fhir::error::FhirError;
use crate::fhir::london;
use crate::fhir::reader::Reader;
use crate::fhir::resources::{Location, Practitioner, Schedule, Slot};

/// The slot's delivery channel (`In-person`, `Telephone`, `Video`).
pub const DELIVERY_CHANNEL: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2";
/// The schedule's practitioner role (an SDS job role code).
pub const PRACTITIONER_ROLE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1";

/// How SDS job role codes name the request file's roles.
#[derive(Clone, Debug)]
pub struct GpConnectOptions {
    /// SDS job role code (`R0260`) → role (`GP`). A code not listed is its own role.
    pub roles: BTreeMap<String, String>,
}

impl GpConnectOptions {
    /// `R0260` (General Medical Practitioner) → `GP`, and the caller's own.
    pub fn with_roles(extra: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut roles = BTreeMap::from([("R0260".to_string(), "GP".to_string())]);
        roles.extend(extra);
        GpConnectOptions { roles }
    }
}

/// What a booking of a slot must repeat: its times as sent, its place and clinician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRef {
    pub start: String,
    pub end: String,
    pub location_id: String,
    pub location_name: String,
    /// `None` when the Schedule names no Practitioner.
    pub practitioner_id: Option<String>,
    pub practitioner_name: String,
}

/// The bundle's sites, clinicians and free slots, and each slot's [`SlotRef`].
#[derive(Clone, Debug, Default)]
pub struct GpConnectSlots {
    pub sites: Vec<SiteInput>,
    pub clinicians: Vec<ClinicianInput>,
    pub slots: Vec<SlotInput>,
    pub slot_refs: BTreeMap<String, SlotRef>,
}

#[derive(Clone, Debug, Default)]
struct ScheduleRead {
    site_id: String,
    practitioner_id: Option<String>,
    clinician_id: String,
    role: String,
}

/// Reads a searchset Bundle (JSON text), or returns every problem found in it. Only
/// `free` slots are read.
pub fn read_gpconnect_slots(
    text: &str,
    options: &GpConnectOptions,
) -> Result<GpConnectSlots, FhirError> {
    let mut problems = Problems::default();
    let index = BundleIndex::parse(text, &mut problems)?;
    let mut r = Reader {
        index: &index,
        problems,
        origins: Default::default(),
    };
    let mut out = GpConnectSlots::default();
    let mut names = BTreeMap::new();
    for entry in index.of_type("Location") {
        let (Some(l), Some(id)) = (
            BundleIndex::typed::<Location>(entry, &mut r.problems),
            r.id(entry, "site"),
        ) else {
            continue;
        };
        let name = l.name.unwrap_or_default();
        names.insert(format!("Location/{id}"), name.clone());
        out.sites.push(SiteInput { id, name });
    }
    for entry in index.of_type("Practitioner") {
        if let Some(p) = BundleIndex::typed::<Practitioner>(entry, &mut r.problems)
            && let Some(id) = r.id(entry, "clinician")
        {
            names.insert(format!("Practitioner/{id}"), p.display_name());
        }
    }
    let schedules = schedules(&mut r, options);
    for entry in index.of_type("Slot") {
        if let Some((slot, slot_ref)) = slot(&mut r, entry, &schedules, &names) {
            out.slot_refs.insert(slot.id.clone(), slot_ref);
            out.slots.push(slot);
        }
    }
    for s in schedules.values() {
        if out.clinicians.iter().any(|c| c.id == s.clinician_id) {
            continue;
        }
        let key = s
            .practitioner_id
            .as_ref()
            .map(|p| format!("Practitioner/{p}"));
        out.clinicians.push(ClinicianInput {
            id: s.clinician_id.clone(),
            site_id: s.site_id.clone(),
            role: s.role.clone(),
            name: key.and_then(|k| names.get(&k).cloned()).unwrap_or_default(),
        });
    }
    r.problems.finish(out)
}

/// Each Schedule's site, practitioner and role, by entry index.
fn schedules(r: &mut Reader<'_>, options: &GpConnectOptions) -> BTreeMap<usize, ScheduleRead> {
    let mut out = BTreeMap::new();
    for entry in r.index.of_type("Schedule") {
        let Some(s) = BundleIndex::typed::<Schedule>(entry, &mut r.problems) else {
            continue;
        };
        let Some(id) = r.id(entry, "schedule") else {
            continue;
        };
        let mut read = ScheduleRead::default();
        for (i, actor) in s.actor.iter().enumerate() {
            let element = format!("actor[{i}]");
            let Some(target) = r.target(entry, &element, actor, &["Location", "Practitioner"])
            else {
                continue;
            };
            let target_id = target.id.clone().unwrap_or_default();
            if target.resource_type == "Location" {
                read.site_id = target_id;
            } else {
                read.practitioner_id = Some(target_id);
            }
        }
        if read.site_id.is_empty() {
            r.problems
                .at(entry, "actor", "no Location: name the surgery (a Location)");
        }
        read.clinician_id = match &read.practitioner_id {
            Some(p) => p.clone(),
            None => format!("schedule-{id}"),
        };
        let role = extensions(&s.extension, PRACTITIONER_ROLE)
            .next()
            .and_then(|(_, e)| e.value("CodeableConcept"))
            .and_then(|v| serde_json::from_value::<CodeableConcept>(v.clone()).ok())
            .and_then(|c| c.code(None).map(str::to_string));
        match role {
            Some(code) => {
                read.role = options.roles.get(&code).cloned().unwrap_or(code);
            }
            None => {
                let path = format!("extension('{PRACTITIONER_ROLE}').valueCodeableConcept");
                r.problems.at(
                    entry,
                    &path,
                    "missing: give the practitioner's SDS job role",
                );
            }
        }
        out.insert(entry.index, read);
    }
    out
}

fn mode(r: &mut Reader<'_>, entry: &Entry, slot: &Slot) -> ModeInput {
    let Some((i, e)) = extensions(&slot.extension, DELIVERY_CHANNEL).next() else {
        return ModeInput::FaceToFace;
    };
    match e.text() {
        Some("In-person") => ModeInput::FaceToFace,
        Some("Telephone") => ModeInput::Phone,
        Some("Video") => ModeInput::Video,
        other => {
            let path = format!("extension[{i}]('{DELIVERY_CHANNEL}').valueCode");
            let why = format!("{other:?}: give In-person, Telephone or Video");
            r.problems.at(entry, &path, why);
            ModeInput::Unknown(0)
        }
    }
}

/// A free slot; its duration is rounded to the minute (providers end a 30-minute slot
/// at hh:29:59).
fn slot(
    r: &mut Reader<'_>,
    entry: &Entry,
    schedules: &BTreeMap<usize, ScheduleRead>,
    names: &BTreeMap<String, String>,
) -> Option<(SlotInput, SlotRef)> {
    let slot = BundleIndex::typed::<Slot>(entry, &mut r.problems)?;
    if slot.status.as_deref() != Some("free") {
        return None;
    }
    let id = r.id(entry, "slot");
    let schedule = match &slot.schedule {
        Some(s) => r
            .target(entry, "schedule", s, &["Schedule"])
            .and_then(|t| schedules.get(&t.index))
            .cloned(),
        None => {
            r.problems
                .at(entry, "schedule", "missing: name the Schedule");
            None
        }
    };
    let mut at = |element: &str, text: Option<&str>| {
        let t = text.and_then(london::parse_instant);
        if t.is_none() {
            let why = format!("{text:?}: give an instant with its offset");
            r.problems.at(entry, element, why);
        }
        t
    };
    let (start, end) = (
        at("start", slot.start.as_deref()),
        at("end", slot.end.as_deref()),
    );
    let mode = mode(r, entry, &slot);
    let (id, schedule, start, end) = (id?, schedule?, start?, end?);
    let seconds = (end - start).num_seconds();
    if seconds <= 0 || start.date() != end.date() {
        r.problems.at(
            entry,
            "end",
            "the slot must end after it starts, on the same day",
        );
        return None;
    }
    let slot_ref = SlotRef {
        start: slot.start.clone().unwrap_or_default(),
        end: slot.end.clone().unwrap_or_default(),
        location_id: schedule.site_id.clone(),
        location_name: names
            .get(&format!("Location/{}", schedule.site_id))
            .cloned()
            .unwrap_or_default(),
        practitioner_id: schedule.practitioner_id.clone(),
        practitioner_name: schedule
            .practitioner_id
            .as_ref()
            .and_then(|p| names.get(&format!("Practitioner/{p}")).cloned())
            .unwrap_or_default(),
    };
    let input = SlotInput {
        id,
        clinician_id: schedule.clinician_id,
        site_id: schedule.site_id,
        role: schedule.role,
        date: start.date().format("%Y-%m-%d").to_string(),
        start_time: start.format("%H:%M").to_string(),
        duration_min: ((seconds + 30) / 60) as u32,
        mode,
    };
    Some((input, slot_ref))
}

/// Adds the bundle's slots to `request`, and its sites and clinicians where the
/// request has none of the same id (a request's `sites.csv` may name the surgeries to
/// give travel times between them).
pub fn merge_slots(request: &mut BalanceRequest, slots: &GpConnectSlots) {
    for site in &slots.sites {
        if !request.sites.iter().any(|s| s.id == site.id) {
            request.sites.push(site.clone());
        }
    }
    for clinician in &slots.clinicians {
        if !request.clinicians.iter().any(|c| c.id == clinician.id) {
            request.clinicians.push(clinician.clone());
        }
    }
    request.slots.extend(slots.slots.iter().cloned());
}
