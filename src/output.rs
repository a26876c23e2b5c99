//! output::write_atomic: renders into a temporary sibling folder, then swaps it
//! into place with two renames, so a build that fails leaves the previous output
//! exactly as it was, and readers never see a half-written site.
//!
//! Safety: the output folder may not be the site root, the content folder, a
//! folder that contains either, or a folder inside content/. An existing, non-empty
//! folder is replaced only if an earlier build wrote it (it holds [`MARKER`]).

use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::render::Sink;

/// File that marks a folder as signpost output (safe to replace).
pub const MARKER: &str = ".signpost-output";

/// Lexically normalizes an absolute path (removes `.` and `..`).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn canonical(path: &Path) -> PathBuf {
    let abs = normalize(&crate::source::absolute(path));
    // Resolve symlinks of the part that exists.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => {
                rest.push(name.to_os_string());
                existing.pop();
            }
            None => break,
        }
    }
    let mut base = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        base.push(name);
    }
    base
}

/// Checks that `out` is safe to replace and returns it absolute.
///
/// # Errors
/// [`Error::Output`] when it is unsafe.
pub fn check_output_dir(root: &Path, content: &Path, out: &Path) -> Result<PathBuf, Error> {
    let root = canonical(root);
    let content = canonical(content);
    let out_abs = canonical(out);
    let refuse = |reason: &str| {
        Err(Error::Output {
            path: out.to_path_buf(),
            reason: reason.to_string(),
        })
    };
    if out_abs == root || root.starts_with(&out_abs) {
        return refuse("it is or contains the site root");
    }
    if out_abs == content || content.starts_with(&out_abs) {
        return refuse("it is or contains the content folder");
    }
    if out_abs.starts_with(&content) {
        return refuse("it is inside the content folder");
    }
    if out_abs.parent().is_none() {
        return refuse("it is a filesystem root");
    }
    if out_abs.exists() {
        if !out_abs.is_dir() {
            return refuse("it exists and is not a folder");
        }
        let empty = std::fs::read_dir(&out_abs)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out_abs.join(MARKER).exists() {
            return refuse(&format!(
                "it is not empty and was not written by signpost (no {MARKER} file); remove it or pick another folder"
            ));
        }
    }
    Ok(out_abs)
}

/// Writes files under a folder on disk, creating parent folders as needed.
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// A sink writing under `root`.
    pub fn new(root: PathBuf) -> Self {
        DirSink { root }
    }

    /// The path of output file `path`, its folder created.
    fn target(&self, path: &str) -> std::io::Result<PathBuf> {
        let target = self.root.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(target)
    }
}

impl Sink for DirSink {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.target(path)?, bytes)
    }

    fn copy(&self, path: &str, source: &Path) -> std::io::Result<()> {
        std::fs::copy(source, self.target(path)?).map(|_| ())
    }
}

/// Runs `render` into a temporary folder beside `out`, then swaps it into place.
/// On any error the temporary folder is removed and `out` is untouched.
///
/// # Errors
/// The error of `render`, or an I/O error of the swap.
pub fn write_atomic<T>(
    out: &Path,
    render: impl FnOnce(&DirSink) -> Result<T, Error>,
) -> Result<T, Error> {
    let parent = out.parent().ok_or_else(|| Error::Output {
        path: out.to_path_buf(),
        reason: "it has no parent folder".into(),
    })?;
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    // `out` passed `check_output_dir`: it is empty or a previous output.
    let sink = DirSink::new(tmp.clone());
    let result = render(&sink).and_then(|v| {
        std::fs::write(
            tmp.join(MARKER),
            b"This folder is written by signpost build and replaced on each build.\n",
        )
        .map_err(io(&tmp))?;
        Ok(v)
    });
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let had_old = out.exists();
    if had_old && let Err(e) = std::fs::rename(out, &old) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io(out)(e));
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io(out)(e));
    }
    if had_old {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::DirSink;
    use crate::render::Sink;

    #[test]
    fn files_land_in_their_folders_and_are_replaced_when_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path().join("out"));
        sink.write("a/b/page.html", b"first").unwrap();
        sink.write("a/b/page.html", b"again").unwrap();
        sink.write("top.html", b"top").unwrap();
        let read = |p: &str| std::fs::read_to_string(dir.path().join("out").join(p)).unwrap();
        assert_eq!(read("a/b/page.html"), "again");
        assert_eq!(read("top.html"), "top");
    }
}
