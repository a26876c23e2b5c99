//! Offline use without a browser: the search index (content, determinism,
//! `[search] enabled = false`) and `signpost bundle` (zip and single file:
//! what they hold, exit codes, nothing written on errors, same bytes twice).

use crate::support::{Site, attr_values, is_external, signpost};

/// The search index of a built site, decoded (the format is documented in
/// src/search.rs): the root object, the documents, and each word's postings
/// as (document, field bits).
struct SearchIndex {
    root: serde_json::Value,
    docs: Vec<serde_json::Value>,
    words: std::collections::BTreeMap<String, Vec<(usize, u8)>>,
    trees: serde_json::Value,
}

fn search_index(site: &Site) -> SearchIndex {
    let js = site.read("_signpost/search-index.js");
    let root: serde_json::Value = serde_json::from_str(
        js.strip_prefix("window.signpostSearch = ")
            .and_then(|s| s.strip_suffix(";\n"))
            .expect("the index sets window.signpostSearch"),
    )
    .unwrap();
    let shard = |name: &str| -> serde_json::Value {
        let js = site.read(&format!("_signpost/search/{name}.js"));
        let prefix = format!("signpostSearchShard(\"{name}\",");
        let json = js
            .strip_prefix(&prefix)
            .and_then(|s| s.strip_suffix(");\n"))
            .expect("a shard calls signpostSearchShard");
        serde_json::from_str(json).unwrap()
    };
    let n = usize::try_from(root["n"].as_u64().unwrap()).unwrap();
    let k = usize::try_from(root["k"].as_u64().unwrap()).unwrap();
    let docs: Vec<serde_json::Value> = (0..n.div_ceil(k))
        .flat_map(|j| shard(&format!("p{j}")).as_array().unwrap().clone())
        .collect();
    assert_eq!(docs.len(), n);
    let starts: Vec<usize> = root["b"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| usize::try_from(v.as_u64().unwrap()).unwrap())
        .collect();
    let postings: Vec<String> = (0..starts.len())
        .flat_map(|i| {
            shard(&format!("t{i}"))
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let lead = "0123456789abcdefghijklmnopqrstuv";
    let last = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";
    let words = root["w"]
        .as_str()
        .unwrap()
        .split(' ')
        .zip(&postings)
        .map(|(w, p)| {
            let (mut n, mut doc, mut out) = (0, 0, Vec::new());
            for c in p.chars() {
                if let Some(d) = lead.find(c) {
                    n = n * 32 + d;
                } else {
                    n = n * 32 + last.find(c).unwrap();
                    doc += n / 32;
                    out.push((doc, u8::try_from(n % 32).unwrap()));
                    n = 0;
                }
            }
            (w.to_string(), out)
        })
        .collect();
    SearchIndex {
        root,
        docs,
        words,
        trees: shard("r"),
    }
}

const TITLE: u8 = 1;
const WHEN: u8 = 2;
const SUMMARY: u8 = 4;
const TAGS: u8 = 8;
const BODY: u8 = 16;

#[test]
fn the_search_index_is_sharded_and_holds_pages_tags_intros_and_places() {
    let site = Site::copy("ok/branching");
    let off = site.root().join("content/off.md");
    let text = std::fs::read_to_string(&off).unwrap();
    std::fs::write(
        &off,
        text.replacen("+++\n", "+++\ntags = [\"Hardware\"]\n", 1),
    )
    .unwrap();
    std::fs::write(
        site.root().join("content/on/_index.md"),
        "+++\ntitle = \"Powered on\"\n+++\nThe zebra checks.\n",
    )
    .unwrap();
    site.cmd(&["build"]).success();
    let index = search_index(&site);
    assert_eq!(index.root["v"], 2);
    let urls: Vec<&str> = index
        .docs
        .iter()
        .map(|d| d["u"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "off.html",
            "on/index.html",
            "on/check-cable.html",
            "on/fixed.html",
            "on/known-bug.html",
            "on/vendor.html",
            "start.html"
        ]
    );
    let doc = |url: &str| urls.iter().position(|u| *u == url).unwrap();
    let word = |w: &str| index.words.get(w).cloned().unwrap_or_default();
    // Tags, folded like every word.
    assert_eq!(word("hardware"), [(doc("off.html"), TAGS)]);
    assert_eq!(index.docs[doc("off.html")]["g"][0], "Hardware");
    // The body of a section intro.
    assert_eq!(word("zebra"), [(doc("on/index.html"), BODY)]);
    // Title, summary, and the `when`s leading to a page (and to the pages
    // after it); a page's own branches count as its body.
    assert!(word("device").contains(&(doc("start.html"), TITLE)));
    assert_eq!(word("first"), [(doc("start.html"), SUMMARY)]);
    let green = word("green");
    assert!(green.contains(&(doc("start.html"), BODY)), "{green:?}");
    assert!(
        green.contains(&(doc("on/check-cable.html"), WHEN)),
        "{green:?}"
    );
    assert!(green.contains(&(doc("on/fixed.html"), WHEN)), "{green:?}");
    // What a result shows.
    let start = &index.docs[doc("start.html")];
    assert_eq!(start["e"], 1);
    assert_eq!(start["s"], "First check");
    assert_eq!(start["r"], "Is the device on?");
    let fixed = &index.docs[doc("on/fixed.html")];
    assert_eq!(fixed["o"], "resolved");
    assert_eq!(fixed["r"], "Is the device on?");
    assert_eq!(
        fixed["p"],
        serde_json::json!(["Yes, the light is green", "The cable was loose"])
    );
    assert_eq!(index.docs[doc("on/index.html")]["f"], "");
    assert_eq!(index.trees[0]["t"], "Is the device on?");
    assert_eq!(index.trees[0]["u"], "start.html");
    // Every page loads the box, hidden until the script shows it.
    let html = site.read("on/fixed.html");
    assert!(html.contains(
        r#"<form class="search" role="search" data-index="../_signpost/search-index.js" hidden>"#
    ));
}

#[test]
fn search_can_be_turned_off() {
    let site = Site::copy("ok/branching");
    let toml = site.root().join("site.toml");
    let mut config = std::fs::read_to_string(&toml).unwrap();
    config.push_str("\n[search]\nenabled = false\n");
    std::fs::write(&toml, config).unwrap();
    site.cmd(&["build"]).success();
    assert!(!site.public().join("_signpost/search-index.js").exists());
    assert!(!site.public().join("_signpost/search").exists());
    for page in ["index.html", "start.html", "on/fixed.html"] {
        let html = site.read(page);
        assert!(
            !html.contains("class=\"search\""),
            "{page} has no search box"
        );
        assert!(!html.contains("search-index.js"), "{page}");
    }
    site.cmd(&["bundle", "--single-file", "kb.html"]).success();
    let single = std::fs::read_to_string(site.root().join("kb.html")).unwrap();
    assert!(!single.contains("window.signpostSearch = {"));
}

#[test]
fn bundle_writes_a_deterministic_zip_of_the_site() {
    let site = Site::copy("ok/links-anchors");
    site.cmd(&["build"]).success();
    site.cmd(&["bundle", "--zip", "out/kb.zip"]).success();
    let first = std::fs::read(site.root().join("out/kb.zip")).unwrap();
    site.cmd(&["bundle", "--zip", "out/kb.zip"]).success();
    let second = std::fs::read(site.root().join("out/kb.zip")).unwrap();
    assert!(
        first == second,
        "two bundles of the same site are byte-identical"
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries in path order");
    // The zip holds exactly the built site (without build's marker file).
    let built: Vec<String> = crate::support::files(&site.public())
        .into_iter()
        .filter(|f| f != ".signpost-output")
        .map(|f| format!("kb/{f}"))
        .collect();
    assert_eq!(names, built);
    let mut index = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("kb/index.html").unwrap(), &mut index)
        .unwrap();
    assert_eq!(index, site.read("index.html"));
}

#[test]
fn bundle_writes_one_self_contained_html_file() {
    let site = Site::copy("ok/links-anchors");
    site.cmd(&["bundle", "--single-file", "kb.html"]).success();
    let html = std::fs::read_to_string(site.root().join("kb.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html data-signpost-bundle"));
    assert_eq!(html.matches("<main").count(), 1);
    assert!(
        !html.contains("<link rel=\"stylesheet\""),
        "stylesheets inlined"
    );
    for src in attr_values(&html, "src") {
        assert!(src.starts_with("data:"), "inlined: {src}");
    }
    for href in attr_values(&html, "href") {
        assert!(
            href.starts_with('#') || href.starts_with("data:") || is_external(&href),
            "a link out of the file: {href}"
        );
    }
    assert!(html.contains("window.signpostSearch = {"));
    // The search shards, as JSON the theme decodes when a search needs them.
    for name in ["t0", "p0", "r"] {
        let open = format!(r#"<script type="application/json" id="sp-search-{name}">"#);
        assert!(html.contains(&open), "{name}");
    }
    assert!(html.contains(r#"id="p/index.html""#));
    assert!(html.contains(r#"id="p/guide.html""#));
    assert!(html.contains(r##"href="#p/setup/install.html"##));
}

#[test]
fn bundle_needs_a_target_and_writes_nothing_on_errors() {
    let site = Site::copy("ok/branching");
    site.cmd(&["bundle"]).code(2);
    let broken = Site::copy("invalid/links");
    let out = signpost()
        .current_dir(broken.root())
        .args(["bundle", "--zip", "kb.zip", "--single-file", "kb.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));
    assert!(!broken.root().join("kb.zip").exists());
    assert!(!broken.root().join("kb.html").exists());
    // A bundle inside content/ would be published by the next build.
    site.cmd(&["bundle", "--zip", "content/kb.zip"]).code(2);
    assert!(!site.root().join("content/kb.zip").exists());
}

/// F01: a title with `&` and a character of several bytes (`’`) made the
/// single-file bundle panic (exit 101): the entity decoder cut the string
/// inside the `’`. The smallest site that showed it: two pages.
#[test]
fn a_title_with_an_ampersand_and_a_curly_apostrophe_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("site.toml", "title = \"Cartoons\"\n");
    write(
        "content/start.md",
        "+++\ntitle = \"Start\"\nentry = true\n\n[[branch]]\nto = \"end.md\"\n+++\nGo on.\n",
    );
    write(
        "content/end.md",
        "+++\ntitle = \"Tom & Jerry’s\"\noutcome = \"resolved\"\n+++\nDone.\n",
    );
    let site = Site { dir };
    let out = signpost()
        .current_dir(site.root())
        .args(["bundle", "--single-file", "kb.html"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(site.root().join("kb.html")).unwrap();
    let start = html.find(r#"id="p/end.html""#).expect("the page is there");
    let tag = &html[html[..start].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    assert!(
        tag.contains(r#"data-title="Tom &amp; Jerry’s""#),
        "the title, escaped once: {tag}"
    );
    assert!(
        tag.contains(r#"data-doc-title="Tom &amp; Jerry’s · Cartoons""#),
        "{tag}"
    );
    assert!(
        html.contains("Tom &amp; Jerry’s</h1>"),
        "the page's heading"
    );
    assert!(!html.contains("&amp;amp;"), "nothing escaped twice");
}

#[test]
fn a_refused_bundle_target_is_called_a_file() {
    let site = Site::copy("ok/branching");
    let out = signpost()
        .current_dir(site.root())
        .args(["bundle", "--zip", "content/kb.zip"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zip file content/kb.zip") && !stderr.contains("folder content/kb.zip"),
        "{stderr}"
    );
    std::fs::create_dir(site.root().join("kb.html")).unwrap();
    let out = signpost()
        .current_dir(site.root())
        .args(["bundle", "--single-file", "kb.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HTML file kb.html") && stderr.contains("it is a folder"),
        "{stderr}"
    );
}
