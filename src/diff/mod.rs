//! diff: two analyses of one site (a base and a head revision) → [`SiteDiff`], the
//! changes a reviewer cares about: pages added, removed, renamed, retitled;
//! branches added, removed, retargeted, reworded, reordered; outcomes and entries;
//! what the change did to the graph (reachability, dead ends, loops, the outcomes
//! each tree can end in); and the diagnostics it introduced and fixed.
//!
//! Pages are compared by path under `content/`. A page that moved is matched
//! first by identical content (front matter and body, ignoring branch `to`
//! paths, which change when a page moves), then by git's rename detection; the
//! base side is then re-keyed through the renames, so a renamed page is one
//! page, and a branch that follows it is not "retargeted".
//!
//! [`run`] reads the revisions with [`git`] (or the working tree from disk),
//! [`SiteDiff::compare`] compares, and [`render`] prints Markdown for a pull
//! request, JSON, or plain text.

pub mod git;
mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::diag::Severity;
use crate::error::Error;
use crate::site::{Analysis, Options};
pub use report::{Format, render};

/// How a revision was named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rev {
    /// The revision as given (`origin/main`), or null for the working tree.
    pub rev: Option<String>,
    /// Its full commit id, or null for the working tree.
    pub commit: Option<String>,
}

impl Rev {
    /// A short human label: `main (1a2b3c4)` or `working tree`.
    pub fn label(&self) -> String {
        match (&self.rev, &self.commit) {
            (Some(r), Some(c)) if c.starts_with(r.as_str()) => c[..c.len().min(7)].to_string(),
            (Some(r), Some(c)) => format!("{r} ({})", &c[..c.len().min(7)]),
            (Some(r), None) => r.clone(),
            _ => "working tree".into(),
        }
    }
}

/// A branch, with its `to` given as the page path under `content/` (plus
/// `#fragment`) when it resolves, else as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Branch {
    /// The `when` text as written, or null.
    pub when: Option<String>,
    /// The target.
    pub to: String,
}

/// A page that was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedPage {
    /// Path under `content/`.
    pub id: String,
    /// Title.
    pub title: String,
    /// `entry = true`.
    pub entry: bool,
    /// Outcome, if any.
    pub outcome: Option<&'static str>,
}

/// A page that was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedPage {
    /// Path under `content/` in the base revision.
    pub id: String,
    /// Title in the base revision.
    pub title: String,
}

/// A page that moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenamedPage {
    /// Old path under `content/`.
    pub from: String,
    /// New path under `content/`.
    pub to: String,
    /// Title (in the head revision).
    pub title: String,
}

/// A value before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// In the base revision.
    pub before: T,
    /// In the head revision.
    pub after: T,
}

/// A branch whose `when` stayed and whose target changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retargeted {
    /// The `when` text.
    pub when: Option<String>,
    /// Target before.
    pub before: String,
    /// Target after.
    pub after: String,
}

/// A branch whose target stayed and whose `when` changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reworded {
    /// The target.
    pub to: String,
    /// `when` before.
    pub before: Option<String>,
    /// `when` after.
    pub after: Option<String>,
}

/// What happened to the branches of one page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BranchChanges {
    /// New branches.
    pub added: Vec<Branch>,
    /// Branches that are gone.
    pub removed: Vec<Branch>,
    /// Same `when`, new target.
    pub retargeted: Vec<Retargeted>,
    /// Same target, new `when`.
    pub reworded: Vec<Reworded>,
    /// The branches kept on both sides are in another order: both orders (as in
    /// the head revision's words), or null.
    pub reordered: Option<Change<Vec<Branch>>>,
    /// Indexes of the base page's branches that changed (for diagrams).
    #[serde(skip)]
    pub changed_before: BTreeSet<usize>,
    /// Indexes of the head page's branches that changed (for diagrams).
    #[serde(skip)]
    pub changed_after: BTreeSet<usize>,
}

impl BranchChanges {
    /// True when no branch changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.retargeted.is_empty()
            && self.reworded.is_empty()
            && self.reordered.is_none()
    }
}

/// The changes to one page that exists on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageChange {
    /// Path under `content/` (in the head revision).
    pub id: String,
    /// Title (in the head revision).
    pub title: String,
    /// The old path, when the page was renamed.
    pub renamed_from: Option<String>,
    /// The title changed.
    pub retitled: Option<Change<String>>,
    /// The outcome changed (null = no outcome).
    pub outcome: Option<Change<Option<&'static str>>>,
    /// `entry = true` was added (`after` true) or removed.
    pub entry: Option<Change<bool>>,
    /// The summary, tags or weight changed.
    pub meta_changed: bool,
    /// The Markdown body changed.
    pub text_changed: bool,
    /// Branch changes.
    pub branches: BranchChanges,
}

impl PageChange {
    fn is_empty(&self) -> bool {
        self.retitled.is_none()
            && self.outcome.is_none()
            && self.entry.is_none()
            && !self.meta_changed
            && !self.text_changed
            && self.branches.is_empty()
    }
}

/// Page-level changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pages {
    /// Added pages, by id.
    pub added: Vec<AddedPage>,
    /// Removed pages, by id.
    pub removed: Vec<RemovedPage>,
    /// Renamed pages, by new id.
    pub renamed: Vec<RenamedPage>,
    /// Pages on both sides with changes (other than the rename), by id.
    pub changed: Vec<PageChange>,
}

/// An outcome page of a tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OutcomeAt {
    /// The page.
    pub page: String,
    /// Its outcome.
    pub outcome: &'static str,
}

/// A tree whose set of reachable outcome pages changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeChange {
    /// The tree's entry page.
    pub tree: String,
    /// Outcomes the tree can now end in.
    pub gained: Vec<OutcomeAt>,
    /// Outcomes it can no longer end in.
    pub lost: Vec<OutcomeAt>,
}

/// New and fixed items of one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewFixed<T> {
    /// Only in the head revision.
    pub new: Vec<T>,
    /// Only in the base revision.
    pub fixed: Vec<T>,
}

/// What the change did to the decision graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphChanges {
    /// Pages on both sides that an entry reached before and no entry reaches now.
    pub became_unreachable: Vec<String>,
    /// Pages on both sides that no entry reached before and one reaches now.
    pub became_reachable: Vec<String>,
    /// Dead ends (SP302) by page.
    pub dead_ends: NewFixed<String>,
    /// Loops, each the sorted pages of one strongly connected component. `new`:
    /// loops that did not exist with exactly these pages; `fixed`: loops none of
    /// whose pages is in a loop any more.
    pub cycles: NewFixed<Vec<String>>,
    /// Trees (on both sides) whose set of reachable outcome pages changed.
    pub outcomes: Vec<OutcomeChange>,
}

/// One diagnostic, located in the revision it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticItem {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable code (`SP201`).
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// Path relative to the site root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Index in the analysis's diagnostics.
    #[serde(skip)]
    pub index: usize,
}

/// Diagnostics only in the head (introduced) or only in the base (fixed). Each
/// is shown as its revision reported it (a fixed one with the base's file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiagnosticChanges {
    /// New problems: errors first, then by file, line, column.
    pub introduced: Vec<DiagnosticItem>,
    /// Problems that are gone, in the same order.
    pub fixed: Vec<DiagnosticItem>,
}

/// A tree touched by the change: the pages of it (before or after) with changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeChange {
    /// Its entry page (head id).
    pub entry: String,
    /// Its title.
    pub title: String,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    /// Pages of the tree (on either side) that changed in any way listed above.
    pub pages: Vec<String>,
}

/// Counts, for one-line summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[allow(missing_docs, reason = "the names say it")]
pub struct Summary {
    pub pages_added: usize,
    pub pages_removed: usize,
    pub pages_renamed: usize,
    pub pages_changed: usize,
    pub became_unreachable: usize,
    pub became_reachable: usize,
    pub dead_ends_new: usize,
    pub dead_ends_fixed: usize,
    pub cycles_new: usize,
    pub cycles_fixed: usize,
    pub trees_outcomes_changed: usize,
    pub errors_introduced: usize,
    pub warnings_introduced: usize,
    pub errors_fixed: usize,
    pub warnings_fixed: usize,
    pub path_tests_changed: usize,
}

/// A path test (tests/*.toml) whose result differs between the revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathTestChange {
    /// Its tests file (`tests/sign-in.toml`).
    pub file: String,
    /// Its name ("path N" without one).
    pub name: String,
    /// Its result in the base ("passes: leads to …", "fails: …"), null when
    /// the base has no such test.
    pub before: Option<String>,
    /// Its result in the head, null when the head has no such test.
    pub after: Option<String>,
}

/// Everything that changed between two revisions of a site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteDiff {
    /// Version of this JSON shape.
    pub version: u32,
    /// The base revision.
    pub base: Rev,
    /// The head revision (null fields: the working tree).
    pub head: Rev,
    /// Counts.
    pub summary: Summary,
    /// Page changes.
    pub pages: Pages,
    /// Graph effects.
    pub graph: GraphChanges,
    /// Trees with changes, by entry.
    pub trees: Vec<TreeChange>,
    /// Changed pages that no tree reaches on either side.
    pub other_pages: Vec<String>,
    /// Diagnostics introduced and fixed.
    pub diagnostics: DiagnosticChanges,
    /// Path tests whose result changed, by file and name.
    pub path_tests: Vec<PathTestChange>,
    #[serde(skip)]
    before: Snap,
    #[serde(skip)]
    after: Snap,
}

// ---------------------------------------------------------------------------
// Snapshots: the part of an analysis the comparison needs, keyed by page path.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// A page (path under content/) and an optional fragment.
    Page(String, Option<String>),
    /// Did not resolve: the `to` as written.
    Unresolved(String),
}

impl Target {
    fn display(&self) -> String {
        match self {
            Target::Page(p, Some(f)) => format!("{p}#{f}"),
            Target::Page(p, None) => p.clone(),
            Target::Unresolved(raw) => raw.clone(),
        }
    }

    fn page(&self) -> Option<&str> {
        match self {
            Target::Page(p, _) => Some(p),
            Target::Unresolved(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct BranchSnap {
    when: Option<String>,
    to: Target,
}

impl BranchSnap {
    fn public(&self) -> Branch {
        Branch {
            when: self.when.clone(),
            to: self.to.display(),
        }
    }
}

#[derive(Debug, Clone)]
struct PageSnap {
    title: String,
    summary: Option<String>,
    entry: bool,
    outcome: Option<&'static str>,
    tags: Vec<String>,
    weight: Option<i64>,
    body: String,
    branches: Vec<BranchSnap>,
}

impl PageSnap {
    /// Same page modulo branch targets (which change when a page moves).
    fn same_content(&self, other: &PageSnap) -> bool {
        self.title == other.title
            && self.summary == other.summary
            && self.entry == other.entry
            && self.outcome == other.outcome
            && self.tags == other.tags
            && self.weight == other.weight
            && self.body == other.body
            && self.branches.len() == other.branches.len()
            && self
                .branches
                .iter()
                .zip(&other.branches)
                .all(|(a, b)| a.when == b.when)
    }
}

#[derive(Debug, Clone)]
struct DiagSnap {
    severity: Severity,
    code: &'static str,
    /// File and message as compared: re-keyed through renames on the base side.
    file: String,
    message: String,
    /// File and message as the revision reported them.
    shown_file: String,
    shown_message: String,
    line: usize,
    column: usize,
    index: usize,
}

#[derive(Debug, Clone, Default)]
struct Snap {
    content_name: String,
    pages: BTreeMap<String, PageSnap>,
    reachable: BTreeSet<String>,
    dead_ends: BTreeSet<String>,
    cycles: BTreeSet<Vec<String>>,
    /// Entry → pages it reaches (itself included).
    trees: BTreeMap<String, BTreeSet<String>>,
    diags: Vec<DiagSnap>,
}

impl Snap {
    fn of(analysis: &Analysis) -> Snap {
        let diags = analysis
            .diagnostics
            .items()
            .iter()
            .enumerate()
            .map(|(index, d)| {
                let file = analysis.sources.get(d.span.file);
                let (line, column) = file.line_col(d.span.range.start);
                DiagSnap {
                    severity: d.severity(),
                    code: d.code.as_str(),
                    file: file.name.clone(),
                    message: d.message.clone(),
                    shown_file: file.name.clone(),
                    shown_message: d.message.clone(),
                    line,
                    column,
                    index,
                }
            })
            .collect();
        let Some(site) = &analysis.site else {
            return Snap {
                diags,
                ..Snap::default()
            };
        };
        let content = &site.content;
        let graph = &site.graph;
        let path = |id: crate::content::PageId| content.page(id).path.clone();
        let mut pages = BTreeMap::new();
        let mut reachable = BTreeSet::new();
        let mut dead_ends = BTreeSet::new();
        for page in content.pages.iter().filter(|p| !p.section_intro) {
            let branches = page
                .meta
                .branches
                .iter()
                .map(|b| {
                    let edge = b.to.as_ref().and_then(|to| {
                        graph.out[page.id.index()]
                            .iter()
                            .map(|&e| &graph.edges[e])
                            .find(|e| e.span == to.span)
                    });
                    let to = match edge {
                        Some(e) => Target::Page(path(e.to), e.fragment.clone()),
                        None => Target::Unresolved(
                            b.to.as_ref().map(|t| t.value.clone()).unwrap_or_default(),
                        ),
                    };
                    BranchSnap {
                        when: b.when.as_ref().map(|w| w.value.clone()),
                        to,
                    }
                })
                .collect();
            let entry = page.meta.is_entry();
            let has_branches = !page.meta.branches.is_empty();
            let in_tree = graph.is_reachable(page.id);
            if in_tree {
                reachable.insert(page.path.clone());
            }
            // The same rule as graph::validate's SP302.
            // (An entry without branches is SP305 instead.)
            if !page.broken && !entry && in_tree && !has_branches && page.meta.outcome.is_none() {
                dead_ends.insert(page.path.clone());
            }
            pages.insert(
                page.path.clone(),
                PageSnap {
                    title: page.title().to_string(),
                    summary: page.meta.summary.as_ref().map(|s| s.value.clone()),
                    entry,
                    outcome: page.meta.outcome.as_ref().map(|o| o.value.as_str()),
                    tags: page.meta.tags.clone(),
                    weight: page.meta.weight,
                    // With includes expanded: a changed snippet changes
                    // every page that includes it.
                    body: {
                        let (text, body) = page.source(&analysis.sources);
                        text.get(body).unwrap_or_default().to_string()
                    },
                    branches,
                },
            );
        }
        let mut cycles = BTreeSet::new();
        for comp in crate::graph::loops(graph) {
            let mut names: Vec<String> = comp
                .iter()
                .map(|&i| content.pages[i].path.clone())
                .collect();
            names.sort();
            cycles.insert(names);
        }
        let trees = graph
            .entries
            .iter()
            .map(|&e| (path(e), graph.tree(e).into_iter().map(path).collect()))
            .collect();
        Snap {
            content_name: site.config.content_dir.trim_end_matches('/').to_string(),
            pages,
            reachable,
            dead_ends,
            cycles,
            trees,
            diags,
        }
    }

    /// The same snapshot with page paths renamed through `map` (old → new).
    fn rekey(&self, map: &BTreeMap<String, String>) -> Snap {
        let key = |p: &String| map.get(p).cloned().unwrap_or_else(|| p.clone());
        let set = |s: &BTreeSet<String>| s.iter().map(key).collect::<BTreeSet<_>>();
        let file_map: BTreeMap<String, String> = map
            .iter()
            .map(|(o, n)| {
                (
                    format!("{}/{o}", self.content_name),
                    format!("{}/{n}", self.content_name),
                )
            })
            .collect();
        Snap {
            content_name: self.content_name.clone(),
            pages: self
                .pages
                .iter()
                .map(|(p, s)| {
                    let mut s = s.clone();
                    for b in &mut s.branches {
                        if let Target::Page(t, _) = &mut b.to {
                            *t = key(t);
                        }
                    }
                    (key(p), s)
                })
                .collect(),
            reachable: set(&self.reachable),
            dead_ends: set(&self.dead_ends),
            cycles: self
                .cycles
                .iter()
                .map(|c| {
                    let mut c: Vec<String> = c.iter().map(key).collect();
                    c.sort();
                    c
                })
                .collect(),
            trees: self.trees.iter().map(|(e, t)| (key(e), set(t))).collect(),
            diags: self
                .diags
                .iter()
                .map(|d| DiagSnap {
                    file: file_map.get(&d.file).unwrap_or(&d.file).clone(),
                    message: replace_paths(&d.message, map),
                    ..d.clone()
                })
                .collect(),
        }
    }

    /// Pages `page` branches to.
    fn children(&self, page: &str) -> Vec<&str> {
        self.pages.get(page).map_or_else(Vec::new, |s| {
            s.branches.iter().filter_map(|b| b.to.page()).collect()
        })
    }

    /// The outcome pages `entry`'s tree reaches.
    fn outcomes(&self, entry: &str) -> BTreeSet<OutcomeAt> {
        self.trees.get(entry).map_or_else(BTreeSet::new, |t| {
            t.iter()
                .filter_map(|p| {
                    let outcome = self.pages.get(p)?.outcome?;
                    Some(OutcomeAt {
                        page: p.clone(),
                        outcome,
                    })
                })
                .collect()
        })
    }
}

/// Replaces whole-token occurrences of page paths in a diagnostic message
/// (`` `old.md` ``, `a.md → old.md`) through `map`, in one pass.
fn replace_paths(message: &str, map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return message.to_string();
    }
    let boundary = |c: Option<char>| {
        c.is_none_or(|c| {
            c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '(' | ')' | ',' | ':' | ';' | '#')
        })
    };
    let mut olds: Vec<&String> = map.keys().collect();
    olds.sort_by_key(|o| std::cmp::Reverse(o.len()));
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    'scan: while i < message.len() {
        if boundary(message[..i].chars().next_back()) {
            for old in &olds {
                let end = i + old.len();
                if message[i..].starts_with(old.as_str()) && boundary(message[end..].chars().next())
                {
                    out.push_str(&map[*old]);
                    i = end;
                    continue 'scan;
                }
            }
        }
        let c = message[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

// ---------------------------------------------------------------------------
// The comparison.

/// Pairs removed and added pages that are the same page moved: identical content
/// first (same file name preferred), then git's renames (`(old, new)` under
/// `content/`).
fn detect_renames(
    before: &Snap,
    after: &Snap,
    git_renames: &[(String, String)],
) -> BTreeMap<String, String> {
    let removed: Vec<&String> = before
        .pages
        .keys()
        .filter(|p| !after.pages.contains_key(*p))
        .collect();
    let mut added: BTreeSet<&String> = after
        .pages
        .keys()
        .filter(|p| !before.pages.contains_key(*p))
        .collect();
    let name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut map = BTreeMap::new();
    for old in &removed {
        let page = &before.pages[*old];
        let candidates: Vec<&String> = added
            .iter()
            .copied()
            .filter(|a| page.same_content(&after.pages[*a]))
            .collect();
        let pick = candidates
            .iter()
            .find(|a| name(a) == name(old))
            .or_else(|| candidates.first())
            .copied();
        if let Some(new) = pick {
            added.remove(new);
            map.insert((*old).clone(), new.clone());
        }
    }
    for (old, new) in git_renames {
        if removed.contains(&old) && !map.contains_key(old) && added.remove(new) {
            map.insert(old.clone(), new.clone());
        }
    }
    map
}

/// Matches the branches of one page: exact, then same `when`, then same target.
fn compare_branches(old: &[BranchSnap], new: &[BranchSnap]) -> BranchChanges {
    let mut ch = BranchChanges::default();
    let mut old_used = vec![false; old.len()];
    let mut pair_of: Vec<Option<usize>> = vec![None; new.len()];
    type Same = dyn Fn(&BranchSnap, &BranchSnap) -> bool;
    let passes: [&Same; 3] = [&|a, b| a == b, &|a, b| a.when == b.when, &|a, b| {
        a.to == b.to
    }];
    for (pass, same) in passes.iter().enumerate() {
        for (ni, n) in new.iter().enumerate() {
            if pair_of[ni].is_some() {
                continue;
            }
            let Some(oi) = (0..old.len()).find(|&oi| !old_used[oi] && same(&old[oi], n)) else {
                continue;
            };
            old_used[oi] = true;
            pair_of[ni] = Some(oi);
            match pass {
                0 => {}
                1 => {
                    ch.retargeted.push(Retargeted {
                        when: n.when.clone(),
                        before: old[oi].to.display(),
                        after: n.to.display(),
                    });
                    ch.changed_before.insert(oi);
                    ch.changed_after.insert(ni);
                }
                _ => {
                    ch.reworded.push(Reworded {
                        to: n.to.display(),
                        before: old[oi].when.clone(),
                        after: n.when.clone(),
                    });
                    ch.changed_before.insert(oi);
                    ch.changed_after.insert(ni);
                }
            }
        }
    }
    for (ni, n) in new.iter().enumerate() {
        if pair_of[ni].is_none() {
            ch.added.push(n.public());
            ch.changed_after.insert(ni);
        }
    }
    for (oi, o) in old.iter().enumerate() {
        if !old_used[oi] {
            ch.removed.push(o.public());
            ch.changed_before.insert(oi);
        }
    }
    // Reordered: the kept branches, in head order, are not in base order.
    let kept: Vec<(usize, usize)> = pair_of
        .iter()
        .enumerate()
        .filter_map(|(ni, oi)| oi.map(|oi| (oi, ni)))
        .collect();
    if kept.windows(2).any(|w| w[0].0 > w[1].0) {
        let after: Vec<Branch> = kept.iter().map(|&(_, ni)| new[ni].public()).collect();
        let mut by_old = kept.clone();
        by_old.sort_unstable();
        let before = by_old.iter().map(|&(_, ni)| new[ni].public()).collect();
        ch.reordered = Some(Change { before, after });
    }
    ch
}

fn diag_item(d: &DiagSnap) -> DiagnosticItem {
    DiagnosticItem {
        severity: d.severity,
        code: d.code,
        message: d.shown_message.clone(),
        file: d.shown_file.clone(),
        line: d.line,
        column: d.column,
        index: d.index,
    }
}

/// The diagnostics of `a` that `b` does not have, by (code, file, message) and
/// counting repeats.
fn only_in(a: &[DiagSnap], b: &[DiagSnap]) -> Vec<DiagnosticItem> {
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for d in b {
        *counts
            .entry((d.code, d.file.as_str(), d.message.as_str()))
            .or_default() += 1;
    }
    let mut out: Vec<DiagnosticItem> = a
        .iter()
        .filter(
            |d| match counts.get_mut(&(d.code, d.file.as_str(), d.message.as_str())) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            },
        )
        .map(diag_item)
        .collect();
    out.sort_by(|x, y| {
        (x.severity, &x.file, x.line, x.column, x.code, &x.message)
            .cmp(&(y.severity, &y.file, y.line, y.column, y.code, &y.message))
    });
    out
}

impl SiteDiff {
    /// Compares two analyses of a site. `git_renames` are `(old, new)` paths
    /// relative to the site root that git detected (may be empty).
    pub fn compare(base: &Analysis, head: &Analysis, git_renames: &[(String, String)]) -> SiteDiff {
        let raw_before = Snap::of(base);
        let after = Snap::of(head);
        // git prints `content/a.md`; site.toml may say `./content`.
        let strip = |p: &str, name: &str| {
            p.strip_prefix(&format!("{}/", name.trim_start_matches("./")))
                .map(str::to_string)
        };
        let content_renames: Vec<(String, String)> = git_renames
            .iter()
            .filter_map(|(o, n)| {
                Some((
                    strip(o, &raw_before.content_name)?,
                    strip(n, &after.content_name)?,
                ))
            })
            .collect();
        let renames = detect_renames(&raw_before, &after, &content_renames);
        let before = raw_before.rekey(&renames);
        let renamed_from: BTreeMap<&String, &String> =
            renames.iter().map(|(o, n)| (n, o)).collect();

        let mut pages = Pages::default();
        for (id, p) in &after.pages {
            if !before.pages.contains_key(id) {
                pages.added.push(AddedPage {
                    id: id.clone(),
                    title: p.title.clone(),
                    entry: p.entry,
                    outcome: p.outcome,
                });
            }
        }
        for (id, p) in &before.pages {
            if !after.pages.contains_key(id) {
                pages.removed.push(RemovedPage {
                    id: id.clone(),
                    title: p.title.clone(),
                });
            }
        }
        for (old, new) in &renames {
            pages.renamed.push(RenamedPage {
                from: old.clone(),
                to: new.clone(),
                title: after.pages[new].title.clone(),
            });
        }
        pages.renamed.sort_by(|a, b| a.to.cmp(&b.to));
        for (id, a) in &after.pages {
            let Some(b) = before.pages.get(id) else {
                continue;
            };
            let change = PageChange {
                id: id.clone(),
                title: a.title.clone(),
                renamed_from: renamed_from.get(id).map(|o| (*o).clone()),
                retitled: (a.title != b.title).then(|| Change {
                    before: b.title.clone(),
                    after: a.title.clone(),
                }),
                outcome: (a.outcome != b.outcome).then_some(Change {
                    before: b.outcome,
                    after: a.outcome,
                }),
                entry: (a.entry != b.entry).then_some(Change {
                    before: b.entry,
                    after: a.entry,
                }),
                meta_changed: a.summary != b.summary || a.tags != b.tags || a.weight != b.weight,
                text_changed: a.body != b.body,
                branches: compare_branches(&b.branches, &a.branches),
            };
            if !change.is_empty() {
                pages.changed.push(change);
            }
        }

        let both = |p: &&String| before.pages.contains_key(*p) && after.pages.contains_key(*p);
        let mut graph = GraphChanges {
            became_unreachable: before
                .reachable
                .difference(&after.reachable)
                .filter(both)
                .cloned()
                .collect(),
            became_reachable: after
                .reachable
                .difference(&before.reachable)
                .filter(both)
                .cloned()
                .collect(),
            dead_ends: NewFixed {
                new: after
                    .dead_ends
                    .difference(&before.dead_ends)
                    .cloned()
                    .collect(),
                fixed: before
                    .dead_ends
                    .difference(&after.dead_ends)
                    .cloned()
                    .collect(),
            },
            cycles: NewFixed::default(),
            outcomes: Vec::new(),
        };
        let looping_after: BTreeSet<&String> = after.cycles.iter().flatten().collect();
        graph.cycles.new = after.cycles.difference(&before.cycles).cloned().collect();
        graph.cycles.fixed = before
            .cycles
            .iter()
            .filter(|c| c.iter().all(|p| !looping_after.contains(p)))
            .cloned()
            .collect();
        for entry in after.trees.keys().filter(|e| before.trees.contains_key(*e)) {
            let (b, a) = (before.outcomes(entry), after.outcomes(entry));
            if a != b {
                graph.outcomes.push(OutcomeChange {
                    tree: entry.clone(),
                    gained: a.difference(&b).cloned().collect(),
                    lost: b.difference(&a).cloned().collect(),
                });
            }
        }

        // Every page touched in any way, for grouping by tree.
        let mut touched: BTreeSet<String> = BTreeSet::new();
        touched.extend(pages.added.iter().map(|p| p.id.clone()));
        touched.extend(pages.removed.iter().map(|p| p.id.clone()));
        touched.extend(pages.renamed.iter().map(|p| p.to.clone()));
        touched.extend(pages.changed.iter().map(|p| p.id.clone()));
        touched.extend(graph.became_unreachable.iter().cloned());
        touched.extend(graph.became_reachable.iter().cloned());
        touched.extend(graph.dead_ends.new.iter().cloned());
        touched.extend(graph.dead_ends.fixed.iter().cloned());
        touched.extend(graph.cycles.new.iter().flatten().cloned());
        touched.extend(graph.cycles.fixed.iter().flatten().cloned());
        let mut in_some_tree = BTreeSet::new();
        let mut trees = Vec::new();
        let entries: BTreeSet<&String> = before.trees.keys().chain(after.trees.keys()).collect();
        for entry in entries {
            let empty = BTreeSet::new();
            let b = before.trees.get(entry).unwrap_or(&empty);
            let a = after.trees.get(entry).unwrap_or(&empty);
            let members: BTreeSet<&String> = b.union(a).collect();
            in_some_tree.extend(members.iter().map(|p| (*p).clone()));
            let tree_pages: Vec<String> = touched
                .iter()
                .filter(|p| members.contains(p))
                .cloned()
                .collect();
            let outcomes_changed = graph.outcomes.iter().any(|o| &o.tree == entry);
            if tree_pages.is_empty() && !outcomes_changed {
                continue;
            }
            let status = match (
                before.trees.contains_key(entry),
                after.trees.contains_key(entry),
            ) {
                (false, _) => "added",
                (_, false) => "removed",
                _ => "changed",
            };
            let title = after
                .pages
                .get(entry)
                .or_else(|| before.pages.get(entry))
                .map_or_else(|| entry.clone(), |p| p.title.clone());
            trees.push(TreeChange {
                entry: entry.clone(),
                title,
                status,
                pages: tree_pages,
            });
        }
        let other_pages = touched.difference(&in_some_tree).cloned().collect();

        let diagnostics = DiagnosticChanges {
            introduced: only_in(&after.diags, &before.diags),
            fixed: only_in(&before.diags, &after.diags),
        };
        let count =
            |v: &[DiagnosticItem], s: Severity| v.iter().filter(|d| d.severity == s).count();
        let summary = Summary {
            pages_added: pages.added.len(),
            pages_removed: pages.removed.len(),
            pages_renamed: pages.renamed.len(),
            pages_changed: pages.changed.len(),
            became_unreachable: graph.became_unreachable.len(),
            became_reachable: graph.became_reachable.len(),
            dead_ends_new: graph.dead_ends.new.len(),
            dead_ends_fixed: graph.dead_ends.fixed.len(),
            cycles_new: graph.cycles.new.len(),
            cycles_fixed: graph.cycles.fixed.len(),
            trees_outcomes_changed: graph.outcomes.len(),
            errors_introduced: count(&diagnostics.introduced, Severity::Error),
            warnings_introduced: count(&diagnostics.introduced, Severity::Warning),
            errors_fixed: count(&diagnostics.fixed, Severity::Error),
            warnings_fixed: count(&diagnostics.fixed, Severity::Warning),
            path_tests_changed: 0,
        };
        let path_tests = path_test_changes(base, head);
        let summary = Summary {
            path_tests_changed: path_tests.len(),
            ..summary
        };
        SiteDiff {
            version: 1,
            base: Rev::default(),
            head: Rev::default(),
            summary,
            pages,
            graph,
            trees,
            other_pages,
            diagnostics,
            path_tests,
            before,
            after,
        }
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.summary == Summary::default()
    }
}

/// The path tests whose result (pass or fail, where the answers lead, why it
/// fails) differs between `base` and `head`, matched by file and name.
fn path_test_changes(base: &Analysis, head: &Analysis) -> Vec<PathTestChange> {
    let results = |a: &Analysis| -> BTreeMap<(String, String), String> {
        a.site
            .iter()
            .flat_map(|s| &s.path_tests.paths)
            .map(|p| {
                let result = match (&p.failure, &p.reached) {
                    (Some(why), _) => format!("fails: {why}"),
                    (None, Some(to)) => format!("passes: leads to {to}"),
                    (None, None) => "passes".to_string(),
                };
                ((p.file.clone(), p.name.clone()), result)
            })
            .collect()
    };
    let (before, after) = (results(base), results(head));
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| PathTestChange {
            file: k.0.clone(),
            name: k.1.clone(),
            before: before.get(k).cloned(),
            after: after.get(k).cloned(),
        })
        .collect()
}

/// What [`run`] compares.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The site root (the folder with `site.toml`), inside a git work tree.
    pub root: std::path::PathBuf,
    /// The base revision.
    pub base: String,
    /// The head revision; `None` for the working tree (read from disk).
    pub head: Option<String>,
    /// Include drafts.
    pub drafts: bool,
}

/// The site at `commit`, read from git; a revision without `site.toml` is an
/// empty site (the pull request that adds the knowledge base).
fn analyze_commit(
    repo: &git::Repo,
    root: &Path,
    commit: &str,
    drafts: bool,
) -> Result<Analysis, Error> {
    let tree = repo.read_tree(commit)?;
    Ok(match tree.site_toml {
        Some(text) => crate::pipeline::analyze_files(root, &text, tree.files, drafts),
        None => crate::pipeline::analyze_files(root, "title = \"\"\n", Vec::new(), drafts),
    })
}

/// Reads both revisions and compares them. Never touches the working tree.
///
/// # Errors
/// [`Error::Git`] when git fails or a revision does not exist; [`Error::NoSite`]
/// or [`Error::Io`] when the working tree's site cannot be read.
pub fn run(opts: &DiffOptions) -> Result<SiteDiff, Error> {
    let repo = git::Repo::discover(&opts.root)?;
    let base_commit = repo.commit(&opts.base)?;
    let base = analyze_commit(&repo, &opts.root, &base_commit, opts.drafts)?;
    let (head, head_commit) = match &opts.head {
        Some(rev) => {
            let commit = repo.commit(rev)?;
            (
                analyze_commit(&repo, &opts.root, &commit, opts.drafts)?,
                Some(commit),
            )
        }
        None => {
            let mut o = Options::new(&opts.root);
            o.drafts = opts.drafts;
            (crate::pipeline::analyze(&o)?, None)
        }
    };
    let renames = repo.renames(&base_commit, head_commit.as_deref())?;
    let mut diff = SiteDiff::compare(&base, &head, &renames);
    diff.base = Rev {
        rev: Some(opts.base.clone()),
        commit: Some(base_commit),
    };
    diff.head = Rev {
        rev: opts.head.clone(),
        commit: head_commit,
    };
    Ok(diff)
}

/// `check --changed-since REV`: checks the site on disk (the whole graph), then
/// keeps the diagnostics that are in a file changed since `rev` (tracked changes,
/// staged or not, and untracked files) **or** that `rev` did not have (compared by
/// code, file and message, through renames) — so a change that breaks another
/// page (a link to a page you renamed, a page your edit made unreachable) is
/// reported too, while old problems in files you did not touch are not.
///
/// # Errors
/// As [`crate::pipeline::analyze`], plus [`Error::Git`].
pub fn check_changed_since(opts: &Options, rev: &str) -> Result<Analysis, Error> {
    let mut analysis = crate::pipeline::analyze(opts)?;
    let repo = git::Repo::discover(&opts.root)?;
    let commit = repo.commit(rev)?;
    let base = analyze_commit(&repo, &opts.root, &commit, opts.drafts)?;
    let renames = repo.renames(&commit, None)?;
    let diff = SiteDiff::compare(&base, &analysis, &renames);
    let introduced: BTreeSet<usize> = diff
        .diagnostics
        .introduced
        .iter()
        .map(|d| d.index)
        .collect();
    let changed: BTreeSet<String> = repo.changed_since(&commit)?.into_iter().collect();
    let names: Vec<bool> = analysis
        .diagnostics
        .items()
        .iter()
        .map(|d| changed.contains(&analysis.sources.get(d.span.file).name))
        .collect();
    let mut i = 0;
    analysis.diagnostics.retain(|_| {
        let keep = names[i] || introduced.contains(&i);
        i += 1;
        keep
    });
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(when: &str, to: &str) -> BranchSnap {
        BranchSnap {
            when: Some(when.into()),
            to: Target::Page(to.into(), None),
        }
    }

    #[test]
    fn branches_are_matched_exact_then_by_when_then_by_target() {
        let old = [
            b("a", "x.md"),
            b("b", "y.md"),
            b("c", "z.md"),
            b("d", "w.md"),
        ];
        let new = [
            b("b", "y.md"),
            b("a", "x.md"),
            b("c", "q.md"),
            b("e", "w.md"),
            b("f", "v.md"),
        ];
        let ch = compare_branches(&old, &new);
        assert_eq!(ch.retargeted.len(), 1);
        assert_eq!(ch.retargeted[0].after, "q.md");
        assert_eq!(ch.reworded.len(), 1);
        assert_eq!(ch.reworded[0].after.as_deref(), Some("e"));
        assert_eq!(
            ch.added,
            vec![Branch {
                when: Some("f".into()),
                to: "v.md".into()
            }]
        );
        assert!(ch.removed.is_empty());
        let r = ch.reordered.unwrap();
        assert_eq!(r.before[0].when.as_deref(), Some("a"));
        assert_eq!(r.after[0].when.as_deref(), Some("b"));
    }

    #[test]
    fn paths_in_messages_are_replaced_as_whole_tokens() {
        let map = BTreeMap::from([("a.md".to_string(), "b/a.md".to_string())]);
        assert_eq!(
            replace_paths("loops: a.md → x.md → a.md; `a.md`; ba.md", &map),
            "loops: b/a.md → x.md → b/a.md; `b/a.md`; ba.md"
        );
    }
}
