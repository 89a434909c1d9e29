//! The only way to build an [`Instance`]: every rule of docs/errors.md checked, every
//! violation collected (never only the first), each naming the offending field by its
//! path in the request (`patients[17].surgeon_id`).
//!
//! One function per rule family, called in the order of the request's fields, so that the
//! errors come out in that order; each says in its doc which CP codes it emits.

mod options;
mod patients;
mod pins;
mod previous;
mod resources;
mod sessions;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::theatre::domain::*;
use crate::theatre::effort::Clock;
use crate::theatre::eligibility::eligible_sessions;
use crate::theatre::input::*;
use crate::validation::{Collector, ValidationErrors};

/// Id → position in its request list, for the ids that are non-empty and first of their
/// kind.
type Ids<'r> = HashMap<&'r str, u32>;

/// What the families checked first give to those that refer to them.
struct Known<'a> {
    /// `None` if the planning start did not parse: dates relative to it are not checked.
    planning_start: Option<NaiveDate>,
    specialties: &'a Ids<'a>,
    theatres: &'a Ids<'a>,
    surgeons: &'a Ids<'a>,
}

/// Validates a request and builds the [`Instance`], or lists every problem found.
pub fn validate(req: &TheatreRequest) -> Result<Instance, ValidationErrors> {
    let mut c = Collector { errors: Vec::new() };

    let planning_start = options::check_planning_start_and_horizon(&mut c, req);
    let options = options::check_options(&mut c, &req.options);
    let (specialty_ids, specialties) = resources::check_specialties(&mut c, req);
    let (theatre_ids, theatres) = resources::check_theatres(&mut c, req);
    let (surgeon_ids, surgeons) = resources::check_surgeons_and_leave(&mut c, req, &specialty_ids);
    let known = Known {
        planning_start,
        specialties: &specialty_ids,
        theatres: &theatre_ids,
        surgeons: &surgeon_ids,
    };
    let (session_ids, sessions) = sessions::check_sessions(&mut c, req, &known);
    let (patient_ids, patients) = patients::check_patients(&mut c, req, &known);
    let free_beds = resources::check_ward_beds(&mut c, req, planning_start);
    // Pins: ids first; eligibility and capacity once the instance exists.
    let pin_refs = pins::check_pin_references(&mut c, req, &patient_ids, &session_ids);
    let replan = previous::check_replan_settings(&mut c, req, planning_start);
    let previous_refs = previous::check_previous_references(&mut c, req, &patient_ids);

    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    // Everything parsed: positions in the request equal positions in `patients`.
    let planning_start = planning_start.expect("checked above");
    let (sessions, session_position) = in_fixed_order(sessions, &theatres, req.sessions.len());

    let urgency = patients
        .iter()
        .map(|p: &Patient| {
            crate::theatre::domain::urgency(&options.weights, p.priority, p.waited_days)
        })
        .collect();
    let mut instance = Instance {
        planning_start,
        horizon_days: req.horizon_days,
        theatres,
        surgeons,
        specialties,
        sessions,
        patients,
        free_beds,
        pinned: Vec::new(),
        options,
        eligible: Vec::new(),
        urgency,
        replan: None,
        clock: Clock::wall(),
    };
    instance.eligible = eligible_sessions(&instance);

    pins::check_pins_against_hard_rules(&mut c, &mut instance, pin_refs, &session_position);
    if !c.errors.is_empty() {
        return Err(ValidationErrors(c.errors));
    }
    if let Some(settings) = replan {
        let resolve = previous::Resolve {
            req,
            session_ids: &session_ids,
            session_position: &session_position,
        };
        previous::resolve_previous(&mut instance, settings, previous_refs, &resolve);
    }
    Ok(instance)
}

/// Sessions in a fixed order: day, start, theatre id, session id. Also returns, for each
/// session's position in the request, its position in that order.
fn in_fixed_order(
    mut sessions: Vec<(u32, Session)>,
    theatres: &[Theatre],
    n_requested: usize,
) -> (Vec<Session>, Vec<u32>) {
    sessions.sort_by(|(_, a), (_, b)| {
        (a.day, a.start, &theatres[a.theatre.idx()].id, &a.id).cmp(&(
            b.day,
            b.start,
            &theatres[b.theatre.idx()].id,
            &b.id,
        ))
    });
    let mut session_position = vec![0u32; n_requested];
    for (new, (old, _)) in sessions.iter().enumerate() {
        session_position[*old as usize] = new as u32;
    }
    let sessions: Vec<Session> = sessions.into_iter().map(|(_, s)| s).collect();
    (sessions, session_position)
}
