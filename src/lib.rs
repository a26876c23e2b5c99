//! signpost compiles a folder of Markdown *procedure pages*, whose TOML front
//! matter says where the reader goes next, into a static, cross-linked HTML
//! knowledge base whose home page is an index of the decision trees.
//!
//! This file is the public face; the stages live in modules named after them
//! and run one way (see [`pipeline`] and docs/ARCHITECTURE.md):
//!
//! ```text
//! site.toml ─ config ─▶ SiteConfig
//! content/  ─ content::load (front matter; a scan of each body) ─▶ Content
//!           ─ graph::resolve, graph::validate ─▶ Graph
//!           ─ check::links, check::collisions ─▶ diagnostics, backlinks
//! Site (frozen) ─ render (Tera) ─▶ Sink ─ output::write_atomic ─▶ public/
//! ```
//!
//! `serve`, `bundle`, `diff`, `wiki` (`signpost export`) and the binary sit on
//! top of the pipeline.
//!
//! ```no_run
//! let opts = signpost::Options::new(".");
//! let (analysis, stats) = signpost::build(&opts).expect("I/O error");
//! print!("{}", analysis.diagnostics.render(&analysis.sources, signpost::diag::Format::Human, false));
//! assert!(stats.is_some(), "content errors");
//! ```
//!
//! The library never prints and never exits; the binary does both.

pub mod bundle;
pub mod check;
pub mod config;
pub mod content;
pub mod diag;
pub mod diff;
pub mod error;
pub mod export;
pub mod flowchart;
pub mod graph;
pub mod include;
pub mod init;
pub mod labels;
pub mod links;
pub mod markdown;
pub mod output;
pub mod pathtest;
pub mod pipeline;
pub mod render;
pub mod review;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
mod tomlx;
pub mod wiki;

pub use error::Error;
pub use pipeline::{
    BuildStats, analyze, analyze_files, build, build_with_progress, reanalyze, render_to_memory,
};
pub use site::{Analysis, Options, Site, folder_title};
pub use source::absolute;
