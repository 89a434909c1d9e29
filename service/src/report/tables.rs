//! The side-by-side summary tables `clinicplan scenario run` prints (one column per
//! variant, one row per figure), which the reports show cell for cell.

use clinicplan_solver::simulate::gp::{GpScenario, GpVariantRun, GpVariantSummary};
use clinicplan_solver::simulate::{VariantRun, VariantRunOf, VariantSummary};
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
