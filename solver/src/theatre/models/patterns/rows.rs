//! The master's rows: the shared rows of the pair LP, one convexity row per session,
//! and the coupling rows or their fixed multipliers.

use std::collections::{BTreeMap, HashSet};

use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx, SurgeonIdx};
use crate::theatre::models::column_generation::SharedRows;
use crate::theatre::models::patterns::pattern::{Coupling, Part, Pattern};

/// The master's rows, in a fixed order, all `lower..=upper`.
pub(super) struct Rows {
    pub(super) shared: SharedRows,
    /// Per session (`None` outside the part).
    pub(super) convexity: Vec<Option<usize>>,
    pub(super) coupling: Option<Coupling>,
    /// (lower, upper) of each row.
    pub(super) bounds: Vec<(f64, f64)>,
}

impl Rows {
    pub(super) fn new(instance: &Instance, p1_floor: u32, part: &Part) -> Self {
        let mut bounds = Vec::new();
        let mut add = |lower: f64, upper: f64| {
            bounds.push((lower, upper));
            bounds.len() - 1
        };
        let mut in_part = vec![false; instance.sessions.len()];
        part.sessions.iter().for_each(|s| in_part[s.idx()] = true);
        let assign = instance
            .patient_indices()
            .map(|p| {
                instance.eligible[p.idx()]
                    .iter()
                    .any(|s| in_part[s.idx()])
                    .then(|| add(f64::NEG_INFINITY, 1.0))
            })
            .collect();
        let pinned_sessions: HashSet<SessionIdx> =
            instance.pinned.iter().map(|&(_, s)| s).collect();
        let convexity = instance
            .session_indices()
            .map(|s| {
                if !in_part[s.idx()] {
                    None
                } else if pinned_sessions.contains(&s) {
                    Some(add(1.0, 1.0))
                } else {
                    Some(add(f64::NEG_INFINITY, 1.0))
                }
            })
            .collect();
        let mut days: Vec<(SurgeonIdx, u32)> = part
            .sessions
            .iter()
            .map(|&s| (instance.session(s).surgeon, instance.session(s).day))
            .collect();
        days.sort();
        days.dedup();
        let surgeon_day = days
            .into_iter()
            .map(|(k, d)| {
                let max = f64::from(instance.surgeons[k.idx()].max_minutes_per_day);
                ((k, d), add(f64::NEG_INFINITY, max))
            })
            .collect();
        let (beds, floor) = if part.coupling.is_some() {
            (BTreeMap::new(), None)
        } else {
            let beds = instance
                .free_beds
                .iter()
                .map(|(&day, &free)| (day, add(f64::NEG_INFINITY, f64::from(free))))
                .collect();
            let floor = (p1_floor > 0).then(|| add(f64::NEG_INFINITY, -f64::from(p1_floor)));
            (beds, floor)
        };
        Rows {
            shared: SharedRows {
                assign,
                surgeon_day,
                beds,
                floor,
            },
            convexity,
            coupling: part.coupling.clone(),
            bounds,
        }
    }

    pub(super) fn convexity(&self, s: SessionIdx) -> usize {
        self.convexity[s.idx()].expect("a session of the part")
    }

    /// The rows of one patient in session s (the convexity row excluded).
    pub(super) fn of_patient(
        &self,
        instance: &Instance,
        p: PatientIdx,
        s: SessionIdx,
    ) -> Vec<(usize, f64)> {
        let mut rows = Vec::with_capacity(3 + instance.patient(p).length_of_stay_days as usize);
        let mut push = |r, a| rows.push((r, a));
        self.shared.assign_of(p, &mut push);
        self.shared.coupling_of(instance, p, s, &mut push);
        rows
    }

    /// What patient p costs in session s against waiting, with the coupling rows'
    /// multipliers when they are relaxed: c_{p,s} − Σ_d μ_d [bed on d] + μ_floor [P1]
    /// + ν_p [p forced].
    pub(super) fn item_cost(&self, instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
        let base = instance.cost_scheduled(p, s) - instance.cost_unscheduled(p);
        let Some(coupling) = &self.coupling else {
            return base;
        };
        let beds: f64 = instance
            .bed_days(p, instance.session(s).day)
            .filter_map(|day| coupling.beds.get(&day))
            .sum();
        let p1 = if instance.patient(p).priority == Priority::P1 {
            coupling.floor
        } else {
            0.0
        };
        let forced = coupling.forced.get(&p).copied().unwrap_or(0.0);
        base - beds + p1 + forced
    }

    /// A pattern's cost and its column (rows merged, in row order).
    pub(super) fn column(
        &self,
        instance: &Instance,
        pattern: &Pattern,
    ) -> (f64, Vec<(usize, f64)>) {
        let s = pattern.session;
        let mut merged: BTreeMap<usize, f64> = BTreeMap::new();
        merged.insert(self.convexity(s), 1.0);
        let mut cost = 0.0;
        for &p in &pattern.patients {
            cost += self.item_cost(instance, p, s);
            for (r, a) in self.of_patient(instance, p, s) {
                *merged.entry(r).or_insert(0.0) += a;
            }
        }
        (cost, merged.into_iter().collect())
    }

    /// c_{p,s} − Σ_r a_{r,(p,s)} y_r: what patient p adds to a pattern's reduced cost.
    /// Pricing calls it for every candidate of every session each round: no allocation.
    pub(super) fn reduced_item(
        &self,
        instance: &Instance,
        p: PatientIdx,
        s: SessionIdx,
        y: &[f64],
    ) -> f64 {
        let mut dual = 0.0;
        let mut add = |r: usize, a: f64| dual += a * y[r];
        self.shared.assign_of(p, &mut add);
        self.shared.coupling_of(instance, p, s, &mut add);
        self.item_cost(instance, p, s) - dual
    }
}
