//! Reading TOML with positions: a small layer over `toml::de::DeTable` that checks
//! keys and types by hand, so that *every* unknown key and wrong type is reported
//! (serde's `deny_unknown_fields` stops at the first) with the span of the key or
//! value, shifted by the offset of the TOML text in its file.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{FileId, Span};

/// A value and the file-absolute byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// Reads one TOML table, reporting problems into `diags`.
pub(crate) struct TableReader<'t, 'i, 'd> {
    pub(crate) table: &'t DeTable<'i>,
    pub(crate) file: FileId,
    /// Offset of the TOML text in the file.
    pub(crate) base: usize,
    pub(crate) diags: &'d mut Vec<Diagnostic>,
    /// Code for wrong types and unknown keys (site.toml uses `Config`).
    pub(crate) config: bool,
    /// Human name of the table, e.g. "front matter" or "[[branch]]".
    pub(crate) what: &'static str,
}

impl<'t, 'i> TableReader<'t, 'i, '_> {
    pub(crate) fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, r.start + self.base..r.end + self.base)
    }

    fn code(&self, c: Code) -> Code {
        if self.config { Code::Config } else { c }
    }

    /// Reports every key not in `known`, with the closest known key as help.
    pub(crate) fn deny_unknown(&mut self, known: &[&str]) {
        let mut unknown: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for (k, _) in self.table {
            if !known.contains(&k.get_ref().as_ref()) {
                unknown.push((k.span(), k.get_ref().to_string()));
            }
        }
        for (range, key) in unknown {
            let help = did_you_mean(&key, known.iter().copied())
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("known keys: {}", known.join(", ")));
            let d = Diagnostic::new(
                self.code(Code::UnknownKey),
                self.span(range),
                format!("unknown key `{key}` in {}", self.what),
            )
            .label("unknown key")
            .help(help);
            self.diags.push(d);
        }
    }

    pub(crate) fn get(
        &self,
        key: &str,
    ) -> Option<(
        &'t Spanned<std::borrow::Cow<'i, str>>,
        &'t Spanned<DeValue<'i>>,
    )> {
        self.table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
    }

    fn wrong_type(&mut self, key: &str, expected: &str, v: &Spanned<DeValue<'_>>) {
        let d = Diagnostic::new(
            self.code(Code::WrongType),
            self.span(v.span()),
            format!(
                "`{key}` must be {expected}, found {}",
                v.get_ref().type_str()
            ),
        )
        .label(format!("expected {expected}"));
        self.diags.push(d);
    }

    pub(crate) fn string(&mut self, key: &str) -> Option<Located<String>> {
        let (_, v) = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Located {
                value: s.to_string(),
                span: self.span(v.span()),
            }),
            _ => {
                self.wrong_type(key, "a string", v);
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, key: &str) -> Option<Located<bool>> {
        let (_, v) = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Located {
                value: *b,
                span: self.span(v.span()),
            }),
            _ => {
                self.wrong_type(key, "true or false", v);
                None
            }
        }
    }

    pub(crate) fn integer(&mut self, key: &str) -> Option<Located<i64>> {
        let (_, v) = self.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => {
                let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
                let digits = digits
                    .trim_start_matches("0x")
                    .trim_start_matches("0o")
                    .trim_start_matches("0b");
                i64::from_str_radix(digits, i.radix()).ok()
            }
            _ => None,
        };
        if let Some(value) = parsed {
            Some(Located {
                value,
                span: self.span(v.span()),
            })
        } else {
            self.wrong_type(key, "an integer", v);
            None
        }
    }

    /// A TOML local date (`2026-11-01`), without a time.
    pub(crate) fn date(&mut self, key: &str) -> Option<Located<jiff::civil::Date>> {
        let (_, v) = self.get(key)?;
        let date = match v.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                dt.date.and_then(|d| {
                    jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).ok()
                })
            }
            _ => None,
        };
        if let Some(value) = date {
            Some(Located {
                value,
                span: self.span(v.span()),
            })
        } else {
            self.wrong_type(key, "a date (2026-11-01, unquoted)", v);
            None
        }
    }

    pub(crate) fn strings(&mut self, key: &str) -> Option<Vec<Located<String>>> {
        let (_, v) = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(key, "an array of strings", v);
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Located {
                    value: s.to_string(),
                    span: self.span(item.span()),
                }),
                _ => self.wrong_type(key, "an array of strings", item),
            }
        }
        Some(out)
    }

    /// A sub-table (`[markdown]`); reports a wrong type.
    pub(crate) fn table(&mut self, key: &str) -> Option<&'t DeTable<'i>> {
        let (_, v) = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, "a table", v);
                None
            }
        }
    }

    /// An array of tables (`[[branch]]`); each with its span.
    pub(crate) fn tables(
        &mut self,
        key: &str,
    ) -> Option<Vec<(&'t DeTable<'i>, std::ops::Range<usize>)>> {
        let (_, v) = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(key, "an array of tables (`[[branch]]`)", v);
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((t, item.span())),
                _ => self.wrong_type(key, "an array of tables (`[[branch]]`)", item),
            }
        }
        Some(out)
    }

    /// A reader for a nested table, sharing the sink.
    pub(crate) fn nested<'u>(
        &'u mut self,
        table: &'t DeTable<'i>,
        what: &'static str,
    ) -> TableReader<'t, 'i, 'u> {
        TableReader {
            table,
            file: self.file,
            base: self.base,
            diags: self.diags,
            config: self.config,
            what,
        }
    }
}
