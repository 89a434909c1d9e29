//! The constructive plan: pins first, then patients in priority order (longest wait
//! first within a priority, then id), each into the first session, in session order,
//! where every hard rule still holds. Fast, always feasible, and the solver's start.

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::domain::{Instance, PatientIdx};

/// Patients in constructive order: priority, then longest wait, then id.
pub fn priority_order(instance: &Instance) -> Vec<PatientIdx> {
    let mut order: Vec<PatientIdx> = instance.patient_indices().collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (instance.patient(a), instance.patient(b));
        (pa.priority, std::cmp::Reverse(pa.waited_days), &pa.id).cmp(&(
            pb.priority,
            std::cmp::Reverse(pb.waited_days),
            &pb.id,
        ))
    });
    order
}

/// Patients in value-density order: P1 first (P1 comes first under every policy), then
/// by urgency per operating minute (duration plus turnaround), highest first, then id.
/// The classic greedy order for knapsack problems.
pub fn density_order(instance: &Instance) -> Vec<PatientIdx> {
    let mut order: Vec<PatientIdx> = instance.patient_indices().collect();
    let density = |p: PatientIdx| {
        let patient = instance.patient(p);
        let turnaround = instance.specialties[patient.specialty.idx()].turnaround_min;
        instance.urgency[p.idx()] / f64::from(patient.duration_min + turnaround)
    };
    order.sort_by(|&a, &b| {
        let (pa, pb) = (instance.patient(a), instance.patient(b));
        (pa.priority != crate::theatre::domain::Priority::P1)
            .cmp(&(pb.priority != crate::theatre::domain::Priority::P1))
            .then(density(b).total_cmp(&density(a)))
            .then(pa.id.cmp(&pb.id))
    });
    order
}

/// Builds the constructive plan: pins, then `order`, each into the first session with room.
pub fn constructive_plan_in(instance: &Instance, order: &[PatientIdx]) -> Assignment {
    let mut assignment = Assignment::empty(instance);
    let mut loads = Loads::new(instance);
    for &(p, s) in &instance.pinned {
        assignment.set(p, Some(s));
        loads.add(instance, p, s);
    }
    fill(instance, &mut assignment, &mut loads, order);
    assignment
}

/// The priority-order constructive plan (the benchmark's greedy).
pub fn constructive_plan(instance: &Instance) -> Assignment {
    constructive_plan_in(instance, &priority_order(instance))
}

/// Books every unscheduled patient of `order`, in turn, into the first eligible
/// session with room. Never unbooks anyone, so it can only add patients: it lowers
/// the weighted wait and never lowers any priority's count.
pub fn fill(
    instance: &Instance,
    assignment: &mut Assignment,
    loads: &mut Loads,
    order: &[PatientIdx],
) {
    for &p in order {
        if assignment.get(p).is_some() {
            continue;
        }
        if let Some(&s) = instance.eligible[p.idx()]
            .iter()
            .find(|&&s| loads.check(instance, p, s).is_ok())
        {
            assignment.set(p, Some(s));
            loads.add(instance, p, s);
        }
    }
}
