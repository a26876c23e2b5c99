//! The frozen model of a site that passed loading ([`Site`]), what a run
//! produced ([`Analysis`]), and what to build ([`Options`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::SiteConfig;
use crate::content::{Content, PageId};
use crate::diag::Diagnostics;
use crate::graph::Graph;
use crate::markdown::Processed;
use crate::source::SourceMap;

/// What to build and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Site root (the folder with `site.toml`).
    pub root: PathBuf,
    /// Output folder overriding `output_dir` (relative paths are taken as given,
    /// i.e. relative to the current directory).
    pub output: Option<PathBuf>,
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
    /// The day review dates are checked on (`--today`); `None`: the local date.
    pub today: Option<jiff::civil::Date>,
}

impl Options {
    /// Default options for the site at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            output: None,
            drafts: false,
            deny_warnings: false,
            today: None,
        }
    }
}

/// The frozen model of a site that passed loading: input to rendering.
#[derive(Debug)]
pub struct Site {
    /// Site root.
    pub root: PathBuf,
    /// Configuration.
    pub config: SiteConfig,
    /// Pages and assets.
    pub content: Content,
    /// Decision graph.
    pub graph: Graph,
    /// Per page: links, anchors and search text found in its body.
    pub scans: Vec<Processed>,
    /// Per page: pages whose body links to it (sorted, without itself).
    pub backlinks: Vec<Vec<PageId>>,
    /// Display names of folders without an `_index.md` title ("vpn-access" →
    /// "Vpn access").
    pub folder_titles: BTreeMap<String, String>,
    /// The path-test files (`tests/*.toml`) in the source map, sorted by name.
    pub test_files: Vec<crate::source::FileId>,
    /// What the path tests found.
    pub path_tests: crate::pathtest::TestReport,
    /// The day review dates were checked on.
    pub today: jiff::civil::Date,
}

/// "vpn-access" → "Vpn access": a readable name for a folder without a title.
pub fn folder_title(dir: &str) -> String {
    let name = dir
        .rsplit('/')
        .next()
        .unwrap_or(dir)
        .replace(['-', '_'], " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

/// The result of reading and checking a site.
#[derive(Debug)]
pub struct Analysis {
    /// Every file read (for rendering diagnostics).
    pub sources: SourceMap,
    /// Every problem found, sorted.
    pub diagnostics: Diagnostics,
    /// The site, unless site.toml itself was broken.
    pub site: Option<Site>,
}

impl Analysis {
    /// True when the content must not be published: errors, or warnings when
    /// `deny_warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.diagnostics.has_errors() || (deny_warnings && !self.diagnostics.is_empty())
    }
}
