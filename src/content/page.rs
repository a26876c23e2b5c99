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

    pub(super) fn parse(s: &str) -> Option<Outcome> {
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
    "title", "summary", "entry", "tags", "draft", "weight", "outcome", "branch",
];
const BRANCH_KEYS: &[&str] = &["when", "to"];

/// Parses one page. `optional_fm` is true for `_index.md` section intros.
pub fn parse(
    file: FileId,
    text: &str,
    optional_fm: bool,
    diags: &mut Vec<Diagnostic>,
) -> ParsedPage {
    parse_with(file, text, optional_fm, diags, true)
}

/// [`parse`], trying the common case's quick reader first when `quick`
/// (see [`super::quick`]); the tests compare both ways.
fn parse_with(
    file: FileId,
    text: &str,
    optional_fm: bool,
    diags: &mut Vec<Diagnostic>,
    quick: bool,
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
    let base = split.front_matter.start;
    let fm_text = &text[split.front_matter.clone()];
    if let Some(meta) = quick
        .then(|| super::quick::read(file, base, fm_text))
        .flatten()
    {
        return ParsedPage {
            meta,
            body: split.body,
            head: 0..3,
            broken: false,
        };
    }
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
    ParsedPage {
        meta,
        body: split.body,
        head: 0..3,
        broken,
    }
}

#[cfg(test)]
pub(in crate::content) mod tests {
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

    /// Every page of the example, the fixtures and the Rust book: its path
    /// and text (the pages the front-matter readers are checked on).
    pub(in crate::content) fn real_pages() -> Vec<(std::path::PathBuf, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pages = Vec::new();
        for dir in [
            root.join("content"),
            root.join("tests/fixtures"),
            root.join("../shared/corpora/rust-book/content"),
        ] {
            for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let e = e.unwrap();
                if e.path().extension().is_some_and(|x| x == "md") {
                    let text = crate::source::read_text(e.path()).unwrap();
                    pages.push((e.into_path(), text));
                }
            }
        }
        pages
    }

    /// Both ways of reading front matter give the same page and diagnostics.
    fn same_both_ways(text: &str, optional_fm: bool) -> bool {
        let mut quick_diags = Vec::new();
        let quick = parse_with(FileId(3), text, optional_fm, &mut quick_diags, true);
        let mut full_diags = Vec::new();
        let full = parse_with(FileId(3), text, optional_fm, &mut full_diags, false);
        assert_eq!(format!("{quick:?}"), format!("{full:?}"), "{text}");
        assert_eq!(
            format!("{quick_diags:?}"),
            format!("{full_diags:?}"),
            "{text}"
        );
        let base = text.find('\n').map_or(0, |i| i + 1);
        front_matter::split(text)
            .ok()
            .and_then(|s| crate::content::quick::read(FileId(3), base, &text[s.front_matter]))
            .is_some()
    }

    /// Every page of the fixtures, the example and the Rust book, most of them
    /// read by the quick reader.
    #[test]
    fn quick_reader_agrees_with_the_full_one_on_real_pages() {
        let real = real_pages();
        let pages = real.len();
        let quick = real
            .iter()
            .filter(|(path, text)| same_both_ways(text, path.ends_with("_index.md")))
            .count();
        assert!(pages > 150, "{pages}");
        assert!(
            quick * 10 > pages * 8,
            "only {quick} of {pages} pages read quickly"
        );
    }

    /// Front matter made to leave the common case in every way the quick
    /// reader knows of, and some it reads.
    #[test]
    fn quick_reader_agrees_with_the_full_one_on_odd_front_matter() {
        let cases = [
            ("title = \"T\"", true),
            ("title = 'T'\nsummary = \"\"\"S\nmore\"\"\"", true),
            (
                "title = \"T \\u00e9 \\\"q\\\"\" # c\n\n# comment\nentry = true",
                true,
            ),
            (
                "\"title\" = \"T\"\ntags = [ \"a\", 'b', ]\ndraft = false\nweight = -3",
                true,
            ),
            (
                "title = \"T\"\noutcome = \"resolved\"\n[[branch]]\nwhen = \"w\"\nto = \"a.md\"\n[[ branch ]]\nto = \"b.md#x\"",
                true,
            ),
            ("title = \"T\"\nweight = 1_000", true),
            ("title = \"T\"\nweight = 0x10", false),
            ("title = \"T\"\nweight = 99999999999999999999", false),
            ("title = \"T\"\nentry = \"yes\"", false),
            ("title = \"T\"\ntitle = \"U\"", false),
            ("titel = \"T\"", false),
            ("summary = \"S\"", false),
            ("title = \"T\"\noutcome = \"resolve\"", false),
            ("title = \"T\"\n[[branch]]\nwhen = \"w\"", false),
            (
                "title = \"T\"\n[[branch]]\nto = \"a.md\"\nto = \"b.md\"",
                false,
            ),
            (
                "title = \"T\"\n[[branch]]\nto = \"a.md\"\ntoo = \"b.md\"",
                false,
            ),
            ("title = \"T\"\nbranch = 1", false),
            ("title = \"T\"\n[branch]\nto = \"a.md\"", false),
            ("title = \"T\"\n[[branches]]\nto = \"a.md\"", false),
            ("title = \"T\"\n[[branch.x]]\nto = \"a.md\"", false),
            ("title.x = \"T\"", false),
            ("title = \"T\"\ntags = [\"a\", 1]", false),
            ("title = \"T\"\ntags = [[\"a\"]]", false),
            ("title = \"T\"\ntags = \"a\"", false),
            ("title = { x = 1 }", false),
            ("title = \"T\"\nsummary = ", false),
            ("title = \"T\" x", false),
            ("title = \"T\u{7}\"", false),
            ("title = \"T\" # bell \u{7}", false),
            ("title = \"T\"\ndraft = true\ndraft = true", false),
            ("title = 1979-05-27", false),
        ];
        for (fm, quick) in cases {
            let text = format!("+++\n{fm}\n+++\nBody.\n");
            assert_eq!(same_both_ways(&text, false), quick, "{fm:?}");
        }
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
