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
    /// Re-planning around a published plan: the previous bookings and what moving them
    /// costs (docs/model.md, "Stability"). `None`: planning from scratch.
    pub replan: Option<Replan>,
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

    /// The objective's cost of patient p operated in session s: the weighted wait plus,
    /// when re-planning, the stability cost. Every model, stage and check asks this.
    pub fn cost_scheduled(&self, p: PatientIdx, s: SessionIdx) -> f64 {
        self.wait_scheduled(p, s) + self.stability_scheduled(p, s)
    }

    /// The objective's cost of patient p left waiting: the weighted wait plus, when
    /// re-planning, the cost of taking their date away.
    pub fn cost_unscheduled(&self, p: PatientIdx) -> f64 {
        self.wait_unscheduled(p) + self.stability_unscheduled(p)
    }

    /// Weighted-wait cost of patient p operated in session s: u_p × (day + 1).
    pub fn wait_scheduled(&self, p: PatientIdx, s: SessionIdx) -> f64 {
        self.urgency[p.idx()] * (f64::from(self.session(s).day) + 1.0)
    }

    /// Weighted-wait cost of patient p left waiting: u_p × (horizon_days + 7).
    pub fn wait_unscheduled(&self, p: PatientIdx) -> f64 {
        self.urgency[p.idx()] * self.unscheduled_cost_factor()
    }

    /// Stability cost of patient p operated in session s: the move cost of their previous
    /// booking's state unless s is its session; 0 without a previous booking.
    pub fn stability_scheduled(&self, p: PatientIdx, s: SessionIdx) -> f64 {
        match self.previous(p) {
            Some(b) if b.session != Some(s) => b.move_cost,
            _ => 0.0,
        }
    }

    /// Stability cost of patient p left waiting: the cancel cost of their previous
    /// booking's state; 0 without a previous booking.
    pub fn stability_unscheduled(&self, p: PatientIdx) -> f64 {
        self.previous(p).map_or(0.0, |b| b.cancel_cost)
    }

    /// Patient p's booking in the previous plan, when re-planning.
    pub fn previous(&self, p: PatientIdx) -> Option<&Previous> {
        self.replan.as_ref()?.by_patient[p.idx()].as_ref()
    }

    /// The objective if nobody were scheduled: the reference point of the gap (the
    /// cancel costs of every previous booking included).
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

// Re-planning (crate::theatre::replan): the previous plan as the objective reads it.

/// How firm a booking of the published plan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BookingState {
    /// The list is locked: the case stays in its session, as a pin does.
    Locked,
    /// The patient has their date: moving it costs `move_cost`, taking it away `cancel_cost`.
    Notified,
    /// A draft list: free, but a move (or taking the draft date away) costs `draft_move_cost`.
    Draft,
}

impl BookingState {
    pub const ALL: [BookingState; 3] = [
        BookingState::Locked,
        BookingState::Notified,
        BookingState::Draft,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BookingState::Locked => "locked",
            BookingState::Notified => "notified",
            BookingState::Draft => "draft",
        }
    }
}

/// Days from the re-plan date within which a list is locked (the "2" of 6-4-2).
pub const DEFAULT_LOCK_DAYS: u32 = 14;
/// Days from the re-plan date within which patients have their dates (the "4").
pub const DEFAULT_NOTIFY_DAYS: u32 = 28;
/// Minimum notice of a new or moved date, P1..P4.
pub const DEFAULT_MIN_NOTICE_DAYS: [u32; 4] = [0, 7, 7, 7];
/// Moving a notified patient: a P1 of base urgency (10) four days sooner, or a P2 of
/// base urgency (4) ten days sooner (docs/model.md, "Stability", for the reasoning).
pub const DEFAULT_MOVE_COST: f64 = 40.0;
/// Taking a notified patient's date away: five moves.
pub const DEFAULT_CANCEL_COST: f64 = 200.0;
/// Moving (or unbooking) a draft booking: one urgency-day of a P4, a tie-breaker.
pub const DEFAULT_DRAFT_MOVE_COST: f64 = 1.0;

/// The prices of instability, in the objective's units (urgency × days).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StabilityCosts {
    pub move_cost: f64,
    pub cancel_cost: f64,
    pub draft_move_cost: f64,
}

impl StabilityCosts {
    /// What moving a booking of this state costs (a displaced LOCKED booking is priced
    /// as a notified one: the patient has their date).
    pub fn move_cost(&self, state: BookingState) -> f64 {
        match state {
            BookingState::Locked | BookingState::Notified => self.move_cost,
            BookingState::Draft => self.draft_move_cost,
        }
    }

    /// What taking the date of a booking of this state away costs. A draft date was
    /// never sent to the patient, so unbooking it costs no more than moving it.
    pub fn cancel_cost(&self, state: BookingState) -> f64 {
        match state {
            BookingState::Locked | BookingState::Notified => self.cancel_cost,
            BookingState::Draft => self.draft_move_cost,
        }
    }
}

/// Why a booking of the previous plan cannot stand in today's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisplacedReason {
    /// The session is not in the request any more.
    SessionCancelled,
    /// The session's surgeon is on leave that day.
    SurgeonUnavailable,
    /// The patient is not on the waiting list any more.
    RemovedFromList,
    /// The patient is unavailable that day.
    PatientUnavailable,
    /// Another per-pair rule now rules the session out for the patient.
    NoLongerEligible(&'static str),
    /// A LOCKED booking that, with the pins and the earlier locked bookings, now breaks a
    /// capacity rule (the text says which).
    NoLongerFits(String),
}

impl DisplacedReason {
    /// The reason as a scheduler reads it.
    pub fn describe(&self) -> String {
        match self {
            DisplacedReason::SessionCancelled => "session cancelled".into(),
            DisplacedReason::SurgeonUnavailable => "surgeon unavailable".into(),
            DisplacedReason::RemovedFromList => "removed from the list".into(),
            DisplacedReason::PatientUnavailable => "patient unavailable".into(),
            DisplacedReason::NoLongerEligible(why) => format!("no longer eligible: {why}"),
            DisplacedReason::NoLongerFits(what) => format!("no longer fits: {what}"),
        }
    }

    /// A short stable code for files and the wire.
    pub fn code(&self) -> &'static str {
        match self {
            DisplacedReason::SessionCancelled => "session_cancelled",
            DisplacedReason::SurgeonUnavailable => "surgeon_unavailable",
            DisplacedReason::RemovedFromList => "removed_from_list",
            DisplacedReason::PatientUnavailable => "patient_unavailable",
            DisplacedReason::NoLongerEligible(_) => "no_longer_eligible",
            DisplacedReason::NoLongerFits(_) => "no_longer_fits",
        }
    }
}

/// One booking of the previous plan, resolved against today's request.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviousEntry {
    pub patient_id: String,
    pub session_id: String,
    /// The session's date: today's when the session is still in the request, else the
    /// one the previous plan gave (if any).
    pub session_date: Option<NaiveDate>,
    pub state: BookingState,
    /// True when the state came from the 6-4-2 calendar, not from the booking.
    pub state_from_calendar: bool,
    /// The patient, when still on the list.
    pub patient: Option<PatientIdx>,
    /// The session, when it still stands for this patient (`None` when displaced).
    pub session: Option<SessionIdx>,
    pub displaced: Option<DisplacedReason>,
}

/// Patient p's previous booking, as the cost functions read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Previous {
    /// The session it stands in; `None` when displaced (every session is then a move).
    pub session: Option<SessionIdx>,
    pub state: BookingState,
    pub move_cost: f64,
    pub cancel_cost: f64,
    /// Position in [`Replan::entries`].
    pub entry: u32,
}

/// The re-planning part of an [`crate::theatre::domain::Instance`].
#[derive(Clone, Debug, PartialEq)]
pub struct Replan {
    pub replan_date: NaiveDate,
    /// Days from the planning start to the re-plan date.
    pub replan_day: u32,
    pub lock_days: u32,
    pub notify_days: u32,
    /// Minimum notice, by [`Priority::rank`].
    pub min_notice_days: [u32; 4],
    pub costs: StabilityCosts,
    pub compare_with_scratch: bool,
    /// Every booking of the previous plan, in its order.
    pub entries: Vec<PreviousEntry>,
    /// By patient: their previous booking, if any.
    pub by_patient: Vec<Option<Previous>>,
    /// By patient: the session the minimum notice does not apply to (the session of a
    /// standing previous booking, or an explicit pin).
    pub notice_exempt: Vec<Option<SessionIdx>>,
}

impl Replan {
    /// The first day index a new or moved date of this priority may fall on.
    pub fn earliest_day(&self, priority: Priority) -> u32 {
        self.replan_day + self.min_notice_days[priority.rank()]
    }

    /// Whether the minimum notice rules out session s (on day `day`) for patient p.
    pub fn too_soon(&self, p: PatientIdx, s: SessionIdx, day: u32, priority: Priority) -> bool {
        day < self.earliest_day(priority) && self.notice_exempt[p.idx()] != Some(s)
    }
}
