//! The scenario report in a real browser: `clinicplan scenario run` on the shipped
//! hospital, and on the shipped GP network, for a few weeks, then `report.html` loaded
//! in headless Chromium. From the DOM Chromium built, every chart's figure is there, each variant has its legend entry
//! and a drawn line (a polyline in the legend key's colour with a point per week), and
//! the summary table has a column per variant; a screenshot of the page is taken.
//!
//! Chromium is required: `scripts/setup.sh` installs it (Debian package `chromium`), and
//! the test fails, saying so, where it is missing. The output folder is kept when the
//! test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::browser::{chromium, dump_dom, screenshot};

const WEEKS: usize = 6;
const CHARTS: [&str; 5] = [
    "chart-list-size",
    "chart-within-18-weeks",
    "chart-over-52-weeks",
    "chart-utilisation",
    "chart-median-wait",
];
const VARIANTS: [&str; 5] = [
    "baseline",
    "saturday-lists",
    "theatre-refurbishment",
    "demand-surge",
    "by-hand",
];

/// The value of attribute `name` in the start tag `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Every start tag `<polyline …>` of `svg`, in document order.
fn polylines(svg: &str) -> Vec<&str> {
    svg.match_indices("<polyline")
        .map(|(i, _)| &svg[i..i + svg[i..].find('>').expect("a closed tag")])
        .collect()
}

/// The text of every `<text>` element of `svg`, trimmed, with its position.
fn texts(svg: &str) -> Vec<(usize, String)> {
    svg.match_indices("<text")
        .map(|(i, _)| {
            let open = i + svg[i..].find('>').expect("a closed tag") + 1;
            let close = open + svg[open..].find("</text>").expect("a closed text");
            (i, svg[open..close].trim().to_string())
        })
        .collect()
}

/// Chart `id` of the DOM `dom` is drawn: its figure has a caption and an SVG whose
/// legend names every variant after its key (a short line in its colour), and every
/// variant has a line in that colour with at least a point per week.
fn assert_chart_drawn(dom: &str, id: &str, variants: &[&str], weeks: usize) {
    let start = dom
        .find(&format!("<figure id=\"{id}\""))
        .unwrap_or_else(|| panic!("no figure {id} in the DOM:\n{dom}"));
    let figure = &dom[start..start + dom[start..].find("</figure>").expect("closed")];
    assert!(figure.contains("<figcaption>"), "{id} has no caption");
    let svg = &figure[figure
        .find("<svg")
        .unwrap_or_else(|| panic!("{id} has no svg"))..];
    let lines = polylines(svg);
    let labels = texts(svg);
    for variant in variants {
        // The legend: the variant's name, after its key (a short line in its colour).
        let (at, _) = labels
            .iter()
            .find(|(_, t)| t == variant)
            .unwrap_or_else(|| panic!("{id}: the legend does not name {variant}"));
        let key = svg[..*at]
            .rfind("<polyline")
            .map(|i| &svg[i..i + svg[i..].find('>').unwrap()])
            .unwrap_or_else(|| panic!("{id}: no legend key for {variant}"));
        let colour = attribute(key, "stroke").expect("a stroke");
        // The line: every other polyline in that colour, a point per week in all.
        let points: usize = lines
            .iter()
            .filter(|l| **l != key && attribute(l, "stroke") == Some(colour))
            .map(|l| {
                attribute(l, "points")
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .sum();
        assert!(
            points >= weeks,
            "{id}: the line of {variant} ({colour}) has {points} points, not {weeks}"
        );
    }
}

/// This process's directory `clinicplan-NAME-PID` under the temporary directory, emptied.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clinicplan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `clinicplan scenario run SCENARIO --weeks WEEKS --replications N --out OUT`,
/// which must succeed.
fn run_scenario(scenario: &Path, (weeks, replications): (usize, u32), out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_clinicplan"))
        .args(["scenario", "run"])
        .arg(scenario)
        .args(["--weeks", &weeks.to_string()])
        .args(["--replications", &replications.to_string(), "--out"])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("clinicplan runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Runs `scenario` for `weeks` into `dir/out`; returns its report's path, that path
/// made canonical, and the DOM headless Chromium builds from it.
fn rendered_report(
    browser: &str,
    dir: &Path,
    scenario: &Path,
    run: (usize, u32),
) -> (PathBuf, PathBuf, String) {
    let out_dir = dir.join("out");
    run_scenario(scenario, run, &out_dir);
    let report: PathBuf = out_dir.join("report.html");
    assert!(report.is_file(), "no {}", report.display());
    let page = std::fs::canonicalize(&report).unwrap();
    let dom = dump_dom(browser, dir, &page);
    (report, page, dom)
}

/// The summary table has a column for each of `variants` and each of `rows`.
fn assert_summary_table(dom: &str, variants: &[&str], rows: &[&str]) {
    let table = &dom[dom.find("<table>").expect("the summary table")..];
    let header = &table[..table.find("</thead>").unwrap()];
    for variant in variants {
        assert!(header.contains(variant), "no column for {variant}");
    }
    for row in rows {
        assert!(table.contains(&format!(">{row}</th>")), "no row {row}");
    }
}

#[test]
fn the_report_opens_in_headless_chromium_with_every_chart_drawn() {
    let browser = chromium();
    let dir = fresh_dir("report");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/dgh.toml");
    // One replication: the side-by-side table of one run.
    let (_, page, dom) = rendered_report(&browser, &dir, &scenario, (WEEKS, 1));
    assert!(
        dom.contains("<h1>Scenario dgh</h1>"),
        "not the report:\n{dom}"
    );
    assert!(!dom.contains("<script"), "the report has a script");
    for id in CHARTS {
        assert_chart_drawn(&dom, id, &VARIANTS, WEEKS);
    }
    assert_summary_table(
        &dom,
        &VARIANTS,
        &[
            "list at end",
            "within 18 weeks",
            "52-week waiters",
            "treated",
        ],
    );
    assert!(dom.contains("--weeks 6"), "no command to run it again");

    screenshot(&browser, &dir, &page, "report.png", (1280, 2400), 50_000);
    std::fs::remove_dir_all(&dir).unwrap();
}

const GP_WEEKS: usize = 5;
const GP_CHARTS: [&str; 10] = [
    "gp-chart-waiting",
    "gp-chart-within-target-same-day",
    "gp-chart-within-target-urgent",
    "gp-chart-within-target-routine",
    "gp-chart-utilisation",
    "gp-chart-away-from-home",
    "gp-chart-booked-gp",
    "gp-chart-booked-nurse",
    "gp-chart-booked-pharmacist",
    "gp-chart-booked-physio",
];
const GP_VARIANTS: [&str; 4] = [
    "baseline",
    "pharmacists",
    "winter-pressure",
    "practice-only",
];
/// Two replications: mean lines with their bands, and the tables of intervals.
const GP_REPLICATIONS: u32 = 2;

#[test]
fn the_gp_network_report_opens_in_headless_chromium_with_every_chart_drawn() {
    let browser = chromium();
    let dir = fresh_dir("gp-report");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gp-pharmacist.toml");
    let (report, _, dom) = rendered_report(&browser, &dir, &scenario, (GP_WEEKS, GP_REPLICATIONS));
    assert!(
        dom.contains("<h1>GP-network scenario gp-pharmacist</h1>"),
        "not the GP report:\n{dom}"
    );
    assert!(!dom.contains("<script"), "the report has a script");
    assert_eq!(
        dom.matches("<figure id=\"").count(),
        GP_CHARTS.len(),
        "a chart per figure and role, no more"
    );
    for id in GP_CHARTS {
        assert_chart_drawn(&dom, id, &GP_VARIANTS, GP_WEEKS);
    }
    assert_eq!(
        dom.matches("<polygon").count(),
        GP_CHARTS.len() * GP_VARIANTS.len(),
        "a 95% band around every variant's line in every chart"
    );
    assert_summary_table(
        &dom,
        &GP_VARIANTS,
        &[
            "replications",
            "final waiting",
            "mean slot utilisation",
            "mean within target routine",
        ],
    );
    assert!(
        dom.contains("<div id=\"differences\">"),
        "no table of differences against the baseline"
    );
    assert!(
        dom.contains("--weeks 5 --replications 2"),
        "no command to run it again"
    );
    assert!(
        dom.contains(&format!("clinicplan scenario run {}", scenario.display())),
        "the command to run it again does not name the scenario file"
    );
    // The same run gives the same page, byte for byte.
    let again = dir.join("again");
    run_scenario(&scenario, (GP_WEEKS, GP_REPLICATIONS), &again);
    assert!(
        std::fs::read(&report).unwrap() == std::fs::read(again.join("report.html")).unwrap(),
        "the same run wrote a different report"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
