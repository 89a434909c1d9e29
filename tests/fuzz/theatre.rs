//! Theatre requests: small generated weeks (or nothing at all) with adversarial edits.

use clinicplan_service::proto;
use proptest::prelude::*;

use super::values::{DATES, ENUMS, Edit, LIMITS, TIMES, U32S, at, edited, or_empty};
use crate::support::generated_for_days;

pub(super) fn theatre_base() -> impl Strategy<Value = proto::PlanTheatreListsRequest> {
    let generated = (
        1u32..=2,
        1u32..=10,
        1u32..=3,
        any::<u64>(),
        prop::sample::select(vec![0u32, 50, 200, 500, 1_000]),
    )
        .prop_map(|(theatres, patients, horizon_days, seed, limit)| {
            generated_for_days(theatres, patients, horizon_days, seed, limit)
        });
    or_empty(generated, |planning_start| proto::PlanTheatreListsRequest {
        planning_start,
        horizon_days: 2,
        ..Default::default()
    })
}

pub(super) fn theatre_case() -> impl Strategy<Value = proto::PlanTheatreListsRequest> {
    edited(theatre_base(), edit_theatre)
}

fn edit_theatre(r: &mut proto::PlanTheatreListsRequest, e: &Edit) {
    let ids = Ids::of(r);
    r.options.get_or_insert_with(Default::default);
    match e.kind % 40 {
        0..=9 => edit_patient(r, e, &ids),
        10..=22 => edit_item(r, e, &ids),
        23..=34 => edit_request(r, e, &ids),
        _ => add_item(r, e, &ids),
    }
}

/// The ids of a request's items, as they were before the edit.
struct Ids {
    patients: Vec<String>,
    sessions: Vec<String>,
    surgeons: Vec<String>,
    theatres: Vec<String>,
    specialties: Vec<String>,
}

impl Ids {
    fn of(r: &proto::PlanTheatreListsRequest) -> Self {
        Ids {
            patients: r.patients.iter().map(|p| p.id.clone()).collect(),
            sessions: r.sessions.iter().map(|s| s.id.clone()).collect(),
            surgeons: r.surgeons.iter().map(|s| s.id.clone()).collect(),
            theatres: r.theatres.iter().map(|t| t.id.clone()).collect(),
            specialties: r.specialties.iter().map(|s| s.code.clone()).collect(),
        }
    }
}

/// Edits 0 to 9: one field of one patient.
fn edit_patient(r: &mut proto::PlanTheatreListsRequest, e: &Edit, ids: &Ids) {
    match e.kind % 40 {
        0 => at(&mut r.patients, &e.at, |p| p.id = e.id_from(&ids.patients)),
        1 => at(&mut r.patients, &e.at, |p| {
            p.surgeon_id = e.id_from(&ids.sessions)
        }),
        2 => at(&mut r.patients, &e.at, |p| {
            p.specialty = e.id_from(&ids.specialties)
        }),
        3 => at(&mut r.patients, &e.at, |p| {
            p.expected_duration_min = e.number()
        }),
        4 => at(&mut r.patients, &e.at, |p| p.priority = e.enum_value()),
        5 => at(&mut r.patients, &e.at, |p| p.listed_date = e.date()),
        6 => at(&mut r.patients, &e.at, |p| {
            p.length_of_stay_days = e.number()
        }),
        7 => at(&mut r.patients, &e.at, |p| {
            p.unavailable_dates.push(e.date())
        }),
        8 => at(&mut r.patients, &e.at, |p| p.flags.push(e.enum_value())),
        _ => at(&mut r.patients, &e.at, |p| p.equipment.push(e.id())),
    }
}

/// Edits 10 to 22: one field of one session, surgeon, theatre or specialty.
fn edit_item(r: &mut proto::PlanTheatreListsRequest, e: &Edit, ids: &Ids) {
    match e.kind % 40 {
        10 => at(&mut r.sessions, &e.at, |s| {
            s.theatre_id = e.id_from(&ids.theatres)
        }),
        11 => at(&mut r.sessions, &e.at, |s| s.date = e.date()),
        12 => at(&mut r.sessions, &e.at, |s| s.start_time = e.time()),
        13 => at(&mut r.sessions, &e.at, |s| s.end_time = e.time()),
        14 => at(&mut r.sessions, &e.at, |s| {
            s.specialty = e.id_from(&ids.specialties)
        }),
        15 => at(&mut r.sessions, &e.at, |s| {
            s.surgeon_id = e.id_from(&ids.surgeons)
        }),
        16 => at(&mut r.sessions, &e.at, |s| s.id = e.id_from(&ids.sessions)),
        17 => at(&mut r.surgeons, &e.at, |s| s.id = e.id_from(&ids.surgeons)),
        18 => at(&mut r.surgeons, &e.at, |s| {
            s.max_minutes_per_day = e.number()
        }),
        19 => at(&mut r.surgeons, &e.at, |s| {
            s.unavailable_dates.push(e.date())
        }),
        20 => at(&mut r.theatres, &e.at, |t| t.id = e.id_from(&ids.theatres)),
        21 => at(&mut r.specialties, &e.at, |s| s.turnaround_min = e.number()),
        _ => at(&mut r.specialties, &e.at, |s| {
            s.code = e.id_from(&ids.specialties)
        }),
    }
}

/// Edits 23 to 34: the request's own fields, its options, its beds and pins, or one
/// element dropped.
fn edit_request(r: &mut proto::PlanTheatreListsRequest, e: &Edit, ids: &Ids) {
    let options = r.options.get_or_insert_with(Default::default);
    match e.kind % 40 {
        23 => r.ward_beds.push(proto::WardBeds {
            date: e.date(),
            free_beds: *e.pick.get(U32S),
        }),
        24 => r.pinned.push(proto::Booking {
            patient_id: e.id_from(&ids.patients),
            session_id: if ids.sessions.is_empty() {
                e.id()
            } else {
                ids.sessions[e.pick.index(ids.sessions.len())].clone()
            },
        }),
        25 => r.horizon_days = e.number(),
        26 => r.planning_start = e.date(),
        27 => options.time_limit_ms = *e.value.get(LIMITS),
        28 => options.threads = e.number(),
        29 => options.mip_rel_gap = Some(e.float()),
        30 => options.objective = e.enum_value(),
        31 => {
            let w = options.weights.get_or_insert_with(Default::default);
            match e.pick.index(8) {
                0 => w.weight_p1 = Some(e.float()),
                1 => w.weight_p2 = Some(e.float()),
                2 => w.weight_p3 = Some(e.float()),
                3 => w.weight_p4 = Some(e.float()),
                4 => w.target_days_p1 = Some(e.number()),
                5 => w.target_days_p2 = Some(e.number()),
                6 => w.target_days_p3 = Some(e.number()),
                _ => w.target_days_p4 = Some(e.number()),
            }
        }
        32 => {
            // Drop one element of one list.
            let at = &e.at;
            match e.pick.index(5) {
                0 if !r.theatres.is_empty() => drop(r.theatres.remove(at.index(r.theatres.len()))),
                1 if !r.surgeons.is_empty() => drop(r.surgeons.remove(at.index(r.surgeons.len()))),
                2 if !r.sessions.is_empty() => drop(r.sessions.remove(at.index(r.sessions.len()))),
                3 if !r.specialties.is_empty() => {
                    drop(r.specialties.remove(at.index(r.specialties.len())))
                }
                _ if !r.patients.is_empty() => drop(r.patients.remove(at.index(r.patients.len()))),
                _ => {}
            }
        }
        33 => r.options = None,
        _ => options.solver_log = true,
    }
}

/// Edits 35 to 39: one item added.
fn add_item(r: &mut proto::PlanTheatreListsRequest, e: &Edit, ids: &Ids) {
    match e.kind % 40 {
        35 => r.patients.push(proto::Patient {
            id: e.id_from(&ids.patients),
            specialty: e.id_from(&ids.specialties),
            procedure: e.id(),
            expected_duration_min: *e.pick.get(U32S),
            priority: *e.at.get(ENUMS),
            listed_date: e.date(),
            ..Default::default()
        }),
        36 => r.sessions.push(proto::Session {
            id: e.id_from(&ids.sessions),
            theatre_id: if ids.theatres.is_empty() {
                e.id()
            } else {
                ids.theatres[e.pick.index(ids.theatres.len())].clone()
            },
            date: e.at.get(DATES).to_string(),
            start_time: e.time(),
            end_time: e.pick.get(TIMES).to_string(),
            specialty: ids.specialties.first().cloned().unwrap_or_default(),
            surgeon_id: ids.surgeons.first().cloned().unwrap_or_default(),
        }),
        37 => r.theatres.push(proto::Theatre {
            id: e.id_from(&ids.theatres),
            name: e.id(),
            equipment: vec![e.id()],
        }),
        38 => r.surgeons.push(proto::Surgeon {
            id: e.id_from(&ids.surgeons),
            name: e.id(),
            specialty: e.id_from(&ids.specialties),
            max_minutes_per_day: e.number(),
            unavailable_dates: vec![],
        }),
        _ => r.specialties.push(proto::Specialty {
            code: e.id_from(&ids.specialties),
            turnaround_min: e.number(),
        }),
    }
}
