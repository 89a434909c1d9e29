//! The figures of a plan: its metrics and its solve summary against the recomputed ones.

use clinicplan_service::proto;

use super::super::model::priority_rank;

/// Relative tolerance for every floating-point comparison.
pub const REL_TOL: f64 = 1e-6;

/// Whether two numbers agree to `REL_TOL` (relative, with an absolute floor of `REL_TOL`).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL_TOL * 1f64.max(a.abs()).max(b.abs())
}

/// The plan's figures as the tests compute them from the request and the lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recomputed {
    pub weighted_wait: f64,
    /// Re-planning: the move and cancel costs against the previous plan (else 0).
    pub stability_cost: f64,
    pub nothing_scheduled_cost: f64,
    pub patients_scheduled: u32,
    pub patients_unscheduled: u32,
    pub minutes_scheduled: u32,
    /// Indexed P1..P4.
    pub scheduled_by_priority: [u32; 4],
    /// Indexed P1..P4.
    pub waiting_by_priority: [u32; 4],
    pub session_minutes: u32,
    pub used_minutes: u32,
}

pub(super) fn check_metrics(v: &mut Vec<String>, m: &proto::PlanMetrics, r: &Recomputed) {
    if !close(m.weighted_wait, r.weighted_wait) {
        v.push(format!(
            "metrics.weighted_wait {} ≠ recomputed {}",
            m.weighted_wait, r.weighted_wait
        ));
    }
    if !close(m.stability_cost, r.stability_cost) {
        v.push(format!(
            "metrics.stability_cost {} ≠ recomputed {}",
            m.stability_cost, r.stability_cost
        ));
    }
    if !close(m.nothing_scheduled_cost, r.nothing_scheduled_cost) {
        v.push(format!(
            "metrics.nothing_scheduled_cost {} ≠ recomputed {}",
            m.nothing_scheduled_cost, r.nothing_scheduled_cost
        ));
    }
    let counts = [
        (
            "patients_scheduled",
            m.patients_scheduled,
            r.patients_scheduled,
        ),
        (
            "patients_unscheduled",
            m.patients_unscheduled,
            r.patients_unscheduled,
        ),
        (
            "minutes_scheduled",
            m.minutes_scheduled,
            r.minutes_scheduled,
        ),
        ("session_minutes", m.session_minutes, r.session_minutes),
    ];
    for (name, got, want) in counts {
        if got != want {
            v.push(format!("metrics.{name} {got} ≠ recomputed {want}"));
        }
    }
    let utilisation = if r.session_minutes == 0 {
        0.0
    } else {
        f64::from(r.used_minutes) / f64::from(r.session_minutes)
    };
    if !close(m.utilisation, utilisation) {
        v.push(format!(
            "metrics.utilisation {} ≠ recomputed {utilisation}",
            m.utilisation
        ));
    }
    let mut seen = [false; 4];
    for c in &m.by_priority {
        let Some(rank) = priority_rank(c.priority) else {
            v.push(format!("metrics.by_priority has priority {}", c.priority));
            continue;
        };
        if std::mem::replace(&mut seen[rank], true) {
            v.push(format!("metrics.by_priority lists P{} twice", rank + 1));
        }
        if c.scheduled != r.scheduled_by_priority[rank] || c.waiting != r.waiting_by_priority[rank]
        {
            v.push(format!(
                "metrics.by_priority P{}: {} scheduled, {} waiting ≠ recomputed {}, {}",
                rank + 1,
                c.scheduled,
                c.waiting,
                r.scheduled_by_priority[rank],
                r.waiting_by_priority[rank]
            ));
        }
    }
    for (rank, &listed) in seen.iter().enumerate() {
        if !listed && r.scheduled_by_priority[rank] + r.waiting_by_priority[rank] > 0 {
            v.push(format!(
                "metrics.by_priority has no entry for P{}",
                rank + 1
            ));
        }
    }
}

pub(super) fn check_solve(
    v: &mut Vec<String>,
    solve: &proto::SolveSummary,
    r: &Recomputed,
    m: Option<&proto::PlanMetrics>,
) {
    let status = proto::SolveStatus::try_from(solve.status);
    if !matches!(
        status,
        Ok(proto::SolveStatus::Optimal | proto::SolveStatus::Feasible)
    ) {
        v.push(format!("solve.status is {status:?} for a returned plan"));
    }
    if !matches!(proto::PlanSource::try_from(solve.source), Ok(source) if source != proto::PlanSource::Unspecified)
    {
        v.push(format!("solve.source is {}", solve.source));
    }
    if !["mip", "patterns", "lp", "trivial"].contains(&solve.bound_source.as_str()) {
        v.push(format!("solve.bound_source is '{}'", solve.bound_source));
    }
    let objective = r.weighted_wait + r.stability_cost;
    if !close(solve.objective, objective) {
        v.push(format!(
            "solve.objective {} ≠ recomputed weighted wait {} + stability cost {}",
            solve.objective, r.weighted_wait, r.stability_cost
        ));
    }
    if let Some(m) = m
        && !close(solve.objective, m.weighted_wait + m.stability_cost)
    {
        v.push(format!(
            "solve.objective {} ≠ metrics.weighted_wait {} + metrics.stability_cost {}",
            solve.objective, m.weighted_wait, m.stability_cost
        ));
    }
    if !solve.best_bound.is_finite()
        || solve.best_bound > solve.objective + REL_TOL * 1f64.max(solve.objective.abs())
    {
        v.push(format!(
            "solve.best_bound {} is above the objective {}",
            solve.best_bound, solve.objective
        ));
    }
    if objective > r.nothing_scheduled_cost * (1.0 + REL_TOL) {
        v.push(format!(
            "the plan costs {objective} , more than scheduling nobody ({})",
            r.nothing_scheduled_cost
        ));
    }
    let denominator = r.nothing_scheduled_cost - solve.best_bound;
    let expected_gap = if (solve.objective - solve.best_bound).abs()
        <= REL_TOL * 1f64.max(solve.objective.abs())
    {
        0.0
    } else {
        (solve.objective - solve.best_bound) / denominator
    };
    if !solve.gap.is_finite() || (solve.gap - expected_gap).abs() > REL_TOL {
        v.push(format!(
            "solve.gap {} ≠ (objective − best_bound) / (nothing − best_bound) = {expected_gap}",
            solve.gap
        ));
    }
    if solve.gap < -REL_TOL || solve.gap > 1.0 + REL_TOL {
        v.push(format!("solve.gap {} is outside [0, 1]", solve.gap));
    }
}
