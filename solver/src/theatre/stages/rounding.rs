//! Plans rounded from a relaxation's solution, LP or patterns (docs/model.md, "LP
//! rounding" and "Pattern bound and diving"), each booking checked as it is made.

use std::time::Instant;

use crate::theatre::assignment::Assignment;
use crate::theatre::constructive::{density_order, fill};
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::models::patterns::{Pattern, PatternRelaxation};
use crate::theatre::policy::policy_worse;
use crate::theatre::stages::booking::Booking;
use crate::theatre::stages::lift::{P1Floor, lift_to_p1_floor};
use crate::theatre::stages::polish::polish;

/// Rounds an LP solution to a plan (docs/model.md, "LP rounding"). P1 patients are
/// booked first, as the policies require: at the floor plan's sessions first when
/// `seed_p1`, else where the LP puts them (largest value first) and then at the floor
/// plan's sessions where those still have room. Then the other patients' pairs, largest
/// value first (the pairs at 1 lead), a fill in density order, and re-packing. Every
/// booking is checked against the shared capacities as it is made.
pub(crate) fn round_lp(
    instance: &Instance,
    p1_plan: &Assignment,
    seed_p1: bool,
    lp_values: &[((PatientIdx, SessionIdx), f64)],
    deadline: Instant,
) -> Assignment {
    let mut booking = Booking::with_pins(instance);
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    let p1_bookings: Vec<(PatientIdx, SessionIdx)> =
        p1_plan.scheduled().filter(|&(p, _)| is_p1(p)).collect();
    if seed_p1 {
        for &(p, s) in &p1_bookings {
            booking.book(p, s);
        }
    }
    let mut pairs = lp_values.to_vec();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // P1 where the LP puts them, then the floor plan's P1 where they still fit.
    for &((p, s), _) in &pairs {
        if is_p1(p) {
            booking.book(p, s);
        }
    }
    for &(p, s) in &p1_bookings {
        booking.book(p, s);
    }
    // Any P1 still waiting: the earliest session with room.
    booking.seat_waiting_p1();
    for &((p, s), _) in &pairs {
        if !is_p1(p) {
            booking.book(p, s);
        }
    }
    let Booking {
        mut assignment,
        mut loads,
        ..
    } = booking;
    fill(
        instance,
        &mut assignment,
        &mut loads,
        &density_order(instance),
    );
    polish(instance, &mut assignment, deadline);
    assignment
}

/// Rounds the pattern relaxation's solution to a plan (docs/model.md, "Pattern bound and
/// diving"): P1 patients first, where the dive's patterns and then the patterns with the
/// largest values put them, then as in `p1_plan`; then whole patterns (the dive's first,
/// then by value), one per session, each case booked only where it still fits every
/// shared capacity; then a fill in density order and re-packing. Beside it, the same with
/// `p1_plan`'s P1 seated first (which meets the floor); [`best_of_roundings`] picks.
pub fn round_patterns(
    instance: &Instance,
    relaxation: &PatternRelaxation,
    p1_plan: &Assignment,
    p1_floor: u32,
    deadline: Instant,
) -> Assignment {
    // Both roundings side by side (the relaxation is over, so the cores are free).
    let span = tracing::Span::current();
    let (first, seeded) = std::thread::scope(|scope| {
        let seeded = scope.spawn(|| {
            // The caller's span (the request id) on this thread's log lines too.
            let _span = span.enter();
            round_patterns_from(instance, relaxation, p1_plan, true, deadline)
        });
        let first = round_patterns_from(instance, relaxation, p1_plan, false, deadline);
        (first, seeded.join().expect("the rounding does not panic"))
    });
    tracing::debug!(
        fixed = relaxation.fixed.len(),
        fixed_p1 = relaxation
            .fixed
            .iter()
            .flat_map(|k| &k.patients)
            .filter(|&&p| instance.patient(p).priority == Priority::P1)
            .count(),
        first_p1 = first.counts_by_priority(instance)[0],
        first_ww = first.weighted_wait(instance),
        seeded_ww = seeded.weighted_wait(instance),
        p1_floor,
        "pattern rounding"
    );
    best_of_roundings(instance, first, seeded, p1_floor, deadline)
}

/// The better under the policy of a rounding with P1 placed as the relaxation puts them
/// (`first`) and one with the P1 plan's P1 seated first (`seeded`, which meets the floor).
/// Where `first` falls short of the floor (its P1 cases blocked others), more
/// candidates: `seeded` taken only in the specialties where `first` seats fewer P1 (the
/// merge), and `first` and, where it is short too, the merge lifted to the floor
/// ([`lift_to_p1_floor`]: room made for its waiting P1, else its P1 re-placed specialty
/// by specialty, else the whole count from `seeded`'s P1 with its P1 bookings preferred).
pub fn best_of_roundings(
    instance: &Instance,
    first: Assignment,
    seeded: Assignment,
    p1_floor: u32,
    deadline: Instant,
) -> Assignment {
    let meets = |a: &Assignment| a.counts_by_priority(instance)[0] >= p1_floor;
    if meets(&first) {
        return if policy_worse(instance, &first, &seeded) {
            seeded
        } else {
            first
        };
    }
    let merged = merge_by_specialty(instance, &first, &seeded, deadline);
    // Both lifts within one share of the time left: the merged candidate gets what the
    // first lift leaves of it.
    let lifts_until = instance.clock.now()
        + deadline.saturating_duration_since(instance.clock.now()) / LIFT_SHARE;
    let lift = |from: &Assignment| {
        let limit = lifts_until.saturating_duration_since(instance.clock.now());
        if limit.is_zero() {
            return None;
        }
        let floor = P1Floor {
            count: p1_floor,
            plan: &seeded,
        };
        let lifted = lift_to_p1_floor(instance, from, floor, limit, deadline)?;
        tracing::debug!(
            from_ww = from.weighted_wait(instance),
            lifted_ww = lifted.weighted_wait(instance),
            seeded_ww = seeded.weighted_wait(instance),
            "rounding lifted to the P1 floor"
        );
        Some(lifted)
    };
    let lifted = lift(&first);
    // The merge can fall short too (the beds turn some of its P1 away), fewer short.
    let lifted_merged = (!meets(&merged)).then(|| lift(&merged)).flatten();
    let mut best = seeded;
    for candidate in [Some(first), Some(merged), lifted, lifted_merged]
        .into_iter()
        .flatten()
    {
        if !policy_worse(instance, &candidate, &best) {
            best = candidate;
        }
    }
    best
}

/// The lifts (the rounding's and the merged candidate's, each its room-making and its
/// counts) get at most this fraction (1/n) of the time left, together.
const LIFT_SHARE: u32 = 8;

/// A plan that takes, in each specialty, the bookings of `first` where it seats at least
/// as many of that specialty's P1 patients as `fallback`, and `fallback`'s elsewhere.
/// Patients and sessions never cross specialties, so only the ward beds couple the
/// choices: every booking is checked again as it is made (the P1 bookings first), then a
/// fill and re-packing.
fn merge_by_specialty(
    instance: &Instance,
    first: &Assignment,
    fallback: &Assignment,
    deadline: Instant,
) -> Assignment {
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    let (ours, theirs) = (
        first.p1_by_specialty(instance),
        fallback.p1_by_specialty(instance),
    );
    let session_of = |p: PatientIdx| {
        let k = instance.patient(p).specialty.idx();
        if ours[k] >= theirs[k] {
            first.get(p)
        } else {
            fallback.get(p)
        }
    };
    let mut booking = Booking::with_pins(instance);
    for p1_pass in [true, false] {
        for p in instance.patient_indices().filter(|&p| is_p1(p) == p1_pass) {
            if let Some(s) = session_of(p) {
                booking.book(p, s);
            }
        }
    }
    let mut assignment = booking.assignment;
    polish(instance, &mut assignment, deadline);
    assignment
}

fn round_patterns_from(
    instance: &Instance,
    relaxation: &PatternRelaxation,
    p1_plan: &Assignment,
    seed_p1: bool,
    deadline: Instant,
) -> Assignment {
    let mut booking = Booking::with_pins(instance);
    // The dive's patterns first, then the last LP's, largest value first.
    let mut order: Vec<(f64, &Pattern)> = relaxation
        .pool
        .iter()
        .zip(&relaxation.values)
        .filter(|(_, v)| **v > 1e-6)
        .map(|(k, &v)| (v, k))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let order: Vec<&Pattern> = relaxation
        .fixed
        .iter()
        .chain(order.into_iter().map(|(_, k)| k))
        .collect();
    let is_p1 = |p: PatientIdx| instance.patient(p).priority == Priority::P1;
    if seed_p1 {
        for (p, s) in p1_plan.scheduled().filter(|&(p, _)| is_p1(p)) {
            booking.book(p, s);
        }
    }
    for pattern in &order {
        for &p in pattern.patients.iter().filter(|&&p| is_p1(p)) {
            booking.book(p, pattern.session);
        }
    }
    for (p, s) in p1_plan.scheduled().filter(|&(p, _)| is_p1(p)) {
        booking.book(p, s);
    }
    booking.seat_waiting_p1();
    let mut claimed = vec![false; instance.sessions.len()];
    for pattern in &order {
        if std::mem::replace(&mut claimed[pattern.session.idx()], true) {
            continue;
        }
        for &p in &pattern.patients {
            booking.book(p, pattern.session);
        }
    }
    let mut assignment = booking.assignment;
    polish(instance, &mut assignment, deadline);
    assignment
}
