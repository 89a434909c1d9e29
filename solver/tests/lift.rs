//! Lifting a plan to the P1 floor (docs/model.md, "LP rounding"): room made for a waiting
//! P1 patient at the least wait (a one-session week, and a two-session week where a booked
//! P1 case must move, against brute force); a week where only a chain of three moves and a
//! bed another specialty gives up seat the waiting P1 patient (a specialty's P1 re-placed
//! beside the other's bookings, and the lift, against brute force); and plans short of the
//! floor on generated weeks, ward beds tight or not, lifted to it while keeping their P1
//! bookings where the count allows.

use std::time::{Duration, Instant};

use clinicplan_solver::theatre::assignment::Assignment;
use clinicplan_solver::theatre::capacity::Loads;
use clinicplan_solver::theatre::check::check;
use clinicplan_solver::theatre::constructive::{constructive_plan_in, density_order, fill};
use clinicplan_solver::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use clinicplan_solver::theatre::input::*;
use clinicplan_solver::theatre::plan::build_plan;
use clinicplan_solver::theatre::stages::counts::{replace_p1_of_specialties, wait_preference};
use clinicplan_solver::theatre::stages::lift::{P1Floor, lift_to_p1_floor};
use clinicplan_solver::theatre::validate;

use crate::support;

fn far() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

/// The most P1 any plan books (the proven count), and `plan` lifted to it with the
/// count's plan as the floor plan, within 10 s.
fn lift_to_the_most_p1(instance: &Instance, plan: &Assignment) -> (u32, Option<Assignment>) {
    let floor_plan = support::most_p1(instance, &Assignment::empty(instance));
    let floor = P1Floor {
        count: floor_plan.counts_by_priority(instance)[0],
        plan: &floor_plan,
    };
    let lifted = lift_to_p1_floor(instance, plan, floor, Duration::from_secs(10), far());
    (floor.count, lifted)
}

fn assert_checked(instance: &Instance, plan: &Assignment, what: &str) {
    let built = build_plan(instance, plan.clone());
    let report = check(instance, &built.to_proposed(instance));
    assert!(report.is_valid(), "{what}: {:?}", report.violations);
}

fn patient(id: &str, priority: PriorityInput, minutes: u32, listed: &str) -> PatientInput {
    PatientInput {
        id: id.into(),
        specialty: "GEN".into(),
        procedure: "hernia repair".into(),
        expected_duration_min: minutes,
        priority,
        listed_date: listed.into(),
        ..PatientInput::default()
    }
}

/// One four-hour session on Wednesday, no turnaround: A (P1, 2 h) waits; B (P3, 2 h),
/// C and D (P4, 1 h each) fill the session. B listed on `b_listed`.
fn one_session(b_listed: &str) -> Instance {
    let request = TheatreRequest {
        sessions: vec![SessionInput {
            id: "S".into(),
            theatre_id: "T1".into(),
            date: "2026-03-04".into(),
            start_time: "08:00".into(),
            end_time: "12:00".into(),
            specialty: "GEN".into(),
            surgeon_id: "S1".into(),
        }],
        patients: vec![
            patient("A", PriorityInput::P1, 120, "2026-02-20"),
            patient("B", PriorityInput::P3, 120, b_listed),
            patient("C", PriorityInput::P4, 60, "2024-03-02"),
            patient("D", PriorityInput::P4, 60, "2024-03-02"),
        ],
        specialties: vec![SpecialtyInput {
            code: "GEN".into(),
            turnaround_min: 0,
        }],
        ..support::one_theatre("GEN", 5)
    };
    validate(&request).expect("a valid week")
}

/// The least weighted wait of a plan that books A, by brute force over who else goes in
/// the session; and whether B is in that plan.
fn brute_force_with_a(instance: &Instance) -> (f64, bool) {
    let s = SessionIdx(0);
    let length = instance.session(s).length_min;
    let mut best = (f64::INFINITY, false);
    for subset in 0..8u32 {
        let mut plan = Assignment::empty(instance);
        plan.set(PatientIdx(0), Some(s));
        for q in 1..4 {
            if subset & (1 << (q - 1)) != 0 {
                plan.set(PatientIdx(q), Some(s));
            }
        }
        let minutes: u32 = plan
            .scheduled()
            .map(|(p, _)| instance.patient(p).duration_min)
            .sum();
        let wait = plan.weighted_wait(instance);
        if minutes <= length && wait < best.0 {
            best = (wait, plan.get(PatientIdx(1)).is_some());
        }
    }
    best
}

#[test]
fn room_is_made_for_a_waiting_p1_patient_at_the_least_wait() {
    let mut b_kept = Vec::new();
    // B listed two years ago (taking C and D off costs less than taking B off) and
    // yesterday (B is the cheaper to take off).
    for b_listed in ["2024-03-01", "2026-03-01"] {
        let instance = one_session(b_listed);
        assert!(instance.eligible[0].contains(&SessionIdx(0)));
        let mut full = Assignment::empty(&instance);
        for q in 1..4 {
            full.set(PatientIdx(q), Some(SessionIdx(0)));
        }
        assert_eq!(full.counts_by_priority(&instance)[0], 0);
        let (floor, lifted) = lift_to_the_most_p1(&instance, &full);
        assert_eq!(floor, 1);
        let lifted = lifted.expect("room for A");
        let (optimum, keeps_b) = brute_force_with_a(&instance);
        assert_eq!(lifted.get(PatientIdx(0)), Some(SessionIdx(0)), "{b_listed}");
        assert!(
            (lifted.weighted_wait(&instance) - optimum).abs() < 1e-6,
            "{b_listed}: {} against the optimum {optimum}",
            lifted.weighted_wait(&instance)
        );
        assert_checked(&instance, &lifted, b_listed);
        b_kept.push(keeps_b);
    }
    // The two weeks call for different choices, so taking the cheapest case off one at a
    // time (C, then D) would miss one of them.
    assert_eq!(b_kept, [true, false]);
}

/// A week where A (P1, 2 h) can go only into session W (Wednesday) and waits, and only a
/// P1 case can make room for A by moving; no turnaround. With `surgeon_day` false, W
/// (Ms One) is full with the P1 cases Q and R (2 h each, any surgeon) and A is named to
/// Ms One; with it true, W is empty but Ms One's Wednesday (4 h at most) is full with Q
/// and R in her afternoon session V, and A needs W's laser. Either way session H on
/// Thursday is full with the P4 cases C and D (2 h each). `q_older` and `c_older` say
/// which of Q and R, and of C and D, were listed two years ago (the other, last week).
/// The sessions, in order: W, then V (only with `surgeon_day`), then H.
fn week_for_a(q_older: bool, c_older: bool, surgeon_day: bool) -> Instance {
    let (old, new) = ("2024-03-01", "2026-02-23");
    let pick = |older| if older { (old, new) } else { (new, old) };
    let (q, r) = pick(q_older);
    let (c, d) = pick(c_older);
    // Four hours from `start` o'clock.
    let session = |id: &str, date: &str, theatre: &str, surgeon: &str, start: u32| SessionInput {
        id: id.into(),
        theatre_id: theatre.into(),
        date: date.into(),
        start_time: format!("{start:02}:00"),
        end_time: format!("{:02}:00", start + 4),
        specialty: "GEN".into(),
        surgeon_id: surgeon.into(),
    };
    let mut base = support::one_theatre("GEN", 5);
    let mut a = patient("A", PriorityInput::P1, 120, "2026-02-20");
    let sessions = if surgeon_day {
        base.surgeons[0].max_minutes_per_day = 240;
        base.theatres[0].equipment = vec!["laser".into()];
        base.theatres.push(TheatreInput {
            id: "T2".into(),
            name: "Theatre 2".into(),
            equipment: vec![],
        });
        a.equipment = vec!["laser".into()];
        vec![
            session("W", "2026-03-04", "T1", "S1", 8),
            session("V", "2026-03-04", "T2", "S1", 13),
            session("H", "2026-03-05", "T2", "S1", 8),
        ]
    } else {
        base.surgeons.push(SurgeonInput {
            id: "S2".into(),
            name: "Mr Two".into(),
            ..base.surgeons[0].clone()
        });
        a.surgeon_id = "S1".into();
        vec![
            session("W", "2026-03-04", "T1", "S1", 8),
            session("H", "2026-03-05", "T1", "S2", 8),
        ]
    };
    let request = TheatreRequest {
        sessions,
        patients: vec![
            a,
            patient("Q", PriorityInput::P1, 120, q),
            patient("R", PriorityInput::P1, 120, r),
            patient("C", PriorityInput::P4, 120, c),
            patient("D", PriorityInput::P4, 120, d),
        ],
        specialties: vec![SpecialtyInput {
            code: "GEN".into(),
            turnaround_min: 0,
        }],
        ..base
    };
    validate(&request).expect("a valid week")
}

/// The least weighted wait of a plan booking at least `floor` P1 patients, by brute
/// force over every assignment of every patient to an eligible session or none.
fn brute_force_with_floor(instance: &Instance, floor: u32) -> f64 {
    let n = instance.patients.len();
    let choices: Vec<Vec<Option<SessionIdx>>> = (0..n)
        .map(|p| {
            let eligible = instance.eligible[p].iter().map(|&s| Some(s));
            std::iter::once(None).chain(eligible).collect()
        })
        .collect();
    let mut best = f64::INFINITY;
    let mut pick = vec![0usize; n];
    loop {
        let mut plan = Assignment::empty(instance);
        let mut loads = Loads::new(instance);
        let fits = (0..n).all(|p| match choices[p][pick[p]] {
            Some(s) if loads.check(instance, PatientIdx(p as u32), s).is_err() => false,
            Some(s) => {
                loads.add(instance, PatientIdx(p as u32), s);
                plan.set(PatientIdx(p as u32), Some(s));
                true
            }
            None => true,
        });
        if fits && plan.counts_by_priority(instance)[0] >= floor {
            best = best.min(plan.weighted_wait(instance));
        }
        // The next assignment, as an odometer over the choices.
        let Some(p) = (0..n).find(|&p| pick[p] + 1 < choices[p].len()) else {
            return best;
        };
        pick[p] += 1;
        pick[..p].iter_mut().for_each(|i| *i = 0);
    }
}

#[test]
fn a_booked_p1_case_moves_to_make_room_for_a_waiting_one_at_the_least_wait() {
    for surgeon_day in [false, true] {
        let w = SessionIdx(0);
        let h = SessionIdx(if surgeon_day { 2 } else { 1 });
        // Where Q and R are booked: W, or (the surgeon's day full) V.
        let full = SessionIdx(if surgeon_day { 1 } else { 0 });
        let mut moved = Vec::new();
        for (q_older, c_older) in [(true, true), (false, false)] {
            let instance = week_for_a(q_older, c_older, surgeon_day);
            let what = format!("surgeon's day {surgeon_day}, Q older {q_older}, C older {c_older}");
            assert_eq!(instance.eligible[0], [w], "{what}: A can go into W only");
            let mut plan = Assignment::empty(&instance);
            for (q, s) in [(1, full), (2, full), (3, h), (4, h)] {
                plan.set(PatientIdx(q), Some(s));
            }
            let (floor, lifted) = lift_to_the_most_p1(&instance, &plan);
            assert_eq!(floor, 3, "{what}");
            let lifted = lifted.expect("room for A");
            assert_eq!(lifted.counts_by_priority(&instance)[0], 3, "{what}");
            assert_checked(&instance, &lifted, &what);
            let optimum = brute_force_with_floor(&instance, 3);
            assert!(
                (lifted.weighted_wait(&instance) - optimum).abs() < 1e-6,
                "{what}: {} against the optimum {optimum}",
                lifted.weighted_wait(&instance)
            );
            let in_h = |p: u32| lifted.get(PatientIdx(p)) == Some(h);
            moved.push((in_h(1), in_h(2), in_h(3), in_h(4)));
        }
        // The P1 case listed last week moves to Thursday and the P4 case listed last week
        // gives up its place: different cases in the two weeks.
        assert_eq!(
            moved,
            [(false, true, true, false), (true, false, false, true)],
            "surgeon's day {surgeon_day}"
        );
    }
}

/// The P1 bookings `plan` shares with `other`.
fn p1_kept(instance: &Instance, plan: &Assignment, other: &Assignment) -> usize {
    plan.scheduled()
        .filter(|&(p, s)| instance.patient(p).priority == Priority::P1 && other.get(p) == Some(s))
        .count()
}

#[test]
fn plans_short_of_the_p1_floor_are_lifted_to_it_keeping_their_p1_bookings() {
    let mut lifted_weeks = 0;
    for (theatres, patients, seed, p1_every, beds) in [
        (3, 200, 61, 4, None),
        (4, 250, 62, 3, None),
        (3, 200, 63, 3, Some(2)),
        (4, 250, 64, 3, Some(1)),
    ] {
        let instance = support::p1_week(theatres, patients, seed, p1_every, beds);
        let what = format!("seed {seed}");
        // A plan in density order (it books fewer P1 than the most), which is what a
        // rounding that follows the relaxation looks like.
        let short = constructive_plan_in(&instance, &density_order(&instance));
        let start = Assignment::empty(&instance);
        let p1_plan = support::most_p1(&instance, &start);
        let floor = p1_plan.counts_by_priority(&instance)[0];
        if short.counts_by_priority(&instance)[0] >= floor {
            continue;
        }
        let to = P1Floor {
            count: floor,
            plan: &p1_plan,
        };
        let lifted = lift_to_p1_floor(&instance, &short, to, Duration::from_secs(30), far())
            .expect("a lift to the floor");
        assert!(
            lifted.counts_by_priority(&instance)[0] >= floor,
            "{what}: below the floor"
        );
        assert_checked(&instance, &lifted, &what);
        // The fallback a rounding has: the count's plan with everyone else who fits.
        let mut fallback = p1_plan.clone();
        let mut loads = Loads::from_assignment(&instance, &fallback);
        fill(
            &instance,
            &mut fallback,
            &mut loads,
            &density_order(&instance),
        );
        assert!(
            lifted.weighted_wait(&instance) < fallback.weighted_wait(&instance),
            "{what}: {} not below the fallback's {}",
            lifted.weighted_wait(&instance),
            fallback.weighted_wait(&instance)
        );
        assert!(
            p1_kept(&instance, &lifted, &short) >= p1_kept(&instance, &p1_plan, &short),
            "{what}: the lift moved more of the plan's P1 bookings than the plain count"
        );
        lifted_weeks += 1;
    }
    assert!(
        lifted_weeks >= 3,
        "only {lifted_weeks} weeks fell short of the floor"
    );
}

/// A week where the waiting P1 patient A is seated only by a chain of three moves and a
/// bed given up by another specialty: GEN's sessions W, X, Y and Z on Monday to Thursday
/// (Ms One, 4 h each) and ORTH's O1 and O2 on Thursday and Friday (Mr Two); one free ward
/// bed on Thursday; every case 2 h, no turnaround. A (P1) can come on Monday only, Q1 and
/// Q2 (P1) on Monday or Tuesday, R1 and R2 (P1) Tuesday or Wednesday, U1 and U2 (P1,
/// one night in a ward bed) Wednesday or Thursday, C (P4) Thursday only; B (ORTH, P1,
/// one night) Thursday or Friday. The patients, in order: A, Q1, Q2, R1, R2, U1, U2, C, B.
fn chain_week() -> Instance {
    let days = [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
    ];
    let session =
        |id: &str, day: usize, theatre: &str, specialty: &str, surgeon: &str| SessionInput {
            id: id.into(),
            theatre_id: theatre.into(),
            date: days[day].into(),
            start_time: "08:00".into(),
            end_time: "12:00".into(),
            specialty: specialty.into(),
            surgeon_id: surgeon.into(),
        };
    // A patient of `specialty` who can come on the days in `on` only.
    let case = |id: &str, specialty: &str, priority, on: &[usize], nights: u32| PatientInput {
        specialty: specialty.into(),
        unavailable_dates: (0..5)
            .filter(|d| !on.contains(d))
            .map(|d| days[d].into())
            .collect(),
        length_of_stay_days: nights,
        ..patient(id, priority, 120, "2026-01-05")
    };
    let mut base = support::one_theatre("GEN", 5);
    base.theatres.push(TheatreInput {
        id: "T2".into(),
        name: "Theatre 2".into(),
        equipment: vec![],
    });
    base.surgeons.push(SurgeonInput {
        id: "S2".into(),
        name: "Mr Two".into(),
        specialty: "ORTH".into(),
        ..base.surgeons[0].clone()
    });
    let p1 = PriorityInput::P1;
    let request = TheatreRequest {
        sessions: vec![
            session("W", 0, "T1", "GEN", "S1"),
            session("X", 1, "T1", "GEN", "S1"),
            session("Y", 2, "T1", "GEN", "S1"),
            session("Z", 3, "T1", "GEN", "S1"),
            session("O1", 3, "T2", "ORTH", "S2"),
            session("O2", 4, "T2", "ORTH", "S2"),
        ],
        patients: vec![
            case("A", "GEN", p1, &[0], 0),
            case("Q1", "GEN", p1, &[0, 1], 0),
            case("Q2", "GEN", p1, &[0, 1], 0),
            case("R1", "GEN", p1, &[1, 2], 0),
            case("R2", "GEN", p1, &[1, 2], 0),
            case("U1", "GEN", p1, &[2, 3], 1),
            case("U2", "GEN", p1, &[2, 3], 1),
            case("C", "GEN", PriorityInput::P4, &[3], 0),
            case("B", "ORTH", p1, &[3, 4], 1),
        ],
        specialties: ["GEN", "ORTH"]
            .map(|code| SpecialtyInput {
                code: code.into(),
                turnaround_min: 0,
            })
            .to_vec(),
        ward_beds: vec![WardBedsInput {
            date: days[3].into(),
            free_beds: 1,
        }],
        ..base
    };
    validate(&request).expect("a valid week")
}

/// The chain week's plan before the lift: Q1 and Q2 in W, R1 and R2 in X, U1 and U2 in
/// Y, C in Z, B in O1 (Thursday's bed); A waits.
fn chain_plan(instance: &Instance) -> Assignment {
    let mut plan = Assignment::empty(instance);
    for (p, s) in [
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 1),
        (5, 2),
        (6, 2),
        (7, 3),
        (8, 4),
    ] {
        plan.set(PatientIdx(p), Some(SessionIdx(s)));
    }
    plan
}

/// The most P1 patients of the specialties marked in `specialties` that fit beside
/// `plan`'s other P1 bookings, by brute force over every session (or none) for each.
fn brute_force_p1_of(instance: &Instance, plan: &Assignment, specialties: &[bool]) -> u32 {
    let free: Vec<PatientIdx> = instance
        .patient_indices()
        .filter(|&p| {
            let patient = instance.patient(p);
            patient.priority == Priority::P1 && specialties[patient.specialty.idx()]
        })
        .collect();
    let mut loads = Loads::new(instance);
    for (p, s) in plan.scheduled() {
        if instance.patient(p).priority == Priority::P1 && !free.contains(&p) {
            loads.add(instance, p, s);
        }
    }
    fn most(instance: &Instance, free: &[PatientIdx], loads: &mut Loads) -> u32 {
        let Some((&p, rest)) = free.split_first() else {
            return 0;
        };
        let mut best = most(instance, rest, loads);
        for &s in &instance.eligible[p.idx()] {
            if loads.check(instance, p, s).is_ok() {
                loads.add(instance, p, s);
                best = best.max(1 + most(instance, rest, loads));
                loads.remove(instance, p, s);
            }
        }
        best
    }
    most(instance, &free, &mut loads)
}

#[test]
fn a_specialtys_p1_are_re_placed_beside_the_other_specialties_bookings() {
    let instance = chain_week();
    let plan = chain_plan(&instance);
    let options = support::exact();
    let prefer = wait_preference(&instance, Priority::P1, &plan);
    let gen_alone = [true, false];
    let placed =
        replace_p1_of_specialties(&instance, &plan, &gen_alone, &options, &prefer).expect("a plan");
    // GEN's P1 beside B on Thursday: Z has no bed for U1 or U2, so A stays out.
    assert_eq!(placed.get(PatientIdx(8)), Some(SessionIdx(4)), "B kept");
    assert_eq!(
        placed.get(PatientIdx(7)),
        None,
        "only P1 bookings come back"
    );
    let gen_p1 = placed.p1_by_specialty(&instance)[0];
    assert_eq!(gen_p1, brute_force_p1_of(&instance, &plan, &gen_alone));
    assert_eq!(gen_p1, 6);
    // Both specialties together: B moves to Friday, and A is seated.
    let both = [true, true];
    let placed =
        replace_p1_of_specialties(&instance, &plan, &both, &options, &prefer).expect("a plan");
    let p1 = placed.counts_by_priority(&instance)[0];
    assert_eq!(p1, brute_force_p1_of(&instance, &plan, &both));
    assert_eq!(p1, 8);
    assert_eq!(
        placed.get(PatientIdx(8)),
        Some(SessionIdx(5)),
        "B on Friday"
    );
    assert_checked(&instance, &placed, "both specialties");
}

#[test]
fn a_p1_patient_seated_only_by_a_chain_of_moves_is_lifted_to_the_optimum() {
    let instance = chain_week();
    let plan = chain_plan(&instance);
    assert_eq!(plan.counts_by_priority(&instance)[0], 7);
    let (floor, lifted) = lift_to_the_most_p1(&instance, &plan);
    assert_eq!(floor, 8);
    let lifted = lifted.expect("a lift to the floor");
    assert_eq!(lifted.counts_by_priority(&instance)[0], 8);
    assert_checked(&instance, &lifted, "the chain week");
    let optimum = brute_force_with_floor(&instance, 8);
    assert!(
        (lifted.weighted_wait(&instance) - optimum).abs() < 1e-6,
        "{} against the optimum {optimum}",
        lifted.weighted_wait(&instance)
    );
    assert_eq!(
        lifted.get(PatientIdx(7)),
        Some(SessionIdx(3)),
        "C kept in Z"
    );
}
