//! Property tests over random and mutated input: no input makes signpost panic,
//! and every diagnostic points inside its file. (Regressions found by these tests
//! are kept as plain tests at the bottom.)

use proptest::prelude::*;

use crate::support::signpost;

const VALID: &str = "+++\ntitle = \"Start\"\nentry = true\n\n[[branch]]\nwhen = \"Yes\"\nto = \"b.md#part\"\n\n[[branch]]\nwhen = \"No\"\nto = \"/c.md\"\n+++\n# Head\n\nSee [b](b.md#part), ![i](i.png) and [x][r].\n\n[r]: c.md\n";

fn check_site(pages: &[(String, Vec<u8>)]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "title = \"Fuzz\"\n").unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    for (name, bytes) in pages {
        std::fs::write(dir.path().join("content").join(name), bytes).unwrap();
    }
    let analysis = signpost::analyze(&signpost::Options::new(dir.path())).unwrap();
    for d in analysis.diagnostics.items() {
        let file = analysis.sources.get(d.span.file);
        assert!(
            d.span.range.start <= d.span.range.end && d.span.range.end <= file.text.len(),
            "{d:?}"
        );
    }
    // Rendering every format must not panic either.
    for f in [
        signpost::diag::Format::Human,
        signpost::diag::Format::Json,
        signpost::diag::Format::Github,
    ] {
        let _ = analysis.diagnostics.render(&analysis.sources, f, false);
    }
    if let Some(site) = &analysis.site
        && !analysis.diagnostics.has_errors()
    {
        signpost::render_to_memory(site, &analysis.sources).unwrap();
    }
}

/// Mutations of a valid page: cut, duplicate, or replace a byte range.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..VALID.len(),
        0..VALID.len(),
        prop::collection::vec(any::<u8>(), 0..8),
        0..3u8,
    )
        .prop_map(|(a, b, junk, op)| {
            let (a, b) = (a.min(b), a.max(b));
            let v = VALID.as_bytes();
            match op {
                0 => [&v[..a], &v[b..]].concat(),
                1 => [&v[..b], &v[a..]].concat(),
                _ => [&v[..a], &junk[..], &v[b..]].concat(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_site(&[("a.md".into(), bytes)]);
    }

    #[test]
    fn mutated_pages_never_panic(a in mutated(), b in mutated()) {
        check_site(&[
            ("a.md".into(), a),
            ("b.md".into(), b),
            ("c.md".into(), b"+++\ntitle = \"C\"\noutcome = \"resolved\"\n+++\n".to_vec()),
        ]);
    }

    #[test]
    fn random_text_front_matter_never_panics(s in "\\+\\+\\+\n[a-z =\"\\[\\]\n#é\r]{0,80}\n\\+\\+\\+\n[\\[\\]()#a-z.\n é]{0,60}") {
        check_site(&[("a.md".into(), s.into_bytes())]);
    }
}

#[test]
fn multibyte_first_line_without_front_matter() {
    // The "missing front matter" caret used to cover 3 bytes, which could cut a char.
    check_site(&[("a.md".into(), "éé\n".as_bytes().to_vec())]);
    check_site(&[("a.md".into(), "日本\n".as_bytes().to_vec())]);
}

#[test]
fn check_never_panics_on_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "title = [\n").unwrap();
    let out = signpost()
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SP001"));
}
