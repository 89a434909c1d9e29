//! Local improvement: re-pack one session at a time as an exact 0-1 knapsack.
//!
//! For a session s, the candidates are its current cases, the unscheduled patients
//! eligible for s, and patients booked on a later day who could move earlier. Each
//! candidate's value is the weighted wait it saves in s, less what it already saves
//! where it is. A dynamic programme over the session's minutes picks the best set;
//! the re-pack is kept only when every hard rule still holds (checked exactly with
//! [`Loads`]) and the policy's key improves. Passes repeat over every session, in
//! session order, until a pass changes nothing or the pass limit is reached: the
//! result depends on the instance alone, never on the clock, except that `deadline`
//! is a safety net.

use std::time::Instant;

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::{Loads, Overrun};
use crate::theatre::domain::{Instance, ObjectivePolicy, PatientIdx, Priority, SessionIdx};
use crate::theatre::knapsack::knapsack;

/// The weighted wait saved by booking p into s rather than leaving them waiting.
fn saving(instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
    instance.cost_unscheduled(p) - instance.cost_scheduled(p, s)
}

/// Most candidates (besides the session's own cases) a re-pack considers, by value per minute.
const MAX_CANDIDATES: usize = 400;

/// The policy's order on plans: higher is better.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
struct Key {
    counts: [u32; 4],
    neg_wait: f64,
}

fn key(instance: &Instance, counts: [u32; 4], wait: f64) -> Key {
    let counts = match instance.options.policy {
        // P1 first, then the weighted wait alone.
        ObjectivePolicy::WeightedWait => [counts[0], 0, 0, 0],
        ObjectivePolicy::PriorityOrder => counts,
    };
    Key {
        counts,
        neg_wait: -wait,
    }
}

/// Improves `assignment` in place; returns the number of re-packs kept.
pub fn repack_sessions(
    instance: &Instance,
    assignment: &mut Assignment,
    max_passes: usize,
    deadline: Instant,
) -> usize {
    let loads = Loads::from_assignment(instance, assignment);
    let pinned: std::collections::HashSet<PatientIdx> =
        instance.pinned.iter().map(|&(p, _)| p).collect();
    // Patients eligible for each session.
    let mut eligible_for: Vec<Vec<PatientIdx>> = vec![Vec::new(); instance.sessions.len()];
    for p in instance.patient_indices() {
        for &s in &instance.eligible[p.idx()] {
            eligible_for[s.idx()].push(p);
        }
    }
    let mut members: Vec<Vec<PatientIdx>> = vec![Vec::new(); instance.sessions.len()];
    for (p, s) in assignment.scheduled() {
        members[s.idx()].push(p);
    }
    let mut search = Search {
        loads,
        members,
        counts: assignment.counts_by_priority(instance),
        wait: assignment.weighted_wait(instance),
        kept: 0,
    };
    for _ in 0..max_passes {
        let mut changed = false;
        for s in instance.session_indices() {
            if instance.clock.now() >= deadline {
                return search.kept;
            }
            let eligible = &eligible_for[s.idx()];
            changed |= search.repack(instance, assignment, eligible, &pinned, s, None);
            // Move one case to another session where it fits, then re-pack the room it leaves.
            let movable: Vec<PatientIdx> = search.members[s.idx()]
                .iter()
                .copied()
                .filter(|p| !pinned.contains(p) && instance.patient(*p).priority != Priority::P1)
                .collect();
            for a in movable {
                let Some(to) = best_relocation(instance, &mut search.loads, a, s) else {
                    continue;
                };
                if search.repack(instance, assignment, eligible, &pinned, s, Some((a, to))) {
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            break;
        }
    }
    search.kept
}

/// One re-pack to try: session `s`, from the patients `eligible` for it, with the pins
/// kept, after moving the case of `relocate` (if any) to another session.
#[derive(Clone, Copy)]
struct SessionRepack<'a> {
    eligible: &'a [PatientIdx],
    pinned: &'a std::collections::HashSet<PatientIdx>,
    s: SessionIdx,
    relocate: Option<(PatientIdx, SessionIdx)>,
}

/// The local search's running state.
struct Search {
    loads: Loads,
    /// The patients booked in each session.
    members: Vec<Vec<PatientIdx>>,
    counts: [u32; 4],
    wait: f64,
    kept: usize,
}

impl Search {
    /// Re-packs session s (after relocating one case, if given); true if it was kept.
    fn repack(
        &mut self,
        instance: &Instance,
        assignment: &mut Assignment,
        eligible: &[PatientIdx],
        pinned: &std::collections::HashSet<PatientIdx>,
        s: SessionIdx,
        relocate: Option<(PatientIdx, SessionIdx)>,
    ) -> bool {
        let job = SessionRepack {
            eligible,
            pinned,
            s,
            relocate,
        };
        let result = repack_one(
            instance,
            assignment,
            &mut self.loads,
            &mut self.members,
            self.counts,
            self.wait,
            job,
        );
        if let Some((counts, wait)) = result {
            self.counts = counts;
            self.wait = wait;
            self.kept += 1;
        }
        result.is_some()
    }
}

fn repack_one(
    instance: &Instance,
    assignment: &mut Assignment,
    loads: &mut Loads,
    members: &mut [Vec<PatientIdx>],
    counts: [u32; 4],
    wait: f64,
    job: SessionRepack,
) -> Option<([u32; 4], f64)> {
    let s = job.s;
    let relocate = job.relocate;
    let found = Candidates::of(instance, assignment, members, job)?;
    let items = &found.items;

    let mut cap = found.free;
    for _attempt in 0..3 {
        let chosen = knapsack(items, cap);
        let value: f64 = chosen.iter().map(|&k| items[k].2).sum::<f64>() + found.relocation_value;
        if value <= found.current_value + 1e-9 {
            return None;
        }
        let (tentative, overrun) =
            Tentative::apply(instance, assignment, loads, &found, &chosen, job)?;
        if overrun.is_none() {
            let (new_assignment_counts, new_wait) = tentative.totals(instance, s, counts, wait);
            if key(instance, new_assignment_counts, new_wait) > key(instance, counts, wait)
                && new_wait < wait - 1e-9
            {
                tentative.commit(assignment, members, s);
                return Some((new_assignment_counts, new_wait));
            }
        }
        tentative.undo(instance, loads, s);
        match overrun {
            // A shared capacity (surgeon minutes, beds) bound: try again with less room.
            Some((_, weight)) if cap > weight && relocate.is_none() => {
                cap -= weight.min(cap / 4).max(1)
            }
            _ => return None,
        }
    }
    None
}

/// The knapsack items of a re-pack of session s: the session's own (non-mandatory) cases
/// first, then the best others.
struct Candidates {
    /// (patient, weight, value): value is the gain over where the patient is now.
    items: Vec<(PatientIdx, u32, f64)>,
    /// How many of `items` are the session's own cases.
    n_own: usize,
    /// The minutes left beside the mandatory cases.
    free: u32,
    /// What the session's own cases (and the relocated case) save in s now.
    current_value: f64,
    /// Moving the relocated case to its new session saves this much there.
    relocation_value: f64,
}

impl Candidates {
    /// `None` when the mandatory cases overrun s, or when nothing could join and no case
    /// is relocated.
    fn of(
        instance: &Instance,
        assignment: &Assignment,
        members: &[Vec<PatientIdx>],
        job: SessionRepack,
    ) -> Option<Self> {
        let SessionRepack {
            eligible,
            pinned,
            s,
            relocate,
        } = job;
        let session = instance.session(s);
        let relocated = relocate.map(|(a, _)| a);
        let turnaround = instance.turnaround(s);
        let capacity = session.length_min + turnaround;
        let day = session.day;
        // Cases that stay whatever happens: pins, and (P1 first) P1 cases.
        let mandatory: Vec<PatientIdx> = members[s.idx()]
            .iter()
            .copied()
            .filter(|p| pinned.contains(p) || instance.patient(*p).priority == Priority::P1)
            .collect();
        let mandatory_weight: u32 = mandatory
            .iter()
            .map(|&p| instance.patient(p).duration_min + turnaround)
            .sum();
        let free = capacity.checked_sub(mandatory_weight)?;
        // (patient, weight, value): value is the gain over where the patient is now.
        let mut own = Vec::new();
        let mut others = Vec::new();
        for &p in eligible {
            if mandatory.contains(&p) || relocated == Some(p) {
                continue;
            }
            let weight = instance.patient(p).duration_min + turnaround;
            if weight > free {
                continue;
            }
            let value = match assignment.get(p) {
                Some(cur) if cur == s => {
                    own.push((p, weight, saving(instance, p, s)));
                    continue;
                }
                Some(cur) => {
                    if pinned.contains(&p) || instance.session(cur).day <= day {
                        continue;
                    }
                    saving(instance, p, s) - saving(instance, p, cur)
                }
                None => saving(instance, p, s),
            };
            if value > 1e-9 {
                others.push((p, weight, value));
            }
        }
        if others.is_empty() && relocate.is_none() {
            return None;
        }
        Some(Self::ranked(instance, job, own, others, free))
    }

    /// The own cases, then the others by value per minute (at most MAX_CANDIDATES).
    fn ranked(
        instance: &Instance,
        job: SessionRepack,
        own: Vec<(PatientIdx, u32, f64)>,
        mut others: Vec<(PatientIdx, u32, f64)>,
        free: u32,
    ) -> Self {
        let SessionRepack { s, relocate, .. } = job;
        others.sort_by(|a, b| {
            (b.2 / f64::from(b.1))
                .total_cmp(&(a.2 / f64::from(a.1)))
                .then(a.0.cmp(&b.0))
        });
        others.truncate(MAX_CANDIDATES);
        let mut items = own;
        let n_own = items.len();
        items.extend(others);
        let current_value: f64 = items[..n_own].iter().map(|i| i.2).sum::<f64>()
            + relocate.map_or(0.0, |(a, _)| saving(instance, a, s));
        // Moving the relocated case to its new session saves this much there.
        let relocation_value = relocate.map_or(0.0, |(a, to)| saving(instance, a, to));
        Self {
            items,
            n_own,
            free,
            current_value,
            relocation_value,
        }
    }
}

/// A re-pack applied to the loads only, to be committed to the plan or undone.
struct Tentative {
    /// The cases taken out, with the session each was in.
    removed: Vec<(PatientIdx, SessionIdx)>,
    /// The cases booked into s.
    added: Vec<PatientIdx>,
    /// The relocated case and its new session.
    moved: Option<(PatientIdx, SessionIdx)>,
}

impl Tentative {
    /// Applies the `chosen` items to `loads`: the overrun that stopped it, if any, with
    /// that item's weight. `None` (loads restored) when the relocation itself does not fit.
    fn apply(
        instance: &Instance,
        assignment: &Assignment,
        loads: &mut Loads,
        found: &Candidates,
        chosen: &[usize],
        job: SessionRepack,
    ) -> Option<(Self, Option<(Overrun, u32)>)> {
        let SessionRepack { s, relocate, .. } = job;
        let items = &found.items;
        // Apply tentatively: take out the session's own cases and the movers, then re-add.
        let chosen_set: std::collections::HashSet<usize> = chosen.iter().copied().collect();
        let mut removed: Vec<(PatientIdx, SessionIdx)> = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let p = item.0;
            if let Some(cur) = assignment.get(p)
                && (k < found.n_own || chosen_set.contains(&k))
            {
                loads.remove(instance, p, cur);
                removed.push((p, cur));
            }
        }
        let mut added = Vec::new();
        let mut overrun = None;
        let mut moved = None;
        if let Some((a, to)) = relocate {
            loads.remove(instance, a, s);
            match loads.check(instance, a, to) {
                Ok(()) => {
                    loads.add(instance, a, to);
                    moved = Some((a, to));
                }
                Err(e) => {
                    // No retry: the relocation itself does not fit.
                    loads.add(instance, a, s);
                    for &(p, cur) in &removed {
                        loads.add(instance, p, cur);
                    }
                    let _ = e;
                    return None;
                }
            }
        }
        for &k in chosen {
            let p = items[k].0;
            match loads.check(instance, p, s) {
                Ok(()) => {
                    loads.add(instance, p, s);
                    added.push(p);
                }
                Err(e) => {
                    overrun = Some((e, items[k].1));
                    break;
                }
            }
        }
        let tentative = Self {
            removed,
            added,
            moved,
        };
        Some((tentative, overrun))
    }

    /// The plan's counts and weighted wait after the re-pack.
    fn totals(
        &self,
        instance: &Instance,
        s: SessionIdx,
        counts: [u32; 4],
        wait: f64,
    ) -> ([u32; 4], f64) {
        let mut new_assignment_counts = counts;
        let mut new_wait = wait;
        for &(p, cur) in &self.removed {
            new_assignment_counts[instance.patient(p).priority.rank()] -= 1;
            new_wait += instance.cost_unscheduled(p) - instance.cost_scheduled(p, cur);
        }
        for &p in &self.added {
            new_assignment_counts[instance.patient(p).priority.rank()] += 1;
            new_wait -= instance.cost_unscheduled(p) - instance.cost_scheduled(p, s);
        }
        if let Some((a, to)) = self.moved {
            new_wait += instance.cost_scheduled(a, to) - instance.cost_scheduled(a, s);
        }
        (new_assignment_counts, new_wait)
    }

    /// Writes the re-pack into the plan and the sessions' members (the loads have it).
    fn commit(&self, assignment: &mut Assignment, members: &mut [Vec<PatientIdx>], s: SessionIdx) {
        for &(p, cur) in &self.removed {
            members[cur.idx()].retain(|&q| q != p);
            assignment.set(p, None);
        }
        for &p in &self.added {
            members[s.idx()].push(p);
            assignment.set(p, Some(s));
        }
        if let Some((a, to)) = self.moved {
            members[s.idx()].retain(|&q| q != a);
            members[to.idx()].push(a);
            assignment.set(a, Some(to));
        }
    }

    /// Takes the re-pack out of the loads again.
    fn undo(&self, instance: &Instance, loads: &mut Loads, s: SessionIdx) {
        for &p in &self.added {
            loads.remove(instance, p, s);
        }
        if let Some((a, to)) = self.moved {
            loads.remove(instance, a, to);
            loads.add(instance, a, s);
        }
        for &(p, cur) in &self.removed {
            loads.add(instance, p, cur);
        }
    }
}

/// The session other than `from` where case a would save the most (the earliest day
/// with room), if any.
fn best_relocation(
    instance: &Instance,
    loads: &mut Loads,
    a: PatientIdx,
    from: SessionIdx,
) -> Option<SessionIdx> {
    loads.remove(instance, a, from);
    let to = instance.eligible[a.idx()]
        .iter()
        .copied()
        .filter(|&to| to != from && loads.check(instance, a, to).is_ok())
        .max_by(|&x, &y| {
            saving(instance, a, x)
                .total_cmp(&saving(instance, a, y))
                .then(y.cmp(&x))
        });
    loads.add(instance, a, from);
    to
}
