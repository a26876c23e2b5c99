//! `site.toml`: the site configuration.
//!
//! Input: the text of `site.toml`. Output: a [`SiteConfig`], or diagnostics (code
//! SP001) naming every unknown key (with the closest known key), wrong type and TOML
//! syntax error, each at its line and column.

use toml::de::DeTable;

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::labels::{self, Labels};
use crate::source::{FileId, Span};
use crate::tomlx::TableReader;

/// The site configuration, with SPEC defaults filled in.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Site title (required).
    pub title: String,
    /// One-line description, shown on the home page and in `<meta>`.
    pub description: Option<String>,
    /// Absolute URL of the published site; only for canonical links. Internal links
    /// are always relative.
    pub base_url: String,
    /// Folder of the pages, relative to the site root.
    pub content_dir: String,
    /// Output folder, relative to the site root.
    pub output_dir: String,
    /// Theme name: `themes/<theme>/` overrides the built-in theme file by file.
    pub theme: String,
    /// `lang` of the HTML pages.
    pub language: String,
    /// `[markdown]` options.
    pub markdown: MarkdownConfig,
    /// `[search]` options.
    pub search: SearchConfig,
    /// The theme's texts: the built-in table of `language` with `[labels]`
    /// over it (see [`crate::labels`]).
    pub labels: Labels,
    /// Folder of the path tests (`tests/*.toml`), relative to the site root.
    pub tests_dir: String,
    /// `[review]` options.
    pub review: ReviewConfig,
    /// `edit_url`: a URL template with `{path}` (the page's path under the
    /// content folder) for an "Edit this page" link.
    pub edit_url: Option<String>,
    /// `feedback_url`: a URL template with `{title}`, `{path}` and `{trail}` for
    /// the "Did this solve it?" links of outcome pages.
    pub feedback_url: Option<String>,
    /// `[outcomes]`: the Markdown text shown on outcome pages, per kind.
    pub outcomes: OutcomeTexts,
}

/// `[review]` options.
#[derive(Debug, Clone, Default)]
pub struct ReviewConfig {
    /// Warn about pages whose `reviewed` date is older than this many days.
    pub max_age_days: Option<i64>,
    /// Warn about pages with no `reviewed` date.
    pub required: bool,
}

/// `[outcomes]`: Markdown texts shown on every page of an outcome kind.
#[derive(Debug, Clone, Default)]
pub struct OutcomeTexts {
    /// On `outcome = "resolved"` pages.
    pub resolved: Option<String>,
    /// On `outcome = "escalate"` pages.
    pub escalate: Option<String>,
    /// On `outcome = "unsolved"` pages.
    pub unsolved: Option<String>,
}

impl OutcomeTexts {
    /// The text for an outcome named `kind` ("resolved", "escalate", "unsolved").
    pub fn get(&self, kind: &str) -> Option<&str> {
        match kind {
            "resolved" => self.resolved.as_deref(),
            "escalate" => self.escalate.as_deref(),
            "unsolved" => self.unsolved.as_deref(),
            _ => None,
        }
    }
}

/// `[markdown]` options.
#[derive(Debug, Clone)]
pub struct MarkdownConfig {
    /// Pass raw HTML through instead of sanitizing it.
    pub allow_raw_html: bool,
    /// Syntax-highlight fenced code blocks.
    pub highlight: bool,
    /// The classes highlighted code carries: not read from site.toml but set
    /// from the theme once the site is loaded (scope classes when the theme
    /// has its own `highlight.css`, see [`HighlightClasses`]).
    pub highlight_classes: HighlightClasses,
}

/// `[search]` options.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// Build the offline search index and show the search box.
    pub enabled: bool,
}

/// The classes highlighted code carries.
///
/// A page's code blocks are a large part of its bytes, most of them markup: a
/// token of a shell command sits in three or four nested spans of scope
/// classes. With the built-in `highlight.css` (which signpost writes from
/// the built-in themes) the colours are worked out when the code is
/// highlighted, so each run of text gets one span naming its colour and font
/// style in each theme ([`HighlightClasses::Styles`]). A theme with its own
/// `highlight.css` styles scope names instead, so its code gets those
/// ([`HighlightClasses::Scopes`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HighlightClasses {
    /// `<span class="l3 lb d5">`: in the light theme colour 3 of its palette
    /// and bold, in the dark theme colour 5 (the built-in `highlight.css`, see
    /// `markdown::highlight_css`). A run in both themes' default style has no span.
    #[default]
    Styles,
    /// Nested `<span class="hl-comment hl-line">`: one `hl-` class per atom of
    /// syntect's scope names that the built-in themes style.
    Scopes,
}

const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "content_dir",
    "output_dir",
    "theme",
    "language",
    "markdown",
    "search",
    "labels",
    "tests_dir",
    "review",
    "edit_url",
    "feedback_url",
    "outcomes",
];
const REVIEW_KEYS: &[&str] = &["max_age_days", "required"];
const OUTCOME_KEYS: &[&str] = &["resolved", "escalate", "unsolved"];
const MARKDOWN_KEYS: &[&str] = &["allow_raw_html", "highlight"];
const SEARCH_KEYS: &[&str] = &["enabled"];

/// Parses `text` (the contents of `site.toml`, file `file`).
///
/// # Errors
/// Every problem found, as diagnostics with code SP001.
pub fn parse(file: FileId, text: &str) -> Result<SiteConfig, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        let range = e.span().unwrap_or(0..0);
        diags.push(
            Diagnostic::new(
                Code::Config,
                Span::new(file, range),
                format!("invalid TOML in site.toml: {}", e.message().trim()),
            )
            .label("here"),
        );
    }
    let table = table.into_inner();
    let mut r = TableReader {
        table: &table,
        file,
        base: 0,
        diags: &mut diags,
        config: true,
        what: "site.toml",
    };
    r.deny_unknown(TOP_KEYS);
    let title = r.string("title");
    let description = r.string("description").map(|l| l.value);
    let base_url = r.string("base_url").map_or_else(String::new, |l| l.value);
    let content_dir = r
        .string("content_dir")
        .map_or_else(|| "content".into(), |l| l.value);
    let output_dir = r
        .string("output_dir")
        .map_or_else(|| "public".into(), |l| l.value);
    let theme = r
        .string("theme")
        .map_or_else(|| "default".into(), |l| l.value);
    let language = r
        .string("language")
        .map_or_else(|| "en".into(), |l| l.value);
    let mut markdown = MarkdownConfig {
        allow_raw_html: false,
        highlight: true,
        highlight_classes: HighlightClasses::default(),
    };
    if let Some(t) = r.table("markdown") {
        let mut m = r.nested(t, "[markdown]");
        m.deny_unknown(MARKDOWN_KEYS);
        if let Some(b) = m.boolean("allow_raw_html") {
            markdown.allow_raw_html = b.value;
        }
        if let Some(b) = m.boolean("highlight") {
            markdown.highlight = b.value;
        }
    }
    let mut search = SearchConfig { enabled: true };
    if let Some(t) = r.table("search") {
        let mut s = r.nested(t, "[search]");
        s.deny_unknown(SEARCH_KEYS);
        if let Some(b) = s.boolean("enabled") {
            search.enabled = b.value;
        }
    }
    let labels = read_labels(&mut r, &language);
    let tests_dir = r
        .string("tests_dir")
        .map_or_else(|| "tests".into(), |l| l.value);
    let edit_url = r.string("edit_url").map(|l| l.value);
    let feedback_url = r.string("feedback_url").map(|l| l.value);
    let mut review = ReviewConfig::default();
    if let Some(t) = r.table("review") {
        let mut s = r.nested(t, "[review]");
        s.deny_unknown(REVIEW_KEYS);
        review.max_age_days = s.integer("max_age_days").map(|l| l.value);
        review.required = s.boolean("required").is_some_and(|b| b.value);
    }
    let mut outcomes = OutcomeTexts::default();
    if let Some(t) = r.table("outcomes") {
        let mut s = r.nested(t, "[outcomes]");
        s.deny_unknown(OUTCOME_KEYS);
        outcomes.resolved = s.string("resolved").map(|l| l.value);
        outcomes.escalate = s.string("escalate").map(|l| l.value);
        outcomes.unsolved = s.string("unsolved").map(|l| l.value);
    }
    if title.is_none() && !r.diags.iter().any(|d| d.message.contains("`title`")) {
        r.diags.push(
            Diagnostic::new(
                Code::Config,
                Span::new(file, 0..0),
                "site.toml has no `title`",
            )
            .label("add `title = \"…\"` here")
            .help("every site needs a title, e.g. `title = \"Support knowledge base\"`"),
        );
    }
    for (key, value) in [
        ("content_dir", &content_dir),
        ("output_dir", &output_dir),
        ("tests_dir", &tests_dir),
    ] {
        if value.trim().is_empty() {
            let span = r.get(key).map_or(0..0, |(_, v)| v.span());
            r.diags.push(
                Diagnostic::new(
                    Code::Config,
                    Span::new(file, span),
                    format!("`{key}` must not be empty"),
                )
                .label("empty path"),
            );
        }
    }
    // The folders signpost reads and replaces stay inside the site: a site.toml
    // from elsewhere must not publish /etc or overwrite a folder outside it.
    for (key, path) in [
        ("content_dir", content_dir.clone()),
        ("output_dir", output_dir.clone()),
        ("theme", format!("themes/{theme}")),
    ] {
        // `themes/` joined with an absolute theme is that absolute path.
        if escapes_root(&path) || (key == "theme" && is_absolute(&theme)) {
            let span = r.get(key).map_or(0..0, |(_, v)| v.span());
            r.diags.push(
                Diagnostic::new(
                    Code::Config,
                    Span::new(file, span),
                    format!("`{key}` must be a folder inside the site"),
                )
                .label("leaves the site folder")
                .help("use a relative path without `..` above the folder of site.toml"),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(SiteConfig {
        title: title.map(|t| t.value).unwrap_or_default(),
        description,
        base_url,
        content_dir,
        output_dir,
        theme,
        language,
        markdown,
        search,
        labels,
        tests_dir,
        review,
        edit_url,
        feedback_url,
        outcomes,
    })
}

/// The built-in labels of `language` with `[labels]` over them. An unknown
/// label key is an error with the closest key; a language that is not built
/// in is an error too, unless `[labels]` gives every label.
fn read_labels(r: &mut TableReader<'_, '_, '_>, language: &str) -> Labels {
    let english = labels::english();
    let mut overrides = Labels::new();
    if let Some(t) = r.table("labels") {
        let keys: Vec<&str> = english.keys().map(String::as_str).collect();
        let mut l = r.nested(t, "[labels]");
        l.deny_unknown(&keys);
        for key in &keys {
            if let Some(text) = l.string(key) {
                overrides.insert((*key).to_string(), text.value);
            }
        }
    }
    let code = labels::builtin_language(language);
    if code.is_none() && overrides.len() < english.len() {
        let span = r.get("language").map_or(0..0, |(_, v)| v.span());
        let codes = labels::LANGUAGES.iter().map(|(c, _)| *c);
        let help = did_you_mean(language, codes.clone()).map_or_else(
            || {
                let list: Vec<&str> = codes.collect();
                format!(
                    "the built-in languages are {}; for another one, give every label in `[labels]`",
                    list.join(", ")
                )
            },
            |c| format!("did you mean `{c}`?"),
        );
        r.diags.push(
            Diagnostic::new(
                Code::Config,
                Span::new(r.file, span),
                format!("no built-in labels for language `{language}`"),
            )
            .label("unknown language")
            .help(help),
        );
    }
    let mut table = code.map_or(english, labels::builtin);
    table.extend(overrides);
    table
}

/// True when `path` is absolute here or on Windows (a site.toml written there
/// means the same everywhere): `/x`, `\\x`, `C:x`.
fn is_absolute(path: &str) -> bool {
    path.starts_with(['/', '\\'])
        || path.as_bytes().get(1) == Some(&b':')
        || std::path::Path::new(path).is_absolute()
}

/// True when `path` (relative to the site root, as written in site.toml) is
/// absolute or climbs above the root with `..`.
fn escapes_root(path: &str) -> bool {
    use std::path::Component;
    if is_absolute(path) {
        return true;
    }
    let mut depth = 0usize;
    for part in std::path::Path::new(&path.replace('\\', "/")).components() {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = parse(FileId(0), "title = \"KB\"\n").unwrap();
        assert_eq!(c.content_dir, "content");
        assert_eq!(c.output_dir, "public");
        assert!(c.markdown.highlight && !c.markdown.allow_raw_html && c.search.enabled);
    }

    #[test]
    fn language_picks_the_labels_and_labels_override_them() {
        let c = parse(FileId(0), "title = \"KB\"\nlanguage = \"de-AT\"\n").unwrap();
        assert_eq!(c.labels["choices_many"], "Was trifft auf Sie zu?");
        let text = "title = \"KB\"\nlanguage = \"fr\"\n[labels]\nchoices_one = \"Et ensuite ?\"\n";
        let c = parse(FileId(0), text).unwrap();
        assert_eq!(c.labels["choices_one"], "Et ensuite ?");
        assert_eq!(c.labels["choices_many"], "Quelle est votre situation ?");
        assert_eq!(c.language, "fr");
    }

    #[test]
    fn unknown_label_keys_and_languages_are_errors() {
        let text = "title = \"KB\"\nlanguage = \"dee\"\n[labels]\nchoices_mny = \"x\"\n";
        let errs = parse(FileId(0), text).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].message, "unknown key `choices_mny` in [labels]");
        assert_eq!(
            errs[0].help.as_deref(),
            Some("did you mean `choices_many`?")
        );
        assert_eq!(errs[1].help.as_deref(), Some("did you mean `de`?"));
        // Every label given: any language.
        let all: String = crate::labels::english()
            .keys()
            .map(|k| format!("{k} = \"x\"\n"))
            .collect();
        let text = format!("title = \"KB\"\nlanguage = \"ja\"\n[labels]\n{all}");
        assert_eq!(parse(FileId(0), &text).unwrap().labels["home"], "x");
    }

    #[test]
    fn unknown_keys_all_reported_with_suggestion() {
        let text = "title = \"KB\"\ntheem = \"x\"\n[markdown]\nhighlite = false\n";
        let errs = parse(FileId(0), text).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].span.range.start, 13);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `theme`?"));
        assert_eq!(errs[1].help.as_deref(), Some("did you mean `highlight`?"));
    }
}
