//! The validated instance: indices instead of ids, parsed dates and times, derived
//! quantities (day index, session length, urgency) computed once.
//!
//! An [`Instance`] can only be built by [`crate::theatre::validate::validate`], so every
//! function that takes one may rely on its invariants: ids unique and resolved,
//! durations positive, sessions inside the horizon and not overlapping, pins eligible.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::theatre::effort::Clock;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// Position of a patient in [`Instance::patients`].
    PatientIdx
);
index_type!(
    /// Position of a session in [`Instance::sessions`].
    SessionIdx
);
index_type!(
    /// Position of a theatre in [`Instance::theatres`].
    TheatreIdx
);
index_type!(
    /// Position of a surgeon in [`Instance::surgeons`].
    SurgeonIdx
);
index_type!(
    /// Position of a specialty in [`Instance::specialties`].
    SpecialtyIdx
);

/// Surgical priority (FSSA codes), most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// 0 for P1 … 3 for P4.
    pub fn rank(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{}", self.rank() + 1)
    }
}

/// List-order flags (docs/model.md, "Order within a session").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CaseFlag {
    LatexAllergy,
    Paediatric,
    Diabetic,
    Infected,
}

/// Which objective the plan minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectivePolicy {
    /// Minimise the weighted wait (after scheduling as many P1 as possible).
    WeightedWait,
    /// Lexicographic: most P1, most P2, most P3, most P4, then lowest weighted wait.
    PriorityOrder,
}

/// Weights and target days of the weighted-wait objective, indexed by [`Priority::rank`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveWeights {
    pub weight: [f64; 4],
    pub target_days: [u32; 4],
}

impl ObjectiveWeights {
    /// w = 10, 4, 2, 1 and T = 3, 28, 90, 126 days (126 days is the 18-week standard).
    pub const STANDARD: ObjectiveWeights = ObjectiveWeights {
        weight: [10.0, 4.0, 2.0, 1.0],
        target_days: [3, 28, 90, 126],
    };
}

/// Validated solve options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolveOptions {
    /// `None`: the caller (CLI or service) decides.
    pub time_limit_ms: Option<u32>,
    pub mip_rel_gap: f64,
    pub threads: u32,
    pub policy: ObjectivePolicy,
    pub weights: ObjectiveWeights,
    pub solver_log: bool,
    /// Plan with the constructive plan and the pass-limited session re-packing alone (no
    /// LP or MIP): the plan then depends on the request alone, not on the clock.
    pub local_search_only: bool,
    /// Count effort instead of time (docs/model.md, "Determinism"): the plan then depends
    /// on the request alone, unless the time limit (a safety net) strikes.
    pub reproducible: bool,
    /// Work units at which a reproducible solve stops; `None`: the default
    /// ([`crate::theatre::effort::DEFAULT_EFFORT`]).
    pub effort_limit: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theatre {
    pub id: String,
    pub name: String,
    pub equipment: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Surgeon {
    pub id: String,
    pub name: String,
    pub specialty: String,
    pub max_minutes_per_day: u32,
    pub unavailable: BTreeSet<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Specialty {
    pub code: String,
    pub turnaround_min: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: String,
    pub theatre: TheatreIdx,
    pub date: NaiveDate,
    /// Days from the planning start (0 = planning_start).
    pub day: u32,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// end − start, minutes (positive).
    pub length_min: u32,
    pub specialty: SpecialtyIdx,
    pub surgeon: SurgeonIdx,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    pub id: String,
    pub specialty: SpecialtyIdx,
    pub procedure: String,
    pub duration_min: u32,
    pub priority: Priority,
    pub listed_date: NaiveDate,
    /// Days from listed_date to planning_start (never negative).
    pub waited_days: u32,
    pub surgeon: Option<SurgeonIdx>,
    pub equipment: BTreeSet<String>,
    pub length_of_stay_days: u32,
    pub unavailable: BTreeSet<NaiveDate>,
    pub flags: BTreeSet<CaseFlag>,
}

/// A validated planning problem. Build it with [`crate::theatre::validate::validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub planning_start: NaiveDate,
    pub horizon_days: u32,
    pub theatres: Vec<Theatre>,
    pub surgeons: Vec<Surgeon>,
    pub specialties: Vec<Specialty>,
    /// Sorted by (day, start, theatre id, id): the order the constructive plan tries them in.
    pub sessions: Vec<Session>,
    pub patients: Vec<Patient>,
    /// Free ward beds by day index relative to planning_start (may be negative or past the horizon).
    pub free_beds: BTreeMap<i64, u32>,
    /// Pinned bookings, one per patient at most.
    pub pinned: Vec<(PatientIdx, SessionIdx)>,
    pub options: SolveOptions,
    /// `eligible[p]`: the sessions patient p may go to, in session order.
    pub eligible: Vec<Vec<SessionIdx>>,
    /// Urgency u_p = w(priority) × (1 + waited_p / T(priority)).
    pub urgency: Vec<f64>,
    /// The solve's clock and effort account: the wall clock, or in reproducible mode a
    /// virtual one (set by [`crate::theatre::solve::solve`]).
    pub clock: Clock,
}

impl Instance {
    pub fn patient(&self, p: PatientIdx) -> &Patient {
        &self.patients[p.idx()]
    }

    pub fn session(&self, s: SessionIdx) -> &Session {
        &self.sessions[s.idx()]
    }

    /// Turnaround between cases in session `s`.
    pub fn turnaround(&self, s: SessionIdx) -> u32 {
        self.specialties[self.session(s).specialty.idx()].turnaround_min
    }

    /// The multiplier of an unscheduled patient's urgency: horizon_days + 7, so that
    /// their cost is u_p × (horizon_days + 7).
    pub fn unscheduled_cost_factor(&self) -> f64 {
        f64::from(self.horizon_days) + 7.0
    }

    /// Weighted-wait cost of patient p operated in session s.
    pub fn cost_scheduled(&self, p: PatientIdx, s: SessionIdx) -> f64 {
        self.urgency[p.idx()] * (f64::from(self.session(s).day) + 1.0)
    }

    /// Weighted-wait cost of patient p left waiting.
    pub fn cost_unscheduled(&self, p: PatientIdx) -> f64 {
        self.urgency[p.idx()] * self.unscheduled_cost_factor()
    }

    /// Weighted wait if nobody were scheduled: the reference point of the gap.
    pub fn nothing_scheduled_cost(&self) -> f64 {
        (0..self.patients.len())
            .map(|p| self.cost_unscheduled(PatientIdx(p as u32)))
            .sum()
    }

    pub fn patient_indices(&self) -> impl Iterator<Item = PatientIdx> + use<> {
        (0..self.patients.len() as u32).map(PatientIdx)
    }

    pub fn session_indices(&self) -> impl Iterator<Item = SessionIdx> + use<> {
        (0..self.sessions.len() as u32).map(SessionIdx)
    }

    /// Ward-bed days used by patient p operated on day `day`: day … day + L − 1.
    pub fn bed_days(&self, p: PatientIdx, day: u32) -> std::ops::Range<i64> {
        let los = i64::from(self.patient(p).length_of_stay_days);
        i64::from(day)..i64::from(day) + los
    }
}

/// Urgency u = w × (1 + waited / T).
pub fn urgency(weights: &ObjectiveWeights, priority: Priority, waited_days: u32) -> f64 {
    let r = priority.rank();
    weights.weight[r] * (1.0 + f64::from(waited_days) / f64::from(weights.target_days[r]))
}
