//! The extension URLs and code systems of clinicplan's FHIR mapping (docs/fhir.md).
//!
//! UK Core has no element for a surgical priority code, an expected procedure duration,
//! a length of stay, a surgeon's daily operating limit, a specialty's turnaround or a
//! ward's free beds, so each is an extension defined here. The canonical base is
//! [`BASE`]; a trust publishing these StructureDefinitions would put its own.

use clinicplan_solver::theatre::input::PriorityInput;

/// The canonical base of clinicplan's extensions and code systems.
pub const BASE: &str = "https://clinicplan.example/fhir";

macro_rules! url {
    ($name:ident, $kind:literal, $tail:literal) => {
        pub const $name: &str = concat!("https://clinicplan.example/fhir/", $kind, "/", $tail);
    };
}

// ServiceRequest.
url!(
    SURGICAL_PRIORITY,
    "StructureDefinition",
    "surgical-priority"
);
url!(
    EXPECTED_DURATION,
    "StructureDefinition",
    "expected-duration"
);
url!(LENGTH_OF_STAY, "StructureDefinition", "length-of-stay");
url!(EQUIPMENT_NEEDED, "StructureDefinition", "equipment-needed");
url!(CASE_FLAG, "StructureDefinition", "case-flag");
url!(
    PATIENT_UNAVAILABLE,
    "StructureDefinition",
    "patient-unavailable"
);
// PractitionerRole.
url!(
    MAX_MINUTES_PER_DAY,
    "StructureDefinition",
    "max-minutes-per-day"
);
// Schedule.
url!(TURNAROUND, "StructureDefinition", "turnaround");
// Location (ward).
url!(FREE_BEDS, "StructureDefinition", "free-beds");
// Code systems.
url!(PRIORITY_SYSTEM, "CodeSystem", "surgical-priority");
url!(EQUIPMENT_SYSTEM, "CodeSystem", "theatre-equipment");
url!(SPECIALTY_SYSTEM, "CodeSystem", "specialty");
url!(UNSCHEDULED_SYSTEM, "CodeSystem", "unscheduled-reason");
url!(PATHWAY_SYSTEM, "NamingSystem", "pathway-id");

/// UK Core's Appointment profile, stated in the written Appointments' `meta.profile`.
pub const UKCORE_APPOINTMENT: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Appointment";
/// FHIR's location physical types: a ward (`wa`) holds beds; a room (`ro`) is a theatre.
pub const PHYSICAL_TYPE_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/location-physical-type";
/// UCUM, for durations.
pub const UCUM: &str = "http://unitsofmeasure.org";

/// The P-code of a `surgical-priority` extension value.
pub fn priority_from_code(code: &str) -> Option<PriorityInput> {
    match code.trim().to_ascii_uppercase().as_str() {
        "P1" | "P1A" | "P1B" => Some(PriorityInput::P1),
        "P2" => Some(PriorityInput::P2),
        "P3" => Some(PriorityInput::P3),
        "P4" => Some(PriorityInput::P4),
        _ => None,
    }
}

/// The P-code a `ServiceRequest.priority` means when no extension states one:
/// stat → P1, asap → P2, urgent → P3, routine → P4.
pub fn priority_from_request_priority(priority: &str) -> Option<PriorityInput> {
    match priority {
        "stat" => Some(PriorityInput::P1),
        "asap" => Some(PriorityInput::P2),
        "urgent" => Some(PriorityInput::P3),
        "routine" => Some(PriorityInput::P4),
        _ => None,
    }
}

/// The extension code and the `ServiceRequest.priority` written for a P-code.
pub fn priority_codes(priority: PriorityInput) -> Option<(&'static str, &'static str)> {
    match priority {
        PriorityInput::P1 => Some(("P1", "stat")),
        PriorityInput::P2 => Some(("P2", "asap")),
        PriorityInput::P3 => Some(("P3", "urgent")),
        PriorityInput::P4 => Some(("P4", "routine")),
        PriorityInput::Unspecified | PriorityInput::Unknown(_) => None,
    }
}
