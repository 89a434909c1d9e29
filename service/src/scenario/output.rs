//! What a scenario run writes: `weeks.csv` and `weeks.json` (one row per variant per
//! week, variants in run order), `summary.json`, and the side-by-side table printed at
//! the end. Every figure is deterministic: no timings are written.

use std::path::{Path, PathBuf};

use clinicplan_solver::simulate::{Scenario, VariantRun, VariantSummary, WeekResult};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

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
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, bytes) in [
        ("weeks.csv", weeks_csv(runs)?),
        ("weeks.json", weeks_json(runs)?.into_bytes()),
        ("summary.json", summary_json(scenario, runs)?.into_bytes()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    if let Some(report) = super::report::write_report(dir, file, scenario, runs)
        .with_context(|| format!("writing the report into {}", dir.display()))?
    {
        written.push(report);
    }
    Ok(written)
}

/// One row of the summary table: a figure of a variant's summary, as text.
type Figure = Box<dyn Fn(&VariantSummary) -> String>;

/// The side-by-side table: one column per variant, one row per figure.
pub fn summary_table(runs: &[VariantRun]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![Cell::new("")];
    header.extend(runs.iter().map(|r| Cell::new(&r.variant)));
    table.set_header(header);
    let rows: Vec<(&str, Figure)> = vec![
        ("weeks", Box::new(|s| s.weeks.to_string())),
        (
            "list at start",
            Box::new(|s| s.starting_list_size.to_string()),
        ),
        ("list at end", Box::new(|s| s.final_list_size.to_string())),
        ("added", Box::new(|s| s.arrivals.to_string())),
        ("treated", Box::new(|s| s.treated.to_string())),
        (
            "cancelled on the day",
            Box::new(|s| s.cancelled.to_string()),
        ),
        ("removed by validation", Box::new(|s| s.removed.to_string())),
        (
            "mean utilisation",
            Box::new(|s| format!("{:.1}%", 100.0 * s.mean_utilisation)),
        ),
        (
            "median wait (weeks)",
            Box::new(|s| format!("{:.1}", s.final_median_wait_weeks)),
        ),
        (
            "92nd percentile wait (weeks)",
            Box::new(|s| format!("{:.1}", s.final_p92_wait_weeks)),
        ),
        (
            "within 18 weeks",
            Box::new(|s| format!("{:.1}%", 100.0 * s.final_within_18_weeks_share)),
        ),
        (
            "52-week waiters",
            Box::new(|s| s.final_over_52_weeks.to_string()),
        ),
        (
            "65-week waiters",
            Box::new(|s| s.final_over_65_weeks.to_string()),
        ),
        (
            "peak 52-week waiters",
            Box::new(|s| s.peak_over_52_weeks.to_string()),
        ),
        (
            "no 52-week waiters from week",
            Box::new(|s| {
                s.clear_of_52_week_waiters_from_week
                    .map_or("never".into(), |w| w.to_string())
            }),
        ),
        (
            "past priority target",
            Box::new(|s| s.final_breaches.to_string()),
        ),
        (
            "weeks the safety net struck",
            Box::new(|s| s.weeks_safety_net_struck.to_string()),
        ),
    ];
    for (label, value) in rows {
        let mut row = vec![Cell::new(label)];
        row.extend(
            runs.iter()
                .map(|r| Cell::new(value(&r.summary)).set_alignment(CellAlignment::Right)),
        );
        table.add_row(row);
    }
    table
}
