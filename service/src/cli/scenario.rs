//! `scenario run` and `scenario validate`: capacity scenarios of either kind
//! (theatre lists or a GP network), solved in this process or on a server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use clinicplan_service::scenario;
use clinicplan_solver::simulate::{InProcess, WeekSolver};

#[derive(Subcommand)]
pub(super) enum ScenarioCommand {
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
        /// Runs of each variant, each on its own random streams, the same for every
        /// variant (default: the scenario's `replications`, else 1). With more than one,
        /// every figure is a mean with its 95% confidence interval, and each variant is
        /// compared with the baseline by paired differences.
        #[arg(long, value_name = "N")]
        replications: Option<u32>,
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
pub(super) struct RemoteArgs {
    /// Send every week's solve to this clinicplan server (http://HOST:PORT, or https://
    /// with TLS), to several (comma-separated: each solve goes to the next, a solve sent
    /// again to the one after), or to a load balancer in front of several
    /// (docs/deploy.md), instead of solving in this process. The results are the same.
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

/// `scenario validate` and `scenario run`: a GP-network file goes to
/// [`scenario::gp`], a theatre-list file is handled here.
pub(super) fn scenario_command(command: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let file = match &command {
        ScenarioCommand::Validate { file } | ScenarioCommand::Run { file, .. } => file,
    };
    if scenario::file_kind(file) == clinicplan_solver::simulate::gp::GP_KIND {
        return gp_command(command);
    }
    match command {
        ScenarioCommand::Validate { file } => validate_theatre_scenario(&file),
        ScenarioCommand::Run {
            file,
            variants,
            weeks,
            replications,
            out,
            remote,
        } => run_theatre_scenario(
            &file,
            scenario::Asked {
                variants: variants.as_deref(),
                weeks,
                replications,
                out,
            },
            &remote,
        ),
    }
}

/// A GP-network scenario's command.
fn gp_command(command: ScenarioCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenarioCommand::Validate { file } => scenario::gp::validate_cli(&file),
        ScenarioCommand::Run {
            file,
            variants,
            weeks,
            replications,
            out,
            remote,
        } => {
            let remote = remote.connect()?;
            let asked = scenario::Asked {
                variants: variants.as_deref(),
                weeks,
                replications,
                out,
            };
            let code = scenario::gp::run_cli(&file, asked, week_solver(&remote))?;
            report_retries(&remote);
            Ok(code)
        }
    }
}

/// `scenario validate` for a theatre-list scenario: exit 0 valid, 2 problems.
fn validate_theatre_scenario(file: &Path) -> anyhow::Result<ExitCode> {
    let scenario = match scenario::load_or_report(file, scenario::load_scenario) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    println!(
        "{}: valid; scenario '{}', {} weeks from {}, {} patients on the starting list, variants: {}; \
         weeks planned by {}, {} replication(s), {} warm-up week(s)",
        file.display(),
        scenario.name,
        scenario.horizon_weeks,
        scenario.start,
        scenario.starting_list.len(),
        scenario.variant_names().join(", "),
        scenario.planner.name(),
        scenario.replications,
        scenario.warmup_weeks,
    );
    Ok(ExitCode::SUCCESS)
}

/// `scenario run` for a theatre-list scenario: a progress bar, the side-by-side
/// summary, and the files written into `out`.
fn run_theatre_scenario(
    file: &Path,
    asked: scenario::Asked<'_>,
    remote: &RemoteArgs,
) -> anyhow::Result<ExitCode> {
    let scenario = match scenario::load_or_report(file, scenario::load_scenario) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let selected = scenario::selected_variants(&scenario, asked.variants);
    let scenario::RunAsked {
        names,
        weeks,
        replications,
        out,
        bar,
    } = match scenario::run_asked(
        &scenario.name,
        (
            scenario.horizon_weeks,
            scenario.replications,
            scenario.warmup_weeks,
        ),
        selected,
        asked,
    ) {
        Ok(asked) => asked,
        Err(code) => return Ok(code),
    };
    let started = std::time::Instant::now();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let remote = remote.connect()?;
    let run = scenario::run_scenario(
        &scenario,
        &names,
        (weeks, replications),
        &cancel,
        week_solver(&remote),
        &|progress| {
            bar.inc(1);
            bar.set_message(format!(
                "{} #{} week {}: list {}",
                names[progress.variant_idx],
                progress.replication,
                progress.result.week,
                progress.result.list_size
            ));
        },
    )?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    println!(
        "Scenario '{}': {} variant(s), {weeks} week(s) from {}{}",
        scenario.name,
        names.len(),
        scenario.start,
        scenario::replications_note(replications, scenario.warmup_weeks)
    );
    if replications > 1 {
        scenario::output::print_statistics(&run.statistics);
    } else {
        println!("{}", scenario::output::summary_table(&run.variants));
    }
    let written = scenario::output::write_outputs(&out, file, &scenario, &run.variants)?;
    for path in written {
        eprintln!("written {}", path.display());
    }
    eprintln!("simulated in {:.1} s", elapsed.as_secs_f64());
    report_retries(&remote);
    Ok(ExitCode::SUCCESS)
}
