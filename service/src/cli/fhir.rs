//! The FHIR files of the command line: `plan-theatres --fhir-bundle/--fhir-out`,
//! `generate-request --fhir-bundle`, and `balance-appointments --gpconnect-slots/
//! --gpconnect-out` (docs/fhir.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clinicplan_service::fhir::gpconnect::{
    BookingOrganisation, GpConnectBooking, GpConnectOptions, GpConnectSlots,
    gpconnect_appointments, read_gpconnect_slots,
};
use clinicplan_service::fhir::{
    FhirError, FhirReadOptions, FhirTheatreImport, plan_bundles, read_theatre_bundle,
};
use clinicplan_service::proto;

use super::io::write_json;

fn print_problems(error: &FhirError) -> ExitCode {
    let problems = error.problems();
    match error {
        FhirError::Json(_) => eprintln!("clinicplan: {}", problems[0]),
        FhirError::Problems(_) => {
            eprintln!(
                "clinicplan: the bundle has {} problem(s); nothing was imported:",
                problems.len()
            );
            for p in &problems {
                eprintln!("  {p}");
            }
        }
    }
    ExitCode::from(2)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `--fhir-bundle`: the request, or exit code 2 after every problem was printed.
pub(super) fn read_theatre_request(
    path: &Path,
    options: &FhirReadOptions,
) -> anyhow::Result<Result<FhirTheatreImport, ExitCode>> {
    let text = read_text(path)?;
    Ok(read_theatre_bundle(&text, options).map_err(|e| print_problems(&e)))
}

/// `--fhir-out PLAN.json`: the transaction there, the waiting list's OperationOutcome
/// in `PLAN.waiting.json`.
pub(super) fn write_theatre_plan(
    path: &Path,
    response: &proto::PlanTheatreListsResponse,
    import: Option<&FhirTheatreImport>,
) -> anyhow::Result<()> {
    let bundles = plan_bundles(response, import);
    write_json(path, &bundles.transaction)?;
    let waiting = path.with_extension("waiting.json");
    write_json(&waiting, &bundles.waiting)?;
    eprintln!(
        "Appointments written to {} (transaction), the waiting list to {} (OperationOutcome)",
        path.display(),
        waiting.display()
    );
    Ok(())
}

/// The GP Connect flags of `balance-appointments`.
#[derive(Args)]
pub(super) struct GpConnectArgs {
    /// A GP Connect free-slot search response (STU3 searchset Bundle of Slot,
    /// Schedule, Practitioner, Location, Organization): its free slots, surgeries and
    /// practitioners are added to the request's.
    #[arg(long)]
    gpconnect_slots: Option<PathBuf>,
    /// Write one GP Connect Appointment per booking of a searchset slot here (a
    /// folder: appointment-<request id>.json, each the body of a POST /Appointment).
    #[arg(long, requires_all = ["gpconnect_slots", "booking_org_name", "booking_org_phone"])]
    gpconnect_out: Option<PathBuf>,
    /// An SDS job role code and the request file's role for it, e.g. R0290=NURSE
    /// (repeatable; R0260=GP is built in).
    #[arg(long, value_name = "CODE=ROLE", value_parser = role_pair, requires = "gpconnect_slots")]
    gpconnect_role: Vec<(String, String)>,
    /// The booking organisation's name (GP Connect's contained Organization).
    #[arg(long)]
    booking_org_name: Option<String>,
    /// The booking organisation's telephone number.
    #[arg(long)]
    booking_org_phone: Option<String>,
    /// The booking organisation's ODS code.
    #[arg(long)]
    booking_org_ods: Option<String>,
}

fn role_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((code, role)) if !code.trim().is_empty() && !role.trim().is_empty() => {
            Ok((code.trim().to_string(), role.trim().to_string()))
        }
        _ => Err(format!("'{text}': give CODE=ROLE, e.g. R0260=GP")),
    }
}

impl GpConnectArgs {
    /// The searchset's slots, if one was given; exit code 2 after its problems.
    pub(super) fn read(&self) -> anyhow::Result<Result<Option<GpConnectSlots>, ExitCode>> {
        let Some(path) = &self.gpconnect_slots else {
            return Ok(Ok(None));
        };
        let text = read_text(path)?;
        let options = GpConnectOptions::with_roles(self.gpconnect_role.iter().cloned());
        Ok(read_gpconnect_slots(&text, &options)
            .map(Some)
            .map_err(|e| print_problems(&e)))
    }

    /// `--gpconnect-out`: one file per Appointment.
    pub(super) fn write(
        &self,
        response: &proto::BalanceAppointmentsResponse,
        slots: Option<&GpConnectSlots>,
    ) -> anyhow::Result<()> {
        let (Some(dir), Some(slots)) = (&self.gpconnect_out, slots) else {
            return Ok(());
        };
        let organisation = BookingOrganisation {
            name: self.booking_org_name.clone().unwrap_or_default(),
            telephone: self.booking_org_phone.clone().unwrap_or_default(),
            ods_code: self.booking_org_ods.clone(),
        };
        let booking = GpConnectBooking {
            organisation: &organisation,
            created: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .fixed_offset(),
        };
        let appointments = gpconnect_appointments(response, slots, &booking);
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut names = std::collections::BTreeSet::new();
        for (request_id, appointment) in &appointments {
            let safe: String = request_id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = format!("appointment-{safe}.json");
            let mut n = 1;
            while !names.insert(name.clone()) {
                n += 1;
                name = format!("appointment-{safe}-{n}.json");
            }
            write_json(&dir.join(name), appointment)?;
        }
        eprintln!(
            "{} GP Connect Appointment(s) written to {}",
            appointments.len(),
            dir.display()
        );
        Ok(())
    }
}
