//! clinicplan's service crate: the gRPC server, the `clinicplan` command-line tool and
//! the MIP worker process.
//!
//! Architecture invariant: [`convert`] is the only place where wire (protobuf) types
//! and domain types meet; [`error`] is the only place solver errors become gRPC statuses.

pub mod convert;
pub mod csv;
pub mod engine;
pub mod error;
pub mod fhir;
pub mod logging;
pub mod replan;
pub mod report;
pub mod scenario;
pub mod server;
pub mod telemetry;
pub mod text;
pub mod worker;

/// Types generated from `proto/clinicplan/v1/*.proto` (package `clinicplan.v1`), with
/// their proto3 JSON mapping.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    tonic::include_proto!("clinicplan.v1");
    include!(concat!(env!("OUT_DIR"), "/clinicplan.v1.serde.rs"));

    /// The encoded descriptor set of the API, served by reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/clinicplan_descriptor.bin"));
}
