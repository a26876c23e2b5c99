//! The theme: Tera templates and static files. The built-in theme is compiled into
//! the binary; `themes/<name>/templates/*.html` and `themes/<name>/static/**` in
//! the site override it file by file (site theme first, built-in last).

use std::collections::BTreeMap;
use std::path::Path;

use crate::Error;

/// Built-in templates, by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "page.html",
        include_str!("../../themes/default/templates/page.html"),
    ),
    (
        "section.html",
        include_str!("../../themes/default/templates/section.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
];

/// Built-in static files, by path under `_signpost/`.
pub const BUILTIN_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "signpost.js",
        include_bytes!("../../themes/default/static/signpost.js"),
    ),
];

/// The stylesheet for highlighted code: signpost writes it, unless the theme
/// has its own (see [`crate::markdown::HighlightClasses`]).
pub const HIGHLIGHT_CSS: &str = "highlight.css";

/// Whether theme `name` of the site at `root` has its own `highlight.css`
/// (which then styles scope classes).
pub fn has_own_highlight_css(root: &Path, name: &str) -> bool {
    root.join("themes")
        .join(name)
        .join("static")
        .join(HIGHLIGHT_CSS)
        .is_file()
}

/// Templates and static files after overrides.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Template name → source.
    pub templates: BTreeMap<String, String>,
    /// Static path (under `_signpost/`) → bytes.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// For tests: render every template with Tera, even the unmodified built-in
    /// ones that [`Theme::native`] would render with native code (the output is
    /// the same; this is how the tests show it). False after [`Theme::load`].
    pub force_tera: bool,
}

/// Which templates render with the native code of `render::native` instead of
/// Tera: those whose source, and that of `base.html` and `macros.html` they
/// build on, is the built-in one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Native {
    /// `page.html`.
    pub page: bool,
    /// `section.html`.
    pub section: bool,
    /// `index.html`.
    pub index: bool,
}

impl Native {
    /// Every page of the site renders natively.
    pub fn all(self) -> bool {
        self.page && self.section && self.index
    }
}

impl Theme {
    /// Loads the built-in theme with `root/themes/<name>/` over it.
    ///
    /// # Errors
    /// [`Error::Theme`] when a theme other than "default" is named and its folder is
    /// missing; [`Error::Io`] when an override cannot be read.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Error> {
        let mut templates: BTreeMap<String, String> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, s)| ((*n).to_string(), (*s).to_string()))
            .collect();
        let mut statics: BTreeMap<String, Vec<u8>> = BUILTIN_STATIC
            .iter()
            .map(|(n, b)| ((*n).to_string(), b.to_vec()))
            .collect();
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            if name == "default" {
                return Ok(Theme {
                    templates,
                    statics,
                    force_tera: false,
                });
            }
            return Err(Error::Theme(format!(
                "theme `{name}` not found: expected a folder {}",
                dir.display()
            )));
        }
        for (sub, is_tpl) in [("templates", true), ("static", false)] {
            let base = dir.join(sub);
            if !base.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&base).sort_by_file_name() {
                let entry = entry.map_err(|e| Error::Io {
                    path: base.clone(),
                    source: e
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("walk error")),
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry
                    .path()
                    .strip_prefix(&base)
                    .expect("under base")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let io = |source| Error::Io {
                    path: entry.path().to_path_buf(),
                    source,
                };
                if is_tpl {
                    templates.insert(rel, std::fs::read_to_string(entry.path()).map_err(io)?);
                } else {
                    statics.insert(rel, std::fs::read(entry.path()).map_err(io)?);
                }
            }
        }
        Ok(Theme {
            templates,
            statics,
            force_tera: false,
        })
    }

    /// Which templates render natively (none when [`Theme::force_tera`]).
    pub fn native(&self) -> Native {
        if self.force_tera {
            return Native::default();
        }
        let builtin = |name: &str| {
            let ours = BUILTIN_TEMPLATES.iter().find(|(n, _)| *n == name);
            self.templates.get(name).map(String::as_str) == ours.map(|(_, s)| *s)
        };
        let shared = builtin("base.html") && builtin("macros.html");
        Native {
            page: shared && builtin("page.html"),
            section: shared && builtin("section.html"),
            index: shared && builtin("index.html"),
        }
    }

    /// Rendering needs [`Theme::tera`]: some template renders with Tera, or the
    /// theme adds templates of its own. Those are compiled although no page
    /// uses them, so that a syntax error in one is still reported.
    pub fn needs_tera(&self) -> bool {
        !self.native().all() || self.templates.len() != BUILTIN_TEMPLATES.len()
    }

    /// [`Theme::tera`] when [`Theme::needs_tera`], else `None`.
    ///
    /// # Errors
    /// As [`Theme::tera`].
    pub fn tera_if_needed(&self) -> Result<Option<tera::Tera>, Error> {
        if self.needs_tera() {
            self.tera().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A Tera instance with every template.
    ///
    /// # Errors
    /// [`Error::Template`] when a template does not parse.
    pub fn tera(&self) -> Result<tera::Tera, Error> {
        let mut tera = tera::Tera::default();
        // Tera's default also escapes `/`, which makes every URL in an attribute
        // unreadable (`a&#x2F;b.html`); escaping `& < > " '` is what HTML needs.
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| Error::Template(template_error(&e)))?;
        Ok(tera)
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    escape_into(&mut out, input);
    out
}

/// Appends `input` to `out`, escaped as [`escape_html`] does (`& < > " '`),
/// without a string of its own: the native renderers write every value this way.
/// pulldown-cmark's escaper escapes exactly these five, the same way, sixteen
/// bytes at a time (SSSE3, with a scalar fallback).
pub fn escape_into(out: &mut String, input: &str) {
    // Most values (titles, relative URLs) hold none of the five: a page's
    // chrome escapes about fifty short strings, and the escaper's setup cost
    // more than the text. The test flags a superset (`"#$%&'` and `<=>`).
    if !may_need_html_escape(input.as_bytes()) {
        out.push_str(input);
        return;
    }
    pulldown_cmark_escape::escape_html(out, input).expect("a String takes any text");
}

/// Whether `b` holds a byte in `"#$%&'` or `<=>`: every byte the HTML escaper
/// changes is one of them. Sixteen bytes at a time (x86-64), else eight.
fn may_need_html_escape(b: &[u8]) -> bool {
    use crate::swar::{html_special, is_html_special, word};
    // Sixteen bytes at a time; the last block overlaps the one before.
    #[cfg(target_arch = "x86_64")]
    if b.len() >= crate::swar::wide::LEN {
        use crate::swar::wide::{LEN, block, html_special};
        let last = b.len() - LEN;
        let mut i = 0;
        while i < last {
            if html_special(block(b, i)) != 0 {
                return true;
            }
            i += LEN;
        }
        return html_special(block(b, last)) != 0;
    }
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        if html_special(word(c, 0)) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| is_html_special(c))
}

/// The full chain of a Tera error (its Display is only the outermost message).
pub fn template_error(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod escape_tests {
    use super::{escape_html, escape_into};
    use proptest::prelude::*;

    #[test]
    fn the_five_html_characters_are_escaped_and_nothing_else() {
        assert_eq!(
            escape_html(r#"a&b<c>d"e'f"#),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
        assert_eq!(escape_html("é — ok / %20 `x`"), "é — ok / %20 `x`");
        assert_eq!(escape_html("<<"), "&lt;&lt;");
        assert_eq!(escape_html(""), "");
    }

    /// Character by character, as the escaping is specified.
    fn reference(input: &str) -> String {
        let mut out = String::new();
        for c in input.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn escapes_the_five_characters_anywhere_in_a_word() {
        for input in [
            "",
            "plain title",
            "a<b",
            "12345678<",
            "1234567&",
            "<<<<<<<<>>>>>>>>",
            "Tom's \"quoted\" & <tagged> text, longer than eight bytes",
            "é&ü'ß\"",
        ] {
            let mut out = String::from("x");
            escape_into(&mut out, input);
            assert_eq!(out, format!("x{}", reference(input)), "{input:?}");
        }
    }

    proptest! {
        #[test]
        fn escaping_agrees_with_the_reference(input in "[a-z &<>\"'é%\u{80}-\u{ff}]{0,40}") {
            let mut out = String::new();
            escape_into(&mut out, &input);
            prop_assert_eq!(out, reference(&input));
        }

        /// The quick test flags exactly the strings that hold one of its
        /// eight bytes, wherever it is (in a word or in the tail).
        #[test]
        fn the_quick_test_flags_its_eight_bytes(input in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let expected = input.iter().any(|c| b"\"#$%&'<=>".contains(c));
            prop_assert_eq!(super::may_need_html_escape(&input), expected);
        }
    }
}
