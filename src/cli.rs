//! Command-line interface (binary only): clap definitions. The `///` comments are
//! the `--help` text.

use std::path::PathBuf;

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

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Check the site and write the HTML knowledge base
    Build {
        /// Site root: the folder with site.toml
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: output_dir from site.toml, under the root)
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
        /// Fail (and write nothing) when there are warnings
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Report every problem in the site without writing anything
    Check {
        /// Site root: the folder with site.toml
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output format of the diagnostics
        #[arg(long, value_enum, default_value_t)]
        format: FormatArg,
        /// Exit with 1 when there are warnings
        #[arg(long)]
        deny_warnings: bool,
        /// Check drafts too
        #[arg(long)]
        drafts: bool,
    },
    /// Print the decision graph (or one tree) as JSON, Graphviz DOT or Mermaid
    Graph {
        /// Site root: the folder with site.toml
        #[arg(long, default_value = ".")]
        root: PathBuf,
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
    /// Build the site into memory, serve it, and rebuild and reload on save
    Serve {
        /// Site root: the folder with site.toml
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Address to listen on (loopback by default: the site is not shared)
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port to listen on (0: any free port)
        #[arg(long, default_value_t = 4747)]
        port: u16,
        /// Include pages marked `draft = true`
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new site with a small example tree
    Init {
        /// Folder to create the site in (created if missing)
        dir: PathBuf,
    },
}
