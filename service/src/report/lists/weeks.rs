//! The weeks of the horizon: the sessions of each, and the 6-4-2 view (per week,
//! sessions, booked minutes, utilisation; the release candidates and their cost).

use std::fmt::Write as _;

use chrono::{Days, NaiveDate};

use super::{
    DrawnSession, RELEASE_BELOW_UTILISATION, RELEASE_WINDOW_DAYS, ReleaseCost, ReleaseReview,
    candidates_in, hhmm, monday_of,
};
use crate::report::page::escape;

/// Each Monday of the horizon (the first on or before `start`) with that week's
/// sessions, by date then theatre; sessions outside the horizon go to their own week.
pub(super) fn by_week<'s, 'a>(
    start: NaiveDate,
    horizon_days: u32,
    sessions: &'s [DrawnSession<'a>],
) -> Vec<(NaiveDate, Vec<&'s DrawnSession<'a>>)> {
    let last = start + Days::new(u64::from(horizon_days.max(1) - 1));
    let mut mondays: Vec<NaiveDate> = Vec::new();
    let mut monday = monday_of(start);
    while monday <= last {
        mondays.push(monday);
        monday = monday + Days::new(7);
    }
    for s in sessions {
        let m = monday_of(s.date);
        if !mondays.contains(&m) {
            mondays.push(m);
        }
    }
    mondays.sort();
    mondays
        .into_iter()
        .map(|m| {
            let mut week: Vec<&DrawnSession> =
                sessions.iter().filter(|s| monday_of(s.date) == m).collect();
            week.sort_by_key(|s| (s.date, s.theatre_idx, s.plan.theatre_id.clone(), s.start));
            (m, week)
        })
        .collect()
}

/// One week's totals: sessions, session minutes, used minutes.
pub(super) fn totals(week: &[&DrawnSession<'_>]) -> (usize, u32, u32) {
    let minutes: u32 = week.iter().map(|s| s.length_min()).sum();
    let used: u32 = week.iter().map(|s| s.plan.used_minutes).sum();
    (week.len(), minutes, used)
}

pub(super) fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        "–".to_string()
    } else {
        format!("{:.0}%", 100.0 * f64::from(part) / f64::from(whole))
    }
}

/// The 6-4-2 section: the weeks' table, then the release candidates' table.
pub(super) fn six_four_two(
    h: &mut String,
    start: NaiveDate,
    horizon_days: u32,
    sessions: &[DrawnSession<'_>],
    release: &ReleaseReview,
) {
    let mark = start + Days::new(RELEASE_WINDOW_DAYS);
    h.push_str(
        "<section id=\"six-four-two\">\n<h2>6-4-2 view</h2>\n<p>Booked minutes run from a \
         session's start to the end of its last case (turnarounds between cases included).\
         </p>\n<table>\n<thead><tr><th>week of</th><th>sessions</th><th>session minutes\
         </th><th>booked minutes</th><th>utilisation</th><th>under 50% booked</th></tr>\
         </thead>\n<tbody>\n",
    );
    for (monday, week) in by_week(start, horizon_days, sessions) {
        let (n, minutes, used) = totals(&week);
        let under = week
            .iter()
            .filter(|s| s.utilisation() < RELEASE_BELOW_UTILISATION)
            .count();
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td>{n}</td><td>{minutes}</td><td>{used}</td>\
             <td>{}</td><td>{under}</td></tr>",
            monday.format("%a %-d %b %Y"),
            percent(used, minutes)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    let candidates: Vec<&DrawnSession> = candidates_in(start, sessions).collect();
    let _ = writeln!(
        h,
        "<h3>Release candidates</h3>\n<p>Sessions under {:.0}% booked before {} (four weeks \
         from the planning start): {}. Weighted wait their release would cost: {}</p>",
        100.0 * RELEASE_BELOW_UTILISATION,
        mark.format("%a %-d %b %Y"),
        candidates.len(),
        escape(&release.method)
    );
    if candidates.is_empty() {
        h.push_str("</section>\n");
        return;
    }
    h.push_str(
        "<table id=\"release-candidates\">\n<thead><tr><th>session</th><th>theatre</th>\
         <th>date</th><th>time</th><th>specialty</th><th>cases</th><th>booked</th>\
         <th>release would cost (weighted wait)</th></tr></thead>\n<tbody>\n",
    );
    for s in candidates {
        let cost = match release.costs.get(&s.plan.session_id) {
            Some(ReleaseCost::Computed {
                increase,
                fewer_patients,
            }) => format!("{increase:+.1} ({fewer_patients:+} patients unscheduled)"),
            Some(ReleaseCost::NotComputed(why)) => format!("not computed: {why}"),
            None => "not computed".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr data-session-id=\"{id}\"><th scope=\"row\">{id}</th><td class=\"text\">\
             {theatre}</td><td class=\"text\">{date}</td><td class=\"text\">{from}–{to}</td>\
             <td class=\"text\">{spec}</td><td>{n}</td><td>{booked:.0}%</td>\
             <td class=\"text\">{cost}</td></tr>",
            id = escape(&s.plan.session_id),
            theatre = escape(s.theatre_name),
            date = s.date.format("%a %-d %b"),
            from = hhmm(s.start),
            to = hhmm(s.end),
            spec = escape(&s.plan.specialty),
            n = s.cases.len(),
            booked = 100.0 * s.utilisation(),
            cost = escape(&cost),
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}
