//! Which session each patient goes to: the plan before it is ordered and timed, the
//! form every stage, rounding and local search works on.

use serde::{Deserialize, Serialize};

use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx};

/// Which session each patient goes to (`None`: left waiting), indexed by patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment(pub Vec<Option<SessionIdx>>);

impl Assignment {
    pub fn empty(instance: &Instance) -> Self {
        Assignment(vec![None; instance.patients.len()])
    }

    pub fn get(&self, p: PatientIdx) -> Option<SessionIdx> {
        self.0[p.idx()]
    }

    pub fn set(&mut self, p: PatientIdx, s: Option<SessionIdx>) {
        self.0[p.idx()] = s;
    }

    pub fn scheduled(&self) -> impl Iterator<Item = (PatientIdx, SessionIdx)> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter_map(|(p, s)| s.map(|s| (PatientIdx(p as u32), s)))
    }

    /// The objective of this assignment (docs/model.md, "Objective"): the weighted wait
    /// plus, when re-planning, the stability cost. Every comparison of plans uses it.
    pub fn weighted_wait(&self, instance: &Instance) -> f64 {
        instance
            .patient_indices()
            .map(|p| match self.get(p) {
                Some(s) => instance.cost_scheduled(p, s),
                None => instance.cost_unscheduled(p),
            })
            .sum()
    }

    /// The weighted wait alone, without the stability cost.
    pub fn wait_only(&self, instance: &Instance) -> f64 {
        instance
            .patient_indices()
            .map(|p| match self.get(p) {
                Some(s) => instance.wait_scheduled(p, s),
                None => instance.wait_unscheduled(p),
            })
            .sum()
    }

    /// The objective's stability part (0 unless re-planning; docs/model.md, "Stability").
    pub fn stability_cost(&self, instance: &Instance) -> f64 {
        if instance.replan.is_none() {
            return 0.0;
        }
        instance
            .patient_indices()
            .map(|p| match self.get(p) {
                Some(s) => instance.stability_scheduled(p, s),
                None => instance.stability_unscheduled(p),
            })
            .sum()
    }

    /// Patients scheduled per priority, indexed by [`crate::theatre::domain::Priority::rank`].
    pub fn counts_by_priority(&self, instance: &Instance) -> [u32; 4] {
        let mut counts = [0; 4];
        for (p, _) in self.scheduled() {
            counts[instance.patient(p).priority.rank()] += 1;
        }
        counts
    }

    /// P1 patients scheduled per specialty, indexed by specialty.
    pub fn p1_by_specialty(&self, instance: &Instance) -> Vec<u32> {
        let mut counts = vec![0; instance.specialties.len()];
        for (p, _) in self.scheduled() {
            let patient = instance.patient(p);
            if patient.priority == Priority::P1 {
                counts[patient.specialty.idx()] += 1;
            }
        }
        counts
    }
}
