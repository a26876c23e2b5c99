//! Helpers: fixture paths, copying a fixture to a temp dir, running the CLI, and
//! a checker that every relative link and `#anchor` in a built site resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// The Rust book corpus in ../shared, if it is there. Without it the test
/// that asks is skipped with a message, except under CI, where it fails.
pub fn rust_book(test: &str) -> Option<PathBuf> {
    let book = repo().join("../shared/corpora/rust-book");
    if book.join("site.toml").is_file() {
        return Some(book);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: ../shared/corpora/rust-book must sit beside the repository under CI"
    );
    eprintln!("{test}: skipped: ../shared/corpora/rust-book is missing");
    None
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fixture copied into a fresh temp dir (so builds never write into the repo).
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn copy(fixture_name: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(fixture_name), dir.path());
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn public(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    pub fn cmd(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        signpost().current_dir(self.root()).args(args).assert()
    }

    /// Runs signpost in the site with `args`: exit code and stdout.
    pub fn run(&self, args: &[&str]) -> (i32, String) {
        let out = signpost()
            .args(args)
            .current_dir(self.root())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.public().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

pub fn signpost() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin!("signpost"));
    c.env("NO_COLOR", "1");
    c
}

/// Every file under `dir`, relative, sorted, `/` separators.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    out.sort();
    out
}

/// Every file's bytes under `dir`.
pub fn tree_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(dir.join(&f)).unwrap()))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if b[i] == b'%'
            && let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Values of attribute `attr` (double-quoted) in `html`.
pub fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(unescape(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

fn ids(html: &str) -> BTreeSet<String> {
    attr_values(html, "id").into_iter().collect()
}

pub fn is_external(url: &str) -> bool {
    url.starts_with("//")
        || url
            .split_once(':')
            .is_some_and(|(s, _)| !s.is_empty() && !s.contains('/') && !s.contains('#'))
}

/// Problems with relative links in the built site at `out`: (file, url, why).
/// Links that climb above the output root are returned separately (they are
/// "kept as written" links to files outside the site).
pub fn broken_links(out: &Path) -> (Vec<(String, String, String)>, Vec<String>) {
    let mut broken = Vec::new();
    let mut outside = Vec::new();
    let mut id_cache: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for f in files(out) {
        if !f.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(out.join(&f)).unwrap();
        let mut urls = attr_values(&html, "href");
        urls.extend(attr_values(&html, "src"));
        for url in urls {
            if is_external(&url) || url.is_empty() {
                continue;
            }
            let (path, frag) = match url.split_once('#') {
                Some((p, fr)) => (p.to_string(), Some(percent_decode(fr))),
                None => (url.clone(), None),
            };
            let path = percent_decode(path.split('?').next().unwrap());
            let mut target = PathBuf::from(&f);
            target.pop();
            let mut depth_ok = true;
            let mut parts: Vec<String> = target
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if !path.is_empty() {
                for seg in path.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if parts.pop().is_none() {
                                depth_ok = false;
                            }
                        }
                        s => parts.push(s.to_string()),
                    }
                }
            }
            if !depth_ok {
                outside.push(url.clone());
                continue;
            }
            let mut file = out.join(parts.join("/"));
            if path.is_empty() {
                file = out.join(&f);
            } else if file.is_dir() {
                file = file.join("index.html");
            }
            if !file.is_file() {
                broken.push((f.clone(), url.clone(), "no such file".into()));
                continue;
            }
            if let Some(frag) = frag.filter(|fr| !fr.is_empty() && !fr.starts_with("trail=")) {
                let ids = id_cache
                    .entry(file.clone())
                    .or_insert_with(|| ids(&std::fs::read_to_string(&file).unwrap_or_default()));
                if !ids.contains(&frag) {
                    broken.push((f.clone(), url.clone(), format!("no id {frag}")));
                }
            }
        }
    }
    (broken, outside)
}

/// Asserts that the site at `out` has no broken links and nothing remote.
pub fn assert_site_sound(out: &Path) {
    let (broken, _) = broken_links(out);
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    for f in files(out) {
        if !f.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(out.join(&f)).unwrap();
        for src in attr_values(&html, "src") {
            assert!(!is_external(&src), "{f}: remote resource {src}");
        }
        for (tag, attr) in [("<link", "href")] {
            for chunk in html.split(tag).skip(1) {
                let end = chunk.find('>').unwrap_or(chunk.len());
                // A canonical link names the page's published address: it
                // loads nothing.
                if chunk[..end].contains("rel=\"canonical\"") {
                    continue;
                }
                for v in attr_values(&chunk[..end], attr) {
                    assert!(!is_external(&v), "{f}: remote stylesheet {v}");
                }
            }
        }
        let scripts = html.matches("<script").count();
        let ours = html.matches("<script src=\"").count();
        assert_eq!(scripts, ours, "{f}: inline or foreign <script>");
    }
}
