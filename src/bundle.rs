//! bundle: a rendered site (output path → bytes, from [`crate::render_to_memory`])
//! → one file to carry offline: a zip of the site ([`zip`]) or the whole
//! knowledge base as one self-contained HTML document ([`single_file`]).
//!
//! **Zip.** Every output file under one top folder (named after the zip file),
//! compressed with deflate, in path order, with a fixed timestamp
//! (1980-01-01 00:00) and mode 0644: the same site gives the same bytes. The
//! site's links are relative, so it works wherever it is unzipped, from disk.
//!
//! **Single file.** The home page's layout (header, footer) is the shell; its
//! `<main>` receives every page's own `<main>` content, each wrapped in
//! `<div class="sp-page …" id="p/<url>" data-url="<url>">` (home page first,
//! then by path), where `<url>` is the page's output path. Inside a page:
//!
//! - every element `id` becomes `p/<url>:<id>` (and so do the attributes that
//!   refer to ids: `for`, `aria-labelledby`, `headers`, `url(#…)`, …), so the
//!   headings of different pages stay unique and `#heading` links keep working;
//! - a link to another page becomes `#p/<url>` (with a `#heading`:
//!   `#p/<url>:<heading>`), a link to a file of the site (an image, an
//!   attachment) becomes a `data:` URI, anything else is kept as written;
//! - stylesheets and scripts are inlined, with the search index
//!   (`window.signpostSearch`) before the theme's script.
//!
//! `<html>` gets `data-signpost-bundle`, which makes `signpost.js` show one page
//! at a time (by the fragment), move the trail of answers from page to page and
//! point search results at `#p/<url>`. Without JavaScript, the pages simply
//! follow each other and the `#p/…` links jump between them.
//!
//! The HTML is the theme's own output, rewritten by a small tokenizer that only
//! touches the attributes listed above and copies everything else byte for
//! byte (comments, `<script>`/`<style>` text, entities it does not need).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::links::{escape_path, normalize, percent_decode, section_out};
use crate::render::theme::escape_html;
use crate::site::{Analysis, Options};

/// Which bundles to write.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Write the site as a zip file here.
    pub zip: Option<PathBuf>,
    /// Write the site as one HTML file here.
    pub single_file: Option<PathBuf>,
}

/// One bundle written.
#[derive(Debug, Clone)]
pub struct Written {
    /// Where.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Files of the site it holds (pages for the single file).
    pub files: usize,
}

/// Checks and renders the site (in memory), then writes the bundles in
/// `targets`. A site with errors (or warnings under `deny_warnings`) writes
/// nothing and returns `None`.
///
/// # Errors
/// I/O, theme and template failures, and a target inside the content folder
/// (a later build would publish it).
pub fn bundle(
    opts: &Options,
    targets: &Targets,
) -> Result<(Analysis, Option<Vec<Written>>), Error> {
    let analysis = crate::pipeline::analyze(opts)?;
    if analysis.fails(opts.deny_warnings) {
        return Ok((analysis, None));
    }
    let site = analysis
        .site
        .as_ref()
        .expect("a site without errors was loaded");
    let content_dir = crate::output::canonical(&site.root.join(&site.config.content_dir));
    for target in targets.zip.iter().chain(&targets.single_file) {
        let abs = crate::output::canonical(target);
        if abs.starts_with(&content_dir) {
            return Err(Error::Output {
                path: target.clone(),
                reason: "it is inside the content folder (the next build would publish it)".into(),
            });
        }
        if abs.is_dir() {
            return Err(Error::Output {
                path: target.clone(),
                reason: "it is a folder; name the file to write".into(),
            });
        }
    }
    let files = crate::pipeline::render_to_memory(site, &analysis.sources)?;
    let mut written = Vec::new();
    if let Some(path) = &targets.zip {
        let folder = path
            .file_stem()
            .map_or_else(|| "site".to_string(), |s| s.to_string_lossy().into_owned());
        let bytes = zip(&files, &folder).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        write_file_atomic(path, &bytes)?;
        written.push(Written {
            path: path.clone(),
            bytes: bytes.len() as u64,
            files: files.len(),
        });
    }
    if let Some(path) = &targets.single_file {
        let html = single_file(&files, &page_paths(site));
        write_file_atomic(path, html.as_bytes())?;
        written.push(Written {
            path: path.clone(),
            bytes: html.len() as u64,
            files: files.keys().filter(|k| k.ends_with(".html")).count(),
        });
    }
    Ok((analysis, Some(written)))
}

/// Writes `bytes` to a temporary sibling of `path`, then renames it over `path`.
fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io { path: p, source }
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = path
        .file_name()
        .map_or_else(|| "bundle".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path)(e)
    })
}

/// The site as a zip: every file under `folder/`, deterministic.
///
/// # Errors
/// Only an error of the zip writer (in memory).
pub fn zip(files: &BTreeMap<String, Vec<u8>>, folder: &str) -> std::io::Result<Vec<u8>> {
    use ::zip::write::SimpleFileOptions;
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .last_modified_time(::zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, bytes) in files {
        writer
            .start_file(format!("{folder}/{path}"), options)
            .map_err(std::io::Error::other)?;
        writer.write_all(bytes)?;
    }
    let cursor = writer.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// Output paths of the pages signpost renders (pages and section pages), as
/// opposed to HTML files copied from content/.
pub fn page_paths(site: &crate::Site) -> BTreeSet<String> {
    let content = &site.content;
    content
        .pages
        .iter()
        .filter(|p| !p.section_intro)
        .map(|p| p.out.clone())
        .chain(content.sections.iter().map(|d| section_out(d)))
        .collect()
}

/// The whole site as one self-contained HTML document (see the module doc).
/// `pages` are the output paths of the rendered pages (see [`page_paths`]);
/// other files are inlined where they are linked.
pub fn single_file(files: &BTreeMap<String, Vec<u8>>, pages: &BTreeSet<String>) -> String {
    let text = |path: &str| {
        files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let index = text("index.html");
    // The home page first, then by path.
    let order: Vec<&str> = std::iter::once("index.html")
        .chain(
            pages
                .iter()
                .map(String::as_str)
                .filter(|p| *p != "index.html" && files.contains_key(*p)),
        )
        .collect();

    let mut sections = String::new();
    for &path in &order {
        let html = text(path);
        let Some(doc) = Document::split(&html) else {
            continue;
        };
        let url = escape_path(path);
        let prefix = format!("p/{url}:");
        let inner = Rewriter {
            files,
            pages,
            from: path,
            prefix: Some(&prefix),
        }
        .rewrite(doc.main_inner);
        let attrs = tag_attrs(doc.body_tag);
        let attr = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let class = attr("class");
        sections.push_str(&format!(
            "<div class=\"sp-page{}{}\" id=\"p/{}\" data-url=\"{}\"",
            if class.is_empty() { "" } else { " " },
            escape_html(&decode_entities(&class)),
            escape_html(&url),
            escape_html(&url),
        ));
        for name in ["data-page", "data-title"] {
            let v = attr(name);
            if !v.is_empty() {
                sections.push_str(&format!(
                    " {name}=\"{}\"",
                    escape_html(&decode_entities(&v))
                ));
            }
        }
        sections.push_str(&format!(
            " data-doc-title=\"{}\">\n",
            escape_html(&decode_entities(doc.title))
        ));
        sections.push_str(inner.trim());
        sections.push_str("\n</div>\n");
    }

    let Some(shell) = Document::split(&index) else {
        return sections;
    };
    let mut out = String::with_capacity(sections.len() + index.len() + (1 << 16));
    // The shell keeps its ids (`#main`); its links are rewritten like a page's.
    let shell_rewriter = Rewriter {
        files,
        pages,
        from: "index.html",
        prefix: None,
    };
    let head = shell_rewriter.rewrite(&index[..shell.body_start]);
    out.push_str(&head.replacen("<html", "<html data-signpost-bundle", 1));
    out.push_str("<body>");
    let before_main = shell_rewriter.rewrite(&index[shell.body_end..shell.main_open_end]);
    out.push_str(&before_main);
    out.push('\n');
    out.push_str(&sections);
    let after_main = shell_rewriter.rewrite(&index[shell.main_close..]);
    // The search index goes just before the first script (the theme's).
    let index_js = files
        .get(crate::search::INDEX_PATH)
        .map(|b| inline_script(&String::from_utf8_lossy(b)));
    match (index_js, after_main.find("<script")) {
        (Some(js), Some(i)) => {
            out.push_str(&after_main[..i]);
            out.push_str(&js);
            out.push('\n');
            out.push_str(&after_main[i..]);
        }
        (Some(js), None) => {
            let i = after_main.rfind("</body>").unwrap_or(after_main.len());
            out.push_str(&after_main[..i]);
            out.push_str(&js);
            out.push_str(&after_main[i..]);
        }
        (None, _) => out.push_str(&after_main),
    }
    out
}

/// Where the parts of one rendered page are.
struct Document<'a> {
    /// The `<body …>` start tag.
    body_tag: &'a str,
    /// Byte offset of `<body`.
    body_start: usize,
    /// Byte offset just after the `<body …>` tag.
    body_end: usize,
    /// Byte offset just after the `<main …>` tag (`body_end` without one).
    main_open_end: usize,
    /// Byte offset of `</main>` (of `</body>` without one).
    main_close: usize,
    /// The content of `<main>`.
    main_inner: &'a str,
    /// The content of `<title>`.
    title: &'a str,
}

impl<'a> Document<'a> {
    fn split(html: &'a str) -> Option<Document<'a>> {
        let lower = html.to_ascii_lowercase();
        let body_start = find_tag(&lower, "body", 0)?;
        let body_end = body_start + html[body_start..].find('>')? + 1;
        let main_open_end = match find_tag(&lower, "main", body_end) {
            Some(m) => m + html[m..].find('>')? + 1,
            None => body_end,
        };
        let main_close = lower
            .rfind("</main>")
            .filter(|&e| e >= main_open_end)
            .or_else(|| lower.rfind("</body>").filter(|&e| e >= main_open_end))
            .unwrap_or(html.len());
        let title = find_tag(&lower, "title", 0)
            .and_then(|t| {
                let start = t + html[t..].find('>')? + 1;
                let end = start + lower[start..].find("</title>")?;
                Some(&html[start..end])
            })
            .unwrap_or("");
        Some(Document {
            body_tag: &html[body_start..body_end],
            body_start,
            body_end,
            main_open_end,
            main_close,
            main_inner: &html[main_open_end..main_close],
            title,
        })
    }
}

/// True for `https://…`, `mailto:…`, `data:…`, `//host/…`: not a file of the site.
fn is_external(url: &str) -> bool {
    if url.starts_with("//") {
        return true;
    }
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Offset of the first `<name` start tag (followed by `>`, `/` or whitespace).
fn find_tag(lower: &str, name: &str, from: usize) -> Option<usize> {
    let needle = format!("<{name}");
    let mut at = from;
    while let Some(i) = lower[at..].find(&needle) {
        let i = at + i;
        let next = lower.as_bytes().get(i + needle.len()).copied();
        if matches!(next, Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')) {
            return Some(i);
        }
        at = i + needle.len();
    }
    None
}

/// Attributes referring to element ids (space-separated lists).
const IDREF_ATTRS: &[&str] = &[
    "for",
    "headers",
    "list",
    "form",
    "aria-activedescendant",
    "aria-controls",
    "aria-describedby",
    "aria-details",
    "aria-errormessage",
    "aria-flowto",
    "aria-labelledby",
    "aria-owns",
];

/// Attributes holding a URL.
const URL_ATTRS: &[&str] = &["href", "src", "xlink:href", "poster", "usemap"];

/// Rewrites ids and URLs of one document part (see the module doc).
struct Rewriter<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    /// Output paths of the pages (the other files are inlined as data URIs).
    pages: &'a BTreeSet<String>,
    /// The output path the part was rendered for.
    from: &'a str,
    /// The id prefix of the page (`None` for the shell: ids kept).
    prefix: Option<&'a str>,
}

impl Rewriter<'_> {
    fn rewrite(&self, html: &str) -> String {
        let mut out = String::with_capacity(html.len() + html.len() / 8);
        let bytes = html.as_bytes();
        let mut i = 0;
        let mut copied = 0;
        // Inside inline SVG, ids must stay XML names (`p/a.html:x` is not one):
        // they are left as rendered, where each chart already has ids unique to
        // the site (`fc0-…` on the home page only).
        let mut svg_depth = 0usize;
        while let Some(off) = html[i..].find('<') {
            let lt = i + off;
            let next = bytes.get(lt + 1).copied().unwrap_or(b' ');
            if html[lt..].starts_with("<!--") {
                i = html[lt + 4..]
                    .find("-->")
                    .map_or(html.len(), |e| lt + 4 + e + 3);
                continue;
            }
            if !next.is_ascii_alphabetic() {
                if html[lt..].len() >= 5 && html[lt..lt + 5].eq_ignore_ascii_case("</svg") {
                    svg_depth = svg_depth.saturating_sub(1);
                }
                i = lt + 1;
                continue;
            }
            let Some(tag) = parse_tag(html, lt) else {
                i = lt + 1;
                continue;
            };
            out.push_str(&html[copied..lt]);
            let name = tag.name.to_ascii_lowercase();
            let raw_text = name == "script" || name == "style";
            // The end of the element's raw text (script/style), if any.
            let text_end = if raw_text {
                let close = format!("</{name}");
                html[tag.end..]
                    .to_ascii_lowercase()
                    .find(&close)
                    .map_or(html.len(), |e| tag.end + e)
            } else {
                tag.end
            };
            match self.inline(&name, &tag) {
                Some(Inlined::Style(css)) => {
                    out.push_str("<style>\n");
                    out.push_str(&css);
                    out.push_str("</style>");
                    i = tag.end;
                }
                Some(Inlined::Script(js)) => {
                    out.push_str(&js);
                    // Skip the (empty) element text and its end tag.
                    i = html[text_end..]
                        .find('>')
                        .map_or(html.len(), |e| text_end + e + 1);
                }
                None => {
                    if name == "svg" && !html[..tag.end].ends_with("/>") {
                        svg_depth += 1;
                    }
                    out.push_str(&self.rewrite_tag(html, &tag, svg_depth > 0));
                    if raw_text {
                        out.push_str(&html[tag.end..text_end]);
                        i = text_end;
                    } else {
                        i = tag.end;
                    }
                }
            }
            copied = i;
        }
        out.push_str(&html[copied..]);
        out
    }

    /// A stylesheet link or a script of the site, inlined.
    fn inline(&self, name: &str, tag: &Tag<'_>) -> Option<Inlined> {
        let get = |n: &str| {
            tag.attrs
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(n))
                .and_then(|a| a.value.as_ref())
                .map(|(_, v)| decode_entities(v))
        };
        match name {
            "link" => {
                let rel = get("rel")?;
                if !rel
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("stylesheet"))
                {
                    return None;
                }
                let path = self.resolve(&get("href")?)?.0;
                let css = String::from_utf8_lossy(self.files.get(&path)?).into_owned();
                Some(Inlined::Style(inline_css(self.files, &path, &css)))
            }
            "script" => {
                let path = self.resolve(&get("src")?)?.0;
                let js = String::from_utf8_lossy(self.files.get(&path)?).into_owned();
                Some(Inlined::Script(inline_script(&js)))
            }
            _ => None,
        }
    }

    /// An URL of the part → the output path it names (if it names a file of
    /// the site) and its fragment.
    fn resolve(&self, url: &str) -> Option<(String, Option<String>)> {
        resolve_in(self.files, self.from, url)
    }

    fn rewrite_tag(&self, html: &str, tag: &Tag<'_>, in_svg: bool) -> String {
        let prefix = if in_svg { None } else { self.prefix };
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for attr in &tag.attrs {
            let Some((range, raw)) = &attr.value else {
                continue;
            };
            let name = attr.name.to_ascii_lowercase();
            let value = decode_entities(raw);
            let new = if name == "id" {
                prefix.map(|p| format!("{p}{value}"))
            } else if IDREF_ATTRS.contains(&name.as_str()) {
                prefix.map(|p| {
                    value
                        .split_ascii_whitespace()
                        .map(|id| format!("{p}{id}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            } else if URL_ATTRS.contains(&name.as_str()) {
                self.rewrite_url(&value)
            } else if value.contains("url(#") {
                prefix.map(|p| value.replace("url(#", &format!("url(#{p}")))
            } else {
                None
            };
            if let Some(new) = new {
                edits.push((range.clone(), new));
            }
        }
        if edits.is_empty() {
            return html[tag.start..tag.end].to_string();
        }
        let mut out = String::with_capacity(tag.end - tag.start + 64);
        let mut at = tag.start;
        for (range, new) in edits {
            // `range` covers the value with its quotes, if any.
            out.push_str(&html[at..range.start]);
            out.push('"');
            out.push_str(&escape_html(&new));
            out.push('"');
            at = range.end;
        }
        out.push_str(&html[at..tag.end]);
        out
    }

    fn rewrite_url(&self, url: &str) -> Option<String> {
        let url = url.trim();
        if let Some(frag) = url.strip_prefix('#') {
            if frag.is_empty() {
                return None;
            }
            return self.prefix.map(|p| format!("#{p}{}", percent_decode(frag)));
        }
        let (path, frag) = self.resolve(url)?;
        if self.pages.contains(&path) {
            let mut href = format!("#p/{}", escape_path(&path));
            if let Some(f) = frag.filter(|f| !f.is_empty()) {
                href.push(':');
                href.push_str(&f);
            }
            return Some(href);
        }
        Some(data_uri(&path, self.files.get(&path)?))
    }
}

enum Inlined {
    Style(String),
    Script(String),
}

/// `url` written in output file `from` → the output path it names, if that is
/// a file of the site (a folder means its `index.html`), and its fragment.
fn resolve_in(
    files: &BTreeMap<String, Vec<u8>>,
    from: &str,
    url: &str,
) -> Option<(String, Option<String>)> {
    if url.is_empty() || is_external(url) {
        return None;
    }
    let (path, frag) = match url.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (url, None),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    let path = if path.is_empty() {
        from.to_string()
    } else {
        normalize(dir, &percent_decode(path))?
    };
    if files.contains_key(&path) {
        return Some((path, frag));
    }
    let index = if path.is_empty() {
        "index.html".to_string()
    } else {
        format!("{}/index.html", path.trim_end_matches('/'))
    };
    files.contains_key(&index).then_some((index, frag))
}

/// A script's text made safe inside `<script>…</script>`.
fn inline_script(js: &str) -> String {
    let mut safe = String::with_capacity(js.len() + 16);
    let lower = js.to_ascii_lowercase();
    let mut at = 0;
    for (i, _) in lower.match_indices("</script") {
        safe.push_str(&js[at..i]);
        safe.push_str("<\\/");
        at = i + 2;
    }
    safe.push_str(&js[at..]);
    format!("<script>\n{}</script>", safe.replace("<!--", "<\\!--"))
}

/// CSS with its `url(…)`s that name files of the site inlined as data URIs.
fn inline_css(files: &BTreeMap<String, Vec<u8>>, from: &str, css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        let raw = rest[..end].trim();
        let unquoted = raw.trim_matches(|c| c == '"' || c == '\'');
        match resolve_in(files, from, unquoted) {
            Some((path, _)) if !unquoted.starts_with('#') => {
                let bytes = files.get(&path).map(Vec::as_slice).unwrap_or_default();
                out.push('"');
                out.push_str(&data_uri(&path, bytes));
                out.push('"');
            }
            _ => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace("</style", "<\\/style")
}

/// A file as a `data:` URI.
fn data_uri(path: &str, bytes: &[u8]) -> String {
    format!("data:{};base64,{}", mime_type(path), base64(bytes))
}

fn mime_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "css" => "text/css",
        "js" => "text/javascript",
        "html" => "text/html",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes the character references signpost's templates and sanitizer write
/// (`&amp; &lt; &gt; &quot; &#39; &#NN; &#xNN;`); others are kept as written.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A start tag.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<Attr<'a>>,
    /// Offset of `<`.
    start: usize,
    /// Offset just after `>`.
    end: usize,
}

struct Attr<'a> {
    name: &'a str,
    /// The value's range in the document (with its quotes) and its raw text.
    value: Option<(std::ops::Range<usize>, &'a str)>,
}

/// Parses the start tag at `lt` (which is `<` followed by a letter).
fn parse_tag(html: &str, lt: usize) -> Option<Tag<'_>> {
    let b = html.as_bytes();
    let mut i = lt + 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = &html[lt + 1..i];
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some(Tag {
                name,
                attrs,
                start: lt,
                end: i + 1,
            });
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'>' | b'/' | b'=') {
            i += 1;
        }
        let attr_name = &html[name_start..i];
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let value_start = j;
            let (raw, value_end) = match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let close = html[j + 1..].find(char::from(q))? + j + 1;
                    (&html[j + 1..close], close + 1)
                }
                Some(_) => {
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    (&html[value_start..j], j)
                }
                None => return None,
            };
            attrs.push(Attr {
                name: attr_name,
                value: Some((value_start..value_end, raw)),
            });
            i = value_end;
        } else {
            attrs.push(Attr {
                name: attr_name,
                value: None,
            });
        }
    }
}

/// The attributes of one start tag, decoded: (name, value).
fn tag_attrs(tag: &str) -> Vec<(String, Option<String>)> {
    parse_tag(tag, 0)
        .map(|t| {
            t.attrs
                .iter()
                .map(|a| {
                    (
                        a.name.to_string(),
                        a.value.as_ref().map(|(_, v)| (*v).to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter()
            .map(|(p, c)| ((*p).to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn rewrites_ids_links_and_images_of_a_page() {
        let f = files(&[
            ("a/b.html", ""),
            ("a/index.html", ""),
            ("c.html", ""),
            ("img/x.svg", "<svg/>"),
        ]);
        let pages = f.keys().filter(|k| k.ends_with(".html")).cloned().collect();
        let r = Rewriter {
            files: &f,
            pages: &pages,
            from: "a/b.html",
            prefix: Some("p/a/b.html:"),
        };
        let html = r#"<h2 id="step-1">S</h2><a href="../c.html#x-y">c</a> <a href='#step-1'>s</a>
<img src="../img/x.svg" alt="x"><label for="q">Q</label><a href="./">up</a>
<a href="https://e.com/">e</a><!-- <a href="c.html"> --><svg><path marker-end="url(#m)"/></svg>
<a href="../missing.pdf">m</a><script>var s = "<a href='c.html'>";</script>"#;
        let out = r.rewrite(html);
        assert!(out.contains(r#"<h2 id="p/a/b.html:step-1">"#), "{out}");
        assert!(out.contains(r##"<a href="#p/c.html:x-y">"##), "{out}");
        assert!(
            out.contains(r##"<a href="#p/a/b.html:step-1">s</a>"##),
            "{out}"
        );
        assert!(out.contains(r#"<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="x">"#));
        assert!(out.contains(r#"<label for="p/a/b.html:q">"#));
        assert!(
            out.contains(r##"<a href="#p/a/index.html">up</a>"##),
            "{out}"
        );
        assert!(out.contains(r#"<a href="https://e.com/">"#));
        assert!(out.contains(r#"<!-- <a href="c.html"> -->"#));
        // Inside SVG, ids stay XML names: left as rendered.
        assert!(out.contains(r#"marker-end="url(#m)""#), "{out}");
        assert!(out.contains(r#"<a href="../missing.pdf">"#));
        assert!(out.contains(r#"var s = "<a href='c.html'>";"#));
    }

    #[test]
    fn single_file_inlines_assets_and_wraps_pages() {
        let page = |title: &str, main: &str| {
            format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>{title}</title>\
                 <link rel=\"stylesheet\" href=\"_signpost/style.css\"></head>\n\
                 <body class=\"page\" data-page=\"{title}.md\" data-title=\"{title}\" data-root=\"\">\
                 <header><a href=\"index.html\">Home</a></header><main id=\"main\">{main}</main>\
                 <script src=\"_signpost/signpost.js\"></script></body></html>"
            )
        };
        let f = files(&[
            (
                "index.html",
                &page("Home", "<h1 id=\"t\">Home</h1><a href=\"b.html#s\">b</a>"),
            ),
            ("b.html", &page("B &amp; C", "<h2 id=\"s\">S</h2>")),
            ("_signpost/style.css", "body{color:red}"),
            ("_signpost/signpost.js", "var x = '</script>';"),
            ("_signpost/search-index.js", "window.signpostSearch = {};"),
        ]);
        let pages = f.keys().filter(|k| k.ends_with(".html")).cloned().collect();
        let out = single_file(&f, &pages);
        assert!(out.starts_with("<!DOCTYPE html>\n<html data-signpost-bundle lang=\"en\">"));
        assert!(out.contains("<style>\nbody{color:red}</style>"));
        assert!(
            out.contains(r##"<a href="#p/index.html">Home</a>"##),
            "{out}"
        );
        let home = out.find(r#"id="p/index.html""#).unwrap();
        let b = out.find(r#"id="p/b.html""#).unwrap();
        assert!(home < b);
        assert!(out.contains(r#"data-doc-title="B &amp; C""#));
        assert!(out.contains(r##"<a href="#p/b.html:s">b</a>"##));
        assert!(out.contains(r#"<h2 id="p/b.html:s">"#));
        let index_at = out.find("window.signpostSearch").unwrap();
        let script_at = out.find("var x = '<\\/script>';").unwrap();
        assert!(index_at < script_at);
        assert!(!out.contains("src=\"_signpost"));
        assert_eq!(out.matches("<main").count(), 1);
    }

    #[test]
    fn zip_is_deterministic() {
        let f = files(&[("index.html", "<p>hi</p>"), ("a/b.html", "x")]);
        let a = zip(&f, "kb").unwrap();
        let b = zip(&f, "kb").unwrap();
        assert_eq!(a, b);
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names, ["kb/a/b.html", "kb/index.html"]);
    }
}
