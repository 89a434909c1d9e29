//! `clinicplan-bench bounds`: how far above the LP bound of the whole model every plan
//! must lie, measured without a time limit that matters (issue 3: "where a target is
//! out of reach, say by how much, and what you measured that shows why").
//!
//! Per generated instance, each computed to the end (or to `--limit` seconds):
//! - the LP relaxation of the whole model (the yardstick);
//! - the most P1 patients any plan can schedule (a count MIP, proven or not);
//! - the same LP with that P1 floor (issue 2's P1-first rule);
//! - the pattern relaxation (docs/model.md, "Pattern bound and diving") without the
//!   floor, a bound on every plan whatever its P1 count;
//! - and with the floor, a bound on every plan that puts P1 first;
//! - with `--mip-limit`, the whole model as a MIP with the floor (HiGHS, 1 thread, from
//!   the count's plan filled up): its dual bound when the limit strikes, also a bound on
//!   every plan that puts P1 first, and the best plan it found;
//! - with `--p1-branches`, the pattern bound with the floor branched on which P1 patients
//!   are left out (`crate::branches`), also a bound on every plan that puts P1 first.
//!
//! Each bound is shown as the least gap against the LP bound that a plan above it can
//! have: (bound − LP) / (nothing scheduled − LP), the gap on the wait removed.
//! Every bound here is a true lower bound (tested in solver/tests/patterns.rs against
//! exact MIP optima), so a target below the last column cannot be met by any P1-first
//! plan, by any solver, in any time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::constructive::constructive_plan;
use clinicplan_solver::theatre::domain::{Instance, Priority};
use clinicplan_solver::theatre::generate::{GeneratorConfig, theatre_request};
use clinicplan_solver::theatre::models::column_generation::{LpOptimum, SharedDuals, solve_lp};
use clinicplan_solver::theatre::models::formulation::Stage;
use clinicplan_solver::theatre::models::patterns::{
    PatternRelaxation, RelaxationRun, patterns_of, solve_by_specialty,
};
use clinicplan_solver::theatre::stages::{RunOptions, max_count, run_stage};
use clinicplan_solver::theatre::validate;

use crate::branches::Branched;
use crate::machine::{self, publish};
use crate::sizes::{Families, SIZES, SizeArg, label, target};

#[derive(Args)]
pub struct BoundsArgs {
    /// small = 10 theatres / 2,500 patients, medium = 30 / 12,000, large = 60 / 40,000.
    #[arg(long, value_enum, default_value = "all")]
    size: SizeArg,
    /// Generator seeds.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Days planned.
    #[arg(long, default_value_t = 5)]
    horizon_days: u32,
    /// Generator families to run each size over: comma-separated names, or `all`.
    #[arg(long, default_value = "baseline")]
    families: Families,
    /// The time each computation may take, in seconds: a count not proven or a pattern
    /// relaxation not converged by then still gives a true (weaker) bound, and is marked.
    #[arg(long, default_value_t = 900.0)]
    limit: f64,
    /// Also solve the whole model as a MIP with the P1 floor for this many seconds
    /// (small weeks: the large ones do not fit a MIP in memory and time).
    #[arg(long)]
    mip_limit: Option<f64>,
    /// Also branch the pattern bound with the floor on which P1 patients are left out
    /// and then by branch and price (weeks with few left out: at most this many trees per
    /// week).
    #[arg(long)]
    p1_branches: Option<usize>,
    /// How long each part's branch and price may run, in seconds.
    #[arg(long, default_value_t = 60.0)]
    p1_branch_seconds: f64,
    /// The multiplier of the rows that force a P1 patient in, as a multiple of the largest
    /// cost of a patient left waiting (any value gives a true bound).
    #[arg(long, default_value_t = 4.0)]
    p1_penalty: f64,
    /// Append the table to this markdown file.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

/// The bounds of one instance, as weighted waits (the constant included).
struct InstanceBounds {
    label: String,
    seed: u64,
    nothing: f64,
    lp: f64,
    p1_total: u32,
    p1_floor: u32,
    p1_proven: bool,
    lp_floor: f64,
    patterns: f64,
    patterns_converged: bool,
    patterns_floor: f64,
    patterns_floor_converged: bool,
    /// The whole-model MIP with the floor: its dual bound and best plan (weighted waits),
    /// and whether it proved the plan optimal.
    mip: Option<MipWithFloor>,
    /// The pattern bound with the floor branched on the P1 patients left out and then by
    /// branch and price (its bound as a weighted wait), or why it was not computed.
    branched: Option<Result<Branched, String>>,
    seconds: f64,
}

struct MipWithFloor {
    bound: f64,
    best: Option<f64>,
    optimal: bool,
}

impl InstanceBounds {
    /// The least gap against the LP bound of a plan whose weighted wait is at least `bound`.
    fn floor_gap(&self, bound: f64) -> f64 {
        (bound - self.lp) / (self.nothing - self.lp)
    }

    /// The tightest bound on P1-first plans.
    fn p1_first(&self) -> f64 {
        [
            self.mip.as_ref().map(|m| m.bound),
            self.branched
                .as_ref()
                .and_then(|b| b.as_ref().ok())
                .map(|b| b.bound),
        ]
        .into_iter()
        .flatten()
        .fold(self.patterns_floor, f64::max)
    }

    /// The same against the LP with the P1 floor (issue 19's yardstick).
    fn floor_gap_p1(&self, bound: f64) -> f64 {
        (bound - self.lp_floor) / (self.nothing - self.lp_floor)
    }
}

/// The LP relaxation of issue 2's model, where P1 comes first: the whole model's LP
/// with the most P1 patients any plan can schedule as a floor.
pub struct FloorLp {
    /// A plan with `p1_floor` P1 patients.
    pub p1_plan: Assignment,
    /// The most P1 patients found (proven the most when `p1_proven`; a floor below the
    /// most still gives a true, weaker bound).
    pub p1_floor: u32,
    pub p1_proven: bool,
    pub lp: LpOptimum,
}

/// Maximises the P1 count from `start` (a count MIP, 1 thread, up to `limit`), then
/// solves the LP with that floor (up to `limit` more).
pub fn floor_lp(
    instance: &Instance,
    start: &Assignment,
    limit: Duration,
) -> anyhow::Result<FloorLp> {
    let options = RunOptions {
        time_limit: limit,
        mip_rel_gap: 0.0,
        mip_abs_gap: None,
        threads: 1,
        log: false,
    };
    let (count, improved) = max_count(instance, Priority::P1, [0; 4], start, &options, None);
    let p1_plan = improved.unwrap_or_else(|| start.clone());
    let p1_floor = p1_plan.counts_by_priority(instance)[0];
    // The count MIP minimises −count: its dual bound proves that no plan has floor + 1.
    let p1_proven =
        count.dual_bound.is_finite() && -count.dual_bound < f64::from(p1_floor) + 1.0 - 1e-6;
    let lp = solve_lp(
        instance,
        &p1_plan,
        p1_floor,
        Instant::now() + limit,
        1,
        false,
    )
    .context("the LP relaxation with the P1 floor did not finish")?;
    Ok(FloorLp {
        p1_plan,
        p1_floor,
        p1_proven,
        lp,
    })
}

fn measure(
    label: String,
    config: &GeneratorConfig,
    limit: Duration,
    mip_limit: Option<Duration>,
    branches: Option<(usize, f64, Duration)>,
) -> anyhow::Result<InstanceBounds> {
    let t0 = Instant::now();
    let instance: Instance = validate(&theatre_request(config))
        .map_err(|e| anyhow::anyhow!("the generated request is invalid: {e}"))?;
    let nothing = instance.nothing_scheduled_cost();
    let start = constructive_plan(&instance);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));

    let lp = solve_lp(&instance, &start, 0, Instant::now() + limit, 1, false)
        .context("the LP relaxation did not finish")?;
    let floor = floor_lp(&instance, &start, limit)?;
    let patterns = pattern_bound(&instance, &start, 0, &lp.shared_duals, limit)
        .context("the pattern relaxation failed")?;
    let patterns_floor = pattern_bound(
        &instance,
        &floor.p1_plan,
        floor.p1_floor,
        &floor.lp.shared_duals,
        limit,
    )
    .context("the pattern relaxation with the P1 floor failed")?;
    let mip = mip_limit.map(|time_limit| mip_with_floor(&instance, &floor, nothing, time_limit));
    let branched = branches.map(|settings| branch(&instance, &floor, nothing, settings, threads));
    Ok(InstanceBounds {
        label,
        seed: config.seed,
        nothing,
        lp: nothing + lp.objective,
        p1_total: instance
            .patients
            .iter()
            .filter(|p| p.priority == Priority::P1)
            .count() as u32,
        p1_floor: floor.p1_floor,
        p1_proven: floor.p1_proven,
        lp_floor: nothing + floor.lp.objective,
        patterns: nothing + patterns.bound,
        patterns_converged: patterns.converged,
        patterns_floor: nothing + patterns_floor.bound,
        patterns_floor_converged: patterns_floor.converged,
        mip,
        branched,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The pattern relaxation by specialty from `start`, with `p1_floor` P1 patients, within
/// `limit` (both cores, no dive).
fn pattern_bound(
    instance: &Instance,
    start: &Assignment,
    p1_floor: u32,
    duals: &SharedDuals,
    limit: Duration,
) -> Option<PatternRelaxation> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let run = RelaxationRun {
        deadline: Instant::now() + limit,
        dive_until: None,
        threads,
        log: false,
    };
    solve_by_specialty(instance, &[start], p1_floor, duals, &run)
}

/// The whole model as a MIP with the P1 floor for `time_limit` (HiGHS, 1 thread), from the
/// count's plan filled up: its dual bound and best plan.
fn mip_with_floor(
    instance: &Instance,
    floor: &FloorLp,
    nothing: f64,
    time_limit: Duration,
) -> MipWithFloor {
    let (p1_plan, p1_floor) = (&floor.p1_plan, floor.p1_floor);
    // The count's plan books only P1 patients: fill it up as a start.
    let mut start = p1_plan.clone();
    let mut loads = clinicplan_solver::theatre::capacity::Loads::from_assignment(instance, &start);
    let order = clinicplan_solver::theatre::constructive::density_order(instance);
    clinicplan_solver::theatre::constructive::fill(instance, &mut start, &mut loads, &order);
    let options = RunOptions {
        time_limit,
        mip_rel_gap: 0.0,
        mip_abs_gap: None,
        threads: 1,
        log: false,
    };
    let floors = [p1_floor, 0, 0, 0];
    let run = run_stage(
        instance,
        Stage::WeightedWait,
        floors,
        true,
        Some(&start),
        &options,
        None,
    );
    MipWithFloor {
        bound: nothing + run.dual_bound,
        best: run.assignment.map(|a| a.weighted_wait(instance)),
        optimal: run.status == clinicplan_solver::theatre::stages::RunStatus::Optimal,
    }
}

/// The P1-first bound by branch and price (`branches::p1_branches`), the penalty given
/// as a multiple of the largest cost of leaving a patient unscheduled.
fn branch(
    instance: &Instance,
    floor: &FloorLp,
    nothing: f64,
    (max_configurations, penalty, per_branch): (usize, f64, Duration),
    threads: usize,
) -> Result<Branched, String> {
    let (p1_plan, p1_floor, p1_proven) = (&floor.p1_plan, floor.p1_floor, floor.p1_proven);
    let lp_floor = &floor.lp;
    let scale = instance
        .patient_indices()
        .map(|p| instance.cost_unscheduled(p))
        .fold(0.0, f64::max);
    let initial = patterns_of(instance, p1_plan);
    let config = crate::branches::BranchConfig {
        p1_floor,
        floor_proven: p1_proven,
        penalty: penalty * scale,
        max_configurations,
        per_branch,
        threads,
    };
    crate::branches::p1_branches(instance, &initial, &lp_floor.shared_duals, &config)
        .map(|b| Branched {
            bound: nothing + b.bound,
            ..b
        })
        .map_err(|e| e.to_string())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn mark(converged: bool) -> &'static str {
    if converged { "" } else { " (cut short)" }
}

fn table(rows: &[InstanceBounds], horizon_days: u32) -> String {
    let mut md = String::from(
        "| instance | seed | nothing scheduled | LP bound | P1 floor (of P1 listed) | \
         LP + P1 floor | patterns, no floor | patterns + P1 floor | \
         MIP + P1 floor: dual bound / best plan | patterns + P1 branches | target | \
         met by some plan? | met by a P1-first plan? | \
         least gap vs LP + P1 floor of a P1-first plan | time (s) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let target = target(&r.label, horizon_days).map(|t| t.gap);
        let verdict = |bound_gap: f64| match target {
            Some(t) if bound_gap > t => "**no**: the bound is above the target",
            Some(_) => "not excluded",
            None => "—",
        };
        let p1_first = r.p1_first();
        let branched = match &r.branched {
            None => "—".to_string(),
            Some(Ok(b)) => format!(
                "{} ({:.1}; {} trees, {} nodes{})",
                pct(r.floor_gap(b.bound)),
                b.bound,
                b.trees,
                b.nodes,
                if b.closed { ", closed" } else { "" }
            ),
            Some(Err(why)) => format!("not computed: {why}"),
        };
        let mip = r.mip.as_ref().map_or("—".to_string(), |m| {
            format!(
                "{} / {}{}",
                pct(r.floor_gap(m.bound)),
                m.best
                    .map_or("no plan".to_string(), |b| pct(r.floor_gap(b))),
                if m.optimal { " (optimal)" } else { "" }
            )
        });
        md += &format!(
            "| {} | {} | {:.1} | {:.1} | {}{} of {} | {} | {}{} | {}{} | {} | {} | {} | {} | {} | {:.3}% ({}) | {:.0} |\n",
            r.label,
            r.seed,
            r.nothing,
            r.lp,
            r.p1_floor,
            if r.p1_proven {
                " (proven)"
            } else {
                " (not proven)"
            },
            r.p1_total,
            pct(r.floor_gap(r.lp_floor)),
            pct(r.floor_gap(r.patterns)),
            mark(r.patterns_converged),
            pct(r.floor_gap(r.patterns_floor)),
            mark(r.patterns_floor_converged),
            mip,
            branched,
            target.map_or("—".into(), pct),
            verdict(r.floor_gap(r.patterns)),
            verdict(r.floor_gap(p1_first)),
            100.0 * r.floor_gap_p1(p1_first),
            match target {
                Some(t) if r.floor_gap_p1(p1_first) > t => "the target is out of reach",
                Some(_) => "not excluded",
                None => "—",
            },
            r.seconds,
        );
    }
    md
}

/// One instance's bounds as they come, each as the least gap against the LP bound.
fn print_row(r: &InstanceBounds) {
    println!(
        "{} seed {}: LP + P1 floor {}, patterns {}, patterns + P1 floor {}, MIP + P1 floor bound {}, patterns + P1 branches {}; a P1-first plan at least {} above the LP + P1 floor ({:.0} s)",
        r.label,
        r.seed,
        pct(r.floor_gap(r.lp_floor)),
        pct(r.floor_gap(r.patterns)),
        pct(r.floor_gap(r.patterns_floor)),
        r.mip
            .as_ref()
            .map_or("—".to_string(), |m| pct(r.floor_gap(m.bound))),
        match &r.branched {
            Some(Ok(b)) => format!(
                "{} ({:.1}; {} nodes{})",
                pct(r.floor_gap(b.bound)),
                b.bound,
                b.nodes,
                if b.closed { ", closed" } else { "" }
            ),
            Some(Err(why)) => why.clone(),
            None => "—".to_string(),
        },
        pct(r.floor_gap_p1(r.p1_first())),
        r.seconds
    );
}

pub fn run(args: &BoundsArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.limit.is_finite() && args.limit > 0.0,
        "the limit must be positive"
    );
    let limit = Duration::from_secs_f64(args.limit);
    anyhow::ensure!(
        args.mip_limit.is_none_or(|l| l.is_finite() && l > 0.0),
        "the MIP limit must be positive"
    );
    let mip_limit = args.mip_limit.map(Duration::from_secs_f64);
    anyhow::ensure!(
        args.p1_branch_seconds.is_finite() && args.p1_branch_seconds > 0.0,
        "--p1-branch-seconds must be positive"
    );
    anyhow::ensure!(
        args.p1_penalty.is_finite() && args.p1_penalty >= 0.0,
        "--p1-penalty must be a number at least 0"
    );
    let branches = args.p1_branches.map(|max| {
        (
            max,
            args.p1_penalty,
            Duration::from_secs_f64(args.p1_branch_seconds),
        )
    });
    let command = machine::command_line();
    let started = machine::now_utc();
    let commit = machine::git_commit();
    println!("clinicplan-bench {command}\n{started}, commit {commit}");
    let mut rows = Vec::new();
    for size in SIZES.iter().filter(|s| args.size.includes(s.label)) {
        for (&family, &seed) in args
            .families
            .0
            .iter()
            .flat_map(|f| args.seeds.iter().map(move |s| (f, s)))
        {
            let config = GeneratorConfig {
                horizon_days: args.horizon_days,
                ..family.week(size.theatres, size.patients, seed)
            };
            let label = label(size.label, family);
            let r = measure(label, &config, limit, mip_limit, branches)?;
            print_row(&r);
            rows.push(r);
        }
    }
    let md = format!(
        "### Bounds — measured {started}, commit {commit}\n\n\
         `clinicplan-bench {command}` (horizon {} days, each computation up to {} s)\n\n\
         Machine: {}.\n\n\
         Each bound as the least gap against the LP bound that a plan above it can have, \
         (bound − LP) / (nothing scheduled − LP):\n\n{}\n",
        args.horizon_days,
        args.limit,
        machine::describe(),
        table(&rows, args.horizon_days)
    );
    publish(&md, args.markdown.as_deref())
}
