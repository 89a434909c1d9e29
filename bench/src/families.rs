//! `clinicplan-bench theatre --families a,b,c|all`: the per-family table of the median and
//! worst gap (issue 19). The families are the solver's
//! (`clinicplan_solver::theatre::generate::Family`); the `--families` argument and the
//! instance labels live in `crate::sizes`.

use clinicplan_solver::theatre::generate::Family;

use crate::measure::InstanceMeasure;
use crate::tables::{header, limits, median, pct, row};

/// The per-family table, with its heading; empty when only the baseline was measured.
pub fn section(measures: &[InstanceMeasure]) -> String {
    if measures.iter().all(|m| m.family == Family::Baseline) {
        return String::new();
    }
    let weeks = measures.len();
    let n_families = {
        let mut families: Vec<Family> = measures.iter().map(|m| m.family).collect();
        families.sort_by_key(|f| f.name());
        families.dedup();
        families.len()
    };
    format!(
        "\nPer family ({weeks} weeks over {n_families} families): the clinicplan path's gap \
         on the wait removed, median and worst over seeds (\"no plan\" counts as the worst):\n\n{}",
        table(measures)
    )
}

/// One row per instance label (size and family) and time limit.
fn table(measures: &[InstanceMeasure]) -> String {
    let mut s = header(&[
        "instance",
        "family",
        "limit (s)",
        "weeks",
        "plans",
        "gap vs LP (median)",
        "gap vs LP (worst)",
        "gap vs LP + P1 floor (median)",
        "gap vs LP + P1 floor (worst)",
        "reproducible, default effort: gap vs LP (median)",
    ]);
    let mut labels: Vec<&str> = Vec::new();
    for m in measures {
        if !labels.contains(&m.label.as_str()) {
            labels.push(&m.label);
        }
    }
    for label in labels {
        let group: Vec<&InstanceMeasure> = measures.iter().filter(|m| m.label == label).collect();
        for limit_s in limits(&group) {
            let objectives: Vec<(&InstanceMeasure, Option<f64>)> = group
                .iter()
                .flat_map(|m| {
                    m.runs
                        .iter()
                        .filter(|r| r.limit_s == limit_s)
                        .map(move |r| (*m, r.clinicplan.objective()))
                })
                .collect();
            let gaps = |gap: fn(&InstanceMeasure, Option<f64>) -> Option<f64>| -> Vec<f64> {
                objectives
                    .iter()
                    .map(|&(m, objective)| gap(m, objective).unwrap_or(f64::INFINITY))
                    .collect()
            };
            let vs_lp = gaps(InstanceMeasure::gap_vs_lp);
            let vs_lp_p1 = gaps(InstanceMeasure::gap_vs_lp_p1);
            let first = group[0];
            // The reproducible runs (one per week at the default effort), beside each
            // limit's row; "-" when the bench ran without --reproducible.
            let reproducible: Vec<f64> = group
                .iter()
                .filter_map(|m| {
                    let run = m.reproducible.as_ref()?;
                    Some(m.gap_vs_lp(run.objective()).unwrap_or(f64::INFINITY))
                })
                .collect();
            s += &row(&[
                format!("{label} ({}×{})", first.theatres, first.patients),
                first.family.to_string(),
                format!("{limit_s}"),
                objectives.len().to_string(),
                objectives
                    .iter()
                    .filter(|(_, o)| o.is_some())
                    .count()
                    .to_string(),
                pct(median(vs_lp.clone())),
                pct(worst(&vs_lp)),
                pct(median(vs_lp_p1.clone())),
                pct(worst(&vs_lp_p1)),
                if reproducible.is_empty() {
                    "-".to_string()
                } else {
                    pct(median(reproducible.clone()))
                },
            ]);
        }
    }
    s
}

fn worst(gaps: &[f64]) -> Option<f64> {
    gaps.iter().copied().max_by(f64::total_cmp)
}
