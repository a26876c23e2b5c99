//! Text measuring for the flowchart: wraps titles and branch labels (in full,
//! never cut) and estimates widths. There is no font at build time, so widths are estimates in
//! "units" (one per character, two per East Asian wide character or emoji).

/// Width of `c` in units: East Asian wide characters and emoji take two.
fn char_units(c: char) -> usize {
    let u = u32::from(c);
    let wide = matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Width of `s` in units.
pub(super) fn units(s: &str) -> usize {
    // Every ASCII character is one unit (most titles are ASCII).
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_units).sum()
}

/// The longest prefix of `s` that is at most `max` units wide (at least one
/// character, so splitting always makes progress).
fn prefix_within(s: &str, max: usize) -> &str {
    if s.is_ascii() {
        return if s.len() <= max { s } else { &s[..max.max(1)] };
    }
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += char_units(c);
        if used > max && i > 0 {
            return &s[..i];
        }
    }
    s
}

/// Wraps `title` into lines of at most `width` units, breaking at spaces (and
/// inside words longer than a line). Nothing is cut: every word is kept, so a
/// long title takes more lines.
pub(super) fn wrap(title: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::with_capacity(4);
    // A line holds at most `width` units: as many bytes when ASCII.
    let new_line = || String::with_capacity(width + 4);
    let mut cur = new_line();
    let mut cur_units = 0;
    for word in title.split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            let w = units(rest);
            if cur_units == 0 {
                let head = prefix_within(rest, width);
                cur.push_str(head);
                cur_units = units(head);
                rest = &rest[head.len()..];
                if !rest.is_empty() {
                    lines.push(std::mem::replace(&mut cur, new_line()));
                    cur_units = 0;
                }
            } else if cur_units + 1 + w <= width {
                cur.push(' ');
                cur.push_str(rest);
                cur_units += 1 + w;
                rest = "";
            } else {
                lines.push(std::mem::replace(&mut cur, new_line()));
                cur_units = 0;
            }
        }
    }
    if cur_units > 0 || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Whitespace runs become single spaces (for the chart's title); borrowed when
/// there is nothing to change.
pub(super) fn flatten(s: &str) -> std::borrow::Cow<'_, str> {
    // Most titles are printable ASCII words with single spaces: already flat.
    let b = s.as_bytes();
    let flat = b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| (0x20..0x7f).contains(&c))
        && !s.contains("  ");
    if flat {
        return s.into();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ").into()
}

/// Whether `lines` joined with single spaces are `s`, without joining them.
#[cfg(test)]
pub(super) fn joined_is(lines: &[String], s: &str) -> bool {
    let mut rest = s;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix(' ') else {
                return false;
            };
            rest = r;
        }
        let Some(r) = rest.strip_prefix(line.as_str()) else {
            return false;
        };
        rest = r;
    }
    rest.is_empty()
}

/// Appends `s` XML-escaped (safe in text and in double-quoted attributes):
/// HTML's escaping of the five markup characters (pulldown-cmark's, as for
/// pages), after dropping the characters XML 1.0 forbids, which would make the
/// SVG invalid markup.
pub(super) fn escape_into(out: &mut String, s: &str) {
    let escape = |out: &mut String, s: &str| {
        pulldown_cmark_escape::escape_html(out, s).expect("a String takes any text");
    };
    if s.contains(xml_forbidden) {
        escape(out, &s.replace(xml_forbidden, ""));
    } else {
        escape(out, s);
    }
}

/// Characters XML 1.0 does not allow in a document.
fn xml_forbidden(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut for flat titles flattens as splitting at whitespace does.
        #[test]
        fn flat_titles_are_left_as_written(s in "[a-z \t\n\u{a0}é]{0,20}") {
            proptest::prop_assert_eq!(
                flatten(&s),
                s.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }

        /// Comparing lines with a text is comparing their join with it.
        #[test]
        fn joined_is_joining(
            lines in proptest::collection::vec("[ab ]{0,3}", 0..4),
            s in "[ab ]{0,8}",
        ) {
            proptest::prop_assert_eq!(joined_is(&lines, &s), lines.join(" ") == s);
            let joined = lines.join(" ");
            proptest::prop_assert!(joined_is(&lines, &joined));
        }

        /// Escaping agrees with going character by character.
        #[test]
        fn escaping_agrees_with_escaping_characters(
            s in "[a-z &<>\"'\u{0}-\u{1f}\u{7f}é\u{fffd}\u{fffe}\u{ffff}\u{ef}\u{f000}]{0,30}",
        ) {
            let mut expected = String::new();
            for c in s.chars() {
                match c {
                    '&' => expected.push_str("&amp;"),
                    '<' => expected.push_str("&lt;"),
                    '>' => expected.push_str("&gt;"),
                    '"' => expected.push_str("&quot;"),
                    '\'' => expected.push_str("&#39;"),
                    c if xml_forbidden(c) => {}
                    c => expected.push(c),
                }
            }
            let mut out = String::new();
            escape_into(&mut out, &s);
            proptest::prop_assert_eq!(out, expected);
        }

        /// The ASCII shortcuts measure and cut as character by character.
        #[test]
        fn ascii_shortcuts_agree_with_counting_characters(s in "[ -~]{0,30}", max in 0usize..32) {
            let counted: usize = s.chars().map(char_units).sum();
            proptest::prop_assert_eq!(units(&s), counted);
            let mut used = 0;
            let mut expected = s.as_str();
            for (i, c) in s.char_indices() {
                used += char_units(c);
                if used > max && i > 0 {
                    expected = &s[..i];
                    break;
                }
            }
            proptest::prop_assert_eq!(prefix_within(&s, max), expected);
        }
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("Reset the router", 22), ["Reset the router"]);
        assert_eq!(
            wrap("Check that the cable is plugged in at both ends", 22),
            ["Check that the cable", "is plugged in at both", "ends"]
        );
        assert_eq!(wrap("", 22), [""]);
    }

    #[test]
    fn long_titles_are_wrapped_in_full() {
        let title =
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
        let lines = wrap(title, 22);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines.iter().all(|l| units(l) <= 22), "{lines:?}");
        assert_eq!(lines.join(" "), title);
        assert!(joined_is(&lines, title));
    }

    #[test]
    fn long_words_are_split() {
        let lines = wrap("https://example.com/a/very/long/path/indeed", 22);
        assert!(lines.iter().all(|l| units(l) <= 22), "{lines:?}");
        assert_eq!(
            lines.concat(),
            "https://example.com/a/very/long/path/indeed"
        );
    }

    #[test]
    fn wide_characters_count_double() {
        assert_eq!(units("日本語"), 6);
        let lines = wrap("日本語のタイトルはとても長いのでこれは折り返されます", 22);
        assert!(lines.iter().all(|l| units(l) <= 22), "{lines:?}");
        assert_eq!(
            lines.concat(),
            "日本語のタイトルはとても長いのでこれは折り返されます"
        );
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c'\u{1}");
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
