//! Specialty sub-models (docs/model.md, "Sub-models"): one specialty re-optimised at a
//! time, every other booking fixed.

use std::time::{Duration, Instant};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::Instance;
use crate::theatre::models::formulation::{Scope, Stage};
use crate::theatre::policy::scope_floors;
use crate::theatre::stages::events::{MipEvent, StageName};
use crate::theatre::stages::run::{RunOptions, RunResult, RunStatus, run_stage};

/// Re-optimises one specialty at a time (docs/model.md, "Sub-models"): every other
/// patient keeps their booking, and the specialty's protected counts may not fall, so
/// each kept result is at least as good under the policy. Rounds repeat while some
/// specialty improves and time remains.
pub(crate) fn improve_by_submodels(
    instance: &Instance,
    incumbent: &mut Assignment,
    until: Instant,
    opts: &dyn Fn(Duration) -> RunOptions,
    counts_proven: bool,
    on_event: &mut dyn FnMut(MipEvent),
) {
    let groups = submodel_groups(instance);
    if groups.len() <= 1 {
        return;
    }
    // Groups proven optimal since the last change anywhere need no new solve.
    let mut settled = vec![false; groups.len()];
    for _round in 0..4 {
        let mut improved_any = false;
        for (g, &k) in groups.iter().enumerate() {
            let now = instance.clock.now();
            if now >= until {
                return;
            }
            if settled[g] {
                continue;
            }
            let left = settled[g..].iter().filter(|s| !**s).count().max(1) as u32;
            let limit = (until - now) / left;
            let in_scope = submodel_scope(instance, incumbent, k);
            let (merged, result) = reoptimise_scope(instance, incumbent, &in_scope, &opts(limit));
            let Some(merged) = merged else {
                continue;
            };
            let better = merged.weighted_wait(instance) < incumbent.weighted_wait(instance) - 1e-6;
            if better {
                *incumbent = merged.clone();
                improved_any = true;
                settled.iter_mut().for_each(|s| *s = false);
            }
            settled[g] = result.status == RunStatus::Optimal;
            on_event(MipEvent::StageDone {
                stage: StageName::SubModel,
                status: result.status,
                plan: better.then_some(merged),
                weighted_wait_bound: None,
                counts_proven,
                elapsed_ms: result.elapsed_ms,
            });
        }
        if !improved_any {
            return;
        }
    }
}

/// The specialties with a patient some session can take, by specialty code.
fn submodel_groups(instance: &Instance) -> Vec<usize> {
    let mut groups: Vec<usize> = (0..instance.specialties.len())
        .filter(|&k| {
            instance.patient_indices().any(|p| {
                instance.patient(p).specialty.idx() == k && !instance.eligible[p.idx()].is_empty()
            })
        })
        .collect();
    groups.sort_by(|&a, &b| {
        instance.specialties[a]
            .code
            .cmp(&instance.specialties[b].code)
    });
    groups
}

/// Re-optimises the patients of `in_scope`, warm-started from the incumbent, with every
/// other booking fixed and the scope's protected counts held (so the result never ranks
/// lower on them): the incumbent with the scope as the sub-model booked it, when the run
/// found a plan, and the run's result.
pub(crate) fn reoptimise_scope(
    instance: &Instance,
    incumbent: &Assignment,
    in_scope: &[bool],
    opts: &RunOptions,
) -> (Option<Assignment>, RunResult) {
    let floors = scope_floors(instance, incumbent, in_scope);
    let scope = Scope {
        in_scope,
        fixed: incumbent,
        prefer: None,
    };
    let mut result = run_stage(
        instance,
        Stage::WeightedWait,
        floors,
        true,
        Some(incumbent),
        opts,
        Some(&scope),
    );
    let merged = result.assignment.take().map(|sub| {
        let mut merged = incumbent.clone();
        for p in instance.patient_indices() {
            if in_scope[p.idx()] {
                merged.set(p, sub.get(p));
            }
        }
        merged
    });
    (merged, result)
}

/// The patients of specialty k that a sub-model re-optimises: every one booked now, and
/// the unbooked ones with the highest urgency per operating minute, twice as many as
/// are booked (plus 20). Unbooked patients of lower density would displace denser ones
/// for the same minutes, so leaving them out keeps the MIP small where it matters.
fn submodel_scope(instance: &Instance, incumbent: &Assignment, k: usize) -> Vec<bool> {
    let mut in_scope = vec![false; instance.patients.len()];
    let mut waiting = Vec::new();
    let mut booked = 0usize;
    for p in instance.patient_indices() {
        let patient = instance.patient(p);
        if patient.specialty.idx() != k || instance.eligible[p.idx()].is_empty() {
            continue;
        }
        if incumbent.get(p).is_some() {
            in_scope[p.idx()] = true;
            booked += 1;
        } else {
            let minutes = patient.duration_min + instance.specialties[k].turnaround_min;
            waiting.push((instance.urgency[p.idx()] / f64::from(minutes), p));
        }
    }
    waiting.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, p) in waiting.iter().take(2 * booked + 20) {
        in_scope[p.idx()] = true;
    }
    in_scope
}
