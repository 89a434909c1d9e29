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

/// The capacity of an arc without an upper bound.
pub const UNBOUNDED: i64 = i64::MAX;

/// `stop` is consulted once per this many pivots.
pub const STOP_EVERY: u64 = 1024;

/// Pricing blocks hold about BLOCK_FACTOR·√m arcs, at least MIN_BLOCK.
const BLOCK_FACTOR: f64 = 0.03;
const MIN_BLOCK: usize = 10;

/// A min-cost flow network.
#[derive(Clone, Debug, Default)]
pub struct FlowNetwork {
    supply: Vec<i64>,
    tail: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
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

    /// Solves the network; `stop` is asked every [`STOP_EVERY`] pivots whether to give up.
    pub fn solve(&self, stop: impl FnMut() -> bool) -> Result<FlowSolution, FlowError> {
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
}

const LOWER: i8 = 1;
const TREE: i8 = 0;
const UPPER: i8 = -1;
const NONE: u32 = u32::MAX;

/// The working state: real arcs 0..m, then the artificial arc of node v at m + v; the
/// root is node n.
struct Simplex {
    m: usize,
    tail: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    /// LOWER, TREE or UPPER: the sign that makes a violation negative.
    state: Vec<i8>,
    /// Duals: tree arcs have cost − y[tail] + y[head] = 0.
    y: Vec<i64>,
    parent: Vec<u32>,
    /// The tree arc to the parent.
    pred: Vec<u32>,
    /// Whether `pred` points from the node to its parent.
    up: Vec<bool>,
    /// Preorder successor (cyclic, through the root) and predecessor.
    thread: Vec<u32>,
    rev_thread: Vec<u32>,
    /// Size of each node's subtree, and its last node in preorder: the subtree is the
    /// run of the thread from the node to `last`.
    size: Vec<u32>,
    last: Vec<u32>,
    block: usize,
    next_arc: usize,
    pivots: u64,
    /// Scratch: the path being reversed, and the runs of the thread that make up the
    /// moved subtree in its new preorder.
    path: Vec<u32>,
    runs: Vec<(u32, u32)>,
}

impl Simplex {
    fn new(network: &FlowNetwork, big_m: i64) -> Self {
        let n = network.supply.len();
        let m = network.tail.len();
        let root = n as u32;
        let mut tail = network.tail.clone();
        let mut head = network.head.clone();
        let mut cap = network.cap.clone();
        let mut cost = network.cost.clone();
        let mut flow = vec![0i64; m + n];
        let mut state = vec![LOWER; m];
        state.resize(m + n, TREE);
        let mut up = vec![false; n + 1];
        tail.reserve(n);
        head.reserve(n);
        cap.reserve(n);
        cost.reserve(n);
        for (v, &b) in network.supply.iter().enumerate() {
            cap.push(UNBOUNDED);
            if b >= 0 {
                tail.push(v as u32);
                head.push(root);
                cost.push(0);
                flow[m + v] = b;
                up[v] = true;
            } else {
                tail.push(root);
                head.push(v as u32);
                cost.push(big_m);
                flow[m + v] = -b;
            }
        }
        let mut parent = vec![root; n + 1];
        parent[n] = NONE;
        let mut pred: Vec<u32> = (0..n as u32).map(|v| m as u32 + v).collect();
        pred.push(NONE);

        // Crash: a supply node u and a demand node d joined by an arc of unbounded
        // capacity (each at most once, in arc order) trade directly: the smaller side
        // hangs below the other by that arc, carrying all its supply or demand, and its
        // artificial arc leaves the tree. A demand node left with nothing to receive
        // keeps an artificial arc to the root at cost 0 instead of M (zero flow must
        // point to the root). For the appointment network this puts the source's whole
        // supply on the free bypass to the sink: a feasible start.
        let mut used = vec![false; n];
        let mut left: Vec<i64> = network.supply.clone();
        for a in 0..m {
            let (u, d) = (tail[a] as usize, head[a] as usize);
            if cap[a] != UNBOUNDED || used[u] || used[d] || left[u] <= 0 || left[d] >= 0 {
                continue;
            }
            used[u] = true;
            used[d] = true;
            if left[u] <= -left[d] {
                let q = left[u];
                flow[a] = q;
                state[a] = TREE;
                flow[m + u] = 0;
                state[m + u] = LOWER;
                parent[u] = d as u32;
                pred[u] = a as u32;
                up[u] = true;
                left[d] += q;
                flow[m + d] = -left[d];
                if left[d] == 0 {
                    tail[m + d] = d as u32;
                    head[m + d] = root;
                    cost[m + d] = 0;
                    up[d] = true;
                }
            } else {
                let q = -left[d];
                flow[a] = q;
                state[a] = TREE;
                flow[m + d] = 0;
                state[m + d] = LOWER;
                parent[d] = u as u32;
                pred[d] = a as u32;
                up[d] = false;
                left[u] -= q;
                flow[m + u] = left[u];
            }
        }

        let block = ((m as f64).sqrt() * BLOCK_FACTOR) as usize;
        let mut simplex = Simplex {
            m,
            tail,
            head,
            cap,
            cost,
            flow,
            state,
            y: vec![0; n + 1],
            parent,
            pred,
            up,
            thread: vec![root; n + 1],
            rev_thread: vec![root; n + 1],
            size: vec![1; n + 1],
            last: vec![root; n + 1],
            block: block.clamp(MIN_BLOCK.min(m.max(1)), m.max(1)),
            next_arc: 0,
            pivots: 0,
            path: Vec::new(),
            runs: Vec::new(),
        };
        simplex.rebuild();
        simplex
    }

    /// Thread, sizes, last nodes and potentials from the parents and tree arcs: a
    /// depth-first walk from the root, children in node order.
    fn rebuild(&mut self) {
        let n = self.parent.len() - 1;
        let root = n as u32;
        let mut first_child = vec![NONE; n + 1];
        let mut next_sibling = vec![NONE; n + 1];
        // Children lists in descending order, so that pushing them in list order pops
        // the smallest first.
        for (v, &p) in self.parent[..n].iter().enumerate() {
            next_sibling[v] = first_child[p as usize];
            first_child[p as usize] = v as u32;
        }
        self.y[n] = 0;
        let mut previous = root;
        let mut stack: Vec<u32> = vec![root];
        // Preorder: each node is threaded when first reached; its potential follows
        // from its parent's through its tree arc.
        let mut order: Vec<u32> = Vec::with_capacity(n + 1);
        while let Some(v) = stack.pop() {
            let vi = v as usize;
            if v != root {
                let a = self.pred[vi] as usize;
                let p = self.parent[vi] as usize;
                self.y[vi] = if self.up[vi] {
                    self.cost[a] + self.y[p]
                } else {
                    self.y[p] - self.cost[a]
                };
                self.thread[previous as usize] = v;
                self.rev_thread[vi] = previous;
                previous = v;
            }
            order.push(v);
            let mut c = first_child[vi];
            while c != NONE {
                stack.push(c);
                c = next_sibling[c as usize];
            }
        }
        self.thread[previous as usize] = root;
        self.rev_thread[n] = previous;
        // Sizes and last nodes bottom-up: in reverse preorder every child comes before
        // its parent.
        for v in 0..=n {
            self.size[v] = 1;
            self.last[v] = v as u32;
        }
        for &v in order.iter().rev() {
            let vi = v as usize;
            if v == root {
                continue;
            }
            let p = self.parent[vi] as usize;
            self.size[p] += self.size[vi];
            // The last child in preorder gives the parent's last node; children are
            // seen here last-first, so the first seen wins.
            if self.last[p] == p as u32 {
                self.last[p] = self.last[vi];
            }
        }
    }

    fn run(&mut self, mut stop: impl FnMut() -> bool) -> FlowStatus {
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
    fn find_entering(&mut self) -> Option<usize> {
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

    /// Residual capacity of arc `a` in its own direction.
    fn room(&self, a: usize) -> i64 {
        if self.cap[a] == UNBOUNDED {
            UNBOUNDED
        } else {
            self.cap[a] - self.flow[a]
        }
    }

    /// One pivot on `entering`; false if the cycle has unbounded capacity.
    fn pivot(&mut self, entering: usize) -> bool {
        let e = entering;
        let increase = self.state[e] == LOWER;
        // Flow goes first → second on the entering arc, then second → apex → first.
        let (first, second) = if increase {
            (self.tail[e], self.head[e])
        } else {
            (self.head[e], self.tail[e])
        };
        let apex = self.apex(first, second);

        // Cunningham: the last blocking arc from the apex in the cycle's direction. The
        // cycle runs apex → … → first, the entering arc, second → … → apex.
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
        if delta == UNBOUNDED {
            return false;
        }

        if delta > 0 {
            self.flow[e] += if increase { delta } else { -delta };
            let mut u = first;
            while u != apex {
                let a = self.pred[u as usize] as usize;
                self.flow[a] += if self.up[u as usize] { -delta } else { delta };
                u = self.parent[u as usize];
            }
            let mut u = second;
            while u != apex {
                let a = self.pred[u as usize] as usize;
                self.flow[a] += if self.up[u as usize] { delta } else { -delta };
                u = self.parent[u as usize];
            }
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
                self.rehang(e, u_in, v_in, u_out, apex);
            }
        }
        true
    }

    /// The deepest common ancestor of a and b.
    fn apex(&self, mut a: u32, mut b: u32) -> u32 {
        while a != b {
            // An ancestor's subtree is larger than its descendants'.
            if self.size[a as usize] < self.size[b as usize] {
                a = self.parent[a as usize];
            } else {
                b = self.parent[b as usize];
            }
        }
        a
    }

    /// The leaving arc was u_out's arc to its parent: cuts u_out's subtree S off,
    /// re-roots it at u_in (a descendant of u_out, or u_out itself) and hangs it below
    /// v_in by the entering arc e, as v_in's first child.
    fn rehang(&mut self, e: usize, u_in: u32, v_in: u32, u_out: u32, apex: u32) {
        // The path u_in = x0, x1, …, xk = u_out.
        self.path.clear();
        let mut x = u_in;
        self.path.push(x);
        while x != u_out {
            x = self.parent[x as usize];
            self.path.push(x);
        }
        let moved = self.size[u_out as usize];
        let last_s = self.last[u_out as usize];
        let before = self.rev_thread[u_out as usize];
        let after = self.thread[last_s as usize];
        let old_parent = self.parent[u_out as usize];

        // S's new preorder: x0's old subtree, then x1's old subtree without x0's, …, then
        // xk's without x(k−1)'s. x_i's part is two runs of the old thread: from x_i to
        // just before x(i−1), and from just after x(i−1)'s subtree to x_i's last node
        // (empty when both subtrees end at the same node).
        self.runs.clear();
        self.runs.push((u_in, self.last[u_in as usize]));
        for i in 1..self.path.len() {
            let (x, below) = (self.path[i] as usize, self.path[i - 1] as usize);
            self.runs.push((x as u32, self.rev_thread[below]));
            if self.last[below] != self.last[x] {
                self.runs
                    .push((self.thread[self.last[below] as usize], self.last[x]));
            }
        }
        let new_last = self.runs.last().expect("at least one run").1;
        for i in 1..self.runs.len() {
            let (end, start) = (self.runs[i - 1].1, self.runs[i].0);
            self.thread[end as usize] = start;
            self.rev_thread[start as usize] = end;
        }

        // Out of the thread after `before`, into it after v_in.
        self.thread[before as usize] = after;
        self.rev_thread[after as usize] = before;
        let next = self.thread[v_in as usize];
        self.thread[v_in as usize] = u_in;
        self.rev_thread[u_in as usize] = v_in;
        self.thread[new_last as usize] = next;
        self.rev_thread[next as usize] = new_last;

        // Ancestors whose subtree ended with S now end just before it; those whose
        // subtree ended at v_in now end with S.
        let mut a = old_parent;
        while a != NONE && self.last[a as usize] == last_s {
            self.last[a as usize] = before;
            a = self.parent[a as usize];
        }
        let mut a = v_in;
        while a != NONE && self.last[a as usize] == v_in {
            self.last[a as usize] = new_last;
            a = self.parent[a as usize];
        }
        // Sizes change below the apex only: the old ancestors lose S, the new gain it.
        let mut a = old_parent;
        while a != apex {
            self.size[a as usize] -= moved;
            a = self.parent[a as usize];
        }
        let mut a = v_in;
        while a != apex {
            self.size[a as usize] += moved;
            a = self.parent[a as usize];
        }

        // Reverse the path: x(i+1) hangs below x(i) by x(i)'s old arc; every path
        // node's subtree now ends with S's new last node.
        for i in (1..self.path.len()).rev() {
            let (child, below) = (self.path[i] as usize, self.path[i - 1] as usize);
            self.parent[child] = below as u32;
            self.pred[child] = self.pred[below];
            self.up[child] = !self.up[below];
            self.size[child] = moved - self.size[below];
            self.last[child] = new_last;
        }
        let x0 = u_in as usize;
        self.parent[x0] = v_in;
        self.pred[x0] = e as u32;
        self.up[x0] = self.tail[e] == u_in;
        self.size[x0] = moved;
        self.last[x0] = new_last;

        // Potentials of S shift so that e's reduced cost becomes zero. Only differences
        // matter, so when S is the larger part of the tree the rest (a run of the
        // thread too, from after S round to v_in, root included) shifts the other way.
        let rc = self.cost[e] - self.y[self.tail[e] as usize] + self.y[self.head[e] as usize];
        let shift = if self.tail[e] == u_in { rc } else { -rc };
        let nodes = self.parent.len() as u32;
        let (mut v, count, shift) = if 2 * moved <= nodes {
            (u_in, moved, shift)
        } else {
            (next, nodes - moved, -shift)
        };
        let (y, thread) = (&mut self.y[..], &self.thread[..]);
        for _ in 0..count {
            y[v as usize] += shift;
            v = thread[v as usize];
        }
        // Keep the root near zero so potentials never drift towards overflow.
        let drift = self.y[nodes as usize - 1];
        if drift.unsigned_abs() > 1 << 60 {
            for y in &mut self.y {
                *y -= drift;
            }
        }
    }
}

#[cfg(test)]
impl Simplex {
    /// Panics unless the basis is a strongly feasible spanning tree with a consistent
    /// thread, sizes and last nodes, orientation, zero reduced costs and balanced flows.
    fn check_tree(&self, supply: &[i64]) {
        let n = self.parent.len() - 1;
        let root = n as u32;
        // Preorder from the thread: a node's parent must be open on the stack; a node
        // closes when the thread leaves its subtree, and then its size and last node
        // must match what was seen.
        let mut stack: Vec<(u32, u32)> = vec![(root, 0)];
        let mut seen = vec![false; n + 1];
        let mut position = 0u32;
        let mut previous = root;
        let close = |stack: &mut Vec<(u32, u32)>, position: u32, previous: u32| {
            let (v, start) = stack.pop().expect("open node");
            assert_eq!(self.size[v as usize], position - start, "size of {v}");
            assert_eq!(self.last[v as usize], previous, "last of {v}");
        };
        let mut v = self.thread[n];
        let mut visited = 1;
        while v != root {
            assert!(!seen[v as usize], "thread revisits {v}");
            seen[v as usize] = true;
            visited += 1;
            position += 1;
            assert_eq!(self.rev_thread[self.thread[v as usize] as usize], v);
            let p = self.parent[v as usize];
            while stack.last().expect("parent on the stack").0 != p {
                close(&mut stack, position, previous);
            }
            stack.push((v, position));
            previous = v;
            let vi = v as usize;
            let a = self.pred[vi] as usize;
            assert_eq!(self.state[a], TREE);
            let (t, h) = (self.tail[a], self.head[a]);
            if self.up[vi] {
                assert_eq!((t, h), (v, p));
            } else {
                assert_eq!((t, h), (p, v));
            }
            let rc = self.cost[a] - self.y[t as usize] + self.y[h as usize];
            assert_eq!(rc, 0, "tree arc {a}");
            let toward_root = if self.up[vi] {
                self.room(a)
            } else {
                self.flow[a]
            };
            assert!(toward_root > 0, "not strongly feasible at {v}");
            v = self.thread[vi];
        }
        position += 1;
        while !stack.is_empty() {
            close(&mut stack, position, previous);
        }
        assert_eq!(visited, n + 1);
        assert_eq!(self.state.iter().filter(|&&s| s == TREE).count(), n);
        let mut balance = vec![0i64; n + 1];
        for a in 0..self.tail.len() {
            let f = self.flow[a];
            assert!(f >= 0 && (self.cap[a] == UNBOUNDED || f <= self.cap[a]));
            if self.state[a] == LOWER {
                assert_eq!(f, 0);
            }
            if self.state[a] == UPPER {
                assert_eq!(f, self.cap[a]);
            }
            balance[self.tail[a] as usize] += f;
            balance[self.head[a] as usize] -= f;
        }
        assert_eq!(&balance[..n], supply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highs::{ColProblem, HighsModelStatus, Sense};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The same network as an LP through HiGHS: its status and optimal cost.
    fn highs_optimum(net: &FlowNetwork) -> (HighsModelStatus, f64) {
        if net.arc_count() == 0 {
            // HiGHS calls a model without columns empty.
            return if net.supply.iter().all(|&b| b == 0) {
                (HighsModelStatus::Optimal, 0.0)
            } else {
                (HighsModelStatus::Infeasible, 0.0)
            };
        }
        let mut problem = ColProblem::default();
        let rows: Vec<_> = net
            .supply
            .iter()
            .map(|&b| problem.add_row(b as f64..=b as f64))
            .collect();
        for a in 0..net.arc_count() {
            let (t, h) = (net.tail[a] as usize, net.head[a] as usize);
            let upper = if net.cap[a] == UNBOUNDED {
                f64::INFINITY
            } else {
                net.cap[a] as f64
            };
            let factors: Vec<_> = if t == h {
                Vec::new()
            } else {
                vec![(rows[t], 1.0), (rows[h], -1.0)]
            };
            problem.add_column(net.cost[a] as f64, 0.0..=upper, factors);
        }
        let mut model = problem.optimise(Sense::Minimise);
        model.set_option("output_flag", false);
        model.set_option("threads", 1);
        model.set_option("presolve", "off");
        let solved = model.solve();
        let status = solved.status();
        let value = if status == HighsModelStatus::Optimal {
            let s = solved.get_solution();
            s.columns()
                .iter()
                .zip(&net.cost)
                .map(|(&x, &c)| x * c as f64)
                .sum()
        } else {
            0.0
        };
        (status, value)
    }

    /// Conservation, capacities, the reported cost and complementary slackness.
    fn certify(net: &FlowNetwork, sol: &FlowSolution) {
        let n = net.node_count();
        let mut balance = vec![0i64; n];
        let mut cost = 0i128;
        for a in 0..net.arc_count() {
            let f = sol.flow[a];
            assert!(f >= 0, "arc {a}: negative flow");
            assert!(
                net.cap[a] == UNBOUNDED || f <= net.cap[a],
                "arc {a}: over capacity"
            );
            let (t, h) = (net.tail[a] as usize, net.head[a] as usize);
            balance[t] += f;
            balance[h] -= f;
            cost += i128::from(f) * i128::from(net.cost[a]);
            let rc = net.cost[a] - sol.potential[t] + sol.potential[h];
            if net.cap[a] == UNBOUNDED || f < net.cap[a] {
                assert!(rc >= 0, "arc {a}: reduced cost {rc} < 0 below capacity");
            }
            if f > 0 {
                assert!(rc <= 0, "arc {a}: reduced cost {rc} > 0 with flow");
            }
        }
        assert_eq!(balance, net.supply, "conservation");
        assert_eq!(cost, sol.cost);
    }

    fn random_network(rng: &mut ChaCha8Rng) -> FlowNetwork {
        let n = rng.random_range(1..=9usize);
        let mut net = FlowNetwork::new();
        let mut supply = vec![0i64; n];
        // Supplies that sum to zero: move random amounts between random nodes.
        for _ in 0..rng.random_range(0..=4) {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            let q = rng.random_range(1..=6);
            supply[a] += q;
            supply[b] -= q;
        }
        for &b in &supply {
            net.add_node(b);
        }
        let arcs = rng.random_range(0..=3 * n);
        for _ in 0..arcs {
            let t = rng.random_range(0..n) as u32;
            let h = rng.random_range(0..n) as u32;
            let unbounded = rng.random_bool(0.25);
            // Unbounded arcs never have a negative cost, so no cycle is unbounded.
            let cost = if unbounded {
                rng.random_range(0..=9)
            } else {
                rng.random_range(-9..=9)
            };
            let cap = if unbounded {
                UNBOUNDED
            } else {
                rng.random_range(0..=7)
            };
            net.add_arc(t, h, cap, cost);
        }
        net
    }

    #[test]
    fn equals_highs_on_random_networks() {
        let mut rng = ChaCha8Rng::seed_from_u64(20261125);
        let (mut optimal, mut infeasible) = (0, 0);
        for case in 0..3000 {
            let net = random_network(&mut rng);
            let sol = net.solve(|| false).expect("valid network");
            let (status, value) = highs_optimum(&net);
            match sol.status {
                FlowStatus::Optimal => {
                    optimal += 1;
                    assert_eq!(status, HighsModelStatus::Optimal, "case {case}: {net:?}");
                    assert_eq!(sol.cost as f64, value.round(), "case {case}: {net:?}");
                    certify(&net, &sol);
                }
                FlowStatus::Infeasible => {
                    infeasible += 1;
                    assert_eq!(status, HighsModelStatus::Infeasible, "case {case}: {net:?}");
                }
                other => panic!("case {case}: {other:?}"),
            }
        }
        assert!(optimal > 1000 && infeasible > 100, "{optimal} {infeasible}");
    }

    /// Larger layered networks shaped like the appointment network: a source, classes,
    /// chains, slot groups and a sink, with a free bypass.
    #[test]
    fn equals_highs_on_layered_networks() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..60 {
            let classes = rng.random_range(1..=40u32);
            let chain = rng.random_range(1..=12u32);
            let slots = rng.random_range(1..=30u32);
            let mut net = FlowNetwork::new();
            let source = net.add_node(0);
            let sink = net.add_node(0);
            let first_class = net.node_count() as u32;
            let mut total = 0;
            for _ in 0..classes {
                net.add_node(0);
            }
            let first_chain = net.node_count() as u32;
            for _ in 0..chain {
                net.add_node(0);
            }
            let first_slot = net.node_count() as u32;
            for _ in 0..slots {
                net.add_node(0);
            }
            for k in 0..classes {
                let n = rng.random_range(1..=20);
                total += n;
                net.add_arc(source, first_class + k, n, 0);
                for _ in 0..rng.random_range(1..=4) {
                    let v = first_chain + rng.random_range(0..chain);
                    net.add_arc(first_class + k, v, UNBOUNDED, rng.random_range(-300..=50));
                }
                if rng.random_bool(0.3) {
                    let h = first_slot + rng.random_range(0..slots);
                    net.add_arc(first_class + k, h, UNBOUNDED, rng.random_range(-300..=50));
                }
            }
            for v in 0..chain.saturating_sub(1) {
                net.add_arc(
                    first_chain + v,
                    first_chain + v + 1,
                    UNBOUNDED,
                    rng.random_range(1..=40),
                );
            }
            for h in 0..slots {
                let v = first_chain + rng.random_range(0..chain);
                net.add_arc(v, first_slot + h, UNBOUNDED, 0);
                net.add_arc(first_slot + h, sink, rng.random_range(0..=15), 0);
            }
            net.add_arc(source, sink, total, 0);
            net.supply[source as usize] = total;
            net.supply[sink as usize] = -total;
            let sol = net.solve(|| false).expect("valid network");
            assert_eq!(sol.status, FlowStatus::Optimal, "case {case}");
            certify(&net, &sol);
            let (status, value) = highs_optimum(&net);
            assert_eq!(status, HighsModelStatus::Optimal);
            assert_eq!(sol.cost as f64, value.round(), "case {case}");
        }
    }

    /// Every assignment of a tiny transportation problem, against the solver.
    #[test]
    fn equals_brute_force_on_tiny_assignments() {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        for case in 0..300 {
            let rows = rng.random_range(1..=4usize);
            let cols = rng.random_range(1..=4usize);
            let cost: Vec<Vec<Option<i64>>> = (0..rows)
                .map(|_| {
                    (0..cols)
                        .map(|_| rng.random_bool(0.7).then(|| rng.random_range(-20..=5)))
                        .collect()
                })
                .collect();
            // Each row takes at most one column, each column at most one row; unassigned
            // costs nothing.
            let mut net = FlowNetwork::new();
            let source = net.add_node(rows as i64);
            let sink = net.add_node(-(rows as i64));
            let r0 = net.node_count() as u32;
            for _ in 0..rows {
                net.add_node(0);
            }
            let c0 = net.node_count() as u32;
            for _ in 0..cols {
                net.add_node(0);
            }
            for (i, row) in cost.iter().enumerate() {
                net.add_arc(source, r0 + i as u32, 1, 0);
                for (j, c) in row.iter().enumerate() {
                    if let Some(c) = c {
                        net.add_arc(r0 + i as u32, c0 + j as u32, UNBOUNDED, *c);
                    }
                }
            }
            for j in 0..cols {
                net.add_arc(c0 + j as u32, sink, 1, 0);
            }
            net.add_arc(source, sink, UNBOUNDED, 0);
            let sol = net.solve(|| false).expect("valid");
            assert_eq!(sol.status, FlowStatus::Optimal);
            certify(&net, &sol);
            // Brute force: each row picks a column or none.
            fn best(cost: &[Vec<Option<i64>>], i: usize, used: &mut Vec<bool>) -> i64 {
                if i == cost.len() {
                    return 0;
                }
                let mut b = best(cost, i + 1, used);
                for j in 0..used.len() {
                    if let (false, Some(c)) = (used[j], cost[i][j]) {
                        used[j] = true;
                        b = b.min(c + best(cost, i + 1, used));
                        used[j] = false;
                    }
                }
                b
            }
            let brute = best(&cost, 0, &mut vec![false; cols]);
            assert_eq!(sol.cost, i128::from(brute), "case {case}: {cost:?}");
        }
    }

    #[test]
    fn every_basis_is_a_strongly_feasible_tree() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..400 {
            let net = random_network(&mut rng);
            let mut simplex = Simplex::new(&net, 10_000);
            simplex.check_tree(&net.supply);
            while let Some(e) = simplex.find_entering() {
                assert!(simplex.pivot(e));
                simplex.check_tree(&net.supply);
            }
        }
    }

    #[test]
    fn a_negative_cycle_without_capacity_is_unbounded() {
        let mut net = FlowNetwork::new();
        let a = net.add_node(0);
        let b = net.add_node(0);
        net.add_arc(a, b, UNBOUNDED, -1);
        net.add_arc(b, a, UNBOUNDED, 0);
        assert_eq!(net.solve(|| false).unwrap().status, FlowStatus::Unbounded);
    }

    #[test]
    fn stop_interrupts_and_bad_networks_are_refused() {
        let mut net = FlowNetwork::new();
        let a = net.add_node(3);
        let b = net.add_node(-3);
        net.add_arc(a, b, UNBOUNDED, 2);
        assert_eq!(net.solve(|| true).unwrap().status, FlowStatus::Interrupted);
        let sol = net.solve(|| false).unwrap();
        assert_eq!((sol.status, sol.cost), (FlowStatus::Optimal, 6));
        let mut bad = net.clone();
        bad.add_node(1);
        assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::Unbalanced(1));
        let mut bad = net.clone();
        bad.add_arc(a, 7, 1, 0);
        assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::NoSuchNode);
        let mut bad = net.clone();
        bad.add_arc(a, b, -1, 0);
        assert_eq!(
            bad.solve(|| false).unwrap_err(),
            FlowError::NegativeCapacity
        );
        let mut bad = net.clone();
        bad.add_arc(a, b, 1, i64::MAX / 2);
        assert_eq!(bad.solve(|| false).unwrap_err(), FlowError::TooLarge);
        let empty = FlowNetwork::new().solve(|| false).unwrap();
        assert_eq!(empty.status, FlowStatus::Optimal);
    }

    #[test]
    fn the_same_network_gives_the_same_solution() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..50 {
            let net = random_network(&mut rng);
            let a = net.solve(|| false).unwrap();
            let b = net.solve(|| false).unwrap();
            assert_eq!(
                (a.flow, a.potential, a.pivots),
                (b.flow, b.potential, b.pivots)
            );
        }
    }
}
