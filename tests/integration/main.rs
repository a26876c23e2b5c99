//! signpost's integration tests: one binary, many small fixture sites
//! (tests/fixtures/ok/* build cleanly, tests/fixtures/invalid/* report
//! diagnostics). Tests that need ../shared (the Rust book corpus) or a
//! browser skip with a message, and fail under `CI=true`.

mod browser;
mod build;
mod bundle;
mod charts;
mod cli;
mod corpus;
mod determinism;
mod diagnostics;
mod diff;
mod fuzz;
mod graph;
mod reliability;
mod serve;
mod wiki;
#[allow(
    unreachable_pub,
    reason = "test helpers shared by the modules of this binary"
)]
mod support;
mod team;
