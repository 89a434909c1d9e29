//! The min-cost flow problem as built by its users, and what a solve gives.

/// The capacity of an arc without an upper bound.
pub const UNBOUNDED: i64 = i64::MAX;

/// `stop` is consulted once per this many pivots.
pub const STOP_EVERY: u64 = 1024;

/// A min-cost flow network.
#[derive(Clone, Debug, Default)]
pub struct FlowNetwork {
    pub(super) supply: Vec<i64>,
    pub(super) tail: Vec<u32>,
    pub(super) head: Vec<u32>,
    pub(super) cap: Vec<i64>,
    pub(super) cost: Vec<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStatus {
    /// Flows are feasible and optimal; the potentials prove it.
    Optimal,
    /// No flow meets the supplies within the capacities.
    Infeasible,
    /// A cycle of negative cost and unbounded capacity.
    Unbounded,
    /// `stop` returned true first.
    Interrupted,
}

/// What [`FlowNetwork::solve`] gives. Flows, potentials and cost are meaningful only when
/// `status` is [`FlowStatus::Optimal`].
#[derive(Clone, Debug)]
pub struct FlowSolution {
    pub status: FlowStatus,
    /// Per arc, in the order added.
    pub flow: Vec<i64>,
    /// Per node: the duals y of the balance rows. The reduced cost of an arc (t, h) is
    /// cost − y[t] + y[h]; it is ≥ 0 when the flow is below capacity, ≤ 0 when the flow
    /// is above zero, and 0 on the arcs of the final spanning tree.
    pub potential: Vec<i64>,
    /// Σ cost·flow.
    pub cost: i128,
    pub pivots: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FlowError {
    #[error("the supplies sum to {0}, not zero")]
    Unbalanced(i128),
    #[error("an arc has a negative capacity")]
    NegativeCapacity,
    #[error("costs or supplies too large for exact 64-bit arithmetic")]
    TooLarge,
    #[error("an arc names a node that does not exist")]
    NoSuchNode,
}

impl FlowNetwork {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(nodes: usize, arcs: usize) -> Self {
        FlowNetwork {
            supply: Vec::with_capacity(nodes),
            tail: Vec::with_capacity(arcs),
            head: Vec::with_capacity(arcs),
            cap: Vec::with_capacity(arcs),
            cost: Vec::with_capacity(arcs),
        }
    }

    /// Adds a node with supply `supply` (negative for a demand); returns its index.
    pub fn add_node(&mut self, supply: i64) -> u32 {
        self.supply.push(supply);
        self.supply.len() as u32 - 1
    }

    /// Adds an arc; `capacity` may be [`UNBOUNDED`]. Returns its index.
    pub fn add_arc(&mut self, tail: u32, head: u32, capacity: i64, cost: i64) -> u32 {
        self.tail.push(tail);
        self.head.push(head);
        self.cap.push(capacity);
        self.cost.push(cost);
        self.tail.len() as u32 - 1
    }

    pub fn node_count(&self) -> usize {
        self.supply.len()
    }

    pub fn arc_count(&self) -> usize {
        self.tail.len()
    }
}
