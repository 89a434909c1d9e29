//! The neighbourhoods of the anytime search (docs/model.md, "Anytime search (LNS)"): a
//! set of sessions drawn from the incumbent's week, and the patients a small MIP frees
//! there (those booked in them, the waiting ones the LP puts there, and the densest of
//! the other waiting ones eligible there).

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};

/// The LP relaxation's solution, a guide for the relaxation-induced neighbourhoods: the
/// pairs (patient, session) with a positive value, grouped by patient.
#[derive(Clone, Debug, Default)]
pub struct LpGuide {
    by_patient: Vec<Vec<(SessionIdx, f64)>>,
}

impl LpGuide {
    /// The guide of an LP solution's positive pairs, for `patients` patients.
    pub fn new(patients: usize, values: &[((PatientIdx, SessionIdx), f64)]) -> Self {
        let mut by_patient = vec![Vec::new(); patients];
        for &((p, s), v) in values {
            if v > 1e-6 && p.idx() < patients {
                by_patient[p.idx()].push((s, v));
            }
        }
        for pairs in &mut by_patient {
            pairs.sort_by_key(|&(s, _)| s);
        }
        LpGuide { by_patient }
    }

    /// How far the incumbent is from the LP in each session:
    /// Σ_p |x*[p,s] − [p booked in s]|.
    fn disagreement(&self, instance: &Instance, incumbent: &Assignment) -> Vec<f64> {
        let mut by_session = vec![0.0; instance.sessions.len()];
        for p in instance.patient_indices() {
            let booked = incumbent.get(p);
            let mut booked_seen = false;
            for &(s, v) in self.pairs(p) {
                if Some(s) == booked {
                    booked_seen = true;
                    by_session[s.idx()] += 1.0 - v;
                } else {
                    by_session[s.idx()] += v;
                }
            }
            if let (Some(s), false) = (booked, booked_seen) {
                by_session[s.idx()] += 1.0;
            }
        }
        by_session
    }

    fn pairs(&self, p: PatientIdx) -> &[(SessionIdx, f64)] {
        self.by_patient.get(p.idx()).map_or(&[], Vec::as_slice)
    }
}

/// What a neighbourhood is drawn from: the week, its incumbent, and the LP's solution
/// when the search has it.
#[derive(Clone, Copy)]
pub struct DrawFrom<'a> {
    pub instance: &'a Instance,
    pub incumbent: &'a Assignment,
    pub lp: Option<&'a LpGuide>,
}

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
    /// `size` sessions where the incumbent and the LP relaxation disagree most, drawn
    /// with chances in proportion to the disagreement (a relaxation-induced
    /// neighbourhood); only when the search has the LP's solution.
    Relaxation,
}

pub const KINDS: [Kind; 5] = [
    Kind::Days,
    Kind::Specialties,
    Kind::Surgeons,
    Kind::Sessions,
    Kind::Relaxation,
];

impl Kind {
    /// The unit (day, specialty, surgeon, session) session `s` falls in.
    fn unit(self, instance: &Instance, s: SessionIdx) -> usize {
        let session = instance.session(s);
        match self {
            Kind::Days => session.day as usize,
            Kind::Specialties => session.specialty.idx(),
            Kind::Surgeons => session.surgeon.idx(),
            Kind::Sessions | Kind::Relaxation => s.idx(),
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
            Kind::Sessions | Kind::Relaxation => 8,
            _ => 1,
        };
        start.min(self.max_size(instance))
    }

    /// Whether the kind grows and shrinks by doubling and halving (else by one unit).
    pub fn doubles(self) -> bool {
        matches!(self, Kind::Sessions | Kind::Relaxation)
    }

    /// The sessions of `size` units drawn with `rng`.
    pub fn draw(self, from: DrawFrom, size: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
        let instance = from.instance;
        let units = self.units(instance);
        let size = size.clamp(1, units.len().max(1));
        let chosen: BTreeSet<usize> = match (self, from.lp) {
            // Consecutive days: patients move between neighbouring days most.
            (Kind::Relaxation, Some(lp)) => {
                let weights = lp.disagreement(instance, from.incumbent);
                weighted_sample(&weights, size, rng)
            }
            (Kind::Days, _) => {
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

/// Up to `size` distinct indices drawn with chances in proportion to `weights` (the
/// positive ones only; uniform among all when none is positive), without replacement.
fn weighted_sample(weights: &[f64], size: usize, rng: &mut ChaCha8Rng) -> BTreeSet<usize> {
    let mut left: Vec<(usize, f64)> = weights
        .iter()
        .enumerate()
        .filter(|&(_, &w)| w > 1e-9)
        .map(|(i, &w)| (i, w))
        .collect();
    if left.is_empty() {
        return sample(rng, weights.len(), size.min(weights.len()))
            .into_iter()
            .collect();
    }
    let mut chosen = BTreeSet::new();
    while chosen.len() < size && !left.is_empty() {
        let total: f64 = left.iter().map(|&(_, w)| w).sum();
        let mut x = rng.random::<f64>() * total;
        let at = left
            .iter()
            .position(|&(_, w)| {
                x -= w;
                x < 0.0
            })
            .unwrap_or(left.len() - 1);
        chosen.insert(left.swap_remove(at).0);
    }
    chosen
}

/// The patients a neighbourhood frees: every one booked in its sessions, every waiting
/// one the LP (when given) puts in one of them, and of the other waiting patients
/// eligible for one of them, the highest urgency per operating minute, twice as many as
/// are booked there (plus 20), as in the specialty sub-models. The flag says whether
/// every waiting candidate made it in (the scope is then complete for these sessions).
pub fn free_patients(from: DrawFrom, sessions: &[bool]) -> (Vec<bool>, bool) {
    let DrawFrom {
        instance,
        incumbent,
        lp,
    } = from;
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
            None if lp.is_some_and(|lp| lp.pairs(p).iter().any(|(s, _)| sessions[s.idx()])) => {
                in_scope[p.idx()] = true;
            }
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
