//! The neighbourhoods of the anytime search (docs/model.md, "Anytime search (LNS)"): a
//! set of sessions drawn from the incumbent's week, and the patients a small MIP frees
//! there (those booked in them, and the densest of the waiting ones eligible there).

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, SessionIdx};

/// How a neighbourhood's sessions are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `size` consecutive days (of the days that have sessions).
    Days,
    /// `size` specialties' sessions.
    Specialties,
    /// `size` surgeons' weeks.
    Surgeons,
    /// `size` sessions drawn at random.
    Sessions,
}

pub const KINDS: [Kind; 4] = [
    Kind::Days,
    Kind::Specialties,
    Kind::Surgeons,
    Kind::Sessions,
];

impl Kind {
    /// The unit (day, specialty, surgeon, session) session `s` falls in.
    fn unit(self, instance: &Instance, s: SessionIdx) -> usize {
        let session = instance.session(s);
        match self {
            Kind::Days => session.day as usize,
            Kind::Specialties => session.specialty.idx(),
            Kind::Surgeons => session.surgeon.idx(),
            Kind::Sessions => s.idx(),
        }
    }

    /// The distinct units the sessions fall in, in order.
    fn units(self, instance: &Instance) -> Vec<usize> {
        let units: BTreeSet<usize> = instance
            .session_indices()
            .map(|s| self.unit(instance, s))
            .collect();
        units.into_iter().collect()
    }

    /// How many units the largest neighbourhood of this kind holds.
    pub fn max_size(self, instance: &Instance) -> usize {
        self.units(instance).len().max(1)
    }

    /// The first size tried.
    pub fn start_size(self, instance: &Instance) -> usize {
        let start = match self {
            Kind::Sessions => 8,
            _ => 1,
        };
        start.min(self.max_size(instance))
    }

    /// The sessions of `size` units drawn with `rng`.
    pub fn draw(self, instance: &Instance, size: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
        let units = self.units(instance);
        let size = size.clamp(1, units.len().max(1));
        let chosen: BTreeSet<usize> = match self {
            // Consecutive days: patients move between neighbouring days most.
            Kind::Days => {
                let first = rng.random_range(0..=units.len().saturating_sub(size));
                units[first..(first + size).min(units.len())]
                    .iter()
                    .copied()
                    .collect()
            }
            _ => sample(rng, units.len(), size)
                .into_iter()
                .map(|i| units[i])
                .collect(),
        };
        instance
            .session_indices()
            .map(|s| chosen.contains(&self.unit(instance, s)))
            .collect()
    }
}

/// The patients a neighbourhood frees: every one booked in its sessions, and of the
/// waiting patients eligible for one of them, the highest urgency per operating minute,
/// twice as many as are booked there (plus 20), as in the specialty sub-models. The
/// flag says whether every waiting candidate made it in (the scope is then complete for
/// these sessions).
pub fn free_patients(
    instance: &Instance,
    incumbent: &Assignment,
    sessions: &[bool],
) -> (Vec<bool>, bool) {
    let mut in_scope = vec![false; instance.patients.len()];
    let mut waiting = Vec::new();
    let mut booked = 0usize;
    for p in instance.patient_indices() {
        match incumbent.get(p) {
            Some(s) if sessions[s.idx()] => {
                in_scope[p.idx()] = true;
                booked += 1;
            }
            Some(_) => {}
            None => {
                if instance.eligible[p.idx()].iter().any(|s| sessions[s.idx()]) {
                    let patient = instance.patient(p);
                    let minutes = patient.duration_min
                        + instance.specialties[patient.specialty.idx()].turnaround_min;
                    waiting.push((instance.urgency[p.idx()] / f64::from(minutes.max(1)), p));
                }
            }
        }
    }
    waiting.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let cap = 2 * booked + 20;
    for &(_, p) in waiting.iter().take(cap) {
        in_scope[p.idx()] = true;
    }
    (in_scope, waiting.len() <= cap)
}
