//! The source map: every file signpost reads (site.toml and each page), held once
//! and referenced by [`FileId`], so diagnostics can point at byte ranges and be
//! rendered with the source line later.
//!
//! Input: paths and their text. Output: a [`SourceMap`] that implements
//! `codespan_reporting::files::Files` and converts byte offsets to 1-based
//! line/column pairs.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::Error;

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
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the site root, with `/` separators (what diagnostics print).
    pub name: String,
    /// The text, without a leading UTF-8 byte order mark.
    pub text: String,
    /// Byte offset of each line, computed on first use: only files with a
    /// diagnostic need them.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A file named `name` (relative to the site root) holding `text`.
    pub fn new(name: String, text: String) -> Self {
        SourceFile {
            name,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
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

/// The files under `dir`, at any depth, sorted by name within each folder:
/// each as its path relative to `dir` (`/` separators) and its full path.
/// Names starting with `.` (editor swap files, `.git`) are skipped, folders
/// included.
///
/// # Errors
/// [`Error::Io`] when a folder cannot be read.
pub fn walk_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().as_encoded_bytes().starts_with(b"."));
    let mut files = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("walk error")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("under the folder walked")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push((rel, entry.into_path()));
    }
    Ok(files)
}

/// Makes `path` absolute against the current directory without touching the disk.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
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

    /// Adds `file` (made with [`SourceFile::new`], e.g. on another thread).
    pub fn push(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(file);
        id
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
}
