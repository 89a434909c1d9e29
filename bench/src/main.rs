//! `clinicplan-bench`: the benchmark of issue 3.
//!
//! `clinicplan-bench theatre --size small|medium|large|all [--seeds 1,2,3] [--limits 1,3,10,30]`
//! generates instances with the project's own generator and measures, per instance and
//! time limit, in one run: the clinicplan path (the service engine with its deadline
//! guard and MIP worker process), the LP bound of the whole model, the priority-order
//! greedy, and whole-model HiGHS (1 thread, no warm start). Every measured solve runs
//! in a child process of its own (this executable, hidden subcommand `child`), which
//! gives its peak memory and lets a HiGHS overrun be killed.
//! `--scaling` measures the clinicplan path at one limit against the list length.
//! `clinicplan-bench bounds` computes, without a time limit that matters, how far above
//! the LP bound every plan (and every P1-first plan) must lie (see `bounds.rs`).
//! `clinicplan-bench load` drives `clinicplan serve` from many concurrent clients
//! (issue 6; see `load.rs`).
//! `clinicplan-bench appointments [--cases 20x120x30000] [--seeds 1,2,3]` measures
//! appointment balancing end to end (see `appointments.rs`).
//! `clinicplan-bench scenario [--scenario-replications 10] [--server URL]` times a
//! capacity scenario with replications, in process and through a server or balancer,
//! and gives the width of its intervals (see `scenario.rs`).
//!
//! Build `clinicplan` first (`cargo build --release -p clinicplan-service`), or run
//! `scripts/bench.sh`, which builds both and runs the bench.

mod appointments;
mod bounds;
mod branches;
mod child;
mod families;
mod load;
mod machine;
mod measure;
mod priority;
mod process;
mod replan;
mod scenario;
mod sizes;
mod tables;
mod worker_exe;

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use child::{ChildArgs, Policy};
use clinicplan_solver::theatre::generate::Family;
use machine::publish;
use measure::{Ctx, InstanceMeasure, measure_instance};
use sizes::{SIZES, Size, SizeArg, parse_case, target};
use worker_exe::{WorkerCopy, locate_clinicplan};

#[derive(Parser)]
#[command(
    name = "clinicplan-bench",
    about = "Benchmarks of the clinicplan solver"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The theatre-list model: clinicplan beside the LP bound, the greedy and whole-model HiGHS.
    Theatre(TheatreArgs),
    /// The server under load: many concurrent clients on loopback, small and large
    /// requests; throughput and p50/p99 latency.
    Load(load::LoadArgs),
    /// One measured solve in this process (used by `theatre`; prints one JSON line).
    #[command(hide = true)]
    Child(ChildArgs),
    /// How far above the LP bound every plan must lie: the LP with the P1 floor and the
    /// pattern relaxation with and without it, each computed to the end.
    Bounds(bounds::BoundsArgs),
    /// Appointment balancing: clinicplan end to end beside the first-come greedy and the
    /// one-variable-per-pair LP.
    Appointments(appointments::AppointmentArgs),
    /// One measured appointment run (used by `appointments`).
    #[command(hide = true)]
    AppointmentsChild(appointments::AppointmentChildArgs),
    /// A capacity scenario with replications: wall clock in process and through a
    /// server, and the width of the 95% intervals.
    Scenario(scenario::ScenarioArgs),
    /// Re-planning at scale (issue 20): six weeks, 60 theatres, 40,000 patients, a
    /// published plan, one session cancelled; re-plan time, peak memory, moves beside
    /// the displaced.
    Replan(replan::ReplanArgs),
    /// The priority-order policy at 10 s against the lexicographic optimum whole-model
    /// HiGHS proves within 60 s: the P1..P4 counts, week by week.
    Priority(priority::PriorityArgs),
    /// One measured re-plan (used by `replan`).
    #[command(hide = true)]
    ReplanChild(replan::ReplanArgs),
}

#[derive(Args)]
struct TheatreArgs {
    /// small = 10 theatres / 2,500 patients, medium = 30 / 12,000, large = 60 / 40,000.
    #[arg(long, value_enum, default_value = "small")]
    size: SizeArg,
    /// Generator seeds; tables give medians over them.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Time limits in seconds.
    #[arg(long, value_delimiter = ',', default_value = "1,3,10,30")]
    limits: Vec<f64>,
    /// Days planned.
    #[arg(long, default_value_t = 5)]
    horizon_days: u32,
    /// Generator families to run each size over: comma-separated names, or `all`
    /// (baseline, half-days, room-days, cataracts, long-waits, ...); default today's week.
    #[arg(long, default_value = "baseline")]
    families: sizes::Families,
    /// The clinicplan path's objective policy.
    #[arg(long, value_enum, default_value = "weighted-wait")]
    policy: Policy,
    /// Skip whole-model HiGHS (it needs up to 3 × limit + 10 s per run).
    #[arg(long)]
    no_whole_model: bool,
    /// Instead of the sizes: the clinicplan path at one limit against the list length.
    #[arg(long)]
    scaling: bool,
    /// Scaling cases, THEATRESxPATIENTS.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10x1000,10x2500,10x5000,30x12000,60x40000"
    )]
    scaling_cases: Vec<String>,
    /// The time limit of the scaling study, in seconds.
    #[arg(long, default_value_t = 10.0)]
    scaling_limit: f64,
    /// Append the tables to this markdown file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// The `clinicplan` executable (default: next to this one).
    #[arg(long)]
    clinicplan: Option<PathBuf>,
    /// Print the clinicplan path's solve notes.
    #[arg(long)]
    verbose: bool,
    /// Also run the clinicplan path in reproducible mode at the default effort; the
    /// per-family table then gives its median gap beside each limit's.
    #[arg(long)]
    reproducible: bool,
    /// The reproducible runs' effort limit, in work units (default: the solver's default
    /// effort); for calibrating the default against the time-limited runs.
    #[arg(long, requires = "reproducible")]
    effort: Option<u64>,
    /// Skip the LP and the LP with the P1 floor computed apart (the gaps against them are
    /// then blank; the solve's own gap remains): on six weeks they take 15 to 30 minutes.
    #[arg(long)]
    no_reference_bounds: bool,
}

fn theatre(args: TheatreArgs) -> anyhow::Result<()> {
    if args.seeds.is_empty() || args.limits.is_empty() {
        bail!("give at least one seed and one limit");
    }
    if args.limits.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
        bail!("time limits must be positive");
    }
    let exe = std::env::current_exe().context("locating this executable")?;
    let original_worker = locate_clinicplan(&exe, args.clinicplan.as_ref())?;
    let worker = WorkerCopy::new(&original_worker)?;
    let worker_built = std::fs::metadata(&original_worker)
        .and_then(|m| m.modified())
        .map_or_else(|_| "unknown".to_string(), machine::utc);
    process::install_interrupt_handler();
    let ctx = Ctx {
        exe,
        worker: worker.0.clone(),
        horizon_days: args.horizon_days,
        policy: args.policy,
        whole_model: !args.no_whole_model && !args.scaling,
        verbose: args.verbose,
        reproducible: args.reproducible,
        effort: args.effort,
        reference_bounds: !args.no_reference_bounds,
    };

    let run = RunHeader {
        command: machine::command_line(),
        started: machine::now_utc(),
        commit: machine::git_commit(),
        load_start: machine::load_average(),
        machine: machine::describe(),
        worker: machine::display_path(&original_worker),
        worker_built,
    };
    println!("clinicplan-bench {}", run.command);
    println!(
        "{}, commit {}; {}; load average {}; worker {} built {}",
        run.started, run.commit, run.machine, run.load_start, run.worker, run.worker_built
    );
    let measures = measure_all(&ctx, &args)?;
    let md = theatre_markdown(&args, &run, &measures);
    publish(&md, args.markdown.as_deref())
}

/// When, where and with what a run was measured, as its markdown header names it.
struct RunHeader {
    command: String,
    started: String,
    commit: String,
    load_start: String,
    machine: String,
    /// The `clinicplan` executable, relative to the repository (`machine::display_path`).
    worker: String,
    worker_built: String,
}

/// Every instance of the run measured: the scaling cases, or the chosen sizes, each
/// with every seed.
fn measure_all(ctx: &Ctx, args: &TheatreArgs) -> anyhow::Result<Vec<InstanceMeasure>> {
    let mut measures: Vec<InstanceMeasure> = Vec::new();
    if args.scaling {
        let cases = args
            .scaling_cases
            .iter()
            .map(|c| parse_case(c))
            .collect::<anyhow::Result<Vec<_>>>()?;
        for (theatres, patients) in cases {
            for &seed in &args.seeds {
                let label = format!("{theatres}×{patients}");
                measures.push(measure_instance(
                    ctx,
                    &label,
                    Family::Baseline,
                    (theatres, patients),
                    seed,
                    &[args.scaling_limit],
                )?);
            }
        }
    } else {
        let sizes: Vec<&Size> = SIZES
            .iter()
            .filter(|s| args.size.includes(s.label))
            .collect();
        for size in sizes {
            for &family in &args.families.0 {
                for &seed in &args.seeds {
                    measures.push(measure_instance(
                        ctx,
                        &sizes::label(size.label, family),
                        family,
                        (size.theatres, size.patients),
                        seed,
                        &args.limits,
                    )?);
                }
            }
        }
    }
    Ok(measures)
}

/// The run's markdown: its header, then the scaling table, or the medians, the
/// instances and every run.
fn theatre_markdown(args: &TheatreArgs, run: &RunHeader, measures: &[InstanceMeasure]) -> String {
    let RunHeader {
        command,
        started,
        commit,
        load_start,
        machine,
        worker,
        worker_built,
    } = run;
    let mut md = format!(
        "### {} — measured {started}, commit {commit}\n\n\
         `clinicplan-bench {command}` (policy {}, horizon {} days; worker `{worker}` built {worker_built})\n\n\
         Machine: {machine}; load average {load_start} at the start, {} at the end \
         (a shared machine: other builds and tests ran at the same time).\n\n",
        if args.scaling {
            "Scaling"
        } else {
            "Theatre lists"
        },
        args.policy.name(),
        args.horizon_days,
        machine::load_average(),
    );
    if args.scaling {
        md += &format!(
            "Time to solution and gap of the clinicplan path at a {} s limit against the list length \
             (medians over seeds {:?}):\n\n",
            args.scaling_limit, args.seeds
        );
        md += &tables::scaling(measures);
    } else {
        md += &format!("Medians over seeds {:?}:\n\n", args.seeds);
        md += &tables::summary(measures, |label| target(label, args.horizon_days));
        md += &families::section(measures);
        md += "\nInstances (the greedy plan is the clinicplan path's first plan):\n\n";
        md += &tables::instances(measures);
        md += "\nEvery run:\n\n";
        md += &tables::details(measures);
    }
    md += "\n";
    md
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Theatre(args) => match theatre(args) {
            Err(e) if e.is::<process::Interrupted>() => {
                eprintln!("clinicplan-bench: interrupted; the running solve was killed");
                std::process::exit(130);
            }
            other => other,
        },
        Cmd::Load(args) => load::run(args),
        Cmd::Child(args) => child::run(&args),
        Cmd::Bounds(args) => bounds::run(&args),
        Cmd::Appointments(args) => appointments::appointments(&args),
        Cmd::AppointmentsChild(args) => appointments::child(&args),
        Cmd::Scenario(args) => scenario::run(&args),
        Cmd::Priority(args) => priority::run(&args),
        Cmd::Replan(args) => replan::run(&args),
        Cmd::ReplanChild(args) => replan::child(&args),
    }
}
