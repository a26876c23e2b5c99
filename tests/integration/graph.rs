//! `signpost graph`: JSON equal to graph.json, DOT that Graphviz renders, Mermaid
//! flowchart syntax, and `--entry` limiting the export to one tree.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::Site;

fn graph(site: &Site, args: &[&str]) -> (i32, String) {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    site.run(&all)
}

#[test]
fn json_export_equals_graph_json() {
    let site = Site::copy("ok/branching");
    site.cmd(&["build"]).success();
    let (code, json) = graph(&site, &["--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json, site.read("graph.json"));
}

#[test]
fn entry_limits_the_export_to_one_tree() {
    let site = Site::copy("ok/unicode-crlf-bom");
    let (code, json) = graph(&site, &["--entry", "bom.md"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bom.md", "café.md"]);
    assert_eq!(v["edges"].as_array().unwrap().len(), 1);
    let (code, _) = graph(&site, &["--entry", "nope.md"]);
    assert_eq!(code, 2);
}

#[test]
fn mermaid_is_a_flowchart_with_every_node_and_edge() {
    let site = Site::copy("ok/branching");
    let (code, text) = graph(&site, &["--format", "mermaid"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("branching-mermaid", text);
    assert!(text.starts_with("flowchart TD\n"));
    assert_eq!(text.matches(" -->|").count(), 6);
    assert_eq!(text.matches("  click ").count(), 6);
}

#[test]
fn dot_output_renders_with_graphviz() {
    let site = crate::support::Site::copy("ok/branching");
    let (code, text) = graph(&site, &["--format", "dot"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("branching-dot", text);
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("graphviz `dot` not installed: skipping the render check (.ci/run installs it)");
        assert!(std::env::var_os("CI").is_none(), "CI must have graphviz");
        return;
    }
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg.contains("<svg") && svg.contains("Check the cable"));
}
