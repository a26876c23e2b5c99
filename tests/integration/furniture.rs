//! The reader's language and the site furniture (issue 29, part B): labels in
//! six languages and `[labels]`, `question`, 404.html, favicon, sitemap and
//! canonical links with `base_url`, meta descriptions, tag pages, bare URLs.

use crate::support::{Site, files};

fn build(fixture: &str) -> Site {
    let site = Site::copy(fixture);
    site.cmd(&["build"]).success();
    site
}

/// The English label texts, split at their `{placeholders}`: the pieces a
/// reader would see (trimmed, at least three characters with a letter).
/// Words the German table itself uses ("Link") are left out: they are
/// German too.
fn english_pieces() -> Vec<(String, String)> {
    let en: toml::Table =
        toml::from_str(include_str!("../../themes/default/labels/en.toml")).unwrap();
    let de: toml::Table =
        toml::from_str(include_str!("../../themes/default/labels/de.toml")).unwrap();
    let german: Vec<&str> = de.values().filter_map(toml::Value::as_str).collect();
    let german = german.join("\n");
    let mut pieces = Vec::new();
    for (key, value) in en {
        let text = value.as_str().unwrap().to_string();
        for (i, part) in text.split('{').enumerate() {
            let part = if i == 0 {
                part
            } else {
                part.split_once('}').map_or("", |(_, rest)| rest)
            };
            let part = part.trim_matches(|c: char| !c.is_alphanumeric());
            if part.chars().count() >= 3
                && part.chars().any(char::is_alphabetic)
                && !contains_word(&german, part)
            {
                pieces.push((key.clone(), part.to_string()));
            }
        }
    }
    pieces
}

/// What a reader sees or hears of an HTML file: its text, and the values of
/// the attributes that are shown or read out.
fn reader_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..end];
        for attr in [
            "aria-label=\"",
            "placeholder=\"",
            "title=\"",
            "content=\"",
            "alt=\"",
        ] {
            let mut t = tag;
            while let Some(i) = t.find(attr) {
                // A whole attribute name, not `data-title="`.
                let whole = i == 0 || t.as_bytes()[i - 1] == b' ';
                let v = &t[i + attr.len()..];
                let v_end = v.find('"').unwrap_or(v.len());
                if whole {
                    out.push_str(&v[..v_end]);
                    out.push(' ');
                }
                t = &v[v_end..];
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn german_output_shows_none_of_the_english_labels() {
    let site = build("ok/labels-de");
    let pieces = english_pieces();
    assert!(pieces.len() > 50);
    let mut checked = 0;
    for file in files(&site.public()) {
        let text = if file.ends_with(".html") {
            reader_text(&site.read(&file))
        } else if file == "_signpost/labels.js" {
            let js = site.read(&file);
            let json = js
                .trim_start_matches("window.signpostLabels = ")
                .trim_end()
                .trim_end_matches(';');
            let labels: std::collections::BTreeMap<String, String> =
                serde_json::from_str(json).unwrap();
            // Without the `{placeholders}`, which are keys, not text.
            labels
                .into_values()
                .map(|v| {
                    v.split('{')
                        .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            continue;
        };
        checked += 1;
        for (key, piece) in &pieces {
            assert!(
                !contains_word(&text, piece),
                "{file} shows the English text of `{key}`: {piece:?}"
            );
        }
    }
    assert!(checked >= 10, "{checked} files checked");
    // And the German texts are there.
    let start = site.read("netz/start.html");
    assert!(start.contains("<html lang=\"de\">"));
    for de in [
        "Was trifft auf Sie zu?",
        "Zum Inhalt springen",
        "Anfang von „Leuchtet die Lampe am Router?“",
        "Schlagwörter",
    ] {
        assert!(start.contains(de), "{de}");
    }
    let outcome = site.read("netz/rot.html");
    assert!(outcome.contains("<strong>Weiterleiten.</strong> Hier endet die Anleitung"));
    assert!(site.read("netz/gruen.html").contains("Nächster Schritt"));
    assert!(site.read("index.html").contains("1 Entscheidungsbaum"));
    assert!(
        site.read("_signpost/labels.js")
            .contains("\"trail_copy\":\"Link zu diesem Weg kopieren\"")
    );
}

#[test]
fn labels_in_site_toml_override_the_built_in_ones_and_question_the_heading() {
    let site = Site::copy("ok/branching");
    std::fs::write(
        site.root().join("site.toml"),
        "title = \"Branching\"\nlanguage = \"fr\"\n\n[labels]\nhow_you_got_here = \"Le chemin parcouru\"\ntrail_copy = \"Copier ce chemin\"\n",
    )
    .unwrap();
    let start = site.root().join("content/start.md");
    let text = std::fs::read_to_string(&start).unwrap();
    std::fs::write(
        &start,
        text.replacen(
            "entry = true",
            "entry = true\nquestion = \"Que voyez-vous ?\"",
            1,
        ),
    )
    .unwrap();
    site.cmd(&["build"]).success();
    let cable = site.read("on/check-cable.html");
    assert!(cable.contains("<h2>Le chemin parcouru</h2>"), "{cable}");
    assert!(!cable.contains("Comment vous êtes arrivé ici"));
    // The other labels stay French.
    assert!(cable.contains("Aller au contenu"));
    assert!(
        site.read("_signpost/labels.js")
            .contains("\"trail_copy\":\"Copier ce chemin\"")
    );
    let start = site.read("start.html");
    assert!(start.contains("<h2 id=\"choices-title\">Que voyez-vous ?</h2>"));
    assert!(!start.contains("Quelle est votre situation ?"));
}

#[test]
fn an_unknown_language_without_every_label_is_an_error() {
    let site = Site::copy("ok/branching");
    std::fs::write(
        site.root().join("site.toml"),
        "title = \"Branching\"\nlanguage = \"ja\"\n",
    )
    .unwrap();
    let (code, out) = site.run(&["check"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("no built-in labels for language `ja`"),
        "{out}"
    );
    assert!(out.contains("site.toml:2:12"), "{out}");
    assert!(out.contains("give every label in `[labels]`"), "{out}");
}

#[test]
fn not_found_page_has_search_and_the_trees() {
    let site = build("ok/two-trees");
    let page = site.read("404.html");
    assert!(page.contains("<h1>Page not found</h1>"));
    assert!(page.contains("<form class=\"search\" role=\"search\""));
    let graph: serde_json::Value = serde_json::from_str(&site.read("graph.json")).unwrap();
    let entries: Vec<&serde_json::Value> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["entry"] == true)
        .collect();
    assert!(entries.len() >= 2);
    for e in entries {
        let link = format!(
            "<a href=\"{}\">{}</a>",
            e["url"].as_str().unwrap(),
            e["title"].as_str().unwrap()
        );
        assert!(page.contains(&link), "{link} in {page}");
    }
    assert!(!page.contains("<base"), "no <base> without base_url");
}

#[test]
fn every_page_links_the_favicon_relatively() {
    let site = build("ok/furniture");
    assert!(site.read("_signpost/favicon.svg").starts_with("<svg"));
    assert!(
        site.read("net/fixed.html").contains(
            "<link rel=\"icon\" href=\"../_signpost/favicon.svg\" type=\"image/svg+xml\">"
        )
    );
    assert!(
        site.read("tags/vpn.html")
            .contains("href=\"../_signpost/favicon.svg\"")
    );
}

#[test]
fn base_url_gives_a_sitemap_canonical_links_and_opengraph() {
    let site = build("ok/furniture");
    let sitemap = site.read("sitemap.xml");
    for loc in [
        "https://kb.example.com/help/",
        "https://kb.example.com/help/start.html",
        "https://kb.example.com/help/net/reinstall.html",
        "https://kb.example.com/help/tags/vpn.html",
        "https://kb.example.com/help/start.map.html",
    ] {
        assert!(
            sitemap.contains(&format!("<url><loc>{loc}</loc></url>")),
            "{loc} in {sitemap}"
        );
    }
    assert!(!sitemap.contains("404"));
    let fixed = site.read("net/fixed.html");
    for tag in [
        "<link rel=\"canonical\" href=\"https://kb.example.com/help/net/fixed.html\">",
        "<meta property=\"og:title\" content=\"It works\">",
        "<meta property=\"og:url\" content=\"https://kb.example.com/help/net/fixed.html\">",
        "<meta property=\"og:description\" content=\"The site&#39;s own description\">",
    ] {
        assert!(fixed.contains(tag), "{tag}");
    }
    // Internal links stay relative.
    assert!(fixed.contains("href=\"../index.html\""));
    assert!(!fixed.contains("href=\"https://kb.example.com/help/index.html\""));
    // The 404 page may be served at any depth: it resolves from base_url.
    assert!(
        site.read("404.html")
            .contains("<base href=\"https://kb.example.com/help/\">")
    );
}

#[test]
fn without_base_url_no_sitemap_canonical_or_opengraph() {
    let site = build("ok/branching");
    assert!(!site.public().join("sitemap.xml").exists());
    for file in files(&site.public())
        .iter()
        .filter(|f| f.ends_with(".html"))
    {
        let html = site.read(file);
        assert!(!html.contains("rel=\"canonical\""), "{file}");
        assert!(!html.contains("og:"), "{file}");
    }
}

#[test]
fn meta_description_is_the_page_summary_else_the_site_description() {
    let site = build("ok/furniture");
    assert!(
        site.read("start.html")
            .contains("<meta name=\"description\" content=\"Check the VPN client first\">")
    );
    assert!(
        site.read("glossary.html")
            .contains("<meta name=\"description\" content=\"The site&#39;s own description\">")
    );
    assert!(
        site.read("start.html")
            .contains("<meta property=\"og:description\" content=\"Check the VPN client first\">")
    );
}

#[test]
fn tags_are_shown_on_pages_with_a_page_per_tag_and_an_index() {
    let site = build("ok/furniture");
    let start = site.read("start.html");
    assert!(start.contains(
        "<nav class=\"tags\" aria-label=\"Tags\"><ul><li><a href=\"tags/vpn.html\" rel=\"tag\">VPN</a></li><li><a href=\"tags/network.html\" rel=\"tag\">Network</a></li></ul></nav>"
    ), "{start}");
    // "VPN" and "vpn" share a page, listing both pages by path.
    let vpn = site.read("tags/vpn.html");
    let fixed = vpn
        .find("<a href=\"../net/fixed.html\">It works</a>")
        .unwrap();
    let entry = vpn
        .find("<a href=\"../start.html\">Is the VPN connected?</a>")
        .unwrap();
    assert!(fixed < entry);
    assert!(vpn.contains("<h1>Pages tagged “vpn”</h1>"));
    let index = site.read("tags/index.html");
    assert!(index.contains("<a href=\"network.html\" rel=\"tag\">Network</a> (1)"));
    assert!(index.contains("<a href=\"vpn.html\" rel=\"tag\">vpn</a> (2)"));
    assert!(!site.public().join("tags/index.md").exists());
}

#[test]
fn a_page_where_a_tag_page_goes_is_an_output_collision() {
    let site = Site::copy("ok/furniture");
    std::fs::create_dir_all(site.root().join("content/tags")).unwrap();
    std::fs::write(
        site.root().join("content/tags/vpn.md"),
        "+++\ntitle = \"VPN\"\n+++\n",
    )
    .unwrap();
    let (code, out) = site.run(&["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "`tags/vpn.md` would write tags/vpn.html, which the page of tag `vpn` writes too"
        ),
        "{out}"
    );
}

#[test]
fn bare_urls_in_bodies_are_linked() {
    let site = build("ok/furniture");
    let start = site.read("start.html");
    assert!(start.contains(
        "<a href=\"https://status.example.com/vpn_(eu)\">https://status.example.com/vpn_(eu)</a>"
    ));
    assert!(start.contains("<a href=\"mailto:help@example.com\">help@example.com</a>"));
    assert!(start.contains("A bare domain like example.com stays text."));
    assert!(
        site.read("net/reinstall.html")
            .contains("<a href=\"http://www.example.org\">www.example.org</a>.")
    );
}
