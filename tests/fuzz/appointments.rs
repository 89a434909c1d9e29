//! Appointment requests: small generated networks (or nothing at all) with adversarial
//! edits.

use clinicplan_service::proto;
use clinicplan_solver::appointments::generate::{NetworkConfig, network_request};
use proptest::prelude::*;

use super::values::{ENUMS, Edit, LIMITS, TIMES, U32S, at, edited, or_empty};

pub(super) fn network_base() -> impl Strategy<Value = proto::BalanceAppointmentsRequest> {
    let generated = (
        1u32..=2,
        0u32..=3,
        1u32..=10,
        1u32..=3,
        any::<u64>(),
        prop::sample::select(vec![0u32, 100, 500, 1_000]),
    )
        .prop_map(|(practices, extra, requests, horizon_days, seed, limit)| {
            let request = network_request(&NetworkConfig {
                practices,
                clinicians: practices + extra,
                requests,
                horizon_days,
                seed,
            });
            let mut request = clinicplan_service::convert::appointments::request_to_proto(&request);
            request
                .options
                .get_or_insert_with(Default::default)
                .time_limit_ms = limit;
            request
        });
    or_empty(generated, |planning_start| {
        proto::BalanceAppointmentsRequest {
            planning_start,
            horizon_days: 2,
            ..Default::default()
        }
    })
}

pub(super) fn network_case() -> impl Strategy<Value = proto::BalanceAppointmentsRequest> {
    edited(network_base(), edit_network)
}

fn edit_network(r: &mut proto::BalanceAppointmentsRequest, e: &Edit) {
    let site_ids: Vec<String> = r.sites.iter().map(|s| s.id.clone()).collect();
    let clinician_ids: Vec<String> = r.clinicians.iter().map(|c| c.id.clone()).collect();
    let slot_ids: Vec<String> = r.slots.iter().map(|s| s.id.clone()).collect();
    let request_ids: Vec<String> = r.requests.iter().map(|q| q.id.clone()).collect();
    let roles: Vec<String> = r.clinicians.iter().map(|c| c.role.clone()).collect();
    let options = r.options.get_or_insert_with(Default::default);
    match e.kind % 32 {
        0 => at(&mut r.requests, &e.at, |q| q.id = e.id_from(&request_ids)),
        1 => at(&mut r.requests, &e.at, |q| {
            q.home_site_id = e.id_from(&clinician_ids)
        }),
        2 => at(&mut r.requests, &e.at, |q| q.role = e.id_from(&roles)),
        3 => at(&mut r.requests, &e.at, |q| q.urgency = e.enum_value()),
        4 => at(&mut r.requests, &e.at, |q| q.request_date = e.date()),
        5 => at(&mut r.requests, &e.at, |q| q.modes.push(e.enum_value())),
        6 => at(&mut r.requests, &e.at, |q| q.modes.clear()),
        7 => at(&mut r.requests, &e.at, |q| q.max_travel_min = e.number()),
        8 => at(&mut r.requests, &e.at, |q| {
            q.preferred_clinician_id = e.id_from(&slot_ids)
        }),
        9 => at(&mut r.slots, &e.at, |s| s.id = e.id_from(&slot_ids)),
        10 => at(&mut r.slots, &e.at, |s| {
            s.clinician_id = e.id_from(&site_ids)
        }),
        11 => at(&mut r.slots, &e.at, |s| s.site_id = e.id_from(&site_ids)),
        12 => at(&mut r.slots, &e.at, |s| s.role = e.id_from(&roles)),
        13 => at(&mut r.slots, &e.at, |s| s.date = e.date()),
        14 => at(&mut r.slots, &e.at, |s| s.start_time = e.time()),
        15 => at(&mut r.slots, &e.at, |s| s.duration_min = e.number()),
        16 => at(&mut r.slots, &e.at, |s| s.mode = e.enum_value()),
        17 => at(&mut r.clinicians, &e.at, |c| {
            c.id = e.id_from(&clinician_ids)
        }),
        18 => at(&mut r.clinicians, &e.at, |c| {
            c.site_id = e.id_from(&site_ids)
        }),
        19 => at(&mut r.clinicians, &e.at, |c| c.role = e.id_from(&roles)),
        20 => at(&mut r.sites, &e.at, |s| s.id = e.id_from(&site_ids)),
        21 => r.travel.push(proto::TravelTime {
            from_site_id: e.id_from(&site_ids),
            to_site_id: if site_ids.is_empty() {
                e.id()
            } else {
                site_ids[e.pick.index(site_ids.len())].clone()
            },
            minutes: *e.at.get(U32S),
        }),
        22 => at(&mut r.travel, &e.at, |t| t.minutes = e.number()),
        23 => r.horizon_days = e.number(),
        24 => r.planning_start = e.date(),
        25 => options.time_limit_ms = *e.value.get(LIMITS),
        26 => options.method = e.enum_value(),
        27 => {
            let at = &e.at;
            match e.pick.index(4) {
                0 if !r.sites.is_empty() => drop(r.sites.remove(at.index(r.sites.len()))),
                1 if !r.clinicians.is_empty() => {
                    drop(r.clinicians.remove(at.index(r.clinicians.len())))
                }
                2 if !r.slots.is_empty() => drop(r.slots.remove(at.index(r.slots.len()))),
                _ if !r.requests.is_empty() => drop(r.requests.remove(at.index(r.requests.len()))),
                _ => {}
            }
        }
        28 => r.options = None,
        29 => r.requests.push(proto::AppointmentRequest {
            id: e.id_from(&request_ids),
            home_site_id: e.id_from(&site_ids),
            role: e.id_from(&roles),
            urgency: *e.pick.get(ENUMS),
            request_date: e.date(),
            modes: vec![*e.at.get(ENUMS)],
            max_travel_min: *e.pick.get(U32S),
            preferred_clinician_id: String::new(),
        }),
        30 => r.slots.push(proto::Slot {
            id: e.id_from(&slot_ids),
            clinician_id: clinician_ids.first().cloned().unwrap_or_else(|| e.id()),
            site_id: site_ids.first().cloned().unwrap_or_default(),
            role: e.id_from(&roles),
            date: e.date(),
            start_time: e.pick.get(TIMES).to_string(),
            duration_min: *e.at.get(U32S),
            mode: *e.pick.get(ENUMS),
        }),
        _ => r.sites.push(proto::Site {
            id: e.id_from(&site_ids),
            name: e.id(),
        }),
    }
}
