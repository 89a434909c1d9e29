//! Diving on a converged master: fix the patterns the LP sets high, generate again, repeat.

use std::collections::HashMap;
use std::time::Instant;

use crate::theatre::domain::SurgeonIdx;
use crate::theatre::models::patterns::master::{Generation, Master};
use crate::theatre::models::patterns::pattern::Pattern;

/// Most master solves after each dive step (a dive steers by the LP, it does not need
/// its optimum).
pub(super) const DIVE_ROUNDS: u32 = 8;

impl Master<'_> {
    /// Diving (docs/model.md): fix every pattern the LP sets above one half (or, if
    /// none, the one with the largest value) at 1, take its session and patients out of
    /// pricing, generate columns again from the warm basis, and repeat until the LP
    /// puts no more patterns in or `until` passes. Returns the patterns fixed.
    /// With `one_at_a_time`, only the pattern with the largest value is fixed each step,
    /// and at the first step the `skip` highest that could be fixed are passed over (a
    /// discrepancy: another dive from the same relaxation).
    pub(super) fn dive(
        &mut self,
        until: Instant,
        one_at_a_time: bool,
        skip: usize,
    ) -> Vec<Pattern> {
        let mut fixed: Vec<Pattern> = Vec::new();
        let mut minutes: HashMap<(SurgeonIdx, u32), u32> = HashMap::new();
        while self.instance.clock.now() < until {
            let passed = if fixed.is_empty() { skip } else { 0 };
            let chosen = self.choose_to_fix(one_at_a_time, passed, &mut minutes);
            if chosen.is_empty() {
                break;
            }
            if !self.fix(&chosen, &mut fixed) {
                break;
            }
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

    /// The patterns to fix at this step, highest LP value first: those above one half (or
    /// the highest one), no two sharing a session or a patient, each fitting its surgeon's
    /// day with the patterns already fixed there (`minutes`, updated). With
    /// `one_at_a_time`, the first `passed` that could be fixed are passed over.
    fn choose_to_fix(
        &self,
        one_at_a_time: bool,
        mut passed: usize,
        minutes: &mut HashMap<(SurgeonIdx, u32), u32>,
    ) -> Vec<usize> {
        let mut positive: Vec<(f64, usize)> = self
            .values
            .iter()
            .enumerate()
            .filter(|&(k, &v)| v > 1e-6 && !self.fixed_session[self.pool[k].session.idx()])
            .map(|(k, &v)| (v, k))
            .collect();
        positive.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(self.pool[a.1].cmp(&self.pool[b.1]))
        });
        let mut chosen: Vec<usize> = Vec::new();
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
        chosen
    }

    /// Fixes the `chosen` patterns at 1 (added to `fixed`) and every other column of their
    /// sessions or with one of their patients at 0. False if there is no model to change.
    fn fix(&mut self, chosen: &[usize], fixed: &mut Vec<Pattern>) -> bool {
        let Some(model) = self.model.as_mut() else {
            return false;
        };
        for &k in chosen {
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
        true
    }
}
