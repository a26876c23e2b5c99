//! serve: the site built into memory, served over HTTP on loopback, rebuilt when
//! a file of the site is saved, with open pages reloaded.
//!
//! Input: [`Options`], an address, and file-change events. Output: HTTP responses
//! and [`Event`]s for the binary to print (the library never prints).
//!
//! - [`lookup`]: a request path → a file of the in-memory site (or 404/redirect);
//!   only files of the site exist, so `..` can never reach the disk, and paths with
//!   `.`/`..` segments, encoded or not, are refused outright.
//! - [`Live::rebuild`]: a full in-memory build, or an incremental one when only
//!   the text of existing pages changed (see [`Live::rebuild`] for the rules).
//!   While the content folder is gone the last good site stays up, and it is
//!   watched again once it is back.
//! - [`Server`]: GET and HEAD, one request per connection, and a Server-Sent
//!   Events endpoint that tells open pages to reload. The reload script and the
//!   error overlay are injected into HTML responses only here, never into a
//!   build. A request naming a host other than loopback or the bound address
//!   gets 403 (DNS rebinding); an HTTP/1.1 request with no `Host` gets 400.
//!
//! HTTP is hyper's (HTTP/1) on a one-thread Tokio runtime: a connection is a
//! task, not a thread, so slow clients and live-reload streams hold no worker,
//! and a request head must arrive within 5 s. Not tiny_http (0.12.0, still its
//! latest release): it reads request heads on a thread per connection with no
//! deadline and no size limit, and its accept thread panics on the first failed
//! accept (out of file descriptors), leaving the port dead while serve runs on.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{Either, Full, channel::Channel};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Version};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::content::PageId;
use crate::diag::{Diagnostic, Format};
use crate::error::Error;
use crate::render::{Parts, Sink, Theme};
use crate::site::{Analysis, Options, Site};
use crate::source::SourceMap;

/// Output files of the site: path (relative, `/` separators) → bytes. Bytes are
/// shared so that a rebuild copies the map, not the pages.
pub type Files = BTreeMap<String, Arc<Vec<u8>>>;

/// URL path of the Server-Sent Events stream that announces rebuilds.
pub const LIVE_PATH: &str = "/_signpost/live";

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A file of the site: its key in [`Files`].
    File(String),
    /// A folder named without its trailing `/`: redirect here so that relative
    /// links resolve.
    Redirect(String),
    /// Nothing (or a path that tries to leave the site).
    NotFound,
}

/// Decodes `%XX` escapes of a URL path into bytes; `None` if an escape is broken.
fn decode_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Maps a request target (`/a/b.html?x#y`) to a file of the site. `/` and
/// `/dir/` name `index.html` of that folder.
pub fn lookup(files: &Files, target: &str) -> Lookup {
    let path = target.split(['?', '#']).next().unwrap_or("");
    // Origin form only: `%2fa` is not `/a` (its redirect would be relative).
    if !path.starts_with('/') {
        return Lookup::NotFound;
    }
    let Some(path) = decode_path(path) else {
        return Lookup::NotFound;
    };
    let Some(rel) = path.strip_prefix('/') else {
        return Lookup::NotFound;
    };
    // Checked after decoding, so `%2e%2e` and `%2F` are caught too. Backslashes
    // and NULs never name a file of the site.
    let segments: Vec<&str> = rel.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        if *seg == "." || *seg == ".." || seg.contains(['\\', '\0']) {
            return Lookup::NotFound;
        }
        if seg.is_empty() && i != last {
            return Lookup::NotFound;
        }
    }
    let key = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if files.contains_key(&key) {
        return Lookup::File(key);
    }
    if !rel.is_empty() && !rel.ends_with('/') && files.contains_key(&format!("{rel}/index.html")) {
        return Lookup::Redirect(format!(
            "{}/",
            target.split(['?', '#']).next().unwrap_or("")
        ));
    }
    Lookup::NotFound
}

/// The `Content-Type` for an output path.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The live-reload script for a page served while the site is at `version`.
fn reload_script(version: u64) -> String {
    format!(
        "<script>(function(){{var s=new EventSource(\"{LIVE_PATH}?since={version}\");\
         s.onmessage=function(e){{if(e.data===\"reload\"){{s.close();location.reload();}}}};}})();</script>\n"
    )
}

/// The banner shown on every page while the last save has errors: at the
/// bottom, at most a third of the screen, with a button that closes it. Its
/// colours are fixed and inline on every element (light text on dark red,
/// 14:1, in either colour scheme), so no theme's stylesheet can change them.
fn error_overlay(text: &str) -> String {
    format!(
        "<div id=\"signpost-errors\" role=\"alert\" style=\"position:fixed;left:0;right:0;bottom:0;\
         z-index:2147483647;box-sizing:border-box;max-height:33vh;overflow:auto;margin:0;\
         padding:10px 14px;background:#2b1010;color:#ffe1e1;border-top:4px solid #e5484d;\
         font:13px/1.45 ui-monospace,monospace;text-align:left\">\
         <div style=\"display:flex;gap:12px;align-items:flex-start;justify-content:space-between\">\
         <strong style=\"color:#ffffff;background:transparent\">signpost: the last save has errors; \
         this page is from the last good build.</strong>\
         <button type=\"button\" onclick=\"this.parentNode.parentNode.remove()\" \
         style=\"flex:none;margin:0;padding:2px 10px;font:inherit;color:#2b1010;background:#ffe1e1;\
         border:0;border-radius:4px;cursor:pointer\">Close</button></div>\
         <pre style=\"white-space:pre-wrap;margin:8px 0 0;padding:0;border:0;background:transparent;\
         color:#ffe1e1;font:inherit\">{}</pre></div>\n",
        crate::render::theme::escape_html(text)
    )
}

/// The page served for every path while there has been no good build: the
/// diagnostics, styled for either colour scheme, and the reload script.
fn no_build_page(errors: &str, reload: &str) -> String {
    const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#ffffff;color:#1b1f24}\
        main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.6rem;margin:0 0 .5rem}\
        pre{white-space:pre-wrap;overflow-wrap:anywhere;padding:1rem;border-left:4px solid #d1242f;\
        border-radius:6px;background:#fdecec;color:#5c0a0a;font:13px/1.45 ui-monospace,monospace}\
        @media (prefers-color-scheme:dark){body{background:#0f1419;color:#e6edf3}\
        pre{background:#33161a;color:#ffd7d7;border-color:#da3633}}";
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>signpost: no good build yet</title><style>{STYLE}</style></head><body><main>\
         <h1>No good build yet</h1><p>The site has errors, so there is nothing to show yet. \
         Fix them and save: this page reloads by itself.</p><pre>{}</pre></main>\n{reload}</body></html>\n",
        crate::render::theme::escape_html(errors)
    )
}

/// Adds `extra` before the last `</body>` of an HTML page (or at its end).
pub fn inject(html: &[u8], extra: &str) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// A sink that collects files into a [`Files`] map.
#[derive(Default)]
struct SharedSink {
    files: Mutex<Files>,
}

impl Sink for SharedSink {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), Arc::new(bytes.to_vec()));
        Ok(())
    }
}

/// The last good build, kept to rebuild incrementally.
struct Built {
    site: Site,
    sources: SourceMap,
    theme: Theme,
    /// The theme's templates, compiled.
    tera: tera::Tera,
    files: Arc<Files>,
}

/// How a rebuild went.
#[derive(Debug, Clone)]
pub struct Report {
    /// The site was rendered (false: errors; the last good site is kept).
    pub ok: bool,
    /// Only the changed pages and what depends on them were re-read and rendered.
    pub incremental: bool,
    /// Files rendered.
    pub rendered: usize,
    /// Pages of the site.
    pub pages: usize,
    /// Time from the start of the rebuild to the new site being ready.
    pub elapsed: Duration,
    /// Diagnostics (human format, no colour), empty when there are none.
    pub diagnostics: String,
    /// The same with terminal colours.
    pub diagnostics_color: String,
    /// An environment or template error (the site was not rendered).
    pub error: Option<String>,
}

impl Report {
    /// A report of a rebuild that read `analysis`; `pages` and `elapsed` are
    /// filled in by the caller.
    fn from_analysis(
        analysis: &Analysis,
        ok: bool,
        incremental: bool,
        rendered: usize,
        error: Option<String>,
    ) -> Report {
        Report {
            ok,
            incremental,
            rendered,
            pages: 0,
            elapsed: Duration::ZERO,
            diagnostics: analysis
                .diagnostics
                .render(&analysis.sources, Format::Human, false),
            diagnostics_color: analysis
                .diagnostics
                .render(&analysis.sources, Format::Human, true),
            error,
        }
    }
}

/// The site being served: options, the last good build, and how to rebuild it.
pub struct Live {
    opts: Options,
    built: Option<Built>,
    /// The last rebuild failed: the next one starts from scratch.
    dirty: bool,
}

/// What a set of changed paths calls for.
enum Plan {
    Full,
    Pages(Vec<(PageId, String)>),
    Nothing,
}

impl Live {
    /// A site to serve; nothing is built until [`Live::rebuild`].
    pub fn new(opts: Options) -> Live {
        Live {
            opts,
            built: None,
            dirty: true,
        }
    }

    /// The files of the last good build, if any.
    pub fn files(&self) -> Option<Arc<Files>> {
        self.built.as_ref().map(|b| Arc::clone(&b.files))
    }

    /// Folders and files to watch: `content/`, `themes/`, `site.toml` and the
    /// path tests. A saved snippet (a `_` file) is not a page: it rebuilds fully.
    pub fn watch_paths(&self) -> Vec<PathBuf> {
        let root = &self.opts.root;
        let tests = self.built.as_ref().map_or_else(
            || root.join("tests"),
            |b| root.join(&b.site.config.tests_dir),
        );
        vec![
            self.content_dir(),
            root.join("themes"),
            root.join("site.toml"),
            tests,
        ]
    }

    /// The content folder of the last good build (`content/` before one).
    fn content_dir(&self) -> PathBuf {
        let root = &self.opts.root;
        self.built.as_ref().map_or_else(
            || root.join("content"),
            |b| root.join(&b.site.config.content_dir),
        )
    }

    /// Rebuilds after the files `changed` (absolute paths; empty: everything).
    ///
    /// The rebuild is incremental when the last build succeeded and every changed
    /// path is an existing page (not a section intro `_index.md`, not a draft)
    /// whose branches, `entry` and `draft` did not change and whose front matter
    /// still reads without errors: then only those pages are re-read and
    /// re-scanned and the whole-site checks run again in memory. What is rendered
    /// again: the changed pages and the pages whose backlinks changed; and, when a
    /// title, summary, outcome or weight changed (other pages show those), also
    /// their parents, children, the pages whose "where am I" path goes through
    /// them, the pages they link to, their section page, the home page and
    /// `graph.json`. Anything else (site.toml, the theme, a page added or removed,
    /// an asset) is a full in-memory rebuild. Paths that neither exist nor were
    /// part of the site (editors' temporary files) are ignored.
    ///
    /// While the content folder is missing (moved away or deleted) nothing is
    /// rebuilt: the report says so, and the next rebuild is a full one.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Report {
        let start = Instant::now();
        let content = self.content_dir();
        if self.built.is_some() && !content.is_dir() {
            self.dirty = true;
            let mut report = env_failure(&Error::Io {
                path: content,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the content folder is gone (moved or deleted?); \
                     the site is rebuilt when it is back",
                ),
            });
            report.pages = self.page_count();
            return report;
        }
        let plan = if self.dirty || self.built.is_none() || changed.is_empty() {
            Plan::Full
        } else {
            self.plan(changed)
        };
        let mut report = match plan {
            Plan::Nothing => {
                return Report {
                    ok: true,
                    incremental: true,
                    rendered: 0,
                    pages: self.page_count(),
                    elapsed: start.elapsed(),
                    diagnostics: String::new(),
                    diagnostics_color: String::new(),
                    error: None,
                };
            }
            Plan::Full => self.full(),
            Plan::Pages(pages) => self.incremental(pages),
        };
        self.dirty = !report.ok;
        report.pages = self.page_count();
        report.elapsed = start.elapsed();
        report
    }

    fn page_count(&self) -> usize {
        self.built.as_ref().map_or(0, |b| {
            b.site
                .content
                .pages
                .iter()
                .filter(|p| !p.section_intro)
                .count()
        })
    }

    fn plan(&self, changed: &[PathBuf]) -> Plan {
        let Some(b) = &self.built else {
            return Plan::Full;
        };
        let root = crate::source::absolute(&self.opts.root);
        let content_dir = root.join(&b.site.config.content_dir);
        let mut pages = BTreeMap::new();
        for path in changed {
            let path = crate::source::absolute(path);
            let Ok(rel) = path.strip_prefix(&content_dir) else {
                if path.starts_with(root.join("themes"))
                    || path == root.join("site.toml")
                    || path.starts_with(root.join(&b.site.config.tests_dir))
                {
                    return Plan::Full;
                }
                continue;
            };
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let hidden = rel.split('/').any(|s| s.starts_with('.'));
            let known_page = b.site.content.find(&rel);
            let known = known_page.is_some()
                || b.site.content.has_asset(&rel)
                || b.site.content.drafts.contains(&rel);
            let exists = path.is_file();
            match known_page {
                _ if hidden => {}
                Some(id) if exists && !b.site.content.page(id).section_intro => {
                    let Ok(bytes) = std::fs::read(&path) else {
                        return Plan::Full;
                    };
                    let Ok(mut text) = String::from_utf8(bytes) else {
                        return Plan::Full;
                    };
                    if text.starts_with('\u{feff}') {
                        text.drain(..3);
                    }
                    // Includes are expanded in a full analysis only.
                    if b.site.content.page(id).expanded.is_some() || text.contains("{{#include") {
                        return Plan::Full;
                    }
                    pages.insert(id, text);
                }
                _ if !known && !exists && !path.is_dir() => {}
                _ => return Plan::Full,
            }
        }
        if pages.is_empty() {
            Plan::Nothing
        } else {
            Plan::Pages(pages.into_iter().collect())
        }
    }

    fn fail(&mut self, analysis: &Analysis, error: Option<String>) -> Report {
        Report::from_analysis(analysis, false, false, 0, error)
    }

    fn full(&mut self) -> Report {
        let analysis = match crate::pipeline::analyze(&self.opts) {
            Ok(a) => a,
            Err(e) => return env_failure(&e),
        };
        if analysis.fails(false) {
            return self.fail(&analysis, None);
        }
        let mut analysis = analysis;
        let site = analysis.site.take().expect("a site without errors");
        let theme = match Theme::load(&site.root, &site.config.theme) {
            Ok(t) => t,
            Err(e) => return env_failure(&e),
        };
        let tera = match theme.tera(&site.config.labels) {
            Ok(t) => t,
            Err(e) => return env_failure(&e),
        };
        let sink = SharedSink::default();
        if let Err(e) = crate::render::render_parts(
            &site,
            &analysis.sources,
            &tera,
            &theme,
            &sink,
            &Parts::all(),
        ) {
            return env_failure(&e);
        }
        let files = sink
            .files
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let rendered = files.len();
        let report = Report::from_analysis(&analysis, true, false, rendered, None);
        self.built = Some(Built {
            site,
            sources: analysis.sources,
            theme,
            tera,
            files: Arc::new(files),
        });
        report
    }

    fn incremental(&mut self, changed: Vec<(PageId, String)>) -> Report {
        let b = self.built.as_ref().expect("planned from a build");
        // Parse first; anything structural falls back to a full rebuild.
        let mut parsed = Vec::new();
        let mut diags: Vec<Diagnostic> = Vec::new();
        for (id, text) in &changed {
            let page = b.site.content.page(*id);
            let mut d = Vec::new();
            let p = crate::content::page::parse(page.file, text, false, &mut d);
            let same_shape = p.meta.draft == page.meta.draft
                && p.meta.is_entry() == page.meta.is_entry()
                && p.meta.branches.len() == page.meta.branches.len()
                && p.meta
                    .branches
                    .iter()
                    .zip(&page.meta.branches)
                    .all(|(a, o)| {
                        a.to.as_ref().map(|t| &t.value) == o.to.as_ref().map(|t| &t.value)
                            && a.when.as_ref().map(|w| &w.value)
                                == o.when.as_ref().map(|w| &w.value)
                    });
            if !d.is_empty() || p.broken || !same_shape {
                return self.full();
            }
            diags.extend(d);
            parsed.push((*id, p));
        }
        let Built {
            mut site,
            mut sources,
            theme,
            tera,
            files,
        } = self.built.take().expect("checked above");
        let old_backlinks = site.backlinks.clone();
        let ids: Vec<PageId> = parsed.iter().map(|(id, _)| *id).collect();
        // Other pages show a page's title, summary and outcome (and folders
        // order by weight); when none of them changed, only the page itself and
        // the pages whose backlinks changed need rendering.
        let listed = |m: &crate::content::FrontMatter| {
            (
                m.title.as_ref().map(|t| t.value.clone()),
                m.summary.as_ref().map(|t| t.value.clone()),
                m.outcome.as_ref().map(|o| o.value),
                m.weight,
            )
        };
        let shown_elsewhere = parsed
            .iter()
            .any(|(id, p)| listed(&p.meta) != listed(&site.content.page(*id).meta));
        for ((id, p), (_, text)) in parsed.into_iter().zip(changed) {
            let page = &mut site.content.pages[id.index()];
            sources.replace(page.file, text);
            page.meta = p.meta;
            page.body = p.body;
            page.head = p.head;
            page.broken = p.broken;
        }
        let mut analysis = crate::pipeline::reanalyze(site, sources, &ids, diags);
        let site = analysis.site.take().expect("reanalyze keeps the site");
        if analysis.diagnostics.has_errors() {
            // Keep serving the old files; the model now holds the broken text, so
            // the next rebuild starts from scratch (`dirty`).
            let report = self.fail(&analysis, None);
            self.built = Some(Built {
                site,
                sources: analysis.sources,
                theme,
                tera,
                files,
            });
            return report;
        }
        let parts = dependents(&site, &old_backlinks, &ids, shown_elsewhere);
        let sink = SharedSink::default();
        if let Err(e) =
            crate::render::render_parts(&site, &analysis.sources, &tera, &theme, &sink, &parts)
        {
            self.built = Some(Built {
                site,
                sources: analysis.sources,
                theme,
                tera,
                files,
            });
            return env_failure(&e);
        }
        let fresh = sink
            .files
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let rendered = fresh.len();
        let mut all: Files = (*files).clone();
        all.extend(fresh);
        let report = Report::from_analysis(&analysis, true, true, rendered, None);
        self.built = Some(Built {
            site,
            sources: analysis.sources,
            theme,
            tera,
            files: Arc::new(all),
        });
        report
    }
}

fn env_failure(e: &Error) -> Report {
    Report {
        ok: false,
        incremental: false,
        rendered: 0,
        pages: 0,
        elapsed: Duration::ZERO,
        diagnostics: String::new(),
        diagnostics_color: String::new(),
        error: Some(e.to_string()),
    }
}

/// The output files that show something of the pages `changed` (same graph
/// before and after; bodies and links may differ, and titles, summaries,
/// outcomes and weights too when `shown_elsewhere`).
fn dependents(
    site: &Site,
    old_backlinks: &[Vec<PageId>],
    changed: &[PageId],
    shown_elsewhere: bool,
) -> Parts {
    let content = &site.content;
    let graph = &site.graph;
    let n = content.pages.len();
    let mut pages: BTreeSet<PageId> = BTreeSet::new();
    let is_changed = {
        let mut v = vec![false; n];
        for id in changed {
            v[id.index()] = true;
        }
        v
    };
    // Children in the tree of shortest paths: a page's "where am I" path shows
    // the titles of every page it passes through.
    let mut via_children: Vec<Vec<PageId>> = vec![Vec::new(); n];
    for (i, via) in graph.via.iter().enumerate() {
        if let Some(e) = via {
            via_children[graph.edges[*e].from.index()]
                .push(PageId(u32::try_from(i).expect("page index")));
        }
    }
    let mut sections: BTreeSet<String> = BTreeSet::new();
    if !shown_elsewhere {
        pages.extend(changed);
        for (i, (old, new)) in old_backlinks.iter().zip(&site.backlinks).enumerate() {
            if old != new {
                pages.insert(PageId(u32::try_from(i).expect("page index")));
            }
        }
        return Parts {
            pages: Some(pages.into_iter().collect()),
            sections: Some(Vec::new()),
            skip_static: true,
            skip_graph: true,
        };
    }
    sections.insert(String::new());
    for &id in changed {
        pages.insert(id);
        sections.insert(content.page(id).dir().to_string());
        for &e in graph.inc[id.index()].iter().chain(&graph.out[id.index()]) {
            pages.insert(graph.edges[e].from);
            pages.insert(graph.edges[e].to);
        }
        // The tree of shortest paths has no cycles: every page has one `via`.
        let mut stack = vec![id];
        while let Some(p) = stack.pop() {
            for &c in &via_children[p.index()] {
                pages.insert(c);
                stack.push(c);
            }
        }
    }
    // Backlinks show the linking page's title; a changed page's links change
    // the backlinks of the pages it links to, before and after.
    for (i, (old, new)) in old_backlinks.iter().zip(&site.backlinks).enumerate() {
        if old != new || new.iter().chain(old).any(|p| is_changed[p.index()]) {
            pages.insert(PageId(u32::try_from(i).expect("page index")));
        }
    }
    Parts {
        pages: Some(pages.into_iter().collect()),
        sections: Some(sections.into_iter().collect()),
        skip_static: true,
        skip_graph: false,
    }
}

/// What the server tells the binary.
#[derive(Debug)]
pub enum Event {
    /// The site was (re)built, or failed to.
    Rebuilt(Report),
    /// Files changed on disk (before the rebuild starts).
    Changed(Vec<PathBuf>),
}

/// State shared between the rebuild loop and the connections.
struct Shared {
    files: Option<Arc<Files>>,
    /// Diagnostics of the last failed rebuild (shown over every page).
    errors: Option<String>,
    /// Bumped on every rebuild: open pages reload when it changes.
    version: u64,
}

struct Hub {
    state: Mutex<Shared>,
    /// [`Shared::version`] again, for the live-reload streams to wait on.
    version: watch::Sender<u64>,
    /// The `Host` values answered (`name:port`, lower case); see [`host_allowed`].
    hosts: Vec<String>,
    /// Live-reload streams open at once (they have their own cap, apart from
    /// the connections').
    live: Arc<Semaphore>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A message to the rebuild loop.
enum Msg {
    Changed(Vec<PathBuf>),
    Stop,
}

/// Stops a running [`Server`] (e.g. from a Ctrl-C handler).
#[derive(Clone)]
pub struct Stopper(Sender<Msg>);

impl Stopper {
    /// Asks the server to stop; [`Server::run`] then returns.
    pub fn stop(&self) {
        let _ = self.0.send(Msg::Stop);
    }
}

/// Time a client has from opening a connection to the end of its request head
/// (request line and headers). Browsers send it at once; a client that
/// trickles it is cut off here, so it holds its connection slot no longer.
const HEADER_DEADLINE: Duration = Duration::from_secs(5);
/// Largest request head read (a browser's, cookies included, is a few KiB).
const MAX_HEAD: usize = 64 * 1024;
/// Connections served at once (live-reload streams included); one more is
/// answered 503. Each costs a task and a buffer, not a thread.
const MAX_CONNECTIONS: usize = 512;
/// Live-reload streams open at once (one per open tab); past that 503.
const MAX_LIVE: usize = 64;
/// A live-reload stream with no rebuild to announce sends a comment this often,
/// so that closed tabs are noticed (the write fails).
const PING: Duration = Duration::from_secs(15);
/// Pause after a failed `accept` (e.g. out of file descriptors) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The HTTP side: a thread running the accept loop and the connections on a
/// single-threaded Tokio runtime. Dropping it stops them and joins the thread.
struct Http {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Http {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The serving site: a listening socket, the watcher and the rebuild loop.
pub struct Server {
    live: Live,
    hub: Arc<Hub>,
    addr: SocketAddr,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    watcher: notify::RecommendedWatcher,
    /// What `watcher` watches (it changes when site.toml names another
    /// content folder, or a themes/ folder appears).
    watched: Vec<PathBuf>,
    /// Declared last: dropped after the rest, it stops the HTTP thread.
    _http: Http,
}

impl Server {
    /// Builds the site, binds `bind:port` (port 0: any free port) and starts
    /// watching. Requests are answered from here on, on a thread of their own.
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound or watching fails.
    pub fn start(
        mut opts: Options,
        bind: &str,
        port: u16,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Server, Error> {
        let io = |source| Error::Io {
            path: PathBuf::from(format!("{bind}:{port}")),
            source,
        };
        let listener = TcpListener::bind((bind, port)).map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        listener.set_nonblocking(true).map_err(io)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(io)?;
        let listener = {
            let _in_runtime = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(io)?
        };
        // Absolute, so that watcher paths and site paths compare.
        opts.root = crate::source::absolute(&opts.root);
        if !opts.root.join("site.toml").is_file() {
            return Err(Error::NoSite(opts.root.clone()));
        }
        let mut live = Live::new(opts);
        let report = live.rebuild(&[]);
        let hub = Arc::new(Hub {
            state: Mutex::new(Shared {
                files: live.files(),
                errors: failure_text(&report),
                version: 1,
            }),
            version: watch::Sender::new(1),
            hosts: allowed_hosts(addr),
            live: Arc::new(Semaphore::new(MAX_LIVE)),
        });
        on_event(Event::Rebuilt(report));
        let (tx, rx) = std::sync::mpsc::channel();
        let watched = existing(&live.watch_paths());
        let watcher = watch(&watched, &live.opts.root, tx.clone())?;
        let (stop, stopped) = oneshot::channel();
        let accept_hub = Arc::clone(&hub);
        let thread = std::thread::Builder::new()
            .name("signpost-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(accept(listener, accept_hub));
                    let _ = stopped.await;
                });
                // Dropping the runtime here ends every connection.
            })
            .map_err(io)?;
        Ok(Server {
            live,
            hub,
            addr,
            tx,
            rx,
            watcher,
            watched,
            _http: Http {
                stop: Some(stop),
                thread: Some(thread),
            },
        })
    }

    /// The address bound (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops [`Server::run`].
    pub fn stopper(&self) -> Stopper {
        Stopper(self.tx.clone())
    }

    /// Rebuilds on every change until stopped; then stops serving.
    pub fn run(mut self, on_event: &mut dyn FnMut(Event)) {
        while let Ok(msg) = self.rx.recv() {
            let mut changed = match msg {
                Msg::Stop => break,
                Msg::Changed(paths) => paths,
            };
            // Coalesce the burst of events one save makes (and those that
            // arrived while the previous rebuild ran): wait until DEBOUNCE
            // passes without a new one.
            let mut stop = false;
            while let Ok(more) = self.rx.recv_timeout(DEBOUNCE) {
                match more {
                    Msg::Stop => stop = true,
                    Msg::Changed(paths) => changed.extend(paths),
                }
                if stop || changed.len() > 100_000 {
                    break;
                }
            }
            if stop {
                break;
            }
            changed.sort();
            changed.dedup();
            on_event(Event::Changed(changed.clone()));
            // Watch again when a watched folder appeared, went away, or was
            // replaced (an event names the folder itself): a watch follows the
            // folder it was put on, not its name.
            let wanted = self.live.watch_paths();
            let now = existing(&wanted);
            if (now != self.watched || changed.iter().any(|p| wanted.contains(p)))
                && let Ok(w) = watch(&now, &self.live.opts.root, self.tx.clone())
            {
                self.watcher = w;
                self.watched = now;
            }
            let report = self.live.rebuild(&changed);
            if report.ok && report.incremental && report.rendered == 0 {
                continue;
            }
            let version = {
                let mut s = self.hub.lock();
                if report.ok {
                    s.files = self.live.files();
                }
                s.errors = failure_text(&report);
                s.version += 1;
                s.version
            };
            self.hub.version.send_replace(version);
            on_event(Event::Rebuilt(report));
            // A rebuild may name another content folder (site.toml).
            let now = existing(&self.live.watch_paths());
            if now != self.watched
                && let Ok(w) = watch(&now, &self.live.opts.root, self.tx.clone())
            {
                self.watcher = w;
                self.watched = now;
            }
        }
    }
}

/// The folders among `paths` that exist (only those can be watched).
fn existing(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().filter(|p| p.is_dir()).cloned().collect()
}

fn failure_text(report: &Report) -> Option<String> {
    if report.ok {
        return None;
    }
    let mut text = report.diagnostics.clone();
    if let Some(e) = &report.error {
        text.push_str("error: ");
        text.push_str(e);
        text.push('\n');
    }
    Some(text)
}

/// Quiet time after the first change before rebuilding, so that an editor's
/// write-rename-chmod sequence (or a `git checkout`) is one rebuild.
const DEBOUNCE: Duration = Duration::from_millis(40);

fn watch(
    paths: &[PathBuf],
    root: &Path,
    tx: Sender<Msg>,
) -> Result<notify::RecommendedWatcher, Error> {
    use notify::{EventKind, RecursiveMode, Watcher as _};
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        // Reading files (a rebuild does) must not trigger a rebuild: keep only
        // creations, removals, renames and writes.
        let relevant = match event.kind {
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write,
            )) => true,
            EventKind::Access(_) | EventKind::Other => false,
            EventKind::Modify(notify::event::ModifyKind::Metadata(_)) => false,
            _ => true,
        };
        if relevant && !event.paths.is_empty() {
            let _ = tx.send(Msg::Changed(event.paths));
        }
    })
    .map_err(|e| Error::Io {
        path: root.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let io = |path: &Path, e: notify::Error| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    for path in paths {
        watcher
            .watch(path, RecursiveMode::Recursive)
            .map_err(|e| io(path, e))?;
    }
    // site.toml (editors replace files by renaming over them, so the folder is
    // watched, not the file), a themes/ folder created later, and the content
    // folder going away and coming back.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| io(root, e))?;
    Ok(watcher)
}

/// The `Host` values a server bound to `addr` answers: the loopback names and
/// the bound address, each with the port.
fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect();
    if !addr.ip().is_unspecified() {
        hosts.push(addr.to_string().to_ascii_lowercase());
    }
    hosts
}

/// Whether a request for `host` is answered. Anything but the names in
/// `hosts`, or the address the connection reached (`local`, which is what a
/// browser sends when it is given an address of a server bound to `0.0.0.0`),
/// is refused: a web page whose own name was made to resolve to 127.0.0.1 (DNS
/// rebinding) must not read the site.
fn host_allowed(hosts: &[String], local: Option<SocketAddr>, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    hosts.contains(&host) || local.is_some_and(|l| l.to_string() == host)
}

/// Accepts connections until the runtime is dropped; each is served by a task.
async fn accept(listener: tokio::net::TcpListener, hub: Arc<Hub>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_DEADLINE)
        .max_buf_size(MAX_HEAD)
        .keep_alive(false);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was
            // accepted: wait a moment, and never stop accepting.
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let local = stream.local_addr().ok();
        let slot = Arc::clone(&slots).try_acquire_owned().ok();
        let busy = slot.is_none();
        let hub = Arc::clone(&hub);
        let service = hyper::service::service_fn(move |req| {
            let response = if busy {
                text(StatusCode::SERVICE_UNAVAILABLE, "busy\n")
            } else {
                respond(&hub, local, &req)
            };
            std::future::ready(Ok::<_, std::convert::Infallible>(response))
        });
        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
}

/// A response body: a whole file, or a live-reload stream.
type Body = Either<Full<Bytes>, Channel<Bytes>>;

/// Bytes of the site, shared with the response without a copy.
struct Held(Arc<Vec<u8>>);

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn reply(status: StatusCode, content_type: &str, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Either::Left(Full::new(body)));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    reply(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(body.as_bytes()),
    )
}

fn html(status: StatusCode, page: Vec<u8>) -> Response<Body> {
    reply(status, "text/html; charset=utf-8", Bytes::from(page))
}

/// The answer to one request (GET and HEAD; hyper leaves out HEAD's body).
fn respond<B>(hub: &Hub, local: Option<SocketAddr>, req: &Request<B>) -> Response<Body> {
    let hosts = req.headers().get_all(header::HOST);
    let mut hosts = hosts.iter();
    match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => return text(StatusCode::BAD_REQUEST, "more than one Host header\n"),
        (None, _) if req.version() >= Version::HTTP_11 => {
            return text(StatusCode::BAD_REQUEST, "missing Host header\n");
        }
        _ => {}
    }
    let named = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}"))
        .into_iter()
        .chain(
            req.uri()
                .authority()
                .map(hyper::http::uri::Authority::as_str),
        );
    for host in named {
        if !host_allowed(&hub.hosts, local, host) {
            return text(
                StatusCode::FORBIDDEN,
                "forbidden: this server answers only requests for 127.0.0.1, localhost, [::1] \
                 or its bound address, with its port\n",
            );
        }
    }
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    if req.uri().path() == LIVE_PATH {
        let since = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("since=")))
            .and_then(|v| v.parse::<u64>().ok());
        return live(hub, since);
    }
    let (files, errors, version) = {
        let s = hub.lock();
        (s.files.clone(), s.errors.clone(), s.version)
    };
    let mut extra = reload_script(version);
    let Some(files) = files else {
        // No good build yet: every path shows the diagnostics.
        let page = no_build_page(errors.as_deref().unwrap_or_default(), &extra);
        return html(StatusCode::SERVICE_UNAVAILABLE, page.into_bytes());
    };
    if let Some(errors) = &errors {
        extra.insert_str(0, &error_overlay(errors));
    }
    match lookup(&files, target) {
        Lookup::File(key) => {
            let body = &files[&key];
            let ty = content_type(&key);
            if ty.starts_with("text/html") {
                reply(StatusCode::OK, ty, Bytes::from(inject(body, &extra)))
            } else {
                reply(
                    StatusCode::OK,
                    ty,
                    Bytes::from_owner(Held(Arc::clone(body))),
                )
            }
        }
        Lookup::Redirect(to) => {
            let mut r = text(StatusCode::MOVED_PERMANENTLY, "moved\n");
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Lookup::NotFound if files.contains_key(crate::render::NOT_FOUND) => html(
            StatusCode::NOT_FOUND,
            inject(&not_found_page(&files[crate::render::NOT_FOUND]), &extra),
        ),
        Lookup::NotFound => html(
            StatusCode::NOT_FOUND,
            inject(
                b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1><p><a href=\"/\">Home</a></p></body></html>\n",
                &extra,
            ),
        ),
    }
}

/// The site's 404.html, answered at any missing path: its links are relative
/// to the top folder, so a `<base href="/">` makes them work from
/// `/a/b/missing` too (unless the page has a `<base>` of its own).
fn not_found_page(page: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    if text.contains("<base ") {
        return page.to_vec();
    }
    match text.find("<head>") {
        Some(i) => {
            let at = i + "<head>".len();
            [&page[..at], b"\n<base href=\"/\">", &page[at..]].concat()
        }
        None => page.to_vec(),
    }
}

/// The Server-Sent Events stream: `data: reload` when the site changes after
/// version `since`, a comment every [`PING`] otherwise. It is fed by a task of
/// its own, which ends when the tab closes (a write fails) or the server stops.
fn live(hub: &Hub, since: Option<u64>) -> Response<Body> {
    let Ok(slot) = Arc::clone(&hub.live).try_acquire_owned() else {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many live-reload streams\n",
        );
    };
    let mut versions = hub.version.subscribe();
    let (mut tx, body) = Channel::<Bytes>::new(4);
    tokio::spawn(async move {
        let _slot = slot;
        let mut seen = since.unwrap_or_else(|| *versions.borrow_and_update());
        if tx
            .send_data(Bytes::from_static(b"retry: 500\n\n"))
            .await
            .is_err()
        {
            return;
        }
        loop {
            let version = *versions.borrow_and_update();
            let message: &'static [u8] = if version != seen {
                seen = version;
                b"data: reload\n\n"
            } else {
                match tokio::time::timeout(PING, versions.changed()).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(_)) => return,
                    Err(_) => b": ping\n\n",
                }
            };
            if tx.send_data(Bytes::from_static(message)).await.is_err() {
                return;
            }
        }
    });
    let mut r = Response::new(Either::Right(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        [
            "index.html",
            "a/index.html",
            "a/b.html",
            "_signpost/style.css",
        ]
        .into_iter()
        .map(|p| (p.to_string(), Arc::new(b"x".to_vec())))
        .collect()
    }

    #[test]
    fn paths_map_to_files_of_the_site_only() {
        let f = files();
        let file = |p: &str| Lookup::File(p.to_string());
        assert_eq!(lookup(&f, "/"), file("index.html"));
        assert_eq!(lookup(&f, "/a/"), file("a/index.html"));
        assert_eq!(lookup(&f, "/a/b.html?x=1#y"), file("a/b.html"));
        assert_eq!(lookup(&f, "/a"), Lookup::Redirect("/a/".into()));
        assert_eq!(
            lookup(&f, "/_signpost/style.css"),
            file("_signpost/style.css")
        );
        for bad in [
            "/../site.toml",
            "/%2e%2e/site.toml",
            "/%2E%2E%2Fsite.toml",
            "/a/../index.html",
            "/a/%2e%2e/a/b.html",
            "/./index.html",
            "//index.html",
            "/a%5cb.html",
            "/%zz",
            "index.html",
            "%2fa",
            "%2Fa/b.html",
            "/missing.html",
        ] {
            assert_eq!(lookup(&f, bad), Lookup::NotFound, "{bad}");
        }
    }

    #[test]
    fn only_loopback_and_the_bound_address_are_answered() {
        let local: SocketAddr = "127.0.0.1:4747".parse().unwrap();
        let hosts = allowed_hosts(local);
        for good in [
            "127.0.0.1:4747",
            "localhost:4747",
            "LOCALHOST:4747",
            "[::1]:4747",
        ] {
            assert!(host_allowed(&hosts, Some(local), good), "{good}");
        }
        for bad in [
            "localhost",
            "127.0.0.1",
            "127.0.0.1:80",
            "evil.example:4747",
            "",
        ] {
            assert!(!host_allowed(&hosts, Some(local), bad), "{bad}");
        }
        // Bound to every address: the one a connection reached is its name.
        let hosts = allowed_hosts("0.0.0.0:4747".parse().unwrap());
        let lan: SocketAddr = "192.168.1.9:4747".parse().unwrap();
        assert!(host_allowed(&hosts, Some(lan), "192.168.1.9:4747"));
        assert!(!host_allowed(&hosts, Some(lan), "0.0.0.0:4747"));
        assert!(!host_allowed(&hosts, Some(lan), "192.168.1.10:4747"));
        let bound = allowed_hosts("[::1]:4747".parse().unwrap());
        assert!(host_allowed(&bound, None, "[::1]:4747"));
    }

    #[test]
    fn scripts_go_before_the_body_end() {
        assert_eq!(
            inject(b"<body>x</body></html>", "S"),
            b"<body>xS</body></html>"
        );
        assert_eq!(inject(b"no body", "S"), b"no bodyS");
        assert!(error_overlay("<script>").contains("&lt;script&gt;"));
    }
}
