/* signpost: progressive enhancement for the default theme.
 *
 * Plain ES2017, no dependencies, no network access: everything works when the
 * site is opened straight from disk (file://). Without JavaScript every page
 * still shows its static "where am I" path; this script only adds to it.
 *
 * Sections:
 *   1. The guided walk: the reader's trail of answers.
 *   2. Search: the box in the header, over an index loaded as a script.
 *   3. The single-file bundle: one page shown at a time, by `#p/<url>`.
 *   4. Charts and the folded path: a "Full screen" button on map pages, and
 *      scrolled rows that start where the reader is.
 *
 * The same script runs on the site (one HTML file per page) and in the
 * single-file bundle (`signpost bundle --single-file`), where every page is a
 * `.sp-page` element of one document and `<html data-signpost-bundle>` is set.
 * Sections 1 and 2 only differ there in how they link to a page
 * (`pageHref`) and in which page is "here" (set by section 3).
 */
(function () {
  "use strict";

  var body = document.body;
  if (!body) {
    return;
  }

  var bundle = document.documentElement.hasAttribute("data-signpost-bundle");
  var root = bundle ? "" : body.getAttribute("data-root") || "";

  // The theme's texts in the site's language: `_signpost/labels.js`, loaded
  // before this script, sets window.signpostLabels (see docs/templates.md).
  var LABELS = window.signpostLabels || {};

  // The text of label `key`, with each `{name}` replaced by `vars[name]`.
  function label(key, vars) {
    var text = typeof LABELS[key] === "string" ? LABELS[key] : key;
    Object.keys(vars || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(vars[name]));
    });
    return text;
  }

  // The href of the page at `url` (relative to the site root, percent-encoded).
  function pageHref(url) {
    return bundle ? "#p/" + url : root + url;
  }

  /* ======================================================================
   * 1. The guided walk: the reader's trail of answers
   * ======================================================================
   *
   * The trail is the list of answers the reader gave to reach this page. Each
   * step is { id, title, when, url }: the page the reader left (its id, title
   * and URL relative to the site root) and the branch `when` they chose there.
   *
   * It travels with the reader in two ways:
   *   - in the fragment of the next page's URL: `#trail=<encoded JSON>`, so it
   *     survives reloads, new tabs and copied links, also under file://;
   *   - in sessionStorage, as a fallback for branch links that already carry a
   *     `#heading` fragment (their fragment is left alone) and for back/forward.
   *
   * Only fragments that start with `trail=` are ours; every other `#anchor`
   * behaves as usual. In the single-file bundle, pages are shown without
   * leaving the document, so the trail is handed over in memory; a copied link
   * carries it as `#p/<url>?trail=<encoded JSON>`.
   */

  var HASH_KEY = "trail=";
  var PENDING_KEY = "signpost.pending";   // { to: page id, trail: [...] } set on click
  var TRAILS_KEY = "signpost.trails";     // { page id: trail } of this tab
  var MAX_STEPS = 64;
  var MAX_TEXT = 500;
  var MAX_PAGES_REMEMBERED = 100;

  // The page being shown: its id (path under content/), its element (the
  // document, or its `.sp-page` in the bundle), and, in the bundle, its URL.
  var here = { id: body.getAttribute("data-page"), scope: document, url: null, title: null };

  /* ---------- sessionStorage, which may be missing or throw ---------- */

  function storage() {
    try {
      var s = window.sessionStorage;
      if (!s) {
        return null;
      }
      return s;
    } catch (e) {
      return null;
    }
  }

  function readJSON(key) {
    var s = storage();
    if (!s) {
      return null;
    }
    try {
      var raw = s.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function writeJSON(key, value) {
    var s = storage();
    if (!s) {
      return;
    }
    try {
      if (value === null) {
        s.removeItem(key);
      } else {
        s.setItem(key, JSON.stringify(value));
      }
    } catch (e) {
      /* quota or privacy mode: the fragment still carries the trail */
    }
  }

  /* ---------- Encoding and validation ---------- */

  function isText(v) {
    return typeof v === "string" && v.length <= MAX_TEXT;
  }

  // A URL relative to the site root, as this script writes them: no scheme,
  // no leading slash, no protocol-relative `//`, no characters that need escaping.
  function isSafeRelativeUrl(u) {
    return (
      typeof u === "string" &&
      u.length > 0 &&
      u.length <= 2000 &&
      /^[A-Za-z0-9\-._~%!$&'()*+,;=@/]+$/.test(u) &&
      u.charAt(0) !== "/" &&
      u.indexOf("//") === -1
    );
  }

  // The URL the generator gives the page `id`: `a/b.md` → `a/b.html`.
  function defaultUrl(id) {
    return id
      .replace(/\.md$/i, ".html")
      .split("/")
      .map(encodeURIComponent)
      .join("/");
  }

  // Steps are stored compactly as [id, title, when] or, when the page's URL is
  // not the one its id gives (a server that rewrites URLs), [id, title, when, url].
  function pack(trail) {
    return trail.map(function (s) {
      return s.url === defaultUrl(s.id) ? [s.id, s.title, s.when] : [s.id, s.title, s.when, s.url];
    });
  }

  function unpack(data) {
    if (!Array.isArray(data) || data.length > MAX_STEPS) {
      return null;
    }
    var out = [];
    for (var i = 0; i < data.length; i++) {
      var s = data[i];
      if (
        !Array.isArray(s) ||
        (s.length !== 3 && s.length !== 4) ||
        !isText(s[0]) ||
        !isText(s[1]) ||
        !isText(s[2])
      ) {
        return null;
      }
      var url = s.length === 4 ? s[3] : defaultUrl(s[0]);
      if (!isSafeRelativeUrl(url)) {
        return null;
      }
      out.push({ id: s[0], title: s[1], when: s[2], url: url });
    }
    return out;
  }

  // encodeURIComponent, minus the escapes a fragment does not need: keeps
  // links shorter and readable.
  function encodeTrail(trail) {
    return encodeURIComponent(JSON.stringify(pack(trail))).replace(
      /%(2C|2F|3A|3B|3D|40|24|26|2B|3F)/g,
      function (m, hex) {
        return String.fromCharCode(parseInt(hex, 16));
      }
    );
  }

  function decodeTrail(encoded) {
    try {
      return unpack(JSON.parse(decodeURIComponent(encoded)));
    } catch (e) {
      return null;
    }
  }

  // The trail in a `#trail=…` fragment, or null when the fragment is not ours.
  function trailFromHash(hash) {
    if (!hash || hash.indexOf("#" + HASH_KEY) !== 0) {
      return null;
    }
    return decodeTrail(hash.slice(HASH_KEY.length + 1));
  }

  /* ---------- This page ---------- */

  // This page's URL relative to the site root: the last (depth + 1) path
  // segments, where depth is the number of `../` in data-root. Works under any
  // sub-path and under file://.
  function selfUrl() {
    if (here.url) {
      return here.url;
    }
    var depth = (root.match(/\.\.\//g) || []).length;
    var segments = location.pathname.split("/");
    return segments.slice(-(depth + 1)).join("/");
  }

  function selfTitle() {
    if (here.title) {
      return here.title;
    }
    var t = body.getAttribute("data-title");
    if (t) {
      return t;
    }
    var h1 = document.querySelector("main h1");
    return (h1 ? h1.textContent : document.title).trim();
  }

  function urlWithoutHash() {
    var href = location.href;
    var i = href.indexOf("#");
    return i === -1 ? href : href.slice(0, i);
  }

  // A link to this page that carries `trail`.
  function linkWithTrail(trail) {
    if (bundle) {
      return urlWithoutHash() + "#p/" + selfUrl() + "?" + HASH_KEY + encodeTrail(trail);
    }
    return urlWithoutHash() + "#" + HASH_KEY + encodeTrail(trail);
  }

  function navigationType() {
    try {
      var entries = performance.getEntriesByType("navigation");
      if (entries && entries.length) {
        return entries[0].type;
      }
    } catch (e) {
      /* older browsers */
    }
    try {
      var legacy = performance.navigation && performance.navigation.type;
      return legacy === 1 ? "reload" : legacy === 2 ? "back_forward" : "navigate";
    } catch (e) {
      return "navigate";
    }
  }

  /* ---------- Remembering trails in this tab ---------- */

  function rememberTrail(id, trail) {
    var all = readJSON(TRAILS_KEY);
    if (!all || typeof all !== "object" || Array.isArray(all)) {
      all = {};
    }
    delete all[id];
    if (trail.length) {
      all[id] = pack(trail);
    }
    var keys = Object.keys(all);
    for (var i = 0; i < keys.length - MAX_PAGES_REMEMBERED; i++) {
      delete all[keys[i]];
    }
    writeJSON(TRAILS_KEY, all);
  }

  function rememberedTrail(id) {
    var all = readJSON(TRAILS_KEY);
    if (!all || typeof all !== "object" || !Object.prototype.hasOwnProperty.call(all, id)) {
      return null;
    }
    return unpack(all[id]);
  }

  // The trail this page was opened with: from the fragment, else from the
  // branch click that led here (its link had a #heading of its own), else, on
  // back/forward or reload, what this tab last showed here. A page opened any
  // other way starts with no trail.
  function initialTrail() {
    var pending = readJSON(PENDING_KEY);
    writeJSON(PENDING_KEY, null);

    var fromHash = trailFromHash(location.hash);
    if (fromHash) {
      return fromHash;
    }
    if (pending && pending.to === here.id) {
      var fromClick = unpack(pending.trail);
      if (fromClick) {
        return fromClick;
      }
    }
    var type = navigationType();
    if (type === "back_forward" || type === "reload") {
      return rememberedTrail(here.id) || [];
    }
    return [];
  }

  /* ---------- Links that carry the trail on ---------- */

  // What a link hands to the page it opens: element → { to, trail }.
  var carried = typeof WeakMap === "function" ? new WeakMap() : null;
  // In the bundle: what the last link clicked handed over (see section 3).
  var bundlePending = null;

  // The trail of the page `targetId`, reached from here by answering `when`.
  // Going back to a page already on the trail (a loop such as "try again")
  // cuts the trail there instead of growing it forever.
  function trailTo(trail, targetId, when) {
    for (var i = 0; i < trail.length; i++) {
      if (trail[i].id === targetId) {
        return trail.slice(0, i);
      }
    }
    if (targetId === here.id) {
      return trail.slice();
    }
    return trail.concat([
      { id: here.id, title: selfTitle(), when: when, url: selfUrl() },
    ]);
  }

  // Points `a` at `baseHref` carrying `trail` in its fragment, unless the
  // link already has a fragment of its own (then sessionStorage carries it).
  // In the bundle every page link is a fragment: the trail goes in memory.
  function carry(a, baseHref, targetId, trail) {
    if (baseHref.indexOf("#") === -1) {
      a.setAttribute("href", trail.length ? baseHref + "#" + HASH_KEY + encodeTrail(trail) : baseHref);
    } else if (bundle) {
      a.setAttribute("href", baseHref);
    }
    if (carried) {
      carried.set(a, { to: targetId, trail: pack(trail) });
    }
  }

  function setUpBranches(trail) {
    var links = here.scope.querySelectorAll("a[data-target]");
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      if (!a.hasAttribute("data-href")) {
        a.setAttribute("data-href", a.getAttribute("href") || "");
      }
      var when = a.getAttribute("data-when") || label("next_step");
      carry(a, a.getAttribute("data-href"), a.getAttribute("data-target"), trailTo(trail, a.getAttribute("data-target"), when));
    }
  }

  function onClick(event) {
    if (
      !carried ||
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    var target = event.target;
    var a = target && target.closest ? target.closest("a") : null;
    var info = a ? carried.get(a) : null;
    if (bundle) {
      if (a && (a.getAttribute("href") || "").charAt(0) === "#") {
        bundlePending = info || { to: null, trail: [] };
      }
      return;
    }
    if (info) {
      writeJSON(PENDING_KEY, info);
    }
  }

  /* ---------- Showing the trail ---------- */

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function copyText(text, done) {
    function fallback() {
      done(false);
    }
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      try {
        navigator.clipboard.writeText(text).then(
          function () {
            done(true);
          },
          fallback
        );
        return;
      } catch (e) {
        /* fall through */
      }
    }
    fallback();
  }

  function renderTrail(box, trail) {
    var staticPath = box.parentNode ? box.parentNode.querySelector(".where-path") : null;
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    if (!trail.length) {
      box.hidden = true;
      if (staticPath) {
        staticPath.hidden = false;
      }
      return;
    }

    box.appendChild(el("p", "trail-title", label("trail_title")));
    var list = el("ol", "trail-steps");
    list.setAttribute("aria-label", label("trail_title"));
    trail.forEach(function (step, i) {
      var li = el("li");
      var a = el("a", null, step.title);
      a.setAttribute("data-step", String(i));
      carry(a, pageHref(step.url), step.id, trail.slice(0, i));
      a.setAttribute("title", label("trail_change"));
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "trail-when", step.when));
      list.appendChild(li);
    });
    var current = el("li", null, selfTitle());
    current.setAttribute("aria-current", "page");
    list.appendChild(current);
    box.appendChild(list);

    var actions = el("div", "trail-actions");
    var button = el("button", "button trail-copy", label("trail_copy"));
    button.type = "button";
    var status = el("span", "trail-status");
    status.setAttribute("role", "status");
    actions.appendChild(button);
    actions.appendChild(status);
    box.appendChild(actions);

    button.addEventListener("click", function () {
      var link = linkWithTrail(trail);
      copyText(link, function (ok) {
        if (ok) {
          status.textContent = label("trail_copied");
          return;
        }
        // No clipboard access (older browser, or not allowed): put the link in
        // a field and select it; copy with execCommand, else the reader can.
        var field = box.querySelector(".trail-url");
        if (!field) {
          field = el("input", "trail-url");
          field.type = "text";
          field.readOnly = true;
          field.setAttribute("aria-label", label("trail_link"));
          box.appendChild(field);
        }
        field.value = link;
        field.focus();
        field.select();
        var copied = false;
        try {
          copied = document.execCommand("copy");
        } catch (e) {
          copied = false;
        }
        if (copied) {
          box.removeChild(field);
          button.focus();
        }
        status.textContent = copied ? label("trail_copied") : label("trail_copy_manual");
      });
    });

    box.hidden = false;
    if (staticPath) {
      staticPath.hidden = true;
    }
  }

  /* ---------- Wiring ---------- */

  function applyTrail(trail) {
    if (here.id) {
      rememberTrail(here.id, trail);
    }
    setUpBranches(trail);
    var box = here.scope.querySelector("nav.where .trail");
    if (box) {
      renderTrail(box, trail);
    }
  }

  function initTrail() {
    if (!here.id) {
      writeJSON(PENDING_KEY, null);
      return;
    }
    applyTrail(initialTrail());
    document.addEventListener("click", onClick);
    // A `#trail=` fragment set on this page (a pasted link, or the same page
    // opened with another trail) replaces the trail; `#heading` fragments are
    // in-page links and leave it alone.
    window.addEventListener("hashchange", function () {
      var t = trailFromHash(location.hash);
      if (t) {
        applyTrail(t);
      }
    });
  }

  if (!bundle) {
    try {
      initTrail();
    } catch (e) {
      /* Never let an enhancement break the page: the static path remains. */
    }
  }

  /* ======================================================================
   * 2. Search
   * ======================================================================
   *
   * base.html renders a hidden `form.search` (so there is no box without
   * JavaScript) whose `data-index` names the index script,
   * `_signpost/search-index.js` (generated by src/search.rs; its format is
   * documented there). The index is loaded by adding a `<script>` element the
   * first time the reader uses the box: no fetch/XHR, so it works under
   * file://, and pages of a large site do not load it on every view. The
   * single-file bundle defines `window.signpostSearch` inline instead.
   *
   * The box is an ARIA combobox: typing lists matches, ↓/↑ move through them,
   * Enter opens one, Escape closes the list (then clears the box), and `/`
   * anywhere on the page focuses the box.
   *
   * Ranking: every word of the query must occur in the page (as a prefix of a
   * word scores more than inside one); a match in the title counts most, then
   * the answers (`when`) that lead to the page, its summary, its own branches,
   * and its text. Ties go to the shorter title, then to the index order.
   */

  var MAX_RESULTS = 20;
  var GLOBAL = "signpostSearch";

  var FIELD_WEIGHTS = { t: [100, 70], w: [50, 35], s: [40, 28], c: [25, 18], x: [15, 10] };

  function fold(s) {
    s = String(s || "").toLowerCase();
    if (s.normalize) {
      s = s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    return s;
  }

  var wordSplit;
  try {
    wordSplit = new RegExp("[^\\p{L}\\p{N}_]+", "u");
  } catch (e) {
    wordSplit = /[\s!-\/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f]+/;
  }
  var wordChar;
  try {
    wordChar = new RegExp("[\\p{L}\\p{N}_]", "u");
  } catch (e) {
    wordChar = /[A-Za-z0-9_\u00c0-\uffff]/;
  }

  function terms(query) {
    var seen = {};
    return fold(query)
      .split(wordSplit)
      .filter(function (t) {
        if (!t || seen[t]) {
          return false;
        }
        seen[t] = true;
        return true;
      });
  }

  // 2 when `term` starts a word of `text`, 1 when it occurs inside one, else 0.
  function matchKind(text, term) {
    var i = text.indexOf(term);
    var tries = 0;
    while (i !== -1) {
      if (i === 0 || !wordChar.test(text.charAt(i - 1))) {
        return 2;
      }
      if (++tries > 20) {
        break;
      }
      i = text.indexOf(term, i + 1);
    }
    return text.indexOf(term) === -1 ? 0 : 1;
  }

  // The loaded index, prepared for searching: one record per page.
  function prepare(data) {
    var whens = data.whens || [];
    var foldedWhens = whens.map(fold);
    function joinWhens(list, texts) {
      return (list || []).map(function (i) {
        return texts[i] || "";
      }).join(" \u2022 ");
    }
    return (data.pages || []).map(function (p, n) {
      return {
        n: n,
        page: p,
        t: fold(p.t),
        s: fold(p.s),
        w: joinWhens(p.w, foldedWhens) + " \u2022 " + joinWhens(p.p, foldedWhens),
        c: joinWhens(p.c, foldedWhens),
        x: null, // folded lazily: most queries are decided by the other fields
      };
    });
  }

  function foldedText(rec) {
    if (rec.x === null) {
      rec.x = fold(rec.page.x);
    }
    return rec.x;
  }

  function search(records, query) {
    var ts = terms(query);
    if (!ts.length) {
      return [];
    }
    var whole = fold(query).trim();
    var hits = [];
    for (var r = 0; r < records.length; r++) {
      var rec = records[r];
      var score = 0;
      var inTitle = 0;
      for (var k = 0; k < ts.length; k++) {
        var term = ts[k];
        var best = 0;
        var fields = ["t", "w", "s", "c", "x"];
        for (var f = 0; f < fields.length; f++) {
          var name = fields[f];
          var text = name === "x" ? foldedText(rec) : rec[name];
          if (!text) {
            continue;
          }
          var kind = matchKind(text, term);
          if (kind) {
            var w = FIELD_WEIGHTS[name][kind === 2 ? 0 : 1];
            if (w > best) {
              best = w;
            }
            if (name === "t") {
              inTitle++;
              break; // nothing scores more than the title
            }
          }
        }
        if (!best) {
          score = 0;
          break;
        }
        score += best;
      }
      if (!score) {
        continue;
      }
      if (rec.t === whole) {
        score += 200;
      } else if (rec.t.indexOf(whole) === 0) {
        score += 60;
      } else if (ts.length > 1 && rec.t.indexOf(whole) !== -1) {
        score += 40;
      }
      if (inTitle === ts.length) {
        score += 30;
      }
      if (rec.page.e) {
        score += 5;
      }
      hits.push({ rec: rec, score: score });
    }
    hits.sort(function (a, b) {
      return b.score - a.score || a.rec.t.length - b.rec.t.length || a.rec.n - b.rec.n;
    });
    return hits;
  }

  // `text` with the occurrences of `ts` wrapped in <mark>, as DOM nodes.
  function highlighted(text, ts) {
    var frag = document.createDocumentFragment();
    var folded = fold(text);
    if (folded.length !== text.length) {
      frag.appendChild(document.createTextNode(text));
      return frag;
    }
    var marks = [];
    ts.forEach(function (t) {
      var i = folded.indexOf(t);
      while (i !== -1 && marks.length < 50) {
        marks.push([i, i + t.length]);
        i = folded.indexOf(t, i + t.length);
      }
    });
    marks.sort(function (a, b) {
      return a[0] - b[0];
    });
    var pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) {
        if (m[1] > pos) {
          // Overlapping matches: extend the previous mark.
          var last = frag.lastChild;
          last.textContent += text.slice(pos, m[1]);
          pos = m[1];
        }
        return;
      }
      if (m[0] > pos) {
        frag.appendChild(document.createTextNode(text.slice(pos, m[0])));
      }
      frag.appendChild(el("mark", null, text.slice(m[0], m[1])));
      pos = m[1];
    });
    if (pos < text.length) {
      frag.appendChild(document.createTextNode(text.slice(pos)));
    }
    return frag;
  }

  // About 160 characters of the page text around the first match.
  function snippet(rec, ts) {
    var text = rec.page.x || "";
    if (!text) {
      return "";
    }
    var folded = foldedText(rec);
    var at = -1;
    for (var i = 0; i < ts.length && at === -1; i++) {
      at = folded.indexOf(ts[i]);
    }
    if (at === -1 || folded.length !== text.length) {
      at = 0;
    }
    var start = Math.max(0, at - 60);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      start = space !== -1 && space < at ? space + 1 : start;
    }
    var end = Math.min(text.length, start + 160);
    if (end < text.length) {
      var cut = text.lastIndexOf(" ", end);
      end = cut > at ? cut : end;
    }
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  // Where a page sits: its tree and the answers that lead there (the middle of
  // a long path elided; all of it in `full`), else its folder.
  function placeOf(data, page) {
    var whens = data.whens || [];
    if (typeof page.r === "number" && data.trees && data.trees[page.r]) {
      var tree = data.trees[page.r].t;
      if (page.e && !(page.p && page.p.length)) {
        return { short: label("start_of_tree", { title: tree }), full: "" };
      }
      var path = (page.p || []).map(function (i) {
        return whens[i] || "";
      });
      var full = [tree].concat(path).join(" › ");
      if (path.length > 3) {
        path = [path[0], "…", path[path.length - 2], path[path.length - 1]];
      }
      return { short: [tree].concat(path).join(" › "), full: full };
    }
    var section = data.sections ? data.sections[page.f] : "";
    return { short: section || label("home"), full: "" };
  }

  var OUTCOME_LABELS = {
    resolved: label("outcome_resolved"),
    escalate: label("outcome_escalate"),
    unsolved: label("outcome_unsolved")
  };

  function initSearch() {
    var form = document.querySelector("form.search");
    if (!form) {
      return;
    }
    var input = form.querySelector("input[type=search]");
    if (!input) {
      return;
    }
    var data = null;
    var records = null;
    var loading = false;
    var failed = false;
    var hits = [];
    var active = -1;
    var timer = null;

    var panel = el("div", "search-panel");
    panel.hidden = true;
    var status = el("p", "search-status");
    status.id = "search-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var list = el("ul", "search-results");
    list.id = "search-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", label("search_results"));
    panel.appendChild(status);
    panel.appendChild(list);
    form.appendChild(panel);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-describedby", status.id);
    input.setAttribute("autocomplete", "off");

    function ready(d) {
      if (!d || !Array.isArray(d.pages)) {
        failed = true;
        return;
      }
      data = d;
      records = prepare(d);
    }

    function load() {
      if (data || loading || failed) {
        return;
      }
      if (window[GLOBAL]) {
        ready(window[GLOBAL]);
        return;
      }
      var src = form.getAttribute("data-index");
      if (!src) {
        failed = true;
        return;
      }
      loading = true;
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () {
        loading = false;
        ready(window[GLOBAL]);
        update();
      };
      script.onerror = function () {
        loading = false;
        failed = true;
        update();
      };
      document.head.appendChild(script);
    }

    function open(show) {
      panel.hidden = !show;
      input.setAttribute("aria-expanded", show && hits.length ? "true" : "false");
    }

    function setActive(i) {
      var options = list.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
        options[active].classList.remove("is-active");
      }
      active = i;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        options[active].classList.add("is-active");
        input.setAttribute("aria-activedescendant", options[active].id);
        if (options[active].scrollIntoView) {
          options[active].scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(i) {
      var hit = hits[i];
      if (!hit) {
        return;
      }
      var href = pageHref(hit.rec.page.u);
      if (bundle) {
        bundlePending = { to: null, trail: [] };
        open(false);
        input.value = "";
        input.blur();
      }
      location.href = href;
    }

    function render() {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var query = input.value;
      var ts = terms(query);
      if (!ts.length) {
        hits = [];
        status.textContent = "";
        open(false);
        return;
      }
      if (failed) {
        hits = [];
        status.textContent = label("search_failed");
        open(true);
        return;
      }
      if (!records) {
        hits = [];
        status.textContent = label("search_loading");
        open(true);
        return;
      }
      var all = search(records, query);
      var shown = all.slice(0, MAX_RESULTS);
      shown.forEach(function (hit, i) {
        var p = hit.rec.page;
        var li = el("li", "search-result");
        li.id = "search-result-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-url", p.u);
        var title = el("span", "search-title");
        title.appendChild(highlighted(p.t, ts));
        if (p.o && OUTCOME_LABELS[p.o]) {
          title.appendChild(document.createTextNode(" "));
          title.appendChild(el("span", "badge outcome-" + p.o, OUTCOME_LABELS[p.o]));
        }
        li.appendChild(title);
        var place = placeOf(data, p);
        var where = el("span", "search-place", place.short);
        if (place.full && place.full !== place.short) {
          where.title = place.full;
        }
        li.appendChild(where);
        var snip = snippet(hit.rec, ts);
        if (snip) {
          var s = el("span", "search-snippet");
          s.appendChild(highlighted(snip, ts));
          li.appendChild(s);
        }
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the box until we navigate
        });
        li.addEventListener("click", function () {
          go(i);
        });
        list.appendChild(li);
      });
      var n = all.length;
      status.textContent =
        n === 0
          ? label("search_none", { query: query.trim() })
          : n > MAX_RESULTS
            ? label("search_more", { count: n, shown: MAX_RESULTS })
            : (n === 1 ? label("search_one") : label("search_many", { count: n })) + " " + label("search_keys");
      hits = shown;
      open(true);
    }

    function update() {
      if (!data && !failed) {
        load();
      }
      render();
    }

    input.addEventListener("focus", function () {
      load();
      if (input.value.trim()) {
        render();
      }
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      // Immediate for small sites; a short pause on large ones.
      var delay = records && records.length > 2000 ? 120 : 0;
      timer = setTimeout(update, delay);
    });
    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "Down") {
        event.preventDefault();
        if (panel.hidden && input.value.trim()) {
          render();
        }
        if (hits.length) {
          setActive(active + 1 >= hits.length ? 0 : active + 1);
        }
      } else if (key === "ArrowUp" || key === "Up") {
        event.preventDefault();
        if (hits.length) {
          setActive(active <= 0 ? hits.length - 1 : active - 1);
        }
      } else if (key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        if (panel.hidden || !hits.length) {
          update();
        }
        go(active >= 0 ? active : 0);
      } else if (key === "Escape" || key === "Esc") {
        if (!panel.hidden) {
          event.preventDefault();
          open(false);
          setActive(-1);
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        } else {
          input.blur();
        }
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    document.addEventListener("mousedown", function (event) {
      if (!form.contains(event.target)) {
        open(false);
      }
    });
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) {
        open(false);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
        return;
      }
      var t = event.target;
      var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) {
        return;
      }
      event.preventDefault();
      input.focus();
      input.select();
    });
    form.hidden = false;
  }

  try {
    initSearch();
  } catch (e) {
    /* Never let an enhancement break the page. */
  }

  /* ======================================================================
   * 2b. Headings and code blocks of the page body
   * ======================================================================
   *
   * Each heading with an id gets a link to itself (`#` shown on hover and on
   * focus, named by the `heading_anchor` label); each code block gets a copy
   * button. The clipboard API may be missing or refused (file://, an old
   * browser): then the code is selected and copied with execCommand, and if
   * that fails too it stays selected for Ctrl+C.
   */

  function addHeadingAnchors() {
    var headings = document.querySelectorAll(
      ".body h1[id], .body h2[id], .body h3[id], .body h4[id], .body h5[id], .body h6[id]"
    );
    for (var i = 0; i < headings.length; i++) {
      var h = headings[i];
      if (h.querySelector("a.heading-anchor")) {
        continue;
      }
      var a = el("a", "heading-anchor", "#");
      a.href = "#" + h.id;
      a.setAttribute("aria-label", label("heading_anchor") + ": " + h.textContent.trim());
      h.appendChild(document.createTextNode(" "));
      h.appendChild(a);
    }
  }

  function selectAndCopy(node) {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || !document.createRange) {
      return false;
    }
    var range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    if (copied) {
      selection.removeAllRanges();
    }
    return copied;
  }

  function addCopyButtons() {
    var blocks = document.querySelectorAll(".body pre");
    for (var i = 0; i < blocks.length; i++) {
      var pre = blocks[i];
      if (pre.parentNode.classList.contains("code-block")) {
        continue;
      }
      var wrap = el("div", "code-block");
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = el("button", "button code-copy", label("copy_code"));
      button.type = "button";
      var status = el("span", "code-status visually-hidden");
      status.setAttribute("role", "status");
      wrap.appendChild(button);
      wrap.appendChild(status);
      button.addEventListener("click", copyBlock(pre, button, status));
    }
  }

  function copyBlock(pre, button, status) {
    var timer = null;
    function say(text) {
      status.textContent = text;
      button.textContent = text === label("code_copied") ? text : label("copy_code");
      clearTimeout(timer);
      timer = setTimeout(function () {
        button.textContent = label("copy_code");
      }, 2000);
    }
    return function () {
      var code = pre.querySelector("code") || pre;
      copyText(code.textContent, function (ok) {
        say(ok || selectAndCopy(code) ? label("code_copied") : label("code_copy_failed"));
      });
    };
  }

  try {
    addHeadingAnchors();
    addCopyButtons();
  } catch (e) {
    /* Never let an enhancement break the page. */
  }

  /* ======================================================================
   * 3. The single-file bundle
   * ======================================================================
   *
   * `signpost bundle --single-file` puts every page in one document as
   * `<div class="sp-page" id="p/<url>" data-url="<url>">` (its element ids
   * prefixed with `p/<url>:`, its links rewritten to `#p/<url>` or
   * `#p/<url>:<id>`). Without JavaScript the pages follow each other and those
   * links jump between them. Here, only the page named by the fragment is
   * shown (the home page when there is none), the document title follows it,
   * and the trail of answers is handed from page to page in memory.
   */

  function initBundle() {
    var pages = document.querySelectorAll(".sp-page");
    if (!pages.length) {
      return;
    }
    var home = document.querySelector('.sp-page[data-url="index.html"]') || pages[0];
    var current = null;
    var first = true;
    var hashTrail = null;

    // Percent-encoded form of a page URL (as trails store them).
    function encodedUrl(u) {
      return u
        .split("/")
        .map(function (s) {
          try {
            return encodeURIComponent(decodeURIComponent(s));
          } catch (e) {
            return encodeURIComponent(s);
          }
        })
        .join("/");
    }

    function byId(id) {
      if (!id) {
        return null;
      }
      var found = document.getElementById(id);
      if (!found) {
        try {
          found = document.getElementById(decodeURIComponent(id));
        } catch (e) {
          found = null;
        }
      }
      return found;
    }

    function show(page) {
      if (current === page) {
        return false;
      }
      for (var i = 0; i < pages.length; i++) {
        pages[i].hidden = pages[i] !== page;
      }
      current = page;
      document.title = page.getAttribute("data-doc-title") || document.title;
      return true;
    }

    function route() {
      var id = location.hash.slice(1);
      hashTrail = null;
      var q = id.indexOf("?" + HASH_KEY);
      if (id.indexOf("p/") === 0 && q !== -1) {
        hashTrail = decodeTrail(id.slice(q + 1 + HASH_KEY.length));
        id = id.slice(0, q);
      }
      var target = byId(id);
      var page = target && target.closest ? target.closest(".sp-page") : null;
      if (target && !page) {
        bundlePending = null;
        return; // an element outside the pages (the skip link's #main)
      }
      if (!page) {
        page = home;
        target = null;
      }
      var changed = show(page);
      if (target && target !== page) {
        target.scrollIntoView();
      } else if (changed && (target || !first)) {
        // The browser scrolled to the page's element, below the header: show
        // the page from the top instead (on opening, once it has scrolled).
        window.scrollTo(0, 0);
        if (first && document.readyState !== "complete") {
          window.addEventListener("load", function () {
            if (current === page) {
              window.scrollTo(0, 0);
            }
          });
        }
      }
      if (changed && !first && page.focus) {
        page.focus({ preventScroll: true });
      }
      enterPage(page, changed);
      first = false;
    }

    // The trail of the page just shown: from a `?trail=` link, else from the
    // link clicked to get here, else (back/forward, or a link typed in) what
    // this tab last showed on that page.
    function enterPage(page, changed) {
      var pending = bundlePending;
      bundlePending = null;
      here = {
        id: page.getAttribute("data-page"),
        scope: page,
        url: encodedUrl(page.getAttribute("data-url") || ""),
        title: page.getAttribute("data-title"),
      };
      if (!here.id) {
        return;
      }
      var trail = hashTrail;
      if (!trail && pending && pending.to === here.id) {
        trail = unpack(pending.trail);
      }
      if (!trail) {
        if (!changed) {
          return; // an in-page #heading link: the trail stays as it is
        }
        if (pending) {
          trail = []; // another link (search, breadcrumbs): a fresh start
        } else if (first && navigationType() === "navigate") {
          trail = [];
        } else {
          trail = rememberedTrail(here.id) || [];
        }
      }
      applyTrail(trail);
    }

    for (var i = 0; i < pages.length; i++) {
      pages[i].setAttribute("tabindex", "-1");
    }
    document.documentElement.classList.add("sp-app");
    document.addEventListener("click", onClick);
    window.addEventListener("hashchange", route);
    route();
  }

  /* ======================================================================
   * 4. Charts and the folded path
   * ======================================================================
   *
   * Without this script a map page is the larger view (a plain page). With it,
   * the chart's "Full screen" button shows the figure on the whole screen.
   * A path folded to one scrolling line (narrow screens) starts at its end,
   * this page; a chart wider than its box starts with its entry in view.
   */
  function initCharts() {
    var buttons = document.querySelectorAll(".chart-fullscreen");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      var figure = button.closest("figure");
      if (!figure || !figure.requestFullscreen) {
        continue;
      }
      button.hidden = false;
      button.addEventListener("click", function (event) {
        var fig = event.currentTarget.closest("figure");
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else {
          fig.requestFullscreen().catch(function () {});
        }
      });
    }
    var rows = document.querySelectorAll(".where-path, .breadcrumbs ol");
    for (var j = 0; j < rows.length; j++) {
      if (rows[j].scrollWidth > rows[j].clientWidth) {
        rows[j].scrollLeft = rows[j].scrollWidth;
      }
    }
    var charts = document.querySelectorAll(".flowchart");
    for (var k = 0; k < charts.length; k++) {
      var chart = charts[k];
      var entry = chart.querySelector("rect.entry");
      if (!entry || chart.scrollWidth <= chart.clientWidth) {
        continue;
      }
      var box = entry.getBoundingClientRect();
      var frame = chart.getBoundingClientRect();
      chart.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
    }
  }

  try {
    initCharts();
  } catch (e) {
    /* The charts and paths stay as they are. */
  }

  if (bundle) {
    try {
      initBundle();
    } catch (e) {
      /* Without the router every page stays visible, one after the other. */
    }
  }
})();
