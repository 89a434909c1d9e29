//! What a scenario run writes: `weeks.csv` and `weeks.json` (one row per variant per
//! week, variants in run order), `summary.json`, and the side-by-side table printed at
//! the end ([`summary_table`], drawn by the report). Every figure is deterministic: no
//! timings are written.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clinicplan_solver::simulate::{Scenario, VariantRun, VariantSummary, WeekResult};
use serde::Serialize;

pub use crate::report::summary_table;

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioSummary<'a> {
    pub scenario: &'a str,
    pub start_date: String,
    pub horizon_weeks: u32,
    pub weeks_run: u32,
    pub seed: u64,
    pub variants: Vec<&'a VariantSummary>,
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
        weeks_run: runs.iter().map(|r| r.summary.weeks).max().unwrap_or(0),
        seed: scenario.seed,
        variants: runs.iter().map(|r| &r.summary).collect(),
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
