//! Invalid fixtures: every problem reported at its file, line and column, in all
//! three formats (snapshots), with exit code 1; and nothing is written.

use crate::support::{Site, fixture};

fn check(site: &Site, format: &str) -> (i32, String) {
    site.run(&["check", "--format", format])
}

#[test]
fn invalid_fixtures_match_diagnostic_snapshots() {
    let mut names: Vec<String> = std::fs::read_dir(fixture("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let site = Site::copy(&format!("invalid/{name}"));
        let (code, human) = check(&site, "human");
        assert_eq!(code, 1, "{name}: {human}");
        insta::assert_snapshot!(format!("{name}-human"), human);
        let (_, json) = check(&site, "json");
        insta::assert_snapshot!(format!("{name}-json"), json);
        let (_, github) = check(&site, "github");
        insta::assert_snapshot!(format!("{name}-github"), github);
        assert!(!site.public().exists(), "check writes nothing");
        // build fails the same way and writes nothing
        site.cmd(&["build"]).code(1);
        assert!(
            !site.public().exists(),
            "{name}: a failed build wrote output"
        );
    }
}

fn json(site: &Site) -> Vec<serde_json::Value> {
    serde_json::from_str(&check(site, "json").1).unwrap()
}

fn find<'a>(diags: &'a [serde_json::Value], code: &str, file: &str) -> Vec<&'a serde_json::Value> {
    diags
        .iter()
        .filter(|d| d["code"] == code && d["file"] == file)
        .collect()
}

#[test]
fn json_has_exactly_the_documented_keys_and_sorted_order() {
    let site = Site::copy("invalid/links");
    let diags = json(&site);
    assert!(!diags.is_empty());
    for d in &diags {
        let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "code", "column", "file", "help", "line", "message", "severity"
            ]
        );
    }
    let order: Vec<(String, u64, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn positions_point_at_the_offending_token() {
    let site = Site::copy("invalid/links");
    let diags = json(&site);
    let f = "content/guide.md";
    let target = find(&diags, "SP201", f);
    assert_eq!(target.len(), 1);
    assert_eq!(
        (target[0]["line"].as_u64(), target[0]["column"].as_u64()),
        (Some(6), Some(6)),
        "the to = value"
    );
    assert_eq!(target[0]["help"], "did you mean `setup/install.md`?");
    let anchors = find(&diags, "SP203", f);
    assert_eq!(anchors.len(), 3, "{anchors:#?}");
    let lines: Vec<u64> = anchors
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [10, 18, 19]);
    // [install](setup/install.md#step-two): column of "step-two"
    assert_eq!(anchors[1]["column"], 32);
    assert_eq!(anchors[1]["help"], "did you mean `#step-2`?");
    assert_eq!(anchors[2]["help"], "did you mean `#overview`?");
    let broken = find(&diags, "SP202", f);
    assert_eq!(broken.len(), 1);
    assert_eq!(
        (broken[0]["line"].as_u64(), broken[0]["column"].as_u64()),
        (Some(18), Some(50))
    );
    let outside = find(&diags, "SP204", f);
    assert_eq!(outside.len(), 2, "branch and link leaving content/");
    // The missing image is an error, SP209, not the SP301 warning of a file.
    assert!(find(&diags, "SP301", f).is_empty());
    let missing = find(&diags, "SP209", f);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["severity"], "error");
}

#[test]
fn graph_rules_report_dead_ends_cycles_and_unreachable_pages() {
    let site = Site::copy("invalid/graph");
    let diags = json(&site);
    let codes = |code: &str| diags.iter().filter(|d| d["code"] == code).count();
    assert_eq!(
        codes("SP206"),
        2,
        "two branches without when on a page with four"
    );
    assert_eq!(codes("SP207"), 1, "duplicate when");
    assert_eq!(codes("SP302"), 1, "dead end");
    assert_eq!(codes("SP303"), 1, "one loop, reported once");
    assert_eq!(codes("SP304"), 1, "orphan decision page");
    assert_eq!(codes("SP305"), 1, "entry without branches");
    assert_eq!(codes("SP208"), 1, "branch to a draft");
    let cycle = diags.iter().find(|d| d["code"] == "SP303").unwrap();
    assert_eq!(
        cycle["message"],
        "decision tree loops: loop-a.md → loop-b.md → loop-a.md"
    );
    assert_eq!(cycle["file"], "content/loop-b.md");
    assert_eq!(cycle["severity"], "warning");
}

#[test]
fn broken_front_matter_does_not_cascade_and_bodies_are_still_checked() {
    let site = Site::copy("invalid/front-matter");
    let diags = json(&site);
    let in_file = |f: &str| -> Vec<&str> {
        diags
            .iter()
            .filter(|d| d["file"] == format!("content/{f}"))
            .map(|d| d["code"].as_str().unwrap())
            .collect()
    };
    assert_eq!(in_file("no-front-matter.md"), ["SP101", "SP202"]);
    assert_eq!(in_file("unterminated.md"), ["SP102"]);
    assert_eq!(in_file("bad-toml.md"), ["SP103", "SP202"]);
    let keys = in_file("keys.md");
    assert_eq!(
        keys.iter().filter(|c| **c == "SP104").count(),
        2,
        "titel and too: {keys:?}"
    );
    assert!(
        keys.contains(&"SP105") && keys.contains(&"SP106"),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&"SP107"),
        "a misspelt title is not also reported as missing: {keys:?}"
    );
    assert_eq!(in_file("not-utf8.md"), ["SP108"]);
    let utf8 = diags.iter().find(|d| d["code"] == "SP108").unwrap();
    assert_eq!(
        (utf8["line"].as_u64(), utf8["column"].as_u64()),
        (Some(4), Some(4))
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let site = Site::copy("ok/branching");
    // The fixture has a legitimate "try again" loop: a warning only.
    let (code, out) = check(&site, "human");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[SP303]"));
    assert!(out.ends_with("0 errors, 1 warning\n"), "{out}");
    site.cmd(&["check", "--deny-warnings"]).code(1);
    site.cmd(&["build", "--deny-warnings"]).code(1);
    assert!(!site.public().exists());
    site.cmd(&["build"]).success();
}

/// F13: `Foo.md` and `foo.md` overwrite each other on a case-insensitive disk
/// (or when the zip is unpacked there): SP205, not silence.
#[test]
fn pages_whose_names_differ_only_in_case_collide() {
    let site = Site::copy("ok/branching");
    let content = site.root().join("content");
    std::fs::write(content.join("Foo.md"), "+++\ntitle = \"Upper\"\n+++\nA.\n").unwrap();
    std::fs::write(content.join("foo.md"), "+++\ntitle = \"Lower\"\n+++\nB.\n").unwrap();
    let diags = json(&site);
    let hits = find(&diags, "SP205", "content/foo.md");
    assert_eq!(hits.len(), 1, "{diags:#?}");
    let message = hits[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Foo.md") && message.contains("only in case"),
        "{message}"
    );
}
