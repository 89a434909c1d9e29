//! Reading a `RunScenario` or `ValidateScenario` request: the TOML text of either kind
//! with the CSV text sent beside it, its problems as field violations, and the
//! variants and weeks asked for.

use clinicplan_solver::simulate::Scenario;
use clinicplan_solver::simulate::gp::{GP_KIND, GpScenario};
use tonic::Status;

use crate::error::{FieldProblem, ServiceError, to_status};
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

/// The variants and weeks asked for, checked against the scenario (`select` picks the
/// variants, `horizon_weeks` is its horizon).
fn run_choice(
    select: impl FnOnce(Option<&[String]>) -> Result<Vec<String>, String>,
    horizon_weeks: u32,
    variants: &[String],
    weeks: u32,
) -> Result<(Vec<String>, u32), ServiceError> {
    let mut problems = Vec::new();
    let wanted = (!variants.is_empty()).then_some(variants);
    let names = select(wanted).unwrap_or_else(|message| {
        problems.push(FieldProblem {
            field: "variants".into(),
            message,
        });
        Vec::new()
    });
    if weeks > horizon_weeks {
        problems.push(FieldProblem {
            field: "weeks".into(),
            message: format!(
                "{weeks} weeks: the scenario's horizon is {horizon_weeks} weeks; give at most that, or 0 for all",
            ),
        });
    }
    if !problems.is_empty() {
        return Err(ServiceError::Scenario(problems));
    }
    let weeks = if weeks == 0 { horizon_weeks } else { weeks };
    Ok((names, weeks))
}

/// Parsing a large CSV is work: off the async threads.
pub(super) async fn parse_blocking(toml_text: String, csv_text: String) -> Result<Parsed, Status> {
    tokio::task::spawn_blocking(move || parse_any(&toml_text, &csv_text))
        .await
        .map_err(|e| to_status(ServiceError::Internal(e.to_string())))?
        .map_err(to_status)
}

impl Parsed {
    /// The variants and weeks asked for (`variants` empty: all; `weeks` 0: all).
    pub(super) fn run_choice(
        &self,
        variants: &[String],
        weeks: u32,
    ) -> Result<(Vec<String>, u32), ServiceError> {
        match self {
            Parsed::Theatre(s) => run_choice(
                |w| selected_variants(s, w),
                s.horizon_weeks,
                variants,
                weeks,
            ),
            Parsed::Gp(s) => run_choice(
                |w| selected_gp_variants(s, w),
                s.horizon_weeks,
                variants,
                weeks,
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
