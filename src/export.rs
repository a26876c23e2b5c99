//! export: the decision graph as JSON (the same shape as `graph.json`), Graphviz
//! DOT, or a Mermaid `flowchart`, optionally limited to one tree.
//!
//! Input: a [`Site`] and an optional entry page. Output: text.

use std::fmt::Write as _;

use crate::Site;
use crate::content::PageId;

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

#[cfg(test)]
#[derive(serde::Serialize)]
struct Node<'a> {
    id: &'a str,
    title: &'a str,
    url: &'a str,
    entry: bool,
    outcome: Option<&'static str>,
}

#[cfg(test)]
#[derive(serde::Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    when: Option<&'a str>,
}

#[cfg(test)]
#[derive(serde::Serialize)]
struct Doc<'a> {
    nodes: Vec<Node<'a>>,
    edges: Vec<EdgeOut<'a>>,
}

/// The graph as JSON (SPEC §5's `graph.json` shape).
pub fn json(site: &Site, ids: &[PageId]) -> String {
    let mut out = Vec::new();
    write_json(site, ids, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Writes [`json`] into `w`.
///
/// # Errors
/// An I/O error of `w`.
pub fn write_json(site: &Site, ids: &[PageId], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Written by hand, exactly as `serde_json::to_writer_pretty` writes the
    // same structure (a test compares them): serde's formatter was 2% of a
    // build's instructions. Flushed to `w` every 64 KiB, so a large site's
    // graph is never held whole.
    let content = &site.content;
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 1024);
    let mut flush = |buf: &mut Vec<u8>, force: bool| -> std::io::Result<()> {
        if force || buf.len() >= FLUSH_AT {
            w.write_all(buf)?;
            buf.clear();
        }
        Ok(())
    };
    buf.extend_from_slice(b"{\n  \"nodes\": [");
    for (i, &id) in ids.iter().enumerate() {
        let p = content.page(id);
        buf.extend_from_slice(if i == 0 { b"\n    {" } else { b",\n    {" });
        field(&mut buf, "id", Some(&p.path), false);
        field(&mut buf, "title", Some(p.title()), false);
        field(&mut buf, "url", Some(&p.out), false);
        buf.extend_from_slice(b"\n      \"entry\": ");
        buf.extend_from_slice(if p.meta.is_entry() {
            b"true,"
        } else {
            b"false,"
        });
        let outcome = p.meta.outcome.as_ref().map(|o| o.value.as_str());
        field(&mut buf, "outcome", outcome, true);
        buf.extend_from_slice(b"\n    }");
        flush(&mut buf, false)?;
    }
    buf.extend_from_slice(if ids.is_empty() {
        b"],\n  \"edges\": ["
    } else {
        b"\n  ],\n  \"edges\": ["
    });
    let mut any = false;
    for e in edges(site, ids) {
        buf.extend_from_slice(if any { b",\n    {" } else { b"\n    {" });
        any = true;
        field(&mut buf, "from", Some(&content.page(e.from).path), false);
        field(&mut buf, "to", Some(&content.page(e.to).path), false);
        field(&mut buf, "when", e.when.as_deref(), true);
        buf.extend_from_slice(b"\n    }");
        flush(&mut buf, false)?;
    }
    buf.extend_from_slice(if any { b"\n  ]\n}\n" } else { b"]\n}\n" });
    flush(&mut buf, true)
}

/// How much of `graph.json` [`write_json`] gathers before writing it out.
const FLUSH_AT: usize = 64 * 1024;

/// One `"key": value` line of an object at depth 2 (`null` for `None`),
/// followed by a comma unless it is the `last`.
fn field(buf: &mut Vec<u8>, key: &str, value: Option<&str>, last: bool) {
    buf.extend_from_slice(b"\n      \"");
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\": ");
    match value {
        Some(v) => crate::search::json_plain_string(buf, v),
        None => buf.extend_from_slice(b"null"),
    }
    if !last {
        buf.push(b',');
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_json` as first written: serde_json's pretty printer.
    fn through_serde(site: &Site, ids: &[PageId]) -> String {
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
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    fn site(pages: &[(&str, String)]) -> Site {
        let files = pages
            .iter()
            .map(|(p, t)| (format!("content/{p}"), t.clone().into_bytes()))
            .collect();
        crate::analyze_files(std::path::Path::new("."), "title = \"T\"\n", files, false)
            .site
            .expect("site.toml parses")
    }

    #[test]
    fn empty_graph_is_written_as_serde_writes_it() {
        let s = site(&[]);
        assert_eq!(json(&s, &[]), through_serde(&s, &[]));
        let s = site(&[("a.md", "+++\ntitle = \"A\"\n+++\n".into())]);
        let ids = select(&s, None).unwrap();
        assert_eq!(json(&s, &ids), through_serde(&s, &ids));
    }

    proptest::proptest! {
        /// Titles, whens and paths with quotes, backslashes, controls and
        /// non-ASCII come out as serde_json writes them.
        #[test]
        fn graph_json_is_written_as_serde_writes_it(
            title in "[a-z \"\\\\<>/\u{1}\u{1f}\u{7f}é]{1,12}",
            when in "[a-z \"\\\\<>\u{8}é]{0,12}",
            name in "[a-zé]{1,6}",
            outcome in proptest::option::of("resolved|escalate"),
        ) {
            let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"")
                .replace('\u{1}', "\\u0001").replace('\u{1f}', "\\u001f").replace('\u{8}', "\\b");
            let outcome = outcome.map(|o| format!("outcome = \"{o}\"\n")).unwrap_or_default();
            let s = site(&[
                ("start.md", format!(
                    "+++\ntitle = \"{}\"\nentry = true\n[[branch]]\nwhen = \"{}\"\nto = \"{name}.md\"\n[[branch]]\nto = \"{name}.md#x\"\n+++\n",
                    esc(&title), esc(&when)
                )),
                (&format!("{name}.md"), format!("+++\ntitle = \"{}\"\n{outcome}+++\n# X\n", esc(&title))),
            ]);
            let ids = select(&s, None).unwrap();
            proptest::prop_assert_eq!(json(&s, &ids), through_serde(&s, &ids));
        }
    }
}
