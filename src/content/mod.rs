//! content::read_dir: the site's `content/` folder → a list of [`ContentFile`]s
//! (relative path and bytes). content::load: such a list, from disk or from memory
//! (a git revision) → [`Content`] (pages with parsed front matter, assets,
//! folders) plus diagnostics SP101–SP108.
//!
//! Files enter in sorted order only (sorted by path in `load`), so page ids and
//! everything derived from them are deterministic. Files are read and front matter
//! is parsed in parallel; ids are assigned before, so the result does not depend
//! on scheduling.

pub mod front_matter;
pub mod page;
mod quick;

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::diag::{Code, Diagnostic};
use crate::markdown::{self, Processed};
use crate::source::{FileId, SourceFile, SourceMap, Span};
pub use page::{BranchSrc, FrontMatter, Outcome, PageId};

/// Renders a page's body while it is loaded; see [`load`].
pub type RenderBody<'a> =
    &'a (dyn Fn(&Content, &str, &str, Range<usize>, bool) -> Processed + Sync);

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
    /// Boxed as the pool made them while loading: putting them in order then
    /// moves pointers, not a 3 MB copy of 10,000 pages into fresh memory on
    /// one thread while the other waits.
    pub pages: Vec<Box<Page>>,
    /// Non-Markdown files, sorted by path.
    pub assets: Vec<Asset>,
    /// Paths of drafts left out of this build.
    pub drafts: BTreeSet<String>,
    /// Page path → id. Only looked up (every link of every page), never
    /// iterated, so a hash map cannot make the output depend on hash order.
    pub by_path: rustc_hash::FxHashMap<String, PageId>,
    /// Every folder that holds a page (directly or below), "" for the root.
    pub sections: BTreeSet<String>,
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
    /// body, and its file (its text, or once evicted the text's length and
    /// hash).
    Page(Box<Page>, Box<Processed>, SourceFile),
    /// A draft left out: its path and its file.
    Draft(String, SourceFile),
    /// The file up to its first byte that is not UTF-8, and that byte's offset.
    NotUtf8(SourceFile, usize),
}

/// One file under `content/`, as handed to [`load`]: read from disk by
/// [`read_dir`], or from memory (a git revision, see [`crate::analyze_files`]).
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Path relative to `content/`, `/` separators.
    pub path: String,
    /// The bytes of a `.md` page. Other files may leave it empty: only their
    /// path matters to the checks.
    pub bytes: Vec<u8>,
    /// The file on disk, if it came from there (assets are copied from it).
    pub disk: Option<PathBuf>,
    /// The folder that holds `disk`, held open by [`read_dir`] (`None`: open
    /// the file by its path).
    pub folder: Option<Folder>,
}

/// A folder of `content/`, held open: its pages are opened by name, and the
/// kernel then looks up one name, not every folder of the path again (with
/// the size check `std::fs::read` makes, about a quarter of the time reading
/// 10,000 pages took). At most [`OPEN_FOLDERS`] are held.
pub use crate::output::Folder;
use crate::output::OPEN_FOLDERS;

/// The bytes of `path`, opened by name in `folder` when it is held open.
fn read_file(path: &Path, folder: Option<&Folder>) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    if let (Some(folder), Some(name)) = (folder, path.file_name()) {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            &**folder,
            name,
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        // Read into a buffer kept per thread, then copied to one of the exact
        // size: without asking for the size first (one system call less),
        // and without leaving every page's text with unused room.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        return BUF.with_borrow_mut(|buf| {
            buf.clear();
            let read = loop {
                if buf.len() == buf.capacity() {
                    buf.reserve(buf.capacity().max(64 * 1024));
                }
                match rustix::io::read(&fd, rustix::buffer::spare_capacity(&mut *buf)) {
                    Ok(0) => break Ok(buf.as_slice().to_vec()),
                    Ok(_) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => break Err(e.into()),
                }
            };
            // A very large page's room is not kept.
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
            read
        });
    }
    #[cfg(not(unix))]
    let _ = folder;
    std::fs::read(path)
}

/// Walks `content_dir` (skipping names that start with `.`) and lists its files,
/// sorted by name; [`load`] reads the pages, in parallel.
///
/// # Errors
/// [`Error::Io`] if the folder or a file cannot be read.
pub fn read_dir(content_dir: &Path) -> Result<Vec<ContentFile>, Error> {
    if !content_dir.is_dir() {
        return Err(Error::Io {
            path: content_dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "content folder not found"),
        });
    }
    walk(content_dir, "", &std::sync::atomic::AtomicUsize::new(0))
}

/// The files under folder `dir` (whose path relative to the content folder is
/// `rel`, "" for the content folder), skipping names that start with `.` and
/// anything that is not a file or a folder (symbolic links are not followed).
/// Sub-folders are read in parallel: listing ten thousand files one folder
/// after another took a tenth of a second, alone on one core.
/// `held` counts the folders held open so far (see [`OPEN_FOLDERS`]).
fn walk(
    dir: &Path,
    rel: &str,
    held: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<ContentFile>, Error> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let folder = hold(dir, held);
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let kind = entry.file_type().map_err(io)?;
        entries.push((name, kind, entry.path()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let child = |name: &std::ffi::OsStr| {
        let name = name.to_string_lossy();
        if rel.is_empty() {
            name.into_owned()
        } else {
            [rel, "/", &name].concat()
        }
    };
    // This folder's files in name order, then each sub-folder's.
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for (name, kind, path) in entries {
        if kind.is_dir() {
            dirs.push((child(&name), path));
        } else if kind.is_file() {
            files.push(ContentFile {
                path: child(&name),
                bytes: Vec::new(),
                disk: Some(path),
                folder: folder.clone(),
            });
        }
    }
    let nested: Vec<Vec<ContentFile>> = dirs
        .par_iter()
        .map(|(rel, path)| walk(path, rel, held))
        .collect::<Result<_, Error>>()?;
    files.extend(nested.into_iter().flatten());
    Ok(files)
}

/// Folder `dir`, opened to read its files by name, unless [`OPEN_FOLDERS`]
/// are held already or it cannot be opened (its files are then read by path).
fn hold(dir: &Path, held: &std::sync::atomic::AtomicUsize) -> Option<Folder> {
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        use std::sync::atomic::Ordering;
        if held.fetch_add(1, Ordering::Relaxed) >= OPEN_FOLDERS {
            return None;
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        rustix::fs::open(dir, flags, Mode::empty())
            .ok()
            .map(std::sync::Arc::new)
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, held);
        None
    }
}

/// Parses the files of `content/` (named `content_name` in diagnostics), in
/// parallel: reads each page from disk unless its bytes are given, parses its
/// front matter, scans its body for links, anchors and text (returned in page
/// order), and adds it to `sources`.
///
/// With `lean`, the text of a page read from disk is dropped once scanned unless
/// a diagnostic points into it (see [`SourceFile::evicted`]): a build then
/// holds one page's text per thread, not the whole site's.
///
/// With `render_body`, each body is rendered instead of only scanned (a full
/// build parses each body once): the function gets the site as its file names
/// describe it (every page published), the page's path, its text, its body's
/// range and whether it is a section intro, and returns the scan of the render. When drafts are left out, a page
/// whose links would then be rewritten differently loses its render
/// ([`Processed::spilled`] is cleared) and is rendered again later.
///
/// # Errors
/// [`Error::Io`] when a page cannot be read.
pub fn load(
    files: Vec<ContentFile>,
    content_name: &str,
    drafts: bool,
    lean: bool,
    render_body: Option<RenderBody<'_>>,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Content, Vec<Processed>), Error> {
    let mut md_files = Vec::new();
    let mut assets = Vec::new();
    for f in files {
        if f.path.ends_with(".md") {
            md_files.push((f.path, f.bytes, f.disk, f.folder));
        } else {
            assets.push(Asset {
                source: f
                    .disk
                    .unwrap_or_else(|| Path::new(content_name).join(&f.path)),
                path: f.path,
            });
        }
    }
    // Sorting by file name per folder is not a total order on full paths (a/b.md vs
    // a-c.md); sort once more so ids and binary searches agree.
    md_files.sort_by(|a, b| a.0.cmp(&b.0));
    assets.sort_by(|a, b| a.path.cmp(&b.path));

    // The site as the file names describe it, before any front matter is read:
    // what links resolve against while bodies are rendered during loading.
    // It holds no pages, only the lookups links are resolved with (a page's
    // output path follows from the path it is found under): a list of every
    // page beside the pages being loaded was 4-5 MB of a 10,000-page build's
    // peak memory.
    let mut prelim = render_body.map(|_| {
        // On the pool: the threads are otherwise idle until the pages load.
        let (by_path, sections) = rayon::join(
            || {
                md_files
                    .iter()
                    .enumerate()
                    .map(|(i, (rel, ..))| {
                        let id = PageId(u32::try_from(i).expect("fewer than 2^32 pages"));
                        (rel.clone(), id)
                    })
                    .collect()
            },
            || sections_of(md_files.iter().map(|(rel, ..)| rel.as_str())),
        );
        Content {
            by_path,
            sections,
            pages: Vec::new(),
            assets: assets.clone(),
            drafts: BTreeSet::new(),
        }
    });
    let first = sources.len();
    let loaded: Vec<(Loaded, Vec<Diagnostic>)> = md_files
        .par_iter_mut()
        // Pieces of at most 64 pages: rayon otherwise stops splitting after a
        // few halvings, and one thread was left loading the last few hundred
        // pages alone (30 ms of 10,000 pages' 400) while the other waited.
        .with_max_len(LOAD_PIECE)
        .enumerate()
        .map(|(i, (rel, bytes, disk, folder))| {
            let file = FileId(u32::try_from(first + i).expect("fewer than 2^32 files"));
            // Everything a page needs is made here, on the pool: only moves are
            // left for the single thread that puts the pages in order.
            let name = [content_name, "/", rel.as_str()].concat();
            if bytes.is_empty()
                && let Some(path) = disk
            {
                *bytes = read_file(path, folder.as_ref()).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
            }
            let mut text = match String::from_utf8(std::mem::take(bytes)) {
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
            let intro = rel.ends_with("/_index.md") || rel == "_index.md";
            let parsed = page::parse(file, &text, intro, &mut d);
            let draft = parsed.meta.draft && !drafts;
            let scan = if draft {
                Processed::default()
            } else if let (Some(render), Some(prelim)) = (render_body, &prelim) {
                render(prelim, rel, &text, parsed.body.clone(), intro)
            } else {
                // A lean analysis is for a full build (or a check), which takes
                // each page's search text from its render.
                markdown::scan(&text, parsed.body.clone(), !lean)
            };
            let keep = !lean || disk.is_none() || !d.is_empty();
            let source = match disk.take() {
                Some(disk) if !keep => {
                    SourceFile::evicted(name, disk, text.len(), crate::source::text_hash(&text))
                }
                _ => SourceFile::new(name, text),
            };
            let path = std::mem::take(rel);
            if draft {
                return Ok((Loaded::Draft(path, source), d));
            }
            let page = Page {
                id: PageId(0),
                file,
                out: out_path(&path),
                path,
                section_intro: intro,
                meta: parsed.meta,
                body: parsed.body,
                head: parsed.head,
                broken: parsed.broken,
            };
            Ok((Loaded::Page(Box::new(page), Box::new(scan), source), d))
        })
        .collect::<Result<_, Error>>()?;

    // Sized once: grown by doubling, these lists held up to twice their size.
    let mut pages = Vec::with_capacity(loaded.len());
    let mut scans = Vec::with_capacity(loaded.len());
    sources.reserve(loaded.len());
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
            Loaded::Page(page, scan, source) => {
                sources.push(source);
                let mut page = page;
                page.id = PageId(u32::try_from(pages.len()).expect("fewer than 2^32 pages"));
                pages.push(page);
                scans.push(*scan);
            }
        }
    }
    drop(md_files);
    // The preliminary list is this one when every file became a page (no
    // drafts left out, no file unreadable as UTF-8): its lookups are then
    // these, and so are the page ids of links resolved while rendering.
    let same = prelim
        .as_ref()
        .is_some_and(|p| p.by_path.len() == pages.len());
    let (by_path, sections) = match prelim.as_mut() {
        Some(p) if same => (
            std::mem::take(&mut p.by_path),
            std::mem::take(&mut p.sections),
        ),
        _ => rayon::join(
            || pages.iter().map(|p| (p.path.clone(), p.id)).collect(),
            || sections_of(pages.iter().map(|p| p.path.as_str())),
        ),
    };
    let content = Content {
        pages,
        assets,
        drafts: draft_paths,
        by_path,
        sections,
    };
    if prelim.is_some() && !same {
        for link in scans.iter_mut().flat_map(|s| s.links.iter_mut()) {
            link.page = None;
        }
    }
    if let Some(prelim) = prelim.filter(|_| !content.drafts.is_empty()) {
        // Without the drafts, links to them are no longer rewritten (and a
        // folder of drafts is no section): render such pages again later.
        content
            .pages
            .par_iter()
            .zip(scans.par_iter_mut())
            .filter(|(_, scan)| scan.spilled.is_some())
            .for_each(|(page, scan)| {
                let (dir, out) = (page.dir(), &page.out);
                let changed = scan.links.iter().any(|l| {
                    crate::links::rewrite(&prelim, dir, out, &l.dest).url
                        != crate::links::rewrite(&content, dir, out, &l.dest).url
                });
                if changed {
                    scan.spilled = None;
                }
            });
    }
    Ok((content, scans))
}

/// The most pages one thread loads without offering the rest to the others.
const LOAD_PIECE: usize = 64;

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

    /// Pages are read whole through the held-open folder, whatever their
    /// size against the per-thread buffer (empty, small, exactly its first
    /// size, larger), and a file that is gone is an error, not an empty page.
    #[test]
    fn pages_are_read_whole_through_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [0, 1, 3_700, 64 * 1024, 64 * 1024 + 1, 300_000];
        for (i, n) in sizes.iter().enumerate() {
            let bytes: Vec<u8> = (0..*n).map(|j| b'a' + ((i + j) % 26) as u8).collect();
            std::fs::write(dir.path().join(format!("p{i}.md")), &bytes).unwrap();
        }
        let files = read_dir(dir.path()).unwrap();
        assert_eq!(files.len(), sizes.len());
        #[cfg(unix)]
        assert!(files.iter().all(|f| f.folder.is_some()));
        for f in &files {
            let path = f.disk.as_ref().unwrap();
            let read = read_file(path, f.folder.as_ref()).unwrap();
            assert_eq!(read, std::fs::read(path).unwrap(), "{}", f.path);
        }
        std::fs::remove_file(dir.path().join("p0.md")).unwrap();
        let gone = &files[0];
        assert!(read_file(gone.disk.as_ref().unwrap(), gone.folder.as_ref()).is_err());
    }

    /// Once [`OPEN_FOLDERS`] folders are held, the files of the others are
    /// listed without one and read by their path.
    #[test]
    fn folders_beyond_the_limit_are_read_by_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/p.md"), "+++\ntitle = \"P\"\n+++\n").unwrap();
        let held = std::sync::atomic::AtomicUsize::new(OPEN_FOLDERS);
        let files = walk(dir.path(), "", &held).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "a/p.md");
        assert!(files[0].folder.is_none());
        let read = read_file(files[0].disk.as_ref().unwrap(), None).unwrap();
        assert_eq!(read, b"+++\ntitle = \"P\"\n+++\n");
    }

    #[test]
    fn output_paths() {
        assert_eq!(out_path("a/b.md"), "a/b.html");
        assert_eq!(out_path("a/_index.md"), "a/index.html");
        assert_eq!(out_path("_index.md"), "index.html");
        assert_eq!(out_path("x.md"), "x.html");
    }
}
