//! The theatre lists a waiting-list office builds by hand: what optimisation is measured
//! against.

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::check::check;
use crate::theatre::domain::{Instance, PatientIdx};
use crate::theatre::plan::build_plan;

/// The lists built by hand: patients in priority order, then by the date they were
/// listed (the longest wait first), then id; each booked into the earliest session
/// (date, start time, then request order) of its specialty, and of its named surgeon if
/// any, where it still fits (equipment, the session's minutes with turnarounds, the
/// surgeon's day, ward beds) and never moved afterwards. Pins, if any, stay where they
/// are. This is the rule of the solver's first start plan
/// ([`crate::theatre::constructive::constructive_plan`]), written out here so that the
/// by-hand planner stays what a waiting-list office does whatever the solver's start
/// plans become; what it lacks is everything the solver does next (the re-packing, the
/// LP and the MIP).
pub fn by_hand_plan(instance: &Instance) -> Assignment {
    let mut order: Vec<PatientIdx> = instance.patient_indices().collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (instance.patient(a), instance.patient(b));
        (pa.priority, pa.listed_date, &pa.id).cmp(&(pb.priority, pb.listed_date, &pb.id))
    });
    let mut assignment = Assignment::empty(instance);
    let mut loads = Loads::new(instance);
    for &(p, s) in &instance.pinned {
        assignment.set(p, Some(s));
        loads.add(instance, p, s);
    }
    for p in order {
        if assignment.get(p).is_some() {
            continue;
        }
        let earliest = instance.eligible[p.idx()]
            .iter()
            .copied()
            .filter(|&s| loads.check(instance, p, s).is_ok())
            .min_by_key(|&s| {
                let session = instance.session(s);
                (session.date, session.start, s.idx())
            });
        if let Some(s) = earliest {
            assignment.set(p, Some(s));
            loads.add(instance, p, s);
        }
    }
    assignment
}

/// [`by_hand_plan`], its lists ordered and timed and re-checked like every plan; the
/// first broken rule if the check fails (a bug).
pub fn checked_by_hand_plan(instance: &Instance) -> Result<Assignment, String> {
    let assignment = by_hand_plan(instance);
    let plan = build_plan(instance, assignment.clone());
    let report = check(instance, &plan.to_proposed(instance));
    match report.violations.first() {
        None => Ok(assignment),
        Some(v) => Err(format!(
            "the by-hand lists break {} rule(s); the first: {v}",
            report.violations.len()
        )),
    }
}
