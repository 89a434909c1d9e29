//! Lifting a plan to the P1 floor (docs/model.md, "LP rounding"): a rounding that
//! follows the relaxation closely can fall a P1 patient or two short of the most any
//! plan books, and then ranks below every plan that has the count however much less
//! wait it leaves. The lift keeps as much of it as it can: room made for its waiting P1
//! patients where that costs the least wait, else its P1 bookings moved as little as the
//! count needs and its other bookings put back around them.

use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::knapsack::knapsack;
use crate::theatre::stages::counts::{Placement, place_preferred, wait_preference};
use crate::theatre::stages::polish::{polish, polish_keeping};
use crate::theatre::stages::run::run_options;

/// `plan` lifted to `floor` P1 bookings by `now + limit` (or `deadline`, if sooner): by
/// making room ([`make_room_for_p1`]), else by the P1 count with `plan`'s P1 bookings as
/// its preference and a floor of `floor`, `plan`'s other bookings put back around them.
/// `None` when neither reaches the floor in time.
pub fn lift_to_p1_floor(
    instance: &Instance,
    plan: &Assignment,
    floor: u32,
    limit: Duration,
    deadline: Instant,
) -> Option<Assignment> {
    let started = instance.clock.now();
    let until = deadline.min(started + limit);
    let made = make_room_for_p1(instance, plan, floor, until);
    tracing::debug!(
        made = made.is_some(),
        elapsed_ms = instance.clock.since(started).as_millis() as u64,
        "room made for P1"
    );
    if made.is_some() {
        return made;
    }
    // Not with the time spent: a count MIP over the whole week can overrun its limit in
    // setting up alone.
    if instance.clock.now() >= until {
        return None;
    }
    let prefer = wait_preference(instance, Priority::P1, plan);
    // The count by specialty is not tried: where it proves the count, plans rarely fall
    // short of the floor; where the beds couple the specialties it fails only after
    // running every part (about 1 s on a 10 × 10,000 week).
    let placement = Placement {
        priority: Priority::P1,
        floors: [floor, 0, 0, 0],
        prefer: &prefer,
        by_specialty: false,
    };
    let left = until.saturating_duration_since(instance.clock.now());
    let mut placed = place_preferred(instance, plan, &run_options(instance, left), placement)?;
    polish_keeping(instance, &mut placed, plan, until);
    (placed.counts_by_priority(instance)[0] >= floor).then_some(placed)
}

/// At most this many (patient, session) pairs are priced for one P1 booking: the pairs
/// are taken by the saving of the booking, largest first, and the pricing stops once no
/// pair left can beat the best (a room costs nothing at least), so on most weeks far
/// fewer are priced; the cap bounds the rest (a large week has 10⁵ such pairs).
const MAX_PRICED: usize = 5_000;

/// `plan` with waiting P1 patients seated until it books `floor` of them: each time the
/// (patient, session) whose room costs the least weighted wait, the room made by taking
/// off the cheapest bookings (never a P1 patient's, never a pin) on the capacity that
/// turns the patient away; then what still fits is booked and the sessions re-packed.
/// `None` when no waiting P1 patient can be seated that way before the floor, or `until`
/// comes first.
fn make_room_for_p1(
    instance: &Instance,
    plan: &Assignment,
    floor: u32,
    until: Instant,
) -> Option<Assignment> {
    let mut plan = plan.clone();
    let mut loads = Loads::from_assignment(instance, &plan);
    let pinned: Vec<bool> = {
        let mut pinned = vec![false; instance.patients.len()];
        for &(p, _) in &instance.pinned {
            pinned[p.idx()] = true;
        }
        pinned
    };
    while plan.counts_by_priority(instance)[0] < floor {
        let mut pairs: Vec<(f64, PatientIdx, SessionIdx)> = instance
            .patient_indices()
            .filter(|&p| instance.patient(p).priority == Priority::P1 && plan.get(p).is_none())
            .flat_map(|p| instance.eligible[p.idx()].iter().map(move |&s| (p, s)))
            .map(|(p, s)| (saving(instance, p, s), p, s))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        let room = Room::new(instance, &plan, &pinned);
        let mut best: Option<(f64, PatientIdx, SessionIdx, Vec<PatientIdx>)> = None;
        for &(gain, p, s) in pairs.iter().take(MAX_PRICED) {
            if best.as_ref().is_some_and(|b| -gain >= b.0) || instance.clock.now() >= until {
                break;
            }
            if let Some((evict, loss)) = room.make(&loads, p, s)
                && best.as_ref().is_none_or(|b| loss - gain < b.0)
            {
                best = Some((loss - gain, p, s, evict));
            }
        }
        tracing::debug!(
            pairs = pairs.len(),
            found = best.is_some(),
            "P1 room priced"
        );
        let (_, p, s, evict) = best?;
        for q in evict {
            let at = plan.get(q).expect("an evicted patient is booked");
            loads.remove(instance, q, at);
            plan.set(q, None);
        }
        plan.set(p, Some(s));
        loads.add(instance, p, s);
    }
    polish(instance, &mut plan, until);
    Some(plan)
}

/// The weighted wait booking p into s removes.
fn saving(instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
    instance.cost_unscheduled(p) - instance.cost_scheduled(p, s)
}

/// Where room is made: the plan's bookings by session, and who may not be taken off.
struct Room<'a> {
    instance: &'a Instance,
    pinned: &'a [bool],
    by_session: Vec<Vec<PatientIdx>>,
}

impl<'a> Room<'a> {
    fn new(instance: &'a Instance, plan: &'a Assignment, pinned: &'a [bool]) -> Self {
        let mut by_session = vec![Vec::new(); instance.sessions.len()];
        for (p, s) in plan.scheduled() {
            by_session[s.idx()].push(p);
        }
        Room {
            instance,
            pinned,
            by_session,
        }
    }

    /// The bookings of session s.
    fn booked_in(&self, s: SessionIdx) -> impl Iterator<Item = (PatientIdx, SessionIdx)> + '_ {
        self.by_session[s.idx()].iter().map(move |&q| (q, s))
    }

    /// The bookings to take off so that p fits in s, and the weighted wait that adds:
    /// while a capacity turns p away, on the session's minutes the cases that free them at
    /// the least loss go (an exact knapsack), on the surgeon's day or a ward bed the
    /// booking holding it whose loss is the least. `None` when only P1 bookings or pins
    /// hold the capacity. (Each pair priced clones the loads: the pricing is bounded by
    /// [`MAX_PRICED`] and stops early, about 120 pairs on the long-lists weeks.)
    fn make(&self, loads: &Loads, p: PatientIdx, s: SessionIdx) -> Option<(Vec<PatientIdx>, f64)> {
        let instance = self.instance;
        let mut loads = loads.clone();
        let mut evict = Vec::new();
        let mut loss = 0.0;
        // Each round takes a booking off at least, so the rounds are bounded.
        while let Err(overrun) = loads.check(instance, p, s) {
            let take = match overrun {
                Overrun::SessionMinutes => self.session_cover(&loads, p, s, &evict)?,
                other => vec![self.cheapest_on(other, s, &evict)?],
            };
            for (q, at) in take {
                loads.remove(instance, q, at);
                loss += saving(instance, q, at);
                evict.push(q);
            }
        }
        Some((evict, loss))
    }

    /// The bookings of session s whose minutes make room for p at the least loss: the
    /// cases that may go and are not kept by the exact knapsack that keeps the most
    /// saving in the minutes left once p's are freed.
    fn session_cover(
        &self,
        loads: &Loads,
        p: PatientIdx,
        s: SessionIdx,
        taken: &[PatientIdx],
    ) -> Option<Vec<(PatientIdx, SessionIdx)>> {
        let instance = self.instance;
        let turnaround = instance.turnaround(s);
        let used = loads.session_load(s) + instance.patient(p).duration_min + turnaround;
        let need = used.saturating_sub(instance.session(s).length_min + turnaround);
        let items: Vec<(PatientIdx, u32, f64)> = self
            .booked_in(s)
            .filter(|&(q, _)| self.may_go(q, taken))
            .map(|(q, _)| {
                let minutes = instance.patient(q).duration_min + turnaround;
                (q, minutes, saving(instance, q, s))
            })
            .collect();
        let movable: u32 = items.iter().map(|&(_, minutes, _)| minutes).sum();
        let room = movable.checked_sub(need)?;
        let mut kept = vec![false; items.len()];
        for i in knapsack(&items, room) {
            kept[i] = true;
        }
        let gone = items.iter().zip(&kept).filter(|(_, kept)| !**kept);
        Some(gone.map(|(&(q, _, _), _)| (q, s)).collect())
    }

    /// Whether booking q may be taken off: not a P1 patient's, not a pin, not taken yet.
    fn may_go(&self, q: PatientIdx, taken: &[PatientIdx]) -> bool {
        self.instance.patient(q).priority != Priority::P1
            && !self.pinned[q.idx()]
            && !taken.contains(&q)
    }

    /// The booking, not yet taken off, that holds `overrun` (for a booking into s) and
    /// whose loss is the least.
    fn cheapest_on(
        &self,
        overrun: Overrun,
        s: SessionIdx,
        taken: &[PatientIdx],
    ) -> Option<(PatientIdx, SessionIdx)> {
        let instance = self.instance;
        let session = instance.session(s);
        // The sessions whose bookings can hold the capacity: s, the surgeon's that day,
        // or (a bed) those on or before its day, where the stay must also cover that day.
        let could_hold = |at: SessionIdx| match overrun {
            Overrun::SessionMinutes => at == s,
            Overrun::SurgeonMinutes => {
                let there = instance.session(at);
                there.surgeon == session.surgeon && there.day == session.day
            }
            Overrun::WardBeds(day) => i64::from(instance.session(at).day) <= day,
        };
        let holds = |q: PatientIdx, at: SessionIdx| match overrun {
            Overrun::WardBeds(day) => instance
                .bed_days(q, instance.session(at).day)
                .contains(&day),
            _ => true,
        };
        instance
            .session_indices()
            .filter(|&at| could_hold(at))
            .flat_map(|at| self.booked_in(at))
            .filter(|&(q, at)| self.may_go(q, taken) && holds(q, at))
            .map(|(q, at)| (saving(instance, q, at), q, at))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, q, at)| (q, at))
    }
}
