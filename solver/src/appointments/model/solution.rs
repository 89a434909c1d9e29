//! What every solver of the grouped model returns, and how it fails.

use super::class_network::ClassNetwork;
use super::grouping::Flow;

/// What a solve of the grouped model gives.
#[derive(Clone, Debug)]
pub struct GroupedSolution {
    /// Sorted by (request group, slot group).
    pub flows: Vec<Flow>,
    /// Σ c' x in thirtieths (add the unbooked cost of everyone for the objective).
    pub objective30: i64,
    /// A proven lower bound on Σ c' x over all plans, in thirtieths.
    pub bound30: i64,
    /// The optimum is proven (bound equals objective).
    pub optimal: bool,
    pub deadline_reached: bool,
    pub arcs: u64,
    pub arcs_in_lp: u64,
    pub rounds: u32,
    /// The class and chain network the transshipment methods solved (for explanations).
    pub classes: Option<ClassNetwork>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("HiGHS failed: {0}")]
    Highs(String),
    #[error("the network simplex failed: {0}")]
    Flow(String),
}
