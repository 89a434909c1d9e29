//! The tests' own reading of re-planning (issue 20): the 6-4-2 calendar, the documented
//! defaults, and each booking of the previous plan standing or displaced. Written again
//! from the issue and docs/model.md "Stability", sharing nothing with the solver.

use std::collections::HashMap;

use chrono::NaiveDate;
use clinicplan_service::proto;

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A previous booking's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Locked,
    Notified,
    Draft,
}

impl State {
    pub fn wire(self) -> i32 {
        match self {
            State::Locked => proto::BookingState::Locked as i32,
            State::Notified => proto::BookingState::Notified as i32,
            State::Draft => proto::BookingState::Draft as i32,
        }
    }
}

/// The re-planning settings, documented defaults filled in.
#[derive(Clone, Debug)]
pub struct Settings {
    pub replan_date: NaiveDate,
    pub lock_days: i64,
    pub notify_days: i64,
    pub notice_days: [i64; 4],
    pub move_cost: f64,
    pub cancel_cost: f64,
    pub draft_move_cost: f64,
}

impl Settings {
    /// Read from a request that re-plans; `None` for one that does not.
    pub fn read(
        request: &proto::PlanTheatreListsRequest,
        planning_start: NaiveDate,
    ) -> Option<Self> {
        if request.replan.is_none() && request.previous_plan.is_empty() {
            return None;
        }
        let r = request.replan.clone().unwrap_or_default();
        let notice = [
            r.min_notice_days_p1.unwrap_or(0),
            r.min_notice_days_p2.unwrap_or(7),
            r.min_notice_days_p3.unwrap_or(7),
            r.min_notice_days_p4.unwrap_or(7),
        ];
        Some(Settings {
            replan_date: parse_date(&r.replan_date).unwrap_or(planning_start),
            lock_days: i64::from(r.lock_days.unwrap_or(14)),
            notify_days: i64::from(r.notify_days.unwrap_or(28)),
            notice_days: notice.map(i64::from),
            move_cost: r.move_cost.unwrap_or(40.0),
            cancel_cost: r.cancel_cost.unwrap_or(200.0),
            draft_move_cost: r.draft_move_cost.unwrap_or(1.0),
        })
    }

    /// The state of a booking on `date`: locked within the lock days (or past), notified
    /// within the notify days, draft later; notified when the date is not known.
    pub fn state_on(&self, date: Option<NaiveDate>) -> State {
        match date.map(|d| (d - self.replan_date).num_days()) {
            None => State::Notified,
            Some(ahead) if ahead < self.lock_days => State::Locked,
            Some(ahead) if ahead < self.notify_days => State::Notified,
            Some(_) => State::Draft,
        }
    }

    pub fn move_cost(&self, state: State) -> f64 {
        match state {
            State::Draft => self.draft_move_cost,
            State::Locked | State::Notified => self.move_cost,
        }
    }

    pub fn cancel_cost(&self, state: State) -> f64 {
        match state {
            State::Draft => self.draft_move_cost,
            State::Locked | State::Notified => self.cancel_cost,
        }
    }
}

/// One booking of the previous plan, as the tests resolve it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub patient_id: String,
    pub session_id: String,
    pub date: Option<NaiveDate>,
    pub state: State,
    pub patient: Option<usize>,
    /// The session, when the booking stands.
    pub standing: Option<usize>,
    /// Why it cannot stand, as the issue words it.
    pub displaced: Option<&'static str>,
}

/// The previous plan resolved.
#[derive(Clone, Debug)]
pub struct PreviousPlan {
    pub settings: Settings,
    pub entries: Vec<Entry>,
    /// Patient → position in `entries`.
    pub of_patient: HashMap<usize, usize>,
    /// Patient → the session the notice does not apply to (standing booking or pin).
    pub exempt: HashMap<usize, usize>,
}
