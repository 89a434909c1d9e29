//! The HTML report of a scenario run: `report.html`, one self-contained page, for
//! theatre-list scenarios ([`render`]) and GP-network scenarios ([`render_gp`]).
//!
//! Charts of the weekly figures, one line per variant (waiting-list size, share within
//! 18 weeks, 52-week waiters, theatre utilisation, median wait), each an inline `<svg>`
//! drawn by `plotters` ([`charts`]) inside a `<figure id="chart-…">`; under them the
//! side-by-side summary table ([`super::output::summary_table`]), and the run: name,
//! start date, seed, weeks, variants and the command that runs it again.
//!
//! The page needs no network: no scripts, no external styles, images or fonts, and a
//! Content-Security-Policy that forbids fetching anything. Every text from the scenario
//! file is escaped. The page depends only on the scenario and the results: the same run
//! gives the same bytes (no dates or timings are written).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clinicplan_solver::simulate::gp::{GpScenario, GpVariantRun, GpWeekResult};
use clinicplan_solver::simulate::{Scenario, VariantRun, WeekResult};

#[path = "charts.rs"]
mod charts;

use charts::{Series, YAxis};

/// The file written into the output folder.
pub const REPORT_FILE: &str = "report.html";

/// One chart of the report.
pub struct ChartSpec {
    /// The `id` of its `<figure>`.
    pub id: &'static str,
    pub title: &'static str,
    pub caption: &'static str,
    y: YAxis<'static>,
    value: fn(&WeekResult) -> f64,
}

/// The charts, in page order.
pub fn chart_specs() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            id: "chart-list-size",
            title: "Waiting-list size",
            caption: "Patients waiting at the end of each week (the next Monday).",
            y: YAxis {
                label: "patients waiting",
                unit: "",
                decimals: 0,
                min_span: 10.0,
                from_zero: false,
                max: None,
            },
            value: |w| f64::from(w.list_size),
        },
        ChartSpec {
            id: "chart-within-18-weeks",
            title: "Share waiting within 18 weeks",
            caption: "Share of the list waiting 18 weeks (126 days) or less: the RTT \
                      standard's measure, whose standard is 92%.",
            y: YAxis {
                label: "within 18 weeks",
                unit: "%",
                decimals: 0,
                min_span: 5.0,
                from_zero: false,
                max: Some(100.0),
            },
            value: |w| 100.0 * w.within_18_weeks_share,
        },
        ChartSpec {
            id: "chart-over-52-weeks",
            title: "52-week waiters",
            caption: "Patients waiting more than 52 weeks (364 days).",
            y: YAxis {
                label: "patients over 52 weeks",
                unit: "",
                decimals: 0,
                min_span: 5.0,
                from_zero: true,
                max: None,
            },
            value: |w| f64::from(w.over_52_weeks),
        },
        ChartSpec {
            id: "chart-utilisation",
            title: "Theatre utilisation",
            caption: "Booked case minutes over the minutes of the lists held that week \
                      (touch time: turnarounds excluded).",
            y: YAxis {
                label: "utilisation",
                unit: "%",
                decimals: 0,
                min_span: 5.0,
                from_zero: false,
                max: Some(100.0),
            },
            value: |w| 100.0 * w.utilisation,
        },
        ChartSpec {
            id: "chart-median-wait",
            title: "Median wait",
            caption: "Median wait of the patients on the list at the end of each week, in \
                      weeks.",
            y: YAxis {
                label: "median wait (weeks)",
                unit: "",
                decimals: 1,
                min_span: 2.0,
                from_zero: false,
                max: None,
            },
            value: |w| w.median_wait_weeks,
        },
    ]
}

/// Writes `report.html` into `dir` (which exists) and returns its path.
pub fn write_report(
    dir: &Path,
    file: &Path,
    scenario: &Scenario,
    runs: &[VariantRun],
) -> std::io::Result<Option<PathBuf>> {
    let html = render(file, scenario, runs).map_err(std::io::Error::other)?;
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, html)?;
    Ok(Some(path))
}

/// Text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A word as a POSIX shell reads it: bare when it is plain, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-,/:=+@".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command that runs the same variants for the same weeks from `file`, the
/// scenario file as the run was given it.
pub fn rerun_command(file: &Path, runs: &[VariantRun]) -> String {
    let variants: Vec<&str> = runs.iter().map(|r| r.variant.as_str()).collect();
    let weeks = runs.iter().map(|r| r.weeks.len()).max().unwrap_or(0);
    rerun(file, &variants, weeks)
}

fn rerun(file: &Path, variants: &[&str], weeks: usize) -> String {
    format!(
        "clinicplan scenario run {} --variants {} --weeks {weeks}",
        shell_word(&file.display().to_string()),
        shell_word(&variants.join(","))
    )
}

const STYLE: &str = "\
body{margin:0;background:#f6f6f4;color:#1b1b1b;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.7em;margin:0 0 4px}
h2{font-size:1.25em;margin:32px 0 8px}
.lede{margin:0 0 16px;color:#444}
figure{margin:0 0 20px;padding:12px 12px 8px;background:#fff;border:1px solid #ddd;border-radius:6px}
figure h2{margin:0 0 6px;font-size:1.1em}
figure svg{display:block;width:100%;height:auto}
figcaption{margin-top:4px;color:#444;font-size:.92em}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:4px 10px}
thead th{background:#eee;vertical-align:bottom}
tbody th{text-align:left;font-weight:normal}
td{text-align:right}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;border-radius:2px;vertical-align:-1px}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:0}
dt{font-weight:600}
dd{margin:0}
pre{background:#fff;border:1px solid #ddd;padding:8px 12px;overflow-x:auto}
footer{margin-top:32px;color:#666;font-size:.85em}
";

/// The page's head and title, up to the opening `<main>` and its `<h1>`.
fn page_start(h: &mut String, kind: &str, name: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{kind} {name}: clinicplan report</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<main>\n<h1>{kind} {name}</h1>\n"
    );
}

/// One chart's `<figure>`: its title, the SVG and the caption.
fn figure(
    h: &mut String,
    id: &str,
    title: &str,
    caption: &str,
    series: &[Series],
    x_label: &str,
    y: &YAxis,
) -> Result<(), String> {
    let svg =
        charts::line_chart(series, x_label, y, 380).map_err(|e| format!("drawing {id}: {e}"))?;
    let svg = svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-title\" "),
        1,
    );
    let _ = write!(
        h,
        "<figure id=\"{id}\">\n<h2 id=\"{id}-title\">{title}</h2>\n{svg}\
         <figcaption>{caption}</figcaption>\n</figure>\n",
        title = escape(title),
        caption = escape(caption),
    );
    Ok(())
}

/// A variant's name and the weeks its changes are in force: (from, to), `None` for the
/// baseline.
type InForce<'a> = (&'a str, Option<(u32, Option<u32>)>);

/// What the "The run" section states about a run.
struct RunFacts<'a> {
    /// Already escaped.
    name: &'a str,
    start: chrono::NaiveDate,
    horizon_weeks: u32,
    weeks_run: usize,
    seed: u64,
    /// What a variant without changes (the baseline) is said to be.
    unchanged: &'a str,
}

/// The "The run" section, shared by both kinds of report: the scenario, its weeks and
/// seed, when each variant's changes are in force (from week, to week), and the command
/// that runs it again.
fn run_section(h: &mut String, facts: &RunFacts<'_>, in_force: &[InForce<'_>], command: &str) {
    let name = facts.name;
    h.push_str("<section id=\"run\">\n<h2>The run</h2>\n<dl>\n");
    let _ = writeln!(h, "<dt>scenario</dt><dd>{name}</dd>");
    let _ = writeln!(
        h,
        "<dt>week 0</dt><dd>{}</dd>",
        facts.start.format("%Y-%m-%d")
    );
    let _ = writeln!(
        h,
        "<dt>weeks</dt><dd>{} of the {}-week horizon</dd>",
        facts.weeks_run, facts.horizon_weeks
    );
    let _ = writeln!(h, "<dt>seed</dt><dd>{}</dd>", facts.seed);
    for &(variant, window) in in_force {
        let text = match window {
            None => facts.unchanged.to_string(),
            Some((from, None)) => format!("changes in force from week {from}"),
            Some((from, Some(to))) => format!("changes in force in weeks {from} to {to}"),
        };
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(variant), escape(&text));
    }
    h.push_str("</dl>\n");
    let _ = writeln!(
        h,
        "<p>To run it again (the same file and seed give the same figures, bit for \
         bit):</p>\n\
         <pre><code>{}</code></pre>",
        escape(command)
    );
    h.push_str("</section>\n");
}

/// The summary section: `table` (a label column, then one column per variant) as HTML,
/// each variant's header with its line's colour.
fn summary_section(h: &mut String, lede: &str, variants: &[&str], table: &comfy_table::Table) {
    let _ = write!(
        h,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<p>{}</p>\n<table>\n<thead>\n<tr><th></th>",
        escape(lede)
    );
    for (idx, v) in variants.iter().enumerate() {
        let _ = write!(
            h,
            "<th scope=\"col\"><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            charts::css_colour(idx),
            escape(v)
        );
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in table.row_iter() {
        let mut cells = row.cell_iter();
        let label = cells.next().map(|c| c.content()).unwrap_or_default();
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(&label));
        for cell in cells {
            let _ = write!(h, "<td>{}</td>", escape(&cell.content()));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

/// The whole page.
pub fn render(file: &Path, scenario: &Scenario, runs: &[VariantRun]) -> Result<String, String> {
    let name = escape(&scenario.name);
    let weeks_run = runs.iter().map(|r| r.weeks.len()).max().unwrap_or(0);
    let mut h = String::new();
    // Writing into a String cannot fail.
    page_start(&mut h, "Scenario", &name);
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} variant{} over {weeks_run} week{} from Monday {}; seed {}.</p>",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        if weeks_run == 1 { "" } else { "s" },
        scenario.start.format("%-d %B %Y"),
        scenario.seed,
    );
    if runs.iter().any(|r| r.stopped_early) {
        h.push_str(
            "<p class=\"lede\"><strong>The run was stopped early: some variants are \
             short.</strong></p>\n",
        );
    }

    let x_label = format!("week (week 0 starts {})", scenario.start.format("%Y-%m-%d"));
    h.push_str(
        "<section id=\"charts\">\n<p>One line per variant, week by week. Where lines \
         coincide (a variant whose changes are not yet in force follows the baseline), \
         they are drawn one inside another, the first widest; a legend entry marked \
         <q>same line as</q> coincides all along.</p>\n",
    );
    for spec in chart_specs() {
        let series: Vec<Series> = runs
            .iter()
            .map(|r| Series {
                name: &r.variant,
                points: r.weeks.iter().map(|w| (w.week, (spec.value)(w))).collect(),
            })
            .collect();
        figure(
            &mut h,
            spec.id,
            spec.title,
            spec.caption,
            &series,
            &x_label,
            &spec.y,
        )?;
    }
    h.push_str("</section>\n");

    // The table the command line prints, cell for cell.
    let table = super::output::summary_table(runs);
    let variants: Vec<&str> = runs.iter().map(|r| r.variant.as_str()).collect();
    summary_section(
        &mut h,
        "The figures of the last week simulated, and totals over the run.",
        &variants,
        &table,
    );

    let in_force: Vec<InForce<'_>> = runs
        .iter()
        .map(|r| {
            let window = scenario
                .variants
                .iter()
                .find(|v| v.name == r.variant)
                .map(|v| (v.from_week, v.to_week));
            (r.variant.as_str(), window)
        })
        .collect();
    run_section(
        &mut h,
        &RunFacts {
            name: &name,
            start: scenario.start,
            horizon_weeks: scenario.horizon_weeks,
            weeks_run,
            seed: scenario.seed,
            unchanged: "the hospital as described",
        },
        &in_force,
        &rerun_command(file, runs),
    );
    let _ = write!(
        h,
        "<footer>Written by clinicplan {}. Each week's figures are taken at the next \
         Monday; <code>weeks.csv</code> and <code>weeks.json</code> beside this page hold \
         every figure of every week, <code>summary.json</code> the summary.</footer>\n\
         </main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    Ok(h)
}

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
    let mut h = String::new();
    page_start(&mut h, "GP-network scenario", &name);
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} variant{} over {weeks_run} week{} from Monday {}; {} \
         practices, {} clinicians; seed {}.</p>",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        if weeks_run == 1 { "" } else { "s" },
        scenario.start.format("%-d %B %Y"),
        scenario.practices.len(),
        scenario.clinicians.len(),
        scenario.seed,
    );
    if runs.iter().any(|r| r.stopped_early) {
        h.push_str(
            "<p class=\"lede\"><strong>The run was stopped early: some variants are \
             short.</strong></p>\n",
        );
    }
    let x_label = format!("week (week 0 starts {})", scenario.start.format("%Y-%m-%d"));
    h.push_str(
        "<section id=\"charts\">\n<p>One line per variant, week by week. Where lines \
         coincide (a variant whose changes are not yet in force follows the baseline), \
         they are drawn one inside another, the first widest; a legend entry marked \
         <q>same line as</q> coincides all along.</p>\n",
    );
    for spec in gp_chart_specs(scenario) {
        let series: Vec<Series> = runs
            .iter()
            .map(|r| Series {
                name: &r.variant,
                points: r.weeks.iter().map(|w| (w.week, (spec.value)(w))).collect(),
            })
            .collect();
        figure(
            &mut h,
            &spec.id,
            &spec.title,
            &spec.caption,
            &series,
            &x_label,
            &spec.y,
        )?;
    }
    h.push_str("</section>\n");

    let table = super::gp::gp_summary_table(scenario, runs);
    let variants: Vec<&str> = runs.iter().map(|r| r.variant.as_str()).collect();
    summary_section(
        &mut h,
        "Totals over the run, means of the weekly shares, and the requests waiting at \
         the end.",
        &variants,
        &table,
    );

    let in_force: Vec<InForce<'_>> = runs
        .iter()
        .map(|r| {
            let window = scenario
                .variants
                .iter()
                .find(|v| v.name == r.variant)
                .map(|v| (v.from_week, v.to_week));
            (r.variant.as_str(), window)
        })
        .collect();
    run_section(
        &mut h,
        &RunFacts {
            name: &name,
            start: scenario.start,
            horizon_weeks: scenario.horizon_weeks,
            weeks_run,
            seed: scenario.seed,
            unchanged: "the network as described",
        },
        &in_force,
        &rerun(file, &variants, weeks_run),
    );
    let _ = write!(
        h,
        "<footer>Written by clinicplan {}. <code>weeks.csv</code> and \
         <code>weeks.json</code> beside this page hold every figure of every week, \
         <code>summary.json</code> the summary.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// A tiny hospital with a variant whose name is hostile HTML.
    const TINY: &str = r#"
name = "tiny <&>"
start_date = "2026-03-02"
horizon_weeks = 3
seed = 7

[hospital]
theatres = [{ id = "T1", name = "One" }]
specialties = [{ code = "ENT", turnaround_min = 15 }]
surgeons = [{ id = "E1", name = "A", specialty = "ENT", max_minutes_per_day = 480 }]
sessions = [{ theatre = "T1", weekday = "mon", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" }]
ward = { elective_beds = 4 }

[waiting_list]
patients = [
  { id = "A1", specialty = "ENT", procedure = "Grommets", duration_min = 30, priority = "P4", listed_date = "2025-01-06" },
  { id = "A2", specialty = "ENT", procedure = "Septoplasty", duration_min = 60, priority = "P3", listed_date = "2026-01-05" },
]

[demand]
cancellation_rate = 0.05
validation_removal_rate = 0.0
streams = [{ specialty = "ENT", priority = "P4", per_week = 4, case_minutes = { mean = 40, sd = 10, min = 15, max = 90 } }]

[[variants]]
name = "<script>alert('x')</script> & \"more\""
from_week = 1
add_sessions = [{ theatre = "T1", weekday = "wed", start = "08:30", end = "12:30", specialty = "ENT", surgeon = "E1" }]
"#;

    fn tiny_run() -> (Scenario, Vec<VariantRun>) {
        let scenario = super::super::parse_scenario(TINY, "tiny.toml", Path::new("."))
            .expect("a valid scenario");
        let names = scenario.variant_names();
        let run = super::super::run_scenario(
            &scenario,
            &names,
            3,
            &AtomicBool::new(false),
            &clinicplan_solver::simulate::InProcess,
            &|_| {},
        )
        .expect("the run");
        (scenario, run.variants)
    }

    #[test]
    fn every_chart_is_drawn_with_a_line_per_variant_and_text_is_escaped() {
        let (scenario, runs) = tiny_run();
        let html = render(Path::new("scenarios/dgh.toml"), &scenario, &runs).unwrap();
        assert!(!html.contains("<script"), "unescaped variant name");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        assert!(html.contains("<h1>Scenario tiny &lt;&amp;&gt;</h1>"));
        for spec in chart_specs() {
            let start = html
                .find(&format!("<figure id=\"{}\">", spec.id))
                .unwrap_or_else(|| panic!("no {}", spec.id));
            let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
            assert!(figure.contains("<svg "), "{}", spec.id);
            assert!(figure.contains("<figcaption>"), "{}", spec.id);
            // A line and a legend key per variant.
            for idx in 0..runs.len() {
                let drawn = format!(
                    "<polyline fill=\"none\" opacity=\"1\" stroke=\"{}\"",
                    charts::css_colour(idx).to_uppercase()
                );
                assert!(figure.matches(&drawn).count() >= 2, "{figure}");
            }
            assert!(figure.contains(">\nbaseline\n</text>"), "{figure}");
        }
        assert!(
            html.contains("--variants &#39;baseline,&lt;script&gt;"),
            "{html}"
        );
        assert!(html.contains("--weeks 3"));
        // Nothing to fetch: the only address is the SVG namespace.
        assert_eq!(
            html.matches("://").count(),
            html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
    }

    #[test]
    fn the_same_run_gives_the_same_bytes() {
        let (scenario, runs) = tiny_run();
        let dir = std::env::temp_dir().join(format!("clinicplan-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write_report(&dir, Path::new("dgh.toml"), &scenario, &runs)
            .unwrap()
            .unwrap();
        let first = std::fs::read(&path).unwrap();
        let (scenario, runs) = tiny_run();
        write_report(&dir, Path::new("dgh.toml"), &scenario, &runs).unwrap();
        assert_eq!(first, std::fs::read(&path).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(
            shell_word("baseline,saturday-lists"),
            "baseline,saturday-lists"
        );
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
