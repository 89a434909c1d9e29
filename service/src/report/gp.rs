//! The report of a GP-network scenario run: the charts of [`gp_chart_specs`], the table
//! `clinicplan scenario run` prints, and the run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clinicplan_solver::simulate::gp::{GpScenario, GpVariantRun, GpWeekResult};
use clinicplan_solver::simulate::statistics;

use super::charts::YAxis;
use super::page::{
    Chart, REPORT_FILE, RunFacts, charts_section, escape, finish_page, in_force, page_start,
    replicated, rerun, summary_or_statistics, with_replications,
};
use super::replications::{first_replications, replications_of, variant_order};
use super::tables::gp_summary_table;

/// A GP-network chart: its figure's `id`, title, caption, y axis and the week's value.
pub struct GpChart {
    pub id: String,
    pub title: String,
    pub caption: String,
    y: YAxis<'static>,
    value: Box<dyn Fn(&GpWeekResult) -> f64>,
}

const GP_SHARE: YAxis<'static> = YAxis {
    label: "share",
    unit: "%",
    decimals: 0,
    min_span: 5.0,
    from_zero: false,
    max: Some(100.0),
};

const GP_COUNT: YAxis<'static> = YAxis {
    label: "requests",
    unit: "",
    decimals: 0,
    min_span: 10.0,
    from_zero: true,
    max: None,
};

/// One of a GP week's shares.
type GpShare = fn(&GpWeekResult) -> f64;

/// A role as part of an element id: lower case, anything but letters and digits as `-`.
fn id_part(role: &str) -> String {
    role.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The charts of a GP-network report, in page order: requests waiting, the share seen
/// within target for each urgency, slot utilisation, the share booked away from home,
/// then the requests booked of each role of the scenario.
pub fn gp_chart_specs(scenario: &GpScenario) -> Vec<GpChart> {
    let mut specs = vec![GpChart {
        id: "gp-chart-waiting".into(),
        title: "Requests waiting".into(),
        caption: "Requests not yet booked at the end of each week (every role and urgency); \
                  same-day requests not seen on their day have left as expired."
            .into(),
        y: YAxis {
            label: "requests waiting",
            ..GP_COUNT
        },
        value: Box::new(|w| f64::from(w.waiting)),
    }];
    // (id, name, target, the week's share).
    let urgencies: [(&str, &str, &str, GpShare); 3] = [
        ("same-day", "same day", "on their day", |w| {
            w.within_target_same_day
        }),
        ("urgent", "urgent", "within 2 days", |w| {
            w.within_target_urgent
        }),
        ("routine", "routine", "within 14 days", |w| {
            w.within_target_routine
        }),
    ];
    for (id, name, target, value) in urgencies {
        specs.push(GpChart {
            id: format!("gp-chart-within-target-{id}"),
            title: format!("Seen within target: {name} requests"),
            caption: format!(
                "Of the {name} requests offered to each week's balancing (carried over and \
                 new), the share booked {target}."
            ),
            y: YAxis {
                label: "within target",
                ..GP_SHARE
            },
            value: Box::new(move |w| 100.0 * value(w)),
        });
    }
    specs.push(GpChart {
        id: "gp-chart-utilisation".into(),
        title: "Slot utilisation".into(),
        caption: "Appointments booked over the slots offered that week.".into(),
        y: YAxis {
            label: "utilisation",
            ..GP_SHARE
        },
        value: Box::new(|w| 100.0 * w.slot_utilisation),
    });
    specs.push(GpChart {
        id: "gp-chart-away-from-home".into(),
        title: "Booked away from home".into(),
        caption: "Of each week's bookings, the share at another practice than the \
                  patient's own."
            .into(),
        y: YAxis {
            label: "away from home",
            from_zero: true,
            ..GP_SHARE
        },
        value: Box::new(|w| 100.0 * w.share_away_from_home),
    });
    for role in &scenario.roles {
        let r = role.clone();
        specs.push(GpChart {
            id: format!("gp-chart-booked-{}", id_part(role)),
            title: format!("Booked {role} requests"),
            caption: format!("{role} requests booked each week."),
            y: YAxis {
                label: "requests booked",
                ..GP_COUNT
            },
            value: Box::new(move |w| f64::from(w.booked_by_role.get(&r).copied().unwrap_or(0))),
        });
    }
    specs
}

/// Writes the GP-network report, `report.html`, into `dir` (which exists) and returns
/// its path.
pub fn write_gp_report(
    dir: &Path,
    file: &Path,
    scenario: &GpScenario,
    runs: &[GpVariantRun],
) -> std::io::Result<PathBuf> {
    let html = render_gp(file, scenario, runs).map_err(std::io::Error::other)?;
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, html)?;
    Ok(path)
}

/// The whole page of a GP-network run: the charts of [`gp_chart_specs`], the table
/// `clinicplan scenario run` prints, and the run.
pub fn render_gp(
    file: &Path,
    scenario: &GpScenario,
    runs: &[GpVariantRun],
) -> Result<String, String> {
    let name = escape(&scenario.name);
    let weeks_run = runs.iter().map(|r| r.weeks.len()).max().unwrap_or(0);
    let names = variant_order(runs);
    let firsts = first_replications(runs);
    let replications = replications_of(runs);
    let mut h = String::new();
    page_start(&mut h, "GP-network scenario", &name);
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} variant{} over {weeks_run} week{} from Monday {}; {} \
         practices, {} clinicians; seed {}{}.</p>",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if weeks_run == 1 { "" } else { "s" },
        scenario.start.format("%-d %B %Y"),
        scenario.practices.len(),
        scenario.clinicians.len(),
        scenario.seed,
        replicated(replications),
    );
    let specs = gp_chart_specs(scenario);
    let charts: Vec<Chart<'_, GpWeekResult>> = specs
        .iter()
        .map(|spec| Chart {
            id: &spec.id,
            title: &spec.title,
            caption: &spec.caption,
            y: &spec.y,
            value: &*spec.value,
        })
        .collect();
    charts_section(&mut h, scenario.start, runs, |w| w.week, &charts)?;

    summary_or_statistics(
        &mut h,
        (
            "Totals over the run, means of the weekly shares, and the requests waiting at \
             the end.",
            &gp_summary_table(scenario, &firsts),
        ),
        &statistics::<GpScenario>(&names, runs),
        scenario.warmup_weeks,
    );
    let variants: Vec<&str> = names.iter().map(String::as_str).collect();

    let windows = (scenario.variants.iter()).map(|v| (v.name.as_str(), v.from_week, v.to_week));
    finish_page(
        &mut h,
        &RunFacts {
            name: &name,
            start: scenario.start,
            horizon_weeks: scenario.horizon_weeks,
            weeks_run,
            seed: scenario.seed,
            unchanged: "the network as described",
        },
        &in_force(&firsts, windows),
        &with_replications(rerun(file, &variants, weeks_run), replications),
        "",
    );
    Ok(h)
}
