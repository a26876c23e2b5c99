//! render::render: the frozen [`Site`] → every output file, handed to a [`Sink`]
//! (a folder on disk, or memory for `serve`, `bundle` and tests).
//!
//! Every page renders through Tera, the built-in theme like any override
//! ([`Theme`]). Bodies are rendered here, after the graph is resolved, so a
//! link resolves against the published pages. Pages are rendered in parallel;
//! each page's template context is page-sized (its branches, parents,
//! backlinks and path), never the whole site.

pub mod theme;
pub mod view;

use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

pub use crate::content::ASSET_DIR;
use crate::content::{Content, Page, PageId};
use crate::error::Error;
use crate::flowchart;
use crate::links::{
    TAGS_INDEX, absolute_url, map_out, relative_url, root_prefix, section_out, tag_out,
    with_fragment,
};
use crate::markdown::{self, Processed, Settings};
use crate::site::Site;
use crate::source::SourceMap;
pub use theme::Theme;
use theme::escape_html;
use view::{
    BranchView, FeedbackView, IndexContext, LinkView, ListedPage, MapContext, MetaView,
    NotFoundContext, OutlineNode, PageContext, PageView, ParentView, SectionContext, SectionView,
    SiteView, Stats, StepView, TagContext, TagView, TagsContext, TreeGroup, TreeView,
};

/// Where the page shown for a missing page is written (and what `serve`
/// answers unknown paths with).
pub const NOT_FOUND: &str = "404.html";

/// Where the sitemap is written (only with `base_url` set).
pub const SITEMAP: &str = "sitemap.xml";

/// The home page shows every tree's flowchart and outline inline while the
/// trees have at most this many pages together (a page counted once per tree
/// it is in); above that, each tree is listed with a link to its map page,
/// so the home page stays small (docs/output.md).
pub const INLINE_CHART_PAGES: usize = 200;

/// Where rendered files go.
pub trait Sink: Sync {
    /// Writes `bytes` to `path` (relative to the output root, `/` separators).
    ///
    /// # Errors
    /// Any I/O error.
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Copies the file at `source` to `path`.
    ///
    /// # Errors
    /// Any I/O error.
    fn copy(&self, path: &str, source: &std::path::Path) -> std::io::Result<()> {
        self.write(path, &std::fs::read(source)?)
    }
    /// Writes the file at `path` with `fill`, which writes it in pieces: a
    /// sink that can stream (to disk) never holds a large file whole.
    ///
    /// # Errors
    /// Any I/O error.
    fn write_from(&self, path: &str, fill: &WriteFn<'_>) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.write(path, &bytes)
    }
}

/// What [`Sink::write_from`] calls to write a file.
pub type WriteFn<'a> = dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + Sync + 'a;

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
    tera: &'a tera::Tera,
    site_view: SiteView<'a>,
    folders: Folders,
    /// Per edge: its `when` as HTML and as text, see [`when_html`].
    whens: Vec<(String, String)>,
    /// Per tag page (its output path): the tag as first written and the
    /// pages that carry it, by path.
    tags: BTreeMap<String, (&'a str, Vec<PageId>)>,
}

/// Every tag of the published pages, by output path of its page (see
/// [`tag_out`]): the tag as first written, and its pages in path order.
fn tags_of(content: &Content) -> BTreeMap<String, (&str, Vec<PageId>)> {
    let mut tags: BTreeMap<String, (&str, Vec<PageId>)> = BTreeMap::new();
    for p in content.pages.iter().filter(|p| !p.section_intro) {
        for t in &p.meta.tags {
            let entry = tags.entry(tag_out(t)).or_insert((t, Vec::new()));
            if entry.1.last() != Some(&p.id) {
                entry.1.push(p.id);
            }
        }
    }
    tags
}

/// Per folder: the pages directly in it and its sub-folders.
#[derive(Default)]
struct Folders {
    pages: BTreeMap<String, Vec<PageId>>,
    subdirs: BTreeMap<String, Vec<String>>,
}

impl Folders {
    fn of(content: &Content) -> Folders {
        let mut f = Folders::default();
        for p in content.pages.iter().filter(|p| !p.section_intro) {
            f.pages.entry(p.dir().to_string()).or_default().push(p.id);
        }
        for d in content.sections.iter().filter(|d| !d.is_empty()) {
            f.subdirs
                .entry(crate::content::parent_dir(d).to_string())
                .or_default()
                .push(d.clone());
        }
        f
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
/// A template that does not parse or fails to render, or an I/O error of the
/// sink.
pub fn render(
    site: &Site,
    sources: &SourceMap,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<RenderStats, Error> {
    render_parts(
        site,
        sources,
        &theme.tera(&site.config.labels)?,
        theme,
        sink,
        &Parts::all(),
    )
}

/// Renders the `parts` of the site into `sink`, with `tera`, the theme's
/// templates as compiled by [`Theme::tera`] (so `serve` compiles them once per
/// theme change).
///
/// # Errors
/// A template that fails to render, or an I/O error of the sink.
pub fn render_parts(
    site: &Site,
    sources: &SourceMap,
    tera: &tera::Tera,
    theme: &Theme,
    sink: &dyn Sink,
    parts: &Parts,
) -> Result<RenderStats, Error> {
    let cfg = &site.config;
    let allow_raw_html = cfg.markdown.allow_raw_html;
    let ctx = Ctx {
        site,
        sources,
        tera,
        site_view: SiteView {
            title: &cfg.title,
            description: cfg.description.as_deref(),
            language: &cfg.language,
            base_url: &cfg.base_url,
            search: cfg.search.enabled,
        },
        folders: Folders::of(&site.content),
        whens: site
            .graph
            .edges
            .par_iter()
            .map(|edge| match edge.when.as_deref() {
                Some(w) => markdown::inline_html_and_text(w, allow_raw_html),
                None => (
                    escape_html(&cfg.labels["next_step"]),
                    cfg.labels["next_step"].clone(),
                ),
            })
            .collect(),
        tags: tags_of(&site.content),
    };
    let content = &site.content;
    let page = |p: &Page| -> Result<(), Error> {
        let html = render_page(&ctx, p)?;
        sink.write(&p.out, html.as_bytes()).map_err(io_err(&p.out))
    };
    // The search index merges every page's words on one thread: it runs
    // beside the pages, which keep the other threads busy.
    let pages = || match &parts.pages {
        None => content
            .pages
            .par_iter()
            .try_for_each(|p| match p.section_intro {
                true => Ok(()),
                false => page(p),
            }),
        Some(ids) => ids
            .par_iter()
            .map(|&id| content.page(id))
            .filter(|p| !p.section_intro)
            .try_for_each(page),
    };
    let search = || match cfg.search.enabled {
        // The index holds every page's text, so any render writes it, even
        // one that re-renders a single page after a body-only save.
        true => crate::search::index_files(site, |path, script| {
            sink.write(path, script.as_bytes()).map_err(io_err(path))
        }),
        false => Ok(()),
    };
    let (pages, search) = rayon::join(pages, search);
    pages?;
    search?;
    let section = |dir: &String| -> Result<(), Error> {
        if dir.is_empty() {
            // Map pages show titles and whens of many pages: they change
            // when the home page does.
            site.graph
                .entries
                .par_iter()
                .enumerate()
                .try_for_each(|(i, &e)| {
                    let out = map_out(&content.page(e).out);
                    let html = render_map(&ctx, i, e, &out)?;
                    sink.write(&out, html.as_bytes()).map_err(io_err(&out))
                })?;
        }
        let (out, html) = if dir.is_empty() {
            ("index.html".to_string(), render_index(&ctx)?)
        } else {
            (section_out(dir), render_section(&ctx, dir)?)
        };
        sink.write(&out, html.as_bytes()).map_err(io_err(&out))
    };
    match &parts.sections {
        None => content.sections.par_iter().try_for_each(section)?,
        Some(dirs) => dirs
            .par_iter()
            .filter(|d| content.sections.contains(*d))
            .try_for_each(section)?,
    }
    // The files that list the whole site change with the home page.
    if parts
        .sections
        .as_ref()
        .is_none_or(|d| d.iter().any(String::is_empty))
    {
        write_site_lists(&ctx, sink)?;
    }
    if !parts.skip_graph {
        sink.write_from("graph.json", &|w| crate::export::write_graph_json(site, w))
            .map_err(io_err("graph.json"))?;
    }
    let labels = crate::labels::script(&cfg.labels);
    sink.write(crate::labels::SCRIPT_PATH, labels.as_bytes())
        .map_err(io_err(crate::labels::SCRIPT_PATH))?;
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
    Ok(RenderStats {
        pages: content.pages.iter().filter(|p| !p.section_intro).count(),
        sections: content.sections.len(),
        assets: content.assets.len(),
    })
}

/// How many files [`render`] writes for `site` (for progress bars).
pub fn file_count(site: &Site, theme: &Theme) -> usize {
    let content = &site.content;
    content.pages.iter().filter(|p| !p.section_intro).count()
        + content.sections.len()
        + site.graph.entries.len()
        + content.assets.len()
        + theme.statics.len()
        + 2
        + site_list_count(site)
        + usize::from(site.config.search.enabled)
        + usize::from(!theme.statics.contains_key(theme::HIGHLIGHT_CSS))
}

/// Renders template `name` with Tera, for the output file `meta` describes.
fn render_template<T: Serialize>(
    ctx: &Ctx<'_>,
    name: &str,
    value: &T,
    meta: &MetaView<'_>,
) -> Result<String, Error> {
    let mut context = tera::Context::from_serialize(value)
        .map_err(|e| Error::Template(theme::template_error(&e)))?;
    // Every template sees `meta`, and the theme's texts as `labels.KEY` from
    // the global context (see `Theme::tera`).
    context.insert("meta", meta);
    ctx.tera
        .render(name, &context)
        .map_err(|e| Error::Template(format!("{name}: {}", theme::template_error(&e))))
}

/// Renders a page body (or section intro) to HTML, rewriting links relative to
/// the page's output file.
fn body_html(ctx: &Ctx<'_>, page: &Page) -> Processed {
    let config = &ctx.site.config;
    let content = &ctx.site.content;
    let dir = page.dir();
    let rewrite = |dest: &str| crate::links::rewrite(content, dir, &page.out, dest);
    let settings = Settings {
        render: true,
        highlight: config
            .markdown
            .highlight
            .then_some(config.markdown.highlight_classes),
        allow_raw_html: config.markdown.allow_raw_html,
        rewrite: &rewrite,
        text: false,
        links: false,
    };
    let (text, body) = page.source(ctx.sources);
    markdown::process(text, body, &settings)
}

/// A short Markdown text from site.toml or front matter (an outcome text, a
/// contact) as HTML, sanitized like a body; its links are kept as written.
fn snippet_html(ctx: &Ctx<'_>, text: &str) -> String {
    let keep = |_: &str| None;
    let settings = Settings {
        render: true,
        highlight: None,
        allow_raw_html: ctx.site.config.markdown.allow_raw_html,
        rewrite: &keep,
        text: false,
        links: false,
    };
    markdown::process(text, 0..text.len(), &settings).html
}

/// `when` of edge `e` as inline HTML and as plain text (made once per edge: a
/// page shows the `when`s of its branches, its parents and every step of its
/// path from the entry, so the same edge appears on many pages).
fn when_html<'c>(ctx: &'c Ctx<'_>, e: usize) -> (&'c str, &'c str) {
    let (html, text) = &ctx.whens[e];
    (html, text)
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
        title: &ctx.site.config.labels["home"],
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

/// A page's HTML.
fn render_page(ctx: &Ctx<'_>, page: &Page) -> Result<String, Error> {
    let site = ctx.site;
    let content = &site.content;
    let graph = &site.graph;
    let body = body_html(ctx, page);
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
    let parents: Vec<ParentView<'_>> = graph.inc[page.id.index()]
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
    let map_url =
        graph.entry_of[page.id.index()].map(|e| relative_url(from, &map_out(&content.page(e).out)));
    let tree = graph.entry_of[page.id.index()].map(|e| {
        let entry = content.page(e);
        LinkView {
            title: entry.title(),
            url: relative_url(from, &entry.out),
        }
    });
    let path: Vec<StepView<'_>> = graph
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
    // "How you got here" says nothing the path above does not when the only
    // page that leads here is the path's last step.
    let parents_in_path = match (parents.as_slice(), path.last()) {
        ([parent], Some(step)) => parent.url == step.url && parent.when_text == step.when_text,
        _ => false,
    };
    let mut crumbs = breadcrumbs(ctx, from, page.dir());
    crumbs.push(LinkView {
        title: page.title(),
        url: String::new(),
    });
    let tag_links = page
        .meta
        .tags
        .iter()
        .map(|t| LinkView {
            title: t,
            url: relative_url(from, &tag_out(t)),
        })
        .collect();
    let summary = page.meta.summary.as_ref().map(|s| s.value.as_str());
    let meta = meta_view(ctx, &page.out, page.title(), summary);
    let view = PageContext {
        site: ctx.site_view.clone(),
        root: root_prefix(from),
        page: PageView {
            id: &page.path,
            title: page.title(),
            summary: page.meta.summary.as_ref().map(|s| s.value.as_str()),
            question: page.meta.question.as_ref().map(|s| s.value.as_str()),
            tags: &page.meta.tags,
            outcome: outcome(page),
            entry: page.meta.is_entry(),
            content: body.html,
            starts_with_h1: body.starts_with_h1,
            path: &page.out,
            in_tree: graph.is_reachable(page.id),
            owner: page.meta.owner.as_deref(),
            reviewed: page.meta.reviewed.as_ref().map(|r| r.value.to_string()),
            edit_url: site
                .config
                .edit_url
                .as_ref()
                .map(|t| t.replace("{path}", &crate::links::escape_path(&page.path))),
            outcome_html: outcome(page).and_then(|kind| {
                let text = page
                    .meta
                    .contact
                    .as_deref()
                    .or_else(|| site.config.outcomes.get(kind))?;
                Some(snippet_html(ctx, text))
            }),
            feedback: outcome(page)
                .and(site.config.feedback_url.as_deref())
                .map(|t| feedback(t, page)),
        },
        breadcrumbs: crumbs,
        branches,
        parents,
        parents_in_path,
        backlinks,
        tree,
        map_url,
        path,
        tag_links,
    };
    render_template(ctx, "page.html", &view, &meta)
}

/// The feedback links of an outcome page from the `feedback_url` template:
/// `{title}`, `{path}` and `{answer}` ("yes"/"no") percent-encoded; without
/// `{answer}` in the template, the answer goes before the title ("Yes: …").
fn feedback(template: &str, page: &Page) -> FeedbackView {
    /// RFC 3986's unreserved characters stay as they are.
    const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, COMPONENT).to_string();
    let link = |answer: &str| {
        let title = if template.contains("{answer}") {
            page.title().to_string()
        } else {
            format!("{answer}: {}", page.title())
        };
        template
            .replace("{title}", &enc(&title))
            .replace("{path}", &enc(&page.path))
            .replace("{answer}", &enc(&answer.to_lowercase()))
    };
    let (yes, no) = (link("Yes"), link("No"));
    FeedbackView {
        yes: yes.replace("{trail}", ""),
        no: no.replace("{trail}", ""),
        yes_template: yes,
        no_template: no,
    }
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
        .folders
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
    ctx.folders
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
        .map(|p| body_html(ctx, p).html)
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
    let meta = meta_view(ctx, &from, view.section.title, None);
    render_template(ctx, "section.html", &view, &meta)
}

/// The outline of tree number `tree` (entry `root`) as seen from output file
/// `from`, made by walking the tree in branch order.
struct OutlineWalk<'a, 'f> {
    ctx: &'a Ctx<'a>,
    from: &'f str,
    tree: usize,
    root: PageId,
    /// The element id of each page's first node.
    shown: BTreeMap<PageId, String>,
    nodes: Vec<OutlineNode<'a>>,
}

impl<'a> OutlineWalk<'a, '_> {
    /// Appends the node of page `id` (reached by a branch whose `when` is
    /// `when`) and the nodes below it, as [`OutlineNode`] says.
    fn visit(&mut self, id: PageId, when: &'a str) {
        let graph = &self.ctx.site.graph;
        let page = self.ctx.site.content.page(id);
        let other_tree = id != self.root && graph.is_entry(id);
        let repeat = !other_tree && self.shown.contains_key(&id);
        let children: &[usize] = match other_tree || repeat {
            true => &[],
            false => &graph.out[id.index()],
        };
        let anchor = match self.shown.get(&id) {
            Some(a) => a.clone(),
            None if other_tree => String::new(),
            None => {
                let a = format!("t{}-{}", self.tree, self.shown.len());
                self.shown.insert(id, a.clone());
                a
            }
        };
        self.nodes.push(OutlineNode {
            title: page.title(),
            url: relative_url(self.from, &page.out),
            id: &page.path,
            when_html: when,
            outcome: outcome(page),
            repeat,
            other_tree,
            anchor,
            open: !children.is_empty(),
            close: 0,
        });
        for &e in children {
            let (w, _) = when_html(self.ctx, e);
            self.visit(graph.edges[e].to, w);
        }
        if !children.is_empty() {
            self.nodes.last_mut().expect("a child was added").close += 1;
        }
    }
}

/// The inline SVG flowchart of the tree of `entry`, with links relative to
/// output file `from`. Another tree's entry is drawn as a box but not expanded.
fn flowchart(ctx: &Ctx<'_>, from: &str, entry: PageId, prefix: &str) -> String {
    let content = &ctx.site.content;
    let graph = &ctx.site.graph;
    let (nodes, edges) = flowchart::tree(
        content,
        graph,
        entry,
        |page| relative_url(from, &page.out),
        // The text the pages show too, made once per edge.
        |e, _| when_html(ctx, e).1.to_string(),
    );
    let layout = flowchart::layout(&nodes, &edges, 0);
    let title = ctx.site.config.labels["flowchart_title"]
        .replace("{title}", &text_title(content.page(entry).title()));
    flowchart::svg_titled(&nodes, &edges, &layout, prefix, &title)
}

/// A title with its whitespace runs made single spaces (as the chart draws it).
fn text_title(title: &str) -> String {
    title.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The outline of the tree of entry number `i` (`e`), links relative to `from`.
fn tree_outline<'a>(ctx: &'a Ctx<'a>, from: &str, i: usize, e: PageId) -> Vec<OutlineNode<'a>> {
    let mut walk = OutlineWalk {
        ctx,
        from,
        tree: i,
        root: e,
        shown: BTreeMap::new(),
        nodes: Vec::new(),
    };
    walk.visit(e, "");
    walk.nodes
}

/// Tree number `i` (entry `e`) as seen from output file `from`; its chart and
/// outline only when `drawn`.
fn tree_view<'a>(ctx: &'a Ctx<'a>, from: &str, i: usize, e: PageId, drawn: bool) -> TreeView<'a> {
    let content = &ctx.site.content;
    let entry = content.page(e);
    let members = ctx.site.graph.tree(e);
    let outcome_count = members
        .iter()
        .filter(|&&p| content.page(p).meta.outcome.is_some())
        .count();
    TreeView {
        title: entry.title(),
        summary: entry.meta.summary.as_ref().map(|s| s.value.as_str()),
        url: relative_url(from, &entry.out),
        map_url: relative_url(from, &map_out(&entry.out)),
        id: &entry.path,
        anchor: format!(
            "tree-{}",
            markdown::Slugger::default().slug(&entry.path.replace(['/', '.'], "-"))
        ),
        page_count: members.len(),
        outcome_count,
        outline: drawn.then(|| tree_outline(ctx, from, i, e)),
        flowchart: if drawn {
            flowchart(ctx, from, e, &format!("fc{i}"))
        } else {
            String::new()
        },
    }
}

/// The map page of tree number `i` (entry `e`), written to `out`.
fn render_map(ctx: &Ctx<'_>, i: usize, e: PageId, out: &str) -> Result<String, Error> {
    let entry = ctx.site.content.page(e);
    let mut crumbs = breadcrumbs(ctx, out, entry.dir());
    crumbs.push(LinkView {
        title: entry.title(),
        url: relative_url(out, &entry.out),
    });
    let view = MapContext {
        site: ctx.site_view.clone(),
        root: root_prefix(out),
        breadcrumbs: crumbs,
        tree: tree_view(ctx, out, i, e, true),
    };
    let summary = entry.meta.summary.as_ref().map(|s| s.value.as_str());
    let meta = meta_view(ctx, out, entry.title(), summary);
    render_template(ctx, "map.html", &view, &meta)
}

/// The home page.
fn render_index(ctx: &Ctx<'_>) -> Result<String, Error> {
    let site = ctx.site;
    let content = &site.content;
    let graph = &site.graph;
    let tree_pages: usize = graph.entries.iter().map(|&e| graph.tree(e).len()).sum();
    let inline = tree_pages <= INLINE_CHART_PAGES;
    let trees: Vec<TreeView<'_>> = graph
        .entries
        .par_iter()
        .enumerate()
        .map(|(i, &e)| tree_view(ctx, "index.html", i, e, inline))
        .collect();
    let mut groups: Vec<TreeGroup<'_>> = Vec::new();
    let mut group_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (tree, &e) in trees.into_iter().zip(&graph.entries) {
        let dir = content.page(e).dir();
        match group_of.get(dir) {
            Some(&g) => groups[g].trees.push(tree),
            None => {
                group_of.insert(dir, groups.len());
                groups.push(TreeGroup {
                    title: section_title(ctx, dir),
                    path: dir,
                    url: relative_url("index.html", &section_out(dir)),
                    trees: vec![tree],
                });
            }
        }
    }
    groups.sort_by(|a, b| a.path.cmp(b.path));
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
            .map(|p| body_html(ctx, p).html)
            .unwrap_or_default(),
        title: intro_page
            .filter(|p| p.meta.title.is_some())
            .map_or(&site.config.title, |p| p.title()),
        groups,
        charts_inline: inline,
        reference,
        sections: subsections(ctx, "index.html", ""),
        stats: Stats {
            pages: content.pages.iter().filter(|p| !p.section_intro).count(),
            trees: graph.entries.len(),
            branches: graph.edges.len(),
        },
    };
    let meta = meta_view(ctx, "index.html", view.title, None);
    render_template(ctx, "index.html", &view, &meta)
}

/// `meta` of output file `out`: the description is `summary`, else the site's.
fn meta_view<'a>(
    ctx: &Ctx<'a>,
    out: &str,
    title: &'a str,
    summary: Option<&'a str>,
) -> MetaView<'a> {
    let cfg = &ctx.site.config;
    MetaView {
        title,
        description: summary.or(cfg.description.as_deref()),
        canonical: absolute_url(&cfg.base_url, out),
    }
}

/// How many files [`write_site_lists`] writes.
fn site_list_count(site: &Site) -> usize {
    let tags = tags_of(&site.content).len();
    1 + usize::from(tags > 0) * (tags + 1) + usize::from(!site.config.base_url.is_empty())
}

/// Writes the files that list the whole site, each as soon as it is made
/// (together, the tag pages of a large site hold megabytes): 404.html, the tag
/// pages and the tags index (when any page has tags), and sitemap.xml (with
/// `base_url`).
fn write_site_lists(ctx: &Ctx<'_>, sink: &dyn Sink) -> Result<(), Error> {
    let site = ctx.site;
    let content = &site.content;
    let write = |out: &str, text: String| sink.write(out, text.as_bytes()).map_err(io_err(out));
    let not_found = NotFoundContext {
        site: ctx.site_view.clone(),
        root: String::new(),
        trees: site
            .graph
            .entries
            .iter()
            .map(|&e| listed(NOT_FOUND, content.page(e)))
            .collect(),
    };
    let labels = &site.config.labels;
    let meta = MetaView {
        title: &labels["not_found_title"],
        description: site.config.description.as_deref(),
        canonical: None,
    };
    write(
        NOT_FOUND,
        render_template(ctx, NOT_FOUND, &not_found, &meta)?,
    )?;
    if !ctx.tags.is_empty() {
        let home = |from: &str| LinkView {
            title: &labels["home"],
            url: relative_url(from, "index.html"),
        };
        let tags = TagsContext {
            site: ctx.site_view.clone(),
            root: root_prefix(TAGS_INDEX),
            breadcrumbs: vec![home(TAGS_INDEX)],
            tags: ctx
                .tags
                .iter()
                .map(|(out, (title, pages))| TagView {
                    title,
                    url: relative_url(TAGS_INDEX, out),
                    count: pages.len(),
                })
                .collect(),
        };
        let meta = meta_view(ctx, TAGS_INDEX, &labels["all_tags"], None);
        write(TAGS_INDEX, render_template(ctx, "tags.html", &tags, &meta)?)?;
        ctx.tags.par_iter().try_for_each(|(out, (tag, pages))| {
            let view = TagContext {
                site: ctx.site_view.clone(),
                root: root_prefix(out),
                breadcrumbs: vec![
                    home(out),
                    LinkView {
                        title: &labels["all_tags"],
                        url: relative_url(out, TAGS_INDEX),
                    },
                ],
                tag,
                pages: pages
                    .iter()
                    .map(|&p| listed(out, content.page(p)))
                    .collect(),
            };
            let meta = meta_view(ctx, out, tag, None);
            write(out, render_template(ctx, "tag.html", &view, &meta)?)
        })?;
    }
    if !site.config.base_url.is_empty() {
        write(SITEMAP, sitemap(ctx))?;
    }
    Ok(())
}

/// sitemap.xml: the absolute URL of the home page, every section page, every
/// page, every tree's map page and every tag page, sorted.
fn sitemap(ctx: &Ctx<'_>) -> String {
    let content = &ctx.site.content;
    let mut outs: Vec<String> = content.sections.iter().map(|d| section_out(d)).collect();
    outs.extend(
        content
            .pages
            .iter()
            .filter(|p| !p.section_intro)
            .map(|p| p.out.clone()),
    );
    outs.extend(
        ctx.site
            .graph
            .entries
            .iter()
            .map(|&e| map_out(&content.page(e).out)),
    );
    if !ctx.tags.is_empty() {
        outs.push(TAGS_INDEX.to_string());
        outs.extend(ctx.tags.keys().cloned());
    }
    outs.sort();
    outs.dedup();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for out in outs {
        if let Some(url) = absolute_url(&ctx.site.config.base_url, &out) {
            xml.push_str("  <url><loc>");
            xml.push_str(&escape_html(&url));
            xml.push_str("</loc></url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    xml
}
