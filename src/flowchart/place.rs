//! Step 5: x-coordinates. In: the order of each rank, the items' extents and
//! the weighted arcs. Out: each item's centre x.
//!
//! Minimises the sum over arcs of `weight * (x_a - x_b)²` subject to the
//! order and minimum gaps within each rank, by block coordinate descent: each
//! rank in turn is solved exactly with the other ranks fixed. With the others
//! fixed the problem for one rank is "put items in this order, at least these
//! gaps apart, as close as possible (least squares) to their neighbours' mean",
//! which is isotonic regression once the gaps are subtracted out, solved in
//! linear time by pooling adjacent violators. Each pass is O(V + E).
//!
//! Arcs between two virtual items weigh most, so long edges run straight.
//! The passes start from a tidy tree (each rank placed under the rank below
//! only, bottom up), which the least-squares passes converge from quickly; the
//! last third of the passes reweighs arcs towards the sum of |lengths| (as
//! dot does), which straightens chains that least squares would bend a little
//! at every step. Back edges weigh almost nothing, so loops do not pull the
//! tree out of shape.

use super::rank::Csr;

/// Pull towards an item's current x, so an item without neighbours stays put
/// and every block has positive weight.
const ANCHOR: f64 = 1e-3;

/// Smoothing of the 1 / |length| weights of the last passes, in px.
const L1_DELTA: f64 = 1.0;

/// Inputs of [`place`].
pub(super) struct Items<'a> {
    /// Per item: room needed left of its centre.
    pub(super) left: &'a [f64],
    /// Per item: room needed right of its centre.
    pub(super) right: &'a [f64],
    /// Per item: a node (true) or a bend of an edge (false).
    pub(super) real: &'a [bool],
}

/// Minimum distance between the centres of adjacent items `a` (left) and `b`.
fn gap(items: &Items<'_>, a: usize, b: usize) -> f64 {
    let sep = if items.real[a] && items.real[b] {
        super::NODE_SEP
    } else {
        super::EDGE_SEP
    };
    items.right[a] + sep + items.left[b]
}

/// Centre x of every item (the left edge of the widest rank is at 0; callers
/// shift as they like).
pub(super) fn place(
    layers: &[Vec<usize>],
    up: &Csr,
    down: &Csr,
    items: &Items<'_>,
    passes: usize,
) -> Vec<f64> {
    let mut x = vec![0.0; items.left.len()];
    // Start packed to the left.
    for layer in layers {
        let mut prev: Option<usize> = None;
        for &v in layer {
            x[v] = match prev {
                None => items.left[v],
                Some(p) => x[p] + gap(items, p, v),
            };
            prev = Some(v);
        }
    }
    // Each item's least distance from the first of its rank: fixed by the
    // order, so worked out once, not on each of the passes.
    let offsets: Vec<Vec<f64>> = layers
        .iter()
        .map(|layer| {
            let mut off = 0.0;
            let mut prev: Option<usize> = None;
            layer
                .iter()
                .map(|&v| {
                    if let Some(p) = prev {
                        off += gap(items, p, v);
                    }
                    prev = Some(v);
                    off
                })
                .collect()
        })
        .collect();
    let mut solver = Solver::default();
    // Start from a tidy tree: bottom to top, each rank placed against the rank
    // below only, so parents sit over their children and single-child chains
    // are straight before the slower global passes begin.
    let none = Csr::new(items.left.len(), std::iter::empty());
    for (layer, off) in layers.iter().zip(&offsets).rev() {
        solver.solve(layer, off, &mut x, &none, down);
    }
    for pass in 0..passes {
        solver.l1 = pass >= passes * 2 / 3;
        if pass % 2 == 0 {
            for (layer, off) in layers.iter().zip(&offsets).rev() {
                solver.solve(layer, off, &mut x, up, down);
            }
        } else {
            for (layer, off) in layers.iter().zip(&offsets) {
                solver.solve(layer, off, &mut x, up, down);
            }
        }
    }
    x
}

/// Scratch space reused across ranks.
#[derive(Default)]
struct Solver {
    /// Weigh each arc by 1 / (|length| + [`L1_DELTA`]) too (iteratively
    /// reweighted least squares), which approaches the sum of |lengths|: short
    /// arcs become straight instead of every arc of a path bending a little.
    l1: bool,
    /// Pooled blocks: (first index, total weight, weighted sum of targets).
    blocks: Vec<(usize, f64, f64)>,
}

impl Solver {
    /// Places rank `layer` (whose items lie at least `offset` from its first)
    /// against its neighbours in the other ranks.
    fn solve(&mut self, layer: &[usize], offset: &[f64], x: &mut [f64], up: &Csr, down: &Csr) {
        self.blocks.clear();
        for (i, (&v, &off)) in layer.iter().zip(offset).enumerate() {
            let xv = x[v];
            let mut w = ANCHOR;
            let mut s = ANCHOR * xv;
            // Arcs up, then down (the order of the sums is part of the result).
            for csr in [up, down] {
                let (nb, ws) = csr.arcs(v);
                if self.l1 {
                    for (&u, &wu) in nb.iter().zip(ws) {
                        let wu = wu / ((x[u] - xv).abs() + L1_DELTA);
                        w += wu;
                        s += wu * x[u];
                    }
                } else {
                    for (&u, &wu) in nb.iter().zip(ws) {
                        w += wu;
                        s += wu * x[u];
                    }
                }
            }
            // Target for y = x - offset, which must be non-decreasing.
            let mut block = (i, w, s - w * off);
            while let Some(&prev) = self.blocks.last() {
                if prev.2 / prev.1 > block.2 / block.1 {
                    self.blocks.pop();
                    block = (prev.0, prev.1 + block.1, prev.2 + block.2);
                } else {
                    break;
                }
            }
            self.blocks.push(block);
        }
        for (b, &(first, w, s)) in self.blocks.iter().enumerate() {
            let end = self.blocks.get(b + 1).map_or(layer.len(), |n| n.0);
            let y = s / w;
            for i in first..end {
                x[layer[i]] = y + offset[i];
            }
        }
    }
}
