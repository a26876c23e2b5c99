//! output::write_atomic: renders into a temporary sibling folder, then swaps it
//! into place in one step (`renameat2(RENAME_EXCHANGE)` on Linux; two renames
//! elsewhere), so a build that fails leaves the previous output exactly as it
//! was, and readers never see a half-written site. What a killed build left
//! beside the output is cleaned up (or put back) by the next build.
//!
//! Safety: the output folder may not be the site root, the content folder, a
//! folder that contains either, or a folder inside content/. An existing, non-empty
//! folder is replaced only if an earlier build wrote it (it holds [`MARKER`]).

use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::render::{Sink, WriteFn};

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
    /// The folders made so far. Most files go into a folder made already, and
    /// asking the file system again cost two system calls a file.
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl DirSink {
    /// A sink writing under `root`.
    pub fn new(root: PathBuf) -> Self {
        DirSink {
            root,
            made: std::sync::Mutex::default(),
        }
    }

    /// The path of output file `path`, its folder created.
    fn target(&self, path: &str) -> std::io::Result<PathBuf> {
        let target = self.root.join(path);
        if let Some(dir) = target.parent() {
            let made = || self.made.lock().unwrap_or_else(|e| e.into_inner());
            if !made().contains(dir) {
                std::fs::create_dir_all(dir)?;
                made().insert(dir.to_path_buf());
            }
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

    fn write_from(&self, path: &str, fill: &WriteFn<'_>) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(self.target(path)?)?);
        fill(&mut file)?;
        std::io::Write::flush(&mut file)
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
    recover_leftovers(parent, &name, out)?;
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
    if out.exists() && exchange(&tmp, out) {
        // `tmp` now holds the previous output.
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        return Ok(value);
    }
    // No atomic exchange here: two renames. A build killed between them leaves
    // no `out` but `old`, which the next build puts back first.
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

/// Swaps folders `a` and `b` in one step (Linux `renameat2` with
/// `RENAME_EXCHANGE`); false where the OS or file system cannot.
fn exchange(a: &Path, b: &Path) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (a, b);
        false
    }
}

/// True when process `pid` is running (or may be: unknown counts as running).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// What a killed build left beside the output folder `out` (named `name`, in
/// `parent`): if `out` is missing, the previous output a build had moved aside
/// (`.NAME.old-PID`) is put back; then every `.NAME.tmp-PID` and
/// `.NAME.old-PID` whose process is gone is removed. Only these exact names
/// are touched, and never those of a build still running.
fn recover_leftovers(parent: &Path, name: &str, out: &Path) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let mut left: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix('.'))
            .and_then(|f| f.strip_prefix(name))
        else {
            continue;
        };
        let (old, pid) = match (rest.strip_prefix(".old-"), rest.strip_prefix(".tmp-")) {
            (Some(pid), _) => (true, pid),
            (_, Some(pid)) => (false, pid),
            _ => continue,
        };
        let Some(pid) = pid
            .parse::<u32>()
            .ok()
            .filter(|_| pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            left.push((entry.path(), old));
        }
    }
    left.sort();
    for (path, old) in left {
        if old && !out.exists() && path.join(MARKER).is_file() {
            std::fs::rename(&path, out).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            continue;
        }
        std::fs::remove_dir_all(&path).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::DirSink;
    use crate::render::Sink;

    #[cfg(target_os = "linux")]
    #[test]
    fn folders_are_exchanged_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("from-a"), "").unwrap();
        assert!(super::exchange(&a, &b));
        assert!(b.join("from-a").is_file() && !a.join("from-a").exists());
    }

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
