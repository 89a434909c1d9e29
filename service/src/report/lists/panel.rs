//! One week's panel: an inline SVG with one row per theatre and day on the page's common
//! clock; and the legend above the panels.
//!
//! Each session is a `<rect class="session" data-session-id=…>`, each case a
//! `<g class="case" data-patient-id=… data-session-id=…>` with its block, its `<title>`
//! tooltip and its label; turnarounds are `<rect class="turnaround">` hatched.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::aside::priority_text;
use super::weeks::{percent, totals};
use super::{Change, DrawnCase, DrawnSession, hhmm};
use crate::proto;
use crate::report::page::escape;

const WIDTH: f64 = 1000.0;
/// The row labels' column: the day, then the theatre.
const LABEL_W: f64 = 176.0;
/// Room right of the plot for the last session's booked share.
const RIGHT_W: f64 = 40.0;
const AXIS_H: f64 = 22.0;
const ROW_H: f64 = 30.0;
const DAY_GAP: f64 = 8.0;
/// Theatre names longer than this are cut in the label (whole in its tooltip).
const NAME_CHARS: usize = 14;

/// The clock-time axis, common to the whole page: whole hours around every session.
pub(super) struct Clock {
    from_min: u32,
    to_min: u32,
}

impl Clock {
    pub(super) fn of(sessions: &[DrawnSession<'_>]) -> Clock {
        let from = sessions.iter().map(|s| s.start).min().unwrap_or(8 * 60);
        let to = sessions.iter().map(|s| s.end).max().unwrap_or(18 * 60);
        let from_min = from / 60 * 60;
        let to_min = to.div_ceil(60) * 60;
        Clock {
            from_min,
            to_min: to_min.max(from_min + 60),
        }
    }

    fn x(&self, minutes: u32) -> f64 {
        let span = f64::from(self.to_min - self.from_min);
        let m = f64::from(minutes.clamp(self.from_min, self.to_min) - self.from_min);
        LABEL_W + m * (WIDTH - LABEL_W - RIGHT_W) / span
    }
}

/// Fill and text colours of a priority (Okabe–Ito: vermillion, orange, blue, grey).
fn colours(priority: i32) -> (&'static str, &'static str) {
    match proto::Priority::try_from(priority) {
        Ok(proto::Priority::P1) => ("#d55e00", "#fff"),
        Ok(proto::Priority::P2) => ("#e69f00", "#000"),
        Ok(proto::Priority::P3) => ("#0072b2", "#fff"),
        Ok(proto::Priority::P4) => ("#999999", "#000"),
        Ok(proto::Priority::Unspecified) | Err(_) => ("#dddddd", "#000"),
    }
}

fn hatch_defs(h: &mut String, id: &str) {
    let _ = write!(
        h,
        "<defs><pattern id=\"{id}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a8a8a\" stroke-width=\"2.2\"/>\
         </pattern></defs>"
    );
}

/// A padlock, `size` high, its top left at (`x`, `y`), in `colour`.
fn padlock(h: &mut String, x: f64, y: f64, colour: &str) {
    let _ = write!(
        h,
        "<g class=\"lock\" transform=\"translate({x:.1},{y:.1})\"><path d=\"M2 5V3.2a2.5 2.5 0 0 1 5 0V5\" \
         fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.4\"/><rect x=\"0.5\" y=\"5\" \
         width=\"8\" height=\"6\" rx=\"1\" fill=\"{colour}\"/></g>"
    );
}

/// The legend: priorities, turnaround, idle, locked, and the change marks when a
/// previous plan is given.
pub(super) fn legend(h: &mut String, with_changes: bool) {
    h.push_str("<div class=\"legend\" id=\"legend\">\n");
    for (p, name) in [
        (proto::Priority::P1, "P1 (within 72 hours)"),
        (proto::Priority::P2, "P2 (within 4 weeks)"),
        (proto::Priority::P3, "P3 (within 3 months)"),
        (proto::Priority::P4, "P4 (over 3 months)"),
    ] {
        let (fill, _) = colours(p as i32);
        let _ = writeln!(
            h,
            "<span><svg width=\"22\" height=\"14\"><rect x=\"0.5\" y=\"0.5\" width=\"21\" \
             height=\"13\" fill=\"{fill}\"/></svg>{name}</span>"
        );
    }
    h.push_str("<span><svg width=\"22\" height=\"14\">");
    hatch_defs(h, "hatch-legend");
    h.push_str(
        "<rect x=\"0.5\" y=\"0.5\" width=\"21\" height=\"13\" fill=\"url(#hatch-legend)\"/>\
         </svg>turnaround</span>\n<span><svg width=\"22\" height=\"14\"><rect x=\"0.5\" \
         y=\"0.5\" width=\"21\" height=\"13\" fill=\"#fff\" stroke=\"#444\"/></svg>idle \
         (session frame, nothing booked)</span>\n<span><svg width=\"22\" height=\"14\">\
         <rect x=\"1.5\" y=\"1.5\" width=\"19\" height=\"11\" fill=\"#ccc\" stroke=\"#000\" \
         stroke-width=\"2.5\"/>",
    );
    padlock(h, 6.5, 1.5, "#000");
    h.push_str(
        "</svg>locked (booked beforehand)</span>\n<span><b style=\"color:#b3006b;\
         font-size:.85em\">25%</b>under 50% booked inside four weeks: a release \
         candidate (6-4-2 view below)</span>\n",
    );
    if with_changes {
        h.push_str(
            "<span><svg width=\"26\" height=\"18\"><rect x=\"1\" y=\"1\" width=\"24\" \
             height=\"16\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\" \
             stroke-dasharray=\"5 3\"/></svg>moved since the previous plan</span>\n\
             <span><svg width=\"26\" height=\"18\"><rect x=\"1\" y=\"1\" width=\"24\" \
             height=\"16\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\" \
             stroke-dasharray=\"1.5 2\"/></svg>new since the previous plan</span>\n",
        );
    }
    h.push_str("</div>\n");
}

/// The rows of a week: (date, theatre) pairs in order, each with its sessions.
fn rows<'s, 'a>(week: &[&'s DrawnSession<'a>]) -> Vec<Vec<&'s DrawnSession<'a>>> {
    let mut rows: Vec<Vec<&DrawnSession>> = Vec::new();
    for &s in week {
        match rows.last_mut() {
            Some(row) if row[0].date == s.date && row[0].plan.theatre_id == s.plan.theatre_id => {
                row.push(s);
            }
            _ => rows.push(vec![s]),
        }
    }
    rows
}

/// One week's `<section>`: heading, totals, and the SVG (or a line saying the week has
/// no sessions).
pub(super) fn week_panel(
    h: &mut String,
    week_idx: usize,
    monday: NaiveDate,
    week: &[&DrawnSession<'_>],
    clock: &Clock,
) {
    let (n, minutes, used) = totals(week);
    let n_cases: usize = week.iter().map(|s| s.cases.len()).sum();
    let _ = writeln!(
        h,
        "<section class=\"week\" id=\"week-{}\">\n<h2>Week of {}</h2>\n<p>{n} sessions, \
         {n_cases} cases, {used} of {minutes} session minutes booked ({}).</p>",
        monday.format("%Y-%m-%d"),
        monday.format("%A %-d %B %Y"),
        percent(used, minutes)
    );
    if week.is_empty() {
        h.push_str("<p>No sessions this week.</p>\n</section>\n");
        return;
    }
    let rows = rows(week);
    let n_days = 1 + rows
        .windows(2)
        .filter(|w| w[0][0].date != w[1][0].date)
        .count();
    let height = AXIS_H + ROW_H * rows.len() as f64 + DAY_GAP * (n_days - 1) as f64 + 4.0;
    let _ = write!(
        h,
        "<svg viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         role=\"img\" aria-label=\"Theatre lists, week of {}\" font-family=\"system-ui,sans-serif\">",
        monday.format("%-d %B %Y")
    );
    let hatch = format!("hatch-{week_idx}");
    hatch_defs(h, &hatch);
    axis(h, clock, height);
    let mut y = AXIS_H;
    for (idx, row) in rows.iter().enumerate() {
        let first_of_day = idx == 0 || rows[idx - 1][0].date != row[0].date;
        if first_of_day && idx > 0 {
            y += DAY_GAP;
            let _ = write!(
                h,
                "<line x1=\"0\" y1=\"{:.1}\" x2=\"{WIDTH}\" y2=\"{:.1}\" stroke=\"#bbb\"/>",
                y - DAY_GAP / 2.0,
                y - DAY_GAP / 2.0
            );
        }
        row_svg(h, row, y, first_of_day, clock, &hatch);
        y += ROW_H;
    }
    h.push_str("</svg>\n</section>\n");
}

/// Hour lines and labels.
fn axis(h: &mut String, clock: &Clock, height: f64) {
    for hour in (clock.from_min / 60)..=(clock.to_min / 60) {
        let x = clock.x(hour * 60);
        let _ = write!(
            h,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{height:.1}\" stroke=\"#e2e2e2\"/>\
             <text x=\"{x:.1}\" y=\"14\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            AXIS_H - 4.0,
            hhmm(hour * 60)
        );
    }
}

/// One row: its label, then each session's frame, turnarounds and cases.
fn row_svg(
    h: &mut String,
    row: &[&DrawnSession<'_>],
    y: f64,
    first_of_day: bool,
    clock: &Clock,
    hatch: &str,
) {
    let s0 = row[0];
    if first_of_day {
        let _ = write!(
            h,
            "<text x=\"4\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\">{}</text>",
            y + 19.0,
            s0.date.format("%a %-d %b")
        );
    }
    let name: String = s0.theatre_name.chars().take(NAME_CHARS).collect();
    let _ = write!(
        h,
        "<text x=\"82\" y=\"{:.1}\" font-size=\"12\"><title>{}</title>{}</text>",
        y + 19.0,
        escape(s0.theatre_name),
        escape(&name)
    );
    for (idx, s) in row.iter().enumerate() {
        let next_start = row.get(idx + 1).map(|n| clock.x(n.start));
        session_svg(h, s, y, clock, hatch, next_start);
    }
}

/// A session's frame, its booked share to its right when there is room, its
/// turnarounds and its cases.
fn session_svg(
    h: &mut String,
    s: &DrawnSession<'_>,
    y: f64,
    clock: &Clock,
    hatch: &str,
    next_start_x: Option<f64>,
) {
    let (x0, x1) = (clock.x(s.start), clock.x(s.end));
    let id = escape(&s.plan.session_id);
    let _ = write!(
        h,
        "<rect class=\"session\" data-session-id=\"{id}\" x=\"{x0:.1}\" y=\"{:.1}\" \
         width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff\" stroke=\"#444\" stroke-width=\"1.2\">\
         <title>{id}: {spec}, {surgeon}, {from}–{to}, {used} of {len} min booked ({pct:.0}%)\
         </title></rect>",
        y + 2.0,
        x1 - x0,
        ROW_H - 4.0,
        spec = escape(&s.plan.specialty),
        surgeon = escape(&s.plan.surgeon_id),
        from = hhmm(s.start),
        to = hhmm(s.end),
        used = s.plan.used_minutes,
        len = s.length_min(),
        pct = 100.0 * s.utilisation(),
    );
    let room = next_start_x.unwrap_or(WIDTH) - x1;
    if room >= 30.0 {
        // A release candidate's share stands out, and says why in its tooltip.
        let (weight, fill, why) = if s.release_candidate {
            (
                "700",
                "#b3006b",
                "<title>under 50% booked: a release candidate</title>",
            )
        } else {
            ("400", "#333", "")
        };
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" font-weight=\"{weight}\" \
             fill=\"{fill}\">{why}{:.0}%</text>",
            x1 + 3.0,
            y + 19.0,
            100.0 * s.utilisation()
        );
    }
    for pair in s.cases.windows(2) {
        let from = pair[0].end;
        let to = pair[1].start.min(from + s.turnaround_min);
        if to > from {
            let _ = write!(
                h,
                "<rect class=\"turnaround\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
                 height=\"{:.1}\" fill=\"url(#{hatch})\"><title>turnaround {} min</title></rect>",
                clock.x(from),
                y + 6.0,
                clock.x(to) - clock.x(from),
                ROW_H - 12.0,
                to - from
            );
        }
    }
    for c in &s.cases {
        case_svg(h, s, c, y, clock);
    }
}

/// A case's block: coloured by priority, its label if it fits, its tooltip, the lock
/// and the change mark.
fn case_svg(h: &mut String, s: &DrawnSession<'_>, c: &DrawnCase<'_>, y: f64, clock: &Clock) {
    let case = c.case;
    let (fill, ink) = colours(case.priority);
    let p = priority_text(case.priority);
    let (x0, x1) = (clock.x(c.start) + 0.5, clock.x(c.end) - 0.5);
    let w = (x1 - x0).max(1.0);
    let dash = open_case_group(h, s, c, p);
    let (stroke, stroke_w) = if case.pinned {
        ("#000", 2.5)
    } else {
        ("#fff", 0.8)
    };
    let _ = write!(
        h,
        "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\" \
         stroke=\"{stroke}\" stroke-width=\"{stroke_w}\"/>",
        y + 6.0,
        ROW_H - 12.0
    );
    if let Some(dash) = dash {
        let _ = write!(
            h,
            "<rect class=\"mark\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\" stroke-dasharray=\"{dash}\"/>",
            x0 - 2.5,
            y + 3.0,
            w + 5.0,
            ROW_H - 6.0
        );
    }
    let mut text_x = x0 + 3.0;
    if case.pinned && w >= 14.0 {
        padlock(h, x0 + 3.0, y + 9.5, ink);
        text_x += 11.0;
    }
    let room = x1 - text_x - 2.0;
    let full = format!("{} {p}", case.patient_id);
    // About 6 px a character at 10 px.
    let label = if room >= 6.0 * full.chars().count() as f64 {
        Some(full)
    } else if room >= 14.0 {
        Some(p.to_string())
    } else {
        None
    };
    if let Some(label) = label {
        let _ = write!(
            h,
            "<text x=\"{text_x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{ink}\">{}</text>",
            y + 18.5,
            escape(&label)
        );
    }
    h.push_str("</g>");
}

/// Opens a case's `<g>` with its data attributes and tooltip; returns the dash pattern
/// of its change mark, if it changed.
fn open_case_group(
    h: &mut String,
    s: &DrawnSession<'_>,
    c: &DrawnCase<'_>,
    p: &str,
) -> Option<&'static str> {
    let case = c.case;
    let id = escape(&case.patient_id);
    let (change_attr, change_text, dash) = match &c.change {
        Change::Same => ("", String::new(), None),
        Change::Moved(from) => (
            " data-change=\"moved\"",
            format!(", moved from {from}"),
            Some("5 3"),
        ),
        Change::New => (" data-change=\"new\"", ", new".to_string(), Some("1.5 2")),
    };
    let _ = write!(
        h,
        "<g class=\"case\" data-patient-id=\"{id}\" data-session-id=\"{sid}\" \
         data-priority=\"{p}\"{locked}{change_attr}><title>{id} {p}: {proc}, {from}–{to} \
         ({min} min){lock_text}{change}</title>",
        sid = escape(&s.plan.session_id),
        locked = if case.pinned {
            " data-locked=\"true\""
        } else {
            ""
        },
        proc = escape(&case.procedure),
        from = hhmm(c.start),
        to = hhmm(c.end),
        min = c.end.saturating_sub(c.start),
        lock_text = if case.pinned { ", locked" } else { "" },
        change = escape(&change_text),
    );
    dash
}
