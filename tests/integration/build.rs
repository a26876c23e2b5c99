//! Building the fixtures under tests/fixtures/ok: output files, graph.json,
//! rewritten links and anchors, drafts, sanitizing, Unicode/CRLF/BOM, themes.

use crate::support::{Site, assert_site_sound, files, fixture};

fn build(name: &str, extra: &[&str]) -> Site {
    let site = Site::copy(name);
    let mut args = vec!["build"];
    args.extend_from_slice(extra);
    site.cmd(&args).success();
    site
}

#[test]
fn every_ok_fixture_builds_soundly_and_matches_snapshots() {
    let ok = fixture("ok");
    let mut names: Vec<String> = std::fs::read_dir(&ok)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for name in names {
        let site = build(&format!("ok/{name}"), &[]);
        assert_site_sound(&site.public());
        let listing = files(&site.public()).join("\n");
        insta::assert_snapshot!(format!("{name}-files"), listing);
        insta::assert_snapshot!(format!("{name}-graph"), site.read("graph.json"));
    }
}

#[test]
fn graph_json_is_exact() {
    let site = build("ok/branching", &[]);
    let graph: serde_json::Value = serde_json::from_str(&site.read("graph.json")).unwrap();
    let nodes: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        nodes,
        [
            "off.md",
            "on/check-cable.md",
            "on/fixed.md",
            "on/known-bug.md",
            "on/vendor.md",
            "start.md"
        ]
    );
    let start = &graph["nodes"][5];
    assert_eq!(start["url"], "start.html");
    assert_eq!(start["entry"], true);
    assert_eq!(start["outcome"], serde_json::Value::Null);
    assert_eq!(graph["nodes"][2]["outcome"], "resolved");
    let edges: Vec<(String, String, serde_json::Value)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
                e["when"].clone(),
            )
        })
        .collect();
    let j = |s: &str| serde_json::Value::String(s.into());
    assert_eq!(
        edges,
        vec![
            (
                "off.md".into(),
                "on/check-cable.md".into(),
                serde_json::Value::Null
            ),
            (
                "on/check-cable.md".into(),
                "on/fixed.md".into(),
                j("The cable was loose")
            ),
            (
                "on/check-cable.md".into(),
                "on/vendor.md".into(),
                j("The cable is fine")
            ),
            (
                "on/check-cable.md".into(),
                "start.md".into(),
                j("Not sure: try again")
            ),
            (
                "start.md".into(),
                "on/check-cable.md".into(),
                j("Yes, the light is *green*")
            ),
            ("start.md".into(), "off.md".into(), j("No")),
        ]
    );
}

#[test]
fn pages_show_branches_parents_outcome_and_way_back() {
    let site = build("ok/branching", &[]);
    let start = site.read("start.html");
    // Branch choices with rendered inline Markdown and relative links.
    assert!(start.contains("href=\"on/check-cable.html\""), "{start}");
    assert!(start.contains("<em>green</em>"));
    assert!(start.contains("href=\"off.html#power-button\""));
    let cable = site.read("on/check-cable.html");
    // How you got here: both parents with their `when`.
    assert!(cable.contains("href=\"../start.html\""));
    assert!(cable.contains("href=\"../off.html\""));
    assert!(
        cable.contains("Next step"),
        "a single branch without when shows as Next step"
    );
    let fixed = site.read("on/fixed.html");
    assert!(fixed.contains("outcome-resolved"));
    let vendor = site.read("on/vendor.html");
    assert!(vendor.contains("outcome-escalate"));
    // Backlinks from body links.
    let start_backlinks = start.split("Pages that link here").nth(1).unwrap_or("");
    assert!(
        start_backlinks.contains("Known bug"),
        "known-bug.md links to start.md in its body"
    );
    // The home page outlines the tree, with the loop referenced not expanded.
    let index = site.read("index.html");
    assert!(index.contains("Is the device on?"));
    assert_eq!(
        index.matches("see-above").count(),
        2,
        "check-cable.md (from off.md) and start.md (loop) repeat"
    );
    assert!(
        index.contains("Known bug"),
        "unreached outcome pages are listed as reference pages"
    );
}

#[test]
fn links_are_rewritten_relative_with_anchors() {
    let site = build("ok/links-anchors", &[]);
    let guide = site.read("guide.html");
    for href in [
        "setup/install.html#step-2-configure",
        "setup/install.html\"",
        "setup/index.html",
        "setup/install.html#café-au-lait",
        "#details",
        "https://example.com/x.md",
        "img/diagram.svg",
    ] {
        assert!(
            guide.contains(href) || guide.contains(&href.replace("é", "%C3%A9")),
            "missing {href} in {guide}"
        );
    }
    assert!(guide.contains("id=\"details\"") && guide.contains("id=\"details-1\""));
    let install = site.read("setup/install.html");
    assert!(install.contains("../guide.html#details-1"));
    assert!(site.public().join("files/checklist.txt").is_file());
}

#[test]
fn sections_list_pages_by_weight_and_render_intros() {
    let site = build("ok/sections", &[]);
    let wifi = site.read("network/wifi/index.html");
    let z = wifi.find("Zeta (weight 1)").unwrap();
    let a = wifi.find("Alpha (weight 2)").unwrap();
    let b = wifi.find("Beta (no weight)").unwrap();
    assert!(z < a && a < b, "weight order, unweighted last");
    assert!(wifi.contains("Wireless problems."));
    let network = site.read("network/index.html");
    assert!(network.contains("This intro has no front matter."));
    assert!(
        network.contains("href=\"wifi/index.html\""),
        "subsections are listed"
    );
    assert!(
        site.public()
            .join("printers/deep/nested/index.html")
            .is_file()
    );
    assert!(site.public().join("printers/deep/index.html").is_file());
    let index = site.read("index.html");
    assert!(
        index.contains("<strong>home</strong>"),
        "content/_index.md is the home intro"
    );
}

#[test]
fn drafts_are_skipped_unless_asked_for() {
    let site = build("ok/drafts", &[]);
    assert!(site.public().join("published.html").is_file());
    assert!(!site.public().join("wip.html").exists());
    assert!(!site.public().join("wip-folder").exists());
    assert!(!site.read("graph.json").contains("wip"));
    let with = build("ok/drafts", &["--drafts"]);
    assert!(with.public().join("wip.html").is_file());
    assert!(with.public().join("wip-folder/only-draft.html").is_file());
}

#[test]
fn raw_html_is_sanitized_by_default() {
    let site = build("ok/sanitize", &[]);
    let page = site.read("page.html");
    let body = page
        .split("<article")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    for bad in [
        "<script",
        "alert(",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
    ] {
        assert!(!body.contains(bad), "{bad} reached the output: {body}");
    }
    assert!(body.contains("id=\"kept\""), "harmless ids are kept");
    assert!(body.contains("A note"));
}

#[test]
fn raw_html_passes_when_allowed_and_highlighting_can_be_off() {
    let site = build("ok/raw-html-allowed", &[]);
    let page = site.read("page.html");
    assert!(page.contains("<span style=\"color:red\">red</span>"));
    assert!(
        page.contains("<code class=\"language-rust\">fn main() {}"),
        "plain code block without highlighting"
    );
    assert!(!page.contains("<pre class=\"hl\""), "no highlighting");
    assert!(!page.contains("<span class="), "no highlight classes");
}

/// The branching fixture with a page holding a shell command and comment,
/// built with `highlight_css` as its theme's own stylesheet (if any); the
/// site and that page's HTML.
fn built_with_code(highlight_css: Option<&str>) -> (Site, String) {
    let site = Site::copy("ok/branching");
    if let Some(css) = highlight_css {
        std::fs::create_dir_all(site.root().join("themes/default/static")).unwrap();
        std::fs::write(site.root().join("themes/default/static/highlight.css"), css).unwrap();
    }
    std::fs::write(
        site.root().join("content/on/known-bug.md"),
        "+++\ntitle = \"Known bug\"\noutcome = \"unsolved\"\n+++\n```bash\necho hi # note\n```\n",
    )
    .unwrap();
    site.cmd(&["build"]).success();
    let page = site.read("on/known-bug.html");
    (site, page)
}

#[test]
fn code_is_highlighted_by_default() {
    let (site, page) = built_with_code(None);
    assert!(
        page.contains("<pre class=\"hl\"><code class=\"language-bash\">"),
        "{page}"
    );
    // The comment: one span, whose classes the generated highlight.css makes
    // italic grey in the light theme and a colour of its own in the dark one.
    let at = page
        .find("# note")
        .expect("the comment is written as it is");
    let open = page[..at].rfind("<span class=\"").expect("in a span") + 13;
    let classes: Vec<&str> = page[open..open + page[open..].find('"').unwrap()]
        .split(' ')
        .collect();
    let css = site.read("_signpost/highlight.css");
    let (light, dark) = css
        .split_once("@media (prefers-color-scheme: dark)")
        .expect("light rules, then dark ones");
    let rule = |block: &str, class: &str| -> Option<String> {
        block
            .lines()
            .find_map(|l| l.strip_prefix(&format!(".hl .{class} {{ ")))
            .map(str::to_string)
    };
    let light_rules: Vec<String> = classes.iter().filter_map(|c| rule(light, c)).collect();
    let dark_rules: Vec<String> = classes.iter().filter_map(|c| rule(dark, c)).collect();
    assert!(
        light_rules.contains(&"color: #969896; }".to_string())
            && light_rules.contains(&"font-style: italic; }".to_string()),
        "{classes:?} in {light}"
    );
    assert!(
        dark_rules.iter().any(|r| r.starts_with("color: #")),
        "{classes:?} in {dark}"
    );
    assert!(!page.contains("hl-"), "no scope classes: {page}");
}

#[test]
fn a_theme_with_its_own_highlight_css_gets_scope_classes() {
    let css = ".hl-comment { color: green; }\n";
    let (site, page) = built_with_code(Some(css));
    assert!(
        page.contains("<span class=\"hl-comment\"> note</span>"),
        "{page}"
    );
    assert_eq!(
        site.read("_signpost/highlight.css"),
        css,
        "the theme's own, as it is"
    );
}

#[test]
fn unicode_crlf_and_bom_are_accepted() {
    let site = build("ok/unicode-crlf-bom", &[]);
    let crlf = site.read("crlf.html");
    assert!(crlf.contains("Windows line endings"));
    assert!(crlf.contains("id=\"überschrift\""));
    let bom = site.read("bom.html");
    assert!(
        bom.contains("<title>Byte order mark"),
        "BOM does not break front matter"
    );
    let cafe = site.read("café.html");
    assert!(cafe.contains("Café ☕ 日本語"));
    assert!(cafe.contains("id=\"résumé\""));
}

#[test]
fn theme_overrides_templates_and_static_files_one_by_one() {
    let site = build("ok/theme-override", &[]);
    let page = site.read("page.html");
    assert!(page.contains("<p class=\"custom-page\">CUSTOM A page</p>"));
    assert!(
        page.contains("_signpost/style.css"),
        "base.html still comes from the built-in theme"
    );
    assert_eq!(site.read("_signpost/style.css"), "/* custom style */\n");
    assert_eq!(site.read("_signpost/extra/logo.txt"), "logo\n");
    assert!(
        !site.read("_signpost/signpost.js").is_empty(),
        "not overridden: built-in"
    );
    let index = site.read("index.html");
    assert!(index.contains("Themed"));
}

#[test]
fn a_themes_hidden_files_are_neither_templates_nor_published() {
    // Editor leftovers sit beside the files an author edits; the content
    // folder has always skipped them, and the theme folder does too.
    let site = crate::support::Site::copy("ok/theme-override");
    let theme = site.root().join("themes/custom");
    std::fs::write(theme.join("templates/.page.html.swp"), "{% if %}").unwrap();
    std::fs::write(theme.join("static/.DS_Store"), "junk").unwrap();
    site.cmd(&["build"]).success();
    assert!(site.read("page.html").contains("CUSTOM A page"));
    assert!(!site.public().join("_signpost/.DS_Store").exists());
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = build("ok/branching", &[]);
    let before = crate::support::tree_bytes(&site.public());
    std::fs::write(
        site.root().join("content/off.md"),
        "+++\ntitle = \"Broken\"\n[[branch]]\nto = \"nope.md\"\n+++\n",
    )
    .unwrap();
    site.cmd(&["build"]).code(1);
    assert_eq!(before, crate::support::tree_bytes(&site.public()));
    let siblings: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !siblings
            .iter()
            .any(|n| n.to_string_lossy().contains(".tmp-")),
        "no temp folder left: {siblings:?}"
    );
}

#[test]
fn a_rebuild_after_an_edit_equals_a_clean_build() {
    let site = build("ok/branching", &[]);
    let out = site.public();
    let pages: Vec<String> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".html") && f != "index.html" && f != "404.html")
        .collect();
    assert!(pages.len() >= 3, "{pages:?}");
    let edited = &pages[0];
    let source = site
        .root()
        .join("content")
        .join(edited.replace(".html", ".md"));
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, format!("{text}\nA new closing sentence.\n")).unwrap();
    site.cmd(&["build"]).success();
    assert!(site.read(edited).contains("A new closing sentence."));
    let clean = tempfile::tempdir().unwrap();
    let clean_out = clean.path().join("public");
    site.cmd(&["build", "--output", clean_out.to_str().unwrap()])
        .success();
    assert_eq!(
        crate::support::tree_bytes(&out),
        crate::support::tree_bytes(&clean_out)
    );
}

#[test]
fn a_branch_into_another_tree_links_to_it_without_expanding_it() {
    let site = build("ok/two-trees", &[]);
    let index = site.read("index.html");
    let printer = index
        .split("Printer</a></h3>")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        printer.contains("2 pages · 1 outcome") || printer.contains("3 pages · 1 outcome"),
        "{printer}"
    );
    assert!(printer.contains("a decision tree of its own"));
    assert!(
        !printer.contains("Reboot the router"),
        "the other tree is not expanded: {printer}"
    );
    let (code, json) = {
        let out = crate::support::signpost()
            .args(["graph", "--entry", "printer.md"])
            .current_dir(site.root())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    assert_eq!(code, Some(0));
    assert!(json.contains("network.md") && !json.contains("reboot.md"));
}

#[test]
fn the_index_draws_a_flowchart_per_tree_whose_nodes_link_to_pages() {
    let site = build("ok/branching", &[]);
    let index = site.read("index.html");
    assert_eq!(index.matches("<svg").count(), 1, "one tree, one chart");
    let svg = &index[index.find("<svg").unwrap()..index.find("</svg>").unwrap()];
    let mut hrefs = crate::support::attr_values(svg, "href");
    hrefs.sort();
    hrefs.dedup();
    // Every page of the tree is a box linking to its page (known-bug.md is not in the tree).
    assert_eq!(
        hrefs,
        [
            "off.html",
            "on/check-cable.html",
            "on/fixed.html",
            "on/vendor.html",
            "start.html"
        ]
    );
    assert!(
        svg.contains("edge back"),
        "the try-again loop is drawn as a back edge"
    );
    assert!(svg.contains("outcome-resolved") && svg.contains("outcome-escalate"));
    assert!(
        svg.contains("Not sure: try again"),
        "labels carry the full when text"
    );
}

/// A full build renders each body while loading its page, before it knows which
/// pages are drafts: links whose target the drafts change must still come out as
/// when drafts are known (here a folder holding only drafts is no section).
#[test]
fn links_into_a_folder_of_drafts_are_kept_as_written_unless_drafts_are_built() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("site.toml", "title = \"Drafts\"\n");
    write(
        "content/start.md",
        "+++\ntitle = \"Start\"\n+++\nSee [the drafts](wip/) and [the other page](other.md).\n",
    );
    write("content/other.md", "+++\ntitle = \"Other\"\n+++\nText.\n");
    write(
        "content/wip/idea.md",
        "+++\ntitle = \"Idea\"\ndraft = true\n+++\nNot yet.\n",
    );
    let site = Site { dir };
    let (code, _) = site.run(&["build"]);
    assert_eq!(code, 0);
    let start = site.read("start.html");
    assert!(
        start.contains(r#"<a href="wip/">the drafts</a>"#),
        "{start}"
    );
    assert!(
        start.contains(r#"<a href="other.html">the other page</a>"#),
        "{start}"
    );
    let (code, _) = site.run(&["build", "--drafts"]);
    assert_eq!(code, 0);
    let start = site.read("start.html");
    assert!(
        start.contains(r#"<a href="wip/index.html">the drafts</a>"#),
        "{start}"
    );
}

/// Links are resolved while bodies render, against the list of files, and the
/// checks after loading reuse what they found; a draft (or a file that is not
/// UTF-8) shifts every later page's place in the final list. Anchor checks and
/// backlinks must still name the right pages.
#[test]
fn anchor_checks_and_backlinks_are_right_when_drafts_shift_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &[u8]| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("site.toml", b"title = \"Shift\"\n");
    write(
        "content/a.md",
        b"+++\ntitle = \"A\"\n+++\nSee [C](c.md#usage).\n\nAnd [D](d.md#nowhere).\n",
    );
    write(
        "content/b.md",
        b"+++\ntitle = \"B\"\ndraft = true\n+++\nNot yet.\n",
    );
    write("content/bb.md", b"+++\ntitle = \"\xff\"\n+++\n");
    write("content/c.md", b"+++\ntitle = \"C\"\n+++\n## Usage\n");
    write("content/d.md", b"+++\ntitle = \"D\"\n+++\n## Other\n");
    let site = Site { dir };
    for drafts in [false, true] {
        let args: &[&str] = if drafts {
            &["build", "--drafts"]
        } else {
            &["build"]
        };
        let out = crate::support::signpost()
            .args(args)
            .env("NO_COLOR", "1")
            .current_dir(site.root())
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let at: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.trim().strip_prefix("┌─ "))
            .collect();
        assert_eq!(
            at,
            ["content/a.md:6:14", "content/bb.md:2:10"],
            "drafts: {drafts}: {stderr}"
        );
        assert!(
            stderr.contains("anchor `#nowhere` does not exist on d.md"),
            "{stderr}"
        );
    }
    // With every page readable and the anchor mended: C lists A, D does not.
    std::fs::remove_file(site.root().join("content/bb.md")).unwrap();
    std::fs::write(
        site.root().join("content/a.md"),
        b"+++\ntitle = \"A\"\n+++\nSee [C](c.md#usage).\n",
    )
    .unwrap();
    for drafts in [false, true] {
        let args: &[&str] = if drafts {
            &["build", "--drafts"]
        } else {
            &["build"]
        };
        let (code, stderr) = site.run(args);
        assert_eq!(code, 0, "{stderr}");
        let c = site.read("c.html");
        assert!(
            c.contains(r#"<a href="a.html">A</a>"#),
            "drafts: {drafts}: {c}"
        );
        let d = site.read("d.html");
        assert!(
            !d.contains(r#"<a href="a.html">A</a>"#),
            "drafts: {drafts}: {d}"
        );
    }
}

/// A full build sets rendered bodies aside in temporary files; without a usable
/// temporary folder it renders them from source instead, with the same output.
#[test]
fn a_build_without_a_temporary_folder_gives_the_same_output() {
    let site = Site::copy("ok/links-anchors");
    let (code, _) = site.run(&["build", "--output", "with-tmp"]);
    assert_eq!(code, 0);
    let out = crate::support::signpost()
        .args(["build", "--output", "without-tmp"])
        .env("TMPDIR", site.root().join("no-such-folder"))
        .current_dir(site.root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (a, b) = (
        site.root().join("with-tmp"),
        site.root().join("without-tmp"),
    );
    let names = files(&a);
    assert_eq!(names, files(&b));
    assert!(names.len() > 3, "{names:?}");
    for name in names {
        assert_eq!(
            std::fs::read(a.join(&name)).unwrap(),
            std::fs::read(b.join(&name)).unwrap(),
            "{name}"
        );
    }
}
