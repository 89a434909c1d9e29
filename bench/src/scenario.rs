//! `clinicplan-bench scenario`: a capacity scenario run with replications (issue 22 §2),
//! timed in this process's child `clinicplan scenario run`, and, with `--server`,
//! again through a server or a balancer in front of several, whose results must equal
//! the in-process run's, byte for byte. The markdown gives each run's wall clock and the
//! width of the 95% intervals of the figures a planner compares (each variant's mean,
//! and its paired difference against the baseline).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;

use crate::machine;
use crate::worker_exe::locate_clinicplan;

/// The measures whose intervals the table shows.
const MEASURES: [&str; 5] = [
    "final_within_18_weeks_share",
    "final_over_52_weeks",
    "final_median_wait_weeks",
    "mean_within_18_weeks_share",
    "treated",
];

#[derive(Args)]
pub struct ScenarioArgs {
    /// The scenario file.
    #[arg(long, default_value = "scenarios/dgh.toml")]
    file: PathBuf,
    /// Weeks to simulate.
    #[arg(long, default_value_t = 52)]
    weeks: u32,
    /// Runs of each variant.
    #[arg(long = "scenario-replications", default_value_t = 10)]
    replications: u32,
    /// Variants, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "baseline,saturday-lists,demand-surge,by-hand"
    )]
    variants: Vec<String>,
    /// Also run through this server or balancer (http://HOST:PORT); its files must equal
    /// the in-process run's.
    #[arg(long)]
    server: Option<String>,
    /// Append the tables to this markdown file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// The `clinicplan` executable (default: next to this one).
    #[arg(long)]
    clinicplan: Option<PathBuf>,
}

/// One timed `clinicplan scenario run` into `out`; its wall clock in seconds.
fn timed_run(
    clinicplan: &Path,
    args: &ScenarioArgs,
    out: &Path,
    server: Option<&str>,
) -> anyhow::Result<f64> {
    let mut command = Command::new(clinicplan);
    command
        .args(["scenario", "run"])
        .arg(&args.file)
        .args(["--weeks", &args.weeks.to_string()])
        .args(["--replications", &args.replications.to_string()])
        .args(["--variants", &args.variants.join(",")])
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = server {
        command.args(["--server", url]);
    }
    let started = Instant::now();
    let output = command
        .output()
        .context("running clinicplan scenario run")?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "clinicplan scenario run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(seconds)
}

/// "mean ± half width" of an interval of `summary.json`, shares in percent.
fn interval(measure: &str, i: &Value) -> String {
    let scale = if measure.contains("share") {
        100.0
    } else {
        1.0
    };
    let (mean, low, high) = (
        i["mean"].as_f64().unwrap_or(f64::NAN),
        i["low"].as_f64().unwrap_or(f64::NAN),
        i["high"].as_f64().unwrap_or(f64::NAN),
    );
    format!("{:.2} ± {:.2}", scale * mean, scale * (high - low) / 2.0)
}

/// The intervals table: one row per variant and measure, its mean ± half width and its
/// paired difference against the baseline ± half width.
fn intervals_table(summary: &Value) -> String {
    let mut md = String::from(
        "| variant | measure | mean ± 95% half width | difference vs baseline ± half width |\n\
         | --- | --- | ---: | ---: |\n",
    );
    for v in summary["statistics"].as_array().into_iter().flatten() {
        for m in v["measures"].as_array().into_iter().flatten() {
            let name = m["measure"].as_str().unwrap_or("");
            if !MEASURES.contains(&name) {
                continue;
            }
            let difference = if m["difference"].is_null() {
                "—".to_string()
            } else {
                interval(name, &m["difference"])
            };
            md += &format!(
                "| {} | {name} | {} | {difference} |\n",
                v["variant"].as_str().unwrap_or(""),
                interval(name, &m["value"]),
            );
        }
    }
    md
}

pub fn run(args: &ScenarioArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("locating this executable")?;
    let clinicplan = locate_clinicplan(&exe, args.clinicplan.as_ref())?;
    let dir =
        std::env::temp_dir().join(format!("clinicplan-bench-scenario-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = machine::now_utc();
    let local = dir.join("local");
    let mut rows = vec![(
        "in process".to_string(),
        timed_run(&clinicplan, args, &local, None)?,
    )];
    if let Some(url) = &args.server {
        let remote = dir.join("remote");
        let seconds = timed_run(&clinicplan, args, &remote, Some(url))?;
        for file in ["weeks.json", "weeks.csv", "summary.json"] {
            let same = std::fs::read(local.join(file))? == std::fs::read(remote.join(file))?;
            if !same {
                bail!("{file} differs between the in-process run and the run through {url}");
            }
        }
        rows.push((format!("through {url} (files identical)"), seconds));
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(local.join("summary.json"))?)
            .context("reading summary.json")?;
    let mut md = format!(
        "### Scenario replications — measured {started}, commit {}\n\n\
         `clinicplan-bench {}`: {} over {} weeks, variants {}, {} replications each.\n\n\
         Machine: {}; load average {} at the end (a shared machine).\n\n\
         | run | wall clock (s) |\n| --- | ---: |\n",
        machine::git_commit(),
        machine::command_line(),
        args.file.display(),
        args.weeks,
        args.variants.join(", "),
        args.replications,
        machine::describe(),
        machine::load_average(),
    );
    for (what, seconds) in &rows {
        md += &format!("| {what} | {seconds:.1} |\n");
    }
    md += "\n";
    md += &intervals_table(&summary);
    md += "\n";
    let _ = std::fs::remove_dir_all(&dir);
    machine::publish(&md, args.markdown.as_deref())
}
