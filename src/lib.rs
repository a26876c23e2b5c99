//! signpost compiles a folder of Markdown *procedure pages*, whose TOML front
//! matter says where the reader goes next, into a static, cross-linked HTML
//! knowledge base whose home page is an index of the decision trees.
//!
//! The pipeline is a chain of stages, each borrowing the previous stage's value:
//!
//! ```text
//! site.toml ─ config::parse ─▶ SiteConfig
//! content/  ─ content::load (per page in parallel: read, front matter, scan of
//!             the body with markdown::scan) ─▶ Content + links, anchors
//!           ─ graph::resolve ─▶ Graph ─ graph::validate ─▶ diagnostics
//!           ─ check_links, backlinks
//! Site (frozen) ─ render::render ─▶ Sink ─ output::write_atomic ─▶ public/
//! ```
//!
//! With [`Options::lean`] (build, check, bundle) a page's text is dropped once
//! it is scanned and read again to render it, so memory stays at a few KiB a
//! page; see [`source::SourceMap::load_text`]. A full build renders each body
//! while loading it instead of scanning it, and sets the HTML aside on disk until
//! the page is written; see [`spill`].
//!
//! ```no_run
//! let opts = signpost::Options::new(".");
//! let (analysis, stats) = signpost::build(&opts).expect("I/O error");
//! print!("{}", analysis.diagnostics.render(&analysis.sources, signpost::diag::Format::Human, false));
//! assert!(stats.is_some(), "content errors");
//! ```
//!
//! The library never prints and never exits; the binary does both.

pub mod bundle;
pub mod config;
pub mod content;
pub mod diag;
pub mod diff;
pub mod export;
pub mod flowchart;
pub mod graph;
pub mod init;
pub mod links;
pub mod markdown;
pub mod output;
pub mod render;
pub mod search;
pub mod serve;
pub mod source;
pub mod spill;
mod swar;
mod tomlx;

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::SiteConfig;
use crate::content::{Content, PageId};
use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::graph::Graph;
use crate::links::{Target, classify, split_fragment};
use crate::markdown::Processed;
use crate::source::{SourceMap, Span};

/// Environment failures (not content problems): exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No `site.toml` in the root.
    #[error("no site.toml in {}: run `signpost init DIR` to create a site, or pass --root", .0.display())]
    NoSite(PathBuf),
    /// The theme is missing.
    #[error("{0}")]
    Theme(String),
    /// A template failed to parse or render.
    #[error("template error: {0}")]
    Template(String),
    /// The output folder is unsafe to replace.
    #[error("refusing output folder {}: {reason}", path.display())]
    Output {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A bundle's target file cannot be written (`bundle`).
    #[error("refusing to write the {kind} {}: {reason}", path.display())]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What it would be: "zip file" or "HTML file".
        kind: &'static str,
        /// Why.
        reason: String,
    },
    /// `init` target already holds a site.
    #[error("{0}")]
    Init(String),
    /// git failed or a revision does not exist (`diff`, `check --changed-since`).
    #[error("git: {0}")]
    Git(String),
}

/// What to build and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Site root (the folder with `site.toml`).
    pub root: PathBuf,
    /// Output folder overriding `output_dir` (relative paths are taken as given,
    /// i.e. relative to the current directory).
    pub output: Option<PathBuf>,
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
    /// Keep memory low on large sites: drop each page's text once it is checked
    /// and read it again to render it (see [`source::SourceMap::load_text`]).
    /// `build` and `check` set it; `serve` and `diff` keep every text.
    pub lean: bool,
}

impl Options {
    /// Default options for the site at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            output: None,
            drafts: false,
            deny_warnings: false,
            lean: false,
        }
    }
}

/// The frozen model of a site that passed loading: input to rendering.
#[derive(Debug)]
pub struct Site {
    /// Site root.
    pub root: PathBuf,
    /// Configuration.
    pub config: SiteConfig,
    /// Pages and assets.
    pub content: Content,
    /// Decision graph.
    pub graph: Graph,
    /// Per page: links, anchors and text found in its body.
    pub scans: Vec<Processed>,
    /// Per page: pages whose body links to it (sorted, without itself).
    pub backlinks: Vec<Vec<PageId>>,
    /// Display names of folders without an `_index.md` title ("vpn-access" →
    /// "Vpn access").
    pub folder_titles: BTreeMap<String, String>,
    /// The bodies a full build rendered while loading (see [`spill`]).
    pub spill: Option<spill::Spill>,
}

/// "vpn-access" → "Vpn access": a readable name for a folder without a title.
pub fn folder_title(dir: &str) -> String {
    let name = dir
        .rsplit('/')
        .next()
        .unwrap_or(dir)
        .replace(['-', '_'], " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

/// The result of reading and checking a site.
#[derive(Debug)]
pub struct Analysis {
    /// Every file read (for rendering diagnostics).
    pub sources: SourceMap,
    /// Every problem found, sorted.
    pub diagnostics: Diagnostics,
    /// The site, unless site.toml itself was broken.
    pub site: Option<Site>,
}

impl Analysis {
    /// True when the content must not be published: errors, or warnings when
    /// `deny_warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.diagnostics.has_errors() || (deny_warnings && !self.diagnostics.is_empty())
    }
}

/// Reads, parses and checks the site; renders nothing.
///
/// # Errors
/// [`Error::NoSite`] or [`Error::Io`] when the site cannot be read.
pub fn analyze(opts: &Options) -> Result<Analysis, Error> {
    analyze_disk(opts, opts.lean, false)
}

/// [`analyze`] for a full build: lean, and each body rendered as it is loaded.
fn analyze_for_build(opts: &Options) -> Result<Analysis, Error> {
    analyze_disk(opts, true, true)
}

fn analyze_disk(opts: &Options, lean: bool, prerender: bool) -> Result<Analysis, Error> {
    let root = &opts.root;
    let config_path = root.join("site.toml");
    let text = match std::fs::read(&config_path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoSite(root.clone()));
        }
        Err(source) => {
            return Err(Error::Io {
                path: config_path,
                source,
            });
        }
    };
    analyze_with(root, &text, opts.drafts, lean, prerender, |config| {
        content::read_dir(&root.join(&config.content_dir))
    })
}

/// Checks a site held in memory, e.g. one read from a git revision: `site_toml`
/// is the text of `site.toml`, `files` are `(path, bytes)` with paths relative to
/// the site root (`content/a/b.md`, `/` separators). Files outside the content
/// folder, and names starting with `.` (as on disk), are ignored; non-Markdown
/// files may have empty bytes. `root` is only recorded in [`Site::root`].
pub fn analyze_files(
    root: &Path,
    site_toml: &str,
    files: Vec<(String, Vec<u8>)>,
    drafts: bool,
) -> Analysis {
    analyze_with(root, site_toml, drafts, false, false, |config| {
        let dir = config.content_dir.trim_start_matches("./");
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        Ok(files
            .into_iter()
            .filter_map(|(path, bytes)| {
                let rel = path.strip_prefix(&prefix)?;
                if rel.split('/').any(|c| c.starts_with('.') || c.is_empty()) {
                    return None;
                }
                Some(content::ContentFile {
                    path: rel.to_string(),
                    bytes,
                    disk: None,
                    folder: None,
                })
            })
            .collect())
    })
    .expect("reading from memory cannot fail")
}

/// The stages after reading: config → content → graph → checks. `read` lists the
/// content files once the configuration says where they are. With `prerender`
/// (a full build), bodies are rendered while they are loaded and set aside in a
/// [`spill::Spill`].
fn analyze_with(
    root: &Path,
    site_toml: &str,
    drafts: bool,
    lean: bool,
    prerender: bool,
    read: impl FnOnce(&SiteConfig) -> Result<Vec<content::ContentFile>, Error>,
) -> Result<Analysis, Error> {
    let mut sources = SourceMap::new();
    let text = site_toml.trim_start_matches('\u{feff}').to_string();
    let config_file = sources.add("site.toml".into(), text);
    let mut diagnostics = Diagnostics::new();
    let mut config = match config::parse(config_file, &sources.get(config_file).text) {
        Ok(c) => c,
        Err(ds) => {
            diagnostics.extend(ds);
            diagnostics.sort(&sources);
            return Ok(Analysis {
                sources,
                diagnostics,
                site: None,
            });
        }
    };
    if render::theme::has_own_highlight_css(root, &config.theme) {
        config.markdown.highlight_classes = markdown::HighlightClasses::Scopes;
    }
    let mut diags = Vec::new();
    let content_name = config.content_dir.trim_end_matches('/').to_string();
    // The highlighting grammars load while the files are listed (the first
    // body to highlight would otherwise load them while the others wait).
    if prerender && config.markdown.highlight {
        rayon::spawn(markdown::warm_up);
    }
    let files = read(&config)?;
    // Without a scratch file (none can be created), bodies are rendered later.
    let spill = prerender.then(|| spill::Spill::new().ok()).flatten();
    let render_body = |prelim: &Content, rel: &str, text: &str, body, intro| {
        let spill = spill
            .as_ref()
            .expect("bodies are rendered only with a spill");
        let out = content::out_path(rel);
        let dir = content::parent_dir(rel);
        let rewrite = |dest: &str| links::rewrite(prelim, dir, &out, dest);
        let (mut p, text) = render::page_body(&config, text, body, intro, &rewrite, true);
        // A page that cannot be set aside is rendered again later.
        p.spilled = spill.put(&p.html, &text).ok();
        p.html = String::new();
        p
    };
    let render_body: Option<content::RenderBody<'_>> = spill
        .as_ref()
        .map(|_| &render_body as content::RenderBody<'_>);
    let (content, scans) = content::load(
        files,
        &content_name,
        drafts,
        lean,
        render_body,
        &mut sources,
        &mut diags,
    )?;
    // Independent whole-site checks, side by side; their diagnostics are
    // kept in this order: the graph's targets, its shape, links, collisions.
    // Output paths do not depend on the graph, so their collisions are
    // checked while it is built (mostly one thread's work).
    let ((graph, mut resolved), mut collisions) = rayon::join(
        || {
            let mut d = Vec::new();
            (graph::resolve(&content, &mut d), d)
        },
        || {
            let mut d = Vec::new();
            check_collisions(&content, &mut sources, &mut d);
            d
        },
    );
    diags.append(&mut resolved);
    let (mut shape, (backlinks, mut links)) = rayon::join(
        || {
            let mut d = Vec::new();
            graph::validate(&content, &graph, &mut d);
            d
        },
        || {
            let mut d = Vec::new();
            (check_links(&content, &graph, &scans, &mut d), d)
        },
    );
    diags.append(&mut shape);
    diags.append(&mut links);
    diags.append(&mut collisions);
    let folder_titles = content
        .sections
        .iter()
        .map(|d| (d.clone(), folder_title(d)))
        .collect();
    // Diagnostics show the lines they point at: read those files back in.
    sources.restore(
        diags
            .iter()
            .flat_map(|d| std::iter::once(d.span.file).chain(d.related.iter().map(|r| r.0.file))),
    );
    diagnostics.extend(diags);
    diagnostics.sort(&sources);
    Ok(Analysis {
        sources,
        diagnostics,
        site: Some(Site {
            root: root.to_path_buf(),
            config,
            content,
            graph,
            scans,
            backlinks,
            folder_titles,
            spill,
        }),
    })
}

/// Counts and timings of a finished build.
#[derive(Debug, Clone)]
pub struct BuildStats {
    /// What was rendered.
    pub render: render::RenderStats,
    /// Where it was written.
    pub output: PathBuf,
}

/// Checks the site and, when it has no errors, renders it and swaps it into the
/// output folder atomically.
///
/// Returns the analysis and, when the site was written, the stats. A site with
/// errors (or warnings under `deny_warnings`) leaves the output untouched.
///
/// # Errors
/// I/O, theme, template and unsafe-output failures.
pub fn build(opts: &Options) -> Result<(Analysis, Option<BuildStats>), Error> {
    build_with_progress(opts, &|_, _| {})
}

/// Like [`build`], calling `progress(written, total)` as output files are
/// written (from several threads; for a progress bar on a terminal).
///
/// # Errors
/// As [`build`].
pub fn build_with_progress(
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Analysis, Option<BuildStats>), Error> {
    let analysis = analyze_for_build(opts)?;
    if analysis.fails(opts.deny_warnings) {
        return Ok((analysis, None));
    }
    let site = analysis
        .site
        .as_ref()
        .expect("a site without errors was loaded");
    let out = match &opts.output {
        Some(o) => o.clone(),
        None => site.root.join(&site.config.output_dir),
    };
    let out =
        output::check_output_dir(&site.root, &site.root.join(&site.config.content_dir), &out)?;
    let theme = render::Theme::load(&site.root, &site.config.theme)?;
    let total = render::file_count(site, &theme);
    let stats = output::write_atomic(&out, |sink| {
        let counting = Counting {
            inner: sink,
            done: std::sync::atomic::AtomicUsize::new(0),
            total,
            progress,
        };
        render::render_once(site, &analysis.sources, &theme, &counting)
    })?;
    Ok((
        analysis,
        Some(BuildStats {
            render: stats,
            output: out,
        }),
    ))
}

/// A sink that reports each file written, then passes it on.
struct Counting<'a> {
    inner: &'a dyn render::Sink,
    done: std::sync::atomic::AtomicUsize,
    total: usize,
    progress: &'a (dyn Fn(usize, usize) + Sync),
}

impl Counting<'_> {
    fn tick(&self) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        (self.progress)(n, self.total);
    }
}

impl render::Sink for Counting<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write(path, bytes)?;
        self.tick();
        Ok(())
    }

    fn write_parts(&self, path: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        self.inner.write_parts(path, parts)?;
        self.tick();
        Ok(())
    }

    fn copy(&self, path: &str, source: &Path) -> std::io::Result<()> {
        self.inner.copy(path, source)?;
        self.tick();
        Ok(())
    }

    fn write_with(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.inner.write_with(path, fill)?;
        self.tick();
        Ok(())
    }
}

/// Renders the site into memory (for `serve` and tests).
///
/// # Errors
/// Theme and template failures.
pub fn render_to_memory(
    site: &Site,
    sources: &SourceMap,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    render_to_memory_with(site, sources, false)
}

/// For tests: [`render_to_memory`] with every template rendered by Tera, also
/// the built-in ones that normally render with native code
/// ([`render::Theme::force_tera`]). The output is the same.
///
/// # Errors
/// As [`render_to_memory`].
pub fn render_to_memory_tera(
    site: &Site,
    sources: &SourceMap,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    render_to_memory_with(site, sources, true)
}

fn render_to_memory_with(
    site: &Site,
    sources: &SourceMap,
    force_tera: bool,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut theme = render::Theme::load(&site.root, &site.config.theme)?;
    theme.force_tera = force_tera;
    let sink = render::MemorySink::new();
    render::render(site, sources, &theme, &sink)?;
    Ok(sink.into_files())
}

/// Checks a loaded site again after the pages `changed` were re-read in place
/// (their source text, `meta`, `body`, `head` and `broken` replaced, with no page
/// added, removed or renamed): re-scans only those pages, then re-runs the
/// whole-site checks, which need no I/O. `diags` holds the front-matter
/// diagnostics of the changed pages. This is `serve`'s incremental rebuild.
///
/// Precondition: `site` came from an analysis without errors. Reading files and
/// front matter reports only errors, so the unchanged pages contribute none, and
/// the result is then the same as a full [`analyze`].
pub fn reanalyze(
    mut site: Site,
    mut sources: SourceMap,
    changed: &[PageId],
    mut diags: Vec<Diagnostic>,
) -> Analysis {
    for &id in changed {
        site.scans[id.index()] = scan_page(site.content.page(id), &sources);
    }
    site.graph = graph::resolve(&site.content, &mut diags);
    graph::validate(&site.content, &site.graph, &mut diags);
    site.backlinks = check_links(&site.content, &site.graph, &site.scans, &mut diags);
    check_collisions(&site.content, &mut sources, &mut diags);
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(diags);
    diagnostics.sort(&sources);
    Analysis {
        sources,
        diagnostics,
        site: Some(site),
    }
}

fn scan_page(page: &content::Page, sources: &SourceMap) -> Processed {
    markdown::scan(&sources.get(page.file).text, page.body.clone(), true)
}

fn anchor_span(span: &std::ops::Range<usize>, dest: &str) -> std::ops::Range<usize> {
    match dest.find('#') {
        Some(i) if span.end - span.start == dest.len() => span.start + i + 1..span.end,
        _ => span.clone(),
    }
}

fn check_anchor(
    content: &Content,
    scans: &[Processed],
    target: PageId,
    frag: &str,
    span: Span,
    code_ctx: &str,
    diags: &mut Vec<Diagnostic>,
) {
    if frag.is_empty() {
        return;
    }
    let anchors = &scans[target.index()].anchors;
    if anchors.contains(frag) {
        return;
    }
    let help = did_you_mean(frag, anchors.iter().map(String::as_str))
        .map(|a| format!("did you mean `#{a}`?"))
        .or_else(|| {
            if anchors.is_empty() {
                Some(format!("{} has no headings", content.page(target).path))
            } else {
                None
            }
        });
    diags.push(
        Diagnostic::new(
            Code::BrokenAnchor,
            span,
            format!(
                "{code_ctx} `#{frag}` does not exist on {}",
                content.page(target).path
            ),
        )
        .label("no such heading")
        .maybe_help(help),
    );
}

/// The fragment of a link to a page, as [`classify`] gives it.
fn link_fragment(dest: &str) -> Option<String> {
    split_fragment(dest.trim()).1.map(links::percent_decode)
}

/// Checks every link of every page and returns each page's backlinks: the
/// pages whose bodies link to it (section intros neither give nor get any),
/// in page order.
///
/// Links are resolved in parallel, each once: a link the render already
/// resolved to a page ([`markdown::LinkSrc::page`]) is not looked up again.
/// The few that need a diagnostic or an anchor check are then gone through in
/// page order, so that diagnostics (and the cap on suggestions) do not depend
/// on threads.
fn check_links(
    content: &Content,
    graph: &Graph,
    scans: &[Processed],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<PageId>> {
    // Branch anchors.
    for edge in &graph.edges {
        if let Some(frag) = &edge.fragment {
            let to = &content.page(edge.from).meta.branches;
            let dest = to
                .iter()
                .filter_map(|b| b.to.as_ref())
                .find(|t| t.span == edge.span)
                .map_or("", |t| t.value.as_str());
            // The span covers the quoted TOML string: the fragment starts after '#'.
            let r = &edge.span.range;
            let span = match dest.find('#') {
                Some(i) if r.end - r.start == dest.len() + 2 => r.start + 1 + i + 1..r.end - 1,
                _ => r.clone(),
            };
            check_anchor(
                content,
                scans,
                edge.to,
                frag,
                Span::new(edge.span.file, span),
                "branch anchor",
                diags,
            );
        }
    }
    // Per page: the links that need a closer look (index and target), and the
    // pages it links to.
    let resolved: Vec<ResolvedLinks> = content
        .pages
        .par_iter()
        .zip(scans)
        .map(|(page, scan)| {
            let (mut notable, mut to) = (Vec::new(), Vec::new());
            for (i, link) in scan.links.iter().enumerate() {
                // A page found while rendering is not looked up again.
                let target = match link.page {
                    Some(id) => Target::Page(id, link_fragment(&link.dest)),
                    None => classify(content, page.dir(), &link.dest),
                };
                if let Target::Page(id, _) = &target
                    && *id != page.id
                    && !page.section_intro
                    && !content.page(*id).section_intro
                {
                    to.push(*id);
                }
                match target {
                    Target::External
                    | Target::Asset(_)
                    | Target::Page(_, None)
                    | Target::Section(..) => {}
                    Target::SamePage(frag) if frag.is_empty() => {}
                    target => notable.push((i, target)),
                }
            }
            (notable, to)
        })
        .collect();
    // Each list made at its size (at most) first, on the pool: pushing into
    // lists grown one by one, anywhere in memory, was most of this serial
    // loop's time.
    let mut linked = vec![0u32; content.pages.len()];
    for (_, to) in &resolved {
        for id in to {
            linked[id.index()] += 1;
        }
    }
    let mut backlinks: Vec<Vec<PageId>> = linked
        .par_iter()
        .map(|&k| Vec::with_capacity(k as usize))
        .collect();
    let mut suggestions = 0usize;
    for ((page, scan), (notable, to)) in content.pages.iter().zip(scans).zip(resolved) {
        // Pages come in id order, so each list stays sorted: skip repeats.
        for id in to {
            let list = &mut backlinks[id.index()];
            if list.last() != Some(&page.id) {
                list.push(page.id);
            }
        }
        let dir = page.dir();
        for (i, target) in notable {
            let link = &scan.links[i];
            let span = Span::new(page.file, link.span.clone());
            let what = if link.image { "image" } else { "link" };
            match target {
                Target::External | Target::Asset(_) => {}
                Target::SamePage(frag) => {
                    check_anchor(content, scans, page.id, &frag, Span::new(page.file, anchor_span(&link.span, &link.dest)), "anchor", diags);
                }
                Target::Page(id, Some(frag)) => {
                    check_anchor(content, scans, id, &frag, Span::new(page.file, anchor_span(&link.span, &link.dest)), "anchor", diags);
                }
                Target::Page(..) | Target::Section(..) => {}
                Target::MissingPage(norm) => {
                    // Suggestions compare against every page: cap their number so a site
                    // with thousands of broken links stays linear.
                    suggestions += 1;
                    let help = if suggestions <= 200 {
                        graph::suggest_page(content, &norm, dir).map(|s| format!("did you mean `{s}`?"))
                    } else {
                        None
                    };
                    diags.push(
                        Diagnostic::new(Code::BrokenLink, span, format!("{what} to `{}` names no page", split_fragment(&link.dest).0))
                            .label("no such page")
                            .maybe_help(help),
                    );
                }
                Target::Draft(path) => diags.push(
                    Diagnostic::new(Code::BrokenLink, span, format!("{what} to `{}` names a draft", link.dest))
                        .label("draft page")
                        .help(format!("publish {path} (remove `draft = true`) or build with --drafts")),
                ),
                Target::OutsideRoot => diags.push(
                    Diagnostic::new(Code::OutsideRoot, span, format!("{what} `{}` leaves the content folder", link.dest))
                        .label("outside content/")
                        .help("link to pages and files under content/; use a full https:// URL for anything else"),
                ),
                Target::MissingFile(norm) => {
                    if norm.ends_with(".md") {
                        continue;
                    }
                    diags.push(
                        Diagnostic::new(
                            Code::MissingFile,
                            span,
                            format!("{what} `{}` is not a file of the site; kept as written", link.dest),
                        )
                        .label("not under content/")
                        .help("put the file under content/, or use a full URL"),
                    );
                }
            }
        }
    }
    backlinks
}

/// A page's links that need a closer look (index among its links, target),
/// and the pages it links to.
type ResolvedLinks = (Vec<(usize, Target)>, Vec<PageId>);

/// Whether output path `out` lies in signpost's own folder of assets.
fn in_asset_dir(out: &str) -> bool {
    out.strip_prefix(render::ASSET_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

fn check_collisions(content: &Content, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) {
    // Output path → who writes it. Generated files come first, so a source that
    // collides with one is the one reported.
    // (Only looked up, never iterated: a hash map keeps no order to lose.)
    use std::borrow::Cow;
    // Sized once: grown by doubling, the map was rehashed a dozen times
    // (fresh memory each time) on a 10,000-page site.
    let mut owners: rustc_hash::FxHashMap<Cow<'_, str>, Cow<'_, str>> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(
            1 + content.sections.len() + content.pages.len(),
            rustc_hash::FxBuildHasher,
        );
    owners.insert("graph.json".into(), "signpost's graph.json".into());
    for dir in &content.sections {
        let out = links::section_out(dir);
        let owner = content.section_intro(dir).map_or_else(
            || {
                Cow::Owned(format!(
                    "the section page of {}",
                    if dir.is_empty() { "content/" } else { dir }
                ))
            },
            |p| Cow::Borrowed(p.path.as_str()),
        );
        owners.insert(out.into(), owner);
    }
    for page in &content.pages {
        if page.section_intro {
            continue;
        }
        let prior = if in_asset_dir(&page.out) {
            Some(Cow::Owned(format!(
                "signpost's own {}/ folder",
                render::ASSET_DIR
            )))
        } else {
            owners.get(page.out.as_str()).cloned()
        };
        if let Some(prior) = prior {
            diags.push(
                Diagnostic::new(
                    Code::OutputCollision,
                    Span::new(page.file, page.head.clone()),
                    format!(
                        "`{}` would write {}, which {prior} writes too",
                        page.path, page.out
                    ),
                )
                .label("output path taken")
                .help("rename the file"),
            );
        } else {
            owners.insert(page.out.as_str().into(), page.path.as_str().into());
        }
    }
    for asset in &content.assets {
        let prior = if in_asset_dir(&asset.path) {
            Some(Cow::Owned(format!(
                "signpost's own {}/ folder",
                render::ASSET_DIR
            )))
        } else {
            owners.get(asset.path.as_str()).cloned()
        };
        if let Some(prior) = prior {
            let file = sources.add(format!("content/{}", asset.path), String::new());
            diags.push(
                Diagnostic::new(
                    Code::OutputCollision,
                    Span::new(file, 0..0),
                    format!(
                        "`{}` would be copied to {}, which {prior} writes too",
                        asset.path, asset.path
                    ),
                )
                .label("output path taken")
                .help("rename the file"),
            );
        }
    }
}

/// `graph.json` (SPEC §5): nodes sorted by id, edges in page then branch order.
pub fn graph_json(site: &Site) -> String {
    let ids = export::select(site, None).expect("all pages");
    export::json(site, &ids)
}

/// Writes [`graph_json`] into `w` without holding it in memory.
///
/// # Errors
/// An I/O error of `w`.
pub fn write_graph_json(site: &Site, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let ids = export::select(site, None).expect("all pages");
    export::write_json(site, &ids, w)
}

/// Makes `path` absolute against the current directory without touching the disk.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
