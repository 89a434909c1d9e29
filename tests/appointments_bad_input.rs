//! Invalid appointment-balancing requests: each class of problem gets INVALID_ARGUMENT
//! with a google.rpc.BadRequest naming every offending field by its path, its
//! description starting with the rule's code (docs/errors.md, "Appointment
//! validation"). Every problem is listed, not only the first.

use std::collections::BTreeSet;

use clinicplan_service::proto;
use tonic::Code;

use crate::support::Harness;
use crate::support::appointments::*;
use crate::support::violations::{coded_violations, field_violations};

/// A small valid network that each test breaks in one way (horizon 3):
/// sites[0] A, sites[1] B; travel[0] A → B 10;
/// clinicians[0] K1 (A, GP), clinicians[1] K2 (B, GP), clinicians[2] N1 (A, NURSE);
/// slots[0] S1 (K1, A, day 0, 09:00, F2F), slots[1] S2 (K1, A, day 0, 09:15, PHONE),
/// slots[2] S3 (K2, B, day 1, 09:00, F2F), slots[3] S4 (N1, A, day 2, 10:00, F2F);
/// requests[0] R1 (A, GP, routine, day 0, F2F+PHONE, 20 min, K1),
/// requests[1] R2 (B, NURSE, urgent, day 1, F2F, 30 min),
/// requests[2] R3 (A, GP, same-day, day 0, PHONE, 0 min).
fn valid_request() -> proto::BalanceAppointmentsRequest {
    let mut request = network(3);
    request.sites = vec![site("A"), site("B")];
    request.travel = vec![travel("A", "B", 10)];
    request.clinicians = vec![
        clinician("K1", "A", "GP"),
        clinician("K2", "B", "GP"),
        clinician("N1", "A", "NURSE"),
    ];
    request.slots = vec![
        slot("S1", "K1", "A", "GP", 0, "09:00", F2F),
        slot("S2", "K1", "A", "GP", 0, "09:15", PHONE),
        slot("S3", "K2", "B", "GP", 1, "09:00", F2F),
        slot("S4", "N1", "A", "NURSE", 2, "10:00", F2F),
    ];
    request.requests = vec![
        preferring(appt("R1", "A", "GP", ROUTINE, 0, &[F2F, PHONE], 20), "K1"),
        appt("R2", "B", "NURSE", URGENT, 1, &[F2F], 30),
        appt("R3", "A", "GP", SAME_DAY, 0, &[PHONE], 0),
    ];
    request
}

/// The (code, field) pairs of the BadRequest that `request` gets (see
/// `coded_violations` for what is checked on the way).
fn violations(
    harness: &Harness,
    name: &str,
    request: &proto::BalanceAppointmentsRequest,
) -> BTreeSet<(String, String)> {
    coded_violations(name, harness.balance(request))
}

/// One way of breaking the valid request, and what the service must say about it.
struct Breakage {
    name: &'static str,
    apply: fn(&mut proto::BalanceAppointmentsRequest),
    expected: &'static [(&'static str, &'static str)],
}

/// Applies each breakage to a fresh valid request and asserts that exactly the
/// expected (code, field) pairs come back; reports every mismatch at once.
fn run_all(breakages: &[Breakage]) {
    let harness = Harness::start();
    let mut failures = Vec::new();
    for b in breakages {
        let mut request = valid_request();
        (b.apply)(&mut request);
        let got = violations(&harness, b.name, &request);
        let expected: BTreeSet<(String, String)> = b
            .expected
            .iter()
            .map(|(c, f)| (c.to_string(), f.to_string()))
            .collect();
        if got != expected {
            failures.push(format!("{}: expected {expected:?}, got {got:?}", b.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_valid_base_request_is_accepted() {
    // So that every test below fails only because of what it breaks.
    let harness = Harness::start();
    let (response, _) = balance_valid(&harness, "appointments_bad_input_base", &valid_request());
    assert_eq!(response.bookings.len(), 3, "{response:?}");
}

#[test]
fn unknown_references_are_named_by_their_field() {
    run_all(&[
        Breakage {
            name: "travel from",
            apply: |r| r.travel[0].from_site_id = "X".into(),
            expected: &[("CP1020", "travel[0].from_site_id")],
        },
        Breakage {
            name: "travel to",
            apply: |r| r.travel[0].to_site_id = "X".into(),
            expected: &[("CP1020", "travel[0].to_site_id")],
        },
        Breakage {
            name: "clinician site",
            apply: |r| r.clinicians[1].site_id = "X".into(),
            expected: &[("CP1020", "clinicians[1].site_id")],
        },
        Breakage {
            name: "slot clinician",
            apply: |r| r.slots[2].clinician_id = "K9".into(),
            expected: &[("CP1020", "slots[2].clinician_id")],
        },
        Breakage {
            name: "slot site",
            apply: |r| r.slots[3].site_id = "X".into(),
            expected: &[("CP1020", "slots[3].site_id")],
        },
        Breakage {
            name: "request home site",
            apply: |r| r.requests[1].home_site_id = "X".into(),
            expected: &[("CP1020", "requests[1].home_site_id")],
        },
        Breakage {
            name: "request preferred clinician",
            apply: |r| r.requests[0].preferred_clinician_id = "K9".into(),
            expected: &[("CP1020", "requests[0].preferred_clinician_id")],
        },
    ]);
}

#[test]
fn empty_and_duplicate_ids_are_named() {
    run_all(&[
        Breakage {
            name: "duplicate site",
            apply: |r| r.sites.push(site("A")),
            expected: &[("CP1011", "sites[2].id")],
        },
        Breakage {
            name: "duplicate clinician",
            apply: |r| r.clinicians.push(clinician("K2", "A", "GP")),
            expected: &[("CP1011", "clinicians[3].id")],
        },
        Breakage {
            name: "duplicate slot",
            apply: |r| r.slots[3].id = "S1".into(),
            expected: &[("CP1011", "slots[3].id")],
        },
        Breakage {
            name: "duplicate request",
            apply: |r| r.requests[2].id = "R2".into(),
            expected: &[("CP1011", "requests[2].id")],
        },
        Breakage {
            name: "empty slot id",
            apply: |r| r.slots[1].id = String::new(),
            expected: &[("CP1010", "slots[1].id")],
        },
        Breakage {
            name: "empty request id",
            apply: |r| r.requests[0].id = "  ".into(),
            expected: &[("CP1010", "requests[0].id")],
        },
    ]);
}

#[test]
fn malformed_dates_and_times_are_named() {
    run_all(&[
        Breakage {
            name: "planning start",
            apply: |r| r.planning_start = "02/03/2026".into(),
            expected: &[("CP1030", "planning_start")],
        },
        Breakage {
            name: "slot date",
            apply: |r| r.slots[0].date = "2026-02-30".into(),
            expected: &[("CP1030", "slots[0].date")],
        },
        Breakage {
            name: "slot time",
            apply: |r| r.slots[2].start_time = "25:00".into(),
            expected: &[("CP1031", "slots[2].start_time")],
        },
        Breakage {
            name: "slot time without minutes",
            apply: |r| r.slots[3].start_time = "9".into(),
            expected: &[("CP1031", "slots[3].start_time")],
        },
        Breakage {
            name: "request date",
            apply: |r| r.requests[1].request_date = "yesterday".into(),
            expected: &[("CP1030", "requests[1].request_date")],
        },
    ]);
}

#[test]
fn dates_outside_the_horizon_are_named() {
    run_all(&[
        Breakage {
            name: "slot after the horizon",
            apply: |r| r.slots[3].date = day(3),
            expected: &[("CP3031", "slots[3].date")],
        },
        Breakage {
            name: "slot before the start",
            apply: |r| r.slots[0].date = day(-1),
            expected: &[("CP3031", "slots[0].date")],
        },
        Breakage {
            name: "request after the horizon",
            apply: |r| r.requests[0].request_date = day(3),
            expected: &[("CP3040", "requests[0].request_date")],
        },
        Breakage {
            name: "request more than ten years old",
            apply: |r| r.requests[0].request_date = "2010-01-01".into(),
            expected: &[("CP3041", "requests[0].request_date")],
        },
        Breakage {
            name: "no horizon",
            // The validator goes on with a horizon of 1 day, so the slots and the
            // request after day 0 are named as outside it too.
            apply: |r| r.horizon_days = 0,
            expected: &[
                ("CP1002", "horizon_days"),
                ("CP3031", "slots[2].date"),
                ("CP3031", "slots[3].date"),
                ("CP3040", "requests[1].request_date"),
            ],
        },
    ]);
}

#[test]
fn unspecified_or_unknown_modes_and_urgencies_are_named() {
    run_all(&[
        Breakage {
            name: "slot mode unspecified",
            apply: |r| r.slots[1].mode = proto::Mode::Unspecified as i32,
            expected: &[("CP3010", "slots[1].mode")],
        },
        Breakage {
            name: "slot mode unknown",
            apply: |r| r.slots[0].mode = 9,
            expected: &[("CP3010", "slots[0].mode")],
        },
        Breakage {
            name: "request mode unspecified",
            apply: |r| r.requests[0].modes = vec![F2F as i32, 0],
            expected: &[("CP3010", "requests[0].modes[1]")],
        },
        Breakage {
            name: "request mode unknown",
            apply: |r| r.requests[2].modes = vec![-4],
            expected: &[("CP3010", "requests[2].modes[0]")],
        },
        Breakage {
            name: "no modes",
            apply: |r| r.requests[1].modes.clear(),
            expected: &[("CP3042", "requests[1].modes")],
        },
        Breakage {
            name: "urgency unspecified",
            apply: |r| r.requests[1].urgency = proto::Urgency::Unspecified as i32,
            expected: &[("CP3011", "requests[1].urgency")],
        },
        Breakage {
            name: "urgency unknown",
            apply: |r| r.requests[0].urgency = 7,
            expected: &[("CP3011", "requests[0].urgency")],
        },
    ]);
}

#[test]
fn roles_that_do_not_fit_are_named() {
    run_all(&[
        Breakage {
            name: "slot role is not the clinician's",
            apply: |r| r.slots[3].role = "GP".into(),
            expected: &[("CP3030", "slots[3].role")],
        },
        Breakage {
            name: "preferred clinician of another role",
            apply: |r| r.requests[1].preferred_clinician_id = "K2".into(),
            expected: &[("CP3044", "requests[1].preferred_clinician_id")],
        },
        Breakage {
            name: "empty roles",
            apply: |r| {
                r.clinicians[1].role = String::new();
                r.requests[2].role = " ".into();
            },
            expected: &[
                ("CP3012", "clinicians[1].role"),
                ("CP3012", "requests[2].role"),
            ],
        },
    ]);
}

#[test]
fn bad_travel_times_are_named() {
    run_all(&[
        Breakage {
            name: "conflicting travel entries",
            apply: |r| r.travel.push(travel("A", "B", 25)),
            expected: &[("CP3022", "travel[1].minutes")],
        },
        Breakage {
            name: "a site to itself",
            apply: |r| r.travel.push(travel("B", "B", 5)),
            expected: &[("CP3021", "travel[1].minutes")],
        },
        Breakage {
            name: "more than a day",
            apply: |r| r.travel[0].minutes = 1441,
            expected: &[("CP3020", "travel[0].minutes")],
        },
        Breakage {
            name: "travel limit more than a day",
            apply: |r| r.requests[0].max_travel_min = 5000,
            expected: &[("CP3043", "requests[0].max_travel_min")],
        },
    ]);
    // Not errors: the same pair again with the same minutes, the other direction with
    // other minutes, and a site to itself at 0.
    let harness = Harness::start();
    let mut request = valid_request();
    request.travel.push(travel("A", "B", 10));
    request.travel.push(travel("B", "A", 12));
    request.travel.push(travel("A", "A", 0));
    balance_valid(&harness, "appointments_travel_accepted", &request);
}

#[test]
fn slot_lengths_overlaps_and_time_limits_are_named() {
    run_all(&[
        Breakage {
            name: "zero-minute slot",
            apply: |r| r.slots[0].duration_min = 0,
            expected: &[("CP3032", "slots[0].duration_min")],
        },
        Breakage {
            name: "overlapping slots of one clinician",
            // S2 (09:15) now starts inside S1 (09:00, 30 minutes).
            apply: |r| r.slots[0].duration_min = 30,
            expected: &[("CP3033", "slots[1].start_time")],
        },
    ]);
    // Over an hour: the model's own limit is CP3080, but the server's cap (10 minutes
    // by default) is checked first; either way the field is named.
    let harness = Harness::start();
    let mut request = valid_request();
    request
        .options
        .get_or_insert_with(Default::default)
        .time_limit_ms = 3_600_001;
    let status = harness
        .balance(&request)
        .expect_err("an hour and a millisecond is refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let fields: Vec<String> = field_violations(&status)
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(fields, ["options.time_limit_ms"]);
    // Back to back is fine; the same times for different clinicians are fine.
    let mut request = valid_request();
    request.slots[0].duration_min = 15;
    request
        .slots
        .push(slot("S5", "K2", "B", "GP", 0, "09:00", F2F));
    balance_valid(&harness, "appointments_back_to_back", &request);
}

#[test]
fn every_slot_that_overlaps_another_is_named() {
    // K1: S1 09:00 for three hours; S2 09:15 and S5 10:00 (15 minutes each) both lie
    // inside S1, though not inside each other. Both later slots overlap S1, so both
    // start times are offending fields (the theatre validator compares each session
    // with the one that ends last before it, and finds both).
    run_all(&[Breakage {
        name: "two slots inside a long one",
        apply: |r| {
            r.slots[0].duration_min = 180;
            r.slots.push(slot("S5", "K1", "A", "GP", 0, "10:00", F2F));
        },
        expected: &[
            ("CP3033", "slots[1].start_time"),
            ("CP3033", "slots[4].start_time"),
        ],
    }]);
}

#[test]
fn several_problems_are_all_listed() {
    run_all(&[Breakage {
        name: "many problems",
        apply: |r| {
            r.planning_start = "2026-3-2x".into();
            r.sites[1].id = "A".into();
            r.clinicians[0].site_id = "Q".into();
            r.slots[1].mode = 0;
            r.slots[2].start_time = "9am".into();
            r.requests[0].modes.clear();
            r.requests[1].urgency = 0;
            r.requests[2].home_site_id = "Q".into();
            r.requests[2].preferred_clinician_id = "N1".into();
        },
        expected: &[
            ("CP1030", "planning_start"),
            ("CP1011", "sites[1].id"),
            ("CP1020", "clinicians[0].site_id"),
            // B is no longer a site: the travel entry, K2 and S3 name an unknown site.
            ("CP1020", "travel[0].to_site_id"),
            ("CP1020", "clinicians[1].site_id"),
            ("CP1020", "slots[2].site_id"),
            ("CP1020", "requests[1].home_site_id"),
            ("CP3010", "slots[1].mode"),
            ("CP1031", "slots[2].start_time"),
            ("CP3042", "requests[0].modes"),
            ("CP3011", "requests[1].urgency"),
            ("CP1020", "requests[2].home_site_id"),
            ("CP3044", "requests[2].preferred_clinician_id"),
        ],
    }]);
}
