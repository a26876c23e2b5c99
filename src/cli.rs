//! Command-line interface (binary only): clap definitions. The `///` comments are
//! the `--help` text.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

/// signpost: build a static knowledge base of decision trees from Markdown pages.
#[derive(Parser, Debug)]
#[command(name = "signpost", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Diagnostic output formats.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(crate) enum FormatArg {
    /// rustc-style text with the source line and a caret
    #[default]
    Human,
    /// one JSON array of {severity, code, message, file, line, column, help}
    Json,
    /// GitHub Actions workflow commands (::error file=…,line=…,col=…::…)
    Github,
}

/// Graph output formats.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(crate) enum GraphFormatArg {
    /// {"nodes": [...], "edges": [...]}, as graph.json
    #[default]
    Json,
    /// Graphviz DOT (render with `dot -Tsvg`)
    Dot,
    /// Mermaid flowchart
    Mermaid,
}

/// Diff output formats.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(crate) enum DiffFormatArg {
    /// plain text for a terminal
    #[default]
    Human,
    /// Markdown for a pull-request comment, with Mermaid flowcharts
    Markdown,
    /// stable JSON (schema in docs/commands.md)
    Json,
}

/// Wiki engines of `signpost export`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub(crate) enum WikiArg {
    /// one XML dump for importDump.php, and a folder of files for importImages.php
    Mediawiki,
    /// pages/ and media/ folders to copy into DokuWiki's data/
    Dokuwiki,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Check the site and write the HTML knowledge base
    Build {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output folder (default: output_dir from site.toml, under the root)
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Fail (and write nothing) when there are warnings
        #[arg(long)]
        deny_warnings: bool,
        /// The day review dates are checked on (YYYY-MM-DD; default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<jiff::civil::Date>,
    },
    /// Report every problem in the site without writing anything
    Check {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output format of the diagnostics
        #[arg(long, value_enum, default_value_t)]
        format: FormatArg,
        /// Exit with 1 when there are warnings
        #[arg(long)]
        deny_warnings: bool,
        /// Check drafts too
        #[arg(long)]
        drafts: bool,
        /// Only report problems in files changed since this git revision (and
        /// problems elsewhere that this revision did not have)
        #[arg(long, value_name = "REV")]
        changed_since: Option<String>,
        /// The day review dates are checked on (YYYY-MM-DD; default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<jiff::civil::Date>,
    },
    /// Run the path tests (tests/*.toml): do these answers lead to that page?
    ///
    /// Each `[[path]]` starts at a page and gives answers; each answer picks
    /// the branch whose `when` contains it (or whose target's file name is
    /// it). Ends with the outcome coverage of every tree.
    Test {
        /// Site root: the folder with site.toml
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output format of the failures (the report goes to stdout in
        /// `human`, to stderr in `json`; `github` adds notices)
        #[arg(long, value_enum, default_value_t)]
        format: FormatArg,
        /// Include drafts
        #[arg(long)]
        drafts: bool,
        /// The day review dates are checked on (YYYY-MM-DD; default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<jiff::civil::Date>,
    },
    /// Print the decision graph (or one tree) as JSON, Graphviz DOT or Mermaid
    Graph {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: GraphFormatArg,
        /// Only the tree of this page (path under content/, e.g. sign-in/start.md)
        #[arg(long)]
        entry: Option<String>,
        /// Include drafts
        #[arg(long)]
        drafts: bool,
    },
    /// Show how the decision trees changed between two git revisions
    Diff {
        /// Base revision (e.g. origin/main)
        base: String,
        /// Head revision (default: the working tree, read from disk)
        head: Option<String>,
        /// Site root: the folder with site.toml, inside a git repository (default:
        /// the nearest folder upward from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t)]
        format: DiffFormatArg,
        /// Include drafts
        #[arg(long)]
        drafts: bool,
    },
    /// Check the site and write it as one file to use offline: a zip or a single HTML page
    ///
    /// Both bundles open straight from disk with no network. The zip holds the
    /// built site under one folder; the single file holds every page, image,
    /// stylesheet, script and the search index, one page shown at a time.
    #[command(group(clap::ArgGroup::new("target").required(true).multiple(true).args(["zip", "single_file"])))]
    Bundle {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Write the built site as a zip file (open index.html after unzipping)
        #[arg(long, value_name = "FILE")]
        zip: Option<PathBuf>,
        /// Write the whole knowledge base as one self-contained HTML file
        #[arg(long, value_name = "FILE")]
        single_file: Option<PathBuf>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Fail (and write nothing) when there are warnings
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Build the site into memory, serve it, and rebuild and reload on save
    Serve {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// Address to listen on (loopback by default: the site is not shared)
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port to listen on (0: any free port)
        #[arg(long, default_value_t = 4747)]
        port: u16,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Open the site in the default browser (`$BROWSER` if set)
        #[arg(long)]
        open: bool,
    },
    /// Check the site and write it into a wiki engine's format (MediaWiki or DokuWiki)
    ///
    /// MediaWiki: --output kb.xml writes the XML dump and, beside it, the folder
    /// kb-files/ of images, attachments and flowcharts. DokuWiki: --output DIR
    /// writes DIR/pages/<namespace>/ and DIR/media/<namespace>/. See
    /// docs/wiki.md for the import commands.
    Export {
        /// Site root: the folder with site.toml (default: the nearest folder upward
        /// from here that holds site.toml)
        #[arg(long)]
        root: Option<PathBuf>,
        /// The wiki engine
        #[arg(long, value_enum)]
        format: WikiArg,
        /// MediaWiki: the XML file to write; DokuWiki: the folder
        #[arg(long, short)]
        output: PathBuf,
        /// MediaWiki: the page that holds the knowledge base (default KB)
        #[arg(long, conflicts_with = "namespace")]
        prefix: Option<String>,
        /// DokuWiki: the namespace of the pages and media (default kb)
        #[arg(long)]
        namespace: Option<String>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Fail (and write nothing) when there are warnings
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Create a new site with a small example tree
    Init {
        /// Folder to create the site in (created if missing)
        dir: PathBuf,
    },
}

/// The site root: `--root` as given; else the nearest folder upward from the
/// current one that holds site.toml, as git and cargo find theirs (`.` when it
/// is the current folder, or when none does: the error then names `.`).
pub(crate) fn site_root(root: Option<PathBuf>) -> PathBuf {
    if let Some(root) = root {
        return root;
    }
    let here = std::env::current_dir().unwrap_or_default();
    match here.ancestors().find(|d| d.join("site.toml").is_file()) {
        Some(found) if found != here => found.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    }
}
