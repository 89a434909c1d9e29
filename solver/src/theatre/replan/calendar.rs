//! The 6-4-2 calendar: a booking's state from its session's date when the previous plan
//! does not say it.

use chrono::NaiveDate;

use super::BookingState;

/// The state of a booking whose session is on `date`, re-planned on `replan_date`:
/// LOCKED within `lock_days` (and on any day already past), NOTIFIED within
/// `notify_days`, DRAFT later. A booking with no known date is taken as NOTIFIED: the
/// patient may have been told.
pub fn state_on(
    date: Option<NaiveDate>,
    replan_date: NaiveDate,
    lock_days: u32,
    notify_days: u32,
) -> BookingState {
    let Some(date) = date else {
        return BookingState::Notified;
    };
    let days_ahead = (date - replan_date).num_days();
    if days_ahead < i64::from(lock_days) {
        BookingState::Locked
    } else if days_ahead < i64::from(notify_days) {
        BookingState::Notified
    } else {
        BookingState::Draft
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_locks_two_weeks_and_notifies_four() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2026-03-02");
        let state = |s| state_on(Some(d(s)), today, 14, 28);
        assert_eq!(state("2026-02-27"), BookingState::Locked);
        assert_eq!(state("2026-03-15"), BookingState::Locked);
        assert_eq!(state("2026-03-16"), BookingState::Notified);
        assert_eq!(state("2026-03-29"), BookingState::Notified);
        assert_eq!(state("2026-03-30"), BookingState::Draft);
        assert_eq!(state_on(None, today, 14, 28), BookingState::Notified);
    }
}
