//! Measuring one generated instance: the greedy and the LP bound once, then the
//! clinicplan path and whole-model HiGHS at each time limit, each in its own child.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::constructive::constructive_plan;
use clinicplan_solver::theatre::domain::{Instance, Priority};
use clinicplan_solver::theatre::generate::{Family, GeneratorConfig, theatre_request};
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::validate;

use crate::child::{ChildArgs, Mode, Policy};
use crate::process::{ChildRun, run_child};

/// What every measurement shares.
pub struct Ctx {
    /// This executable, re-run as `child`.
    pub exe: PathBuf,
    /// The `clinicplan` executable the engine runs as its MIP worker.
    pub worker: PathBuf,
    pub horizon_days: u32,
    pub policy: Policy,
    pub whole_model: bool,
    pub verbose: bool,
    /// Also run the clinicplan path in reproducible mode at the default effort.
    pub reproducible: bool,
    /// The reproducible runs' effort limit (`None`: the default effort).
    pub effort: Option<u64>,
    /// Compute the LP and the LP with the P1 floor apart (`--no-reference-bounds` skips them).
    pub reference_bounds: bool,
}

/// The priority-order greedy (the constructive plan), in this process.
#[derive(Clone, Debug)]
pub struct Greedy {
    pub objective: f64,
    pub ms: f64,
    pub scheduled: u32,
    pub p1: u32,
    pub checked: bool,
}

/// One time limit on one instance.
#[derive(Clone, Debug)]
pub struct LimitRun {
    pub limit_s: f64,
    pub clinicplan: ChildRun,
    pub whole: Option<ChildRun>,
}

/// Everything measured on one instance.
#[derive(Clone, Debug)]
pub struct InstanceMeasure {
    pub label: String,
    pub family: Family,
    pub theatres: u32,
    pub patients: u32,
    pub seed: u64,
    pub sessions: usize,
    pub eligible: usize,
    /// Generating and validating the request (eligibility included).
    pub build_ms: f64,
    pub nothing: f64,
    pub p1_total: u32,
    pub greedy: Greedy,
    pub lp: ChildRun,
    /// The LP with the P1 floor (issue 2's model, P1 first).
    pub lp_p1: ChildRun,
    pub runs: Vec<LimitRun>,
    /// The clinicplan path in reproducible mode at the default effort, when asked for.
    pub reproducible: Option<ChildRun>,
}

impl InstanceMeasure {
    pub fn lp_bound(&self) -> Option<f64> {
        self.lp.objective()
    }

    /// (objective − LP bound) / (nothing − LP bound): the gap on the wait removed,
    /// against the LP bound of the whole model. Not clamped: a negative value would
    /// mean a plan below the bound, that is a bug somewhere.
    pub fn gap_vs_lp(&self, objective: Option<f64>) -> Option<f64> {
        wait_removed(objective?, self.lp_bound()?, self.nothing)
    }

    /// The LP bound with the P1 floor: a bound on every plan that puts P1 first.
    pub fn lp_p1_bound(&self) -> Option<f64> {
        self.lp_p1.objective()
    }

    /// The gap on the wait removed against the LP with the P1 floor.
    pub fn gap_vs_lp_p1(&self, objective: Option<f64>) -> Option<f64> {
        wait_removed(objective?, self.lp_p1_bound()?, self.nothing)
    }
}

fn wait_removed(objective: f64, bound: f64, nothing: f64) -> Option<f64> {
    let denominator = nothing - bound;
    (denominator > 1e-9).then(|| (objective - bound) / denominator)
}

const LP_LIMIT: Duration = Duration::from_secs(1800);

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |g| format!("{:.2}%", 100.0 * g))
}

fn describe(run: &ChildRun, measure: &InstanceMeasure) -> String {
    let mem = format!(
        "peak {} MiB (Σ {} MiB)",
        run.peak_kib
            .map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0)),
        run.tree_peak_kib
            .map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0))
    );
    match (&run.report, &run.failure) {
        (Some(r), None) if r.objective.is_some() => format!(
            "objective {:.1}, gap vs LP {} (vs LP + P1 floor {}), own gap {}, {} {}, {:.2} s, CPU {:.1} s, {mem}",
            r.objective.unwrap_or(f64::NAN),
            pct(measure.gap_vs_lp(r.objective)),
            pct(measure.gap_vs_lp_p1(r.objective)),
            pct(r.gap),
            r.status,
            r.source.as_deref().unwrap_or(""),
            run.solve_s(),
            run.cpu_s,
        ),
        (_, Some(why)) => format!("no plan ({why}), {:.2} s, {mem}", run.solve_s()),
        _ => format!(
            "no plan ({}), {:.2} s, {mem}",
            run.report.as_ref().map_or("?", |r| r.status.as_str()),
            run.solve_s()
        ),
    }
}

/// The safety net of a reproducible run in the bench.
const REPRODUCIBLE_SAFETY: Duration = Duration::from_secs(300);

fn child_args(
    ctx: &Ctx,
    family: Family,
    mode: Mode,
    config: &GeneratorConfig,
    limit: Duration,
) -> Vec<String> {
    ChildArgs {
        family,
        mode,
        theatres: config.theatres,
        patients: config.patients,
        horizon_days: config.horizon_days,
        seed: config.seed,
        limit_ms: limit.as_millis() as u64,
        policy: ctx.policy,
        worker: matches!(mode, Mode::Clinicplan | Mode::Reproducible).then(|| ctx.worker.clone()),
        effort_limit: (mode == Mode::Reproducible).then_some(ctx.effort).flatten(),
    }
    .to_argv()
}

/// The LP and the LP with the P1 floor, each in a child of its own, or two runs marked
/// skipped under `--no-reference-bounds`.
fn reference_bounds(
    ctx: &Ctx,
    family: Family,
    config: &GeneratorConfig,
) -> anyhow::Result<(ChildRun, ChildRun)> {
    Ok(if ctx.reference_bounds {
        let lp = run_child(
            &ctx.exe,
            &child_args(ctx, family, Mode::Lp, config, LP_LIMIT),
            LP_LIMIT + Duration::from_secs(60),
        )?;
        let lp_p1 = run_child(
            &ctx.exe,
            &child_args(ctx, family, Mode::LpP1Floor, config, LP_LIMIT),
            LP_LIMIT * 2 + Duration::from_secs(60),
        )?;
        (lp, lp_p1)
    } else {
        let skipped = || ChildRun {
            failure: Some("not run (--no-reference-bounds)".into()),
            ..ChildRun::default()
        };
        (skipped(), skipped())
    })
}

/// Measures one instance at every limit, printing each result as it comes. The
/// family may fix the list length: `patients` is then replaced by its own.
pub fn measure_instance(
    ctx: &Ctx,
    label: &str,
    family: Family,
    (theatres, patients): (u32, u32),
    seed: u64,
    limits: &[f64],
) -> anyhow::Result<InstanceMeasure> {
    let config = GeneratorConfig {
        horizon_days: ctx.horizon_days,
        ..family.week(theatres, patients, seed)
    };
    let patients = config.patients;
    let tag = format!("{label} ({theatres} theatres, {patients} patients) seed {seed}");
    let t0 = Instant::now();
    let request = theatre_request(&config);
    let instance = validate(&request).map_err(|e| anyhow::anyhow!("invalid instance: {e}"))?;
    drop(request);
    let build_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let eligible = instance.eligible.iter().map(Vec::len).sum();
    let nothing = instance.nothing_scheduled_cost();
    let p1_total = instance
        .patients
        .iter()
        .filter(|p| p.priority == Priority::P1)
        .count() as u32;
    println!(
        "{tag}: {} sessions, {eligible} eligible pairs, built in {build_ms:.0} ms",
        instance.sessions.len()
    );

    let greedy = measure_greedy(&instance);
    let sessions = instance.sessions.len();
    drop(instance);

    let (lp, lp_p1) = reference_bounds(ctx, family, &config)?;
    let mut measure = InstanceMeasure {
        label: label.to_string(),
        family,
        theatres,
        patients,
        seed,
        sessions,
        eligible,
        build_ms,
        nothing,
        p1_total,
        greedy,
        lp,
        lp_p1,
        runs: Vec::new(),
        reproducible: None,
    };
    print_bounds(&measure);

    for &limit_s in limits {
        let run = measure_limit(ctx, &config, &measure, limit_s)?;
        measure.runs.push(run);
    }
    if ctx.reproducible {
        let run = measure_reproducible(ctx, family, &config, &measure)?;
        measure.reproducible = Some(run);
    }
    Ok(measure)
}

/// The reproducible mode at its default effort; the limit is only the safety net (the
/// default effort takes about 10 s).
fn measure_reproducible(
    ctx: &Ctx,
    family: Family,
    config: &GeneratorConfig,
    measure: &InstanceMeasure,
) -> anyhow::Result<ChildRun> {
    let run = run_child(
        &ctx.exe,
        &child_args(ctx, family, Mode::Reproducible, config, REPRODUCIBLE_SAFETY),
        REPRODUCIBLE_SAFETY + Duration::from_secs(30),
    )?;
    let effort = ctx
        .effort
        .map_or_else(|| "default effort".to_string(), |e| format!("effort {e}"));
    println!("  reproducible, {effort}: {}", describe(&run, measure));
    Ok(run)
}

/// The priority-order greedy on `instance`, timed in this process, and whether its plan
/// passes the check.
fn measure_greedy(instance: &Instance) -> Greedy {
    let t1 = Instant::now();
    let plan = constructive_plan(instance);
    let ms = t1.elapsed().as_secs_f64() * 1000.0;
    let objective = plan.weighted_wait(instance);
    let scheduled = plan.scheduled().count() as u32;
    let p1 = plan.counts_by_priority(instance)[0];
    let built = build_plan(instance, plan);
    let checked = check(instance, &built.to_proposed(instance)).is_valid();
    Greedy {
        objective,
        ms,
        scheduled,
        p1,
        checked,
    }
}

/// Prints the two LP bounds and the greedy of a measured instance.
fn print_bounds(measure: &InstanceMeasure) {
    println!(
        "  LP bound {}: {:.2} s, {:.0} MiB",
        measure
            .lp_bound()
            .map_or("none".into(), |b| format!("{b:.1}")),
        measure.lp.solve_s(),
        measure.lp.peak_kib.unwrap_or(0) as f64 / 1024.0
    );
    println!(
        "  LP bound with the P1 floor ({}): {}, {:.2} s",
        measure
            .lp_p1
            .report
            .as_ref()
            .and_then(|r| Some(format!(
                "{} P1{}",
                r.p1_scheduled?,
                if r.p1_proven? {
                    ", proven"
                } else {
                    ", not proven"
                }
            )))
            .unwrap_or_else(|| "none".into()),
        measure
            .lp_p1_bound()
            .map_or("none".into(), |b| format!("{b:.1}")),
        measure.lp_p1.solve_s(),
    );
    println!(
        "  greedy: objective {:.1}, gap vs LP {}, {:.1} ms{}",
        measure.greedy.objective,
        pct(measure.gap_vs_lp(Some(measure.greedy.objective))),
        measure.greedy.ms,
        if measure.greedy.checked {
            ""
        } else {
            ", FAILED THE CHECK"
        }
    );
}

/// The clinicplan path, and whole-model HiGHS if asked for, at one limit, each in its
/// own child, printing each result as it comes.
fn measure_limit(
    ctx: &Ctx,
    config: &GeneratorConfig,
    measure: &InstanceMeasure,
    limit_s: f64,
) -> anyhow::Result<LimitRun> {
    let limit = Duration::from_secs_f64(limit_s);
    // The deadline guard should return by the limit; the margin only covers
    // generating the request in the child and a loaded machine.
    let clinicplan = run_child(
        &ctx.exe,
        &child_args(ctx, measure.family, Mode::Clinicplan, config, limit),
        limit * 3 + Duration::from_secs(30),
    )?;
    println!(
        "  {limit_s} s clinicplan: {}",
        describe(&clinicplan, measure)
    );
    if ctx.verbose {
        if let Some(r) = &clinicplan.report {
            println!(
                "      max RSS: engine process {} KiB, its reaped children (the worker) {} KiB",
                r.self_maxrss_kib, r.children_maxrss_kib
            );
        }
        for note in clinicplan.report.iter().flat_map(|r| &r.notes) {
            println!("      {note}");
        }
    }
    let whole = if ctx.whole_model {
        let run = run_child(
            &ctx.exe,
            &child_args(ctx, measure.family, Mode::WholeModel, config, limit),
            limit * 3 + Duration::from_secs(10),
        )?;
        println!(
            "  {limit_s} s whole-model HiGHS: {}",
            describe(&run, measure)
        );
        Some(run)
    } else {
        None
    };
    Ok(LimitRun {
        limit_s,
        clinicplan,
        whole,
    })
}
