//! Markdown → wiki markup: walks pulldown-cmark's events of one body and writes
//! them in a wiki's [`Syntax`] (MediaWiki or DokuWiki).
//!
//! Input: the body text, its offset in the file, and a resolver that says where
//! each link or image destination leads in the wiki. Output: the markup, and a
//! [`Note`] for everything the wiki cannot express (the caller turns them into
//! warnings at their file and line). Nothing is dropped without a note; what a
//! wiki lacks takes its nearest form (an ordered list that starts at 7 starts at
//! 1 in DokuWiki, a heading inside a list item becomes bold text, a footnote becomes a
//! numbered note).

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

/// Where a link or image destination leads in the wiki.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// A wiki page (its name or id), with an optional heading anchor in the
    /// wiki's own form.
    Page {
        /// Page name (MediaWiki) or page id (DokuWiki).
        name: String,
        /// The wiki's anchor of the heading.
        anchor: Option<String>,
    },
    /// A heading of the same page (the wiki's anchor).
    Anchor(String),
    /// A file uploaded beside the pages (image or attachment).
    File(String),
    /// A URL with a scheme, kept as written.
    External(String),
    /// Nothing the wiki can link to: the text is kept and the reason is a warning.
    Unsupported(String),
}

/// Where a destination leads, and a warning when it is only nearly there (an
/// anchor the wiki has no heading for).
pub type Resolved = (Dest, Option<String>);

/// Something of the body the wiki cannot express as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// File-absolute byte range of the Markdown it is about.
    pub range: Range<usize>,
    /// What was done instead.
    pub message: String,
}

/// How one wiki writes each construct. Every text passed in is already converted;
/// `text` escapes plain text.
pub trait Syntax {
    /// Plain text, escaped so that the wiki shows it as written.
    fn text(&self, s: &str) -> String;
    /// Inline code.
    fn code_span(&self, s: &str) -> String;
    /// Opening and closing marks of emphasis, strong emphasis and strikethrough.
    fn marks(&self, tag: Mark) -> (&'static str, &'static str);
    /// A heading line. `inline` is the converted text, `plain` the text alone.
    fn heading(&self, level: usize, inline: &str, plain: &str) -> String;
    /// The start of a list item, for the stack of lists it is in (true: ordered).
    fn item_prefix(&self, lists: &[bool]) -> String;
    /// The opening and closing tags of an ordered list that starts at
    /// `start` (not 1), written as HTML `<ol>` with `<li>` items, if the wiki
    /// takes them.
    fn ordered_list_from(&self, start: u64) -> Option<(String, &'static str)>;
    /// A line break inside a paragraph or a list item.
    fn hard_break(&self) -> &'static str;
    /// A code block; `inline` when it must stay on the line of a list item.
    fn code_block(&self, lang: &str, code: &str, inline: bool) -> String;
    /// A table: column alignments, the header cells, then the rows.
    fn table(&self, aligns: &[Alignment], head: &[String], rows: &[Vec<String>]) -> String;
    /// A table on the line of a list item, if the wiki has a form for it.
    fn inline_table(
        &self,
        aligns: &[Alignment],
        head: &[String],
        rows: &[Vec<String>],
    ) -> Option<String>;
    /// A block quote around already converted blocks.
    fn quote(&self, inner: &str) -> String;
    /// A horizontal rule.
    fn rule(&self) -> &'static str;
    /// A link with converted text. `None` when the wiki has no form for it.
    fn link(&self, dest: &Dest, text: &str) -> Option<String>;
    /// An image with its alternative text. `None` when the wiki cannot show it
    /// (the caller links to it instead).
    fn image(&self, dest: &Dest, alt: &str) -> Option<String>;
    /// Link texts are plain text in this wiki (no markup inside).
    fn plain_link_text(&self) -> bool;
    /// Headings may stand inside a block quote.
    fn headings_in_quotes(&self) -> bool;
}

/// True when a heading at this nesting is written as a heading (elsewhere it
/// becomes bold text, and makes no anchor): not inside a list item or a
/// footnote, and inside a quote only where the wiki allows it.
pub fn heading_allowed(syntax: &dyn Syntax, lists: usize, quotes: usize, footnote: bool) -> bool {
    lists == 0 && !footnote && (quotes == 0 || syntax.headings_in_quotes())
}

/// Inline marks.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// `*em*`
    Emphasis,
    /// `**strong**`
    Strong,
    /// `~~strike~~`
    Strike,
}

/// The converted body and what could not be carried over.
#[derive(Debug, Default)]
pub struct Converted {
    /// Wiki markup, blocks separated by blank lines, ending in one newline
    /// (empty for an empty body).
    pub markup: String,
    /// Warnings, in body order.
    pub notes: Vec<Note>,
}

/// One open container of inline text or blocks.
enum Frame {
    /// A block (body, list item, footnote, quote): the converted text.
    Block(String),
    /// A heading: converted text and plain text.
    Heading(usize, String, String),
    /// A link: its destination and range, converted text, plain text.
    Link(String, Range<usize>, String, String),
    /// An image: its destination and range, alt text.
    Image(String, Range<usize>, String),
    /// A table cell.
    Cell(String),
}

struct Table {
    aligns: Vec<Alignment>,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    in_head: bool,
}

struct Converter<'a> {
    syntax: &'a dyn Syntax,
    resolve: &'a dyn Fn(&str) -> Resolved,
    frames: Vec<Frame>,
    /// Open lists (true: ordered), with the number of blocks of the open item
    /// and the number of quotes open around the list.
    lists: Vec<(bool, usize, usize)>,
    /// The index in `lists` of a list written as HTML (see
    /// [`Syntax::ordered_list_from`]); lists inside it use the wiki's prefixes.
    html_list: Option<usize>,
    tables: Vec<Table>,
    /// Open block quotes.
    quotes: usize,
    /// Footnote numbers, by label, in order of first use.
    footnotes: BTreeMap<String, usize>,
    /// Blocks already in the open footnote definition.
    footnote_blocks: Option<usize>,
    code: Option<(String, String)>,
    notes: Vec<Note>,
    base: usize,
    /// Text not yet written: pulldown-cmark splits text at characters that
    /// might have been markup, and it is escaped as one run.
    text: String,
}

/// Converts the Markdown `src[body]` with `syntax`; `resolve` maps each link and
/// image destination as written to where it leads in the wiki.
pub fn convert(
    src: &str,
    body: Range<usize>,
    syntax: &dyn Syntax,
    resolve: &dyn Fn(&str) -> Resolved,
) -> Converted {
    let mut c = Converter::new(syntax, resolve, body.start);
    let text = &src[body];
    for (event, range) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        c.event(event, range);
    }
    c.flush();
    let Some(Frame::Block(mut markup)) = c.frames.pop() else {
        unreachable!("the body frame is the last one")
    };
    let trimmed = markup.trim_end().len();
    markup.truncate(trimmed);
    if !markup.is_empty() {
        markup.push('\n');
    }
    Converted {
        markup,
        notes: c.notes,
    }
}

/// Converts inline Markdown (a branch's `when`), with no links resolved: link
/// syntax keeps its text only.
pub fn inline(text: &str, syntax: &dyn Syntax) -> String {
    let resolve = |_: &str| (Dest::Unsupported(String::new()), None);
    let mut c = Converter::new(syntax, &resolve, 0);
    for (event, range) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        match event {
            // A link inside a link's text is not possible: keep the words.
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Paragraph)
            | Event::End(TagEnd::Link | TagEnd::Image | TagEnd::Paragraph) => {}
            e => c.event(e, range),
        }
    }
    c.flush();
    match c.frames.pop() {
        Some(Frame::Block(s)) => s.trim().to_string(),
        _ => String::new(),
    }
}

fn heading_level(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

impl<'a> Converter<'a> {
    /// A converter with nothing open, for text starting at byte `base` of its file.
    fn new(syntax: &'a dyn Syntax, resolve: &'a dyn Fn(&str) -> Resolved, base: usize) -> Self {
        Converter {
            syntax,
            resolve,
            frames: vec![Frame::Block(String::new())],
            lists: Vec::new(),
            html_list: None,
            tables: Vec::new(),
            quotes: 0,
            footnotes: BTreeMap::new(),
            footnote_blocks: None,
            code: None,
            notes: Vec::new(),
            base,
            text: String::new(),
        }
    }

    fn note(&mut self, range: &Range<usize>, message: impl Into<String>) {
        self.notes.push(Note {
            range: self.base + range.start..self.base + range.end,
            message: message.into(),
        });
    }

    /// The innermost frame that takes inline text.
    fn top(&mut self) -> &mut String {
        match self.frames.last_mut().expect("the body frame") {
            Frame::Block(s)
            | Frame::Cell(s)
            | Frame::Heading(_, s, _)
            | Frame::Link(_, _, s, _) => s,
            Frame::Image(_, _, alt) => alt,
        }
    }

    /// Appends converted inline markup, and `plain` to headings, links and images.
    fn push(&mut self, markup: &str, plain: &str) {
        match self.frames.last_mut().expect("the body frame") {
            Frame::Block(s) | Frame::Cell(s) => s.push_str(markup),
            Frame::Heading(_, s, p) | Frame::Link(_, _, s, p) => {
                s.push_str(markup);
                p.push_str(plain);
            }
            Frame::Image(_, _, alt) => alt.push_str(plain),
        }
    }

    fn in_inline_frame(&self) -> bool {
        !matches!(self.frames.last(), Some(Frame::Block(_)))
    }

    /// Starts a block: at the start of a line, after a blank line unless it is
    /// the first block of a list item or footnote (then on the item's line).
    fn start_block(&mut self) {
        let in_item = self.in_item();
        let first_in_item = in_item && self.item_blocks() == 0;
        if in_item {
            self.bump_item_blocks();
        }
        if first_in_item {
            return;
        }
        let brk = self.syntax.hard_break();
        let kinds = self.kinds();
        let prefix = self.syntax.item_prefix(&kinds);
        let s = self.top();
        if in_item {
            // A later block of an item: the wiki has no paragraphs inside an
            // item's line, so it continues after a line break, or (after a
            // nested list) on a line of its own at the item's level.
            if s.ends_with('\n') {
                if !kinds.is_empty() {
                    s.push_str(&prefix);
                }
            } else {
                s.push_str(brk);
            }
            return;
        }
        if s.is_empty() {
            return;
        }
        let trimmed = s.trim_end_matches('\n').len();
        s.truncate(trimmed);
        s.push_str("\n\n");
    }

    /// The kinds of the open lists that items are written with prefixes for.
    fn kinds(&self) -> Vec<bool> {
        let from = self.html_list.map_or(0, |i| i + 1);
        self.lists[from.min(self.lists.len())..]
            .iter()
            .map(|l| l.0)
            .collect()
    }

    /// True when the innermost open list is written as HTML.
    fn in_html_list(&self) -> bool {
        self.html_list.is_some() && self.html_list == self.lists.len().checked_sub(1)
    }

    /// True when blocks go on the line of a list item or footnote (not inside a
    /// quote opened in it).
    fn in_item(&self) -> bool {
        match self.lists.last() {
            Some(l) => l.2 == self.quotes,
            None => self.footnote_blocks.is_some() && self.quotes == 0,
        }
    }

    fn item_blocks(&self) -> usize {
        match self.lists.last() {
            Some(&(_, n, _)) => n,
            None => self.footnote_blocks.unwrap_or(0),
        }
    }

    fn bump_item_blocks(&mut self) {
        match self.lists.last_mut() {
            Some((_, n, _)) => *n += 1,
            None => {
                if let Some(n) = self.footnote_blocks.as_mut() {
                    *n += 1;
                }
            }
        }
    }

    fn end_line(&mut self) {
        let s = self.top();
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
    }

    #[allow(clippy::too_many_lines, reason = "one arm per Markdown construct")]
    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if let Some((_, code)) = self.code.as_mut() {
            match event {
                Event::Text(t) => {
                    code.push_str(&t);
                    return;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => return,
            }
        }
        if let Event::Text(t) = &event {
            self.text.push_str(t);
            return;
        }
        self.flush();
        match event {
            Event::Start(Tag::Paragraph) => {
                if !self.in_inline_frame() {
                    self.start_block();
                }
            }
            Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Heading { level, .. }) => {
                let level = heading_level(level);
                if !heading_allowed(
                    self.syntax,
                    self.lists.len(),
                    self.quotes,
                    self.footnote_blocks.is_some(),
                ) {
                    // A heading cannot stand in a list item's line (nor, in
                    // DokuWiki, in a quote): bold text.
                    self.start_block();
                    let (open, _) = self.syntax.marks(Mark::Strong);
                    self.top().push_str(open);
                    self.frames
                        .push(Frame::Heading(0, String::new(), String::new()));
                } else {
                    self.start_block();
                    self.frames
                        .push(Frame::Heading(level, String::new(), String::new()));
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some(Frame::Heading(level, inline, plain)) = self.frames.pop() else {
                    return;
                };
                if level == 0 {
                    let (_, close) = self.syntax.marks(Mark::Strong);
                    let s = self.top();
                    s.push_str(&inline);
                    s.push_str(close);
                } else {
                    let line = self.syntax.heading(level, &inline, &plain);
                    self.top().push_str(&line);
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.start_block();
                self.quotes += 1;
                self.frames.push(Frame::Block(String::new()));
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.quotes -= 1;
                let Some(Frame::Block(inner)) = self.frames.pop() else {
                    return;
                };
                let quoted = self.syntax.quote(inner.trim_end());
                self.top().push_str(&quoted);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                let (lang, code) = self.code.take().expect("open code block");
                let inline = self.in_item();
                self.start_block();
                let block = self
                    .syntax
                    .code_block(&lang, code.trim_end_matches('\n'), inline);
                self.top().push_str(&block);
            }
            Event::Start(Tag::List(start)) => {
                if !self.in_item() {
                    self.start_block();
                }
                if let Some(n) = start.filter(|&n| n != 1) {
                    match self.syntax.ordered_list_from(n) {
                        Some((open, _)) if self.html_list.is_none() => {
                            self.end_line();
                            let s = self.top();
                            s.push_str(&open);
                            s.push('\n');
                            self.html_list = Some(self.lists.len());
                        }
                        _ => self.note(
                            &range,
                            format!(
                                "the wiki numbers every list from 1: this list starts at 1, not at {n}"
                            ),
                        ),
                    }
                }
                self.lists.push((start.is_some(), 0, self.quotes));
            }
            Event::End(TagEnd::List(_)) => {
                let html = self.in_html_list();
                self.lists.pop();
                if html {
                    self.html_list = None;
                    let close = self.syntax.ordered_list_from(2).map_or("", |t| t.1);
                    self.end_line();
                    self.top().push_str(close);
                    self.top().push('\n');
                }
                if self.lists.is_empty() {
                    self.end_line();
                }
            }
            Event::Start(Tag::Item) => {
                self.end_line();
                if let Some(last) = self.lists.last_mut() {
                    last.1 = 0;
                }
                let prefix = if self.in_html_list() {
                    "<li>".to_string()
                } else {
                    self.syntax.item_prefix(&self.kinds())
                };
                self.top().push_str(&prefix);
            }
            Event::End(TagEnd::Item) => {
                if self.in_html_list() {
                    let s = self.top();
                    let n = s.trim_end_matches('\n').len();
                    s.truncate(n);
                    s.push_str("</li>");
                }
                self.end_line();
                // The item of the enclosing list, if any, now has a block.
                let n = self.lists.len();
                if n >= 2 {
                    self.lists[n - 2].1 += 1;
                }
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let n = self.footnote_number(&label);
                self.start_block();
                let sup = format!("<sup>[{n}]</sup>");
                let s = self.top();
                s.push_str(&sup);
                s.push(' ');
                self.footnote_blocks = Some(0);
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                self.footnote_blocks = None;
                self.end_line();
            }
            Event::FootnoteReference(label) => {
                let n = self.footnote_number(&label);
                let sup = format!("<sup>[{n}]</sup>");
                self.push(&sup, &format!("[{n}]"));
            }
            Event::Start(Tag::Table(aligns)) => {
                self.tables.push(Table {
                    aligns,
                    head: Vec::new(),
                    rows: Vec::new(),
                    in_head: false,
                });
            }
            Event::End(TagEnd::Table) => {
                let t = self.tables.pop().expect("open table");
                if !self.in_item() {
                    self.start_block();
                    let table = self.syntax.table(&t.aligns, &t.head, &t.rows);
                    self.top().push_str(&table);
                } else if let Some(table) = self.syntax.inline_table(&t.aligns, &t.head, &t.rows) {
                    self.start_block();
                    self.top().push_str(&table);
                } else {
                    // The wiki has no table inside a list item: the table
                    // stands between the item and the rest of the list.
                    self.bump_item_blocks();
                    self.end_line();
                    let table = self.syntax.table(&t.aligns, &t.head, &t.rows);
                    let s = self.top();
                    s.push_str(&table);
                    s.push('\n');
                }
            }
            Event::Start(Tag::TableHead) => {
                if let Some(t) = self.tables.last_mut() {
                    t.in_head = true;
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = self.tables.last_mut() {
                    t.in_head = false;
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Event::End(TagEnd::TableRow) => {}
            Event::Start(Tag::TableCell) => self.frames.push(Frame::Cell(String::new())),
            Event::End(TagEnd::TableCell) => {
                let Some(Frame::Cell(cell)) = self.frames.pop() else {
                    return;
                };
                let cell = cell.trim().to_string();
                if let Some(t) = self.tables.last_mut() {
                    if t.in_head {
                        t.head.push(cell);
                    } else if let Some(row) = t.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            Event::Start(Tag::Emphasis) => self.mark(Mark::Emphasis, true),
            Event::End(TagEnd::Emphasis) => self.mark(Mark::Emphasis, false),
            Event::Start(Tag::Strong) => self.mark(Mark::Strong, true),
            Event::End(TagEnd::Strong) => self.mark(Mark::Strong, false),
            Event::Start(Tag::Strikethrough) => self.mark(Mark::Strike, true),
            Event::End(TagEnd::Strikethrough) => self.mark(Mark::Strike, false),
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.frames.push(Frame::Link(
                    dest_url.into_string(),
                    range,
                    String::new(),
                    String::new(),
                ));
            }
            Event::End(TagEnd::Link) => {
                let Some(Frame::Link(dest, range, inline, plain)) = self.frames.pop() else {
                    return;
                };
                let markup = self.link(&dest, &range, &inline, &plain);
                self.push(&markup, &plain);
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.frames
                    .push(Frame::Image(dest_url.into_string(), range, String::new()));
            }
            Event::End(TagEnd::Image) => {
                let Some(Frame::Image(dest, range, alt)) = self.frames.pop() else {
                    return;
                };
                let markup = self.image(&dest, &range, &alt);
                self.push(&markup, &alt);
            }
            Event::Text(_) => unreachable!("gathered above"),
            Event::Code(t) => {
                let markup = self.syntax.code_span(&t);
                self.push(&markup, &t);
            }
            Event::SoftBreak => self.push(" ", " "),
            Event::HardBreak => {
                let brk = self.syntax.hard_break();
                self.push(brk, " ");
            }
            Event::Rule => {
                self.start_block();
                let rule = self.syntax.rule();
                self.top().push_str(rule);
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "☑ " } else { "☐ " };
                self.push(mark, mark);
            }
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html, &range),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                let markup = self.syntax.code_span(&t);
                self.push(&markup, &t);
            }
            Event::Start(
                Tag::HtmlBlock
                | Tag::DefinitionList
                | Tag::DefinitionListTitle
                | Tag::DefinitionListDefinition
                | Tag::Superscript
                | Tag::Subscript
                | Tag::MetadataBlock(_),
            )
            | Event::End(
                TagEnd::HtmlBlock
                | TagEnd::DefinitionList
                | TagEnd::DefinitionListTitle
                | TagEnd::DefinitionListDefinition
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::MetadataBlock(_),
            ) => {}
        }
    }

    /// Writes the gathered text.
    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let markup = self.syntax.text(&text);
        self.push(&markup, &text);
    }

    fn mark(&mut self, mark: Mark, open: bool) {
        let (o, c) = self.syntax.marks(mark);
        if matches!(self.frames.last(), Some(Frame::Link(..))) && self.syntax.plain_link_text() {
            return;
        }
        self.push(if open { o } else { c }, "");
    }

    fn footnote_number(&mut self, label: &str) -> usize {
        let n = self.footnotes.len() + 1;
        *self.footnotes.entry(label.to_string()).or_insert(n)
    }

    /// Raw HTML: the wiki gets its text (tags removed, as ammonia removes
    /// them) in the nearest form; elements whose content is not text (images,
    /// media, links, scripts) are a warning.
    fn html(&mut self, html: &str, range: &Range<usize>) {
        let lower = html.trim().to_ascii_lowercase();
        if matches!(lower.as_str(), "<br>" | "<br/>" | "<br />") {
            let brk = self.syntax.hard_break();
            self.push(brk, " ");
            return;
        }
        const LOST: [&str; 11] = [
            "<img", "<iframe", "<video", "<audio", "<object", "<embed", "<svg", "<script",
            "<style", "<input", "<math",
        ];
        let lost = LOST
            .iter()
            .find(|t| lower.contains(**t))
            .map(|t| &t[1..])
            .or_else(|| (lower.contains("<a ") && lower.contains("href")).then_some("a href"));
        if let Some(tag) = lost {
            self.note(
                range,
                format!("raw HTML (<{tag}>) is not carried over into the wiki: only its text is"),
            );
        }
        let text = ammonia::Builder::empty().clean(html).to_string();
        let text = html_escape::decode_html_entities(&text);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return;
        }
        let markup = self.syntax.text(&text);
        if self.in_inline_frame() || !html.ends_with('\n') {
            self.push(&markup, &text);
        } else {
            self.start_block();
            self.top().push_str(&markup);
        }
    }

    fn link(&mut self, dest: &str, range: &Range<usize>, inline: &str, plain: &str) -> String {
        let (target, warning) = (self.resolve)(dest);
        if let Some(w) = warning {
            self.note(range, w);
        }
        let text = if self.syntax.plain_link_text() {
            plain.to_string()
        } else {
            inline.to_string()
        };
        if let Dest::Unsupported(why) = &target {
            if !why.is_empty() {
                self.note(range, why.clone());
            }
            return [inline, &self.syntax.text(&format!(" ({dest})"))].concat();
        }
        match self.syntax.link(&target, &text) {
            Some(markup) => markup,
            None => {
                self.note(
                    range,
                    format!("the wiki cannot link to `{dest}`: the link is shown as text"),
                );
                [inline, &self.syntax.text(&format!(" ({dest})"))].concat()
            }
        }
    }

    fn image(&mut self, dest: &str, range: &Range<usize>, alt: &str) -> String {
        let (target, warning) = (self.resolve)(dest);
        if let Some(w) = warning {
            self.note(range, w);
        }
        if let Dest::Unsupported(why) = &target {
            if !why.is_empty() {
                self.note(range, why.clone());
            }
            return self.syntax.text(&format!("{alt} ({dest})"));
        }
        if let Some(markup) = self.syntax.image(&target, alt) {
            if matches!(self.frames.last(), Some(Frame::Link(..))) {
                self.note(
                    range,
                    "an image inside a link is shown as its text in the wiki",
                );
                return self.syntax.text(alt);
            }
            return markup;
        }
        self.note(
            range,
            format!("the wiki does not show the image `{dest}` inline: it is linked instead"),
        );
        let text = if alt.is_empty() { dest } else { alt };
        let text = self.syntax.text(text);
        self.syntax
            .link(&target, &text)
            .unwrap_or_else(|| self.syntax.text(&format!("{alt} ({dest})")))
    }
}
