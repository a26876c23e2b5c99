//! The environment-error enum: I/O, a missing site or theme, a broken
//! template, an unsafe output folder, git. Content problems are not errors but
//! diagnostics ([`crate::diag`]).

use std::path::PathBuf;

/// Environment failures (not content problems): exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No `site.toml` in the root.
    #[error("no site.toml in {}: run `signpost init DIR` to create a site, or pass --root", .0.display())]
    NoSite(PathBuf),
    /// The theme is missing.
    #[error("{0}")]
    Theme(String),
    /// A template failed to parse or render.
    #[error("template error: {0}")]
    Template(String),
    /// The output folder is unsafe to replace.
    #[error("refusing output folder {}: {reason}", path.display())]
    Output {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A bundle's target file cannot be written (`bundle`).
    #[error("refusing to write the {kind} {}: {reason}", path.display())]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What it would be: "zip file" or "HTML file".
        kind: &'static str,
        /// Why.
        reason: String,
    },
    /// `init` target already holds a site.
    #[error("{0}")]
    Init(String),
    /// git failed or a revision does not exist (`diff`, `check --changed-since`).
    #[error("git: {0}")]
    Git(String),
}
