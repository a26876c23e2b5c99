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
//!
//! Before that, [`read_lines`] reads the simplest shape of it, one `key =
//! value` per line with plain values (what most pages hold), with a scan of
//! its own: `toml_parser` took five sixths of the front matter's
//! instructions, lexing every page into tokens before parsing them. The tests
//! below check that it gives what `toml_parser` gives wherever it reads a
//! page, and that it leaves everything else to it.

use toml_parser::decoder::{Encoding, IntegerRadix, ScalarKind};
use toml_parser::parser::{EventReceiver, ValidateWhitespace};
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span as TomlSpan};

use crate::content::page::{BranchSrc, FrontMatter, Outcome};
use crate::source::{FileId, Span};
use crate::tomlx::Located;

/// The front matter in `fm_text` (at `base` in file `file`), when it is the
/// common case described above.
pub(super) fn read(file: FileId, base: usize, fm_text: &str) -> Option<FrontMatter> {
    read_lines(file, base, fm_text).or_else(|| read_toml(file, base, fm_text))
}

/// [`read`] through `toml_parser`'s lexer and parser.
fn read_toml(file: FileId, base: usize, fm_text: &str) -> Option<FrontMatter> {
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

impl Key {
    /// The key `name` names in the top-level table (`in_branch` false) or a
    /// `[[branch]]` table, if this reader takes it.
    fn named(in_branch: bool, name: &str) -> Option<Key> {
        Some(match (in_branch, name) {
            (false, "title") => Key::Title,
            (false, "summary") => Key::Summary,
            (false, "entry") => Key::Entry,
            (false, "tags") => Key::Tags,
            (false, "draft") => Key::Draft,
            (false, "weight") => Key::Weight,
            (false, "outcome") => Key::Outcome,
            (true, "when") => Key::When,
            (true, "to") => Key::To,
            _ => return None,
        })
    }

    /// Notes the key in `seen` (the keys its table gave so far); false if
    /// the table gave it before.
    fn first_in(self, seen: &mut u16) -> bool {
        let new = *seen & self as u16 == 0;
        *seen |= self as u16;
        new
    }
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
        let seen = if self.in_branch {
            &mut self.branch_seen
        } else {
            &mut self.seen
        };
        match Key::named(self.in_branch, &name) {
            Some(key) if key.first_in(seen) => self.key = Some(key),
            _ => self.ok = false,
        }
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

/// [`read`] for the simplest shape of the common case, line by line: blank
/// lines, `#` comments, `[[branch]]` headers written so, and `key = value`
/// with a bare key and a value that is a basic string without escapes, `true`
/// or `false`, a decimal integer without sign, underscores or leading zero, or
/// (for `tags`) a one-line array of such strings, each line perhaps ending in
/// a comment; whitespace is spaces and tabs, lines end in `\n`. Anything else
/// (an escape, a literal or multi-line string, `\r`, a table header written
/// otherwise, a control character in a string or comment…) gives `None`, and
/// `toml_parser` reads the page. Within that shape, the same checks as the
/// [`Reader`]: known keys in their table, each once, an outcome signpost
/// knows, a title, every branch with a `to`.
fn read_lines(file: FileId, base: usize, fm: &str) -> Option<FrontMatter> {
    let b = fm.as_bytes();
    let span = |r: std::ops::Range<usize>| Span::new(file, r.start + base..r.end + base);
    let mut meta = FrontMatter::default();
    let (mut seen, mut branch_seen, mut in_branch) = (0u16, 0u16, false);
    let mut pos = 0;
    while pos < b.len() {
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
        let mut i = skip_blanks(b, pos, end);
        pos = end + 1;
        if i == end {
            continue;
        }
        if b[i] == b'[' {
            let close = i + b"[[branch]]".len();
            if b.get(i..close)? != b"[[branch]]" {
                return None;
            }
            line_end(b, close, end)?;
            meta.branches.push(BranchSrc {
                when: None,
                to: None,
                span: span(i..close),
            });
            (in_branch, branch_seen) = (true, 0);
            continue;
        }
        if b[i] == b'#' {
            line_end(b, i, end)?;
            continue;
        }
        let k0 = i;
        while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
            i += 1;
        }
        let key = Key::named(in_branch, &fm[k0..i])?;
        let seen = if in_branch {
            &mut branch_seen
        } else {
            &mut seen
        };
        if !key.first_in(seen) {
            return None;
        }
        i = skip_blanks(b, i, end);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_blanks(b, i + 1, end);
        let at = i;
        match key {
            Key::Entry | Key::Draft => {
                let (value, len) = if b[i..end].starts_with(b"true") {
                    (true, 4)
                } else if b[i..end].starts_with(b"false") {
                    (false, 5)
                } else {
                    return None;
                };
                i += len;
                if key == Key::Entry {
                    meta.entry = Some(Located {
                        value,
                        span: span(at..i),
                    });
                } else {
                    meta.draft = value;
                }
            }
            Key::Weight => {
                while i < end && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == at || (b[at] == b'0' && i > at + 1) {
                    return None;
                }
                meta.weight = Some(fm[at..i].parse().ok()?);
            }
            Key::Tags => {
                if b.get(i) != Some(&b'[') {
                    return None;
                }
                i = skip_blanks(b, i + 1, end);
                while b.get(i) != Some(&b']') {
                    let (text, after) = basic_string(fm, i, end)?;
                    meta.tags.push(text.to_string());
                    i = skip_blanks(b, after, end);
                    match b.get(i) {
                        Some(b',') => i = skip_blanks(b, i + 1, end),
                        Some(b']') => {}
                        _ => return None,
                    }
                }
                i += 1;
            }
            Key::Title | Key::Summary | Key::Outcome | Key::When | Key::To => {
                let (text, after) = basic_string(fm, i, end)?;
                i = after;
                let value = || Located {
                    value: text.to_string(),
                    span: span(at..after),
                };
                match key {
                    Key::Title => meta.title = Some(value()),
                    Key::Summary => meta.summary = Some(value()),
                    Key::Outcome => {
                        meta.outcome = Some(Located {
                            value: Outcome::parse(text)?,
                            span: span(at..after),
                        });
                    }
                    Key::When => meta.branches.last_mut()?.when = Some(value()),
                    _ => meta.branches.last_mut()?.to = Some(value()),
                }
            }
        }
        line_end(b, i, end)?;
    }
    let complete = meta.title.is_some() && meta.branches.iter().all(|b| b.to.is_some());
    complete.then_some(meta)
}

/// The first byte from `i` on that is not a space or tab (`end` at most).
fn skip_blanks(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// A control character TOML allows in no comment or basic string (tab is
/// allowed).
fn is_control(c: u8) -> bool {
    (c < 0x20 && c != b'\t') || c == 0x7f
}

/// `Some` when the rest of the line from `i` is blank or a comment.
fn line_end(b: &[u8], i: usize, end: usize) -> Option<()> {
    let i = skip_blanks(b, i, end);
    if i == end {
        return Some(());
    }
    (b[i] == b'#' && !b[i + 1..end].iter().any(|&c| is_control(c))).then_some(())
}

/// The basic string starting at `i` (its opening quote), when it has no
/// escape and ends on this line (`end`): its text and the index after its
/// closing quote.
fn basic_string(fm: &str, i: usize, end: usize) -> Option<(&str, usize)> {
    use crate::swar::{below, equal, word};
    let b = fm.as_bytes();
    if b.get(i) != Some(&b'"') || b.get(i + 1..i + 3) == Some(b"\"\"") {
        return None;
    }
    // Up to the first quote, backslash or control character, eight bytes at
    // a time (a tab, which strings may hold, is stepped over).
    let mut j = i + 1;
    loop {
        while j + 8 <= end {
            let w = word(b, j);
            let hit = equal(w, b'"') | equal(w, b'\\') | below(w, 0x20) | equal(w, 0x7f);
            if hit != 0 {
                j += hit.trailing_zeros() as usize / 8;
                break;
            }
            j += 8;
        }
        while j < end && !(b[j] == b'"' || b[j] == b'\\' || is_control(b[j]) || b[j] == b'\t') {
            j += 1;
        }
        match b.get(j) {
            Some(b'\t') if j < end => j += 1,
            Some(b'"') if j < end => return Some((&fm[i + 1..j], j + 1)),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Front matter of every page of the fixtures, the example and the Rust
    /// book.
    fn real_front_matter() -> Vec<String> {
        crate::content::page::tests::real_pages()
            .into_iter()
            .filter_map(|(_, text)| {
                let s = crate::content::front_matter::split(&text).ok()?;
                Some(text[s.front_matter].to_string())
            })
            .collect()
    }

    /// Where the line reader reads front matter, it gives what the
    /// `toml_parser` path gives, spans and all.
    fn agrees(fm: &str) -> bool {
        let lines = read_lines(FileId(1), 7, fm);
        if let Some(lines) = &lines {
            let toml = read_toml(FileId(1), 7, fm);
            assert_eq!(format!("{toml:?}"), format!("{:?}", Some(lines)), "{fm}");
        }
        lines.is_some()
    }

    #[test]
    fn the_line_reader_agrees_with_toml_parser_on_real_pages() {
        let pages = real_front_matter();
        let read = pages.iter().filter(|fm| agrees(fm)).count();
        assert!(pages.len() > 150, "{}", pages.len());
        assert!(
            read * 10 > pages.len() * 6,
            "only {read} of {} pages read line by line",
            pages.len()
        );
    }

    #[test]
    fn the_line_reader_leaves_all_else_to_toml_parser() {
        let generated = "title = \"Multipart upload shows high latency\"\nsummary = \"What to do.\"\ntags = [\"incident\", \"object-store\", \"storage\"]\n\n[[branch]]\nwhen = \"It started after a deploy\"\nto = \"../disks/nvme-03483.md\"\n\n[[branch]]\nwhen = \"The error mentions `retention`\"\nto = \"../../metrics/exporter-09814.md\"\n";
        // (front matter, read line by line)
        let cases = [
            (generated, true),
            ("title = \"T\"", true),
            ("title = \"T\"\n", true),
            (
                "\t title\t=\t\"T\"\t# note \u{e9}\n# comment\n\nentry = true",
                true,
            ),
            (
                "title=\"\"\nentry=false#c\ndraft = true\nweight = 0\noutcome = \"resolved\"",
                true,
            ),
            ("title = \"T \u{e9} \u{85}\"\ntags = []\nweight = 120", true),
            ("title = \"T\"\ntags = [ \"a\" , \"b\", ]", true),
            (
                "title = \"T\"\n[[branch]] # first\nto = \"a.md#x\"\nwhen = \"w\"",
                true,
            ),
            ("title = \"a long title\twith a tab inside it\t\"", true),
            ("title = \"01234567\"\nsummary = \"0123456\"", true),
            ("title = \"a long title with a backslash \\\\ here\"", false),
            ("title = \"a long title with a bell \u{7} here\"", false),
            ("title = \"a long title with a DEL \u{7f} here\"", false),
            ("title = \"a long title that is never closed", false),
            (
                "title = \"a long title that is closed on the next line\n\"",
                false,
            ),
            ("title = \"T\"\ntags = [\"a\"", false),
            ("title = \"T\"\ntags = [\"a\"\n, \"b\"]", false),
            ("title = \"T\"\ntags = [\"a\" \"b\"]", false),
            ("title = \"T \\\"q\\\"\"", false),
            ("title = 'T'", false),
            ("title = \"\"\"T\"\"\"", false),
            ("title = \"T\"\r\n", false),
            ("\"title\" = \"T\"", false),
            ("title.x = \"T\"", false),
            ("title = \"T\"\nweight = 012", false),
            ("title = \"T\"\nweight = +1", false),
            ("title = \"T\"\nweight = 1_000", false),
            ("title = \"T\"\nweight = 99999999999999999999", false),
            ("title = \"T\"\nentry = truex", false),
            ("title = \"T\"\nentry = \"true\"", false),
            ("title = \"T\"\n[[ branch ]]\nto = \"a.md\"", false),
            ("title = \"T\"\n[branch]\nto = \"a.md\"", false),
            ("title = \"T\"\n[[branch]]\nwhen = \"w\"", false),
            (
                "title = \"T\"\n[[branch]]\ntitle = \"U\"\nto = \"a.md\"",
                false,
            ),
            ("title = \"T\"\ntitle = \"U\"", false),
            ("title = \"T\"\noutcome = \"resolve\"", false),
            ("title = \"T\" x", false),
            ("title = \"T\u{7}\"", false),
            ("title = \"T\" # bell \u{7}", false),
            ("title = \"T\"\nsummary = ", false),
            ("summary = \"S\"", false),
            ("title = 1979-05-27", false),
        ];
        for (fm, lines) in cases {
            assert_eq!(agrees(fm), lines, "{fm:?}");
        }
    }
}
