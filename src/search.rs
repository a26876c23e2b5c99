//! search::index_script / [`IndexWriter`]: the frozen [`Site`] →
//! `_signpost/search-index.js`, the offline search index the default theme's
//! `signpost.js` searches. A full build writes it through [`IndexWriter`], one
//! page entry at a time as pages are rendered (see `render::render_parts`).
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
//! Size. The body text is cut to [`BODY_CAP`] bytes (at a word boundary, from
//! a little more text gathered while parsing): the start of a procedure page (its
//! intro and first steps) says what it is about, and the cap keeps the index
//! linear in the number of pages at about 1.5 to 2 KB a page (about 18 MB for
//! the 10,000-page generated corpus) instead of growing with long bodies.
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
use std::io::Write as _;

use serde::Serialize;

use crate::Site;
use crate::content::PageId;
use crate::links::escape_path;
use crate::markdown;

/// Output path of the index, relative to the output root.
pub const INDEX_PATH: &str = "_signpost/search-index.js";

/// Name of the global the index script sets.
pub const GLOBAL: &str = "signpostSearch";

/// Bytes of body text kept per page.
pub const BODY_CAP: usize = 1500;

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

impl PageEntry<'_> {
    /// Appends the entry as compact JSON, as serde_json writes it, with `<`
    /// written `\u003c` (see [`LtEscaper`]).
    fn write_json(&self, out: &mut Vec<u8>) {
        fn num(out: &mut Vec<u8>, n: usize) {
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        }
        fn nums(out: &mut Vec<u8>, key: &[u8], list: &[usize]) {
            if list.is_empty() {
                return;
            }
            out.extend_from_slice(key);
            out.push(b'[');
            for (i, &n) in list.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                num(out, n);
            }
            out.push(b']');
        }
        out.extend_from_slice(b"{\"u\":");
        json_string(out, &self.u);
        out.extend_from_slice(b",\"t\":");
        json_string(out, self.t);
        if let Some(s) = self.s {
            out.extend_from_slice(b",\"s\":");
            json_string(out, s);
        }
        if let Some(o) = self.o {
            out.extend_from_slice(b",\"o\":");
            json_string(out, o);
        }
        if let Some(e) = self.e {
            out.extend_from_slice(b",\"e\":");
            num(out, usize::from(e));
        }
        out.extend_from_slice(b",\"f\":");
        num(out, self.f);
        if let Some(r) = self.r {
            out.extend_from_slice(b",\"r\":");
            num(out, r);
        }
        nums(out, b",\"p\":", &self.p);
        nums(out, b",\"w\":", &self.w);
        nums(out, b",\"c\":", &self.c);
        if !self.x.is_empty() {
            out.extend_from_slice(b",\"x\":");
            json_string(out, self.x);
        }
        out.push(b'}');
    }
}

/// How [`SearchText::push`] must add a piece of text.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// ASCII with single spaces only: copied as it is.
    Plain,
    /// ASCII with a control byte (tabs and line breaks among them) or a space
    /// after a space (or first, after a space): copied, then closed up.
    CloseUp,
    /// Not ASCII: added character by character.
    NotAscii,
}

/// What kind of piece `b` is (see [`Piece`]); `space_before` when the text so
/// far ends in a space. One pass, sixteen bytes at a time where SSE2 is there
/// (x86-64), then eight at a time, with exact per-byte
/// tests (no carries between bytes); the last few bytes are padded with
/// letters to a word.
fn piece(b: &[u8], space_before: bool) -> Piece {
    use crate::swar::{below, equal, high, word};
    let mut prev = space_before;
    let mut close = false;
    // Sixteen bytes at a time; the rest goes eight at a time below.
    #[cfg(target_arch = "x86_64")]
    let b = {
        use crate::swar::wide::{LEN, at_most, block, equal, high};
        let mut wide = b.chunks_exact(LEN);
        let mut carry = u32::from(prev);
        for c in &mut wide {
            let v = block(c, 0);
            if high(v) != 0 {
                return Piece::NotAscii;
            }
            let space = equal(v, b' ');
            // A space whose byte before is a space.
            let double = space & ((space << 1) | carry);
            close |= at_most(v, 0x1f) | double != 0;
            carry = space >> (LEN - 1);
        }
        prev = carry != 0;
        wide.remainder()
    };
    let mut test = |w: u64| {
        let space = equal(w, b' ');
        // A space whose lower neighbour (the byte before it) is a space.
        let double = space & ((space << 8) | u64::from(prev) << 7);
        close |= below(w, 0x20) | double != 0;
        prev = space >> 63 != 0;
    };
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = word(c, 0);
        if high(w) != 0 {
            return Piece::NotAscii;
        }
        test(w);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut pad = [b'a'; 8];
        pad[..rest.len()].copy_from_slice(rest);
        let w = word(&pad, 0);
        if high(w) != 0 {
            return Piece::NotAscii;
        }
        test(w);
    }
    if close { Piece::CloseUp } else { Piece::Plain }
}

/// The index of the first byte at or after `from` that `escape` flags (a
/// control, `"`, `\\` or `<`), or `bytes.len()`; it may stop early at a `<`
/// that `escape` does not flag. Sixteen bytes at a time (x86-64), then
/// eight: page
/// texts are most of the search index and rarely hold one.
fn first_json_special(bytes: &[u8], from: usize, escape: &[bool; 256]) -> usize {
    use crate::swar::{below, equal, word};
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use crate::swar::wide;
        while i + wide::LEN <= bytes.len() {
            let v = wide::block(bytes, i);
            let hit = wide::at_most(v, 0x1f)
                | wide::equal(v, b'"')
                | wide::equal(v, b'\\')
                | wide::equal(v, b'<');
            if hit != 0 {
                return i + hit.trailing_zeros() as usize;
            }
            i += wide::LEN;
        }
    }
    while i + 8 <= bytes.len() {
        let w = word(bytes, i);
        let hit = below(w, 0x20) | equal(w, b'"') | equal(w, b'\\') | equal(w, b'<');
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !escape[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it, and `<` as
/// `\u003c`.
fn json_string(out: &mut Vec<u8>, s: &str) {
    const ESCAPES: [bool; 256] = json_escapes(true);
    json_escaped(out, s, &ESCAPES);
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it.
pub(crate) fn json_plain_string(out: &mut Vec<u8>, s: &str) {
    const ESCAPES: [bool; 256] = json_escapes(false);
    json_escaped(out, s, &ESCAPES);
}

/// Which bytes need an escape: quotes, backslashes, controls, and `<` if `lt`.
const fn json_escapes(lt: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = lt;
    t
}

#[inline]
fn json_escaped(out: &mut Vec<u8>, s: &str, escape: &[bool; 256]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        i = first_json_special(bytes, i, escape);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if !escape[usize::from(b)] {
            // `<` when it needs no escape (the scan flags it either way).
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Distinct `when` texts, numbered in first-use order.
#[derive(Default)]
struct Whens {
    list: Vec<String>,
    /// Looked up only (numbers follow `list`'s order, not the map's).
    ids: rustc_hash::FxHashMap<String, usize>,
}

impl Whens {
    /// The number of `text` (a `when`'s plain text, or "Next step").
    fn id(&mut self, text: &str) -> usize {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let i = self.list.len();
        self.ids.insert(text.to_string(), i);
        self.list.push(text.to_string());
        i
    }
}

/// Passes JSON through, writing `<` as `\u003c` so that the index cannot close
/// its `<script>` element. `<` only occurs inside JSON strings, where the escape
/// means the same character.
struct LtEscaper<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for LtEscaper<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'<') {
            self.0.write_all(&rest[..i])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[i + 1..];
        }
        self.0.write_all(rest)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes the index script one page entry at a time (page texts from the
/// scans): the same bytes as serializing `{v, whens, trees, sections, pages}` at
/// once, without holding every entry in memory.
fn write_index(site: &Site, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let index = IndexWriter::new(site);
    index.head(w)?;
    for (n, page) in site
        .content
        .pages
        .iter()
        .filter(|p| !p.section_intro)
        .enumerate()
    {
        let json = index.entry_json(page.id, &site.scans[page.id.index()].text);
        index.write_entry(w, n == 0, &json)?;
    }
    index.tail(w)
}

/// Writes the search index in three parts (head, one entry per page in page
/// order, tail) so that a build can add each page's entry as it renders the
/// page, with its text, instead of keeping every page's text until the end.
/// The bytes are those of `window.signpostSearch = {…};` and a newline, with `<`
/// escaped in the JSON.
pub struct IndexWriter<'a> {
    site: &'a Site,
    whens: Vec<String>,
    edge_when: Vec<usize>,
    tree_of: BTreeMap<PageId, usize>,
    sections: Vec<String>,
    /// Per page id: its number in `sections`.
    page_section: Vec<usize>,
}

impl<'a> IndexWriter<'a> {
    /// Numbers the answers, trees and folders of `site`.
    pub fn new(site: &'a Site) -> Self {
        let texts = site.graph.edges.iter().map(|e| {
            e.when
                .as_deref()
                .map_or_else(|| "Next step".to_string(), markdown::inline_text)
        });
        Self::with_when_texts(site, texts)
    }

    /// [`IndexWriter::new`], given the plain text of every edge's `when` in
    /// edge order ("Next step" for an edge without one): the renderer has
    /// them already.
    pub fn with_when_texts<S: AsRef<str>>(site: &'a Site, texts: impl Iterator<Item = S>) -> Self {
        let content = &site.content;
        let graph = &site.graph;
        let mut whens = Whens::default();
        // Number every `when` in edge order first, so indexes do not depend on
        // which page happens to mention an answer first in a path.
        let edge_when: Vec<usize> = texts.map(|t| whens.id(t.as_ref())).collect();
        let tree_of: BTreeMap<PageId, usize> = graph
            .entries
            .iter()
            .enumerate()
            .map(|(i, &e)| (e, i))
            .collect();
        let mut sections: Vec<String> = Vec::new();
        let mut section_ids: BTreeMap<&str, usize> = BTreeMap::new();
        // Section numbers in first-use order, in page order.
        let mut page_section: Vec<usize> = vec![0; content.pages.len()];
        for page in content.pages.iter().filter(|p| !p.section_intro) {
            let dir = page.dir();
            page_section[page.id.index()] = *section_ids.entry(dir).or_insert_with(|| {
                sections.push(folder_trail(site, dir));
                sections.len() - 1
            });
        }
        IndexWriter {
            site,
            whens: whens.list,
            edge_when,
            tree_of,
            sections,
            page_section,
        }
    }

    /// `window.signpostSearch = {"v":1,…,"pages":[`.
    ///
    /// # Errors
    /// An I/O error of `w`.
    pub fn head(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let content = &self.site.content;
        let trees: Vec<TreeEntry<'_>> = self
            .site
            .graph
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
        write!(w, "window.{GLOBAL} = ")?;
        let w = &mut LtEscaper(w);
        w.write_all(b"{\"v\":1,\"whens\":")?;
        erased::Json::write_to(&self.whens, w)?;
        w.write_all(b",\"trees\":")?;
        erased::Json::write_to(&trees, w)?;
        w.write_all(b",\"sections\":")?;
        erased::Json::write_to(&self.sections, w)?;
        w.write_all(b",\"pages\":[")
    }

    /// Writes a page's entry (made by [`IndexWriter::entry_json`]); `first` for
    /// the first page.
    ///
    /// # Errors
    /// An I/O error of `w`.
    pub fn write_entry(
        &self,
        w: &mut dyn std::io::Write,
        first: bool,
        json: &[u8],
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        w.write_all(json)
    }

    /// The JSON of the entry of page `id` (not a section intro), whose plain
    /// text is `text` (see [`plain_text`]): made on any thread, written in
    /// page order with [`IndexWriter::write_entry`].
    pub fn entry_json(&self, id: PageId, text: &str) -> Vec<u8> {
        let content = &self.site.content;
        let graph = &self.site.graph;
        let page = content.page(id);
        let i = id.index();
        let edge_when = &self.edge_when;
        let mut incoming: Vec<usize> = graph.inc[i].iter().map(|&e| edge_when[e]).collect();
        dedup_in_order(&mut incoming);
        let mut choices: Vec<usize> = graph.out[i].iter().map(|&e| edge_when[e]).collect();
        dedup_in_order(&mut choices);
        let entry = PageEntry {
            u: escape_path(&page.out),
            t: page.title(),
            s: page.meta.summary.as_ref().map(|s| s.value.as_str()),
            o: page.meta.outcome.as_ref().map(|o| o.value.as_str()),
            e: page.meta.is_entry().then_some(1),
            f: self.page_section[i],
            r: graph.entry_of[i].and_then(|e| self.tree_of.get(&e).copied()),
            p: graph
                .path_to(page.id)
                .into_iter()
                .map(|e| edge_when[e])
                .collect(),
            w: incoming,
            c: choices,
            x: text,
        };
        // Serialized by hand, in one pass, rather than through serde and a
        // second pass for `<` (one entry for each of thousands of pages).
        let mut buf = Vec::with_capacity(text.len() + 512);
        entry.write_json(&mut buf);
        buf
    }

    /// `]};` and a newline.
    ///
    /// # Errors
    /// An I/O error of `w`.
    pub fn tail(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(b"]};\n")
    }
}

/// Serializing values of different types through one `&dyn` writer.
mod erased {
    /// A value that writes itself as compact JSON.
    pub(super) trait Json {
        fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()>;
    }

    impl<T: serde::Serialize> Json for T {
        fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer(w, self).map_err(std::io::Error::other)
        }
    }
}

/// `_signpost/search-index.js`: a script that sets `window.signpostSearch`.
pub fn index_script(site: &Site) -> String {
    let mut out = Vec::new();
    write_index_script(site, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the script is UTF-8")
}

/// Writes [`index_script`] into `w`, one page at a time.
///
/// # Errors
/// An I/O error of `w`.
pub fn write_index_script(site: &Site, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_index(site, w)
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

fn dedup_in_order(v: &mut Vec<usize>) {
    if v.len() <= 16 {
        // A page has a handful of branches and parents: compare directly.
        let mut kept = 0;
        for i in 0..v.len() {
            if !v[..kept].contains(&v[i]) {
                v[kept] = v[i];
                kept += 1;
            }
        }
        v.truncate(kept);
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|x| seen.insert(*x));
}

/// Collapses whitespace and cuts `text` to at most `cap` bytes, at a word
/// boundary when there is one in the last fifth.
pub fn plain_text(text: &str, cap: usize) -> String {
    let mut acc = SearchText::new(usize::MAX, text.len());
    acc.push(text);
    acc.finish(cap)
}

/// A body's search text, gathered as its Markdown is parsed: the pieces as
/// written, up to `raw_cap` bytes of them, with whitespace collapsed on the
/// way, so that [`SearchText::finish`] gives what [`plain_text`] gives for the
/// pieces joined and cut at `raw_cap` (one pass over the text, not two).
pub(crate) struct SearchText {
    /// The text so far, its whitespace collapsed to single spaces, none at the
    /// start; a space at the end is whitespace waiting for a next word. (Valid
    /// UTF-8: only ASCII whitespace is dropped or replaced.)
    out: Vec<u8>,
    /// Bytes of the pieces taken so far, as written.
    raw: usize,
    raw_cap: usize,
}

impl SearchText {
    /// Keeps up to `raw_cap` bytes of text; `hint` is the source's length.
    pub(crate) fn new(raw_cap: usize, hint: usize) -> Self {
        SearchText {
            out: Vec::with_capacity(hint.min(raw_cap)),
            raw: 0,
            raw_cap,
        }
    }

    /// Whether whitespace now would be dropped: at the start, or after a space.
    fn after_space(&self) -> bool {
        self.out.last().is_none_or(|&c| c == b' ')
    }

    /// Appends one space (between blocks, for a line break).
    pub(crate) fn push_space(&mut self) {
        if self.raw < self.raw_cap {
            self.raw += 1;
            if !self.after_space() {
                self.out.push(b' ');
            }
        }
    }

    /// Appends `t` (cut at a character boundary once `raw_cap` is reached).
    pub(crate) fn push(&mut self, t: &str) {
        if self.raw >= self.raw_cap {
            return;
        }
        let mut end = t.len().min(self.raw_cap - self.raw);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        self.raw += end;
        let t = &t[..end];
        let mut prev = self.after_space();
        match piece(t.as_bytes(), prev) {
            Piece::Plain => {
                self.out.extend_from_slice(t.as_bytes());
                return;
            }
            Piece::NotAscii => {
                for c in t.chars() {
                    if !c.is_whitespace() {
                        let mut utf8 = [0; 4];
                        self.out
                            .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                    } else if !self.after_space() {
                        self.out.push(b' ');
                    }
                }
                return;
            }
            Piece::CloseUp => {}
        }
        // ASCII whitespace is exactly these bytes (as `char::is_whitespace`
        // has it). Copy the piece whole, then close it up in place without a
        // branch per byte: each whitespace byte becomes a space, kept unless
        // the byte before it was whitespace too. `j` never passes `i`.
        let start = self.out.len();
        self.out.extend_from_slice(t.as_bytes());
        let buf = &mut self.out[start..];
        let mut j = 0;
        for i in 0..buf.len() {
            let c = buf[i];
            let ws = c == b' ' || c.wrapping_sub(b'\t') < 5;
            buf[j] = if ws { b' ' } else { c };
            j += usize::from(!(ws && prev));
            prev = ws;
        }
        self.out.truncate(start + j);
    }

    /// The text, cut to at most `cap` bytes: where a word ends if one ends in
    /// the last fifth, else inside the word across the cap.
    pub(crate) fn finish(mut self, cap: usize) -> String {
        if self.out.last() == Some(&b' ') {
            self.out.pop();
        }
        let mut out = String::from_utf8(self.out).expect("whole characters in, whole out");
        if out.len() > cap {
            let b = out.as_bytes();
            if b[cap] == b' ' {
                // A word ends exactly at the cap.
                out.truncate(cap);
            } else {
                // The word across the cap starts at `start` (after its space):
                // keep its head if little would be left out, else end before it.
                let start = b[..cap]
                    .iter()
                    .rposition(|&c| c == b' ')
                    .map_or(0, |i| i + 1);
                if start < cap * 4 / 5 {
                    let mut end = cap;
                    while !out.is_char_boundary(end) {
                        end -= 1;
                    }
                    out.truncate(end);
                } else {
                    out.truncate(start.saturating_sub(1));
                }
            }
        }
        out.shrink_to_fit();
        out
    }
}

/// `words` joined by single spaces, cut to `cap` bytes at a word boundary: the
/// reference [`plain_text`] is tested against.
#[cfg(test)]
fn join_capped<'a>(words: impl Iterator<Item = &'a str>, len: usize, cap: usize) -> String {
    let mut out = String::with_capacity(len.min(cap));
    for word in words {
        if !out.is_empty() {
            if out.len() + 1 > cap {
                break;
            }
            out.push(' ');
        }
        if out.len() + word.len() > cap {
            // A long word (a URL, code) at the end: keep what fits, unless a
            // word boundary is close enough.
            if out.len() < cap * 4 / 5 {
                let mut end = cap - out.len();
                while !word.is_char_boundary(end) {
                    end -= 1;
                }
                out.push_str(&word[..end]);
            } else {
                out.pop();
            }
            break;
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{LtEscaper, PageEntry, Piece, SearchText, join_capped, piece, plain_text};

    #[test]
    fn plain_text_collapses_and_caps_at_words() {
        assert_eq!(plain_text("  a \n b\tc  ", 100), "a b c");
        assert_eq!(plain_text("hello world again", 13), "hello world");
        assert_eq!(plain_text("hello world", 11), "hello world");
        assert_eq!(plain_text("abcdefghij", 4), "abcd");
        assert_eq!(plain_text("ééééé", 5), "éé");
        assert!(plain_text(&"word ".repeat(1000), 1500).len() <= 1500);
        // The ASCII path splits words as `split_whitespace` does.
        let cases = [
            "\u{b}a\u{c}b\rc\x1fd",
            "  x  y\n\n z ",
            "",
            "   ",
            "one two three four",
        ];
        for text in cases {
            for cap in [0, 1, 3, 5, 8, 100] {
                let expected = join_capped(text.split_whitespace(), text.len(), cap);
                assert_eq!(plain_text(text, cap), expected, "{text:?} {cap}");
            }
        }
        assert_eq!(plain_text("a\u{85}b", 10), "a b", "U+0085 is whitespace");
    }

    /// What `write_json` must produce: serde_json's output with `<` escaped.
    fn through_serde(entry: &PageEntry<'_>) -> Vec<u8> {
        use std::io::Write;
        let json = serde_json::to_vec(entry).unwrap();
        let mut out = Vec::new();
        LtEscaper(&mut out).write_all(&json).unwrap();
        out
    }

    #[test]
    fn entries_are_written_as_serde_json_writes_them() {
        let full = PageEntry {
            u: "a/b%20c.html".into(),
            t: "Title with \"quotes\", \\ and <tags> & é",
            s: Some("tab\there, newline\n, bell\u{7}, \u{1f}\u{8}\u{c}\r, del\u{7f}"),
            o: Some("resolved"),
            e: Some(1),
            f: 12,
            r: Some(0),
            p: vec![3, 1, 40],
            w: vec![7],
            c: vec![0, 1],
            x: "body </script> text",
        };
        let bare = PageEntry {
            u: "index.html".into(),
            t: "Plain",
            s: None,
            o: None,
            e: None,
            f: 0,
            r: None,
            p: Vec::new(),
            w: Vec::new(),
            c: Vec::new(),
            x: "",
        };
        for entry in [&full, &bare] {
            let mut out = Vec::new();
            entry.write_json(&mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(through_serde(entry)).unwrap()
            );
        }
    }

    #[test]
    fn duplicates_are_dropped_keeping_first_uses() {
        for v in [
            vec![],
            vec![3, 1, 3, 2, 1],
            (0..40).map(|i| i % 7).collect::<Vec<_>>(),
        ] {
            let mut expected = Vec::new();
            for &x in &v {
                if !expected.contains(&x) {
                    expected.push(x);
                }
            }
            let mut got = v.clone();
            super::dedup_in_order(&mut got);
            assert_eq!(got, expected, "{v:?}");
        }
    }

    #[test]
    fn pieces_see_spaces_and_controls_across_block_boundaries() {
        // Two spaces split between the first sixteen bytes and the rest, or
        // between the last block and the eight-byte tail; a space first after
        // a space; a control byte in the tail only.
        let split = format!("{}  {}", "a".repeat(15), "b".repeat(20));
        assert_eq!(piece(split.as_bytes(), false), Piece::CloseUp);
        let tail = format!("{}  {}", "a".repeat(31), "b".repeat(3));
        assert_eq!(piece(tail.as_bytes(), false), Piece::CloseUp);
        let first = format!(" {}", "a".repeat(20));
        assert_eq!(piece(first.as_bytes(), true), Piece::CloseUp);
        assert_eq!(piece(first.as_bytes(), false), Piece::Plain);
        let spaced = "a b ".repeat(10);
        assert_eq!(piece(spaced.as_bytes(), false), Piece::Plain);
        let control = format!("{}\t", "a".repeat(17));
        assert_eq!(piece(control.as_bytes(), false), Piece::CloseUp);
        let late = format!("{}é", "a".repeat(40));
        assert_eq!(piece(late.as_bytes(), false), Piece::NotAscii);
    }

    proptest::proptest! {
        #[test]
        fn json_strings_are_escaped_as_serde_json_escapes_them(s in "[a-z\"\\\\<>/\u{0}-\u{1f}\u{7f}é]{0,30}") {
            let entry = PageEntry { u: String::new(), t: &s, s: None, o: None, e: None, f: 0, r: None, p: Vec::new(), w: Vec::new(), c: Vec::new(), x: &s };
            let mut out = Vec::new();
            entry.write_json(&mut out);
            proptest::prop_assert_eq!(out, through_serde(&entry));
        }

        #[test]
        fn pieces_are_told_apart_as_byte_by_byte(
            t in "[a ~\t\n\u{b}\u{1f}\u{7f}é]{0,30}",
            space_before in proptest::bool::ANY,
        ) {
            let b = t.as_bytes();
            let expected = if !t.is_ascii() {
                Piece::NotAscii
            } else if b.iter().any(|&c| c < 0x20)
                || b.windows(2).any(|w| w == b"  ")
                || (space_before && b.first() == Some(&b' '))
            {
                Piece::CloseUp
            } else {
                Piece::Plain
            };
            proptest::prop_assert_eq!(piece(b, space_before), expected);
        }

        #[test]
        fn text_gathered_in_pieces_is_the_plain_text_of_the_pieces_cut(
            pieces in proptest::collection::vec(
                proptest::option::of("[ab \t\n\u{b}é\u{a0}\u{85}-]{0,20}"),
                0..10,
            ),
            raw_cap in 0usize..60,
            cap in 0usize..40,
        ) {
            // `None` is a break between blocks (`push_space`). What a body's
            // text was before: the pieces appended up to `raw_cap` bytes (cut
            // at a character boundary), then `plain_text`.
            let mut joined = String::new();
            for t in &pieces {
                let t = t.as_deref().unwrap_or(" ");
                if joined.len() < raw_cap {
                    let mut end = t.len().min(raw_cap - joined.len());
                    while !t.is_char_boundary(end) {
                        end -= 1;
                    }
                    joined.push_str(&t[..end]);
                }
            }
            let mut acc = SearchText::new(raw_cap, 0);
            for t in &pieces {
                match t {
                    Some(t) => acc.push(t),
                    None => acc.push_space(),
                }
            }
            proptest::prop_assert_eq!(acc.finish(cap), plain_text(&joined, cap));
        }

        #[test]
        fn unicode_text_is_cut_as_words_are_joined(
            text in "[aé \t\n\u{a0}\u{85}\u{3000}x-]{0,40}",
            cap in 0usize..40,
        ) {
            let expected = join_capped(text.split_whitespace(), text.len(), cap);
            proptest::prop_assert_eq!(plain_text(&text, cap), expected);
        }

        #[test]
        fn ascii_text_is_cut_as_words_are_joined(
            text in "[ab \t\n\r\u{b}\u{c}x.-]{0,60}",
            cap in 0usize..40,
        ) {
            let expected = join_capped(text.split_whitespace(), text.len(), cap);
            proptest::prop_assert_eq!(plain_text(&text, cap), expected);
        }
    }
}
