//! Re-planning: the settings (CP1072, CP1073, CP1075), the previous plan's entries
//! (CP1070, CP1071, CP1074) and, once the instance exists, each previous booking resolved:
//! standing, or displaced with its reason. Unknown patients and sessions in the previous
//! plan are not errors: a patient treated elsewhere or a cancelled session is exactly
//! what re-planning is for.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Ids;
use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::*;
use crate::theatre::eligibility::{Ineligible, check_pair, eligible_sessions};
use crate::theatre::input::*;
use crate::theatre::replan::calendar::state_on;
use crate::validation::{Collector, MAX_HORIZON_DAYS};

/// The checked re-planning settings.
pub(super) struct Settings {
    /// `None` when it did not parse (an error is already collected).
    replan_date: Option<NaiveDate>,
    lock_days: u32,
    notify_days: u32,
    min_notice_days: [u32; 4],
    costs: StabilityCosts,
    compare_with_scratch: bool,
}

/// A previous booking whose fields parsed: its position, its patient's position in the
/// request (if on the list), its date as the previous plan gave it, its state if given.
pub(super) struct PreviousRef {
    i: usize,
    patient: Option<u32>,
    session_date: Option<NaiveDate>,
    state: Option<BookingState>,
}

/// The re-planning settings, when the request re-plans (a `replan` message or a
/// non-empty `previous_plan`): the re-plan date inside the horizon (CP1030, CP1072),
/// finite non-negative costs (CP1073), day counts in range and in order (CP1075).
pub(super) fn check_replan_settings(
    c: &mut Collector,
    req: &TheatreRequest,
    planning_start: Option<NaiveDate>,
) -> Option<Settings> {
    if req.replan.is_none() && req.previous_plan.is_empty() {
        return None;
    }
    let r = req.replan.clone().unwrap_or_default();
    let replan_date = if r.replan_date.is_empty() {
        planning_start
    } else {
        c.date("replan.replan_date".into(), &r.replan_date)
    };
    if let (Some(date), Some(start)) = (replan_date, planning_start) {
        let day = (date - start).num_days();
        if day < 0 || day >= i64::from(req.horizon_days.max(1)) {
            c.push(
                "CP1072",
                "replan.replan_date",
                format!(
                    "{date} is outside the horizon ({start} and the {} days after it): give a date inside it, or leave it unset for the planning start",
                    req.horizon_days
                ),
            );
        }
    }
    let mut cost = |field: &str, value: Option<f64>, default: f64| match value {
        None => default,
        Some(v) if v.is_finite() && (0.0..=1e9).contains(&v) => v,
        Some(v) => {
            c.push(
                "CP1073",
                format!("replan.{field}"),
                format!("{v} is not a cost: give a finite number from 0 to 1e9, or leave it unset"),
            );
            default
        }
    };
    let costs = StabilityCosts {
        move_cost: cost("move_cost", r.move_cost, DEFAULT_MOVE_COST),
        cancel_cost: cost("cancel_cost", r.cancel_cost, DEFAULT_CANCEL_COST),
        draft_move_cost: cost(
            "draft_move_cost",
            r.draft_move_cost,
            DEFAULT_DRAFT_MOVE_COST,
        ),
    };
    if costs.move_cost > costs.cancel_cost {
        c.push(
            "CP1073",
            "replan.move_cost",
            format!(
                "moving a notified patient ({}) would cost more than taking their date away ({}): give a move cost no higher than the cancel cost",
                costs.move_cost, costs.cancel_cost
            ),
        );
    }
    let (lock_days, notify_days, min_notice_days) = check_days(c, &r);
    Some(Settings {
        replan_date,
        lock_days,
        notify_days,
        min_notice_days,
        costs,
        compare_with_scratch: r.compare_with_scratch,
    })
}

/// Lock, notify and notice days (CP1075): each at most the longest horizon, and the
/// lock no longer than the notice period.
fn check_days(c: &mut Collector, r: &ReplanInput) -> (u32, u32, [u32; 4]) {
    let mut days = |field: String, value: Option<u32>, default: u32| match value {
        None => default,
        Some(v) if v <= MAX_HORIZON_DAYS => v,
        Some(v) => {
            c.push(
                "CP1075",
                field,
                format!("{v} days: give at most {MAX_HORIZON_DAYS}"),
            );
            default
        }
    };
    let lock = days("replan.lock_days".into(), r.lock_days, DEFAULT_LOCK_DAYS);
    let notify = days(
        "replan.notify_days".into(),
        r.notify_days,
        DEFAULT_NOTIFY_DAYS,
    );
    let mut notice = DEFAULT_MIN_NOTICE_DAYS;
    for (rank, n) in notice.iter_mut().enumerate() {
        *n = days(
            format!("replan.min_notice_days_p{}", rank + 1),
            r.min_notice_days[rank],
            *n,
        );
    }
    if lock > notify {
        c.push(
            "CP1075",
            "replan.lock_days",
            format!(
                "lists locked {lock} days ahead but patients notified only {notify} days ahead: the lock must not be longer than the notice period"
            ),
        );
    }
    (lock, notify, notice)
}

/// The previous plan's entries: ids given (CP1070), each patient once (CP1071), a known
/// state (CP1074), a date that parses when given (CP1030).
pub(super) fn check_previous_references(
    c: &mut Collector,
    req: &TheatreRequest,
    patient_ids: &Ids<'_>,
) -> Vec<PreviousRef> {
    let mut refs = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, b) in req.previous_plan.iter().enumerate() {
        let mut ok = true;
        for (field, value) in [("patient_id", &b.patient_id), ("session_id", &b.session_id)] {
            if value.trim().is_empty() {
                ok = false;
                c.push(
                    "CP1070",
                    format!("previous_plan[{i}].{field}"),
                    "the booking has no id here: give the patient and the session of every booking",
                );
            }
        }
        if let Some(first) = seen.get(b.patient_id.as_str()).copied() {
            ok = false;
            c.push(
                "CP1071",
                format!("previous_plan[{i}].patient_id"),
                format!(
                    "patient '{}' is already booked by previous_plan[{first}]: a plan books a patient once",
                    b.patient_id
                ),
            );
        } else {
            seen.insert(&b.patient_id, i);
        }
        let state = match b.state {
            BookingStateInput::Unspecified => None,
            BookingStateInput::Locked => Some(BookingState::Locked),
            BookingStateInput::Notified => Some(BookingState::Notified),
            BookingStateInput::Draft => Some(BookingState::Draft),
            BookingStateInput::Unknown(v) => {
                ok = false;
                c.push(
                    "CP1074",
                    format!("previous_plan[{i}].state"),
                    format!("{v} is not a booking state: give BOOKING_STATE_LOCKED, _NOTIFIED or _DRAFT, or leave it unset for the 6-4-2 calendar"),
                );
                None
            }
        };
        let session_date = if b.session_date.is_empty() {
            None
        } else {
            let date = c.date(format!("previous_plan[{i}].session_date"), &b.session_date);
            ok &= date.is_some();
            date
        };
        if ok {
            refs.push(PreviousRef {
                i,
                patient: patient_ids.get(b.patient_id.as_str()).copied(),
                session_date,
                state,
            });
        }
    }
    refs
}

/// What [`resolve_previous`] needs from the request besides the instance.
pub(super) struct Resolve<'a> {
    pub(super) req: &'a TheatreRequest,
    pub(super) session_ids: &'a Ids<'a>,
    /// Request position of a session → its position in the instance.
    pub(super) session_position: &'a [u32],
}

/// Each previous booking standing or displaced; standing LOCKED bookings become pins
/// (those that no longer fit beside the pins and the earlier locked bookings are
/// displaced); then the eligible sessions again, with the minimum notice.
pub(super) fn resolve_previous(
    instance: &mut Instance,
    settings: Settings,
    refs: Vec<PreviousRef>,
    r: &Resolve<'_>,
) {
    let replan_date = settings
        .replan_date
        .expect("checked before the instance is built");
    let explicit: HashMap<PatientIdx, SessionIdx> = instance.pinned.iter().copied().collect();
    let mut loads = Loads::new(instance);
    instance
        .pinned
        .iter()
        .for_each(|&(p, s)| loads.add(instance, p, s));
    let n = instance.patients.len();
    let mut by_patient = vec![None; n];
    let mut notice_exempt: Vec<Option<SessionIdx>> = vec![None; n];
    let mut locked = Vec::new();
    let mut entries = Vec::with_capacity(refs.len());
    for PreviousRef {
        i,
        patient,
        session_date,
        state,
    } in refs
    {
        let b = &r.req.previous_plan[i];
        let patient = patient.map(PatientIdx);
        let session = r
            .session_ids
            .get(b.session_id.as_str())
            .map(|&k| SessionIdx(r.session_position[k as usize]));
        let session_date = session.map(|s| instance.session(s).date).or(session_date);
        let from_calendar = state.is_none();
        let state = state.unwrap_or_else(|| {
            state_on(
                session_date,
                replan_date,
                settings.lock_days,
                settings.notify_days,
            )
        });
        let mut displaced = displacement(instance, patient, session);
        if let (None, Some(p), Some(s)) = (&displaced, patient, session)
            && state == BookingState::Locked
            && !explicit.contains_key(&p)
        {
            displaced = lock_if_it_fits(instance, &mut loads, &mut locked, (p, s));
        }
        let standing = if displaced.is_none() { session } else { None };
        if let Some(p) = patient {
            by_patient[p.idx()] = Some(Previous {
                session: standing,
                state,
                move_cost: settings.costs.move_cost(state),
                cancel_cost: settings.costs.cancel_cost(state),
                entry: entries.len() as u32,
            });
            notice_exempt[p.idx()] = explicit.get(&p).copied().or(standing);
        }
        entries.push(PreviousEntry {
            patient_id: b.patient_id.clone(),
            session_id: b.session_id.clone(),
            session_date,
            state,
            state_from_calendar: from_calendar,
            patient,
            session: standing,
            displaced,
        });
    }
    for (&p, &s) in &explicit {
        notice_exempt[p.idx()] = Some(s);
    }
    instance.pinned.extend(locked);
    instance.replan = Some(Replan {
        replan_date,
        replan_day: (replan_date - instance.planning_start).num_days().max(0) as u32,
        lock_days: settings.lock_days,
        notify_days: settings.notify_days,
        min_notice_days: settings.min_notice_days,
        costs: settings.costs,
        compare_with_scratch: settings.compare_with_scratch,
        entries,
        by_patient,
        notice_exempt,
    });
    instance.eligible = eligible_sessions(instance);
}

/// A standing LOCKED booking becomes a pin if it still fits beside the pins and the
/// locked bookings before it (its loads then added); else why it is displaced.
fn lock_if_it_fits(
    instance: &Instance,
    loads: &mut Loads,
    locked: &mut Vec<(PatientIdx, SessionIdx)>,
    (p, s): (PatientIdx, SessionIdx),
) -> Option<DisplacedReason> {
    match loads.check(instance, p, s) {
        Ok(()) => {
            loads.add(instance, p, s);
            locked.push((p, s));
            None
        }
        Err(over) => Some(DisplacedReason::NoLongerFits(overrun(instance, over))),
    }
}

/// Why a previous booking cannot stand, if it cannot: the patient gone, the session
/// gone, or a per-pair rule now broken.
fn displacement(
    instance: &Instance,
    patient: Option<PatientIdx>,
    session: Option<SessionIdx>,
) -> Option<DisplacedReason> {
    let Some(p) = patient else {
        return Some(DisplacedReason::RemovedFromList);
    };
    let Some(s) = session else {
        return Some(DisplacedReason::SessionCancelled);
    };
    match check_pair(instance, p, s) {
        Ok(()) => None,
        Err(Ineligible::SurgeonUnavailable) => Some(DisplacedReason::SurgeonUnavailable),
        Err(Ineligible::PatientUnavailable) => Some(DisplacedReason::PatientUnavailable),
        Err(why) => Some(DisplacedReason::NoLongerEligible(why.describe())),
    }
}

/// A capacity rule a locked booking breaks, as a scheduler reads it.
fn overrun(instance: &Instance, over: Overrun) -> String {
    match over {
        Overrun::SessionMinutes => "the locked cases overfill the session".into(),
        Overrun::SurgeonMinutes => "the locked cases exceed the surgeon's minutes that day".into(),
        Overrun::WardBeds(day) => format!(
            "no ward bed free on {}",
            instance.planning_start + chrono::Days::new(day.max(0) as u64)
        ),
    }
}
