//! Re-planning: the previous plan and the re-plan settings in, the changes and the cost
//! of stability out.

use clinicplan_solver::theatre::domain::{BookingState, Instance};
use clinicplan_solver::theatre::input::{BookingStateInput, PreviousBookingInput, ReplanInput};
use clinicplan_solver::theatre::replan::changes::{ChangeKind, Changes, Slot};

use crate::proto;

fn state_in(v: i32) -> BookingStateInput {
    match proto::BookingState::try_from(v) {
        Ok(proto::BookingState::Unspecified) => BookingStateInput::Unspecified,
        Ok(proto::BookingState::Locked) => BookingStateInput::Locked,
        Ok(proto::BookingState::Notified) => BookingStateInput::Notified,
        Ok(proto::BookingState::Draft) => BookingStateInput::Draft,
        Err(_) => BookingStateInput::Unknown(v),
    }
}

fn state_in_to_proto(s: BookingStateInput) -> i32 {
    match s {
        BookingStateInput::Unspecified => 0,
        BookingStateInput::Locked => proto::BookingState::Locked as i32,
        BookingStateInput::Notified => proto::BookingState::Notified as i32,
        BookingStateInput::Draft => proto::BookingState::Draft as i32,
        BookingStateInput::Unknown(v) => v,
    }
}

fn state_out(s: BookingState) -> proto::BookingState {
    match s {
        BookingState::Locked => proto::BookingState::Locked,
        BookingState::Notified => proto::BookingState::Notified,
        BookingState::Draft => proto::BookingState::Draft,
    }
}

pub(super) fn previous_in(b: Vec<proto::PreviousBooking>) -> Vec<PreviousBookingInput> {
    b.into_iter()
        .map(|b| PreviousBookingInput {
            patient_id: b.patient_id,
            session_id: b.session_id,
            session_date: b.session_date,
            state: state_in(b.state),
        })
        .collect()
}

pub(super) fn previous_to_proto(b: &[PreviousBookingInput]) -> Vec<proto::PreviousBooking> {
    b.iter()
        .map(|b| proto::PreviousBooking {
            patient_id: b.patient_id.clone(),
            session_id: b.session_id.clone(),
            session_date: b.session_date.clone(),
            state: state_in_to_proto(b.state),
        })
        .collect()
}

pub(super) fn replan_in(r: Option<proto::ReplanOptions>) -> Option<ReplanInput> {
    let r = r?;
    Some(ReplanInput {
        replan_date: r.replan_date,
        lock_days: r.lock_days,
        notify_days: r.notify_days,
        min_notice_days: [
            r.min_notice_days_p1,
            r.min_notice_days_p2,
            r.min_notice_days_p3,
            r.min_notice_days_p4,
        ],
        move_cost: r.move_cost,
        cancel_cost: r.cancel_cost,
        draft_move_cost: r.draft_move_cost,
        compare_with_scratch: r.compare_with_scratch,
    })
}

pub(super) fn replan_to_proto(r: Option<&ReplanInput>) -> Option<proto::ReplanOptions> {
    let r = r?;
    Some(proto::ReplanOptions {
        replan_date: r.replan_date.clone(),
        lock_days: r.lock_days,
        notify_days: r.notify_days,
        min_notice_days_p1: r.min_notice_days[0],
        min_notice_days_p2: r.min_notice_days[1],
        min_notice_days_p3: r.min_notice_days[2],
        min_notice_days_p4: r.min_notice_days[3],
        move_cost: r.move_cost,
        cancel_cost: r.cancel_cost,
        draft_move_cost: r.draft_move_cost,
        compare_with_scratch: r.compare_with_scratch,
    })
}

fn kind_out(k: ChangeKind) -> proto::ChangeKind {
    match k {
        ChangeKind::Kept => proto::ChangeKind::Kept,
        ChangeKind::Moved => proto::ChangeKind::Moved,
        ChangeKind::NewlyBooked => proto::ChangeKind::NewlyBooked,
        ChangeKind::Unbooked => proto::ChangeKind::Unbooked,
        ChangeKind::Displaced => proto::ChangeKind::Displaced,
    }
}

fn slot_out(slot: Option<&Slot>) -> (String, String) {
    match slot {
        None => (String::new(), String::new()),
        Some(s) => (
            s.session_id.clone(),
            s.date
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ),
    }
}

/// The response's `changes`, `change_counts` and `stability`; `scratch_wait` is the
/// weighted wait of the plan made without stability costs, when it was asked for.
pub(super) fn changes_to_proto(
    instance: &Instance,
    changes: &Changes,
    scratch_wait: Option<f64>,
    response: &mut proto::PlanTheatreListsResponse,
) {
    response.changes = changes
        .changes
        .iter()
        .map(|c| {
            let (from_session_id, from_date) = slot_out(c.from.as_ref());
            let (to_session_id, to_date) = slot_out(c.to.as_ref());
            proto::Change {
                patient_id: c.patient_id.clone(),
                kind: kind_out(c.kind) as i32,
                state: c.state.map_or(0, |s| state_out(s) as i32),
                from_session_id,
                from_date,
                to_session_id,
                to_date,
                reason: c.reason.clone(),
                stability_cost: c.stability_cost,
                wait_delta: c.wait_delta,
            }
        })
        .collect();
    let n = &changes.counts;
    response.change_counts = Some(proto::ChangeCounts {
        kept: n.kept,
        moved: n.moved,
        newly_booked: n.newly_booked,
        unbooked: n.unbooked,
        displaced: n.displaced,
        displaced_rebooked: n.displaced_rebooked,
        by_state: BookingState::ALL
            .iter()
            .zip(&n.by_state)
            .map(|(&state, b)| proto::StateChangeCount {
                state: state_out(state) as i32,
                bookings: b.bookings,
                kept: b.kept,
                moved: b.moved,
                unbooked: b.unbooked,
                displaced: b.displaced,
            })
            .collect(),
    });
    let replan_date = instance
        .replan
        .as_ref()
        .map(|r| r.replan_date.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    response.stability = Some(proto::StabilitySummary {
        stability_cost: changes.stability_cost,
        weighted_wait: changes.weighted_wait,
        previous_plan_wait: changes.previous_plan_wait,
        scratch_weighted_wait: scratch_wait,
        wait_cost_of_stability: scratch_wait.map(|w| changes.weighted_wait - w),
        replan_date,
    });
}
