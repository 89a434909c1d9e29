//! Reading a `RunScenario` or `ValidateScenario` request: the TOML text of either kind
//! with the CSV text sent beside it, its problems as field violations, and the
//! variants, weeks and replications asked for.

use clinicplan_solver::simulate::gp::{GP_KIND, GpScenario};
use clinicplan_solver::simulate::{MAX_REPLICATIONS, Scenario, replications_in_range};
use tonic::Status;

use crate::error::{FieldProblem, ServiceError, to_status};
use crate::proto::RunScenarioRequest;
use crate::scenario::gp::{parse_gp, selected_gp_variants};
use crate::scenario::{
    CsvProblem, LoadError, THEATRE_KIND, parse_scenario_with, ptl, scenario_kind, selected_variants,
};

/// The name problems give the TOML text.
const SHOWN: &str = "scenario_toml";

/// A scenario's problems as field violations: TOML syntax at `scenario_toml`, CSV rows
/// at `waiting_list_csv` (the description gives line and column), and the rest at
/// their location in the scenario (`hospital.sessions[3].weekday`).
fn load_problems(error: LoadError, csv_name: Option<&str>) -> Vec<FieldProblem> {
    let csv_field = |message: String| FieldProblem {
        field: "waiting_list_csv".into(),
        message,
    };
    match error {
        LoadError::Toml { message, .. } => vec![FieldProblem {
            field: "scenario_toml".into(),
            message,
        }],
        LoadError::Csv(problems) => problems.iter().map(|p| csv_field(p.to_string())).collect(),
        LoadError::Invalid(problems) => problems
            .into_iter()
            .map(|p| match csv_name {
                Some(name) if p.location.starts_with(&format!("{name} line")) => {
                    csv_field(p.to_string())
                }
                _ => FieldProblem {
                    field: p.location,
                    message: p.message,
                },
            })
            .collect(),
        LoadError::Io { .. } => vec![FieldProblem {
            field: "scenario_toml".into(),
            message: error.to_string(),
        }],
    }
}

/// A scenario of either kind.
pub(super) enum Parsed {
    Theatre(Scenario),
    Gp(GpScenario),
}

/// Parses and validates the TOML text of either kind with the CSV text sent beside it
/// (none for a GP-network scenario).
fn parse_any(toml_text: &str, csv_text: &str) -> Result<Parsed, ServiceError> {
    if scenario_kind(toml_text) != GP_KIND {
        return parse(toml_text, csv_text).map(Parsed::Theatre);
    }
    if !csv_text.is_empty() {
        return Err(ServiceError::Scenario(vec![FieldProblem {
            field: "waiting_list_csv".into(),
            message: "a CSV was sent with a GP-network scenario, which reads none: send no CSV"
                .into(),
        }]));
    }
    parse_gp(toml_text, SHOWN)
        .map(Parsed::Gp)
        .map_err(|e| ServiceError::Scenario(load_problems(e, None)))
}

/// Parses and validates theatre-list TOML text with the CSV text sent beside it.
fn parse(toml_text: &str, csv_text: &str) -> Result<Scenario, ServiceError> {
    let mut named_csv: Option<String> = None;
    let parsed = parse_scenario_with(toml_text, SHOWN, |file| {
        named_csv = Some(file.to_string());
        if csv_text.is_empty() {
            return Err(LoadError::Csv(vec![CsvProblem {
                file: file.to_string(),
                line: 0,
                column: None,
                message: format!(
                    "the scenario's [waiting_list] names the CSV file '{file}', which this \
                     server cannot read: send its text in waiting_list_csv"
                ),
            }]));
        }
        ptl::parse_ptl(csv_text.as_bytes(), file).map_err(LoadError::Csv)
    });
    let scenario =
        parsed.map_err(|e| ServiceError::Scenario(load_problems(e, named_csv.as_deref())))?;
    if named_csv.is_none() && !csv_text.is_empty() {
        return Err(ServiceError::Scenario(vec![FieldProblem {
            field: "waiting_list_csv".into(),
            message: "a CSV was sent but the scenario's [waiting_list] names no csv file: \
                      add `csv = \"<name>\"` to it, or send no CSV"
                .into(),
        }]));
    }
    Ok(scenario)
}

/// A scenario's run settings a request is checked against.
struct Settings {
    horizon_weeks: u32,
    warmup_weeks: u32,
    /// The file's `replications` (what 0 asks for).
    replications: u32,
}

/// What a `RunScenario` request asks to run, checked against the scenario.
pub(super) struct Choice {
    /// The variants, in the order to run them.
    pub(super) names: Vec<String>,
    /// Weeks of each run: more than the warm-up, at most the horizon.
    pub(super) weeks: u32,
    /// Runs of each variant: 1 to `MAX_REPLICATIONS`.
    pub(super) replications: u32,
}

/// The weeks asked for (0: the horizon), or the problem with them: more than the
/// horizon, or no more than the warm-up (no week would be summarised).
fn checked_weeks(weeks: u32, settings: &Settings) -> Result<u32, String> {
    let Settings {
        horizon_weeks,
        warmup_weeks,
        ..
    } = *settings;
    if weeks > horizon_weeks {
        return Err(format!(
            "{weeks} weeks: the scenario's horizon is {horizon_weeks} weeks; give at most that, or 0 for all",
        ));
    }
    let weeks = if weeks == 0 { horizon_weeks } else { weeks };
    if weeks <= warmup_weeks {
        return Err(format!(
            "{weeks} weeks: the scenario leaves its first {warmup_weeks} weeks (warmup_weeks) out of \
             every summary, so no week would be summarised; give more than {warmup_weeks}, or 0 for all",
        ));
    }
    Ok(weeks)
}

/// The replications asked for (0: the scenario's), or the problem with them.
fn checked_replications(replications: u32, settings: &Settings) -> Result<u32, String> {
    if replications == 0 {
        return Ok(settings.replications);
    }
    if !replications_in_range(replications) {
        return Err(format!(
            "{replications}: give 1 to {MAX_REPLICATIONS}, or 0 for the scenario's ({})",
            settings.replications
        ));
    }
    Ok(replications)
}

/// The variants, weeks and replications asked for, checked against the scenario
/// (`select` picks the variants); every problem is a field violation at its field.
fn run_choice(
    select: impl FnOnce(Option<&[String]>) -> Result<Vec<String>, String>,
    settings: &Settings,
    request: &RunScenarioRequest,
) -> Result<Choice, ServiceError> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(FieldProblem {
            field: field.into(),
            message,
        })
    };
    let wanted = (!request.variants.is_empty()).then_some(request.variants.as_slice());
    let names = select(wanted).unwrap_or_else(|message| {
        problem("variants", message);
        Vec::new()
    });
    let weeks = checked_weeks(request.weeks, settings).unwrap_or_else(|message| {
        problem("weeks", message);
        0
    });
    let replications =
        checked_replications(request.replications, settings).unwrap_or_else(|message| {
            problem("replications", message);
            0
        });
    if !problems.is_empty() {
        return Err(ServiceError::Scenario(problems));
    }
    Ok(Choice {
        names,
        weeks,
        replications,
    })
}

/// Parsing a large CSV is work: off the async threads.
pub(super) async fn parse_blocking(toml_text: String, csv_text: String) -> Result<Parsed, Status> {
    tokio::task::spawn_blocking(move || parse_any(&toml_text, &csv_text))
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?
        .map_err(to_status)
}

impl Parsed {
    /// The variants, weeks and replications `request` asks for (`variants` empty:
    /// all; `weeks` 0: the horizon; `replications` 0: the scenario's).
    pub(super) fn run_choice(&self, request: &RunScenarioRequest) -> Result<Choice, ServiceError> {
        match self {
            Parsed::Theatre(s) => run_choice(
                |w| selected_variants(s, w),
                &Settings {
                    horizon_weeks: s.horizon_weeks,
                    warmup_weeks: s.warmup_weeks,
                    replications: s.replications,
                },
                request,
            ),
            Parsed::Gp(s) => run_choice(
                |w| selected_gp_variants(s, w),
                &Settings {
                    horizon_weeks: s.horizon_weeks,
                    warmup_weeks: s.warmup_weeks,
                    replications: s.replications,
                },
                request,
            ),
        }
    }

    /// The scenario's name and kind.
    pub(super) fn name_and_kind(&self) -> (&str, &'static str) {
        match self {
            Parsed::Theatre(s) => (&s.name, THEATRE_KIND),
            Parsed::Gp(s) => (&s.name, GP_KIND),
        }
    }
}
