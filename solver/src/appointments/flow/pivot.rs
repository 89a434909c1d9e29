//! Pricing (block search), the ratio test (Cunningham's rule) and the flow change of
//! one pivot, and the pivot loop.

use super::basis::{LOWER, Simplex, TREE, UPPER};
use super::network::{FlowStatus, STOP_EVERY, UNBOUNDED};

impl Simplex {
    pub(super) fn run(&mut self, mut stop: impl FnMut() -> bool) -> FlowStatus {
        loop {
            if self.pivots.is_multiple_of(STOP_EVERY) && stop() {
                return FlowStatus::Interrupted;
            }
            let Some(entering) = self.find_entering() else {
                break;
            };
            if !self.pivot(entering) {
                return FlowStatus::Unbounded;
            }
            self.pivots += 1;
        }
        if self.flow[self.m..].iter().any(|&f| f != 0) {
            FlowStatus::Infeasible
        } else {
            FlowStatus::Optimal
        }
    }

    /// Block search: the most violating arc of the first block that has one.
    pub(super) fn find_entering(&mut self) -> Option<usize> {
        let m = self.m;
        if m == 0 {
            return None;
        }
        let mut best = 0i64;
        let mut best_arc = usize::MAX;
        let mut e = self.next_arc;
        let mut left_in_block = self.block;
        for _ in 0..m {
            let s = self.state[e];
            if s != TREE {
                let rc =
                    self.cost[e] - self.y[self.tail[e] as usize] + self.y[self.head[e] as usize];
                let violation = i64::from(s) * rc;
                if violation < best {
                    best = violation;
                    best_arc = e;
                }
            }
            e += 1;
            if e == m {
                e = 0;
            }
            left_in_block -= 1;
            if left_in_block == 0 {
                if best < 0 {
                    self.next_arc = e;
                    return Some(best_arc);
                }
                left_in_block = self.block;
            }
        }
        if best < 0 {
            self.next_arc = e;
            Some(best_arc)
        } else {
            None
        }
    }

    /// One pivot on `entering`; false if the cycle has unbounded capacity.
    pub(super) fn pivot(&mut self, entering: usize) -> bool {
        let e = entering;
        let increase = self.state[e] == LOWER;
        // Flow goes first → second on the entering arc, then second → apex → first.
        let (first, second) = if increase {
            (self.tail[e], self.head[e])
        } else {
            (self.head[e], self.tail[e])
        };
        let cycle = Cycle {
            entering: e,
            increase,
            first,
            second,
            apex: self.apex(first, second),
        };
        let (delta, leaving) = self.ratio_test(&cycle);
        if delta == UNBOUNDED {
            return false;
        }
        if delta > 0 {
            self.push_flow(&cycle, delta);
        }
        match leaving {
            None => {
                // The entering arc itself blocks: it moves to its other bound.
                self.state[e] = if increase { UPPER } else { LOWER };
            }
            Some((u_out, on_first)) => {
                let out = self.pred[u_out as usize] as usize;
                self.state[out] = if self.flow[out] == 0 { LOWER } else { UPPER };
                self.state[e] = TREE;
                let (u_in, v_in) = if on_first {
                    (first, second)
                } else {
                    (second, first)
                };
                self.rehang(e, u_in, v_in, u_out, cycle.apex);
            }
        }
        true
    }

    /// Cunningham: the last blocking arc from the apex in the cycle's direction. The
    /// cycle runs apex → … → first, the entering arc, second → … → apex. Returns the
    /// amount that can be pushed and the leaving arc as (its child node, whether it is
    /// on the first side), or `None` when the entering arc itself blocks.
    fn ratio_test(&self, cycle: &Cycle) -> (i64, Option<(u32, bool)>) {
        let Cycle {
            entering: e,
            increase,
            first,
            second,
            apex,
        } = *cycle;
        let mut delta = if increase { self.room(e) } else { self.flow[e] };
        let mut leaving: Option<(u32, bool)> = None;
        let mut u = first;
        while u != apex {
            let a = self.pred[u as usize] as usize;
            // Pushed parent → u.
            let r = if self.up[u as usize] {
                self.flow[a]
            } else {
                self.room(a)
            };
            if r < delta {
                delta = r;
                leaving = Some((u, true));
            }
            u = self.parent[u as usize];
        }
        let mut u = second;
        while u != apex {
            let a = self.pred[u as usize] as usize;
            // Pushed u → parent.
            let r = if self.up[u as usize] {
                self.room(a)
            } else {
                self.flow[a]
            };
            if r <= delta {
                delta = r;
                leaving = Some((u, false));
            }
            u = self.parent[u as usize];
        }
        (delta, leaving)
    }

    /// Pushes `delta` around the cycle.
    fn push_flow(&mut self, cycle: &Cycle, delta: i64) {
        let apex = cycle.apex;
        self.flow[cycle.entering] += if cycle.increase { delta } else { -delta };
        let mut u = cycle.first;
        while u != apex {
            let a = self.pred[u as usize] as usize;
            self.flow[a] += if self.up[u as usize] { -delta } else { delta };
            u = self.parent[u as usize];
        }
        let mut u = cycle.second;
        while u != apex {
            let a = self.pred[u as usize] as usize;
            self.flow[a] += if self.up[u as usize] { delta } else { -delta };
            u = self.parent[u as usize];
        }
    }
}

/// The cycle a pivot closes: flow goes first → second on the entering arc (forwards
/// when `increase`), then second → apex → first along the tree.
#[derive(Clone, Copy)]
struct Cycle {
    entering: usize,
    increase: bool,
    first: u32,
    second: u32,
    apex: u32,
}
