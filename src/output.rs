//! output::write_atomic: renders into a temporary sibling folder, then swaps it
//! into place with two renames, so a build that fails leaves the previous output
//! exactly as it was, and readers never see a half-written site.
//!
//! Safety: the output folder may not be the site root, the content folder, a
//! folder that contains either, or a folder inside content/. An existing, non-empty
//! folder is replaced only if an earlier build wrote it (it holds [`MARKER`]).

use std::path::{Component, Path, PathBuf};

use crate::Error;
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
    let abs = normalize(&crate::absolute(path));
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
///
/// Given the previous output, a file whose bytes are unchanged there is
/// hard-linked from it instead of written: rebuilding a site then allocates no
/// new inode for it, and removing the previous output afterwards frees none.
/// (On ext4 both are slow when thousands of files were just deleted; a
/// 10,000-page rebuild spent seconds of system time on them.) The previous
/// output is only read; where linking fails the file is written.
pub struct DirSink {
    root: PathBuf,
    /// The output being replaced, if any.
    previous: Option<PathBuf>,
    /// Folders already created (relative paths, "" for the root), so that each
    /// file costs one `open`, not a `create_dir_all` walk of its parents as
    /// well. On Unix the first [`OPEN_FOLDERS`] are also held open, and files
    /// in them are created relative to them: the kernel then looks up one name,
    /// not every folder of the path again (a tenth of the time spent creating
    /// files).
    made: Folders,
    /// Folders of `previous` opened so far, as [`DirSink::made`] (`None`:
    /// missing, or beyond [`OPEN_FOLDERS`]).
    old: Folders,
}

/// A folder held open (of the output, or of `content/` while it is read), to
/// open the files in it by name.
#[cfg(unix)]
pub type Folder = std::sync::Arc<std::os::fd::OwnedFd>;
/// A folder held open (only on Unix).
#[cfg(not(unix))]
pub type Folder = ();

/// Folders held open at most by each of the two users (the output being
/// written, `content/` being read): together well under the usual limit of
/// 1,024 open files a process, whatever the number of folders of the site
/// (files in the others are opened by their path).
pub(crate) const OPEN_FOLDERS: usize = 256;

impl DirSink {
    /// A sink writing under `root`.
    pub fn new(root: PathBuf) -> Self {
        DirSink {
            root,
            previous: None,
            made: std::sync::Mutex::default(),
            old: std::sync::Mutex::default(),
        }
    }

    /// A sink writing under `root` that reuses unchanged files of `previous`.
    pub fn replacing(root: PathBuf, previous: PathBuf) -> Self {
        DirSink {
            previous: Some(previous),
            ..DirSink::new(root)
        }
    }

    /// Links output file `path` to the previous output's `path` if that file
    /// holds exactly `parts`, one after the other; false when it does not (or
    /// cannot be linked).
    fn reuse(&self, path: &str, parts: &[&[u8]]) -> bool {
        let Some(prev) = &self.previous else {
            return false;
        };
        let len: usize = parts.iter().map(|p| p.len()).sum();
        #[cfg(unix)]
        {
            // Both folders held open: the file is opened, checked and linked
            // by name in them, without walking either path again (a rebuild
            // does this for every page).
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            if let (Ok(Some(new)), Some(old)) = (self.folder(dir), self.old_folder(dir)) {
                use rustix::fs::{AtFlags, Mode, OFlags};
                // Not waiting for a writer if it is a FIFO (then not reused).
                let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
                let Ok(fd) = rustix::fs::openat(&*old, name, flags, Mode::empty()) else {
                    return false;
                };
                let file = std::fs::File::from(fd);
                return holds(&file, len, parts)
                    && rustix::fs::linkat(&*old, name, &*new, name, AtFlags::empty()).is_ok();
            }
        }
        let old = prev.join(path);
        let same = match std::fs::symlink_metadata(&old) {
            Ok(m) if m.is_file() && m.len() == len as u64 => {
                std::fs::read(&old).is_ok_and(|b| equals_parts(&b, parts))
            }
            _ => false,
        };
        same && self
            .target(path)
            .is_ok_and(|target| std::fs::hard_link(&old, target).is_ok())
    }

    /// The previous output's folder `dir`, opened, if it exists and is held
    /// open (see [`DirSink::folder`]).
    #[cfg(unix)]
    fn old_folder(&self, dir: &str) -> Option<Folder> {
        let prev = self.previous.as_ref()?;
        cached(&self.old, dir, |hold| {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let open = || rustix::fs::open(prev.join(dir), flags, Mode::empty()).ok();
            Ok(hold.then(open).flatten().map(std::sync::Arc::new))
        })
        .ok()
        .flatten()
    }

    /// The folder `dir` (relative, "" for the root), created if need be, and
    /// opened if it is held open.
    fn folder(&self, dir: &str) -> std::io::Result<Option<Folder>> {
        cached(&self.made, dir, |hold| {
            let path = self.root.join(dir);
            std::fs::create_dir_all(&path)?;
            #[cfg(unix)]
            let folder = if hold {
                use rustix::fs::{Mode, OFlags};
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                Some(std::sync::Arc::new(rustix::fs::open(
                    &path,
                    flags,
                    Mode::empty(),
                )?))
            } else {
                None
            };
            #[cfg(not(unix))]
            let folder = hold.then_some(());
            Ok(folder)
        })
    }

    fn target(&self, path: &str) -> std::io::Result<PathBuf> {
        if let Some((dir, _)) = path.rsplit_once('/') {
            self.folder(dir)?;
        }
        Ok(self.root.join(path))
    }

    /// Creates (or truncates) output file `path`, and its folders.
    fn create(&self, path: &str) -> std::io::Result<std::fs::File> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let folder = self.folder(dir)?;
        #[cfg(unix)]
        if let Some(folder) = folder {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(&*folder, name, flags, Mode::from_raw_mode(0o666))?;
            return Ok(std::fs::File::from(fd));
        }
        // Not held open (or not on Unix): by its path.
        #[cfg(not(unix))]
        let _ = (folder, name);
        std::fs::File::create(self.root.join(path))
    }
}

/// Folders by relative path, as [`DirSink::made`] holds them.
type Folders = std::sync::Mutex<std::collections::BTreeMap<String, Option<Folder>>>;

/// Folder `dir` from `folders`, or else made by `open` and kept there. `open`
/// is told whether the folder may be held open (fewer than [`OPEN_FOLDERS`]
/// are); it runs without the lock, so other threads are not held up by it.
fn cached(
    folders: &Folders,
    dir: &str,
    open: impl FnOnce(bool) -> std::io::Result<Option<Folder>>,
) -> std::io::Result<Option<Folder>> {
    let lock = || {
        folders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let held = {
        let folders = lock();
        if let Some(f) = folders.get(dir) {
            return Ok(f.clone());
        }
        folders.len()
    };
    let folder = open(held < OPEN_FOLDERS)?;
    Ok(lock().entry(dir.to_string()).or_insert(folder).clone())
}

/// Whether `bytes` is `parts` one after the other.
fn equals_parts(mut bytes: &[u8], parts: &[&[u8]]) -> bool {
    for part in parts {
        match bytes.split_at_checked(part.len()) {
            Some((head, rest)) if head == *part => bytes = rest,
            _ => return false,
        }
    }
    bytes.is_empty()
}

/// Whether `file` is a regular file of `len` bytes that are `parts`, one
/// after the other.
#[cfg(unix)]
fn holds(file: &std::fs::File, len: usize, parts: &[&[u8]]) -> bool {
    use std::os::unix::fs::FileExt;
    match file.metadata() {
        Ok(m) if m.is_file() && m.len() == len as u64 => {}
        _ => return false,
    }
    let mut bytes = vec![0; len];
    file.read_exact_at(&mut bytes, 0).is_ok() && equals_parts(&bytes, parts)
}

/// Writes `parts` one after the other, in one system call when the kernel
/// takes them whole (it does for a regular file), else piece by piece.
fn write_all_vectored(mut file: &std::fs::File, parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::Write;
    let slices: Vec<std::io::IoSlice<'_>> =
        parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let mut written = file.write_vectored(&slices)?;
    for part in parts {
        if written >= part.len() {
            written -= part.len();
            continue;
        }
        file.write_all(&part[written..])?;
        written = 0;
    }
    Ok(())
}

impl Sink for DirSink {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_parts(path, &[bytes])
    }

    fn write_parts(&self, path: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        if self.previous.is_some() && self.reuse(path, parts) {
            return Ok(());
        }
        write_all_vectored(&self.create(path)?, parts)
    }

    fn copy(&self, path: &str, source: &Path) -> std::io::Result<()> {
        std::fs::copy(source, self.target(path)?).map(|_| ())
    }

    fn write_with(
        &self,
        path: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        use std::io::Write;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, self.create(path)?);
        fill(&mut w)?;
        w.flush()
    }
}

/// Removes a folder tree, its sub-folders in parallel (an old output folder
/// holds as many files as the site has pages). The files of one folder are
/// removed by one thread: two threads unlinking in one folder queue on its
/// lock in the kernel, and the waiting one spins.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    use rayon::prelude::*;
    let (mut subdirs, mut files) = (Vec::new(), Vec::new());
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            subdirs.push(e.path());
        } else {
            files.push(e.file_name());
        }
    }
    // Files by name in their folder, opened once: no walk of the whole path
    // for each of them.
    #[cfg(unix)]
    let remove_files = || {
        use rustix::fs::{AtFlags, Mode, OFlags};
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::open(dir, flags, Mode::empty())?;
        files
            .iter()
            .try_for_each(|name| rustix::fs::unlinkat(&fd, name.as_os_str(), AtFlags::empty()))
            .map_err(std::io::Error::from)
    };
    #[cfg(not(unix))]
    let remove_files = || {
        files
            .iter()
            .try_for_each(|name| std::fs::remove_file(dir.join(name)))
    };
    let (a, b) = rayon::join(remove_files, || {
        subdirs.par_iter().try_for_each(|d| remove_tree(d))
    });
    a?;
    b?;
    std::fs::remove_dir(dir)
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
    let sink = if out.is_dir() {
        DirSink::replacing(tmp.clone(), out.to_path_buf())
    } else {
        DirSink::new(tmp.clone())
    };
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
        remove_tree(&old).map_err(io(&old))?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::{DirSink, OPEN_FOLDERS};
    use crate::render::Sink;

    #[test]
    fn files_land_in_every_folder_also_beyond_those_held_open() {
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path().join("out"));
        let folders = OPEN_FOLDERS + 20;
        for i in 0..folders {
            let path = format!("f{i}/sub/page.html");
            sink.write(&path, path.as_bytes()).unwrap();
            sink.write_with(&format!("f{i}/sub/streamed.json"), &mut |w| {
                w.write_all(b"{}")
            })
            .unwrap();
        }
        // Written again: truncated, not appended to.
        sink.write("f0/sub/page.html", b"again").unwrap();
        sink.write("top.html", b"top").unwrap();
        let read = |p: &str| std::fs::read_to_string(dir.path().join("out").join(p)).unwrap();
        for i in 1..folders {
            let path = format!("f{i}/sub/page.html");
            assert_eq!(read(&path), path);
            assert_eq!(read(&format!("f{i}/sub/streamed.json")), "{}");
        }
        assert_eq!(read("f0/sub/page.html"), "again");
        assert_eq!(read("top.html"), "top");
    }

    #[test]
    #[cfg(unix)]
    fn a_rebuild_links_only_regular_files_that_hold_the_same_bytes() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        std::fs::create_dir_all(old.join("a/b")).unwrap();
        let outside = dir.path().join("outside.html");
        std::fs::write(&outside, "head|body|tail").unwrap();
        std::fs::write(old.join("a/b/same.html"), "head|body|tail").unwrap();
        std::fs::write(old.join("a/b/other.html"), "head|BODY|tail").unwrap();
        std::fs::write(old.join("a/b/short.html"), "head|body").unwrap();
        std::fs::write(old.join("top.html"), "top").unwrap();
        std::os::unix::fs::symlink(&outside, old.join("a/b/link.html")).unwrap();
        // A FIFO must not be opened for reading (that would wait for a writer).
        assert!(
            std::process::Command::new("mkfifo")
                .arg(old.join("a/b/fifo.html"))
                .status()
                .unwrap()
                .success()
        );
        let sink = DirSink::replacing(new.clone(), old.clone());
        let parts: [&[u8]; 3] = [b"head|", b"body", b"|tail"];
        for name in ["same", "other", "short", "link", "fifo", "missing"] {
            sink.write_parts(&format!("a/b/{name}.html"), &parts)
                .unwrap();
        }
        sink.write("top.html", b"top").unwrap();
        let meta = |p: &std::path::Path| std::fs::symlink_metadata(p).unwrap();
        for name in ["same", "other", "short", "link", "fifo", "missing"] {
            let path = new.join(format!("a/b/{name}.html"));
            assert!(meta(&path).is_file(), "{name}");
            assert_eq!(std::fs::read(&path).unwrap(), b"head|body|tail", "{name}");
        }
        // Linked: the same inode as the old file.
        assert_eq!(
            meta(&new.join("a/b/same.html")).ino(),
            meta(&old.join("a/b/same.html")).ino()
        );
        assert_eq!(
            meta(&new.join("top.html")).ino(),
            meta(&old.join("top.html")).ino()
        );
        // Not linked: written anew; the old files and the symlink's target untouched.
        for name in ["other", "short"] {
            assert_ne!(
                meta(&new.join(format!("a/b/{name}.html"))).ino(),
                meta(&old.join(format!("a/b/{name}.html"))).ino()
            );
        }
        assert_ne!(meta(&new.join("a/b/link.html")).ino(), meta(&outside).ino());
        assert_eq!(
            std::fs::read(old.join("a/b/other.html")).unwrap(),
            b"head|BODY|tail"
        );
        assert!(meta(&old.join("a/b/link.html")).file_type().is_symlink());
    }
}
