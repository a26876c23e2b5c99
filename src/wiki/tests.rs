//! The converter, one construct at a time, in both wikis.

use super::convert::{self, Converted, Dest, Resolved, Syntax};
use super::dokuwiki::DokuWiki;
use super::mediawiki::MediaWiki;

/// Links to `x.md` go to the page `X` (anchor `#steps` → `Steps`), to
/// `a.png` to the file `A.png`, to `http…` out; anything else is unsupported.
fn resolve(dest: &str) -> Resolved {
    let d = if dest.starts_with("http") || dest.starts_with("mailto:") {
        Dest::External(dest.to_string())
    } else if let Some(frag) = dest.strip_prefix('#') {
        Dest::Anchor(frag.replace('-', "_"))
    } else if let Some((page, frag)) = dest.split_once(".md") {
        Dest::Page {
            name: format!("KB/{page}"),
            anchor: frag.strip_prefix('#').map(|f| f.replace('-', "_")),
        }
    } else if dest.ends_with(".png") || dest.ends_with(".pdf") {
        Dest::File(format!("KB-{dest}"))
    } else {
        Dest::Unsupported(format!("`{dest}` is not in the site"))
    };
    (d, None)
}

fn conv(syntax: &dyn Syntax, md: &str) -> Converted {
    convert::convert(md, 0..md.len(), syntax, &resolve)
}

fn mw(md: &str) -> String {
    conv(&MediaWiki, md).markup
}

fn dw(md: &str) -> String {
    conv(&DokuWiki, md).markup
}

#[test]
fn headings() {
    assert_eq!(mw("# Top\n\n## Sub *x*\n"), "= Top =\n\n== Sub ''x'' ==\n");
    assert_eq!(dw("# Top\n\n## Sub *x*\n"), "====== Top ======\n\n===== Sub x =====\n");
    // DokuWiki has five levels.
    assert_eq!(dw("###### Six\n"), "== Six ==\n");
}

#[test]
fn emphasis_strong_strike_and_code() {
    assert_eq!(
        mw("*a* **b** ~~c~~ `d|e`\n"),
        "''a'' '''b''' <s>c</s> <code><nowiki>d|e</nowiki></code>\n"
    );
    assert_eq!(dw("*a* **b** ~~c~~ `d|e`\n"), "//a// **b** <del>c</del> ''%%d|e%%''\n");
}

#[test]
fn lists_nest_and_keep_their_kind() {
    let md = "1. one\n   - inner\n2. two\n";
    assert_eq!(mw(md), "# one\n#* inner\n# two\n");
    assert_eq!(dw(md), "  - one\n    * inner\n  - two\n");
}

#[test]
fn a_list_that_starts_later_is_a_warning() {
    let c = conv(&MediaWiki, "3. three\n4. four\n");
    assert_eq!(c.markup, "# three\n# four\n");
    assert_eq!(c.notes.len(), 1);
    assert_eq!(c.notes[0].range.start, 0);
}

#[test]
fn tables_with_alignment() {
    let md = "| a | b |\n|:--|--:|\n| 1 | 2 |\n";
    assert_eq!(
        mw(md),
        "{| class=\"wikitable\"\n|-\n! style=\"text-align:left\" | a\n! style=\"text-align:right\" | b\n|-\n| style=\"text-align:left\" | 1\n| style=\"text-align:right\" | 2\n|}\n"
    );
    assert_eq!(dw(md), "^ a  ^  b ^\n| 1  |  2 |\n");
}

#[test]
fn a_table_inside_a_list_item() {
    let md = "1. Pick:\n\n   | a |\n   |---|\n   | 1 |\n2. Next\n";
    let m = mw(md);
    assert!(m.contains("# Pick:<br /><table class=\"wikitable\"><tr><th>a</th></tr><tr><td>1</td></tr></table>\n# Next"), "{m}");
    let d = dw(md);
    assert!(d.contains("  - Pick:\n^ a ^\n| 1 |\n  - Next"), "{d}");
}

#[test]
fn code_blocks() {
    let md = "```rust\nfn a() -> &'a str {}\n```\n";
    assert_eq!(mw(md), "<pre>\nfn a() -&gt; &amp;'a str {}\n</pre>\n");
    assert_eq!(dw(md), "<code rust>\nfn a() -> &'a str {}\n</code>\n");
    // In a list item, MediaWiki keeps the block on the item's line.
    assert_eq!(mw("- x\n\n  ```\n  a\n  b\n  ```\n"), "* x<br /><pre>a&#10;b</pre>\n");
}

#[test]
fn links_between_pages_with_anchors() {
    let md = "[reset](reset.md#the-steps) and [here](#top-part)\n";
    assert_eq!(mw(md), "[[KB/reset#the_steps|reset]] and [[#top_part|here]]\n");
    assert_eq!(dw(md), "[[:KB/reset#the_steps|reset]] and [[#top_part|here]]\n");
}

#[test]
fn external_links() {
    assert_eq!(mw("[site](https://a.example/x)\n"), "[https://a.example/x site]\n");
    assert_eq!(dw("[site](https://a.example/x)\n"), "[[https://a.example/x|site]]\n");
    assert_eq!(dw("[mail](mailto:a@b.example)\n"), "mail <a@b.example>\n");
}

#[test]
fn images_and_attachments() {
    assert_eq!(mw("![Phone](a.png)\n"), "[[File:KB-a.png|alt=Phone|Phone]]\n");
    assert_eq!(dw("![Phone](a.png)\n"), "{{:KB-a.png|Phone}}\n");
    assert_eq!(mw("[form](f.pdf)\n"), "[[Media:KB-f.pdf|form]]\n");
    // MediaWiki shows no external image: it links to it, with a warning.
    let c = conv(&MediaWiki, "![Logo](https://a.example/l.png)\n");
    assert_eq!(c.markup, "[https://a.example/l.png Logo]\n");
    assert_eq!(c.notes.len(), 1);
    assert_eq!(dw("![Logo](https://a.example/l.png)\n"), "{{https://a.example/l.png|Logo}}\n");
}

#[test]
fn what_cannot_be_linked_is_text_and_a_warning() {
    let c = conv(&DokuWiki, "See [the manual](../manual.html).\n");
    assert_eq!(c.markup, "See the manual%% (../manual.html)%%.\n");
    assert_eq!(c.notes.len(), 1);
    assert_eq!(c.notes[0].range, 4..32);
}

#[test]
fn wiki_markup_in_text_is_escaped() {
    assert_eq!(mw("a [[b]] {{c}} ''d''\n"), "<nowiki>a [[b]] {{c}} ''d''</nowiki>\n");
    assert_eq!(dw("a [[b]] {{c}} //d//\n"), "%%a [[b]] {{c}} //d//%%\n");
    assert_eq!(mw("\\* not a list\n"), "<nowiki>* not a list</nowiki>\n");
}

#[test]
fn quotes_rules_and_breaks() {
    assert_eq!(mw("> a\n> b\n\n---\n"), "<blockquote>\na b\n</blockquote>\n\n----\n");
    assert_eq!(dw("> a  \n> b\n"), "> a\\\\ b\n");
}

#[test]
fn a_heading_in_a_list_item_is_bold() {
    assert_eq!(mw("- # Title\n"), "* '''Title'''\n");
    assert_eq!(dw("> ## In a quote\n"), "> **In a quote**\n");
}

#[test]
fn footnotes_become_numbered_notes() {
    let md = "Text[^n].\n\n[^n]: The note.\n";
    assert_eq!(mw(md), "Text<sup>[1]</sup>.\n\n<sup>[1]</sup> The note.\n");
    assert_eq!(dw(md), "Text<sup>[1]</sup>.\n\n<sup>[1]</sup> The note.\n");
}

#[test]
fn raw_html_keeps_its_text() {
    let c = conv(&MediaWiki, "<span class=\"x\">Filename: a.rs</span>\n\nA <kbd>Ctrl</kbd> key.\n");
    assert_eq!(c.markup, "Filename: a.rs\n\nA Ctrl key.\n");
    assert!(c.notes.is_empty());
    let c = conv(&DokuWiki, "<img src=\"a.png\" alt=\"A\">\n");
    assert_eq!(c.notes.len(), 1, "an image in HTML is lost: a warning");
}

#[test]
fn task_lists() {
    assert_eq!(mw("- [x] done\n- [ ] todo\n"), "* ☑ done\n* ☐ todo\n");
}
