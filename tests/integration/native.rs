//! The built-in templates render with native code (src/render/native.rs); these
//! tests render sites both ways, natively and with Tera forced
//! (`signpost::render_to_memory_tera`), and require the same bytes: the
//! fixtures, the example site, the Rust book, and generated sites that cover
//! what those miss (many trees, search off, escaping, every outline case).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::support::{fixture, repo, shared};

/// Renders the site at `root` both ways; panics with the first difference.
/// Returns the files.
fn assert_same_both_ways(root: &Path, drafts: bool) -> BTreeMap<String, Vec<u8>> {
    let mut opts = signpost::Options::new(root);
    opts.drafts = drafts;
    let analysis = signpost::analyze(&opts).unwrap();
    let site = analysis
        .site
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no site", root.display()));
    assert!(
        !analysis.diagnostics.has_errors(),
        "{}: {}",
        root.display(),
        analysis
            .diagnostics
            .render(&analysis.sources, signpost::diag::Format::Human, false)
    );
    let native = signpost::render_to_memory(site, &analysis.sources).unwrap();
    let tera = signpost::render_to_memory_tera(site, &analysis.sources).unwrap();
    if let Some(msg) = first_difference(&native, &tera) {
        panic!("{} (drafts: {drafts}): {msg}", root.display());
    }
    native
}

/// Where two renders first differ: the file, the line and the lines around it.
fn first_difference(
    native: &BTreeMap<String, Vec<u8>>,
    tera: &BTreeMap<String, Vec<u8>>,
) -> Option<String> {
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    if names(native) != names(tera) {
        let only = |a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>| {
            a.keys()
                .filter(|k| !b.contains_key(*k))
                .cloned()
                .collect::<Vec<_>>()
        };
        return Some(format!(
            "different files: only native {:?}, only Tera {:?}",
            only(native, tera),
            only(tera, native)
        ));
    }
    let (path, a, b) = native
        .iter()
        .map(|(p, a)| (p, a, &tera[p]))
        .find(|(_, a, b)| a != b)?;
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    let line = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    let mut msg = format!(
        "{path} differs from line {} (native {} bytes, {} lines; Tera {} bytes, {} lines)\n",
        line + 1,
        a.len(),
        la.len(),
        b.len(),
        lb.len()
    );
    let from = line.saturating_sub(3);
    for (name, lines) in [("native", &la), ("Tera", &lb)] {
        let _ = writeln!(msg, "--- {name}:");
        for (i, l) in lines.iter().enumerate().skip(from).take(line - from + 4) {
            let mark = if i == line { '>' } else { ' ' };
            let _ = writeln!(msg, "{mark}{:5} {l:?}", i + 1);
        }
    }
    Some(msg)
}

#[test]
fn every_ok_fixture_renders_the_same_natively_and_with_tera() {
    let mut names: Vec<_> = std::fs::read_dir(fixture("ok"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for dir in names {
        assert_same_both_ways(&dir, false);
        assert_same_both_ways(&dir, true);
    }
}

#[test]
fn the_example_site_and_the_rust_book_render_the_same_natively_and_with_tera() {
    assert_same_both_ways(&repo(), false);
    let book = shared().join("corpora/rust-book");
    if book.join("site.toml").is_file() {
        assert_same_both_ways(&book, false);
    }
}

/// Options of a generated site.
struct Gen {
    trees: usize,
    search: bool,
    /// `description` in site.toml (`Some("")` is set but empty).
    description: Option<&'static str>,
    /// `content/_index.md` with a body.
    home_intro: bool,
}

/// Writes a site with `g.trees` decision trees in three folders. Each tree: an
/// entry (with a summary) whose branches lead to a page starting with its own
/// `#` heading, a page without `when`, the next tree's entry (an outline node
/// of another tree) and a page reached twice (a repeated outline node); the
/// three outcomes; a reference page (with a summary, linking to the entry:
/// backlinks). Titles and `when`s carry characters to escape.
fn generate(dir: &Path, g: &Gen) {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let mut toml = String::from("title = \"Gen & <Co> 'quoted' \\\"kb\\\"\"\n");
    if let Some(d) = g.description {
        let _ = writeln!(toml, "description = \"{d}\"");
    }
    let _ = writeln!(toml, "\n[search]\nenabled = {}", g.search);
    write("site.toml", &toml);
    if g.home_intro {
        write(
            "content/_index.md",
            "+++\ntitle = \"Home & <away>\"\n+++\nThe **home** intro.\n",
        );
    }
    write(
        "content/g0/_index.md",
        "+++\ntitle = \"Group \\\"zero\\\"\"\n+++\nAn intro with a [link](../loose.md).\n",
    );
    write("content/g1/_index.md", "An intro without front matter.\n");
    for i in 0..g.trees {
        let folder = format!("g{}", i % 3);
        let next = i + 1;
        let t = |name: &str| format!("/{folder}/t{i}-{name}.md");
        let branch = |when: Option<&str>, to: &str| match when {
            Some(w) => format!("\n[[branch]]\nwhen = \"{w}\"\nto = \"{to}\"\n"),
            None => format!("\n[[branch]]\nto = \"{to}\"\n"),
        };
        let mut entry = format!(
            "+++\ntitle = \"Tree {i} <start> & 'go'\"\nsummary = \"Summary of \\\"tree\\\" {i} & more\"\nentry = true\n"
        );
        entry.push_str(&branch(Some("It *is* <on> & \\\"fine\\\""), &t("heading")));
        entry.push_str(&branch(Some("Plain"), &t("plain")));
        if next < g.trees {
            entry.push_str(&branch(
                Some("Another tree"),
                &format!("/g{}/t{next}.md", next % 3),
            ));
        }
        entry.push_str("+++\nStart here.\n");
        write(&format!("content/{folder}/t{i}.md"), &entry);
        let mut heading = String::from("+++\ntitle = \"Heading page\"\n");
        heading.push_str(&branch(Some("Fixed"), &t("resolved")));
        heading.push_str(&branch(Some("Ask"), &t("escalate")));
        heading.push_str(&branch(Some("Known"), &t("unsolved")));
        heading.push_str(&branch(Some("Again"), &t("shared")));
        heading.push_str("+++\n# Its own heading\n\nText with `code`.\n");
        write(&format!("content/{}", t("heading")), &heading);
        let mut plain = String::from("+++\ntitle = \"Plain & simple\"\n");
        plain.push_str(&branch(None, &t("shared")));
        plain.push_str("+++\nNo heading.\n");
        write(&format!("content/{}", t("plain")), &plain);
        write(
            &format!("content/{}", t("shared")),
            &format!(
                "+++\ntitle = \"Shared step\"\nsummary = \"Reached twice\"\n\n[[branch]]\nto = \"{}\"\n+++\nShared.\n",
                t("resolved")
            ),
        );
        for (o, title) in [
            ("resolved", "Fixed <it>"),
            ("escalate", "Ask & wait"),
            ("unsolved", "Known \\\"bug\\\""),
        ] {
            write(
                &format!("content/{}", t(o)),
                &format!("+++\ntitle = \"{title}\"\noutcome = \"{o}\"\n+++\nThe end.\n"),
            );
        }
        write(
            &format!("content/{folder}/ref{i}.md"),
            &format!(
                "+++\ntitle = \"Reference {i} 'notes'\"\nsummary = \"See <this>\"\n+++\nBack to [the start](t{i}.md).\n"
            ),
        );
    }
    write(
        "content/loose.md",
        "+++\ntitle = \"Loose page\"\n+++\nNo summary, nothing links here.\n",
    );
}

#[test]
fn generated_sites_render_the_same_natively_and_with_tera() {
    let cases = [
        // More than 12 trees: the outlines start closed.
        Gen {
            trees: 13,
            search: false,
            description: Some("About <this> & \\\"that\\\""),
            home_intro: false,
        },
        // 12 trees: open.
        Gen {
            trees: 12,
            search: true,
            description: None,
            home_intro: true,
        },
        Gen {
            trees: 1,
            search: true,
            description: Some(""),
            home_intro: false,
        },
        Gen {
            trees: 0,
            search: false,
            description: Some("No trees"),
            home_intro: true,
        },
    ];
    for g in &cases {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), g);
        let files = assert_same_both_ways(dir.path(), false);
        // The generated site has what this test is about.
        let index = String::from_utf8_lossy(&files["index.html"]).into_owned();
        assert_eq!(
            index.contains("<details class=\"tree-details\" open>"),
            (1..=12).contains(&g.trees)
        );
        assert_eq!(
            index.contains("<details class=\"tree-details\">"),
            g.trees > 12
        );
        assert_eq!(index.contains("<form class=\"search\""), g.search);
        if g.trees > 1 {
            assert!(index.contains("(see above)"));
            assert!(index.contains("(a decision tree of its own)"));
            assert!(index.contains("class=\"is-outcome outcome-unsolved\""));
        }
        if g.trees > 0 {
            let page = String::from_utf8_lossy(&files["g0/t0-heading.html"]).into_owned();
            assert!(!page.contains("<h1>Heading page</h1>"), "starts with h1");
            assert!(page.contains("class=\"where-path\""));
            let shared = String::from_utf8_lossy(&files["g0/t0-shared.html"]).into_owned();
            assert!(shared.contains("<p class=\"summary\">Reached twice</p>"));
            let entry = String::from_utf8_lossy(&files["g0/t0.html"]).into_owned();
            assert!(entry.contains("class=\"backlinks\""));
            assert!(index.contains("<section class=\"reference\">"));
        }
    }
}

#[test]
fn only_unmodified_built_in_templates_render_natively() {
    use signpost::render::{Native, Theme};
    let all = Native {
        page: true,
        section: true,
        index: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let theme = Theme::load(dir.path(), "default").unwrap();
    assert_eq!(theme.native(), all);
    assert!(!theme.needs_tera() && theme.tera_if_needed().unwrap().is_none());
    let forced = Theme {
        force_tera: true,
        ..theme.clone()
    };
    assert_eq!(forced.native(), Native::default());
    assert!(forced.needs_tera());

    // The fixture overrides page.html only.
    let theme = Theme::load(&fixture("ok/theme-override"), "custom").unwrap();
    assert_eq!(theme.native(), Native { page: false, ..all });
    assert!(theme.needs_tera());

    // A copy of a built-in template is the built-in template; a change to
    // base.html or macros.html concerns every page.
    let templates = dir.path().join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let builtin = |name: &str| {
        signpost::render::theme::BUILTIN_TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1
    };
    std::fs::write(templates.join("base.html"), builtin("base.html")).unwrap();
    assert_eq!(Theme::load(dir.path(), "default").unwrap().native(), all);
    let changed = format!("{}{{# changed #}}", builtin("macros.html"));
    std::fs::write(templates.join("macros.html"), changed).unwrap();
    assert_eq!(
        Theme::load(dir.path(), "default").unwrap().native(),
        Native::default()
    );
    std::fs::remove_file(templates.join("macros.html")).unwrap();

    // A template of the theme's own is still compiled, so its errors are
    // reported as before, although no page uses it.
    std::fs::write(templates.join("extra.html"), "{% if %}").unwrap();
    let theme = Theme::load(dir.path(), "default").unwrap();
    assert_eq!(theme.native(), all);
    assert!(theme.needs_tera());
    assert!(matches!(
        theme.tera_if_needed(),
        Err(signpost::Error::Template(_))
    ));
}
