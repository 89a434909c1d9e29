//! `plan-theatres`, `check` and `generate-request`: theatre lists from files, without
//! a server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, plan_theatres as plan};
use clinicplan_service::error::ServiceError;
use clinicplan_service::{convert, proto, text};
use clinicplan_solver::theatre::check::CheckReport;
use clinicplan_solver::theatre::validate;

use super::io::{print_validation, read_json, write_json};

/// The arguments of `plan-theatres`.
#[derive(Args)]
pub(super) struct PlanTheatresArgs {
    /// Request file (JSON).
    #[arg(long)]
    input: PathBuf,
    /// Write the full response (JSON) here.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Time limit in milliseconds (overrides the request's).
    #[arg(long)]
    time_limit_ms: Option<u32>,
    /// Objective policy (overrides the request's).
    #[arg(long, value_enum)]
    objective: Option<ObjectiveArg>,
    /// Waiting patients listed by name in the table (all are in --output).
    #[arg(long, default_value_t = 20)]
    show_waiting: usize,
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
    /// The kind of week (docs/benchmarks.md, "Week families"): baseline, half-days,
    /// room-days, cataracts, major-cases, ... A family that fixes the list length
    /// (short-lists, long-lists) sets the patients from the theatres.
    #[arg(long, default_value = "baseline")]
    family: clinicplan_solver::theatre::generate::Family,
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    WeightedWait,
    PriorityOrder,
}

/// `plan-theatres`: exit 0 planned, 2 invalid request.
pub(super) fn plan_theatres(args: PlanTheatresArgs) -> anyhow::Result<ExitCode> {
    let PlanTheatresArgs {
        input,
        output: out,
        time_limit_ms,
        objective,
        show_waiting,
    } = args;
    let mut request: proto::PlanTheatreListsRequest = read_json(&input, "request")?;
    let options = request.options.get_or_insert_with(Default::default);
    if let Some(ms) = time_limit_ms {
        options.time_limit_ms = ms;
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
    match plan(request, &engine, &CancelToken::default()) {
        Ok((instance, outcome)) => {
            let response = convert::response_to_proto(&instance, &outcome);
            print!("{}", text::theatre::plan_text(&response, show_waiting));
            if let Some(path) = out {
                write_json(&path, &response)?;
                eprintln!("plan written to {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Invalid(errors)) => {
            print_validation(&errors);
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

/// `generate-request`: the synthetic request, as JSON on standard output.
pub(super) fn generate_request(args: &GenerateRequestArgs) -> anyhow::Result<ExitCode> {
    let request = clinicplan_solver::theatre::generate::theatre_request(
        &clinicplan_solver::theatre::generate::GeneratorConfig {
            horizon_days: args.horizon_days,
            ..args.family.week(args.theatres, args.patients, args.seed)
        },
    );
    let json = serde_json::to_string_pretty(&convert::request_to_proto(&request))?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
