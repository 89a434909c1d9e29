//! Patterns, the parts a master covers, and what a relaxation returns.

use std::collections::BTreeMap;

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, SessionIdx};

/// One session's set of cases.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern {
    pub session: SessionIdx,
    /// Sorted.
    pub patients: Vec<PatientIdx>,
}

/// What the column generation reached.
#[derive(Clone, Debug)]
pub struct PatternRelaxation {
    /// The best Lagrangian bound seen, relative to `nothing_scheduled_cost` (add it for
    /// the weighted wait): a lower bound on every plan with at least the P1 floor.
    pub bound: f64,
    /// The restricted master's last LP optimum (relative, as `bound`).
    pub master_objective: f64,
    /// Whether pricing found no improving pattern: then `bound` = the pattern LP optimum.
    pub converged: bool,
    pub rounds: u32,
    /// Every pattern generated (the start plans' patterns first).
    pub pool: Vec<Pattern>,
    /// The restricted master's last LP solution, one value per pattern of `pool` (empty
    /// when the last master was not solved).
    pub values: Vec<f64>,
    /// Patterns fixed by diving (one per session at most, no patient twice): a plan
    /// for those sessions, to be booked before anything else.
    pub fixed: Vec<Pattern>,
}

/// The part of the instance one master covers: some sessions (and so the patients
/// eligible for them), with the ward beds and the P1 floor either rows of the master or
/// priced at fixed multipliers (Lagrangian relaxation), which lets the master split along
/// specialties: those rows are the only ones that couple specialties.
#[derive(Clone, Debug)]
pub struct Part {
    /// Sorted.
    pub sessions: Vec<SessionIdx>,
    /// `None`: beds and floor are rows. `Some`: they are priced at these multipliers.
    pub coupling: Option<Coupling>,
    /// Column generation stops once the bound is within this of the master's objective
    /// (relative): [`STOP_GAP`], or 0 to go on until no column prices out.
    pub stop_gap: f64,
}

impl Part {
    /// The whole instance in one master.
    pub fn whole(instance: &Instance) -> Self {
        Part::of(instance.session_indices().collect(), None)
    }

    pub fn of(sessions: Vec<SessionIdx>, coupling: Option<Coupling>) -> Self {
        Part {
            sessions,
            coupling,
            stop_gap: STOP_GAP,
        }
    }

    /// The same part, its column generation run until no column prices out: for bounds
    /// computed to the end rather than within a time limit.
    pub fn until_converged(self) -> Self {
        Part {
            stop_gap: 0.0,
            ..self
        }
    }
}

/// Fixed multipliers (HiGHS's signs, ≤ 0) of the bed rows and the P1 floor row, and of
/// rows −Σ_s x_{p,s} ≤ −1 that force patients in (`forced`, empty in the solve; the
/// bench branches on them). The Lagrangian constant of these rows, Σ_d free_d μ_d −
/// floor μ_floor − Σ_p ν_p, is the caller's to add.
#[derive(Clone, Debug, Default)]
pub struct Coupling {
    pub beds: BTreeMap<i64, f64>,
    pub floor: f64,
    pub forced: BTreeMap<PatientIdx, f64>,
}

/// Column generation stops when the bound is this close to the master (relative).
pub(super) const STOP_GAP: f64 = 1e-3;

/// The patterns of a plan, one per session with cases, in session order.
pub fn patterns_of(instance: &Instance, plan: &Assignment) -> Vec<Pattern> {
    let mut by_session: Vec<Vec<PatientIdx>> = vec![Vec::new(); instance.sessions.len()];
    for (p, s) in plan.scheduled() {
        by_session[s.idx()].push(p);
    }
    by_session
        .into_iter()
        .enumerate()
        .filter(|(_, ps)| !ps.is_empty())
        .map(|(s, mut patients)| {
            patients.sort();
            Pattern {
                session: SessionIdx(s as u32),
                patients,
            }
        })
        .collect()
}
