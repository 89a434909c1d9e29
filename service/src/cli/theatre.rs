//! `plan-theatres`, `check` and `generate-request`: theatre lists from files, without
//! a server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Args, ValueEnum};
use clinicplan_service::csv::CsvOptions;
use clinicplan_service::csv::theatre::{
    TheatreCsvFiles, read_theatre_csv, write_theatre_bookings_csv, write_theatre_csv_dir,
};
use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, plan_theatres as plan};
use clinicplan_service::error::ServiceError;
use clinicplan_service::fhir::{
    FhirReadOptions, FhirTheatreImport, Locate, theatre_request_bundle,
};
use clinicplan_service::{convert, proto, text};
use clinicplan_solver::theatre::check::CheckReport;
use clinicplan_solver::theatre::validate;

use super::fhir;
use super::io::{print_validation, print_validation_located, read_json, write_json};

/// The arguments of `plan-theatres`.
#[derive(Args)]
#[command(group(ArgGroup::new("source").required(true).args(["input", "csv_dir", "ptl", "fhir_bundle"])))]
pub(super) struct PlanTheatresArgs {
    /// Request file (JSON).
    #[arg(long, conflicts_with_all = ["planning_start", "horizon_days"])]
    input: Option<PathBuf>,
    #[command(flatten)]
    csv: TheatreCsvArgs,
    /// A FHIR R4 (UK Core) Bundle: ServiceRequest, PractitionerRole, Location,
    /// Schedule, Slot and booked Appointment resources (docs/fhir.md).
    #[arg(long)]
    fhir_bundle: Option<PathBuf>,
    /// Write the plan here as a FHIR transaction Bundle of Appointments, and the
    /// patients left waiting beside it as an OperationOutcome (PLAN.waiting.json).
    #[arg(long)]
    fhir_out: Option<PathBuf>,
    /// Write the full response (JSON) here.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Write the plan here, one CSV row per case (docs/csv.md).
    #[arg(long)]
    bookings_csv: Option<PathBuf>,
    /// Time limit in milliseconds (overrides the request's).
    #[arg(long)]
    time_limit_ms: Option<u32>,
    /// Objective policy (overrides the request's).
    #[arg(long, value_enum)]
    objective: Option<ObjectiveArg>,
    /// Plan by effort, not time: the same request gives the same plan (docs/model.md,
    /// "Determinism"); the time limit stays a safety net.
    #[arg(long)]
    reproducible: bool,
    /// Work units at which a reproducible solve stops (default 25,000).
    #[arg(long, requires = "reproducible")]
    effort_limit: Option<u64>,
    /// Waiting patients listed by name in the table (all are in --output).
    #[arg(long, default_value_t = 20)]
    show_waiting: usize,
    /// Draw the lists here as one self-contained HTML page: a row per theatre and day,
    /// a block per case, the patients left waiting, and the 6-4-2 release candidates.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// The theatre-planning CSV files (docs/csv.md, "Theatre planning files"): a folder
/// with the six standard names, or the six files one by one.
#[derive(Args)]
pub(super) struct TheatreCsvArgs {
    /// Folder holding ptl.csv, sessions.csv, surgeons.csv, theatres.csv, ward_beds.csv
    /// and specialties.csv.
    #[arg(long)]
    csv_dir: Option<PathBuf>,
    /// The waiting list (CSV, a PTL export: pathway_id,specialty,procedure,
    /// expected_duration_min,priority,clock_start,consultant,equipment,...).
    #[arg(long, requires_all = ["sessions", "surgeons", "theatres", "ward_beds", "specialties"])]
    ptl: Option<PathBuf>,
    /// Sessions (CSV: id,theatre_id,date,start_time,end_time,specialty,surgeon_id).
    #[arg(long, requires = "ptl")]
    sessions: Option<PathBuf>,
    /// Surgeons (CSV: id,name,specialty,max_minutes_per_day,unavailable_dates).
    #[arg(long, requires = "ptl")]
    surgeons: Option<PathBuf>,
    /// Theatres (CSV: id,name,equipment).
    #[arg(long, requires = "ptl")]
    theatres: Option<PathBuf>,
    /// Free ward beds per day (CSV: date,free_beds).
    #[arg(long, requires = "ptl")]
    ward_beds: Option<PathBuf>,
    /// Specialties (CSV: code,turnaround_min).
    #[arg(long, requires = "ptl")]
    specialties: Option<PathBuf>,
    /// First day of the plan for CSV or FHIR input (default: the earliest session
    /// date, or the Schedules' planningHorizon).
    #[arg(long, value_name = "YYYY-MM-DD")]
    planning_start: Option<chrono::NaiveDate>,
    /// Days in the plan for CSV or FHIR input (default: through the latest session
    /// date, or the Schedules' planningHorizon).
    #[arg(long)]
    horizon_days: Option<u32>,
}

impl TheatreCsvArgs {
    /// The files named, if any.
    fn files(&self) -> Option<TheatreCsvFiles> {
        if let Some(dir) = &self.csv_dir {
            return Some(TheatreCsvFiles::in_dir(dir));
        }
        Some(TheatreCsvFiles {
            ptl: self.ptl.clone()?,
            sessions: self.sessions.clone()?,
            surgeons: self.surgeons.clone()?,
            theatres: self.theatres.clone()?,
            ward_beds: self.ward_beds.clone()?,
            specialties: self.specialties.clone()?,
        })
    }
}

/// The arguments of `check`.
#[derive(Args)]
pub(super) struct CheckArgs {
    /// Request file (JSON).
    #[arg(long)]
    input: PathBuf,
    /// Plan file: a PlanTheatreListsResponse (JSON), as written by --output.
    #[arg(long)]
    plan: PathBuf,
}

/// The arguments of `generate-request`.
#[derive(Args)]
pub(super) struct GenerateRequestArgs {
    #[arg(long, default_value_t = 4)]
    theatres: u32,
    #[arg(long, default_value_t = 120)]
    patients: u32,
    /// Days from Monday 2 March 2026.
    #[arg(long, default_value_t = 5)]
    horizon_days: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The kind of week, one of the benchmark's week families: baseline, half-days,
    /// room-days, cataracts, major-cases, ... (solver/src/theatre/generate/families.rs).
    /// A family that fixes the list length (short-lists, long-lists) sets the patients
    /// from the theatres.
    #[arg(long, default_value = "baseline")]
    family: clinicplan_solver::theatre::generate::Family,
    /// Write the request as the six theatre-planning CSV files in this folder instead
    /// of JSON on standard output (the solve options are not in the files).
    #[arg(long, conflicts_with = "fhir_bundle")]
    csv_dir: Option<PathBuf>,
    /// Write the request as a FHIR R4 collection Bundle here instead of JSON on
    /// standard output (docs/fhir.md; the solve options are not in the bundle).
    #[arg(long)]
    fhir_bundle: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    WeightedWait,
    PriorityOrder,
}

/// Where a request's entities came from (CSV lines or bundle entries), and the bundle
/// read, when it was FHIR.
#[derive(Default)]
pub(super) struct Source {
    pub(super) origins: Option<Box<dyn Locate>>,
    fhir: Option<FhirTheatreImport>,
}

/// A request read from files, and where it came from; or the exit code after its
/// problems were printed.
pub(super) type ReadRequest = Result<(proto::PlanTheatreListsRequest, Source), ExitCode>;

/// The request from `--input` (JSON), `--fhir-bundle` or the CSV files; bad CSV files
/// and bundles are printed (every problem) and give exit code 2.
pub(super) fn read_request(
    input: Option<&Path>,
    fhir_bundle: Option<&Path>,
    csv: &TheatreCsvArgs,
) -> anyhow::Result<ReadRequest> {
    if let Some(input) = input {
        return Ok(Ok((read_json(input, "request")?, Source::default())));
    }
    if let Some(path) = fhir_bundle {
        let options = FhirReadOptions {
            planning_start: csv.planning_start,
            horizon_days: csv.horizon_days,
        };
        return Ok(fhir::read_theatre_request(path, &options)?.map(|import| {
            let request = convert::request_to_proto(&import.request);
            let source = Source {
                origins: Some(Box::new(import.origins.clone())),
                fhir: Some(import),
            };
            (request, source)
        }));
    }
    let Some(files) = csv.files() else {
        anyhow::bail!("give --input, --csv-dir, or the six files (--ptl, --sessions, ...)");
    };
    let options = CsvOptions {
        planning_start: csv.planning_start,
        horizon_days: csv.horizon_days,
    };
    Ok(match read_theatre_csv(&files, &options) {
        Ok(import) => Ok((
            convert::request_to_proto(&import.request),
            Source {
                origins: Some(Box::new(import.origins)),
                fhir: None,
            },
        )),
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
    })
}

/// `plan-theatres`: exit 0 planned, 2 invalid request.
pub(super) fn plan_theatres(args: PlanTheatresArgs) -> anyhow::Result<ExitCode> {
    let PlanTheatresArgs {
        input,
        csv,
        fhir_bundle,
        fhir_out,
        output: out,
        bookings_csv,
        time_limit_ms,
        objective,
        reproducible,
        effort_limit,
        show_waiting,
        html,
    } = args;
    let (mut request, source) = match read_request(input.as_deref(), fhir_bundle.as_deref(), &csv)?
    {
        Ok(read) => read,
        Err(code) => return Ok(code),
    };
    let options = request.options.get_or_insert_with(Default::default);
    if let Some(ms) = time_limit_ms {
        options.time_limit_ms = ms;
    }
    if reproducible {
        options.reproducible = true;
    }
    if effort_limit.is_some() {
        options.effort_limit = effort_limit;
    }
    if let Some(o) = objective {
        options.objective = match o {
            ObjectiveArg::WeightedWait => proto::Objective::WeightedWait,
            ObjectiveArg::PriorityOrder => proto::Objective::PriorityOrder,
        } as i32;
    }
    let engine = EngineConfig {
        worker: WorkerCommand::current_exe()?,
        default_time_limit_ms: 10_000,
        request_id: None,
    };
    let request = convert::request_from_proto(request);
    match plan(request.clone(), &engine, &CancelToken::default()) {
        Ok((instance, outcome)) => {
            let response = convert::response_to_proto(&instance, &outcome);
            print!("{}", text::theatre::plan_text(&response, show_waiting));
            if let Some(path) = out {
                write_json(&path, &response)?;
                eprintln!("plan written to {}", path.display());
            }
            if let Some(path) = bookings_csv {
                write_theatre_bookings_csv(&response, &path)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("cases written to {}", path.display());
            }
            if let Some(path) = html {
                write_html(&path, &request, &response, None)?;
            }
            if let Some(path) = fhir_out {
                fhir::write_theatre_plan(&path, &response, source.fhir.as_ref())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Invalid(errors)) => {
            match &source.origins {
                Some(origins) => print_validation_located(&errors, origins.as_ref()),
                None => print_validation(&errors),
            }
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

/// `check`: exit 0 valid, 1 rules broken or metrics wrong, 2 invalid request.
pub(super) fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let request: proto::PlanTheatreListsRequest = read_json(&args.input, "request")?;
    let response: proto::PlanTheatreListsResponse = read_json(&args.plan, "plan")?;
    let instance = match validate(&convert::request_from_proto(request)) {
        Ok(i) => i,
        Err(errors) => {
            print_validation(&errors);
            return Ok(ExitCode::from(2));
        }
    };
    let report = clinicplan_solver::theatre::check::check(
        &instance,
        &convert::proposed_plan_from_proto(&response),
    );
    let mut ok = report.is_valid();
    for v in &report.violations {
        println!("violation {v}");
    }
    for w in &report.warnings {
        println!("warning   {w}");
    }
    println!(
        "recomputed: weighted wait {:.3}, {} patients scheduled, {} operating minutes, utilisation {:.1}%",
        report.weighted_wait,
        report.patients_scheduled,
        report.minutes_scheduled,
        100.0 * report.utilisation
    );
    if let Some(m) = &response.metrics
        && !stated_metrics_match(m, &report)
    {
        ok = false;
        println!(
            "the plan states weighted wait {:.3}, {} patients, {} minutes: these do not match the plan's cases",
            m.weighted_wait, m.patients_scheduled, m.minutes_scheduled
        );
    }
    if ok {
        println!("the plan keeps every hard rule");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} rule(s) broken", report.violations.len());
        Ok(ExitCode::from(1))
    }
}

/// Whether the metrics a plan states are the ones recomputed from its cases (the
/// weighted wait to a relative 1e-6).
fn stated_metrics_match(stated: &proto::PlanMetrics, report: &CheckReport) -> bool {
    let tolerance = 1e-6 * report.weighted_wait.abs().max(1.0);
    !((stated.weighted_wait - report.weighted_wait).abs() > tolerance
        || stated.patients_scheduled != report.patients_scheduled
        || stated.minutes_scheduled != report.minutes_scheduled)
}

/// `generate-request`: the synthetic request, as JSON on standard output or as the six
/// CSV files in `--csv-dir`.
pub(super) fn generate_request(args: &GenerateRequestArgs) -> anyhow::Result<ExitCode> {
    let request = clinicplan_solver::theatre::generate::theatre_request(
        &clinicplan_solver::theatre::generate::GeneratorConfig {
            horizon_days: args.horizon_days,
            ..args.family.week(args.theatres, args.patients, args.seed)
        },
    );
    if let Some(path) = &args.fhir_bundle {
        write_json(path, &theatre_request_bundle(&request))?;
        eprintln!(
            "request written to {} as a FHIR Bundle (planning start {}, {} days)",
            path.display(),
            request.planning_start,
            request.horizon_days
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.csv_dir {
        write_theatre_csv_dir(&request, dir)
            .with_context(|| format!("writing the CSV files in {}", dir.display()))?;
        eprintln!(
            "request written to {} (planning start {}, {} days)",
            dir.display(),
            request.planning_start,
            request.horizon_days
        );
        return Ok(ExitCode::SUCCESS);
    }
    let json = serde_json::to_string_pretty(&convert::request_to_proto(&request))?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

/// `plan-theatres --html` and `replan --html`: the lists as a picture, with what
/// releasing each under-booked session would cost, and (re-planning) the moved and new
/// cases marked against the previous plan.
pub(super) fn write_html(
    path: &std::path::Path,
    request: &clinicplan_solver::theatre::TheatreRequest,
    response: &proto::PlanTheatreListsResponse,
    previous: Option<&proto::PlanTheatreListsResponse>,
) -> anyhow::Result<()> {
    use clinicplan_service::report::{ListsReport, review_releases, write_lists_report};
    let release = review_releases(request, response)?;
    let report = ListsReport {
        request,
        plan: response,
        previous,
        release: &release,
    };
    write_lists_report(path, &report)?;
    eprintln!("lists drawn in {}", path.display());
    Ok(())
}
