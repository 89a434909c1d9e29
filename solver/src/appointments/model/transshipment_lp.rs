//! The transshipment network as an LP on the `highs` crate directly (the default before
//! the network simplex; kept for comparison in the tests and the bench).

use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Row, Sense};

use super::class_network::ArcHead;
use super::columns::{Column, TransshipmentLayout};
use super::grouping::Grouping;
use super::solution::{GroupedSolution, ModelError};
use crate::appointments::domain::*;

fn err(e: impl std::fmt::Debug) -> ModelError {
    ModelError::Highs(format!("{e:?}"))
}

/// The same transshipment problem as an LP solved by HiGHS's dual simplex (the default
/// before the network simplex; kept for comparison in the tests and the bench). The
/// matrix is a network matrix (totally unimodular): the simplex optimum and its duals
/// are integral.
pub fn solve_transshipment_highs(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let laid_out = TransshipmentLayout::new(network, grouping);
    if laid_out.transshipment.arcs.is_empty() {
        return Ok(laid_out.fallback(false));
    }
    let n_h = grouping.slot_groups.len();
    let (problem, first_slot_row) = transshipment_problem(&laid_out, grouping);
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(laid_out.fallback(true));
    }
    let mut model = problem.optimise(Sense::Minimise);
    model.try_set_option("output_flag", log).map_err(err)?;
    model.try_set_option("log_to_console", log).map_err(err)?;
    model.try_set_option("threads", 1).map_err(err)?;
    model.try_set_option("random_seed", 0).map_err(err)?;
    model.try_set_option("solver", "simplex").map_err(err)?;
    model
        .try_set_option("time_limit", left.as_secs_f64())
        .map_err(err)?;
    let solved = model.try_solve().map_err(err)?;
    if solved.status() != HighsModelStatus::Optimal {
        if Instant::now() >= deadline {
            return Ok(laid_out.fallback(true));
        }
        return Err(ModelError::Highs(format!(
            "the transshipment LP ended {:?}",
            solved.status()
        )));
    }
    let solution = solved.get_solution();
    let counts = integral_counts(solution.columns())?;
    let z: Vec<i64> = solution.dual_rows()[first_slot_row..first_slot_row + n_h]
        .iter()
        .map(|&d| (d.round() as i64).min(0))
        .collect();
    laid_out
        .finish(network, grouping, &counts, &z)
        .ok_or_else(|| ModelError::Highs("the LP optimum came back unbalanced".to_string()))
}

/// The LP: a row per class (≤ its supply), per slot group (≤ its size) and per
/// reachable chain node (balance), a column per network arc. Also returns the first
/// slot group row, for the duals.
fn transshipment_problem(
    laid_out: &TransshipmentLayout,
    grouping: &Grouping,
) -> (ColProblem, usize) {
    let transshipment = &laid_out.transshipment;
    let mut problem = ColProblem::default();
    let class_rows: Vec<Row> = transshipment
        .supply
        .iter()
        .map(|&n| problem.add_row(..=n as f64))
        .collect();
    let slot_rows: Vec<Row> = grouping
        .slot_groups
        .iter()
        .map(|m| problem.add_row(..=m.len() as f64))
        .collect();
    let first_slot_row = class_rows.len();
    let node_rows: Vec<Option<Row>> = laid_out
        .alive
        .iter()
        .map(|&a| a.then(|| problem.add_row(0.0..=0.0)))
        .collect();
    for &column in &laid_out.columns {
        match column {
            Column::Class(a) => {
                let arc = &transshipment.arcs[a as usize];
                let head = match arc.head {
                    ArcHead::Node(v) => node_rows[v as usize].expect("entered"),
                    ArcHead::Slot(h) => slot_rows[h as usize],
                };
                problem.add_column(
                    arc.cost as f64,
                    0.0..,
                    [(class_rows[arc.class as usize], 1.0), (head, 1.0)],
                );
            }
            Column::Link(v) => {
                let node = &transshipment.nodes[v as usize];
                let row = node_rows[v as usize].expect("alive");
                let next = node.next.expect("a link has a next day");
                let next_row = node_rows[next as usize].expect("alive after an alive node");
                problem.add_column(node.link_cost as f64, 0.0.., [(row, -1.0), (next_row, 1.0)]);
            }
            Column::Out(v, h) => {
                let row = node_rows[v as usize].expect("alive");
                problem.add_column(0.0, 0.0.., [(row, -1.0), (slot_rows[h as usize], 1.0)]);
            }
        }
    }

    (problem, first_slot_row)
}

/// The LP optimum's column values as integers; an error if any is fractional (never
/// for a basic solution of a network matrix).
fn integral_counts(values: &[f64]) -> Result<Vec<i64>, ModelError> {
    let mut counts = Vec::with_capacity(values.len());
    for &v in values {
        let rounded = v.round();
        if (v - rounded).abs() > 1e-6 {
            return Err(ModelError::Highs(
                "the LP optimum came back fractional".to_string(),
            ));
        }
        counts.push(rounded as i64);
    }
    Ok(counts)
}
