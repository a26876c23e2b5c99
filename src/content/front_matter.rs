//! Splits a page into its TOML front matter and its Markdown body, keeping the
//! byte offsets of both so that TOML and Markdown positions can be mapped back to
//! the whole file.

use std::ops::Range;

/// Where the front matter and the body are in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The TOML between the `+++` lines (without them).
    pub front_matter: Range<usize>,
    /// The Markdown after the closing `+++` line.
    pub body: Range<usize>,
}

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first line is not `+++`.
    Missing,
    /// No closing `+++` line; the range is the opening line.
    Unterminated(Range<usize>),
}

/// Returns the lines of `text` with their byte ranges (without the line ending).
fn lines(text: &str) -> impl Iterator<Item = (Range<usize>, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let rest = &text[start..];
        // memchr directly: `str::find` with a char sets up a searcher per line.
        let (len, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (i, start + i + 1),
            None => (rest.len(), text.len()),
        };
        let mut end = start + len;
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let item = (start..end, next);
        start = next;
        Some(item)
    })
}

fn is_fence(line: &str) -> bool {
    line.starts_with("+++") && line[3..].trim_end().is_empty()
}

/// Splits `text` (BOM already removed) into front matter and body.
///
/// # Errors
/// [`SplitError::Missing`] when the file does not start with a `+++` line,
/// [`SplitError::Unterminated`] when the closing `+++` line is missing.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let mut it = lines(text);
    let Some((first, fm_start)) = it.next() else {
        return Err(SplitError::Missing);
    };
    if !is_fence(&text[first.clone()]) {
        return Err(SplitError::Missing);
    }
    for (line, next) in it {
        if is_fence(&text[line.clone()]) {
            return Ok(Split {
                front_matter: fm_start..line.start,
                body: next..text.len(),
            });
        }
    }
    Err(SplitError::Unterminated(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_offsets() {
        let t = "+++\ntitle = \"x\"\n+++\nbody\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.front_matter.clone()], "title = \"x\"\n");
        assert_eq!(&t[s.body.clone()], "body\n");
    }

    #[test]
    fn crlf() {
        let t = "+++\r\ntitle = \"x\"\r\n+++\r\nbody\r\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.front_matter.clone()], "title = \"x\"\r\n");
        assert_eq!(&t[s.body.clone()], "body\r\n");
    }

    #[test]
    fn empty_body_and_missing() {
        assert_eq!(split("+++\n+++").unwrap().body, 7..7);
        assert_eq!(split("# hi\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(
            split("+++\ntitle = 1\n"),
            Err(SplitError::Unterminated(0..3))
        );
    }
}
