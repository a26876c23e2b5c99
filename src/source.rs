//! The source map: every file signpost reads (site.toml and each page), held once
//! and referenced by [`FileId`], so diagnostics can point at byte ranges and be
//! rendered with the source line later.
//!
//! Input: paths and their text. Output: a [`SourceMap`] that implements
//! `codespan_reporting::files::Files` and converts byte offsets to 1-based
//! line/column pairs.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`]; assigned in the order files are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file (offsets into the whole file text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// Byte offsets into the file's text (after a UTF-8 BOM was removed).
    pub range: Range<usize>,
}

impl Span {
    /// A span in `file` covering `range`.
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }
}

/// One file: its path relative to the site root (`/` separators) and its text.
///
/// A large build does not keep every page's text: a page read from disk whose
/// text is no longer needed is *evicted* (its text emptied, its length and hash
/// kept) and read again when it is rendered ([`SourceMap::load_text`]) or when a
/// diagnostic points into it ([`SourceMap::restore`]).
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the site root, with `/` separators (what diagnostics print).
    pub name: String,
    /// The text, without a leading UTF-8 byte order mark ("" while evicted).
    pub text: String,
    /// Where an evicted text is read from again, with its length and hash.
    evicted: Option<Evicted>,
    /// Byte offset of each line, computed on first use: only files with a
    /// diagnostic need them, and a large site would keep one per line of every
    /// page.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A file named `name` (relative to the site root) holding `text`.
    pub fn new(name: String, text: String) -> Self {
        SourceFile {
            name,
            text,
            evicted: None,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// A file named `name` whose text was read from `disk` and then dropped,
    /// keeping the text's length and [`text_hash`].
    pub fn evicted(name: String, disk: PathBuf, len: usize, hash: u64) -> Self {
        SourceFile {
            evicted: Some(Evicted { disk, len, hash }),
            ..SourceFile::new(name, String::new())
        }
    }

    /// True when the text was dropped to save memory (see [`SourceMap::load_text`]).
    pub fn is_evicted(&self) -> bool {
        self.evicted.is_some()
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 0-based line index of byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of 0-based line `line`, including its line ending.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let starts = self.line_starts();
        let start = starts[line];
        let end = starts.get(line + 1).copied().unwrap_or(self.text.len());
        start..end
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts()[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

#[derive(Debug)]
struct Evicted {
    disk: PathBuf,
    len: usize,
    hash: u64,
}

/// Hash of a text, to notice a file that changed on disk between reading and
/// rendering. Not for untrusted input: a fast multiply-xor over 8-byte words
/// (every page is hashed twice per build; SipHash was 1.5% of a build's CPU).
pub fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = text.as_bytes();
    let mut h: u64 = bytes.len() as u64 ^ K;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h ^ v).wrapping_mul(K).rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 32)
}

/// Reads a page's text as signpost sees it: UTF-8 with a leading byte order mark
/// removed (invalid bytes replaced).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

/// Every file read by one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for `additional` more files.
    pub fn reserve(&mut self, additional: usize) {
        self.files.reserve_exact(additional);
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, text: String) -> FileId {
        self.push(SourceFile::new(name, text))
    }

    /// Adds `file` (made with [`SourceFile::new`] or [`SourceFile::evicted`],
    /// e.g. on another thread).
    pub fn push(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(file);
        id
    }

    /// The text of file `id`, read again from disk if it was evicted.
    ///
    /// # Errors
    /// The file cannot be read, or it changed since it was checked (its spans
    /// would no longer fit).
    pub fn load_text(&self, id: FileId) -> std::io::Result<Cow<'_, str>> {
        let file = self.get(id);
        let Some(ev) = &file.evicted else {
            return Ok(Cow::Borrowed(&file.text));
        };
        let text = read_text(&ev.disk)?;
        if text.len() != ev.len || text_hash(&text) != ev.hash {
            return Err(std::io::Error::other(
                "the file changed while signpost was building it; build again",
            ));
        }
        Ok(Cow::Owned(text))
    }

    /// Reads the evicted texts of `ids` back in (files a diagnostic points into).
    /// A file that cannot be read stays empty; snippets are then left out.
    pub fn restore(&mut self, ids: impl IntoIterator<Item = FileId>) {
        for id in ids {
            let file = &mut self.files[id.0 as usize];
            if let Some(ev) = file.evicted.take() {
                let text = read_text(&ev.disk).unwrap_or_default();
                let name = std::mem::take(&mut file.name);
                *file = SourceFile::new(name, text);
            }
        }
    }

    /// Replaces the text of file `id` (a page re-read by `serve`).
    pub fn replace(&mut self, id: FileId, text: String) {
        let name = std::mem::take(&mut self.files[id.0 as usize].name);
        self.files[id.0 as usize] = SourceFile::new(name, text);
    }

    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).text)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.get(id).line_index(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self.get(id);
        let lines = file.line_starts().len();
        if line_index >= lines {
            return Err(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: lines - 1,
            });
        }
        Ok(file.line_range(line_index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = SourceFile::new("a.md".into(), "ab\nçd\r\nx".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'ç' is two bytes but one column.
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(8), (3, 1));
    }

    #[test]
    fn text_hash_sees_small_edits() {
        let base = "+++\ntitle = \"A\"\n+++\nSome body text.\n";
        let h = text_hash(base);
        assert_eq!(h, text_hash(base));
        for edited in [
            "+++\ntitle = \"B\"\n+++\nSome body text.\n",
            "+++\ntitle = \"A\"\n+++\nSome body text!\n",
            "+++\ntitle = \"A\"\n+++\nSome body text.\n\0",
            "",
        ] {
            assert_ne!(h, text_hash(edited), "{edited:?}");
        }
    }

    #[test]
    fn evicted_text_is_read_again_and_checked() {
        let dir = std::env::temp_dir().join(format!("signpost-evict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.md");
        std::fs::write(&path, "\u{feff}hello\n").unwrap();
        let mut map = SourceMap::new();
        let id = map.push(SourceFile::evicted(
            "content/a.md".into(),
            path.clone(),
            6,
            text_hash("hello\n"),
        ));
        assert!(map.get(id).is_evicted());
        assert_eq!(map.get(id).text, "");
        assert_eq!(map.load_text(id).unwrap(), "hello\n");
        // Edited on disk after the check: rendering must not use stale spans.
        std::fs::write(&path, "hellO\n").unwrap();
        assert!(map.load_text(id).is_err());
        map.restore([id]);
        assert_eq!(map.get(id).text, "hellO\n");
        assert!(!map.get(id).is_evicted());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
