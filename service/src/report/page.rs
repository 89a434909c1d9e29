//! The parts both kinds of report share: escaping, the page's head and style, one
//! chart's figure, the charts section, the summary table as HTML, and the run section
//! with the command that runs it again.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use clinicplan_solver::simulate::VariantRunOf;

use super::charts::{self, Series, YAxis};
use super::replications::{replications_of, variant_order, variant_series};
use super::tables::{differences_table, statistics_table};

/// The file written into the output folder.
pub const REPORT_FILE: &str = "report.html";

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
pub(super) fn shell_word(word: &str) -> String {
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

/// The command that runs `variants` for `weeks` weeks from `file`, the scenario file as
/// the run was given it.
pub(super) fn rerun(file: &Path, variants: &[&str], weeks: usize) -> String {
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
pub(super) fn page_start(h: &mut String, kind: &str, name: &str) {
    page_start_styled(h, kind, name, "");
}

/// [`page_start`] with `extra_style` (CSS, not escaped: the caller's own constant) after
/// the shared style.
pub(super) fn page_start_styled(h: &mut String, kind: &str, name: &str, extra_style: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{kind} {name}: clinicplan report</title>\n<style>\n{STYLE}{extra_style}</style>\n\
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

/// One chart of a report: its figure's `id`, title, caption, y axis and each week's
/// value.
pub(super) struct Chart<'a, W> {
    pub(super) id: &'a str,
    pub(super) title: &'a str,
    pub(super) caption: &'a str,
    pub(super) y: &'a YAxis<'a>,
    pub(super) value: &'a dyn Fn(&W) -> f64,
}

/// The lede's note when the run was stopped early, then the charts section: one line
/// per variant in each chart. `week_of` gives a week's number.
pub(super) fn charts_section<W, S>(
    h: &mut String,
    start: NaiveDate,
    runs: &[VariantRunOf<W, S>],
    week_of: fn(&W) -> u32,
    charts: &[Chart<'_, W>],
) -> Result<(), String> {
    if runs.iter().any(|r| r.stopped_early) {
        h.push_str(
            "<p class=\"lede\"><strong>The run was stopped early: some variants are \
             short.</strong></p>\n",
        );
    }

    let x_label = format!("week (week 0 starts {})", start.format("%Y-%m-%d"));
    h.push_str(
        "<section id=\"charts\">\n<p>One line per variant, week by week. Where lines \
         coincide (a variant whose changes are not yet in force follows the baseline), \
         they are drawn one inside another, the first widest; a legend entry marked \
         <q>same line as</q> coincides all along.",
    );
    let replications = replications_of(runs);
    if replications > 1 {
        let _ = write!(
            h,
            " Each variant ran {replications} times on independent random streams (the \
             same streams for every variant): its line is the mean over the replications, \
             the shaded band around it the 95% confidence interval of that mean."
        );
    }
    h.push_str("</p>\n");
    let names = variant_order(runs);
    for spec in charts {
        let series: Vec<Series> = names
            .iter()
            .map(|name| variant_series(name, runs, week_of, spec.value))
            .collect();
        figure(
            h,
            spec.id,
            spec.title,
            spec.caption,
            &series,
            &x_label,
            spec.y,
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}

/// A variant's name and the weeks its changes are in force: (from, to), `None` for the
/// baseline.
pub(super) type InForce<'a> = (&'a str, Option<(u32, Option<u32>)>);

/// What the "The run" section states about a run.
pub(super) struct RunFacts<'a> {
    /// Already escaped.
    pub(super) name: &'a str,
    pub(super) start: chrono::NaiveDate,
    pub(super) horizon_weeks: u32,
    pub(super) weeks_run: usize,
    pub(super) seed: u64,
    /// What a variant without changes (the baseline) is said to be.
    pub(super) unchanged: &'a str,
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
pub(super) fn summary_section(
    h: &mut String,
    lede: &str,
    variants: &[&str],
    table: &comfy_table::Table,
) {
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

/// Each run's variant and the weeks its changes are in force, from `windows` (each
/// variant's name and (from, to) weeks; a run not named there, the baseline, has none).
pub(super) fn in_force<'a, 'v, W, S>(
    runs: &'a [VariantRunOf<W, S>],
    windows: impl Iterator<Item = (&'v str, u32, Option<u32>)> + Clone,
) -> Vec<InForce<'a>> {
    runs.iter()
        .map(|r| {
            let window = windows
                .clone()
                .find(|&(name, _, _)| name == r.variant)
                .map(|(_, from, to)| (from, to));
            (r.variant.as_str(), window)
        })
        .collect()
}

/// The end of both kinds of report: the "The run" section, then the footer, whose text
/// starts with `footer_lead` (empty, or a sentence with its trailing space).
pub(super) fn finish_page(
    h: &mut String,
    facts: &RunFacts<'_>,
    in_force: &[InForce<'_>],
    command: &str,
    footer_lead: &str,
) {
    run_section(h, facts, in_force, command);
    let _ = write!(
        h,
        "<footer>Written by clinicplan {}. {footer_lead}<code>weeks.csv</code> and \
         <code>weeks.json</code> beside this page hold every figure of every week, \
         <code>summary.json</code> the summary.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// `command` with `--replications N` when there were several.
pub(super) fn with_replications(command: String, replications: u32) -> String {
    if replications > 1 {
        format!("{command} --replications {replications}")
    } else {
        command
    }
}

/// The summary section: the side-by-side table of a single replication, or, with
/// several, the means with their intervals and the paired differences.
pub(super) fn summary_or_statistics(
    h: &mut String,
    single: (&str, &comfy_table::Table),
    stats: &[clinicplan_solver::simulate::stats::VariantStats],
    warmup_weeks: u32,
) {
    let variants: Vec<&str> = stats.iter().map(|s| s.variant.as_str()).collect();
    let warmup = if warmup_weeks > 0 {
        format!(" The first {warmup_weeks} week(s) are a warm-up, left out of every figure.")
    } else {
        String::new()
    };
    if stats.iter().all(|s| s.replications <= 1) {
        summary_section(h, &format!("{}{warmup}", single.0), &variants, single.1);
        return;
    }
    summary_section(
        h,
        &format!(
            "Each figure's mean over the replications and, in brackets, its 95% confidence \
             interval (Student t).{warmup}"
        ),
        &variants,
        &statistics_table(stats),
    );
    if let Some(table) = differences_table(stats) {
        let others: Vec<&str> = (variants.iter().copied())
            .filter(|v| *v != clinicplan_solver::simulate::BASELINE)
            .collect();
        h.push_str("<div id=\"differences\">\n");
        summary_section(
            h,
            "Each variant against the baseline: the mean of the paired differences \
             (variant − baseline, replication by replication, on the same random streams) \
             and its 95% confidence interval. An interval that holds 0 is no evidence of a \
             difference; shares differ in percentage points.",
            &others,
            &table,
        );
        h.push_str("</div>\n");
    }
}

/// The lede's note on replications: empty for one.
pub(super) fn replicated(replications: u32) -> String {
    if replications > 1 {
        format!("; {replications} replications of each (seeds drawn from it)")
    } else {
        String::new()
    }
}
