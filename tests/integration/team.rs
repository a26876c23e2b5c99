//! Authoring for a team (SPEC §7), on the fixture tests/fixtures/team: path
//! tests (`signpost test`, and `check`/`build`/`diff` running them), includes
//! and unpublished `_` files, review dates, owners, the edit link, outcome
//! texts and feedback links.

use std::process::Command;

use crate::support::{Site, repo, signpost};

/// The day the fixture's review dates are checked on: `phone/fixed.md`
/// (reviewed 2025-01-10) is stale, every other page is recent.
const TODAY: &str = "2026-12-01";

fn team() -> Site {
    Site::copy("team")
}

fn write(site: &Site, rel: &str, text: &str) {
    let path = site.root().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn json(text: &str) -> Vec<serde_json::Value> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `(code, file, line, column)` of each diagnostic.
fn places(diags: &[serde_json::Value]) -> Vec<(String, String, u64, u64)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn good_path_tests_pass_and_report_coverage_per_tree() {
    let site = team();
    let (code, out) = site.run(&["test", "--today", TODAY]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok      tests/phone.toml: Restart fixes it → phone/fixed.md"),
        "{out}"
    );
    assert!(
        out.contains(
            "coverage phone/start.md (Does the phone turn on?): 2 of 3 outcomes reached; \
             not reached: phone/dead.md"
        ),
        "{out}"
    );
    assert!(out.ends_with("2 paths run: 2 passed, 0 failed\n"), "{out}");
    // github: no failures, a notice per tree
    let (code, out) = site.run(&["test", "--format", "github"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("::notice title=path-test coverage::coverage phone/start.md"),
        "{out}"
    );
}

const WRONG_ANSWER: &str = r#"[[path]]
name = "Typo in an answer"
start = "phone/start.md"
answers = ["yes", "works nw"]
end = "phone/fixed.md"
"#;

#[test]
fn a_wrong_answer_fails_at_its_line_and_column_and_fails_check_and_build() {
    let site = team();
    write(&site, "tests/wrong.toml", WRONG_ANSWER);
    let (code, out) = site.run(&["test", "--format", "json", "--today", TODAY]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("team-wrong-answer-json", out);
    let diags = json(&out);
    assert_eq!(
        places(&diags),
        [("SP403".into(), "tests/wrong.toml".into(), 4, 19)]
    );
    let message = diags[0]["message"].as_str().unwrap();
    for branch in [
        "\"It works now\"",
        "\"It still does not work\"",
        "\"It works only on Wi-Fi\"",
    ] {
        assert!(message.contains(branch), "names the branches: {message}");
    }
    assert_eq!(diags[0]["help"], "did you mean \"works now\"?");
    // check fails on it too, at the same place
    let (code, out) = site.run(&["check", "--format", "json", "--today", TODAY]);
    assert_eq!(code, 1);
    assert!(
        places(&json(&out)).contains(&("SP403".into(), "tests/wrong.toml".into(), 4, 19)),
        "{out}"
    );
    site.cmd(&["build", "--today", TODAY]).code(1);
    assert!(!site.public().exists());
}

#[test]
fn an_ambiguous_answer_and_a_wrong_end_or_outcome_fail() {
    let site = team();
    write(
        &site,
        "tests/bad.toml",
        r#"[[path]]
name = "Ambiguous"
start = "phone/start.md"
answers = ["yes", "works"]

[[path]]
name = "Wrong end"
start = "phone/start.md"
answers = ["no"]
end = "phone/fixed.md"

[[path]]
name = "Wrong outcome"
start = "phone/start.md"
answers = ["no"]
outcome = "resolved"

[[path]]
name = "Unknown start"
start = "phone/strat.md"
answers = []
"#,
    );
    let (code, out) = site.run(&["test", "--format", "json"]);
    assert_eq!(code, 1);
    let diags = json(&out);
    assert_eq!(
        places(&diags),
        [
            ("SP404".into(), "tests/bad.toml".into(), 4, 19),
            ("SP405".into(), "tests/bad.toml".into(), 10, 7),
            ("SP406".into(), "tests/bad.toml".into(), 16, 11),
            ("SP402".into(), "tests/bad.toml".into(), 20, 9),
        ]
    );
    let msg = |i: usize| diags[i]["message"].as_str().unwrap().to_string();
    assert!(
        msg(0).contains("\"It works now\" → phone/fixed.md")
            && msg(0).contains("\"It works only on Wi-Fi\" → phone/fixed.md"),
        "names every branch it matches: {}",
        msg(0)
    );
    assert!(msg(1).contains("lead to `phone/dead.md`"), "{}", msg(1));
    assert!(msg(2).contains("has outcome \"unsolved\""), "{}", msg(2));
    assert_eq!(diags[3]["help"], "did you mean \"phone/start.md\"?");
    // The human report lists every path and the failures.
    let (_, out) = site.run(&["test"]);
    assert!(out.contains("FAILED  tests/bad.toml: Wrong end:"), "{out}");
    assert!(out.contains("6 paths run: 2 passed, 4 failed"), "{out}");
}

#[test]
fn a_snippet_appears_in_every_including_page_and_is_never_published() {
    let site = team();
    site.cmd(&["build", "--today", TODAY]).success();
    let on = site.read("phone/on.html");
    let dead = site.read("phone/dead.html");
    for page in [&on, &dead] {
        assert!(page.contains("Hold the power button for ten seconds"));
        // links and images of the snippet work from the including page
        assert!(page.contains(r#"href="reset.html""#), "{page}");
        assert!(page.contains(r#"src="../img/power.svg""#), "{page}");
    }
    // #heading takes that section only
    assert!(on.contains("Turn flight mode on and off again"));
    assert!(!dead.contains("Turn flight mode on and off again"));
    // _snippets/ is not published, not in graph.json, not in search
    let files = crate::support::files(&site.public());
    assert!(
        files
            .iter()
            .all(|f| !f.contains("_snippets") && !f.contains("restart")),
        "{files:?}"
    );
    assert!(!site.read("graph.json").contains("_snippets"));
    let search = site.read("_signpost/search-index.js");
    assert!(!search.contains("_snippets"), "search lists a snippet");
}

#[test]
fn missing_includes_missing_headings_and_loops_are_errors_at_their_line() {
    let site = team();
    write(
        &site,
        "content/_snippets/a.md",
        "Step A.\n\n{{#include b.md}}\n",
    );
    write(&site, "content/_snippets/b.md", "{{#include a.md}}\n");
    write(
        &site,
        "content/phone/reset.md",
        "+++\ntitle = \"Resetting a phone\"\n+++\nIntro.\n\n\
         {{#include ../_snippets/missing.md}}\n\n\
         {{#include ../_snippets/restart.md#no-such-heading}}\n\n\
         {{#include ../_snippets/a.md}}\n\n[broken](gone.md)\n",
    );
    write(
        &site,
        "content/_snippets/restart.md",
        "## Restart the phone\n\nSee [nothing](../phone/nope.md).\n",
    );
    let (code, out) = site.run(&["check", "--format", "json", "--today", "2025-02-01"]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&json(&out)),
        [
            ("SP211".into(), "content/_snippets/b.md".into(), 1, 1),
            // a broken link in included text points into the snippet
            ("SP202".into(), "content/_snippets/restart.md".into(), 3, 15),
            ("SP210".into(), "content/phone/reset.md".into(), 6, 1),
            ("SP210".into(), "content/phone/reset.md".into(), 8, 1),
            // the page's own text after the includes keeps its positions
            ("SP202".into(), "content/phone/reset.md".into(), 12, 10),
        ]
    );
}

#[test]
fn check_today_warns_about_a_stale_page_at_its_reviewed_line_only() {
    let site = team();
    let (code, out) = site.run(&["check", "--format", "json", "--today", TODAY]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        places(&json(&out)),
        [("SP501".into(), "content/phone/fixed.md".into(), 5, 12)]
    );
    // Early in 2025, every page is recent.
    let (_, out) = site.run(&["check", "--format", "json", "--today", "2025-02-01"]);
    assert_eq!(json(&out), Vec::<serde_json::Value>::new());
    // required: a page without `reviewed` is reported at its front matter
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    write(
        &site,
        "site.toml",
        &toml.replace("max_age_days = 180", "max_age_days = 180\nrequired = true"),
    );
    write(
        &site,
        "content/phone/reset.md",
        "+++\ntitle = \"Resetting a phone\"\n+++\nText.\n",
    );
    let (_, out) = site.run(&["check", "--format", "json", "--today", "2025-02-01"]);
    assert_eq!(
        places(&json(&out)),
        [("SP502".into(), "content/phone/reset.md".into(), 1, 1)]
    );
}

#[test]
fn pages_show_owner_review_date_edit_link_outcome_texts_and_feedback() {
    let site = team();
    site.cmd(&["build", "--today", TODAY]).success();
    let fixed = site.read("phone/fixed.html");
    assert!(fixed.contains("Owner: Devices team"), "{fixed}");
    assert!(fixed.contains(r#"<time datetime="2025-01-10">2025-01-10</time>"#));
    assert!(fixed.contains(
        r#"href="https://git.example.com/kb/edit/main/content/phone/fixed.md">Edit this page</a>"#
    ));
    // the site's text for the outcome kind
    assert!(fixed.contains("Close the ticket as <strong>solved</strong>."));
    // feedback links: title, path; {trail} empty without JS, kept for the script
    assert!(fixed.contains("Did this solve it?"));
    assert!(fixed.contains(
        r#"href="mailto:kb@example.com?subject=Yes%3A%20Fixed&amp;body=phone%2Ffixed.md%20""#
    ));
    assert!(fixed.contains(r#"data-feedback="mailto:kb@example.com?subject=No%3A%20Fixed&amp;body=phone%2Ffixed.md%20{trail}""#));
    // a page's contact replaces the site's text
    let dead = site.read("phone/dead.html");
    assert!(dead.contains("Call the <strong>hardware desk</strong> on 1234."));
    assert!(!dead.contains("Tell the caller we know about it."));
    let vendor = site.read("phone/vendor.html");
    assert!(vendor.contains(r#"<a href="https://desk.example.com/new">new ticket</a>"#));
    // not on pages that do not end a procedure
    let start = site.read("phone/start.html");
    assert!(!start.contains("Did this solve it?"));
    assert!(start.contains("Edit this page"));
}

#[test]
fn diff_lists_changed_path_tests_and_every_page_a_snippet_change_affects() {
    let site = team();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(site.root())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    git(&["add", "-A"]);
    git(&["commit", "--quiet", "-m", "base"]);
    let snippet = site.root().join("content/_snippets/restart.md");
    let text = std::fs::read_to_string(&snippet).unwrap();
    std::fs::write(&snippet, text.replace("ten seconds", "twenty seconds")).unwrap();
    let on = site.root().join("content/phone/on.md");
    let text = std::fs::read_to_string(&on).unwrap();
    std::fs::write(&on, text.replace("It works now", "It is fixed now")).unwrap();
    let out = signpost()
        .current_dir(site.root())
        .args(["diff", "HEAD", "--format", "json"])
        .output()
        .unwrap();
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed: Vec<&str> = diff["pages"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["phone/dead.md", "phone/on.md"]);
    let tests = diff["path_tests"].as_array().unwrap();
    assert_eq!(tests.len(), 1, "{tests:?}");
    assert_eq!(tests[0]["name"], "Restart fixes it");
    assert_eq!(tests[0]["before"], "passes: leads to phone/fixed.md");
    assert!(
        tests[0]["after"]
            .as_str()
            .unwrap()
            .starts_with("fails: answer \"works now\" matches no branch")
    );
}

#[test]
fn the_example_knowledge_base_has_path_tests_that_reach_every_outcome() {
    let out = signpost()
        .current_dir(repo())
        .args(["test"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    let coverage: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("coverage "))
        .collect();
    assert!(!coverage.is_empty(), "{text}");
    for line in coverage {
        assert!(!line.contains("not reached"), "{line}");
    }
}
