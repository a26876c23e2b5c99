//! search::index_script: the frozen [`Site`] → `_signpost/search-index.js`,
//! the offline search index the default theme's `signpost.js` searches. Page
//! texts come from the scans made while loading.
//!
//! The index is a *script* that sets a global (`window.signpostSearch = {…};`)
//! rather than a JSON file, because a page opened from disk (`file://`) may not
//! `fetch` a sibling file, but it may always load a `<script src>`. The theme
//! loads it lazily, the first time the reader uses the search box, so pages of
//! a large site do not pay for it on every view.
//!
//! What it holds, per published page (section intros and the generated section
//! pages are not indexed): URL, title, summary, outcome, entry flag, the folder
//! breadcrumb, the tree the page belongs to and the path of `when` answers that
//! leads there from the tree's entry, the `when`s of the branches that lead to
//! it and of its own branches, and its body as plain text. Every distinct
//! `when` text is stored once and referred to by index, since the same answers
//! recur on the paths of many pages.
//!
//! Size. The body text is cut to [`markdown::SEARCH_TEXT_CAP`] bytes at a word
//! boundary, which keeps the index linear in the number of pages instead of
//! growing with long bodies.
//!
//! Format (one-letter keys keep it small; absent values are left out):
//!
//! ```text
//! { "v": 1,
//!   "whens":    [ "Yes: the app still works", … ],   // distinct `when` texts
//!   "trees":    [ { "t": title, "u": url }, … ],     // entries, in graph order
//!   "sections": [ "Sign-in › Personal account", … ], // folder breadcrumbs ("" = top)
//!   "pages": [ { "u": url (relative to the output root), "t": title,
//!                "s": summary?, "o": outcome?, "e": 1 if entry?,
//!                "f": section index, "r": tree index?, "p": [when index…] (path from
//!                the entry), "w": [when index…] (branches leading here),
//!                "c": [when index…] (this page's branches), "x": body text } ] }
//! ```
//!
//! The output is deterministic: pages in path order, `when`s in first-use order
//! (page order, then branch order), and `<` escaped as `\u003c` so that the
//! index can also be inlined in a `<script>` element (the single-file bundle).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::PageId;
use crate::links::escape_path;
use crate::markdown;
use crate::site::Site;

/// Output path of the index, relative to the output root.
pub const INDEX_PATH: &str = "_signpost/search-index.js";

/// Name of the global the index script sets.
pub const GLOBAL: &str = "signpostSearch";

#[derive(Serialize)]
struct Index<'a> {
    v: u8,
    whens: Vec<String>,
    trees: Vec<TreeEntry<'a>>,
    sections: Vec<String>,
    pages: Vec<PageEntry<'a>>,
}

#[derive(Serialize)]
struct TreeEntry<'a> {
    t: &'a str,
    u: String,
}

#[derive(Serialize)]
struct PageEntry<'a> {
    u: String,
    t: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<u8>,
    f: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    p: Vec<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    w: Vec<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    c: Vec<usize>,
    #[serde(skip_serializing_if = "str::is_empty")]
    x: &'a str,
}

/// `_signpost/search-index.js`: a script that sets `window.signpostSearch`.
pub fn index_script(site: &Site) -> String {
    let content = &site.content;
    let graph = &site.graph;
    // Every `when` numbered in edge order, so indexes do not depend on which
    // page happens to mention an answer first.
    let mut whens: Vec<String> = Vec::new();
    let mut when_ids: BTreeMap<String, usize> = BTreeMap::new();
    let edge_when: Vec<usize> = graph
        .edges
        .iter()
        .map(|e| {
            let text = e.when.as_deref().map_or_else(
                || site.config.labels["next_step"].clone(),
                markdown::inline_text,
            );
            *when_ids.entry(text).or_insert_with_key(|text| {
                whens.push(text.clone());
                whens.len() - 1
            })
        })
        .collect();
    let tree_of: BTreeMap<PageId, usize> = graph
        .entries
        .iter()
        .enumerate()
        .map(|(i, &e)| (e, i))
        .collect();
    let trees = graph
        .entries
        .iter()
        .map(|&e| {
            let p = content.page(e);
            TreeEntry {
                t: p.title(),
                u: escape_path(&p.out),
            }
        })
        .collect();
    // Folders numbered in first-use order, in page order.
    let mut sections: Vec<String> = Vec::new();
    let mut section_ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pages = Vec::new();
    for page in content.pages.iter().filter(|p| !p.section_intro) {
        let i = page.id.index();
        let f = *section_ids.entry(page.dir()).or_insert_with(|| {
            sections.push(folder_trail(site, page.dir()));
            sections.len() - 1
        });
        let numbered = |edges: &[usize]| {
            let mut v: Vec<usize> = edges.iter().map(|&e| edge_when[e]).collect();
            dedup_in_order(&mut v);
            v
        };
        pages.push(PageEntry {
            u: escape_path(&page.out),
            t: page.title(),
            s: page.meta.summary.as_ref().map(|s| s.value.as_str()),
            o: page.meta.outcome.as_ref().map(|o| o.value.as_str()),
            e: page.meta.is_entry().then_some(1),
            f,
            r: graph.entry_of[i].and_then(|e| tree_of.get(&e).copied()),
            p: graph
                .path_to(page.id)
                .into_iter()
                .map(|e| edge_when[e])
                .collect(),
            w: numbered(&graph.inc[i]),
            c: numbered(&graph.out[i]),
            x: &site.scans[i].text,
        });
    }
    let index = Index {
        v: 1,
        whens,
        trees,
        sections,
        pages,
    };
    let json = serde_json::to_string(&index).expect("plain data serializes");
    // `<` only occurs inside JSON strings, where `\u003c` means the same: the
    // index can then be inlined in a `<script>` element (the single-file bundle).
    format!("window.{GLOBAL} = {};\n", json.replace('<', "\\u003c"))
}

/// "Section › Sub-section" for folder `dir` ("" for the top folder).
fn folder_trail(site: &Site, dir: &str) -> String {
    let mut titles = Vec::new();
    let mut end = 0;
    while !dir.is_empty() {
        let next = dir[end..].find('/').map_or(dir.len(), |i| end + i);
        let d = &dir[..next];
        let title = match site.content.section_intro(d) {
            Some(p) if p.meta.title.is_some() => p.title(),
            _ => d.rsplit('/').next().unwrap_or(d),
        };
        titles.push(title);
        if next == dir.len() {
            break;
        }
        end = next + 1;
    }
    titles.join(" › ")
}

/// Drops repeated numbers, keeping each first use in place.
fn dedup_in_order(v: &mut Vec<usize>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|x| seen.insert(*x));
}

#[cfg(test)]
mod tests {
    #[test]
    fn duplicates_are_dropped_keeping_first_uses() {
        let mut v = vec![3, 1, 3, 2, 1, 4];
        super::dedup_in_order(&mut v);
        assert_eq!(v, [3, 1, 2, 4]);
    }

    /// The index is a script that cannot end its `<script>` element early,
    /// whatever a title says.
    #[test]
    fn the_index_escapes_lt_and_parses_as_json() {
        let files = vec![(
            "content/a.md".to_string(),
            b"+++\ntitle = \"</script><b>\"\n+++\nBody 1 < 2 text.\n".to_vec(),
        )];
        let analysis = crate::pipeline::analyze_files(
            std::path::Path::new("."),
            "title = \"T\"\n",
            files,
            false,
        );
        let script = super::index_script(analysis.site.as_ref().unwrap());
        assert!(!script.contains('<'), "{script}");
        let json = script
            .strip_prefix("window.signpostSearch = ")
            .and_then(|s| s.strip_suffix(";\n"))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["pages"][0]["t"], "</script><b>");
        assert_eq!(v["pages"][0]["x"], "Body 1 < 2 text.");
    }
}
