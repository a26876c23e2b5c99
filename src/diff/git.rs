//! Reading a site from git with the `git` CLI, never touching the working tree or
//! the index: `rev-parse` finds the repository and the site's folder in it,
//! `ls-tree` lists a revision's files, `cat-file --batch` reads their blobs, and
//! `diff` / `ls-files` say what changed.
//!
//! Input: a site root on disk and revisions. Output: the site's files at a
//! revision (paths relative to the site root), and changed paths.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;

/// The git repository that holds a site, and where the site is in it.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The repository's top-level folder.
    pub toplevel: PathBuf,
    /// The site root relative to `toplevel`, with `/` separators and a trailing
    /// `/` (`"docs/kb/"`), or `""` when the site is at the top.
    pub prefix: String,
}

/// A revision's view of the site.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The text of `site.toml`, if the revision has one.
    pub site_toml: Option<String>,
    /// Files under the content folder: `(path relative to the site root, bytes)`.
    /// Only `.md` files have their bytes read; others are empty.
    pub files: Vec<(String, Vec<u8>)>,
}

fn git_error(what: impl Into<String>) -> Error {
    Error::Git(what.into())
}

/// Runs git in `dir` with `args` and returns its stdout.
fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let out = command(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| git_error(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(git_error(format!(
            "`git {}` failed: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    Ok(out.stdout)
}

fn command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir);
    // Never take the index lock to refresh stat information: reading must leave
    // the repository exactly as it was.
    c.env("GIT_OPTIONAL_LOCKS", "0");
    c
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|_| git_error(format!("{what}: git printed a non-UTF-8 path")))
}

fn nul_separated(bytes: Vec<u8>, what: &str) -> Result<Vec<String>, Error> {
    let text = utf8(bytes, what)?;
    Ok(text
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

impl Repo {
    /// Finds the repository holding the site at `root`.
    ///
    /// # Errors
    /// [`Error::Git`] when git is missing or `root` is not in a work tree.
    pub fn discover(root: &Path) -> Result<Repo, Error> {
        let top = run(root, &["rev-parse", "--show-toplevel"])?;
        let prefix = run(root, &["rev-parse", "--show-prefix"])?;
        let toplevel = PathBuf::from(utf8(top, "rev-parse")?.trim_end_matches('\n'));
        let prefix = utf8(prefix, "rev-parse")?
            .trim_end_matches('\n')
            .to_string();
        Ok(Repo { toplevel, prefix })
    }

    fn pathspec(&self, under: &str) -> String {
        let p = format!("{}{under}", self.prefix);
        if p.is_empty() { ".".into() } else { p }
    }

    /// The full commit id of `rev`.
    ///
    /// # Errors
    /// [`Error::Git`] when `rev` names no commit.
    pub fn commit(&self, rev: &str) -> Result<String, Error> {
        if rev.starts_with('-') {
            return Err(git_error(format!("`{rev}` is not a revision")));
        }
        let spec = format!("{rev}^{{commit}}");
        let out = run(
            &self.toplevel,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(|_| git_error(format!("`{rev}` is not a commit of this repository")))?;
        Ok(utf8(out, "rev-parse")?.trim().to_string())
    }

    /// The site as it is at `commit`: `site.toml` and every file under the content
    /// folder (`content_dir` of that revision's site.toml, `content` if it cannot
    /// be read). Symlinks and submodules are skipped, as on disk.
    ///
    /// # Errors
    /// [`Error::Git`] when git fails.
    pub fn read_tree(&self, commit: &str) -> Result<Tree, Error> {
        let listing = run(
            &self.toplevel,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--full-name",
                commit,
                "--",
                &self.pathspec(""),
            ],
        )?;
        // `<mode> SP <type> SP <object> TAB <path>`
        let mut entries = Vec::new();
        for line in nul_separated(listing, "ls-tree")? {
            let Some((meta, path)) = line.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split(' ');
            let (Some(mode), Some(kind), Some(oid)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if kind != "blob" || mode == "120000" {
                continue;
            }
            let Some(rel) = path.strip_prefix(&self.prefix) else {
                continue;
            };
            entries.push((rel.to_string(), oid.to_string()));
        }
        let site_toml = match entries.iter().find(|(p, _)| p == "site.toml") {
            Some((_, oid)) => {
                let mut blobs = self.blobs(std::slice::from_ref(oid))?;
                Some(String::from_utf8_lossy(&blobs.remove(0)).into_owned())
            }
            None => None,
        };
        let (content_dir, tests_dir) = site_toml
            .as_deref()
            .and_then(|t| crate::config::parse(crate::source::FileId(0), t).ok())
            .map_or_else(
                || ("content".to_string(), "tests".to_string()),
                |c| (c.content_dir, c.tests_dir),
            );
        let prefix = |dir: &str| format!("{}/", dir.trim_start_matches("./").trim_end_matches('/'));
        let (content_prefix, tests_prefix) = (prefix(&content_dir), prefix(&tests_dir));
        // The path tests (`tests/*.toml`) are read too: `diff` compares their results.
        let is_test = |p: &str| {
            p.strip_prefix(&tests_prefix)
                .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".toml"))
        };
        let wanted: Vec<(String, String)> = entries
            .into_iter()
            .filter(|(p, _)| p.starts_with(&content_prefix) || is_test(p))
            .collect();
        let read = |p: &str| p.ends_with(".md") || is_test(p);
        let md: Vec<String> = wanted
            .iter()
            .filter(|(p, _)| read(p))
            .map(|(_, oid)| oid.clone())
            .collect();
        let mut blobs = self.blobs(&md)?.into_iter();
        let files = wanted
            .into_iter()
            .map(|(p, _)| {
                let bytes = if read(&p) {
                    blobs.next().expect("one blob per .md file")
                } else {
                    Vec::new()
                };
                (p, bytes)
            })
            .collect();
        Ok(Tree { site_toml, files })
    }

    /// Reads blobs with one `git cat-file --batch`, in the order given.
    fn blobs(&self, oids: &[String]) -> Result<Vec<Vec<u8>>, Error> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = command(&self.toplevel)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| git_error(format!("cannot run git: {e}")))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
        // Write from another thread: git answers while we write, and a full pipe
        // on both sides would deadlock.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut blobs = Vec::with_capacity(oids.len());
        let mut header = String::new();
        for oid in oids {
            header.clear();
            out.read_line(&mut header)
                .map_err(|e| git_error(format!("git cat-file: {e}")))?;
            // `<oid> SP <type> SP <size> LF <contents> LF`
            let mut parts = header.trim_end().split(' ');
            let size = match (parts.next(), parts.next(), parts.next()) {
                (Some(_), Some("blob"), Some(size)) => size.parse::<usize>().ok(),
                _ => None,
            }
            .ok_or_else(|| git_error(format!("git cat-file: cannot read blob {oid}")))?;
            let mut data = vec![0; size + 1];
            out.read_exact(&mut data)
                .map_err(|e| git_error(format!("git cat-file: {e}")))?;
            data.pop();
            blobs.push(data);
        }
        drop(out);
        let _ = writer.join();
        let status = child
            .wait()
            .map_err(|e| git_error(format!("git cat-file: {e}")))?;
        if !status.success() {
            return Err(git_error("git cat-file failed"));
        }
        Ok(blobs)
    }

    fn site_relative(&self, paths: Vec<String>) -> Vec<String> {
        paths
            .into_iter()
            .filter_map(|p| p.strip_prefix(&self.prefix).map(str::to_string))
            .collect()
    }

    /// Renames git detects between `base` and `head` (the working tree when
    /// `None`) in the site: `(old, new)` paths relative to the site root.
    ///
    /// # Errors
    /// [`Error::Git`] when git fails.
    pub fn renames(&self, base: &str, head: Option<&str>) -> Result<Vec<(String, String)>, Error> {
        let mut args = vec![
            "diff",
            "-M",
            "--name-status",
            "-z",
            "--no-ext-diff",
            "--no-textconv",
            "--no-relative",
            base,
        ];
        args.extend(head);
        let spec = self.pathspec("");
        args.extend(["--", &spec]);
        let out = nul_separated(run(&self.toplevel, &args)?, "diff")?;
        let mut renames = Vec::new();
        let mut items = out.into_iter();
        while let Some(status) = items.next() {
            // Renames and copies carry two paths; everything else one.
            if status.starts_with('R') {
                let (Some(old), Some(new)) = (items.next(), items.next()) else {
                    break;
                };
                if let (Some(o), Some(n)) = (
                    old.strip_prefix(&self.prefix),
                    new.strip_prefix(&self.prefix),
                ) {
                    renames.push((o.to_string(), n.to_string()));
                }
            } else if status.starts_with('C') {
                items.next();
                items.next();
            } else {
                items.next();
            }
        }
        Ok(renames)
    }

    /// Files of the site changed since `base`: `git diff --name-only base` (the
    /// working tree against `base`, staged or not, deleted files included) plus
    /// untracked files that are not ignored. Paths relative to the site root.
    ///
    /// # Errors
    /// [`Error::Git`] when git fails.
    pub fn changed_since(&self, base: &str) -> Result<Vec<String>, Error> {
        let spec = self.pathspec("");
        let diff = run(
            &self.toplevel,
            &[
                "diff",
                "--name-only",
                "-z",
                "--no-renames",
                "--no-ext-diff",
                "--no-relative",
                base,
                "--",
                &spec,
            ],
        )?;
        let untracked = run(
            &self.toplevel,
            &[
                "ls-files",
                "--others",
                "--exclude-standard",
                "-z",
                "--full-name",
                "--",
                &spec,
            ],
        )?;
        let mut paths = self.site_relative(nul_separated(diff, "diff")?);
        paths.extend(self.site_relative(nul_separated(untracked, "ls-files")?));
        paths.sort();
        paths.dedup();
        Ok(paths)
    }
}
