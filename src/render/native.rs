//! The built-in theme's templates as Rust: `page.html`, `section.html` and
//! `index.html` (with `base.html` and `macros.html`) written straight into a
//! `String`, byte for byte what Tera renders from
//! `themes/default/templates/*.html` with the same view.
//!
//! Rendering with Tera serializes each view to JSON values first and then walks
//! the template; on a large site that was close to a third of the CPU time of a
//! build. [`super::render_parts`] uses these functions only when the theme's
//! `page.html`/`section.html`/`index.html`, `base.html` and `macros.html` are
//! the unmodified built-in sources (see [`super::Theme::native`]); any override
//! goes through Tera.
//!
//! **Keep in sync with the templates.** Every function below mirrors one
//! template or macro, line by line: a comment names the template line (or
//! `{% … %}` tag) each piece comes from, and literal text keeps the template's
//! own line breaks as `\n`. The integration test `native` renders every fixture
//! site both ways and compares the bytes.
//!
//! Tera semantics reproduced here:
//! - `{{ x }}` is escaped with [`escape_into`] (`& < > " '`, as
//!   [`super::theme::escape_html`]); `{{ x | safe }}` and macro calls are not.
//! - `{% if x %}` is false for `none`, `""`, `false`, `0` and empty lists, see
//!   [`truthy`].
//! - `pluralize` gives `""` for 1 and `"s"` otherwise, see [`plural`].
//! - In a child template only the contents of its blocks count; the blocks of
//!   `base.html` a child does not override (`header_extra`, `search`) keep
//!   `base.html`'s contents.
//! - In `macros.html`, `{%-` and `-%}` remove the white space (here: the line
//!   breaks) on their side.

use std::fmt::Write as _;

use super::theme::escape_into;
use super::view::{
    IndexContext, LinkView, ListedPage, OutlineNode, PageContext, SectionContext, SiteView,
};

/// Room for `base.html`'s own text (about 1.3 KB) and the short parts of a page.
const BASE_CAPACITY: usize = 2048;

/// Room for one list item (a link, its title and a `when`) on a page.
const ITEM_CAPACITY: usize = 320;

/// Tera's truthiness of an optional string: `none` and `""` are false, so
/// `{% if x %}…{{ x }}…{% endif %}` is `if let Some(x) = truthy(x) { … }`.
fn truthy(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// Tera's `pluralize` filter with its default arguments.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `{{ n }}` for a count.
fn number(out: &mut String, n: usize) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{n}");
}

/// `base.html`, with the three blocks the built-in child templates override.
fn base(
    out: &mut String,
    site: &SiteView<'_>,
    root: &str,
    title: impl FnOnce(&mut String),
    body_attrs: impl FnOnce(&mut String),
    main: impl FnOnce(&mut String),
) {
    // <!DOCTYPE html> … <html lang="{{ site.language }}">
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    escape_into(out, site.language);
    out.push_str(concat!(
        "\">\n",
        "<head>\n",
        "<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"color-scheme\" content=\"light dark\">\n",
        "<title>",
    ));
    // {% block title %}{{ site.title }}{% endblock title %}
    title(out);
    out.push_str("</title>\n");
    // {% if site.description %}<meta name="description" content="{{ site.description }}">{% endif %}
    if let Some(d) = truthy(site.description) {
        out.push_str("<meta name=\"description\" content=\"");
        escape_into(out, d);
        out.push_str("\">");
    }
    // <meta name="generator" …> and the two stylesheets under {{ root }}
    out.push_str(
        "\n<meta name=\"generator\" content=\"signpost\">\n<link rel=\"stylesheet\" href=\"",
    );
    escape_into(out, root);
    out.push_str("_signpost/style.css\">\n<link rel=\"stylesheet\" href=\"");
    escape_into(out, root);
    out.push_str("_signpost/highlight.css\">\n</head>\n<body");
    // <body{% block body_attrs %}{% endblock body_attrs %} data-root="{{ root }}">
    body_attrs(out);
    out.push_str(" data-root=\"");
    escape_into(out, root);
    // <a class="skip" …>, <header class="site-header">,
    //   <a class="site-title" href="{{ root }}index.html">{{ site.title }}</a>
    out.push_str(concat!(
        "\">\n",
        "<a class=\"skip\" href=\"#main\">Skip to content</a>\n",
        "<header class=\"site-header\">\n",
        "  <a class=\"site-title\" href=\"",
    ));
    escape_into(out, root);
    out.push_str("index.html\">");
    escape_into(out, site.title);
    // {% block header_extra %}{% endblock header_extra %} (empty), then the line
    // of {% block search %}
    out.push_str("</a>\n  \n  ");
    // {% if site.search %}<form class="search" … data-index="{{ root }}_signpost/search-index.js" hidden> … </form>{% endif %}
    if site.search {
        out.push_str("<form class=\"search\" role=\"search\" data-index=\"");
        escape_into(out, root);
        out.push_str(concat!(
            "_signpost/search-index.js\" hidden>\n",
            "    <label class=\"visually-hidden\" for=\"search-input\">Search this knowledge base</label>\n",
            "    <input class=\"search-input\" id=\"search-input\" type=\"search\" name=\"q\" placeholder=\"Search (press /)\" spellcheck=\"false\" autocomplete=\"off\">\n",
            "  </form>",
        ));
    }
    // </header> <main id="main">
    out.push_str("\n</header>\n<main id=\"main\">\n");
    // {% block main %}{% endblock main %}
    main(out);
    // </main> <footer class="site-footer"> <p>{{ site.title }}
    out.push_str("\n</main>\n<footer class=\"site-footer\">\n  <p>");
    escape_into(out, site.title);
    // {% if site.description %} · {{ site.description }}{% endif %}</p>
    if let Some(d) = truthy(site.description) {
        out.push_str(" · ");
        escape_into(out, d);
    }
    // </footer> <script src="{{ root }}_signpost/signpost.js"></script> </body> </html>
    out.push_str("</p>\n</footer>\n<script src=\"");
    escape_into(out, root);
    out.push_str("_signpost/signpost.js\"></script>\n</body>\n</html>\n");
}

/// `macros.html`: `outcome_badge(outcome)`.
fn outcome_badge(out: &mut String, outcome: Option<&str>) {
    // {% if outcome %}<span class="badge outcome-{{ outcome }}">
    let Some(o) = truthy(outcome) else {
        return;
    };
    out.push_str("<span class=\"badge outcome-");
    escape_into(out, o);
    out.push_str("\">");
    // {% if outcome == "resolved" %}Resolved{% elif outcome == "escalate" %}Escalate{% else %}Unsolved{% endif %}
    out.push_str(match o {
        "resolved" => "Resolved",
        "escalate" => "Escalate",
        _ => "Unsolved",
    });
    // </span>{% endif %}
    out.push_str("</span>");
}

/// `<li><a href="{{ url }}">{{ title }}</a></li>`, a list item the templates
/// write in several lists.
fn link_item(out: &mut String, url: &str, title: &str) {
    out.push_str("<li><a href=\"");
    escape_into(out, url);
    out.push_str("\">");
    escape_into(out, title);
    out.push_str("</a></li>");
}

/// `macros.html`: `breadcrumbs(crumbs)` (the macro body starts and ends with a
/// line break).
fn breadcrumbs(out: &mut String, crumbs: &[LinkView<'_>]) {
    // <nav class="breadcrumbs" aria-label="Breadcrumbs"><ol>
    out.push_str("\n<nav class=\"breadcrumbs\" aria-label=\"Breadcrumbs\"><ol>\n");
    // {% for c in crumbs %}<li>…</li>{% endfor %}
    for c in crumbs {
        out.push_str("<li>");
        if c.url.is_empty() {
            // {% else %}<span aria-current="page">{{ c.title }}</span>
            out.push_str("<span aria-current=\"page\">");
            escape_into(out, c.title);
            out.push_str("</span>");
        } else {
            // {% if c.url %}<a href="{{ c.url }}">{{ c.title }}</a>
            out.push_str("<a href=\"");
            escape_into(out, &c.url);
            out.push_str("\">");
            escape_into(out, c.title);
            out.push_str("</a>");
        }
        out.push_str("</li>");
    }
    // </ol></nav>
    out.push_str("\n</ol></nav>\n");
}

/// `macros.html`: `outline_node(node)`, recursively. Every line break of the
/// macro is removed by `{%-`/`-%}`, so a node is one line.
fn outline_node(out: &mut String, node: &OutlineNode<'_>) {
    // <li{% if node.anchor and not node.repeat %} id="{{ node.anchor }}"{% endif %}
    out.push_str("<li");
    if !node.anchor.is_empty() && !node.repeat {
        out.push_str(" id=\"");
        escape_into(out, &node.anchor);
        out.push('"');
    }
    // {% if node.outcome %} class="is-outcome outcome-{{ node.outcome }}"{% endif %}>
    if let Some(o) = truthy(node.outcome) {
        out.push_str(" class=\"is-outcome outcome-");
        escape_into(out, o);
        out.push('"');
    }
    out.push('>');
    // {%- if node.when_html %}<span class="when">{{ node.when_html | safe }}</span> <span class="arrow" aria-hidden="true">→</span> {% endif -%}
    if !node.when_html.is_empty() {
        out.push_str("<span class=\"when\">");
        out.push_str(node.when_html);
        out.push_str("</span> <span class=\"arrow\" aria-hidden=\"true\">→</span> ");
    }
    // <a href="{{ node.url }}">{{ node.title }}</a>{{ self::outcome_badge(outcome=node.outcome) }}
    out.push_str("<a href=\"");
    escape_into(out, &node.url);
    out.push_str("\">");
    escape_into(out, node.title);
    out.push_str("</a>");
    outcome_badge(out, node.outcome);
    // {%- if node.repeat %} <a class="see-above" href="#{{ node.anchor }}">(see above)</a>{% endif -%}
    if node.repeat {
        out.push_str(" <a class=\"see-above\" href=\"#");
        escape_into(out, &node.anchor);
        out.push_str("\">(see above)</a>");
    }
    // {%- if node.other_tree %} <span class="see-above">(a decision tree of its own)</span>{% endif -%}
    if node.other_tree {
        out.push_str(" <span class=\"see-above\">(a decision tree of its own)</span>");
    }
    // {%- if node.children %}<ul>{% for child in node.children %}{{ self::outline_node(node=child) }}{% endfor %}</ul>{% endif -%}
    if !node.children.is_empty() {
        out.push_str("<ul>");
        for child in &node.children {
            outline_node(out, child);
        }
        out.push_str("</ul>");
    }
    // </li>
    out.push_str("</li>");
}

/// `page.html`, and where in it `page.content` was written (the caller may
/// leave the content out and write it there).
pub(super) fn page(v: &PageContext<'_>) -> (String, usize) {
    let p = &v.page;
    let items =
        v.breadcrumbs.len() + v.branches.len() + v.parents.len() + v.backlinks.len() + v.path.len();
    let mut out = String::with_capacity(BASE_CAPACITY + p.content.len() + items * ITEM_CAPACITY);
    let mut content_at = 0;
    base(
        &mut out,
        &v.site,
        &v.root,
        // {% block title %}{{ page.title }} · {{ site.title }}{% endblock title %}
        |out| {
            escape_into(out, p.title);
            out.push_str(" · ");
            escape_into(out, v.site.title);
        },
        // {% block body_attrs %} class="page{% if page.outcome %} outcome-page outcome-{{ page.outcome }}{% endif %}"
        //   data-page="{{ page.id }}" data-title="{{ page.title }}"{% if tree %} data-tree-url="{{ tree.url }}"{% endif %}{% endblock body_attrs %}
        |out| {
            out.push_str(" class=\"page");
            if let Some(o) = truthy(p.outcome) {
                out.push_str(" outcome-page outcome-");
                escape_into(out, o);
            }
            out.push_str("\" data-page=\"");
            escape_into(out, p.id);
            out.push_str("\" data-title=\"");
            escape_into(out, p.title);
            out.push('"');
            if let Some(t) = &v.tree {
                out.push_str(" data-tree-url=\"");
                escape_into(out, &t.url);
                out.push('"');
            }
        },
        |out| content_at = page_main(out, v),
    );
    (out, content_at)
}

/// `page.html`: `{% block main %}`; returns where `page.content` was written.
fn page_main(out: &mut String, v: &PageContext<'_>) -> usize {
    let p = &v.page;
    // {% block main %}
    // {{ m::breadcrumbs(crumbs=breadcrumbs) }}
    out.push('\n');
    breadcrumbs(out, &v.breadcrumbs);
    out.push('\n');
    // {% if tree %}
    if let Some(tree) = &v.tree {
        // <nav class="where" aria-label="Where am I">
        //   <p class="where-start"><a href="{{ tree.url }}">↺ Start of “{{ tree.title }}”</a></p>
        out.push_str(concat!(
            "\n",
            "<nav class=\"where\" aria-label=\"Where am I\">\n",
            "  <p class=\"where-start\"><a href=\""
        ));
        escape_into(out, &tree.url);
        out.push_str("\">↺ Start of “");
        escape_into(out, tree.title);
        out.push_str("”</a></p>\n  ");
        //   {% if path %}<ol class="where-path">
        if !v.path.is_empty() {
            out.push_str("<ol class=\"where-path\">\n  ");
            //   {% for step in path %}<li><a href="{{ step.url }}">{{ step.title }}</a> <span class="where-when">{{ step.when_html | safe }}</span></li>{% endfor %}
            for step in &v.path {
                out.push_str("<li><a href=\"");
                escape_into(out, &step.url);
                out.push_str("\">");
                escape_into(out, step.title);
                out.push_str("</a> <span class=\"where-when\">");
                out.push_str(step.when_html);
                out.push_str("</span></li>");
            }
            //   <li aria-current="page">{{ page.title }}</li>
            out.push_str("\n  <li aria-current=\"page\">");
            escape_into(out, p.title);
            //   </ol>{% endif %}
            out.push_str("</li>\n  </ol>");
        }
        //   <div class="trail" hidden></div>
        // </nav>
        out.push_str("\n  <div class=\"trail\" hidden></div>\n</nav>\n");
    }
    // {% endif %}
    // <article class="procedure">
    out.push_str("\n<article class=\"procedure\">\n");
    // {% if page.outcome %}<p class="page-outcome">{{ m::outcome_badge(outcome=page.outcome) }} <span>Last step of the procedure</span></p>{% endif %}
    if truthy(p.outcome).is_some() {
        out.push_str("<p class=\"page-outcome\">");
        outcome_badge(out, p.outcome);
        out.push_str(" <span>Last step of the procedure</span></p>");
    }
    out.push('\n');
    // {% if not page.starts_with_h1 %}<h1>{{ page.title }}</h1>{% endif %}
    if !p.starts_with_h1 {
        out.push_str("<h1>");
        escape_into(out, p.title);
        out.push_str("</h1>");
    }
    out.push('\n');
    // {% if page.summary %}<p class="summary">{{ page.summary }}</p>{% endif %}
    if let Some(s) = truthy(p.summary) {
        out.push_str("<p class=\"summary\">");
        escape_into(out, s);
        out.push_str("</p>");
    }
    // <div class="body">
    // {{ page.content | safe }}
    // </div>
    out.push_str("\n<div class=\"body\">\n");
    let content_at = out.len();
    out.push_str(&p.content);
    out.push_str("\n</div>\n");
    // {% if page.outcome %}
    if let Some(o) = truthy(p.outcome) {
        // <aside class="outcome outcome-{{ page.outcome }}" role="note">
        out.push_str("\n<aside class=\"outcome outcome-");
        escape_into(out, o);
        out.push_str("\" role=\"note\">\n");
        out.push_str(match o {
            // {% if page.outcome == "resolved" %}<strong>Resolved.</strong> …
            "resolved" => {
                "<strong>Resolved.</strong> This ends the procedure: the problem is fixed.\n"
            }
            // {% elif page.outcome == "escalate" %}<strong>Escalate.</strong> …
            "escalate" => {
                "<strong>Escalate.</strong> This ends the procedure here: hand over to the person or team named above.\n"
            }
            // {% else %}<strong>Unsolved.</strong> …{% endif %}
            _ => "<strong>Unsolved.</strong> This is a known dead end: there is no fix yet.",
        });
        // </aside>
        out.push_str("\n</aside>\n");
    }
    // {% endif %}
    out.push('\n');
    // {% if branches %}
    if !v.branches.is_empty() {
        // <section class="choices" aria-labelledby="choices-title">
        // <h2 id="choices-title">{% if branches | length > 1 %}What is your situation?{% else %}Next{% endif %}</h2>
        // <ul class="branches">
        out.push_str("\n<section class=\"choices\" aria-labelledby=\"choices-title\">\n<h2 id=\"choices-title\">");
        out.push_str(if v.branches.len() > 1 {
            "What is your situation?"
        } else {
            "Next"
        });
        out.push_str("</h2>\n<ul class=\"branches\">\n");
        // {% for b in branches %}<li>…</li>
        // {% endfor %}
        for b in &v.branches {
            // <li><a class="branch{% if b.outcome %} to-outcome outcome-{{ b.outcome }}{% endif %}"
            out.push_str("<li><a class=\"branch");
            if let Some(o) = truthy(b.outcome) {
                out.push_str(" to-outcome outcome-");
                escape_into(out, o);
            }
            // href="{{ b.url }}" data-when="{{ b.when_text }}" data-target="{{ b.id }}">
            out.push_str("\" href=\"");
            escape_into(out, &b.url);
            out.push_str("\" data-when=\"");
            escape_into(out, b.when_text);
            out.push_str("\" data-target=\"");
            escape_into(out, b.id);
            // <span class="branch-when">{{ b.when_html | safe }}</span>
            out.push_str("\"><span class=\"branch-when\">");
            out.push_str(b.when_html);
            // <span class="branch-target">{{ b.title }}{{ m::outcome_badge(outcome=b.outcome) }}</span>
            out.push_str("</span><span class=\"branch-target\">");
            escape_into(out, b.title);
            outcome_badge(out, b.outcome);
            // <span class="print-url"> ({{ b.url }})</span></a></li>
            out.push_str("</span><span class=\"print-url\"> (");
            escape_into(out, &b.url);
            out.push_str(")</span></a></li>\n");
        }
        // </ul>
        // </section>
        out.push_str("\n</ul>\n</section>\n");
    }
    // {% endif %}
    // </article>
    out.push_str("\n</article>\n");
    // {% if parents or backlinks %}
    if !v.parents.is_empty() || !v.backlinks.is_empty() {
        // <aside class="context" aria-label="Related pages">
        out.push_str("\n<aside class=\"context\" aria-label=\"Related pages\">\n");
        // {% if parents %}
        if !v.parents.is_empty() {
            // <section class="parents">
            // <h2>How you got here</h2>
            // <ul>{% for p in parents %}<li><a href="{{ p.url }}">{{ p.title }}</a><span class="visually-hidden">: </span> <span class="when">{{ p.when_html | safe }}</span></li>{% endfor %}</ul>
            out.push_str("\n<section class=\"parents\">\n<h2>How you got here</h2>\n<ul>");
            for parent in &v.parents {
                out.push_str("<li><a href=\"");
                escape_into(out, &parent.url);
                out.push_str("\">");
                escape_into(out, parent.title);
                out.push_str("</a><span class=\"visually-hidden\">: </span> <span class=\"when\">");
                out.push_str(parent.when_html);
                out.push_str("</span></li>");
            }
            // </section>
            out.push_str("</ul>\n</section>\n");
        }
        // {% endif %}
        out.push('\n');
        // {% if backlinks %}
        if !v.backlinks.is_empty() {
            // <section class="backlinks">
            // <h2>Pages that link here</h2>
            // <ul>{% for b in backlinks %}<li><a href="{{ b.url }}">{{ b.title }}</a></li>{% endfor %}</ul>
            out.push_str("\n<section class=\"backlinks\">\n<h2>Pages that link here</h2>\n<ul>");
            for b in &v.backlinks {
                link_item(out, &b.url, b.title);
            }
            // </section>
            out.push_str("</ul>\n</section>\n");
        }
        // {% endif %}
        // </aside>
        out.push_str("\n</aside>\n");
    }
    // {% endif %}
    // {% endblock main %}
    out.push('\n');
    content_at
}

/// A `<li>` of a listing of pages: `section.html`'s pages (`with_entry`, with
/// the entry and outcome badges) and `index.html`'s reference pages, each
/// followed by a line break.
fn listed_item(out: &mut String, p: &ListedPage<'_>, with_entry: bool) {
    // <li><a href="{{ p.url }}">{{ p.title }}</a>
    out.push_str("<li><a href=\"");
    escape_into(out, &p.url);
    out.push_str("\">");
    escape_into(out, p.title);
    out.push_str("</a>");
    if with_entry {
        // {% if p.entry %} <span class="badge entry">Start here</span>{% endif %}
        if p.entry {
            out.push_str(" <span class=\"badge entry\">Start here</span>");
        }
        // {{ m::outcome_badge(outcome=p.outcome) }}
        outcome_badge(out, p.outcome);
    }
    // {% if p.summary %}<br><span class="summary">{{ p.summary }}</span>{% endif %}</li>
    if let Some(s) = truthy(p.summary) {
        out.push_str("<br><span class=\"summary\">");
        escape_into(out, s);
        out.push_str("</span>");
    }
    out.push_str("</li>\n");
}

/// `section.html`.
pub(super) fn section(v: &SectionContext<'_>) -> String {
    let items = v.breadcrumbs.len() + v.pages.len() + v.subsections.len();
    let mut out =
        String::with_capacity(BASE_CAPACITY + v.section.content.len() + items * ITEM_CAPACITY);
    base(
        &mut out,
        &v.site,
        &v.root,
        // {% block title %}{{ section.title }} · {{ site.title }}{% endblock title %}
        |out| {
            escape_into(out, v.section.title);
            out.push_str(" · ");
            escape_into(out, v.site.title);
        },
        // {% block body_attrs %} class="section"{% endblock body_attrs %}
        |out| out.push_str(" class=\"section\""),
        |out| {
            // {% block main %}
            // {{ m::breadcrumbs(crumbs=breadcrumbs) }}
            out.push('\n');
            breadcrumbs(out, &v.breadcrumbs);
            // <h1>{{ section.title }}</h1>
            out.push_str("\n<h1>");
            escape_into(out, v.section.title);
            out.push_str("</h1>\n");
            // {% if section.content %}<div class="body">{{ section.content | safe }}</div>{% endif %}
            if !v.section.content.is_empty() {
                out.push_str("<div class=\"body\">");
                out.push_str(&v.section.content);
                out.push_str("</div>");
            }
            out.push('\n');
            // {% if subsections %}
            if !v.subsections.is_empty() {
                // <h2>Sections</h2>
                // <ul class="listing">{% for s in subsections %}<li><a href="{{ s.url }}">{{ s.title }}</a></li>{% endfor %}</ul>
                out.push_str("\n<h2>Sections</h2>\n<ul class=\"listing\">");
                for s in &v.subsections {
                    link_item(out, &s.url, s.title);
                }
                out.push_str("</ul>\n");
            }
            // {% endif %}
            out.push('\n');
            // {% if pages %}
            if !v.pages.is_empty() {
                // <h2>Pages</h2>
                // <ul class="listing">
                out.push_str("\n<h2>Pages</h2>\n<ul class=\"listing\">\n");
                // {% for p in pages %}<li>…</li>
                // {% endfor %}
                for p in &v.pages {
                    listed_item(out, p, true);
                }
                // </ul>
                out.push_str("\n</ul>\n");
            }
            // {% endif %}
            // {% endblock main %}
            out.push('\n');
        },
    );
    out
}

/// Nodes in an outline (for the capacity of the index).
fn outline_len(node: &OutlineNode<'_>) -> usize {
    1 + node.children.iter().map(outline_len).sum::<usize>()
}

/// `index.html`.
pub(super) fn index(v: &IndexContext<'_>) -> String {
    let trees = v.groups.iter().flat_map(|g| &g.trees);
    let tree_bytes: usize = trees
        .map(|t| t.flowchart.len() + (2 + outline_len(&t.outline)) * ITEM_CAPACITY)
        .sum();
    let mut out = String::with_capacity(
        BASE_CAPACITY + v.intro.len() + tree_bytes + v.reference.len() * ITEM_CAPACITY,
    );
    base(
        &mut out,
        &v.site,
        &v.root,
        // {% block title %}{{ title }}{% endblock title %}
        |out| escape_into(out, v.title),
        // {% block body_attrs %} class="home"{% endblock body_attrs %}
        |out| out.push_str(" class=\"home\""),
        |out| index_main(out, v, &mut |_, _| None, &mut |_| {}),
    );
    out
}

/// A tree's outline and flowchart, made when the tree is written: group and
/// tree number in → `None` to use the view's own.
pub(super) type TreeParts<'s, 'a> =
    &'s mut dyn FnMut(usize, usize) -> Option<(OutlineNode<'a>, String)>;

/// Takes the text written so far (to pass it on and clear it).
pub(super) type Flush<'s> = &'s mut dyn FnMut(&mut String);

/// `index.html` written in pieces: `flush` gets the text after each tree, and
/// `parts` makes each tree's outline and flowchart on demand, so that a site
/// with thousands of trees never holds the whole home page in memory.
pub(super) fn index_streamed(v: &IndexContext<'_>, parts: TreeParts<'_, '_>, flush: Flush<'_>) {
    let mut out = String::with_capacity(1 << 16);
    base(
        &mut out,
        &v.site,
        &v.root,
        |out| escape_into(out, v.title),
        |out| out.push_str(" class=\"home\""),
        |out| index_main(out, v, parts, flush),
    );
    flush(&mut out);
}

/// `index.html`: `{% block main %}`.
fn index_main(out: &mut String, v: &IndexContext<'_>, parts: TreeParts<'_, '_>, flush: Flush<'_>) {
    // {% block main %}
    // <h1>{{ title }}</h1>
    out.push_str("\n<h1>");
    escape_into(out, v.title);
    out.push_str("</h1>\n");
    // {% if intro %}<div class="body intro">{{ intro | safe }}</div>
    if !v.intro.is_empty() {
        out.push_str("<div class=\"body intro\">");
        out.push_str(&v.intro);
        out.push_str("</div>");
    } else if let Some(d) = truthy(v.site.description) {
        // {% elif site.description %}<p class="intro">{{ site.description }}</p>{% endif %}
        out.push_str("<p class=\"intro\">");
        escape_into(out, d);
        out.push_str("</p>");
    }
    // <p class="stats">{{ stats.trees }} decision tree{{ stats.trees | pluralize }} · {{ stats.pages }} page{{ stats.pages | pluralize }}</p>
    out.push_str("\n<p class=\"stats\">");
    number(out, v.stats.trees);
    out.push_str(" decision tree");
    out.push_str(plural(v.stats.trees));
    out.push_str(" · ");
    number(out, v.stats.pages);
    out.push_str(" page");
    out.push_str(plural(v.stats.pages));
    out.push_str("</p>\n");
    // {% if groups %}
    if !v.groups.is_empty() {
        // <nav class="toc" aria-label="Decision trees">
        // <ul>{% for g in groups %}{% for t in g.trees %}<li><a href="#{{ t.anchor }}">{{ t.title }}</a></li>{% endfor %}{% endfor %}</ul>
        // </nav>
        out.push_str("\n<nav class=\"toc\" aria-label=\"Decision trees\">\n<ul>");
        for t in v.groups.iter().flat_map(|g| &g.trees) {
            out.push_str("<li><a href=\"#");
            escape_into(out, &t.anchor);
            out.push_str("\">");
            escape_into(out, t.title);
            out.push_str("</a></li>");
        }
        out.push_str("</ul>\n</nav>\n");
    }
    // {% endif %}
    out.push('\n');
    // {% for g in groups %}
    for (gi, g) in v.groups.iter().enumerate() {
        // <section class="tree-group">
        // <h2><a href="{{ g.url }}">{{ g.title }}</a></h2>
        out.push_str("\n<section class=\"tree-group\">\n<h2><a href=\"");
        escape_into(out, &g.url);
        out.push_str("\">");
        escape_into(out, g.title);
        out.push_str("</a></h2>\n");
        // {% for t in g.trees %}
        for (ti, t) in g.trees.iter().enumerate() {
            let made = parts(gi, ti);
            let (outline, flowchart) = match &made {
                Some((o, f)) => (o, f.as_str()),
                None => (&t.outline, t.flowchart.as_str()),
            };
            // <section class="tree" id="{{ t.anchor }}" aria-labelledby="{{ t.anchor }}-title">
            out.push_str("\n<section class=\"tree\" id=\"");
            escape_into(out, &t.anchor);
            out.push_str("\" aria-labelledby=\"");
            escape_into(out, &t.anchor);
            // <h3 id="{{ t.anchor }}-title"><a href="{{ t.url }}">{{ t.title }}</a></h3>
            out.push_str("-title\">\n<h3 id=\"");
            escape_into(out, &t.anchor);
            out.push_str("-title\"><a href=\"");
            escape_into(out, &t.url);
            out.push_str("\">");
            escape_into(out, t.title);
            out.push_str("</a></h3>\n");
            // {% if t.summary %}<p class="summary">{{ t.summary }}</p>{% endif %}
            if let Some(s) = truthy(t.summary) {
                out.push_str("<p class=\"summary\">");
                escape_into(out, s);
                out.push_str("</p>");
            }
            // <p class="counts">{{ t.page_count }} page{{ t.page_count | pluralize }} · {{ t.outcome_count }} outcome{{ t.outcome_count | pluralize }}</p>
            out.push_str("\n<p class=\"counts\">");
            number(out, t.page_count);
            out.push_str(" page");
            out.push_str(plural(t.page_count));
            out.push_str(" · ");
            number(out, t.outcome_count);
            out.push_str(" outcome");
            out.push_str(plural(t.outcome_count));
            // <details class="tree-details"{% if stats.trees <= 12 %} open{% endif %}>
            out.push_str("</p>\n<details class=\"tree-details\"");
            if v.stats.trees <= 12 {
                out.push_str(" open");
            }
            // <summary>Flowchart and outline</summary>
            out.push_str(">\n<summary>Flowchart and outline</summary>\n");
            // {% if t.flowchart %}<figure class="flowchart">{{ t.flowchart | safe }}<figcaption>Flowchart of “{{ t.title }}”. Every box links to its page.</figcaption></figure>{% endif %}
            if !flowchart.is_empty() {
                out.push_str("<figure class=\"flowchart\">");
                out.push_str(flowchart);
                out.push_str("<figcaption>Flowchart of “");
                escape_into(out, t.title);
                out.push_str("”. Every box links to its page.</figcaption></figure>");
            }
            // <div class="outline">
            // <h4>Outline</h4>
            // <ul>{{ m::outline_node(node=t.outline) }}</ul>
            out.push_str("\n<div class=\"outline\">\n<h4>Outline</h4>\n<ul>");
            outline_node(out, outline);
            // </div>
            // </details>
            // </section>
            out.push_str("</ul>\n</div>\n</details>\n</section>\n");
            flush(out);
        }
        // {% endfor %}
        // </section>
        out.push_str("\n</section>\n");
    }
    // {% endfor %}
    out.push('\n');
    // {% if reference %}
    if !v.reference.is_empty() {
        // <section class="reference">
        // <h2>Reference</h2>
        // <ul class="listing">
        out.push_str(
            "\n<section class=\"reference\">\n<h2>Reference</h2>\n<ul class=\"listing\">\n",
        );
        // {% for p in reference %}<li>…</li>
        // {% endfor %}
        for p in &v.reference {
            listed_item(out, p, false);
        }
        // </ul>
        // </section>
        out.push_str("\n</ul>\n</section>\n");
    }
    // {% endif %}
    // {% endblock main %}
    out.push('\n');
}

#[cfg(test)]
mod tests {
    //! Views no site produces (empty strings where a value is optional, odd
    //! outcomes, an outline node without an anchor), rendered both ways. The
    //! integration test `native` compares whole sites.

    use super::super::Theme;
    use super::super::view::{
        BranchView, IndexContext, LinkView, ListedPage, OutlineNode, PageContext, PageView,
        SectionContext, SectionView, SiteView, Stats, TreeGroup, TreeView,
    };
    use serde::Serialize;

    fn tera<T: Serialize>(name: &str, value: &T) -> String {
        let theme = Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap();
        let context = tera::Context::from_serialize(value).unwrap();
        theme.tera().unwrap().render(name, &context).unwrap()
    }

    fn site(description: Option<&'static str>, search: bool) -> SiteView<'static> {
        SiteView {
            title: "A & <b>",
            description,
            language: "en\"x",
            base_url: "",
            search,
        }
    }

    fn link(title: &'static str, url: &str) -> LinkView<'static> {
        LinkView {
            title,
            url: url.to_string(),
        }
    }

    #[test]
    fn edge_cases_render_as_with_tera() {
        for (description, summary, outcome) in [
            (Some(""), Some(""), Some("")),
            (None, None, Some("other")),
            (Some("d'"), Some("s\""), Some("resolved")),
        ] {
            let mut v = PageContext {
                site: site(description, description.is_none()),
                root: "../".into(),
                page: PageView {
                    id: "a&b.md",
                    title: "T<",
                    summary,
                    tags: &[],
                    outcome,
                    entry: false,
                    content: "<p>x</p>".into(),
                    starts_with_h1: summary.is_some(),
                    path: "a.html",
                    in_tree: true,
                },
                breadcrumbs: vec![link("Home", "../index.html"), link("T<", "")],
                branches: vec![BranchView {
                    when_html: "<em>w</em>",
                    when_text: "w\"",
                    title: "B",
                    summary: None,
                    url: "b.html#f".into(),
                    outcome,
                    id: "b.md",
                }],
                parents: Vec::new(),
                backlinks: vec![link("C", "c.html")],
                tree: Some(link("E", "e.html")),
                path: Vec::new(),
            };
            let (page, at) = super::page(&v);
            assert_eq!(page, tera("page.html", &v));
            // The content is written at `at`: the page without it, with it
            // put back there, is the same page.
            let content = std::mem::take(&mut v.page.content);
            let (mut without, at_bare) = super::page(&v);
            assert_eq!(at, at_bare);
            assert!(page[at..].starts_with(content.as_str()));
            without.insert_str(at_bare, &content);
            assert_eq!(without, page);
            let listed = ListedPage {
                title: "L",
                url: "l.html".into(),
                summary,
                outcome,
                entry: true,
            };
            let v = SectionContext {
                site: site(description, true),
                root: String::new(),
                section: SectionView {
                    title: "S",
                    path: "s",
                    content: String::new(),
                },
                breadcrumbs: Vec::new(),
                pages: vec![listed],
                subsections: Vec::new(),
            };
            assert_eq!(super::section(&v), tera("section.html", &v));
            let node = |anchor: &str, repeat, children| OutlineNode {
                title: "N",
                url: "n.html".into(),
                id: "n.md",
                when_html: "",
                outcome,
                repeat,
                other_tree: !repeat && anchor.is_empty(),
                anchor: anchor.into(),
                children,
            };
            let v = IndexContext {
                site: site(description, false),
                root: String::new(),
                intro: String::new(),
                title: "I",
                groups: vec![TreeGroup {
                    title: "G",
                    path: "",
                    url: "index.html".into(),
                    trees: vec![TreeView {
                        title: "T",
                        summary,
                        url: "t.html".into(),
                        id: "t.md",
                        anchor: "tree-t".into(),
                        page_count: 1,
                        outcome_count: 0,
                        outline: node(
                            "",
                            false,
                            vec![node("t0-1", true, Vec::new()), node("", false, Vec::new())],
                        ),
                        flowchart: String::new(),
                    }],
                }],
                reference: Vec::new(),
                sections: Vec::new(),
                stats: Stats {
                    pages: 1,
                    trees: 1,
                    branches: 0,
                },
            };
            assert_eq!(super::index(&v), tera("index.html", &v));
        }
    }
}
