//! GP Connect (STU3) for appointment balancing: a free-slot search's `searchset`
//! Bundle → the sites, clinicians and slots of a
//! [`BalanceRequest`](clinicplan_solver::appointments::input::BalanceRequest)
//! ([`read_gpconnect_slots`], [`merge_slots`]); the bookings → GP Connect
//! `Appointment` resources ready to POST ([`gpconnect_appointments`]). The requests
//! stay in CSV or JSON: GP Connect has no request resource. docs/fhir.md, "GP
//! Connect", has the mapping.

mod read;
mod write;

pub use read::{
    DELIVERY_CHANNEL, GpConnectOptions, GpConnectSlots, PRACTITIONER_ROLE, SlotRef, merge_slots,
    read_gpconnect_slots,
};
pub use write::{BookingOrganisation, GpConnectBooking, gpconnect_appointments};
