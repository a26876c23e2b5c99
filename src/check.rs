//! Whole-site checks after the graph is resolved: every link, image and
//! anchor of every page body and branch (broken, leaving content/, naming a
//! draft or a missing file), and output paths that two files would write. Input: the loaded [`Content`],
//! the [`Graph`] and each page's scan. Output: diagnostics, and each page's
//! backlinks.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::content::{ASSET_DIR, Content, PageId};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::graph::{self, Graph};
use crate::links::{self, Target, classify, split_fragment};
use crate::markdown::Processed;
use crate::source::{SourceMap, Span};

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

/// Checks every link of every page and returns each page's backlinks: the
/// pages whose bodies link to it (section intros neither give nor get any),
/// in page order.
///
/// Links are resolved in parallel; the few that need a diagnostic or an
/// anchor check are then gone through in page order, so that diagnostics (and
/// the cap on suggestions) do not depend on threads.
pub fn links(
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
                let target = classify(content, page.dir(), &link.dest);
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
    let mut backlinks: Vec<Vec<PageId>> = vec![Vec::new(); content.pages.len()];
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
                    // A missing image is a visible hole in the page: an error.
                    let d = if link.image {
                        Diagnostic::new(Code::MissingImage, span, format!("image `{}` is not a file of the site", link.dest))
                    } else {
                        Diagnostic::new(
                            Code::MissingFile,
                            span,
                            format!("{what} `{}` is not a file of the site; kept as written", link.dest),
                        )
                    };
                    diags.push(d.label("not under content/").help("put the file under content/, or use a full URL"));
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
    out.strip_prefix(ASSET_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Reports SP205: two sources (or a source and a generated file) that would
/// write the same output path, also where the paths differ only in case (they
/// overwrite each other on a case-insensitive disk, or when the zip is
/// unpacked there).
pub fn collisions(content: &Content, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) {
    // Lower-cased output path → (the path, who writes it). Generated files
    // come first, so a source that collides with one is the one reported.
    let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut own = |out: String, owner: String| {
        owners.entry(out.to_lowercase()).or_insert((out, owner));
    };
    own("graph.json".into(), "signpost's graph.json".into());
    for dir in &content.sections {
        let owner = content.section_intro(dir).map_or_else(
            || {
                format!(
                    "the section page of {}",
                    if dir.is_empty() { "content/" } else { dir }
                )
            },
            |p| p.path.clone(),
        );
        own(links::section_out(dir), owner);
    }
    for page in content
        .pages
        .iter()
        .filter(|p| !p.section_intro && p.meta.is_entry())
    {
        own(
            links::map_out(&page.out),
            format!("the map page of `{}`", page.path),
        );
    }
    // Who writes `out` already, as a phrase; `None` when no one does.
    let prior = |owners: &BTreeMap<String, (String, String)>, out: &str| {
        if in_asset_dir(&out.to_lowercase()) {
            return Some(format!("signpost's own {ASSET_DIR}/ folder"));
        }
        let (path, owner) = owners.get(&out.to_lowercase())?;
        Some(if path == out {
            owner.clone()
        } else {
            format!("{owner} (as {path}: the names differ only in case)")
        })
    };
    for page in &content.pages {
        if page.section_intro {
            continue;
        }
        if let Some(prior) = prior(&owners, &page.out) {
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
            owners.insert(
                page.out.to_lowercase(),
                (page.out.clone(), page.path.clone()),
            );
        }
    }
    for asset in &content.assets {
        if let Some(prior) = prior(&owners, &asset.path) {
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
        } else {
            owners.insert(
                asset.path.to_lowercase(),
                (asset.path.clone(), asset.path.clone()),
            );
        }
    }
}
