//! Layout invariants, a snapshot of a small chart, and timings on large trees.
//!
//! Set `FLOWCHART_DUMP=/some/dir` to write the charts of these tests as `.svg`
//! files for a look.

use std::time::Instant;

use super::*;

fn node(title: &str) -> FlowNode {
    FlowNode {
        title: title.into(),
        url: format!("{}.html", title.to_lowercase().replace(' ', "-")),
        outcome: None,
        entry: false,
    }
}

fn edge(from: usize, to: usize, label: Option<&str>) -> FlowEdge {
    FlowEdge {
        from,
        to,
        label: label.map(Into::into),
    }
}

/// A 4-page tree with a shared outcome, an unlabelled branch and text that
/// needs escaping.
fn four() -> (Vec<FlowNode>, Vec<FlowEdge>) {
    let mut nodes = vec![
        node("Printer won't print"),
        node("Check the cable & power <LED>"),
        node("Printing again"),
        node("Call the help desk"),
    ];
    nodes[0].entry = true;
    nodes[2].outcome = Some("resolved".into());
    nodes[3].outcome = Some("escalate".into());
    let edges = vec![
        edge(0, 1, Some("The power light is off")),
        edge(
            0,
            3,
            Some("The light blinks orange and the display shows \"E-42\""),
        ),
        edge(1, 2, None),
        edge(1, 3, Some("Still off")),
    ];
    (nodes, edges)
}

/// A tiny deterministic generator (Knuth's MMIX LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn words(&mut self, min: usize, max: usize) -> String {
        const WORDS: [&str; 16] = [
            "check",
            "the",
            "router",
            "light",
            "is",
            "blinking",
            "restart",
            "account",
            "password",
            "reset",
            "a",
            "network",
            "cable",
            "printer",
            "still",
            "escalation",
        ];
        let k = min + self.below(max - min + 1);
        (0..k)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `n` pages: page `i > 0` hangs under a random earlier page; then
/// `forward` extra edges from earlier to later pages and `back` edges from
/// later to earlier ones (which make loops). Edges in page order.
fn generate(n: usize, seed: u64, forward: usize, back: usize) -> (Vec<FlowNode>, Vec<FlowEdge>) {
    let mut rng = Lcg(seed);
    let mut edges = Vec::new();
    let label = |rng: &mut Lcg| (rng.below(4) != 0).then(|| rng.words(1, 7));
    for i in 1..n {
        let p = rng.below(i);
        edges.push(FlowEdge {
            from: p,
            to: i,
            label: label(&mut rng),
        });
    }
    for _ in 0..forward {
        let a = rng.below(n - 1);
        let b = a + 1 + rng.below(n - 1 - a);
        edges.push(FlowEdge {
            from: a,
            to: b,
            label: label(&mut rng),
        });
    }
    for _ in 0..back {
        let b = 1 + rng.below(n - 1);
        let a = rng.below(b);
        edges.push(FlowEdge {
            from: b,
            to: a,
            label: label(&mut rng),
        });
    }
    edges.sort_by_key(|e| e.from);
    let mut has_out = vec![false; n];
    for e in &edges {
        has_out[e.from] = true;
    }
    let nodes = (0..n)
        .map(|i| FlowNode {
            title: rng.words(1, 9),
            url: format!("p{i}.html"),
            outcome: (!has_out[i])
                .then(|| ["resolved", "escalate", "unsolved"][rng.below(3)].into()),
            entry: i == 0,
        })
        .collect();
    (nodes, edges)
}

/// A tree shaped like a real knowledge base: questions with two to four
/// answers, a few shared outcome pages reached from many places, and some
/// "start over" / "try again" loops.
fn realistic(n: usize, seed: u64) -> (Vec<FlowNode>, Vec<FlowEdge>) {
    const ANSWERS: [&str; 10] = [
        "Yes",
        "No",
        "It is blinking orange",
        "Nothing happens",
        "Only on Wi-Fi",
        "The error mentions a certificate",
        "Still broken",
        "Works now",
        "Not sure",
        "After a restart",
    ];
    let mut rng = Lcg(seed);
    let shared = 4.min(n / 8);
    let mut nodes: Vec<FlowNode> = (0..n)
        .map(|i| FlowNode {
            title: if i == 0 {
                "My internet connection is not working".into()
            } else {
                rng.words(2, 8)
            },
            url: format!("p{i}.html"),
            outcome: None,
            entry: i == 0,
        })
        .collect();
    let mut edges = Vec::new();
    // Pages 1..n-shared form a tree, breadth first.
    let tree_end = n - shared;
    let mut next = 1;
    let mut i = 0;
    while next < tree_end {
        let k = (1 + rng.below(3)).min(tree_end - next);
        for _ in 0..k {
            edges.push(FlowEdge {
                from: i,
                to: next,
                label: Some(ANSWERS[rng.below(ANSWERS.len())].into()),
            });
            next += 1;
        }
        i += 1;
    }
    let mut has_out = vec![false; n];
    for e in &edges {
        has_out[e.from] = true;
    }
    for v in 1..tree_end {
        if !has_out[v] {
            match rng.below(4) {
                0 if shared > 0 => edges.push(FlowEdge {
                    from: v,
                    to: tree_end + rng.below(shared),
                    label: None,
                }),
                1 => edges.push(FlowEdge {
                    from: v,
                    to: 0,
                    label: Some("Start over".into()),
                }),
                _ => {
                    nodes[v].outcome =
                        Some(["resolved", "escalate", "unsolved"][rng.below(3)].into())
                }
            }
        } else if rng.below(6) == 0 && shared > 0 {
            edges.push(FlowEdge {
                from: v,
                to: tree_end + rng.below(shared),
                label: Some("None of these".into()),
            });
        }
    }
    for (k, v) in (tree_end..n).enumerate() {
        nodes[v].outcome = Some(["escalate", "unsolved", "resolved"][k % 3].into());
        nodes[v].title = [
            "Contact the service desk",
            "Open a ticket with the provider",
            "It works again",
            "Replace the device",
        ][k % 4]
            .into();
    }
    edges.sort_by_key(|e| e.from);
    (nodes, edges)
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

fn on_border(p: (f64, f64), r: &Rect) -> bool {
    let tol = 1e-6;
    let inside_x = p.0 >= r.x - tol && p.0 <= r.x + r.w + tol;
    let inside_y = p.1 >= r.y - tol && p.1 <= r.y + r.h + tol;
    let on_x = (p.0 - r.x).abs() < tol || (p.0 - r.x - r.w).abs() < tol;
    let on_y = (p.1 - r.y).abs() < tol || (p.1 - r.y - r.h).abs() < tol;
    inside_x && inside_y && (on_x || on_y)
}

/// Whether segment `a`–`b` enters the interior of `r` (shrunk by `inset`).
fn crosses(a: (f64, f64), b: (f64, f64), r: &Rect, inset: f64) -> bool {
    let (x0, x1, y0, y1) = (
        r.x + inset,
        r.x + r.w - inset,
        r.y + inset,
        r.y + r.h - inset,
    );
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let d = (b.0 - a.0, b.1 - a.1);
    for (p, q) in [
        (-d.0, a.0 - x0),
        (d.0, x1 - a.0),
        (-d.1, a.1 - y0),
        (d.1, y1 - a.1),
    ] {
        if p == 0.0 {
            if q <= 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 < t1
}

fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let d = (b.0 - a.0, b.1 - a.1);
    let len2 = d.0 * d.0 + d.1 * d.1;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * d.0 + (p.1 - a.1) * d.1) / len2).clamp(0.0, 1.0)
    };
    let q = (a.0 + t * d.0, a.1 + t * d.1);
    ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
}

/// Pairs of overlapping rectangles, by a sweep over x.
fn overlapping_pairs(rects: &[(String, Rect)]) -> Vec<String> {
    let mut idx: Vec<usize> = (0..rects.len()).collect();
    idx.sort_by(|&a, &b| rects[a].1.x.total_cmp(&rects[b].1.x));
    let mut bad = Vec::new();
    for (k, &i) in idx.iter().enumerate() {
        let a = &rects[i].1;
        for &j in &idx[k + 1..] {
            let b = &rects[j].1;
            if b.x >= a.x + a.w {
                break;
            }
            if overlaps(a, b) {
                bad.push(format!("{} overlaps {}", rects[i].0, rects[j].0));
            }
        }
    }
    bad
}

/// Checks every invariant the chart promises.
fn check(nodes: &[FlowNode], edges: &[FlowEdge], root: usize, l: &Layout) {
    assert_eq!(l.nodes.len(), nodes.len());
    assert_eq!(l.edges.len(), edges.len());
    let inside =
        |r: &Rect| r.x >= 0.0 && r.y >= 0.0 && r.x + r.w <= l.width && r.y + r.h <= l.height;

    // No box overlaps a box, no label overlaps a label or a box.
    let mut rects: Vec<(String, Rect)> = Vec::new();
    for (i, b) in l.nodes.iter().enumerate() {
        assert!(inside(&b.rect), "node {i} outside the canvas");
        assert!(b.rect.w > 0.0 && b.rect.h > 0.0);
        rects.push((format!("node {i}"), b.rect));
    }
    for (e, p) in l.edges.iter().enumerate() {
        if let Some(lab) = &p.label {
            assert!(inside(&lab.rect), "label {e} outside the canvas");
            rects.push((format!("label of edge {e}"), lab.rect));
        }
    }
    let bad = overlapping_pairs(&rects);
    assert!(
        bad.is_empty(),
        "{} overlaps, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );

    // Every edge drawn from its source's border to its target's; its label on it.
    for (e, (fe, p)) in edges.iter().zip(&l.edges).enumerate() {
        assert!(
            p.points.len() >= 2,
            "edge {e} has {} points",
            p.points.len()
        );
        let (first, last) = (p.points[0], p.points[p.points.len() - 1]);
        assert!(
            on_border(first, &l.nodes[fe.from].rect),
            "edge {e} starts at {first:?}, off {:?}",
            l.nodes[fe.from].rect
        );
        assert!(
            on_border(last, &l.nodes[fe.to].rect),
            "edge {e} ends at {last:?}, off {:?}",
            l.nodes[fe.to].rect
        );
        for &(x, y) in &p.points {
            assert!(
                (0.0..=l.width).contains(&x) && (0.0..=l.height).contains(&y),
                "edge {e} leaves the canvas"
            );
        }
        assert_eq!(p.label.is_some(), fe.label.is_some(), "edge {e} label");
        if let Some(lab) = &p.label {
            let c = (lab.rect.x + lab.rect.w / 2.0, lab.rect.y + lab.rect.h / 2.0);
            let on = p
                .points
                .windows(2)
                .any(|s| dist_to_segment(c, s[0], s[1]) < 1e-6);
            let beside = fe.from == fe.to;
            assert!(on || beside, "label of edge {e} is not on its edge");
        }
        if fe.from != fe.to {
            assert_eq!(
                p.back,
                l.nodes[fe.from].layer >= l.nodes[fe.to].layer,
                "edge {e} direction"
            );
        }
    }

    // No edge passes through a box or another edge's label. Boxes by layer, so
    // this stays fast on big charts.
    let layers = l.nodes.iter().map(|b| b.layer).max().map_or(0, |m| m + 1);
    let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); layers];
    let mut span = vec![(f64::INFINITY, f64::NEG_INFINITY); layers];
    for (i, b) in l.nodes.iter().enumerate() {
        by_layer[b.layer].push(i);
        span[b.layer].0 = span[b.layer].0.min(b.rect.y);
        span[b.layer].1 = span[b.layer].1.max(b.rect.y + b.rect.h);
    }
    let mut labels: Vec<(usize, Rect)> = l
        .edges
        .iter()
        .enumerate()
        .filter_map(|(e, p)| p.label.as_ref().map(|x| (e, x.rect)))
        .collect();
    labels.sort_by(|a, b| a.1.y.total_cmp(&b.1.y));
    // The SVG draws a diagonal as a curve inside the segment's bounding box,
    // so for those the whole box must stay clear.
    let hits = |a: (f64, f64), b: (f64, f64), r: &Rect| {
        if a.0 == b.0 || a.1 == b.1 {
            crosses(a, b, r, 0.5)
        } else {
            let bbox = Rect {
                x: a.0.min(b.0),
                y: a.1.min(b.1),
                w: (a.0 - b.0).abs(),
                h: (a.1 - b.1).abs(),
            };
            let inner = Rect {
                x: r.x + 0.5,
                y: r.y + 0.5,
                w: r.w - 1.0,
                h: r.h - 1.0,
            };
            overlaps(&bbox, &inner)
        }
    };
    for (e, p) in l.edges.iter().enumerate() {
        for s in p.points.windows(2) {
            let (lo, hi) = (s[0].1.min(s[1].1), s[0].1.max(s[1].1));
            for (layer, &(top, bottom)) in span.iter().enumerate() {
                if hi < top || lo > bottom {
                    continue;
                }
                for &v in &by_layer[layer] {
                    assert!(
                        !hits(s[0], s[1], &l.nodes[v].rect),
                        "edge {e} crosses node {v}"
                    );
                }
            }
            let from = labels.partition_point(|x| x.1.y + x.1.h < lo);
            for &(le, r) in labels[from..].iter().take_while(|x| x.1.y <= hi) {
                if le != e {
                    assert!(
                        !hits(s[0], s[1], &r),
                        "edge {e} crosses the label of edge {le}"
                    );
                }
            }
        }
    }

    // The entry is on top.
    assert_eq!(l.root, Some(root));
    let rb = &l.nodes[root];
    assert_eq!(rb.layer, 0);
    for b in &l.nodes {
        assert!(rb.rect.y + rb.rect.h / 2.0 <= b.rect.y + b.rect.h / 2.0 + 1e-6);
    }
}

fn dump(name: &str, svg: &str) {
    if let Some(dir) = std::env::var_os("FLOWCHART_DUMP") {
        let path = std::path::Path::new(&dir).join(format!("{name}.svg"));
        std::fs::write(
            &path,
            format!("<!doctype html><meta charset=utf-8><div class=flowchart>{svg}</div>"),
        )
        .unwrap();
        std::fs::write(path.with_extension("raw.svg"), svg).unwrap();
    }
}

/// Lays out, checks, and checks that a second run is identical.
fn run(name: &str, nodes: &[FlowNode], edges: &[FlowEdge], root: usize) -> (Layout, String) {
    let l = layout(nodes, edges, root);
    check(nodes, edges, root, &l);
    let s = svg(nodes, edges, &l, name);
    assert_eq!(layout(nodes, edges, root), l, "layout is not deterministic");
    assert_eq!(svg(nodes, edges, &l, name), s);
    dump(name, &s);
    (l, s)
}

#[test]
fn four_node_tree_svg() {
    let (nodes, edges) = four();
    let (l, s) = run("four", &nodes, &edges, 0);
    assert_eq!(
        l.nodes.iter().map(|b| b.layer).collect::<Vec<_>>(),
        [0, 1, 2, 2]
    );
    assert!(l.edges.iter().all(|e| !e.back));
    insta::assert_snapshot!("four_node_tree", s);
}

#[test]
fn svg_escapes_and_classes() {
    let (nodes, edges) = four();
    let s = run("escapes", &nodes, &edges, 0).1;
    assert!(s.contains(">Check the cable &amp;</tspan><tspan "), "{s}");
    assert!(s.contains(">power &lt;LED&gt;</tspan></text></a>"), "{s}");
    // Nothing is cut and nothing is behind hover: the only <title> is the chart's.
    assert_eq!(s.matches("<title").count(), 1, "{s}");
    assert!(!s.contains('…'));
    let mut long = nodes.clone();
    long[1].title =
        "Check the cable and the power and the little LED next to the switch at the back".into();
    let t = svg(&long, &edges, &layout(&long, &edges, 0), "long");
    assert!(!t.contains('…'));
    assert!(t.contains(">little LED next to the</tspan>"), "{t}");
    assert!(
        s.contains(">The light blinks orange</tspan><tspan ")
            && s.contains(">and the display shows</tspan><tspan ")
            && s.contains(">&quot;E-42&quot;</tspan></text>"),
        "{s}"
    );
    assert!(s.contains(r#"<rect class="node entry""#));
    assert!(s.contains(r#"<rect class="node outcome-resolved""#));
    assert!(s.contains(r#"<rect class="node outcome-escalate""#));
    assert!(s.contains(r#"<a href="printer-won&#39;t-print.html">"#));
    assert!(s.contains(r#"id="escapes-arrow""#) && s.contains("url(#escapes-arrow)"));
    assert_eq!(s.matches("<path class=\"edge\"").count(), 4);
    assert_eq!(s.matches("<g class=\"edge-label\">").count(), 3);
    assert!(!s.contains("<style"));
    // Coordinates have at most one decimal.
    for num in s.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        if let Some((_, frac)) = num.split_once('.') {
            assert!(frac.len() <= 1, "{num}");
        }
    }
}

#[test]
fn cycles_and_shared_subtrees() {
    // 0 → 1 → 3 → 5, 0 → 2 → 3 (shared), 5 → 1 and 4 → 0 (loops), 3 → 4.
    let nodes: Vec<FlowNode> = (0..6).map(|i| node(&format!("Page {i}"))).collect();
    let edges = vec![
        edge(0, 1, Some("left")),
        edge(0, 2, Some("right")),
        edge(1, 3, None),
        edge(2, 3, Some("also")),
        edge(3, 5, Some("deeper")),
        edge(3, 4, None),
        edge(5, 1, Some("try again from the start of the left branch")),
        edge(4, 0, Some("start over")),
    ];
    let (l, s) = run("cycles", &nodes, &edges, 0);
    let back: Vec<bool> = l.edges.iter().map(|e| e.back).collect();
    assert_eq!(back, [false, false, false, false, false, false, true, true]);
    assert_eq!(
        l.nodes.iter().map(|b| b.layer).collect::<Vec<_>>(),
        [0, 1, 1, 2, 3, 3]
    );
    // The shared page is drawn once, with both branches into it.
    assert_eq!(s.matches("<a href=\"page-3.html\">").count(), 1);
    assert_eq!(s.matches("class=\"edge back\"").count(), 2);
    // A back edge runs upwards into its target.
    let p = &l.edges[7].points;
    assert!(p[0].1 > p[p.len() - 1].1);
}

#[test]
fn self_loops_parallel_edges_and_long_edges() {
    let nodes: Vec<FlowNode> = (0..5).map(|i| node(&format!("Step {i}"))).collect();
    let edges = vec![
        edge(0, 1, Some("yes")),
        edge(0, 1, Some("maybe")),
        edge(0, 4, Some("skip ahead to the very end")),
        edge(1, 1, Some("wait a minute and look again")),
        edge(1, 1, None),
        edge(1, 2, None),
        edge(2, 3, None),
        edge(3, 4, None),
        edge(2, 2, Some("again")),
    ];
    let (l, _) = run("loops", &nodes, &edges, 0);
    assert!(l.edges[3].back && l.edges[4].back && l.edges[8].back);
    assert_ne!(l.edges[0].points, l.edges[1].points);
    // The long edge goes round the boxes in between (checked by `check`),
    // always downwards.
    assert!(
        l.edges[2].points.windows(2).all(|s| s[0].1 < s[1].1),
        "{:?}",
        l.edges[2].points
    );
}

#[test]
fn a_tree_has_no_crossings() {
    let (nodes, edges) = generate(120, 7, 0, 0);
    let (l, _) = run("tree120", &nodes, &edges, 0);
    type Segment = (usize, (f64, f64), (f64, f64));
    let segs: Vec<Segment> = l
        .edges
        .iter()
        .enumerate()
        .flat_map(|(e, p)| p.points.windows(2).map(move |s| (e, s[0], s[1])))
        .collect();
    let cross = |a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)| {
        let o = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
            (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)
        };
        o(a, b, c) * o(a, b, d) < 0.0 && o(c, d, a) * o(c, d, b) < 0.0
    };
    for (i, &(e, a, b)) in segs.iter().enumerate() {
        for &(f, c, d) in &segs[i + 1..] {
            assert!(e == f || !cross(a, b, c, d), "edges {e} and {f} cross");
        }
    }
}

#[test]
fn sixty_pages_with_loops() {
    let (nodes, edges) = generate(60, 42, 8, 4);
    let (l, _) = run("sixty", &nodes, &edges, 0);
    assert!(l.edges.iter().any(|e| e.back));
}

#[test]
fn realistic_sixty_page_tree() {
    let (nodes, edges) = realistic(60, 3);
    run("real60", &nodes, &edges, 0);
    let (nodes, edges) = realistic(25, 11);
    run("real25", &nodes, &edges, 0);
}

#[test]
fn random_small_graphs() {
    // Anything goes: self-loops, parallel edges, cycles, unreachable pages,
    // any root, labels or not.
    let mut rng = Lcg(1);
    for case in 0..300 {
        let n = 1 + rng.below(30);
        let m = rng.below(2 * n + 1);
        let nodes: Vec<FlowNode> = (0..n)
            .map(|i| FlowNode {
                title: rng.words(0, 12),
                url: format!("p{i}.html"),
                outcome: (rng.below(3) == 0).then(|| "resolved".into()),
                entry: i == 0,
            })
            .collect();
        let edges: Vec<FlowEdge> = (0..m)
            .map(|_| FlowEdge {
                from: rng.below(n),
                to: rng.below(n),
                label: (rng.below(3) != 0).then(|| rng.words(1, 9)),
            })
            .collect();
        let root = rng.below(n);
        let l = layout(&nodes, &edges, root);
        check(&nodes, &edges, root, &l);
        assert_eq!(layout(&nodes, &edges, root), l, "case {case}");
    }
}

#[test]
fn degenerate_shapes() {
    // A 2,000-step procedure and a question with 2,000 answers.
    let nodes: Vec<FlowNode> = (0..2000).map(|i| node(&format!("Step {i}"))).collect();
    let chain: Vec<FlowEdge> = (1..2000).map(|i| edge(i - 1, i, Some("done"))).collect();
    let star: Vec<FlowEdge> = (1..2000).map(|i| edge(0, i, Some("answer"))).collect();
    for (name, edges) in [("chain", chain), ("star", star)] {
        let t = Instant::now();
        let l = layout(&nodes, &edges, 0);
        eprintln!("flowchart: 2000-node {name}: layout {:?}", t.elapsed());
        check(&nodes, &edges, 0, &l);
    }
}

#[test]
fn odd_inputs() {
    // Nothing at all.
    let l = layout(&[], &[], 0);
    assert!(l.nodes.is_empty() && l.root.is_none());
    assert!(svg(&[], &[], &l, "x").starts_with("<svg"));
    // One page.
    let one = [FlowNode {
        entry: true,
        ..node("Only")
    }];
    run("one", &one, &[], 0);
    // An unreachable page and an edge to nowhere.
    let nodes: Vec<FlowNode> = (0..3).map(|i| node(&format!("P{i}"))).collect();
    let edges = [edge(0, 1, None), edge(1, 9, Some("nowhere"))];
    let l = layout(&nodes, &edges, 0);
    assert!(l.edges[1].points.is_empty());
    check(
        &nodes,
        &edges[..1],
        0,
        &Layout {
            edges: l.edges[..1].to_vec(),
            ..l.clone()
        },
    );
    // A root that is not the first node.
    let edges = [
        edge(2, 0, Some("a")),
        edge(2, 1, Some("b")),
        edge(0, 2, Some("loop")),
    ];
    let (l, _) = run("root2", &nodes, &edges, 2);
    assert!(l.edges[2].back);
}

#[test]
fn two_thousand_pages() {
    let (nodes, edges) = generate(2000, 2024, 400, 40);
    let t = Instant::now();
    let l = layout(&nodes, &edges, 0);
    let lt = t.elapsed();
    let t = Instant::now();
    let s = svg(&nodes, &edges, &l, "big");
    let st = t.elapsed();
    eprintln!(
        "flowchart: 2000 nodes, {} edges: layout {lt:?}, svg {st:?} ({} KiB), {:.0}x{:.0}px",
        edges.len(),
        s.len() / 1024,
        l.width,
        l.height
    );
    check(&nodes, &edges, 0, &l);
    assert_eq!(layout(&nodes, &edges, 0), l);
}

/// The texts of the chart, one per `<text>` element, its lines joined with spaces.
fn chart_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    for text in svg.split("<text").skip(1) {
        let text = &text[..text.find("</text>").unwrap()];
        let lines: Vec<&str> = text
            .split("<tspan")
            .skip(1)
            .map(|t| &t[t.find('>').unwrap() + 1..t.find("</tspan>").unwrap()])
            .collect();
        out.push(lines.join(" "));
    }
    out
}

#[test]
fn every_title_and_when_is_drawn_in_full() {
    // Wide fan-outs with branch labels of 60 to 110 characters.
    let mut rng = Lcg(7);
    let mut nodes = vec![node(
        "Start: the printer does not print anything at all today",
    )];
    let mut edges = Vec::new();
    for i in 1..40 {
        let from = rng.below(i.min(8));
        nodes.push(node(&rng.words(3, 14)));
        let mut when = rng.words(10, 18);
        when.truncate(110);
        edges.push(edge(from, i, Some(when.trim_end())));
    }
    let l = layout(&nodes, &edges, 0);
    check(&nodes, &edges, 0, &l);
    let s = svg(&nodes, &edges, &l, "full");
    let mut escaped = String::new();
    let texts = chart_texts(&s);
    for want in nodes
        .iter()
        .map(|n| n.title.as_str())
        .chain(edges.iter().filter_map(|e| e.label.as_deref()))
    {
        escaped.clear();
        text::escape_into(&mut escaped, &text::flatten(want));
        assert!(texts.contains(&escaped), "{want:?} not in {texts:?}");
    }
    // The chart scales down to MIN_SCALE at most (9px labels, asserted at compile time).
    assert!(
        s.contains("style=\"width:100%;height:auto;max-width:"),
        "{s}"
    );
}

#[test]
fn two_thousand_pages_with_long_whens() {
    // Every branch label 60 to 110 characters, so every label takes lines.
    let (nodes, mut edges) = generate(2000, 31, 200, 20);
    let mut rng = Lcg(5);
    for e in &mut edges {
        let mut when = rng.words(12, 20);
        when.truncate(110);
        e.label = Some(when.trim_end().to_string());
    }
    let t = Instant::now();
    let l = layout(&nodes, &edges, 0);
    eprintln!(
        "flowchart: 2000 nodes, {} edges with long whens: layout {:?}, {:.0}x{:.0}px",
        edges.len(),
        t.elapsed(),
        l.width,
        l.height
    );
    check(&nodes, &edges, 0, &l);
}

#[test]
fn two_thousand_page_tree() {
    let (nodes, edges) = generate(2000, 99, 0, 0);
    let t = Instant::now();
    let l = layout(&nodes, &edges, 0);
    eprintln!("flowchart: 2000-node tree: layout {:?}", t.elapsed());
    check(&nodes, &edges, 0, &l);
}

#[test]
fn two_hundred_trees_of_fifty_pages() {
    let trees: Vec<_> = (0..200).map(|i| generate(50, i, 5, 2)).collect();
    let t = Instant::now();
    let layouts: Vec<Layout> = trees.iter().map(|(n, e)| layout(n, e, 0)).collect();
    let lt = t.elapsed();
    let t = Instant::now();
    let mut bytes = 0;
    for (i, ((nodes, edges), l)) in trees.iter().zip(&layouts).enumerate() {
        bytes += svg(nodes, edges, l, &format!("t{i}")).len();
    }
    let st = t.elapsed();
    eprintln!(
        "flowchart: 200 trees of 50 pages: layout {lt:?} + svg {st:?} in all; per tree {:?} + {:?}, {} KiB of SVG",
        lt / 200,
        st / 200,
        bytes / 200 / 1024
    );
    for ((nodes, edges), l) in trees.iter().zip(&layouts).take(20) {
        check(nodes, edges, 0, l);
    }
}

#[test]
fn one_fifty_page_tree() {
    let (nodes, edges) = realistic(50, 5);
    let t = Instant::now();
    for _ in 0..100 {
        std::hint::black_box(layout(&nodes, &edges, 0));
    }
    let lt = t.elapsed() / 100;
    let l = layout(&nodes, &edges, 0);
    let t = Instant::now();
    for _ in 0..100 {
        std::hint::black_box(svg(&nodes, &edges, &l, "t"));
    }
    let s = svg(&nodes, &edges, &l, "t");
    eprintln!(
        "flowchart: one 50-page tree ({} edges): layout {lt:?}, svg {:?} ({} KiB), mean of 100",
        edges.len(),
        t.elapsed() / 100,
        s.len() / 1024
    );
    check(&nodes, &edges, 0, &l);
}

#[test]
fn a_wide_fan_out_is_laid_out_with_narrower_lines() {
    let when =
        "The printer shows a paper jam message although there is no paper stuck anywhere inside it";
    let mut nodes = vec![node("The office printer does not print")];
    let mut edges = Vec::new();
    for i in 1..=8 {
        nodes.push(node(
            "Check for hidden scraps of paper behind the rear door",
        ));
        edges.push(edge(0, i, Some(when)));
    }
    let normal = super::layout_wrapped(&nodes, &edges, 0, super::NORMAL);
    assert!(normal.width > super::WIDE, "{}", normal.width);
    let l = layout(&nodes, &edges, 0);
    assert!(
        l.width < normal.width * 0.75,
        "{} vs {}",
        l.width,
        normal.width
    );
    check(&nodes, &edges, 0, &l);
    // Still every word.
    let texts = chart_texts(&svg(&nodes, &edges, &l, "w"));
    assert!(texts.iter().any(|t| t == when), "{texts:?}");
}
