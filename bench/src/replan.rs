//! `clinicplan-bench replan`: issue 20's scale row. Six weeks of 60 theatres (about
//! 3,000 sessions) and 40,000 patients are planned once (the published plan, some 12,000
//! bookings); then one session with cases in week three is cancelled and the whole
//! horizon re-planned around the published plan. The row: the re-plan's wall time, the
//! child's peak memory (both solves), the number displaced beside the number of other
//! moves, and the checker's verdict. The child is a process of its own so that its peak
//! memory is the kernel's.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde::{Deserialize, Serialize};

use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, plan_theatres};
use clinicplan_solver::theatre::generate::{GeneratorConfig, WeekShape, theatre_request};
use clinicplan_solver::theatre::input::PreviousBookingInput;
use clinicplan_solver::theatre::replan::changes::changes;

use crate::process::run_child;
use crate::worker_exe::{WorkerCopy, locate_clinicplan};

/// Marks the replan child's result line.
const REPLAN_PREFIX: &str = "@bench-replan ";

#[derive(Args, Clone)]
pub struct ReplanArgs {
    #[arg(long, default_value_t = 60)]
    pub theatres: u32,
    #[arg(long, default_value_t = 40_000)]
    pub patients: u32,
    #[arg(long, default_value_t = 42)]
    pub horizon_days: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time limit of the first plan, seconds.
    #[arg(long, default_value_t = 30)]
    pub first_s: u32,
    /// Time limit of the re-plan, seconds (the promise: 60).
    #[arg(long, default_value_t = 60)]
    pub replan_s: u32,
    /// The clinicplan executable used as the worker (default: next to this one).
    #[arg(long)]
    pub clinicplan: Option<PathBuf>,
}

/// What the child measured.
#[derive(Debug, Serialize, Deserialize)]
struct ReplanReport {
    sessions: usize,
    patients: usize,
    previous_bookings: usize,
    cancelled_cases: usize,
    replan_s: f64,
    displaced: u32,
    displaced_rebooked: u32,
    moved: u32,
    moved_notified: u32,
    unbooked: u32,
    unbooked_notified: u32,
    kept: u32,
    stability_cost: f64,
    checked: bool,
}

/// The parent: runs the child, prints the row.
pub fn run(args: &ReplanArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let worker = WorkerCopy::new(&locate_clinicplan(&exe, args.clinicplan.as_ref())?)?;
    let child_args: Vec<String> = vec![
        "replan-child".into(),
        format!("--theatres={}", args.theatres),
        format!("--patients={}", args.patients),
        format!("--horizon-days={}", args.horizon_days),
        format!("--seed={}", args.seed),
        format!("--first-s={}", args.first_s),
        format!("--replan-s={}", args.replan_s),
        format!("--clinicplan={}", worker.0.display()),
    ];
    let kill_after = Duration::from_secs(u64::from(args.first_s + args.replan_s) + 300);
    let run = run_child(&exe, &child_args, kill_after)?;
    let report: ReplanReport = run
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(REPLAN_PREFIX))
        .map(serde_json::from_str)
        .transpose()?
        .ok_or_else(|| anyhow::anyhow!("the replan child gave no result: {:?}", run.failure))?;
    let peak_mib = run.tree_peak_kib.or(run.peak_kib).unwrap_or(0) as f64 / 1024.0;
    println!(
        "| sessions | patients | previous bookings | cancelled session's cases | re-plan s | peak MiB | displaced (re-booked) | other moves (notified) | unbooked (notified) | stability cost | checked |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {:.1} | {:.0} | {} ({}) | {} ({}) | {} ({}) | {:.1} | {} |",
        report.sessions,
        report.patients,
        report.previous_bookings,
        report.cancelled_cases,
        report.replan_s,
        peak_mib,
        report.displaced,
        report.displaced_rebooked,
        report.moved,
        report.moved_notified,
        report.unbooked,
        report.unbooked_notified,
        report.stability_cost,
        if report.checked { "yes" } else { "NO" }
    );
    Ok(())
}

/// The child: the first plan, the cancellation, the measured re-plan.
pub fn child(args: &ReplanArgs) -> anyhow::Result<()> {
    let worker = args
        .clinicplan
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--clinicplan is required"))?;
    let mut request = theatre_request(&GeneratorConfig {
        theatres: args.theatres,
        patients: args.patients,
        horizon_days: args.horizon_days,
        seed: args.seed,
        shape: WeekShape::baseline(),
    });
    request.options.threads = 1;
    request.options.time_limit_ms = args.first_s * 1000;
    let engine = EngineConfig {
        worker: WorkerCommand::clinicplan(worker),
        default_time_limit_ms: args.first_s * 1000,
        request_id: None,
    };
    let (first, outcome) = plan_theatres(request.clone(), &engine, &CancelToken::default())?;
    let previous: Vec<PreviousBookingInput> = outcome
        .plan
        .assignment
        .scheduled()
        .map(|(p, s)| PreviousBookingInput {
            patient_id: first.patient(p).id.clone(),
            session_id: first.session(s).id.clone(),
            session_date: first.session(s).date.to_string(),
            ..PreviousBookingInput::default()
        })
        .collect();
    // The fullest session of week three (notified under the calendar) is cancelled.
    let cancelled = outcome
        .plan
        .lists
        .iter()
        .filter(|l| (14..21).contains(&first.session(l.session).day))
        .max_by_key(|l| l.cases.len())
        .ok_or_else(|| anyhow::anyhow!("no session in week three"))?;
    let cancelled_id = first.session(cancelled.session).id.clone();
    request.sessions.retain(|s| s.id != cancelled_id);
    request.previous_plan = previous;
    request.options.time_limit_ms = args.replan_s * 1000;
    let started = Instant::now();
    let (instance, replanned) = plan_theatres(request.clone(), &engine, &CancelToken::default())?;
    let replan_s = started.elapsed().as_secs_f64();
    let c = changes(&instance, &replanned.plan).ok_or_else(|| anyhow::anyhow!("not a re-plan"))?;
    let report = ReplanReport {
        sessions: request.sessions.len(),
        patients: request.patients.len(),
        previous_bookings: request.previous_plan.len(),
        cancelled_cases: cancelled.cases.len(),
        replan_s,
        displaced: c.counts.displaced,
        displaced_rebooked: c.counts.displaced_rebooked,
        moved: c.counts.moved,
        moved_notified: c.counts.by_state[1].moved,
        unbooked: c.counts.unbooked,
        unbooked_notified: c.counts.by_state[1].unbooked,
        kept: c.counts.kept,
        stability_cost: c.stability_cost,
        checked: replanned.check.is_valid(),
    };
    println!("{REPLAN_PREFIX}{}", serde_json::to_string(&report)?);
    Ok(())
}
