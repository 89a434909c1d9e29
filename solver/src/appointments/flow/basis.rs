//! The simplex's working state: the basis as a spanning tree (parent, tree arc,
//! preorder thread, subtree sizes and last nodes) with flows and potentials, its
//! artificial start, the crash, and its rebuild from the parents.

use super::network::{FlowNetwork, UNBOUNDED};

/// Pricing blocks hold about BLOCK_FACTOR·√m arcs, at least MIN_BLOCK.
const BLOCK_FACTOR: f64 = 0.03;
const MIN_BLOCK: usize = 10;

pub(super) const LOWER: i8 = 1;
pub(super) const TREE: i8 = 0;
pub(super) const UPPER: i8 = -1;
pub(super) const NONE: u32 = u32::MAX;

/// The working state: real arcs 0..m, then the artificial arc of node v at m + v; the
/// root is node n.
pub(super) struct Simplex {
    pub(super) m: usize,
    pub(super) tail: Vec<u32>,
    pub(super) head: Vec<u32>,
    pub(super) cap: Vec<i64>,
    pub(super) cost: Vec<i64>,
    pub(super) flow: Vec<i64>,
    /// LOWER, TREE or UPPER: the sign that makes a violation negative.
    pub(super) state: Vec<i8>,
    /// Duals: tree arcs have cost − y[tail] + y[head] = 0.
    pub(super) y: Vec<i64>,
    pub(super) parent: Vec<u32>,
    /// The tree arc to the parent.
    pub(super) pred: Vec<u32>,
    /// Whether `pred` points from the node to its parent.
    pub(super) up: Vec<bool>,
    /// Preorder successor (cyclic, through the root) and predecessor.
    pub(super) thread: Vec<u32>,
    pub(super) rev_thread: Vec<u32>,
    /// Size of each node's subtree, and its last node in preorder: the subtree is the
    /// run of the thread from the node to `last`.
    pub(super) size: Vec<u32>,
    pub(super) last: Vec<u32>,
    pub(super) block: usize,
    pub(super) next_arc: usize,
    pub(super) pivots: u64,
    /// Scratch: the path being reversed, and the runs of the thread that make up the
    /// moved subtree in its new preorder.
    pub(super) path: Vec<u32>,
    pub(super) runs: Vec<(u32, u32)>,
}

impl Simplex {
    pub(super) fn new(network: &FlowNetwork, big_m: i64) -> Self {
        let mut simplex = Self::artificial_start(network, big_m);
        simplex.crash(&network.supply);
        simplex.rebuild();
        simplex
    }

    /// Every node hangs below the root by its artificial arc, which carries its supply
    /// or demand; every real arc is at its lower bound.
    fn artificial_start(network: &FlowNetwork, big_m: i64) -> Self {
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
        let block = ((m as f64).sqrt() * BLOCK_FACTOR) as usize;
        Simplex {
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
        }
    }

    /// Crash: a supply node u and a demand node d joined by an arc of unbounded
    /// capacity (each at most once, in arc order) trade directly: the smaller side
    /// hangs below the other by that arc, carrying all its supply or demand, and its
    /// artificial arc leaves the tree. A demand node left with nothing to receive
    /// keeps an artificial arc to the root at cost 0 instead of M (zero flow must
    /// point to the root). For the appointment network this puts the source's whole
    /// supply on the free bypass to the sink: a feasible start.
    fn crash(&mut self, supply: &[i64]) {
        let n = supply.len();
        let m = self.m;
        let root = n as u32;
        let mut used = vec![false; n];
        let mut left: Vec<i64> = supply.to_vec();
        for a in 0..m {
            let (u, d) = (self.tail[a] as usize, self.head[a] as usize);
            if self.cap[a] != UNBOUNDED || used[u] || used[d] || left[u] <= 0 || left[d] >= 0 {
                continue;
            }
            used[u] = true;
            used[d] = true;
            if left[u] <= -left[d] {
                let q = left[u];
                self.flow[a] = q;
                self.state[a] = TREE;
                self.flow[m + u] = 0;
                self.state[m + u] = LOWER;
                self.parent[u] = d as u32;
                self.pred[u] = a as u32;
                self.up[u] = true;
                left[d] += q;
                self.flow[m + d] = -left[d];
                if left[d] == 0 {
                    self.tail[m + d] = d as u32;
                    self.head[m + d] = root;
                    self.cost[m + d] = 0;
                    self.up[d] = true;
                }
            } else {
                let q = -left[d];
                self.flow[a] = q;
                self.state[a] = TREE;
                self.flow[m + d] = 0;
                self.state[m + d] = LOWER;
                self.parent[d] = u as u32;
                self.pred[d] = a as u32;
                self.up[d] = false;
                left[u] -= q;
                self.flow[m + u] = left[u];
            }
        }
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

    /// Residual capacity of arc `a` in its own direction.
    pub(super) fn room(&self, a: usize) -> i64 {
        if self.cap[a] == UNBOUNDED {
            UNBOUNDED
        } else {
            self.cap[a] - self.flow[a]
        }
    }
}
