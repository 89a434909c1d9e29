//! Wall-clock time in England: FHIR instants carry an offset, the plan's sessions are
//! local dates and "HH:MM" times.
//!
//! The rule is the UK's since 1996 (and the EU's): British Summer Time, UTC+1, from
//! 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October;
//! GMT otherwise. A time-zone database would be a large dependency for one zone.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("a valid month");
    let last = first_next - Duration::days(1);
    last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

/// Whether `utc` falls in British Summer Time.
fn is_summer(utc: NaiveDateTime) -> bool {
    let year = utc.year();
    let starts = last_sunday(year, 3).and_hms_opt(1, 0, 0).expect("01:00");
    let ends = last_sunday(year, 10).and_hms_opt(1, 0, 0).expect("01:00");
    utc >= starts && utc < ends
}

/// The local wall-clock time of an instant.
pub fn to_local(instant: DateTime<FixedOffset>) -> NaiveDateTime {
    let utc = instant.with_timezone(&Utc).naive_utc();
    if is_summer(utc) {
        utc + Duration::hours(1)
    } else {
        utc
    }
}

/// The instant of a local wall-clock time, with its offset (`+00:00` or `+01:00`).
/// In the hour skipped in March the clock is read as GMT; in the hour repeated in
/// October as BST (the first of the two).
pub fn from_local(local: NaiveDateTime) -> DateTime<FixedOffset> {
    let summer = is_summer(local - Duration::hours(1));
    let offset = FixedOffset::east_opt(if summer { 3600 } else { 0 }).expect("a valid offset");
    offset
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset maps every local time")
}

/// `2026-03-02T08:00:00+00:00`.
pub fn instant_text(local: NaiveDateTime) -> String {
    from_local(local).to_rfc3339()
}

/// A FHIR `instant` or `dateTime` with a time, as local time; `None` when it is not one.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text).ok().map(to_local)
}

/// A FHIR `date` (`2026-03-02`) or `dateTime` as a local date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    parse_instant(text).map(|t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn summer_time_runs_from_the_last_sunday_of_march_to_the_last_of_october() {
        // 2026: 29 March and 25 October.
        assert_eq!(
            instant_text(local("2026-03-27 08:00")),
            "2026-03-27T08:00:00+00:00"
        );
        assert_eq!(
            instant_text(local("2026-03-30 08:00")),
            "2026-03-30T08:00:00+01:00"
        );
        assert_eq!(
            instant_text(local("2026-10-23 08:00")),
            "2026-10-23T08:00:00+01:00"
        );
        assert_eq!(
            instant_text(local("2026-10-26 08:00")),
            "2026-10-26T08:00:00+00:00"
        );
    }

    #[test]
    fn an_instant_in_any_offset_reads_as_london_wall_clock_time() {
        assert_eq!(
            parse_instant("2026-06-01T07:30:00Z"),
            Some(local("2026-06-01 08:30"))
        );
        assert_eq!(
            parse_instant("2016-08-15T11:30:00.000+01:00"),
            Some(local("2016-08-15 11:30"))
        );
        assert_eq!(
            parse_instant("2022-12-20T11:20:00+07:00"),
            Some(local("2022-12-20 04:20"))
        );
        assert_eq!(parse_instant("2026-06-01"), None);
        assert_eq!(
            parse_date("2023-05-18T17:50:00+07:00"),
            NaiveDate::from_ymd_opt(2023, 5, 18)
        );
        assert_eq!(parse_date("2023-05"), None);
    }
}
