//! Sessions: their references, dates and times, and overlaps in a theatre or for a surgeon.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Ids, Known};
use crate::theatre::domain::*;
use crate::theatre::input::*;
use crate::validation::{Collector, unknown};

/// Session ids (CP1010, CP1011), then each session (see [`check_session`]), then overlaps in
/// one theatre (CP1034) or for one surgeon (CP1035) on one day. Returns the sessions that
/// parsed completely, each with its position in the request.
pub(super) fn check_sessions<'r>(
    c: &mut Collector,
    req: &'r TheatreRequest,
    known: &Known<'_>,
) -> (Ids<'r>, Vec<(u32, Session)>) {
    let session_ids = c.ids("sessions", req.sessions.iter().map(|s| s.id.as_str()), "id");
    // (request position, session) for the sessions that parsed completely.
    let mut sessions: Vec<(u32, Session)> = Vec::new();
    for (i, s) in req.sessions.iter().enumerate() {
        if let Some(session) = check_session(c, i, s, known, req.horizon_days) {
            sessions.push((i as u32, session));
        }
    }
    // Overlaps in one theatre or for one surgeon on one day.
    overlaps(c, &sessions, "theatre", |s| s.theatre.0, "CP1034");
    overlaps(c, &sessions, "surgeon", |s| s.surgeon.0, "CP1035");
    (session_ids, sessions)
}

/// One session: theatre, specialty and surgeon (CP1020), date and times (CP1030, CP1031),
/// end after start (CP1032), date inside the horizon (CP1033).
fn check_session(
    c: &mut Collector,
    i: usize,
    s: &SessionInput,
    known: &Known<'_>,
    horizon_days: u32,
) -> Option<Session> {
    let f = |name: &str| format!("sessions[{i}].{name}");
    let theatre = known.theatres.get(s.theatre_id.as_str()).copied();
    if theatre.is_none() {
        unknown(c, f("theatre_id"), "theatre", &s.theatre_id);
    }
    let specialty = known.specialties.get(s.specialty.as_str()).copied();
    if specialty.is_none() {
        unknown(c, f("specialty"), "specialty", &s.specialty);
    }
    let surgeon = known.surgeons.get(s.surgeon_id.as_str()).copied();
    if surgeon.is_none() {
        unknown(c, f("surgeon_id"), "surgeon", &s.surgeon_id);
    }
    let date = c.date(f("date"), &s.date);
    let start = c.time(f("start_time"), &s.start_time);
    let end = c.time(f("end_time"), &s.end_time);
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        c.push(
            "CP1032",
            f("end_time"),
            format!(
                "the session ends at {} but starts at {}: it must end after it starts (on the same day)",
                s.end_time, s.start_time
            ),
        );
    }
    let mut day = None;
    if let (Some(date), Some(ps)) = (date, known.planning_start) {
        let offset = (date - ps).num_days();
        if offset < 0 || offset >= i64::from(horizon_days) {
            c.push(
                "CP1033",
                f("date"),
                format!("{date} is outside the horizon ({ps} for {horizon_days} days)"),
            );
        } else {
            day = Some(offset as u32);
        }
    }
    if let (Some(t), Some(sp), Some(k), Some(date), Some(day), Some(start), Some(end)) =
        (theatre, specialty, surgeon, date, day, start, end)
        && end > start
    {
        return Some(Session {
            id: s.id.clone(),
            theatre: TheatreIdx(t),
            date,
            day,
            start,
            end,
            length_min: (end - start).num_minutes() as u32,
            specialty: SpecialtyIdx(sp),
            surgeon: SurgeonIdx(k),
        });
    }
    None
}

/// Reports, with `code`, each session that starts before another one with the same `key`
/// on the same day has ended.
fn overlaps(
    c: &mut Collector,
    sessions: &[(u32, Session)],
    what: &str,
    key: impl Fn(&Session) -> u32,
    code: &'static str,
) {
    let mut by_key: BTreeMap<(u32, NaiveDate), Vec<(u32, &Session)>> = BTreeMap::new();
    for (i, s) in sessions {
        by_key.entry((key(s), s.date)).or_default().push((*i, s));
    }
    for list in by_key.values_mut() {
        list.sort_by_key(|(i, s)| (s.start, *i));
        // Compare each session with the one that ends last among those before it.
        for k in 1..list.len() {
            let (ia, a) = *list[..k]
                .iter()
                .max_by_key(|(i, s)| (s.end, std::cmp::Reverse(*i)))
                .expect("k >= 1");
            let (ib, b) = list[k];
            if b.start < a.end {
                c.push(
                    code,
                    format!("sessions[{ib}].start_time"),
                    format!(
                        "session '{}' overlaps session '{}' (sessions[{ia}]) in the same {what} on {}",
                        b.id, a.id, a.date
                    ),
                );
            }
        }
    }
}
