//! Resolving a link destination or branch `to` written on a page into what it
//! names: a page (with an optional `#fragment`), a section, a file, or an external
//! URL; and turning resolved targets into relative URLs between output files.

use crate::content::{Content, PageId};

/// What a destination names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `https://…`, `mailto:…`, `//host/…`: left as written.
    External,
    /// `#fragment` on the same page.
    SamePage(String),
    /// A published page, with an optional fragment.
    Page(PageId, Option<String>),
    /// A folder's section page (`dir/` or `dir/_index.md` without a file).
    Section(String, Option<String>),
    /// A non-Markdown file under `content/`.
    Asset(String),
    /// A `.md` path that names no published page (normalized path).
    MissingPage(String),
    /// A `.md` path that names a draft left out of this build.
    Draft(String),
    /// Any other relative path that is not in the site (kept as written).
    MissingFile(String),
    /// The path climbs above `content/`.
    OutsideRoot,
}

fn has_scheme(dest: &str) -> bool {
    // One pass over the scheme's characters (this runs for every link): a
    // scheme is a letter, then letters, digits, `+`, `-` and `.`, up to `:`.
    let b = dest.as_bytes();
    if b.starts_with(b"//") {
        return true;
    }
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    b[1..]
        .iter()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
        == Some(&b':')
}

/// Decodes `%XX` escapes (invalid ones are kept as written).
pub fn percent_decode(s: &str) -> String {
    percent_decoded(s).into_owned()
}

/// [`percent_decode`], borrowing `s` when it holds no `%`.
fn percent_decoded(s: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'%', s.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| s.to_string()))
}

/// Joins `path` onto folder `dir` (both relative to `content/`), resolving `.` and
/// `..`; a leading `/` starts from `content/`. `None` if it climbs above the root.
pub fn normalize(dir: &str, path: &str) -> Option<String> {
    // Built in place (this runs for every link of every page): `..` cuts the
    // last segment off again.
    let mut out = String::with_capacity(dir.len() + path.len() + 1);
    let rest = if let Some(abs) = path.strip_prefix('/') {
        abs
    } else {
        for seg in segments(dir).filter(|s| !s.is_empty()) {
            push_segment(&mut out, seg);
        }
        path
    };
    for seg in segments(rest) {
        match seg {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return None;
                }
                let cut = out.bytes().rposition(|b| b == b'/').unwrap_or(0);
                out.truncate(cut);
            }
            s => push_segment(&mut out, s),
        }
    }
    Some(out)
}

fn push_segment(out: &mut String, seg: &str) {
    if !out.is_empty() {
        out.push('/');
    }
    out.push_str(seg);
}

/// `s.split('/')` with `memchr` (`/` is ASCII, so every piece is whole
/// UTF-8), without the searcher `str::split` sets up for every call.
fn segments(s: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = &s.as_bytes()[start..];
        let seg = match memchr::memchr(b'/', rest) {
            Some(i) => {
                let seg = &s[start..start + i];
                start += i + 1;
                seg
            }
            None => {
                done = true;
                &s[start..]
            }
        };
        Some(seg)
    })
}

/// Splits `dest` into path and fragment (without `#`), dropping any `?query`.
pub fn split_fragment(dest: &str) -> (&str, Option<&str>) {
    // The first `#` ends the path, and so does a `?` before it.
    let b = dest.as_bytes();
    match memchr::memchr2(b'#', b'?', b) {
        None => (dest, None),
        Some(i) if b[i] == b'#' => (&dest[..i], Some(&dest[i + 1..])),
        Some(q) => {
            let frag = memchr::memchr(b'#', &b[q + 1..]).map(|j| &dest[q + 1 + j + 1..]);
            (&dest[..q], frag)
        }
    }
}

/// Resolves `dest`, written on a page in folder `dir`.
pub fn classify(content: &Content, dir: &str, dest: &str) -> Target {
    let dest = dest.trim();
    if has_scheme(dest) {
        return Target::External;
    }
    let (path, frag) = split_fragment(dest);
    let frag = frag.map(percent_decode);
    if path.is_empty() {
        return Target::SamePage(frag.unwrap_or_default());
    }
    let decoded = percent_decoded(path);
    let Some(norm) = normalize(dir, &decoded) else {
        // Only pages must stay inside content/; other files outside it are
        // reported as missing files and kept as written.
        let target = if decoded.ends_with(".md") {
            Target::OutsideRoot
        } else {
            Target::MissingFile(decoded.into_owned())
        };
        return target;
    };
    if let Some(id) = content.find(&norm) {
        return Target::Page(id, frag);
    }
    if norm.ends_with(".md") {
        if content.drafts.contains(&norm) {
            return Target::Draft(norm);
        }
        let stem = &norm[..norm.len() - 3];
        if stem == "_index" || stem.ends_with("/_index") {
            let d = stem
                .strip_suffix("_index")
                .unwrap_or("")
                .trim_end_matches('/');
            if content.sections.contains(d) {
                return Target::Section(d.to_string(), frag);
            }
        }
        return Target::MissingPage(norm);
    }
    if content.has_asset(&norm) {
        return Target::Asset(norm);
    }
    // A folder: its section page.
    if content.sections.contains(&norm) {
        return Target::Section(norm, frag);
    }
    // `page.html` written for `page.md`, or `dir/index.html` for a section.
    if let Some(stem) = norm.strip_suffix(".html") {
        let key = format!("{stem}.md");
        if let Some(id) = content.find(&key) {
            return Target::Page(id, frag);
        }
        let d = stem.strip_suffix("index").map(|d| d.trim_end_matches('/'));
        if let Some(d) = d.filter(|d| content.sections.contains(*d)) {
            return Target::Section(d.to_string(), frag);
        }
    }
    Target::MissingFile(norm)
}

/// The URL a link to `dest`, written on the page whose output file is
/// `page_out` in folder `dir`, points to in the output: a link to a page or a
/// section is rewritten to its output file (relative to `page_out`); anything
/// else is kept as written (`None`).
pub fn rewrite(content: &Content, dir: &str, page_out: &str, dest: &str) -> Option<String> {
    let (url, frag) = match classify(content, dir, dest) {
        Target::Page(id, frag) => (relative_url(page_out, &content.page(id).out), frag),
        Target::Section(d, frag) => (relative_url(page_out, &section_out(&d)), frag),
        _ => return None,
    };
    Some(with_fragment(url, frag))
}

/// `url`, followed by `#frag` if there is one.
pub fn with_fragment(mut url: String, frag: Option<String>) -> String {
    if let Some(f) = frag {
        url.push('#');
        url.push_str(&f);
    }
    url
}

/// The URL of output file `to` relative to output file `from` (both relative to the
/// output root, `/` separators).
pub fn relative_url(from: &str, to: &str) -> String {
    // The folders both paths share end at the last `/` of their common prefix.
    let same = from
        .bytes()
        .zip(to.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let shared = from.as_bytes()[..same]
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    let ups = from[shared..].matches('/').count();
    let mut url = String::with_capacity(3 * ups + to.len() - shared);
    for _ in 0..ups {
        url.push_str("../");
    }
    push_escaped_path(&mut url, &to[shared..]);
    if url.is_empty() {
        url.push_str("./");
    }
    url
}

/// Percent-encodes the characters that may not appear raw in a URL path
/// (spaces, quotes, `#`, `?`, `%`, `<`, `>`); other Unicode stays readable.
pub fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_escaped_path(&mut out, path);
    out
}

/// Appends `path` to `out`, escaped as by [`escape_path`].
fn push_escaped_path(out: &mut String, path: &str) {
    let mut rest = path;
    // All of them are ASCII, so a byte search finds them at char boundaries.
    while let Some(i) = rest
        .bytes()
        .position(|b| matches!(b, b' ' | b'"' | b'#' | b'%' | b'<' | b'>' | b'?' | b'\\'))
    {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b' ' => "%20",
            b'"' => "%22",
            b'#' => "%23",
            b'%' => "%25",
            b'<' => "%3C",
            b'>' => "%3E",
            b'?' => "%3F",
            _ => "%5C",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// The relative prefix from output file `from` to the output root (`""` or `../…`).
pub fn root_prefix(from: &str) -> String {
    "../".repeat(from.matches('/').count())
}

/// Output path of the map page of the tree whose entry page is written to
/// `entry_out`: beside it, `.map.html` for `.html` (`a/b.html` →
/// `a/b.map.html`). A source can still take that path (`b.map.md`, or a copied
/// `b.map.html`): `check::collisions` reports it.
pub fn map_out(entry_out: &str) -> String {
    let stem = entry_out.strip_suffix(".html").unwrap_or(entry_out);
    [stem, ".map.html"].concat()
}

/// Output path of the section page of folder `dir`.
pub fn section_out(dir: &str) -> String {
    if dir.is_empty() {
        "index.html".to_string()
    } else {
        [dir, "/index.html"].concat()
    }
}

/// Output path of the tags index.
pub const TAGS_INDEX: &str = "tags/index.html";

/// Output path of the page that lists the pages tagged `tag`: `tags/<slug>.html`,
/// the slug lower-cased letters and digits with `-` between words ("VPN
/// client" → `tags/vpn-client.html`), so tags that differ only in case or
/// punctuation share a page.
pub fn tag_out(tag: &str) -> String {
    let mut slug = String::with_capacity(tag.len());
    for c in tag.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    // `tags/index.html` is the tags index.
    if slug.is_empty() || slug == "index" {
        slug.insert_str(0, "tag-");
        slug = slug.trim_end_matches('-').to_string();
    }
    format!("tags/{slug}.html")
}

/// The absolute URL of output file `out` under `base_url` (`None` when
/// `base_url` is empty): for canonical links and the sitemap only.
pub fn absolute_url(base_url: &str, out: &str) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    if base.is_empty() {
        return None;
    }
    let path = out.strip_suffix("index.html").unwrap_or(out);
    Some(format!("{base}/{}", escape_path(path)))
}

/// A path to `target` (relative to content/) as it would be written in folder `dir`.
pub fn relative_path(dir: &str, target: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len() - 1);
    let mut s = "../".repeat(from.len() - common);
    s.push_str(&to[common..].join("/"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_pages_and_absolute_urls() {
        assert_eq!(tag_out("VPN client"), "tags/vpn-client.html");
        assert_eq!(tag_out("vpn-Client!"), "tags/vpn-client.html");
        assert_eq!(tag_out("Wi-Fi / Router"), "tags/wi-fi-router.html");
        assert_eq!(tag_out("Anmeldung Ärger"), "tags/anmeldung-ärger.html");
        assert_eq!(tag_out("index"), "tags/tag-index.html");
        assert_eq!(tag_out("!!"), "tags/tag.html");
        assert_eq!(absolute_url("", "a.html"), None);
        assert_eq!(
            absolute_url("https://kb.example.com/help/", "a/b c.html").as_deref(),
            Some("https://kb.example.com/help/a/b%20c.html")
        );
        assert_eq!(
            absolute_url("https://kb.example.com", "a/index.html").as_deref(),
            Some("https://kb.example.com/a/")
        );
        assert_eq!(
            absolute_url("https://kb.example.com", "index.html").as_deref(),
            Some("https://kb.example.com/")
        );
    }

    #[test]
    fn map_pages_sit_beside_their_entry() {
        assert_eq!(map_out("a/b.html"), "a/b.map.html");
        assert_eq!(map_out("index.html"), "index.map.html");
        assert_eq!(map_out("a/index.html"), "a/index.map.html");
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("a/b", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(normalize("a/b", "/x/./y.md").as_deref(), Some("x/y.md"));
        assert_eq!(normalize("a", "../../x.md"), None);
        assert_eq!(normalize("", "x.md").as_deref(), Some("x.md"));
        assert_eq!(normalize("a", "..").as_deref(), Some(""));
        assert_eq!(normalize("a/b", "c/../../d/").as_deref(), Some("a/d"));
        assert_eq!(normalize("a", "/").as_deref(), Some(""));
        assert_eq!(normalize("", ".."), None);
    }

    #[test]
    fn relative_urls() {
        assert_eq!(relative_url("a/b.html", "a/c.html"), "c.html");
        assert_eq!(relative_url("a/b.html", "x/y/z.html"), "../x/y/z.html");
        assert_eq!(relative_url("index.html", "a/b.html"), "a/b.html");
        assert_eq!(relative_url("a/b/c.html", "index.html"), "../../index.html");
        assert_eq!(relative_url("a/b.html", "a/b.html"), "b.html");
        assert_eq!(root_prefix("a/b/c.html"), "../../");
    }

    /// The straightforward version `relative_url` must agree with.
    fn relative_url_reference(from: &str, to: &str) -> String {
        let from_dir: Vec<&str> = from.split('/').collect();
        let from_dir = &from_dir[..from_dir.len() - 1];
        let to_parts: Vec<&str> = to.split('/').collect();
        let common = from_dir
            .iter()
            .zip(&to_parts)
            .take_while(|(a, b)| a == b)
            .count()
            .min(to_parts.len() - 1);
        let mut url = "../".repeat(from_dir.len() - common);
        url.push_str(&escape_path(&to_parts[common..].join("/")));
        if url.is_empty() {
            url.push_str("./");
        }
        url
    }

    #[test]
    fn relative_urls_agree_with_the_reference() {
        let paths = [
            "index.html",
            "a.html",
            "a/index.html",
            "a/b.html",
            "a/b/c.html",
            "a/b/index.html",
            "b/a.html",
            "a/a/a.html",
            "x y/#?.html",
            "a",
            "a/",
            "",
            "é/ü.html",
            "a/b/",
        ];
        for from in paths {
            for to in paths {
                assert_eq!(
                    relative_url(from, to),
                    relative_url_reference(from, to),
                    "{from} → {to}"
                );
            }
        }
    }

    proptest::proptest! {
        /// The byte scans agree with the `str` methods they replace.
        #[test]
        fn scans_agree_with_str_methods(dest in "[a-z0-9+.:/#?%é-]{0,16}", dir in "[a/.]{0,8}") {
            let scheme = dest.starts_with("//") || dest.find(':').is_some_and(|i| {
                let scheme = &dest[..i];
                scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            });
            proptest::prop_assert_eq!(has_scheme(&dest), scheme);
            let (path, frag) = match dest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (dest.as_str(), None),
            };
            let path = path.split_once('?').map_or(path, |(p, _)| p);
            proptest::prop_assert_eq!(split_fragment(&dest), (path, frag));
            let segs: Vec<&str> = segments(&dest).collect();
            proptest::prop_assert_eq!(segs, dest.split('/').collect::<Vec<_>>());
            proptest::prop_assert_eq!(normalize(&dir, &dest), normalize_reference(&dir, &dest));
        }
    }

    /// `normalize` as first written, with `str::split`.
    fn normalize_reference(dir: &str, path: &str) -> Option<String> {
        let mut out: Vec<&str> = Vec::new();
        let rest = if let Some(abs) = path.strip_prefix('/') {
            abs
        } else {
            out.extend(dir.split('/').filter(|s| !s.is_empty()));
            path
        };
        for seg in rest.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    out.pop()?;
                }
                s => out.push(s),
            }
        }
        Some(out.join("/"))
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("mailto:a@b"));
        assert!(has_scheme("//cdn"));
        assert!(!has_scheme("a.md#x:y"));
        assert!(!has_scheme("../a.md"));
        assert_eq!(percent_decode("a%20b.md"), "a b.md");
    }

    proptest::proptest! {
        /// Relative URLs agree with the reference, also for paths whose common
        /// prefix ends inside a character.
        #[test]
        fn long_relative_urls_agree_with_the_reference(
            from in "([aéè]{1,9}/){0,3}[ab ]{1,12}\\.html",
            to in "([aéè]{1,9}/){0,3}[ab#]{1,12}\\.html",
        ) {
            proptest::prop_assert_eq!(relative_url(&from, &to), relative_url_reference(&from, &to));
        }

        /// Paths are escaped as percent-encoding each special character does.
        #[test]
        fn paths_escape_each_special_character(path in "[a/ \"#%<>?\\\\é.=!,_0-9-]{0,40}") {
            let mut expected = String::new();
            for c in path.chars() {
                match c {
                    ' ' | '"' | '#' | '%' | '<' | '>' | '?' | '\\' => {
                        expected.push_str(&format!("%{:02X}", c as u32));
                    }
                    c => expected.push(c),
                }
            }
            proptest::prop_assert_eq!(escape_path(&path), expected);
        }
    }
}
