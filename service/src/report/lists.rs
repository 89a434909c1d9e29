//! The theatre lists as a picture: `clinicplan plan-theatres --html WEEK.html`.
//!
//! One self-contained page (inline SVG, no scripts, nothing fetched) that a scheduler
//! reads at a glance: one panel per week of the horizon (Monday-based), inside it one row
//! per theatre and day on a clock-time axis common to the whole page; each session a
//! frame from its start to its end, each case a block from its start to its end coloured
//! by priority (the Okabe–Ito palette, safe for the common colour-vision deficiencies,
//! and the priority also written in the block and its tooltip), the turnaround after a
//! case hatched, idle time the empty part of the frame, locked (pinned) cases with a
//! thick border and a padlock, and, against a previous plan when one is given, moved
//! cases with a dashed outline and new ones with a dotted outline. Beside the panels,
//! the patients left waiting grouped by reason (and those displaced since the previous
//! plan); under them the 6-4-2 view: per week, sessions, booked minutes and utilisation,
//! and the sessions under half booked inside four weeks of the planning start (release
//! candidates) with the weighted wait their release would cost, as [`ReleaseReview`]
//! states it and says how it was found.
//!
//! [`render_lists`] is a pure function of the request, the plan, the optional previous
//! plan and the release review: the same input gives the same bytes. Every text from the
//! request or the plan is escaped.

mod aside;
mod panel;
#[cfg(test)]
mod tests;
mod weeks;

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate};
use clinicplan_solver::theatre::TheatreRequest;

use super::page::{escape, page_start_styled};
use crate::proto;

/// Sessions below this share of their minutes booked, within [`RELEASE_WINDOW_DAYS`] of
/// the planning start, are release candidates (the 6-4-2 review's rule of thumb).
pub const RELEASE_BELOW_UTILISATION: f64 = 0.5;
/// The four weeks of the 6-4-2 cycle's release mark.
pub const RELEASE_WINDOW_DAYS: u64 = 28;

/// A plan the page cannot be drawn from: a date or clock time that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ListsError {
    #[error("{field} is not a date (YYYY-MM-DD): {value:?}")]
    Date { field: String, value: String },
    #[error("{field} is not a clock time (HH:MM): {value:?}")]
    Time { field: String, value: String },
}

/// What the weighted-wait cost of releasing one session is.
#[derive(Clone, Debug, PartialEq)]
pub enum ReleaseCost {
    /// Found: the weighted wait rises by `increase` and `fewer_patients` fewer patients
    /// are scheduled (either may be negative, the method being a heuristic).
    Computed { increase: f64, fewer_patients: i64 },
    /// Not found, and why.
    NotComputed(String),
}

/// The release candidates' costs and the method that found them.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseReview {
    /// How the costs were found, as the report states it.
    pub method: String,
    /// Cost per session id; a candidate without an entry is reported as not computed.
    pub costs: HashMap<String, ReleaseCost>,
}

impl ReleaseReview {
    /// No cost computed, for `reason`.
    pub fn not_computed(reason: &str) -> Self {
        ReleaseReview {
            method: format!("not computed: {reason}"),
            costs: HashMap::new(),
        }
    }
}

/// Everything the page is drawn from.
pub struct ListsReport<'a> {
    pub request: &'a TheatreRequest,
    pub plan: &'a proto::PlanTheatreListsResponse,
    /// The plan this one replaces, for the moved and new marks (`replan`); `None` for
    /// a first plan.
    pub previous: Option<&'a proto::PlanTheatreListsResponse>,
    pub release: &'a ReleaseReview,
}

/// How a case stands against the previous plan.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// No previous plan, or the same session and start.
    Same,
    /// In the previous plan elsewhere or at another time: there, as text.
    Moved(String),
    /// Not scheduled in the previous plan.
    New,
}

/// One case, timed in minutes after midnight.
pub(crate) struct DrawnCase<'a> {
    pub(crate) case: &'a proto::Case,
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) change: Change,
}

/// One session with its cases, timed in minutes after midnight.
pub(crate) struct DrawnSession<'a> {
    pub(crate) plan: &'a proto::SessionPlan,
    /// Its index in the plan's sessions.
    pub(crate) plan_idx: usize,
    pub(crate) date: NaiveDate,
    pub(crate) theatre_idx: usize,
    pub(crate) theatre_name: &'a str,
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) turnaround_min: u32,
    pub(crate) cases: Vec<DrawnCase<'a>>,
    /// A release candidate (set by [`render_lists`]).
    pub(crate) release_candidate: bool,
}

impl DrawnSession<'_> {
    pub(crate) fn length_min(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// Used minutes over session minutes (0 for an empty-length session).
    pub(crate) fn utilisation(&self) -> f64 {
        match self.length_min() {
            0 => 0.0,
            n => f64::from(self.plan.used_minutes) / f64::from(n),
        }
    }
}

/// `HH:MM` as minutes after midnight.
pub(crate) fn parse_minutes(field: &str, value: &str) -> Result<u32, ListsError> {
    let bad = || ListsError::Time {
        field: field.to_string(),
        value: value.to_string(),
    };
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub(crate) fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ListsError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| ListsError::Date {
        field: field.to_string(),
        value: value.to_string(),
    })
}

/// `HH:MM` of minutes after midnight.
pub(crate) fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Each scheduled patient of `plan`: (session id, start time).
fn placements(plan: &proto::PlanTheatreListsResponse) -> HashMap<&str, (&str, &str)> {
    plan.sessions
        .iter()
        .flat_map(|s| {
            s.cases.iter().map(|c| {
                (
                    c.patient_id.as_str(),
                    (s.session_id.as_str(), c.start_time.as_str()),
                )
            })
        })
        .collect()
}

/// The plan's sessions, parsed and marked against `previous`, in plan order.
pub(crate) fn drawn_sessions<'a>(
    request: &'a TheatreRequest,
    plan: &'a proto::PlanTheatreListsResponse,
    previous: Option<&proto::PlanTheatreListsResponse>,
) -> Result<Vec<DrawnSession<'a>>, ListsError> {
    let before = previous.map(placements);
    let theatres: HashMap<&str, (usize, &str)> = request
        .theatres
        .iter()
        .enumerate()
        .map(|(idx, t)| (t.id.as_str(), (idx, t.name.as_str())))
        .collect();
    let turnaround: HashMap<&str, u32> = request
        .specialties
        .iter()
        .map(|s| (s.code.as_str(), s.turnaround_min))
        .collect();
    let mut out = Vec::with_capacity(plan.sessions.len());
    for (s_idx, s) in plan.sessions.iter().enumerate() {
        let field = |name: &str| format!("sessions[{s_idx}].{name}");
        let (theatre_idx, theatre_name) = theatres
            .get(s.theatre_id.as_str())
            .copied()
            .unwrap_or((usize::MAX, s.theatre_id.as_str()));
        let mut cases = Vec::with_capacity(s.cases.len());
        for (c_idx, c) in s.cases.iter().enumerate() {
            let field = |name: &str| format!("sessions[{s_idx}].cases[{c_idx}].{name}");
            let change = match &before {
                None => Change::Same,
                Some(before) => match before.get(c.patient_id.as_str()) {
                    None => Change::New,
                    // A new place in the same list is not a move (as in the response's
                    // `changes`): the patient keeps their date.
                    Some(&(sid, _)) if sid == s.session_id => Change::Same,
                    Some(&(sid, t)) => Change::Moved(format!("{sid} at {t}")),
                },
            };
            cases.push(DrawnCase {
                case: c,
                start: parse_minutes(&field("start_time"), &c.start_time)?,
                end: parse_minutes(&field("end_time"), &c.end_time)?,
                change,
            });
        }
        out.push(DrawnSession {
            plan: s,
            plan_idx: s_idx,
            date: parse_date(&field("date"), &s.date)?,
            theatre_idx,
            theatre_name,
            start: parse_minutes(&field("start_time"), &s.start_time)?,
            end: parse_minutes(&field("end_time"), &s.end_time)?,
            turnaround_min: turnaround.get(s.specialty.as_str()).copied().unwrap_or(0),
            cases,
            release_candidate: false,
        });
    }
    Ok(out)
}

/// The Monday on or before `date`.
pub(crate) fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// The sessions of `plan` under [`RELEASE_BELOW_UTILISATION`] booked that start within
/// [`RELEASE_WINDOW_DAYS`] of `planning_start`, in plan order.
pub fn release_candidates(
    request: &TheatreRequest,
    plan: &proto::PlanTheatreListsResponse,
) -> Result<Vec<String>, ListsError> {
    let start = parse_date("planning_start", &request.planning_start)?;
    let sessions = drawn_sessions(request, plan, None)?;
    Ok(candidates_in(start, &sessions)
        .map(|s| s.plan.session_id.clone())
        .collect())
}

pub(crate) fn candidates_in<'s, 'a>(
    start: NaiveDate,
    sessions: &'s [DrawnSession<'a>],
) -> impl Iterator<Item = &'s DrawnSession<'a>> {
    let mark = start + Days::new(RELEASE_WINDOW_DAYS);
    sessions
        .iter()
        .filter(move |s| s.date >= start && s.date < mark)
        .filter(|s| s.utilisation() < RELEASE_BELOW_UTILISATION)
}

const LISTS_STYLE: &str = "\
main{max-width:1440px}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:20px;align-items:start}
.week{margin:0 0 20px;padding:10px 12px;background:#fff;border:1px solid #ddd;border-radius:6px}
.week h2{margin:0 0 2px;font-size:1.15em}
.week p{margin:0 0 6px;color:#444;font-size:.92em}
.week svg{display:block;width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0 0 14px;font-size:.92em}
.legend span{display:inline-flex;align-items:center;gap:6px}
aside{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;font-size:.92em}
aside h2{margin:0 0 6px;font-size:1.1em}
aside h2:not(:first-child){margin-top:16px}
aside h3{margin:12px 0 4px;font-size:1em}
aside ul{margin:0;padding-left:18px}
aside .more{color:#555}
td.text{text-align:left}
";

/// The page: header, legend, week panels beside the waiting and displaced patients,
/// then the 6-4-2 view.
pub fn render_lists(report: &ListsReport<'_>) -> Result<String, ListsError> {
    let request = report.request;
    let start = parse_date("planning_start", &request.planning_start)?;
    let mut sessions = drawn_sessions(request, report.plan, report.previous)?;
    let candidates: Vec<usize> = candidates_in(start, &sessions)
        .map(|s| s.plan_idx)
        .collect();
    for idx in candidates {
        sessions[idx].release_candidate = true;
    }
    let mut h = String::new();
    page_start_styled(
        &mut h,
        "Theatre lists from",
        &escape(&request.planning_start),
        LISTS_STYLE,
    );
    lede(&mut h, report, sessions.len());
    panel::legend(&mut h, report.previous.is_some());
    h.push_str("<div class=\"layout\">\n<div class=\"panels\">\n");
    let clock = panel::Clock::of(&sessions);
    for (week_idx, (monday, week)) in weeks::by_week(start, request.horizon_days, &sessions)
        .into_iter()
        .enumerate()
    {
        panel::week_panel(&mut h, week_idx, monday, &week, &clock);
    }
    h.push_str("</div>\n");
    aside::aside(&mut h, report);
    h.push_str("</div>\n");
    weeks::six_four_two(
        &mut h,
        start,
        request.horizon_days,
        &sessions,
        report.release,
    );
    h.push_str(
        "<footer>Drawn by clinicplan from the plan alone: no scripts, nothing fetched.\
         </footer>\n</main>\n</body>\n</html>\n",
    );
    Ok(h)
}

/// The line under the title: the horizon and the plan's figures.
fn lede(h: &mut String, report: &ListsReport<'_>, n_sessions: usize) {
    let plan = report.plan;
    let n_cases: usize = plan.sessions.iter().map(|s| s.cases.len()).sum();
    let _ = write!(
        h,
        "<p class=\"lede\">{days} days from {start}: {n_cases} cases in {n_sessions} \
         sessions, {waiting} patients left waiting",
        days = report.request.horizon_days,
        start = escape(&report.request.planning_start),
        waiting = plan.unscheduled.len(),
    );
    if let Some(m) = &plan.metrics {
        let _ = write!(
            h,
            "; weighted wait {:.1}, utilisation {:.0}%",
            m.weighted_wait,
            100.0 * m.utilisation
        );
    }
    if report.previous.is_some() {
        h.push_str("; marked against the previous plan");
    }
    h.push_str(".</p>\n");
}

/// The page, written to `path`.
pub fn write_lists_report(
    path: &std::path::Path,
    report: &ListsReport<'_>,
) -> Result<(), WriteListsError> {
    let html = render_lists(report)?;
    std::fs::write(path, html).map_err(|source| WriteListsError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Why the page was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteListsError {
    #[error(transparent)]
    Plan(#[from] ListsError),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}
