//! Rendering a [`SiteDiff`]: Markdown for a pull-request comment (a summary line,
//! a section per tree with before/after Mermaid flowcharts of the changed
//! neighbourhood, collapsible lists), stable JSON for other tools, or plain
//! terminal text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{BranchChanges, DiagnosticItem, PageChange, SiteDiff, Snap, Summary, TreeChange};
use crate::diag::Severity;
use crate::export::mermaid_str;

/// Output format of `signpost diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain text for a terminal.
    #[default]
    Human,
    /// Markdown for a pull-request comment, with Mermaid flowcharts.
    Markdown,
    /// The [`SiteDiff`] as JSON (schema in docs/commands.md).
    Json,
}

/// The largest neighbourhood drawn as a flowchart; bigger ones are only listed.
const MAX_NODES: usize = 30;
/// Edge labels longer than this are cut.
const MAX_LABEL: usize = 40;

/// Renders `diff` in `format`.
pub fn render(diff: &SiteDiff, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(diff).expect("diff serializes");
            s.push('\n');
            s
        }
        Format::Markdown => markdown(diff),
        Format::Human => human(diff),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary, as phrases.
fn summary_parts(s: &Summary) -> Vec<String> {
    let mut parts = Vec::new();
    let pages: Vec<String> = [
        (s.pages_added, "added"),
        (s.pages_removed, "removed"),
        (s.pages_renamed, "renamed"),
        (s.pages_changed, "changed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    if !pages.is_empty() {
        parts.push(format!("pages: {}", pages.join(", ")));
    }
    let mut add = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(plural(n, one, many));
        }
    };
    add(
        s.became_unreachable,
        "page became unreachable",
        "pages became unreachable",
    );
    add(
        s.became_reachable,
        "page became reachable",
        "pages became reachable",
    );
    add(s.dead_ends_new, "new dead end", "new dead ends");
    add(s.dead_ends_fixed, "dead end fixed", "dead ends fixed");
    add(s.cycles_new, "new loop", "new loops");
    add(s.cycles_fixed, "loop fixed", "loops fixed");
    add(
        s.trees_outcomes_changed,
        "tree with changed outcomes",
        "trees with changed outcomes",
    );
    add(s.errors_introduced, "error introduced", "errors introduced");
    add(
        s.warnings_introduced,
        "warning introduced",
        "warnings introduced",
    );
    add(s.errors_fixed, "error fixed", "errors fixed");
    add(s.warnings_fixed, "warning fixed", "warnings fixed");
    add(
        s.path_tests_changed,
        "path test changed result",
        "path tests changed result",
    );
    parts
}

const NOTHING: &str = "No changes to the decision trees, and no problems introduced or fixed.";

/// How text is marked up: Markdown (code spans, escaped HTML) or plain.
#[derive(Clone, Copy)]
struct Style {
    md: bool,
}

impl Style {
    fn code(self, s: &str) -> String {
        if !self.md {
            return s.to_string();
        }
        let s = s.replace(['\n', '\r'], " ");
        if s.contains('`') {
            format!("`` {s} ``")
        } else {
            format!("`{s}`")
        }
    }

    fn quote(self, s: &str) -> String {
        let s = s.replace(['\n', '\r'], " ");
        if self.md {
            format!("“{}”", escape_md(&s))
        } else {
            format!("\"{s}\"")
        }
    }

    fn when(self, w: Option<&str>) -> String {
        match w {
            Some(w) => self.quote(w),
            None if self.md => "(no `when`)".into(),
            None => "(no when)".into(),
        }
    }
}

/// Keeps user text from opening HTML tags (`<details>`) or tables in a comment.
fn escape_md(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

fn title_of<'a>(diff: &'a SiteDiff, id: &str) -> Option<&'a str> {
    diff.after
        .pages
        .get(id)
        .or_else(|| diff.before.pages.get(id))
        .map(|p| p.title.as_str())
}

fn branch_facts(b: &BranchChanges, st: Style, out: &mut Vec<String>) {
    for x in &b.added {
        out.push(format!(
            "branch added: {} → {}",
            st.when(x.when.as_deref()),
            st.code(&x.to)
        ));
    }
    for x in &b.removed {
        out.push(format!(
            "branch removed: {} → {}",
            st.when(x.when.as_deref()),
            st.code(&x.to)
        ));
    }
    for x in &b.retargeted {
        out.push(format!(
            "branch {} retargeted: {} → {}",
            st.when(x.when.as_deref()),
            st.code(&x.before),
            st.code(&x.after)
        ));
    }
    for x in &b.reworded {
        out.push(format!(
            "branch to {} reworded: {} → {}",
            st.code(&x.to),
            st.when(x.before.as_deref()),
            st.when(x.after.as_deref())
        ));
    }
    if let Some(r) = &b.reordered {
        let list = |v: &[super::Branch]| {
            v.iter()
                .map(|b| st.when(b.when.as_deref()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(format!(
            "branches reordered: {} → {}",
            list(&r.before),
            list(&r.after)
        ));
    }
}

fn change_facts(c: &PageChange, st: Style, out: &mut Vec<String>) {
    if let Some(from) = &c.renamed_from {
        out.push(format!("renamed from {}", st.code(from)));
    }
    if let Some(t) = &c.retitled {
        out.push(format!(
            "retitled: {} → {}",
            st.quote(&t.before),
            st.quote(&t.after)
        ));
    }
    if let Some(o) = &c.outcome {
        let v = |o: Option<&str>| o.map_or_else(|| "none".to_string(), |o| st.code(o));
        out.push(format!("outcome: {} → {}", v(o.before), v(o.after)));
    }
    if let Some(e) = &c.entry {
        out.push(if e.after {
            "now the entry of a tree".into()
        } else {
            "no longer an entry".into()
        });
    }
    branch_facts(&c.branches, st, out);
    if c.meta_changed {
        out.push("summary, tags or weight edited".into());
    }
    if c.text_changed {
        out.push("text edited".into());
    }
}

/// Everything said about one page, in a fixed order.
fn page_facts(diff: &SiteDiff, id: &str, st: Style) -> Vec<String> {
    // Every list is sorted by page id.
    fn find<'a, T>(v: &'a [T], id: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
        v.binary_search_by(|x| key(x).cmp(id)).ok().map(|i| &v[i])
    }
    let mut out = Vec::new();
    let changed = find(&diff.pages.changed, id, |c| &c.id);
    if let Some(p) = find(&diff.pages.added, id, |p| &p.id) {
        let mut s = "added".to_string();
        if p.entry {
            s.push_str(", the entry of a tree");
        }
        if let Some(o) = p.outcome {
            let _ = write!(s, ", outcome {}", st.code(o));
        }
        out.push(s);
    }
    if find(&diff.pages.removed, id, |p| &p.id).is_some() {
        out.push("removed".into());
    }
    if let Some(r) = find(&diff.pages.renamed, id, |r| &r.to)
        && changed.is_none()
    {
        out.push(format!("renamed from {}", st.code(&r.from)));
    }
    if let Some(c) = changed {
        change_facts(c, st, &mut out);
    }
    let g = &diff.graph;
    let has = |v: &[String]| find(v, id, String::as_str).is_some();
    if has(&g.became_unreachable) {
        out.push("no entry reaches it any more".into());
    }
    if has(&g.became_reachable) {
        out.push("now reached from an entry".into());
    }
    if has(&g.dead_ends.new) {
        out.push("new dead end: no branches and no outcome".into());
    }
    if has(&g.dead_ends.fixed) {
        out.push("dead end fixed".into());
    }
    out
}

/// Facts about loops and outcomes of a group of pages (a tree, or the rest).
fn group_facts(diff: &SiteDiff, pages: &[String], tree: Option<&str>, st: Style) -> Vec<String> {
    let mut out = Vec::new();
    let touches = |c: &Vec<String>| c.iter().any(|p| pages.contains(p));
    let names = |c: &Vec<String>| c.iter().map(|p| st.code(p)).collect::<Vec<_>>().join(", ");
    for c in diff.graph.cycles.new.iter().filter(|c| touches(c)) {
        out.push(format!("new loop through {}", names(c)));
    }
    for c in diff.graph.cycles.fixed.iter().filter(|c| touches(c)) {
        out.push(format!("loop fixed: {}", names(c)));
    }
    if let Some(t) = tree
        && let Some(o) = diff.graph.outcomes.iter().find(|o| o.tree == t)
    {
        let list = |v: &[super::OutcomeAt]| {
            v.iter()
                .map(|o| format!("{} at {}", st.code(o.outcome), st.code(&o.page)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !o.gained.is_empty() {
            out.push(format!("the tree can now end in {}", list(&o.gained)));
        }
        if !o.lost.is_empty() {
            out.push(format!("the tree can no longer end in {}", list(&o.lost)));
        }
    }
    out
}

fn diag_line(d: &DiagnosticItem, st: Style) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = format!("{}:{}:{}", d.file, d.line, d.column);
    if st.md {
        format!(
            "**{sev}** {} {}: {}",
            st.code(d.code),
            st.code(&place),
            escape_md(&d.message)
        )
    } else {
        format!("{sev} {} {place}: {}", d.code, d.message)
    }
}

fn count_phrase(items: &[DiagnosticItem]) -> String {
    let e = items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let w = items.len() - e;
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(plural(e, "error", "errors"));
    }
    if w > 0 {
        parts.push(plural(w, "warning", "warnings"));
    }
    parts.join(", ")
}

// ---------------------------------------------------------------------------
// Markdown

fn md_revs(diff: &SiteDiff) -> String {
    let one = |r: &super::Rev| match (&r.rev, &r.commit) {
        (Some(rev), Some(c)) if c.starts_with(rev.as_str()) => {
            format!("`{}`", &c[..c.len().min(7)])
        }
        (Some(rev), Some(c)) => format!("`{rev}` (`{}`)", &c[..c.len().min(7)]),
        (Some(rev), None) => format!("`{rev}`"),
        _ => "the working tree".into(),
    };
    format!("{} → {}", one(&diff.base), one(&diff.head))
}

fn md_list(out: &mut String, diff: &SiteDiff, pages: &[String], extra: &[String], st: Style) {
    for id in pages {
        let facts = page_facts(diff, id, st);
        if facts.is_empty() {
            continue;
        }
        let title = title_of(diff, id).map_or_else(String::new, |t| format!(" {}", st.quote(t)));
        let _ = writeln!(out, "- {}{title}", st.code(id));
        for f in facts {
            let _ = writeln!(out, "  - {f}");
        }
    }
    for f in extra {
        let _ = writeln!(out, "- {f}");
    }
}

/// GitHub refuses comments over 65,536 characters; stay well below.
const MAX_COMMENT: usize = 60_000;

fn markdown(diff: &SiteDiff) -> String {
    let full = markdown_with(diff, true);
    if full.len() <= MAX_COMMENT {
        return full;
    }
    let lists = markdown_with(diff, false);
    if lists.len() <= MAX_COMMENT {
        return lists;
    }
    // Cut at a line, close the open <details>, and say so.
    let mut end = MAX_COMMENT;
    while !lists.is_char_boundary(end) {
        end -= 1;
    }
    let cut = lists[..end].rfind('\n').unwrap_or(0);
    let mut out = lists[..cut].to_string();
    out.push('\n');
    if out.matches("<details").count() > out.matches("</details>").count() {
        out.push_str("\n</details>\n");
    }
    out.push_str(
        "\n*This report was cut to fit in a comment: run `signpost diff` for all of it.*\n",
    );
    out
}

fn markdown_with(diff: &SiteDiff, draw: bool) -> String {
    let st = Style { md: true };
    let mut out = String::from("<!-- signpost-diff -->\n## Decision-tree changes\n\n");
    let _ = writeln!(out, "{}\n", md_revs(diff));
    if diff.is_empty() {
        let _ = writeln!(out, "{NOTHING}");
        return out;
    }
    let _ = writeln!(out, "**{}**", summary_parts(&diff.summary).join(" · "));
    let parents = [parents_of(&diff.before), parents_of(&diff.after)];
    for tree in &diff.trees {
        let status = match tree.status {
            "added" => " (new tree)",
            "removed" => " (tree removed)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "\n### Tree: {} — {}{status}\n",
            escape_md(&tree.title),
            st.code(&tree.entry)
        );
        if draw {
            flowcharts(&mut out, diff, tree, &parents);
        } else {
            let _ = writeln!(out, "*Flowcharts left out to fit in a comment.*\n");
        }
        let extra = group_facts(diff, &tree.pages, Some(&tree.entry), st);
        let n = tree.pages.len();
        let _ = writeln!(
            out,
            "<details><summary>{} in this tree</summary>\n",
            plural(n, "changed page", "changed pages")
        );
        md_list(&mut out, diff, &tree.pages, &extra, st);
        let _ = writeln!(out, "\n</details>");
    }
    if !diff.other_pages.is_empty() {
        let _ = writeln!(out, "\n### Pages outside the trees\n");
        let _ = writeln!(
            out,
            "<details><summary>{} that no entry reaches</summary>\n",
            plural(diff.other_pages.len(), "changed page", "changed pages")
        );
        let extra = group_facts(diff, &diff.other_pages, None, st);
        md_list(&mut out, diff, &diff.other_pages, &extra, st);
        let _ = writeln!(out, "\n</details>");
    }
    if !diff.path_tests.is_empty() {
        let _ = writeln!(out, "\n### Path tests\n");
        for line in path_test_lines(diff, st) {
            let _ = writeln!(out, "- {line}");
        }
    }
    let d = &diff.diagnostics;
    if !d.introduced.is_empty() || !d.fixed.is_empty() {
        let _ = writeln!(out, "\n### Problems\n");
        for (items, what, open) in [
            (&d.introduced, "Introduced", " open"),
            (&d.fixed, "Fixed", ""),
        ] {
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "<details{open}><summary>{what}: {}</summary>\n",
                count_phrase(items)
            );
            for item in items {
                let _ = writeln!(out, "- {}", diag_line(item, st));
            }
            let _ = writeln!(out, "\n</details>\n");
        }
    }
    out
}

/// Page → the pages with a branch to it.
type Parents<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

fn parents_of(snap: &Snap) -> Parents<'_> {
    let mut parents: Parents<'_> = BTreeMap::new();
    for (p, page) in &snap.pages {
        for t in page.branches.iter().filter_map(|b| b.to.page()) {
            parents.entry(t).or_default().insert(p);
        }
    }
    parents
}

/// The pages drawn for a tree: its changed pages and their direct parents and
/// children on either side (within the tree).
fn neighbourhood(diff: &SiteDiff, tree: &TreeChange, parents: &[Parents<'_>; 2]) -> Vec<String> {
    let empty = BTreeSet::new();
    let mut nodes: BTreeSet<String> = tree.pages.iter().cloned().collect();
    let sides = [(&diff.before, &parents[0]), (&diff.after, &parents[1])];
    for (snap, parents) in sides {
        let members = snap.trees.get(&tree.entry).unwrap_or(&empty);
        for p in tree.pages.iter().filter(|p| members.contains(*p)) {
            let up = parents.get(p.as_str()).into_iter().flatten().copied();
            for q in up.chain(snap.children(p)) {
                if members.contains(q) {
                    nodes.insert(q.to_string());
                }
            }
        }
    }
    nodes.into_iter().collect()
}

fn flowcharts(out: &mut String, diff: &SiteDiff, tree: &TreeChange, parents: &[Parents<'_>; 2]) {
    let nodes = neighbourhood(diff, tree, parents);
    if nodes.len() > MAX_NODES {
        let _ = writeln!(
            out,
            "*The changed part of this tree spans {} pages: too many to draw; see the list.*\n",
            nodes.len()
        );
        return;
    }
    let changes: BTreeMap<&str, &PageChange> = diff
        .pages
        .changed
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    for (label, snap, side) in [
        ("Before", &diff.before, Side::Before),
        ("After", &diff.after, Side::After),
    ] {
        let _ = writeln!(out, "**{label}**\n");
        let Some(members) = snap.trees.get(&tree.entry) else {
            let _ = writeln!(
                out,
                "*{}*\n",
                match side {
                    Side::Before => "The tree did not exist.",
                    Side::After => "The tree is gone.",
                }
            );
            continue;
        };
        let shown: Vec<&String> = nodes.iter().filter(|p| members.contains(*p)).collect();
        if shown.is_empty() {
            let _ = writeln!(out, "*None of these pages was in the tree.*\n");
            continue;
        }
        let chart = flowchart(diff, snap, side, &nodes, &shown, &tree.pages, &changes);
        let _ = writeln!(out, "```mermaid\n{chart}```\n");
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Before,
    After,
}

fn label_text(s: &str) -> String {
    mermaid_str(s).replace('`', "#96;")
}

/// One Mermaid flowchart: `shown` pages of `snap`, the branches between them, the
/// changed pages and branches highlighted. Node ids are indexes in `nodes`, the
/// same on both sides.
fn flowchart(
    diff: &SiteDiff,
    snap: &Snap,
    side: Side,
    nodes: &[String],
    shown: &[&String],
    touched: &[String],
    changes: &BTreeMap<&str, &PageChange>,
) -> String {
    let id = |p: &str| {
        format!(
            "n{}",
            nodes.binary_search_by(|n| n.as_str().cmp(p)).expect("node")
        )
    };
    let added: BTreeSet<&str> = diff.pages.added.iter().map(|p| p.id.as_str()).collect();
    let removed: BTreeSet<&str> = diff.pages.removed.iter().map(|p| p.id.as_str()).collect();
    let mut s = String::from("flowchart TD\n");
    let mut classes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in shown {
        let page = &snap.pages[p.as_str()];
        let mut label = String::new();
        let class = if side == Side::After && added.contains(p.as_str()) {
            label.push_str("NEW: ");
            Some("added")
        } else if side == Side::Before && removed.contains(p.as_str()) {
            label.push_str("REMOVED: ");
            Some("removed")
        } else if touched.contains(p) {
            Some("changed")
        } else {
            None
        };
        label.push_str(&page.title);
        if let Some(o) = page.outcome {
            let _ = write!(label, " ({o})");
        }
        let _ = writeln!(s, "  {}[\"{}\"]", id(p), label_text(&label));
        if let Some(c) = class {
            classes.entry(c).or_default().push(id(p));
        }
    }
    let mut edge_index = 0usize;
    let mut highlighted = Vec::new();
    for p in shown {
        let page = &snap.pages[p.as_str()];
        let whole = match side {
            Side::After => added.contains(p.as_str()),
            Side::Before => removed.contains(p.as_str()),
        };
        let changed = changes.get(p.as_str()).map(|c| match side {
            Side::Before => &c.branches.changed_before,
            Side::After => &c.branches.changed_after,
        });
        for (i, b) in page.branches.iter().enumerate() {
            let Some(t) = b.to.page() else { continue };
            if !shown.iter().any(|q| q.as_str() == t) {
                continue;
            }
            let when = b
                .when
                .as_deref()
                .map_or_else(|| "Next step".to_string(), crate::markdown::inline_text);
            let when = if when.chars().count() > MAX_LABEL {
                let cut: String = when.chars().take(MAX_LABEL - 1).collect();
                format!("{}…", cut.trim_end())
            } else {
                when
            };
            let _ = writeln!(s, "  {} -->|\"{}\"| {}", id(p), label_text(&when), id(t));
            if whole || changed.is_some_and(|c| c.contains(&i)) {
                highlighted.push(edge_index.to_string());
            }
            edge_index += 1;
        }
    }
    s.push_str("  classDef added fill:#dafbe1,stroke:#1a7f37,stroke-width:2px\n");
    s.push_str(
        "  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:4 3\n",
    );
    s.push_str("  classDef changed fill:#fff8c5,stroke:#9a6700,stroke-width:2px\n");
    for (class, ids) in &classes {
        let _ = writeln!(s, "  class {} {class}", ids.join(","));
    }
    if !highlighted.is_empty() {
        let color = match side {
            Side::Before => "#cf222e",
            Side::After => "#1a7f37",
        };
        let _ = writeln!(
            s,
            "  linkStyle {} stroke:{color},stroke-width:3px",
            highlighted.join(",")
        );
    }
    s
}

// ---------------------------------------------------------------------------
// Human

fn human(diff: &SiteDiff) -> String {
    let st = Style { md: false };
    let mut out = format!(
        "signpost diff: {} → {}\n",
        diff.base.label(),
        diff.head.label()
    );
    if diff.is_empty() {
        let _ = writeln!(out, "{NOTHING}");
        return out;
    }
    let _ = writeln!(out, "{}", summary_parts(&diff.summary).join("; "));
    let group = |out: &mut String, heading: String, pages: &[String], tree: Option<&str>| {
        let _ = writeln!(out, "\n{heading}");
        for id in pages {
            let facts = page_facts(diff, id, st);
            if facts.is_empty() {
                continue;
            }
            let title =
                title_of(diff, id).map_or_else(String::new, |t| format!(" {}", st.quote(t)));
            let _ = writeln!(out, "  {id}{title}");
            for f in facts {
                let _ = writeln!(out, "    - {f}");
            }
        }
        for f in group_facts(diff, pages, tree, st) {
            let _ = writeln!(out, "  - {f}");
        }
    };
    for tree in &diff.trees {
        let status = match tree.status {
            "added" => " (new tree)",
            "removed" => " (tree removed)",
            _ => "",
        };
        group(
            &mut out,
            format!("Tree {} ({}){status}", st.quote(&tree.title), tree.entry),
            &tree.pages,
            Some(&tree.entry),
        );
    }
    if !diff.other_pages.is_empty() {
        group(
            &mut out,
            "Pages outside the trees".into(),
            &diff.other_pages,
            None,
        );
    }
    if !diff.path_tests.is_empty() {
        let _ = writeln!(out, "\nPath tests whose result changed:");
        for line in path_test_lines(diff, st) {
            let _ = writeln!(out, "  {line}");
        }
    }
    for (items, what) in [
        (&diff.diagnostics.introduced, "Problems introduced"),
        (&diff.diagnostics.fixed, "Problems fixed"),
    ] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{what}: {}", count_phrase(items));
        for item in items {
            let _ = writeln!(out, "  {}", diag_line(item, st));
        }
    }
    out
}

/// User text as it stands in a line of the report.
fn plain(st: Style, s: &str) -> String {
    if st.md { escape_md(s) } else { s.to_string() }
}

/// "tests/a.toml: Name: passes: leads to x.md → fails: …", one per changed test.
fn path_test_lines(diff: &SiteDiff, st: Style) -> Vec<String> {
    diff.path_tests
        .iter()
        .map(|t| {
            let side = |r: &Option<String>| r.clone().unwrap_or_else(|| "(no such test)".into());
            format!(
                "{}: {}: {} → {}",
                st.code(&t.file),
                st.quote(&t.name),
                plain(st, &side(&t.before)),
                plain(st, &side(&t.after))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(pages: &[(String, String)]) -> crate::site::Analysis {
        let files = pages
            .iter()
            .map(|(p, t)| (format!("content/{p}"), t.clone().into_bytes()))
            .collect();
        crate::pipeline::analyze_files(std::path::Path::new("."), "title = \"T\"\n", files, false)
    }

    #[test]
    fn a_huge_report_is_cut_to_fit_in_a_comment() {
        let a = (
            "a.md".to_string(),
            "+++\ntitle = \"A\"\noutcome = \"resolved\"\n+++\n".to_string(),
        );
        let base = site(&[
            a.clone(),
            (
                "start.md".into(),
                "+++\ntitle = \"Start\"\nentry = true\n[[branch]]\nto = \"a.md\"\n+++\n".into(),
            ),
        ]);
        let mut pages = vec![a];
        let mut start = String::from("+++\ntitle = \"Start\"\nentry = true\n");
        for i in 0..400 {
            let _ = write!(
                start,
                "[[branch]]\nwhen = \"Situation number {i} with a long description of what the reader sees\"\nto = \"p{i}.md\"\n"
            );
            pages.push((
                format!("p{i}.md"),
                format!("+++\ntitle = \"Page {i} with a rather long title to fill the comment\"\noutcome = \"resolved\"\n+++\n"),
            ));
        }
        start.push_str("+++\n");
        pages.push(("start.md".into(), start));
        let head = site(&pages);
        let diff = SiteDiff::compare(&base, &head, &[]);
        assert_eq!(diff.summary.pages_added, 400);
        assert!(markdown_with(&diff, false).len() > MAX_COMMENT);
        let md = render(&diff, Format::Markdown);
        assert!(md.len() < MAX_COMMENT + 200, "{}", md.len());
        assert!(md.ends_with("run `signpost diff` for all of it.*\n"));
        assert_eq!(
            md.matches("<details").count(),
            md.matches("</details>").count()
        );
        assert!(md.contains("too many to draw") || md.contains("left out"));
    }
}
