//! The pipeline, one way through: `site.toml` → [`config::parse`] →
//! [`content::load`] (front matter, and a scan of each body for links,
//! anchors and search words) → [`graph::resolve`] and [`graph::validate`] →
//! [`check::links`] and [`check::collisions`] → a frozen [`Site`] →
//! [`render::render`] → [`output::write_atomic`].
//!
//! Bodies are rendered only after the graph is resolved and the site checked:
//! a site with errors is never rendered, and a render sees every page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::check;
use crate::config::{self, SiteConfig};
use crate::content::{self, PageId};
use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::graph;
use crate::include;
use crate::markdown;
use crate::output;
use crate::pathtest;
use crate::render::{self, Sink};
use crate::review;
use crate::site::{Analysis, Options, Site, folder_title};
use crate::source::SourceMap;

/// Reads, parses and checks the site; renders nothing.
///
/// # Errors
/// [`Error::NoSite`] or [`Error::Io`] when the site cannot be read.
pub fn analyze(opts: &Options) -> Result<Analysis, Error> {
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
    analyze_with(root, &text, opts.drafts, opts.today, |config| {
        Ok((
            content::read_dir(&root.join(&config.content_dir))?,
            pathtest::read_dir(root, &config.tests_dir)?,
        ))
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
    analyze_with(root, site_toml, drafts, None, |config| {
        let dir = config.content_dir.trim_start_matches("./");
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let tests = pathtest::select(&config.tests_dir, &files);
        let content = files
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
                })
            })
            .collect();
        Ok((content, tests))
    })
    .expect("reading from memory cannot fail")
}

/// The content files and the path-test files (name relative to the site root,
/// text) of a site.
type SiteFiles = (Vec<content::ContentFile>, Vec<(String, String)>);

/// The stages after reading: config → content → graph → checks. `read` lists the
/// content files and reads the path tests once the configuration says where
/// they are.
fn analyze_with(
    root: &Path,
    site_toml: &str,
    drafts: bool,
    today: Option<jiff::civil::Date>,
    read: impl FnOnce(&SiteConfig) -> Result<SiteFiles, Error>,
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
        config.markdown.highlight_classes = config::HighlightClasses::Scopes;
    }
    let mut diags = Vec::new();
    let content_name = config.content_dir.trim_end_matches('/').to_string();
    let (files, tests) = read(&config)?;
    let (mut content, mut scans) =
        content::load(files, &content_name, drafts, &mut sources, &mut diags)?;
    include::expand(&mut content, &mut scans, &sources, &mut diags);
    // Diagnostics from here on point into expanded text: see `map_back` below.
    let expanded_from = diags.len();
    let graph = graph::resolve(&content, &mut diags);
    graph::validate(&content, &graph, &mut diags);
    let backlinks = check::links(&content, &graph, &scans, &mut diags);
    check::collisions(&content, &mut sources, &mut diags);
    if !config.markdown.allow_raw_html {
        check::attachments(&content, &content_name, &mut sources, &mut diags);
    }
    let test_files: Vec<_> = tests
        .into_iter()
        .map(|(name, text)| sources.add(name, text))
        .collect();
    let path_tests = pathtest::run(&content, &graph, &sources, &test_files, &mut diags);
    include::map_back(&content, &mut diags[expanded_from..]);
    let today = review::today(today);
    review::check(&content, &config.review, today, &mut diags);
    let folder_titles = content
        .sections
        .iter()
        .map(|d| (d.clone(), folder_title(d)))
        .collect();
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
            test_files,
            path_tests,
            today,
        }),
    })
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
    // Diagnostics from here on point into expanded text: see `map_back` below.
    let expanded_from = diags.len();
    for &id in changed {
        let page = site.content.page(id);
        let (text, body) = page.source(&sources);
        let scan = markdown::scan(text, body);
        diags.extend(content::too_deep(page.file, &scan));
        site.scans[id.index()] = scan;
    }
    site.graph = graph::resolve(&site.content, &mut diags);
    graph::validate(&site.content, &site.graph, &mut diags);
    site.backlinks = check::links(&site.content, &site.graph, &site.scans, &mut diags);
    check::collisions(&site.content, &mut sources, &mut diags);
    site.path_tests = pathtest::run(
        &site.content,
        &site.graph,
        &sources,
        &site.test_files,
        &mut diags,
    );
    include::map_back(&site.content, &mut diags[expanded_from..]);
    review::check(&site.content, &site.config.review, site.today, &mut diags);
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(diags);
    diagnostics.sort(&sources);
    Analysis {
        sources,
        diagnostics,
        site: Some(site),
    }
}

/// Counts of a finished build.
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
    let analysis = analyze(opts)?;
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
        render::render(site, &analysis.sources, &theme, &counting)
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
    inner: &'a dyn Sink,
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

impl Sink for Counting<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write(path, bytes)?;
        // The search index counts as one file (its root), whatever the
        // number of its shards.
        if !path.starts_with(crate::search::SHARD_DIR) {
            self.tick();
        }
        Ok(())
    }

    fn copy(&self, path: &str, source: &Path) -> std::io::Result<()> {
        self.inner.copy(path, source)?;
        self.tick();
        Ok(())
    }

    fn write_from(&self, path: &str, fill: &render::WriteFn<'_>) -> std::io::Result<()> {
        self.inner.write_from(path, fill)?;
        self.tick();
        Ok(())
    }
}

/// Renders the site into memory (for `serve`, `bundle` and tests).
///
/// # Errors
/// Theme and template failures.
pub fn render_to_memory(
    site: &Site,
    sources: &SourceMap,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let theme = render::Theme::load(&site.root, &site.config.theme)?;
    let sink = render::MemorySink::new();
    render::render(site, sources, &theme, &sink)?;
    Ok(sink.into_files())
}
