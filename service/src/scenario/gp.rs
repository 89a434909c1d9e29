//! GP-network scenarios at the edge (`kind = "gp-network"`): the TOML read and checked
//! ([`parse_gp`], [`load_gp`]), the variants run side by side ([`run_gp`]), the
//! results written (`weeks.csv`, `weeks.json`, `summary.json`, `report.html`) and the CLI's
//! `scenario validate` / `scenario run` for this kind. The simulation is
//! `clinicplan_solver::simulate::gp`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clinicplan_solver::simulate::gp::{
    GpScenario, GpScenarioConfig, GpSimulationError, GpVariantRun, GpVariantSummary, GpWeekLedger,
    GpWeekResult, validate_gp,
};
use clinicplan_solver::simulate::stats::VariantStats;
use clinicplan_solver::simulate::{ParallelRun, RunId, WeekSolver, run_variants, statistics};
use serde::Serialize;

use super::output::write_files;
use super::{LoadError, read_scenario_file, toml_problem};
pub use crate::report::gp_summary_table;

/// Parses and validates GP-network scenario TOML text; `shown` names it in problems.
pub fn parse_gp(text: &str, shown: &str) -> Result<GpScenario, LoadError> {
    let config: GpScenarioConfig = toml::from_str(text).map_err(|e| toml_problem(shown, e))?;
    validate_gp(&config).map_err(LoadError::Invalid)
}

pub fn load_gp(path: &Path) -> Result<GpScenario, LoadError> {
    let text = read_scenario_file(path)?;
    parse_gp(&text, &path.display().to_string())
}

pub use clinicplan_solver::simulate::selected_variants as selected_gp_variants;

/// Runs `variants` for `weeks` weeks, `replications` times each, side by side, each
/// week booked by `solver`, calling `on_week(run, week, ledger)` after each simulated
/// week. The runs come variant by variant, each variant's replications in order.
/// Results do not depend on the number of threads.
pub fn run_gp(
    scenario: &GpScenario,
    variants: &[String],
    (weeks, replications): (u32, u32),
    cancel: &AtomicBool,
    solver: &dyn WeekSolver,
    on_week: &(dyn Fn(RunId, &GpWeekResult, &GpWeekLedger) + Sync),
) -> Result<Vec<GpVariantRun>, GpSimulationError> {
    let run = ParallelRun {
        variants,
        weeks,
        replications,
        cancel,
        solver,
    };
    run_variants(scenario, &run, on_week)
}

/// One row of the GP kind's `weeks.csv`: the week's figures, with one
/// `booked_<ROLE>` and `waiting_<ROLE>` column per role.
pub fn gp_weeks_csv(scenario: &GpScenario, runs: &[GpVariantRun]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "variant",
        "replication",
        "week",
        "week_start",
        "arrivals",
        "slots",
        "offered",
        "booked",
        "expired",
        "waiting",
        "mean_wait_days_same_day",
        "mean_wait_days_urgent",
        "mean_wait_days_routine",
        "within_target_same_day",
        "within_target_urgent",
        "within_target_routine",
        "share_away_from_home",
        "continuity_rate",
        "slot_utilisation",
        "safety_net_struck",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(scenario.roles.iter().map(|r| format!("booked_{r}")));
    header.extend(scenario.roles.iter().map(|r| format!("waiting_{r}")));
    w.write_record(&header)?;
    for r in runs.iter().flat_map(|r| r.weeks.iter()) {
        let mut row = vec![
            r.variant.clone(),
            r.replication.to_string(),
            r.week.to_string(),
            r.week_start.to_string(),
            r.arrivals.to_string(),
            r.slots.to_string(),
            r.offered.to_string(),
            r.booked.to_string(),
            r.expired.to_string(),
            r.waiting.to_string(),
            r.mean_wait_days_same_day.to_string(),
            r.mean_wait_days_urgent.to_string(),
            r.mean_wait_days_routine.to_string(),
            r.within_target_same_day.to_string(),
            r.within_target_urgent.to_string(),
            r.within_target_routine.to_string(),
            r.share_away_from_home.to_string(),
            r.continuity_rate.to_string(),
            r.slot_utilisation.to_string(),
            r.safety_net_struck.to_string(),
        ];
        for role in &scenario.roles {
            row.push(r.booked_by_role.get(role).copied().unwrap_or(0).to_string());
        }
        for role in &scenario.roles {
            row.push(
                r.waiting_by_role
                    .get(role)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            );
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}

#[derive(Serialize)]
struct GpSummaryFile<'a> {
    scenario: &'a str,
    kind: &'static str,
    start_date: String,
    horizon_weeks: u32,
    weeks_run: u32,
    warmup_weeks: u32,
    seed: u64,
    replications: u32,
    /// Every run's summary, variant by variant, each with its replication.
    variants: Vec<super::output::RunSummary<'a, GpVariantSummary>>,
    /// Each variant's means with 95% intervals, and paired differences.
    statistics: Vec<VariantStats>,
}

/// Writes `weeks.csv`, `weeks.json`, `summary.json` and `report.html` into `dir`.
pub fn write_gp_outputs(
    dir: &Path,
    file: &Path,
    scenario: &GpScenario,
    runs: &[GpVariantRun],
) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let weeks: Vec<&GpWeekResult> = runs.iter().flat_map(|r| r.weeks.iter()).collect();
    let summary = GpSummaryFile {
        scenario: &scenario.name,
        kind: clinicplan_solver::simulate::gp::GP_KIND,
        start_date: scenario.start.to_string(),
        horizon_weeks: scenario.horizon_weeks,
        weeks_run: super::output::weeks_run(runs),
        warmup_weeks: scenario.warmup_weeks,
        seed: scenario.seed,
        replications: crate::report::replications_of(runs),
        variants: super::output::run_summaries(runs),
        statistics: statistics::<GpScenario>(&crate::report::variant_order(runs), runs),
    };
    let mut written = write_files(
        dir,
        [
            ("weeks.csv", gp_weeks_csv(scenario, runs)?),
            (
                "weeks.json",
                (serde_json::to_string_pretty(&weeks)? + "\n").into_bytes(),
            ),
            (
                "summary.json",
                (serde_json::to_string_pretty(&summary)? + "\n").into_bytes(),
            ),
        ],
    )?;
    let report = crate::report::write_gp_report(dir, file, scenario, runs)
        .with_context(|| format!("writing the report into {}", dir.display()))?;
    written.push(report);
    Ok(written)
}

/// `clinicplan scenario validate FILE` for a GP-network file.
pub fn validate_cli(file: &Path) -> anyhow::Result<ExitCode> {
    let scenario = match super::load_or_report(file, load_gp) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    println!(
        "{}: valid; GP-network scenario '{}', {} weeks from {}, {} practices, {} clinicians, {} slots a week, variants: {}; \
         {} replication(s), {} warm-up week(s)",
        file.display(),
        scenario.name,
        scenario.horizon_weeks,
        scenario.start,
        scenario.practices.len(),
        scenario.clinicians.len(),
        scenario.weekly_slots(),
        scenario.variant_names().join(", "),
        scenario.replications,
        scenario.warmup_weeks,
    );
    Ok(ExitCode::SUCCESS)
}

/// `clinicplan scenario run FILE` for a GP-network file.
pub fn run_cli(
    file: &Path,
    asked: super::Asked<'_>,
    solver: &dyn WeekSolver,
) -> anyhow::Result<ExitCode> {
    let scenario = match super::load_or_report(file, load_gp) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let selected = selected_gp_variants(&scenario, asked.variants);
    let super::RunAsked {
        names,
        weeks,
        replications,
        out,
        bar,
    } = match super::run_asked(
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
    let cancel = AtomicBool::new(false);
    let runs = run_gp(
        &scenario,
        &names,
        (weeks, replications),
        &cancel,
        solver,
        &|id, w, _| {
            bar.inc(1);
            bar.set_message(format!(
                "{} #{} week {}: waiting {}",
                names[id.variant], id.replication, w.week, w.waiting
            ));
        },
    )?;
    bar.finish_and_clear();
    println!(
        "GP-network scenario '{}': {} variant(s), {weeks} week(s) from {}{}",
        scenario.name,
        names.len(),
        scenario.start,
        super::replications_note(replications, scenario.warmup_weeks)
    );
    if replications > 1 {
        super::output::print_statistics(&statistics::<GpScenario>(&names, &runs));
    } else {
        println!("{}", gp_summary_table(&scenario, &runs));
    }
    for path in write_gp_outputs(&out, file, &scenario, &runs)? {
        eprintln!("written {}", path.display());
    }
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
