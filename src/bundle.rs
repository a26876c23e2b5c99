//! bundle: a rendered site (output path → bytes, from [`crate::pipeline::render_to_memory`])
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
//!   (`window.signpostSearch`) before the theme's script, and its shards as
//!   `<script type="application/json" id="sp-search-<name>">` elements that
//!   the theme decodes only when a search needs them.
//!
//! `<html>` gets `data-signpost-bundle`, which makes `signpost.js` show one page
//! at a time (by the fragment), move the trail of answers from page to page and
//! point search results at `#p/<url>`. Without JavaScript, the pages simply
//! follow each other and the `#p/…` links jump between them.
//!
//! The HTML is the theme's own output, rewritten by [`lol_html`] (a streaming
//! HTML rewriter that tokenizes as a browser does: comments, `<script>` and
//! `<style>` text, and SVG are told apart). Everything it is not asked to
//! change is copied byte for byte; a start tag with a changed attribute is
//! written again by it, with the attributes separated by one space and the
//! changed values in double quotes. Attribute values and the title are read
//! with their character references decoded ([`html_escape`]) and written
//! escaped again.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use html_escape::decode_html_entities;
use lol_html::errors::RewritingError;
use lol_html::html_content::{ContentType, Element};
use lol_html::{
    HandlerResult, RewriteStrSettings, doc_comments, doc_text, doctype, element, end, end_tag,
    rewrite_str,
};

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
/// I/O, theme and template failures, and a target that is a folder or inside
/// the content folder (a later build would publish it): [`Error::Bundle`].
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
    let named = [
        (&targets.zip, "zip file"),
        (&targets.single_file, "HTML file"),
    ];
    for (target, kind) in named {
        let Some(target) = target else { continue };
        let abs = crate::output::canonical(target);
        let refuse = |reason: &str| Error::Bundle {
            path: target.clone(),
            kind,
            reason: reason.into(),
        };
        if abs.starts_with(&content_dir) {
            return Err(refuse(
                "it is inside the content folder (the next build would publish it)",
            ));
        }
        if abs.is_dir() {
            return Err(refuse("it is a folder; name the file to write"));
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
        let html = single_file(&files, &page_paths(site)).map_err(|e| Error::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
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
pub fn page_paths(site: &crate::site::Site) -> BTreeSet<String> {
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
///
/// # Errors
/// An error of the HTML rewriter (none is expected: its handlers here do not
/// fail, it runs without a memory limit and tolerates ambiguous markup).
pub fn single_file(
    files: &BTreeMap<String, Vec<u8>>,
    pages: &BTreeSet<String>,
) -> Result<String, RewritingError> {
    let text = |path: &str| {
        files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
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
    // The element of the home page that holds its own content: the shell's
    // content goes there.
    let mut shell_container = None;
    for &path in &order {
        let html = text(path);
        let url = escape_path(path);
        let prefix = format!("p/{url}:");
        let rewriter = Rewriter::new(files, pages, path, Some(&prefix));
        let Some(page) = Page::extract(&html, &rewriter)? else {
            continue;
        };
        if path == "index.html" {
            shell_container = Some(page.container);
        }
        let class = page.body_attr("class");
        sections.push_str(&format!(
            "<div class=\"sp-page{}{}\" id=\"p/{}\" data-url=\"{}\"",
            if class.is_empty() { "" } else { " " },
            escape_html(class),
            escape_html(&url),
            escape_html(&url),
        ));
        for name in ["data-page", "data-title"] {
            let v = page.body_attr(name);
            if !v.is_empty() {
                sections.push_str(&format!(" {name}=\"{}\"", escape_html(v)));
            }
        }
        sections.push_str(&format!(
            " data-doc-title=\"{}\">\n",
            escape_html(&page.title)
        ));
        sections.push_str(page.inner.trim());
        sections.push_str("\n</div>\n");
    }

    let Some(container) = shell_container else {
        return Ok(sections);
    };
    // The shell keeps its ids (`#main`); its links are rewritten like a page's.
    let shell = Rewriter::new(files, pages, "index.html", None);
    let index_js = files.get(crate::search::INDEX_PATH).map(|b| {
        let mut js = inline_script(&String::from_utf8_lossy(b));
        let shards = files
            .iter()
            .filter(|(path, _)| path.starts_with(crate::search::SHARD_DIR));
        for (_, bytes) in shards {
            // The shards' JSON has `<` escaped: it cannot end the element.
            if let Some((name, data)) = crate::search::shard_json(&String::from_utf8_lossy(bytes)) {
                js.push_str(&format!(
                    "\n<script type=\"application/json\" id=\"sp-search-{name}\">{data}</script>"
                ));
            }
        }
        js
    });
    shell.shell(&text("index.html"), container, &sections, index_js)
}

/// What a single file takes from one rendered page.
struct Page {
    /// The element whose content is the page's own: `main`, or `body` in a
    /// page without `<main>`.
    container: &'static str,
    /// That content, rewritten (see [`Rewriter::element`]).
    inner: String,
    /// The attributes of `<body>`, decoded: (lowercase name, value).
    body: Vec<(String, String)>,
    /// The text of `<title>`, decoded.
    title: String,
}

impl Page {
    /// The page's own content, or `None` if it has neither `<main>` nor `<body>`.
    fn extract(html: &str, rewriter: &Rewriter<'_>) -> Result<Option<Page>, RewritingError> {
        for container in ["main", "body"] {
            if let Some(page) = Page::extract_from(html, rewriter, container)? {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }

    /// The content of the first `container` element, rewritten; everything
    /// around it (doctype, head, header, footer…) is dropped.
    fn extract_from(
        html: &str,
        rewriter: &Rewriter<'_>,
        container: &'static str,
    ) -> Result<Option<Page>, RewritingError> {
        // Cleared by end tag handlers, which must be 'static: shared.
        let inside = Rc::new(Cell::new(false));
        let in_title = Rc::new(Cell::new(false));
        let found = Cell::new(false);
        let title_seen = Cell::new(false);
        let title = RefCell::new(String::new());
        let body = RefCell::new(None::<Vec<(String, String)>>);
        let settings = settings()
            .append_element_content_handler(element!("*", |el| {
                if inside.get() {
                    return rewriter.element(el);
                }
                // Outside the container only its content is kept.
                el.remove_and_keep_content();
                let name = el.tag_name();
                if name == container && !found.get() && el.can_have_content() {
                    found.set(true);
                    inside.set(true);
                    let inside = Rc::clone(&inside);
                    el.on_end_tag(end_tag!(move |_| {
                        inside.set(false);
                        Ok(())
                    }))?;
                }
                if name == "body" && body.borrow().is_none() {
                    let attrs = el
                        .attributes()
                        .iter()
                        .map(|a| (a.name(), decode_html_entities(&a.value()).into_owned()))
                        .collect();
                    *body.borrow_mut() = Some(attrs);
                }
                // The document's title: the first (in `<head>`).
                if name == "title" && !title_seen.get() && el.can_have_content() {
                    title_seen.set(true);
                    in_title.set(true);
                    let in_title = Rc::clone(&in_title);
                    el.on_end_tag(end_tag!(move |_| {
                        in_title.set(false);
                        Ok(())
                    }))?;
                }
                Ok(())
            }))
            .append_document_content_handler(doctype!(|d| {
                d.remove();
                Ok(())
            }))
            .append_document_content_handler(doc_comments!(|c| {
                if !inside.get() {
                    c.remove();
                }
                Ok(())
            }))
            .append_document_content_handler(doc_text!(|t| {
                if in_title.get() {
                    title.borrow_mut().push_str(t.as_str());
                }
                if !inside.get() {
                    t.remove();
                }
                Ok(())
            }));
        let inner = rewrite_str(html, settings)?;
        if !found.get() {
            return Ok(None);
        }
        Ok(Some(Page {
            container,
            inner,
            body: body.into_inner().unwrap_or_default(),
            title: decode_html_entities(&title.into_inner()).into_owned(),
        }))
    }

    /// A `<body>` attribute's value ("" without it).
    fn body_attr(&self, name: &str) -> &str {
        self.body
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The rewriter's settings: no ESI tags (`<esi:…>` is no void element here)
/// and no bail-out on markup that it cannot parse without a DOM tree (raw
/// HTML in a page is the author's; it is passed on as the browser will read it).
fn settings<'h>() -> RewriteStrSettings<'h, 'static> {
    RewriteStrSettings::new()
        .with_strict(false)
        .with_enable_esi_tags(false)
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

/// Rewrites ids and URLs of one document (see the module doc).
struct Rewriter<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    /// Output paths of the pages (the other files are inlined as data URIs).
    pages: &'a BTreeSet<String>,
    /// The output path the document was rendered for.
    from: &'a str,
    /// The id prefix of the page (`None` for the shell: ids kept).
    prefix: Option<&'a str>,
    /// How many `<svg>` elements the current one is in (or is). Its own count:
    /// the rewriter puts the content of `<title>`, `<desc>` and
    /// `<foreignObject>` in the HTML namespace.
    svg_depth: Rc<Cell<usize>>,
}

impl<'a> Rewriter<'a> {
    fn new(
        files: &'a BTreeMap<String, Vec<u8>>,
        pages: &'a BTreeSet<String>,
        from: &'a str,
        prefix: Option<&'a str>,
    ) -> Self {
        Rewriter {
            files,
            pages,
            from,
            prefix,
            svg_depth: Rc::default(),
        }
    }

    /// The home page `index` as the single file's shell: `<html>` marked as
    /// the bundle, `<body>` without its page's attributes, the content of its
    /// `container` replaced by `sections`, the search index `index_js` before
    /// the first script after it, and the rest rewritten as [`Self::element`]
    /// does.
    fn shell(
        &self,
        index: &str,
        container: &str,
        sections: &str,
        index_js: Option<String>,
    ) -> Result<String, RewritingError> {
        let content = format!("\n{sections}");
        let inside = Rc::new(Cell::new(false));
        let after = Rc::new(Cell::new(false));
        let seen = Cell::new(false);
        // Taken by whichever comes first: a script after the container, the
        // end of `<body>`, the end of the document.
        let index_js = Rc::new(RefCell::new(index_js));
        let settings = settings()
            .append_element_content_handler(element!("*", |el| {
                if inside.get() {
                    // Replaced by the sections.
                    return Ok(());
                }
                let name = el.tag_name();
                match name.as_str() {
                    "html" => {
                        // The marker first, before the page's own attributes.
                        let attrs: Vec<(String, String)> = el
                            .attributes()
                            .iter()
                            .map(|a| (a.name_preserve_case(), a.value()))
                            .collect();
                        for (n, _) in &attrs {
                            el.remove_attribute(n);
                        }
                        el.set_attribute("data-signpost-bundle", "")?;
                        for (n, v) in &attrs {
                            el.set_attribute(n, v)?;
                        }
                    }
                    "body" => {
                        let names: Vec<String> = el.attributes().iter().map(|a| a.name()).collect();
                        for n in &names {
                            el.remove_attribute(n);
                        }
                        if el.can_have_content() {
                            let index_js = Rc::clone(&index_js);
                            el.on_end_tag(end_tag!(move |end| {
                                if let Some(js) = index_js.borrow_mut().take() {
                                    end.before(&js, ContentType::Html);
                                }
                                Ok(())
                            }))?;
                        }
                    }
                    "script" if after.get() => {
                        if let Some(js) = index_js.borrow_mut().take() {
                            el.before(&format!("{js}\n"), ContentType::Html);
                        }
                    }
                    _ => {}
                }
                if name == container && !seen.get() && el.can_have_content() {
                    seen.set(true);
                    inside.set(true);
                    el.set_inner_content(&content, ContentType::Html);
                    let (inside, after) = (Rc::clone(&inside), Rc::clone(&after));
                    el.on_end_tag(end_tag!(move |_| {
                        inside.set(false);
                        after.set(true);
                        Ok(())
                    }))?;
                }
                self.element(el)
            }))
            .append_document_content_handler(end!(|end| {
                if let Some(js) = index_js.borrow_mut().take() {
                    end.append(&js, ContentType::Html);
                }
                Ok(())
            }));
        rewrite_str(index, settings)
    }

    /// One element: a stylesheet or script of the site inlined; otherwise its
    /// ids prefixed (not in SVG: they must stay XML names, and each chart's
    /// are already unique to the site) and its URLs rewritten.
    fn element(&self, el: &mut Element<'_, '_>) -> HandlerResult {
        let name = el.tag_name();
        if let Some(inlined) = self.inline(&name, el) {
            el.replace(&inlined, ContentType::Html);
            return Ok(());
        }
        if name == "svg" && el.can_have_content() {
            self.svg_depth.set(self.svg_depth.get() + 1);
            let depth = Rc::clone(&self.svg_depth);
            el.on_end_tag(end_tag!(move |_| {
                depth.set(depth.get().saturating_sub(1));
                Ok(())
            }))?;
        }
        let prefix = if self.svg_depth.get() > 0 {
            None
        } else {
            self.prefix
        };
        let edits: Vec<(String, String)> = el
            .attributes()
            .iter()
            .filter_map(|a| {
                let name = a.name();
                let value = a.value();
                let new = self.attribute(&name, &decode_html_entities(&value), prefix)?;
                Some((name, new))
            })
            .collect();
        for (name, new) in edits {
            el.set_attribute(&name, &escape_html(&new))?;
        }
        Ok(())
    }

    /// The new value of attribute `name` (lowercase), if it changes.
    fn attribute(&self, name: &str, value: &str, prefix: Option<&str>) -> Option<String> {
        if name == "id" {
            prefix.map(|p| format!("{p}{value}"))
        } else if IDREF_ATTRS.contains(&name) {
            prefix.map(|p| {
                value
                    .split_ascii_whitespace()
                    .map(|id| format!("{p}{id}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        } else if URL_ATTRS.contains(&name) {
            self.rewrite_url(value)
        } else if value.contains("url(#") {
            prefix.map(|p| value.replace("url(#", &format!("url(#{p}")))
        } else {
            None
        }
    }

    /// A stylesheet link or a script of the site: the element that replaces it.
    fn inline(&self, name: &str, el: &Element<'_, '_>) -> Option<String> {
        let get = |n: &str| {
            el.get_attribute(n)
                .map(|v| decode_html_entities(&v).into_owned())
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
                let css = String::from_utf8_lossy(self.files.get(&path)?);
                Some(format!(
                    "<style>\n{}</style>",
                    inline_css(self.files, &path, &css)
                ))
            }
            "script" => {
                let path = self.resolve(&get("src")?)?.0;
                let js = String::from_utf8_lossy(self.files.get(&path)?);
                Some(inline_script(&js))
            }
            _ => None,
        }
    }

    /// An URL of the document → the output path it names (if it names a file
    /// of the site) and its fragment.
    fn resolve(&self, url: &str) -> Option<(String, Option<String>)> {
        resolve_in(self.files, self.from, url)
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
    let mime = mime_type(path);
    let mut uri = String::with_capacity(mime.len() + 13 + bytes.len().div_ceil(3) * 4);
    uri.push_str("data:");
    uri.push_str(mime);
    uri.push_str(";base64,");
    BASE64.encode_string(bytes, &mut uri);
    uri
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

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter()
            .map(|(p, c)| ((*p).to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    /// `html` with every element rewritten by `r`, as inside a page's `<main>`.
    fn rewrite(r: &Rewriter<'_>, html: &str) -> String {
        rewrite_str(
            html,
            settings().append_element_content_handler(element!("*", |el| r.element(el))),
        )
        .unwrap()
    }

    #[test]
    fn data_uris_are_standard_base64_with_padding() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                data_uri("a.txt", plain.as_bytes()),
                format!("data:text/plain;base64,{encoded}")
            );
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
        let r = Rewriter::new(&f, &pages, "a/b.html", Some("p/a/b.html:"));
        let html = r#"<h2 id="step-1">S</h2><a href="../c.html#x-y">c</a> <a href='#step-1'>s</a>
<img src="../img/x.svg" alt="x"><label for="q">Q</label><a href="./">up</a>
<a href="https://e.com/">e</a><!-- <a href="c.html"> --><svg id="c"><title id="c-t">T</title><path marker-end="url(#m)"/></svg>
<a href="../missing.pdf">m</a><script>var s = "<a href='c.html'>";</script>"#;
        let out = rewrite(&r, html);
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
        assert!(
            out.contains(r#"<svg id="c"><title id="c-t">T</title>"#),
            "{out}"
        );
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
        let out = single_file(&f, &pages).unwrap();
        assert!(
            out.starts_with("<!DOCTYPE html>\n<html data-signpost-bundle=\"\" lang=\"en\">"),
            "{out}"
        );
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
    fn pages_without_main_give_their_body_and_decode_every_entity() {
        let page = |title: &str, body: &str| {
            format!(
                "<!DOCTYPE html><html><head><title>{title}</title></head>\
                 <body data-title=\"{title}\"><nav>N</nav>{body}</body></html>"
            )
        };
        let f = files(&[
            ("index.html", &page("Home", "<p id=\"x\">Hi</p>")),
            ("b.html", &page("Tom &amp; Jerry&rsquo;s", "<p>’</p>")),
            ("_signpost/search-index.js", "window.signpostSearch = {};"),
        ]);
        let pages = f.keys().filter(|k| k.ends_with(".html")).cloned().collect();
        let out = single_file(&f, &pages).unwrap();
        // The shell's body holds the pages' bodies, and not its own again.
        assert_eq!(out.matches("<nav>").count(), 2, "{out}");
        assert!(out.contains(r#"<p id="p/index.html:x">Hi</p>"#), "{out}");
        assert!(
            out.contains(r#"data-title="Tom &amp; Jerry’s" data-doc-title="Tom &amp; Jerry’s">"#),
            "{out}"
        );
        // No script after the pages: the search index ends the body.
        assert!(
            out.ends_with("window.signpostSearch = {};</script></body></html>"),
            "{out}"
        );
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
