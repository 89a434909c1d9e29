//! Lines both printed texts share: the count of left-out entries per reason, the
//! "… and N more" line, and a solve status in words.

use crate::proto;

/// One line per reason (in alphabetical order) with how many entries have it.
pub(super) fn push_reason_counts<'a>(out: &mut String, reasons: impl Iterator<Item = &'a str>) {
    let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
    for reason in reasons {
        *by_reason.entry(reason).or_default() += 1;
    }
    for (reason, n) in by_reason {
        out.push_str(&format!("  {n:>6}  {reason}\n"));
    }
}

/// Says how many of `n_total` entries were not listed by name when only `max_shown` were.
pub(super) fn push_more(out: &mut String, n_total: usize, max_shown: usize) {
    if n_total > max_shown {
        out.push_str(&format!(
            "  … and {} more (all are in the JSON output)\n",
            n_total - max_shown
        ));
    }
}

/// A solve's status in words.
pub(super) fn solve_status_name(status: i32) -> &'static str {
    match proto::SolveStatus::try_from(status) {
        Ok(proto::SolveStatus::Optimal) => "optimal",
        Ok(proto::SolveStatus::Feasible) => "feasible (time limit before proof)",
        Ok(proto::SolveStatus::Infeasible) => "infeasible",
        _ => "unknown",
    }
}
