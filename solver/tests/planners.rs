//! Today's practice, on weeks worked by hand: the theatre lists a waiting-list office
//! builds (priority order, then date listed, each into the earliest session where it
//! fits) and GP bookings made by each practice on its own (own patients, own slots,
//! arrival order, the named clinician when within target).

use clinicplan_solver::appointments::domain::{RequestIdx, SlotIdx};
use clinicplan_solver::appointments::input::*;
use clinicplan_solver::appointments::{balance, validate as validate_network};
use clinicplan_solver::simulate::gp::practice_only_bookings;
use clinicplan_solver::simulate::{by_hand_plan, checked_by_hand_plan};
use clinicplan_solver::theatre::constructive::constructive_plan;
use clinicplan_solver::theatre::input::*;
use clinicplan_solver::theatre::validate::validate;

fn session(id: &str, date: &str) -> SessionInput {
    SessionInput {
        id: id.into(),
        theatre_id: "T1".into(),
        date: date.into(),
        start_time: "08:30".into(),
        end_time: "12:30".into(),
        specialty: "ENT".into(),
        surgeon_id: "E1".into(),
    }
}

fn patient(id: &str, priority: PriorityInput, minutes: u32, listed: &str) -> PatientInput {
    PatientInput {
        id: id.into(),
        specialty: "ENT".into(),
        procedure: "Case".into(),
        expected_duration_min: minutes,
        priority,
        listed_date: listed.into(),
        ..PatientInput::default()
    }
}

#[test]
fn by_hand_lists_book_in_priority_then_date_order_into_the_earliest_session_that_fits() {
    // Wednesday's list comes first in the request, Monday's second: by hand, dates count.
    let request = TheatreRequest {
        planning_start: "2026-03-02".into(),
        horizon_days: 7,
        theatres: vec![TheatreInput {
            id: "T1".into(),
            name: "One".into(),
            equipment: Vec::new(),
        }],
        surgeons: vec![SurgeonInput {
            id: "E1".into(),
            name: "A".into(),
            specialty: "ENT".into(),
            max_minutes_per_day: 480,
            unavailable_dates: Vec::new(),
        }],
        sessions: vec![session("WED", "2026-03-04"), session("MON", "2026-03-02")],
        patients: vec![
            patient("A", PriorityInput::P2, 60, "2026-01-05"),
            patient("B", PriorityInput::P1, 200, "2026-02-20"),
            patient("C", PriorityInput::P4, 100, "2025-06-01"),
            patient("D", PriorityInput::P4, 100, "2025-09-01"),
        ],
        specialties: vec![SpecialtyInput {
            code: "ENT".into(),
            turnaround_min: 15,
        }],
        ..TheatreRequest::default()
    };
    let instance = validate(&request).expect("a valid week");
    let booked = |a: &clinicplan_solver::theatre::assignment::Assignment| -> Vec<Option<String>> {
        instance
            .patient_indices()
            .map(|p| a.get(p).map(|s| instance.session(s).id.clone()))
            .collect()
    };
    // By hand (240 minutes a list, 15 between cases): B (P1, 200) takes Monday; A (P2,
    // 60) no longer fits Monday (200 + 15 + 60 > 240) and takes Wednesday; C (P4, the
    // longer wait) joins A on Wednesday (60 + 15 + 100 = 175); D fits nowhere.
    let hand = by_hand_plan(&instance);
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        booked(&hand),
        vec![some("WED"), some("MON"), some("WED"), None]
    );
    assert_eq!(checked_by_hand_plan(&instance).as_ref(), Ok(&hand));
    // The same rule as the solver's start plan, before its re-packing and MIP.
    assert_eq!(booked(&constructive_plan(&instance)), booked(&hand));
}

fn slot(
    id: &str,
    clinician: &str,
    site: &str,
    date: &str,
    start: &str,
    mode: ModeInput,
) -> SlotInput {
    SlotInput {
        id: id.into(),
        clinician_id: clinician.into(),
        site_id: site.into(),
        role: "GP".into(),
        date: date.into(),
        start_time: start.into(),
        duration_min: 10,
        mode,
    }
}

fn request(id: &str, home: &str, date: &str, preferred: &str) -> RequestInput {
    RequestInput {
        id: id.into(),
        home_site_id: home.into(),
        role: "GP".into(),
        urgency: UrgencyInput::Routine,
        request_date: date.into(),
        modes: vec![ModeInput::FaceToFace, ModeInput::Phone],
        max_travel_min: 20,
        preferred_clinician_id: preferred.into(),
    }
}

#[test]
fn practice_only_books_own_patients_into_own_slots_in_arrival_order() {
    let clinician = |id: &str, site: &str| ClinicianInput {
        id: id.into(),
        site_id: site.into(),
        role: "GP".into(),
        name: String::new(),
    };
    let site = |id: &str| SiteInput {
        id: id.into(),
        name: id.into(),
    };
    let network = validate_network(&BalanceRequest {
        planning_start: "2026-03-02".into(),
        horizon_days: 7,
        sites: vec![site("S1"), site("S2")],
        travel: vec![TravelInput {
            from_site_id: "S1".into(),
            to_site_id: "S2".into(),
            minutes: 10,
        }],
        clinicians: vec![
            clinician("C1", "S1"),
            clinician("C2", "S1"),
            clinician("C3", "S2"),
        ],
        slots: vec![
            slot(
                "C1-TUE",
                "C1",
                "S1",
                "2026-03-03",
                "09:00",
                ModeInput::FaceToFace,
            ),
            slot(
                "C1-MON",
                "C1",
                "S1",
                "2026-03-02",
                "09:00",
                ModeInput::FaceToFace,
            ),
            slot(
                "C2-MON",
                "C2",
                "S1",
                "2026-03-02",
                "09:30",
                ModeInput::Phone,
            ),
            slot(
                "C3-MON",
                "C3",
                "S2",
                "2026-03-02",
                "09:00",
                ModeInput::FaceToFace,
            ),
            slot(
                "C3-TUE",
                "C3",
                "S2",
                "2026-03-03",
                "10:00",
                ModeInput::FaceToFace,
            ),
        ],
        requests: vec![
            request("R4", "S1", "2026-03-03", ""),
            request("R1", "S1", "2026-03-02", ""),
            request("R2", "S1", "2026-03-02", "C1"),
            request("R3", "S1", "2026-03-02", ""),
            request("R5", "S2", "2026-03-02", ""),
        ],
        options: BalanceOptionsInput {
            time_limit_ms: 10_000,
            method: BalanceMethod::Transshipment,
            log_solver: false,
        },
    })
    .expect("a valid network");
    // Arrival order R1, R2, R3, R5 (Monday), R4 (Tuesday). R1 takes S1's earliest slot
    // (C1 Monday); R2 names C1, whose Tuesday slot is within 14 days; R3 takes C2's
    // Monday phone slot; R5 takes C3 Monday at its own S2; R4 (Tuesday, S1) finds S1
    // full and is not offered S2's free Tuesday slot.
    let (r, s) = (RequestIdx, SlotIdx);
    assert_eq!(
        practice_only_bookings(&network),
        vec![(r(1), s(1)), (r(2), s(0)), (r(3), s(2)), (r(4), s(3))]
    );
    // Booking across the network books all five.
    let balanced = balance(&network, 10_000).expect("balanced");
    assert_eq!(balanced.bookings.len(), 5);
}
