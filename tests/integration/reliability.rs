//! Issue 32's faults, each from its smallest reproduction: a two-page site
//! (start.md → end.md) made in a temp dir, with one file changed.

use std::path::Path;

use crate::support::signpost;

const START: &str = "+++\ntitle = \"Start\"\nentry = true\n[[branch]]\nwhen = \"Go\"\nto = \"end.md\"\n+++\n# Start\n";
const END: &str = "+++\ntitle = \"End\"\noutcome = \"resolved\"\n+++\n# End\n";

/// The two-page site, with `end.md`'s body (after its front matter) replaced
/// by `end_body` when given.
fn two_pages(end_body: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "title = \"T\"\n").unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    write(dir.path(), "content/start.md", START);
    let end = match end_body {
        Some(body) => format!("+++\ntitle = \"End\"\noutcome = \"resolved\"\n+++\n{body}"),
        None => END.to_string(),
    };
    write(dir.path(), "content/end.md", &end);
    dir
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs signpost in `root`: exit code, stdout, stderr.
fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = signpost().current_dir(root).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The codes `check --format json` reports, with file:line:column.
fn codes(root: &Path) -> Vec<String> {
    let (_, out, err) = run(root, &["check", "--format", "json"]);
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    rows.iter()
        .map(|d| {
            format!(
                "{} {}:{}:{}",
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"]
            )
        })
        .collect()
}

#[test]
fn f02_deep_front_matter_is_an_error_not_an_abort() {
    let dir = two_pages(None);
    let tags = format!("{}{}", "[".repeat(2300), "]".repeat(2300));
    write(
        dir.path(),
        "content/end.md",
        &format!("+++\ntitle = \"End\"\noutcome = \"resolved\"\ntags = {tags}\n+++\n"),
    );
    for cmd in ["check", "build"] {
        let (code, _, err) = run(dir.path(), &[cmd]);
        assert_eq!(code, 1, "{cmd}: {err}");
    }
    assert!(
        codes(dir.path())
            .iter()
            .any(|c| c.starts_with("SP103 content/end.md:4:"))
    );
}

#[test]
fn f02_deep_markdown_and_html_are_an_error_at_the_place() {
    for body in [
        "> ".repeat(5000) + "x\n",
        "- ".repeat(5000) + "x\n",
        "<div>".repeat(5000) + "x\n",
        "> ".repeat(300) + &"<div>".repeat(300) + "\n",
    ] {
        let dir = two_pages(Some(&format!("# End\n\n{body}")));
        let found = codes(dir.path());
        assert!(
            found
                .iter()
                .any(|c| c.starts_with("SP109 content/end.md:7:")),
            "{found:?}"
        );
        let (code, _, _) = run(dir.path(), &["build"]);
        assert_eq!(code, 1);
    }
    // Deep but within the limit, and many siblings: fine.
    let ok = "<div>".repeat(400) + &"</div>".repeat(400) + &"<div></div>\n".repeat(2000);
    let dir = two_pages(Some(&format!("# End\n\n{ok}")));
    assert_eq!(codes(dir.path()), Vec::<String>::new());
}

#[test]
fn f14_many_nested_divs_are_refused_quickly() {
    let body = "<div>".repeat(100_000) + "x" + &"</div>".repeat(100_000) + "\n";
    let dir = two_pages(Some(&body));
    let t = std::time::Instant::now();
    let (code, _, err) = run(dir.path(), &["build"]);
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
    assert_eq!(code, 1, "{err}");
    assert!(codes(dir.path()).iter().any(|c| c.starts_with("SP109 ")));
}

#[test]
fn f07_terminal_diagnostics_show_control_bytes_as_pictures() {
    let body = "# End\n\nSee [x](\u{1b}]0;owned\u{7}.md) and \u{1b}[2J [y](gone\u{9b}.md).\n";
    let dir = two_pages(Some(body));
    let (code, out, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1);
    let all = out + &err;
    assert!(all.contains("SP202"), "{all}");
    for c in all.chars() {
        assert!(
            !c.is_control() || c == '\n' || c == '\t',
            "raw control {c:?} in:\n{all}"
        );
    }
    assert!(all.contains("␛]0;owned␇.md"), "{all}");
    // (A destination with controls is no link in CommonMark; the second is.)
    // The caret still points under the link destination: columns are kept.
    assert!(all.contains("content/end.md:7:37"), "{all}");
    assert!(
        all.contains("\n  │                                     ^^^^^^^^"),
        "{all}"
    );
    // JSON keeps the text exactly, escaped as JSON does.
    let (_, json, _) = run(dir.path(), &["check", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["message"].as_str().unwrap().contains("gone\u{9b}.md"))
    );
}

#[test]
fn f09_folders_outside_the_site_are_refused_at_their_line() {
    for (line, key) in [
        ("content_dir = \"/etc\"", "content_dir"),
        ("content_dir = \"../content\"", "content_dir"),
        ("output_dir = \"a/../../out\"", "output_dir"),
        ("output_dir = \"/tmp/out\"", "output_dir"),
        ("theme = \"../../x\"", "theme"),
        ("theme = \"/etc\"", "theme"),
    ] {
        let dir = two_pages(None);
        write(dir.path(), "site.toml", &format!("title = \"T\"\n{line}\n"));
        let (code, out, err) = run(dir.path(), &["build"]);
        assert_eq!(code, 1, "{line}: {out}{err}");
        let all = out + &err;
        assert!(
            all.contains(&format!("`{key}` must be a folder inside the site"))
                && all.contains("site.toml:2:"),
            "{line}: {all}"
        );
        assert!(!dir.path().join("public").exists());
    }
    // Inside the root, `..` that stays inside is fine.
    let dir = two_pages(None);
    write(
        dir.path(),
        "site.toml",
        "title = \"T\"\noutput_dir = \"a/../site\"\n",
    );
    let (code, _, err) = run(dir.path(), &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("site/end.html").is_file());
}

#[test]
fn f09_templates_cannot_read_the_environment() {
    let dir = two_pages(None);
    write(dir.path(), "site.toml", "title = \"T\"\ntheme = \"own\"\n");
    write(
        dir.path(),
        "themes/own/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ get_env(name=\"HOME\") }}{% endblock main %}",
    );
    let (code, out, err) = run(dir.path(), &["build"]);
    assert_ne!(code, 0);
    let all = out + &err;
    // Tera 2 has no function that reads the environment.
    assert!(all.contains("Unknown function `get_env`"), "{all}");
    assert!(
        all.contains("page.html:1:"),
        "names the template and line: {all}"
    );
    assert!(!dir.path().join("public").exists());
}

#[test]
fn a_theme_written_for_tera_1_macros_is_told_how_to_change() {
    let dir = two_pages(None);
    write(dir.path(), "site.toml", "title = \"T\"\ntheme = \"own\"\n");
    write(
        dir.path(),
        "themes/own/templates/page.html",
        "{% extends \"base.html\" %}\n{% import \"macros.html\" as m %}\n{% block main %}{% endblock main %}",
    );
    let (code, out, err) = run(dir.path(), &["build"]);
    assert_ne!(code, 0);
    let all = out + &err;
    assert!(
        all.contains("page.html:2:"),
        "names the template and line: {all}"
    );
    assert!(all.contains("Tera 2 and components"), "{all}");
    assert!(!dir.path().join("public").exists());
}

/// A PID that no process has: beyond the kernel's `pid_max` (at most 2^22).
const DEAD_PID: u32 = 4_194_305;

#[test]
fn f06_leftovers_of_killed_builds_are_removed_and_output_restored() {
    let dir = two_pages(None);
    let root = dir.path();
    let (code, _, err) = run(root, &["build"]);
    assert_eq!(code, 0, "{err}");
    // A build killed between its two renames: no public/, the previous output
    // moved aside, and a half-written new one.
    std::fs::rename(
        root.join("public"),
        root.join(format!(".public.old-{DEAD_PID}")),
    )
    .unwrap();
    write(root, &format!(".public.tmp-{DEAD_PID}/half.html"), "half");
    // Leftovers of a build that is still running, and look-alikes, stay.
    let mine = std::process::id();
    write(root, &format!(".public.tmp-{mine}/x"), "running");
    write(root, ".public.tmp-notapid/x", "not ours");
    write(root, &format!(".other.tmp-{DEAD_PID}/x"), "not ours");
    // `check` never touches them; the next build first puts the output back.
    let (code, _, _) = run(root, &["check"]);
    assert_eq!(code, 0);
    assert!(!root.join("public").exists());
    let (code, _, err) = run(root, &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(root.join("public/end.html").is_file());
    assert!(!root.join(format!(".public.old-{DEAD_PID}")).exists());
    assert!(!root.join(format!(".public.tmp-{DEAD_PID}")).exists());
    assert!(root.join(format!(".public.tmp-{mine}")).exists());
    assert!(root.join(".public.tmp-notapid").exists());
    assert!(root.join(format!(".other.tmp-{DEAD_PID}")).exists());
}

#[test]
fn f06_a_build_swaps_in_one_step_and_leaves_nothing_beside() {
    let dir = two_pages(None);
    let root = dir.path();
    for _ in 0..2 {
        let (code, _, err) = run(root, &["build"]);
        assert_eq!(code, 0, "{err}");
    }
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["content", "public", "site.toml"]);
}

#[test]
fn f11_entity_ids_resolve_as_the_browser_sees_them() {
    let dir = two_pages(Some("<h2 id=\"R&amp;D\">Research</h2>\n"));
    write(
        dir.path(),
        "content/start.md",
        &START.replace(
            "# Start\n",
            "# Start\n\n[a](end.md#R&D) [b](end.md#R&amp;amp;D)\n",
        ),
    );
    let found = codes(dir.path());
    // Only the double-escaped one, which names `R&amp;D`, is broken.
    assert_eq!(found, ["SP203 content/start.md:10:21"], "{found:?}");
}

#[test]
fn f12_headings_never_duplicate_the_themes_ids() {
    let dir = two_pages(None);
    let body = "# Start\n\n## Main\n\n## Choices title\n\n## Search input\n\n[back](#main-1)\n";
    write(
        dir.path(),
        "content/start.md",
        &START.replace("# Start\n", body),
    );
    let (code, _, err) = run(dir.path(), &["build", "--deny-warnings"]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(dir.path().join("public/start.html")).unwrap();
    let ids = crate::support::attr_values(&html, "id");
    let mut seen = std::collections::BTreeSet::new();
    for id in &ids {
        assert!(seen.insert(id), "duplicate id {id} in {ids:?}");
    }
    for id in [
        "main",
        "main-1",
        "choices-title",
        "choices-title-1",
        "search-input-1",
    ] {
        assert!(seen.contains(&id.to_string()), "{id} missing from {ids:?}");
    }
}

#[test]
fn a_broken_front_matter_gives_its_own_error_only() {
    // A misspelt outcome: SP106, not also a dead end.
    let dir = two_pages(None);
    write(
        dir.path(),
        "content/end.md",
        &END.replace("\"resolved\"", "\"resolvd\""),
    );
    assert_eq!(codes(dir.path()), ["SP106 content/end.md:3:11"]);
    // `entry = "yes"`: SP105, not an SP304 for every page of the tree.
    let dir = two_pages(None);
    write(
        dir.path(),
        "content/start.md",
        &START
            .replace("entry = true", "entry = \"yes\"")
            .replace("end.md", "a.md"),
    );
    for (page, next) in [("a", "b"), ("b", "end")] {
        write(
            dir.path(),
            &format!("content/{page}.md"),
            &format!(
                "+++\ntitle = \"{page}\"\n[[branch]]\nwhen = \"Go\"\nto = \"{next}.md\"\n+++\n"
            ),
        );
    }
    assert_eq!(codes(dir.path()), ["SP105 content/start.md:3:9"]);
}

#[test]
fn a_missing_local_image_is_an_error() {
    let dir = two_pages(Some("# End\n\n![diagram](diagram.png)\n"));
    assert_eq!(codes(dir.path()), ["SP209 content/end.md:7:12"]);
    let (code, _, _) = run(dir.path(), &["build"]);
    assert_eq!(code, 1);
}

#[test]
fn the_root_is_found_upward_from_the_current_folder() {
    let dir = two_pages(Some("[gone](gone.md)\n"));
    let inside = dir.path().join("content");
    let (code, out, err) = run(&inside, &["check", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("\"file\": \"content/end.md\""), "{out}");
    let (code, _, _) = run(&inside, &["build"]);
    assert_eq!(code, 1);
    write(dir.path(), "content/end.md", END);
    let (code, _, err) = run(&inside, &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("public/end.html").is_file());
    assert!(!inside.join("public").exists());
    // An explicit --root is taken as given.
    let (code, _, _) = run(&inside, &["check", "--root", "."]);
    assert_eq!(code, 2);
}

#[test]
fn f08_attachments_that_run_script_are_refused_without_raw_html() {
    let svg = |inner: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n{inner}\n</svg>\n"
        )
    };
    for (name, text, at) in [
        ("evil.svg", svg("<script>alert(1)</script>"), "2:1"),
        (
            "evil.svg",
            svg("<s:script xmlns:s=\"http://www.w3.org/2000/svg\">alert(1)</s:script>"),
            "2:1",
        ),
        ("evil.svg", svg("<rect ONLOAD=\"alert(1)\"/>"), "2:7"),
        (
            "evil.svg",
            svg("<a xlink:href=\"&#106;avascript:alert(1)\"><text>x</text></a>"),
            "2:4",
        ),
        (
            "evil.svg",
            svg("<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\"/></foreignObject>"),
            "2:1",
        ),
        (
            "evil.svg",
            svg("<a><set attributeName=\"href\" to=\"javascript:alert(1)\"/></a>"),
            "2:9",
        ),
        (
            "evil.svg",
            format!(
                "<?xml-stylesheet href=\"x.xsl\" type=\"text/xsl\"?>\n{}",
                svg("")
            ),
            "1:1",
        ),
        ("evil.svg", "<svg><script>".to_string(), "1:"),
        ("page.html", "<p>hi</p>".to_string(), "1:1"),
    ] {
        let dir = two_pages(None);
        write(dir.path(), &format!("content/{name}"), &text);
        let found = codes(dir.path());
        assert!(
            found.len() == 1 && found[0].starts_with(&format!("SP110 content/{name}:{at}")),
            "{text}: {found:?}"
        );
        let (code, _, _) = run(dir.path(), &["build"]);
        assert_eq!(code, 1, "{text}");
        // Allowed when the site allows raw HTML.
        write(
            dir.path(),
            "site.toml",
            "title = \"T\"\n[markdown]\nallow_raw_html = true\n",
        );
        assert_eq!(codes(dir.path()), Vec::<String>::new(), "{text}");
    }
    // An ordinary drawing, with an Inkscape namespace, links and an embedded
    // raster image, is published as it is.
    let drawing = svg(concat!(
        "<metadata><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></metadata>",
        "<a href=\"https://example.com/\"><rect width=\"5\" height=\"5\" opacity=\"0.5\"/></a>",
        "<use xlink:href=\"#r\"/><image href=\"data:image/png;base64,iVBORw0KGgo=\"/>",
    ));
    let dir = two_pages(Some("# End\n\n![d](drawing.svg)\n"));
    write(dir.path(), "content/drawing.svg", &drawing);
    let (code, _, err) = run(dir.path(), &["build", "--deny-warnings"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("public/drawing.svg")).unwrap(),
        drawing
    );
}

/// Found by `fuzz_deep_includes`: a link in an included file is rewritten for
/// the including page (`pic.png` → `_s/pic.png`), and its diagnostic kept the
/// rewritten length, running past the end of the snippet file.
#[test]
fn a_diagnostic_in_included_text_underlines_only_what_the_snippet_says() {
    let snippet = "```\n```\n![img](pic.png)\n";
    let files = vec![
        (
            "content/page.md".to_string(),
            b"+++\ntitle = \"x\"\n+++\n{{#include _s/a.md}}\n".to_vec(),
        ),
        ("content/_s/a.md".to_string(), snippet.as_bytes().to_vec()),
    ];
    let analysis = ::signpost::analyze_files(Path::new("."), "title = \"T\"\n", files, false);
    let d = analysis
        .diagnostics
        .items()
        .iter()
        .find(|d| d.code.as_str() == "SP209")
        .expect("the missing image is reported");
    let file = analysis.sources.get(d.span.file);
    assert_eq!(file.name, "content/_s/a.md");
    assert_eq!(&file.text[d.span.range.clone()], "pic.png");
}
