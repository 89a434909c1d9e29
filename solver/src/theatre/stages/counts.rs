//! Count stages (docs/model.md, "Count stages"): the most patients of one priority, by
//! specialty for P1 where that is proven, else over the whole model.

use std::collections::HashMap;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::models::formulation::{Scope, Stage};
use crate::theatre::stages::booking::Booking;
use crate::theatre::stages::run::{RunOptions, RunResult, RunStatus, run_stage};

/// Maximises the count of `priority` (docs/model.md, "Count stages"). The model holds
/// only the patients of that priority and the more urgent ones (whose counts keep
/// their floors) plus the pins: less urgent patients only take capacity, so leaving
/// them out changes no count and makes the MIP small. Returns the run and, when the
/// count rose above the incumbent's, the new bookings of the patients in the model
/// (everyone else unbooked).
pub fn max_count(
    instance: &Instance,
    priority: Priority,
    floors: [u32; 4],
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> (RunResult, Option<Assignment>) {
    let r = priority.rank();
    let have = incumbent.counts_by_priority(instance)[r];
    let started = instance.clock.now();
    // The whole model, proven to within one patient; a preference there gets what HiGHS
    // finds on the way.
    let whole = |options: &RunOptions| {
        let in_scope = up_to(instance, priority);
        let count = CountScope {
            priority,
            floors,
            in_scope: &in_scope,
            abs_gap: 0.999,
            beside: None,
        };
        count_in_scope(instance, incumbent, options, prefer, count)
    };
    let by_specialty = (priority == Priority::P1)
        .then(|| max_p1_by_specialty(instance, incumbent, options, prefer))
        .flatten();
    let (result, plan) = match by_specialty {
        Some((result, plan)) => (result, Some(plan)),
        None => whole(&options.left_since(instance, started)),
    };
    let improved =
        plan.filter(|plan| plan.counts_by_priority(instance)[r] > have || prefer.is_some());
    (result, improved)
}

/// Where a count's patients go by a preference ([`place_preferred`]).
#[derive(Clone, Copy)]
pub struct Placement<'a> {
    pub priority: Priority,
    /// The counts kept; the count of `priority` is kept at the plan's or this, the more.
    pub floors: [u32; 4],
    pub prefer: &'a HashMap<(PatientIdx, SessionIdx), f64>,
    /// For P1, specialty by specialty first (worth it where that proves the count; where
    /// the beds couple the specialties it fails after running every part).
    pub by_specialty: bool,
}

/// Moves the patients of `placement.priority` in `plan`, which books `most` of them (or
/// the floor, when more), to where the preference weighs the most, keeping the count
/// (docs/model.md, "Count stages", the second pass): for P1 specialty by specialty where
/// asked and that proves the count again, else the count model over the whole week with
/// `most` as its floor, run to within [`PREFER_GAP`] of its best preference or the time
/// limit. `None` when no plan with the count came back.
pub fn place_preferred(
    instance: &Instance,
    plan: &Assignment,
    options: &RunOptions,
    placement: Placement,
) -> Option<Assignment> {
    let Placement {
        priority,
        mut floors,
        prefer,
        by_specialty,
    } = placement;
    let r = priority.rank();
    let most = plan.counts_by_priority(instance)[r].max(floors[r]);
    let keeps = |a: &Assignment| a.counts_by_priority(instance)[r] >= most;
    let started = instance.clock.now();
    if priority == Priority::P1
        && by_specialty
        && let Some((_, placed)) = max_p1_by_specialty(instance, plan, options, Some(prefer))
        && keeps(&placed)
    {
        return Some(placed);
    }
    let in_scope = up_to(instance, priority);
    floors[r] = most;
    let count = CountScope {
        priority,
        floors,
        in_scope: &in_scope,
        abs_gap: PREFER_GAP,
        beside: None,
    };
    let options = options.left_since(instance, started);
    count_in_scope(instance, plan, &options, Some(prefer), count)
        .1
        .filter(keeps)
}

/// The patients of `priority` and the more urgent ones ($Q_r$ of docs/model.md, "Count
/// stages"), as a scope.
fn up_to(instance: &Instance, priority: Priority) -> Vec<bool> {
    instance
        .patients
        .iter()
        .map(|p| p.priority <= priority)
        .collect()
}

/// A preference for [`place_preferred`] that adds the patients of `priority` with the least
/// disturbance and the most wait removed: a patient `incumbent` books weighs 1 in their
/// session (moved only where the count needs it); a patient it leaves waiting weighs
/// (c⁰_p − c_{p,s}) / the largest such saving in each eligible session, in (0, 1], so
/// the count books them where the weighted-wait objective would.
pub fn wait_preference(
    instance: &Instance,
    priority: Priority,
    incumbent: &Assignment,
) -> HashMap<(PatientIdx, SessionIdx), f64> {
    let of_priority = |p: &PatientIdx| instance.patient(*p).priority == priority;
    let saving =
        |p: PatientIdx, s: SessionIdx| instance.cost_unscheduled(p) - instance.cost_scheduled(p, s);
    let waiting: Vec<((PatientIdx, SessionIdx), f64)> = instance
        .patient_indices()
        .filter(|p| of_priority(p) && incumbent.get(*p).is_none())
        .flat_map(|p| {
            instance.eligible[p.idx()]
                .iter()
                .map(move |&s| ((p, s), saving(p, s)))
        })
        .collect();
    let largest = waiting.iter().map(|&(_, v)| v).fold(0.0, f64::max);
    let booked = incumbent
        .scheduled()
        .filter(|(p, _)| of_priority(p))
        .map(|pair| (pair, 1.0));
    waiting
        .into_iter()
        .filter(|_| largest > 0.0)
        .map(|(pair, v)| (pair, (v / largest).max(0.0)))
        .chain(booked)
        .collect()
}

/// The absolute gap (in patients) of a specialty's count with a preference: the count
/// is still exact, and the preference (all of it worth less than one patient) is within
/// this fraction of its range of its best. Small MIPs reach it quickly; the whole model
/// does not, and stops at the count.
const PREFER_GAP: f64 = 0.05;

/// What one count MIP counts: the patients of `priority` among those `in_scope`, the
/// other counts kept at `floors`, proven to within `abs_gap` patients, beside the
/// bookings of `beside` outside the scope (the pins alone when `None`).
#[derive(Clone, Copy)]
struct CountScope<'a> {
    priority: Priority,
    floors: [u32; 4],
    in_scope: &'a [bool],
    abs_gap: f64,
    beside: Option<&'a Assignment>,
}

/// The count MIP over the patients `in_scope` (with the pins, or `count.beside`'s
/// bookings, outside it), run until its gap is below `abs_gap` patients: the run, and
/// its plan (the bookings outside the scope and the model's).
fn count_in_scope(
    instance: &Instance,
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
    count: CountScope,
) -> (RunResult, Option<Assignment>) {
    let CountScope {
        priority,
        floors,
        in_scope,
        abs_gap,
        beside,
    } = count;
    let pinned: std::collections::HashSet<PatientIdx> =
        instance.pinned.iter().map(|&(p, _)| p).collect();
    // Outside the model `beside`'s bookings stay, else only the pins.
    let mut fixed = Assignment::empty(instance);
    for &(p, s) in &instance.pinned {
        fixed.set(p, Some(s));
    }
    if let Some(beside) = beside {
        for (p, s) in beside.scheduled().filter(|&(p, _)| !in_scope[p.idx()]) {
            fixed.set(p, Some(s));
        }
    }
    let scope = Scope {
        in_scope,
        fixed: &fixed,
        prefer,
    };
    // A count is exact only when proven to within one patient: no relative gap.
    let count_options = RunOptions {
        mip_rel_gap: 0.0,
        mip_abs_gap: Some(abs_gap),
        ..options.clone()
    };
    let result = run_stage(
        instance,
        Stage::MaxCount(priority),
        floors,
        true,
        Some(incumbent),
        &count_options,
        Some(&scope),
    );
    let plan = result.assignment.as_ref().map(|a| {
        // The pins (in the model or not) and the model's own bookings.
        let mut plan = fixed.clone();
        for p in instance.patient_indices() {
            if in_scope[p.idx()] && !pinned.contains(&p) {
                plan.set(p, a.get(p));
            }
        }
        plan
    });
    (result, plan)
}

/// The P1 count specialty by specialty (docs/model.md, "Count stages"): one small MIP
/// per specialty over its P1 patients, each with only the pins booked beside them, so
/// each is a relaxation of the whole count (patients and sessions never cross
/// specialties; the ward beds and a surgeon's day across specialties are what it
/// relaxes). Their plans are then booked together under `Loads::check`. `Some` only when
/// every MIP was solved and every booking fits: then the plan's count is the sum of the
/// parts' maxima, which bounds every plan, so it is the proven maximum. `None` leaves the
/// count to the whole model.
pub fn max_p1_by_specialty(
    instance: &Instance,
    incumbent: &Assignment,
    options: &RunOptions,
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> Option<(RunResult, Assignment)> {
    let started = instance.clock.now();
    // At most half the time: the whole model, should it be needed, keeps the rest.
    let deadline = started + options.time_limit / 2;
    let specialties = p1_specialties(instance);
    if specialties.len() <= 1 {
        return None;
    }
    let mut plans = Vec::with_capacity(specialties.len());
    let mut bound = 0u32;
    for (i, &k) in specialties.iter().enumerate() {
        let mut left = deadline.saturating_duration_since(instance.clock.now());
        if left.is_zero() {
            return None;
        }
        if prefer.is_some() {
            // The preference can keep a MIP busy after its count is proven: a fair share.
            left /= (specialties.len() - i) as u32;
        }
        let in_scope: Vec<bool> = instance
            .patients
            .iter()
            .map(|p| p.priority == Priority::P1 && p.specialty.idx() == k)
            .collect();
        let options = RunOptions {
            time_limit: left,
            ..options.clone()
        };
        let count = CountScope {
            priority: Priority::P1,
            floors: [0; 4],
            in_scope: &in_scope,
            abs_gap: if prefer.is_some() { PREFER_GAP } else { 0.999 },
            beside: None,
        };
        let (result, plan) = count_in_scope(instance, incumbent, &options, prefer, count);
        // The part's P1 (its pins among them: the model holds them, at 1).
        let count = plan
            .as_ref()?
            .scheduled()
            .filter(|&(p, _)| in_scope[p.idx()])
            .count() as u32;
        // Proven when no plan of the part books one more (the preference, if any, is
        // worth less than one patient in all).
        if !(result.dual_bound.is_finite() && -result.dual_bound < f64::from(count) + 1.0 - 1e-6) {
            return None;
        }
        bound += count;
        plans.push((in_scope, plan?));
    }
    let plan = combine_parts(instance, incumbent, &plans);
    let count = plan.counts_by_priority(instance)[0];
    tracing::debug!(
        specialties = specialties.len(),
        count,
        bound,
        elapsed_ms = instance.clock.since(started).as_millis() as u64,
        "P1 count by specialty"
    );
    (count == bound).then(|| {
        (
            RunResult {
                status: RunStatus::Optimal,
                assignment: Some(plan.clone()),
                objective: -f64::from(count),
                dual_bound: -f64::from(count),
                elapsed_ms: instance.clock.since(started).as_millis() as u64,
            },
            plan,
        )
    })
}

/// `plan`'s P1 patients of the specialties marked in `specialties` re-placed by the most
/// of them that fit beside `plan`'s other bookings (its other P1 patients' and the pins;
/// the rest only take capacity a count does not need), where `prefer` weighs the most
/// (a count with a preference, as in [`place_preferred`], over a few specialties' P1: a
/// small MIP whose warm start is `plan`). Only the P1 bookings and the pins come back.
/// `None` when the run found no plan.
pub fn replace_p1_of_specialties(
    instance: &Instance,
    plan: &Assignment,
    specialties: &[bool],
    options: &RunOptions,
    prefer: &HashMap<(PatientIdx, SessionIdx), f64>,
) -> Option<Assignment> {
    let in_scope: Vec<bool> = instance
        .patients
        .iter()
        .map(|p| p.priority == Priority::P1 && specialties[p.specialty.idx()])
        .collect();
    let mut p1_only = Assignment::empty(instance);
    for &(p, s) in &instance.pinned {
        p1_only.set(p, Some(s));
    }
    for (p, s) in plan.scheduled() {
        if instance.patient(p).priority == Priority::P1 {
            p1_only.set(p, Some(s));
        }
    }
    let count = CountScope {
        priority: Priority::P1,
        floors: [0; 4],
        in_scope: &in_scope,
        abs_gap: PREFER_GAP,
        beside: Some(&p1_only),
    };
    count_in_scope(instance, &p1_only, options, Some(prefer), count).1
}

/// The specialties with P1 patients, in index order.
pub fn p1_specialties(instance: &Instance) -> Vec<usize> {
    let mut specialties: Vec<usize> = instance
        .patients
        .iter()
        .filter(|p| p.priority == Priority::P1)
        .map(|p| p.specialty.idx())
        .collect();
    specialties.sort_unstable();
    specialties.dedup();
    specialties
}

/// One plan of the parts' P1 bookings (each part's `in_scope` patients from its plan).
fn combine_parts(
    instance: &Instance,
    incumbent: &Assignment,
    plans: &[(Vec<bool>, Assignment)],
) -> Assignment {
    // All together: the pins, then each specialty's bookings, every one checked.
    let mut booking = Booking::with_pins(instance);
    for (in_scope, plan) in plans {
        for (p, s) in plan.scheduled() {
            if in_scope[p.idx()] {
                booking.book(p, s);
            }
        }
    }
    // Where the beds (or a surgeon's day across specialties) turn a booking away, the
    // incumbent's session, then any with room.
    for (p, s) in incumbent.scheduled() {
        if instance.patient(p).priority == Priority::P1 {
            booking.book(p, s);
        }
    }
    booking.seat_waiting_p1();
    booking.assignment
}
