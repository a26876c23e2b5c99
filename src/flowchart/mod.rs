//! flowchart: one decision tree → a layered layout → inline SVG.
//!
//! In: the tree's pages ([`FlowNode`]) and branches ([`FlowEdge`]), with the
//! entry page as root. Out: a [`Layout`] (boxes, edge polylines, label boxes)
//! and, from it, `<svg>` markup that needs no script or stylesheet to be read.
//!
//! The layout is Sugiyama-style, written for this job (general graph layout
//! crates take minutes on a few thousand nodes):
//! 1. cycles are broken by a DFS from the root in branch order; edges back to a
//!    page on the DFS stack (and self-loops) are drawn as back edges (dashed,
//!    arrow into the earlier page) and reversed for layering;
//! 2. layers by longest path from the root, so the entry is at the top and a
//!    shared sub-tree sits below all of its parents, drawn once;
//! 3. edges spanning several layers get a virtual item in every rank they cross,
//!    and every edge gets one in the label row right next to its source, sized
//!    to its label (see `rank.rs`);
//! 4. barycenter sweeps reduce crossings (see `order.rs`);
//! 5. x-coordinates by (reweighted) least squares under the order and gap
//!    constraints (see `place.rs`);
//! 6. edges are routed through their virtual items: diagonals only in the empty
//!    gaps between rows and verticals through reserved room, so no edge passes
//!    through a box and no label overlaps a box or another label.
//!
//! Everything is O((V + E') log V) for E' edges after splitting, with a fixed
//! number of sweeps, and deterministic: ties break by branch order, and no hash
//! iteration is involved.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::content::{Content, Page, PageId};
use crate::graph::Graph;

mod order;
mod place;
mod rank;
#[cfg(test)]
mod tests;
mod text;

/// A page of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowNode {
    /// Title shown in the box (wrapped, in full).
    pub title: String,
    /// Link target, relative to the page the SVG is embedded in.
    pub url: String,
    /// `"resolved"`, `"escalate"` or `"unsolved"` for outcome pages.
    pub outcome: Option<String>,
    /// An entry page (the root of a tree).
    pub entry: bool,
}

/// A branch from one page to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEdge {
    /// Index of the page the branch is on.
    pub from: usize,
    /// Index of the page it leads to.
    pub to: usize,
    /// Plain text of the branch's `when`; `None` is a plain "Next step", drawn
    /// without a label.
    pub label: Option<String>,
}

/// The pages and branches of the tree of `entry`, in [`Graph::tree`] order:
/// another tree's entry is a box, but its branches are not followed. `url`
/// gives each box's link and `label` the plain text of branch `e`'s `when`
/// (only for branches that have one).
pub fn tree(
    content: &Content,
    graph: &Graph,
    entry: PageId,
    url: impl Fn(&Page) -> String,
    label: impl Fn(usize, &str) -> String,
) -> (Vec<FlowNode>, Vec<FlowEdge>) {
    let members = graph.tree(entry);
    let index: BTreeMap<PageId, usize> = members.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let nodes = members
        .iter()
        .map(|&p| {
            let page = content.page(p);
            FlowNode {
                title: page.title().to_string(),
                url: url(page),
                outcome: page
                    .meta
                    .outcome
                    .as_ref()
                    .map(|o| o.value.as_str().to_string()),
                entry: graph.is_entry(p),
            }
        })
        .collect();
    let edges = members
        .iter()
        .filter(|&&p| p == entry || !graph.is_entry(p))
        .flat_map(|&p| graph.out[p.index()].iter())
        .map(|&e| {
            let edge = &graph.edges[e];
            FlowEdge {
                from: index[&edge.from],
                to: index[&edge.to],
                label: edge.when.as_deref().map(|w| label(e, w)),
            }
        })
        .collect();
    (nodes, edges)
}

/// An axis-aligned box; `x`, `y` is the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Where a page is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    /// The box.
    pub rect: Rect,
    /// Layer, 0 at the top.
    pub layer: usize,
    /// The title as wrapped into the box.
    pub lines: Vec<String>,
}

/// A branch label as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeLabel {
    /// The label's box, on the edge.
    pub rect: Rect,
    /// The label's text, wrapped into lines (in full).
    pub lines: Vec<String>,
}

/// Where a branch is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgePath {
    /// Polyline from the border of the source box to the border of the target
    /// box (empty only for an edge whose endpoints are not nodes).
    pub points: Vec<(f64, f64)>,
    /// Drawn as a back edge: it closes a loop (or is a self-loop).
    pub back: bool,
    /// The label, when the branch has a `when`.
    pub label: Option<EdgeLabel>,
}

/// A laid-out tree, in SVG user units (px) with the origin at the top left.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// Total width.
    pub width: f64,
    /// Total height.
    pub height: f64,
    /// Per node, in input order.
    pub nodes: Vec<NodeBox>,
    /// Per edge, in input order.
    pub edges: Vec<EdgePath>,
    /// The root (its title names the chart), if it was a valid index.
    pub root: Option<usize>,
}

// Sizes, in px. Boxes: 13px text, ~7px per character, 16px lines.
const FONT_SIZE: f64 = 13.0;
const CHAR_W: f64 = 7.0;
const LINE_H: f64 = 16.0;
const PAD_X: f64 = 10.0;
const PAD_Y: f64 = 8.0;
/// Line widths (in units) of titles and labels; a chart wider than
/// [`WIDE`] is laid out again with the narrower [`NARROW`] lines.
#[derive(Clone, Copy)]
struct Wrap {
    title: usize,
    label: usize,
}
const NORMAL: Wrap = Wrap {
    title: 22,
    label: 26,
};
const NARROW: Wrap = Wrap {
    title: 14,
    label: 12,
};
/// A chart wider than this (px) does not fit a desktop window at
/// [`MIN_SCALE`]: it is worth more lines per label to make it narrower.
const WIDE: f64 = 1500.0;
const MIN_NODE_W: f64 = 60.0;
/// Font size of branch labels, the smallest text of a chart: a page may scale
/// a chart down to [`MIN_SCALE`] of its size, and no further, so that labels
/// stay at 9px or more.
pub const LABEL_FONT_SIZE: f64 = 12.0;
/// The smallest scale a chart should be shown at (9px labels).
pub const MIN_SCALE: f64 = 0.76;
const _: () = assert!(LABEL_FONT_SIZE * MIN_SCALE >= 9.0, "labels stay at 9px");
const LABEL_CHAR_W: f64 = 6.5;
const LABEL_LINE_H: f64 = 14.0;
const LABEL_PAD_Y: f64 = 3.0;
const LABEL_PAD_X: f64 = 5.0;
// Spacing.
const NODE_SEP: f64 = 24.0;
const EDGE_SEP: f64 = 12.0;
const ROW_GAP: f64 = 20.0;
const MARGIN: f64 = 8.0;
// Self-loops: distance of the first loop from the box, and between loops.
const LOOP_OUT: f64 = 16.0;
const LOOP_STEP: f64 = 8.0;
const LOOP_LABEL_GAP: f64 = 6.0;
const STACK_GAP: f64 = 4.0;
const EPS: f64 = 1e-9;

/// Lays out one tree. `nodes[root]` is the entry; every node should be
/// reachable from it (others are laid out too, from the top). Edges may form
/// cycles; edges naming a node out of range are ignored (empty path). A tree
/// too wide for a desktop window is laid out again with narrower lines of
/// text, and the narrower of the two is kept.
pub fn layout(nodes: &[FlowNode], edges: &[FlowEdge], root: usize) -> Layout {
    let normal = layout_wrapped(nodes, edges, root, NORMAL);
    if normal.width <= WIDE {
        return normal;
    }
    let narrow = layout_wrapped(nodes, edges, root, NARROW);
    if narrow.width < normal.width {
        narrow
    } else {
        normal
    }
}

/// [`layout`] with titles and labels wrapped at `wrap`.
fn layout_wrapped(nodes: &[FlowNode], edges: &[FlowEdge], root: usize, wrap: Wrap) -> Layout {
    let n = nodes.len();
    let lay = rank::layer(n, edges, root);
    let items = lay.item_rank.len();

    // Sizes of boxes and labels.
    let lines: Vec<Vec<String>> = nodes
        .iter()
        .map(|nd| text::wrap(&nd.title, wrap.title))
        .collect();
    let labels: Vec<Option<Label>> = edges
        .iter()
        .map(|e| {
            let lines = text::wrap(e.label.as_deref()?, wrap.label);
            let widest = lines.iter().map(|l| text::units(l)).max().unwrap_or(0);
            (widest > 0).then_some(Label {
                w: widest as f64 * LABEL_CHAR_W + 2.0 * LABEL_PAD_X,
                h: lines.len() as f64 * LABEL_LINE_H + 2.0 * LABEL_PAD_Y,
                lines,
            })
        })
        .collect();
    let mut left = vec![0.0; items];
    let mut right = vec![0.0; items];
    let mut height = vec![0.0; items];
    let mut real = vec![false; items];
    let mut size = Vec::with_capacity(n);
    for (v, l) in lines.iter().enumerate() {
        let widest = l.iter().map(|s| text::units(s)).max().unwrap_or(0);
        let w = (widest as f64 * CHAR_W + 2.0 * PAD_X).max(MIN_NODE_W);
        let h = l.len() as f64 * LINE_H + 2.0 * PAD_Y;
        size.push((w, h));
        left[v] = w / 2.0;
        right[v] = w / 2.0;
        height[v] = h;
        real[v] = true;
    }
    // Self-loops, per node in edge order: room to the right of the box.
    let mut loops: Vec<(usize, usize)> = edges
        .iter()
        .enumerate()
        .filter(|(_, e)| rank::valid(e, n) && e.from == e.to)
        .map(|(i, e)| (e.from, i))
        .collect();
    loops.sort_unstable();
    for group in loops.chunk_by(|a, b| a.0 == b.0) {
        let v = group[0].0;
        let k = group.len() as f64;
        let labelled: Vec<&Label> = group
            .iter()
            .filter_map(|&(_, e)| labels[e].as_ref())
            .collect();
        let mut room = LOOP_OUT + (k - 1.0) * LOOP_STEP + 2.0;
        if let Some(widest) = labelled.iter().map(|l| l.w).reduce(f64::max) {
            room += LOOP_LABEL_GAP + widest;
            height[v] = f64::max(height[v], stack_height(&labelled));
        }
        right[v] += room;
    }
    for (e, label) in labels.iter().enumerate() {
        if let (Some(li), Some(l)) = (lay.label_item(e), label) {
            left[li] = l.w / 2.0;
            right[li] = l.w / 2.0;
            height[li] = l.h;
        }
    }

    // Arcs between adjacent ranks, forward edges first so the initial
    // depth-first order follows the tree and loops go to the side.
    let mut arcs: Vec<(usize, usize, f64)> = Vec::with_capacity(lay.chain.len());
    for want_back in [false, true] {
        for e in (0..edges.len()).filter(|&e| lay.back[e] == want_back) {
            // Loops follow the tree rather than pull it out of shape.
            let scale = if want_back { 0.01 } else { 1.0 };
            for pair in lay.chain(e).windows(2) {
                let w = if real[pair[0]] || real[pair[1]] {
                    2.0
                } else {
                    8.0
                };
                arcs.push((pair[0], pair[1], w * scale));
            }
        }
    }
    let down = rank::Csr::new(items, arcs.iter().copied());
    let up = rank::Csr::new(items, arcs.iter().map(|&(a, b, w)| (b, a, w)));

    let valid_root = (root < n).then_some(root);
    let layers = order::order(
        lay.ranks,
        &lay.item_rank,
        &down,
        &up,
        valid_root.into_iter(),
    );
    // Measured on the 200 charts of the 10,000-page generated site: 12 passes
    // come within 1.2% of 24 (weighted edge length), 48 gain only 1% more.
    let passes = if items <= 5_000 { 12 } else { 8 };
    let extents = place::Items {
        left: &left,
        right: &right,
        real: &real,
    };
    let mut x = place::place(&layers, &up, &down, &extents, passes);

    // Shift so the leftmost room starts at the margin.
    let min = (0..items)
        .map(|i| x[i] - left[i])
        .fold(f64::INFINITY, f64::min);
    let shift = if min.is_finite() { MARGIN - min } else { 0.0 };
    for xi in &mut x {
        *xi += shift;
    }
    let width = (0..items).map(|i| x[i] + right[i]).fold(0.0, f64::max) + MARGIN;

    // Rows: each rank is a band as tall as its tallest item.
    let mut band_top = Vec::with_capacity(lay.ranks);
    let mut band_h = vec![0.0f64; lay.ranks];
    for (&r, &h) in lay.item_rank.iter().zip(&height) {
        band_h[r] = band_h[r].max(h);
    }
    let mut y = MARGIN;
    for (r, h) in band_h.iter().enumerate() {
        if r > 0 {
            y += ROW_GAP;
        }
        band_top.push(y);
        y += h;
    }
    let total_h = if items == 0 { 2.0 * MARGIN } else { y + MARGIN };

    let node_boxes: Vec<NodeBox> = lines
        .into_iter()
        .enumerate()
        .map(|(v, lines)| {
            let (w, h) = size[v];
            let r = lay.item_rank[v];
            NodeBox {
                rect: Rect {
                    x: x[v] - w / 2.0,
                    y: band_top[r] + (band_h[r] - h) / 2.0,
                    w,
                    h,
                },
                layer: lay.layer[v],
                lines,
            }
        })
        .collect();

    let rows = Rows {
        x: &x,
        top: &band_top,
        height: &band_h,
        rank: &lay.item_rank,
    };
    let mut paths = route(&lay, &rows, &node_boxes, &labels);
    draw_self_loops(&loops, &node_boxes, &labels, &mut paths);

    Layout {
        width,
        height: total_h,
        nodes: node_boxes,
        edges: paths,
        root: valid_root,
    }
}

/// A branch label, wrapped, with its size.
struct Label {
    lines: Vec<String>,
    w: f64,
    h: f64,
}

/// Height of self-loop labels stacked beside a box.
fn stack_height(labels: &[&Label]) -> f64 {
    labels.iter().map(|l| l.h + STACK_GAP).sum::<f64>() - STACK_GAP
}

/// Where the rows are: per rank its top and height; per item its rank and x.
struct Rows<'a> {
    x: &'a [f64],
    top: &'a [f64],
    height: &'a [f64],
    rank: &'a [usize],
}

/// Routes every edge through its chain: from a port on the upper box down
/// (verticals through rows, diagonals across the empty gaps) to a port on the
/// lower box, reversed for back edges; labels on their virtual items.
fn route(
    lay: &rank::Layered,
    rows: &Rows<'_>,
    node_boxes: &[NodeBox],
    labels: &[Option<Label>],
) -> Vec<EdgePath> {
    // Ports: the edges leaving a box's bottom (or entering its top) are spread
    // along that side in the order of where they go next.
    let mut ends: Vec<(usize, bool, f64, usize)> = Vec::with_capacity(2 * labels.len());
    for e in 0..labels.len() {
        let c = lay.chain(e);
        if c.len() >= 2 {
            ends.push((c[0], true, rows.x[c[1]], e));
            ends.push((c[c.len() - 1], false, rows.x[c[c.len() - 2]], e));
        }
    }
    ends.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut port_upper = vec![0.0; labels.len()];
    let mut port_lower = vec![0.0; labels.len()];
    for group in ends.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        let r = node_boxes[group[0].0].rect;
        let m = group.len() as f64;
        for (k, &(_, bottom, _, e)) in group.iter().enumerate() {
            let px = r.x + r.w * (k as f64 + 1.0) / (m + 1.0);
            if bottom {
                port_upper[e] = px;
            } else {
                port_lower[e] = px;
            }
        }
    }

    (0..labels.len())
        .map(|e| {
            let c = lay.chain(e);
            let mut label = None;
            let mut pts = Vec::new();
            if c.len() >= 2 {
                let (t, b) = (c[0], c[c.len() - 1]);
                let (rt, rb) = (node_boxes[t].rect, node_boxes[b].rect);
                let (kt, kb) = (rows.rank[t], rows.rank[b]);
                let bottom_t = rt.y + rt.h;
                pts.push((port_upper[e], bottom_t));
                if bottom_t < rows.top[kt] + rows.height[kt] - EPS {
                    pts.push((port_upper[e], rows.top[kt] + rows.height[kt]));
                }
                for &v in &c[1..c.len() - 1] {
                    let r = rows.rank[v];
                    pts.push((rows.x[v], rows.top[r]));
                    if rows.height[r] > EPS {
                        pts.push((rows.x[v], rows.top[r] + rows.height[r]));
                    }
                }
                if rb.y > rows.top[kb] + EPS {
                    pts.push((port_lower[e], rows.top[kb]));
                }
                pts.push((port_lower[e], rb.y));
                simplify(&mut pts);
                if lay.back[e] {
                    pts.reverse();
                }
                if let (Some(li), Some(l)) = (lay.label_item(e), &labels[e]) {
                    let r = rows.rank[li];
                    label = Some(EdgeLabel {
                        rect: Rect {
                            x: rows.x[li] - l.w / 2.0,
                            y: rows.top[r] + (rows.height[r] - l.h) / 2.0,
                            w: l.w,
                            h: l.h,
                        },
                        lines: l.lines.clone(),
                    });
                }
            }
            EdgePath {
                points: pts,
                back: lay.back[e],
                label,
            }
        })
        .collect()
}

/// Self-loops: nested loops on the right side of the box (in the room
/// reserved for them), labels stacked beside them.
fn draw_self_loops(
    loops: &[(usize, usize)],
    node_boxes: &[NodeBox],
    labels: &[Option<Label>],
    paths: &mut [EdgePath],
) {
    for group in loops.chunk_by(|a, b| a.0 == b.0) {
        let r = node_boxes[group[0].0].rect;
        let (rx, cy) = (r.x + r.w, r.y + r.h / 2.0);
        let outer = LOOP_OUT + (group.len() as f64 - 1.0) * LOOP_STEP;
        let labelled: Vec<&Label> = group
            .iter()
            .filter_map(|&(_, e)| labels[e].as_ref())
            .collect();
        let mut ly = cy - stack_height(&labelled) / 2.0;
        for (j, &(_, e)) in group.iter().enumerate() {
            let off = LOOP_OUT + j as f64 * LOOP_STEP;
            let dy = (6.0 + 4.0 * j as f64).min(r.h / 2.0 - 3.0);
            let path = &mut paths[e];
            path.points = vec![
                (rx, cy - dy),
                (rx + off, cy - dy),
                (rx + off, cy + dy),
                (rx, cy + dy),
            ];
            if let Some(l) = &labels[e] {
                path.label = Some(EdgeLabel {
                    rect: Rect {
                        x: rx + outer + LOOP_LABEL_GAP,
                        y: ly,
                        w: l.w,
                        h: l.h,
                    },
                    lines: l.lines.clone(),
                });
                ly += l.h + STACK_GAP;
            }
        }
    }
}

/// Drops repeated points and the middle of three points on one vertical line.
fn simplify(pts: &mut Vec<(f64, f64)>) {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
    for &p in pts.iter() {
        if out
            .last()
            .is_some_and(|last| (last.0 - p.0).abs() < EPS && (last.1 - p.1).abs() < EPS)
        {
            continue;
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            if (a.0 - b.0).abs() < EPS && (b.0 - p.0).abs() < EPS {
                out.pop();
            }
        }
        out.push(p);
    }
    *pts = out;
}

/// A coordinate rounded to one decimal, without a trailing ".0".
struct Num(f64);

/// Appends `nums` as [`Num`]s separated by spaces.
fn push_nums(s: &mut String, nums: &[f64]) {
    let mut buf = itoa::Buffer::new();
    for (i, &x) in nums.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        Num(x).push_to(s, &mut buf);
    }
}

/// Appends ` name="x"`, `x` as a [`Num`].
fn push_attr(s: &mut String, buf: &mut itoa::Buffer, name: &str, x: f64) {
    s.push(' ');
    s.push_str(name);
    s.push_str("=\"");
    Num(x).push_to(s, buf);
    s.push('"');
}

/// Appends `lines` as `<tspan>`s centred in `r`, the first line's box at `top`,
/// each `line_h` high, in a font of `font_size`.
fn push_lines(
    s: &mut String,
    buf: &mut itoa::Buffer,
    lines: &[String],
    r: Rect,
    top: f64,
    line_h: f64,
    font_size: f64,
) {
    let cx = r.x + r.w / 2.0;
    for (i, line) in lines.iter().enumerate() {
        let baseline = top + i as f64 * line_h + line_h / 2.0 + font_size * 0.35;
        s.push_str("<tspan");
        push_attr(s, buf, "x", cx);
        push_attr(s, buf, "y", baseline);
        s.push('>');
        text::escape_into(s, line);
        s.push_str("</tspan>");
    }
}

/// Appends the `x`, `y`, `width` and `height` attributes of `r`.
fn push_rect(s: &mut String, buf: &mut itoa::Buffer, r: Rect) {
    push_attr(s, buf, "x", r.x);
    push_attr(s, buf, "y", r.y);
    push_attr(s, buf, "width", r.w);
    push_attr(s, buf, "height", r.h);
}

impl Num {
    /// Appends the number's text to `s` (`buf` is scratch space).
    fn push_to(&self, s: &mut String, buf: &mut itoa::Buffer) {
        // Tenths as an integer, its digits by itoa: charts hold hundreds of
        // thousands of coordinates, and formatting floats through `write!` was
        // a tenth of the home page's time.
        // Rounded half away from zero, as `f64::round` (a call into libm
        // without SSE4.1): the whole part by truncation, then up if the rest
        // is at least a half (exact: subtracting the whole part loses nothing).
        let t = self.0 * 10.0;
        let abs = t.abs();
        let whole = abs as u64;
        let a = whole + u64::from(abs - whole as f64 >= 0.5);
        if t < 0.0 && a != 0 {
            s.push('-');
        }
        s.push_str(buf.format(a / 10));
        let frac = (a % 10) as u8;
        if frac != 0 {
            s.push('.');
            s.push(char::from(b'0' + frac));
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::with_capacity(24);
        self.push_to(&mut s, &mut itoa::Buffer::new());
        f.write_str(&s)
    }
}

/// Fill and stroke used when no stylesheet applies.
fn node_colors(node: &FlowNode) -> (&'static str, &'static str) {
    match node.outcome.as_deref() {
        Some("resolved") => ("#e8f5e9", "#2e7d32"),
        Some("escalate") => ("#fff3e0", "#b26a00"),
        Some("unsolved") => ("#fbe9e7", "#b23c17"),
        Some(_) => ("#f5f5f5", "#777"),
        None if node.entry => ("#e8eef9", "#2f5da8"),
        None => ("#fff", "#555"),
    }
}

/// Inline `<svg>` markup for a laid-out tree. `id_prefix` starts every `id`
/// in it, so many charts can share a page. It scales to the width of its
/// container, from its natural size down to [`MIN_SCALE`] of it; a container
/// narrower than that should scroll (`overflow-x: auto`). Byte-deterministic; coordinates are
/// rounded to one decimal. Styling hooks: `.node`, `.entry`,
/// `.outcome-{kind}`, `.edge`, `.edge.back`, `.edge-label`; presentation
/// attributes keep it readable without CSS.
pub fn svg(nodes: &[FlowNode], edges: &[FlowEdge], layout: &Layout, id_prefix: &str) -> String {
    let title = match layout.root.and_then(|r| nodes.get(r)) {
        Some(root) => format!("Flowchart of {}", text::flatten(&root.title)),
        None => "Flowchart".to_string(),
    };
    svg_titled(nodes, edges, layout, id_prefix, &title)
}

/// [`svg`] with `title` as the chart's accessible name (its `<title>`), for
/// the reader's language.
pub fn svg_titled(
    nodes: &[FlowNode],
    edges: &[FlowEdge],
    layout: &Layout,
    id_prefix: &str,
    title: &str,
) -> String {
    let mut s = String::with_capacity(512 + 400 * nodes.len() + 300 * edges.len());
    let mut prefix = String::new();
    text::escape_into(&mut prefix, id_prefix);
    let mut buf = itoa::Buffer::new();
    let (w, h) = (Num(layout.width), Num(layout.height));
    // Fits the column, but is never scaled below MIN_SCALE: a wider chart
    // makes its container scroll instead, its text still readable.
    let min_w = Num((layout.width * MIN_SCALE).ceil());
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" style="width:100%;height:auto;max-width:{w}px;min-width:{min_w}px" role="group" aria-labelledby="{prefix}-title">"#
    );
    let _ = write!(s, r#"<title id="{prefix}-title">"#);
    text::escape_into(&mut s, title);
    s.push_str("</title>\n");
    let _ = write!(
        s,
        r##"<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>"##
    );
    s.push('\n');

    // marker-end is inherited, so one declaration on the group serves every edge.
    let _ = write!(
        s,
        r##"<g fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#{prefix}-arrow)">"##
    );
    s.push('\n');
    for path in layout.edges.iter().filter(|p| p.points.len() >= 2) {
        s.push_str(if path.back {
            r#"<path class="edge back" d=""#
        } else {
            r#"<path class="edge" d=""#
        });
        // Diagonals only ever cross an empty gap between two rows, so they
        // can be drawn as S-curves that stay inside their bounding box.
        // Numbers are appended directly: edges are most of a chart's bytes.
        let (x0, y0) = path.points[0];
        s.push('M');
        push_nums(&mut s, &[x0, y0]);
        for pair in path.points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            if (ax - bx).abs() < 0.05 || (ay - by).abs() < 0.05 {
                s.push('L');
                push_nums(&mut s, &[bx, by]);
            } else {
                let my = (ay + by) / 2.0;
                s.push('C');
                push_nums(&mut s, &[ax, my, bx, my, bx, by]);
            }
        }
        s.push('"');
        if path.back {
            s.push_str(r#" stroke-dasharray="5 4""#);
        }
        s.push_str("/>\n");
    }
    s.push_str("</g>\n");

    let labelled: Vec<&EdgeLabel> = layout
        .edges
        .iter()
        .filter_map(|p| p.label.as_ref())
        .collect();
    if !labelled.is_empty() {
        let _ = write!(
            s,
            r##"<g font-family="sans-serif" font-size="{LABEL_FONT_SIZE}" text-anchor="middle" fill="#444">"##
        );
        s.push('\n');
        for l in labelled {
            let r = l.rect;
            s.push_str(r#"<g class="edge-label"><rect"#);
            push_rect(&mut s, &mut buf, r);
            s.push_str(r##" rx="3" fill="#fff"/><text>"##);
            let top = r.y + LABEL_PAD_Y;
            push_lines(
                &mut s,
                &mut buf,
                &l.lines,
                r,
                top,
                LABEL_LINE_H,
                LABEL_FONT_SIZE,
            );
            s.push_str("</text></g>\n");
        }
        s.push_str("</g>\n");
    }

    let _ = write!(
        s,
        r#"<g font-family="sans-serif" font-size="{FONT_SIZE}" text-anchor="middle">"#
    );
    s.push('\n');
    for (node, b) in nodes.iter().zip(&layout.nodes) {
        let r = b.rect;
        let (fill, stroke) = node_colors(node);
        s.push_str("<a href=\"");
        text::escape_into(&mut s, &node.url);
        s.push_str("\">");
        s.push_str("<rect class=\"node");
        if node.entry {
            s.push_str(" entry");
        }
        if let Some(kind) = &node.outcome {
            s.push_str(" outcome-");
            s.extend(
                kind.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_'),
            );
        }
        s.push('"');
        push_rect(&mut s, &mut buf, r);
        s.push_str(r#" rx="6" fill=""#);
        s.push_str(fill);
        s.push_str(r#"" stroke=""#);
        s.push_str(stroke);
        s.push('"');
        if node.entry || node.outcome.is_some() {
            s.push_str(r#" stroke-width="2""#);
        }
        s.push_str("/>");
        s.push_str(r#"<text class="node">"#);
        push_lines(
            &mut s,
            &mut buf,
            &b.lines,
            r,
            r.y + PAD_Y,
            LINE_H,
            FONT_SIZE,
        );
        s.push_str("</text></a>\n");
    }
    s.push_str("</g>\n</svg>\n");
    s
}

#[cfg(test)]
mod num_tests {
    use super::Num;

    #[test]
    fn rounding_agrees_with_f64_round() {
        for x in [
            0.0,
            -0.0,
            0.04,
            0.05,
            -0.05,
            0.15,
            0.25,
            1.95,
            -1.95,
            12.349_999,
            0.049_999_999_999_999_996,
            1e6 + 0.05,
            -3.45,
            7.0,
            -7.0,
            0.449_999_999_999_999_94,
        ] {
            let t = (x * 10.0f64).round() as i64;
            let reference = if t == 0 {
                "0".to_string()
            } else if t % 10 == 0 {
                format!("{}", t / 10)
            } else {
                format!(
                    "{}{}.{}",
                    if t < 0 { "-" } else { "" },
                    (t / 10).abs(),
                    (t % 10).abs()
                )
            };
            assert_eq!(Num(x).to_string(), reference, "{x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn rounding_agrees_with_f64_round_anywhere(x in -1e7f64..1e7) {
            let t = (x * 10.0).round();
            let mut s = String::new();
            Num(x).push_to(&mut s, &mut itoa::Buffer::new());
            let back: f64 = s.parse().unwrap();
            proptest::prop_assert_eq!((back * 10.0).round(), t.abs() * if s.starts_with('-') { -1.0 } else { 1.0 });
            proptest::prop_assert!(!s.ends_with(".0") && s != "-0");
        }
    }

    #[test]
    fn coordinates_print_with_one_decimal_and_no_trailing_zero() {
        let cases = [
            (0.0, "0"),
            (-0.04, "0"),
            (-0.05, "-0.1"),
            (-0.5, "-0.5"),
            (3.0, "3"),
            (12.34, "12.3"),
            (99.96, "100"),
            (-1234.56, "-1234.6"),
            (1e12, "1000000000000"),
        ];
        for (x, want) in cases {
            assert_eq!(Num(x).to_string(), want, "{x}");
        }
    }
}
