//! One page: its front matter read with positions, and where its body is.
//!
//! Input: a file's text. Output: [`FrontMatter`] (raw values with spans, nothing
//! computed) plus the body's byte range, and diagnostics SP101–SP107.

use std::ops::Range;

use serde::Serialize;
use toml::de::DeTable;

use crate::content::front_matter::{self, SplitError};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{FileId, Span};
use crate::tomlx::{Located, TableReader};

/// Index of a page in [`crate::content::Content::pages`]; pages are sorted by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PageId(pub u32);

impl PageId {
    /// The index as usize.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How a procedure ends on a page with no branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The problem is fixed.
    Resolved,
    /// Hand over to someone else (admin, vendor).
    Escalate,
    /// A known dead end.
    Unsolved,
}

impl Outcome {
    /// The value as written in front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::Escalate => "escalate",
            Outcome::Unsolved => "unsolved",
        }
    }

    const NAMES: [&'static str; 3] = ["resolved", "escalate", "unsolved"];

    pub(crate) fn parse(s: &str) -> Option<Outcome> {
        match s {
            "resolved" => Some(Outcome::Resolved),
            "escalate" => Some(Outcome::Escalate),
            "unsolved" => Some(Outcome::Unsolved),
            _ => None,
        }
    }
}

/// One `[[branch]]` as written.
#[derive(Debug, Clone)]
pub struct BranchSrc {
    /// The condition (inline Markdown), if given.
    pub when: Option<Located<String>>,
    /// The target path as written, if given.
    pub to: Option<Located<String>>,
    /// The whole `[[branch]]` table.
    pub span: Span,
}

/// The front matter of a page, as written (raw values with their spans).
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    /// `title`.
    pub title: Option<Located<String>>,
    /// `summary`.
    pub summary: Option<Located<String>>,
    /// `question`: the heading over the page's branches, instead of the
    /// theme's label.
    pub question: Option<Located<String>>,
    /// `entry = true`: the root of a decision tree.
    pub entry: Option<Located<bool>>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `draft = true`.
    pub draft: bool,
    /// `weight`, ordering among pages of a folder.
    pub weight: Option<i64>,
    /// `outcome`.
    pub outcome: Option<Located<Outcome>>,
    /// `[[branch]]` tables, in order.
    pub branches: Vec<BranchSrc>,
    /// `owner`: who keeps the page up to date.
    pub owner: Option<String>,
    /// `reviewed`: the day of the last review.
    pub reviewed: Option<Located<jiff::civil::Date>>,
    /// `contact`: Markdown shown on an outcome page instead of the site's
    /// `[outcomes]` text.
    pub contact: Option<String>,
}

impl FrontMatter {
    /// True when `entry = true`.
    pub fn is_entry(&self) -> bool {
        self.entry.as_ref().is_some_and(|e| e.value)
    }
}

/// A parsed page file.
#[derive(Debug, Clone)]
pub struct ParsedPage {
    /// Front matter (default when missing or broken).
    pub meta: FrontMatter,
    /// Byte range of the Markdown body in the file.
    pub body: Range<usize>,
    /// Byte range of the opening `+++` line (or 0..0), where page-wide
    /// diagnostics point when nothing better exists.
    pub head: Range<usize>,
    /// The front matter could not be read completely: suppress follow-on checks
    /// (dead ends, missing title) that would only repeat the same mistake.
    pub broken: bool,
}

const PAGE_KEYS: &[&str] = &[
    "title", "summary", "question", "entry", "tags", "draft", "weight", "outcome", "branch",
    "owner", "reviewed", "contact",
];
const BRANCH_KEYS: &[&str] = &["when", "to"];

/// Parses one page. `optional_fm` is true for `_index.md` section intros.
pub fn parse(
    file: FileId,
    text: &str,
    optional_fm: bool,
    diags: &mut Vec<Diagnostic>,
) -> ParsedPage {
    let split = match front_matter::split(text) {
        Ok(s) => s,
        Err(SplitError::Missing) => {
            if !optional_fm {
                diags.push(
                    Diagnostic::new(
                        Code::FrontMatterMissing,
                        Span::new(file, 0..text.chars().next().map_or(0, char::len_utf8)),
                        "page has no front matter",
                    )
                    .label("expected `+++` here")
                    .help("start the file with `+++`, a `title = \"…\"` line and another `+++`"),
                );
            }
            return ParsedPage {
                meta: FrontMatter::default(),
                body: 0..text.len(),
                head: 0..0,
                broken: !optional_fm,
            };
        }
        Err(SplitError::Unterminated(line)) => {
            diags.push(
                Diagnostic::new(
                    Code::FrontMatterUnterminated,
                    Span::new(file, line.clone()),
                    "front matter is not closed",
                )
                .label("opened here")
                .help("add a line with `+++` after the last front-matter key"),
            );
            return ParsedPage {
                meta: FrontMatter::default(),
                body: text.len()..text.len(),
                head: line,
                broken: true,
            };
        }
    };
    let reported_before = diags.len();
    let base = split.front_matter.start;
    let fm_text = &text[split.front_matter.clone()];
    let (table, errors) = DeTable::parse_recoverable(fm_text);
    let broken = !errors.is_empty();
    for e in errors {
        let r = e.span().unwrap_or(0..0);
        diags.push(
            Diagnostic::new(
                Code::TomlSyntax,
                Span::new(file, r.start + base..r.end + base),
                format!("invalid TOML in front matter: {}", e.message().trim()),
            )
            .label("here"),
        );
    }
    let table = table.into_inner();
    let mut r = TableReader {
        table: &table,
        file,
        base,
        diags,
        config: false,
        what: "front matter",
    };
    r.deny_unknown(PAGE_KEYS);
    let mut meta = FrontMatter {
        title: r.string("title"),
        summary: r.string("summary"),
        question: r.string("question"),
        entry: r.boolean("entry"),
        tags: r
            .strings("tags")
            .unwrap_or_default()
            .into_iter()
            .map(|l| l.value)
            .collect(),
        draft: r.boolean("draft").is_some_and(|b| b.value),
        weight: r.integer("weight").map(|w| w.value),
        outcome: None,
        branches: Vec::new(),
        owner: r.string("owner").map(|l| l.value),
        reviewed: r.date("reviewed"),
        contact: r.string("contact").map(|l| l.value),
    };
    if let Some(o) = r.string("outcome") {
        match Outcome::parse(&o.value) {
            Some(v) => {
                meta.outcome = Some(Located {
                    value: v,
                    span: o.span,
                });
            }
            None => {
                let help = did_you_mean(&o.value.to_lowercase(), Outcome::NAMES).map_or_else(
                    || "use \"resolved\", \"escalate\" or \"unsolved\"".to_string(),
                    |s| format!("did you mean \"{s}\"?"),
                );
                r.diags.push(
                    Diagnostic::new(
                        Code::BadOutcome,
                        o.span,
                        format!("unknown outcome \"{}\"", o.value),
                    )
                    .label("not an outcome")
                    .help(help),
                );
            }
        }
    }
    if let Some(tables) = r.tables("branch") {
        for (t, range) in tables {
            let span = r.span(range);
            let mut b = r.nested(t, "[[branch]]");
            b.deny_unknown(BRANCH_KEYS);
            let when = b.string("when");
            let to = b.string("to");
            if to.is_none() && b.get("to").is_none() {
                b.diags.push(
                    Diagnostic::new(Code::BrokenTarget, span.clone(), "branch has no `to`")
                        .label("this [[branch]]")
                        .help("add `to = \"other-page.md\"`"),
                );
            }
            meta.branches.push(BranchSrc { when, to, span });
        }
    }
    // A key that looks like a misspelt `title` was already reported; saying the
    // title is missing too would repeat the same mistake.
    let misspelt_title = r.diags.iter().any(|d| {
        d.code == Code::UnknownKey
            && d.span.file == file
            && d.help.as_deref() == Some("did you mean `title`?")
    });
    if meta.title.is_none()
        && !broken
        && !optional_fm
        && !misspelt_title
        && r.get("title").is_none()
    {
        r.diags.push(
            Diagnostic::new(
                Code::MissingTitle,
                Span::new(file, 0..3),
                "page has no `title`",
            )
            .label("front matter starts here")
            .help("add `title = \"…\"` to the front matter"),
        );
    }
    // Any problem in the front matter (a misspelt outcome, `entry = "yes"`)
    // leaves the page's shape unknown: graph checks would only repeat it.
    let broken = broken || r.diags.len() > reported_before;
    ParsedPage {
        meta,
        body: split.body,
        head: 0..3,
        broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (ParsedPage, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let page = parse(FileId(0), text, false, &mut d);
        (page, d)
    }

    #[test]
    fn reads_branches_with_spans() {
        let t = "+++\ntitle = \"T\"\n[[branch]]\nwhen = \"yes\"\nto = \"a.md\"\n+++\nbody";
        let (page, d) = p(t);
        assert!(d.is_empty(), "{d:?}");
        let to = page.meta.branches[0].to.as_ref().unwrap();
        assert_eq!(&t[to.span.range.clone()], "\"a.md\"");
        assert_eq!(&t[page.body], "body");
    }

    #[test]
    fn reports_every_problem_in_front_matter() {
        let t = "+++\ntitel = \"T\"\noutcome = \"resolve\"\nentry = \"yes\"\n[[branch]]\nwhen = \"a\"\ntoo = \"x.md\"\n+++\n";
        let (_, d) = p(t);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::UnknownKey));
        assert!(codes.contains(&Code::BadOutcome));
        assert!(codes.contains(&Code::WrongType));
        assert!(
            !codes.contains(&Code::MissingTitle),
            "titel was reported as a misspelt title"
        );
        let bad = d.iter().find(|d| d.code == Code::BadOutcome).unwrap();
        assert_eq!(bad.help.as_deref(), Some("did you mean \"resolved\"?"));
        let unknown: Vec<_> = d.iter().filter(|d| d.code == Code::UnknownKey).collect();
        assert_eq!(unknown.len(), 2);
        assert_eq!(&t[unknown[0].span.range.clone()], "titel");
    }

    #[test]
    fn toml_error_positions_are_file_absolute() {
        let t = "+++\ntitle = \"T\"\nsummary = \n+++\n";
        let (page, d) = p(t);
        assert!(page.broken);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::TomlSyntax);
        assert!(d[0].span.range.start >= 16, "{:?}", d[0].span);
    }
}
