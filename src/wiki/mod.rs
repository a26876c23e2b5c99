//! wiki: `signpost export`, the knowledge base as pages of a wiki engine.
//!
//! Input: the options (site root, engine, output path, prefix or namespace).
//! Output: for MediaWiki, one XML dump (`importDump.php`, Special:Import) and a
//! folder of files beside it (`importImages.php`); for DokuWiki, a folder with
//! `pages/` and `media/` to copy into DokuWiki's `data/`. Bodies are converted
//! by [`convert`] into the wiki's markup; what the wiki cannot express becomes a
//! warning (SP601) at its file and line.
//!
//! Sits on top of the pipeline like `bundle`: it runs [`crate::analyze`], and
//! nothing below imports it. Page names follow content paths; every link,
//! anchor and image points at a name this module gives out, so that the wiki
//! has no missing pages.

pub mod convert;
pub mod dokuwiki;
pub mod mediawiki;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::content::{Page, PageId};
use crate::diag::{Code, Diagnostic};
use crate::error::Error;
use crate::flowchart;
use crate::links::{self, Target};
use crate::markdown;
use crate::output;
use crate::render::Sink;
use crate::site::{Analysis, Options, Site};
use crate::source::Span;
use convert::{Dest, Resolved, Syntax};

/// The wiki engine to export for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// MediaWiki: an XML dump and a folder of files.
    MediaWiki,
    /// DokuWiki: `pages/` and `media/` folders.
    DokuWiki,
}

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Site root, drafts and `deny_warnings` as for a build.
    pub site: Options,
    /// The engine.
    pub engine: Engine,
    /// MediaWiki: the XML file; DokuWiki: the folder that gets `pages/` and
    /// `media/`.
    pub output: PathBuf,
    /// MediaWiki: the page that holds the knowledge base (default `KB`);
    /// DokuWiki: the namespace (default `kb`).
    pub prefix: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// Wiki pages written.
    pub pages: usize,
    /// Files (images, attachments, flowcharts) written.
    pub files: usize,
    /// The paths written: the XML file and the files folder, or the folder.
    pub paths: Vec<PathBuf>,
}

/// One wiki page, before it is written.
#[derive(Debug, Clone)]
pub struct WikiPage {
    /// MediaWiki title or DokuWiki id.
    pub name: String,
    /// The page's markup.
    pub text: String,
}

/// A whole export in memory: pages in name order, files by their name in the
/// wiki (MediaWiki file name, DokuWiki media id).
#[derive(Debug, Default)]
pub struct Export {
    /// The pages.
    pub pages: Vec<WikiPage>,
    /// Files: wiki name → where the bytes come from.
    pub files: BTreeMap<String, FileSource>,
}

/// The bytes of an exported file.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// A file of the site, copied.
    Disk(PathBuf),
    /// Made by the export (a flowchart).
    Made(Vec<u8>),
}

/// Checks the site and, when it has no errors (and no warnings under
/// `deny_warnings`, the export's own included), writes it for the wiki.
///
/// # Errors
/// I/O errors, and an output path that cannot be written.
pub fn export(opts: &ExportOptions) -> Result<(Analysis, Option<Exported>), Error> {
    let mut analysis = crate::analyze(&opts.site)?;
    if analysis.diagnostics.has_errors() {
        return Ok((analysis, None));
    }
    let site = analysis.site.as_ref().expect("a site without errors");
    let (export, diags) = build(site, &analysis.sources, opts.engine, opts.prefix.as_deref());
    analysis.diagnostics.extend(diags);
    analysis.diagnostics.sort(&analysis.sources);
    if analysis.fails(opts.site.deny_warnings) {
        return Ok((analysis, None));
    }
    let written = write(&export, opts)?;
    Ok((analysis, Some(written)))
}

/// The default prefix (MediaWiki) or namespace (DokuWiki).
pub fn default_prefix(engine: Engine) -> &'static str {
    match engine {
        Engine::MediaWiki => "KB",
        Engine::DokuWiki => "kb",
    }
}

/// The folder of files beside a MediaWiki dump: `kb.xml` → `kb-files`.
pub fn files_dir(xml: &Path) -> PathBuf {
    let stem = xml
        .file_stem()
        .map_or_else(|| "export".into(), |s| s.to_string_lossy().into_owned());
    xml.with_file_name(format!("{stem}-files"))
}

fn write(export: &Export, opts: &ExportOptions) -> Result<Exported, Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let put = |sink: &dyn Sink, path: &str, src: &FileSource| match src {
        FileSource::Disk(p) => sink.copy(path, p),
        FileSource::Made(bytes) => sink.write(path, bytes),
    };
    match opts.engine {
        Engine::MediaWiki => {
            let dir = files_dir(&opts.output);
            output::write_atomic(&dir, |sink| {
                for (name, src) in &export.files {
                    put(sink, name, src).map_err(io(&dir.join(name)))?;
                }
                Ok(())
            })?;
            let pages: Vec<mediawiki::DumpPage> = export
                .pages
                .iter()
                .map(|p| mediawiki::DumpPage {
                    title: p.name.clone(),
                    text: p.text.clone(),
                })
                .collect();
            let xml = mediawiki::dump("signpost", &pages);
            let tmp = opts.output.with_extension("xml.tmp");
            std::fs::write(&tmp, xml).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &opts.output).map_err(io(&opts.output))?;
            Ok(Exported {
                pages: export.pages.len(),
                files: export.files.len(),
                paths: vec![opts.output.clone(), dir],
            })
        }
        Engine::DokuWiki => {
            output::write_atomic(&opts.output, |sink| {
                for p in &export.pages {
                    let path = format!("pages/{}.txt", p.name.replace(':', "/"));
                    sink.write(&path, p.text.as_bytes())
                        .map_err(io(&opts.output.join(&path)))?;
                }
                for (id, src) in &export.files {
                    let path = format!("media/{}", id.replace(':', "/"));
                    put(sink, &path, src).map_err(io(&opts.output.join(&path)))?;
                }
                Ok(())
            })?;
            Ok(Exported {
                pages: export.pages.len(),
                files: export.files.len(),
                paths: vec![opts.output.clone()],
            })
        }
    }
}

/// A text of the theme's label table (the site's language, `[labels]` over
/// it), as the HTML pages show it.
fn label<'a>(site: &'a Site, key: &str) -> &'a str {
    site.config.labels.get(key).map_or("", String::as_str)
}

/// The names every page, section, asset and flowchart gets in the wiki.
struct Names {
    /// Per page id: its wiki name (section intros: their section's page).
    pages: Vec<String>,
    /// Per folder ("" for the root): its section page.
    sections: BTreeMap<String, String>,
    /// Per asset path: its file name or media id.
    assets: BTreeMap<String, String>,
    /// Per entry page: the name of its flowchart file.
    charts: BTreeMap<PageId, String>,
}

impl Names {
    fn new(site: &Site, engine: Engine, prefix: &str, diags: &mut Vec<Diagnostic>) -> Names {
        let content = &site.content;
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        // Pages keep the names of their paths; a section page yields to a page
        // (DokuWiki's `ns:start`, then the page `ns` beside the namespace, as
        // DokuWiki looks for a namespace's start page).
        let mut pages = vec![String::new(); content.pages.len()];
        for page in content.pages.iter().filter(|p| !p.section_intro) {
            let stem = page.path.strip_suffix(".md").unwrap_or(&page.path);
            let wanted = page_name(engine, prefix, stem, false);
            let name = unique(&mut taken, wanted.clone(), &page.path);
            if name != wanted {
                diags.push(
                    Diagnostic::new(
                        Code::WikiExport,
                        page.anchor_span(),
                        format!(
                            "the wiki page `{wanted}` is taken by `{}`: this page is exported as `{name}`",
                            taken_by(&taken, &wanted)
                        ),
                    )
                    .help("rename one of the two files: the wiki folds case and punctuation in names"),
                );
            }
            pages[page.id.index()] = name;
        }
        let mut sections = BTreeMap::new();
        let mut dirs: Vec<&str> = vec![""];
        dirs.extend(
            content
                .sections
                .iter()
                .map(String::as_str)
                .filter(|d| !d.is_empty()),
        );
        for dir in dirs {
            let start = page_name(engine, prefix, dir, true);
            let name = if taken.contains_key(&fold(&start)) && engine == Engine::DokuWiki {
                unique(&mut taken, page_name(engine, prefix, dir, false), dir)
            } else {
                unique(&mut taken, start, dir)
            };
            sections.insert(dir.to_string(), name);
        }
        for page in content.pages.iter().filter(|p| p.section_intro) {
            pages[page.id.index()] = sections.get(page.dir()).cloned().unwrap_or_default();
        }
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let assets = content
            .assets
            .iter()
            .map(|a| {
                let name = file_name(engine, prefix, &a.path);
                (a.path.clone(), unique(&mut files, name, &a.path))
            })
            .collect();
        let charts = site
            .graph
            .entries
            .iter()
            .map(|&e| {
                let stem = content.page(e).path.trim_end_matches(".md");
                let name = file_name(engine, prefix, &format!("{stem}.flowchart.svg"));
                (e, unique(&mut files, name, stem))
            })
            .collect();
        Names {
            pages,
            sections,
            assets,
            charts,
        }
    }
}

fn taken_by<'a>(taken: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    taken
        .get(&fold(name))
        .map_or("another file", String::as_str)
}

/// Names that the wiki takes for the same page (MediaWiki folds `_` into space
/// and capitalizes the first letter; DokuWiki ids are already folded).
fn fold(name: &str) -> String {
    name.replace('_', " ").to_lowercase()
}

/// `name`, or `name-2`, `name-3`… when a name that folds the same is taken.
fn unique(taken: &mut BTreeMap<String, String>, name: String, origin: &str) -> String {
    use std::collections::btree_map::Entry;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !e.contains(['/', ':']) && !s.is_empty() => {
            (s.to_string(), format!(".{e}"))
        }
        _ => (name.clone(), String::new()),
    };
    let mut candidate = name;
    let mut i = 1;
    loop {
        if let Entry::Vacant(slot) = taken.entry(fold(&candidate)) {
            slot.insert(origin.to_string());
            return candidate;
        }
        i += 1;
        candidate = format!("{stem}-{i}{ext}");
    }
}

/// The wiki name of the page for content path `stem` (no `.md`), or of the
/// section page of folder `stem` ("" for the index).
fn page_name(engine: Engine, prefix: &str, stem: &str, section: bool) -> String {
    let parts = stem.split('/').filter(|p| !p.is_empty());
    match engine {
        Engine::MediaWiki => {
            let mut name = mediawiki::title_part(prefix);
            for p in parts {
                name.push('/');
                name.push_str(&mediawiki::title_part(p));
            }
            name
        }
        Engine::DokuWiki => {
            let mut ids: Vec<String> = vec![dokuwiki::id_part(prefix)];
            ids.extend(parts.map(dokuwiki::id_part));
            if section {
                ids.push("start".to_string());
            }
            ids.join(":")
        }
    }
}

fn file_name(engine: Engine, prefix: &str, path: &str) -> String {
    match engine {
        Engine::MediaWiki => mediawiki::file_name(prefix, path),
        Engine::DokuWiki => std::iter::once(prefix)
            .chain(path.split('/'))
            .map(dokuwiki::id_part)
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// Per page: the wiki anchor of each heading, by its GitHub-style anchor.
type AnchorMap = BTreeMap<String, String>;

fn anchors(
    syntax: &dyn Syntax,
    engine: Engine,
    sources: &crate::source::SourceMap,
    page: &Page,
    title: Option<&str>,
) -> AnchorMap {
    let mut github = markdown::Slugger::default();
    let mut mw = mediawiki::Anchors::default();
    let mut dw = dokuwiki::Anchors::default();
    let mut next = |text: &str| match engine {
        Engine::MediaWiki => mw.next(text),
        Engine::DokuWiki => dw.next(text),
    };
    if let Some(t) = title {
        next(t);
    }
    let mut map = AnchorMap::new();
    let mut heading: Option<String> = None;
    // Where the converter writes a heading as bold text, the wiki makes no
    // anchor; links to it then go to the top of the page (with a warning).
    let (mut lists, mut quotes, mut footnote) = (0, 0, false);
    let (text, body) = page.source(sources);
    for event in Parser::new_ext(&text[body], markdown::options()) {
        match event {
            Event::Start(Tag::List(_)) => lists += 1,
            Event::End(TagEnd::List(_)) => lists -= 1,
            Event::Start(Tag::BlockQuote(_)) => quotes += 1,
            Event::End(TagEnd::BlockQuote(_)) => quotes -= 1,
            Event::Start(Tag::FootnoteDefinition(_)) => footnote = true,
            Event::End(TagEnd::FootnoteDefinition) => footnote = false,
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    let slug = github.slug(&h);
                    if convert::heading_allowed(syntax, lists, quotes, footnote) {
                        map.insert(slug, next(h.trim()));
                    }
                }
            }
            _ => {}
        }
    }
    map
}

/// The title heading a page gets unless its body starts with a level-1 heading.
fn own_title<'a>(site: &'a Site, page: &'a Page) -> Option<&'a str> {
    (!site.scans[page.id.index()].starts_with_h1).then(|| page.title())
}

struct Exporter<'a> {
    site: &'a Site,
    sources: &'a crate::source::SourceMap,
    names: Names,
    anchors: Vec<AnchorMap>,
    syntax: &'a dyn Syntax,
}

/// Converts the whole site; returns the export and its warnings.
pub fn build(
    site: &Site,
    sources: &crate::source::SourceMap,
    engine: Engine,
    prefix: Option<&str>,
) -> (Export, Vec<Diagnostic>) {
    let prefix = prefix.unwrap_or_else(|| default_prefix(engine));
    let mut diags = Vec::new();
    let names = Names::new(site, engine, prefix, &mut diags);
    let syntax: &dyn Syntax = match engine {
        Engine::MediaWiki => &mediawiki::MediaWiki,
        Engine::DokuWiki => &dokuwiki::DokuWiki,
    };
    let anchors = site
        .content
        .pages
        .iter()
        .map(|p| {
            let title = if p.section_intro {
                Some(section_title(site, p.dir()))
            } else {
                own_title(site, p)
            };
            anchors(syntax, engine, sources, p, title)
        })
        .collect();
    let ex = Exporter {
        site,
        sources,
        names,
        anchors,
        syntax,
    };
    let mut export = Export::default();
    for page in site.content.pages.iter().filter(|p| !p.section_intro) {
        let text = ex.page(page, &mut diags);
        export.pages.push(WikiPage {
            name: ex.names.pages[page.id.index()].clone(),
            text,
        });
    }
    for (dir, name) in &ex.names.sections {
        let text = if dir.is_empty() {
            ex.index(&mut diags)
        } else {
            ex.section(dir, &mut diags)
        };
        export.pages.push(WikiPage {
            name: name.clone(),
            text,
        });
    }
    export.pages.sort_by(|a, b| a.name.cmp(&b.name));
    for asset in &site.content.assets {
        export.files.insert(
            ex.names.assets[&asset.path].clone(),
            FileSource::Disk(asset.source.clone()),
        );
    }
    for (&entry, name) in &ex.names.charts {
        export
            .files
            .insert(name.clone(), FileSource::Made(ex.chart(entry).into_bytes()));
    }
    crate::include::map_back(&site.content, &mut diags);
    (export, diags)
}

fn section_title<'a>(site: &'a Site, dir: &'a str) -> &'a str {
    if dir.is_empty() {
        return site
            .content
            .section_intro("")
            .filter(|p| p.meta.title.is_some())
            .map_or(&site.config.title, |p| p.title());
    }
    site.content
        .section_intro(dir)
        .filter(|p| p.meta.title.is_some())
        .map(|p| p.title())
        .or_else(|| site.folder_titles.get(dir).map(String::as_str))
        .unwrap_or(dir)
}

impl Exporter<'_> {
    /// Where `dest`, written on `page`, leads in the wiki.
    fn resolve(&self, page: &Page, dest: &str) -> Resolved {
        let content = &self.site.content;
        let anchor = |id: Option<PageId>,
                      frag: Option<String>|
         -> (Option<String>, Option<String>) {
            let Some(frag) = frag.filter(|f| !f.is_empty()) else {
                return (None, None);
            };
            match id.and_then(|id| self.anchors[id.index()].get(&frag)) {
                Some(a) => (Some(a.clone()), None),
                None => (
                    None,
                    Some(format!(
                        "`#{frag}` is not a heading, and the wiki makes anchors only for headings: the link goes to the top of the page"
                    )),
                ),
            }
        };
        match links::classify(content, page.dir(), dest) {
            Target::External => {
                let url = if dest.starts_with("//") {
                    format!("https:{dest}")
                } else {
                    dest.trim().to_string()
                };
                (Dest::External(url), None)
            }
            Target::SamePage(frag) => {
                let (a, w) = anchor(Some(page.id), Some(frag));
                match a {
                    Some(a) => (Dest::Anchor(a), None),
                    None => (
                        Dest::Page {
                            name: self.names.pages[page.id.index()].clone(),
                            anchor: None,
                        },
                        w,
                    ),
                }
            }
            Target::Page(id, frag) => {
                let (a, w) = anchor(Some(id), frag);
                (
                    Dest::Page {
                        name: self.names.pages[id.index()].clone(),
                        anchor: a,
                    },
                    w,
                )
            }
            Target::Section(dir, frag) => {
                let intro = content.section_intro(&dir).map(|p| p.id);
                let (a, w) = anchor(intro, frag);
                (
                    Dest::Page {
                        name: self.names.sections.get(&dir).cloned().unwrap_or_default(),
                        anchor: a,
                    },
                    w,
                )
            }
            Target::Asset(path) => (Dest::File(self.names.assets[&path].clone()), None),
            Target::MissingFile(path) => (
                Dest::Unsupported(format!(
                    "`{path}` is not under content/, so it is not exported: the link is shown as text"
                )),
                None,
            ),
            Target::MissingPage(p) | Target::Draft(p) => (
                Dest::Unsupported(format!("`{p}` is not exported: the link is shown as text")),
                None,
            ),
            Target::OutsideRoot => (
                Dest::Unsupported("the link leaves content/: it is shown as text".into()),
                None,
            ),
        }
    }

    fn body(&self, page: &Page, diags: &mut Vec<Diagnostic>) -> String {
        // With its includes expanded; the notes' spans point into the
        // expanded text until `include::map_back` (in `build`).
        let (text, body) = page.source(self.sources);
        let resolve = |dest: &str| self.resolve(page, dest);
        let converted = convert::convert(text, body, self.syntax, &resolve);
        for note in converted.notes {
            diags.push(
                Diagnostic::new(
                    Code::WikiExport,
                    Span::new(page.file, note.range),
                    note.message,
                )
                .label("not carried over as written"),
            );
        }
        converted.markup
    }

    /// Plain text as the text of a link.
    fn link_text(&self, text: &str) -> String {
        if self.syntax.plain_link_text() {
            text.to_string()
        } else {
            self.syntax.text(text)
        }
    }

    fn page_link(&self, id: PageId, text: &str) -> String {
        self.link_to(self.names.pages[id.index()].clone(), None, text)
    }

    fn link_to(&self, name: String, anchor: Option<String>, text: &str) -> String {
        self.syntax
            .link(&Dest::Page { name, anchor }, text)
            .expect("every wiki links to its pages")
    }

    fn when(&self, edge: usize) -> String {
        match &self.site.graph.edges[edge].when {
            Some(w) => {
                if self.syntax.plain_link_text() {
                    markdown::inline_text(w)
                } else {
                    convert::inline(w, self.syntax)
                }
            }
            None => self.link_text(label(self.site, "next_step")),
        }
    }

    fn page(&self, page: &Page, diags: &mut Vec<Diagnostic>) -> String {
        let site = self.site;
        let graph = &site.graph;
        let s = self.syntax;
        let mut out = String::new();
        if let Some(title) = own_title(site, page) {
            out.push_str(&s.heading(1, &s.text(title), title));
            out.push_str("\n\n");
        }
        if let Some(summary) = &page.meta.summary {
            let (o, c) = s.marks(convert::Mark::Emphasis);
            out.push_str(&format!("{o}{}{c}\n\n", s.text(&summary.value)));
        }
        let body = self.body(page, diags);
        if !body.is_empty() {
            out.push_str(&body);
            out.push('\n');
        }
        if let Some(o) = &page.meta.outcome {
            let kind = o.value.as_str();
            let name = label(site, &format!("outcome_{kind}"));
            let text = label(site, &format!("outcome_{kind}_text"));
            let (b, e) = s.marks(convert::Mark::Strong);
            out.push_str(&format!("{b}{}.{e} {}\n\n", s.text(name), s.text(text)));
            // The site's text for this outcome, or the page's own contact.
            let told = page
                .meta
                .contact
                .as_deref()
                .or_else(|| site.config.outcomes.get(kind));
            if let Some(md) = told {
                let external = |dest: &str| (Dest::External(dest.to_string()), None);
                out.push_str(&convert::convert(md, 0..md.len(), s, &external).markup);
                out.push('\n');
            }
        }
        let out_edges = &graph.out[page.id.index()];
        if !out_edges.is_empty() {
            let q = match &page.meta.question {
                Some(q) => q.value.as_str(),
                None if out_edges.len() > 1 => label(site, "choices_many"),
                None => label(site, "choices_one"),
            };
            out.push_str(&s.heading(2, &s.text(q), q));
            out.push('\n');
            for &e in out_edges {
                let edge = &graph.edges[e];
                let anchor = edge
                    .fragment
                    .as_ref()
                    .and_then(|f| self.anchors[edge.to.index()].get(f).cloned());
                if edge.fragment.is_some() && anchor.is_none() {
                    diags.push(Diagnostic::new(
                        Code::WikiExport,
                        edge.span.clone(),
                        "the wiki makes anchors only for headings: this branch goes to the top of the page",
                    ));
                }
                let target = site.content.page(edge.to);
                let link = self.link_to(
                    self.names.pages[edge.to.index()].clone(),
                    anchor,
                    &self.when(e),
                );
                out.push_str(&s.item_prefix(&[false]));
                out.push_str(&link);
                out.push_str(&s.text(&format!(" → {}", target.title())));
                out.push('\n');
            }
            out.push('\n');
        }
        let parents = &graph.inc[page.id.index()];
        if !parents.is_empty() {
            let got_here = label(site, "how_you_got_here");
            out.push_str(&s.heading(2, &s.text(got_here), got_here));
            out.push('\n');
            for &e in parents {
                let edge = &graph.edges[e];
                let from = site.content.page(edge.from);
                out.push_str(&s.item_prefix(&[false]));
                out.push_str(&self.page_link(edge.from, &self.link_text(from.title())));
                out.push_str(": ");
                let when = match &edge.when {
                    Some(w) => convert::inline(w, s),
                    None => s.text(label(site, "next_step")),
                };
                out.push_str(&when);
                out.push('\n');
            }
            out.push('\n');
        }
        finish(out)
    }

    fn section(&self, dir: &str, diags: &mut Vec<Diagnostic>) -> String {
        let site = self.site;
        let s = self.syntax;
        let title = section_title(site, dir);
        let mut out = s.heading(1, &s.text(title), title);
        out.push_str("\n\n");
        if let Some(intro) = site.content.section_intro(dir) {
            let body = self.body(intro, diags);
            if !body.is_empty() {
                out.push_str(&body);
                out.push('\n');
            }
        }
        let pages: Vec<&Page> = site
            .content
            .pages
            .iter()
            .filter(|p| !p.section_intro && p.dir() == dir)
            .collect();
        for p in pages {
            out.push_str(&s.item_prefix(&[false]));
            out.push_str(&self.page_link(p.id, &self.link_text(p.title())));
            out.push('\n');
        }
        let subs: Vec<&String> = self
            .names
            .sections
            .keys()
            .filter(|d| !d.is_empty() && crate::content::parent_dir(d) == dir)
            .collect();
        for d in subs {
            out.push_str(&s.item_prefix(&[false]));
            out.push_str(&self.link_to(
                self.names.sections[d.as_str()].clone(),
                None,
                &self.link_text(section_title(site, d)),
            ));
            out.push('\n');
        }
        finish(out)
    }

    /// The index: every tree, grouped by folder, with its flowchart and its
    /// outline; then the reference pages.
    fn index(&self, diags: &mut Vec<Diagnostic>) -> String {
        let site = self.site;
        let content = &site.content;
        let graph = &site.graph;
        let s = self.syntax;
        let title = section_title(site, "");
        let mut out = s.heading(1, &s.text(title), title);
        out.push_str("\n\n");
        match content.section_intro("") {
            Some(intro) => {
                let body = self.body(intro, diags);
                if !body.is_empty() {
                    out.push_str(&body);
                    out.push('\n');
                }
            }
            None => {
                if let Some(d) = &site.config.description {
                    out.push_str(&s.text(d));
                    out.push_str("\n\n");
                }
            }
        }
        let mut groups: BTreeMap<&str, Vec<PageId>> = BTreeMap::new();
        for &e in &graph.entries {
            groups.entry(content.page(e).dir()).or_default().push(e);
        }
        for (dir, entries) in groups {
            let gtitle = section_title(site, dir);
            out.push_str(&s.heading(2, &s.text(gtitle), gtitle));
            out.push_str("\n\n");
            for e in entries {
                let entry = content.page(e);
                out.push_str(&s.heading(3, &s.text(entry.title()), entry.title()));
                out.push_str("\n\n");
                if let Some(summary) = &entry.meta.summary {
                    out.push_str(&s.text(&summary.value));
                    out.push_str("\n\n");
                }
                let chart = Dest::File(self.names.charts[&e].clone());
                let alt = format!("Flowchart of {}", entry.title());
                out.push_str(&s.image(&chart, &alt).expect("a file is an image"));
                out.push_str("\n\n");
                let mut shown = BTreeSet::new();
                self.outline(e, e, None, 1, &mut shown, &mut out);
                out.push('\n');
            }
        }
        let reference: Vec<&Page> = content
            .pages
            .iter()
            .filter(|p| !p.section_intro && !graph.is_reachable(p.id))
            .collect();
        if !reference.is_empty() {
            let heading = label(site, "reference");
            out.push_str(&s.heading(2, &s.text(heading), heading));
            out.push_str("\n\n");
            for p in reference {
                out.push_str(&s.item_prefix(&[false]));
                out.push_str(&self.page_link(p.id, &self.link_text(p.title())));
                out.push('\n');
            }
        }
        finish(out)
    }

    /// One line of a tree's outline and, the first time a page is shown, its
    /// branches below it.
    fn outline(
        &self,
        root: PageId,
        id: PageId,
        edge: Option<usize>,
        depth: usize,
        shown: &mut BTreeSet<PageId>,
        out: &mut String,
    ) {
        let graph = &self.site.graph;
        let s = self.syntax;
        let page = self.site.content.page(id);
        out.push_str(&s.item_prefix(&vec![false; depth]));
        if let Some(e) = edge {
            out.push_str(&self.when(e));
            out.push_str(&s.text(" → "));
        }
        out.push_str(&self.page_link(id, &self.link_text(page.title())));
        let other_tree = id != root && graph.is_entry(id);
        let repeat = !shown.insert(id);
        if other_tree {
            out.push_str(&s.text(" (a tree of its own)"));
        } else if repeat {
            out.push_str(&s.text(" (shown above)"));
        } else if let Some(o) = &page.meta.outcome {
            let name = label(self.site, &format!("outcome_{}", o.value.as_str()));
            out.push_str(&s.text(&format!(" ({name})")));
        }
        out.push('\n');
        if other_tree || repeat {
            return;
        }
        for &e in &graph.out[id.index()] {
            self.outline(root, graph.edges[e].to, Some(e), depth + 1, shown, out);
        }
    }

    /// The flowchart of the tree of `entry`, as a standalone SVG file.
    fn chart(&self, entry: PageId) -> String {
        let (nodes, edges) = flowchart::tree(
            &self.site.content,
            &self.site.graph,
            entry,
            |_| String::new(),
            |_, when| markdown::inline_text(when),
        );
        let layout = flowchart::layout(&nodes, &edges, 0);
        let mut svg = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.push_str(&flowchart::svg(&nodes, &edges, &layout, "fc"));
        svg
    }
}

/// Trailing blank lines trimmed; one final newline.
fn finish(mut s: String) -> String {
    let n = s.trim_end().len();
    s.truncate(n);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
