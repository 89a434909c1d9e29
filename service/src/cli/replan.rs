//! `replan`: a new plan around a published one (the 6-4-2 cycle), from files, without a
//! server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clinicplan_service::csv::changes::write_changes_csv;
use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand};
use clinicplan_service::error::ServiceError;
use clinicplan_service::replan::{plan_compared, response};
use clinicplan_service::{convert, proto, text};
use clinicplan_solver::theatre::validate;

use super::io::{print_validation, print_validation_located, read_json, write_json};
use super::theatre::{TheatreCsvArgs, read_request, write_html};

/// The arguments of `replan`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["input", "fhir_bundle", "csv_dir", "ptl"])))]
pub(super) struct ReplanArgs {
    /// Today's request file (JSON): the rota, the sessions and the waiting list as they
    /// are now.
    #[arg(long, conflicts_with_all = ["planning_start", "horizon_days"])]
    input: Option<PathBuf>,
    /// Today's week as a FHIR R4 (UK Core) Bundle (docs/fhir.md): its booked
    /// `Appointment`s are the published plan (states from the 6-4-2 calendar) unless
    /// `--previous` gives one.
    #[arg(long, conflicts_with = "input")]
    fhir_bundle: Option<PathBuf>,
    #[command(flatten)]
    csv: TheatreCsvArgs,
    /// The published plan: a response file as `plan-theatres --output` or
    /// `replan --output` writes it. Its cases become the previous plan's bookings, their
    /// states from the 6-4-2 calendar unless a case's `state` marks it. Required unless
    /// the bookings come from a FHIR bundle's Appointments.
    #[arg(long, required_unless_present = "fhir_bundle")]
    previous: Option<PathBuf>,
    /// The day of the re-plan (default: the request's replan date, else its planning start).
    #[arg(long, value_name = "YYYY-MM-DD")]
    replan_date: Option<chrono::NaiveDate>,
    /// Also plan without the stability costs (half the time each) and report the
    /// weighted wait stability cost.
    #[arg(long)]
    compare_with_scratch: bool,
    /// Write the full response (JSON) here: the new plan and its changes.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Write the changes here, one CSV row per patient of either plan (docs/csv.md).
    #[arg(long)]
    changes_csv: Option<PathBuf>,
    /// Draw the new lists here (HTML), moved and new cases marked against the previous
    /// plan, the waiting and displaced patients beside them with their reasons.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Time limit in milliseconds (overrides the request's).
    #[arg(long)]
    time_limit_ms: Option<u32>,
    /// Patients listed by name per kind of change and among the waiting.
    #[arg(long, default_value_t = 20)]
    show: usize,
}

/// The previous plan's cases as bookings: (patient, session, session date, state marked).
fn previous_bookings(plan: &proto::PlanTheatreListsResponse) -> Vec<proto::PreviousBooking> {
    plan.sessions
        .iter()
        .flat_map(|s| {
            s.cases.iter().map(|c| proto::PreviousBooking {
                patient_id: c.patient_id.clone(),
                session_id: s.session_id.clone(),
                state: c.state,
                session_date: s.date.clone(),
            })
        })
        .collect()
}

/// The bookings read from a bundle's booked Appointments, as the previous plan's
/// (their states from the 6-4-2 calendar), no longer as pins.
fn appointments_as_bookings(pinned: &mut Vec<proto::Booking>) -> Vec<proto::PreviousBooking> {
    pinned
        .drain(..)
        .map(|b| proto::PreviousBooking {
            patient_id: b.patient_id,
            session_id: b.session_id,
            state: proto::BookingState::Unspecified as i32,
            session_date: String::new(),
        })
        .collect()
}

/// `replan`: exit 0 planned, 2 invalid request or files.
pub(super) fn replan(args: ReplanArgs) -> anyhow::Result<ExitCode> {
    let read = read_request(
        args.input.as_deref(),
        args.fhir_bundle.as_deref(),
        &args.csv,
    )?;
    let (mut request, source) = match read {
        Ok(read) => read,
        Err(code) => return Ok(code),
    };
    let previous = match &args.previous {
        Some(path) => {
            let previous: proto::PlanTheatreListsResponse = read_json(path, "previous plan")?;
            request.previous_plan = previous_bookings(&previous);
            Some(previous)
        }
        // A bundle's booked Appointments (read as pins) are the published plan.
        None => {
            request.previous_plan = appointments_as_bookings(&mut request.pinned);
            None
        }
    };
    let replan = request.replan.get_or_insert_with(Default::default);
    if let Some(date) = args.replan_date {
        replan.replan_date = date.format("%Y-%m-%d").to_string();
    }
    replan.compare_with_scratch |= args.compare_with_scratch;
    let options = request.options.get_or_insert_with(Default::default);
    if let Some(ms) = args.time_limit_ms {
        options.time_limit_ms = ms;
    }
    let engine = EngineConfig {
        worker: WorkerCommand::current_exe()?,
        default_time_limit_ms: 10_000,
        request_id: None,
    };
    let request = convert::request_from_proto(request);
    let instance = match validate(&request) {
        Ok(instance) => instance,
        Err(errors) => {
            match &source.origins {
                Some(origins) => print_validation_located(&errors, origins.as_ref()),
                None => print_validation(&errors),
            }
            return Ok(ExitCode::from(2));
        }
    };
    let compared = match plan_compared(&request, instance, &engine, &CancelToken::default()) {
        Ok(compared) => compared,
        Err(ServiceError::Invalid(errors)) => {
            print_validation(&errors);
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let response = response(&compared);
    print!("{}", text::theatre::plan_text(&response, args.show));
    print!("{}", text::replan::changes_text(&response, args.show));
    if let Some(path) = &args.output {
        write_json(path, &response)?;
        eprintln!("plan written to {}", path.display());
    }
    if let Some(path) = &args.changes_csv {
        write_changes_csv(&response, path)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("changes written to {}", path.display());
    }
    if let Some(path) = &args.html {
        write_html(path, &request, &response, previous.as_ref())?;
    }
    Ok(ExitCode::SUCCESS)
}
