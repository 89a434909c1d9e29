//! The side-by-side summary tables `clinicplan scenario run` prints (one column per
//! variant, one row per figure), which the reports show cell for cell; with several
//! replications, the tables of means with their 95% intervals and of the paired
//! differences against the baseline ([`statistics_table`], [`differences_table`]).

use clinicplan_solver::simulate::gp::{GpScenario, GpVariantRun, GpVariantSummary};
use clinicplan_solver::simulate::stats::{Interval, VariantStats};
use clinicplan_solver::simulate::{BASELINE, VariantRun, VariantRunOf, VariantSummary};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

/// One row of a summary table: a figure of a variant's summary `S`, as text.
type Figure<S> = Box<dyn Fn(&S) -> String>;

/// A table with a label column, then one column per run, one row per figure.
fn side_by_side<W, S, L: ToString>(
    runs: &[VariantRunOf<W, S>],
    rows: Vec<(L, Figure<S>)>,
) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![Cell::new("")];
    header.extend(runs.iter().map(|r| Cell::new(&r.variant)));
    table.set_header(header);
    for (label, value) in rows {
        let mut row = vec![Cell::new(label)];
        row.extend(
            runs.iter()
                .map(|r| Cell::new(value(&r.summary)).set_alignment(CellAlignment::Right)),
        );
        table.add_row(row);
    }
    table
}

/// The theatre-list table.
pub fn summary_table(runs: &[VariantRun]) -> Table {
    let rows: Vec<(&str, Figure<VariantSummary>)> = vec![
        ("weeks", Box::new(|s| s.weeks.to_string())),
        (
            "list at start",
            Box::new(|s| s.starting_list_size.to_string()),
        ),
        ("list at end", Box::new(|s| s.final_list_size.to_string())),
        ("added", Box::new(|s| s.arrivals.to_string())),
        ("treated", Box::new(|s| s.treated.to_string())),
        (
            "cancelled on the day",
            Box::new(|s| s.cancelled.to_string()),
        ),
        ("removed by validation", Box::new(|s| s.removed.to_string())),
        (
            "mean utilisation",
            Box::new(|s| format!("{:.1}%", 100.0 * s.mean_utilisation)),
        ),
        (
            "median wait (weeks)",
            Box::new(|s| format!("{:.1}", s.final_median_wait_weeks)),
        ),
        (
            "92nd percentile wait (weeks)",
            Box::new(|s| format!("{:.1}", s.final_p92_wait_weeks)),
        ),
        (
            "within 18 weeks",
            Box::new(|s| format!("{:.1}%", 100.0 * s.final_within_18_weeks_share)),
        ),
        (
            "52-week waiters",
            Box::new(|s| s.final_over_52_weeks.to_string()),
        ),
        (
            "65-week waiters",
            Box::new(|s| s.final_over_65_weeks.to_string()),
        ),
        (
            "peak 52-week waiters",
            Box::new(|s| s.peak_over_52_weeks.to_string()),
        ),
        (
            "no 52-week waiters from week",
            Box::new(|s| {
                s.clear_of_52_week_waiters_from_week
                    .map_or("never".into(), |w| w.to_string())
            }),
        ),
        (
            "past priority target",
            Box::new(|s| s.final_breaches.to_string()),
        ),
        (
            "weeks the safety net struck",
            Box::new(|s| s.weeks_safety_net_struck.to_string()),
        ),
    ];
    side_by_side(runs, rows)
}

/// The GP-network table: totals, mean shares, and booked and waiting by role.
pub fn gp_summary_table(scenario: &GpScenario, runs: &[GpVariantRun]) -> Table {
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut rows: Vec<(String, Figure<GpVariantSummary>)> = vec![
        ("weeks".into(), Box::new(|s| s.weeks.to_string())),
        ("requests".into(), Box::new(|s| s.arrivals.to_string())),
        ("booked".into(), Box::new(|s| s.booked.to_string())),
        (
            "same-day expired".into(),
            Box::new(|s| s.expired.to_string()),
        ),
        (
            "waiting at end".into(),
            Box::new(|s| s.final_waiting.to_string()),
        ),
        (
            "mean slot utilisation".into(),
            Box::new(move |s| pct(s.mean_slot_utilisation)),
        ),
        (
            "routine within 14 days (mean)".into(),
            Box::new(move |s| pct(s.mean_within_target_routine)),
        ),
        (
            "away from home (mean)".into(),
            Box::new(move |s| pct(s.mean_share_away_from_home)),
        ),
        (
            "continuity (mean)".into(),
            Box::new(move |s| pct(s.mean_continuity_rate)),
        ),
    ];
    for role in &scenario.roles {
        let r = role.clone();
        rows.push((
            format!("booked {role}"),
            Box::new(move |s| s.booked_by_role.get(&r).copied().unwrap_or(0).to_string()),
        ));
        let r = role.clone();
        rows.push((
            format!("waiting {role} at end"),
            Box::new(move |s| {
                s.final_waiting_by_role
                    .get(&r)
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            }),
        ));
    }
    rows.push((
        "weeks the safety net struck".into(),
        Box::new(|s| s.weeks_safety_net_struck.to_string()),
    ));
    side_by_side(runs, rows)
}

/// Whether a measure is a share (shown as a percentage).
fn is_share(measure: &str) -> bool {
    ["share", "utilisation", "within_target", "rate"]
        .iter()
        .any(|k| measure.contains(k))
}

/// A measure's name as a row label: "final_over_52_weeks" → "final over 52 weeks".
fn measure_label(measure: &str) -> String {
    measure.replace('_', " ")
}

/// An interval as text: "mean [low, high]", shares in percent (points for a
/// difference, signed), one decimal; a zero-width interval shows its value alone.
fn interval_text(measure: &str, i: &Interval, signed: bool) -> String {
    let scale = if is_share(measure) { 100.0 } else { 1.0 };
    let unit = if is_share(measure) {
        if signed { " pt" } else { "%" }
    } else {
        ""
    };
    let number = |x: f64| {
        let text = if signed {
            format!("{:+.1}", scale * x)
        } else {
            format!("{:.1}", scale * x)
        };
        // A tiny negative rounds to "-0.0": show it as the zero it reads as.
        match text.as_str() {
            "-0.0" if signed => "+0.0".to_string(),
            "-0.0" => "0.0".to_string(),
            _ => text,
        }
    };
    if i.low == i.high {
        format!("{}{unit}", number(i.mean))
    } else {
        format!(
            "{}{unit} [{}, {}]",
            number(i.mean),
            number(i.low),
            number(i.high)
        )
    }
}

fn stats_header(table: &mut Table, columns: &[&VariantStats]) {
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![Cell::new("")];
    header.extend(columns.iter().map(|v| Cell::new(&v.variant)));
    table.set_header(header);
}

/// Each measure's mean over the replications with its 95% confidence interval
/// ("mean [low, high]"), one column per variant, after a row of the replications run.
pub fn statistics_table(stats: &[VariantStats]) -> Table {
    let mut table = Table::new();
    let columns: Vec<&VariantStats> = stats.iter().collect();
    stats_header(&mut table, &columns);
    let mut row = vec![Cell::new("replications")];
    row.extend(
        stats
            .iter()
            .map(|v| Cell::new(v.replications).set_alignment(CellAlignment::Right)),
    );
    table.add_row(row);
    let Some(first) = stats.first() else {
        return table;
    };
    for (m, measure) in first.measures.iter().enumerate() {
        let mut row = vec![Cell::new(measure_label(&measure.measure))];
        row.extend(stats.iter().map(|v| {
            let text = v.measures.get(m).map_or(String::new(), |x| {
                interval_text(&x.measure, &x.value, false)
            });
            Cell::new(text).set_alignment(CellAlignment::Right)
        }));
        table.add_row(row);
    }
    table
}

/// Each variant's paired difference against the baseline (variant − baseline,
/// replication by replication) with its 95% interval, one column per variant other
/// than the baseline; `None` when the baseline did not run or nothing else did.
pub fn differences_table(stats: &[VariantStats]) -> Option<Table> {
    let columns: Vec<&VariantStats> = stats.iter().filter(|v| v.variant != BASELINE).collect();
    if columns.is_empty() || !stats.iter().any(|v| v.variant == BASELINE) {
        return None;
    }
    let mut table = Table::new();
    stats_header(&mut table, &columns);
    for (m, measure) in columns[0].measures.iter().enumerate() {
        let mut row = vec![Cell::new(measure_label(&measure.measure))];
        row.extend(columns.iter().map(|v| {
            let text = v
                .measures
                .get(m)
                .and_then(|x| {
                    x.difference
                        .as_ref()
                        .map(|d| interval_text(&x.measure, d, true))
                })
                .unwrap_or_default();
            Cell::new(text).set_alignment(CellAlignment::Right)
        }));
        table.add_row(row);
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use clinicplan_solver::simulate::stats::{interval, variant_stats};

    use super::*;

    #[test]
    fn intervals_read_as_mean_and_bounds_and_differences_are_signed() {
        let i = interval(&[0.5, 0.6, 0.7]);
        assert_eq!(
            interval_text("mean_within_18_weeks_share", &i, false),
            "60.0% [35.2, 84.8]"
        );
        let d = interval(&[2.0, 2.0]);
        assert_eq!(interval_text("final_over_52_weeks", &d, true), "+2.0");
        let names = vec![BASELINE.to_string(), "by-hand".to_string()];
        let stats = variant_stats(
            &names,
            &[
                vec![vec![("treated", 10.0)], vec![("treated", 12.0)]],
                vec![vec![("treated", 8.0)], vec![("treated", 10.0)]],
            ],
            Some(0),
        );
        let table = differences_table(&stats)
            .expect("a baseline and a variant")
            .to_string();
        assert!(
            table.contains("by-hand") && table.contains("-2.0"),
            "{table}"
        );
        assert!(!table.contains("baseline"), "{table}");
        let table = statistics_table(&stats).to_string();
        assert!(table.contains("11.0 [-1.7, 23.7]"), "{table}");
    }
}
