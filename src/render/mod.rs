//! render::render: the frozen [`Site`] → every output file, handed to a [`Sink`]
//! (a folder on disk, or memory for `serve` and tests).
//!
//! Pages are rendered in parallel; each page's template context is page-sized
//! (its branches, parents, backlinks and path), never the whole site. The
//! built-in templates render with native code (`native.rs`), overridden ones
//! with Tera.

mod native;
pub mod theme;
pub mod view;

use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::content::{Page, PageId};
use crate::flowchart;
use crate::links::{relative_url, root_prefix, section_out, with_fragment};
use crate::markdown::{self, Settings};
use crate::source::SourceMap;
use crate::{Error, Site};
pub use theme::{Native, Theme};
use view::{
    BranchView, IndexContext, LinkView, ListedPage, OutlineNode, PageContext, PageView, ParentView,
    SectionContext, SectionView, SiteView, Stats, StepView, TreeGroup, TreeView,
};

/// Folder of signpost's own assets in the output.
pub const ASSET_DIR: &str = "_signpost";

/// Where rendered files go.
pub trait Sink: Sync {
    /// Writes `bytes` to `path` (relative to the output root, `/` separators).
    ///
    /// # Errors
    /// Any I/O error.
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Writes the concatenation of `parts` to `path` (a page around its body,
    /// without first copying them into one buffer where the sink can avoid it).
    ///
    /// # Errors
    /// Any I/O error.
    fn write_parts(&self, path: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        self.write(path, &parts.concat())
    }
    /// Copies the file at `source` to `path`.
    ///
    /// # Errors
    /// Any I/O error.
    fn copy(&self, path: &str, source: &std::path::Path) -> std::io::Result<()> {
        self.write(path, &std::fs::read(source)?)
    }
    /// Writes the file at `path` with what `fill` writes into it, without
    /// holding the whole of a large file (the search index) in memory where the
    /// sink can avoid it.
    ///
    /// # Errors
    /// Any I/O error, of the sink or of `fill`.
    fn write_with(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut buf = Vec::new();
        fill(&mut buf)?;
        self.write(path, &buf)
    }
}

/// An in-memory output: path → bytes.
#[derive(Debug, Default)]
pub struct MemorySink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The files written, sorted by path.
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Sink for MemorySink {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path.to_string(), bytes.to_vec());
        Ok(())
    }
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderStats {
    /// Pages rendered (without section pages).
    pub pages: usize,
    /// Section pages rendered (with the home page).
    pub sections: usize,
    /// Files copied from content/.
    pub assets: usize,
}

struct Ctx<'a> {
    site: &'a Site,
    sources: &'a SourceMap,
    /// Compiled templates; `None` when every template renders natively.
    tera: Option<&'a tera::Tera>,
    /// Which templates render natively, decided once per render.
    native: Native,
    site_view: SiteView<'a>,
    /// Folder → its pages and sub-folders, built on first use so that listing
    /// every section stays linear in the number of pages and folders.
    folders: std::sync::OnceLock<Folders>,
    /// Per edge: its `when` as HTML and text, see [`when_html`].
    whens: Vec<std::sync::OnceLock<(String, String)>>,
    /// Per folder: the breadcrumbs every page in it shows above its own
    /// (Home, then each folder down to this one), made once per folder.
    crumbs: rustc_hash::FxHashMap<&'a str, Vec<LinkView<'a>>>,
}

/// Ids and names rather than references: a `OnceLock` of references would make
/// `Ctx` invariant over its lifetime.
#[derive(Default)]
struct Folders {
    pages: BTreeMap<String, Vec<PageId>>,
    subdirs: BTreeMap<String, Vec<String>>,
}

impl Ctx<'_> {
    fn folders(&self) -> &Folders {
        self.folders.get_or_init(|| {
            let content = &self.site.content;
            let mut f = Folders::default();
            for p in content.pages.iter().filter(|p| !p.section_intro) {
                f.pages.entry(p.dir().to_string()).or_default().push(p.id);
            }
            // `sections` is sorted, so sub-folders come out in the same order as a
            // filter over it would give.
            for d in content.sections.iter().filter(|d| !d.is_empty()) {
                f.subdirs
                    .entry(crate::content::parent_dir(d).to_string())
                    .or_default()
                    .push(d.clone());
            }
            f
        })
    }
}

fn io_err(path: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.into(),
        source,
    }
}

/// Which output files to render: everything for a build, a subset for `serve`'s
/// incremental rebuilds.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// Pages to render (section intros are ignored); `None` renders every page.
    pub pages: Option<Vec<PageId>>,
    /// Section folders whose page to render (`""` is the home page); `None`
    /// renders every section.
    pub sections: Option<Vec<String>>,
    /// Skip assets, theme files and `highlight.css` (unchanged since the last
    /// render into the same sink).
    pub skip_static: bool,
    /// Skip `graph.json`.
    pub skip_graph: bool,
    /// This render is the last use of the site's spilled bodies (a one-off
    /// build): their space is given back as pages are written, and they
    /// cannot be read again after it.
    pub spill_last_use: bool,
}

impl Parts {
    /// Every output file.
    pub fn all() -> Parts {
        Parts::default()
    }
}

/// Renders the whole site into `sink`.
///
/// # Errors
/// A template that fails to render, or an I/O error of the sink.
pub fn render(
    site: &Site,
    sources: &SourceMap,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<RenderStats, Error> {
    render_parts(site, sources, theme, None, sink, &Parts::all())
}

/// [`render`] as the last use of the site's spilled bodies (see
/// [`Parts::spill_last_use`]).
///
/// # Errors
/// As [`render`].
pub fn render_once(
    site: &Site,
    sources: &SourceMap,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<RenderStats, Error> {
    let parts = Parts {
        spill_last_use: true,
        ..Parts::all()
    };
    render_parts(site, sources, theme, None, sink, &parts)
}

/// Renders the `parts` of the site into `sink`. `tera` is the theme's templates
/// as compiled by [`Theme::tera_if_needed`] (so `serve` compiles them once per
/// theme change); with `None`, they are compiled here if
/// [`Theme::needs_tera`].
///
/// # Errors
/// A template that does not parse or fails to render, or an I/O error of the
/// sink.
pub fn render_parts(
    site: &Site,
    sources: &SourceMap,
    theme: &Theme,
    tera: Option<&tera::Tera>,
    sink: &dyn Sink,
    parts: &Parts,
) -> Result<RenderStats, Error> {
    let cfg = &site.config;
    let compiled;
    let tera = match tera {
        None if theme.needs_tera() => {
            compiled = theme.tera()?;
            Some(&compiled)
        }
        t => t,
    };
    let ctx = Ctx {
        site,
        sources,
        tera,
        native: theme.native(),
        site_view: SiteView {
            title: &cfg.title,
            description: cfg.description.as_deref(),
            language: &cfg.language,
            base_url: &cfg.base_url,
            search: cfg.search.enabled,
        },
        folders: std::sync::OnceLock::new(),
        // Made on the pool (a megabyte of fresh memory at 10,000 pages).
        whens: (0..site.graph.edges.len())
            .into_par_iter()
            .map(|_| std::sync::OnceLock::new())
            .collect(),
        crumbs: rustc_hash::FxHashMap::default(),
    };
    // Relative URLs depend on the folder of the page they are written in,
    // not on its name: a made-up name stands for every page of the folder.
    let crumbs = site
        .content
        .sections
        .iter()
        .map(|dir| {
            let from = if dir.is_empty() {
                "page.html".to_string()
            } else {
                format!("{dir}/page.html")
            };
            (dir.as_str(), breadcrumbs(&ctx, &from, dir))
        })
        .collect();
    let ctx = Ctx { crumbs, ..ctx };
    let content = &site.content;
    let page = |p: &Page| -> Result<String, Error> {
        let (page, text) = render_page(&ctx, p)?;
        let (head, tail) = page.html.as_bytes().split_at(page.body_at);
        sink.write_parts(&p.out, &[head, &page.body, tail])
            .map_err(io_err(&p.out))?;
        Ok(text)
    };
    let pages = || -> Result<(), Error> {
        match &parts.pages {
            None if cfg.search.enabled => {
                // The index numbers each edge's `when` text: the ones the
                // pages and the home page show (each made once).
                // Made on the whole pool first: numbering them is then a
                // single thread's quick walk.
                (0..site.graph.edges.len()).into_par_iter().for_each(|e| {
                    when_html(&ctx, e);
                });
                let texts = (0..site.graph.edges.len()).map(|e| when_html(&ctx, e).1);
                let index = crate::search::IndexWriter::with_when_texts(site, texts);
                render_pages_and_index(site, sink, &page, &index, parts.spill_last_use)
            }
            None => content
                .pages
                .par_iter()
                .filter(|p| !p.section_intro)
                .try_for_each(|p| page(p).map(drop)),
            Some(ids) => ids
                .par_iter()
                .map(|&id| content.page(id))
                .filter(|p| !p.section_intro)
                .try_for_each(|p| page(p).map(drop)),
        }
    };
    let section = |dir: &String| -> Result<(), Error> {
        if dir.is_empty() {
            return write_index(&ctx, sink);
        }
        let html = render_section(&ctx, dir)?;
        let out = section_out(dir);
        sink.write(&out, html.as_bytes()).map_err(io_err(&out))
    };
    let sections = || -> Result<(), Error> {
        match &parts.sections {
            None => content.sections.par_iter().try_for_each(section)?,
            Some(dirs) => dirs
                .par_iter()
                .filter(|d| content.sections.contains(*d))
                .try_for_each(section)?,
        }
        // Also beside the pages: graph.json is written in one thread, then
        // the files that do not depend on the pages.
        if !parts.skip_graph {
            sink.write_with("graph.json", &mut |w| crate::write_graph_json(site, w))
                .map_err(io_err("graph.json"))?;
        }
        if !parts.skip_static {
            content
                .assets
                .par_iter()
                .try_for_each(|a| sink.copy(&a.path, &a.source).map_err(io_err(&a.path)))?;
            for (path, bytes) in &theme.statics {
                let out = format!("{ASSET_DIR}/{path}");
                sink.write(&out, bytes).map_err(io_err(&out))?;
            }
            // A theme's own highlight.css is written above, as it is.
            if !theme.statics.contains_key(theme::HIGHLIGHT_CSS) {
                let css = markdown::highlight_css();
                let out = format!("{ASSET_DIR}/{}", theme::HIGHLIGHT_CSS);
                sink.write(&out, css.as_bytes()).map_err(io_err(&out))?;
            }
        }
        Ok(())
    };
    // Side by side: the home page (an outline of every tree) is one large
    // template render that would otherwise run alone after the pages.
    // The first closure runs here at once; the pages are taken by the other
    // threads. Page errors are reported first, as before.
    let (sections, pages) = rayon::join(sections, pages);
    pages?;
    sections?;
    if cfg.search.enabled && parts.pages.is_some() {
        // The search index holds every page's text, so any render writes it,
        // even one that re-renders a single page after a body-only save (from
        // the texts of the scans, which `serve` keeps).
        sink.write_with(crate::search::INDEX_PATH, &mut |w| {
            crate::search::write_index_script(site, w)
        })
        .map_err(io_err(crate::search::INDEX_PATH))?;
    }
    Ok(RenderStats {
        pages: content.pages.iter().filter(|p| !p.section_intro).count(),
        sections: content.sections.len(),
        assets: content.assets.len(),
    })
}

/// Pages rendered at once between two appends to the search index: enough to
/// keep every thread busy, few enough that their texts take little memory
/// (about 3.5 MB). Large, too, because rayon splits a chunk into halves:
/// threads then write pages far apart, mostly in different folders. Two
/// threads creating files in one folder queue on the folder's lock in the
/// kernel, and the waiting one spins: with chunks of 256 pages, a quarter of a
/// clean 10,000-page build's CPU time was that spinning.
const PAGE_CHUNK: usize = 2048;

/// Renders every page with `page` (which writes it and returns its text) and
/// writes the search index as it goes: pages are rendered in parallel a chunk
/// at a time, each with its index entry, and each chunk's entries are
/// appended in page order. A build then never holds every page's text, and
/// the last chunk's entries, appended when nothing is left to run beside
/// them, are only copied.
fn render_pages_and_index(
    site: &Site,
    sink: &dyn Sink,
    page: &(dyn Fn(&Page) -> Result<String, Error> + Sync),
    index: &crate::search::IndexWriter<'_>,
    discard_spill: bool,
) -> Result<(), Error> {
    let list: Vec<&Page> = site
        .content
        .pages
        .iter()
        .filter(|p| !p.section_intro)
        .map(|p| &**p)
        .collect();
    let discards = discard_spill.then(|| Discards::new(site, &list)).flatten();
    // A render error is kept here and the write stopped with a stand-in.
    let mut failed: Option<Error> = None;
    let written = sink.write_with(crate::search::INDEX_PATH, &mut |w| {
        index.head(w)?;
        let mut first = true;
        // Appends a rendered chunk's entries in page order.
        let mut append = |done: Option<Vec<Result<Vec<u8>, Error>>>| {
            let Some(entries) = done else {
                return Ok(());
            };
            for entry in entries {
                match entry {
                    Ok(entry) => index.write_entry(w, first, &entry)?,
                    Err(e) => {
                        failed = Some(e);
                        return Err(std::io::Error::other("page render failed"));
                    }
                }
                first = false;
            }
            Ok(())
        };
        // Each chunk's entries are appended (here: the writer stays on this
        // thread) while the next chunk renders.
        let mut done = None;
        for (k, chunk) in list.chunks(PAGE_CHUNK).enumerate() {
            let mut entries = Vec::new();
            let appended = rayon::in_place_scope(|s| {
                s.spawn(|_| {
                    entries = chunk
                        .par_iter()
                        .map(|p| page(p).map(|text| index.entry_json(p.id, &text)))
                        .collect();
                });
                let appended = append(done.take());
                // The previous chunk's bodies are read: their space goes
                // back to the system while this chunk renders.
                if let (Some(d), Some(prev)) = (&discards, k.checked_sub(1)) {
                    d.after(prev);
                }
                appended
            });
            appended?;
            done = Some(entries);
        }
        rayon::in_place_scope(|s| {
            if let (Some(d), Some(last)) =
                (&discards, list.len().div_ceil(PAGE_CHUNK).checked_sub(1))
            {
                s.spawn(move |_| d.after(last));
            }
            append(done)
        })?;
        index.tail(w)
    });
    match failed {
        Some(e) => Err(e),
        None => written.map_err(io_err(crate::search::INDEX_PATH)),
    }
}

/// The spilled bodies in file order, each with the chunk of pages (see
/// [`render_pages_and_index`]) whose rendering reads it, so that their space
/// goes back to the system as chunks finish (see
/// [`crate::spill::Spill::discard`]).
struct Discards<'a> {
    spill: &'a crate::spill::Spill,
    /// Per slot: each body's bytes and its chunk (`usize::MAX`: not read by
    /// a chunk, as a section intro's), in file order.
    bodies: Vec<Vec<(std::ops::Range<u64>, usize)>>,
}

impl<'a> Discards<'a> {
    fn new(site: &'a Site, list: &[&Page]) -> Option<Self> {
        let spill = site.spill.as_ref()?;
        let mut chunk_of = vec![usize::MAX; site.scans.len()];
        for (i, p) in list.iter().enumerate() {
            chunk_of[p.id.index()] = i / PAGE_CHUNK;
        }
        let mut bodies = vec![Vec::new(); spill.slots()];
        for (scan, &chunk) in site.scans.iter().zip(&chunk_of) {
            if let Some(at) = scan.spilled {
                bodies[at.slot()].push((at.range(), chunk));
            }
        }
        for b in &mut bodies {
            b.sort_unstable_by_key(|(r, _)| r.start);
        }
        Some(Discards { spill, bodies })
    }

    /// Once chunk `k` and every chunk before it are rendered: discards each
    /// run of adjacent bodies, all read, that holds one of chunk `k`. (A run
    /// without one was discarded when its latest chunk was done: the runs of
    /// read bodies only grow.)
    fn after(&self, k: usize) {
        for (slot, bodies) in self.bodies.iter().enumerate() {
            // (start, end, holds one of chunk k)
            let mut run: Option<(u64, u64, bool)> = None;
            for (r, c) in bodies {
                if *c <= k {
                    let fresh = *c == k;
                    run = Some(match run {
                        Some((s, _, f)) => (s, r.end, f || fresh),
                        None => (r.start, r.end, fresh),
                    });
                } else if let Some((s, e, true)) = run.take() {
                    self.spill.discard(slot, s..e);
                }
            }
            if let Some((s, e, true)) = run {
                self.spill.discard(slot, s..e);
            }
        }
    }
}

/// How many files [`render`] writes for `site` (for progress bars).
pub fn file_count(site: &Site, theme: &Theme) -> usize {
    let content = &site.content;
    content.pages.iter().filter(|p| !p.section_intro).count()
        + content.sections.len()
        + content.assets.len()
        + theme.statics.len()
        + 1
        + usize::from(!theme.statics.contains_key(theme::HIGHLIGHT_CSS))
}

/// Renders template `name` with Tera (for a template [`Ctx::native`] does not
/// cover).
fn render_template<T: Serialize>(ctx: &Ctx<'_>, name: &str, value: &T) -> Result<String, Error> {
    let context = tera::Context::from_serialize(value)
        .map_err(|e| Error::Template(theme::template_error(&e)))?;
    ctx.tera
        .ok_or_else(|| Error::Template(format!("{name}: templates were not compiled")))?
        .render(name, &context)
        .map_err(|e| Error::Template(format!("{name}: {}", theme::template_error(&e))))
}

/// A page body rendered to HTML (UTF-8: rendered from a `String`).
struct Body {
    html: Vec<u8>,
    starts_with_h1: bool,
    /// Plain text for the search index (see [`crate::search::plain_text`]).
    text: String,
}

impl Body {
    /// The HTML as a `String`.
    fn into_string(self) -> Result<String, Error> {
        utf8(self.html)
    }
}

/// Bytes read back from the spill as a `String` (they were written from one).
fn utf8(bytes: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| Error::Io {
        path: std::env::temp_dir(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// Renders a page body (or section intro) to HTML, rewriting links relative to
/// the page's output file; or, in a full build, reads back the body rendered
/// while the page was loaded (see [`crate::spill`]).
fn body_html(ctx: &Ctx<'_>, page: &Page) -> Result<Body, Error> {
    let site = ctx.site;
    let scan = &site.scans[page.id.index()];
    if let (Some(spill), Some(at)) = (&site.spill, scan.spilled) {
        let (html, text) = spill.get(at).map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        return Ok(Body {
            html,
            starts_with_h1: scan.starts_with_h1,
            text,
        });
    }
    let content = &site.content;
    let text = ctx
        .sources
        .load_text(page.file)
        .map_err(|source| Error::Io {
            path: ctx.site.root.join(&ctx.sources.get(page.file).name),
            source,
        })?;
    let dir = page.dir();
    let rewrite = |dest: &str| crate::links::rewrite(content, dir, &page.out, dest);
    let (p, text) = page_body(
        &site.config,
        &text,
        page.body.clone(),
        page.section_intro,
        &rewrite,
        false,
    );
    Ok(Body {
        text,
        html: p.html.into_bytes(),
        starts_with_h1: p.starts_with_h1,
    })
}

/// Renders the body of a page (the `body` range of file text `src`) as a build
/// shows it, `rewrite` resolving its links; with `links`, lists them too.
/// Returns the result and the page's search text (empty for a section intro
/// or without search).
pub(crate) fn page_body(
    config: &crate::config::SiteConfig,
    src: &str,
    body: std::ops::Range<usize>,
    intro: bool,
    rewrite: &(dyn Fn(&str) -> markdown::Rewritten + Sync),
    links: bool,
) -> (markdown::Processed, String) {
    let settings = Settings {
        render: true,
        highlight: config
            .markdown
            .highlight
            .then_some(config.markdown.highlight_classes),
        allow_raw_html: config.markdown.allow_raw_html,
        rewrite,
        text: config.search.enabled && !intro,
        links,
    };
    let mut p = markdown::process(src, body, &settings);
    let text = std::mem::take(&mut p.text);
    (p, text)
}

/// `when` of edge `e` as inline HTML and as plain text, rendered once per edge:
/// a page shows the `when`s of its branches, its parents and every step of its
/// path from the entry, so the same edge appears on many pages.
fn when_html<'c>(ctx: &'c Ctx<'_>, e: usize) -> (&'c str, &'c str) {
    let (html, text) =
        ctx.whens[e].get_or_init(|| when_pair(ctx, ctx.site.graph.edges[e].when.as_deref()));
    (html, text)
}

fn when_pair(ctx: &Ctx<'_>, when: Option<&str>) -> (String, String) {
    match when {
        Some(w) => markdown::inline_html_and_text(w, ctx.site.config.markdown.allow_raw_html),
        None => ("Next step".to_string(), "Next step".to_string()),
    }
}

fn outcome(page: &Page) -> Option<&'static str> {
    page.meta.outcome.as_ref().map(|o| o.value.as_str())
}

fn section_title<'a>(ctx: &Ctx<'a>, dir: &'a str) -> &'a str {
    match ctx.site.content.section_intro(dir) {
        Some(p) if p.meta.title.is_some() => p.title(),
        _ if dir.is_empty() => &ctx.site.config.title,
        _ => ctx.site.folder_titles.get(dir).map_or(dir, String::as_str),
    }
}

fn breadcrumbs<'a>(ctx: &Ctx<'a>, from: &str, dir: &'a str) -> Vec<LinkView<'a>> {
    let mut crumbs = vec![LinkView {
        title: "Home",
        url: relative_url(from, "index.html"),
    }];
    let mut end = 0;
    if !dir.is_empty() {
        loop {
            let next = dir[end..].find('/').map_or(dir.len(), |i| end + i);
            let d = &dir[..next];
            crumbs.push(LinkView {
                title: section_title(ctx, d),
                url: relative_url(from, &section_out(d)),
            });
            if next == dir.len() {
                break;
            }
            end = next + 1;
        }
    }
    crumbs
}

/// A rendered page: its HTML with the body left out, the body, and where in
/// the HTML the body goes. The built-in template leaves the body out (and it
/// is written between the two halves), so that a body read back from the
/// spill is neither checked as UTF-8 nor copied into the page; Tera's
/// templates take it in (and `body` is empty).
struct RenderedPage {
    html: String,
    body: Vec<u8>,
    body_at: usize,
}

/// Reads a byte of what `page` shows of each page it refers to (titles,
/// output paths, ids and summaries, and the branches' `when`s) before any of
/// it is used.
///
/// Those pages lie anywhere in memory, and the rendering between two of them
/// is long enough that the processor meets each cache miss alone. Read in one
/// short loop, the misses of different pages overlap: the rendering then finds
/// them in the cache. (Measured: the chrome of a page refers to about twenty
/// others, and these misses were over a third of `render_page`'s own time.)
fn touch_refs(ctx: &Ctx<'_>, page: &Page) {
    let content = &ctx.site.content;
    let graph = &ctx.site.graph;
    let i = page.id.index();
    let first = |s: &str| usize::from(s.as_bytes().first().copied().unwrap_or(0));
    let touch = |id: PageId| {
        let p = content.page(id);
        first(p.title()) ^ first(&p.out)
    };
    let mut acc = 0usize;
    for &e in graph.out[i].iter().chain(&graph.inc[i]) {
        let edge = &graph.edges[e];
        acc ^= touch(edge.to) ^ touch(edge.from);
        if let Some((html, _)) = ctx.whens[e].get() {
            acc ^= first(html);
        }
    }
    for &e in &graph.out[i] {
        let p = content.page(graph.edges[e].to);
        acc ^= first(&p.path) ^ p.meta.summary.as_ref().map_or(0, |s| first(&s.value));
    }
    for &id in &ctx.site.backlinks[i] {
        acc ^= touch(id);
    }
    std::hint::black_box(acc);
}

/// The page (see [`RenderedPage`]) and the plain text of its body (for the
/// search index).
fn render_page(ctx: &Ctx<'_>, page: &Page) -> Result<(RenderedPage, String), Error> {
    let site = ctx.site;
    let content = &site.content;
    let graph = &site.graph;
    let Body {
        html,
        starts_with_h1,
        text,
    } = body_html(ctx, page)?;
    touch_refs(ctx, page);
    let from = page.out.as_str();
    let branches = graph.out[page.id.index()]
        .iter()
        .map(|&e| {
            let edge = &graph.edges[e];
            let target = content.page(edge.to);
            let (when_html, when_text) = when_html(ctx, e);
            BranchView {
                when_html,
                when_text,
                title: target.title(),
                summary: target.meta.summary.as_ref().map(|s| s.value.as_str()),
                url: with_fragment(relative_url(from, &target.out), edge.fragment.clone()),
                outcome: outcome(target),
                id: &target.path,
            }
        })
        .collect();
    let parents = graph.inc[page.id.index()]
        .iter()
        .map(|&e| {
            let edge = &graph.edges[e];
            let source = content.page(edge.from);
            let (when_html, when_text) = when_html(ctx, e);
            ParentView {
                title: source.title(),
                url: relative_url(from, &source.out),
                when_html,
                when_text,
            }
        })
        .collect();
    let backlinks = site.backlinks[page.id.index()]
        .iter()
        .map(|&id| {
            let p = content.page(id);
            LinkView {
                title: p.title(),
                url: relative_url(from, &p.out),
            }
        })
        .collect();
    let tree = graph.entry_of[page.id.index()].map(|e| {
        let entry = content.page(e);
        LinkView {
            title: entry.title(),
            url: relative_url(from, &entry.out),
        }
    });
    let path = graph
        .path_to(page.id)
        .into_iter()
        .map(|e| {
            let edge = &graph.edges[e];
            let p = content.page(edge.from);
            let (when_html, when_text) = when_html(ctx, e);
            StepView {
                title: p.title(),
                url: relative_url(from, &p.out),
                when_html,
                when_text,
            }
        })
        .collect();
    // The built-in template leaves the body out (see `RenderedPage`).
    let (content, body_html_bytes) = if ctx.native.page {
        (String::new(), html)
    } else {
        (utf8(html)?, Vec::new())
    };
    let mut crumbs = match ctx.crumbs.get(page.dir()) {
        Some(crumbs) => crumbs.clone(),
        None => breadcrumbs(ctx, from, page.dir()),
    };
    crumbs.push(LinkView {
        title: page.title(),
        url: String::new(),
    });
    let view = PageContext {
        site: ctx.site_view.clone(),
        root: root_prefix(from),
        page: PageView {
            id: &page.path,
            title: page.title(),
            summary: page.meta.summary.as_ref().map(|s| s.value.as_str()),
            tags: &page.meta.tags,
            outcome: outcome(page),
            entry: page.meta.is_entry(),
            content,
            starts_with_h1,
            path: &page.out,
            in_tree: graph.is_reachable(page.id),
        },
        breadcrumbs: crumbs,
        branches,
        parents,
        backlinks,
        tree,
        path,
    };
    let page = if ctx.native.page {
        let (html, body_at) = native::page(&view);
        RenderedPage {
            html,
            body: body_html_bytes,
            body_at,
        }
    } else {
        let html = render_template(ctx, "page.html", &view)?;
        RenderedPage {
            body_at: html.len(),
            html,
            body: Vec::new(),
        }
    };
    Ok((page, text))
}

fn listed<'a>(from: &str, p: &'a Page) -> ListedPage<'a> {
    ListedPage {
        title: p.title(),
        url: relative_url(from, &p.out),
        summary: p.meta.summary.as_ref().map(|s| s.value.as_str()),
        outcome: outcome(p),
        entry: p.meta.is_entry(),
    }
}

/// Pages directly in folder `dir`, by weight (unweighted last), then path.
fn pages_in<'a>(ctx: &Ctx<'a>, dir: &str) -> Vec<&'a Page> {
    let content = &ctx.site.content;
    let mut pages: Vec<&Page> = ctx
        .folders()
        .pages
        .get(dir)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|&id| content.page(id))
        .collect();
    pages.sort_by(|a, b| {
        (a.meta.weight.is_none(), a.meta.weight, &a.path).cmp(&(
            b.meta.weight.is_none(),
            b.meta.weight,
            &b.path,
        ))
    });
    pages
}

fn subsections<'a>(ctx: &Ctx<'a>, from: &str, dir: &str) -> Vec<LinkView<'a>> {
    ctx.folders()
        .subdirs
        .get(dir)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| ctx.site.content.sections.get(d))
        .map(|d| LinkView {
            title: section_title(ctx, d),
            url: relative_url(from, &section_out(d)),
        })
        .collect()
}

fn render_section(ctx: &Ctx<'_>, dir: &str) -> Result<String, Error> {
    let from = section_out(dir);
    let dir = ctx
        .site
        .content
        .sections
        .get(dir)
        .map_or("", String::as_str);
    let intro = ctx
        .site
        .content
        .section_intro(dir)
        .map(|p| body_html(ctx, p).and_then(Body::into_string))
        .transpose()?
        .unwrap_or_default();
    let view = SectionContext {
        site: ctx.site_view.clone(),
        root: root_prefix(&from),
        section: SectionView {
            title: section_title(ctx, dir),
            path: dir,
            content: intro,
        },
        breadcrumbs: breadcrumbs(ctx, &from, crate::content::parent_dir(dir))
            .into_iter()
            .take(if dir.is_empty() { 0 } else { usize::MAX })
            .collect(),
        pages: pages_in(ctx, dir)
            .into_iter()
            .map(|p| listed(&from, p))
            .collect(),
        subsections: subsections(ctx, &from, dir),
    };
    if ctx.native.section {
        return Ok(native::section(&view));
    }
    render_template(ctx, "section.html", &view)
}

fn outline<'a>(
    ctx: &'a Ctx<'a>,
    tree: usize,
    root: PageId,
    id: PageId,
    when: &'a str,
    shown: &mut BTreeMap<PageId, String>,
) -> OutlineNode<'a> {
    let content = &ctx.site.content;
    let graph = &ctx.site.graph;
    let page = content.page(id);
    let url = relative_url("index.html", &page.out);
    let other_tree = id != root && graph.is_entry(id);
    if other_tree || shown.contains_key(&id) {
        return OutlineNode {
            title: page.title(),
            url,
            id: &page.path,
            when_html: when,
            outcome: outcome(page),
            repeat: !other_tree,
            other_tree,
            anchor: shown.get(&id).cloned().unwrap_or_default(),
            children: Vec::new(),
        };
    }
    let anchor = format!("t{tree}-{}", shown.len());
    shown.insert(id, anchor.clone());
    let children = graph.out[id.index()]
        .iter()
        .map(|&e| {
            let edge = &graph.edges[e];
            let (w, _) = when_html(ctx, e);
            outline(ctx, tree, root, edge.to, w, shown)
        })
        .collect();
    OutlineNode {
        title: page.title(),
        url,
        id: &page.path,
        when_html: when,
        outcome: outcome(page),
        repeat: false,
        other_tree: false,
        anchor,
        children,
    }
}

/// The inline SVG flowchart of the tree of `entry`, with links relative to
/// index.html. Another tree's entry is drawn as a box but not expanded.
fn flowchart(ctx: &Ctx<'_>, entry: PageId, prefix: &str) -> String {
    let content = &ctx.site.content;
    let graph = &ctx.site.graph;
    let members = graph.tree(entry);
    let index: BTreeMap<PageId, usize> = members.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let nodes: Vec<flowchart::FlowNode> = members
        .iter()
        .map(|&p| {
            let page = content.page(p);
            flowchart::FlowNode {
                title: page.title().to_string(),
                url: relative_url("index.html", &page.out),
                outcome: outcome(page).map(str::to_string),
                entry: graph.is_entry(p),
            }
        })
        .collect();
    let edges: Vec<flowchart::FlowEdge> = members
        .iter()
        .filter(|&&p| p == entry || !graph.is_entry(p))
        .flat_map(|&p| graph.out[p.index()].iter())
        .map(|&e| {
            let edge = &graph.edges[e];
            flowchart::FlowEdge {
                from: index[&edge.from],
                to: index[&edge.to],
                // The text the pages show too, made once per edge.
                label: edge.when.as_ref().map(|_| when_html(ctx, e).1.to_string()),
            }
        })
        .collect();
    let layout = flowchart::layout(&nodes, &edges, 0);
    flowchart::svg(&nodes, &edges, &layout, prefix)
}

/// The outline of the tree of entry number `i` (`e`).
fn tree_outline<'a>(ctx: &'a Ctx<'a>, i: usize, e: PageId) -> OutlineNode<'a> {
    let mut shown = BTreeMap::new();
    outline(ctx, i, e, e, "", &mut shown)
}

/// An empty outline node, for a view whose outlines are made as it is written.
fn no_outline<'a>() -> OutlineNode<'a> {
    OutlineNode {
        title: "",
        url: String::new(),
        id: "",
        when_html: "",
        outcome: None,
        repeat: false,
        other_tree: false,
        anchor: String::new(),
        children: Vec::new(),
    }
}

/// Writes `index.html` into `sink`: with the built-in template, one tree at a
/// time, each tree's outline and flowchart made as it is written.
fn write_index(ctx: &Ctx<'_>, sink: &dyn Sink) -> Result<(), Error> {
    if !ctx.native.index {
        let html = render_index(ctx)?;
        return sink
            .write("index.html", html.as_bytes())
            .map_err(io_err("index.html"));
    }
    let (view, entries) = index_view(ctx, false)?;
    let graph = &ctx.site.graph;
    sink.write_with("index.html", &mut |w| {
        let mut failed = None;
        native::index_streamed(
            &view,
            &mut |g, t| {
                let i = entries[g][t];
                let e = graph.entries[i];
                Some((
                    tree_outline(ctx, i, e),
                    flowchart(ctx, e, &format!("fc{i}")),
                ))
            },
            &mut |text| {
                if failed.is_none()
                    && let Err(err) = w.write_all(text.as_bytes())
                {
                    failed = Some(err);
                }
                text.clear();
            },
        );
        failed.map_or(Ok(()), Err)
    })
    .map_err(io_err("index.html"))
}

fn render_index(ctx: &Ctx<'_>) -> Result<String, Error> {
    let (view, _) = index_view(ctx, true)?;
    if ctx.native.index {
        return Ok(native::index(&view));
    }
    render_template(ctx, "index.html", &view)
}

/// The home page's view, and per group and tree the number of its entry. With
/// `full` false, outlines and flowcharts are left empty (to be made as the
/// page is written).
fn index_view<'a>(
    ctx: &'a Ctx<'a>,
    full: bool,
) -> Result<(IndexContext<'a>, Vec<Vec<usize>>), Error> {
    let site = ctx.site;
    let content = &site.content;
    let graph = &site.graph;
    let mut charts: Vec<String> = if full {
        graph
            .entries
            .par_iter()
            .enumerate()
            .map(|(i, &e)| flowchart(ctx, e, &format!("fc{i}")))
            .collect()
    } else {
        vec![String::new(); graph.entries.len()]
    };
    let mut groups: Vec<(TreeGroup<'_>, Vec<usize>)> = Vec::new();
    let mut group_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, &e) in graph.entries.iter().enumerate() {
        let entry = content.page(e);
        let dir = entry.dir();
        let members = graph.tree(e);
        let outcome_count = members
            .iter()
            .filter(|&&p| content.page(p).meta.outcome.is_some())
            .count();
        let tree = TreeView {
            title: entry.title(),
            summary: entry.meta.summary.as_ref().map(|s| s.value.as_str()),
            url: relative_url("index.html", &entry.out),
            id: &entry.path,
            anchor: format!(
                "tree-{}",
                markdown::Slugger::default().slug(&entry.path.replace(['/', '.'], "-"))
            ),
            page_count: members.len(),
            outcome_count,
            outline: if full {
                tree_outline(ctx, i, e)
            } else {
                no_outline()
            },
            flowchart: std::mem::take(&mut charts[i]),
        };
        match group_of.get(dir) {
            Some(&g) => {
                groups[g].0.trees.push(tree);
                groups[g].1.push(i);
            }
            None => {
                group_of.insert(dir, groups.len());
                groups.push((
                    TreeGroup {
                        title: section_title(ctx, dir),
                        path: dir,
                        url: relative_url("index.html", &section_out(dir)),
                        trees: vec![tree],
                    },
                    vec![i],
                ));
            }
        }
    }
    groups.sort_by(|a, b| a.0.path.cmp(b.0.path));
    let (groups, entries): (Vec<_>, Vec<_>) = groups.into_iter().unzip();
    let reference = content
        .pages
        .iter()
        .filter(|p| !p.section_intro && !graph.is_reachable(p.id))
        .map(|p| listed("index.html", p))
        .collect();
    let intro_page = content.section_intro("");
    let view = IndexContext {
        site: ctx.site_view.clone(),
        root: String::new(),
        intro: intro_page
            .map(|p| body_html(ctx, p).and_then(Body::into_string))
            .transpose()?
            .unwrap_or_default(),
        title: intro_page
            .filter(|p| p.meta.title.is_some())
            .map_or(&site.config.title, |p| p.title()),
        groups,
        reference,
        sections: subsections(ctx, "index.html", ""),
        stats: Stats {
            pages: content.pages.iter().filter(|p| !p.section_intro).count(),
            trees: graph.entries.len(),
            branches: graph.edges.len(),
        },
    };
    Ok((view, entries))
}
