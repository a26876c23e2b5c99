//! Diagnostics: every content problem signpost finds, as plain data.
//!
//! Stages push [`Diagnostic`]s into a [`Diagnostics`] sink and carry on, so one run
//! reports every problem. The binary renders them once, sorted by file, line and
//! column, in one of three [`Format`]s: rustc-style text (codespan-reporting), a JSON
//! array, or GitHub workflow commands.

use std::fmt::Write as _;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term;
use serde::Serialize;

use crate::source::{FileId, SourceMap, Span};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails `check` and `build`.
    Error,
    /// Printed; fails only with `--deny-warnings`.
    Warning,
}

/// The stable code of each rule. The string form (`Code::as_str`) is what users see
/// and what the README and docs/ document; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// site.toml is unreadable, invalid TOML, has an unknown key or a wrong type.
    Config,
    /// A page does not start with `+++` front matter.
    FrontMatterMissing,
    /// The front matter's closing `+++` is missing.
    FrontMatterUnterminated,
    /// The front matter is not valid TOML.
    TomlSyntax,
    /// A front-matter key signpost does not know.
    UnknownKey,
    /// A front-matter value of the wrong type.
    WrongType,
    /// `outcome` is not one of resolved, escalate, unsolved.
    BadOutcome,
    /// No `title`.
    MissingTitle,
    /// A branch `to` that names no page.
    BrokenTarget,
    /// A Markdown link to a `.md` page that does not exist.
    BrokenLink,
    /// A `#anchor` that names no heading or id on the target page.
    BrokenAnchor,
    /// A branch `to` or link that leaves the content folder.
    OutsideRoot,
    /// Two sources write the same output file.
    OutputCollision,
    /// Several branches of a page have no `when`.
    MissingWhen,
    /// Two branches of a page have the same `when`.
    DuplicateWhen,
    /// A file under content/ that is not valid UTF-8.
    NotUtf8,
    /// A relative link to a file that is not in the site.
    MissingFile,
    /// A reachable page with no branches and no outcome.
    DeadEnd,
    /// A loop in a decision tree.
    Cycle,
    /// A page with branches that no entry reaches.
    Unreachable,
    /// An entry page with no branches.
    EntryWithoutBranches,
    /// A branch that points at a draft (only when drafts are not built).
    DraftTarget,
    /// Markdown blocks or raw HTML nested deeper than the limit.
    TooDeep,
    /// An image that is not a file of the site.
    MissingImage,
    /// An attachment that would run script (with `allow_raw_html = false`).
    ActiveAttachment,
    /// An `{{#include}}` of a file or `#heading` that does not exist.
    IncludeMissing,
    /// An `{{#include}}` that includes itself, directly or not.
    IncludeLoop,
    /// A path-test file that is not valid TOML or has an unknown key or wrong type.
    PathTestInvalid,
    /// A path test whose `start` (or `end`) is not a page.
    PathTestStart,
    /// A path-test answer that matches no branch.
    PathTestNoMatch,
    /// A path-test answer that matches several branches.
    PathTestAmbiguous,
    /// The answers of a path test lead to another page than its `end`.
    PathTestWrongEnd,
    /// The answers of a path test end on a page with another `outcome`.
    PathTestWrongOutcome,
    /// A page whose `reviewed` date is older than `[review] max_age_days`.
    ReviewStale,
    /// A page without `reviewed` when `[review] required = true`.
    ReviewMissing,
    /// Markdown that `signpost export` cannot carry into the wiki as written.
    WikiExport,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: [Code; 36] = [
        Code::Config,
        Code::FrontMatterMissing,
        Code::FrontMatterUnterminated,
        Code::TomlSyntax,
        Code::UnknownKey,
        Code::WrongType,
        Code::BadOutcome,
        Code::MissingTitle,
        Code::BrokenTarget,
        Code::BrokenLink,
        Code::BrokenAnchor,
        Code::OutsideRoot,
        Code::OutputCollision,
        Code::MissingWhen,
        Code::DuplicateWhen,
        Code::NotUtf8,
        Code::TooDeep,
        Code::ActiveAttachment,
        Code::MissingImage,
        Code::MissingFile,
        Code::DeadEnd,
        Code::Cycle,
        Code::Unreachable,
        Code::EntryWithoutBranches,
        Code::DraftTarget,
        Code::IncludeMissing,
        Code::IncludeLoop,
        Code::PathTestInvalid,
        Code::PathTestStart,
        Code::PathTestNoMatch,
        Code::PathTestAmbiguous,
        Code::PathTestWrongEnd,
        Code::PathTestWrongOutcome,
        Code::ReviewStale,
        Code::ReviewMissing,
        Code::WikiExport,
    ];

    /// The stable, user-visible code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Config => "SP001",
            Code::FrontMatterMissing => "SP101",
            Code::FrontMatterUnterminated => "SP102",
            Code::TomlSyntax => "SP103",
            Code::UnknownKey => "SP104",
            Code::WrongType => "SP105",
            Code::BadOutcome => "SP106",
            Code::MissingTitle => "SP107",
            Code::NotUtf8 => "SP108",
            Code::TooDeep => "SP109",
            Code::ActiveAttachment => "SP110",
            Code::BrokenTarget => "SP201",
            Code::BrokenLink => "SP202",
            Code::BrokenAnchor => "SP203",
            Code::OutsideRoot => "SP204",
            Code::OutputCollision => "SP205",
            Code::MissingWhen => "SP206",
            Code::DuplicateWhen => "SP207",
            Code::DraftTarget => "SP208",
            Code::MissingImage => "SP209",
            Code::WikiExport => "SP601",
            Code::MissingFile => "SP301",
            Code::DeadEnd => "SP302",
            Code::Cycle => "SP303",
            Code::Unreachable => "SP304",
            Code::EntryWithoutBranches => "SP305",
            Code::IncludeMissing => "SP210",
            Code::IncludeLoop => "SP211",
            Code::PathTestInvalid => "SP401",
            Code::PathTestStart => "SP402",
            Code::PathTestNoMatch => "SP403",
            Code::PathTestAmbiguous => "SP404",
            Code::PathTestWrongEnd => "SP405",
            Code::PathTestWrongOutcome => "SP406",
            Code::ReviewStale => "SP501",
            Code::ReviewMissing => "SP502",
        }
    }

    /// A short kebab-case name, shown next to the code in docs.
    pub fn name(self) -> &'static str {
        match self {
            Code::Config => "config",
            Code::FrontMatterMissing => "front-matter-missing",
            Code::FrontMatterUnterminated => "front-matter-unterminated",
            Code::TomlSyntax => "toml-syntax",
            Code::UnknownKey => "unknown-key",
            Code::WrongType => "wrong-type",
            Code::BadOutcome => "bad-outcome",
            Code::MissingTitle => "missing-title",
            Code::NotUtf8 => "not-utf8",
            Code::TooDeep => "nesting-too-deep",
            Code::ActiveAttachment => "active-attachment",
            Code::MissingImage => "missing-image",
            Code::BrokenTarget => "broken-target",
            Code::BrokenLink => "broken-link",
            Code::BrokenAnchor => "broken-anchor",
            Code::OutsideRoot => "outside-root",
            Code::OutputCollision => "output-collision",
            Code::MissingWhen => "missing-when",
            Code::DuplicateWhen => "duplicate-when",
            Code::DraftTarget => "draft-target",
            Code::WikiExport => "wiki-export",
            Code::MissingFile => "missing-file",
            Code::DeadEnd => "dead-end",
            Code::Cycle => "cycle",
            Code::Unreachable => "unreachable",
            Code::EntryWithoutBranches => "entry-without-branches",
            Code::IncludeMissing => "include-missing",
            Code::IncludeLoop => "include-loop",
            Code::PathTestInvalid => "path-test-invalid",
            Code::PathTestStart => "path-test-start",
            Code::PathTestNoMatch => "path-test-no-match",
            Code::PathTestAmbiguous => "path-test-ambiguous",
            Code::PathTestWrongEnd => "path-test-wrong-end",
            Code::PathTestWrongOutcome => "path-test-wrong-outcome",
            Code::ReviewStale => "review-stale",
            Code::ReviewMissing => "review-missing",
        }
    }

    /// The severity this rule always has.
    pub fn severity(self) -> Severity {
        match self {
            Code::MissingFile
            | Code::DeadEnd
            | Code::Cycle
            | Code::Unreachable
            | Code::EntryWithoutBranches
            | Code::ReviewStale
            | Code::ReviewMissing
            | Code::WikiExport => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One problem, pointing at a byte range of a source file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable rule code; decides the severity.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: file and byte range of the offending token.
    pub span: Span,
    /// A label under the caret (short).
    pub label: String,
    /// How to fix it (e.g. "did you mean …"), if we know.
    pub help: Option<String>,
    /// Extra notes (e.g. the rest of a cycle).
    pub notes: Vec<String>,
    /// Related places (e.g. the first of two duplicates), shown in `human`.
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A diagnostic with `code` and `message` at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            notes: Vec::new(),
            related: Vec::new(),
        }
    }

    /// Sets the text under the caret.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line if `help` is some.
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a secondary label at a related place.
    #[must_use]
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// A collection of diagnostics, kept sorted for output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds many.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    /// All diagnostics, in the order they were sorted last.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when at least one error was found.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file name, offset, code, message; removes exact duplicates.
    pub fn sort(&mut self, sources: &SourceMap) {
        self.items.sort_by(|a, b| {
            let fa = &sources.get(a.span.file).name;
            let fb = &sources.get(b.span.file).name;
            fa.cmp(fb)
                .then(a.span.range.start.cmp(&b.span.range.start))
                .then(a.code.cmp(&b.code))
                .then(a.message.cmp(&b.message))
        });
        self.items
            .dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    }

    /// Keeps only the diagnostics for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    /// Renders every diagnostic in `format`. `color` adds ANSI colours to `Human`.
    pub fn render(&self, sources: &SourceMap, format: Format, color: bool) -> String {
        match format {
            Format::Human => self.render_human(sources, color),
            Format::Json => self.render_json(sources),
            Format::Github => self.render_github(sources),
        }
    }

    fn render_human(&self, sources: &SourceMap, color: bool) -> String {
        let config = term::Config::default();
        let mut out = String::new();
        // Page text reaches the terminal: control characters in it (ESC, BEL…)
        // are shown as symbols, so a page cannot retitle or clear the terminal.
        let shown = Shown::of(&self.items, sources);
        let sources = shown.as_ref().map_or(sources, |s| &s.sources);
        for d in &self.items {
            let mut cs = to_codespan(d, sources, shown.as_ref());
            if shown.is_some() {
                cs.message = terminal_safe(&cs.message).into_owned();
                for l in &mut cs.labels {
                    l.message = terminal_safe(&l.message).into_owned();
                }
                for n in &mut cs.notes {
                    *n = terminal_safe(n).into_owned();
                }
            }
            if color {
                let mut buf = term::termcolor::Buffer::ansi();
                let styles = term::Styles::default();
                let mut writer = term::StylesWriter::new(&mut buf, &styles);
                let _ = term::emit_to_write_style(&mut writer, &config, sources, &cs);
                out.push_str(&String::from_utf8_lossy(buf.as_slice()));
            } else {
                let _ = term::emit_to_string(&mut out, &config, sources, &cs);
            }
        }
        let (e, w) = (self.error_count(), self.warning_count());
        let _ = writeln!(out, "{}, {}", plural(e, "error"), plural(w, "warning"));
        out
    }

    fn render_json(&self, sources: &SourceMap) -> String {
        let rows: Vec<JsonDiagnostic<'_>> = self
            .items
            .iter()
            .map(|d| {
                let file = sources.get(d.span.file);
                let (line, column) = file.line_col(d.span.range.start);
                JsonDiagnostic {
                    severity: d.severity(),
                    code: d.code.as_str(),
                    message: &d.message,
                    file: &file.name,
                    line,
                    column,
                    help: d.help.as_deref(),
                }
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&rows).expect("diagnostics serialize");
        s.push('\n');
        s
    }

    fn render_github(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.items {
            let file = sources.get(d.span.file);
            let (line, col) = file.line_col(d.span.range.start);
            let level = match d.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut msg = format!("{} [{}]", d.message, d.code.as_str());
            if let Some(help) = &d.help {
                let _ = write!(msg, " help: {help}");
            }
            let _ = writeln!(
                out,
                "::{level} file={},line={line},col={col},title={}::{}",
                gh_escape_prop(&file.name),
                gh_escape_prop(&format!("{} {}", d.code.as_str(), d.code.name())),
                gh_escape_data(&msg)
            );
        }
        out
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Escapes a workflow-command message (GitHub's `escapeData`).
fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property (GitHub's `escapeProperty`).
fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    help: Option<&'a str>,
}

/// Snaps a byte range to char boundaries inside `text`.
fn snap(text: &str, r: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fix(r.start);
    start..fix(r.end).max(start)
}

/// A character a terminal would act on rather than show: C0 and C1 controls and
/// DEL, except tab and line ends (a `\r` not before `\n` is escaped).
fn is_unsafe_control(c: char, next: Option<char>) -> bool {
    c.is_control() && c != '\t' && c != '\n' && !(c == '\r' && next == Some('\n'))
}

/// The visible stand-in of an unsafe control character: its Unicode control
/// picture (␛ for ESC, ␇ for BEL), or U+FFFD for C1 controls. One character for
/// one, so columns stay the same.
fn control_picture(c: char) -> char {
    match c as u32 {
        n @ 0..0x20 => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

fn has_unsafe_controls(s: &str) -> bool {
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if is_unsafe_control(c, it.peek().copied()) {
            return true;
        }
    }
    false
}

/// `s` with its unsafe control characters replaced by pictures; also the
/// original byte offset of each replaced character and how many bytes the text
/// had grown by just after it.
fn escape_controls(s: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(s.len());
    let mut moved = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_unsafe_control(c, it.peek().map(|&(_, n)| n)) {
            let p = control_picture(c);
            out.push(p);
            moved.push((i, out.len() - (i + c.len_utf8())));
        } else {
            out.push(c);
        }
    }
    (out, moved)
}

/// Text for the terminal: unsafe control characters replaced by pictures.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if has_unsafe_controls(s) {
        std::borrow::Cow::Owned(escape_controls(s).0)
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The source files as shown on a terminal, when some file a diagnostic points
/// into (or its name) holds control characters: escaped copies of those, with
/// the shifts that map byte offsets into them.
struct Shown {
    sources: SourceMap,
    /// Per file id: the shifts made by [`escape_controls`] (empty: unchanged).
    moved: Vec<Vec<(usize, usize)>>,
}

impl Shown {
    fn of(items: &[Diagnostic], sources: &SourceMap) -> Option<Shown> {
        let mut touched = vec![false; sources.len()];
        for d in items {
            touched[d.span.file.0 as usize] = true;
            for (s, _) in &d.related {
                touched[s.file.0 as usize] = true;
            }
        }
        let unsafe_file = |i: usize| {
            let f = sources.get(FileId(i as u32));
            has_unsafe_controls(&f.text) || has_unsafe_controls(&f.name)
        };
        let any = (0..sources.len()).any(|i| touched[i] && unsafe_file(i))
            || items.iter().any(|d| {
                has_unsafe_controls(&d.message)
                    || has_unsafe_controls(&d.label)
                    || d.help.as_deref().is_some_and(has_unsafe_controls)
                    || d.notes.iter().any(|n| has_unsafe_controls(n))
                    || d.related.iter().any(|(_, l)| has_unsafe_controls(l))
            });
        if !any {
            return None;
        }
        let mut shown = SourceMap::new();
        let mut moved = Vec::with_capacity(sources.len());
        for (i, &touched) in touched.iter().enumerate() {
            let f = sources.get(FileId(i as u32));
            let name = terminal_safe(&f.name).into_owned();
            if !touched {
                shown.add(name, String::new());
                moved.push(Vec::new());
                continue;
            }
            let (text, m) = escape_controls(&f.text);
            shown.add(name, text);
            moved.push(m);
        }
        Some(Shown {
            sources: shown,
            moved,
        })
    }

    /// Byte offset `offset` of file `file` in its shown text.
    fn offset(&self, file: FileId, offset: usize) -> usize {
        let moved = &self.moved[file.0 as usize];
        let before = moved.partition_point(|&(i, _)| i < offset);
        offset + before.checked_sub(1).map_or(0, |k| moved[k].1)
    }
}

fn to_codespan(d: &Diagnostic, sources: &SourceMap, shown: Option<&Shown>) -> CsDiagnostic<FileId> {
    let range = |s: &Span| {
        let r = match shown {
            Some(sh) => sh.offset(s.file, s.range.start)..sh.offset(s.file, s.range.end),
            None => s.range.clone(),
        };
        snap(&sources.get(s.file).text, &r)
    };
    let sev = match d.severity() {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut notes = d.notes.clone();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    CsDiagnostic::new(sev)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(
            std::iter::once(Label::primary(d.span.file, range(&d.span)).with_message(&d.label))
                .chain(
                    d.related
                        .iter()
                        .map(|(s, l)| Label::secondary(s.file, range(s)).with_message(l)),
                )
                .collect(),
        )
        .with_notes(notes)
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// rustc-style text with the source line and a caret.
    #[default]
    Human,
    /// One JSON array of `{severity, code, message, file, line, column, help}`.
    Json,
    /// GitHub Actions `::error file=…,line=…,col=…::…` lines.
    Github,
}

/// The closest candidate to `word` by edit distance, if close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::normalized_damerau_levenshtein(word, c);
        if score >= 0.5 && best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["title", "summary", "outcome"];
        assert_eq!(did_you_mean("titel", keys), Some("title"));
        assert_eq!(did_you_mean("outcom", keys), Some("outcome"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn github_escapes() {
        assert_eq!(gh_escape_prop("a,b:c"), "a%2Cb%3Ac");
        assert_eq!(gh_escape_data("50%\nx"), "50%25%0Ax");
    }
}
