//! The `clinicplan` command-line tool, one file per command group: [`serve`],
//! [`theatre`] (`plan-theatres`, `check`, `generate-request`), [`appointments`]
//! (`balance-appointments`, `generate-network`) and [`scenario`] (`scenario run`,
//! `scenario validate`); `worker` is dispatched here.

mod appointments;
mod fhir;
mod io;
mod replan;
mod scenario;
mod serve;
mod theatre;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clinicplan_service::logging::LogFormat;
use clinicplan_service::worker;

/// Plans NHS theatre lists that minimise waiting, weighted by clinical priority, and
/// balances a primary care network's appointments across its practices.
#[derive(Parser)]
#[command(name = "clinicplan", version)]
pub struct Cli {
    /// How log lines on standard error are written: text (coloured only on a terminal,
    /// never with NO_COLOR set) or json (one object per line, with the request id on
    /// every line served for a request, the worker processes' lines included). The
    /// level is RUST_LOG's (default info); no patient or clinician identifier is
    /// logged above debug.
    #[arg(long, global = true, env = "CLINICPLAN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the gRPC server (TheatreScheduler, AppointmentBalancer, health, reflection).
    ///
    /// Every setting is also an environment variable (shown in brackets). SIGTERM or
    /// SIGINT: health turns NOT_SERVING, new connections are refused, running solves
    /// finish within the grace period, and the server exits 0.
    Serve(Box<serve::ServeArgs>),
    /// Plan theatre lists from a request file, without a server.
    ///
    /// The request is the proto3 JSON form of PlanTheatreListsRequest (field names in
    /// lowerCamelCase or as in the .proto). The lists are printed as a table with the
    /// plan's proof of quality under it.
    PlanTheatres(theatre::PlanTheatresArgs),
    /// Re-plan around a published plan (the 6-4-2 cycle), without a server.
    ///
    /// Takes today's request and the published plan (--previous, a response file) and
    /// plans the whole horizon again: LOCKED bookings stay, moving a NOTIFIED patient or
    /// taking their date away costs the objective, new and moved dates keep the minimum
    /// notice, bookings that can no longer stand (session cancelled, surgeon unavailable,
    /// removed from the list) are displaced and re-booked where possible. Prints the
    /// lists and the changes. Exit code 0: planned; 2: bad input.
    Replan(Box<replan::ReplanArgs>),
    /// Re-check a plan (possibly edited by hand) against every hard rule.
    ///
    /// Recomputes the plan's metrics from the request and compares them with the ones
    /// the plan states. Exit code 0: valid; 1: rules broken or metrics wrong; 2: error.
    Check(theatre::CheckArgs),
    /// Write a synthetic but realistic request (JSON) to standard output.
    ///
    /// Specialties with different case lengths, half-day and all-day lists, named
    /// consultants, leave, day cases and inpatients sharing ward beds. The same
    /// arguments always give the same request.
    GenerateRequest(theatre::GenerateRequestArgs),
    /// Capacity scenarios: simulate the waiting list week by week under variants.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Balance a primary care network's appointments, without a server.
    ///
    /// Input: either --input, the proto3 JSON form of BalanceAppointmentsRequest, or the
    /// appointment book's flat files (--sites, --slots, --requests, optionally --travel
    /// and --clinicians; or --csv-dir with the five standard names), whose columns are
    /// documented in docs/csv.md. Prints the bookings per practice and per urgency, the
    /// requests left unbooked with their reasons, and the proof of quality.
    /// Exit code 0: balanced; 2: bad input (every problem printed, with file, line and
    /// column for CSV files); 1: any other error.
    BalanceAppointments(appointments::BalanceAppointmentsArgs),
    /// Write a synthetic but realistic primary care network.
    ///
    /// Practices a few minutes apart with uneven demand, GPs, nurses, pharmacists and
    /// physiotherapists with face-to-face, phone and video slots, and a backlog of
    /// requests. The same arguments always give the same network. Writes proto3 JSON
    /// (--output, or standard output when neither --output nor --csv-dir is given)
    /// and/or the five CSV files (--csv-dir).
    GenerateNetwork(appointments::GenerateNetworkArgs),
    /// Run one MIP job from standard input (used by the server and plan-theatres).
    #[command(hide = true)]
    Worker,
}

/// Runs the command; its exit code, or an error for `main` to print (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::serve(&args),
        Command::PlanTheatres(args) => theatre::plan_theatres(args),
        Command::Replan(args) => replan::replan(*args),
        Command::Check(args) => theatre::check(&args),
        Command::GenerateRequest(args) => theatre::generate_request(&args),
        Command::Scenario(command) => scenario::scenario_command(command),
        Command::BalanceAppointments(args) => appointments::balance_appointments(args),
        Command::GenerateNetwork(args) => appointments::generate_network(&args),
        Command::Worker => {
            // Not locked: after the job, a thread reads the plans the engine forwards.
            let stdin = std::io::stdin();
            let stdout = std::io::stdout().lock();
            // The worker's standard error is the server's log: worker::run logs its
            // own failure, so it is not printed again here.
            match worker::run(stdin, stdout) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(_) => Ok(ExitCode::FAILURE),
            }
        }
    }
}
