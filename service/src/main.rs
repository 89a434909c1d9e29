//! The `clinicplan` command-line tool: `serve`, `plan-theatres`, `check`,
//! `generate-request`, `balance-appointments`, `generate-network`, `scenario run`
//! and `scenario validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clinicplan_service::csv_import::{self, CsvFiles, CsvOptions, Origins};
use clinicplan_service::engine::{
    CancelToken, EngineConfig, WorkerCommand, balance_appointments, plan_theatres,
};
use clinicplan_service::error::ServiceError;
use clinicplan_service::server::{Exposure, ServerConfig, check_exposure, serve};
use clinicplan_service::{convert, output, output_appointments, proto, scenario, worker};
use clinicplan_solver::appointments::input::BalanceMethod;
use clinicplan_solver::simulate::{InProcess, WeekSolver};
use clinicplan_solver::theatre::validate;

/// Plans NHS theatre lists that minimise waiting, weighted by clinical priority, and
/// balances a primary care network's appointments across its practices.
#[derive(Parser)]
#[command(name = "clinicplan", version)]
struct Cli {
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
    Serve(Box<ServeArgs>),
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
    /// Balance a primary care network's appointments, without a server.
    ///
    /// Input: either --input, the proto3 JSON form of BalanceAppointmentsRequest, or the
    /// appointment book's flat files (--sites, --slots, --requests, optionally --travel
    /// and --clinicians; or --csv-dir with the five standard names), whose columns are
    /// documented in docs/csv.md. Prints the bookings per practice and per urgency, the
    /// requests left unbooked with their reasons, and the proof of quality.
    /// Exit code 0: balanced; 2: bad input (every problem printed, with file, line and
    /// column for CSV files); 1: any other error.
    BalanceAppointments {
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
    },
    /// Write a synthetic but realistic primary care network.
    ///
    /// Practices a few minutes apart with uneven demand, GPs, nurses, pharmacists and
    /// physiotherapists with face-to-face, phone and video slots, and a backlog of
    /// requests. The same arguments always give the same network. Writes proto3 JSON
    /// (--output, or standard output when neither --output nor --csv-dir is given)
    /// and/or the five CSV files (--csv-dir).
    GenerateNetwork {
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
    },
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
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Check a scenario file and list every problem with its location.
    ///
    /// Exit code 0: valid; 2: problems (each printed on its own line).
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
}

/// Variants a remote `scenario run` simulates at once (one solve in flight each): the
/// replicas behind the balancer do the work.
const REMOTE_PARALLEL_VARIANTS: usize = 8;

/// Where `scenario run` solves its weeks.
#[derive(Args)]
struct RemoteArgs {
    /// Send every week's solve to this clinicplan server (http://HOST:PORT, or https://
    /// with TLS), or to a load balancer in front of several (docs/deploy.md), instead of
    /// solving in this process. The results are the same.
    #[arg(long, env = "CLINICPLAN_SERVER", value_name = "URL")]
    server: Option<String>,
    /// The CA certificate (PEM) that signed the server's certificate, for https://.
    #[arg(long, env = "CLINICPLAN_SERVER_CA", requires = "server")]
    server_ca: Option<PathBuf>,
    /// A file whose first token line is sent as `authorization: Bearer <token>`.
    #[arg(long, env = "CLINICPLAN_CLIENT_TOKEN_FILE", requires = "server")]
    token_file: Option<PathBuf>,
    /// How many times a solve whose server went away (or was busy) is sent again.
    #[arg(
        long,
        env = "CLINICPLAN_RETRIES",
        default_value_t = 5,
        requires = "server"
    )]
    retries: u32,
}

impl RemoteArgs {
    /// The remote week solver, when --server is given.
    fn connect(&self) -> anyhow::Result<Option<scenario::remote::RemoteWeeks>> {
        let Some(url) = &self.server else {
            return Ok(None);
        };
        let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
        let token = match &self.token_file {
            Some(path) => {
                let text = String::from_utf8(read(path)?)
                    .with_context(|| format!("{} is not UTF-8", path.display()))?;
                let token = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .with_context(|| format!("{} holds no token", path.display()))?;
                Some(token.to_string())
            }
            None => None,
        };
        let settings = scenario::remote::RemoteSettings {
            url: url.clone(),
            ca_pem: self.server_ca.as_deref().map(read).transpose()?,
            token,
            attempts: self.retries.saturating_add(1),
            parallel_variants: REMOTE_PARALLEL_VARIANTS,
        };
        scenario::remote::RemoteWeeks::new(&settings).map(Some)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    WeightedWait,
    PriorityOrder,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    /// The transshipment network, solved by a network simplex (the default).
    Transshipment,
    /// One column per grouped arc, through good_lp (the reference; slower).
    FullLp,
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

fn print_validation(errors: &clinicplan_solver::theatre::ValidationErrors) {
    eprintln!("clinicplan: the request has {} problem(s):", errors.0.len());
    for e in &errors.0 {
        eprintln!("  {} {}: {}", e.code, e.field, e.message);
    }
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

/// Validation problems of a request read from CSV files, each located by file and line.
fn print_validation_located(
    errors: &clinicplan_solver::theatre::ValidationErrors,
    origins: &Origins,
) {
    eprintln!("clinicplan: the request has {} problem(s):", errors.0.len());
    for e in &errors.0 {
        eprintln!(
            "  {} {}: {}",
            e.code,
            origins.locate(&e.field),
            origins.annotate(&e.message)
        );
    }
}

/// The settings of `clinicplan serve`.
#[derive(clap::Args)]
struct ServeArgs {
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
    /// Largest time limit a request may ask for, in milliseconds.
    #[arg(long, env = "CLINICPLAN_MAX_TIME_LIMIT_MS", default_value_t = 600_000)]
    max_time_limit_ms: u32,
    /// Solves running at once (default: one per core).
    #[arg(long, env = "CLINICPLAN_MAX_CONCURRENT_SOLVES")]
    max_concurrent_solves: Option<usize>,
    /// Requests allowed to wait for a solver; beyond that, RESOURCE_EXHAUSTED at once.
    #[arg(long, env = "CLINICPLAN_MAX_QUEUED", default_value_t = 64)]
    max_queued: usize,
    /// Largest request or response, in MiB.
    #[arg(long, env = "CLINICPLAN_MAX_MESSAGE_MIB", default_value_t = 64)]
    max_message_mib: usize,
    /// Most entities (patients, sessions, slots, requests, ...) in one request.
    #[arg(long, env = "CLINICPLAN_MAX_ENTITIES", default_value_t = 500_000)]
    max_entities: usize,
    /// After SIGTERM/SIGINT, how long running solves may go on, in seconds.
    #[arg(long, env = "CLINICPLAN_SHUTDOWN_GRACE_S", default_value_t = 30)]
    shutdown_grace_s: u64,
    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "CLINICPLAN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, env = "CLINICPLAN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM): mutual TLS.
    #[arg(long, env = "CLINICPLAN_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// A file of bearer tokens, one per line (blank lines and lines starting with # are
    /// skipped); when given, the solver RPCs need `authorization: Bearer <token>`.
    #[arg(long, env = "CLINICPLAN_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, env = "CLINICPLAN_METRICS_LISTEN")]
    metrics_listen: Option<std::net::SocketAddr>,
    /// Allow serving without TLS on a non-loopback address (a proxy or service mesh
    /// encrypts the traffic). On a loopback address plaintext is always allowed.
    #[arg(long, env = "CLINICPLAN_PLAINTEXT")]
    plaintext: bool,
    /// Allow serving without bearer tokens on a non-loopback address (something in front
    /// of the server controls access). On a loopback address tokens are optional.
    #[arg(long, env = "CLINICPLAN_NO_AUTH")]
    no_auth: bool,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<ServerConfig> {
        let mut config = ServerConfig::new(WorkerCommand::current_exe()?);
        config.default_time_limit_ms = self.default_time_limit_ms;
        config.max_time_limit_ms = self.max_time_limit_ms;
        if let Some(n) = self.max_concurrent_solves {
            config.max_concurrent_solves = n.max(1);
        }
        config.max_queued = self.max_queued;
        config.max_message_bytes = self.max_message_mib.max(1) * 1024 * 1024;
        config.max_entities = self.max_entities;
        config.shutdown_grace = std::time::Duration::from_secs(self.shutdown_grace_s);
        let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls = Some(clinicplan_service::server::TlsSettings {
                cert_pem: read(cert)?,
                key_pem: read(key)?,
                client_ca_pem: self.tls_client_ca.as_deref().map(read).transpose()?,
            });
        }
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            config.tokens = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect();
            anyhow::ensure!(
                !config.tokens.is_empty(),
                "{} holds no token",
                path.display()
            );
        }
        config.metrics_addr = self.metrics_listen;
        Ok(config)
    }
}

/// The arguments of `balance-appointments`.
struct BalanceArgs {
    input: Option<PathBuf>,
    files: Option<CsvFiles>,
    csv: CsvOptions,
    output: Option<PathBuf>,
    bookings_csv: Option<PathBuf>,
    time_limit_ms: Option<u32>,
    method: Option<MethodArg>,
    show_unassigned: usize,
}

/// `balance-appointments`: exit 0 balanced, 2 bad input, 1 any other error.
fn balance_command(args: BalanceArgs) -> anyhow::Result<ExitCode> {
    let (mut request, origins) = match (&args.input, &args.files) {
        (Some(input), _) => {
            let message: proto::BalanceAppointmentsRequest = match read_json(input, "request") {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("clinicplan: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            (convert::appointments::request_from_proto(message), None)
        }
        (None, Some(files)) => match csv_import::read_csv_files(files, &args.csv) {
            Ok(import) => (import.request, Some(import.origins)),
            Err(errors) => {
                eprintln!(
                    "clinicplan: the CSV files have {} problem(s); nothing was imported:",
                    errors.0.len()
                );
                for p in &errors.0 {
                    eprintln!("  {p}");
                }
                return Ok(ExitCode::from(2));
            }
        },
        (None, None) => {
            anyhow::bail!("give --input, --csv-dir, or --sites, --slots and --requests")
        }
    };
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
    };
    let (network, plan) = match balance_appointments(&request, &engine, &CancelToken::default()) {
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
        output_appointments::balance_text(&wire_request, &response, args.show_unassigned)
    );
    let written = (|| -> anyhow::Result<()> {
        if let Some(path) = &args.output {
            let json = serde_json::to_string_pretty(&response)?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("plan written to {}", path.display());
        }
        if let Some(path) = &args.bookings_csv {
            csv_import::write_bookings_csv(&response, path)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("bookings written to {}", path.display());
        }
        Ok(())
    })();
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("clinicplan: {e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let config = args.config()?;
            let listen = args.listen.clone();
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let shutdown = shutdown_signal()?;
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("listening on {listen}"))?;
                let addr = listener.local_addr()?;
                let allowed = Exposure {
                    plaintext: args.plaintext,
                    no_auth: args.no_auth,
                };
                check_exposure(addr, &config, allowed).map_err(anyhow::Error::msg)?;
                tracing::info!(%addr, "clinicplan listening");
                println!("clinicplan listening on {addr}");
                serve(listener, config, shutdown).await
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
            let request = clinicplan_solver::theatre::generate::theatre_request(
                &clinicplan_solver::theatre::generate::GeneratorConfig {
                    theatres,
                    patients,
                    horizon_days,
                    seed,
                    shape: clinicplan_solver::theatre::generate::WeekShape::baseline(),
                },
            );
            let json = serde_json::to_string_pretty(&convert::request_to_proto(&request))?;
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenario(command) => scenario_command(command),
        Command::BalanceAppointments {
            input,
            csv_dir,
            sites,
            slots,
            requests,
            travel,
            clinicians,
            planning_start,
            horizon_days,
            output,
            bookings_csv,
            time_limit_ms,
            method,
            show_unassigned,
        } => {
            let files = match (csv_dir, sites, slots, requests) {
                (Some(dir), ..) => Some(CsvFiles::in_dir(&dir)),
                (None, Some(sites), Some(slots), Some(requests)) => Some(CsvFiles {
                    sites,
                    travel,
                    clinicians,
                    slots,
                    requests,
                }),
                _ => None,
            };
            balance_command(BalanceArgs {
                input,
                files,
                csv: CsvOptions {
                    planning_start,
                    horizon_days,
                },
                output,
                bookings_csv,
                time_limit_ms,
                method,
                show_unassigned,
            })
        }
        Command::GenerateNetwork {
            practices,
            clinicians,
            requests,
            horizon_days,
            seed,
            output,
            csv_dir,
        } => {
            let request = clinicplan_solver::appointments::generate::network_request(
                &clinicplan_solver::appointments::generate::NetworkConfig {
                    practices,
                    clinicians,
                    requests,
                    horizon_days,
                    seed,
                },
            );
            let json = network_json(&convert::appointments::request_to_proto(&request))?;
            if output.is_none() && csv_dir.is_none() {
                println!("{json}");
            }
            if let Some(path) = &output {
                std::fs::write(path, json + "\n")
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("network written to {}", path.display());
            }
            if let Some(dir) = &csv_dir {
                csv_import::write_csv_dir(&request, dir)
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

/// The remote week solver when there is one, else this process.
fn week_solver(remote: &Option<scenario::remote::RemoteWeeks>) -> &dyn WeekSolver {
    match remote {
        Some(r) => r,
        None => &InProcess,
    }
}

fn report_retries(remote: &Option<scenario::remote::RemoteWeeks>) {
    if let Some(r) = remote {
        eprintln!("solved remotely; {} solve(s) sent again", r.retried());
    }
}

fn scenario_command(command: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let file = match &command {
        ScenarioCommand::Validate { file } | ScenarioCommand::Run { file, .. } => file,
    };
    if scenario::file_kind(file) == clinicplan_solver::simulate::gp::GP_KIND {
        return match command {
            ScenarioCommand::Validate { file } => scenario::gp::validate_cli(&file),
            ScenarioCommand::Run {
                file,
                variants,
                weeks,
                out,
                remote,
            } => {
                let remote = remote.connect()?;
                let code = scenario::gp::run_cli(
                    &file,
                    variants.as_deref(),
                    weeks,
                    out,
                    week_solver(&remote),
                )?;
                report_retries(&remote);
                Ok(code)
            }
        };
    }
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
            remote,
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
            let bar = scenario::progress_bar(u64::from(weeks) * names.len() as u64);
            let started = std::time::Instant::now();
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let remote = remote.connect()?;
            let run = scenario::run_scenario(
                &scenario,
                &names,
                weeks,
                &cancel,
                week_solver(&remote),
                &|progress| {
                    bar.inc(1);
                    bar.set_message(format!(
                        "{} week {}: list {}",
                        names[progress.variant_idx],
                        progress.result.week,
                        progress.result.list_size
                    ));
                },
            )?;
            bar.finish_and_clear();
            let elapsed = started.elapsed();
            println!(
                "Scenario '{}': {} variant(s), {weeks} week(s) from {}",
                scenario.name,
                names.len(),
                scenario.start
            );
            println!("{}", scenario::output::summary_table(&run.variants));
            let written = scenario::output::write_outputs(&out, &file, &scenario, &run.variants)?;
            for path in written {
                eprintln!("written {}", path.display());
            }
            eprintln!("simulated in {:.1} s", elapsed.as_secs_f64());
            report_retries(&remote);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// SIGTERM or SIGINT (Ctrl-C). The handlers are installed when this is called (before
/// the server says it is listening), so a signal at any moment after that is a clean
/// shutdown, never the default action.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
