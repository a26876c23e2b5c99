//! Flowcharts, map pages and the home page as sites grow: every tree has a map
//! page, the home page draws charts inline only while the site is small and
//! stays small at 10,000 pages, and procedure pages do not repeat their path.

use std::fmt::Write as _;

use crate::support::Site;

fn build(name: &str) -> Site {
    let site = Site::copy(name);
    site.cmd(&["build", "--deny-warnings"]).success();
    site
}

#[test]
fn every_tree_has_a_map_page_with_its_chart_and_outline() {
    let site = build("ok/wide-trees");
    let index = site.read("index.html");
    for (entry, map) in [
        ("printer.html", "printer.map.html"),
        ("network.html", "network.map.html"),
    ] {
        assert!(index.contains(&format!("href=\"{map}\"")), "{index}");
        let page = site.read(map);
        assert_eq!(page.matches("<svg").count(), 1, "{map}: one chart");
        assert!(page.contains("class=\"outline\""), "{map}: an outline");
        assert!(page.contains(&format!("href=\"{entry}\">Start the procedure")));
        // Every title and `when` of the tree, in full, never cut.
        assert!(!page.contains('…'), "{map}");
        assert!(page.contains("class=\"chart-fullscreen\""));
    }
    let printer = site.read("printer.map.html");
    let svg = &printer[printer.find("<svg").unwrap()..printer.find("</svg>").unwrap()];
    let text: String = svg
        .split("<tspan")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..t.find("</tspan>").unwrap()])
        .collect::<Vec<_>>()
        .join(" ");
    for want in [
        "The printer shows a paper jam message although there is no paper stuck anywhere inside it",
        "Call the service desk and give them the printer&#39;s asset number from its label",
        "Yes, that fixed it and the printer now prints the test page without any complaint at all",
    ] {
        assert!(text.contains(want), "{want:?} not in the chart: {text}");
    }
    // Nothing behind hover: the chart's only <title> names the chart.
    assert_eq!(svg.matches("<title").count(), 1);
    // Pages link to the map of their tree.
    let step = site.read("step-0.html");
    assert!(step.contains("href=\"printer.map.html\">Map of this tree"));
}

#[test]
fn a_page_whose_only_parent_is_on_its_path_does_not_repeat_it() {
    let site = build("ok/wide-trees");
    // step-0 has one parent, the entry: the path above says it already.
    let step = site.read("step-0.html");
    assert!(step.contains("class=\"where-path\""));
    assert!(!step.contains("How you got here"), "{step}");
    assert!(step.contains("href=\"#choices\">Skip to the answers"));
    // An outcome with many parents still lists them.
    let desk = site.read("call-the-service-desk.html");
    assert!(desk.contains("How you got here"));
}

#[test]
fn a_page_named_like_a_map_page_is_an_output_collision() {
    let site = Site::copy("ok/two-trees");
    std::fs::write(
        site.root().join("content/printer.map.md"),
        "+++\ntitle = \"Printer map\"\n+++\n",
    )
    .unwrap();
    let out = site.cmd(&["check"]).failure();
    let output = out.get_output();
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stderr.contains("SP205"), "{stderr}");
    assert!(stderr.contains("the map page of `printer.md`"), "{stderr}");
    assert!(stderr.contains("printer.map.md:1:1"), "{stderr}");
}

/// A generated site: `trees` trees of `per_tree` pages, each page with two
/// branches whose `when`s are 60 to 110 characters long.
fn generated(trees: usize, per_tree: usize) -> Site {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "title = \"Generated\"\n").unwrap();
    for t in 0..trees {
        let folder = dir
            .path()
            .join(format!("content/area-{:02}/tree-{t:03}", t % 20));
        std::fs::create_dir_all(&folder).unwrap();
        for p in 0..per_tree {
            let mut fm = format!(
                "+++\ntitle = \"Tree {t} step {p}: check the device settings and the cable\"\n\
                 summary = \"What to do when step {p} of tree {t} is reached\"\n"
            );
            if p == 0 {
                fm.push_str("entry = true\n");
            }
            let children: Vec<usize> = [2 * p + 1, 2 * p + 2]
                .into_iter()
                .filter(|&c| c < per_tree)
                .collect();
            if children.is_empty() {
                fm.push_str("outcome = \"resolved\"\n");
            }
            for (k, c) in children.iter().enumerate() {
                let _ = write!(
                    fm,
                    "\n[[branch]]\nwhen = \"Answer {k}: the light on the front of the device \
                     is {} after you pressed the button\"\nto = \"p{c:03}.md\"\n",
                    if k == 0 {
                        "green"
                    } else {
                        "blinking orange or red"
                    }
                );
            }
            fm.push_str("+++\n\nA paragraph of text for this step.\n");
            std::fs::write(folder.join(format!("p{p:03}.md")), fm).unwrap();
        }
    }
    Site { dir }
}

#[test]
fn the_home_page_of_a_10000_page_site_stays_under_300_kb_and_leads_to_every_tree() {
    let site = generated(200, 50);
    site.cmd(&["build"]).success();
    let index = site.read("index.html");
    eprintln!("index.html at 10,000 pages: {} bytes", index.len());
    assert!(index.len() <= 300 * 1024, "{} bytes", index.len());
    assert!(!index.contains("<svg"), "charts are on the map pages");
    for t in 0..200 {
        let dir = format!("area-{:02}/tree-{t:03}", t % 20);
        assert!(
            index.contains(&format!("href=\"{dir}/p000.html\"")),
            "tree {t}"
        );
        assert!(
            index.contains(&format!("href=\"{dir}/p000.map.html\"")),
            "map {t}"
        );
        assert!(site.public().join(format!("{dir}/p000.map.html")).is_file());
    }
    assert!(index.contains("50 pages · 25 outcomes"));
}

#[test]
fn a_small_site_draws_its_charts_on_the_home_page() {
    let site = generated(3, 20);
    site.cmd(&["build"]).success();
    let index = site.read("index.html");
    assert_eq!(index.matches("<svg").count(), 3);
    assert_eq!(index.matches("class=\"outline\"").count(), 3);
}

#[test]
fn a_tree_60_steps_deep_has_its_whole_outline_nested_on_the_home_and_map_pages() {
    // The outline is a flat list in the template, so depth has no limit there
    // (Tera stops components nested deeper than 20).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "title = \"Deep\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    for p in 0..60 {
        let mut fm = format!("+++\ntitle = \"Step {p}\"\n");
        if p == 0 {
            fm.push_str("entry = true\n");
        }
        if p == 59 {
            fm.push_str("outcome = \"resolved\"\n");
        } else {
            let _ = write!(
                fm,
                "\n[[branch]]\nwhen = \"Done {p}\"\nto = \"s{:02}.md\"\n",
                p + 1
            );
        }
        fm.push_str("+++\n\nText.\n");
        std::fs::write(dir.path().join(format!("content/s{p:02}.md")), fm).unwrap();
    }
    let site = Site { dir };
    site.cmd(&["build", "--deny-warnings"]).success();
    for file in ["index.html", "s00.map.html"] {
        let html = site.read(file);
        let outline = &html[html.find("class=\"outline\"").unwrap()..];
        let outline = &outline[..outline.find("</div>").unwrap()];
        // 60 nested lists (the outer one and one per step with a child), each
        // closed, the last step inside all of them.
        assert_eq!(outline.matches("<ul>").count(), 60, "{file}");
        assert_eq!(outline.matches("</ul>").count(), 60, "{file}");
        assert_eq!(outline.matches("<li").count(), 60, "{file}");
        assert_eq!(outline.matches("</li>").count(), 60, "{file}");
        let last = outline.find(">Step 59</a>").unwrap();
        assert_eq!(outline[..last].matches("<ul>").count(), 60, "{file}");
        assert!(outline[last..].starts_with(">Step 59</a><span class=\"badge outcome-resolved\">"));
    }
}
