//! One part's restricted master: its rows and columns in HiGHS, the first columns, and
//! the Lagrangian bound (docs/model.md, "Pattern bound and diving"); its column
//! generation is in [`super::generation`], its diving in [`super::dive`].

use highs::{ColProblem, Model, Sense};
use std::collections::HashSet;

use crate::theatre::domain::Instance;
use crate::theatre::models::column_generation::SharedDuals;
use crate::theatre::models::patterns::pattern::{Part, Pattern, PatternRelaxation};
use crate::theatre::models::patterns::pricing::{Candidates, Pricing};
use crate::theatre::models::patterns::rows::Rows;

/// The first smoothing weight of the centre in pricing (Wentges), adjusted every round
/// after (docs/model.md). High, since the first centre (the pair LP's duals) is already
/// close to the pattern LP's duals.
pub(super) const SMOOTHING: f64 = 0.9;

/// One part's restricted master, kept between column generation and diving so that
/// every re-solve warm-starts from the last basis.
pub(super) struct Master<'a> {
    pub(super) instance: &'a Instance,
    pub(super) part: Part,
    pub(super) rows: Rows,
    pub(super) pricing: &'a Pricing,
    /// Each session's candidates, for pricing.
    pub(super) candidates: Candidates,
    /// HiGHS's row of each of our rows: an assign row only once a column has a patient
    /// in it (an empty row's dual is 0 either way, and the master stays small).
    pub(super) handles: Vec<Option<highs::Row>>,
    /// Our row of each HiGHS row, in HiGHS's order.
    pub(super) order: Vec<usize>,
    pub(super) model: Option<Model>,
    pub(super) pool: Vec<Pattern>,
    pub(super) columns: Vec<highs::Col>,
    pub(super) seen: HashSet<Pattern>,
    pub(super) is_convexity: Vec<bool>,
    /// Set by diving: sessions and patients taken out.
    pub(super) fixed_session: Vec<bool>,
    pub(super) excluded: Vec<bool>,
    pub(super) scale: f64,
    pub(super) centre: Option<Vec<f64>>,
    /// The current smoothing weight of the centre (adjusted each round).
    pub(super) alpha: f64,
    /// The best Lagrangian bound; only for the undived master.
    pub(super) best_bound: f64,
    pub(super) master_objective: f64,
    pub(super) values: Vec<f64>,
    pub(super) rounds: u32,
    /// The last change fixed columns (the basis stays dual feasible: dual simplex)
    /// rather than adding them (primal feasible: primal simplex).
    pub(super) after_fix: bool,
    /// −Σ ν_p over the part's forced patients: in the master's objective, but no wait.
    pub(super) forced_offset: f64,
}

/// How a run of column generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Generation {
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
    pub(super) fn new(
        instance: &'a Instance,
        pricing: &'a Pricing,
        part: &Part,
        initial: &[Pattern],
        p1_floor: u32,
        centre: Option<&SharedDuals>,
        log: bool,
    ) -> Option<Self> {
        let rows = Rows::new(instance, p1_floor, part);
        let MasterModel {
            model,
            handles,
            order,
        } = master_model(&rows, log)?;
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
        master.add_initial(initial)?;
        if let Some(duals) = centre {
            master.start_at(duals)?;
        }
        Some(master)
    }

    /// The `initial` patterns whose session and patients are in the part.
    fn add_initial(&mut self, initial: &[Pattern]) -> Option<()> {
        for pattern in initial {
            let usable = self.rows.convexity[pattern.session.idx()].is_some()
                && pattern
                    .patients
                    .iter()
                    .all(|p| self.rows.shared.assign[p.idx()].is_some());
            if usable {
                self.add(pattern.clone())?;
            }
        }
        Some(())
    }

    /// Prices at the pair LP's `duals`: the first bound and centre, and the patterns
    /// priced there (and a plan of them) as columns.
    fn start_at(&mut self, duals: &SharedDuals) -> Option<()> {
        let y = self.point_of(duals);
        let (bound, priced) = self.lagrangian(&y);
        self.best_bound = bound;
        let plan = self.disjoint(&y, &priced);
        for pattern in priced.into_iter().map(|(_, p)| p).chain(plan) {
            self.add(pattern)?;
        }
        self.centre = Some(y);
        Some(())
    }

    /// The shared rows' `duals` as a point on our rows (0 on the others), clamped.
    fn point_of(&self, duals: &SharedDuals) -> Vec<f64> {
        let mut y = vec![0.0; self.rows.bounds.len()];
        for p in self.instance.patient_indices() {
            if let (Some(r), Some(&v)) =
                (self.rows.shared.assign[p.idx()], duals.assign.get(p.idx()))
            {
                y[r] = v;
            }
        }
        for (key, &r) in &self.rows.shared.surgeon_day {
            y[r] = duals.surgeon_day.get(key).copied().unwrap_or(0.0);
        }
        for (day, &r) in &self.rows.shared.beds {
            y[r] = duals.beds.get(day).copied().unwrap_or(0.0);
        }
        if let Some(r) = self.rows.shared.floor {
            y[r] = duals.floor;
        }
        self.clamp(&mut y);
        y
    }

    pub(super) fn add(&mut self, pattern: Pattern) -> Option<bool> {
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
    pub(super) fn clamp(&self, y: &mut [f64]) {
        for (r, v) in y.iter_mut().enumerate() {
            if !self.is_convexity[r] {
                *v = v.min(0.0);
            }
        }
    }

    /// L(y), and each open session's best pattern with its reduced cost before the
    /// convexity dual. L(y) is a bound only while nothing is fixed.
    pub(super) fn lagrangian(&self, y: &[f64]) -> (f64, Vec<(f64, Pattern)>) {
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
    pub(super) fn subgradient(&self, priced: &[(f64, Pattern)]) -> Vec<f64> {
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
    pub(super) fn disjoint(&self, y: &[f64], priced: &[(f64, Pattern)]) -> Vec<Pattern> {
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

    /// How far the master's objective is above the bound, relative to the objective
    /// (+∞ before there is a bound).
    pub(super) fn relative_gap(&self) -> f64 {
        // The forced rows' multipliers are no wait: leave them out of the scale.
        (self.master_objective - self.best_bound)
            / (self.master_objective + self.forced_offset).abs().max(1e-9)
    }

    pub(super) fn relaxation(&self, converged: bool) -> PatternRelaxation {
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
}

pub(super) fn configure(model: &mut Model, log: bool) -> Option<()> {
    model.try_set_option("output_flag", log).ok()?;
    model.try_set_option("log_to_console", log).ok()?;
    model.try_set_option("threads", 1).ok()?;
    model.try_set_option("random_seed", 0).ok()?;
    Some(())
}

/// The HiGHS model of a master's rows, before its columns.
struct MasterModel {
    model: Model,
    /// HiGHS's row of each of our rows (see [`Master::handles`]).
    handles: Vec<Option<highs::Row>>,
    /// Our row of each HiGHS row.
    order: Vec<usize>,
}

/// The master's rows in HiGHS, every one but the assign rows (added with their first
/// column).
fn master_model(rows: &Rows, log: bool) -> Option<MasterModel> {
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
    Some(MasterModel {
        model,
        handles,
        order,
    })
}
