//! Markdown → HTML for one page body, in a single pass.
//!
//! Input: the body text, its offset in the file, and a link rewriter. Output:
//! [`Processed`]: the HTML (unless only checking), every link/image destination with
//! its file-absolute span, every anchor the page defines (GitHub-style heading ids
//! and raw-HTML `id`s), plain text for search, and whether raw HTML occurred.
//!
//! Code blocks are highlighted with syntect into CSS classes (see
//! [`HighlightClasses`]); raw HTML is
//! sanitized with ammonia only on pages that contain some, which keeps the common
//! path fast while guaranteeing no `<script>` from Markdown reaches the output.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::OnceLock;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use unicode_normalization::UnicodeNormalization;

/// Markdown extensions signpost enables (GitHub-flavoured).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// A link or image destination found in the body.
#[derive(Debug, Clone)]
pub struct LinkSrc {
    /// The destination as written.
    pub dest: String,
    /// File-absolute byte range of the destination.
    pub span: Range<usize>,
    /// `![]()` rather than `[]()`.
    pub image: bool,
}

/// What processing one body produced.
#[derive(Debug, Clone, Default)]
pub struct Processed {
    /// The HTML (empty in check-only mode).
    pub html: String,
    /// Every link and image destination (listed by a scan, not by a render).
    pub links: Vec<LinkSrc>,
    /// Every anchor defined on the page.
    pub anchors: BTreeSet<String>,
    /// The body starts with a level-1 heading (the template then omits its own).
    pub starts_with_h1: bool,
    /// The distinct words of the body's plain text (for search), folded by
    /// [`for_each_word`], in order of first use, separated by spaces: the text
    /// is cut at [`SEARCH_TEXT_CAP`] bytes at a word first. A page keeps these
    /// from its scan until the index is made; distinct words take about 40%
    /// less room than the text.
    pub words: String,
    /// Where Markdown blocks and raw HTML elements first nest deeper than
    /// [`MAX_NESTING`] (file-absolute), if they do.
    pub too_deep: Option<Range<usize>>,
}

/// How deep Markdown blocks and raw HTML elements may nest in a body. Browsers
/// flatten deeper trees anyway (Chromium's parser stops at 512), and the HTML
/// sanitizer's cost grows with the depth times the number of elements.
pub const MAX_NESTING: usize = 512;

/// Elements with no end tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The deepest raw HTML element nesting reached in `html`, starting at
/// `depth` open elements; `depth` is left at the end's nesting. Tags are
/// counted, not parsed: an unclosed `<p>` counts as open.
fn html_nesting(html: &str, depth: &mut usize) -> usize {
    let mut deepest = *depth;
    let b = html.as_bytes();
    for i in memchr::memchr_iter(b'<', b) {
        let rest = &b[i + 1..];
        let (close, name_at) = match rest.first() {
            Some(b'/') => (true, 1),
            Some(c) if c.is_ascii_alphabetic() => (false, 0),
            _ => continue,
        };
        let name: Vec<u8> = rest[name_at..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .map(u8::to_ascii_lowercase)
            .collect();
        if name.is_empty() || VOID_ELEMENTS.iter().any(|v| v.as_bytes() == name) {
            continue;
        }
        if close {
            *depth = depth.saturating_sub(1);
            continue;
        }
        let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        if end > 0 && rest[end - 1] == b'/' {
            continue;
        }
        *depth += 1;
        deepest = deepest.max(*depth);
    }
    deepest
}

/// How to process.
pub struct Settings<'a> {
    /// Produce HTML (false for `check`).
    pub render: bool,
    /// Highlight fenced code blocks, with these classes (`None`: no highlighting).
    pub highlight: Option<HighlightClasses>,
    /// Pass raw HTML through unsanitized.
    pub allow_raw_html: bool,
    /// Rewrites a link destination (`None` keeps it as written).
    pub rewrite: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Collect the plain text (for the search index); off when no one reads it.
    pub text: bool,
    /// List the link and image destinations (for the checks and backlinks).
    pub links: bool,
}

/// Bytes of body text kept per page for the search index: the start of a
/// procedure page (its intro and first steps) says what it is about, and the
/// cap keeps the index linear in the number of pages.
pub const SEARCH_TEXT_CAP: usize = 1500;

/// Bytes of the body's text pieces gathered before [`SEARCH_TEXT_CAP`] is
/// applied: room to cut at a word.
const TEXT_CAP: usize = SEARCH_TEXT_CAP + 100;

/// GitHub-compatible heading slugs, made unique per page like github-slugger.
#[derive(Default)]
pub struct Slugger {
    seen: BTreeSet<String>,
    /// Per base slug: the last number tried after it, so that N identical
    /// headings cost O(N), not O(N²).
    next: std::collections::BTreeMap<String, usize>,
}

impl Slugger {
    /// The anchor for a heading with text `text`.
    pub fn slug(&mut self, text: &str) -> String {
        let mut base = String::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                base.push(c);
            } else if c == ' ' {
                base.push('-');
            }
        }
        if self.seen.insert(base.clone()) && !is_theme_id(&base) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(0);
        loop {
            *n += 1;
            let slug = format!("{base}-{n}");
            if self.seen.insert(slug.clone()) {
                return slug;
            }
        }
    }
}

/// Ids the built-in theme gives its own elements on a page (templates and
/// signpost.js). A heading with the same slug gets the next number instead
/// (`main-1`), so `aria-labelledby="choices-title"` and the script find theirs.
const THEME_IDS: &[&str] = &[
    "main",
    "choices",
    "chart",
    "choices-title",
    "search-input",
    "search-status",
    "search-results",
];

/// True for an id the theme uses: [`THEME_IDS`] and the script's
/// `search-result-N`.
fn is_theme_id(id: &str) -> bool {
    THEME_IDS.contains(&id)
        || id
            .strip_prefix("search-result-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Finds the destination's span inside the source of an inline link `[..](dest ..)`.
fn inline_dest_span(src: &str, range: &Range<usize>, dest: &str) -> Range<usize> {
    let slice = &src[range.clone()];
    // The destination follows the last "](" that precedes it; search for the dest
    // text itself after the first "](".
    // (Byte and prefix tests first: this runs for every link, and a substring
    // search sets itself up anew on each call.)
    if let Some(open) = slice.as_bytes().windows(2).position(|w| w == b"](") {
        let after = open + 2;
        let rest = &slice[after..];
        let trimmed = rest.trim_start_matches([' ', '<', '\t', '\n']);
        let start = after + (rest.len() - trimmed.len());
        let pos = if trimmed.starts_with(dest) {
            Some(0)
        } else {
            trimmed.find(dest)
        };
        if let Some(pos) = pos.filter(|_| !dest.is_empty()) {
            let s = range.start + start + pos;
            return s..s + dest.len();
        }
        return range.start + start..range.start + start;
    }
    range.clone()
}

/// Loads what highlighting needs (the grammars) ahead of the first code block.
pub fn warm_up() {
    syntax_set();
}

fn syntax_set() -> &'static syntect::parsing::SyntaxSet {
    // Immutable grammar data shared by every build in the process (serve rebuilds).
    static SET: OnceLock<syntect::parsing::SyntaxSet> = OnceLock::new();
    SET.get_or_init(syntect::parsing::SyntaxSet::load_defaults_newlines)
}

/// syntect's bundled themes, decoded once (for the classes they style and for
/// highlight.css).
fn theme_set() -> &'static syntect::highlighting::ThemeSet {
    static SET: OnceLock<syntect::highlighting::ThemeSet> = OnceLock::new();
    SET.get_or_init(syntect::highlighting::ThemeSet::load_defaults)
}

/// The syntect themes of highlight.css: light, then dark.
const HIGHLIGHT_THEMES: [&str; 2] = ["InspiredGitHub", "base16-ocean.dark"];

pub use crate::config::HighlightClasses;

/// The built-in `highlight.css`: CSS for the classes [`highlight`] writes
/// in mode [`HighlightClasses::Styles`]. (A theme with its own stylesheet gets
/// scope classes, and signpost writes no CSS for them.)
pub fn highlight_css() -> String {
    let [light, dark] = palettes();
    let mut css = format!(
        "/*\n * Code highlighting, generated by signpost from syntect's themes\n * \"{}\" (light) and \"{}\" (dark): a class per colour and font style.\n */\n",
        HIGHLIGHT_THEMES[0], HIGHLIGHT_THEMES[1]
    );
    css.push_str("@media not all and (prefers-color-scheme: dark) {\n");
    light.write_css(&mut css);
    css.push_str("}\n@media (prefers-color-scheme: dark) {\n");
    dark.write_css(&mut css);
    css.push_str("}\n");
    css
}

/// One highlight theme as [`HighlightClasses::Styles`] names its styles: the
/// colours its rules use, sorted (a colour is known by its place here), and
/// what a theme's default style is (which needs no class: the page's own code
/// colours apply).
struct Palette {
    /// Class prefix: `l` (light) or `d` (dark).
    prefix: char,
    colors: Vec<syntect::highlighting::Color>,
    default: syntect::highlighting::Style,
    highlighter: syntect::highlighting::Highlighter<'static>,
}

impl Palette {
    fn new(prefix: char, theme: &'static syntect::highlighting::Theme) -> Palette {
        let key = |c: &syntect::highlighting::Color| (c.r, c.g, c.b, c.a);
        let mut colors: Vec<syntect::highlighting::Color> = theme
            .scopes
            .iter()
            .flat_map(|item| [item.style.foreground, item.style.background])
            .flatten()
            .collect();
        colors.sort_by_key(key);
        colors.dedup_by_key(|c| key(c));
        let highlighter = syntect::highlighting::Highlighter::new(theme);
        Palette {
            prefix,
            colors,
            default: highlighter.get_default(),
            highlighter,
        }
    }

    fn index(&self, color: syntect::highlighting::Color) -> usize {
        self.colors
            .iter()
            .position(|&c| c == color)
            .expect("a theme's style takes its colours from its rules")
    }

    /// Appends the classes of `style` (space-separated, each after a space
    /// when `out` is not empty); nothing for the theme's default style.
    fn push_classes(&self, style: syntect::highlighting::Style, out: &mut String) {
        use syntect::highlighting::FontStyle;
        let mut class = |name: std::fmt::Arguments<'_>| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push(self.prefix);
            std::fmt::Write::write_fmt(out, name).expect("writing to a String");
        };
        if style.foreground != self.default.foreground {
            class(format_args!("{}", self.index(style.foreground)));
        }
        if style.background != self.default.background {
            class(format_args!("k{}", self.index(style.background)));
        }
        for (flag, name) in [
            (FontStyle::BOLD, "b"),
            (FontStyle::ITALIC, "i"),
            (FontStyle::UNDERLINE, "u"),
        ] {
            if style.font_style.contains(flag) {
                class(format_args!("{name}"));
            }
        }
    }

    fn write_css(&self, css: &mut String) {
        use std::fmt::Write;
        let p = self.prefix;
        for (i, c) in self.colors.iter().enumerate() {
            let hex = hex_color(*c);
            writeln!(css, ".hl .{p}{i} {{ color: {hex}; }}").expect("writing to a String");
            writeln!(css, ".hl .{p}k{i} {{ background-color: {hex}; }}")
                .expect("writing to a String");
        }
        writeln!(css, ".hl .{p}b {{ font-weight: bold; }}").expect("writing to a String");
        writeln!(css, ".hl .{p}i {{ font-style: italic; }}").expect("writing to a String");
        writeln!(css, ".hl .{p}u {{ text-decoration: underline; }}").expect("writing to a String");
    }
}

fn hex_color(c: syntect::highlighting::Color) -> String {
    if c.a == 0xff {
        format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
    } else {
        format!("#{:02x}{:02x}{:02x}{:02x}", c.r, c.g, c.b, c.a)
    }
}

/// The palettes of [`HIGHLIGHT_THEMES`]: light, then dark.
fn palettes() -> &'static [Palette; 2] {
    static PALETTES: OnceLock<[Palette; 2]> = OnceLock::new();
    PALETTES.get_or_init(|| {
        let themes = theme_set();
        [
            Palette::new('l', &themes.themes[HIGHLIGHT_THEMES[0]]),
            Palette::new('d', &themes.themes[HIGHLIGHT_THEMES[1]]),
        ]
    })
}

thread_local! {
    // The classes of each scope stack met ("" for both default styles):
    // working out a style matches every rule of a theme against the stack.
    static STACK_CLASSES: std::cell::RefCell<rustc_hash::FxHashMap<Vec<syntect::parsing::Scope>, Box<str>>> =
        std::cell::RefCell::default();
}

/// Appends the text runs of one line as [`HighlightClasses::Styles`] spans:
/// each run in the style its scopes have in both themes, neighbouring runs of
/// the same classes in one span, every span closed at the end of the line.
fn styled_spans(
    line: &str,
    ops: &[(usize, syntect::parsing::ScopeStackOp)],
    stack: &mut syntect::parsing::ScopeStack,
) -> Option<String> {
    STACK_CLASSES.with_borrow_mut(|memo| {
        let mut html = String::with_capacity(line.len() * 2);
        // The classes of the span open now ("" for none).
        let mut open: Option<Box<str>> = None;
        let mut run = |html: &mut String, text: &str, stack: &[syntect::parsing::Scope]| {
            if text.is_empty() {
                return Some(());
            }
            if !memo.contains_key(stack) {
                let mut c = String::new();
                for p in palettes() {
                    p.push_classes(p.highlighter.style_for_stack(stack), &mut c);
                }
                memo.insert(stack.to_vec(), c.into_boxed_str());
            }
            let classes = &memo[stack];
            if open.as_deref() != Some(&**classes) {
                if open.as_deref().is_some_and(|c| !c.is_empty()) {
                    html.push_str("</span>");
                }
                if !classes.is_empty() {
                    html.push_str("<span class=\"");
                    html.push_str(classes);
                    html.push_str("\">");
                }
                open = Some(classes.clone());
            }
            pulldown_cmark_escape::escape_html_body_text(html, text).ok()
        };
        let mut at = 0;
        for (i, op) in ops {
            if *i > at {
                run(&mut html, &line[at..*i], stack.as_slice())?;
                at = *i;
            }
            stack.apply(op).ok()?;
        }
        run(&mut html, &line[at..], stack.as_slice())?;
        if open.as_deref().is_some_and(|c| !c.is_empty()) {
            html.push_str("</span>");
        }
        Some(html)
    })
}

/// Lines kept per thread; beyond this, lines are highlighted without caching.
const LINE_CACHE_CAP: usize = 20_000;
/// Longer lines are rarely repeated: not worth keeping.
const LINE_CACHE_MAX_LEN: usize = 256;
/// Distinct parser states kept per thread (a handful per language in practice).
const STATE_CAP: usize = 4_096;

type HlState = (syntect::parsing::ParseState, syntect::parsing::ScopeStack);

/// One highlighted line: its HTML, the change in open spans, and the state
/// after it (an index into [`HlCache::states`]).
struct CachedLine {
    start: u32,
    end: u32,
    html: String,
    delta: isize,
}

/// Memo of a pure function: (parser state, line) → HTML and the next state.
///
/// Parser states are interned: a state met again is known by its number, so a
/// line found in the cache costs one hash of the line and a comparison of two
/// numbers, with no parser state compared or copied. A block whose lines are
/// all cached never materialises a state at all.
#[derive(Default)]
struct HlCache {
    /// Interned states (of any syntax: the keys below tell them apart).
    states: Vec<HlState>,
    /// State numbers by syntax and scope stack (states that differ only in
    /// their contexts share a bucket and are told apart by comparing them).
    by_scopes: rustc_hash::FxHashMap<(usize, Vec<syntect::parsing::Scope>), Vec<u32>>,
    /// The initial state of each syntax.
    initial: rustc_hash::FxHashMap<usize, u32>,
    lines: rustc_hash::FxHashMap<String, Vec<CachedLine>>,
    len: usize,
}

impl HlCache {
    /// The number of `state` of `syntax`, interning it if there is room.
    fn intern(&mut self, syntax: usize, state: &HlState) -> Option<u32> {
        let key = (syntax, state.1.as_slice().to_vec());
        if let Some(ids) = self.by_scopes.get(&key)
            && let Some(&id) = ids.iter().find(|&&id| self.states[id as usize] == *state)
        {
            return Some(id);
        }
        if self.states.len() >= STATE_CAP {
            return None;
        }
        let id = u32::try_from(self.states.len()).ok()?;
        self.states.push(state.clone());
        self.by_scopes.entry(key).or_default().push(id);
        Some(id)
    }
}

thread_local! {
    // Highlighting a line is deterministic given the syntax, the parser state
    // and the line, so a hit yields byte-identical output; it is not render
    // state, which is why a per-thread cache (no locks, reused by serve's
    // rebuilds) is fine here. Knowledge bases repeat the same command lines on
    // many pages, and syntect's regex matching was most of a build's CPU time.
    static HL_CACHE: std::cell::RefCell<HlCache> = std::cell::RefCell::default();
}

fn highlight(lang: &str, code: &str, classes: HighlightClasses) -> Option<String> {
    use syntect::parsing::{ParseState, ScopeStack};
    let ss = syntax_set();
    let syntax = ss
        .find_syntax_by_token(lang)
        .or_else(|| ss.find_syntax_by_extension(lang))?;
    // Index of the syntax in the set, and the mode: a cheap, stable key (the
    // same line in the same state is other HTML in the other mode).
    let key = ss
        .syntaxes()
        .iter()
        .position(|s| std::ptr::eq(s, syntax))
        .map_or(usize::MAX, |i| {
            i * 2 + usize::from(classes == HighlightClasses::Scopes)
        });
    HL_CACHE.with_borrow_mut(|cache| {
        // The state before the next line: its number when interned, and the
        // state itself once a line had to be parsed (until then, only the
        // number is kept).
        let mut id = match cache.initial.get(&key) {
            Some(&id) => Some(id),
            None => {
                let id = cache.intern(key, &(ParseState::new(syntax), ScopeStack::new()));
                if let Some(id) = id {
                    cache.initial.insert(key, id);
                }
                id
            }
        };
        let mut state: Option<HlState> = None;
        let mut html = String::with_capacity(code.len() * 2);
        let mut open_spans: isize = 0;
        for line in syntect::util::LinesWithEndings::from(code) {
            let cacheable = line.len() <= LINE_CACHE_MAX_LEN;
            if let Some(start) = id.filter(|_| cacheable)
                && let Some(e) = cache
                    .lines
                    .get(line)
                    .and_then(|es| es.iter().find(|e| e.start == start))
            {
                html.push_str(&e.html);
                open_spans += e.delta;
                id = Some(e.end);
                state = None;
                continue;
            }
            let (ps, stack) = match (state.as_mut(), id) {
                (Some(st), _) => st,
                (None, Some(i)) => state.insert(cache.states[i as usize].clone()),
                (None, None) => state.insert((ParseState::new(syntax), ScopeStack::new())),
            };
            let ops = ps.parse_line(line, ss).ok()?;
            let (h, delta) = match classes {
                HighlightClasses::Styles => (styled_spans(line, &ops, stack)?, 0),
                HighlightClasses::Scopes => classed_spans(line, &ops, stack)?,
            };
            html.push_str(&h);
            open_spans += delta;
            let start = id;
            id = state.as_ref().and_then(|st| cache.intern(key, st));
            if let (Some(start), Some(end)) = (start, id)
                && cacheable
                && cache.len < LINE_CACHE_CAP
            {
                cache.len += 1;
                cache
                    .lines
                    .entry(line.to_string())
                    .or_default()
                    .push(CachedLine {
                        start,
                        end,
                        html: h,
                        delta,
                    });
            }
        }
        for _ in 0..open_spans {
            html.push_str("</span>");
        }
        Some(html)
    })
}

/// The scope-name atoms that the highlight themes style (`comment`, `string`,
/// `punctuation`…): the only classes worth writing. An atom that no selector of
/// either theme names (`shell`, `bash`, `meta`…) changes no match when left
/// out, nor does a span left without classes, so pages carry much less markup
/// for the same colours.
fn styled_atoms() -> &'static std::collections::HashSet<String> {
    static ATOMS: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    ATOMS.get_or_init(|| {
        let themes = theme_set();
        let mut atoms = std::collections::HashSet::new();
        for name in HIGHLIGHT_THEMES {
            for item in &themes.themes[name].scopes {
                for selector in &item.scope.selectors {
                    for scope in selector.extract_scopes() {
                        atoms.extend(scope.build_string().split('.').map(str::to_string));
                    }
                }
            }
        }
        atoms
    })
}

thread_local! {
    // The classes written for each scope ("" for none): scopes recur on every
    // line, and syntect's scope names sit behind a global lock.
    static SCOPE_CLASSES: std::cell::RefCell<std::collections::HashMap<syntect::parsing::Scope, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Appends the classes of `scope` to `out` (if any); false if it has none.
fn push_scope_classes(out: Option<&mut String>, scope: syntect::parsing::Scope) -> bool {
    SCOPE_CLASSES.with_borrow_mut(|cache| {
        let classes = cache.entry(scope).or_insert_with(|| {
            let atoms = styled_atoms();
            let mut classes = String::new();
            for atom in scope.build_string().split('.') {
                if atoms.contains(atom) {
                    if !classes.is_empty() {
                        classes.push(' ');
                    }
                    classes.push_str("hl-");
                    classes.push_str(atom);
                }
            }
            classes
        });
        if let Some(out) = out {
            out.push_str(classes);
        }
        !classes.is_empty()
    })
}

/// One line of highlighted HTML, like syntect's `line_tokens_to_classed_spans`
/// but with only the styled classes (see [`styled_atoms`]): a scope without
/// any gets no span. Returns the HTML and the change in open spans.
fn classed_spans(
    line: &str,
    ops: &[(usize, syntect::parsing::ScopeStackOp)],
    stack: &mut syntect::parsing::ScopeStack,
) -> Option<(String, isize)> {
    use syntect::parsing::{BasicScopeStackOp, ClearAmount, ScopeStackOp};
    let mut html = String::with_capacity(line.len() * 2);
    let mut delta = 0isize;
    // Spans opened on this line: where each starts and whether it holds text
    // yet (an empty one is taken out again, as syntect does).
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut at = 0;
    for (i, op) in ops {
        if *i > at {
            pulldown_cmark_escape::escape_html_body_text(&mut html, &line[at..*i]).ok()?;
            if let Some(top) = open.last_mut() {
                top.1 = true;
            }
            at = *i;
        }
        // The scopes a pop removes, top first (the hook sees the stack after).
        let scopes = stack.as_slice();
        let mut popped: Vec<syntect::parsing::Scope> = match op {
            ScopeStackOp::Pop(n) => scopes.iter().rev().take(*n).copied().collect(),
            ScopeStackOp::Clear(ClearAmount::TopN(n)) => {
                scopes.iter().rev().take(*n).copied().collect()
            }
            ScopeStackOp::Clear(ClearAmount::All) => scopes.iter().rev().copied().collect(),
            _ => Vec::new(),
        };
        popped.reverse();
        stack
            .apply_with_hook(op, |basic, _| match basic {
                BasicScopeStackOp::Push(scope) => {
                    let start = html.len();
                    html.push_str("<span class=\"");
                    if push_scope_classes(Some(&mut html), scope) {
                        html.push_str("\">");
                        open.push((start, false));
                        delta += 1;
                    } else {
                        html.truncate(start);
                    }
                }
                BasicScopeStackOp::Pop => {
                    let scope = popped.pop().expect("one scope per pop");
                    if !push_scope_classes(None, scope) {
                        return;
                    }
                    delta -= 1;
                    match open.pop() {
                        Some((start, false)) => html.truncate(start),
                        Some((_, true)) | None => {
                            html.push_str("</span>");
                            if let Some(top) = open.last_mut() {
                                top.1 = true;
                            }
                        }
                    }
                }
            })
            .ok()?;
    }
    pulldown_cmark_escape::escape_html_body_text(&mut html, &line[at..]).ok()?;
    Some((html, delta))
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String");
    out
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    // Built once: a fixed allow-list, no per-build state.
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["id", "class", "title", "lang", "dir"]);
        b.add_tags([
            "input",
            "figure",
            "figcaption",
            "details",
            "summary",
            "section",
            "span",
            "kbd",
            "mark",
        ]);
        b.add_tag_attributes("input", ["type", "checked", "disabled"]);
        b.add_tag_attributes("th", ["style"]);
        b.add_tag_attributes("td", ["style"]);
        b.add_tag_attributes("a", ["id", "name"]);
        b.add_tag_attributes("img", ["src", "alt", "width", "height", "loading"]);
        b.filter_style_properties(["text-align"].into_iter().collect());
        b.link_rel(None);
        b
    })
}

/// Extracts `id="…"` values from raw HTML, character references decoded.
fn html_ids(html: &str, out: &mut BTreeSet<String>) {
    let mut rest = html;
    while let Some(i) = rest.find("id=") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 3..];
        if before.is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = rest[1..].find(q) {
            // The id the browser sees: `id="R&amp;D"` is `R&D`.
            out.insert(html_escape::decode_html_entities(&rest[1..1 + end]).into_owned());
            rest = &rest[1 + end..];
        }
    }
}

/// Scans the body `body` of `src` without rendering: links, anchors, plain text
/// and whether it starts with a `#` heading.
pub fn scan(src: &str, body: Range<usize>) -> Processed {
    let keep = |_: &str| None;
    let settings = Settings {
        render: false,
        highlight: None,
        allow_raw_html: true,
        rewrite: &keep,
        text: true,
        links: true,
    };
    process(src, body, &settings)
}

/// A link or image met while processing, listed once its reference
/// definitions are known.
struct PendingLink<'a> {
    link_type: LinkType,
    dest: CowStr<'a>,
    /// The reference label (for reference links).
    id: CowStr<'a>,
    /// The event's range in the body.
    range: Range<usize>,
    image: bool,
}

/// Pushes the run of text `run` (emptying it), with its bare URLs linked.
fn flush_text<'a>(run: &mut Option<CowStr<'a>>, events: &mut Vec<Event<'a>>) {
    if let Some(text) = run.take()
        && !autolink(&text, events)
    {
        events.push(Event::Text(text));
    }
}

/// Links the bare URLs in `text` as GitHub does (GFM "autolink literals":
/// `http://…`, `https://…`, `www.…` and e-mail addresses; a bare domain such
/// as `example.com` stays text), pushing the text and links to `events`.
/// Returns false, pushing nothing, when `text` has no such URL.
fn autolink<'a>(text: &str, events: &mut Vec<Event<'a>>) -> bool {
    if !(text.contains("://") || text.contains("www.") || text.contains('@')) {
        return false;
    }
    let mut finder = linkify::LinkFinder::new();
    finder.url_must_have_scheme(false);
    let mut linked = false;
    let mut plain = String::new();
    for span in finder.spans(text) {
        let s = span.as_str();
        let dest = match span.kind() {
            Some(linkify::LinkKind::Url) => {
                let lower = s.to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    Some(s.to_string())
                } else if lower.starts_with("www.") {
                    Some(format!("http://{s}"))
                } else {
                    None
                }
            }
            Some(linkify::LinkKind::Email) => Some(format!("mailto:{s}")),
            _ => None,
        };
        let Some(dest) = dest else {
            plain.push_str(s);
            continue;
        };
        if !plain.is_empty() {
            events.push(Event::Text(std::mem::take(&mut plain).into()));
        }
        events.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: dest.into(),
            title: CowStr::Borrowed(""),
            id: CowStr::Borrowed(""),
        }));
        events.push(Event::Text(s.to_string().into()));
        events.push(Event::End(TagEnd::Link));
        linked = true;
    }
    if !linked {
        // Nothing was pushed: the caller keeps the event as it is.
        return false;
    }
    if !plain.is_empty() {
        events.push(Event::Text(plain.into()));
    }
    true
}

/// Processes one page body. `src` is the whole file text and `body` the body's
/// range in it.
pub fn process(src: &str, body: Range<usize>, settings: &Settings<'_>) -> Processed {
    let text = &src[body.clone()];
    let text_cap = if settings.text { TEXT_CAP } else { 0 };
    let base = body.start;
    let parser = Parser::new_ext(text, options());
    let mut iter = parser.into_offset_iter();
    let mut out = Processed::default();
    // The plain text is never longer than the Markdown, and growing it by
    // doubling left up to half of it unused in every page's scan.
    let mut search = SearchText::new(text_cap);
    // About one event per 12 bytes of Markdown; growing from empty reallocated
    // (and copied) the list eight times a page.
    let mut events: Vec<Event<'_>> = if settings.render {
        Vec::with_capacity(text.len() / 12 + 16)
    } else {
        Vec::new()
    };
    let mut has_html = false;
    let mut slugger = Slugger::default();
    let mut first_block = true;

    // Heading buffer: (index of the Start event in `events`, text so far).
    let mut heading: Option<(usize, String)> = None;
    // Code block buffer: (language, code).
    let mut code: Option<(String, String)> = None;
    let mut pending_links: Vec<PendingLink<'_>> = Vec::new();
    // Bare URLs are linked only outside links, images and code blocks.
    let mut link_depth = 0usize;
    let mut in_code_block = false;
    // Text events in a row, joined (the parser splits text at `_`, `*`…);
    // usually one, kept as the parser gave it.
    let mut text_run: Option<CowStr<'_>> = None;

    // Open Markdown blocks and inlines, and open raw HTML elements.
    let (mut md_depth, mut html_depth) = (0usize, 0usize);
    for (event, range) in iter.by_ref() {
        if !matches!(event, Event::Text(_)) {
            flush_text(&mut text_run, &mut events);
        }
        let deepest = match &event {
            Event::Start(_) => {
                md_depth += 1;
                md_depth + html_depth
            }
            Event::End(_) => {
                md_depth = md_depth.saturating_sub(1);
                0
            }
            Event::Html(h) | Event::InlineHtml(h) => md_depth + html_nesting(h, &mut html_depth),
            _ => 0,
        };
        if deepest > MAX_NESTING && out.too_deep.is_none() {
            let first = text[range.start..].chars().next().map_or(0, char::len_utf8);
            out.too_deep = Some(range.start + base..range.start + first + base);
        }
        match &event {
            Event::Start(Tag::Heading { level, .. }) => {
                if first_block && *level == HeadingLevel::H1 {
                    out.starts_with_h1 = true;
                }
                heading = Some((events.len(), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                search.push_space();
                if let Some((idx, htext)) = heading.take() {
                    let id = slugger.slug(&htext);
                    out.anchors.insert(id.clone());
                    if let Some(Event::Start(Tag::Heading { id: slot, .. })) = events.get_mut(idx) {
                        *slot = Some(id.into());
                    }
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if settings.highlight.is_some() && settings.render =>
            {
                let lang = info.split([' ', ',', '{']).next().unwrap_or("").to_string();
                code = Some((lang, String::new()));
                first_block = false;
                continue;
            }
            Event::End(TagEnd::CodeBlock) if code.is_some() => {
                let (lang, body) = code.take().expect("checked above");
                let html = if lang.is_empty() {
                    None
                } else {
                    highlight(&lang, &body, settings.highlight.unwrap_or_default())
                };
                let html = match html {
                    Some(h) => [
                        "<pre class=\"hl\"><code class=\"language-",
                        &escape_attr(&lang),
                        "\">",
                        &h,
                        "</code></pre>\n",
                    ]
                    .concat(),
                    None => {
                        let mut s = String::from("<pre><code");
                        if !lang.is_empty() {
                            s.push_str(&format!(" class=\"language-{}\"", escape_attr(&lang)));
                        }
                        s.push('>');
                        pulldown_cmark_escape::escape_html_body_text(&mut s, &body)
                            .expect("string");
                        s.push_str("</code></pre>\n");
                        s
                    }
                };
                search.push(&body);
                events.push(Event::Html(html.into()));
                continue;
            }
            Event::Text(t) if code.is_some() => {
                code.as_mut().expect("checked").1.push_str(t);
                continue;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(t);
                }
                search.push(t);
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                has_html = true;
                html_ids(h, &mut out.anchors);
            }
            Event::SoftBreak | Event::HardBreak => search.push_space(),
            // Blocks end with a space, so that words of consecutive paragraphs,
            // list items and cells are not glued together in the text.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => search.push_space(),
            // A render after a scan only needs the HTML: the scan listed the links.
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                id,
                ..
            }) if settings.links => {
                pending_links.push(PendingLink {
                    link_type: *link_type,
                    dest: dest_url.clone(),
                    id: id.clone(),
                    range: range.clone(),
                    image: false,
                });
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                id,
                ..
            }) if settings.links => {
                pending_links.push(PendingLink {
                    link_type: *link_type,
                    dest: dest_url.clone(),
                    id: id.clone(),
                    range: range.clone(),
                    image: true,
                });
            }
            _ => {}
        }
        if matches!(event, Event::Start(_)) && heading.is_none() {
            first_block = false;
        }
        if let Event::Start(Tag::Heading { .. }) = event {
            first_block = false;
        }
        if !settings.render {
            continue;
        }
        match &event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => link_depth += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => link_depth -= 1,
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            // The parser splits text at `_`, `*`…: one run of text is
            // linked at once, so `https://a.example/x_(y)` stays one URL.
            Event::Text(t) if link_depth == 0 && !in_code_block => {
                text_run = Some(match text_run.take() {
                    None => t.clone(),
                    Some(before) => [&*before, &**t].concat().into(),
                });
                continue;
            }
            _ => {}
        }
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(settings, &dest_url);
                let dest = dest.map_or(dest_url, CowStr::from);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(settings, &dest_url);
                let dest = dest.map_or(dest_url, CowStr::from);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            e => e,
        };
        events.push(event);
    }
    flush_text(&mut text_run, &mut events);
    let refdefs = iter.reference_definitions();
    for PendingLink {
        link_type,
        dest,
        id,
        range,
        image,
    } in pending_links
    {
        if dest.is_empty() && !matches!(link_type, LinkType::Inline) {
            continue;
        }
        let span = match link_type {
            LinkType::Inline => inline_dest_span(text, &range, &dest),
            LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut => {
                match refdefs.get(&id) {
                    Some(def) => {
                        let slice = &text[def.span.clone()];
                        match slice
                            .find(':')
                            .and_then(|c| slice[c..].find(dest.as_ref()).map(|p| c + p))
                        {
                            Some(p) => def.span.start + p..def.span.start + p + dest.len(),
                            None => def.span.clone(),
                        }
                    }
                    None => range.clone(),
                }
            }
            LinkType::Autolink | LinkType::Email => continue,
            _ => range.clone(),
        };
        out.links.push(LinkSrc {
            dest: dest.to_string(),
            span: span.start + base..span.end + base,
            image,
        });
    }
    if settings.render {
        // Twice the Markdown on average (highlighted code is mostly markup):
        // on the 10,000-page generated site 1.9x-2.2x for 80% of the pages,
        // 2.3x for 99%. At 1.5x every page's HTML was copied once as it grew.
        let mut html = String::with_capacity(text.len() * 9 / 4 + 256);
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        if has_html && !settings.allow_raw_html {
            html = sanitizer().clean(&html).to_string();
        }
        out.html = html;
    }
    out.words = distinct_words(&search.finish(SEARCH_TEXT_CAP));
    out
}

/// The URL to write for link destination `dest` (`None`: as written).
fn rewrite(settings: &Settings<'_>, dest: &str) -> Option<String> {
    if !settings.allow_raw_html && is_dangerous_url(dest) {
        return Some("#".to_string());
    }
    (settings.rewrite)(dest)
}

/// Longer words are not indexed (hashes, long identifiers).
const MAX_WORD_CHARS: usize = 40;

/// Calls `f` with each word of `text` as the theme's search folds it: lower case, accents
/// (combining marks U+0300–U+036F after NFD) removed, split at every character
/// that is neither alphanumeric nor `_`.
pub fn for_each_word(text: &str, f: impl FnMut(&str)) {
    words(&fold(text)).for_each(f);
}

/// `text` in lower case with accents removed (see [`for_each_word`]).
fn fold(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
            .nfd()
            .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
            .collect()
    }
}

/// The words of folded text (see [`for_each_word`]).
fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
}

/// The distinct words of `text` (see [`Processed::words`]).
fn distinct_words(text: &str) -> String {
    let folded = fold(text);
    // Sized for about one word in eight bytes, so that it rarely grows.
    let mut seen =
        rustc_hash::FxHashSet::with_capacity_and_hasher(folded.len() / 8, Default::default());
    // `join` allocates the exact length: every page keeps this string.
    words(&folded)
        .filter(|w| seen.insert(*w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A body's search text, gathered as its Markdown is parsed: the pieces as
/// written, up to `raw_cap` bytes of them, with whitespace collapsed to single
/// spaces on the way.
struct SearchText {
    /// The text so far; a space at the end is whitespace waiting for a next word.
    out: String,
    /// Bytes of the pieces taken so far, as written.
    raw: usize,
    raw_cap: usize,
}

impl SearchText {
    fn new(raw_cap: usize) -> Self {
        SearchText {
            out: String::new(),
            raw: 0,
            raw_cap,
        }
    }

    /// Whether whitespace now would be dropped: at the start, or after a space.
    fn after_space(&self) -> bool {
        self.out.is_empty() || self.out.ends_with(' ')
    }

    /// Appends one space (between blocks, for a line break).
    fn push_space(&mut self) {
        if self.raw < self.raw_cap {
            self.raw += 1;
            if !self.after_space() {
                self.out.push(' ');
            }
        }
    }

    /// Appends `t` (cut at a character boundary once `raw_cap` is reached).
    fn push(&mut self, t: &str) {
        if self.raw >= self.raw_cap {
            return;
        }
        let end = t.floor_char_boundary(t.len().min(self.raw_cap - self.raw));
        self.raw += end;
        for c in t[..end].chars() {
            if !c.is_whitespace() {
                self.out.push(c);
            } else if !self.after_space() {
                self.out.push(' ');
            }
        }
    }

    /// The text, cut to at most `cap` bytes: where a word ends if one ends in
    /// the last fifth, else inside the word across the cap.
    fn finish(mut self, cap: usize) -> String {
        if self.out.ends_with(' ') {
            self.out.pop();
        }
        let mut out = self.out;
        if out.len() > cap {
            let b = out.as_bytes();
            if b[cap] == b' ' {
                // A word ends exactly at the cap.
                out.truncate(cap);
            } else {
                // The word across the cap starts at `start` (after its space):
                // keep its head if little would be left out, else end before it.
                let start = b[..cap]
                    .iter()
                    .rposition(|&c| c == b' ')
                    .map_or(0, |i| i + 1);
                if start < cap * 4 / 5 {
                    out.truncate(out.floor_char_boundary(cap));
                } else {
                    out.truncate(start.saturating_sub(1));
                }
            }
        }
        out.shrink_to_fit();
        out
    }
}

/// `javascript:` and similar URLs that run code when followed.
pub fn is_dangerous_url(dest: &str) -> bool {
    // The first 14 characters that are not blanks, lowercased, without
    // allocating: this runs for every link.
    let mut head = [0u8; 14];
    let mut n = 0;
    for c in dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
    {
        if n == head.len() {
            break;
        }
        // Any other character matches no scheme below.
        head[n] = if c.is_ascii() {
            c.to_ascii_lowercase() as u8
        } else {
            0
        };
        n += 1;
    }
    let head = &head[..n];
    head.starts_with(b"javascript:")
        || head.starts_with(b"vbscript:")
        || head.starts_with(b"data:text/html")
}

/// Whether inline Markdown `text` is plain words: nothing in it is Markdown
/// or HTML, so it renders as itself ([`render_inline`] and [`inline_text`]
/// return it unchanged, without parsing). Most `when`s are, and parsing each
/// of thousands of them several times was 4% of a large build.
pub fn is_plain_inline(text: &str) -> bool {
    let b = text.as_bytes();
    // A leading digit may start a list (`1. `), other marks a block; trailing
    // blanks may be a hard break.
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.last().is_some_and(|c| !c.is_ascii_whitespace())
        && b.iter().all(|&c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b' ' | b','
                        | b'.'
                        | b';'
                        | b':'
                        | b'?'
                        | b'('
                        | b')'
                        | b'/'
                        | b'-'
                        | b'%'
                        | b'\''
                        | b'"'
                )
        })
}

/// Renders inline Markdown (a branch's `when`) to HTML without a wrapping `<p>`.
pub fn render_inline(text: &str, allow_raw_html: bool) -> String {
    inline_html_and_text(text, allow_raw_html).0
}

/// [`render_inline`] and [`inline_text`] of `text`, from one parse.
pub fn inline_html_and_text(text: &str, allow_raw_html: bool) -> (String, String) {
    if is_plain_inline(text) {
        return (text.to_string(), text.to_string());
    }
    let events: Vec<Event<'_>> = Parser::new_ext(text, options()).collect();
    let mut plain = String::new();
    for e in &events {
        push_plain(&mut plain, e);
    }
    // `when` is shown inside the branch's own link: nested links are invalid
    // HTML, so links in it keep their text only.
    let mut has_html = false;
    let kept = events.into_iter().filter(|e| {
        has_html |= matches!(e, Event::Html(_) | Event::InlineHtml(_));
        !matches!(
            e,
            Event::Start(Tag::Paragraph | Tag::Link { .. } | Tag::Image { .. })
                | Event::End(TagEnd::Paragraph | TagEnd::Link | TagEnd::Image)
        )
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, kept);
    if has_html && !allow_raw_html {
        html = sanitizer().clean(&html).to_string();
    }
    (html.trim_end().to_string(), plain)
}

/// Plain text of inline Markdown (for `title` attributes, search and graph labels).
pub fn inline_text(text: &str) -> String {
    if is_plain_inline(text) {
        return text.to_string();
    }
    let mut s = String::new();
    for e in Parser::new_ext(text, options()) {
        push_plain(&mut s, &e);
    }
    s
}

/// Appends the plain text `e` contributes to inline Markdown's text: its text
/// and code, and a space for a line break.
fn push_plain(s: &mut String, e: &Event<'_>) {
    match e {
        Event::Text(t) | Event::Code(t) => s.push_str(t),
        Event::SoftBreak | Event::HardBreak => s.push(' '),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parse_gives_the_text_inline_text_gives() {
        for w in [
            "Plain words",
            "The error mentions `max_connections`",
            "See [the *guide*](a.md) and ![a logo](l.png)",
            "Line one\nline two  \nthree",
            "<b>raw</b> & <i>more</i>",
            "1. not a list",
        ] {
            let (html, text) = inline_html_and_text(w, false);
            assert_eq!(text, inline_text(w), "{w}");
            assert!(!html.contains("<a "), "{w}: {html}");
        }
    }

    fn run(md: &str) -> Processed {
        let settings = Settings {
            render: true,
            highlight: Some(HighlightClasses::Styles),
            allow_raw_html: false,
            rewrite: &|_| None,
            text: true,
            links: true,
        };
        process(md, 0..md.len(), &settings)
    }

    #[test]
    fn bare_urls_are_linked_as_github_does() {
        let html =
            run("See https://example.com/a_(b), www.example.org. Mail help@example.com!\n").html;
        assert_eq!(
            html,
            "<p>See <a href=\"https://example.com/a_(b)\">https://example.com/a_(b)</a>, \
             <a href=\"http://www.example.org\">www.example.org</a>. Mail \
             <a href=\"mailto:help@example.com\">help@example.com</a>!</p>\n"
        );
        // A bare domain stays text; so do URLs in links and code.
        for md in [
            "example.com is down",
            "[https://a.example](https://b.example)",
            "`https://example.com`",
            "    https://example.com",
            "```\nhttps://example.com\n```",
            "```sh\ncurl https://example.com\n```",
            "- item\n  ```\n  https://example.com\n  ```",
        ] {
            let html = run(md).html;
            assert!(
                html.matches("<a ").count() <= 1 && !html.contains("href=\"https://example.com\""),
                "{md}: {html}"
            );
        }
        let html = run("- see www.a.example\n  ```\n  code\n  ```\n").html;
        assert!(html.find("www.a.example</a>") < html.find("code"), "{html}");
        // Autolinks are not links to check.
        assert!(run("https://example.com\n").links.is_empty());
    }

    /// `text` through the parser: (HTML as `render_inline` makes it, plain
    /// text as `inline_text` does), as if it were not plain.
    fn parsed_inline(text: &str) -> (String, String) {
        let mut html = String::new();
        let events = Parser::new_ext(text, options()).filter(|e| {
            !matches!(
                e,
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
            )
        });
        pulldown_cmark::html::push_html(&mut html, events);
        let plain = Parser::new_ext(text, options())
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.to_string()),
                Event::SoftBreak | Event::HardBreak => Some(" ".into()),
                _ => None,
            })
            .collect();
        (html.trim_end().to_string(), plain)
    }

    #[test]
    fn plain_whens_render_as_themselves() {
        for text in [
            "Yes",
            "Personal account (at home)",
            "Only build-7 is affected",
            "Yes: see https://example.com or www.example.com, 50% of hosts",
            "It says \"denied\" / 'forbidden'",
            "No; try again?",
            "a  b",
        ] {
            assert!(is_plain_inline(text), "{text}");
            assert_eq!(parsed_inline(text), (text.to_string(), text.to_string()));
        }
        for text in [
            "",
            "1. first",
            "- item",
            "# heading",
            "a *b*",
            "a\nb",
            "a  ",
            " a",
            "`code`",
            "a & b",
            "a_b_",
        ] {
            assert!(!is_plain_inline(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_inline_text_is_left_as_written(text in "[a-zA-Z][a-zA-Z0-9 ,.;:?()/%'\"-]{0,30}") {
            if is_plain_inline(&text) {
                proptest::prop_assert_eq!(parsed_inline(&text), (text.clone(), text));
            }
        }
    }

    #[test]
    fn github_slugs() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("Hello, World!"), "hello-world");
        assert_eq!(s.slug("Hello, World!"), "hello-world-1");
        assert_eq!(s.slug("Ask your admin (work)"), "ask-your-admin-work");
        assert_eq!(s.slug("Ünïcödé  text"), "ünïcödé--text");
        assert_eq!(s.slug("`code` & more"), "code--more");
    }

    /// Repeats are numbered as github-slugger numbers them, skipping
    /// numbers a heading took as its own text, in linear time (16,000
    /// identical headings once took 17 s).
    #[test]
    fn headings_never_take_the_themes_ids() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("Main"), "main-1");
        assert_eq!(s.slug("Choices title"), "choices-title-1");
        assert_eq!(s.slug("Search result 3"), "search-result-3-1");
        assert_eq!(s.slug("Search results page"), "search-results-page");
        assert_eq!(s.slug("Main"), "main-2");
        // Every literal id in the built-in theme is known here.
        let theme = [
            include_str!("../themes/default/templates/base.html"),
            include_str!("../themes/default/templates/page.html"),
            include_str!("../themes/default/templates/section.html"),
            include_str!("../themes/default/templates/index.html"),
            include_str!("../themes/default/templates/components.html"),
            include_str!("../themes/default/templates/map.html"),
            include_str!("../themes/default/static/signpost.js"),
        ];
        for text in theme {
            for (i, _) in text
                .match_indices("id = \"")
                .chain(text.match_indices("id=\""))
            {
                let rest = &text[i..];
                let value = rest[rest.find('"').unwrap() + 1..]
                    .split('"')
                    .next()
                    .unwrap();
                if !value.contains(['{', '<', '/', ' ']) && !value.is_empty() && value != "p" {
                    // `li.id = "search-result-" + i` in the script.
                    let value = value.replace("search-result-", "search-result-0");
                    let value = value.as_str();
                    assert!(is_theme_id(value), "theme id `{value}` is not reserved");
                }
            }
        }
    }

    #[test]
    fn repeated_headings_are_numbered_past_taken_slugs() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("Same"), "same");
        assert_eq!(s.slug("Same 1"), "same-1");
        assert_eq!(s.slug("Same"), "same-2");
        assert_eq!(s.slug("Same-3"), "same-3");
        assert_eq!(s.slug("Same"), "same-4");
        assert_eq!(s.slug("Same-1"), "same-1-1");
        let mut many = Slugger::default();
        let last = (0..16_000).map(|_| many.slug("Same")).last().unwrap();
        assert_eq!(last, "same-15999");
    }

    #[test]
    fn headings_get_ids_and_links_spans() {
        let md = "# Top\n\nSee [x](other.md#a-b) and [y][r].\n\n[r]: ref.md\n";
        let p = run(md);
        assert!(p.html.contains("<h1 id=\"top\">Top</h1>"), "{}", p.html);
        assert!(p.starts_with_h1);
        let p = scan(md, 0..md.len());
        assert_eq!(p.links.len(), 2);
        assert_eq!(&md[p.links[0].span.clone()], "other.md#a-b");
        assert_eq!(&md[p.links[1].span.clone()], "ref.md");
        assert!(p.anchors.contains("top"));
    }

    #[test]
    fn scripts_never_reach_output() {
        let p = run(
            "hi <script>alert(1)</script>\n\n<div onclick=\"x()\" id=\"keep\">t</div>\n\n[a](javascript:alert(1))\n",
        );
        assert!(!p.html.contains("<script"), "{}", p.html);
        assert!(!p.html.contains("onclick"));
        assert!(!p.html.contains("javascript:"));
        assert!(p.anchors.contains("keep"));
        assert!(p.html.contains("id=\"keep\""));
    }

    #[test]
    fn dangerous_urls_are_recognised_through_case_and_blanks() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:x",
            "vbscript:x",
            "data:text/html,<script>",
            "DATA:Text/HTML;base64,xx",
        ] {
            assert!(is_dangerous_url(url), "{url}");
        }
        for url in [
            "https://example.com",
            "data:image/png;base64,xx",
            "javascrip",
            "a.md",
            "é:javascript:",
        ] {
            assert!(!is_dangerous_url(url), "{url}");
        }
    }

    #[test]
    fn inline_when_has_no_links_or_paragraph() {
        assert_eq!(
            render_inline("Yes, see [docs](a.md) *now*", false),
            "Yes, see docs <em>now</em>"
        );
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let p = run("```rust\nfn main() {}\n```\n");
        assert!(
            p.html
                .contains("<pre class=\"hl\"><code class=\"language-rust\">"),
            "{}",
            p.html
        );
        assert!(p.html.contains("<span class=\"l"), "{}", p.html);
    }
}

#[cfg(test)]
mod highlight_cache_tests {
    use super::*;

    /// syntect's own classed HTML, then without the classes no theme styles
    /// (and the spans left without any, or empty), with `"` and `'` unescaped.
    fn reference(lang: &str, code: &str) -> String {
        let ss = syntax_set();
        let syntax = ss.find_syntax_by_token(lang).unwrap();
        let mut g = syntect::html::ClassedHTMLGenerator::new_with_class_style(
            syntax,
            ss,
            syntect::html::ClassStyle::SpacedPrefixed { prefix: "hl-" },
        );
        for line in syntect::util::LinesWithEndings::from(code) {
            g.parse_html_for_line_which_includes_newline(line).unwrap();
        }
        let full = g.finalize().replace("&quot;", "\"").replace("&#39;", "'");
        let atoms = styled_atoms();
        let mut out = String::new();
        let mut kept = Vec::new();
        let mut rest = full.as_str();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("<span class=\"") {
                let end = r.find("\">").unwrap();
                let classes: Vec<&str> = r[..end]
                    .split(' ')
                    .filter(|c| atoms.contains(c.trim_start_matches("hl-")))
                    .collect();
                kept.push(!classes.is_empty());
                if !classes.is_empty() {
                    out.push_str(&format!("<span class=\"{}\">", classes.join(" ")));
                }
                rest = &r[end + 2..];
            } else if let Some(r) = rest.strip_prefix("</span>") {
                if kept.pop().unwrap() {
                    out.push_str("</span>");
                }
                rest = r;
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
        loop {
            let before = out.len();
            let mut i = 0;
            while let Some(p) = out[i..].find("<span class=\"") {
                let start = i + p;
                let close = start + out[start..].find("\">").unwrap() + 2;
                if out[close..].starts_with("</span>") {
                    out.replace_range(start..close + "</span>".len(), "");
                } else {
                    i = close;
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// Repeated lines in different states: inside and outside a block comment
    /// and a heredoc, so a cache keyed on the line alone would be wrong.
    const CASES: [(&str, &str); 7] = [
        (
            "rust",
            "fn a() {}\n/*\nfn a() {}\n*/\nfn a() {}\nlet s = \"x\n}\";\n",
        ),
        (
            "bash",
            "echo hi\ncat <<EOF\necho hi\nEOF\necho hi\n# echo hi\n",
        ),
        (
            "bash",
            "systemctl status nginx --no-pager\ngrep -n 'timeout' /etc/fstab\n",
        ),
        (
            "python",
            "def f():\n    '''\n    def f():\n    '''\n    return 1\n",
        ),
        (
            "sql",
            "SELECT a, 'x<y>&z' FROM t -- \"note\"\nWHERE b = 2;\n",
        ),
        ("json", "{\"a\": [1, 2.5, true, null], \"b\": \"x\\\"y\"}\n"),
        ("yaml", "key: value\nlist:\n  - 'one'\n  - two # note\n"),
    ];

    /// A line too long to cache, then cached lines again, and inside a string
    /// that the long line leaves open.
    fn long_case() -> String {
        format!(
            "echo {}\necho hi\necho \"{}\necho hi\n\"\necho hi\n",
            "x".repeat(300),
            "y".repeat(300)
        )
    }

    #[test]
    fn cached_lines_give_syntects_html_with_the_styled_classes_only() {
        let cases = CASES;
        let bash = highlight("bash", "echo hi # note\n", HighlightClasses::Scopes).unwrap();
        assert!(bash.contains("<span class=\"hl-comment\">"), "{bash}");
        assert!(
            !bash.contains("hl-shell"),
            "unstyled atoms are left out: {bash}"
        );
        let long = long_case();
        for _ in 0..2 {
            for (lang, code) in cases.iter().copied().chain([("bash", long.as_str())]) {
                assert_eq!(
                    highlight(lang, code, HighlightClasses::Scopes).unwrap(),
                    reference(lang, code),
                    "{lang}: {code}"
                );
            }
        }
    }

    /// The look of every byte of highlighted code in one theme: colour (`None`
    /// for the theme's default, which the page's own code colour stands for),
    /// background (likewise) and bold, italic, underline.
    type Look = (Option<String>, Option<String>, [bool; 3]);

    /// What syntect's own highlighter makes of `code` in theme `name`, byte
    /// by byte.
    fn syntect_looks(lang: &str, code: &str, name: &str) -> Vec<Look> {
        use syntect::highlighting::FontStyle;
        let ss = syntax_set();
        let theme = &theme_set().themes[name];
        let default = syntect::highlighting::Highlighter::new(theme).get_default();
        let mut h =
            syntect::easy::HighlightLines::new(ss.find_syntax_by_token(lang).unwrap(), theme);
        let mut looks = Vec::new();
        for line in syntect::util::LinesWithEndings::from(code) {
            for (style, text) in h.highlight_line(line, ss).unwrap() {
                let fg =
                    (style.foreground != default.foreground).then(|| hex_color(style.foreground));
                let bg =
                    (style.background != default.background).then(|| hex_color(style.background));
                let fs = [FontStyle::BOLD, FontStyle::ITALIC, FontStyle::UNDERLINE]
                    .map(|f| style.font_style.contains(f));
                looks.extend(std::iter::repeat_n((fg, bg, fs), text.len()));
            }
        }
        looks
    }

    /// The rules of the CSS of [`HighlightClasses::Styles`], by the media
    /// block they sit in (light first) and class.
    fn css_rules() -> [std::collections::HashMap<String, (String, String)>; 2] {
        let css = highlight_css();
        let (light, dark) = css
            .split_once("@media (prefers-color-scheme: dark)")
            .unwrap();
        assert!(light.contains("@media not all and (prefers-color-scheme: dark)"));
        [light, dark].map(|block| {
            block
                .lines()
                .filter_map(|l| l.strip_prefix(".hl ."))
                .map(|l| {
                    let (class, rule) = l.split_once(" { ").unwrap();
                    let (prop, value) = rule.trim_end_matches("; }").split_once(": ").unwrap();
                    (class.to_string(), (prop.to_string(), value.to_string()))
                })
                .collect()
        })
    }

    /// What a browser shows for our HTML, byte by byte of the code, in each
    /// theme: the classes of the span around each byte, through the CSS.
    fn our_looks(html: &str) -> [Vec<Look>; 2] {
        let rules = css_rules();
        let mut looks: [Vec<Look>; 2] = Default::default();
        let mut classes: Vec<String> = Vec::new();
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("<span class=\"") {
                let end = r.find("\">").unwrap();
                assert!(classes.is_empty(), "spans do not nest: {html}");
                classes = r[..end].split(' ').map(str::to_string).collect();
                rest = &r[end + 2..];
                continue;
            }
            if let Some(r) = rest.strip_prefix("</span>") {
                assert!(!classes.is_empty(), "a span closes once: {html}");
                classes.clear();
                rest = r;
                continue;
            }
            let (len, text) = [("&lt;", 1), ("&gt;", 1), ("&amp;", 1)]
                .iter()
                .find(|(e, _)| rest.starts_with(e))
                .map_or((rest.chars().next().unwrap().len_utf8(), None), |(e, n)| {
                    (e.len(), Some(*n))
                });
            let bytes = text.unwrap_or(len);
            for (t, rules) in rules.iter().enumerate() {
                let mut look: Look = (None, None, [false; 3]);
                for c in &classes {
                    let Some((prop, value)) = rules.get(c) else {
                        continue;
                    };
                    match (prop.as_str(), value.as_str()) {
                        ("color", v) => look.0 = Some(v.to_string()),
                        ("background-color", v) => look.1 = Some(v.to_string()),
                        ("font-weight", "bold") => look.2[0] = true,
                        ("font-style", "italic") => look.2[1] = true,
                        ("text-decoration", "underline") => look.2[2] = true,
                        other => panic!("unexpected rule {other:?}"),
                    }
                }
                looks[t].extend(std::iter::repeat_n(look, bytes));
            }
            rest = &rest[len..];
        }
        assert!(classes.is_empty(), "every span is closed: {html}");
        looks
    }

    #[test]
    fn style_classes_show_what_syntect_shows_in_both_themes() {
        let long = long_case();
        // Twice: the second time every cacheable line comes from the cache,
        // which the same lines highlighted with scope classes share.
        for _ in 0..2 {
            for (lang, code) in CASES.iter().copied().chain([("bash", long.as_str())]) {
                let scopes = highlight(lang, code, HighlightClasses::Scopes).unwrap();
                assert!(!scopes.contains("class=\"l"), "{scopes}");
                let html = highlight(lang, code, HighlightClasses::Styles).unwrap();
                let [light, dark] = our_looks(&html);
                assert_eq!(light.len(), code.len(), "{html}");
                for (t, ours) in [(0, light), (1, dark)] {
                    let theirs = syntect_looks(lang, code, HIGHLIGHT_THEMES[t]);
                    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                        assert_eq!(
                            a, b,
                            "{lang}, theme {}, byte {i} of {code:?}:\n{html}",
                            HIGHLIGHT_THEMES[t]
                        );
                    }
                }
                // Neighbouring runs of one look share a span (each line
                // closes its own, for the line cache).
                for (at, _) in html.match_indices("</span><span class=\"") {
                    let open = html[..at].rfind("<span class=\"").unwrap() + 13;
                    let prev = &html[open..open + html[open..].find('"').unwrap()];
                    let next = &html[at + 20..];
                    let next = &next[..next.find('"').unwrap()];
                    assert!(
                        prev != next || html[..at].ends_with('\n'),
                        "two spans of {prev:?} side by side: {html}"
                    );
                }
            }
        }
        // Comments are italic grey in the light theme: a class, not a colour
        // of its own in the markup.
        let html = highlight("bash", "echo hi # note\n", HighlightClasses::Styles).unwrap();
        assert!(html.contains("li"), "{html}");
        assert!(!html.contains("style=") && !html.contains("hl-"), "{html}");
    }
}
