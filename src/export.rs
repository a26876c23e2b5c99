//! export: the decision graph as JSON (the same shape as `graph.json`), Graphviz
//! DOT, or a Mermaid `flowchart`, optionally limited to one tree.
//!
//! Input: a [`Site`] and an optional entry page. Output: text.

use std::fmt::Write as _;

use crate::content::PageId;
use crate::site::Site;

/// Output format of `signpost graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// `{"nodes": [...], "edges": [...]}` as in graph.json.
    Json,
    /// Graphviz DOT.
    Dot,
    /// Mermaid `flowchart TD`.
    Mermaid,
}

/// The pages to export: all nodes, or the tree of one entry.
///
/// # Errors
/// A message when `entry` names no page (listing the entries).
pub fn select(site: &Site, entry: Option<&str>) -> Result<Vec<PageId>, String> {
    let content = &site.content;
    match entry {
        None => Ok(content
            .pages
            .iter()
            .filter(|p| !p.section_intro)
            .map(|p| p.id)
            .collect()),
        Some(e) => {
            let e = e.trim_start_matches("./");
            let prefix = format!("{}/", site.config.content_dir.trim_end_matches('/'));
            let e = e.strip_prefix(&prefix).unwrap_or(e);
            let e = e.trim_start_matches('/');
            let id = content
                .find(e)
                .or_else(|| content.find(&format!("{e}.md")))
                .filter(|id| !content.page(*id).section_intro)
                .ok_or_else(|| {
                    let entries: Vec<&str> = site
                        .graph
                        .entries
                        .iter()
                        .map(|id| content.page(*id).path.as_str())
                        .collect();
                    format!("no page `{e}`; entries are: {}", entries.join(", "))
                })?;
            let mut ids = site.graph.tree(id);
            ids.sort();
            Ok(ids)
        }
    }
}

/// Renders the pages `ids` (sorted) and the edges between them.
pub fn render(site: &Site, ids: &[PageId], format: GraphFormat) -> String {
    match format {
        GraphFormat::Json => json(site, ids),
        GraphFormat::Dot => dot(site, ids),
        GraphFormat::Mermaid => mermaid(site, ids),
    }
}

fn edges<'a>(
    site: &'a Site,
    ids: &'a [PageId],
) -> impl Iterator<Item = &'a crate::graph::Edge> + 'a {
    site.graph
        .edges
        .iter()
        .filter(move |e| ids.binary_search(&e.from).is_ok() && ids.binary_search(&e.to).is_ok())
}

#[derive(serde::Serialize)]
struct Node<'a> {
    id: &'a str,
    title: &'a str,
    url: &'a str,
    entry: bool,
    outcome: Option<&'static str>,
}

#[derive(serde::Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    when: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct Doc<'a> {
    nodes: Vec<Node<'a>>,
    edges: Vec<EdgeOut<'a>>,
}

/// The graph as JSON (SPEC §5's `graph.json` shape), pretty-printed.
pub fn json(site: &Site, ids: &[PageId]) -> String {
    let mut out = Vec::new();
    write_json(site, ids, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Writes [`json`] to `w` as it is made: at 10,000 pages it is megabytes.
///
/// # Errors
/// An I/O error of `w`.
pub fn write_json(site: &Site, ids: &[PageId], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let content = &site.content;
    let doc = Doc {
        nodes: ids
            .iter()
            .map(|&id| {
                let p = content.page(id);
                Node {
                    id: &p.path,
                    title: p.title(),
                    url: &p.out,
                    entry: p.meta.is_entry(),
                    outcome: p.meta.outcome.as_ref().map(|o| o.value.as_str()),
                }
            })
            .collect(),
        edges: edges(site, ids)
            .map(|e| EdgeOut {
                from: &content.page(e.from).path,
                to: &content.page(e.to).path,
                when: e.when.as_deref(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// Writes `graph.json` to `w`: every page but section intros, and every edge.
///
/// # Errors
/// An I/O error of `w`.
pub fn write_graph_json(site: &Site, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let ids = select(site, None).expect("all pages");
    write_json(site, &ids, w)
}

fn dot_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn label_text(when: Option<&str>) -> String {
    when.map_or_else(|| "Next step".to_string(), crate::markdown::inline_text)
}

fn dot(site: &Site, ids: &[PageId]) -> String {
    let content = &site.content;
    let mut s = String::from(
        "digraph signpost {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n",
    );
    for &id in ids {
        let p = content.page(id);
        let fill = match p.meta.outcome.as_ref().map(|o| o.value.as_str()) {
            Some("resolved") => "#d8f3dc",
            Some("escalate") => "#ffe8cc",
            Some("unsolved") => "#f8d7da",
            _ if p.meta.is_entry() => "#dbe9ff",
            _ => "#ffffff",
        };
        let shape = if p.meta.is_entry() {
            ", penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {} [label={}, URL={}, fillcolor=\"{fill}\"{shape}];",
            dot_str(&p.path),
            dot_str(p.title()),
            dot_str(&p.out)
        );
    }
    for e in edges(site, ids) {
        let _ = writeln!(
            s,
            "  {} -> {} [label={}];",
            dot_str(&content.page(e.from).path),
            dot_str(&content.page(e.to).path),
            dot_str(&label_text(e.when.as_deref()))
        );
    }
    s.push_str("}\n");
    s
}

/// Escapes text for a quoted Mermaid label.
pub fn mermaid_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid(site: &Site, ids: &[PageId]) -> String {
    let content = &site.content;
    let mut s = String::from("flowchart TD\n");
    let node = |id: PageId| format!("n{}", ids.binary_search(&id).expect("selected"));
    for &id in ids {
        let p = content.page(id);
        let _ = writeln!(s, "  {}[\"{}\"]", node(id), mermaid_str(p.title()));
    }
    for e in edges(site, ids) {
        let _ = writeln!(
            s,
            "  {} -->|\"{}\"| {}",
            node(e.from),
            mermaid_str(&label_text(e.when.as_deref())),
            node(e.to)
        );
    }
    for &id in ids {
        let p = content.page(id);
        let _ = writeln!(s, "  click {} \"{}\"", node(id), mermaid_str(&p.out));
    }
    s.push_str("  classDef entry stroke-width:3px\n  classDef resolved fill:#d8f3dc\n  classDef escalate fill:#ffe8cc\n  classDef unsolved fill:#f8d7da\n");
    for &id in ids {
        let p = content.page(id);
        let class = match p.meta.outcome.as_ref().map(|o| o.value.as_str()) {
            Some(o) => Some(o),
            None if p.meta.is_entry() => Some("entry"),
            None => None,
        };
        if let Some(c) = class {
            let _ = writeln!(s, "  class {} {c}", node(id));
        }
    }
    s
}
