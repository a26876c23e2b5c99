//! The common case of front matter, read in one pass over the TOML parser's
//! events: top-level `title`, `summary`, `outcome` (strings), `entry`, `draft`
//! (booleans), `weight` (a decimal integer), `tags` (an array of strings) and
//! `[[branch]]` tables of `when` and `to` strings, each key once, and nothing
//! the page checks would report. Anything else (a syntax error, another key or
//! type, a duplicate, a dotted key, a `[table]`, an unknown outcome, a branch
//! without `to`, no title) gives `None`, and [`super::page::parse`] reads the
//! front matter through `toml::de::DeTable` and reports what it finds.
//!
//! Same lexer and parser as the `toml` crate (`toml_parser`, which `toml` is
//! built on), with the same whitespace, comment and newline checks; what it
//! skips is the table of spanned values `toml` builds and this module's
//! caller would read once and drop (front matter took 29% fewer instructions
//! on the 1,000-page generated site). The `quick_reader_agrees_…` tests in
//! `page.rs` check that both paths agree on every page of the fixtures, the
//! example and the Rust book, and on front matter made to differ.

use toml_parser::decoder::{Encoding, IntegerRadix, ScalarKind};
use toml_parser::parser::{EventReceiver, ValidateWhitespace};
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span as TomlSpan};

use crate::content::page::{BranchSrc, FrontMatter, Outcome};
use crate::source::{FileId, Span};
use crate::tomlx::Located;

/// The front matter in `fm_text` (at `base` in file `file`), when it is the
/// common case described above.
pub(super) fn read(file: FileId, base: usize, fm_text: &str) -> Option<FrontMatter> {
    let source = Source::new(fm_text);
    let tokens = source.lex().into_vec();
    let mut reader = Reader {
        source,
        file,
        base,
        meta: FrontMatter::default(),
        ok: true,
        seen: 0,
        key: None,
        in_array: false,
        header: None,
        in_branch: false,
        branch_seen: 0,
        scratch: String::new(),
    };
    let mut errors = Failed(false);
    {
        let mut validated = ValidateWhitespace::new(&mut reader, source);
        toml_parser::parser::parse_document(&tokens, &mut validated, &mut errors);
    }
    let Reader { meta, ok, .. } = reader;
    let complete =
        ok && !errors.0 && meta.title.is_some() && meta.branches.iter().all(|b| b.to.is_some());
    complete.then_some(meta)
}

/// Notes whether the parser reported any error.
struct Failed(bool);

impl ErrorSink for Failed {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

/// The keys this reader takes; the bit each sets in `seen`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Title = 1,
    Summary = 2,
    Entry = 4,
    Tags = 8,
    Draft = 16,
    Weight = 32,
    Outcome = 64,
    When = 128,
    To = 256,
}

struct Reader<'i> {
    source: Source<'i>,
    file: FileId,
    base: usize,
    meta: FrontMatter,
    /// Still the common case.
    ok: bool,
    /// Keys already given in the current table.
    seen: u16,
    /// The key whose value comes next.
    key: Option<Key>,
    /// Inside `tags = [ … ]`.
    in_array: bool,
    /// Start of a `[[` header being read, and whether its key was `branch`.
    header: Option<(usize, bool)>,
    /// The current table is the last `[[branch]]`.
    in_branch: bool,
    branch_seen: u16,
    scratch: String,
}

impl<'i> Reader<'i> {
    fn span(&self, s: TomlSpan) -> Span {
        Span::new(self.file, s.start() + self.base..s.end() + self.base)
    }

    /// Decodes the scalar at `span` into `scratch`; its kind, or `None` on an
    /// error.
    fn decode(&mut self, span: TomlSpan, kind: Option<Encoding>) -> Option<ScalarKind> {
        let raw = self.raw(span, kind)?;
        let mut failed = Failed(false);
        self.scratch.clear();
        let scalar = raw.decode_scalar(&mut self.scratch, &mut failed);
        (!failed.0).then_some(scalar)
    }

    /// The token at `span`, as the parser saw it.
    fn raw(&self, span: TomlSpan, kind: Option<Encoding>) -> Option<Raw<'i>> {
        let text = self.source.input().get(span.start()..span.end())?;
        Some(Raw::new_unchecked(text, kind, span))
    }

    fn value(&mut self, span: TomlSpan, kind: Option<Encoding>) {
        let Some(key) = self.key.take() else {
            self.ok = false;
            return;
        };
        let Some(scalar) = self.decode(span, kind) else {
            self.ok = false;
            return;
        };
        let at = self.span(span);
        let string = || Located {
            value: self.scratch.clone(),
            span: at.clone(),
        };
        match (key, scalar) {
            (Key::Title, ScalarKind::String) => self.meta.title = Some(string()),
            (Key::Summary, ScalarKind::String) => self.meta.summary = Some(string()),
            (Key::Outcome, ScalarKind::String) => match Outcome::parse(&self.scratch) {
                Some(value) => self.meta.outcome = Some(Located { value, span: at }),
                None => self.ok = false,
            },
            (Key::Entry, ScalarKind::Boolean(value)) => {
                self.meta.entry = Some(Located { value, span: at });
            }
            (Key::Draft, ScalarKind::Boolean(value)) => self.meta.draft = value,
            (Key::Weight, ScalarKind::Integer(IntegerRadix::Dec)) => match decimal(&self.scratch) {
                Some(w) => self.meta.weight = Some(w),
                None => self.ok = false,
            },
            (Key::When | Key::To, ScalarKind::String) => {
                let value = Some(string());
                match self.meta.branches.last_mut() {
                    Some(b) if key == Key::When => b.when = value,
                    Some(b) => b.to = value,
                    None => self.ok = false,
                }
            }
            _ => self.ok = false,
        }
    }
}

/// A decimal integer as the decoder leaves it (underscores dropped); `None`
/// for an overflow, which the full path reports.
fn decimal(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl EventReceiver for Reader<'_> {
    fn std_table_open(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) {
        self.ok = false;
    }
    fn array_table_open(&mut self, span: TomlSpan, _error: &mut dyn ErrorSink) {
        if self.key.is_some() || self.in_array {
            self.ok = false;
        }
        self.header = Some((span.start(), false));
    }
    fn array_table_close(&mut self, span: TomlSpan, _error: &mut dyn ErrorSink) {
        match self.header.take() {
            Some((start, true)) => {
                self.meta.branches.push(BranchSrc {
                    when: None,
                    to: None,
                    span: Span::new(self.file, start + self.base..span.end() + self.base),
                });
                self.in_branch = true;
                self.branch_seen = 0;
            }
            _ => self.ok = false,
        }
    }
    fn inline_table_open(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) -> bool {
        self.ok = false;
        true
    }
    fn array_open(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) -> bool {
        if self.key == Some(Key::Tags) && !self.in_array {
            self.in_array = true;
            self.meta.tags.clear();
        } else {
            self.ok = false;
        }
        true
    }
    fn array_close(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) {
        if self.in_array {
            self.in_array = false;
            self.key = None;
        } else {
            self.ok = false;
        }
    }
    fn simple_key(&mut self, span: TomlSpan, kind: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if !self.ok {
            return;
        }
        let Some(raw) = self.raw(span, kind) else {
            self.ok = false;
            return;
        };
        let mut failed = Failed(false);
        let mut name = std::borrow::Cow::Borrowed("");
        raw.decode_key(&mut name, &mut failed);
        if failed.0 || self.key.is_some() || self.in_array {
            self.ok = false;
            return;
        }
        if let Some((start, false)) = self.header {
            match name.as_ref() {
                "branch" => self.header = Some((start, true)),
                _ => self.ok = false,
            }
            return;
        }
        let key = match (self.in_branch, name.as_ref()) {
            (false, "title") => Key::Title,
            (false, "summary") => Key::Summary,
            (false, "entry") => Key::Entry,
            (false, "tags") => Key::Tags,
            (false, "draft") => Key::Draft,
            (false, "weight") => Key::Weight,
            (false, "outcome") => Key::Outcome,
            (true, "when") => Key::When,
            (true, "to") => Key::To,
            _ => {
                self.ok = false;
                return;
            }
        };
        let seen = if self.in_branch {
            &mut self.branch_seen
        } else {
            &mut self.seen
        };
        if *seen & key as u16 != 0 {
            self.ok = false;
            return;
        }
        *seen |= key as u16;
        self.key = Some(key);
    }
    fn key_sep(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) {
        // A dotted key.
        self.ok = false;
    }
    fn scalar(&mut self, span: TomlSpan, kind: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if !self.ok {
            return;
        }
        if self.in_array {
            match self.decode(span, kind) {
                Some(ScalarKind::String) => self.meta.tags.push(self.scratch.clone()),
                _ => self.ok = false,
            }
            return;
        }
        self.value(span, kind);
    }
    fn error(&mut self, _span: TomlSpan, _error: &mut dyn ErrorSink) {
        self.ok = false;
    }
}
