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
//! - [`Server`]: a small HTTP/1.1 server (GET and HEAD, one thread per
//!   connection, `Connection: close`) and a Server-Sent Events endpoint that tells
//!   open pages to reload. The reload script and the error overlay are injected
//!   into HTML responses only here, never into a build.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

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

/// The banner shown on every page while the last save has errors.
fn error_overlay(text: &str) -> String {
    format!(
        "<div id=\"signpost-errors\" role=\"alert\" style=\"position:fixed;left:0;right:0;bottom:0;\
         max-height:60vh;overflow:auto;margin:0;padding:12px 16px;background:#2b1010;color:#ffe1e1;\
         border-top:4px solid #e5484d;font:13px/1.45 ui-monospace,monospace;z-index:2147483647\">\
         <strong>signpost: the last save has errors; this is the last good build.</strong>\
         <pre style=\"white-space:pre-wrap;margin:8px 0 0\">{}</pre></div>\n",
        crate::render::theme::escape_html(text)
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

    /// Folders and files to watch: `content/`, `themes/` and `site.toml`.
    pub fn watch_paths(&self) -> Vec<PathBuf> {
        let root = &self.opts.root;
        let content = self.built.as_ref().map_or_else(
            || root.join("content"),
            |b| root.join(&b.site.config.content_dir),
        );
        vec![content, root.join("themes"), root.join("site.toml")]
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
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Report {
        let start = Instant::now();
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
                if path.starts_with(root.join("themes")) || path == root.join("site.toml") {
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
        let tera = match theme.tera() {
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
    changed: Condvar,
    connections: AtomicUsize,
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

/// Connections served at once; more get 503 (a dev server on loopback).
const MAX_CONNECTIONS: usize = 128;

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
}

impl Server {
    /// Builds the site, binds `bind:port` (port 0: any free port) and starts
    /// watching. Requests are answered from here on, on their own threads.
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound or watching fails.
    pub fn start(
        mut opts: Options,
        bind: &str,
        port: u16,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Server, Error> {
        let listener = TcpListener::bind((bind, port)).map_err(|source| Error::Io {
            path: PathBuf::from(format!("{bind}:{port}")),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            path: PathBuf::from(format!("{bind}:{port}")),
            source,
        })?;
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
            changed: Condvar::new(),
            connections: AtomicUsize::new(0),
        });
        on_event(Event::Rebuilt(report));
        let (tx, rx) = std::sync::mpsc::channel();
        let watched = existing(&live.watch_paths());
        let watcher = watch(&watched, &live.opts.root, tx.clone())?;
        let accept_hub = Arc::clone(&hub);
        std::thread::spawn(move || accept(&listener, &accept_hub));
        Ok(Server {
            live,
            hub,
            addr,
            tx,
            rx,
            watcher,
            watched,
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

    /// Rebuilds on every change until stopped.
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
            let report = self.live.rebuild(&changed);
            if report.ok && report.incremental && report.rendered == 0 {
                continue;
            }
            {
                let mut s = self.hub.lock();
                if report.ok {
                    s.files = self.live.files();
                }
                s.errors = failure_text(&report);
                s.version += 1;
            }
            self.hub.changed.notify_all();
            on_event(Event::Rebuilt(report));
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
    // watched, not the file) and a themes/ folder created later.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| io(root, e))?;
    Ok(watcher)
}

fn accept(listener: &TcpListener, hub: &Arc<Hub>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let hub = Arc::clone(hub);
        if hub.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            hub.connections.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = respond(&mut stream, 503, "text/plain", &[], b"busy\n", false);
            continue;
        }
        std::thread::spawn(move || {
            let _ = handle(stream, &hub);
            hub.connections.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn respond(
    stream: &mut TcpStream,
    code: u16,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        status_text(code),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// Reads the request head: (method, target). At most 16 KiB, 10 s.
fn read_request(stream: &TcpStream) -> Option<(String, String)> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(std::io::Read::take(stream, 16 * 1024));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    // Skip the headers (nothing in them matters here).
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h).ok()?;
        if n == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    Some((method, target))
}

fn handle(mut stream: TcpStream, hub: &Hub) -> std::io::Result<()> {
    let Some((method, target)) = read_request(&stream) else {
        return respond(&mut stream, 400, "text/plain", &[], b"bad request\n", false);
    };
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(
            &mut stream,
            405,
            "text/plain",
            &[("Allow", "GET, HEAD")],
            b"method not allowed\n",
            false,
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    if path == LIVE_PATH {
        let since = target
            .split_once("since=")
            .and_then(|(_, v)| v.split('&').next())
            .and_then(|v| v.parse::<u64>().ok());
        return events(stream, hub, since);
    }
    let (files, errors, version) = {
        let s = hub.lock();
        (s.files.clone(), s.errors.clone(), s.version)
    };
    let mut extra = reload_script(version);
    if let Some(errors) = &errors {
        extra.insert_str(0, &error_overlay(errors));
    }
    let Some(files) = files else {
        // No good build yet: every path shows the diagnostics.
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>signpost: build failed</title></head><body><h1>The site has errors</h1>\n{extra}</body></html>\n"
        );
        return respond(
            &mut stream,
            503,
            "text/html; charset=utf-8",
            &[],
            page.as_bytes(),
            head_only,
        );
    };
    match lookup(&files, &target) {
        Lookup::File(key) => {
            let body = &files[&key];
            let ty = content_type(&key);
            if ty.starts_with("text/html") {
                let page = inject(body, &extra);
                respond(&mut stream, 200, ty, &[], &page, head_only)
            } else {
                respond(&mut stream, 200, ty, &[], body, head_only)
            }
        }
        Lookup::Redirect(to) => respond(
            &mut stream,
            301,
            "text/plain",
            &[("Location", &to)],
            b"moved\n",
            head_only,
        ),
        Lookup::NotFound => {
            let page = inject(
                b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1><p><a href=\"/\">Home</a></p></body></html>\n",
                &extra,
            );
            respond(
                &mut stream,
                404,
                "text/html; charset=utf-8",
                &[],
                &page,
                head_only,
            )
        }
    }
}

/// The Server-Sent Events stream: `data: reload` when the site changes after
/// version `since`, a comment every 15 s otherwise (which also notices closed
/// tabs, as the write fails).
fn events(mut stream: TcpStream, hub: &Hub, since: Option<u64>) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nretry: 500\n\n",
    )?;
    stream.flush()?;
    let mut seen = since.unwrap_or_else(|| hub.lock().version);
    loop {
        let state = hub.lock();
        let (state, _) = hub
            .changed
            .wait_timeout_while(state, Duration::from_secs(15), |s| s.version == seen)
            .unwrap_or_else(PoisonError::into_inner);
        let version = state.version;
        drop(state);
        if version == seen {
            stream.write_all(b": ping\n\n")?;
        } else {
            seen = version;
            stream.write_all(b"data: reload\n\n")?;
        }
        stream.flush()?;
    }
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
            "/missing.html",
        ] {
            assert_eq!(lookup(&f, bad), Lookup::NotFound, "{bad}");
        }
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
