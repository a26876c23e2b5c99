//! Steps 1–3 of the layout: cycle breaking, layering and the proper layered
//! graph. In: node count, edges, root. Out: [`Layered`], where every edge is a
//! chain of items one rank apart.
//!
//! Ranks interleave node layers and label rows: layer `l` is rank `2l`, and the
//! gap below it is rank `2l + 1`. Every edge therefore crosses at least one odd
//! rank, where it gets a virtual item; the virtual item next to the edge's
//! source carries the edge's label, so the ordering and placement steps keep
//! labels apart from each other exactly as they keep boxes apart.

use super::FlowEdge;

/// The graph after layering: real items `0..n` are the nodes, items `n..` are
/// virtual (one per edge per rank crossed).
pub(super) struct Layered {
    /// Per edge: reversed for layering (a loop back to an ancestor, or a self-loop).
    pub(super) back: Vec<bool>,
    /// Per node: its layer (0 = top).
    pub(super) layer: Vec<usize>,
    /// Number of ranks (`2 * layers - 1`).
    pub(super) ranks: usize,
    /// Per item: its rank.
    pub(super) item_rank: Vec<usize>,
    /// Per edge `e`: `chain[chain_start[e]..chain_start[e + 1]]` lists its items
    /// from the upper end to the lower end (empty for self-loops and invalid edges).
    pub(super) chain_start: Vec<usize>,
    /// Chains, concatenated.
    pub(super) chain: Vec<usize>,
}

impl Layered {
    /// The items of edge `e`, top to bottom.
    pub(super) fn chain(&self, e: usize) -> &[usize] {
        &self.chain[self.chain_start[e]..self.chain_start[e + 1]]
    }

    /// The virtual item that carries edge `e`'s label: the one next to its source.
    pub(super) fn label_item(&self, e: usize) -> Option<usize> {
        let c = self.chain(e);
        if c.len() < 3 {
            None
        } else if self.back[e] {
            Some(c[c.len() - 2])
        } else {
            Some(c[1])
        }
    }
}

/// Compressed adjacency: the neighbours of item `i` are
/// `nb[start[i]..start[i + 1]]`, each with the weight of its arc.
pub(super) struct Csr {
    start: Vec<usize>,
    nb: Vec<usize>,
    w: Vec<f64>,
}

impl Csr {
    /// Builds the adjacency of `items` items from `(item, neighbour, weight)`
    /// triples, keeping their order within each item (a stable counting sort).
    pub(super) fn new(
        items: usize,
        arcs: impl Iterator<Item = (usize, usize, f64)> + Clone,
    ) -> Csr {
        let mut start = vec![0usize; items + 1];
        for (a, _, _) in arcs.clone() {
            start[a + 1] += 1;
        }
        for i in 0..items {
            start[i + 1] += start[i];
        }
        let total = start[items];
        let mut fill = start.clone();
        let mut nb = vec![0; total];
        let mut w = vec![0.0; total];
        for (a, b, weight) in arcs {
            nb[fill[a]] = b;
            w[fill[a]] = weight;
            fill[a] += 1;
        }
        Csr { start, nb, w }
    }

    /// Neighbours of `i`.
    pub(super) fn of(&self, i: usize) -> &[usize] {
        &self.nb[self.start[i]..self.start[i + 1]]
    }

    /// Neighbours of `i` and their arc weights, as two slices of one length.
    #[inline]
    pub(super) fn arcs(&self, i: usize) -> (&[usize], &[f64]) {
        let r = self.start[i]..self.start[i + 1];
        (&self.nb[r.clone()], &self.w[r])
    }
}

/// True when the edge's endpoints are nodes (others are ignored, not drawn).
pub(super) fn valid(e: &FlowEdge, n: usize) -> bool {
    e.from < n && e.to < n
}

/// Breaks cycles, layers the nodes by longest path from the root, and builds
/// the chains of virtual items.
pub(super) fn layer(n: usize, edges: &[FlowEdge], root: usize) -> Layered {
    // Out-edges per node, in edge order.
    let out = Csr::new(
        n,
        edges
            .iter()
            .enumerate()
            .filter(|(_, e)| valid(e, n))
            .map(|(i, e)| (e.from, i, 0.0)),
    );

    // Step 1: a DFS from the root (then from any node it missed, in index order)
    // following edges in their order. An edge to a node still on the stack
    // closes a cycle: it is a back edge.
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let root_ok = (root < n).then_some(root);
    let starts = root_ok.into_iter().chain(0..n);
    for s in starts {
        if state[s] != 0 {
            continue;
        }
        state[s] = 1;
        stack.push((s, 0));
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            if let Some(&e) = out.of(v).get(k) {
                top.1 += 1;
                let w = edges[e].to;
                match state[w] {
                    // Nothing enters the root from above, even from a node the
                    // root does not reach: it stays on top.
                    _ if Some(w) == root_ok => back[e] = true,
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }

    // Step 2: longest path from the sources, back edges reversed (for a true
    // back edge that asks only what the DFS tree path already guarantees; for
    // an edge into the root from a page the root does not reach, it keeps the
    // root on top). Kahn's algorithm, so any topological order will do.
    let dag = Csr::new(
        n,
        edges
            .iter()
            .enumerate()
            .filter(|(_, e)| valid(e, n) && e.from != e.to)
            .map(|(i, e)| {
                if back[i] {
                    (e.to, e.from, 0.0)
                } else {
                    (e.from, e.to, 0.0)
                }
            }),
    );
    let mut indeg = vec![0usize; n];
    for v in 0..n {
        for &w in dag.of(v) {
            indeg[w] += 1;
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut layer = vec![0usize; n];
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        for &w in dag.of(v) {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push(w);
            }
        }
    }
    debug_assert_eq!(queue.len(), n, "the layering graph has a cycle");
    let layers = layer.iter().max().map_or(1, |m| m + 1);
    let ranks = 2 * layers - 1;

    // Step 3: chains. A back edge runs from its target (upper) to its source
    // (lower); every chain spans at least two ranks.
    let mut item_rank: Vec<usize> = layer.iter().map(|l| 2 * l).collect();
    let mut chain_start = Vec::with_capacity(edges.len() + 1);
    let mut chain = Vec::new();
    chain_start.push(0);
    for (i, e) in edges.iter().enumerate() {
        if valid(e, n) && e.from != e.to {
            let (top, bottom) = if back[i] {
                (e.to, e.from)
            } else {
                (e.from, e.to)
            };
            chain.push(top);
            for r in 2 * layer[top] + 1..2 * layer[bottom] {
                chain.push(item_rank.len());
                item_rank.push(r);
            }
            chain.push(bottom);
        } else if valid(e, n) {
            back[i] = true; // a self-loop
        }
        chain_start.push(chain.len());
    }
    Layered {
        back,
        layer,
        ranks,
        item_rank,
        chain_start,
        chain,
    }
}
