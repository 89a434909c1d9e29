//! Lifting a plan to the P1 floor (docs/model.md, "LP rounding"): a rounding that
//! follows the relaxation closely can fall a P1 patient or two short of the most any
//! plan books, and then ranks below every plan that has the count however much less
//! wait it leaves. The lift keeps as much of it as it can: room made for its waiting P1
//! patients (cases taken off or P1 cases moved) where that costs the least wait, else its
//! P1 bookings moved as little as the count needs and its other bookings put back around
//! them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};
use crate::theatre::knapsack::knapsack;
use crate::theatre::stages::counts::{
    Placement, p1_specialties, place_preferred, replace_p1_of_specialties, wait_preference,
};
use crate::theatre::stages::polish::{polish, polish_keeping};
use crate::theatre::stages::run::run_options;

/// The P1 floor a plan is lifted to: the count, and a plan that meets it (the count's
/// warm start, so the count has a plan with the floor from its first node).
#[derive(Clone, Copy)]
pub struct P1Floor<'a> {
    pub count: u32,
    pub plan: &'a Assignment,
}

/// `plan` lifted to `floor.count` P1 bookings by `now + limit` (or `deadline`, if
/// sooner): by making room ([`make_room_for_p1`]), else by the P1 count started from
/// `floor.plan`'s P1 bookings, with the bookings of the plan as far as the room got as the
/// preference, its other bookings put back around them. `None` when neither reaches the
/// floor in time.
pub fn lift_to_p1_floor(
    instance: &Instance,
    plan: &Assignment,
    floor: P1Floor,
    limit: Duration,
    deadline: Instant,
) -> Option<Assignment> {
    let started = instance.clock.now();
    let until = deadline.min(started + limit);
    let made = make_room_for_p1(instance, plan, floor.count, until);
    tracing::debug!(
        made = made.is_ok(),
        elapsed_ms = instance.clock.since(started).as_millis() as u64,
        "room made for P1"
    );
    // The preference starts from as far as the room got: the more P1 seated there, the
    // fewer the count moves.
    let plan = match made {
        Ok(lifted) => return Some(lifted),
        Err(partial) => partial,
    };
    // Not with the time spent: a count MIP over the whole week can overrun its limit in
    // setting up alone.
    if instance.clock.now() >= until {
        return None;
    }
    let prefer = wait_preference(instance, Priority::P1, &plan);
    if let Some(lifted) = lift_by_specialty(instance, &plan, floor, &prefer, until) {
        return Some(lifted);
    }
    // The count by specialty is not tried: where it proves the count, plans rarely fall
    // short of the floor; where the beds couple the specialties it fails only after
    // running every part (about 1 s on a 10 × 10,000 week).
    let placement = Placement {
        priority: Priority::P1,
        floors: [floor.count, 0, 0, 0],
        prefer: &prefer,
        by_specialty: false,
    };
    let left = until.saturating_duration_since(instance.clock.now());
    let options = run_options(instance, left);
    let mut placed = place_preferred(instance, floor.plan, &options, placement)?;
    polish_keeping(instance, &mut placed, &plan, until);
    tracing::debug!(
        p1 = placed.counts_by_priority(instance)[0],
        elapsed_ms = instance.clock.since(started).as_millis() as u64,
        "P1 count for the lift"
    );
    (placed.counts_by_priority(instance)[0] >= floor.count).then_some(placed)
}

/// `plan` lifted to `floor.count` P1 bookings one specialty at a time: each one's P1
/// re-placed by the most that fit beside the plan's other P1 bookings, where `prefer`
/// weighs the most (a small count MIP, [`replace_p1_of_specialties`]), the specialties
/// where the plan books fewer P1 than `floor.plan` first, until the floor is met or half
/// the time to `until` is spent (the rest is the whole count's, should the parts stay
/// short); the plan's other bookings are then put back around them by `until`. `None`
/// when the floor is not met (the ward beds and surgeons' days the specialties share can
/// keep the parts below it).
fn lift_by_specialty(
    instance: &Instance,
    plan: &Assignment,
    floor: P1Floor,
    prefer: &HashMap<(PatientIdx, SessionIdx), f64>,
    until: Instant,
) -> Option<Assignment> {
    let (ours, theirs) = (
        plan.p1_by_specialty(instance),
        floor.plan.p1_by_specialty(instance),
    );
    let mut order = p1_specialties(instance);
    order.sort_by_key(|&k| {
        (
            std::cmp::Reverse(i64::from(theirs[k]) - i64::from(ours[k])),
            k,
        )
    });
    let half = instance.clock.now() + until.saturating_duration_since(instance.clock.now()) / 2;
    let mut placed = plan.clone();
    let mut have = ours;
    for (i, &k) in order.iter().enumerate() {
        let now = instance.clock.now();
        if have.iter().sum::<u32>() >= floor.count || now >= half {
            break;
        }
        let left = half.saturating_duration_since(now) / (order.len() - i) as u32;
        let options = run_options(instance, left);
        let mut marked = vec![false; instance.specialties.len()];
        marked[k] = true;
        let Some(again) = replace_p1_of_specialties(instance, &placed, &marked, &options, prefer)
        else {
            continue;
        };
        let counts = again.p1_by_specialty(instance);
        if counts[k] > have[k] {
            placed = again;
            have = counts;
        }
    }
    let p1 = have.iter().sum::<u32>();
    tracing::debug!(p1, "P1 re-placed by specialty for the lift");
    if p1 < floor.count {
        return None;
    }
    polish_keeping(instance, &mut placed, plan, until);
    Some(placed)
}

/// At most this many (patient, session) pairs are priced for one P1 booking: the pairs
/// are taken by the saving of the booking, largest first, and the pricing stops once no
/// pair left can beat the best were its room free (a move to an earlier session can make
/// a room gain, which this stop may miss), so on most weeks far fewer are priced; the cap
/// bounds the rest (a large week has 10⁵ such pairs).
const MAX_PRICED: usize = 5_000;

/// `plan` with waiting P1 patients seated until it books `floor` of them: each time the
/// (patient, session) whose room costs the least weighted wait, the room made by taking
/// off the cheapest bookings (never a P1 patient's, never a pin) or moving P1 cases on
/// the capacity that turns the patient away; then what still fits is booked and the
/// sessions re-packed. `Err` with the plan as far as it got (re-packed too) when no
/// waiting P1 patient can be seated that way before the floor, or `until` comes first.
fn make_room_for_p1(
    instance: &Instance,
    plan: &Assignment,
    floor: u32,
    until: Instant,
) -> Result<Assignment, Assignment> {
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
        let mut best: Option<(f64, PatientIdx, SessionIdx, Vec<Change>)> = None;
        for &(gain, p, s) in pairs.iter().take(MAX_PRICED) {
            if best.as_ref().is_some_and(|b| -gain >= b.0) || instance.clock.now() >= until {
                break;
            }
            // Only a room whose loss beats the best so far is of use.
            let budget = Budget {
                moves: MAX_MOVES,
                loss: best.as_ref().map_or(f64::INFINITY, |b| b.0 + gain),
            };
            if let Some((changes, loss)) = room.make(&loads, p, s, &[], budget)
                && best.as_ref().is_none_or(|b| loss - gain < b.0)
            {
                best = Some((loss - gain, p, s, changes));
            }
        }
        tracing::debug!(
            pairs = pairs.len(),
            found = best.is_some(),
            "P1 room priced"
        );
        let Some((_, p, s, changes)) = best else {
            polish(instance, &mut plan, until);
            return Err(plan);
        };
        for change in changes {
            change.apply(instance, &mut loads);
            plan.set(change.patient, change.to);
        }
        plan.set(p, Some(s));
        loads.add(instance, p, s);
    }
    polish(instance, &mut plan, until);
    Ok(plan)
}

/// The weighted wait booking p into s removes.
fn saving(instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
    instance.cost_unscheduled(p) - instance.cost_scheduled(p, s)
}

/// At most this many P1 cases are moved, in all, to make room for one P1 booking (a moved
/// case's own room may take a move, counted here too): a long case in a session full of
/// P1 cases, on the long-lists weeks, needs two; every move multiplies the pricing by the
/// moved case's sessions.
const MAX_MOVES: u32 = 2;

/// What making one room may still spend: P1 moves, and loss (a room losing this much or
/// more is of no use, so its pricing stops there).
#[derive(Clone, Copy)]
struct Budget {
    moves: u32,
    loss: f64,
}

/// A booking into s that `overrun` turns away.
#[derive(Clone, Copy)]
struct Blocked {
    p: PatientIdx,
    s: SessionIdx,
    overrun: Overrun,
}

/// One booking changed to make room: taken off (`to` is `None`) or moved.
struct Change {
    patient: PatientIdx,
    from: SessionIdx,
    to: Option<SessionIdx>,
}

impl Change {
    /// Booking q in `at` taken off.
    fn off((patient, from): (PatientIdx, SessionIdx)) -> Self {
        Change {
            patient,
            from,
            to: None,
        }
    }

    /// The change made to `loads`; the weighted wait it adds.
    fn apply(&self, instance: &Instance, loads: &mut Loads) -> f64 {
        loads.remove(instance, self.patient, self.from);
        let lost = saving(instance, self.patient, self.from);
        match self.to {
            Some(to) => {
                loads.add(instance, self.patient, to);
                lost - saving(instance, self.patient, to)
            }
            None => lost,
        }
    }
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

    /// The changes that let p fit in s, and the weighted wait they add: while a capacity
    /// turns p away, on the session's minutes the cases that free them at the least loss
    /// go (an exact knapsack), on the surgeon's day or a ward bed the booking holding it
    /// whose loss is the least; where only P1 cases and pins hold it, the P1 case whose
    /// move costs the least ([`Room::move_p1_out`]), at most `budget.moves` moves in all.
    /// Nobody in `taken` is touched. `None` when nothing frees the capacity, or once the
    /// loss reaches `budget.loss` (moves to earlier sessions can gain, so a room whose
    /// later moves would win the loss back is missed: the lift is a heuristic, bounded in
    /// work). (Each pair priced clones the loads: the pricing is bounded by
    /// [`MAX_PRICED`] and stops early.)
    fn make(
        &self,
        loads: &Loads,
        p: PatientIdx,
        s: SessionIdx,
        taken: &[PatientIdx],
        budget: Budget,
    ) -> Option<(Vec<Change>, f64)> {
        let instance = self.instance;
        let mut moves = budget.moves;
        let mut loads = loads.clone();
        let mut taken = taken.to_vec();
        let mut changes = Vec::new();
        let mut loss = 0.0;
        // Each round changes at least one booking not changed before, so the rounds are
        // bounded.
        while let Err(overrun) = loads.check(instance, p, s) {
            let gone = match overrun {
                Overrun::SessionMinutes => self.session_cover(&loads, p, s, &taken),
                other => self
                    .cheapest_on(other, s, &taken)
                    .map(|b| vec![Change::off(b)]),
            };
            let step = match gone {
                Some(gone) => gone,
                None if moves > 0 => {
                    let blocked = Blocked { p, s, overrun };
                    let left = Budget {
                        moves: moves - 1,
                        loss: budget.loss - loss,
                    };
                    let step = self.move_p1_out(&loads, blocked, &taken, left)?;
                    moves -= step.iter().filter(|c| c.to.is_some()).count() as u32;
                    step
                }
                None => return None,
            };
            for change in step {
                loss += change.apply(instance, &mut loads);
                taken.push(change.patient);
                changes.push(change);
            }
            if loss >= budget.loss {
                return None;
            }
        }
        Some((changes, loss))
    }

    /// Room for `blocked` by moving one P1 booking that holds its capacity (not a pin, not
    /// taken) to another of that patient's sessions where it no longer holds it, room
    /// made there in turn (with `budget.moves` further moves at most): the changes whose
    /// loss, with the change in the moved patient's wait, is the least and below
    /// `budget.loss`. The sessions are tried by the wait the move adds, and no further once
    /// that alone reaches the best loss found. `None` when no such move is found.
    fn move_p1_out(
        &self,
        loads: &Loads,
        blocked: Blocked,
        taken: &[PatientIdx],
        budget: Budget,
    ) -> Option<Vec<Change>> {
        let instance = self.instance;
        let Blocked { p, s, overrun } = blocked;
        let mut taken = taken.to_vec();
        taken.push(p);
        let movable = |&(q, _): &(PatientIdx, SessionIdx)| {
            instance.patient(q).priority == Priority::P1
                && !self.pinned[q.idx()]
                && !taken.contains(&q)
        };
        let mut best: Option<(f64, Vec<Change>)> = None;
        let candidates: Vec<(PatientIdx, SessionIdx)> =
            self.holding(overrun, s).filter(movable).collect();
        for (q, from) in candidates {
            let mut without = loads.clone();
            without.remove(instance, q, from);
            // q is off the plan's list of its session: no room made for it may touch it.
            taken.push(q);
            // The sessions q may move to, by the wait the move adds, least first.
            let mut moves: Vec<(f64, SessionIdx)> = instance.eligible[q.idx()]
                .iter()
                .filter(|&&to| !self.holds(overrun, s, q, to))
                .filter(|&&to| self.minutes_free(&without, q, to, &taken))
                .map(|&to| (saving(instance, q, from) - saving(instance, q, to), to))
                .collect();
            moves.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (delta, to) in moves {
                let cap = best.as_ref().map_or(budget.loss, |b| b.0);
                if delta >= cap {
                    break;
                }
                let inner = Budget {
                    moves: budget.moves,
                    loss: cap - delta,
                };
                if let Some((mut room, loss)) = self.make(&without, q, to, &taken, inner) {
                    room.push(Change {
                        patient: q,
                        from,
                        to: Some(to),
                    });
                    best = Some((loss + delta, room));
                }
            }
            taken.pop();
        }
        best.map(|(_, changes)| changes)
    }

    /// Whether session s's minutes can hold q once the cases that may go are gone: a
    /// quick test before pricing the room, so a moved case goes only where taking
    /// bookings off frees the minutes (a move for a move is for the surgeon's day or a
    /// bed).
    fn minutes_free(
        &self,
        loads: &Loads,
        q: PatientIdx,
        s: SessionIdx,
        taken: &[PatientIdx],
    ) -> bool {
        let movable: u32 = self.may_go_from(s, taken).map(|(_, minutes)| minutes).sum();
        self.minutes_over(loads, q, s) <= movable
    }

    /// The minutes by which booking p into s would overrun the session.
    fn minutes_over(&self, loads: &Loads, p: PatientIdx, s: SessionIdx) -> u32 {
        let instance = self.instance;
        let turnaround = instance.turnaround(s);
        let used = loads.session_load(s) + instance.patient(p).duration_min + turnaround;
        used.saturating_sub(instance.session(s).length_min + turnaround)
    }

    /// The cases of session s that may go, each with the minutes (turnaround included)
    /// taking it off frees.
    fn may_go_from<'b>(
        &'b self,
        s: SessionIdx,
        taken: &'b [PatientIdx],
    ) -> impl Iterator<Item = (PatientIdx, u32)> + 'b {
        let instance = self.instance;
        let turnaround = instance.turnaround(s);
        self.booked_in(s)
            .filter(move |&(q, _)| self.may_go(q, taken))
            .map(move |(q, _)| (q, instance.patient(q).duration_min + turnaround))
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
    ) -> Option<Vec<Change>> {
        let instance = self.instance;
        let need = self.minutes_over(loads, p, s);
        let items: Vec<(PatientIdx, u32, f64)> = self
            .may_go_from(s, taken)
            .map(|(q, minutes)| (q, minutes, saving(instance, q, s)))
            .collect();
        let movable: u32 = items.iter().map(|&(_, minutes, _)| minutes).sum();
        let room = movable.checked_sub(need)?;
        let mut kept = vec![false; items.len()];
        for i in knapsack(&items, room) {
            kept[i] = true;
        }
        let gone = items.iter().zip(&kept).filter(|(_, kept)| !**kept);
        Some(gone.map(|(&(q, _, _), _)| Change::off((q, s))).collect())
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
        self.holding(overrun, s)
            .filter(|&(q, _)| self.may_go(q, taken))
            .map(|(q, at)| (saving(instance, q, at), q, at))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, q, at)| (q, at))
    }

    /// The plan's bookings that hold `overrun` for a booking into s.
    fn holding(
        &self,
        overrun: Overrun,
        s: SessionIdx,
    ) -> impl Iterator<Item = (PatientIdx, SessionIdx)> + '_ {
        let sessions: Vec<SessionIdx> = match overrun {
            Overrun::SessionMinutes => vec![s],
            _ => self.instance.session_indices().collect(),
        };
        sessions
            .into_iter()
            .flat_map(|at| self.booked_in(at))
            .filter(move |&(q, at)| self.holds(overrun, s, q, at))
    }

    /// Whether q booked in `at` holds `overrun` for a booking into s: a case of s, of the
    /// surgeon's that day, or (a bed) an inpatient whose stay covers the day.
    fn holds(&self, overrun: Overrun, s: SessionIdx, q: PatientIdx, at: SessionIdx) -> bool {
        let instance = self.instance;
        let (session, there) = (instance.session(s), instance.session(at));
        match overrun {
            Overrun::SessionMinutes => at == s,
            Overrun::SurgeonMinutes => there.surgeon == session.surgeon && there.day == session.day,
            Overrun::WardBeds(day) => instance.bed_days(q, there.day).contains(&day),
        }
    }
}
