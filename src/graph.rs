//! graph::resolve: pages' `[[branch]]` tables → [`Graph`] (edges between page ids,
//! entries, reachability, the shortest path from an entry to each page); reports
//! SP201 (broken target), SP204 (outside root), SP208 (draft target).
//!
//! graph::validate: [`Graph`] → diagnostics SP206/SP207 (missing or duplicate
//! `when`), SP302 (dead end), SP303 (cycle, naming the whole loop), SP304
//! (unreachable branching page), SP305 (entry without branches).

use rayon::prelude::*;
use std::collections::{BTreeMap, VecDeque};

use crate::content::{Content, Page, PageId};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::links::{Target, classify, relative_path, split_fragment};
use crate::source::Span;

/// One branch whose target resolved to a page.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The page the branch is written on.
    pub from: PageId,
    /// The page it leads to.
    pub to: PageId,
    /// `#fragment` of the target, if any.
    pub fragment: Option<String>,
    /// The `when` text as written.
    pub when: Option<String>,
    /// Span of the `to` value.
    pub span: Span,
}

/// The decision graph over the published pages.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Edges in page order, then branch order.
    pub edges: Vec<Edge>,
    /// Outgoing edge indexes per page.
    pub out: Vec<Vec<usize>>,
    /// Incoming edge indexes per page (in edge order).
    pub inc: Vec<Vec<usize>>,
    /// Entry pages, sorted by path.
    pub entries: Vec<PageId>,
    /// For each page reachable from an entry: the edge by which the first entry (in
    /// path order) reaches it on a shortest path; `None` for entries and unreached.
    pub via: Vec<Option<usize>>,
    /// For each page: the first entry that reaches it, if any.
    pub entry_of: Vec<Option<PageId>>,
}

impl Graph {
    /// True if `id` is an entry page.
    pub fn is_entry(&self, id: PageId) -> bool {
        self.entries.binary_search(&id).is_ok()
    }

    /// True if some entry reaches `id`.
    pub fn is_reachable(&self, id: PageId) -> bool {
        self.entry_of[id.index()].is_some()
    }

    /// Pages of the tree of `entry`, in breadth-first order (entry first). Another
    /// tree's entry that a branch leads to is included but not expanded: it starts
    /// a tree of its own.
    pub fn tree(&self, entry: PageId) -> Vec<PageId> {
        // A set sized by the tree, not a flag per page of the site: the index
        // walks every tree, and per-site arrays would make that quadratic.
        let mut seen = std::collections::BTreeSet::from([entry]);
        let mut order = vec![entry];
        let mut i = 0;
        while i < order.len() {
            let p = order[i];
            i += 1;
            if p != entry && self.is_entry(p) {
                continue;
            }
            for &e in &self.out[p.index()] {
                let t = self.edges[e].to;
                if seen.insert(t) {
                    order.push(t);
                }
            }
        }
        order
    }

    /// The chain of edges from the page's entry to `id` (empty for entries).
    pub fn path_to(&self, id: PageId) -> Vec<usize> {
        let mut path = Vec::new();
        let mut cur = id;
        while let Some(e) = self.via[cur.index()] {
            path.push(e);
            cur = self.edges[e].from;
            if path.len() > self.out.len() {
                break;
            }
        }
        path.reverse();
        path
    }
}

/// Suggests the closest page path to `missing`.
pub fn suggest_page(content: &Content, missing: &str, from_dir: &str) -> Option<String> {
    let candidates = content
        .pages
        .iter()
        .filter(|p| !p.section_intro)
        .map(|p| p.path.as_str());
    let best = did_you_mean(missing, candidates)?;
    Some(relative_path(from_dir, best))
}

/// Resolves branch `b` of `page` (leading to `to`): an edge, or a diagnostic.
fn resolve_branch(
    content: &Content,
    page: &Page,
    b: &crate::content::BranchSrc,
    to: &crate::tomlx::Located<String>,
    edges: &mut Vec<Edge>,
    diags: &mut Vec<Diagnostic>,
) {
    let dir = page.dir();
    let value = &to.value;
    match classify(content, dir, value) {
        Target::Page(id, fragment) if !content.page(id).section_intro => {
            edges.push(Edge {
                from: page.id,
                to: id,
                fragment,
                when: b.when.as_ref().map(|w| w.value.clone()),
                span: to.span.clone(),
            });
        }
        Target::OutsideRoot => diags.push(
            Diagnostic::new(
                Code::OutsideRoot,
                to.span.clone(),
                format!("branch target `{value}` leaves the content folder"),
            )
            .label("outside content/")
            .help("branch targets are paths relative to this page, or start with `/` for the content folder"),
        ),
        Target::Draft(path) => diags.push(
            Diagnostic::new(
                Code::DraftTarget,
                to.span.clone(),
                format!("branch target `{value}` is a draft"),
            )
            .label("draft page")
            .help(format!("publish {path} (remove `draft = true`) or build with --drafts")),
        ),
        other => {
            let (path, _) = split_fragment(value);
            let (message, help) = match other {
                Target::Page(..) | Target::Section(..) => (
                    format!("branch target `{value}` is a section intro, not a page"),
                    Some("point the branch at a page of that folder".to_string()),
                ),
                Target::External => (
                    format!("branch target `{value}` is an external URL"),
                    Some("branches lead to pages of this site; put external links in the body".to_string()),
                ),
                Target::SamePage(_) => (
                    "branch target is empty".to_string(),
                    Some("write the path of a page, e.g. `to = \"next-step.md\"`".to_string()),
                ),
                Target::MissingPage(norm) | Target::MissingFile(norm) | Target::Asset(norm) => {
                    let help = if norm.ends_with(".md") {
                        suggest_page(content, &norm, dir)
                            .map(|s| format!("did you mean `{s}`?"))
                    } else {
                        Some(format!("`{path}` is not a page; branch targets are `.md` files"))
                    };
                    (format!("branch target `{value}` does not exist"), help)
                }
                Target::OutsideRoot | Target::Draft(_) => unreachable!("handled above"),
            };
            diags.push(
                Diagnostic::new(Code::BrokenTarget, to.span.clone(), message)
                    .label("no such page")
                    .maybe_help(help),
            );
        }
    }
}

/// Resolves every branch of every page.
pub fn resolve(content: &Content, diags: &mut Vec<Diagnostic>) -> Graph {
    let n = content.pages.len();
    // Each page's edges and diagnostics are made on the pool, in branch
    // order; they are then put in page order. (One thread making every edge
    // was 20 ms alone at 50,000 pages.)
    let per_page: Vec<(Vec<Edge>, Vec<Diagnostic>)> = content
        .pages
        .par_iter()
        .map(|page| {
            let mut edges = Vec::new();
            let mut diags = Vec::new();
            if !page.section_intro {
                for b in &page.meta.branches {
                    if let Some(to) = &b.to {
                        resolve_branch(content, page, b, to, &mut edges, &mut diags);
                    }
                }
            }
            (edges, diags)
        })
        .collect();
    let total = per_page.iter().map(|(e, _)| e.len()).sum();
    let mut edges: Vec<Edge> = Vec::with_capacity(total);
    let mut ranges = Vec::with_capacity(n);
    for (page_edges, mut page_diags) in per_page {
        let start = edges.len();
        edges.extend(page_edges);
        ranges.push(start..edges.len());
        diags.append(&mut page_diags);
    }
    let out: Vec<Vec<usize>> = ranges.into_par_iter().map(Iterator::collect).collect();
    let mut incoming = vec![0u32; n];
    for e in &edges {
        incoming[e.to.index()] += 1;
    }
    let mut inc: Vec<Vec<usize>> = incoming
        .par_iter()
        .map(|&k| Vec::with_capacity(k as usize))
        .collect();
    for (i, e) in edges.iter().enumerate() {
        inc[e.to.index()].push(i);
    }
    let entries: Vec<PageId> = content
        .pages
        .iter()
        .filter(|p| !p.section_intro && p.meta.is_entry())
        .map(|p| p.id)
        .collect();
    let mut via = vec![None; n];
    let mut entry_of: Vec<Option<PageId>> = vec![None; n];
    // Entries first, so an entry reached from another tree still starts its own.
    for &e in &entries {
        entry_of[e.index()] = Some(e);
    }
    for &e in &entries {
        let mut queue = VecDeque::from([e]);
        while let Some(p) = queue.pop_front() {
            for &ei in &out[p.index()] {
                let t = edges[ei].to;
                if entry_of[t.index()].is_none() {
                    entry_of[t.index()] = Some(e);
                    via[t.index()] = Some(ei);
                    queue.push_back(t);
                }
            }
        }
    }
    Graph {
        edges,
        out,
        inc,
        entries,
        via,
        entry_of,
    }
}

/// Checks the graph's shape.
pub fn validate(content: &Content, graph: &Graph, diags: &mut Vec<Diagnostic>) {
    // Each page's checks on the pool (in page order), beside the search for
    // loops: one thread took 36 ms at 50,000 pages.
    let after_broken = after_broken(content, graph);
    let (per_page, mut loops) = rayon::join(
        || {
            content
                .pages
                .par_iter()
                .map(|page| {
                    let mut d = Vec::new();
                    check_page(content, graph, page, after_broken[page.id.index()], &mut d);
                    d
                })
                .collect::<Vec<_>>()
        },
        || {
            let mut d = Vec::new();
            cycles(content, graph, &mut d);
            d
        },
    );
    for mut d in per_page {
        diags.append(&mut d);
    }
    diags.append(&mut loops);
}

/// For each page: whether a page with broken front matter leads to it (or it
/// is one). Such a page may be unreachable only because that page's `entry`
/// could not be read.
fn after_broken(content: &Content, graph: &Graph) -> Vec<bool> {
    let mut seen = vec![false; content.pages.len()];
    let mut queue: VecDeque<PageId> = content
        .pages
        .iter()
        .filter(|p| p.broken)
        .map(|p| p.id)
        .collect();
    for p in &queue {
        seen[p.index()] = true;
    }
    while let Some(p) = queue.pop_front() {
        for &ei in &graph.out[p.index()] {
            let t = graph.edges[ei].to;
            if !seen[t.index()] {
                seen[t.index()] = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

/// The checks of one page's shape: its `when`s, and whether it is an entry
/// without branches, a dead end or unreachable (not said of a page that a page
/// with broken front matter leads to: `after_broken`).
fn check_page(
    content: &Content,
    graph: &Graph,
    page: &Page,
    after_broken: bool,
    diags: &mut Vec<Diagnostic>,
) {
    if page.section_intro {
        return;
    }
    check_whens(page, diags);
    let has_branches = !page.meta.branches.is_empty();
    let reachable = graph.is_reachable(page.id);
    if page.broken {
        return;
    }
    if page.meta.is_entry() && !has_branches {
        let span = page
            .meta
            .entry
            .as_ref()
            .map_or_else(|| page.anchor_span(), |e| e.span.clone());
        diags.push(
            Diagnostic::new(
                Code::EntryWithoutBranches,
                span,
                format!("entry page `{}` has no branches", page.path),
            )
            .label("a decision tree starts here")
            .help("add [[branch]] tables, or remove `entry = true` to make it a reference page"),
        );
    } else if reachable && !has_branches && page.meta.outcome.is_none() {
        let via =
            graph.via[page.id.index()].map(|e| content.page(graph.edges[e].from).path.clone());
        let mut d = Diagnostic::new(
            Code::DeadEnd,
            page.anchor_span(),
            format!("dead end: `{}` has no branches and no outcome", page.path),
        )
        .label("readers get stuck here")
        .help("add [[branch]] tables, or `outcome = \"resolved\"`, \"escalate\" or \"unsolved\"");
        if let Some(v) = via {
            d = d.note(format!("reached from {v}"));
        }
        diags.push(d);
    }
    if has_branches && !reachable && !after_broken {
        diags.push(
            Diagnostic::new(
                Code::Unreachable,
                page.anchor_span(),
                format!("`{}` has branches but no entry page leads to it", page.path),
            )
            .label("unreachable decision page")
            .help("link it from a branch of a tree, or mark it `entry = true`"),
        );
    }
}

fn check_whens(page: &Page, diags: &mut Vec<Diagnostic>) {
    let branches = &page.meta.branches;
    if branches.len() > 1 {
        for b in branches.iter().filter(|b| b.when.is_none()) {
            diags.push(
                Diagnostic::new(
                    Code::MissingWhen,
                    b.span.clone(),
                    "branch has no `when`, but the page has several branches",
                )
                .label("which situation leads here?")
                .help("add `when = \"…\"`; only a page with a single branch may leave it out"),
            );
        }
    }
    // Each `when` against the ones before it (a page has a few branches):
    // the first earlier one that is the same, ignoring case, is reported.
    let whens: Vec<&crate::tomlx::Located<String>> =
        branches.iter().filter_map(|b| b.when.as_ref()).collect();
    for (j, w) in whens.iter().enumerate() {
        let first = whens[..j]
            .iter()
            .find(|earlier| same_when(&earlier.value, &w.value))
            .map(|earlier| &earlier.span);
        if let Some(first) = first {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateWhen,
                    w.span.clone(),
                    format!("two branches have the same `when`: \"{}\"", w.value.trim()),
                )
                .label("duplicate condition")
                .help("each branch must describe a different situation")
                .related(first.clone(), "first used here"),
            );
        }
    }
}

/// Whether two `when`s are the same but for case and surrounding whitespace.
fn same_when(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.to_lowercase() == b.to_lowercase()
}

/// Tarjan's strongly connected components, iteratively; components in
/// discovery order. `succ(v, i)` is the `i`-th successor of `v` (`None` past
/// the last): no list of successors is made per visit.
pub(crate) fn sccs(n: usize, succ: &dyn Fn(usize, usize) -> Option<usize>) -> Vec<Vec<usize>> {
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some((v, i)) = call.last_mut() {
            if let Some(w) = succ(*v, *i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    let v = *v;
                    low[v] = low[v].min(index[w]);
                }
            } else {
                let v = *v;
                call.pop();
                if let Some((u, _)) = call.last() {
                    low[*u] = low[*u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    loop {
                        let w = stack.pop().expect("tarjan stack");
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// The strongly connected components of `graph` that hold a loop (several
/// pages, or one with a branch to itself), as page indexes in discovery order.
pub(crate) fn loops(graph: &Graph) -> Vec<Vec<usize>> {
    // The branches' targets in one array, page after page: Tarjan's walk
    // then reads them from the cache, not from every page's edge list and
    // every edge (35 ms of cache misses at 50,000 pages).
    let n = graph.out.len();
    let mut first = Vec::with_capacity(n + 1);
    let mut targets = Vec::with_capacity(graph.edges.len());
    for out in &graph.out {
        first.push(targets.len());
        targets.extend(out.iter().map(|&e| graph.edges[e].to.index()));
    }
    first.push(targets.len());
    let of = |v: usize| &targets[first[v]..first[v + 1]];
    sccs(n, &|v, i| of(v).get(i).copied())
        .into_iter()
        .filter(|c| c.len() > 1 || of(c[0]).contains(&c[0]))
        .collect()
}

fn cycles(content: &Content, graph: &Graph, diags: &mut Vec<Diagnostic>) {
    // Only components that hold a loop are sorted (sorting every page's
    // component was most of the time).
    let mut comps = loops(graph);
    for c in &mut comps {
        c.sort_unstable();
    }
    comps.sort();
    for comp in comps {
        let start = comp[0];
        let self_loop = graph.out[start]
            .iter()
            .find(|&&e| graph.edges[e].to.index() == start);
        if comp.len() == 1 && self_loop.is_none() {
            continue;
        }
        // Shortest loop through the smallest page, found by BFS inside the component.
        let in_comp = |v: usize| comp.binary_search(&v).is_ok();
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'bfs: while let Some(v) = queue.pop_front() {
            for &e in &graph.out[v] {
                let t = graph.edges[e].to.index();
                if t == start {
                    closing = Some(e);
                    break 'bfs;
                }
                if in_comp(t) && !parent.contains_key(&t) {
                    parent.insert(t, e);
                    queue.push_back(t);
                }
            }
        }
        let Some(closing) = closing else { continue };
        let mut chain = vec![closing];
        let mut cur = graph.edges[closing].from.index();
        while cur != start {
            let e = parent[&cur];
            chain.push(e);
            cur = graph.edges[e].from.index();
        }
        chain.reverse();
        let mut names: Vec<&str> = chain
            .iter()
            .map(|&e| content.page(graph.edges[e].from).path.as_str())
            .collect();
        names.push(
            &content
                .page(PageId(u32::try_from(start).expect("page index")))
                .path,
        );
        let edge = &graph.edges[closing];
        let mut d = Diagnostic::new(
            Code::Cycle,
            edge.span.clone(),
            format!("decision tree loops: {}", names.join(" → ")),
        )
        .label("this branch closes the loop")
        .help("loops like \"try again\" can be intended; make sure readers have a way out");
        if comp.len() > names.len() - 1 {
            d = d.note(format!("{} pages take part in loops here", comp.len()));
        }
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whens_are_the_same_but_for_case_and_surrounding_space() {
        assert!(same_when("Yes, it works", "  yes, IT works "));
        assert!(same_when("Ärger mit WLAN", "ärger mit wlan"));
        assert!(
            same_when("ΟΔΟΣ", "οδος"),
            "final sigma as to_lowercase has it"
        );
        assert!(!same_when("Yes", "Yes, it works"));
        assert!(!same_when("Yes it works", "Yes,  it works"));
        assert!(!same_when("Ärger", "Arger"));
    }

    #[test]
    fn loops_are_the_components_with_a_loop_and_pages_that_lead_to_themselves() {
        let page = |title: &str, to: &[&str]| {
            let mut t = format!("+++\ntitle = \"{title}\"\n");
            for (i, to) in to.iter().enumerate() {
                t.push_str(&format!("[[branch]]\nwhen = \"w{i}\"\nto = \"{to}\"\n"));
            }
            t + "+++\nBody.\n"
        };
        let files = [
            ("a.md", page("A", &["b.md", "c.md"])),
            ("b.md", page("B", &["a.md"])),
            ("c.md", page("C", &["c.md", "d.md"])),
            ("d.md", page("D", &[])),
        ]
        .into_iter()
        .map(|(p, t)| (format!("content/{p}"), t.into_bytes()))
        .collect();
        let analysis = crate::pipeline::analyze_files(
            std::path::Path::new("."),
            "title = \"T\"\n",
            files,
            false,
        );
        let site = analysis.site.expect("site.toml parses");
        let mut found: Vec<Vec<String>> = loops(&site.graph)
            .into_iter()
            .map(|c| {
                let mut names: Vec<String> = c
                    .iter()
                    .map(|&i| site.content.pages[i].path.clone())
                    .collect();
                names.sort();
                names
            })
            .collect();
        found.sort();
        assert_eq!(found, vec![vec!["a.md", "b.md"], vec!["c.md"]]);
    }

    #[test]
    fn tarjan_finds_components() {
        let adj = [vec![1], vec![2], vec![0, 3], vec![]];
        let comps = sccs(4, &|v, i| adj[v].get(i).copied());
        let mut sizes: Vec<usize> = comps.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![1, 3]);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path("a/b", "a/c.md"), "../c.md");
        assert_eq!(relative_path("", "a/c.md"), "a/c.md");
        assert_eq!(relative_path("a", "a/c.md"), "c.md");
    }
}
