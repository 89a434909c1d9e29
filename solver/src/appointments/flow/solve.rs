//! The entry: the network's checks, the exactness bounds, then the simplex.

use super::basis::Simplex;
use super::network::{FlowError, FlowNetwork, FlowSolution};

impl FlowNetwork {
    /// Solves the network; `stop` is asked every [`STOP_EVERY`](super::STOP_EVERY) pivots whether to give up.
    pub fn solve(&self, stop: impl FnMut() -> bool) -> Result<FlowSolution, FlowError> {
        let n = self.supply.len();
        let big_m = self.checked_big_m()?;
        let mut simplex = Simplex::new(self, big_m);
        let status = simplex.run(stop);
        let m = self.tail.len();
        let flow = simplex.flow[..m].to_vec();
        let cost = flow
            .iter()
            .zip(&self.cost)
            .map(|(&f, &c)| i128::from(f) * i128::from(c))
            .sum();
        Ok(FlowSolution {
            status,
            flow,
            potential: simplex.y[..n].iter().map(|&y| y - simplex.y[n]).collect(),
            cost,
            pivots: simplex.pivots,
        })
    }

    /// Refuses a network that names a missing node, has a negative capacity, does not
    /// balance, or is too large for exact i64 arithmetic; else returns the artificial
    /// arcs' cost M = (max |cost| + 1)(n + 1).
    fn checked_big_m(&self) -> Result<i64, FlowError> {
        let n = self.supply.len();
        if self.tail.iter().chain(&self.head).any(|&v| v as usize >= n) {
            return Err(FlowError::NoSuchNode);
        }
        if self.cap.iter().any(|&c| c < 0) {
            return Err(FlowError::NegativeCapacity);
        }
        let total: i128 = self.supply.iter().map(|&b| i128::from(b)).sum();
        if total != 0 {
            return Err(FlowError::Unbalanced(total));
        }
        // Exactness: potentials stay within (n + 1)·M in magnitude and the flow on an
        // arc within Σ|b| (or its capacity); keep products far from overflow.
        let max_cost = self
            .cost
            .iter()
            .map(|c| c.unsigned_abs())
            .max()
            .unwrap_or(0);
        let big_m = i64::try_from(max_cost)
            .ok()
            .and_then(|c| c.checked_add(1))
            .and_then(|c| c.checked_mul(n as i64 + 1))
            .filter(|&m| {
                m.checked_mul(n as i64 + 2)
                    .is_some_and(|x| x < i64::MAX / 4)
            })
            .ok_or(FlowError::TooLarge)?;
        let sum_abs: i128 = self.supply.iter().map(|&b| i128::from(b).abs()).sum();
        if sum_abs > i128::from(i64::MAX / 4) {
            return Err(FlowError::TooLarge);
        }
        Ok(big_m)
    }
}
