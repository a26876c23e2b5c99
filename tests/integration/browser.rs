//! The example site and its offline bundles, in a real browser: builds them with
//! the signpost binary into a temp dir, then runs tests/browser/run.mjs
//! (headless Chromium through playwright-core, axe-core, and the Nu HTML
//! Checker). Also the bundle command's own behaviour (exit codes, nothing
//! written on errors, deterministic zip).
//!
//! The browser tests need `npm ci --prefix tests/browser`, /usr/bin/chromium and
//! java (.ci/run installs them). Without them they print why and pass, except
//! when the `CI` environment variable is set: there a missing tool fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Site, copy_dir, repo, signpost};

/// Why these tests cannot run here, if they cannot.
fn missing_tools(needs_chromium: bool) -> Option<String> {
    let node_modules = repo().join("tests/browser/node_modules");
    for package in ["playwright-core", "axe-core", "vnu-jar"] {
        if !node_modules.join(package).is_dir() {
            return Some(format!(
                "tests/browser/node_modules/{package} is missing: run `npm ci --prefix tests/browser`"
            ));
        }
    }
    let chromium = std::env::var_os("SIGNPOST_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if needs_chromium && !chromium.is_file() {
        return Some(format!(
            "{} is missing: apt-get install chromium chromium-driver",
            chromium.display()
        ));
    }
    for (tool, arg, install) in [
        ("node", "--version", "node 20 or later"),
        ("java", "-version", "apt-get install default-jre-headless"),
    ] {
        if Command::new(tool).arg(arg).output().is_err() {
            return Some(format!("`{tool}` is not on PATH: install {install}"));
        }
    }
    None
}

/// True when the test can run; otherwise prints why and, under CI, fails.
fn tools_ready(test: &str, needs_chromium: bool) -> bool {
    match missing_tools(needs_chromium) {
        None => true,
        Some(why) if std::env::var_os("CI").is_some() => {
            panic!("{test}: cannot run under CI: {why}")
        }
        Some(why) => {
            // Straight to stderr: the test harness captures the `eprintln!`
            // of passing tests, and a skip should be seen.
            let _ = writeln!(std::io::stderr(), "skipping {test}: {why}");
            false
        }
    }
}

/// The example knowledge base of this repository, copied to a temp dir.
fn example_site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("site.toml"), dir.path().join("site.toml")).unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    Site { dir }
}

fn unzip(zip_file: &Path, into: &Path) {
    let file = std::fs::File::open(zip_file).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    archive.extract(into).unwrap();
}

fn run_node(args: &[&Path], flags: &[&str]) {
    let mut cmd = Command::new("node");
    cmd.arg(repo().join("tests/browser/run.mjs"));
    for (flag, path) in flags.iter().zip(args) {
        cmd.arg(flag).arg(path);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "tests/browser/run.mjs failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn the_example_site_and_its_bundles_work_offline_in_chromium() {
    if !tools_ready(
        "the_example_site_and_its_bundles_work_offline_in_chromium",
        true,
    ) {
        return;
    }
    let site = example_site();
    let work = tempfile::tempdir().unwrap();
    let built = work.path().join("site");
    let bundles = work.path().join("bundles");
    signpost()
        .current_dir(site.root())
        .args(["build", "--output"])
        .arg(&built)
        .assert()
        .success();
    signpost()
        .current_dir(site.root())
        .args(["bundle", "--zip"])
        .arg(bundles.join("kb.zip"))
        .arg("--single-file")
        .arg(bundles.join("kb.html"))
        .assert()
        .success();
    // The single file, alone in a folder of its own.
    let alone = work.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::copy(bundles.join("kb.html"), alone.join("kb.html")).unwrap();
    // The zip, unzipped somewhere else.
    let unzipped = work.path().join("elsewhere");
    unzip(&bundles.join("kb.zip"), &unzipped);
    assert!(unzipped.join("kb/index.html").is_file());
    run_node(
        &[&built, &alone.join("kb.html"), &unzipped.join("kb")],
        &["--site", "--single", "--unzipped"],
    );
}

#[test]
fn every_page_of_the_example_site_passes_the_nu_html_checker() {
    if !tools_ready(
        "every_page_of_the_example_site_passes_the_nu_html_checker",
        false,
    ) {
        return;
    }
    let site = example_site();
    site.cmd(&["build"]).success();
    site.cmd(&["bundle", "--single-file", "kb.html"]).success();
    run_node(
        &[&site.public(), &site.root().join("kb.html")],
        &["--vnu", "--vnu"],
    );
}

#[test]
fn wide_trees_with_long_whens_fit_every_screen_in_chromium() {
    if !tools_ready(
        "wide_trees_with_long_whens_fit_every_screen_in_chromium",
        true,
    ) {
        return;
    }
    let site = Site::copy("ok/wide-trees");
    site.cmd(&["build", "--deny-warnings"]).success();
    let public = site.public();
    run_node(&[&public, &public], &["--charts", "--vnu"]);
}

#[test]
fn serve_error_overlay_is_readable_closable_and_compact_in_chromium() {
    if !tools_ready(
        "serve_error_overlay_is_readable_closable_and_compact_in_chromium",
        true,
    ) {
        return;
    }
    use crate::serve::{STEP_DEADLINE, start, wait_for};
    let site = Site::copy("ok/branching");
    site.cmd(&["build"]).success();
    let s = start(site.root());
    let page = site.root().join("content/start.md");
    std::fs::write(&page, "+++\ntitle = \"Is the device on?\"\n\nLook <here>\n").unwrap();
    let body = wait_for(s.addr, "/off.html", "the overlay", STEP_DEADLINE, |b| {
        b.contains("signpost-errors")
    });
    // The served page, beside the built site's assets.
    let file = site.public().join("overlay.html");
    std::fs::write(&file, without_live_reload(&body)).unwrap();

    // A first build that fails: the page that says so.
    let broken = Site::copy("ok/branching");
    std::fs::write(
        broken.root().join("content/start.md"),
        "+++\ntitle = \"Is the device on?\"\n\nLook <here>\n",
    )
    .unwrap();
    let b = start(broken.root());
    let body = wait_for(b.addr, "/", "the page", STEP_DEADLINE, |b| {
        b.contains("No good build yet")
    });
    let no_build = site.root().join("no-build.html");
    std::fs::write(&no_build, without_live_reload(&body)).unwrap();
    run_node(&[&file, &no_build], &["--overlay", "--axe"]);
}

/// A page served by `serve` without its live-reload script (whose event
/// stream needs the server).
fn without_live_reload(body: &str) -> String {
    let at = body
        .find("<script>(function(){var s=new EventSource")
        .unwrap();
    let end = at + body[at..].find("</script>").unwrap() + "</script>".len();
    [&body[..at], &body[end..]].concat()
}
