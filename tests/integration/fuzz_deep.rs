//! Long fuzz runs of the inputs a stranger controls: a page's front matter,
//! its Markdown body, pages and snippets that `{{#include}}` each other, and a
//! request path to `serve`. Each input is a
//! random sequence of tokens chosen to reach the parsers' corners (nesting,
//! entities, escapes, control bytes), checked against invariants, and shrunk
//! by proptest when one fails.
//!
//! They are `#[ignore]`d: the default `cargo test` runs none of them. Run them
//! with a number of cases (the default is 1,000,000 each):
//!
//! ```sh
//! SIGNPOST_FUZZ_CASES=1000000 cargo test --test integration fuzz_deep -- --ignored
//! ```

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use signpost::content::page;
use signpost::diag::{Diagnostics, Format};
use signpost::markdown;
use signpost::source::SourceMap;

fn cases() -> u32 {
    std::env::var("SIGNPOST_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    })
}

/// Text made of up to `max` tokens from `tokens`, with now and then a random
/// character.
fn text_of(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let token = prop_oneof![
        8 => prop::sample::select(tokens).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(token, 0..max).prop_map(|v| v.concat())
}

const TOML_TOKENS: &[&str] = &[
    "+++\n",
    "+++",
    "\n",
    "\r\n",
    " ",
    "title",
    "summary",
    "entry",
    "tags",
    "draft",
    "weight",
    "outcome",
    "branch",
    "when",
    "to",
    " = ",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\"x\"",
    "\"resolved\"",
    "\"resolvd\"",
    "\"a.md#b\"",
    "true",
    "yes",
    "12",
    "0x1f",
    "1_000",
    "-3",
    "inf",
    "nan",
    "1979-05-27T07:32:00Z",
    "[",
    "]",
    "[[",
    "]]",
    "[[branch]]\n",
    "[branch]\n",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\\",
    "\\u00e9",
    "\\U0001F600",
    "é",
    "日本",
    "\u{1b}[2J",
    "\u{7}",
    "\u{0}",
    "\u{9b}",
    "\t",
    "\u{feff}",
    "a.b",
    "\"k\".x",
];

const MD_TOKENS: &[&str] = &[
    "\n",
    "\n\n",
    " ",
    "    ",
    "# ",
    "## ",
    "Main",
    "Same",
    "> ",
    "- ",
    "* ",
    "1. ",
    "+ ",
    "*",
    "_",
    "**",
    "`",
    "```",
    "```rust\n",
    "~~~",
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "[^1]",
    "[^1]: x\n",
    "[r]: end.md\n",
    "<",
    ">",
    "<div>",
    "</div>",
    "<span>",
    "<h2 id=\"R&amp;D\">",
    "</h2>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:x\">",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#x1b;",
    "&",
    "|",
    "| a | b |\n",
    "|---|---|\n",
    "---",
    "***",
    "\\",
    "end.md",
    "end.md#r-d",
    "#main",
    "https://x.example/",
    "mailto:a@b",
    "javascript:alert(1)",
    "é",
    "日本",
    "\u{1b}]0;x\u{7}",
    "\u{0}",
    "\t",
    "{#id}",
    "- [ ] ",
    "$x$",
    "~~",
    "\r\n",
];

const PATH_TOKENS: &[&str] = &[
    "/",
    "//",
    "..",
    ".",
    "%2e",
    "%2E",
    "%2f",
    "%2F",
    "%5c",
    "%00",
    "%",
    "%zz",
    "%e9",
    "%C3%A9",
    "\\",
    "?",
    "#",
    "?x=1",
    "index.html",
    "end.html",
    "start.html",
    "_signpost",
    "style.css",
    "a",
    "é",
    ";",
    "@",
    ":",
    "http:",
    "graph.json",
    " ",
    "%20",
];

/// Every span lies inside its file, and every format renders.
fn check_diagnostics(sources: &SourceMap, diags: Vec<signpost::diag::Diagnostic>) {
    let mut all = Diagnostics::new();
    for d in &diags {
        let len = sources.get(d.span.file).text.len();
        assert!(
            d.span.range.start <= d.span.range.end && d.span.range.end <= len,
            "{d:?}"
        );
    }
    all.extend(diags);
    all.sort(sources);
    let human = all.render(sources, Format::Human, true);
    // Only signpost's own colour codes reach the terminal: ESC followed by `[`
    // and digits, never a page's ESC `]` or BEL.
    assert!(
        !human.contains('\u{7}') && !human.contains("\u{1b}]"),
        "{human:?}"
    );
    serde_json::from_str::<serde_json::Value>(&all.render(sources, Format::Json, false)).unwrap();
}

#[test]
#[ignore = "long: SIGNPOST_FUZZ_CASES=N cargo test --test integration fuzz_deep -- --ignored"]
fn fuzz_deep_front_matter() {
    let strategy = (text_of(TOML_TOKENS, 80), any::<bool>());
    runner()
        .run(&strategy, |(text, optional)| {
            let mut sources = SourceMap::new();
            let file = sources.add("content/a.md".into(), text);
            let mut diags = Vec::new();
            let parsed = page::parse(file, &sources.get(file).text, optional, &mut diags);
            let len = sources.get(file).text.len();
            prop_assert!(parsed.body.start <= parsed.body.end && parsed.body.end <= len);
            check_diagnostics(&sources, diags);
            Ok(())
        })
        .unwrap();
}

/// The first element of `html` that could run script, as `tag attribute`.
fn active_html(html: &str) -> Option<String> {
    let found = std::cell::RefCell::new(None);
    let settings = lol_html::RewriteStrSettings::new()
        .with_strict(false)
        .append_element_content_handler(lol_html::element!("*", |el| {
            let tag = el.tag_name();
            for a in el.attributes() {
                let name = a.name();
                let value: String = a
                    .value()
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let url = matches!(name.as_str(), "href" | "src" | "action" | "formaction");
                if name.starts_with("on") || (url && value.starts_with("javascript:")) {
                    found.borrow_mut().get_or_insert(format!("{tag} {name}"));
                }
            }
            if tag == "script" {
                found.borrow_mut().get_or_insert(tag);
            }
            Ok(())
        }));
    lol_html::rewrite_str(html, settings).expect("HTML rewrites");
    found.into_inner()
}

#[test]
#[ignore = "long: SIGNPOST_FUZZ_CASES=N cargo test --test integration fuzz_deep -- --ignored"]
fn fuzz_deep_markdown() {
    let keep = |_: &str| None;
    let strategy = (text_of(MD_TOKENS, 120), any::<bool>(), any::<bool>());
    runner()
        .run(&strategy, |(body, raw, highlight)| {
            let head = "+++\ntitle = \"x\"\n+++\n";
            let src = format!("{head}{body}");
            let range = head.len()..src.len();
            let scan = markdown::scan(&src, range.clone());
            for l in &scan.links {
                prop_assert!(l.span.start <= l.span.end && l.span.end <= src.len());
            }
            if let Some(r) = &scan.too_deep {
                prop_assert!(r.end <= src.len() && src.is_char_boundary(r.start));
            }
            let settings = markdown::Settings {
                render: true,
                highlight: highlight.then(markdown::HighlightClasses::default),
                allow_raw_html: raw,
                rewrite: &keep,
                text: true,
                links: false,
            };
            let out = markdown::process(&src, range, &settings);
            if !raw {
                // In the output, read by a real HTML parser: no script, no
                // event handler, no javascript: URL.
                prop_assert!(
                    active_html(&out.html).is_none(),
                    "{:?} in {}",
                    active_html(&out.html),
                    out.html
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Lines of a page or snippet body for [`fuzz_deep_includes`]: includes of
/// each other (loops among them), of missing files and headings, headings to
/// include, and links and images relative to the snippet folder.
const INCLUDE_TOKENS: &[&str] = &[
    "{{#include _s/a.md}}\n",
    "{{#include _s/b.md#step}}\n",
    "{{#include /_s/c.md}}\n",
    "{{#include b.md}}\n",
    "{{#include ../page.md}}\n",
    "{{#include missing.md}}\n",
    "{{#include _s/a.md#nowhere}}\n",
    "{{#include }}\n",
    "{{#include _s/a.md",
    "## Step\n",
    "# Step\n",
    "### Other\n",
    "[back](../page.md#step)\n",
    "[here](#step)\n",
    "![img](pic.png)\n",
    "```\n",
    "> ",
    "- ",
    "text ",
    "\n",
];

#[test]
#[ignore = "long: SIGNPOST_FUZZ_CASES=N cargo test --test integration fuzz_deep -- --ignored"]
fn fuzz_deep_includes() {
    let body = || text_of(INCLUDE_TOKENS, 24);
    let strategy = (body(), body(), body(), body());
    runner()
        .run(&strategy, |(page, a, b, c)| {
            let head = "+++\ntitle = \"x\"\nentry = true\noutcome = \"resolved\"\n+++\n";
            let files = vec![
                (
                    "content/page.md".to_string(),
                    format!("{head}{page}").into_bytes(),
                ),
                ("content/_s/a.md".to_string(), a.into_bytes()),
                ("content/_s/b.md".to_string(), b.into_bytes()),
                ("content/_s/c.md".to_string(), c.into_bytes()),
            ];
            let analysis =
                signpost::analyze_files(std::path::Path::new("."), "title = \"T\"\n", files, false);
            // Every diagnostic points into the file it names (the page or
            // the snippet), and renders.
            check_diagnostics(&analysis.sources, analysis.diagnostics.items().to_vec());
            if let Some(site) = &analysis.site
                && !analysis.diagnostics.has_errors()
            {
                let out = signpost::render_to_memory(site, &analysis.sources).expect("renders");
                // Snippets are never published.
                prop_assert!(
                    out.keys().all(|k| !k.starts_with("_s/")),
                    "{:?}",
                    out.keys()
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
#[ignore = "long: SIGNPOST_FUZZ_CASES=N cargo test --test integration fuzz_deep -- --ignored"]
fn fuzz_deep_serve_request_path() {
    use signpost::serve::{Live, Lookup, lookup};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("site.toml"), "title = \"T\"\n").unwrap();
    std::fs::create_dir_all(root.join("content/a")).unwrap();
    std::fs::write(
        root.join("content/start.md"),
        "+++\ntitle = \"S\"\nentry = true\n[[branch]]\nwhen = \"Go\"\nto = \"a/end.md\"\n+++\n",
    )
    .unwrap();
    std::fs::write(
        root.join("content/a/end.md"),
        "+++\ntitle = \"E\"\noutcome = \"resolved\"\n+++\n",
    )
    .unwrap();
    let mut live = Live::new(signpost::Options::new(root));
    live.rebuild(&[]);
    let files = live.files().expect("the site builds");
    let strategy = text_of(PATH_TOKENS, 16);
    runner()
        .run(&strategy, |target| {
            match lookup(&files, &target) {
                Lookup::File(key) => {
                    prop_assert!(files.contains_key(&key));
                    prop_assert!(
                        key.split('/')
                            .all(|s| !s.is_empty() && s != "." && s != "..")
                    );
                }
                Lookup::Redirect(to) => {
                    prop_assert!(to.starts_with('/') && !to.starts_with("//") && to.ends_with('/'));
                    prop_assert!(!to.contains('\\'), "{to}");
                }
                Lookup::NotFound => {}
            }
            Ok(())
        })
        .unwrap();
}
