//! Pricing: each session's candidate patients, and its best pattern at given duals as
//! an exact knapsack.

use std::collections::HashSet;

use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};
use crate::theatre::knapsack::knapsack_reduced;
use crate::theatre::models::patterns::pattern::{Part, Pattern};
use crate::theatre::models::patterns::rows::Rows;

/// What pricing needs about each session, computed once.
pub(super) struct Pricing {
    /// Non-pinned patients eligible for each session.
    pub(super) candidates: Vec<Vec<PatientIdx>>,
    /// Patients pinned to each session.
    pub(super) pins: Vec<Vec<PatientIdx>>,
}

impl Pricing {
    pub(super) fn new(instance: &Instance) -> Self {
        let pinned: HashSet<PatientIdx> = instance.pinned.iter().map(|&(p, _)| p).collect();
        let mut candidates = vec![Vec::new(); instance.sessions.len()];
        for p in instance.patient_indices() {
            if pinned.contains(&p) {
                continue;
            }
            for &s in &instance.eligible[p.idx()] {
                candidates[s.idx()].push(p);
            }
        }
        let mut pins = vec![Vec::new(); instance.sessions.len()];
        for &(p, s) in &instance.pinned {
            pins[s.idx()].push(p);
        }
        pins.iter_mut().for_each(|v| v.sort());
        Pricing { candidates, pins }
    }

    /// The pattern of s with the least reduced cost (before the convexity dual), and that
    /// cost: exact, so it is the session's term of the Lagrangian bound. `candidates` are
    /// the master's for s ([`Candidates`]).
    pub(super) fn price(
        &self,
        instance: &Instance,
        rows: &Rows,
        s: SessionIdx,
        candidates: &Candidates,
        y: &[f64],
        excluded: &[bool],
    ) -> (f64, Pattern) {
        let turnaround = instance.turnaround(s);
        let capacity = instance.session(s).length_min + turnaround;
        let pins = &self.pins[s.idx()];
        let mut fixed = 0.0;
        let mut used = 0u32;
        for &p in pins {
            fixed += rows.reduced_item(instance, p, s, y);
            used += instance.patient(p).duration_min + turnaround;
        }
        let free = capacity.saturating_sub(used);
        let items: Vec<(PatientIdx, u32, f64)> = candidates.of_session[s.idx()]
            .iter()
            .filter(|c| c.weight <= free && !excluded[c.patient.idx()])
            .filter_map(|c| {
                let reduced = candidates.reduced(c, y);
                (-reduced > 1e-12).then_some((c.patient, c.weight, -reduced))
            })
            .collect();
        let (value, chosen) = knapsack_reduced(&items, free);
        let mut patients: Vec<PatientIdx> = pins.clone();
        patients.extend(chosen.iter().map(|&k| items[k].0));
        patients.sort();
        (
            fixed - value,
            Pattern {
                session: s,
                patients,
            },
        )
    }
}

/// What pricing needs of one candidate (an eligible, unpinned patient) of one session,
/// computed once per master: everything of its reduced cost but the duals.
pub(super) struct Candidate {
    pub(super) patient: PatientIdx,
    /// Duration + turnaround: its weight in the session's knapsack.
    pub(super) weight: u32,
    /// `Rows::item_cost`.
    pub(super) cost: f64,
    /// Its rows and coefficients (`Rows::of_patient`), a range of `Candidates::rows`.
    pub(super) rows: std::ops::Range<usize>,
}

/// The candidates of every session of one master (empty outside its part), in patient
/// order, with their rows in one shared list.
pub(super) struct Candidates {
    pub(super) of_session: Vec<Vec<Candidate>>,
    pub(super) rows: Vec<(usize, f64)>,
}

impl Candidates {
    pub(super) fn new(instance: &Instance, pricing: &Pricing, rows: &Rows, part: &Part) -> Self {
        let mut of_session: Vec<Vec<Candidate>> =
            (0..instance.sessions.len()).map(|_| Vec::new()).collect();
        let mut list = Vec::new();
        for &s in &part.sessions {
            let turnaround = instance.turnaround(s);
            for &p in &pricing.candidates[s.idx()] {
                if rows.shared.assign[p.idx()].is_none() {
                    continue;
                }
                let start = list.len();
                list.extend(rows.of_patient(instance, p, s));
                of_session[s.idx()].push(Candidate {
                    patient: p,
                    weight: instance.patient(p).duration_min + turnaround,
                    cost: rows.item_cost(instance, p, s),
                    rows: start..list.len(),
                });
            }
        }
        Candidates {
            of_session,
            rows: list,
        }
    }

    /// `Rows::reduced_item` of the candidate: c_{p,s} − Σ_r a_{r,(p,s)} y_r.
    pub(super) fn reduced(&self, c: &Candidate, y: &[f64]) -> f64 {
        c.cost
            - self.rows[c.rows.clone()]
                .iter()
                .map(|&(r, a)| a * y[r])
                .sum::<f64>()
    }
}
