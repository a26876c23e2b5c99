//! Step 4: the order of items within each rank. In: the layered graph's
//! adjacency. Out: per rank, its items left to right.
//!
//! The start is a depth-first preorder from the root, which already draws a
//! tree without crossings. Barycenter sweeps then untangle shared sub-trees;
//! the order with the fewest crossings seen is kept. Each sweep sorts every rank
//! once and each crossing count is O(E log V), so the whole step is
//! O((V + E) log V) per sweep.

use super::rank::Csr;

/// Sweeps (one down and one up each) at most; stops early after two sweeps
/// without improvement or at zero crossings. On the 200 charts of the
/// 10,000-page generated site, 8 sweeps leave 0.8% fewer crossings than 4.
const MAX_SWEEPS: usize = 4;

/// Orders the items of each rank. `down`/`up` are the neighbours one rank
/// below/above; `starts` are where the initial depth-first search begins.
pub(super) fn order(
    ranks: usize,
    item_rank: &[usize],
    down: &Csr,
    up: &Csr,
    starts: impl Iterator<Item = usize>,
) -> Vec<Vec<usize>> {
    let items = item_rank.len();
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    let mut seen = vec![false; items];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for s in starts.chain(0..items) {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        layers[item_rank[s]].push(s);
        stack.push((s, 0));
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            match down.of(v).get(k) {
                Some(&w) => {
                    top.1 += 1;
                    if !seen[w] {
                        seen[w] = true;
                        layers[item_rank[w]].push(w);
                        stack.push((w, 0));
                    }
                }
                None => {
                    stack.pop();
                }
            }
        }
    }

    let mut pos = vec![0usize; items];
    renumber(&layers, &mut pos);
    let mut best = crossings(&layers, &pos, down);
    let mut best_layers = layers.clone();
    let mut stalled = 0;
    let mut keyed = Vec::new();
    for _ in 0..MAX_SWEEPS {
        if best == 0 || stalled >= 2 {
            break;
        }
        let before = best;
        for r in 1..ranks {
            let (above, rest) = layers.split_at_mut(r);
            sort_rank(&mut rest[0], &above[r - 1], &mut pos, up, &mut keyed);
        }
        let c = crossings(&layers, &pos, down);
        if c < best {
            best = c;
            best_layers.clone_from(&layers);
        }
        for r in (0..ranks.saturating_sub(1)).rev() {
            let (upto, below) = layers.split_at_mut(r + 1);
            sort_rank(&mut upto[r], &below[0], &mut pos, down, &mut keyed);
        }
        let c = crossings(&layers, &pos, down);
        if c < best {
            best = c;
            best_layers.clone_from(&layers);
        }
        stalled = if best < before { 0 } else { stalled + 1 };
    }
    best_layers
}

fn renumber(layers: &[Vec<usize>], pos: &mut [usize]) {
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
}

/// Sorts `layer` by the mean relative position of each item's neighbours in
/// `fixed`. Positions are scaled to (0, 1) so an item without neighbours can
/// keep its own relative place. Ties keep the current order, which descends
/// from the depth-first order of the edges, so the result is deterministic.
fn sort_rank(
    layer: &mut [usize],
    fixed: &[usize],
    pos: &mut [usize],
    adj: &Csr,
    keyed: &mut Vec<(f64, usize, usize)>,
) {
    let nf = fixed.len() as f64;
    let nl = layer.len() as f64;
    keyed.clear();
    keyed.extend(layer.iter().map(|&v| {
        let nb = adj.of(v);
        let key = if nb.is_empty() {
            (pos[v] as f64 + 0.5) / nl
        } else {
            let sum: f64 = nb.iter().map(|&u| pos[u] as f64 + 0.5).sum();
            sum / nb.len() as f64 / nf
        };
        (key, pos[v], v)
    }));
    // Positions within a rank are distinct, so (key, position) orders every
    // item: an unstable sort gives the one order (and needs no buffer).
    keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (i, (slot, &(_, _, v))) in layer.iter_mut().zip(keyed.iter()).enumerate() {
        *slot = v;
        pos[v] = i;
    }
}

/// Edge crossings between all adjacent ranks: for each pair, the inversions of
/// the lower ends when arcs are sorted by their upper end, counted with a
/// Fenwick tree.
pub(super) fn crossings(layers: &[Vec<usize>], pos: &[usize], down: &Csr) -> u64 {
    let mut total = 0u64;
    let mut ends: Vec<usize> = Vec::new();
    let mut tree: Vec<u64> = Vec::new();
    for r in 0..layers.len().saturating_sub(1) {
        ends.clear();
        for &v in &layers[r] {
            let from = ends.len();
            ends.extend(down.of(v).iter().map(|&w| pos[w]));
            ends[from..].sort_unstable();
        }
        let size = layers[r + 1].len();
        tree.clear();
        tree.resize(size + 1, 0);
        // Walk right to left: crossings are arcs seen so far ending strictly left.
        for &p in ends.iter().rev() {
            let mut i = p; // count of ends < p
            let mut s = 0;
            while i > 0 {
                s += tree[i];
                i &= i - 1;
            }
            total += s;
            let mut i = p + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}
