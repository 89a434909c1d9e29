//! What a scenario run writes: `weeks.csv` and `weeks.json` (one row per variant per
//! week, variants in run order), `summary.json`, and the side-by-side table printed at
//! the end ([`summary_table`], drawn by the report). Every figure is deterministic: no
//! timings are written.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clinicplan_solver::simulate::stats::VariantStats;
use clinicplan_solver::simulate::{
    Scenario, VariantRun, VariantRunOf, VariantSummary, WeekResult, statistics,
};
use serde::Serialize;

pub use crate::report::summary_table;
use crate::report::{differences_table, replications_of, statistics_table, variant_order};

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioSummary<'a> {
    pub scenario: &'a str,
    pub start_date: String,
    pub horizon_weeks: u32,
    pub weeks_run: u32,
    /// First weeks left out of every summary.
    pub warmup_weeks: u32,
    pub seed: u64,
    pub replications: u32,
    /// Every run's summary, variant by variant, each with its replication.
    pub variants: Vec<RunSummary<'a, VariantSummary>>,
    /// Each variant's means with 95% intervals, and paired differences against the
    /// baseline.
    pub statistics: Vec<VariantStats>,
}

/// One run's summary in `summary.json`: its replication, then the summary's fields.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary<'a, S> {
    pub replication: u32,
    #[serde(flatten)]
    pub summary: &'a S,
}

/// Every run's summary with its replication.
pub fn run_summaries<W, S>(runs: &[VariantRunOf<W, S>]) -> Vec<RunSummary<'_, S>> {
    runs.iter()
        .map(|r| RunSummary {
            replication: r.replication,
            summary: &r.summary,
        })
        .collect()
}

/// The most weeks any run simulated.
pub fn weeks_run<W, S>(runs: &[VariantRunOf<W, S>]) -> u32 {
    runs.iter().map(|r| r.weeks.len() as u32).max().unwrap_or(0)
}

/// Prints the table of means with their intervals and, when the baseline ran with
/// other variants, the table of paired differences.
pub fn print_statistics(stats: &[VariantStats]) {
    println!("Means over the replications, with 95% confidence intervals:");
    println!("{}", statistics_table(stats));
    if let Some(table) = differences_table(stats) {
        println!(
            "Against the baseline (paired differences, variant − baseline, with 95% intervals; shares in points):"
        );
        println!("{table}");
    }
}

/// Every week of every variant, variants in run order.
pub fn all_weeks(runs: &[VariantRun]) -> Vec<&WeekResult> {
    runs.iter().flat_map(|r| r.weeks.iter()).collect()
}

pub fn weeks_csv(runs: &[VariantRun]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for w in all_weeks(runs) {
        writer.serialize(w)?;
    }
    Ok(writer.into_inner().map_err(|e| e.into_error())?)
}

pub fn weeks_json(runs: &[VariantRun]) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&all_weeks(runs))? + "\n")
}

pub fn summary_json(scenario: &Scenario, runs: &[VariantRun]) -> anyhow::Result<String> {
    let summary = ScenarioSummary {
        scenario: &scenario.name,
        start_date: scenario.start.format("%Y-%m-%d").to_string(),
        horizon_weeks: scenario.horizon_weeks,
        weeks_run: weeks_run(runs),
        warmup_weeks: scenario.warmup_weeks,
        seed: scenario.seed,
        replications: replications_of(runs),
        variants: run_summaries(runs),
        statistics: statistics::<Scenario>(&variant_order(runs), runs),
    };
    Ok(serde_json::to_string_pretty(&summary)? + "\n")
}

/// Writes `weeks.csv`, `weeks.json`, `summary.json` and the report into `dir` (created
/// if missing); returns the files written. `file` is the scenario file as given.
pub fn write_outputs(
    dir: &Path,
    file: &Path,
    scenario: &Scenario,
    runs: &[VariantRun],
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = write_files(
        dir,
        [
            ("weeks.csv", weeks_csv(runs)?),
            ("weeks.json", weeks_json(runs)?.into_bytes()),
            ("summary.json", summary_json(scenario, runs)?.into_bytes()),
        ],
    )?;
    if let Some(report) = crate::report::write_report(dir, file, scenario, runs)
        .with_context(|| format!("writing the report into {}", dir.display()))?
    {
        written.push(report);
    }
    Ok(written)
}

/// Creates `dir` if missing and writes each named file into it; returns their paths.
pub fn write_files<const N: usize>(
    dir: &Path,
    files: [(&str, Vec<u8>); N],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
