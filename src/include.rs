//! Includes (SPEC §7): a body line `{{#include PATH}}` or
//! `{{#include PATH#heading}}` is replaced by the body of that Markdown file (or
//! the one section under that heading), as in mdBook.
//!
//! Input: the loaded [`Content`] (pages, and the unpublished `_` files it may
//! include) and the source map. Output: each including page's expanded text
//! ([`Expanded`], kept on the page and scanned again), and diagnostics SP210
//! (missing file or heading) and SP211 (include loop) at the include line.
//!
//! Relative links and images in an included file are written relative to that
//! file; they are rewritten relative to the including page, so that the later
//! checks and the renderer treat them like the page's own. Each piece of the
//! expanded text remembers where it came from ([`Expanded::origin`]), so that a
//! diagnostic about included text points into the included file.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::content::{Content, Expanded, Piece, front_matter};
use crate::diag::{Code, Diagnostic};
use crate::links;
use crate::markdown::{self, Processed, Slugger};
use crate::source::{FileId, SourceMap, Span};

/// How deep includes may nest (a loop is reported before this; the limit only
/// bounds very long chains).
const MAX_DEPTH: usize = 32;

/// Expands the includes of every page that has one, and scans those pages
/// again.
pub fn expand(
    content: &mut Content,
    scans: &mut [Processed],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    for (i, scan) in scans.iter_mut().enumerate() {
        let page = &content.pages[i];
        let text = &sources.get(page.file).text;
        if !text[page.body.clone()].contains("{{#include") {
            continue;
        }
        let mut out = Expanded {
            text: text[..page.body.start].to_string(),
            body_start: page.body.start,
            pieces: vec![Piece {
                at: 0,
                file: page.file,
                from: 0,
            }],
        };
        let mut stack = vec![page.path.clone()];
        let dir = page.dir().to_string();
        expand_into(
            content,
            sources,
            &Source {
                file: page.file,
                path: &page.path,
                range: page.body.clone(),
            },
            &dir,
            &mut stack,
            &mut out,
            diags,
        );
        let body = out.body_start..out.text.len();
        *scan = markdown::scan(&out.text, body);
        content.pages[i].expanded = Some(Box::new(out));
    }
}

/// The text being expanded: a range of a file.
struct Source<'a> {
    file: FileId,
    /// Path under content/.
    path: &'a str,
    range: Range<usize>,
}

/// Appends `src` to `out`, replacing include lines; `page_dir` is the folder
/// of the including page (links are rewritten relative to it).
#[allow(clippy::too_many_arguments, reason = "recursive walk with its state")]
fn expand_into(
    content: &Content,
    sources: &SourceMap,
    src: &Source<'_>,
    page_dir: &str,
    stack: &mut Vec<String>,
    out: &mut Expanded,
    diags: &mut Vec<Diagnostic>,
) {
    let text = &sources.get(src.file).text;
    let src_dir = crate::content::parent_dir(src.path);
    // Links of this file to rewrite: (range, new destination).
    let mut rewrites: BTreeMap<usize, (Range<usize>, String)> = BTreeMap::new();
    if src_dir != page_dir {
        for l in markdown::scan(text, src.range.clone()).links {
            if text.get(l.span.clone()) != Some(l.dest.as_str()) {
                continue;
            }
            if let Some(new) = rebase(src_dir, page_dir, &l.dest) {
                rewrites.insert(l.span.start, (l.span.clone(), new));
            }
        }
    }
    let mut pos = src.range.start;
    let mut in_fence = false;
    while pos < src.range.end {
        let end = text[pos..src.range.end]
            .find('\n')
            .map_or(src.range.end, |i| pos + i + 1);
        let line = &text[pos..end];
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let include = (!in_fence)
            .then(|| {
                trimmed
                    .strip_prefix("{{#include ")
                    .and_then(|r| r.strip_suffix("}}"))
            })
            .flatten();
        if let Some(arg) = include {
            let col = pos + line.find("{{").unwrap_or(0);
            let span = Span::new(src.file, col..col + trimmed.len());
            include_one(
                content,
                sources,
                arg.trim(),
                span,
                src_dir,
                page_dir,
                stack,
                out,
                diags,
            );
            out.pieces.push(Piece {
                at: out.text.len(),
                file: src.file,
                from: end,
            });
        } else {
            push_line(text, pos..end, &rewrites, out);
        }
        pos = end;
    }
}

/// Appends one line, with its links rewritten; each rewritten link starts a
/// new piece so that positions after it still map back.
fn push_line(
    text: &str,
    line: Range<usize>,
    rewrites: &BTreeMap<usize, (Range<usize>, String)>,
    out: &mut Expanded,
) {
    let file = out.pieces.last().map_or(FileId(0), |p| p.file);
    let mut pos = line.start;
    for (_, (range, new)) in rewrites.range(line.clone()) {
        out.text.push_str(&text[pos..range.start]);
        out.text.push_str(new);
        pos = range.end;
        out.pieces.push(Piece {
            at: out.text.len(),
            file,
            from: pos,
        });
    }
    out.text.push_str(&text[pos..line.end]);
}

/// `dest`, written in a file of folder `from`, as written from folder `to`;
/// `None` when it needs no change (external, fragment-only, rooted).
fn rebase(from: &str, to: &str, dest: &str) -> Option<String> {
    if dest.starts_with('#') || dest.starts_with('/') || dest.contains("://") || dest.contains(':')
    {
        return None;
    }
    let (path, frag) = links::split_fragment(dest);
    let target = links::normalize(from, path)?;
    let mut s = links::relative_path(to, &target);
    if let Some(f) = frag {
        s.push('#');
        s.push_str(f);
    }
    Some(s)
}

#[allow(clippy::too_many_arguments, reason = "recursive walk with its state")]
fn include_one(
    content: &Content,
    sources: &SourceMap,
    arg: &str,
    span: Span,
    src_dir: &str,
    page_dir: &str,
    stack: &mut Vec<String>,
    out: &mut Expanded,
    diags: &mut Vec<Diagnostic>,
) {
    let (path, heading) = match arg.split_once('#') {
        Some((p, h)) => (p, Some(h)),
        None => (arg, None),
    };
    let target = links::normalize(src_dir, path);
    let found = target.as_deref().and_then(|t| {
        content
            .snippets
            .get(t)
            .copied()
            .or_else(|| content.find(t).map(|id| content.page(id).file))
            .map(|f| (t.to_string(), f))
    });
    let Some((target, file)) = found else {
        let known = content.snippets.keys().map(String::as_str);
        let help = target
            .as_deref()
            .and_then(|t| crate::diag::did_you_mean(t, known))
            .map(|s| format!("did you mean \"{}\"?", links::relative_path(src_dir, s)));
        diags.push(
            Diagnostic::new(
                Code::IncludeMissing,
                span,
                format!("included file `{path}` does not exist"),
            )
            .label("no such file")
            .maybe_help(help),
        );
        return;
    };
    if stack.contains(&target) || stack.len() > MAX_DEPTH {
        let mut circle = stack.clone();
        circle.push(target.clone());
        diags.push(
            Diagnostic::new(
                Code::IncludeLoop,
                span,
                format!("include loop: {}", circle.join(" → ")),
            )
            .label("includes itself")
            .help("an included file must not include, directly or not, the file that includes it"),
        );
        return;
    }
    let text = &sources.get(file).text;
    let body = match front_matter::split(text) {
        Ok(s) => s.body,
        Err(_) => 0..text.len(),
    };
    let range = match heading {
        None => body,
        Some(h) => match section(text, body, h) {
            Ok(r) => r,
            Err(known) => {
                let help = crate::diag::did_you_mean(h, known.iter().map(String::as_str))
                    .map(|s| format!("did you mean `#{s}`?"))
                    .unwrap_or_else(|| {
                        if known.is_empty() {
                            format!("{target} has no headings")
                        } else {
                            format!("its headings: {}", known.join(", "))
                        }
                    });
                diags.push(
                    Diagnostic::new(
                        Code::IncludeMissing,
                        span,
                        format!("heading `#{h}` does not exist in `{target}`"),
                    )
                    .label("no such heading")
                    .help(help),
                );
                return;
            }
        },
    };
    out.pieces.push(Piece {
        at: out.text.len(),
        file,
        from: range.start,
    });
    stack.push(target.clone());
    expand_into(
        content,
        sources,
        &Source {
            file,
            path: &target,
            range,
        },
        page_dir,
        stack,
        out,
        diags,
    );
    stack.pop();
    if !out.text.ends_with('\n') {
        out.text.push('\n');
    }
}

/// The range of the section under the heading with anchor `anchor`: from the
/// heading to the next heading of the same or a higher level. `Err` with the
/// anchors there are when none matches.
fn section(text: &str, body: Range<usize>, anchor: &str) -> Result<Range<usize>, Vec<String>> {
    let mut slugger = Slugger::default();
    let mut headings: Vec<(HeadingLevel, usize, String)> = Vec::new();
    let mut current: Option<(HeadingLevel, usize, String)> = None;
    for (event, range) in
        Parser::new_ext(&text[body.clone()], markdown::options()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((level, body.start + range.start, String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, s)) = &mut current {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, s)) = current.take() {
                    headings.push((level, start, slugger.slug(&s)));
                }
            }
            _ => {}
        }
    }
    let Some(i) = headings.iter().position(|(_, _, s)| s == anchor) else {
        return Err(headings.into_iter().map(|(_, _, s)| s).collect());
    };
    let (level, start, _) = headings[i];
    let end = headings[i + 1..]
        .iter()
        .find(|(l, _, _)| *l <= level)
        .map_or(body.end, |(_, s, _)| *s);
    Ok(start..end)
}

/// The span in the file it came from of `range` of a page's text as
/// [`crate::content::Page::source`] gives it (expanded or not).
pub fn span_in(page: &crate::content::Page, range: Range<usize>) -> Span {
    match &page.expanded {
        Some(e) => {
            let (file, start) = e.origin(range.start);
            Span::new(file, start..start + range.len())
        }
        None => Span::new(page.file, range),
    }
}

/// Points diagnostics about expanded text back at the file each piece came
/// from (the including page, or the included file).
pub fn map_back(content: &Content, diags: &mut [Diagnostic]) {
    let expanded: BTreeMap<FileId, &Expanded> = content
        .pages
        .iter()
        .filter_map(|p| p.expanded.as_deref().map(|e| (p.file, e)))
        .collect();
    if expanded.is_empty() {
        return;
    }
    let map = |span: &mut Span| {
        if let Some(e) = expanded.get(&span.file) {
            let (file, start) = e.origin(span.range.start);
            // The end is mapped too: a link rewritten for the including page
            // is longer or shorter in the expanded text than in its file. An
            // end in another file (the span ran past the included text)
            // leaves an empty span at the start.
            let end = match e.origin(span.range.end) {
                (f, end) if f == file && end >= start => end,
                _ => start,
            };
            *span = Span::new(file, start..end);
        }
    };
    for d in diags {
        map(&mut d.span);
        for (s, _) in &mut d.related {
            map(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_rebased_to_the_including_page() {
        assert_eq!(
            rebase("_snippets", "phone", "../phone/reset.md#x").as_deref(),
            Some("reset.md#x")
        );
        assert_eq!(
            rebase("_snippets", "a/b", "../img/p.svg").as_deref(),
            Some("../../img/p.svg")
        );
        assert_eq!(rebase("_snippets", "a", "https://x.org/"), None);
        assert_eq!(rebase("_snippets", "a", "#top"), None);
    }

    #[test]
    fn a_section_ends_at_the_next_heading_of_its_level() {
        let t = "## A\none\n### A1\ntwo\n## B\nthree\n";
        let r = section(t, 0..t.len(), "a").unwrap();
        assert_eq!(&t[r], "## A\none\n### A1\ntwo\n");
        assert_eq!(section(t, 0..t.len(), "c").unwrap_err(), ["a", "a1", "b"]);
    }
}
