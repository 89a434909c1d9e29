//! One part's column generation on its restricted master, stabilised by smoothing
//! (docs/model.md, "Pattern bound and diving"): solve, price, add, repeat.

use std::time::{Duration, Instant};

use highs::{HighsModelStatus, Model, Solution};

use crate::theatre::effort::PRICING_UNITS;
use crate::theatre::models::highs_ext::{charge_run, set_limits};
use crate::theatre::models::patterns::master::{Generation, Master};
use crate::theatre::models::patterns::pattern::Pattern;

impl Master<'_> {
    /// Column generation until it converges, `deadline`, or `max_rounds` solves.
    pub(super) fn generate(&mut self, deadline: Instant, max_rounds: Option<u32>) -> Generation {
        let tolerance = 1e-6 * self.scale;
        let limit = max_rounds.map(|m| self.rounds + m);
        let dived = self.fixed_session.iter().any(|&f| f);
        loop {
            let left = deadline.saturating_duration_since(self.instance.clock.now());
            if left.is_zero() && self.rounds > 0 {
                return Generation::CutShort;
            }
            let (objective, solution) = match self.solve_round(left) {
                Ok(solved) => solved,
                Err(end) => return end,
            };
            let stalled = objective >= self.master_objective - tolerance;
            self.master_objective = objective;
            self.values = solution.columns().to_vec();
            let y = self.master_duals(&solution);
            let new = self.price_new(&y, stalled, dived, tolerance);
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
            if self.instance.clock.now() >= deadline {
                return Generation::CutShort;
            }
            if limit.is_some_and(|l| self.rounds >= l) {
                return Generation::RoundLimit;
            }
            match self.add_new(new) {
                None => return Generation::Failed,
                Some(0) => return Generation::Converged,
                Some(_) => {}
            }
        }
    }

    /// One solve of the master within `left`, counted in `rounds`: its objective and
    /// solution, or how generation ends when it is not optimal.
    fn solve_round(&mut self, left: Duration) -> Result<(f64, Solution), Generation> {
        let Some(mut model) = self.model.take() else {
            return Err(Generation::Failed);
        };
        let strategy = if std::mem::take(&mut self.after_fix) {
            1
        } else {
            4
        };
        if set_limits(&mut model, left, &self.instance.clock, false).is_none()
            || model.try_set_option("simplex_strategy", strategy).is_err()
        {
            return Err(Generation::Failed);
        }
        let solve_started = Instant::now();
        let Ok(solved) = model.try_solve() else {
            return Err(Generation::Failed);
        };
        charge_run(&solved, &self.instance.clock);
        self.instance.clock.charge(PRICING_UNITS);
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
            return Err(
                if matches!(
                    status,
                    HighsModelStatus::ReachedTimeLimit | HighsModelStatus::ReachedIterationLimit
                ) {
                    Generation::CutShort
                } else {
                    Generation::Failed
                },
            );
        }
        Ok((objective, solution))
    }

    /// The master's duals by our rows (0 for a row not in HiGHS), clamped.
    fn master_duals(&self, solution: &Solution) -> Vec<f64> {
        let mut y = vec![0.0; self.rows.bounds.len()];
        for (&r, &dual) in self.order.iter().zip(solution.dual_rows()) {
            y[r] = dual;
        }
        self.clamp(&mut y);
        y
    }

    /// Whether `pattern` has a negative reduced cost (below −`tolerance`) at `y`.
    fn improves(&self, pattern: &Pattern, y: &[f64], tolerance: f64) -> bool {
        pattern
            .patients
            .iter()
            .map(|&p| self.rows.reduced_item(self.instance, p, pattern.session, y))
            .sum::<f64>()
            - y[self.rows.convexity(pattern.session)]
            < -tolerance
    }

    /// The new columns of a round at the master's duals `y`, the smoothing weight and the
    /// best bound updated on the way.
    fn price_new(&mut self, y: &[f64], stalled: bool, dived: bool, tolerance: f64) -> Vec<Pattern> {
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
                    .zip(y)
                    .map(|(&c, &m)| alpha * c + (1.0 - alpha) * m)
                    .collect(),
                (None, true) | (_, false) if k == 0 && alpha > 0.0 => continue,
                _ => y.to_vec(),
            };
            let (bound, priced) = self.lagrangian(&point);
            if let (0, false) = (k, dived) {
                self.adjust_alpha(&priced, y);
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
                if self.improves(&pattern, y, tolerance)
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
        new
    }

    /// Automatic smoothing (Pessoa et al. 2018): where the subgradient at the smoothed
    /// point (where `priced` was priced) ascends towards the master's duals `y`, the
    /// centre weighs too much; otherwise too little. Nothing without a centre.
    fn adjust_alpha(&mut self, priced: &[(f64, Pattern)], y: &[f64]) {
        let Some(c) = &self.centre else {
            return;
        };
        let g = self.subgradient(priced);
        let ascent: f64 = g.iter().enumerate().map(|(r, gr)| gr * (y[r] - c[r])).sum();
        self.alpha = if ascent > 0.0 {
            (self.alpha - 0.1).max(0.0)
        } else {
            (self.alpha + (1.0 - self.alpha) * 0.1).min(0.99)
        };
    }

    /// Adds `new` to the master in order: how many were not there yet, `None` when HiGHS
    /// fails.
    fn add_new(&mut self, new: Vec<Pattern>) -> Option<usize> {
        let mut added = 0;
        for pattern in new {
            if self.add(pattern)? {
                added += 1;
            }
        }
        Some(added)
    }
}
