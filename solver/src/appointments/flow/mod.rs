//! Minimum-cost flow by the primal network simplex (docs/model.md, "Appointment
//! balancing", "Solving it").
//!
//! The problem: nodes with integer supplies b(v) (negative: demand) summing to zero,
//! arcs with integer costs and capacities u ≥ 0 (or [`UNBOUNDED`]);
//! minimise Σ cost·f subject to out(v) − in(v) = b(v) at every node, 0 ≤ f ≤ u.
//!
//! The method, in short:
//!
//! - **Start.** An artificial root joined to every node by an artificial arc of unbounded
//!   capacity: node → root at cost 0 for a node with b ≥ 0 (it carries b), root → node at
//!   cost M for a node with demand (it carries −b), with M = (max |cost| + 1)(n + 1), more
//!   than any simple path of real arcs can save. Then a crash: in arc order, an arc of
//!   unbounded capacity from a supply node to a demand node (each node used once) lets
//!   them trade directly — the smaller side hangs below the other by that arc, carrying
//!   all it has, and its artificial arc leaves the tree; a demand node that is then fully
//!   served keeps a zero-flow artificial arc to the root, at cost 0. (For the appointment
//!   network this puts the whole supply on the free bypass arc: a feasible start with no
//!   artificial flow.) The tree is strongly feasible: every node can send a positive
//!   amount to the root along its tree path.
//! - **Pricing** (block search): the real arcs are scanned cyclically in blocks of about
//!   0.03·√m arcs (at least 10; small blocks were fastest on the appointment networks),
//!   starting where the last scan stopped; after each block, the arc that violates its
//!   optimality condition most (reduced cost < 0 at the lower bound, > 0 at the upper
//!   bound) enters. When a whole round finds no violation the tree is optimal. Artificial
//!   arcs are never priced: once out of the tree they stay at zero. If an artificial arc
//!   still carries flow at the end, no feasible flow exists.
//! - **Ratio test** (Cunningham's rule): the entering arc closes a cycle with the tree path
//!   between its ends; flow is pushed around it in the entering arc's direction by the
//!   smallest residual capacity, and of the arcs that block, the last one met when the
//!   cycle is walked in that direction from its apex leaves. This keeps the tree strongly
//!   feasible, so degenerate pivots cannot cycle.
//! - **Tree update.** The tree is kept as parent, the arc to the parent, a preorder
//!   thread, and each node's subtree size and last node in the thread. The subtree cut
//!   off by the leaving arc is re-rooted at the entering arc's end inside it (the path
//!   up to the cut reverses), re-threaded by relinking O(path length) runs of the
//!   thread, and hung below the other end as its first child; sizes and last nodes change
//!   only along the cycle and above it. The potentials of the moved subtree shift by the
//!   entering arc's reduced cost — or, when the subtree holds more than half the nodes,
//!   those of the rest shift the other way (only differences matter), in one pass over
//!   a run of the thread either way. Potentials are reported relative to the root.
//!
//! Everything is integer (i64), pivots follow a fixed rule, and nothing is random, so the
//! same network gives the same flows and potentials. `stop` is called every
//! [`STOP_EVERY`] pivots; when it returns true the solve ends with
//! [`FlowStatus::Interrupted`].
//!
//! The files: `network` (the problem and the answer, public), `solve` (the entry:
//! checks, then the simplex), `basis` (the spanning-tree state, the start and the
//! crash, and its rebuild), `pivot` (pricing, the ratio test and the flow change) and
//! `rehang` (the tree update).

mod basis;
mod network;
mod pivot;
mod rehang;
mod solve;
#[cfg(test)]
mod tests;

pub use network::{FlowError, FlowNetwork, FlowSolution, FlowStatus, STOP_EVERY, UNBOUNDED};
