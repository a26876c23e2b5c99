//! Same input, byte-identical output.

use crate::support::{Site, copy_dir, repo, tree_bytes};

#[test]
fn two_builds_of_the_example_site_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("site.toml"), dir.path().join("site.toml")).unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    let site = Site { dir };
    site.cmd(&["build", "--output", "a"]).success();
    site.cmd(&["build", "--output", "b"]).success();
    let a = tree_bytes(&site.root().join("a"));
    let b = tree_bytes(&site.root().join("b"));
    assert!(a.len() > 20);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between builds");
    }
    let index = String::from_utf8_lossy(&a["index.html"]);
    assert!(
        !index.contains(&site.root().display().to_string()),
        "no absolute paths in output"
    );
}
