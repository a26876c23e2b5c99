//! labels: the texts of the built-in theme (headings, buttons, outcome names,
//! search messages) in the reader's language.
//!
//! Input: the `language` of site.toml. Output: the built-in table of that
//! language ([`builtin`]), a map label key → text that `[labels]` in site.toml
//! then overrides (see `config`). Templates see it as `labels.KEY`; the theme's
//! script reads the keys in [`SCRIPT_KEYS`] from `_signpost/labels.js`
//! ([`script`]), a script file, so it works from `file://` and in the single-file
//! bundle. One TOML file per language under `themes/default/labels/`, every one
//! with exactly the keys of `en.toml` (a unit test checks it). `{name}` in a text
//! is a placeholder filled in where the text is used.

use std::collections::BTreeMap;

/// The texts of the theme: label key → text.
pub type Labels = BTreeMap<String, String>;

/// The built-in languages: code → the TOML text of its table (English first).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("../themes/default/labels/en.toml")),
    ("de", include_str!("../themes/default/labels/de.toml")),
    ("fr", include_str!("../themes/default/labels/fr.toml")),
    ("es", include_str!("../themes/default/labels/es.toml")),
    ("pt", include_str!("../themes/default/labels/pt.toml")),
    ("nl", include_str!("../themes/default/labels/nl.toml")),
];

/// The labels `signpost.js` uses (the others are only for templates): only
/// these go into `_signpost/labels.js`.
pub const SCRIPT_KEYS: &[&str] = &[
    "home",
    "next_step",
    "start_of_tree",
    "outcome_resolved",
    "outcome_escalate",
    "outcome_unsolved",
    "heading_anchor",
    "copy_code",
    "code_copied",
    "code_copy_failed",
    "trail_title",
    "trail_change",
    "trail_copy",
    "trail_copied",
    "trail_link",
    "trail_copy_manual",
    "search_results",
    "search_failed",
    "search_loading",
    "search_none",
    "search_one",
    "search_many",
    "search_more",
    "search_keys",
    "search_did_you_mean",
    "search_trees",
    "search_all_trees",
    "tags",
    "ticket_copy",
    "ticket_print",
    "ticket_copied",
    "ticket_copy_failed",
    "ticket_procedure",
    "ticket_reached",
    "ticket_outcome",
    "ticket_link",
];

/// Where `labels.js` is written, under the output root.
pub const SCRIPT_PATH: &str = "_signpost/labels.js";

fn parse(text: &str) -> Labels {
    toml::from_str(text).expect("a built-in label table is a TOML table of strings")
}

/// The built-in language a `language` value picks: its primary subtag
/// (`de-CH` → `de`, `pt_BR` → `pt`), case-insensitive; `None` when that
/// language is not built in.
pub fn builtin_language(language: &str) -> Option<&'static str> {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(code, _)| *code == primary)
        .map(|(code, _)| *code)
}

/// The built-in table of language `code` (one of [`LANGUAGES`]).
///
/// # Panics
/// When `code` is not built in.
pub fn builtin(code: &str) -> Labels {
    let (_, text) = LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .expect("a built-in language");
    parse(text)
}

/// The English table: its keys are the keys every table has.
pub fn english() -> Labels {
    builtin("en")
}

/// `labels` as the script `_signpost/labels.js` (`window.signpostLabels`), with
/// only [`SCRIPT_KEYS`].
pub fn script(labels: &Labels) -> String {
    let used: BTreeMap<&str, &str> = SCRIPT_KEYS
        .iter()
        .filter_map(|k| labels.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    let json = serde_json::to_string(&used).expect("strings serialize");
    // `<` escaped so that no label can end the script when it is inlined into
    // a page (the single-file bundle).
    format!(
        "window.signpostLabels = {};\n",
        json.replace('<', "\\u003c")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_exactly_the_keys_of_english() {
        let en: Vec<String> = english().into_keys().collect();
        assert!(en.len() > 40);
        for (code, _) in LANGUAGES {
            let keys: Vec<String> = builtin(code).into_keys().collect();
            assert_eq!(keys, en, "labels of `{code}`");
        }
    }

    #[test]
    fn translations_keep_the_placeholders_and_differ_from_english() {
        let en = english();
        let placeholders = |s: &str| -> Vec<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect()
        };
        for (code, _) in &LANGUAGES[1..] {
            let table = builtin(code);
            let mut same = 0;
            for (key, text) in &table {
                assert_eq!(
                    placeholders(text),
                    placeholders(&en[key]),
                    "placeholders of `{key}` in `{code}`"
                );
                assert!(!text.trim().is_empty(), "`{key}` in `{code}` is empty");
                same += usize::from(text == &en[key]);
            }
            // A few words are the same in some languages ("Pages" in French).
            assert!(same <= 3, "`{code}`: {same} labels are the English text");
        }
    }

    #[test]
    fn script_keys_are_the_ones_signpost_js_reads() {
        let en = english();
        for k in SCRIPT_KEYS {
            assert!(en.contains_key(*k), "`{k}` is not a label");
        }
        let js = include_str!("../themes/default/static/signpost.js");
        let mut used: Vec<&str> = js
            .split("label(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        used.sort_unstable();
        used.dedup();
        let mut keys = SCRIPT_KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(used, keys);
    }

    #[test]
    fn language_tags_pick_their_primary_language() {
        assert_eq!(builtin_language("de"), Some("de"));
        assert_eq!(builtin_language("de-CH"), Some("de"));
        assert_eq!(builtin_language("pt_BR"), Some("pt"));
        assert_eq!(builtin_language("NL"), Some("nl"));
        assert_eq!(builtin_language("ja"), None);
        assert_eq!(builtin_language(""), None);
    }

    #[test]
    fn the_script_cannot_end_a_script_element() {
        let mut labels = english();
        labels.insert("home".into(), "</script><b>".into());
        let s = script(&labels);
        assert!(s.starts_with("window.signpostLabels = {"));
        assert!(!s.contains('<'));
        assert!(s.contains("\\u003c/script>"));
        assert!(!s.contains("\"outline\""), "template-only labels stay out");
    }
}
