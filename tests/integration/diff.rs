//! `signpost diff` and `check --changed-since`: a git repository built by the test
//! (fixed author, committer and dates, so commit ids are stable) holding a site in
//! a subfolder (`kb/`), with one commit `before` and one `after` that between them
//! make every kind of change the diff reports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::signpost;

/// A temporary git repository with the site at `kb/`.
struct Repo {
    dir: tempfile::TempDir,
}

const DATE: &str = "2024-01-02T03:04:05Z";

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        // SHA-1 explicitly: the snapshots hold commit ids, and git may change its
        // default object format.
        repo.git(&[
            "init",
            "--quiet",
            "--initial-branch=main",
            "--object-format=sha1",
        ]);
        repo
    }

    fn top(&self) -> &Path {
        self.dir.path()
    }

    fn site(&self) -> PathBuf {
        self.top().join("kb")
    }

    fn git_cmd(&self) -> Command {
        let mut c = Command::new("git");
        c.current_dir(self.top())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_AUTHOR_DATE", DATE)
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_DATE", DATE);
        c
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.git_cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Writes `text` at `kb/<rel>`.
    fn write(&self, rel: &str, text: &str) {
        let path = self.site().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.site().join(rel)).unwrap();
    }

    fn commit(&self, message: &str, tag: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--no-gpg-sign", "-m", message]);
        self.git(&["tag", tag]);
    }

    /// Runs signpost in the site folder; returns (exit code, stdout).
    fn signpost(&self, args: &[&str]) -> (i32, String) {
        let out = signpost()
            .args(args)
            .current_dir(self.site())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    }

    /// Everything git knows about the state of the work tree and index.
    fn state(&self) -> (String, Vec<u8>, String) {
        (
            self.git(&["status", "--porcelain=v1", "--untracked-files=all"]),
            std::fs::read(self.top().join(".git/index")).unwrap(),
            self.git(&["rev-parse", "HEAD"]),
        )
    }
}

fn page(title: &str, extra: &str, branches: &[(&str, &str)], body: &str) -> String {
    let mut s = format!("+++\ntitle = \"{title}\"\n{extra}");
    for (when, to) in branches {
        s.push_str(&format!("\n[[branch]]\nwhen = \"{when}\"\nto = \"{to}\"\n"));
    }
    s.push_str("+++\n");
    s.push_str(body);
    s
}

const FAQ_BEFORE: &str = "Answers to the questions people ask most.\n\n\
    - Where do I start? At [the start](../start.md#nope).\n\
    - Where is the manual? In [the manual](manual.pdf).\n\
    - Who maintains the printers? The facilities team.\n\
    - How often is toner replaced? Every three months.\n";

/// The `before` commit: two printer trees, a scanner tree, reference pages, and
/// some problems (a dead end, an unreachable branching page, a broken anchor, a
/// missing file).
fn before(repo: &Repo) {
    std::fs::write(
        repo.top().join("README.md"),
        "A repository with a site in kb/.\n",
    )
    .unwrap();
    repo.write("site.toml", "title = \"Printer KB\"\n");
    repo.write(
        "content/start.md",
        &page(
            "Printer won't print",
            "entry = true\n",
            &[
                ("The printer is off", "off.md"),
                ("The printer is on", "on/check-cable.md"),
                ("Paper is jammed", "jam.md"),
            ],
            "Start here.\n",
        ),
    );
    repo.write(
        "content/off.md",
        &page(
            "Turn it on",
            "outcome = \"resolved\"\n",
            &[],
            "Press the power button.\n",
        ),
    );
    repo.write(
        "content/jam.md",
        &page(
            "Clear the jam",
            "outcome = \"resolved\"\n",
            &[],
            "Open the tray.\n",
        ),
    );
    repo.write(
        "content/on/check-cable.md",
        &page(
            "Check the cable",
            "",
            &[
                ("The cable was loose", "fixed.md"),
                ("Still not printing", "vendor.md"),
            ],
            "Unplug it and plug it back in.\n",
        ),
    );
    repo.write(
        "content/on/fixed.md",
        &page(
            "Printing again",
            "outcome = \"resolved\"\n",
            &[],
            "Done. If paper jams later, see [the jam page](../jam.md).\n",
        ),
    );
    repo.write(
        "content/on/vendor.md",
        &page("Call the vendor", "", &[], "Phone 555-0100.\n"),
    );
    repo.write(
        "content/on/known-bug.md",
        &page(
            "Known firmware bug",
            "outcome = \"unsolved\"\n",
            &[],
            "Firmware 2.1 loses the queue.\n",
        ),
    );
    repo.write(
        "content/network/start.md",
        &page(
            "No network",
            "entry = true\n",
            &[("Wi-Fi", "wifi.md"), ("Cable", "cable.md")],
            "How is the printer connected?\n",
        ),
    );
    repo.write(
        "content/network/wifi.md",
        &page(
            "Reconnect Wi-Fi",
            "outcome = \"resolved\"\n",
            &[],
            "Pick the office network.\n",
        ),
    );
    repo.write(
        "content/network/cable.md",
        &page(
            "Replug the cable",
            "outcome = \"resolved\"\n",
            &[],
            "Use port 3.\n",
        ),
    );
    repo.write(
        "content/extra.md",
        &page(
            "Toner check",
            "",
            &[("Toner low", "on/fixed.md")],
            "Look at the display.\n",
        ),
    );
    repo.write(
        "content/old-tree.md",
        &page(
            "Old scanner tree",
            "entry = true\n",
            &[("Scanner", "old-leaf.md")],
            "Scanners.\n",
        ),
    );
    repo.write(
        "content/old-leaf.md",
        &page(
            "Scanner leaf",
            "outcome = \"resolved\"\n",
            &[],
            "Restart the scanner.\n",
        ),
    );
    repo.write(
        "content/reference/faq.md",
        &page("Printer FAQ", "", &[], FAQ_BEFORE),
    );
    repo.write(
        "content/legacy.md",
        &page(
            "Legacy notes",
            "",
            &[],
            "See [the old manual](legacy.pdf).\n",
        ),
    );
    repo.commit("before", "before");
}

/// The `after` commit: one change of every kind.
fn after(repo: &Repo) {
    // Renamed, content identical: the branch that follows it is not "retargeted".
    repo.remove("content/off.md");
    repo.write(
        "content/power/off.md",
        &page(
            "Turn it on",
            "outcome = \"resolved\"\n",
            &[],
            "Press the power button.\n",
        ),
    );
    // Removed page (and its branch), reworded branch.
    repo.remove("content/jam.md");
    repo.write(
        "content/start.md",
        &page(
            "Printer won't print",
            "entry = true\n",
            &[
                ("The printer is off", "power/off.md"),
                ("The printer is on but nothing prints", "on/check-cable.md"),
            ],
            "Start here.\n",
        ),
    );
    // Retitled; branches retargeted, reordered and added.
    repo.write(
        "content/on/check-cable.md",
        &page(
            "Check the USB cable",
            "",
            &[
                ("Still not printing", "known-bug.md"),
                ("The cable was loose", "fixed.md"),
                ("The driver is missing", "driver.md"),
            ],
            "Unplug it and plug it back in.\n",
        ),
    );
    // Added page that is a new dead end.
    repo.write(
        "content/on/driver.md",
        &page(
            "Install the driver",
            "",
            &[],
            "Download it from the vendor.\n",
        ),
    );
    // Outcome removed, branches added: a new loop back to check-cable.
    repo.write(
        "content/on/known-bug.md",
        &page(
            "Known firmware bug",
            "",
            &[
                ("Try again", "check-cable.md"),
                ("Still broken", "vendor.md"),
            ],
            "Firmware 2.1 loses the queue.\n",
        ),
    );
    // Dead end fixed with an outcome.
    repo.write(
        "content/on/vendor.md",
        &page(
            "Call the vendor",
            "outcome = \"escalate\"\n",
            &[],
            "Phone 555-0100.\n",
        ),
    );
    // Reordered branches; an outcome changed; a broken link introduced.
    repo.write(
        "content/network/start.md",
        &page(
            "No network",
            "entry = true\n",
            &[("Cable", "cable.md"), ("Wi-Fi", "wifi.md")],
            "How is the printer connected?\n",
        ),
    );
    repo.write(
        "content/network/wifi.md",
        &page(
            "Reconnect Wi-Fi",
            "outcome = \"escalate\"\n",
            &[],
            "Pick the office network.\n",
        ),
    );
    repo.write(
        "content/network/cable.md",
        &page(
            "Replug the cable",
            "outcome = \"resolved\"\n",
            &[],
            "Use port 3, or see [the missing page](nothing.md).\n",
        ),
    );
    // Entry added (fixes SP304); entry removed (the tree goes, SP304 appears).
    repo.write(
        "content/extra.md",
        &page(
            "Toner check",
            "entry = true\n",
            &[("Toner low", "on/fixed.md")],
            "Look at the display.\n",
        ),
    );
    repo.write(
        "content/old-tree.md",
        &page(
            "Old scanner tree",
            "",
            &[("Scanner", "old-leaf.md")],
            "Scanners.\n",
        ),
    );
    // Renamed with an edit (git's rename detection): the broken anchor is fixed,
    // the missing-file warning stays and is not reported.
    repo.remove("content/reference/faq.md");
    repo.write(
        "content/help/faq.md",
        &page(
            "Printer FAQ",
            "",
            &[],
            &FAQ_BEFORE.replace("../start.md#nope", "../start.md"),
        ),
    );
    repo.commit("after", "after");
}

fn fixture() -> Repo {
    let repo = Repo::new();
    before(&repo);
    after(&repo);
    repo
}

#[test]
fn every_kind_of_change_in_three_formats() {
    let repo = fixture();
    let (code, json) = repo.signpost(&["diff", "before", "after", "--format", "json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("diff-json", json);
    let (_, md) = repo.signpost(&["diff", "before", "after", "--format", "markdown"]);
    insta::assert_snapshot!("diff-markdown", md);
    let (_, human) = repo.signpost(&["diff", "before", "after"]);
    insta::assert_snapshot!("diff-human", human);

    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].as_str().unwrap().to_string())
            .collect()
    };
    // A renamed page is not a removal plus an addition ...
    assert_eq!(ids(&v["pages"]["added"], "id"), ["on/driver.md"]);
    assert_eq!(ids(&v["pages"]["removed"], "id"), ["jam.md"]);
    assert_eq!(
        ids(&v["pages"]["renamed"], "to"),
        ["help/faq.md", "power/off.md"]
    );
    // ... and the branch that follows it is not retargeted.
    let start = v["pages"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "start.md")
        .unwrap();
    assert_eq!(start["branches"]["retargeted"], serde_json::json!([]));
    assert_eq!(
        v["graph"]["dead_ends"]["new"],
        serde_json::json!(["on/driver.md"])
    );
    assert_eq!(
        v["graph"]["dead_ends"]["fixed"],
        serde_json::json!(["on/vendor.md"])
    );
    assert_eq!(
        v["graph"]["cycles"]["new"],
        serde_json::json!([["on/check-cable.md", "on/known-bug.md"]])
    );
    assert_eq!(
        v["graph"]["became_unreachable"],
        serde_json::json!(["old-leaf.md", "old-tree.md"])
    );
    // The missing-file warning of the renamed FAQ is neither fixed nor introduced.
    assert!(!json.contains("manual.pdf"), "{json}");
    // Errors come first among the introduced problems.
    assert_eq!(v["diagnostics"]["introduced"][0]["severity"], "error");
}

#[test]
fn mermaid_blocks_are_flowcharts_with_highlights() {
    let repo = fixture();
    let (_, md) = repo.signpost(&["diff", "before", "after", "--format", "markdown"]);
    let blocks: Vec<&str> = md
        .split("```mermaid\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 4, "{md}");
    for b in &blocks {
        assert!(b.starts_with("flowchart TD\n"), "{b}");
        for line in b.lines().skip(1) {
            assert!(line.starts_with("  "), "{line}");
            // Labels are quoted and escaped: no raw quotes inside them.
            if let Some((_, label)) = line.split_once("[\"") {
                assert_eq!(label.matches('"').count(), 1, "{line}");
            }
        }
    }
    assert!(md.contains("classDef added") && md.contains("linkStyle "));
    // The markdown wraps lists in <details> that it closes.
    assert_eq!(
        md.matches("<details").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn no_changes_report_nothing() {
    let repo = fixture();
    for args in [
        &["diff", "after", "after", "--format", "json"][..],
        &["diff", "after", "--format", "json"][..],
    ] {
        let (code, json) = repo.signpost(args);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(
            v["summary"].as_object().unwrap().values().all(|n| n == 0),
            "{json}"
        );
        assert_eq!(v["pages"]["changed"], serde_json::json!([]));
        assert_eq!(v["trees"], serde_json::json!([]));
        assert_eq!(v["diagnostics"]["introduced"], serde_json::json!([]));
    }
    let (_, md) = repo.signpost(&["diff", "after", "--format", "markdown"]);
    assert!(md.contains("No changes to the decision trees"), "{md}");
    assert!(!md.contains("```mermaid"));
    let (_, human) = repo.signpost(&["diff", "after", "after"]);
    assert_eq!(
        human.lines().nth(1),
        Some("No changes to the decision trees, and no problems introduced or fixed.")
    );
}

#[test]
fn the_working_tree_and_index_are_left_untouched() {
    let repo = fixture();
    // Uncommitted edits and an untracked file: the diff of two revisions must not
    // read them, and nothing may change them.
    repo.write(
        "content/network/wifi.md",
        &page(
            "Reconnect the Wi-Fi",
            "outcome = \"resolved\"\n",
            &[],
            "Edited.\n",
        ),
    );
    repo.write("content/scratch.md", "no front matter\n");
    // Let git settle its own index refresh first (racy timestamps).
    repo.git(&["status"]);
    let state = repo.state();
    let (code, json) = repo.signpost(&["diff", "before", "after", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(!json.contains("scratch.md") && !json.contains("Reconnect the Wi-Fi"));
    repo.signpost(&["diff", "before", "--format", "markdown"]);
    repo.signpost(&["check", "--changed-since", "before"]);
    assert_eq!(repo.state(), state);

    // Against the working tree, the edits are the head.
    let (_, json) = repo.signpost(&["diff", "after", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["head"]["rev"], serde_json::Value::Null);
    assert_eq!(v["pages"]["added"][0]["id"], "scratch.md");
    assert_eq!(
        v["pages"]["changed"][0]["retitled"],
        serde_json::json!({"before": "Reconnect Wi-Fi", "after": "Reconnect the Wi-Fi"})
    );
}

#[test]
fn check_changed_since_reports_changed_files_and_new_problems() {
    let repo = fixture();
    repo.git(&["checkout", "--quiet", "after"]);
    repo.write("content/scratch.md", "no front matter\n");
    let (code, all) = repo.signpost(&["check", "--format", "json"]);
    assert_eq!(code, 1);
    let (code, changed) =
        repo.signpost(&["check", "--changed-since", "before", "--format", "json"]);
    assert_eq!(code, 1);
    let rows = |text: &str| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["file"].as_str().unwrap().to_string(),
                    d["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (all, changed) = (rows(&all), rows(&changed));
    let has = |v: &[(String, String)], file: &str, code: &str| {
        v.iter().any(|(f, c)| f == file && c == code)
    };
    // An old warning in a file nobody touched is left out ...
    assert!(has(&all, "content/legacy.md", "SP301"));
    assert!(!has(&changed, "content/legacy.md", "SP301"));
    // ... an old warning in a changed (renamed) file is kept ...
    assert!(has(&changed, "content/help/faq.md", "SP301"));
    // ... and so is a new problem in an unchanged file, caused by the change.
    assert!(has(&changed, "content/on/fixed.md", "SP202"));
    // Untracked files count as changed.
    assert!(has(&changed, "content/scratch.md", "SP101"));
    assert!(has(&changed, "content/on/driver.md", "SP302"));
    assert_eq!(changed.len(), all.len() - 1, "{changed:?}");

    let (code, _) = repo.signpost(&["check", "--changed-since", "no-such-rev"]);
    assert_eq!(code, 2);
}

#[test]
fn usage_errors() {
    let repo = fixture();
    let out = signpost()
        .args(["diff", "no-such-rev"])
        .current_dir(repo.site())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-rev"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("site.toml"), "title = \"x\"\n").unwrap();
    let out = signpost()
        .args(["diff", "HEAD"])
        .current_dir(outside.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_readme_shows_the_example_workflow_verbatim() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    let workflow =
        std::fs::read_to_string(crate::support::repo().join("examples/github-actions.yml"))
            .unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{workflow}```\n")),
        "README.md and examples/github-actions.yml differ"
    );
    assert!(workflow.contains("fetch-depth: 0"));
    assert!(workflow.contains("signpost check --root \"$SIGNPOST_SITE\" --format github"));
    assert!(workflow.contains("signpost diff \"origin/$BASE_REF\""));
}
