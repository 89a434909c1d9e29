//! `balance-appointments` and `generate-network`: a primary care network's
//! appointments from JSON or CSV files, without a server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use clinicplan_service::csv::{self, CsvFiles, CsvOptions, Origins};
use clinicplan_service::engine::{
    CancelToken, EngineConfig, WorkerCommand, balance_appointments as balance,
};
use clinicplan_service::error::ServiceError;
use clinicplan_service::fhir::gpconnect::merge_slots;
use clinicplan_service::{convert, proto, text};
use clinicplan_solver::appointments::input::{BalanceMethod, BalanceRequest};

use super::fhir::GpConnectArgs;
use super::io::{print_validation, print_validation_located, read_json, write_json};

/// The arguments of `balance-appointments`.
#[derive(Args)]
pub(super) struct BalanceAppointmentsArgs {
    /// Request file (JSON).
    #[arg(
        long,
        conflicts_with_all = ["csv_dir", "sites", "slots", "requests", "travel", "clinicians", "planning_start", "horizon_days"],
        required_unless_present_any = ["csv_dir", "sites"]
    )]
    input: Option<PathBuf>,
    /// Folder holding sites.csv, slots.csv, requests.csv and, when present,
    /// travel.csv and clinicians.csv.
    #[arg(long, conflicts_with_all = ["sites", "slots", "requests", "travel", "clinicians"])]
    csv_dir: Option<PathBuf>,
    /// Practices (CSV: id,name).
    #[arg(long, requires_all = ["slots", "requests"])]
    sites: Option<PathBuf>,
    /// Slots (CSV: id,clinician_id,site_id,role,date,start_time,duration_min,mode).
    #[arg(long, requires_all = ["sites", "requests"])]
    slots: Option<PathBuf>,
    /// Requests (CSV: id,home_site_id,role,urgency,request_date,modes,max_travel_min,preferred_clinician_id).
    #[arg(long, requires_all = ["sites", "slots"])]
    requests: Option<PathBuf>,
    /// Travel times between practices (CSV: from_site_id,to_site_id,minutes).
    #[arg(long, requires = "sites")]
    travel: Option<PathBuf>,
    /// Clinicians (CSV: id,site_id,role,name); default: one per clinician_id of the
    /// slots, with the site and role of their first slot.
    #[arg(long, requires = "sites")]
    clinicians: Option<PathBuf>,
    /// First day of the horizon for CSV input (default: the earliest slot date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    planning_start: Option<chrono::NaiveDate>,
    /// Days in the horizon for CSV input (default: through the latest slot or
    /// request date).
    #[arg(long)]
    horizon_days: Option<u32>,
    /// Write the full response (BalanceAppointmentsResponse, JSON) here.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Write the bookings here, one CSV row per booking.
    #[arg(long)]
    bookings_csv: Option<PathBuf>,
    /// Time limit in milliseconds (overrides the request's; default 10000).
    #[arg(long)]
    time_limit_ms: Option<u32>,
    /// How the optimum is computed (overrides the request's).
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// Unbooked requests listed by name (all are in --output).
    #[arg(long, default_value_t = 20)]
    show_unassigned: usize,
    #[command(flatten)]
    gpconnect: GpConnectArgs,
}

/// The arguments of `generate-network`.
#[derive(Args)]
pub(super) struct GenerateNetworkArgs {
    #[arg(long, default_value_t = 8)]
    practices: u32,
    #[arg(long, default_value_t = 48)]
    clinicians: u32,
    #[arg(long, default_value_t = 3000)]
    requests: u32,
    /// Days from Monday 2 March 2026.
    #[arg(long, default_value_t = 14)]
    horizon_days: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the request (BalanceAppointmentsRequest, JSON) here.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Write sites.csv, travel.csv, clinicians.csv, slots.csv and requests.csv here.
    #[arg(long)]
    csv_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    /// The transshipment network, solved by a network simplex (the default).
    Transshipment,
    /// One column per grouped arc, through good_lp (the reference; slower).
    FullLp,
}

/// A request read from files, and where its entities came from when it was CSV; or the
/// exit code after its problems were printed.
type ReadRequest = Result<(BalanceRequest, Option<Origins>), ExitCode>;

/// The request from `--input` (JSON) or from the CSV `files`; bad input is printed and
/// gives exit code 2.
fn read_request(
    input: Option<&Path>,
    files: Option<&CsvFiles>,
    options: &CsvOptions,
) -> anyhow::Result<ReadRequest> {
    Ok(match (input, files) {
        (Some(input), _) => {
            let message: proto::BalanceAppointmentsRequest = match read_json(input, "request") {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("clinicplan: {e:#}");
                    return Ok(Err(ExitCode::from(2)));
                }
            };
            Ok((convert::appointments::request_from_proto(message), None))
        }
        (None, Some(files)) => match csv::read_csv_files(files, options) {
            Ok(import) => Ok((import.request, Some(import.origins))),
            Err(errors) => {
                eprintln!(
                    "clinicplan: the CSV files have {} problem(s); nothing was imported:",
                    errors.0.len()
                );
                for p in &errors.0 {
                    eprintln!("  {p}");
                }
                Err(ExitCode::from(2))
            }
        },
        (None, None) => {
            anyhow::bail!("give --input, --csv-dir, or --sites, --slots and --requests")
        }
    })
}

/// `balance-appointments`: exit 0 balanced, 2 bad input, 1 any other error.
pub(super) fn balance_appointments(args: BalanceAppointmentsArgs) -> anyhow::Result<ExitCode> {
    let files = match (args.csv_dir, args.sites, args.slots, args.requests) {
        (Some(dir), ..) => Some(CsvFiles::in_dir(&dir)),
        (None, Some(sites), Some(slots), Some(requests)) => Some(CsvFiles {
            sites,
            travel: args.travel,
            clinicians: args.clinicians,
            slots,
            requests,
        }),
        _ => None,
    };
    let csv_options = CsvOptions {
        planning_start: args.planning_start,
        horizon_days: args.horizon_days,
    };
    let (mut request, origins) =
        match read_request(args.input.as_deref(), files.as_ref(), &csv_options)? {
            Ok(read) => read,
            Err(code) => return Ok(code),
        };
    let gpconnect = match args.gpconnect.read()? {
        Ok(slots) => slots,
        Err(code) => return Ok(code),
    };
    if let Some(slots) = &gpconnect {
        merge_slots(&mut request, slots);
    }
    if let Some(ms) = args.time_limit_ms {
        request.options.time_limit_ms = ms;
    }
    if let Some(m) = args.method {
        request.options.method = match m {
            MethodArg::Transshipment => BalanceMethod::Transshipment,
            MethodArg::FullLp => BalanceMethod::FullLp,
        };
    }
    let engine = EngineConfig {
        worker: WorkerCommand::current_exe()?,
        default_time_limit_ms: 10_000,
        request_id: None,
    };
    let (network, plan) = match balance(&request, &engine, &CancelToken::default()) {
        Ok(r) => r,
        Err(ServiceError::Invalid(errors)) => {
            match &origins {
                Some(origins) => print_validation_located(&errors, origins),
                None => print_validation(&errors),
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    let response = convert::appointments::response_to_proto(&network, &plan);
    let wire_request = convert::appointments::request_to_proto(&request);
    print!(
        "{}",
        text::appointments::balance_text(&wire_request, &response, args.show_unassigned)
    );
    let written = write_balance_outputs(
        &response,
        args.output.as_deref(),
        args.bookings_csv.as_deref(),
    )
    .and_then(|()| args.gpconnect.write(&response, gpconnect.as_ref()));
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Writes the response (`--output`) and the bookings (`--bookings-csv`), when asked for.
fn write_balance_outputs(
    response: &proto::BalanceAppointmentsResponse,
    output: Option<&Path>,
    bookings_csv: Option<&Path>,
) -> anyhow::Result<()> {
    if let Some(path) = output {
        write_json(path, response)?;
        eprintln!("plan written to {}", path.display());
    }
    if let Some(path) = bookings_csv {
        csv::write_bookings_csv(response, path)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("bookings written to {}", path.display());
    }
    Ok(())
}

/// `generate-network`: the synthetic network as JSON and/or CSV files.
pub(super) fn generate_network(args: &GenerateNetworkArgs) -> anyhow::Result<ExitCode> {
    let request = clinicplan_solver::appointments::generate::network_request(
        &clinicplan_solver::appointments::generate::NetworkConfig {
            practices: args.practices,
            clinicians: args.clinicians,
            requests: args.requests,
            horizon_days: args.horizon_days,
            seed: args.seed,
        },
    );
    let json = network_json(&convert::appointments::request_to_proto(&request))?;
    if args.output.is_none() && args.csv_dir.is_none() {
        println!("{json}");
    }
    if let Some(path) = &args.output {
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
        eprintln!("network written to {}", path.display());
    }
    if let Some(dir) = &args.csv_dir {
        csv::write_csv_dir(&request, dir)
            .with_context(|| format!("writing the CSV files to {}", dir.display()))?;
        eprintln!("CSV files written to {}", dir.display());
    }
    eprintln!(
        "{} practices, {} clinicians, {} slots, {} requests, {} days from {}",
        request.sites.len(),
        request.clinicians.len(),
        request.slots.len(),
        request.requests.len(),
        request.horizon_days,
        request.planning_start
    );
    Ok(ExitCode::SUCCESS)
}

/// A network as proto3 JSON with each top-level field on a line of its own, in the
/// .proto's order, and each site, travel time, clinician, slot and request on one line:
/// thousands of slots stay small and read well in a diff.
fn network_json(r: &proto::BalanceAppointmentsRequest) -> anyhow::Result<String> {
    fn list<T: serde::Serialize>(key: &str, items: &[T]) -> anyhow::Result<String> {
        let lines = items
            .iter()
            .map(|item| serde_json::to_string(item).map(|t| format!("    {t}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if lines.is_empty() {
            format!("  \"{key}\": []")
        } else {
            format!("  \"{key}\": [\n{}\n  ]", lines.join(",\n"))
        })
    }
    let mut fields = vec![
        format!(
            "  \"planningStart\": {}",
            serde_json::to_string(&r.planning_start)?
        ),
        format!("  \"horizonDays\": {}", r.horizon_days),
        list("sites", &r.sites)?,
        list("travel", &r.travel)?,
        list("clinicians", &r.clinicians)?,
        list("slots", &r.slots)?,
        list("requests", &r.requests)?,
    ];
    if let Some(options) = &r.options {
        fields.push(format!(
            "  \"options\": {}",
            serde_json::to_string(options)?
        ));
    }
    Ok(format!("{{\n{}\n}}", fields.join(",\n")))
}
