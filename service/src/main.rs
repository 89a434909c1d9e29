//! The `clinicplan` command-line tool: `serve`, `plan-theatres`, `check`,
//! `generate-request`, `scenario run` and `scenario validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, plan_theatres};
use clinicplan_service::error::ServiceError;
use clinicplan_service::server::{ServerConfig, serve};
use clinicplan_service::{convert, output, proto, scenario, worker};
use clinicplan_solver::validate;

/// Plans NHS theatre lists that minimise waiting, weighted by clinical priority.
#[derive(Parser)]
#[command(name = "clinicplan", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the gRPC server (TheatreScheduler, health, reflection).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CLINICPLAN_LISTEN", default_value = "127.0.0.1:50051")]
        listen: String,
        /// Time limit for requests that set none, in milliseconds.
        #[arg(
            long,
            env = "CLINICPLAN_DEFAULT_TIME_LIMIT_MS",
            default_value_t = 10_000
        )]
        default_time_limit_ms: u32,
        /// Solves running at once (default: one per core); further requests wait.
        #[arg(long, env = "CLINICPLAN_MAX_CONCURRENT_SOLVES")]
        max_concurrent_solves: Option<usize>,
    },
    /// Plan theatre lists from a request file, without a server.
    ///
    /// The request is the proto3 JSON form of PlanTheatreListsRequest (field names in
    /// lowerCamelCase or as in the .proto). The lists are printed as a table with the
    /// plan's proof of quality under it.
    PlanTheatres {
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
    },
    /// Re-check a plan (possibly edited by hand) against every hard rule.
    ///
    /// Recomputes the plan's metrics from the request and compares them with the ones
    /// the plan states. Exit code 0: valid; 1: rules broken or metrics wrong; 2: error.
    Check {
        /// Request file (JSON).
        #[arg(long)]
        input: PathBuf,
        /// Plan file: a PlanTheatreListsResponse (JSON), as written by --output.
        #[arg(long)]
        plan: PathBuf,
    },
    /// Write a synthetic but realistic request (JSON) to standard output.
    ///
    /// Specialties with different case lengths, half-day and all-day lists, named
    /// consultants, leave, day cases and inpatients sharing ward beds. The same
    /// arguments always give the same request.
    GenerateRequest {
        #[arg(long, default_value_t = 4)]
        theatres: u32,
        #[arg(long, default_value_t = 120)]
        patients: u32,
        /// Days from Monday 2 March 2026.
        #[arg(long, default_value_t = 5)]
        horizon_days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Capacity scenarios: simulate the waiting list week by week under variants.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Run one MIP job from standard input (used by the server and plan-theatres).
    #[command(hide = true)]
    Worker,
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Simulate a scenario's baseline and variants, week by week, side by side.
    ///
    /// Each week adds the demand model's patients, plans the week's theatre lists with
    /// the solver, cancels some cases on the day, takes the treated off the list and
    /// applies list validation. Prints a progress bar, then a side-by-side summary, and
    /// writes weeks.csv, weeks.json and summary.json into --out. The same file and seed
    /// give the same results on any machine. The file format is in docs/scenarios.md.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Variants to run, comma-separated ("baseline" is the baseline); default: all.
        #[arg(long, value_delimiter = ',')]
        variants: Option<Vec<String>>,
        /// Weeks to simulate (default: the scenario's horizon; at most that).
        #[arg(long)]
        weeks: Option<u32>,
        /// Output directory (default: scenario-out/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario file and list every problem with its location.
    ///
    /// Exit code 0: valid; 2: problems (each printed on its own line).
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    WeightedWait,
    PriorityOrder,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,highs=error")),
        )
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {what} {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{what} {} is not valid", path.display()))
}

fn print_validation(errors: &clinicplan_solver::ValidationErrors) {
    eprintln!("clinicplan: the request has {} problem(s):", errors.0.len());
    for e in &errors.0 {
        eprintln!("  {} {}: {}", e.code, e.field, e.message);
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            listen,
            default_time_limit_ms,
            max_concurrent_solves,
        } => {
            let mut config = ServerConfig::new(WorkerCommand::current_exe()?);
            config.default_time_limit_ms = default_time_limit_ms;
            if let Some(n) = max_concurrent_solves {
                config.max_concurrent_solves = n;
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("listening on {listen}"))?;
                let addr = listener.local_addr()?;
                tracing::info!(%addr, "clinicplan listening");
                println!("clinicplan listening on {addr}");
                serve(listener, config, shutdown_signal()).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PlanTheatres {
            input,
            output: out,
            time_limit_ms,
            objective,
            show_waiting,
        } => {
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
            };
            let request = convert::request_from_proto(request);
            match plan_theatres(request, &engine, &CancelToken::default()) {
                Ok((instance, outcome)) => {
                    let response = convert::response_to_proto(&instance, &outcome);
                    print!("{}", output::plan_text(&response, show_waiting));
                    if let Some(path) = out {
                        let json = serde_json::to_string_pretty(&response)?;
                        std::fs::write(&path, json + "\n")
                            .with_context(|| format!("writing {}", path.display()))?;
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
        Command::Check { input, plan } => {
            let request: proto::PlanTheatreListsRequest = read_json(&input, "request")?;
            let response: proto::PlanTheatreListsResponse = read_json(&plan, "plan")?;
            let instance = match validate(&convert::request_from_proto(request)) {
                Ok(i) => i,
                Err(errors) => {
                    print_validation(&errors);
                    return Ok(ExitCode::from(2));
                }
            };
            let report = clinicplan_solver::check::check(
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
            if let Some(m) = &response.metrics {
                let tolerance = 1e-6 * report.weighted_wait.abs().max(1.0);
                if (m.weighted_wait - report.weighted_wait).abs() > tolerance
                    || m.patients_scheduled != report.patients_scheduled
                    || m.minutes_scheduled != report.minutes_scheduled
                {
                    ok = false;
                    println!(
                        "the plan states weighted wait {:.3}, {} patients, {} minutes: these do not match the plan's cases",
                        m.weighted_wait, m.patients_scheduled, m.minutes_scheduled
                    );
                }
            }
            if ok {
                println!("the plan keeps every hard rule");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("{} rule(s) broken", report.violations.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::GenerateRequest {
            theatres,
            patients,
            horizon_days,
            seed,
        } => {
            let request = clinicplan_solver::generate::theatre_request(
                &clinicplan_solver::generate::GeneratorConfig {
                    theatres,
                    patients,
                    horizon_days,
                    seed,
                },
            );
            let json = serde_json::to_string_pretty(&convert::request_to_proto(&request))?;
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenario(command) => scenario_command(command),
        Command::Worker => {
            let stdin = std::io::stdin().lock();
            let stdout = std::io::stdout().lock();
            worker::run(stdin, stdout)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads a scenario, or prints its problems and returns the exit code.
fn load_or_report(file: &Path) -> Result<clinicplan_solver::simulate::Scenario, ExitCode> {
    scenario::load_scenario(file).map_err(|e| {
        let problems = e.problems();
        eprintln!(
            "clinicplan: {} has {} problem(s):",
            file.display(),
            problems.len()
        );
        for p in problems {
            eprintln!("  {p}");
        }
        ExitCode::from(2)
    })
}

fn scenario_command(command: ScenarioCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenarioCommand::Validate { file } => {
            let scenario = match load_or_report(&file) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            println!(
                "{}: valid; scenario '{}', {} weeks from {}, {} patients on the starting list, variants: {}",
                file.display(),
                scenario.name,
                scenario.horizon_weeks,
                scenario.start,
                scenario.starting_list.len(),
                scenario.variant_names().join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        ScenarioCommand::Run {
            file,
            variants,
            weeks,
            out,
        } => {
            let scenario = match load_or_report(&file) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let names = match scenario::selected_variants(&scenario, variants.as_deref()) {
                Ok(n) => n,
                Err(message) => {
                    eprintln!("clinicplan: {message}");
                    return Ok(ExitCode::from(2));
                }
            };
            let weeks = weeks
                .unwrap_or(scenario.horizon_weeks)
                .min(scenario.horizon_weeks);
            let out = out.unwrap_or_else(|| Path::new("scenario-out").join(&scenario.name));
            let bar = indicatif::ProgressBar::new(u64::from(weeks) * names.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} variant-weeks {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            let started = std::time::Instant::now();
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let run = scenario::run_scenario(&scenario, &names, weeks, &cancel, &|progress| {
                bar.inc(1);
                bar.set_message(format!(
                    "{} week {}: list {}",
                    names[progress.variant_idx], progress.result.week, progress.result.list_size
                ));
            })?;
            bar.finish_and_clear();
            let elapsed = started.elapsed();
            println!(
                "Scenario '{}': {} variant(s), {weeks} week(s) from {}",
                scenario.name,
                names.len(),
                scenario.start
            );
            println!("{}", scenario::output::summary_table(&run.variants));
            let written = scenario::output::write_outputs(&out, &scenario, &run.variants)?;
            for path in written {
                eprintln!("written {}", path.display());
            }
            eprintln!("simulated in {:.1} s", elapsed.as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
