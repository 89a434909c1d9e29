//! Capacity scenarios at the edge: the TOML file and its PTL export read
//! ([`load_scenario`]), the variants run side by side ([`run_scenario`]), and the
//! results written ([`output`]). The simulation itself is
//! `clinicplan_solver::simulate`, which does no I/O.
//!
//! The pieces a report or a streaming RPC builds on:
//! - [`load_scenario`] / [`parse_scenario`]: a file, or TOML text, to a validated
//!   `Scenario`, or every problem with its location.
//! - [`run_scenario`]: the chosen variants on up to `available_parallelism` threads,
//!   with a callback per simulated week and a cancel flag.
//! - [`gp`]: GP-network scenarios (`kind = "gp-network"`): appointments balanced
//!   week by week across a primary care network.
//! - [`output::write_outputs`]: `weeks.csv`, `weeks.json`, `summary.json`, and the
//!   report, `crate::report::write_report`.

pub mod gp;
pub mod output;
pub mod ptl;
pub mod remote;
mod run;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clinicplan_solver::simulate::config::ScenarioConfig;
use clinicplan_solver::simulate::gp::GP_KIND;
use clinicplan_solver::simulate::{ListedPatient, Scenario, ScenarioProblem, validate_scenario};

pub use ptl::CsvProblem;
pub use run::{ScenarioRun, WeekProgress, run_scenario, selected_variants};

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The TOML is malformed or has an unknown or mistyped field (with its line and column).
    #[error("{file}: {message}")]
    Toml { file: String, message: String },
    #[error("{} problem(s) in the waiting-list file", .0.len())]
    Csv(Vec<CsvProblem>),
    #[error("{} problem(s) in the scenario", .0.len())]
    Invalid(Vec<ScenarioProblem>),
}

impl LoadError {
    /// Every problem, one per line, each with its location.
    pub fn problems(&self) -> Vec<String> {
        match self {
            LoadError::Csv(p) => p.iter().map(ToString::to_string).collect(),
            LoadError::Invalid(p) => p.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Loads a scenario file with `load`, or prints its problems (one a line, under the
/// file's name) and returns exit code 2: how the command line reads a scenario file.
pub fn load_or_report<T>(
    file: &Path,
    load: impl FnOnce(&Path) -> Result<T, LoadError>,
) -> Result<T, ExitCode> {
    load(file).map_err(|e| {
        let problems = e.problems();
        eprintln!(
            "clinicplan: {} has {} problem(s):",
            file.display(),
            problems.len()
        );
        for p in problems {
            eprintln!("  {p}");
        }
        ExitCode::from(2)
    })
}

/// The `kind` of a theatre-list scenario (the default when a file gives none).
pub const THEATRE_KIND: &str = "theatre-lists";

/// The scenario kind the TOML text declares: its top-level `kind`, else
/// [`THEATRE_KIND`] (also when the text is not TOML: the loader then reports why).
pub fn scenario_kind(text: &str) -> String {
    text.parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("kind").and_then(|k| k.as_str().map(str::to_string)))
        .unwrap_or_else(|| THEATRE_KIND.to_string())
}

/// The kind of the scenario file at `path` ([`scenario_kind`]; [`THEATRE_KIND`] when
/// it cannot be read, so that the loader reports the error).
pub fn file_kind(path: &Path) -> String {
    std::fs::read_to_string(path).map_or_else(|_| THEATRE_KIND.to_string(), |t| scenario_kind(&t))
}

/// Reads and validates a scenario file, with its CSV waiting list (a path relative to
/// the file).
pub fn load_scenario(path: &Path) -> Result<Scenario, LoadError> {
    let text = read_scenario_file(path)?;
    let shown = path.display().to_string();
    parse_scenario(&text, &shown, path.parent().unwrap_or(Path::new(".")))
}

/// A scenario file's text (of either kind).
pub(crate) fn read_scenario_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A TOML error of the file `shown`, with its line and column.
pub(crate) fn toml_problem(shown: &str, e: toml::de::Error) -> LoadError {
    LoadError::Toml {
        file: shown.to_string(),
        message: e.to_string().trim_end().to_string(),
    }
}

/// Parses and validates scenario TOML text; `shown` names it in problems, and a CSV
/// waiting list is read relative to `base_dir`.
pub fn parse_scenario(text: &str, shown: &str, base_dir: &Path) -> Result<Scenario, LoadError> {
    parse_scenario_with(text, shown, |file| {
        ptl::load_ptl(&base_dir.join(file), file).map_err(LoadError::Csv)
    })
}

/// Parses and validates scenario TOML text whose CSV waiting list, if it names one, is
/// read by `read_csv` (given the file name the TOML gives): from disk, or from text
/// sent along with the TOML (the gRPC service).
pub fn parse_scenario_with(
    text: &str,
    shown: &str,
    read_csv: impl FnOnce(&str) -> Result<Vec<ListedPatient>, LoadError>,
) -> Result<Scenario, LoadError> {
    let toml_error = |e: toml::de::Error| toml_problem(shown, e);
    let config: ScenarioConfig = match toml::from_str::<toml::Table>(text) {
        // `kind` is not a field of the theatre format: check it and read the rest.
        Ok(mut table) if table.contains_key("kind") => {
            let kind = table.remove("kind");
            match kind.as_ref().and_then(toml::Value::as_str) {
                Some(THEATRE_KIND) => toml::Value::Table(table).try_into().map_err(toml_error)?,
                _ => {
                    return Err(LoadError::Toml {
                        file: shown.to_string(),
                        message: format!(
                            "kind = {}: this reads theatre-list scenarios (kind = \"{THEATRE_KIND}\" or no kind); \
                             a \"{GP_KIND}\" scenario is read by `scenario::gp` (`clinicplan scenario run` reads both)",
                            kind.map_or("?".into(), |k| k.to_string())
                        ),
                    });
                }
            }
        }
        _ => toml::from_str(text).map_err(toml_error)?,
    };
    let csv_patients: Vec<ListedPatient> = match &config.waiting_list.csv {
        None => Vec::new(),
        Some(file) => read_csv(file)?,
    };
    validate_scenario(&config, &csv_patients).map_err(LoadError::Invalid)
}

/// What `clinicplan scenario run` asks for, as given on its command line.
pub struct Asked<'a> {
    /// `--variants`; `None`: all.
    pub variants: Option<&'a [String]>,
    /// `--weeks`; `None`: the horizon.
    pub weeks: Option<u32>,
    /// `--replications`; `None`: the scenario's `replications`.
    pub replications: Option<u32>,
    /// `--out`; `None`: `scenario-out/NAME`.
    pub out: Option<PathBuf>,
}

/// What `clinicplan scenario run` asked for, checked against the scenario.
pub struct RunAsked {
    /// The variants, in the order to run them.
    pub names: Vec<String>,
    /// At most the scenario's horizon.
    pub weeks: u32,
    /// Runs of each variant: `--replications`, else the scenario's.
    pub replications: u32,
    /// The folder the files go to.
    pub out: PathBuf,
    /// One step per variant-week of every replication.
    pub bar: indicatif::ProgressBar,
}

/// The command line's choice for the scenario `name` of `(horizon_weeks,
/// replications, warmup_weeks)`, with the variant selection's result: the weeks default
/// to (and stop at) the horizon, the replications to the scenario's, and the folder to
/// `scenario-out/NAME`. A bad selection or replication count, or weeks that end within
/// the warm-up (nothing would be summarised), are printed and give exit code 2.
pub fn run_asked(
    name: &str,
    (horizon_weeks, scenario_replications, warmup_weeks): (u32, u32, u32),
    selected: Result<Vec<String>, String>,
    asked: Asked<'_>,
) -> Result<RunAsked, ExitCode> {
    let refuse = |message: String| {
        eprintln!("clinicplan: {message}");
        ExitCode::from(2)
    };
    let names = selected.map_err(refuse)?;
    let replications = asked.replications.unwrap_or(scenario_replications);
    if !clinicplan_solver::simulate::replications_in_range(replications) {
        return Err(refuse(format!(
            "--replications {replications}: give 1 to {}",
            clinicplan_solver::simulate::MAX_REPLICATIONS
        )));
    }
    let weeks = asked.weeks.unwrap_or(horizon_weeks).min(horizon_weeks);
    if weeks <= warmup_weeks {
        return Err(refuse(format!(
            "--weeks {weeks}: the scenario's warm-up (warmup_weeks) is {warmup_weeks} week(s), \
             left out of the summary; give more weeks than that (at most the horizon, \
             {horizon_weeks})"
        )));
    }
    let out = asked
        .out
        .unwrap_or_else(|| Path::new("scenario-out").join(name));
    let bar = progress_bar(u64::from(weeks) * names.len() as u64 * u64::from(replications));
    Ok(RunAsked {
        names,
        weeks,
        replications,
        out,
        bar,
    })
}

/// The run's heading's note on replications and the warm-up (empty for neither).
pub fn replications_note(replications: u32, warmup_weeks: u32) -> String {
    let mut note = String::new();
    if replications > 1 {
        note.push_str(&format!(
            "; {replications} replications of each (means with 95% intervals)"
        ));
    }
    if warmup_weeks > 0 {
        note.push_str(&format!(
            "; the first {warmup_weeks} week(s) left out of the summary"
        ));
    }
    note
}

/// The progress bar of `clinicplan scenario run`: one step per variant-week.
pub fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} variant-weeks {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}
