//! The Rust book (../shared/corpora/rust-book): a real 110-chapter site.

use crate::support::{Site, broken_links, copy_dir, rust_book, signpost};

#[test]
fn the_rust_book_checks_without_errors_and_every_chapter_link_resolves() {
    let Some(book) = rust_book("the_rust_book_checks_without_errors") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&book, dir.path());
    let site = Site { dir };
    let out = signpost()
        .args(["check", "--format", "json"])
        .current_dir(site.root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let diags: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(diags.iter().all(|d| d["severity"] == "warning"));
    site.cmd(&["build"]).success();
    let pages = crate::support::files(&site.public())
        .iter()
        .filter(|f| f.ends_with(".html"))
        .count();
    assert!(pages >= 110, "{pages} pages");
    let (broken, outside) = broken_links(&site.public());
    assert!(broken.is_empty(), "{broken:#?}");
    // Links to the standard library docs are kept as written (outside the site).
    assert!(outside.iter().all(|u| u.starts_with("../")));
    // Chapter links with anchors were rewritten from .md to .html.
    let ch = site.read("ch04-01-what-is-ownership.html");
    assert!(ch.contains(".html#"), "anchored chapter links present");
    let hrefs = crate::support::attr_values(&ch, "href");
    assert!(
        hrefs.iter().all(|h| !h.contains(".md")),
        "no .md links left: {hrefs:?}"
    );
}
