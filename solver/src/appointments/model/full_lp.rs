//! The reference solver: the whole grouped LP, one good_lp variable per eligible
//! (request group, slot group) arc, started from the greedy plan.

use std::time::Instant;

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use super::grouping::{Flow, Grouping, flows_cost, greedy};
use super::solution::{GroupedSolution, ModelError};
use crate::appointments::domain::*;

/// Σ_h m_h z_h + Σ_g n_g min(0, min_h (c'[g,h] − z_h)) for slot duals z ≤ 0: the
/// Lagrangian bound of relaxing the slot rows, a true lower bound for any such z.
/// Also returns the number of eligible arcs.
fn lagrangian_bound(network: &Network, grouping: &Grouping, z: &[f64]) -> (f64, u64) {
    let mut bound: f64 = grouping
        .slot_groups
        .iter()
        .zip(z)
        .map(|(m, &z)| m.len() as f64 * z.min(0.0))
        .sum();
    let mut arcs = 0u64;
    for (g, members) in grouping.request_groups.iter().enumerate() {
        let mut best = 0.0f64;
        grouping.for_each_arc(network, g, |h, c| {
            arcs += 1;
            best = best.min(c as f64 - z[h].min(0.0));
        });
        bound += members.len() as f64 * best;
    }
    (bound, arcs)
}

/// The integer at or above a lower bound, allowing for floating-point error (HiGHS's
/// tolerances are 1e-7 on values of order one): every plan's cost is a whole number
/// of thirtieths.
fn integer_bound(bound: f64) -> i64 {
    (bound - 1e-3 - 1e-9 * bound.abs()).ceil() as i64
}

/// Rounds LP values to flows; `None` if any is fractional (never for a basic solution).
fn integral_flows(columns: &[(u32, u32)], values: &[f64]) -> Option<Vec<Flow>> {
    let mut flows = Vec::new();
    for (&(g, h), &v) in columns.iter().zip(values) {
        let rounded = v.round();
        if (v - rounded).abs() > 1e-6 {
            return None;
        }
        if rounded >= 1.0 {
            flows.push(Flow {
                request_group: g,
                slot_group: h,
                count: rounded as u32,
            });
        }
    }
    flows.sort();
    Some(flows)
}

/// The whole grouped LP, one good_lp variable per eligible arc: the reference.
pub fn solve_full_lp(
    network: &Network,
    grouping: &Grouping,
    deadline: Instant,
    log: bool,
) -> Result<GroupedSolution, ModelError> {
    let mut vars = ProblemVariables::new();
    let arcs = arc_variables(network, grouping, &mut vars);
    let start = greedy(network, grouping);
    let start_cost = flows_cost(network, grouping, &start);
    let (z0_bound, _) = lagrangian_bound(network, grouping, &vec![0.0; grouping.slot_groups.len()]);
    let fallback = |deadline_reached: bool| GroupedSolution {
        flows: start.clone(),
        objective30: start_cost,
        bound30: integer_bound(z0_bound).min(start_cost),
        optimal: integer_bound(z0_bound) >= start_cost,
        deadline_reached,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
        classes: None,
    };
    if arcs.is_empty() {
        return Ok(fallback(false));
    }
    let objective: Expression = arcs.iter().map(|&(_, _, c, v)| c as f64 * v).sum();
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(fallback(true));
    }
    let mut problem = vars
        .minimise(objective)
        .using(good_lp::solvers::highs::highs)
        .set_threads(1)
        .set_time_limit(left.as_secs_f64())
        .set_option("random_seed", 0)
        .set_option("solver", "simplex");
    problem.set_verbose(log);
    add_group_rows(&mut problem, grouping, &arcs);
    let solution = match problem.solve() {
        Ok(s) => s,
        Err(_) if Instant::now() >= deadline => return Ok(fallback(true)),
        Err(e) => return Err(ModelError::Highs(e.to_string())),
    };
    if !matches!(solution.status(), good_lp::SolutionStatus::Optimal) {
        return Ok(fallback(true));
    }
    let columns: Vec<(u32, u32)> = arcs.iter().map(|&(g, h, _, _)| (g, h)).collect();
    let values: Vec<f64> = arcs.iter().map(|&(_, _, _, v)| solution.value(v)).collect();
    let Some(flows) = integral_flows(&columns, &values) else {
        return Err(ModelError::Highs(
            "the LP optimum came back fractional".to_string(),
        ));
    };
    let cost = flows_cost(network, grouping, &flows);
    let lp_value: f64 = arcs
        .iter()
        .zip(&values)
        .map(|(&(_, _, c, _), &v)| c as f64 * v)
        .sum();
    let bound30 = integer_bound(lp_value).min(cost);
    Ok(GroupedSolution {
        flows,
        objective30: cost,
        bound30,
        optimal: bound30 >= cost,
        deadline_reached: false,
        arcs: arcs.len() as u64,
        arcs_in_lp: arcs.len() as u64,
        rounds: 1,
        classes: None,
    })
}

/// An arc of the full LP: request group, slot group, c' and its variable x ≥ 0.
type ArcVariable = (u32, u32, i64, Variable);

/// One variable per eligible arc, in (request group, `for_each_arc`) order.
fn arc_variables(
    network: &Network,
    grouping: &Grouping,
    vars: &mut ProblemVariables,
) -> Vec<ArcVariable> {
    let mut arcs: Vec<ArcVariable> = Vec::new();
    for g in 0..grouping.request_groups.len() {
        grouping.for_each_arc(network, g, |h, c| {
            arcs.push((g as u32, h as u32, c, vars.add(variable().min(0.0))));
        });
    }
    arcs
}

/// Σ_h x[g,h] ≤ |g| for every request group and Σ_g x[g,h] ≤ |h| for every slot group
/// (groups without arcs get no row).
fn add_group_rows(problem: &mut impl SolverModel, grouping: &Grouping, arcs: &[ArcVariable]) {
    let mut by_request: Vec<Vec<Variable>> = vec![Vec::new(); grouping.request_groups.len()];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); grouping.slot_groups.len()];
    for &(g, h, _, v) in arcs {
        by_request[g as usize].push(v);
        by_slot[h as usize].push(v);
    }
    for (g, vs) in by_request.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.request_groups[g].len() as f64));
        }
    }
    for (h, vs) in by_slot.iter().enumerate() {
        if !vs.is_empty() {
            let e: Expression = vs.iter().sum();
            problem.add_constraint(e.leq(grouping.slot_groups[h].len() as f64));
        }
    }
}
