//! The tree update after a pivot: the cut-off subtree re-rooted, re-threaded and hung
//! below the entering arc's other end, with sizes, last nodes and potentials.

use super::basis::{NONE, Simplex};

impl Simplex {
    /// The deepest common ancestor of a and b.
    pub(super) fn apex(&self, mut a: u32, mut b: u32) -> u32 {
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
    pub(super) fn rehang(&mut self, e: usize, u_in: u32, v_in: u32, u_out: u32, apex: u32) {
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

        let new_last = self.rethread_moved_subtree(u_in);
        // Out of the thread after `before`, into it after v_in.
        self.thread[before as usize] = after;
        self.rev_thread[after as usize] = before;
        let next = self.thread[v_in as usize];
        self.thread[v_in as usize] = u_in;
        self.rev_thread[u_in as usize] = v_in;
        self.thread[new_last as usize] = next;
        self.rev_thread[next as usize] = new_last;

        self.fix_last_nodes(old_parent, last_s, before, v_in, new_last);
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
        self.reverse_path(e, v_in, moved, new_last);
        self.shift_potentials(e, u_in, next, moved);
    }

    /// Links S's new preorder inside the thread (the path is in `self.path`) and returns
    /// its last node. S's new preorder: x0's old subtree, then x1's old subtree without
    /// x0's, …, then xk's without x(k−1)'s. x_i's part is two runs of the old thread:
    /// from x_i to just before x(i−1), and from just after x(i−1)'s subtree to x_i's
    /// last node (empty when both subtrees end at the same node).
    fn rethread_moved_subtree(&mut self, u_in: u32) -> u32 {
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
        new_last
    }

    /// Ancestors whose subtree ended with S (last node `last_s`) now end just before it;
    /// those whose subtree ended at v_in now end with S.
    fn fix_last_nodes(
        &mut self,
        old_parent: u32,
        last_s: u32,
        before: u32,
        v_in: u32,
        new_last: u32,
    ) {
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
    }

    /// Reverses the path: x(i+1) hangs below x(i) by x(i)'s old arc, and x0 below v_in
    /// by e; every path node's subtree now ends with S's new last node.
    fn reverse_path(&mut self, e: usize, v_in: u32, moved: u32, new_last: u32) {
        for i in (1..self.path.len()).rev() {
            let (child, below) = (self.path[i] as usize, self.path[i - 1] as usize);
            self.parent[child] = below as u32;
            self.pred[child] = self.pred[below];
            self.up[child] = !self.up[below];
            self.size[child] = moved - self.size[below];
            self.last[child] = new_last;
        }
        let u_in = self.path[0];
        let x0 = u_in as usize;
        self.parent[x0] = v_in;
        self.pred[x0] = e as u32;
        self.up[x0] = self.tail[e] == u_in;
        self.size[x0] = moved;
        self.last[x0] = new_last;
    }

    /// Potentials of S shift so that e's reduced cost becomes zero. Only differences
    /// matter, so when S is the larger part of the tree the rest (a run of the thread
    /// too, from `next` after S round to v_in, root included) shifts the other way.
    fn shift_potentials(&mut self, e: usize, u_in: u32, next: u32, moved: u32) {
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
