//! FHIR R4 (UK Core) in and out for theatre lists, and GP Connect (STU3) slots for
//! appointment balancing. docs/fhir.md has the mapping, element by element.
//!
//! - [`read_theatre_bundle`]: a Bundle of `ServiceRequest`, `PractitionerRole`,
//!   `Location`, `Schedule`, `Slot` and (optionally) booked `Appointment` → the
//!   [`TheatreRequest`](clinicplan_solver::theatre::TheatreRequest) the JSON and CSV
//!   paths build; every unusable resource named by entry, `fullUrl` and element.
//! - [`plan_bundles`]: a plan → a `transaction` Bundle of `Appointment`s and an
//!   `OperationOutcome` of the waiting list.
//! - [`theatre_request_bundle`]: a request → a `collection` Bundle (generated weeks,
//!   tests).
//! - [`gpconnect`]: a GP Connect free-slot searchset → sites, clinicians and slots of
//!   a balancing request; bookings → GP Connect `Appointment`s.
//!
//! The resources are read through a thin typed layer ([`element`], [`resources`]):
//! serde types naming the elements the mapping uses and keeping every other element
//! as JSON. README.md, "Dependencies", says why not a generated FHIR model crate.

mod bundle;
pub mod codes;
pub mod element;
mod error;
pub mod gpconnect;
mod ids;
mod london;
mod origins;
mod read;
mod read_list;
mod reader;
mod request;
pub mod resources;
mod write;

#[cfg(test)]
mod tests;

pub use error::{FhirError, FhirProblem};
pub use ids::urn_uuid;
pub use origins::{FhirOrigins, Locate};
pub use read::{FhirReadOptions, FhirTheatreImport, read_theatre_bundle};
pub use request::theatre_request_bundle;
pub use write::{PlanBundles, plan_bundles};
