//! The LP relaxation of the whole theatre-list model, solved by column generation
//! (docs/model.md, "LP bound by column generation").
//!
//! The rows are those of [`super::formulation`] with every row kept (a row that cannot
//! bind for the full set of columns has a zero dual, so keeping it costs nothing and
//! keeps pricing exact), all written as `≤` rows so that the dual signs are HiGHS's
//! own: for a minimisation, a binding `≤` row has a dual y ≤ 0 and a column's reduced
//! cost is c − Σ_r a_r y_r. The master starts with the start plan's pairs and each
//! patient's cheapest pair; each round solves the restricted master, prices every
//! eligible pair, and adds those with negative reduced cost. When none is left, the
//! master's optimum is the optimum of the full LP: a true lower bound.
//!
//! good_lp builds a model in one go and cannot add columns to a solved one, so this
//! module drives the `highs` crate (which good_lp itself uses) directly.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model, Row, Sense, Solution};

use crate::theatre::assignment::Assignment;
use crate::theatre::domain::{Instance, PatientIdx, Priority, SessionIdx, SurgeonIdx};
use crate::theatre::effort::PRICING_UNITS;
use crate::theatre::models::highs_ext::{charge_run, set_limits, set_row_upper};

/// The LP optimum found by column generation, or, when the deadline cut it short, the
/// best Lagrangian bound its rounds proved.
#[derive(Clone, Debug)]
pub struct LpOptimum {
    /// Σ (c[p,s] − c0[p]) x[p,s]: add `nothing_scheduled_cost` for the weighted wait. When
    /// not `converged`, the best Lagrangian bound of the rounds (a true lower bound on the
    /// LP, so on every plan with the P1 floor), not the last master's objective.
    pub objective: f64,
    /// Whether pricing found nothing left to add: `objective` is then the LP's optimum.
    pub converged: bool,
    /// The pairs with a positive value (in the last master, when not converged: a
    /// feasible, not optimal, LP solution).
    pub values: Vec<((PatientIdx, SessionIdx), f64)>,
    pub rounds: u32,
    pub columns: usize,
    /// The optimal duals of the rows sessions share (HiGHS's signs: ≤ 0): a start for
    /// the pattern relaxation ([`super::patterns`]).
    pub shared_duals: SharedDuals,
}

/// Duals of the rows that couple sessions, by what they constrain.
#[derive(Clone, Debug, Default)]
pub struct SharedDuals {
    /// Per patient (0 for a patient with no row).
    pub assign: Vec<f64>,
    pub surgeon_day: HashMap<(SurgeonIdx, u32), f64>,
    pub beds: BTreeMap<i64, f64>,
    pub floor: f64,
}

/// Most columns added in one pricing round.
const MAX_NEW_COLUMNS: usize = 20_000;
/// Columns priced out below this reduced cost (relative to the largest cost) are added.
const PRICING_TOLERANCE: f64 = 1e-9;

/// Row positions of the rows a pair (p, s) enters besides its session's own row (the
/// session minutes here, the convexity row of a pattern master): shared with
/// [`super::patterns`], so that both masters write a pair's coefficients one way.
pub(crate) struct SharedRows {
    pub assign: Vec<Option<usize>>,
    pub surgeon_day: HashMap<(SurgeonIdx, u32), usize>,
    pub beds: BTreeMap<i64, usize>,
    pub floor: Option<usize>,
}

impl SharedRows {
    /// The assign row of p, if it has one, as (row position, coefficient).
    pub fn assign_of(&self, p: PatientIdx, row: &mut impl FnMut(usize, f64)) {
        if let Some(r) = self.assign[p.idx()] {
            row(r, 1.0);
        }
    }

    /// (row position, coefficient) of pair (p, s) in the surgeon-day, bed and P1-floor
    /// rows that exist, in that order.
    pub fn coupling_of(
        &self,
        instance: &Instance,
        p: PatientIdx,
        s: SessionIdx,
        row: &mut impl FnMut(usize, f64),
    ) {
        let patient = instance.patient(p);
        let session = instance.session(s);
        if let Some(&r) = self.surgeon_day.get(&(session.surgeon, session.day)) {
            row(r, f64::from(patient.duration_min));
        }
        for day in instance.bed_days(p, session.day) {
            if let Some(&r) = self.beds.get(&day) {
                row(r, 1.0);
            }
        }
        if let (Some(r), Priority::P1) = (self.floor, patient.priority) {
            row(r, -1.0);
        }
    }
}

struct Rows {
    shared: SharedRows,
    session: Vec<usize>,
    handles: Vec<Row>,
    /// Each row's right-hand side (the P1 floor's as it stands).
    upper: Vec<f64>,
}

impl Rows {
    /// (row position, coefficient) of column (p, s).
    fn of(&self, instance: &Instance, p: PatientIdx, s: SessionIdx) -> Vec<(usize, f64)> {
        let patient = instance.patient(p);
        let mut rows = Vec::with_capacity(4 + patient.length_of_stay_days as usize);
        let mut push = |r, a| rows.push((r, a));
        self.shared.assign_of(p, &mut push);
        push(
            self.session[s.idx()],
            f64::from(patient.duration_min) + f64::from(instance.turnaround(s)),
        );
        self.shared.coupling_of(instance, p, s, &mut push);
        rows
    }
}

/// The restricted master's columns.
struct Master {
    in_master: HashSet<(PatientIdx, SessionIdx)>,
    /// Column k of the HiGHS model.
    columns: Vec<(PatientIdx, SessionIdx)>,
}

impl Master {
    fn add(
        &mut self,
        instance: &Instance,
        rows: &Rows,
        pinned: &HashMap<PatientIdx, SessionIdx>,
        model: &mut Model,
        p: PatientIdx,
        s: SessionIdx,
    ) -> Option<()> {
        if !self.in_master.insert((p, s)) {
            return Some(());
        }
        let lower = if pinned.get(&p) == Some(&s) { 1.0 } else { 0.0 };
        let factors: Vec<(Row, f64)> = rows
            .of(instance, p, s)
            .into_iter()
            .map(|(r, a)| (rows.handles[r], a))
            .collect();
        model
            .try_add_column(cost(instance, p, s), lower..=1.0, factors)
            .ok()?;
        self.columns.push((p, s));
        Some(())
    }
}

fn cost(instance: &Instance, p: PatientIdx, s: SessionIdx) -> f64 {
    instance.cost_scheduled(p, s) - instance.cost_unscheduled(p)
}

/// Solves the LP relaxation with at least `p1_floor` P1 patients scheduled (the floor
/// must be met by `start`, which seeds the master). `None` when the deadline passes
/// first or HiGHS fails.
pub fn solve_lp(
    instance: &Instance,
    start: &Assignment,
    p1_floor: u32,
    deadline: Instant,
    threads: u32,
    log: bool,
) -> Option<LpOptimum> {
    solve_lp_raising_floor(instance, start, p1_floor, None, deadline, threads, log)
        .filter(|lp| lp.converged)
}

/// What [`solve_lp_raising_floor`] asks for a higher P1 floor: called with `wait` false
/// between rounds and true once the LP has converged; `None` while the answer is not
/// ready (never when `wait`), `Some(None)` when there is no higher floor, and
/// `Some(Some(plan))` for a plan whose P1 count is the floor from then on.
pub type FloorUpdate<'a> = &'a mut dyn FnMut(bool) -> Option<Option<Assignment>>;

/// [`solve_lp`], with the floor raised while it runs: as soon as `update` gives a plan
/// with more P1 patients, its bookings join the master and the floor row's bound becomes
/// its count; the LP converges only under the last floor (docs/model.md, "LP bound by
/// column generation"). This lets the P1 count (a MIP) run beside the LP. When the
/// deadline (or a master solve's time limit) stops it before it converges, it returns
/// the last master's solution with the best Lagrangian bound of the rounds, marked not
/// `converged`; `None` only when no round was solved or HiGHS failed.
pub fn solve_lp_raising_floor(
    instance: &Instance,
    start: &Assignment,
    p1_floor: u32,
    mut update: Option<FloorUpdate<'_>>,
    deadline: Instant,
    threads: u32,
    log: bool,
) -> Option<LpOptimum> {
    let p1_floor = std::cell::Cell::new(p1_floor);
    let mut model = ColProblem::default().optimise(Sense::Minimise);
    // One thread in reproducible mode: HiGHS repeats itself only then.
    let threads = if instance.clock.is_virtual() {
        1
    } else {
        threads
    };
    quiet(&mut model, threads, log)?;
    let rows = add_rows(instance, &mut model, p1_floor.get(), update.is_some())?;
    let pinned: HashMap<PatientIdx, SessionIdx> = instance.pinned.iter().copied().collect();
    let mut master = seed_master(instance, start, &rows, &pinned, &mut model)?;
    let scale = largest_cost(instance);
    let mut rounds = 0;
    let raise = |plan: Option<Assignment>, model: &mut Model, master: &mut Master| {
        let Some(plan) = plan else { return Some(()) };
        raise_floor(instance, (&rows, &pinned), &p1_floor, &plan, model, master)
    };
    // The last master's solution with the best Lagrangian bound so far: what a
    // deadline leaves (docs/model.md, "LP bound by column generation", "Cut short").
    let mut last: Option<LpOptimum> = None;
    loop {
        if let Some(answer) = update.as_mut().and_then(|u| u(false)) {
            update = None;
            raise(answer, &mut model, &mut master)?;
        }
        rounds += 1;
        let left = deadline.saturating_duration_since(instance.clock.now());
        if left.is_zero() {
            return last;
        }
        set_limits(&mut model, left, &instance.clock, false)?;
        let solved = model.try_solve().ok()?;
        charge_run(&solved, &instance.clock);
        instance.clock.charge(PRICING_UNITS);
        if solved.status() != HighsModelStatus::Optimal {
            return last;
        }
        let solution = solved.get_solution();
        let duals = solution.dual_rows();
        let pricing = price(instance, &rows, &master, duals, scale);
        let lagrangian = pricing.constant + lagrangian_constant(&rows, duals, p1_floor.get());
        let best = last
            .as_ref()
            .map_or(lagrangian, |l| l.objective.max(lagrangian));
        log_round(
            rounds,
            &master,
            solved.objective_value(),
            lagrangian,
            &pricing,
        );
        let mut priced = pricing.priced;
        if priced.is_empty() {
            if let Some(u) = update.take() {
                // Converged under a floor that may still rise: wait for the count.
                model = Model::from(solved);
                raise(u(true).flatten(), &mut model, &mut master)?;
                continue;
            }
            let objective = solved.objective_value();
            return Some(optimum(objective, true, &solution, &master, &rows, rounds));
        }
        last = Some(optimum(best, false, &solution, &master, &rows, rounds));
        priced.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        priced.truncate(MAX_NEW_COLUMNS);
        model = Model::from(solved);
        for (_, p, s) in priced {
            master.add(instance, &rows, &pinned, &mut model, p, s)?;
        }
    }
}

/// Raises the floor to `plan`'s P1 count, with the plan's pairs in the master (the plan
/// meets the new floor, so the master stays feasible); nothing when it is not higher.
fn raise_floor(
    instance: &Instance,
    (rows, pinned): (&Rows, &HashMap<PatientIdx, SessionIdx>),
    p1_floor: &std::cell::Cell<u32>,
    plan: &Assignment,
    model: &mut Model,
    master: &mut Master,
) -> Option<()> {
    let count = plan.counts_by_priority(instance)[0];
    if count <= p1_floor.get() {
        return Some(());
    }
    for (p, s) in plan.scheduled() {
        master.add(instance, rows, pinned, model, p, s)?;
    }
    set_row_upper(model, rows.shared.floor?, -f64::from(count))?;
    p1_floor.set(count);
    Some(())
}

/// The largest cost of leaving a patient waiting (at least 1): the scale of the pricing
/// tolerance.
fn largest_cost(instance: &Instance) -> f64 {
    instance
        .patient_indices()
        .map(|p| instance.cost_unscheduled(p))
        .fold(1.0, f64::max)
}

fn log_round(rounds: u32, master: &Master, objective: f64, lagrangian: f64, pricing: &Pricing) {
    tracing::debug!(
        rounds,
        columns = master.columns.len(),
        master = objective,
        lagrangian,
        added = pricing.priced.len().min(MAX_NEW_COLUMNS),
        "column generation round"
    );
}

/// The part of the Lagrangian bound that does not depend on the columns: Σ_r y_r b_r over
/// the rows other than `assign`, with each dual clamped to HiGHS's sign (≤ 0), so that
/// the bound holds whatever the solver's rounding.
fn lagrangian_constant(rows: &Rows, duals: &[f64], p1_floor: u32) -> f64 {
    let mut is_assign = vec![false; rows.handles.len()];
    for r in rows.shared.assign.iter().flatten() {
        is_assign[*r] = true;
    }
    (0..rows.handles.len())
        .filter(|&r| !is_assign[r])
        .map(|r| {
            let upper = if Some(r) == rows.shared.floor {
                -f64::from(p1_floor)
            } else {
                rows.upper[r]
            };
            duals[r].min(0.0) * upper
        })
        .sum()
}

/// HiGHS's output, thread count and seed.
fn quiet(model: &mut Model, threads: u32, log: bool) -> Option<()> {
    model.try_set_option("output_flag", log).ok()?;
    model.try_set_option("log_to_console", log).ok()?;
    model
        .try_set_option("threads", threads.max(1) as i32)
        .ok()?;
    model.try_set_option("random_seed", 0).ok()?;
    Some(())
}

fn add_row(model: &mut Model, handles: &mut Vec<Row>, upper: f64) -> Option<usize> {
    let row = model
        .try_add_row(..=upper, std::iter::empty::<(highs::Col, f64)>())
        .ok()?;
    handles.push(row);
    Some(handles.len() - 1)
}

/// The right-hand sides of `add_rows`'s rows, read back in the same order.
fn row_uppers(instance: &Instance, rows: &Rows, p1_floor: u32) -> Vec<f64> {
    let mut upper = vec![1.0; rows.handles.len()];
    for s in instance.session_indices() {
        upper[rows.session[s.idx()]] =
            f64::from(instance.session(s).length_min + instance.turnaround(s));
    }
    for (&(k, _), &r) in &rows.shared.surgeon_day {
        upper[r] = f64::from(instance.surgeons[k.idx()].max_minutes_per_day);
    }
    for (day, &r) in &rows.shared.beds {
        upper[r] = f64::from(instance.free_beds[day]);
    }
    if let Some(r) = rows.shared.floor {
        upper[r] = -f64::from(p1_floor);
    }
    upper
}

/// The empty rows, all ≤, in a fixed order; the P1-floor row only when there is a floor
/// now (`p1_floor` > 0) or one may come (`raising`).
fn add_rows(instance: &Instance, model: &mut Model, p1_floor: u32, raising: bool) -> Option<Rows> {
    let mut handles: Vec<Row> = Vec::new();
    let mut assign = vec![None; instance.patients.len()];
    for p in instance.patient_indices() {
        if !instance.eligible[p.idx()].is_empty() {
            assign[p.idx()] = Some(add_row(model, &mut handles, 1.0)?);
        }
    }
    let mut session = Vec::with_capacity(instance.sessions.len());
    for s in instance.session_indices() {
        let capacity = f64::from(instance.session(s).length_min + instance.turnaround(s));
        session.push(add_row(model, &mut handles, capacity)?);
    }
    let mut surgeon_day = HashMap::new();
    let mut days: Vec<(SurgeonIdx, u32)> = instance
        .sessions
        .iter()
        .map(|s| (s.surgeon, s.day))
        .collect();
    days.sort();
    days.dedup();
    for (k, day) in days {
        let max = f64::from(instance.surgeons[k.idx()].max_minutes_per_day);
        surgeon_day.insert((k, day), add_row(model, &mut handles, max)?);
    }
    let mut beds = BTreeMap::new();
    for (&day, &free) in &instance.free_beds {
        beds.insert(day, add_row(model, &mut handles, f64::from(free))?);
    }
    let floor = if p1_floor > 0 || raising {
        Some(add_row(model, &mut handles, -f64::from(p1_floor))?)
    } else {
        None
    };
    let mut rows = Rows {
        shared: SharedRows {
            assign,
            surgeon_day,
            beds,
            floor,
        },
        session,
        handles,
        upper: Vec::new(),
    };
    rows.upper = row_uppers(instance, &rows, p1_floor);
    Some(rows)
}

/// The master's first columns: pins, the start plan's pairs, each patient's cheapest pair.
fn seed_master(
    instance: &Instance,
    start: &Assignment,
    rows: &Rows,
    pinned: &HashMap<PatientIdx, SessionIdx>,
    model: &mut Model,
) -> Option<Master> {
    let mut master = Master {
        in_master: HashSet::new(),
        columns: Vec::new(),
    };
    for &(p, s) in &instance.pinned {
        master.add(instance, rows, pinned, model, p, s)?;
    }
    for (p, s) in start.scheduled() {
        master.add(instance, rows, pinned, model, p, s)?;
    }
    for p in instance.patient_indices() {
        if let Some(&s) = instance.eligible[p.idx()].first() {
            // Sessions are in day order: the first eligible one is the cheapest.
            master.add(instance, rows, pinned, model, p, s)?;
        }
    }
    Some(master)
}

/// What one pricing pass over every eligible pair gives.
struct Pricing {
    /// The pairs not yet in the master whose reduced cost is negative (below the
    /// tolerance relative to the largest cost), unsorted.
    priced: Vec<(f64, PatientIdx, SessionIdx)>,
    /// The column part of the Lagrangian bound at these duals:
    /// Σ_p min(0, min_s c̃[p,s]) over patients without a pin, plus c̃ of each pin, with
    /// c̃ = c − c0 − Σ a·min(y, 0) over the rows other than `assign`.
    constant: f64,
}

/// Prices every eligible pair at the master's duals, and, in the same pass, the column
/// part of the Lagrangian bound of relaxing every row but `assign` (docs/model.md, "LP
/// bound by column generation"): for any duals y ≤ 0 it bounds the LP from below, so a
/// round's bound holds even when the deadline stops the generation before it converges.
fn price(instance: &Instance, rows: &Rows, master: &Master, duals: &[f64], scale: f64) -> Pricing {
    let mut priced: Vec<(f64, PatientIdx, SessionIdx)> = Vec::new();
    let pinned: HashMap<PatientIdx, SessionIdx> = instance.pinned.iter().copied().collect();
    let mut constant = 0.0;
    for p in instance.patient_indices() {
        let assign_row = rows.shared.assign[p.idx()];
        let mut best = 0.0_f64;
        for &s in &instance.eligible[p.idx()] {
            let coefficients = rows.of(instance, p, s);
            let clamped = cost(instance, p, s)
                - coefficients
                    .iter()
                    .filter(|&&(r, _)| Some(r) != assign_row)
                    .map(|&(r, a)| a * duals[r].min(0.0))
                    .sum::<f64>();
            match pinned.get(&p) {
                Some(&pin) if pin == s => best = clamped,
                Some(_) => {}
                None => best = best.min(clamped),
            }
            if master.in_master.contains(&(p, s)) {
                continue;
            }
            // Summed over every row, assign first, in `Rows::of`'s order: the same
            // floating-point sum whichever bound is computed beside it, so the columns
            // chosen (and all that follows from them) do not move.
            let reduced =
                cost(instance, p, s) - coefficients.iter().map(|&(r, a)| a * duals[r]).sum::<f64>();
            if reduced < -PRICING_TOLERANCE * scale {
                priced.push((reduced, p, s));
            }
        }
        constant += best;
    }
    Pricing { priced, constant }
}

/// A master's result: `objective`, and from `solution` its positive columns
/// and the shared rows' duals.
fn optimum(
    objective: f64,
    converged: bool,
    solution: &Solution,
    master: &Master,
    rows: &Rows,
    rounds: u32,
) -> LpOptimum {
    let values = master
        .columns
        .iter()
        .zip(solution.columns())
        .filter(|(_, v)| **v > 1e-9)
        .map(|(&pair, &v)| (pair, v))
        .collect();
    LpOptimum {
        objective,
        converged,
        values,
        rounds,
        columns: master.columns.len(),
        shared_duals: shared_duals(rows, solution.dual_rows()),
    }
}

/// The optimal duals of the shared rows, by what they constrain.
fn shared_duals(rows: &Rows, duals: &[f64]) -> SharedDuals {
    SharedDuals {
        assign: rows
            .shared
            .assign
            .iter()
            .map(|r| r.map_or(0.0, |r| duals[r]))
            .collect(),
        surgeon_day: rows
            .shared
            .surgeon_day
            .iter()
            .map(|(&key, &r)| (key, duals[r]))
            .collect(),
        beds: rows
            .shared
            .beds
            .iter()
            .map(|(&day, &r)| (day, duals[r]))
            .collect(),
        floor: rows.shared.floor.map_or(0.0, |r| duals[r]),
    }
}
