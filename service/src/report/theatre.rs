//! The report of a theatre-list scenario run: the charts of [`chart_specs`], the table
//! `clinicplan scenario run` prints, and the run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clinicplan_solver::simulate::{Scenario, VariantRun, WeekResult, statistics};

use super::charts::YAxis;
use super::page::{
    Chart, REPORT_FILE, RunFacts, charts_section, escape, finish_page, in_force, page_start,
    replicated, rerun, summary_or_statistics, with_replications,
};
use super::replications::{first_replications, replications_of, variant_order};
use super::tables::summary_table;

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

/// The command that runs the same variants for the same weeks from `file`, the
/// scenario file as the run was given it.
pub fn rerun_command(file: &Path, runs: &[VariantRun]) -> String {
    let names = variant_order(runs);
    let variants: Vec<&str> = names.iter().map(String::as_str).collect();
    let weeks = runs.iter().map(|r| r.weeks.len()).max().unwrap_or(0);
    with_replications(rerun(file, &variants, weeks), replications_of(runs))
}

/// The whole page.
pub fn render(file: &Path, scenario: &Scenario, runs: &[VariantRun]) -> Result<String, String> {
    let name = escape(&scenario.name);
    let weeks_run = runs.iter().map(|r| r.weeks.len()).max().unwrap_or(0);
    let names = variant_order(runs);
    let firsts = first_replications(runs);
    let replications = replications_of(runs);
    let mut h = String::new();
    // Writing into a String cannot fail.
    page_start(&mut h, "Scenario", &name);
    let _ = writeln!(
        h,
        "<p class=\"lede\">{} variant{} over {weeks_run} week{} from Monday {}; seed {}{}.</p>",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if weeks_run == 1 { "" } else { "s" },
        scenario.start.format("%-d %B %Y"),
        scenario.seed,
        replicated(replications),
    );
    let specs = chart_specs();
    let charts: Vec<Chart<'_, WeekResult>> = specs
        .iter()
        .map(|spec| Chart {
            id: spec.id,
            title: spec.title,
            caption: spec.caption,
            y: &spec.y,
            value: &spec.value,
        })
        .collect();
    charts_section(&mut h, scenario.start, runs, |w| w.week, &charts)?;

    // The table(s) the command line prints, cell for cell.
    summary_or_statistics(
        &mut h,
        (
            "The figures of the last week simulated, and totals over the run.",
            &summary_table(&firsts),
        ),
        &statistics::<Scenario>(&names, runs),
        scenario.warmup_weeks,
    );

    let windows = (scenario.variants.iter()).map(|v| (v.name.as_str(), v.from_week, v.to_week));
    finish_page(
        &mut h,
        &RunFacts {
            name: &name,
            start: scenario.start,
            horizon_weeks: scenario.horizon_weeks,
            weeks_run,
            seed: scenario.seed,
            unchanged: "the hospital as described",
        },
        &in_force(&firsts, windows),
        &rerun_command(file, runs),
        "Each week's figures are taken at the next Monday; ",
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use clinicplan_solver::simulate::config::ScenarioConfig;
    use clinicplan_solver::simulate::{InProcess, ParallelRun, run_variants, validate_scenario};

    use super::super::charts;
    use super::super::page::shell_word;
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
        tiny_runs(1)
    }

    fn tiny_runs(replications: u32) -> (Scenario, Vec<VariantRun>) {
        let config: ScenarioConfig = toml::from_str(TINY).expect("valid TOML");
        let scenario = validate_scenario(&config, &[]).expect("a valid scenario");
        let names = scenario.variant_names();
        let run = ParallelRun {
            variants: &names,
            weeks: 3,
            replications,
            cancel: &AtomicBool::new(false),
            solver: &InProcess,
        };
        let runs = run_variants(&scenario, &run, &|_, _, _| {}).expect("the run");
        (scenario, runs)
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
    fn replications_draw_bands_and_a_table_of_differences() {
        let (scenario, runs) = tiny_runs(3);
        assert_eq!(runs.len(), 6, "two variants, three replications each");
        let html = render(Path::new("tiny.toml"), &scenario, &runs).expect("a page");
        assert!(html.contains("3 replications of each"), "{html}");
        assert!(html.contains("<polygon"), "a band around the mean lines");
        assert!(html.contains("id=\"differences\""));
        assert!(html.contains("confidence interval"));
        assert!(html.contains("--replications 3"));
        let one = render(Path::new("tiny.toml"), &scenario, &tiny_run().1).expect("a page");
        assert!(!one.contains("<polygon") && !one.contains("id=\"differences\""));
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
