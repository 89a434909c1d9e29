//! The request's frame: the planning start, the horizon and the solve options.

use chrono::NaiveDate;

use crate::theatre::domain::*;
use crate::theatre::effort::MAX_EFFORT;
use crate::theatre::input::*;
use crate::validation::{Collector, MAX_THREADS, check_horizon_days};

/// The planning start (CP1030) and the horizon's length (CP1002). The start is `None` when
/// it does not parse, so that later date checks relative to it are skipped, not doubled.
pub(super) fn check_planning_start_and_horizon(
    c: &mut Collector,
    req: &TheatreRequest,
) -> Option<NaiveDate> {
    let planning_start = c.date("planning_start".into(), &req.planning_start);
    check_horizon_days(c, req.horizon_days);
    planning_start
}

/// The solve options: gap (CP1050), threads (CP1051), objective policy (CP1052), weights
/// and targets (CP1053), effort limit (CP1054). A bad value is reported and replaced by its default.
pub(super) fn check_options(c: &mut Collector, o: &OptionsInput) -> SolveOptions {
    let mip_rel_gap = match o.mip_rel_gap {
        None => 1e-4,
        Some(g) if g.is_finite() && (0.0..=1.0).contains(&g) => g,
        Some(g) => {
            c.push(
                "CP1050",
                "options.mip_rel_gap",
                format!("{g} is not a relative gap: give a number from 0 to 1"),
            );
            1e-4
        }
    };
    if o.threads > MAX_THREADS {
        c.push(
            "CP1051",
            "options.threads",
            format!("{} threads: at most {MAX_THREADS}", o.threads),
        );
    }
    let policy = match o.objective {
        ObjectiveInput::Unspecified | ObjectiveInput::WeightedWait => ObjectivePolicy::WeightedWait,
        ObjectiveInput::PriorityOrder => ObjectivePolicy::PriorityOrder,
        ObjectiveInput::Unknown(v) => {
            c.push(
                "CP1052",
                "options.objective",
                format!("{v} is not a known objective policy"),
            );
            ObjectivePolicy::WeightedWait
        }
    };
    SolveOptions {
        time_limit_ms: (o.time_limit_ms > 0).then_some(o.time_limit_ms),
        mip_rel_gap,
        threads: o.threads.max(1),
        policy,
        weights: check_weights(c, o),
        solver_log: o.solver_log,
        local_search_only: o.local_search_only,
        reproducible: o.reproducible,
        effort_limit: check_effort_limit(c, o),
    }
}

/// The effort limit (CP1054): a positive number of work units up to [`MAX_EFFORT`], and
/// only with `reproducible` (a time-limited solve counts time, not effort).
fn check_effort_limit(c: &mut Collector, o: &OptionsInput) -> Option<u64> {
    let limit = o.effort_limit?;
    if !o.reproducible {
        c.push(
            "CP1054",
            "options.effort_limit",
            format!(
                "{limit} work units given without options.reproducible: set reproducible \
                 to plan by effort, or leave effort_limit unset to plan by time"
            ),
        );
        return None;
    }
    if limit == 0 || limit > MAX_EFFORT {
        c.push(
            "CP1054",
            "options.effort_limit",
            format!("{limit} is not an effort limit: give 1 to {MAX_EFFORT} work units"),
        );
        return None;
    }
    Some(limit)
}

/// The per-priority weights and target waits (CP1053); unset ones keep the standard value.
fn check_weights(c: &mut Collector, o: &OptionsInput) -> ObjectiveWeights {
    let mut weights = ObjectiveWeights::STANDARD;
    for r in 0..4 {
        if let Some(w) = o.weights[r] {
            if w.is_finite() && w > 0.0 && w <= 1e6 {
                weights.weight[r] = w;
            } else {
                c.push(
                    "CP1053",
                    format!("options.weights.weight_p{}", r + 1),
                    format!("{w} is not a weight: give a positive number up to 1e6"),
                );
            }
        }
        if let Some(t) = o.target_days[r] {
            if (1..=3650).contains(&t) {
                weights.target_days[r] = t;
            } else {
                c.push(
                    "CP1053",
                    format!("options.weights.target_days_p{}", r + 1),
                    format!("{t} is not a target: give 1 to 3650 days"),
                );
            }
        }
    }
    weights
}
