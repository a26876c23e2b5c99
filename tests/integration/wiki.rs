//! `signpost export`: snapshots of the MediaWiki and DokuWiki markup of the
//! example knowledge base, and imports into real engines from Debian's
//! packages (`mediawiki` with SQLite and `php-cli`; `dokuwiki`), installed by
//! .ci/run. The engine tests import the example knowledge base and the Rust
//! book, then check through MediaWiki's api.php and DokuWiki's renderer that
//! every page exists, no link leads to a missing page, anchors land on
//! headings, tables and code blocks render, and the index links every tree.
//! Without the engines they skip with a message; under `CI` they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use pulldown_cmark::{Event, Parser, Tag};
use signpost::wiki::{self, Engine, Export};

use crate::support::{repo, rust_book};

const MEDIAWIKI: &str = "/usr/share/mediawiki";
const DOKUWIKI: &str = "/usr/share/dokuwiki";

/// The export of the site at `root`, in memory.
fn export_of(root: &Path, engine: Engine, prefix: &str) -> (Export, Vec<String>) {
    let analysis = signpost::analyze(&signpost::Options::new(root)).unwrap();
    assert!(!analysis.diagnostics.has_errors(), "{}", root.display());
    let site = analysis.site.as_ref().unwrap();
    let (export, diags) = wiki::build(site, &analysis.sources, engine, Some(prefix));
    let warnings = diags.iter().map(|d| d.message.clone()).collect();
    (export, warnings)
}

fn snapshot_text(export: &Export) -> String {
    let mut s = String::new();
    for page in &export.pages {
        s.push_str(&format!("━━━━ {} ━━━━\n{}\n", page.name, page.text));
    }
    s.push_str("━━━━ files ━━━━\n");
    for name in export.files.keys() {
        s.push_str(name);
        s.push('\n');
    }
    s
}

#[test]
fn mediawiki_export_of_the_example_knowledge_base() {
    let (export, warnings) = export_of(&repo(), Engine::MediaWiki, "KB");
    insta::assert_snapshot!("mediawiki", snapshot_text(&export));
    insta::assert_debug_snapshot!("mediawiki-warnings", warnings);
}

#[test]
fn dokuwiki_export_of_the_example_knowledge_base() {
    let (export, warnings) = export_of(&repo(), Engine::DokuWiki, "kb");
    insta::assert_snapshot!("dokuwiki", snapshot_text(&export));
    insta::assert_debug_snapshot!("dokuwiki-warnings", warnings);
}

#[test]
fn export_writes_the_same_bytes_twice() {
    let dir = tempfile::tempdir().unwrap();
    let read_all = |p: &Path| -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(p).unwrap().to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    };
    let mut runs = Vec::new();
    for i in 0..2 {
        let out = dir.path().join(format!("run{i}"));
        std::fs::create_dir_all(&out).unwrap();
        cli_export(&repo(), "mediawiki", &out.join("kb.xml"), &[]);
        cli_export(&repo(), "dokuwiki", &out.join("dw"), &[]);
        runs.push(read_all(&out));
    }
    assert_eq!(runs[0], runs[1]);
    let files: Vec<&String> = runs[0].keys().collect();
    assert!(files.iter().any(|f| f.as_str() == "kb.xml"));
    assert!(files.iter().any(|f| f.starts_with("kb-files/") && f.ends_with(".flowchart.svg")));
    assert!(files.iter().any(|f| f.as_str() == "dw/pages/kb/start.txt"));
    assert!(files.iter().any(|f| f.starts_with("dw/media/kb/sign-in/img/")));
}

/// Runs the export of `signpost export --format FORMAT --output OUTPUT
/// [--prefix P]` (through the library: the binary is a thin wrapper).
fn cli_export(root: &Path, format: &str, output: &Path, extra: &[&str]) {
    let engine = match format {
        "mediawiki" => Engine::MediaWiki,
        _ => Engine::DokuWiki,
    };
    let opts = wiki::ExportOptions {
        site: signpost::Options::new(root),
        engine,
        output: output.to_path_buf(),
        prefix: extra.get(1).map(ToString::to_string),
    };
    let (analysis, written) = wiki::export(&opts).unwrap();
    assert!(
        written.is_some(),
        "export failed: {}",
        analysis
            .diagnostics
            .render(&analysis.sources, signpost::diag::Format::Human, false)
    );
}

/// True when `php` and the engine are installed; otherwise prints why and,
/// under CI, fails.
fn engine_ready(test: &str, engine_dir: &str) -> bool {
    let php = Command::new("php").arg("-v").output().is_ok_and(|o| o.status.success());
    let rsvg = engine_dir != MEDIAWIKI
        || Command::new("rsvg-convert").arg("--version").output().is_ok_and(|o| o.status.success());
    let why = if !php {
        "php is not installed (apt-get install php-cli)"
    } else if !rsvg {
        "rsvg-convert is not installed (apt-get install librsvg2-bin)"
    } else if !Path::new(engine_dir).is_dir() {
        "the wiki engine is not installed (see .ci/run)"
    } else {
        return true;
    };
    assert!(std::env::var_os("CI").is_none(), "{test}: cannot run under CI: {why}");
    eprintln!("skipping {test}: {why}");
    false
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// What a Markdown page has that must render: tables and code blocks.
#[derive(Default, Debug)]
struct Expect {
    tables: usize,
    code: usize,
}

/// Per page id (`sign-in/x.md`): its tables and code blocks.
fn expectations(root: &Path) -> BTreeMap<String, Expect> {
    let analysis = signpost::analyze(&signpost::Options::new(root)).unwrap();
    let site = analysis.site.unwrap();
    site.content
        .pages
        .iter()
        .map(|p| {
            let text = &analysis.sources.get(p.file).text[p.body.clone()];
            let mut e = Expect::default();
            for ev in Parser::new_ext(text, signpost::markdown::options()) {
                match ev {
                    Event::Start(Tag::Table(_)) => e.tables += 1,
                    Event::Start(Tag::CodeBlock(_)) => e.code += 1,
                    _ => {}
                }
            }
            (p.path.clone(), e)
        })
        .collect()
}

/// The values of attribute `attr` in every `<tag …>` of `html`, entity-decoded.
fn attrs(html: &str, tag: &str, attr: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let end = after.find('>').unwrap_or(after.len());
        let tag_text = &after[..end];
        let mut map = BTreeMap::new();
        let mut t = tag_text;
        while let Some(eq) = t.find("=\"") {
            let name = t[..eq].rsplit([' ', '\n']).next().unwrap_or("").to_string();
            let v_end = t[eq + 2..].find('"').map_or(t.len(), |j| eq + 2 + j);
            let value = html_escape::decode_html_entities(&t[eq + 2..v_end]).into_owned();
            map.insert(name, value);
            t = &t[(v_end + 1).min(t.len())..];
        }
        if map.contains_key(attr) || attr.is_empty() {
            out.push(map);
        }
        rest = &after[end..];
    }
    out
}

/// Every `id="…"` in the HTML.
fn ids(html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        let after = &rest[i + 5..];
        let end = after.find('"').unwrap_or(after.len());
        out.insert(html_escape::decode_html_entities(&after[..end]).into_owned());
        rest = &after[end..];
    }
    out
}

// ── MediaWiki ─────────────────────────────────────────────────────────────

/// A MediaWiki installed into a temp dir with SQLite, served by `php -S`.
struct MediaWiki {
    dir: tempfile::TempDir,
    server: Child,
    port: u16,
}

impl Drop for MediaWiki {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl MediaWiki {
    fn install() -> MediaWiki {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path();
        run(Command::new("php")
            .current_dir(MEDIAWIKI)
            .arg("maintenance/install.php")
            .args(["--dbtype", "sqlite", "--dbname", "wiki", "--scriptpath", ""])
            .arg("--dbpath")
            .arg(d.join("db"))
            .arg("--confpath")
            .arg(d)
            .args(["--server", &format!("http://127.0.0.1:{port}")])
            .args(["--pass", "signpost-test-password-1", "signpost test", "Admin"]));
        let mut settings = std::fs::OpenOptions::new()
            .append(true)
            .open(d.join("LocalSettings.php"))
            .unwrap();
        // What docs/wiki.md asks an administrator to set: uploads, and SVG
        // files (the flowcharts) drawn by rsvg-convert.
        writeln!(
            settings,
            "$wgEnableUploads = true;\n$wgUploadDirectory = '{}';\n$wgFileExtensions[] = 'svg';\n$wgFileExtensions[] = 'pdf';\n$wgSVGConverter = 'rsvg';",
            d.join("images").display()
        )
        .unwrap();
        std::fs::create_dir_all(d.join("images")).unwrap();
        let server = Command::new("php")
            .args(["-S", &format!("127.0.0.1:{port}"), "-t", MEDIAWIKI])
            .env("MW_CONFIG_FILE", d.join("LocalSettings.php"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        MediaWiki { dir, server, port }
    }

    fn maintenance(&self, script: &str, args: &[&std::ffi::OsStr]) -> String {
        run(Command::new("php")
            .current_dir(MEDIAWIKI)
            .env("MW_CONFIG_FILE", self.dir.path().join("LocalSettings.php"))
            .arg(format!("maintenance/{script}"))
            .args(args))
    }

    /// Imports an export as docs/wiki.md says.
    fn import(&self, xml: &Path) {
        let files = wiki::files_dir(xml);
        // Files first: pages are parsed as they are imported, and should find
        // their images there.
        self.maintenance(
            "importImages.php",
            &[
                "--search-recursively".as_ref(),
                "--extensions=svg,png,jpg,jpeg,gif,webp,pdf".as_ref(),
                files.as_os_str(),
            ],
        );
        self.maintenance("importDump.php", &[xml.as_os_str()]);
    }

    fn api(&self, query: &str) -> serde_json::Value {
        let mut last = String::new();
        for _ in 0..50 {
            match http_get(self.port, &format!("/api.php?format=json&formatversion=2&{query}")) {
                Ok(body) => return serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")),
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("api.php did not answer: {last}");
    }
}

fn http_get(port: u16, target: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    write!(s, "GET {target} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok(body.to_string())
}

fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks one exported site in the MediaWiki: pages, links, anchors, tables,
/// code, index.
fn check_mediawiki(mw: &MediaWiki, root: &Path, prefix: &str) {
    let (export, _) = export_of(root, Engine::MediaWiki, prefix);
    let expect = expectations(root);
    let mut html_of: BTreeMap<String, String> = BTreeMap::new();
    for page in &export.pages {
        let v = mw.api(&format!(
            "action=parse&prop=text%7Clinks%7Cimages&page={}",
            query_escape(&page.name)
        ));
        let parse = v.get("parse").unwrap_or_else(|| panic!("page {} is missing: {v}", page.name));
        for link in parse["links"].as_array().unwrap() {
            assert!(
                link["exists"].as_bool().unwrap_or(false),
                "{} links to the missing page {}",
                page.name,
                link["title"]
            );
        }
        html_of.insert(page.name.clone(), parse["text"].as_str().unwrap().to_string());
    }
    // Every file the pages show was imported.
    let all_images: BTreeSet<String> = export.files.keys().cloned().collect();
    for chunk in all_images.iter().collect::<Vec<_>>().chunks(40) {
        let titles: Vec<String> = chunk.iter().map(|n| format!("File:{n}")).collect();
        let v = mw.api(&format!("action=query&titles={}", query_escape(&titles.join("|"))));
        for p in v["query"]["pages"].as_array().unwrap() {
            assert!(p.get("missing").is_none(), "file not imported: {p}");
        }
    }
    for qp in ["Wantedpages", "Wantedfiles"] {
        let v = mw.api(&format!("action=query&list=querypage&qppage={qp}"));
        let results = v["query"]["querypage"]["results"].as_array().unwrap();
        assert!(results.is_empty(), "Special:{qp} is not empty: {results:?}");
    }
    // Anchors land on headings.
    let mut anchors = 0;
    for (name, html) in &html_of {
        for a in attrs(html, "a", "href") {
            let href = &a["href"];
            let Some((path, frag)) = href.split_once('#') else { continue };
            let target = if path.is_empty() {
                name.clone()
            } else if let Some(t) = path.strip_prefix("/index.php/") {
                signpost::links::percent_decode(t).replace('_', " ")
            } else {
                continue;
            };
            let Some(target_html) = html_of.get(&target) else { continue };
            if a.get("class").is_some_and(|c| c.contains("toc")) {
                continue;
            }
            let frag = signpost::links::percent_decode(frag);
            let ids = ids(target_html);
            assert!(ids.contains(&frag), "{name}: link to {target}#{frag} lands on no heading");
            let heading = target_html.contains(&format!("class=\"mw-headline\" id=\"{}\"", html_escape::encode_double_quoted_attribute(&frag)));
            assert!(heading, "{name}: {target}#{frag} is not a heading");
            anchors += 1;
        }
    }
    assert!(anchors > 0, "no anchor link was checked");
    // Tables and code blocks render.
    let analysis = signpost::analyze(&signpost::Options::new(root)).unwrap();
    let site = analysis.site.unwrap();
    for p in site.content.pages.iter().filter(|p| !p.section_intro) {
        let e = &expect[&p.path];
        let name = format!("{prefix}/{}", p.path.trim_end_matches(".md"));
        let html = &html_of[&name];
        assert!(html.matches("<table").count() >= e.tables, "{name}: tables do not render");
        assert!(html.matches("<pre").count() >= e.code, "{name}: code blocks do not render");
    }
    // The index links every tree.
    let index = &html_of[prefix];
    for &e in &site.graph.entries {
        let name = format!("{prefix}/{}", site.content.page(e).path.trim_end_matches(".md"));
        assert!(
            index.contains(&format!("title=\"{name}\"")),
            "the index does not link the tree {name}"
        );
    }
    if !site.graph.entries.is_empty() {
        assert!(index.contains("<img"), "the index shows no flowchart");
    }
}

#[test]
fn mediawiki_imports_the_knowledge_base_and_the_rust_book() {
    let test = "mediawiki_imports_the_knowledge_base_and_the_rust_book";
    if !engine_ready(test, MEDIAWIKI) {
        return;
    }
    let book = rust_book(test);
    let mw = MediaWiki::install();
    let out = tempfile::tempdir().unwrap();
    let kb = out.path().join("kb.xml");
    cli_export(&repo(), "mediawiki", &kb, &[]);
    mw.import(&kb);
    let book_xml = out.path().join("book.xml");
    if let Some(book) = &book {
        cli_export(book, "mediawiki", &book_xml, &["--prefix", "Book"]);
        mw.import(&book_xml);
    }
    check_mediawiki(&mw, &repo(), "KB");
    if let Some(book) = &book {
        check_mediawiki(&mw, book, "Book");
    }
}

// ── DokuWiki ──────────────────────────────────────────────────────────────

/// Renders DokuWiki pages with DokuWiki's own code, from a temp data folder.
const RENDER_PHP: &str = r#"<?php
define('DOKU_INC', '/usr/share/dokuwiki/');
define('DOKU_CONF', $argv[1] . '/conf/');
define('NOSESSION', true);
$_SERVER['HTTP_HOST'] = 'localhost';
$_SERVER['SERVER_PORT'] = '80';
require_once DOKU_INC . 'inc/init.php';
$out = [];
foreach (explode("\n", trim(file_get_contents($argv[2]))) as $id) {
    $out[$id] = ['exists' => page_exists($id), 'html' => p_wiki_xhtml($id, '', false)];
}
echo json_encode($out);
"#;

struct DokuWiki {
    dir: tempfile::TempDir,
}

impl DokuWiki {
    fn new() -> DokuWiki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in [
            "pages", "media", "meta", "media_meta", "attic", "media_attic", "cache", "index",
            "locks", "tmp", "log",
        ] {
            std::fs::create_dir_all(d.join("data").join(sub)).unwrap();
        }
        std::fs::create_dir_all(d.join("conf")).unwrap();
        std::fs::write(
            d.join("conf/local.php"),
            format!(
                "<?php\n$conf['savedir'] = '{}';\n$conf['useacl'] = 0;\n",
                d.join("data").display()
            ),
        )
        .unwrap();
        std::fs::write(d.join("render.php"), RENDER_PHP).unwrap();
        DokuWiki { dir }
    }

    /// Copies an export into data/, as docs/wiki.md says.
    fn import(&self, export_dir: &Path) {
        crate::support::copy_dir(export_dir, &self.dir.path().join("data"));
    }

    fn render(&self, ids: &[String]) -> BTreeMap<String, (bool, String)> {
        let list = self.dir.path().join("ids.txt");
        std::fs::write(&list, ids.join("\n")).unwrap();
        let out = run(Command::new("php")
            .arg("-d")
            .arg("display_errors=stderr")
            .arg(self.dir.path().join("render.php"))
            .arg(self.dir.path())
            .arg(&list));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    (v["exists"].as_bool().unwrap(), v["html"].as_str().unwrap_or("").to_string()),
                )
            })
            .collect()
    }
}

fn check_dokuwiki(dw: &DokuWiki, root: &Path, ns: &str) {
    let (export, _) = export_of(root, Engine::DokuWiki, ns);
    let names: Vec<String> = export.pages.iter().map(|p| p.name.clone()).collect();
    let pages = dw.render(&names);
    for (id, (exists, html)) in &pages {
        assert!(exists, "page {id} is missing");
        assert!(!html.contains("wikilink2"), "{id} links to a missing page");
        for img in attrs(html, "img", "src") {
            if let Some((_, media)) = img["src"].split_once("media=") {
                let media = signpost::links::percent_decode(media.split('&').next().unwrap());
                let file = dw.dir.path().join("data/media").join(media.replace(':', "/"));
                assert!(file.is_file(), "{id}: the media {media} is missing");
            }
        }
    }
    let mut anchors = 0;
    for (id, (_, html)) in &pages {
        for a in attrs(html, "a", "href") {
            let href = &a["href"];
            let Some((path, frag)) = href.split_once('#') else { continue };
            let target = if path.is_empty() {
                id.clone()
            } else if let Some((_, t)) = path.split_once("doku.php?id=") {
                signpost::links::percent_decode(t)
            } else {
                continue;
            };
            let Some((_, target_html)) = pages.get(&target) else { continue };
            let frag = signpost::links::percent_decode(frag);
            assert!(
                target_html.contains(&format!(" id=\"{frag}\">")) && ids(target_html).contains(&frag),
                "{id}: link to {target}#{frag} lands on no heading"
            );
            anchors += 1;
        }
    }
    assert!(anchors > 0, "no anchor link was checked");
    let expect = expectations(root);
    let analysis = signpost::analyze(&signpost::Options::new(root)).unwrap();
    let site = analysis.site.unwrap();
    let (export_names, _) = (export.pages.iter().map(|p| p.name.as_str()).collect::<BTreeSet<_>>(), ());
    for p in site.content.pages.iter().filter(|p| !p.section_intro) {
        let e = &expect[&p.path];
        let id = std::iter::once(ns)
            .chain(p.path.trim_end_matches(".md").split('/'))
            .map(wiki::dokuwiki::id_part)
            .collect::<Vec<_>>()
            .join(":");
        assert!(export_names.contains(id.as_str()), "{id} not exported");
        let html = &pages[&id].1;
        assert!(html.matches("<table").count() >= e.tables, "{id}: tables do not render");
        assert!(html.matches("<pre class=\"code").count() >= e.code, "{id}: code blocks do not render");
    }
    let index = &pages[&format!("{ns}:start")].1;
    for &e in &site.graph.entries {
        let id = std::iter::once(ns)
            .chain(site.content.page(e).path.trim_end_matches(".md").split('/'))
            .map(wiki::dokuwiki::id_part)
            .collect::<Vec<_>>()
            .join(":");
        assert!(
            index.contains(&format!("data-wiki-id=\"{id}\"")),
            "the index does not link the tree {id}"
        );
    }
    if !site.graph.entries.is_empty() {
        assert!(index.contains("<img"), "the index shows no flowchart");
    }
}

#[test]
fn dokuwiki_renders_the_knowledge_base_and_the_rust_book() {
    let test = "dokuwiki_renders_the_knowledge_base_and_the_rust_book";
    if !engine_ready(test, DOKUWIKI) {
        return;
    }
    let book = rust_book(test);
    let dw = DokuWiki::new();
    let out = tempfile::tempdir().unwrap();
    let kb: PathBuf = out.path().join("kb");
    cli_export(&repo(), "dokuwiki", &kb, &[]);
    dw.import(&kb);
    if let Some(book) = &book {
        let dir = out.path().join("book");
        cli_export(book, "dokuwiki", &dir, &["--namespace", "book"]);
        dw.import(&dir);
    }
    check_dokuwiki(&dw, &repo(), "kb");
    if let Some(book) = &book {
        check_dokuwiki(&dw, book, "book");
    }
}
