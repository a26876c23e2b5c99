//! The theme: Tera templates and static files. The built-in theme is compiled into
//! the binary; `themes/<name>/templates/*.html` and `themes/<name>/static/**` in
//! the site override it file by file (site theme first, built-in last).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Error;

/// Built-in templates, by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "components.html",
        include_str!("../../themes/default/templates/components.html"),
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
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "tags.html",
        include_str!("../../themes/default/templates/tags.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "map.html",
        include_str!("../../themes/default/templates/map.html"),
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
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
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
                return Ok(Theme { templates, statics });
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
            for (rel, path) in crate::source::walk_files(&base)? {
                let io = |source| Error::Io {
                    path: path.clone(),
                    source,
                };
                if is_tpl {
                    templates.insert(rel, std::fs::read_to_string(&path).map_err(io)?);
                } else {
                    statics.insert(rel, std::fs::read(&path).map_err(io)?);
                }
            }
        }
        Ok(Theme { templates, statics })
    }

    /// A Tera instance with every template, and the site's `labels` in its
    /// global context: every template (and component, with `@labels`) sees
    /// them without each render serializing them again.
    ///
    /// # Errors
    /// [`Error::Template`] when a template does not parse.
    pub fn tera(&self, labels: &crate::labels::Labels) -> Result<tera::Tera, Error> {
        // Tera 2 escapes `& < > " '` (as page bodies are escaped) and has no
        // function that reads the environment: templates see only the site.
        let mut tera = tera::Tera::default();
        tera.global_context().insert("labels", labels);
        tera.add_raw_templates(self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| {
                let mut msg = template_error(&e);
                // A theme written for the Tera 1 templates of earlier versions.
                if self.templates.values().any(|t| {
                    t.contains("{% import") || t.contains("{% macro") || t.contains("{%- macro")
                }) {
                    msg.push_str(
                        "\nhelp: signpost's templates are Tera 2, which has components \
                         instead of macros and imports; docs/templates.md (\"Tera 2 and \
                         components\") says how a theme changes",
                    );
                }
                Error::Template(msg)
            })?;
        Ok(tera)
    }
}

/// Escapes text for HTML element content and quoted attribute values
/// (`& < > " '`, with pulldown-cmark's escaper, as in page bodies).
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    pulldown_cmark_escape::escape_html(&mut out, input).expect("a String takes any text");
    out
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
    use super::escape_html;

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
}
