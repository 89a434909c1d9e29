//! The theatre-list model (docs/model.md, "Theatre lists"), built with good_lp.
//!
//! Sets: patients P, sessions S, eligible pairs E ⊆ P × S ([`crate::theatre::eligibility`]).
//! Variables: x[p,s] ∈ {0,1} for (p,s) ∈ E (continuous in [0,1] for the relaxation).
//! Constraint families, one function each, named as in docs/model.md:
//! [`assign_once`], [`session_minutes`], [`surgeon_day_minutes`], [`ward_beds`],
//! [`pinned`], [`priority_floors`].
//! Objective: [`Stage::WeightedWait`] minimises Σ (c[p,s] − c0[p]) x[p,s] (the weighted
//! wait less its constant Σ c0[p]); [`Stage::MaxCount`] maximises one priority's count.

use std::collections::{BTreeMap, HashMap};

use good_lp::{Constraint, Expression, ProblemVariables, Variable, constraint, variable};

use crate::theatre::assignment::Assignment;
use crate::theatre::capacity::Loads;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx, SurgeonIdx};

/// What a solve of the model optimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Maximise the number of scheduled patients of one priority.
    MaxCount(Priority),
    /// Minimise the weighted wait.
    WeightedWait,
}

/// Constraint families, as headed in docs/model.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    AssignOnce,
    SessionMinutes,
    SurgeonDayMinutes,
    WardBeds,
    PriorityFloors,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::AssignOnce,
        Family::SessionMinutes,
        Family::SurgeonDayMinutes,
        Family::WardBeds,
        Family::PriorityFloors,
    ];

    /// The family's name, which is its heading in docs/model.md.
    pub fn name(self) -> &'static str {
        match self {
            Family::AssignOnce => "assign_once",
            Family::SessionMinutes => "session_minutes",
            Family::SurgeonDayMinutes => "surgeon_day_minutes",
            Family::WardBeds => "ward_beds",
            Family::PriorityFloors => "priority_floors",
        }
    }
}

/// The built model: variables in column order, objective, named constraints.
pub struct Formulation {
    pub variables: ProblemVariables,
    /// Column k of the HiGHS model is `columns[k]` (good_lp creates columns in order).
    pub columns: Vec<(PatientIdx, SessionIdx)>,
    pub x: Vec<Variable>,
    pub objective: Expression,
    /// Our own name table: HiGHS does not receive names.
    pub constraints: Vec<(Family, String, Constraint)>,
}

/// A sub-model: only the patients in scope get variables; every other patient keeps
/// their booking in `fixed`, and the capacity those bookings use comes off the
/// right-hand sides (docs/model.md, "Sub-models").
pub struct Scope<'a> {
    pub in_scope: &'a [bool],
    pub fixed: &'a Assignment,
    /// Count stages only: pairs to prefer among plans with the same count, with a
    /// weight in [0, 1] each (the LP solution's values). The preference is scaled so
    /// that all of it is worth less than one patient, so the count stays exact.
    pub prefer: Option<&'a HashMap<(PatientIdx, SessionIdx), f64>>,
}

/// Capacity already used by patients outside the model's scope.
struct Fixed {
    loads: Option<Loads>,
}

impl Fixed {
    fn session(&self, s: SessionIdx) -> u32 {
        self.loads.as_ref().map_or(0, |l| l.session_load(s))
    }

    fn surgeon_day(&self, k: SurgeonIdx, day: u32) -> u32 {
        self.loads.as_ref().map_or(0, |l| l.surgeon_day(k, day))
    }

    fn beds(&self, day: i64) -> u32 {
        self.loads.as_ref().map_or(0, |l| l.beds(day))
    }
}

/// Builds the model for one stage. `floors[r]`: at least this many patients of
/// priority rank r (in scope) must be scheduled. `integer`: binaries, or the LP
/// relaxation. `scope`: the whole model, or a sub-model.
pub fn build(
    instance: &Instance,
    stage: Stage,
    floors: [u32; 4],
    integer: bool,
    scope: Option<&Scope>,
) -> Formulation {
    let mut variables = ProblemVariables::new();
    let mut columns = Vec::new();
    let mut x = Vec::new();
    let pinned: HashMap<PatientIdx, SessionIdx> = instance.pinned.iter().copied().collect();
    let fixed = Fixed {
        loads: scope.map(|scope| {
            let mut others = scope.fixed.clone();
            for p in instance.patient_indices() {
                if scope.in_scope[p.idx()] {
                    others.set(p, None);
                }
            }
            Loads::from_assignment(instance, &others)
        }),
    };
    for p in instance.patient_indices() {
        if scope.is_some_and(|scope| !scope.in_scope[p.idx()]) {
            continue;
        }
        for &s in &instance.eligible[p.idx()] {
            let lower = if pinned.get(&p) == Some(&s) { 1.0 } else { 0.0 };
            let def = if integer {
                variable().binary().min(lower)
            } else {
                variable().min(lower).max(1.0)
            };
            x.push(variables.add(def));
            columns.push((p, s));
        }
    }
    let objective = objective(instance, stage, &columns, &x, scope.and_then(|s| s.prefer));
    let mut constraints = Vec::new();
    assign_once(instance, &columns, &x, &mut constraints);
    session_minutes(instance, &fixed, &columns, &x, &mut constraints);
    surgeon_day_minutes(instance, &fixed, &columns, &x, &mut constraints);
    ward_beds(instance, &fixed, &columns, &x, &mut constraints);
    pinned_check(instance, scope, &columns);
    priority_floors(instance, floors, &columns, &x, &mut constraints);
    Formulation {
        variables,
        columns,
        x,
        objective,
        constraints,
    }
}

type Rows = Vec<(Family, String, Constraint)>;

/// Objective of a stage (to be minimised).
fn objective(
    instance: &Instance,
    stage: Stage,
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    prefer: Option<&HashMap<(PatientIdx, SessionIdx), f64>>,
) -> Expression {
    // Each patient of the model counts at most once, so Σ weight × x ≤ |P_model|: scaled
    // by 1/(|P_model| + 1), the whole preference is worth less than one patient.
    let mut in_model = vec![false; instance.patients.len()];
    columns.iter().for_each(|&(p, _)| in_model[p.idx()] = true);
    let n_model = in_model.iter().filter(|&&b| b).count();
    let epsilon = 1.0 / (n_model as f64 + 1.0);
    let mut e = Expression::with_capacity(columns.len());
    for (&(p, s), &v) in columns.iter().zip(x) {
        let coef = match stage {
            Stage::WeightedWait => instance.cost_scheduled(p, s) - instance.cost_unscheduled(p),
            Stage::MaxCount(k) => {
                let count = if instance.patient(p).priority == k {
                    -1.0
                } else {
                    0.0
                };
                let preference = prefer.and_then(|m| m.get(&(p, s))).copied().unwrap_or(0.0);
                count - epsilon * preference.clamp(0.0, 1.0)
            }
        };
        if coef != 0.0 {
            e.add_mul(coef, v);
        }
    }
    e
}

/// assign_once: Σ_s x[p,s] ≤ 1 for every patient with two or more eligible sessions.
fn assign_once(
    instance: &Instance,
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    rows: &mut Rows,
) {
    let mut k = 0;
    while k < columns.len() {
        let p = columns[k].0;
        let start = k;
        while k < columns.len() && columns[k].0 == p {
            k += 1;
        }
        if k - start >= 2 {
            let sum: Expression = x[start..k].iter().sum();
            rows.push((
                Family::AssignOnce,
                format!("assign_once[{}]", instance.patient(p).id),
                constraint!(sum <= 1.0),
            ));
        }
    }
}

/// session_minutes: Σ_p (d[p] + t[s]) x[p,s] ≤ len[s] + t[s] − (minutes fixed outside
/// the scope), for sessions whose eligible cases could overfill them.
fn session_minutes(
    instance: &Instance,
    fixed: &Fixed,
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    rows: &mut Rows,
) {
    let mut per_session: Vec<Vec<usize>> = vec![Vec::new(); instance.sessions.len()];
    for (k, &(_, s)) in columns.iter().enumerate() {
        per_session[s.idx()].push(k);
    }
    for s in instance.session_indices() {
        let t = f64::from(instance.turnaround(s));
        let capacity = f64::from(instance.session(s).length_min) + t - f64::from(fixed.session(s));
        let cols = &per_session[s.idx()];
        let total: f64 = cols
            .iter()
            .map(|&k| f64::from(instance.patient(columns[k].0).duration_min) + t)
            .sum();
        if total <= capacity {
            continue;
        }
        let mut e = Expression::with_capacity(cols.len());
        for &k in cols {
            e.add_mul(
                f64::from(instance.patient(columns[k].0).duration_min) + t,
                x[k],
            );
        }
        rows.push((
            Family::SessionMinutes,
            format!("session_minutes[{}]", instance.session(s).id),
            constraint!(e <= capacity),
        ));
    }
}

/// surgeon_day_minutes: Σ_{s of surgeon k on day d} Σ_p d[p] x[p,s] ≤ M[k], where
/// the surgeon's sessions that day could hold more than M[k] minutes of cases (less the
/// minutes fixed outside the scope).
fn surgeon_day_minutes(
    instance: &Instance,
    fixed: &Fixed,
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    rows: &mut Rows,
) {
    let mut per_day: BTreeMap<(SurgeonIdx, u32), Vec<usize>> = BTreeMap::new();
    for (k, &(_, s)) in columns.iter().enumerate() {
        let session = instance.session(s);
        per_day
            .entry((session.surgeon, session.day))
            .or_default()
            .push(k);
    }
    for ((surgeon, day), cols) in per_day {
        let max = f64::from(instance.surgeons[surgeon.idx()].max_minutes_per_day)
            - f64::from(fixed.surgeon_day(surgeon, day));
        // The sessions' own lengths already cap the minutes: skip rows that cannot bind.
        let mut sessions: Vec<SessionIdx> = cols.iter().map(|&k| columns[k].1).collect();
        sessions.sort();
        sessions.dedup();
        let session_cap: f64 = sessions
            .iter()
            .map(|&s| f64::from(instance.session(s).length_min))
            .sum();
        let demand: f64 = cols
            .iter()
            .map(|&k| f64::from(instance.patient(columns[k].0).duration_min))
            .sum();
        if session_cap.min(demand) <= max {
            continue;
        }
        let mut e = Expression::with_capacity(cols.len());
        for &k in &cols {
            e.add_mul(f64::from(instance.patient(columns[k].0).duration_min), x[k]);
        }
        rows.push((
            Family::SurgeonDayMinutes,
            format!(
                "surgeon_day_minutes[{},{}]",
                instance.surgeons[surgeon.idx()].id,
                day
            ),
            constraint!(e <= max),
        ));
    }
}

/// ward_beds: for every day e with a figure, Σ x[p,s] over inpatients p whose stay
/// (day of s … day of s + L[p] − 1) covers e ≤ free_beds[e] (less the beds fixed
/// outside the scope).
fn ward_beds(
    instance: &Instance,
    fixed: &Fixed,
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    rows: &mut Rows,
) {
    let mut per_day: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (k, &(p, s)) in columns.iter().enumerate() {
        for day in instance.bed_days(p, instance.session(s).day) {
            if instance.free_beds.contains_key(&day) {
                per_day.entry(day).or_default().push(k);
            }
        }
    }
    for (day, cols) in per_day {
        let free = instance.free_beds[&day].saturating_sub(fixed.beds(day));
        // At most one column per patient counts: skip when the patients alone fit.
        let mut patients: Vec<PatientIdx> = cols.iter().map(|&k| columns[k].0).collect();
        patients.dedup();
        if patients.len() as u32 <= free {
            continue;
        }
        let sum: Expression = cols.iter().map(|&k| x[k]).sum();
        rows.push((
            Family::WardBeds,
            format!("ward_beds[{day}]"),
            constraint!(sum <= f64::from(free)),
        ));
    }
}

/// pinned: x[p,s] = 1 for every pinned booking, as the column's lower bound (set in
/// [`build`]). Validation has already proved each pin eligible; this only asserts it.
fn pinned_check(instance: &Instance, scope: Option<&Scope>, columns: &[(PatientIdx, SessionIdx)]) {
    debug_assert!(
        instance
            .pinned
            .iter()
            .filter(|(p, _)| scope.is_none_or(|scope| scope.in_scope[p.idx()]))
            .all(|pin| columns.binary_search(pin).is_ok())
    );
}

/// priority_floors: Σ_{p of priority r} x[p,s] ≥ n[r], the counts fixed by earlier stages.
fn priority_floors(
    instance: &Instance,
    floors: [u32; 4],
    columns: &[(PatientIdx, SessionIdx)],
    x: &[Variable],
    rows: &mut Rows,
) {
    for priority in Priority::ALL {
        let n = floors[priority.rank()];
        if n == 0 {
            continue;
        }
        let sum: Expression = columns
            .iter()
            .zip(x)
            .filter(|((p, _), _)| instance.patient(*p).priority == priority)
            .map(|(_, &v)| v)
            .sum();
        rows.push((
            Family::PriorityFloors,
            format!("priority_floors[{priority}]"),
            constraint!(sum >= f64::from(n)),
        ));
    }
}
