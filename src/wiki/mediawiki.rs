//! MediaWiki: wikitext [`Syntax`], page and file names, heading anchors as
//! MediaWiki 1.39 derives them, and the XML export format (`importDump.php`,
//! Special:Import).

use pulldown_cmark::Alignment;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::convert::{Dest, Mark, Syntax};

/// Wikitext.
pub struct MediaWiki;

/// Characters MediaWiki never allows in a page title (`$wgLegalTitleChars`),
/// with `%` (an escape in titles) and, for file names, `:`, `/` and `\`.
const TITLE_ILLEGAL: &[char] = &['#', '<', '>', '[', ']', '|', '{', '}', '%'];

/// One path component of a page or file name, legal in a title.
pub fn title_part(s: &str) -> String {
    let replaced: String = s
        .chars()
        .map(|c| {
            if TITLE_ILLEGAL.contains(&c) || c.is_control() {
                '-'
            } else if c == '_' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let collapsed = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() || collapsed == "." || collapsed == ".." {
        "-".to_string()
    } else {
        collapsed
    }
}

/// A file name (no `/`, `:` or `\`), for a content path or a made-up one.
pub fn file_name(prefix: &str, path: &str) -> String {
    let flat: Vec<String> = std::iter::once(prefix)
        .chain(path.split('/'))
        .map(|p| title_part(&p.replace([':', '\\'], "-")))
        .collect();
    flat.join("-")
}

/// Escapes text for an XML-free spot inside `<nowiki>` or `<pre>`: entities
/// are still decoded there.
fn entities(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// True when `s` could be read as wikitext markup somewhere in a line.
fn needs_nowiki(s: &str) -> bool {
    let first = s.chars().next();
    let last = s.chars().last();
    s.contains(['[', ']', '{', '}', '|', '<', '>', '&', '~'])
        || s.contains("''")
        || s.contains("__")
        || s.contains("://")
        || first.is_some_and(|c| "*#:;=!-'".contains(c))
        || last.is_some_and(|c| "='".contains(c))
}

/// The anchor MediaWiki gives a heading with this text (`$wgFragmentMode`
/// html5): runs of spaces and underscores become one underscore, ends trimmed.
pub fn anchor_base(text: &str) -> String {
    text.split([' ', '_', '\t', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Makes anchors unique per page as `Parser::formatHeadings` does: the second
/// heading whose anchor equals an earlier one ignoring ASCII case gets `_2`.
#[derive(Default)]
pub struct Anchors {
    seen: std::collections::BTreeSet<String>,
}

impl Anchors {
    /// The anchor of the next heading with text `text`.
    pub fn next(&mut self, text: &str) -> String {
        let anchor = anchor_base(text);
        let key = anchor.to_ascii_lowercase();
        if self.seen.insert(key.clone()) {
            return anchor;
        }
        let mut i = 2;
        while self.seen.contains(&format!("{key}_{i}")) {
            i += 1;
        }
        self.seen.insert(format!("{key}_{i}"));
        format!("{anchor}_{i}")
    }
}

/// An anchor written in a link target, where `[`, `]`, `|`, `{`, `}` would end
/// it: MediaWiki decodes character references in link targets.
fn link_anchor(anchor: &str) -> String {
    let mut s = String::with_capacity(anchor.len());
    for c in anchor.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '[' | ']' | '|' | '{' | '}' | '<' | '>' => s.push_str(&format!("&#{};", u32::from(c))),
            c => s.push(c),
        }
    }
    s
}

fn url(u: &str) -> String {
    u.replace(' ', "%20")
        .replace('[', "%5B")
        .replace(']', "%5D")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('"', "%22")
}

impl Syntax for MediaWiki {
    fn text(&self, s: &str) -> String {
        if needs_nowiki(s) {
            ["<nowiki>", &entities(s), "</nowiki>"].concat()
        } else {
            s.to_string()
        }
    }

    fn code_span(&self, s: &str) -> String {
        ["<code><nowiki>", &entities(s), "</nowiki></code>"].concat()
    }

    fn marks(&self, tag: Mark) -> (&'static str, &'static str) {
        match tag {
            Mark::Emphasis => ("''", "''"),
            Mark::Strong => ("'''", "'''"),
            Mark::Strike => ("<s>", "</s>"),
        }
    }

    fn heading(&self, level: usize, inline: &str, _plain: &str) -> String {
        let eq = "=".repeat(level);
        format!("{eq} {inline} {eq}")
    }

    fn item_prefix(&self, lists: &[bool]) -> String {
        let mut s: String = lists.iter().map(|&o| if o { '#' } else { '*' }).collect();
        s.push(' ');
        s
    }

    fn ordered_list_from(&self, start: u64) -> Option<(String, &'static str)> {
        Some((format!("<ol start=\"{start}\">"), "</ol>"))
    }

    fn hard_break(&self) -> &'static str {
        "<br />"
    }

    fn code_block(&self, _lang: &str, code: &str, inline: bool) -> String {
        let body = entities(code);
        if inline {
            // On a list item's line: newlines as character references keep the
            // item (and its list) in one line of wikitext.
            format!("<pre>{}</pre>", body.replace('\n', "&#10;"))
        } else {
            format!("<pre>\n{body}\n</pre>")
        }
    }

    fn table(&self, aligns: &[Alignment], head: &[String], rows: &[Vec<String>]) -> String {
        let style = |i: usize| match aligns.get(i) {
            Some(Alignment::Left) => "style=\"text-align:left\" | ",
            Some(Alignment::Center) => "style=\"text-align:center\" | ",
            Some(Alignment::Right) => "style=\"text-align:right\" | ",
            _ => "",
        };
        let mut s = String::from("{| class=\"wikitable\"\n");
        if !head.is_empty() {
            s.push_str("|-\n");
            for (i, cell) in head.iter().enumerate() {
                s.push_str(&format!("! {}{cell}\n", style(i)));
            }
        }
        for row in rows {
            s.push_str("|-\n");
            for (i, cell) in row.iter().enumerate() {
                s.push_str(&format!("| {}{cell}\n", style(i)));
            }
        }
        s.push_str("|}");
        s
    }

    fn inline_table(
        &self,
        aligns: &[Alignment],
        head: &[String],
        rows: &[Vec<String>],
    ) -> Option<String> {
        // HTML, which MediaWiki takes on one line, inside a list item.
        let style = |i: usize| match aligns.get(i) {
            Some(Alignment::Left) => " style=\"text-align:left\"",
            Some(Alignment::Center) => " style=\"text-align:center\"",
            Some(Alignment::Right) => " style=\"text-align:right\"",
            _ => "",
        };
        let mut s = String::from("<table class=\"wikitable\">");
        if !head.is_empty() {
            s.push_str("<tr>");
            for (i, cell) in head.iter().enumerate() {
                s.push_str(&format!("<th{}>{cell}</th>", style(i)));
            }
            s.push_str("</tr>");
        }
        for row in rows {
            s.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                s.push_str(&format!("<td{}>{cell}</td>", style(i)));
            }
            s.push_str("</tr>");
        }
        s.push_str("</table>");
        Some(s)
    }

    fn quote(&self, inner: &str) -> String {
        format!("<blockquote>\n{inner}\n</blockquote>")
    }

    fn rule(&self) -> &'static str {
        "----"
    }

    fn link(&self, dest: &Dest, text: &str) -> Option<String> {
        Some(match dest {
            Dest::Page { name, anchor } => match anchor {
                Some(a) => format!("[[{name}#{}|{text}]]", link_anchor(a)),
                None => format!("[[{name}|{text}]]"),
            },
            Dest::Anchor(a) => format!("[[#{}|{text}]]", link_anchor(a)),
            Dest::File(name) => format!("[[Media:{name}|{text}]]"),
            Dest::External(u) => format!("[{} {text}]", url(u)),
            Dest::Unsupported(_) => return None,
        })
    }

    fn image(&self, dest: &Dest, alt: &str) -> Option<String> {
        match dest {
            Dest::File(name) => {
                let alt = alt.replace(['|', '[', ']'], " ");
                let alt = self.text(&alt);
                Some(format!("[[File:{name}|alt={alt}|{alt}]]"))
            }
            _ => None,
        }
    }

    fn headings_in_quotes(&self) -> bool {
        true
    }

    fn plain_link_text(&self) -> bool {
        false
    }
}

/// One page of the dump.
pub struct DumpPage {
    /// Title (main namespace).
    pub title: String,
    /// Wikitext.
    pub text: String,
}

/// The pages as a MediaWiki XML dump (export format 0.11). No timestamps: the
/// importer stamps each revision with the time of the import, and the file stays
/// byte-identical for the same input.
pub fn dump(site_name: &str, pages: &[DumpPage]) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let io = "writing to memory";
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .expect(io);
    let root = BytesStart::new("mediawiki").with_attributes([
        ("xmlns", "http://www.mediawiki.org/xml/export-0.11/"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        (
            "xsi:schemaLocation",
            "http://www.mediawiki.org/xml/export-0.11/ http://www.mediawiki.org/xml/export-0.11.xsd",
        ),
        ("version", "0.11"),
        ("xml:lang", "en"),
    ]);
    w.write_event(Event::Start(root)).expect(io);
    w.create_element("siteinfo")
        .write_inner_content(|w| {
            w.create_element("sitename")
                .write_text_content(BytesText::new(site_name))?;
            w.create_element("generator")
                .write_text_content(BytesText::new("signpost"))?;
            w.create_element("case")
                .write_text_content(BytesText::new("first-letter"))?;
            Ok(())
        })
        .expect(io);
    // Every page first as a placeholder, then with its text: MediaWiki parses
    // each page as it imports it and keeps that parse, so a page imported
    // before the pages it links to would show them as missing ("red") until
    // its cache is purged. With the placeholders in, every link target
    // exists when the real text is parsed.
    for page in pages {
        write_page(
            &mut w,
            &page.title,
            PLACEHOLDER,
            "Placeholder: created so that links resolve during the import",
        );
    }
    for page in pages {
        write_page(&mut w, &page.title, &page.text, "Exported by signpost");
    }
    w.write_event(Event::End(BytesEnd::new("mediawiki")))
        .expect(io);
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

/// The text of a page's first revision in a dump.
const PLACEHOLDER: &str = "<!-- signpost: replaced by the next revision of the same import -->";

fn write_page(w: &mut Writer<Vec<u8>>, title: &str, text: &str, comment: &str) {
    w.create_element("page")
        .write_inner_content(|w| {
            w.create_element("title")
                .write_text_content(BytesText::new(title))?;
            w.create_element("ns")
                .write_text_content(BytesText::new("0"))?;
            w.create_element("revision").write_inner_content(|w| {
                w.create_element("contributor").write_inner_content(|w| {
                    w.create_element("username")
                        .write_text_content(BytesText::new("signpost"))?;
                    Ok(())
                })?;
                w.create_element("comment")
                    .write_text_content(BytesText::new(comment))?;
                w.create_element("model")
                    .write_text_content(BytesText::new("wikitext"))?;
                w.create_element("format")
                    .write_text_content(BytesText::new("text/x-wiki"))?;
                w.create_element("text")
                    .with_attribute(("xml:space", "preserve"))
                    .write_text_content(BytesText::new(&xml_chars(text)))?;
                Ok(())
            })?;
            Ok(())
        })
        .expect("writing to memory");
}

/// Drops the control characters XML 1.0 cannot hold (all but tab, LF and CR).
fn xml_chars(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        s.chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_mediawiki() {
        let mut a = Anchors::default();
        assert_eq!(a.next("Reset the  app"), "Reset_the_app");
        assert_eq!(a.next("reset the app"), "reset_the_app_2");
        assert_eq!(a.next("Café & co_op"), "Café_&_co_op");
    }

    #[test]
    fn names_are_legal_titles() {
        assert_eq!(title_part("a[b]_c"), "a-b- c");
        assert_eq!(
            file_name("KB", "sign-in/img/phone.png"),
            "KB-sign-in-img-phone.png"
        );
    }

    #[test]
    fn text_is_escaped_only_when_needed() {
        let m = MediaWiki;
        assert_eq!(m.text("plain words"), "plain words");
        assert_eq!(
            m.text("a [[b]] & <c>"),
            "<nowiki>a [[b]] &amp; &lt;c&gt;</nowiki>"
        );
        assert_eq!(m.text("* not a list"), "<nowiki>* not a list</nowiki>");
    }
}
