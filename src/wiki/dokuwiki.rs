//! DokuWiki: its markup as a [`Syntax`], page and media ids that DokuWiki's
//! `cleanID` leaves as they are, and heading anchors as its `sectionID` makes them.

use pulldown_cmark::Alignment;

use super::convert::{Dest, Mark, Syntax};

/// DokuWiki markup.
pub struct DokuWiki;

/// One component of a page or media id, already in the form `cleanID` gives
/// it, in ASCII so that file names need no encoding: lowercase; anything but
/// letters, digits, `.`, `-` and `_` becomes `_`; runs of `_` collapse; `.`,
/// `_` and `-` are trimmed from the ends.
pub fn id_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
            c
        } else {
            '_'
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_matches(['.', '_', '-']);
    if trimmed.is_empty() {
        "page".to_string()
    } else {
        trimmed.to_string()
    }
}

/// DokuWiki's `cleanID` for ASCII text with the default settings (`sepchar`
/// `_`, `useslash` off), or `None` when the text is not ASCII (deaccenting
/// and its other tables are left to DokuWiki).
fn clean_id(raw: &str) -> Option<String> {
    if !raw.is_ascii() {
        return None;
    }
    let mut id = String::with_capacity(raw.len());
    for c in raw
        .trim_matches([' ', '\t', '\n', '\r', '\0', '\x0b'])
        .chars()
    {
        let c = c.to_ascii_lowercase();
        let c = match c {
            ';' => ':',
            '/' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':') => c,
            _ => '_',
        };
        let prev = id.chars().last();
        if (c == '_' && prev == Some('_')) || (c == ':' && prev == Some(':')) {
            continue;
        }
        id.push(c);
    }
    let id = id.trim_matches([':', '.', '_', '-']).to_string();
    // `:[:._-]+` and `[:._-]+:` become `:`.
    let mut out = String::with_capacity(id.len());
    let chars: Vec<char> = id.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let sep = |c: char| matches!(c, ':' | '.' | '_' | '-');
        if sep(chars[i]) {
            let mut j = i;
            while j < chars.len() && sep(chars[j]) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            if run.contains(':') && run.len() > 1 {
                out.push(':');
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Anchors as DokuWiki's `sectionID` makes them, unique per page: the second
/// `steps` is `steps1`.
#[derive(Default)]
pub struct Anchors {
    seen: std::collections::BTreeSet<String>,
}

impl Anchors {
    /// The anchor of the next heading with text `text`, in a form a link's
    /// `#fragment` can hold (DokuWiki applies `sectionID` to it again).
    pub fn next(&mut self, text: &str) -> String {
        let Some(clean) = clean_id(text) else {
            // Not ASCII: DokuWiki derives the anchor from the text in the link
            // the same way as from the heading.
            let base: String = text
                .chars()
                .map(|c| if "[]|{}#".contains(c) { ' ' } else { c })
                .collect();
            let mut n = 0;
            let mut candidate = base.clone();
            while !self.seen.insert(candidate.to_lowercase()) {
                n += 1;
                candidate = format!("{base}{n}");
            }
            return candidate;
        };
        let title: String = clean.chars().filter(|&c| c != ':' && c != '.').collect();
        let stripped =
            title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_' || c == '-');
        let title = if stripped.is_empty() {
            format!(
                "section{}",
                title
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
            )
        } else {
            stripped.to_string()
        };
        let mut n = 0;
        let mut candidate = title.clone();
        while !self.seen.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{title}{n}");
        }
        candidate
    }
}

/// True when `s` could be read as DokuWiki markup.
fn needs_escape(s: &str) -> bool {
    let first = s.chars().next();
    let last = s.chars().last();
    s.contains(['<', '>', '|', '^', '[', ']', '{', '}', '\\', '~', '%'])
        || ["**", "//", "__", "''", "((", "))", "==", "--", "://"]
            .iter()
            .any(|p| s.contains(p))
        || first.is_some_and(|c| "*/_'()=-+>".contains(c))
        || last.is_some_and(|c| "*/_'()=".contains(c))
}

impl Syntax for DokuWiki {
    fn text(&self, s: &str) -> String {
        if !needs_escape(s) {
            s.to_string()
        } else if s.contains("%%") {
            ["<nowiki>", s, "</nowiki>"].concat()
        } else {
            ["%%", s, "%%"].concat()
        }
    }

    fn code_span(&self, s: &str) -> String {
        ["''", &self.text_always(s), "''"].concat()
    }

    fn marks(&self, tag: Mark) -> (&'static str, &'static str) {
        match tag {
            Mark::Emphasis => ("//", "//"),
            Mark::Strong => ("**", "**"),
            Mark::Strike => ("<del>", "</del>"),
        }
    }

    fn heading(&self, level: usize, _inline: &str, plain: &str) -> String {
        // DokuWiki has five levels (====== is the first) and takes the text as
        // written, without markup.
        let eq = "=".repeat(7 - level.clamp(1, 5));
        let text = plain.replace('\n', " ");
        format!("{eq} {} {eq}", text.trim())
    }

    fn item_prefix(&self, lists: &[bool]) -> String {
        let indent = "  ".repeat(lists.len());
        let mark = if lists.last() == Some(&true) {
            "-"
        } else {
            "*"
        };
        format!("{indent}{mark} ")
    }

    fn ordered_list_from(&self, start: u64) -> Option<(String, &'static str)> {
        let _ = start;
        None
    }

    fn hard_break(&self) -> &'static str {
        "\\\\ "
    }

    fn code_block(&self, lang: &str, code: &str, _inline: bool) -> String {
        let lang: String = lang
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
            .collect();
        // <file> when the code itself closes a <code> block.
        let tag = if code.contains("</code>") {
            "file"
        } else {
            "code"
        };
        if lang.is_empty() {
            format!("<{tag}>\n{code}\n</{tag}>")
        } else {
            format!("<{tag} {lang}>\n{code}\n</{tag}>")
        }
    }

    fn table(&self, aligns: &[Alignment], head: &[String], rows: &[Vec<String>]) -> String {
        // Spaces around a cell's text align it: left "x  ", right "  x",
        // centre "  x  ".
        let cell = |i: usize, text: &str| match aligns.get(i) {
            Some(Alignment::Left) => format!(" {text}  "),
            Some(Alignment::Center) => format!("  {text}  "),
            Some(Alignment::Right) => format!("  {text} "),
            _ => format!(" {text} "),
        };
        let mut s = String::new();
        if !head.is_empty() {
            for (i, c) in head.iter().enumerate() {
                s.push('^');
                s.push_str(&cell(i, c));
            }
            s.push_str("^\n");
        }
        for row in rows {
            for (i, c) in row.iter().enumerate() {
                s.push('|');
                s.push_str(&cell(i, c));
            }
            s.push_str("|\n");
        }
        s.trim_end().to_string()
    }

    fn inline_table(&self, _: &[Alignment], _: &[String], _: &[Vec<String>]) -> Option<String> {
        None
    }

    fn quote(&self, inner: &str) -> String {
        inner
            .lines()
            .map(|l| {
                if l.is_empty() {
                    ">".to_string()
                } else {
                    format!("> {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn rule(&self) -> &'static str {
        "----"
    }

    fn link(&self, dest: &Dest, text: &str) -> Option<String> {
        let text = text.replace("]]", "] ]");
        Some(match dest {
            Dest::Page { name, anchor } => match anchor {
                Some(a) => format!("[[:{name}#{}|{text}]]", link_anchor(a)),
                None => format!("[[:{name}|{text}]]"),
            },
            Dest::Anchor(a) => format!("[[#{}|{text}]]", link_anchor(a)),
            Dest::File(id) => format!("{{{{:{id}|{}}}}}", text.replace("}}", "} }")),
            Dest::External(u) => {
                if let Some(addr) = u.strip_prefix("mailto:") {
                    // DokuWiki writes an e-mail link as <address>, with no text.
                    return Some(if text == self.text(addr) || text.is_empty() {
                        format!("<{addr}>")
                    } else {
                        format!("{text} <{addr}>")
                    });
                }
                if !is_url_scheme(u) {
                    return None;
                }
                format!("[[{}|{text}]]", u.replace('|', "%7C").replace(']', "%5D"))
            }
            Dest::Unsupported(_) => return None,
        })
    }

    fn image(&self, dest: &Dest, alt: &str) -> Option<String> {
        let alt = alt.replace(['|', '{', '}'], " ");
        match dest {
            Dest::File(id) => Some(format!("{{{{:{id}|{alt}}}}}")),
            Dest::External(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Some(format!("{{{{{}|{alt}}}}}", u.replace('|', "%7C")))
            }
            _ => None,
        }
    }

    fn headings_in_quotes(&self) -> bool {
        false
    }

    fn plain_link_text(&self) -> bool {
        true
    }
}

impl DokuWiki {
    fn text_always(&self, s: &str) -> String {
        if s.contains("%%") {
            ["<nowiki>", s, "</nowiki>"].concat()
        } else {
            ["%%", s, "%%"].concat()
        }
    }
}

/// Schemes DokuWiki links by default (`conf/scheme.conf`).
fn is_url_scheme(u: &str) -> bool {
    [
        "http://",
        "https://",
        "ftp://",
        "irc://",
        "ldap://",
        "telnet://",
        "gopher://",
        "news:",
    ]
    .iter()
    .any(|s| u.starts_with(s))
}

fn link_anchor(a: &str) -> String {
    a.chars()
        .map(|c| if "[]|{}".contains(c) { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_clean() {
        assert_eq!(id_part("Which Account?"), "which_account");
        assert_eq!(id_part("_snippets"), "snippets");
        assert_eq!(id_part("v1.2"), "v1.2");
    }

    #[test]
    fn anchors_follow_section_id() {
        let mut a = Anchors::default();
        assert_eq!(a.next("Reset the app"), "reset_the_app");
        assert_eq!(a.next("Reset the app!"), "reset_the_app1");
        assert_eq!(a.next("2. Steps"), "steps");
        assert_eq!(a.next("2024"), "section2024");
        assert_eq!(a.next("a.b: c"), "abc");
    }

    #[test]
    fn text_is_escaped_only_when_needed() {
        let d = DokuWiki;
        assert_eq!(d.text("plain words"), "plain words");
        assert_eq!(d.text("a **b** | c"), "%%a **b** | c%%");
        assert_eq!(d.text("50%% off"), "<nowiki>50%% off</nowiki>");
    }
}
