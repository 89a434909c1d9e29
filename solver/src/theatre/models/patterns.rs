//! The pattern relaxation of the theatre-list model (Dantzig–Wolfe over sessions), solved
//! by column generation one specialty at a time, and a plan found by diving on it.
//! docs/model.md, "Pattern bound and diving".
//!
//! A *pattern* of session s is a set of its eligible patients that fits its minutes
//! (Σ (duration + turnaround) ≤ length + turnaround) and holds every patient pinned to s.
//! The master chooses at most one pattern per session (exactly one where s has pins);
//! the rows shared between sessions stay in the master: each patient at most once, the
//! surgeon-day minutes, the ward beds, and the P1 floor. Every plan of the model is a
//! choice of patterns, so the master's LP is a relaxation; it is at least as tight as the
//! LP of [`super::theatre_list`] because every pattern already respects its session's
//! minutes in whole patients.
//!
//! Pricing one session is a 0-1 knapsack over its minutes, solved exactly (after an exact
//! reduction). Whatever the duals, the Lagrangian function at those duals is a true
//! lower bound, so every round gives one, converged or not:
//! L(y) = Σ_r b_r y_r + Σ_s min_{k ∈ K_s} (c_k − Σ_r a_{r,k} y_r),
//! over the shared rows r (all `≤`, duals clamped to y ≤ 0) and each session's patterns
//! K_s (the empty pattern included unless s has pins).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model, Sense};

use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx, SurgeonIdx};
use crate::theatre::models::column_generation::{SharedDuals, SharedRows};
use crate::theatre::plan::Assignment;

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
    pub fn to_the_end(self) -> Self {
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

/// The master's rows, in a fixed order, all `lower..=upper`.
struct Rows {
    shared: SharedRows,
    /// Per session (`None` outside the part).
    convexity: Vec<Option<usize>>,
    coupling: Option<Coupling>,
    /// (lower, upper) of each row.
    bounds: Vec<(f64, f64)>,
}

impl Rows {
    fn new(instance: &Instance, p1_floor: u32, part: &Part) -> Self {
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

    fn convexity(&self, s: SessionIdx) -> usize {
        self.convexity[s.idx()].expect("a session of the part")
    }

    /// The rows of one patient in session s (the convexity row excluded).
    fn of_patient(&self, instance: &Instance, p: PatientIdx, s: SessionIdx) -> Vec<(usize, f64)> {
        let mut rows = Vec::with_capacity(3 + instance.patient(p).length_of_stay_days as usize);
        let mut push = |r, a| rows.push((r, a));
        self.shared.assign_of(p, &mut push);
        self.shared.coupling_of(instance, p, s, &mut push);
        rows
    }

    /// What patient p costs in session s against waiting, with the coupling rows'
    /// multipliers when they are relaxed: c_{p,s} − Σ_d μ_d [bed on d] + μ_floor [P1]
    /// + ν_p [p forced].
    fn item_cost(&self, instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
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
    fn column(&self, instance: &Instance, pattern: &Pattern) -> (f64, Vec<(usize, f64)>) {
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
    fn reduced_item(&self, instance: &Instance, p: PatientIdx, s: SessionIdx, y: &[f64]) -> f64 {
        let mut dual = 0.0;
        let mut add = |r: usize, a: f64| dual += a * y[r];
        self.shared.assign_of(p, &mut add);
        self.shared.coupling_of(instance, p, s, &mut add);
        self.item_cost(instance, p, s) - dual
    }
}

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

/// What pricing needs about each session, computed once.
struct Pricing {
    /// Non-pinned patients eligible for each session.
    candidates: Vec<Vec<PatientIdx>>,
    /// Patients pinned to each session.
    pins: Vec<Vec<PatientIdx>>,
}

impl Pricing {
    fn new(instance: &Instance) -> Self {
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
    fn price(
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
struct Candidate {
    patient: PatientIdx,
    /// Duration + turnaround: its weight in the session's knapsack.
    weight: u32,
    /// `Rows::item_cost`.
    cost: f64,
    /// Its rows and coefficients (`Rows::of_patient`), a range of `Candidates::rows`.
    rows: std::ops::Range<usize>,
}

/// The candidates of every session of one master (empty outside its part), in patient
/// order, with their rows in one shared list.
struct Candidates {
    of_session: Vec<Vec<Candidate>>,
    rows: Vec<(usize, f64)>,
}

impl Candidates {
    fn new(instance: &Instance, pricing: &Pricing, rows: &Rows, part: &Part) -> Self {
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
    fn reduced(&self, c: &Candidate, y: &[f64]) -> f64 {
        c.cost
            - self.rows[c.rows.clone()]
                .iter()
                .map(|&(r, a)| a * y[r])
                .sum::<f64>()
    }
}

/// Exact 0-1 knapsack: drops every item that cannot be in an optimal set, then a dynamic
/// programme over the rest. Returns the best value and the chosen items' indices.
///
/// The reduction needs the LP relaxation (Dantzig) only up to its critical item, so only
/// the densest items are sorted, as many as pass the capacity. With r the critical
/// item's density, the LP optimum LP(C) is concave in the capacity with slopes ≥ r on
/// [0, C], so any set holding item j is worth at most v_j + LP(C − w_j) ≤ v_j + LP(C) −
/// r w_j; j is dropped when that is below a greedy set's value (a lower bound on the
/// optimum), so no optimal set loses an item.
pub fn knapsack_reduced(items: &[(PatientIdx, u32, f64)], capacity: u32) -> (f64, Vec<usize>) {
    let fits: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].1 <= capacity)
        .collect();
    if fits.is_empty() {
        return (0.0, Vec::new());
    }
    let density = |i: usize| items[i].2 / f64::from(items[i].1.max(1));
    let densest_first = |a: &usize, b: &usize| density(*b).total_cmp(&density(*a)).then(a.cmp(b));
    let weight = |i: usize| u64::from(items[i].1);
    let cap = u64::from(capacity);
    let mut order = fits.clone();
    let n = order.len();
    let mut sorted = FIRST_SORTED.min(n);
    loop {
        if sorted < n {
            order.select_nth_unstable_by(sorted - 1, densest_first);
        }
        order[..sorted].sort_by(densest_first);
        let total: u64 = order[..sorted].iter().map(|&i| weight(i)).sum();
        if total > cap || sorted == n {
            break;
        }
        sorted = (2 * sorted).min(n);
    }
    // One greedy pass over the sorted items: the LP's whole items up to its critical item
    // (the first that does not fit whole), then whatever else fits (a feasible set).
    let mut room = cap;
    let mut greedy = 0.0;
    let mut at_critical = None;
    for &i in &order[..sorted] {
        if weight(i) <= room {
            room -= weight(i);
            greedy += items[i].2;
        } else if at_critical.is_none() {
            at_critical = Some((i, greedy, room));
        }
    }
    let Some((critical, whole, left)) = at_critical else {
        // Everything fits.
        let value = fits.iter().map(|&i| items[i].2).sum();
        return (value, fits);
    };
    let r = density(critical);
    let lp = whole + r * left as f64;
    let tolerance = 1e-9 * greedy.abs().max(1.0);
    let kept: Vec<usize> = fits
        .into_iter()
        .filter(|&i| items[i].2 + lp - r * weight(i) as f64 >= greedy - tolerance)
        .collect();
    let sub: Vec<(PatientIdx, u32, f64)> = kept.iter().map(|&i| items[i]).collect();
    let total: u64 = sub.iter().map(|i| u64::from(i.1)).sum();
    let cap = capacity.min(u32::try_from(total).unwrap_or(u32::MAX));
    let chosen: Vec<usize> = crate::theatre::improve::knapsack(&sub, cap)
        .into_iter()
        .map(|k| kept[k])
        .collect();
    let value = chosen.iter().map(|&i| items[i].2).sum();
    (value, chosen)
}

/// How many of the densest items `knapsack_reduced` sorts first (doubled until they pass
/// the capacity): sessions hold a few dozen cases, their candidates run to thousands.
const FIRST_SORTED: usize = 64;

/// The first smoothing weight of the centre in pricing (Wentges), adjusted every round
/// after (docs/model.md). High, since the first centre (the pair LP's duals) is already
/// close to the pattern LP's duals.
const SMOOTHING: f64 = 0.9;
/// Column generation stops when the bound is this close to the master (relative).
const STOP_GAP: f64 = 1e-3;
/// Most master solves after each dive step (a dive steers by the LP, it does not need
/// its optimum).
const DIVE_ROUNDS: u32 = 8;

/// One part's restricted master, kept between column generation and diving so that
/// every re-solve warm-starts from the last basis.
struct Master<'a> {
    instance: &'a Instance,
    part: Part,
    rows: Rows,
    pricing: &'a Pricing,
    /// Each session's candidates, for pricing.
    candidates: Candidates,
    /// HiGHS's row of each of our rows: an assign row only once a column has a patient
    /// in it (an empty row's dual is 0 either way, and the master stays small).
    handles: Vec<Option<highs::Row>>,
    /// Our row of each HiGHS row, in HiGHS's order.
    order: Vec<usize>,
    model: Option<Model>,
    pool: Vec<Pattern>,
    columns: Vec<highs::Col>,
    seen: HashSet<Pattern>,
    is_convexity: Vec<bool>,
    /// Set by diving: sessions and patients taken out.
    fixed_session: Vec<bool>,
    excluded: Vec<bool>,
    scale: f64,
    centre: Option<Vec<f64>>,
    /// The current smoothing weight of the centre (adjusted each round).
    alpha: f64,
    /// The best Lagrangian bound; only for the undived master.
    best_bound: f64,
    master_objective: f64,
    values: Vec<f64>,
    rounds: u32,
    /// The last change fixed columns (the basis stays dual feasible: dual simplex)
    /// rather than adding them (primal feasible: primal simplex).
    after_fix: bool,
    /// −Σ ν_p over the part's forced patients: in the master's objective, but no wait.
    forced_offset: f64,
}

/// How a run of column generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Generation {
    /// No column prices out, or the bound is within [`STOP_GAP`] of the master.
    Converged,
    /// The deadline struck first.
    CutShort,
    /// The round limit (diving) struck first.
    RoundLimit,
    /// HiGHS failed or the master is infeasible.
    Failed,
}

impl<'a> Master<'a> {
    fn new(
        instance: &'a Instance,
        pricing: &'a Pricing,
        part: &Part,
        initial: &[Pattern],
        p1_floor: u32,
        centre: Option<&SharedDuals>,
        log: bool,
    ) -> Option<Self> {
        let rows = Rows::new(instance, p1_floor, part);
        let mut is_assign = vec![false; rows.bounds.len()];
        rows.shared
            .assign
            .iter()
            .flatten()
            .for_each(|&r| is_assign[r] = true);
        let mut problem = ColProblem::default();
        let mut order = Vec::new();
        let handles: Vec<Option<highs::Row>> = rows
            .bounds
            .iter()
            .enumerate()
            .map(|(r, &(lo, up))| {
                if is_assign[r] {
                    return None;
                }
                order.push(r);
                // A lower bound of −∞ is HiGHS's "no bound".
                Some(problem.add_row(lo..=up))
            })
            .collect();
        let mut model = problem.try_optimise(Sense::Minimise).ok()?;
        configure(&mut model, log)?;
        // Presolve would throw away the basis each round warm-starts from, and new
        // columns leave the basis primal feasible: primal simplex goes on from there.
        model.try_set_option("presolve", "off").ok()?;
        model.try_set_option("simplex_strategy", 4).ok()?;
        let mut is_convexity = vec![false; rows.bounds.len()];
        rows.convexity
            .iter()
            .flatten()
            .for_each(|&r| is_convexity[r] = true);
        let forced_offset = rows.coupling.as_ref().map_or(0.0, |c| {
            c.forced
                .iter()
                .filter(|(p, _)| rows.shared.assign[p.idx()].is_some())
                .map(|(_, nu)| -nu)
                .sum()
        });
        let scale = instance
            .patient_indices()
            .map(|p| instance.cost_unscheduled(p))
            .fold(1.0, f64::max);
        let candidates = Candidates::new(instance, pricing, &rows, part);
        let mut master = Master {
            instance,
            part: part.clone(),
            rows,
            pricing,
            candidates,
            handles,
            order,
            model: Some(model),
            pool: Vec::new(),
            columns: Vec::new(),
            seen: HashSet::new(),
            is_convexity,
            fixed_session: vec![false; instance.sessions.len()],
            excluded: vec![false; instance.patients.len()],
            scale,
            centre: None,
            alpha: SMOOTHING,
            best_bound: f64::NEG_INFINITY,
            master_objective: f64::NAN,
            values: Vec::new(),
            rounds: 0,
            after_fix: false,
            forced_offset,
        };
        for pattern in initial {
            let usable = master.rows.convexity[pattern.session.idx()].is_some()
                && pattern
                    .patients
                    .iter()
                    .all(|p| master.rows.shared.assign[p.idx()].is_some());
            if usable {
                master.add(pattern.clone())?;
            }
        }
        if let Some(duals) = centre {
            let mut y = vec![0.0; master.rows.bounds.len()];
            for p in instance.patient_indices() {
                if let (Some(r), Some(&v)) = (
                    master.rows.shared.assign[p.idx()],
                    duals.assign.get(p.idx()),
                ) {
                    y[r] = v;
                }
            }
            for (key, &r) in &master.rows.shared.surgeon_day {
                y[r] = duals.surgeon_day.get(key).copied().unwrap_or(0.0);
            }
            for (day, &r) in &master.rows.shared.beds {
                y[r] = duals.beds.get(day).copied().unwrap_or(0.0);
            }
            if let Some(r) = master.rows.shared.floor {
                y[r] = duals.floor;
            }
            master.clamp(&mut y);
            let (bound, priced) = master.lagrangian(&y);
            master.best_bound = bound;
            let plan = master.disjoint(&y, &priced);
            for pattern in priced.into_iter().map(|(_, p)| p).chain(plan) {
                master.add(pattern)?;
            }
            master.centre = Some(y);
        }
        Some(master)
    }

    fn add(&mut self, pattern: Pattern) -> Option<bool> {
        if !self.seen.insert(pattern.clone()) {
            return Some(false);
        }
        let (cost, column) = self.rows.column(self.instance, &pattern);
        let model = self.model.as_mut()?;
        let mut factors: Vec<(highs::Row, f64)> = Vec::with_capacity(column.len());
        for (r, a) in column {
            let handle = match self.handles[r] {
                Some(handle) => handle,
                None => {
                    let (lo, up) = self.rows.bounds[r];
                    let handle = model.try_add_row(lo..=up, []).ok()?;
                    self.handles[r] = Some(handle);
                    self.order.push(r);
                    handle
                }
            };
            factors.push((handle, a));
        }
        let col = model.try_add_column(cost, 0.0..=1.0, factors).ok()?;
        self.columns.push(col);
        self.pool.push(pattern);
        Some(true)
    }

    /// Duals of `≤` rows must be ≤ 0 for the Lagrangian bound: clamps rounding noise.
    fn clamp(&self, y: &mut [f64]) {
        for (r, v) in y.iter_mut().enumerate() {
            if !self.is_convexity[r] {
                *v = v.min(0.0);
            }
        }
    }

    /// L(y), and each open session's best pattern with its reduced cost before the
    /// convexity dual. L(y) is a bound only while nothing is fixed.
    fn lagrangian(&self, y: &[f64]) -> (f64, Vec<(f64, Pattern)>) {
        let mut value: f64 = self
            .rows
            .bounds
            .iter()
            .enumerate()
            .filter(|(r, _)| !self.is_convexity[*r])
            .map(|(r, &(_, up))| up * y[r])
            .sum();
        let mut priced = Vec::with_capacity(self.part.sessions.len());
        for &s in &self.part.sessions {
            if self.fixed_session[s.idx()] {
                continue;
            }
            let (reduced, pattern) = self.pricing.price(
                self.instance,
                &self.rows,
                s,
                &self.candidates,
                y,
                &self.excluded,
            );
            // The empty pattern (reduced cost 0) is allowed unless s has pins.
            let has_pins = !self.pricing.pins[s.idx()].is_empty();
            value += if has_pins { reduced } else { reduced.min(0.0) };
            priced.push((reduced, pattern));
        }
        // A little under, for the floating-point sums.
        (
            value - 1e-9 * self.scale * self.part.sessions.len() as f64,
            priced,
        )
    }

    /// A subgradient of L at the point `priced` was priced at: b_r − Σ_s a_{r,s} over the
    /// patterns L takes (zero on the convexity rows, which L eliminates).
    fn subgradient(&self, priced: &[(f64, Pattern)]) -> Vec<f64> {
        let mut g: Vec<f64> = self
            .rows
            .bounds
            .iter()
            .enumerate()
            .map(|(r, &(_, up))| if self.is_convexity[r] { 0.0 } else { up })
            .collect();
        for (reduced, pattern) in priced {
            let has_pins = !self.pricing.pins[pattern.session.idx()].is_empty();
            if has_pins || *reduced < 0.0 {
                for (r, a) in self.rows.column(self.instance, pattern).1 {
                    if !self.is_convexity[r] {
                        g[r] -= a;
                    }
                }
            }
        }
        g
    }

    /// One pattern per session of `priced` (the best patterns at `y`), each re-priced
    /// without the patients of those before it, the sessions taken from the most
    /// negative reduced cost: a plan (up to the surgeon-day and bed rows) that uses the
    /// same duals. The independent patterns all reach for the same patients, so the
    /// master, at a vertex of the plans it started from, takes them in one at a time or
    /// not at all; these it can take together.
    fn disjoint(&self, y: &[f64], priced: &[(f64, Pattern)]) -> Vec<Pattern> {
        let mut order: Vec<&(f64, Pattern)> = priced.iter().collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.session.cmp(&b.1.session)));
        let mut taken = self.excluded.clone();
        let mut patterns = Vec::with_capacity(order.len());
        for (_, best) in order {
            let pattern = if best.patients.iter().any(|p| taken[p.idx()]) {
                self.pricing
                    .price(
                        self.instance,
                        &self.rows,
                        best.session,
                        &self.candidates,
                        y,
                        &taken,
                    )
                    .1
            } else {
                best.clone()
            };
            pattern.patients.iter().for_each(|p| taken[p.idx()] = true);
            patterns.push(pattern);
        }
        patterns
    }

    /// Column generation until it converges, `deadline`, or `max_rounds` solves.
    fn generate(&mut self, deadline: Instant, max_rounds: Option<u32>) -> Generation {
        let tolerance = 1e-6 * self.scale;
        let limit = max_rounds.map(|m| self.rounds + m);
        let dived = self.fixed_session.iter().any(|&f| f);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() && self.rounds > 0 {
                return Generation::CutShort;
            }
            let Some(mut model) = self.model.take() else {
                return Generation::Failed;
            };
            let strategy = if std::mem::take(&mut self.after_fix) {
                1
            } else {
                4
            };
            if super::set_time_limit(&mut model, left).is_none()
                || model.try_set_option("simplex_strategy", strategy).is_err()
            {
                return Generation::Failed;
            }
            let solve_started = Instant::now();
            let Ok(solved) = model.try_solve() else {
                return Generation::Failed;
            };
            tracing::trace!(
                iterations = solved.simplex_iteration_count(),
                elapsed_us = solve_started.elapsed().as_micros() as u64,
                columns = self.pool.len(),
                "pattern master solved"
            );
            self.rounds += 1;
            let status = solved.status();
            let objective = solved.objective_value();
            let solution = solved.get_solution();
            self.model = Some(Model::from(solved));
            if status != HighsModelStatus::Optimal {
                tracing::debug!(?status, rounds = self.rounds, "pattern master not solved");
                return if status == HighsModelStatus::ReachedTimeLimit {
                    Generation::CutShort
                } else {
                    Generation::Failed
                };
            }
            let stalled = objective >= self.master_objective - tolerance;
            self.master_objective = objective;
            self.values = solution.columns().to_vec();
            let mut y = vec![0.0; self.rows.bounds.len()];
            for (&r, &dual) in self.order.iter().zip(solution.dual_rows()) {
                y[r] = dual;
            }
            self.clamp(&mut y);
            let improves = |master: &Self, pattern: &Pattern| {
                pattern
                    .patients
                    .iter()
                    .map(|&p| {
                        master
                            .rows
                            .reduced_item(master.instance, p, pattern.session, &y)
                    })
                    .sum::<f64>()
                    - y[master.rows.convexity(pattern.session)]
                    < -tolerance
            };
            let mut new: Vec<Pattern> = Vec::new();
            // Price at the smoothed point first; if that finds nothing for the master
            // (a mis-price), at the master's own duals. The weight of the centre moves
            // by the rule of Pessoa, Sadykov, Uchoa and Vanderbeck (2018).
            let first_alpha = self.alpha;
            for (k, alpha) in [first_alpha, 0.0].into_iter().enumerate() {
                if k == 1 && first_alpha == 0.0 {
                    break;
                }
                let point: Vec<f64> = match (&self.centre, alpha > 0.0 && !dived) {
                    (Some(c), true) => c
                        .iter()
                        .zip(&y)
                        .map(|(&c, &m)| alpha * c + (1.0 - alpha) * m)
                        .collect(),
                    (None, true) | (_, false) if k == 0 && alpha > 0.0 => continue,
                    _ => y.clone(),
                };
                let (bound, priced) = self.lagrangian(&point);
                // Automatic smoothing (Pessoa et al. 2018): where the subgradient at
                // the smoothed point ascends towards the master's duals, the centre
                // weighs too much; otherwise too little.
                if let (0, false, Some(c)) = (k, dived, &self.centre) {
                    let g = self.subgradient(&priced);
                    let ascent: f64 = g.iter().enumerate().map(|(r, gr)| gr * (y[r] - c[r])).sum();
                    self.alpha = if ascent > 0.0 {
                        (self.alpha - 0.1).max(0.0)
                    } else {
                        (self.alpha + (1.0 - self.alpha) * 0.1).min(0.99)
                    };
                }
                // Where the last columns did not move the master, a plan of columns too.
                let extra = if stalled && !dived {
                    self.disjoint(&point, &priced)
                } else {
                    Vec::new()
                };
                if !dived && bound > self.best_bound {
                    self.best_bound = bound;
                    self.centre = Some(point);
                }
                for pattern in priced.into_iter().map(|(_, p)| p).chain(extra) {
                    if improves(self, &pattern)
                        && !self.seen.contains(&pattern)
                        && !new.contains(&pattern)
                    {
                        new.push(pattern);
                    }
                }
                if !new.is_empty() {
                    break;
                }
            }
            tracing::debug!(
                rounds = self.rounds,
                master_objective = self.master_objective,
                best_bound = self.best_bound,
                new = new.len(),
                alpha = self.alpha,
                "pattern column generation"
            );
            if new.is_empty() {
                // Nothing prices out at the master's duals: the master is the pattern LP.
                if !dived {
                    self.best_bound = self.best_bound.max(self.master_objective - tolerance);
                }
                return Generation::Converged;
            }
            if !dived && self.relative_gap() <= self.part.stop_gap {
                return Generation::Converged;
            }
            if Instant::now() >= deadline {
                return Generation::CutShort;
            }
            if limit.is_some_and(|l| self.rounds >= l) {
                return Generation::RoundLimit;
            }
            let mut added = 0;
            for pattern in new {
                match self.add(pattern) {
                    Some(true) => added += 1,
                    Some(false) => {}
                    None => return Generation::Failed,
                }
            }
            if added == 0 {
                return Generation::Converged;
            }
        }
    }

    /// How far the master's objective is above the bound, relative to the objective
    /// (+∞ before there is a bound).
    fn relative_gap(&self) -> f64 {
        // The forced rows' multipliers are no wait: leave them out of the scale.
        (self.master_objective - self.best_bound)
            / (self.master_objective + self.forced_offset).abs().max(1e-9)
    }

    fn relaxation(&self, converged: bool) -> PatternRelaxation {
        let mut values = self.values.clone();
        values.resize(self.pool.len(), 0.0);
        PatternRelaxation {
            bound: self.best_bound,
            master_objective: self.master_objective,
            converged,
            rounds: self.rounds,
            pool: self.pool.clone(),
            values,
            fixed: Vec::new(),
        }
    }

    /// Diving (docs/model.md): fix every pattern the LP sets above one half (or, if
    /// none, the one with the largest value) at 1, take its session and patients out of
    /// pricing, generate columns again from the warm basis, and repeat until the LP
    /// puts no more patterns in or `until` passes. Returns the patterns fixed.
    /// With `one_at_a_time`, only the pattern with the largest value is fixed each step,
    /// and at the first step the `skip` highest that could be fixed are passed over (a
    /// discrepancy: another dive from the same relaxation).
    fn dive(&mut self, until: Instant, one_at_a_time: bool, skip: usize) -> Vec<Pattern> {
        let mut fixed: Vec<Pattern> = Vec::new();
        let mut minutes: HashMap<(SurgeonIdx, u32), u32> = HashMap::new();
        while Instant::now() < until {
            let mut positive: Vec<(f64, usize)> = self
                .values
                .iter()
                .enumerate()
                .filter(|&(k, &v)| v > 1e-6 && !self.fixed_session[self.pool[k].session.idx()])
                .map(|(k, &v)| (v, k))
                .collect();
            if positive.is_empty() {
                break;
            }
            positive.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(self.pool[a.1].cmp(&self.pool[b.1]))
            });
            let mut chosen: Vec<usize> = Vec::new();
            let mut passed = if fixed.is_empty() { skip } else { 0 };
            for (v, k) in positive {
                // Above one half no other pattern of the session or with one of its
                // patients can be as high: all of those are fixed together.
                if (v <= 0.5 || one_at_a_time) && !chosen.is_empty() {
                    break;
                }
                let pattern = &self.pool[k];
                let session = self.instance.session(pattern.session);
                let key = (session.surgeon, session.day);
                let used: u32 = pattern
                    .patients
                    .iter()
                    .map(|&p| self.instance.patient(p).duration_min)
                    .sum();
                let max = self.instance.surgeons[session.surgeon.idx()].max_minutes_per_day;
                let clash = chosen.iter().any(|&c| {
                    self.pool[c].session == pattern.session
                        || self.pool[c]
                            .patients
                            .iter()
                            .any(|p| pattern.patients.contains(p))
                });
                // A surgeon's day must hold every pattern fixed on it.
                let fits = minutes.get(&key).copied().unwrap_or(0) + used <= max;
                if clash || !fits {
                    continue;
                }
                if one_at_a_time && passed > 0 {
                    passed -= 1;
                    continue;
                }
                *minutes.entry(key).or_insert(0) += used;
                chosen.push(k);
            }
            if chosen.is_empty() {
                break;
            }
            let Some(model) = self.model.as_mut() else {
                break;
            };
            for &k in &chosen {
                model.change_column_bounds(self.columns[k], 1.0..=1.0);
                self.fixed_session[self.pool[k].session.idx()] = true;
                for &p in &self.pool[k].patients {
                    self.excluded[p.idx()] = true;
                }
                fixed.push(self.pool[k].clone());
            }
            // Every other column of a fixed session or with a fixed patient is out.
            let mut is_fixed = vec![false; self.pool.len()];
            chosen.iter().for_each(|&k| is_fixed[k] = true);
            for (k, pattern) in self.pool.iter().enumerate() {
                let out = !is_fixed[k]
                    && (self.fixed_session[pattern.session.idx()]
                        || pattern.patients.iter().any(|p| self.excluded[p.idx()]));
                if out {
                    model.change_column_bounds(self.columns[k], 0.0..=0.0);
                }
            }
            self.after_fix = true;
            if self
                .part
                .sessions
                .iter()
                .all(|s| self.fixed_session[s.idx()])
            {
                break;
            }
            let step = Instant::now();
            let rounds = self.rounds;
            let end = self.generate(until, Some(DIVE_ROUNDS));
            tracing::debug!(
                fixed = chosen.len(),
                total = fixed.len(),
                rounds = self.rounds - rounds,
                elapsed_ms = step.elapsed().as_millis() as u64,
                "dive step"
            );
            if !matches!(end, Generation::Converged | Generation::RoundLimit) {
                break;
            }
        }
        fixed
    }
}

/// The multiplier of each forced P1 row, in units of the largest cost of leaving a
/// patient out: large enough that the relaxation books every forced patient it can.
const FORCED_PENALTY: f64 = 4.0;

/// Dives of the second pass after the first, each passing over one more of the patterns
/// its first step could fix (a limited discrepancy search, time permitting).
const DIVE_DISCREPANCIES: usize = 4;

/// Column generation on the pattern master of `part` from the `initial` patterns (those
/// of plans that respect the pins; where the floor is a row, one of them must meet it,
/// or the master may be infeasible), until it converges or `deadline`. Pricing is
/// stabilised by smoothing (Wentges): it prices at a point between the master's duals
/// and the duals of the best Lagrangian bound so far (the *centre*), starting from
/// `centre` when given (the pair LP's duals: the first bound is then at least the pair
/// LP's). `None` when HiGHS fails before the first bound.
pub fn solve_relaxation(
    instance: &Instance,
    part: &Part,
    initial: &[Pattern],
    p1_floor: u32,
    centre: Option<&SharedDuals>,
    deadline: Instant,
    log: bool,
) -> Option<PatternRelaxation> {
    let pricing = Pricing::new(instance);
    let mut master = Master::new(instance, &pricing, part, initial, p1_floor, centre, log)?;
    let end = master.generate(deadline, None);
    (end != Generation::Failed && master.best_bound.is_finite())
        .then(|| master.relaxation(end == Generation::Converged))
}

/// The sessions of each specialty, in specialty order: the parts of the split relaxation.
pub fn sessions_by_specialty(instance: &Instance) -> Vec<Vec<SessionIdx>> {
    let mut by_specialty: BTreeMap<usize, Vec<SessionIdx>> = BTreeMap::new();
    for s in instance.session_indices() {
        by_specialty
            .entry(instance.session(s).specialty.idx())
            .or_default()
            .push(s);
    }
    by_specialty.into_values().collect()
}

/// The ward beds' multipliers of the split relaxation, the duals' clamped to ≤ 0, and
/// their Lagrangian constant Σ_d free_d μ_d.
pub fn bed_prices(instance: &Instance, duals: &SharedDuals) -> (BTreeMap<i64, f64>, f64) {
    let beds: BTreeMap<i64, f64> = instance
        .free_beds
        .keys()
        .map(|&day| (day, duals.beds.get(&day).copied().unwrap_or(0.0).min(0.0)))
        .collect();
    let constant = instance
        .free_beds
        .iter()
        .map(|(day, &free)| f64::from(free) * beds[day])
        .sum();
    (beds, constant)
}

/// The P1 patients with an eligible session, in patient order: where the P1 floor is all
/// of them, every plan with the floor books each one.
pub fn schedulable_p1(instance: &Instance) -> Vec<PatientIdx> {
    instance
        .patient_indices()
        .filter(|&p| {
            instance.patient(p).priority == Priority::P1 && !instance.eligible[p.idx()].is_empty()
        })
        .collect()
}

/// The pattern relaxation split by specialty (docs/model.md): one master per specialty,
/// the ward beds and the P1 floor priced at the multipliers of `duals` (the pair LP's;
/// where the floor is every schedulable P1 patient, a forced row per patient instead),
/// solved on up to `threads` threads (each part alone, so the result does not depend on
/// the threads). The bound is the Lagrangian constant Σ_d free_d μ_d − floor μ_floor − Σ_p ν_p
/// plus every part's bound; the pool and values are the parts' in specialty order. With
/// `dive_until`, each part whose relaxation converged then dives until then, and where
/// the first pass left at least as much time as it took, dives again one pattern at a time,
/// then with discrepancies (docs/model.md, "Diving").
#[allow(clippy::too_many_arguments)]
pub fn solve_by_specialty(
    instance: &Instance,
    starts: &[&Assignment],
    p1_floor: u32,
    duals: &SharedDuals,
    deadline: Instant,
    dive_until: Option<Instant>,
    threads: usize,
    log: bool,
) -> Option<PatternRelaxation> {
    let initial: Vec<Pattern> = starts
        .iter()
        .flat_map(|plan| patterns_of(instance, plan))
        .collect();
    // Where the floor is every P1 patient with an eligible session, every plan with the
    // floor books each of them: a row per patient, priced at −FORCED_PENALTY·max c⁰, is
    // tighter than the floor row (docs/model.md, "Every P1 patient forced in").
    let schedulable_p1 = schedulable_p1(instance);
    let force = p1_floor > 0 && schedulable_p1.len() == p1_floor as usize;
    let penalty = FORCED_PENALTY
        * instance
            .patient_indices()
            .map(|p| instance.cost_unscheduled(p))
            .fold(0.0, f64::max);
    let (beds, bed_constant) = bed_prices(instance, duals);
    let coupling = Coupling {
        beds,
        floor: if p1_floor > 0 && !force {
            duals.floor.min(0.0)
        } else {
            0.0
        },
        forced: if force {
            schedulable_p1.iter().map(|&p| (p, -penalty)).collect()
        } else {
            BTreeMap::new()
        },
    };
    let constant =
        bed_constant - f64::from(p1_floor) * coupling.floor - coupling.forced.values().sum::<f64>();
    // The centre for the forced rows: each forced patient's assignment dual moved by as
    // much as its item cost moved (from μ_floor to ν_p), so that pricing at the centre
    // sees the reduced costs, and the Lagrangian bound, of the pair LP's duals.
    let mut centre = duals.clone();
    for (&p, &nu) in &coupling.forced {
        centre.assign[p.idx()] += nu - duals.floor.min(0.0);
    }
    let duals = &centre;
    let parts: Vec<Part> = sessions_by_specialty(instance)
        .into_iter()
        .map(|sessions| Part::of(sessions, Some(coupling.clone())))
        .collect();
    let results: Vec<std::sync::Mutex<Option<PatternRelaxation>>> =
        parts.iter().map(|_| std::sync::Mutex::new(None)).collect();
    // Largest parts first, so that the threads finish together.
    let mut queue: Vec<usize> = (0..parts.len()).collect();
    queue.sort_by_key(|&k| std::cmp::Reverse(parts[k].sessions.len()));
    let started = Instant::now();
    // What pricing needs about every session, once for all parts.
    let pricing = Pricing::new(instance);
    let workers = threads.clamp(1, parts.len().max(1));
    in_shares(&parts, &queue, workers, deadline, |k, slot| {
        let Some(mut master) = Master::new(
            instance,
            &pricing,
            &parts[k],
            &initial,
            p1_floor,
            Some(duals),
            log,
        ) else {
            return;
        };
        let end = master.generate(slot, None);
        if end == Generation::Failed || !master.best_bound.is_finite() {
            return;
        }
        let mut relaxation = master.relaxation(end == Generation::Converged);
        tracing::debug!(
            part = k,
            sessions = parts[k].sessions.len(),
            ?end,
            rounds = master.rounds,
            gap = master.relative_gap(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "pattern relaxation of a part"
        );
        if let (Some(until), Generation::Converged) = (dive_until, end) {
            relaxation.fixed = master.dive(until.min(slot), false, 0);
            tracing::debug!(
                part = k,
                fixed = relaxation.fixed.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "dive done"
            );
        }
        *results[k].lock().expect("not poisoned") = Some(relaxation);
    });
    // A second, slower dive (one pattern per step) where the first pass used at most half
    // of the time to `dive_until` (small weeks), then up to DIVE_DISCREPANCIES more, each
    // from a fresh master over the part's columns, in shares of the time left as above;
    // each kept where it fixes as many sessions at a lower cost at the part's prices.
    let ample =
        |until: &Instant| until.saturating_duration_since(Instant::now()) >= started.elapsed();
    if let Some(until) = dive_until.filter(ample) {
        let again: Vec<usize> = queue
            .iter()
            .copied()
            .filter(|&k| {
                results[k]
                    .lock()
                    .expect("not poisoned")
                    .as_ref()
                    .is_some_and(|r| r.converged && !r.fixed.is_empty())
            })
            .collect();
        in_shares(&parts, &again, workers, until, |k, slot| {
            if Instant::now() >= until {
                return;
            }
            let mut guard = results[k].lock().expect("not poisoned");
            let Some(relaxation) = guard.as_mut() else {
                return;
            };
            let columns: Vec<Pattern> = relaxation
                .pool
                .iter()
                .chain(&relaxation.fixed)
                .cloned()
                .collect();
            for skip in 0..=DIVE_DISCREPANCIES {
                if Instant::now() >= slot {
                    break;
                }
                let Some(mut master) = Master::new(
                    instance,
                    &pricing,
                    &parts[k],
                    &columns,
                    p1_floor,
                    Some(duals),
                    log,
                ) else {
                    return;
                };
                if master.generate(slot, None) != Generation::Converged {
                    return;
                }
                let again = master.dive(slot, true, skip);
                let cost = |fixed: &[Pattern]| -> f64 {
                    fixed
                        .iter()
                        .map(|p| master.rows.column(instance, p).0)
                        .sum()
                };
                let (kept_cost, again_cost) = (cost(&relaxation.fixed), cost(&again));
                tracing::debug!(
                    part = k,
                    skip,
                    kept = kept_cost,
                    again = again_cost,
                    kept_fixed = relaxation.fixed.len(),
                    again_fixed = again.len(),
                    "second dive"
                );
                if again.len() >= relaxation.fixed.len()
                    && again_cost < kept_cost - 1e-9 * kept_cost.abs()
                {
                    relaxation.fixed = again;
                }
            }
        });
    }
    let mut total = PatternRelaxation {
        bound: constant,
        master_objective: constant,
        converged: true,
        rounds: 0,
        pool: Vec::new(),
        values: Vec::new(),
        fixed: Vec::new(),
    };
    for result in results {
        let part = result.into_inner().expect("not poisoned")?;
        total.bound += part.bound;
        total.master_objective += part.master_objective;
        total.converged &= part.converged;
        total.rounds = total.rounds.max(part.rounds);
        total.pool.extend(part.pool);
        total.values.extend(part.values);
        total.fixed.extend(part.fixed);
    }
    Some(total)
}

/// Runs `work(k, slot)` for the parts of `queue` in order, on `workers` threads, each
/// part until its `slot`: a fair share of the time left to `until`, by size among the
/// parts not yet started, so that the first parts do not take it all; a part that ends
/// early leaves its share to those after it. Each part alone, so that what a part does
/// does not depend on the threads.
fn in_shares(
    parts: &[Part],
    queue: &[usize],
    workers: usize,
    until: Instant,
    work: impl Fn(usize, Instant) + Sync,
) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&k) = queue.get(i) else { break };
                    let waiting: usize = queue[i..].iter().map(|&j| parts[j].sessions.len()).sum();
                    let share = (workers * parts[k].sessions.len()) as f64 / waiting.max(1) as f64;
                    let now = Instant::now();
                    let slot = now + until.saturating_duration_since(now).mul_f64(share.min(1.0));
                    work(k, slot);
                }
            });
        }
    });
}

fn configure(model: &mut Model, log: bool) -> Option<()> {
    model.try_set_option("output_flag", log).ok()?;
    model.try_set_option("log_to_console", log).ok()?;
    model.try_set_option("threads", 1).ok()?;
    model.try_set_option("random_seed", 0).ok()?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theatre::generate::{GeneratorConfig, theatre_request};
    use proptest::prelude::*;

    /// A generated week of two theatres.
    fn week(patients: u32, seed: u64) -> Instance {
        let request = theatre_request(&GeneratorConfig::week(2, patients, seed));
        crate::theatre::validate::validate(&request).expect("a valid instance")
    }

    /// Whether a pattern's cases and their turnarounds fit its session's minutes.
    fn fits_its_session(instance: &Instance, pattern: &Pattern) -> bool {
        let s = pattern.session;
        let minutes: u32 = pattern
            .patients
            .iter()
            .map(|&p| instance.patient(p).duration_min + instance.turnaround(s))
            .sum();
        minutes <= instance.session(s).length_min + instance.turnaround(s)
    }

    /// Duals of the master's shared rows: ≤ 0, from a fixed pattern over the rows (so that
    /// pricing chooses between patients), varied by the scales a and b.
    fn duals(master: &Master, a: f64, b: f64) -> Vec<f64> {
        (0..master.rows.bounds.len())
            .map(|r| {
                if master.is_convexity[r] {
                    0.0
                } else {
                    -(a * ((r * 7919 % 13) as f64) + b * ((r * 104_729 % 5) as f64))
                }
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Automatic smoothing steers by `subgradient`: L is concave, so at any y' it
        /// must lie under the plane through L(y) with that slope.
        #[test]
        fn the_subgradient_bounds_the_lagrangian_from_above(
            seed in 1u64..1000,
            scales in prop::collection::vec((0.0f64..3.0, 0.0f64..3.0), 2..6),
        ) {
            let instance = week(50, seed);
            let pricing = Pricing::new(&instance);
            let start = crate::theatre::constructive::constructive_plan(&instance);
            let master = Master::new(
                &instance,
                &pricing,
                &Part::whole(&instance),
                &patterns_of(&instance, &start),
                0,
                None,
                false,
            )
            .expect("a master");
            let (a, b) = scales[0];
            let y = duals(&master, a, b);
            let (at_y, priced) = master.lagrangian(&y);
            let g = master.subgradient(&priced);
            for &(a, b) in &scales[1..] {
                let other = duals(&master, a, b);
                let (at_other, _) = master.lagrangian(&other);
                let plane: f64 = at_y
                    + g.iter()
                        .zip(other.iter().zip(&y))
                        .map(|(gr, (o, v))| gr * (o - v))
                        .sum::<f64>();
                prop_assert!(
                    at_other <= plane + 1e-6 * master.scale,
                    "L(y') = {at_other} above the plane {plane}"
                );
            }
        }

        /// `disjoint` gives each priced session one pattern, in order of the sessions'
        /// best reduced costs, no patient twice, none of the excluded, each within its
        /// session and eligible; the first keeps its session's best pattern, and no pattern
        /// is cheaper than its session's best.
        #[test]
        fn the_disjoint_patterns_are_a_plan(
            seed in 1u64..1000,
            (a, b) in (0.0f64..3.0, 0.0f64..3.0),
            excluded in prop::collection::vec(0usize..60, 0..8),
        ) {
            let instance = week(60, seed);
            let pricing = Pricing::new(&instance);
            let mut master = Master::new(
                &instance,
                &pricing,
                &Part::whole(&instance),
                &[],
                0,
                None,
                false,
            )
            .expect("a master");
            for &p in excluded.iter().filter(|&&p| p < instance.patients.len()) {
                master.excluded[p] = true;
            }
            let y = duals(&master, a, b);
            let (_, mut priced) = master.lagrangian(&y);
            let plan = master.disjoint(&y, &priced);
            priced.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.session.cmp(&b.1.session)));
            prop_assert_eq!(plan.len(), priced.len());
            if let (Some(first), Some((_, best))) = (plan.first(), priced.first()) {
                prop_assert_eq!(first, best);
            }
            let mut seen = HashSet::new();
            for (pattern, (best_cost, best)) in plan.iter().zip(&priced) {
                let s = pattern.session;
                prop_assert_eq!(s, best.session);
                prop_assert!(fits_its_session(&instance, pattern));
                for &p in &pattern.patients {
                    prop_assert!(!master.excluded[p.idx()], "{p:?} is excluded");
                    prop_assert!(seen.insert(p), "{p:?} in two patterns");
                    prop_assert!(instance.eligible[p.idx()].contains(&s));
                }
                let cost: f64 = pattern
                    .patients
                    .iter()
                    .map(|&p| master.rows.reduced_item(&instance, p, s, &y))
                    .sum();
                prop_assert!(cost >= best_cost - 1e-9 * master.scale);
            }
        }
    }

    /// A dive that passes over the first step's best pattern fixes another one first, and
    /// like the plain dive leaves a plan for its sessions: one pattern per session, no
    /// patient twice, within each session's minutes and each surgeon's day.
    #[test]
    fn a_dive_with_a_discrepancy_starts_elsewhere_and_fixes_a_plan() {
        let instance = week(80, 3);
        let pricing = Pricing::new(&instance);
        let part = Part::whole(&instance);
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let start = patterns_of(
            &instance,
            &crate::theatre::constructive::constructive_plan(&instance),
        );
        let dive = |skip: usize| {
            let mut master =
                Master::new(&instance, &pricing, &part, &start, 0, None, false).expect("a master");
            assert_eq!(master.generate(far, None), Generation::Converged);
            master.dive(far, true, skip)
        };
        let (plain, other) = (dive(0), dive(1));
        assert!(!plain.is_empty() && !other.is_empty());
        assert_ne!(plain[0], other[0], "the first fix differs");
        for fixed in [&plain, &other] {
            let mut sessions = HashSet::new();
            let mut patients = HashSet::new();
            let mut surgeon_day: HashMap<(SurgeonIdx, u32), u32> = HashMap::new();
            for pattern in fixed {
                let s = pattern.session;
                assert!(sessions.insert(s), "{s:?} fixed twice");
                assert!(fits_its_session(&instance, pattern));
                for &p in &pattern.patients {
                    assert!(patients.insert(p), "{p:?} in two patterns");
                    assert!(instance.eligible[p.idx()].contains(&s));
                    let session = instance.session(s);
                    *surgeon_day
                        .entry((session.surgeon, session.day))
                        .or_insert(0) += instance.patient(p).duration_min;
                }
            }
            for (&(k, _), &minutes) in &surgeon_day {
                assert!(minutes <= instance.surgeons[k.idx()].max_minutes_per_day);
            }
        }
    }
}
