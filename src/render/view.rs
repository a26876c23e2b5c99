//! View structs: what templates see. Borrowed, page-sized values built from the
//! frozen model; URLs in them are already relative to the page being rendered.
//! docs/templates.md documents every field.

use serde::Serialize;

/// `site`: the configuration values templates may show.
#[derive(Serialize, Clone)]
pub struct SiteView<'a> {
    /// Site title.
    pub title: &'a str,
    /// Site description.
    pub description: Option<&'a str>,
    /// `lang` attribute.
    pub language: &'a str,
    /// Absolute URL of the published site ("" if unset).
    pub base_url: &'a str,
    /// The search box and index are on.
    pub search: bool,
}

/// A titled link.
#[derive(Serialize, Clone)]
pub struct LinkView<'a> {
    /// Text of the link.
    pub title: &'a str,
    /// Relative URL ("" for the current page in breadcrumbs).
    pub url: String,
}

/// A branch, as a choice on the page.
#[derive(Serialize)]
pub struct BranchView<'a> {
    /// `when` rendered as inline HTML ("Next step" when absent).
    pub when_html: &'a str,
    /// `when` as plain text.
    pub when_text: &'a str,
    /// The target page's title.
    pub title: &'a str,
    /// The target page's summary.
    pub summary: Option<&'a str>,
    /// Relative URL of the target (with its `#fragment`).
    pub url: String,
    /// The target's outcome, if it ends the procedure.
    pub outcome: Option<&'static str>,
    /// Target id (page path relative to content/).
    pub id: &'a str,
}

/// A page that leads here.
#[derive(Serialize)]
pub struct ParentView<'a> {
    /// Its title.
    pub title: &'a str,
    /// Relative URL.
    pub url: String,
    /// The `when` of the branch that leads here, as inline HTML.
    pub when_html: &'a str,
    /// The same as plain text.
    pub when_text: &'a str,
}

/// One step of the path from the tree's entry to the page.
#[derive(Serialize)]
pub struct StepView<'a> {
    /// Title of the page the step leaves from.
    pub title: &'a str,
    /// Relative URL of that page.
    pub url: String,
    /// The answer chosen there (inline HTML).
    pub when_html: &'a str,
    /// The answer as plain text.
    pub when_text: &'a str,
}

/// `page`: the page itself.
#[derive(Serialize)]
pub struct PageView<'a> {
    /// Id: path relative to content/ (`account/reset.md`).
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Summary.
    pub summary: Option<&'a str>,
    /// `question` from the front matter: the heading over the branches.
    pub question: Option<&'a str>,
    /// Tags.
    pub tags: &'a [String],
    /// `resolved` / `escalate` / `unsolved`, or none.
    pub outcome: Option<&'static str>,
    /// This page starts a decision tree.
    pub entry: bool,
    /// The rendered body.
    pub content: String,
    /// The body starts with its own `#` heading.
    pub starts_with_h1: bool,
    /// Output path relative to the output root.
    pub path: &'a str,
    /// Some entry reaches this page (it is part of a decision tree).
    pub in_tree: bool,
    /// `owner` from the front matter.
    pub owner: Option<&'a str>,
    /// `reviewed` from the front matter (`2026-11-01`).
    pub reviewed: Option<String>,
    /// The "Edit this page" URL (`edit_url` with `{path}` filled in).
    pub edit_url: Option<String>,
    /// On an outcome page: the page's `contact`, else the site's `[outcomes]`
    /// text for its kind, as HTML.
    pub outcome_html: Option<String>,
    /// On an outcome page with `feedback_url`: the "Did this solve it?" links.
    pub feedback: Option<FeedbackView>,
}

/// The "Did this solve it? Yes / No" links of an outcome page. `{trail}` is
/// empty in the URLs; the script fills it in from the `*_template`s.
#[derive(Serialize)]
pub struct FeedbackView {
    /// The "Yes" link.
    pub yes: String,
    /// The "No" link.
    pub no: String,
    /// The "Yes" link with `{trail}` still in it (percent-encoded by the script).
    pub yes_template: String,
    /// The "No" link with `{trail}` still in it.
    pub no_template: String,
}

/// `page.html`'s context.
#[derive(Serialize)]
pub struct PageContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root ("" or "../…").
    pub root: String,
    /// The page.
    pub page: PageView<'a>,
    /// Home, sections, this page (last has url "").
    pub breadcrumbs: Vec<LinkView<'a>>,
    /// The page's branches, in order.
    pub branches: Vec<BranchView<'a>>,
    /// Pages with a branch to this one.
    pub parents: Vec<ParentView<'a>>,
    /// The only parent is the last step of `path`: "how you got here" would
    /// repeat the path, so the built-in theme leaves it out.
    pub parents_in_path: bool,
    /// Pages that link here in their text.
    pub backlinks: Vec<LinkView<'a>>,
    /// The entry of the tree this page belongs to (the first, by path), if any.
    pub tree: Option<LinkView<'a>>,
    /// Relative URL of that tree's map page (its flowchart and outline).
    pub map_url: Option<String>,
    /// Shortest path of answers from that entry to this page.
    pub path: Vec<StepView<'a>>,
    /// The page's tags, each linking to the page of that tag.
    pub tag_links: Vec<LinkView<'a>>,
}

/// A page listed on a section page.
#[derive(Serialize)]
pub struct ListedPage<'a> {
    /// Title.
    pub title: &'a str,
    /// Relative URL.
    pub url: String,
    /// Summary.
    pub summary: Option<&'a str>,
    /// Outcome, if any.
    pub outcome: Option<&'static str>,
    /// Starts a tree.
    pub entry: bool,
}

/// `section.html`'s context.
#[derive(Serialize)]
pub struct SectionContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root.
    pub root: String,
    /// The section.
    pub section: SectionView<'a>,
    /// Home and parent sections.
    pub breadcrumbs: Vec<LinkView<'a>>,
    /// Pages of the folder, by weight then path.
    pub pages: Vec<ListedPage<'a>>,
    /// Sub-folders.
    pub subsections: Vec<LinkView<'a>>,
}

/// `section`: a folder.
#[derive(Serialize)]
pub struct SectionView<'a> {
    /// `_index.md` title, or the folder name.
    pub title: &'a str,
    /// Folder path relative to content/ ("" for the root).
    pub path: &'a str,
    /// Rendered `_index.md` body ("" if none).
    pub content: String,
}

/// A node of a tree's outline. The outline is a flat list in document order
/// (components may not nest deeper than Tera's limit of 20, and trees do):
/// a node with children opens a nested list, which ends after its last
/// descendant.
#[derive(Serialize)]
pub struct OutlineNode<'a> {
    /// Page title.
    pub title: &'a str,
    /// Relative URL.
    pub url: String,
    /// Id of the page (path relative to content/).
    pub id: &'a str,
    /// `when` of the branch leading here (inline HTML), "" for the root.
    pub when_html: &'a str,
    /// Outcome, if any.
    pub outcome: Option<&'static str>,
    /// Shown earlier in this outline: referenced, not expanded.
    pub repeat: bool,
    /// The entry of another tree: linked, not expanded here.
    pub other_tree: bool,
    /// Element id of this node's first occurrence (for `repeat` links).
    pub anchor: String,
    /// Its children follow, in a nested list (their branch order).
    pub open: bool,
    /// How many nested lists end after this node.
    pub close: usize,
}

/// One decision tree on the index.
#[derive(Serialize)]
pub struct TreeView<'a> {
    /// Entry title.
    pub title: &'a str,
    /// Entry summary.
    pub summary: Option<&'a str>,
    /// Relative URL of the entry.
    pub url: String,
    /// Relative URL of the tree's map page (its chart and outline).
    pub map_url: String,
    /// Entry id.
    pub id: &'a str,
    /// Element id of the tree's section on the index (`tree-…`).
    pub anchor: String,
    /// Pages in the tree.
    pub page_count: usize,
    /// Outcome pages in the tree.
    pub outcome_count: usize,
    /// Outline, rooted at the entry (none when not drawn: on a home page
    /// whose trees are too big to show inline).
    pub outline: Option<Vec<OutlineNode<'a>>>,
    /// Inline SVG flowchart ("" when not drawn).
    pub flowchart: String,
}

/// Trees of one folder.
#[derive(Serialize)]
pub struct TreeGroup<'a> {
    /// Section title.
    pub title: &'a str,
    /// Folder path ("" for the root).
    pub path: &'a str,
    /// Relative URL of the section page.
    pub url: String,
    /// Trees whose entry is in this folder.
    pub trees: Vec<TreeView<'a>>,
}

/// `index.html`'s context.
#[derive(Serialize)]
pub struct IndexContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// "" on the home page.
    pub root: String,
    /// Rendered `content/_index.md` body.
    pub intro: String,
    /// Title from `content/_index.md`, else the site title.
    pub title: &'a str,
    /// Decision trees grouped by folder.
    pub groups: Vec<TreeGroup<'a>>,
    /// The trees' charts and outlines are drawn on the home page (small
    /// sites); otherwise only on their map pages.
    pub charts_inline: bool,
    /// Pages no entry reaches.
    pub reference: Vec<ListedPage<'a>>,
    /// Top-level sections.
    pub sections: Vec<LinkView<'a>>,
    /// Counts over the site.
    pub stats: Stats,
}

/// Site-wide counts.
#[derive(Serialize, Clone, Copy)]
pub struct Stats {
    /// Published pages.
    pub pages: usize,
    /// Decision trees.
    pub trees: usize,
    /// Branches.
    pub branches: usize,
}

/// `meta`, in every template: what the `<head>` says about the file.
#[derive(Serialize, Clone, Default)]
pub struct MetaView<'a> {
    /// The title of this file alone (for `og:title`).
    pub title: &'a str,
    /// The meta description: the page's `summary`, else the site's description.
    pub description: Option<&'a str>,
    /// The absolute URL of this file, only with `base_url` set (canonical link,
    /// `og:url`).
    pub canonical: Option<String>,
}

/// A tag with the number of pages that carry it.
#[derive(Serialize)]
pub struct TagView<'a> {
    /// The tag as first written (pages sorted by path).
    pub title: &'a str,
    /// Relative URL of its page.
    pub url: String,
    /// Pages tagged with it.
    pub count: usize,
}

/// `tag.html`'s context: the pages with one tag.
#[derive(Serialize)]
pub struct TagContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root.
    pub root: String,
    /// Home and the tags index.
    pub breadcrumbs: Vec<LinkView<'a>>,
    /// The tag.
    pub tag: &'a str,
    /// Pages with the tag, by path.
    pub pages: Vec<ListedPage<'a>>,
}

/// `tags.html`'s context: every tag.
#[derive(Serialize)]
pub struct TagsContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root.
    pub root: String,
    /// Home.
    pub breadcrumbs: Vec<LinkView<'a>>,
    /// Tags, by their page's path.
    pub tags: Vec<TagView<'a>>,
}

/// `404.html`'s context.
#[derive(Serialize)]
pub struct NotFoundContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root ("": 404.html is at the top).
    pub root: String,
    /// The entry of every decision tree, by path.
    pub trees: Vec<ListedPage<'a>>,
}

/// `map.html`'s context: the map page of one tree.
#[derive(Serialize)]
pub struct MapContext<'a> {
    /// Site values.
    pub site: SiteView<'a>,
    /// Relative prefix to the output root.
    pub root: String,
    /// Home, sections, the tree's entry.
    pub breadcrumbs: Vec<LinkView<'a>>,
    /// The tree, with its flowchart and outline.
    pub tree: TreeView<'a>,
}
