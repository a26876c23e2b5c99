//! content::read_dir: the site's `content/` folder → a list of [`ContentFile`]s
//! (relative path and bytes). content::load: such a list, from disk or from memory
//! (a git revision) → [`Content`] (pages with parsed front matter, assets,
//! folders) plus diagnostics SP101–SP109.
//!
//! Each body is scanned while it loads (links, anchors, search text); it is
//! rendered later, once the graph is resolved (see `render`).
//!
//! Files enter in sorted order only (sorted by path in `load`), so page ids and
//! everything derived from them are deterministic. Files are read and front matter
//! is parsed in parallel; ids are assigned before, so the result does not depend
//! on scheduling.

pub mod front_matter;
pub mod page;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};
use crate::error::Error;
use crate::markdown::{self, Processed};
use crate::source::{FileId, SourceFile, SourceMap, Span};
pub use page::{BranchSrc, FrontMatter, Outcome, PageId};

/// Folder of signpost's own assets in the output.
pub const ASSET_DIR: &str = "_signpost";

/// A published page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its index in [`Content::pages`].
    pub id: PageId,
    /// Its file in the source map.
    pub file: FileId,
    /// Path relative to `content/`, `/` separators: `account/reset.md`.
    pub path: String,
    /// Output path relative to the output root: `account/reset.html`.
    pub out: String,
    /// `_index.md`: the intro of a section page, not a node of the graph.
    pub section_intro: bool,
    /// Front matter as written.
    pub meta: FrontMatter,
    /// Byte range of the Markdown body in the file.
    pub body: Range<usize>,
    /// The opening `+++` line.
    pub head: Range<usize>,
    /// The front matter was broken; follow-on checks are skipped.
    pub broken: bool,
    /// The page's text with its `{{#include}}`s expanded, if it has any.
    pub expanded: Option<Box<Expanded>>,
}

/// A page's text with its includes expanded (see `crate::include`).
#[derive(Debug, Clone)]
pub struct Expanded {
    /// The front matter as written, then the expanded body.
    pub text: String,
    /// Where the body starts in `text`.
    pub body_start: usize,
    /// Where each piece of `text` came from, in order of `at`.
    pub pieces: Vec<Piece>,
}

/// A run of expanded text copied from one file.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Offset in the expanded text where the run starts.
    pub at: usize,
    /// The file it came from.
    pub file: FileId,
    /// Offset in that file where the run starts.
    pub from: usize,
}

impl Expanded {
    /// The file and offset that offset `at` of the expanded text came from.
    pub fn origin(&self, at: usize) -> (FileId, usize) {
        let i = self.pieces.partition_point(|p| p.at <= at).max(1) - 1;
        let p = &self.pieces[i];
        (p.file, p.from + (at - p.at))
    }
}

impl Page {
    /// The folder of the page relative to `content/` ("" for the root).
    pub fn dir(&self) -> &str {
        parent_dir(&self.path)
    }

    /// The title, or the file stem when the title is missing.
    pub fn title(&self) -> &str {
        match &self.meta.title {
            Some(t) => &t.value,
            None => {
                let name = self.path.rsplit('/').next().unwrap_or(&self.path);
                name.strip_suffix(".md").unwrap_or(name)
            }
        }
    }

    /// The text to scan and render and the body's range in it: the expanded
    /// text when the page includes files, else its file's text.
    pub fn source<'a>(&'a self, sources: &'a SourceMap) -> (&'a str, Range<usize>) {
        match &self.expanded {
            Some(e) => (&e.text, e.body_start..e.text.len()),
            None => (&sources.get(self.file).text, self.body.clone()),
        }
    }

    /// A span for page-wide diagnostics: the title value, else the opening line.
    pub fn anchor_span(&self) -> Span {
        match &self.meta.title {
            Some(t) => t.span.clone(),
            None => Span::new(self.file, self.head.clone()),
        }
    }
}

/// A non-Markdown file under `content/`, copied as-is.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path relative to `content/`.
    pub path: String,
    /// Where to copy it from: the file on disk. For a site read from memory (a git
    /// revision), its path relative to the site root, which is not rendered.
    pub source: PathBuf,
}

/// Everything under `content/`.
#[derive(Debug)]
pub struct Content {
    /// Published pages (drafts excluded unless built with drafts), sorted by path.
    pub pages: Vec<Page>,
    /// Non-Markdown files, sorted by path.
    pub assets: Vec<Asset>,
    /// Paths of drafts left out of this build.
    pub drafts: BTreeSet<String>,
    /// Page path → id.
    pub by_path: BTreeMap<String, PageId>,
    /// Every folder that holds a page (directly or below), "" for the root.
    pub sections: BTreeSet<String>,
    /// Markdown files that are never published (a name starting with `_`,
    /// other than `_index.md`, in their path) and may only be included: path
    /// → file.
    pub snippets: BTreeMap<String, FileId>,
}

/// True for a path under content/ that is never published: a file or folder
/// whose name starts with `_`, other than a section intro `_index.md`.
pub fn is_private(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        if part.starts_with('_') && !(last && part == "_index.md") {
            return true;
        }
    }
    false
}

impl Content {
    /// The page with id `id`.
    pub fn page(&self, id: PageId) -> &Page {
        &self.pages[id.index()]
    }

    /// The page at `path` (relative to `content/`), if published.
    pub fn find(&self, path: &str) -> Option<PageId> {
        self.by_path.get(path).copied()
    }

    /// True if `path` names a non-Markdown file under `content/`.
    pub fn has_asset(&self, path: &str) -> bool {
        self.assets
            .binary_search_by(|a| a.path.as_str().cmp(path))
            .is_ok()
    }

    /// The section intro (`_index.md`) of folder `dir`, if any.
    pub fn section_intro(&self, dir: &str) -> Option<&Page> {
        let path = if dir.is_empty() {
            "_index.md".to_string()
        } else {
            [dir, "/_index.md"].concat()
        };
        self.find(&path).map(|id| self.page(id))
    }
}

/// The folder part of a `/`-separated path ("" for a top-level file).
pub fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Output path of a page at `path` relative to `content/`.
pub fn out_path(path: &str) -> String {
    let stem = path.strip_suffix(".md").unwrap_or(path);
    match stem.rsplit_once('/') {
        Some((dir, "_index")) => [dir, "/index.html"].concat(),
        None if stem == "_index" => "index.html".to_string(),
        _ => [stem, ".html"].concat(),
    }
}

enum Loaded {
    /// The page (its id still to be set: drafts are left out), the scan of its
    /// body, and its file.
    Page(Box<(Page, Processed, SourceFile)>),
    /// A draft left out: its path and its file.
    Draft(String, SourceFile),
    /// The file up to its first byte that is not UTF-8, and that byte's offset.
    NotUtf8(SourceFile, usize),
}

/// One file under `content/`, as handed to [`load`]: listed on disk by
/// [`read_dir`], or from memory (a git revision, see `pipeline::analyze_files`).
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Path relative to `content/`, `/` separators.
    pub path: String,
    /// The bytes of a `.md` page from memory (empty: read it from `disk`).
    /// Other files may leave it empty: only their path matters to the checks.
    pub bytes: Vec<u8>,
    /// The file on disk, if it came from there (assets are copied from it).
    pub disk: Option<PathBuf>,
}

/// Walks `content_dir` (skipping names that start with `.`, not following
/// symbolic links) and lists its files, sorted by path; [`load`] reads the
/// pages, in parallel.
///
/// # Errors
/// [`Error::Io`] if the folder cannot be read.
pub fn read_dir(content_dir: &Path) -> Result<Vec<ContentFile>, Error> {
    if !content_dir.is_dir() {
        return Err(Error::Io {
            path: content_dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "content folder not found"),
        });
    }
    let files = crate::source::walk_files(content_dir)?
        .into_iter()
        .map(|(path, disk)| ContentFile {
            path,
            bytes: Vec::new(),
            disk: Some(disk),
        })
        .collect();
    Ok(files)
}

/// Parses the files of `content/` (named `content_name` in diagnostics), in
/// parallel: reads each page from disk unless its bytes are given, parses its
/// front matter, scans its body for links, anchors and text (returned in page
/// order), and adds it to `sources`.
///
/// # Errors
/// [`Error::Io`] when a page cannot be read.
pub fn load(
    files: Vec<ContentFile>,
    content_name: &str,
    drafts: bool,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Content, Vec<Processed>), Error> {
    let (private, files): (Vec<ContentFile>, Vec<ContentFile>) =
        files.into_iter().partition(|f| is_private(&f.path));
    let (mut md_files, mut assets): (Vec<ContentFile>, Vec<ContentFile>) =
        files.into_iter().partition(|f| f.path.ends_with(".md"));
    // Sorting by file name per folder is not a total order on full paths (a/b.md vs
    // a-c.md); sort once more so ids and binary searches agree.
    md_files.sort_by(|a, b| a.path.cmp(&b.path));
    assets.sort_by(|a, b| a.path.cmp(&b.path));
    let assets: Vec<Asset> = assets
        .into_iter()
        .map(|f| Asset {
            source: f
                .disk
                .unwrap_or_else(|| Path::new(content_name).join(&f.path)),
            path: f.path,
        })
        .collect();

    let first = sources.len();
    let loaded: Vec<(Loaded, Vec<Diagnostic>)> = md_files
        .into_par_iter()
        .enumerate()
        .map(|(i, f)| {
            let file = FileId(u32::try_from(first + i).expect("fewer than 2^32 files"));
            let name = [content_name, "/", f.path.as_str()].concat();
            let bytes = match (&f.disk, f.bytes.is_empty()) {
                (Some(path), true) => std::fs::read(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?,
                _ => f.bytes,
            };
            let mut text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let valid = e.utf8_error().valid_up_to();
                    let bytes = e.into_bytes();
                    let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                    return Ok((
                        Loaded::NotUtf8(SourceFile::new(name, prefix), valid),
                        Vec::new(),
                    ));
                }
            };
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            let mut d = Vec::new();
            let intro = f.path.ends_with("/_index.md") || f.path == "_index.md";
            let parsed = page::parse(file, &text, intro, &mut d);
            if parsed.meta.draft && !drafts {
                return Ok((Loaded::Draft(f.path, SourceFile::new(name, text)), d));
            }
            let scan = markdown::scan(&text, parsed.body.clone());
            d.extend(too_deep(file, &scan));
            let page = Page {
                id: PageId(0),
                file,
                out: out_path(&f.path),
                path: f.path,
                section_intro: intro,
                meta: parsed.meta,
                body: parsed.body,
                head: parsed.head,
                broken: parsed.broken,
                expanded: None,
            };
            Ok((
                Loaded::Page(Box::new((page, scan, SourceFile::new(name, text)))),
                d,
            ))
        })
        .collect::<Result<_, Error>>()?;

    let mut pages = Vec::with_capacity(loaded.len());
    let mut scans = Vec::with_capacity(loaded.len());
    let mut draft_paths = BTreeSet::new();
    for (loaded, d) in loaded {
        diags.extend(d);
        match loaded {
            Loaded::NotUtf8(source, valid) => {
                let file = sources.push(source);
                diags.push(
                    Diagnostic::new(
                        Code::NotUtf8,
                        Span::new(file, valid..valid),
                        "file is not valid UTF-8",
                    )
                    .label("invalid byte here")
                    .help("save the file as UTF-8"),
                );
            }
            Loaded::Draft(path, source) => {
                sources.push(source);
                draft_paths.insert(path);
            }
            Loaded::Page(loaded) => {
                let (mut page, scan, source) = *loaded;
                sources.push(source);
                page.id = PageId(u32::try_from(pages.len()).expect("fewer than 2^32 pages"));
                pages.push(page);
                scans.push(scan);
            }
        }
    }
    // The unpublished Markdown files: read for includes, after the pages so
    // that page file ids stay dense.
    let mut snippets = BTreeMap::new();
    let mut private: Vec<ContentFile> = private
        .into_iter()
        .filter(|f| f.path.ends_with(".md"))
        .collect();
    private.sort_by(|a, b| a.path.cmp(&b.path));
    for f in private {
        let bytes = match (&f.disk, f.bytes.is_empty()) {
            (Some(path), true) => std::fs::read(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?,
            _ => f.bytes,
        };
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        let file = sources.add([content_name, "/", f.path.as_str()].concat(), text);
        snippets.insert(f.path, file);
    }
    let by_path = pages.iter().map(|p| (p.path.clone(), p.id)).collect();
    let sections = sections_of(pages.iter().map(|p| p.path.as_str()));
    let content = Content {
        pages,
        assets,
        drafts: draft_paths,
        by_path,
        sections,
        snippets,
    };
    Ok((content, scans))
}

/// SP109 for a page whose body nests deeper than [`markdown::MAX_NESTING`],
/// from its scan.
pub fn too_deep(file: FileId, scan: &Processed) -> Option<Diagnostic> {
    let r = scan.too_deep.clone()?;
    Some(
        Diagnostic::new(
            Code::TooDeep,
            Span::new(file, r),
            format!(
                "Markdown blocks and HTML elements nest more than {} deep here",
                markdown::MAX_NESTING
            ),
        )
        .label("too deep")
        .help("flatten the nesting: browsers show no more than this anyway"),
    )
}

/// Every folder that holds one of the pages at `paths` (directly or below),
/// and "".
fn sections_of<'a>(paths: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let mut sections = BTreeSet::new();
    sections.insert(String::new());
    for path in paths {
        let mut dir = parent_dir(path);
        while !dir.is_empty() {
            if !sections.insert(dir.to_string()) {
                break;
            }
            dir = parent_dir(dir);
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths() {
        assert_eq!(out_path("a/b.md"), "a/b.html");
        assert_eq!(out_path("a/_index.md"), "a/index.html");
        assert_eq!(out_path("_index.md"), "index.html");
        assert_eq!(out_path("x.md"), "x.html");
    }

    #[test]
    fn files_are_listed_sorted_without_hidden_names() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["b.md", "a/c.md", "a/.hidden.md", ".git/x.md", "a-b.png"] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let files = read_dir(dir.path()).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/c.md", "a-b.png", "b.md"]);
    }
}
