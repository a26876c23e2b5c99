//! The command line: help, exit codes, init, output-folder safety.

use crate::support::{Site, signpost};

#[test]
fn help_lists_the_commands() {
    let out = signpost().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("help", text);
    for cmd in ["build", "check", "init", "test"] {
        let out = signpost().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help");
    }
}

#[test]
fn usage_errors_exit_2() {
    signpost().arg("frobnicate").assert().code(2);
    signpost()
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    let out = signpost()
        .args(["build"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no site.toml"));
}

#[test]
fn init_creates_a_site_that_builds_cleanly_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let site_dir = dir.path().join("kb");
    signpost().args(["init"]).arg(&site_dir).assert().success();
    let out = signpost()
        .args(["check"])
        .current_dir(&site_dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 errors, 0 warnings\n"
    );
    signpost()
        .args(["build"])
        .current_dir(&site_dir)
        .assert()
        .success();
    assert!(site_dir.join("public/index.html").is_file());
    assert!(site_dir.join("public/printing/wont-print.html").is_file());
    // its path tests pass and reach every outcome
    let out = signpost()
        .args(["test"])
        .current_dir(&site_dir)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("3 of 3 outcomes reached") && report.contains("3 paths run: 3 passed"),
        "{report}"
    );
    let before = std::fs::read(site_dir.join("site.toml")).unwrap();
    signpost().args(["init"]).arg(&site_dir).assert().code(2);
    assert_eq!(before, std::fs::read(site_dir.join("site.toml")).unwrap());
}

#[test]
fn output_folder_must_not_be_the_site_or_content_or_foreign() {
    let site = Site::copy("ok/drafts");
    site.cmd(&["build", "--output", "."]).code(2);
    site.cmd(&["build", "--output", "content"]).code(2);
    site.cmd(&["build", "--output", "content/out"]).code(2);
    site.cmd(&["build", "--output", ".."]).code(2);
    // A non-empty folder that signpost did not write is never replaced.
    std::fs::create_dir(site.root().join("docs")).unwrap();
    std::fs::write(site.root().join("docs/keep.txt"), "precious").unwrap();
    site.cmd(&["build", "--output", "docs"]).code(2);
    assert_eq!(
        std::fs::read_to_string(site.root().join("docs/keep.txt")).unwrap(),
        "precious"
    );
    // Its own earlier output is replaced, stale files removed.
    site.cmd(&["build"]).success();
    std::fs::write(site.public().join("stale.html"), "old").unwrap();
    site.cmd(&["build"]).success();
    assert!(!site.public().join("stale.html").exists());
    assert!(site.root().join("content/published.md").is_file());
}

#[test]
fn the_repository_example_site_builds_without_warnings() {
    let root = crate::support::repo();
    let out = signpost()
        .args(["check", "--deny-warnings"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 errors, 0 warnings\n"
    );
    assert_eq!(out.status.code(), Some(0));
}
