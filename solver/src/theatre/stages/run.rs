//! One HiGHS run of the theatre-list model (a stage, its LP relaxation, or a sub-model):
//! its options, and its outcome read back as an [`Assignment`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use good_lp::{Expression, IntoAffineExpression, SolverModel, Variable, solvers::highs::highs};
use highs::HighsModelStatus;
use serde::{Deserialize, Serialize};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};
use crate::theatre::effort::COLUMNS_PER_UNIT;
use crate::theatre::models::formulation::{Scope, Stage, build};
use crate::theatre::models::highs_ext::{cap_mip_iterations, charge_run, set_limits};

/// How a HiGHS run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    /// Proven optimal (within the relative gap asked for).
    Optimal,
    /// Stopped by a limit with a feasible solution.
    Limit,
    /// Stopped with no solution, or HiGHS failed.
    NoSolution,
}

/// One solve's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub status: RunStatus,
    /// The solution, when there is one (MIP only).
    pub assignment: Option<Assignment>,
    /// The stage objective of the solution.
    pub objective: f64,
    /// A proven lower bound on the stage objective (−∞ when none).
    pub dual_bound: f64,
    pub elapsed_ms: u64,
}

/// Options for one HiGHS run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub time_limit: Duration,
    pub mip_rel_gap: f64,
    /// Absolute gap at which HiGHS may stop (count stages: just under one patient).
    pub mip_abs_gap: Option<f64>,
    pub threads: u32,
    pub log: bool,
}

impl RunOptions {
    /// The same options with what is left of the time limit after `started` on the
    /// instance's clock (real or virtual).
    pub fn left_since(&self, instance: &Instance, started: Instant) -> RunOptions {
        RunOptions {
            time_limit: self
                .time_limit
                .saturating_sub(instance.clock.since(started)),
            ..self.clone()
        }
    }
}

/// Solves one stage: the MIP (`integer`) or its LP relaxation, optionally from a start.
pub fn run_stage(
    instance: &Instance,
    stage: Stage,
    floors: [u32; 4],
    integer: bool,
    start: Option<&Assignment>,
    options: &RunOptions,
    scope: Option<&Scope>,
) -> RunResult {
    let started = Instant::now();
    let since = instance.clock.now();
    let formulation = build(instance, stage, floors, integer, scope);
    let n_columns = formulation.columns.len();
    // Only a warm-started MIP's outcome is checked against the columns' costs.
    let warm = start.is_some() && integer;
    let costs = if warm {
        column_costs(&formulation.objective, &formulation.x)
    } else {
        Vec::new()
    };
    if n_columns == 0 {
        return RunResult {
            status: RunStatus::Optimal,
            assignment: Some(Assignment::empty(instance)),
            objective: 0.0,
            dual_bound: 0.0,
            elapsed_ms: 0,
        };
    }
    let mut problem = formulation
        .variables
        .minimise(formulation.objective)
        .using(highs);
    for (_, _, c) in formulation.constraints {
        problem = problem.with(c);
    }
    // into_inner drops every option set through good_lp: set them on the HiGHS model.
    let mut model = match problem.try_into_inner() {
        Ok(m) => m,
        Err(_) => return no_solution(started),
    };
    // The time limit, or in reproducible mode an effort budget (one thread: HiGHS
    // repeats itself only then).
    let clock = &instance.clock;
    if set_limits(&mut model, options.time_limit, clock, integer).is_none() {
        return no_solution(started);
    }
    // In reproducible mode a MIP's LP iterations are capped too (its root is not
    // bounded by the node limit); the cap lives until the solve ends.
    let mut cap = clock
        .highs_budget(options.time_limit)
        .map(|b| b.units.min(i64::MAX as u64) as i64);
    if let (Some(cap), true) = (cap.as_mut(), integer)
        && cap_mip_iterations(&mut model, cap).is_none()
    {
        return no_solution(started);
    }
    let threads = if clock.is_virtual() {
        1
    } else {
        options.threads.max(1)
    };
    if set_options(&mut model, options, threads).is_err() {
        return no_solution(started);
    }
    if let (Some(start), true) = (start, integer) {
        set_start(&mut model, &formulation.columns, start);
    }
    let solved = match model.try_solve() {
        Ok(s) => s,
        Err(_) => return no_solution(started),
    };
    charge_run(&solved, clock);
    clock.charge(n_columns as u64 / COLUMNS_PER_UNIT);
    let outcome = read_outcome(instance, &formulation.columns, &solved, integer, started);
    // HiGHS 1.16 can take a MIP start that presolve maps wrongly (it then finds the
    // start "feasible in the reduced space" at a better objective than its own) for an
    // optimum, and return the start: a claim its solution does not back is not kept, and
    // the stage runs again without the start.
    if warm && !backs_its_objective(&outcome, &formulation.columns, &costs) {
        tracing::debug!(
            "a MIP start was returned below its claimed objective: solved again without it"
        );
        return run_stage(
            instance,
            stage,
            floors,
            integer,
            None,
            &options.left_since(instance, since),
            scope,
        );
    }
    outcome
}

/// The objective's coefficient of each column (x in column order).
fn column_costs(objective: &Expression, x: &[Variable]) -> Vec<f64> {
    let coefficients: HashMap<Variable, f64> = objective.clone().linear_coefficients().collect();
    x.iter()
        .map(|v| coefficients.get(v).copied().unwrap_or(0.0))
        .collect()
}

/// Whether a run's assignment has the objective the run reports (within HiGHS's
/// tolerances); a run with no assignment has nothing to back.
fn backs_its_objective(
    outcome: &RunResult,
    columns: &[(PatientIdx, SessionIdx)],
    costs: &[f64],
) -> bool {
    let Some(assignment) = &outcome.assignment else {
        return true;
    };
    let actual: f64 = columns
        .iter()
        .zip(costs)
        .filter(|&(&(p, s), _)| assignment.get(p) == Some(s))
        .map(|(_, c)| c)
        .sum();
    actual <= outcome.objective + 1e-6 * outcome.objective.abs().max(1.0)
}

/// Sets the run's options on the HiGHS model, but for its limits (`set_limits`).
fn set_options(
    model: &mut highs::Model,
    options: &RunOptions,
    threads: u32,
) -> Result<(), highs::TrySetOptionError> {
    model.try_set_option("threads", threads as i32)?;
    model.try_set_option("random_seed", 0)?;
    model.try_set_option("mip_rel_gap", options.mip_rel_gap)?;
    if let Some(gap) = options.mip_abs_gap {
        model.try_set_option("mip_abs_gap", gap)?;
    }
    model.try_set_option("output_flag", options.log)?;
    model.try_set_option("log_to_console", options.log)?;
    Ok(())
}

/// Gives HiGHS `start` as a MIP start over the model's columns.
fn set_start(model: &mut highs::Model, columns: &[(PatientIdx, SessionIdx)], start: &Assignment) {
    let mut cols = vec![0.0; columns.len()];
    for (k, &(p, s)) in columns.iter().enumerate() {
        if start.get(p) == Some(s) {
            cols[k] = 1.0;
        }
    }
    // A start HiGHS rejects only costs it the head start.
    let _ = model.try_set_solution(Some(&cols), None, None, None);
}

/// Reads a finished run back: status, bound, and (MIP) the assignment.
fn read_outcome(
    instance: &Instance,
    columns: &[(PatientIdx, SessionIdx)],
    solved: &highs::SolvedModel,
    integer: bool,
    started: Instant,
) -> RunResult {
    let status = solved.status();
    let has_solution = matches!(
        solved.primal_solution_status(),
        highs::HighsSolutionStatus::Feasible
    );
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let objective = solved.objective_value();
    if !integer {
        return match status {
            HighsModelStatus::Optimal => RunResult {
                status: RunStatus::Optimal,
                assignment: None,
                objective,
                dual_bound: objective,
                elapsed_ms,
            },
            _ => no_solution(started),
        };
    }
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .unwrap_or(f64::NEG_INFINITY);
    if !has_solution {
        return RunResult {
            dual_bound,
            ..no_solution(started)
        };
    }
    let values = solved.get_solution();
    let mut assignment = Assignment::empty(instance);
    for (k, &(p, s)) in columns.iter().enumerate() {
        if values.columns()[k] > 0.5 {
            assignment.set(p, Some(s));
        }
    }
    RunResult {
        status: if status == HighsModelStatus::Optimal {
            RunStatus::Optimal
        } else {
            RunStatus::Limit
        },
        assignment: Some(assignment),
        objective,
        dual_bound,
        elapsed_ms,
    }
}

fn no_solution(started: Instant) -> RunResult {
    RunResult {
        status: RunStatus::NoSolution,
        assignment: None,
        objective: f64::NAN,
        dual_bound: f64::NEG_INFINITY,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// Options for a HiGHS run of this instance.
pub(crate) fn run_options(instance: &Instance, limit: Duration) -> RunOptions {
    RunOptions {
        time_limit: limit,
        mip_rel_gap: instance.options.mip_rel_gap,
        mip_abs_gap: None,
        threads: instance.options.threads,
        log: instance.options.solver_log,
    }
}
