//! search::index_files: the frozen [`Site`] → the offline search index the
//! default theme's `signpost.js` searches: a small root script,
//! `_signpost/search-index.js`, and shard scripts under `_signpost/search/`
//! that the theme loads on demand. Page texts come from the scans made while
//! loading.
//!
//! Every file is a *script*, not a JSON file, because a page opened from disk
//! (`file://`) may not `fetch` a sibling file, but it may always load a
//! `<script src>`. The root sets `window.signpostSearch`; each shard calls
//! `window.signpostSearchShard(name, data)`. The theme loads the root the
//! first time the reader uses the search box, then only the shards a query
//! needs, so the first search of a 10,000-page site loads a few hundred
//! kilobytes rather than the whole index (see docs/search.md).
//!
//! What is indexed, per published page and per section intro (`_index.md`):
//! its title, the `when`s of the branches that lead to it and of the path from
//! its tree's entry, its summary, its tags, and its body text (cut to
//! [`markdown::SEARCH_TEXT_CAP`] bytes, which keeps the index linear in the
//! number of pages) with the `when`s of its own branches. Words are folded
//! as the theme folds a query: lower case, accents removed, split at every
//! character that is neither a letter, a digit nor `_`.
//!
//! Format (one-letter keys keep it small; absent values are left out):
//!
//! ```text
//! root  window.signpostSearch = { "v": 2,
//!         "n": number of documents, "k": documents per page shard,
//!         "w": "every distinct word, sorted, separated by spaces",
//!         "b": [index in "w" of the first word of each term shard, …] };
//! t<i>  signpostSearchShard("t<i>", [postings of each word of shard i, …])
//! p<j>  signpostSearchShard("p<j>", [document j*k, document j*k+1, …])
//! r     signpostSearchShard("r", [{ "t": title, "u": url } of each tree entry])
//! ```
//!
//! A document is `{ "u": url (relative to the output root), "t": title,
//! "s": summary?, "o": outcome?, "e": 1 if entry?, "g": [tag…]?,
//! "r": its tree's title?, "p": [when…] the path from the tree's entry (a
//! long one elided to its first and last two answers, "…" between)?,
//! "f": folder breadcrumb, for pages in no tree? }`.
//!
//! Postings are a string of variable-length base-32 numbers, one per
//! document holding the word, in document order: `delta * 32 + fields`, where
//! `delta` is the document number minus the previous one (the first counts
//! from 0) and `fields` has a bit per field holding the word ([`TITLE`],
//! [`WHEN`], [`SUMMARY`], [`TAGS`], [`BODY`]). A number's leading digits come
//! from [`DIGITS`], its last digit from [`LAST_DIGITS`].
//!
//! The output is deterministic: documents in path order, words sorted, shards
//! cut by size in that order, and `<` escaped as `\u003c` so that every file
//! can also be inlined in a `<script>` element (the single-file bundle, which
//! holds the shards as JSON and decodes them when a search needs them).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::links::escape_path;
use crate::markdown::{self, for_each_word};
use crate::site::Site;

/// Output path of the root script, relative to the output root.
pub const INDEX_PATH: &str = "_signpost/search-index.js";

/// Folder of the shard scripts, relative to the output root.
pub const SHARD_DIR: &str = "_signpost/search/";

/// Name of the global the root script sets.
pub const GLOBAL: &str = "signpostSearch";

/// Name of the global function each shard script calls.
pub const SHARD_FN: &str = "signpostSearchShard";

/// Field bits of a posting.
pub const TITLE: u8 = 1;
pub const WHEN: u8 = 2;
pub const SUMMARY: u8 = 4;
pub const TAGS: u8 = 8;
pub const BODY: u8 = 16;

/// Leading digits of a posting number (base 32).
pub const DIGITS: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
/// Last digit of a posting number (base 32).
pub const LAST_DIGITS: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";

/// Documents per page shard: a page of results loads at most this many
/// shards' worth of neighbours per result.
const DOCS_PER_SHARD: usize = 16;

/// A term shard is closed once its postings reach this many bytes.
const TERM_SHARD_BYTES: usize = 12 * 1024;

/// Documents whose words are gathered at once (in parallel).
const BATCH: usize = 256;

#[derive(Serialize)]
struct Root {
    v: u8,
    n: usize,
    k: usize,
    w: String,
    b: Vec<usize>,
}

#[derive(Serialize)]
struct TreeEntry<'a> {
    t: &'a str,
    u: String,
}

#[derive(Serialize)]
struct Doc<'a> {
    u: String,
    t: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<u8>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    g: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    p: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    f: Option<String>,
}

/// Appends `n` in the posting alphabet.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 13];
    let mut len = 0;
    loop {
        digits[len] = (n % 32) as u8;
        len += 1;
        n /= 32;
        if n == 0 {
            break;
        }
    }
    for i in (1..len).rev() {
        out.push(DIGITS[usize::from(digits[i])] as char);
    }
    out.push(LAST_DIGITS[usize::from(digits[0])] as char);
}

/// JSON with `<` escaped, so that it may sit inside a `<script>` element.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value)
        .expect("plain data serializes")
        .replace('<', "\\u003c")
}

fn shard_script(name: &str, json: &str) -> String {
    format!("{SHARD_FN}(\"{name}\",{json});\n")
}

/// The name and JSON data of a shard script written by [`index_files`].
pub fn shard_json(script: &str) -> Option<(&str, &str)> {
    let rest = script.strip_prefix(SHARD_FN)?.strip_prefix("(\"")?;
    let (name, rest) = rest.split_once("\",")?;
    Some((name, rest.strip_suffix(");\n")?))
}

/// Makes the search index and hands each file to `emit` (its path relative to
/// the output root, and its script) as soon as it is made, so that only one
/// part of the index is held at a time: the term shards under [`SHARD_DIR`],
/// the root [`INDEX_PATH`], then the document shards and the trees.
///
/// # Errors
/// The first error of `emit`.
pub fn index_files<E>(
    site: &Site,
    mut emit: impl FnMut(&str, &str) -> Result<(), E>,
) -> Result<(), E> {
    let content = &site.content;
    let graph = &site.graph;
    // Every `when` as plain text, once per branch.
    let when_texts: Vec<String> = graph
        .edges
        .par_iter()
        .map(|e| {
            e.when.as_deref().map_or_else(
                || site.config.labels["next_step"].clone(),
                markdown::inline_text,
            )
        })
        .collect();
    let when_text = |e: usize| when_texts[e].clone();
    let docs: Vec<&crate::content::Page> = content.pages.iter().collect();
    // Each document's words with their field bits, in parallel, a batch of
    // documents at a time: only one batch's word lists are held at once.
    let doc_words = |page: &&crate::content::Page| {
        let i = page.id.index();
        // Hashed, not sorted: each word's postings are appended in document
        // order whatever the order of the words, and the words are sorted once
        // at the end.
        let body = &site.scans[i].words;
        let mut found: FxHashMap<String, u8> = FxHashMap::default();
        let mut add_word = |w: &str, bit: u8| match found.get_mut(w) {
            Some(bits) => *bits |= bit,
            None => {
                found.insert(w.to_string(), bit);
            }
        };
        // The body's words were folded when its page was scanned.
        for w in body.split(' ').filter(|w| !w.is_empty()) {
            add_word(w, BODY);
        }
        let mut add = |text: &str, bit: u8| for_each_word(text, |w| add_word(w, bit));
        add(page.title(), TITLE);
        if !page.section_intro {
            for &e in graph.inc[i].iter().chain(graph.path_to(page.id).iter()) {
                add(&when_texts[e], WHEN);
            }
            for &e in &graph.out[i] {
                add(&when_texts[e], BODY);
            }
        }
        if let Some(s) = &page.meta.summary {
            add(&s.value, SUMMARY);
        }
        for tag in &page.meta.tags {
            add(tag, TAGS);
        }
        found
    };
    let mut postings: FxHashMap<String, (String, usize)> = FxHashMap::default();
    for (b, batch) in docs.chunks(BATCH).enumerate() {
        let found: Vec<FxHashMap<String, u8>> = batch.par_iter().map(doc_words).collect();
        for (i, found) in found.into_iter().enumerate() {
            let d = b * BATCH + i;
            for (w, bits) in found {
                let (out, last) = postings.entry(w).or_default();
                push_number(out, ((d - *last) as u64) * 32 + u64::from(bits));
                *last = d;
            }
        }
    }

    // Term shards, cut by size in word order.
    let mut postings: Vec<(String, String)> =
        postings.into_iter().map(|(w, (p, _))| (w, p)).collect();
    postings.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let (terms, postings): (Vec<String>, Vec<String>) = postings.into_iter().unzip();
    let mut starts = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, p) in postings.iter().enumerate() {
        bytes += p.len();
        if bytes >= TERM_SHARD_BYTES || i + 1 == postings.len() {
            let name = format!("t{}", starts.len());
            starts.push(start);
            let shard = shard_script(&name, &json(&postings[start..=i]));
            emit(&format!("{SHARD_DIR}{name}.js"), &shard)?;
            start = i + 1;
            bytes = 0;
        }
    }
    drop(postings);
    let root = Root {
        v: 2,
        n: docs.len(),
        k: DOCS_PER_SHARD,
        w: terms.join(" "),
        b: starts,
    };
    drop(terms);
    emit(INDEX_PATH, &format!("window.{GLOBAL} = {};\n", json(&root)))?;
    drop(root);

    // Document shards.
    let tree_title = |page: &crate::content::Page| {
        graph.entry_of[page.id.index()].map(|e| content.page(e).title())
    };
    for (j, chunk) in docs.chunks(DOCS_PER_SHARD).enumerate() {
        let shard: Vec<Doc> = chunk
            .iter()
            .map(|page| {
                let tree = if page.section_intro {
                    None
                } else {
                    tree_title(page)
                };
                let mut path: Vec<String> = match tree {
                    Some(_) => graph.path_to(page.id).into_iter().map(when_text).collect(),
                    None => Vec::new(),
                };
                if path.len() > 3 {
                    let n = path.len();
                    path = vec![
                        path[0].clone(),
                        "…".to_string(),
                        path[n - 2].clone(),
                        path[n - 1].clone(),
                    ];
                }
                let folder = if page.section_intro {
                    crate::content::parent_dir(page.dir())
                } else {
                    page.dir()
                };
                Doc {
                    u: escape_path(&page.out),
                    t: page.title(),
                    s: page.meta.summary.as_ref().map(|s| s.value.as_str()),
                    o: page.meta.outcome.as_ref().map(|o| o.value.as_str()),
                    e: page.meta.is_entry().then_some(1),
                    g: &page.meta.tags,
                    r: tree,
                    p: path,
                    f: tree.is_none().then(|| folder_trail(site, folder)),
                }
            })
            .collect();
        let name = format!("p{j}");
        emit(
            &format!("{SHARD_DIR}{name}.js"),
            &shard_script(&name, &json(&shard)),
        )?;
    }

    let trees: Vec<TreeEntry> = graph
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
    emit(
        &format!("{SHARD_DIR}r.js"),
        &shard_script("r", &json(&trees)),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_like_the_theme_folds_a_query() {
        let mut w = Vec::new();
        for_each_word("Réinitialiser l'MFA: 2FA_code, ÉTÉ—x", |x| {
            w.push(x.to_string())
        });
        assert_eq!(w, ["reinitialiser", "l", "mfa", "2fa_code", "ete", "x"]);
    }

    /// Decodes a postings string: (document, field bits) pairs.
    fn decode(p: &str) -> Vec<(u64, u8)> {
        let mut out = Vec::new();
        let (mut n, mut doc) = (0u64, 0u64);
        for c in p.bytes() {
            if let Some(d) = DIGITS.iter().position(|&x| x == c) {
                n = n * 32 + d as u64;
            } else {
                let d = LAST_DIGITS.iter().position(|&x| x == c).unwrap() as u64;
                n = n * 32 + d;
                doc += n / 32;
                out.push((doc, (n % 32) as u8));
                n = 0;
            }
        }
        out
    }

    #[test]
    fn numbers_round_trip_through_the_posting_alphabet() {
        let mut s = String::new();
        for n in [0u64, 31, 32, 1000, 123_456_789] {
            push_number(&mut s, n * 32 + 5);
        }
        let docs: Vec<u64> = decode(&s).iter().map(|d| d.0).collect();
        assert_eq!(docs, [0, 31, 63, 1063, 123_457_852]);
    }

    /// Every file can sit in a `<script>` element, whatever a title says, and
    /// the shards hold each word's documents and fields.
    #[test]
    fn the_index_escapes_lt_and_holds_fields_per_word() {
        let files = vec![
            (
                "content/a.md".to_string(),
                b"+++\ntitle = \"</script><b> Alpha\"\ntags = [\"2fa\"]\n+++\nBody 1 < 2 text.\n"
                    .to_vec(),
            ),
            (
                "content/b.md".to_string(),
                b"+++\ntitle = \"Beta\"\nsummary = \"About alpha\"\n+++\nText.\n".to_vec(),
            ),
        ];
        let analysis = crate::pipeline::analyze_files(
            std::path::Path::new("."),
            "title = \"T\"\n",
            files,
            false,
        );
        let mut files = Vec::new();
        index_files(analysis.site.as_ref().unwrap(), |path, script| {
            files.push((path.to_string(), script.to_string()));
            Ok::<(), ()>(())
        })
        .unwrap();
        let root = files.iter().position(|(p, _)| p == INDEX_PATH).unwrap();
        for (path, script) in &files {
            assert!(!script.contains('<'), "{path}: {script}");
        }
        let root: serde_json::Value = serde_json::from_str(
            files[root]
                .1
                .strip_prefix("window.signpostSearch = ")
                .and_then(|s| s.strip_suffix(";\n"))
                .unwrap(),
        )
        .unwrap();
        let terms: Vec<&str> = root["w"].as_str().unwrap().split(' ').collect();
        let mut postings = Vec::new();
        for (_, script) in files
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{SHARD_DIR}t")))
        {
            let (_, data) = shard_json(script).unwrap();
            let v: Vec<String> = serde_json::from_str(data).unwrap();
            postings.extend(v);
        }
        assert_eq!(terms.len(), postings.len());
        let of = |w: &str| decode(&postings[terms.iter().position(|t| *t == w).unwrap()]);
        assert_eq!(of("alpha"), [(0, TITLE), (1, SUMMARY)]);
        assert_eq!(of("2fa"), [(0, TAGS)]);
        assert_eq!(of("text"), [(0, BODY), (1, BODY)]);
        let (name, data) =
            shard_json(&files.iter().find(|(p, _)| p.ends_with("/p0.js")).unwrap().1).unwrap();
        assert_eq!(name, "p0");
        let docs: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(docs[0]["t"], "</script><b> Alpha");
        assert_eq!(docs[0]["g"][0], "2fa");
    }
}
