//! The hidden `child` subcommand: one measured solve in a process of its own, so that
//! the parent can read its peak memory and CPU time when it is reaped, and kill it when
//! HiGHS overruns its limit. The child regenerates the instance from the generator's
//! config (the generator is deterministic), solves, and prints one line on standard
//! output: [`RESULT_PREFIX`] followed by a [`ChildReport`] as JSON.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

use clinicplan_service::engine::{CancelToken, EngineConfig, WorkerCommand, plan_theatres};
use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::constructive::constructive_plan;
use clinicplan_solver::theatre::domain::{Instance, Priority};
use clinicplan_solver::theatre::generate::{Family, GeneratorConfig, theatre_request};
use clinicplan_solver::theatre::input::{ObjectiveInput, TheatreRequest};
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::solve::wait_removed_gap;
use clinicplan_solver::theatre::stages::{RunOptions, RunResult, RunStatus, run_stage};
use clinicplan_solver::theatre::validate;

/// Marks the child's result line (HiGHS could print on standard output too).
pub const RESULT_PREFIX: &str = "@bench-result ";

/// What the child measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// The product path: `plan_theatres` with its deadline guard and MIP worker.
    Clinicplan,
    /// The whole model handed to HiGHS: 1 thread, no warm start.
    WholeModel,
    /// The LP relaxation of the whole model.
    Lp,
    /// The LP relaxation of issue 2's model, where P1 comes first: the whole model's LP
    /// with the most P1 patients any plan can schedule as a floor.
    LpP1Floor,
    /// The product path in reproducible mode at the default effort (the limit is only
    /// its safety net).
    Reproducible,
    /// The priority-order policy's lexicographic optimum by whole-model HiGHS: the four
    /// count stages, each proven, within the limit (`priority.rs`).
    Lexicographic,
}

/// The objective policy of the clinicplan path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    WeightedWait,
    PriorityOrder,
}

impl Policy {
    fn input(self) -> ObjectiveInput {
        match self {
            Policy::WeightedWait => ObjectiveInput::WeightedWait,
            Policy::PriorityOrder => ObjectiveInput::PriorityOrder,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Policy::WeightedWait => "weighted-wait",
            Policy::PriorityOrder => "priority-order",
        }
    }
}

/// One measured solve, as passed on the command line.
#[derive(Args, Clone, Debug)]
pub struct ChildArgs {
    #[arg(long, value_enum)]
    pub mode: Mode,
    #[arg(long)]
    pub theatres: u32,
    #[arg(long)]
    pub patients: u32,
    #[arg(long)]
    pub horizon_days: u32,
    #[arg(long)]
    pub seed: u64,
    /// The generator family (its shape; `patients` already has its list length).
    #[arg(long, default_value = "baseline")]
    pub family: Family,
    #[arg(long)]
    pub limit_ms: u64,
    #[arg(long, value_enum, default_value = "weighted-wait")]
    pub policy: Policy,
    /// The `clinicplan` executable run as the MIP worker (mode clinicplan).
    #[arg(long)]
    pub worker: Option<PathBuf>,
    /// The effort limit of a reproducible run (`None`: the solver's default).
    #[arg(long)]
    pub effort_limit: Option<u64>,
}

impl ChildArgs {
    /// The argument list that parses back into `self` (after the `child` subcommand).
    pub fn to_argv(&self) -> Vec<String> {
        let mode = match self.mode {
            Mode::Clinicplan => "clinicplan",
            Mode::WholeModel => "whole-model",
            Mode::Lp => "lp",
            Mode::LpP1Floor => "lp-p1-floor",
            Mode::Reproducible => "reproducible",
            Mode::Lexicographic => "lexicographic",
        };
        let mut argv = vec![
            "child".to_string(),
            format!("--mode={mode}"),
            format!("--theatres={}", self.theatres),
            format!("--patients={}", self.patients),
            format!("--horizon-days={}", self.horizon_days),
            format!("--seed={}", self.seed),
            format!("--family={}", self.family),
            format!("--limit-ms={}", self.limit_ms),
            format!("--policy={}", self.policy.name()),
        ];
        if let Some(worker) = &self.worker {
            argv.push("--worker".into());
            argv.push(worker.display().to_string());
        }
        if let Some(effort) = self.effort_limit {
            argv.push(format!("--effort-limit={effort}"));
        }
        argv
    }

    pub fn generator(&self) -> GeneratorConfig {
        GeneratorConfig {
            theatres: self.theatres,
            patients: self.patients,
            horizon_days: self.horizon_days,
            seed: self.seed,
            shape: self.family.shape(),
        }
    }
}

/// What a child found. Objectives and bounds are weighted waits including the
/// constant (the cost of the patients left waiting); `None` where there is none.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChildReport {
    pub objective: Option<f64>,
    /// The plan's weighted wait recomputed from its assignment (a cross-check of HiGHS's objective).
    pub objective_recomputed: Option<f64>,
    /// The method's own lower bound.
    pub bound: Option<f64>,
    /// Wait-removed gap against the method's own bound.
    pub gap: Option<f64>,
    pub nothing: f64,
    pub status: String,
    pub source: Option<String>,
    pub bound_source: Option<String>,
    pub deadline_reached: Option<bool>,
    /// The plan passed the independent checker.
    pub checked: Option<bool>,
    pub scheduled: Option<u32>,
    pub p1_scheduled: Option<u32>,
    /// P1..P4 scheduled (modes clinicplan and lexicographic).
    #[serde(default)]
    pub counts: Option<[u32; 4]>,
    /// Mode lexicographic: how many of `counts` (P1 first) are proven maxima.
    #[serde(default)]
    pub counts_proven: Option<usize>,
    pub p1_total: u32,
    /// Mode lp-p1-floor: whether the P1 count (in `p1_scheduled`) is proven the most.
    pub p1_proven: Option<bool>,
    /// Generating (and, outside mode clinicplan, validating) the request.
    pub setup_ms: u64,
    /// The solve: `plan_theatres` (validation included) or `run_stage` (model build included).
    pub solve_ms: u64,
    /// getrusage(RUSAGE_SELF / RUSAGE_CHILDREN) at the end, for the record: the parent's
    /// wait4 figure is the one reported (it also covers a child that had to be killed).
    pub self_maxrss_kib: u64,
    pub children_maxrss_kib: u64,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

/// Runs the child and prints its result line.
pub fn run(args: &ChildArgs) -> anyhow::Result<()> {
    // If the bench dies (killed, or stopped by a signal it does not handle), take this
    // solve with it rather than leave HiGHS running on a shared machine.
    // SAFETY: prctl with PR_SET_PDEATHSIG only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    let mut report = match args.mode {
        Mode::Clinicplan | Mode::Reproducible => clinicplan(args),
        Mode::WholeModel | Mode::Lp | Mode::LpP1Floor | Mode::Lexicographic => whole_model(args),
    }
    .unwrap_or_else(|e| ChildReport {
        status: "error".into(),
        error: Some(format!("{e:#}")),
        ..ChildReport::default()
    });
    report.self_maxrss_kib = maxrss_kib(libc::RUSAGE_SELF);
    report.children_maxrss_kib = maxrss_kib(libc::RUSAGE_CHILDREN);
    println!("{RESULT_PREFIX}{}", serde_json::to_string(&report)?);
    Ok(())
}

fn maxrss_kib(who: libc::c_int) -> u64 {
    // SAFETY: getrusage writes into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) == 0 {
            usage.ru_maxrss.max(0) as u64
        } else {
            0
        }
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn p1_total(instance: &Instance) -> u32 {
    instance
        .patients
        .iter()
        .filter(|p| p.priority == Priority::P1)
        .count() as u32
}

fn clinicplan(args: &ChildArgs) -> anyhow::Result<ChildReport> {
    let t0 = Instant::now();
    let mut request: TheatreRequest = theatre_request(&args.generator());
    request.options.time_limit_ms = u32::try_from(args.limit_ms)?;
    request.options.objective = args.policy.input();
    request.options.reproducible = args.mode == Mode::Reproducible;
    request.options.effort_limit = args.effort_limit;
    let setup_ms = t0.elapsed().as_millis() as u64;
    let worker = args
        .worker
        .clone()
        .ok_or_else(|| anyhow::anyhow!("mode clinicplan needs --worker"))?;
    let config = EngineConfig {
        worker: WorkerCommand::clinicplan(worker),
        default_time_limit_ms: u32::try_from(args.limit_ms)?,
        request_id: None,
    };
    let t1 = Instant::now();
    let (instance, outcome) = plan_theatres(request, &config, &CancelToken::default())?;
    let solve_ms = t1.elapsed().as_millis() as u64;
    let r = &outcome.report;
    let metrics = &outcome.plan.metrics;
    Ok(ChildReport {
        objective: finite(r.objective),
        objective_recomputed: finite(outcome.plan.assignment.weighted_wait(&instance)),
        bound: finite(r.best_bound),
        gap: finite(r.gap),
        nothing: instance.nothing_scheduled_cost(),
        status: format!("{:?}", r.status),
        source: Some(format!("{:?}", r.source)),
        bound_source: Some(r.bound_source.name().to_string()),
        deadline_reached: Some(r.deadline_reached),
        checked: Some(outcome.check.is_valid()),
        scheduled: Some(metrics.patients_scheduled),
        p1_scheduled: Some(metrics.scheduled_by_priority[0]),
        counts: Some(metrics.scheduled_by_priority),
        p1_total: p1_total(&instance),
        setup_ms,
        solve_ms,
        notes: r.notes.clone(),
        ..ChildReport::default()
    })
}

fn whole_model(args: &ChildArgs) -> anyhow::Result<ChildReport> {
    let t0 = Instant::now();
    let request = theatre_request(&args.generator());
    let instance = validate(&request)?;
    drop(request);
    let setup_ms = t0.elapsed().as_millis() as u64;
    let nothing = instance.nothing_scheduled_cost();
    let integer = args.mode == Mode::WholeModel;
    let options = RunOptions {
        time_limit: Duration::from_millis(args.limit_ms),
        mip_rel_gap: 1e-4,
        mip_abs_gap: None,
        threads: 1,
        log: false,
    };
    let base = ChildReport {
        nothing,
        p1_total: p1_total(&instance),
        setup_ms,
        ..ChildReport::default()
    };
    let t1 = Instant::now();
    if args.mode == Mode::LpP1Floor {
        return floor_lp_report(&instance, base, &options);
    }
    if args.mode == Mode::Lexicographic {
        return Ok(lexicographic(&instance, options.time_limit, base));
    }
    if !integer {
        return Ok(whole_lp_report(&instance, base, &options));
    }
    let result = whole_model_run(&instance, integer, &options);
    let mut report = ChildReport {
        status: format!("{:?}", result.status),
        solve_ms: t1.elapsed().as_millis() as u64,
        ..base
    };
    report.bound = finite(nothing + result.dual_bound);
    if let Some(assignment) = result.assignment {
        let objective = nothing + result.objective;
        report.objective = finite(objective);
        report.objective_recomputed = finite(assignment.weighted_wait(&instance));
        report.gap = report
            .bound
            .map(|b| wait_removed_gap(objective, b, nothing));
        report.scheduled = Some(assignment.scheduled().count() as u32);
        report.p1_scheduled = Some(assignment.counts_by_priority(&instance)[0]);
        report.checked = Some(checks(&instance, assignment));
    }
    Ok(report)
}

/// The LP relaxation with the P1 floor: its optimum is both objective and bound.
fn floor_lp_report(
    instance: &Instance,
    base: ChildReport,
    options: &RunOptions,
) -> anyhow::Result<ChildReport> {
    let t1 = Instant::now();
    let floor =
        crate::bounds::floor_lp(instance, &constructive_plan(instance), options.time_limit)?;
    let bound = finite(base.nothing + floor.lp.objective);
    Ok(ChildReport {
        status: "Optimal".into(),
        objective: bound,
        bound,
        p1_scheduled: Some(floor.p1_floor),
        p1_proven: Some(floor.p1_proven),
        solve_ms: t1.elapsed().as_millis() as u64,
        ..base
    })
}

/// The LP relaxation of the whole model, by column generation: the same optimum as the
/// whole LP (solver/tests/solve.rs checks it), minutes faster at 60 theatres.
fn whole_lp_report(instance: &Instance, base: ChildReport, options: &RunOptions) -> ChildReport {
    let t1 = Instant::now();
    let lp = clinicplan_solver::theatre::models::column_generation::solve_lp(
        instance,
        &Assignment::empty(instance),
        0,
        t1 + options.time_limit,
        1,
        false,
    );
    let value = lp
        .as_ref()
        .and_then(|lp| finite(base.nothing + lp.objective));
    ChildReport {
        status: if lp.is_some() {
            "Optimal"
        } else {
            "NoSolution"
        }
        .into(),
        objective: value,
        bound: value,
        solve_ms: t1.elapsed().as_millis() as u64,
        ..base
    }
}

/// Mode `lexicographic` of the child: the four count stages of the priority-order policy
/// as whole-model MIPs, each proven before the next starts, within one shared limit.
/// Status `Optimal` when all four were proven; `counts` holds the counts proven before
/// the limit (`counts_proven` of them, the rest 0).
fn lexicographic(instance: &Instance, limit: Duration, base: ChildReport) -> ChildReport {
    let t0 = Instant::now();
    let mut floors = [0u32; 4];
    let mut proven = 0;
    for (r, priority) in Priority::ALL.into_iter().enumerate() {
        let left = limit.saturating_sub(t0.elapsed());
        if left.is_zero() {
            break;
        }
        let options = RunOptions {
            time_limit: left,
            mip_rel_gap: 0.0,
            mip_abs_gap: Some(0.999),
            threads: 1,
            log: false,
        };
        let result = run_stage(
            instance,
            Stage::MaxCount(priority),
            floors,
            true,
            None,
            &options,
            None,
        );
        let Some(plan) = result
            .assignment
            .filter(|_| result.status == RunStatus::Optimal)
        else {
            break;
        };
        floors[r] = plan.counts_by_priority(instance)[r];
        proven += 1;
    }
    ChildReport {
        status: if proven == 4 { "Optimal" } else { "Limit" }.into(),
        counts: Some(floors),
        counts_proven: Some(proven),
        solve_ms: t0.elapsed().as_millis() as u64,
        ..base
    }
}

/// The one call into the solver's model API (kept in one place: it is still changing).
fn whole_model_run(instance: &Instance, integer: bool, options: &RunOptions) -> RunResult {
    run_stage(
        instance,
        Stage::WeightedWait,
        [0; 4],
        integer,
        None,
        options,
        None,
    )
}

fn checks(instance: &Instance, assignment: Assignment) -> bool {
    let plan = build_plan(instance, assignment);
    check(instance, &plan.to_proposed(instance)).is_valid()
}
