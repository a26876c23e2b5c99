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

  // Copies what is selected with execCommand("copy"), the fallback where the
  // Clipboard API is missing or refused (file:// in some browsers, old ones).
  // Each caller selects something of its own first: an off-screen text area,
  // the trail link's field, or a code block, which stays selected for Ctrl+C
  // when this fails too.
  function execCopy() {
    try {
      return document.execCommand("copy") === true;
    } catch (e) {
      return false;
    }
  }

  // Copies `text`; without the Clipboard API through a selected, off-screen
  // text area.
  function copyPlain(text, done) {
    copyText(text, function (ok) {
      if (ok) {
        done(true);
        return;
      }
      var area = el("textarea", "copy-buffer");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var copied = execCopy();
      document.body.removeChild(area);
      done(copied);
    });
  }

  // The walk as plain lines: each question with the answer given.
  function trailLines(trail) {
    return trail.map(function (step, i) {
      return i + 1 + ". " + step.title + " → " + step.when;
    });
  }

  // The walk as plain text for a ticket: the tree, each question with the
  // answer given, the page reached and its outcome, and the link.
  function ticketText(box, trail) {
    var lines = [];
    var tree = box.getAttribute("data-tree-title");
    if (tree) {
      lines.push(label("ticket_procedure", { title: tree }));
    }
    lines = lines.concat(trailLines(trail));
    var outcome = box.getAttribute("data-outcome");
    lines.push(
      label("ticket_reached", { title: selfTitle() }) +
        (outcome ? label("ticket_outcome", { outcome: outcome }) : "")
    );
    lines.push(label("ticket_link", { url: linkWithTrail(trail) }));
    return lines.join("\n") + "\n";
  }

  // Fills `{trail}` of the feedback links with the reader's answers.
  function setUpFeedback(trail) {
    var links = here.scope.querySelectorAll("a[data-feedback]");
    var text = trailLines(trail).join("\n");
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute(
        "href",
        links[i].getAttribute("data-feedback").split("{trail}").join(encodeURIComponent(text))
      );
    }
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
    var ticket = el("button", "button trail-ticket", label("ticket_copy"));
    ticket.type = "button";
    var print = el("button", "button trail-print", label("ticket_print"));
    print.type = "button";
    actions.appendChild(button);
    actions.appendChild(ticket);
    actions.appendChild(print);
    actions.appendChild(status);
    box.appendChild(actions);

    ticket.addEventListener("click", function () {
      copyPlain(ticketText(box, trail), function (ok) {
        status.textContent = ok ? label("ticket_copied") : label("ticket_copy_failed");
      });
    });
    print.addEventListener("click", function () {
      window.print();
    });

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
        var copied = execCopy();
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
    setUpFeedback(trail);
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
   * JavaScript) whose `data-index` names the root of the index,
   * `_signpost/search-index.js`; the shards sit beside it in
   * `_signpost/search/` (both generated by src/search.rs, which documents the
   * format). Everything is loaded by adding `<script>` elements: no fetch/XHR,
   * so it works under file://. The root (the sorted word list) is loaded the
   * first time the reader uses the box; then each query loads only the term
   * shards of its words and the document shards of the results it shows. The
   * single-file bundle defines `window.signpostSearch` inline and holds the
   * shards as `<script type="application/json" id="sp-search-<name>">`
   * elements, decoded when first needed.
   *
   * The box is an ARIA combobox: typing lists matches, ↓/↑ move through them,
   * Enter opens one, Escape closes the list (then clears the box), and `/`
   * anywhere on the page focuses the box. `?q=words` in the page's URL opens
   * it with that search.
   *
   * Matching: each query word matches a page exactly (the same word), or
   * approximately (a word it begins, or one typo away: edit distance 1 for
   * words of 4+ letters, 2 for 8+). Ranking: more words matched exactly
   * first, then more matched approximately, then where they match (title,
   * the `when`s leading to the page, summary, tags, body), then page order.
   */

  var MAX_RESULTS = 20;
  var OUTCOME_LABELS = {
    resolved: label("outcome_resolved"),
    escalate: label("outcome_escalate"),
    unsolved: label("outcome_unsolved"),
  };
  var MAX_TREES_SHOWN = 8;
  var MAX_EXPANSIONS = 12; // approximate words tried per query word
  var MAX_WORD = 40; // longer words are not indexed
  var GLOBAL = "signpostSearch";
  var SHARD_FN = "signpostSearchShard";
  // Field bits of a posting, in rank order: title, when, summary, tags, body.
  var FIELD_WEIGHTS = [16, 8, 4, 2, 1];
  var BITS_WEIGHT = [];
  for (var bits = 0; bits < 32; bits++) {
    var sum = 0;
    for (var f = 0; f < 5; f++) {
      if (bits & (1 << f)) {
        sum += FIELD_WEIGHTS[f];
      }
    }
    BITS_WEIGHT.push(sum);
  }
  // Posting digits (see src/search.rs): value + 1, negative for a last digit.
  var DIGIT = [];
  (function () {
    var lead = "0123456789abcdefghijklmnopqrstuv";
    var last = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";
    for (var i = 0; i < 32; i++) {
      DIGIT[lead.charCodeAt(i)] = i + 1;
      DIGIT[last.charCodeAt(i)] = -(i + 1);
    }
  })();

  function fold(s) {
    s = String(s || "").toLowerCase();
    if (s.normalize) {
      s = s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    return s;
  }

  // Split as src/search.rs does: at what is neither alphanumeric nor `_`.
  var wordSplit;
  try {
    wordSplit = new RegExp("[^\\p{Alphabetic}\\p{N}_]+", "u");
  } catch (e) {
    wordSplit = /[\s!-\/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f]+/;
  }

  function terms(query) {
    var seen = {};
    return fold(query)
      .split(wordSplit)
      .filter(function (t) {
        if (!t || t.length > MAX_WORD || seen[t]) {
          return false;
        }
        seen[t] = true;
        return true;
      });
  }

  // Calls fn(document, field bits) for each posting of `s`.
  function eachPosting(s, fn) {
    var n = 0;
    var doc = 0;
    for (var i = 0; i < s.length; i++) {
      var d = DIGIT[s.charCodeAt(i)];
      if (d > 0) {
        n = n * 32 + d - 1;
      } else {
        n = n * 32 - d - 1;
        doc += Math.floor(n / 32);
        fn(doc, n % 32);
        n = 0;
      }
    }
  }

  // Edit distance of `a` and `b` (a swap of neighbours counts as one), or
  // max + 1 when it is more than `max`.
  function distance(a, b, max) {
    var la = a.length;
    var lb = b.length;
    if (Math.abs(la - lb) > max) {
      return max + 1;
    }
    var before = null;
    var prev = [];
    for (var j = 0; j <= lb; j++) {
      prev.push(j);
    }
    for (var i = 1; i <= la; i++) {
      var cur = [i];
      var low = i;
      for (j = 1; j <= lb; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
        if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
          v = Math.min(v, before[j - 2] + 1);
        }
        cur.push(v);
        if (v < low) {
          low = v;
        }
      }
      if (low > max) {
        return max + 1;
      }
      before = prev;
      prev = cur;
    }
    return prev[lb];
  }

  /* ---------- The index: root, shards loaded on demand ---------- */

  var shardStore = {};
  var shardWaiting = {};

  function shardArrived(name, data) {
    shardStore[name] = data;
    var waiting = shardWaiting[name] || [];
    delete shardWaiting[name];
    waiting.forEach(function (cb) {
      cb(true);
    });
  }

  window[SHARD_FN] = shardArrived;

  function Index(root, dir) {
    this.root = root;
    this.dir = dir;
    this.words = root.w ? root.w.split(" ") : [];
    this.at = Object.create(null);
    for (var i = 0; i < this.words.length; i++) {
      this.at[this.words[i]] = i;
    }
    this.expansions = Object.create(null);
    this.failed = false;
  }

  // Term shard of word number i.
  Index.prototype.shardOf = function (i) {
    var b = this.root.b || [];
    var lo = 0;
    var hi = b.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (b[mid] <= i) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  };

  Index.prototype.postings = function (i) {
    var s = this.shardOf(i);
    var data = shardStore["t" + s];
    return data ? data[i - this.root.b[s]] || "" : "";
  };

  Index.prototype.doc = function (n) {
    var data = shardStore["p" + Math.floor(n / this.root.k)];
    return data ? data[n % this.root.k] : null;
  };

  // Loads the shards `names`, then calls done(ok).
  Index.prototype.load = function (names, done) {
    var self = this;
    var left = 1;
    var ok = true;
    function one(success) {
      ok = ok && success;
      if (--left === 0) {
        done(ok && !self.failed);
      }
    }
    names.forEach(function (name) {
      if (shardStore[name]) {
        return;
      }
      left++;
      if (shardWaiting[name]) {
        shardWaiting[name].push(one);
        return;
      }
      shardWaiting[name] = [one];
      var inline = bundle ? document.getElementById("sp-search-" + name) : null;
      if (inline) {
        var data = null;
        try {
          data = JSON.parse(inline.textContent);
        } catch (e) {
          data = null;
        }
        if (data) {
          shardArrived(name, data);
        } else {
          self.failShard(name);
        }
        return;
      }
      var script = document.createElement("script");
      script.src = self.dir + name + ".js";
      script.async = true;
      script.onerror = function () {
        self.failShard(name);
      };
      document.head.appendChild(script);
    });
    one(true);
  };

  Index.prototype.failShard = function (name) {
    this.failed = true;
    var waiting = shardWaiting[name] || [];
    delete shardWaiting[name];
    waiting.forEach(function (cb) {
      cb(false);
    });
  };

  // The words of the index a query word matches: `exact` (a word number or
  // -1) and `approx` (word numbers: words it begins, words one typo away).
  Index.prototype.expand = function (q) {
    if (this.expansions[q]) {
      return this.expansions[q];
    }
    var words = this.words;
    var exact = q in this.at ? this.at[q] : -1;
    var found = [];
    if (q.length >= 2) {
      var lo = 0;
      var hi = words.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (words[mid] < q) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      for (var i = lo; i < words.length && words[i].lastIndexOf(q, 0) === 0 && found.length < 200; i++) {
        if (i !== exact) {
          found.push({ i: i, d: 1 });
        }
      }
    }
    var max = q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0;
    if (max) {
      for (i = 0; i < words.length; i++) {
        var w = words[i];
        if (i === exact || Math.abs(w.length - q.length) > max || w.lastIndexOf(q, 0) === 0) {
          continue;
        }
        var d = distance(q, w, max);
        if (d <= max) {
          found.push({ i: i, d: d });
        }
      }
    }
    found.sort(function (a, b) {
      return a.d - b.d || words[a.i].length - words[b.i].length || a.i - b.i;
    });
    var result = {
      exact: exact,
      approx: found.slice(0, MAX_EXPANSIONS).map(function (x) {
        return x.i;
      }),
    };
    this.expansions[q] = result;
    return result;
  };

  // The indexed words closest to the query words that match nothing exactly,
  // each with the query it suggests (at most 3).
  Index.prototype.suggest = function (query, ts) {
    var words = this.words;
    var out = [];
    ts.forEach(function (t) {
      if (t in this.at || t.length < 3) {
        return;
      }
      var max = t.length >= 8 ? 3 : 2;
      for (var i = 0; i < words.length; i++) {
        var d = distance(t, words[i], max);
        if (d <= max) {
          out.push({ term: t, word: words[i], d: d });
        }
      }
    }, this);
    out.sort(function (a, b) {
      return a.d - b.d || a.word.length - b.word.length || (a.word < b.word ? -1 : 1);
    });
    var folded = fold(query);
    return out.slice(0, 3).map(function (s) {
      return folded.split(s.term).join(s.word).trim();
    });
  };

  // Runs `query`; calls done(null) when the index failed, else done({ ts,
  // marks, hits: [{ n, doc }], total }).
  Index.prototype.search = function (query, done) {
    var self = this;
    var ts = terms(query);
    var ex = ts.map(function (t) {
      return self.expand(t);
    });
    var need = {};
    ex.forEach(function (e) {
      if (e.exact >= 0) {
        need["t" + self.shardOf(e.exact)] = true;
      }
      e.approx.forEach(function (i) {
        need["t" + self.shardOf(i)] = true;
      });
    });
    self.load(Object.keys(need), function (ok) {
      if (!ok) {
        done(null);
        return;
      }
      var n = self.root.n;
      var exactCount = new Uint8Array(n);
      var approxCount = new Uint8Array(n);
      var score = new Float64Array(n);
      var exactBits = new Uint8Array(n);
      var approxBits = new Uint8Array(n);
      var touched = [];
      var all = [];
      var marks = ts.slice();
      function mark(doc) {
        if (!exactBits[doc] && !approxBits[doc]) {
          touched.push(doc);
        }
      }
      ex.forEach(function (e) {
        if (e.exact >= 0) {
          eachPosting(self.postings(e.exact), function (doc, bits) {
            mark(doc);
            exactBits[doc] |= bits | 32;
          });
        }
        e.approx.forEach(function (i) {
          marks.push(self.words[i]);
          eachPosting(self.postings(i), function (doc, bits) {
            mark(doc);
            approxBits[doc] |= bits | 32;
          });
        });
        touched.forEach(function (doc) {
          if (!exactCount[doc] && !approxCount[doc] && !score[doc]) {
            all.push(doc);
          }
          if (exactBits[doc]) {
            exactCount[doc]++;
            score[doc] += 2 * BITS_WEIGHT[exactBits[doc] & 31];
          } else {
            approxCount[doc]++;
            score[doc] += BITS_WEIGHT[approxBits[doc] & 31];
          }
          exactBits[doc] = 0;
          approxBits[doc] = 0;
        });
        touched = [];
      });
      all.sort(function (a, b) {
        return exactCount[b] - exactCount[a] || approxCount[b] - approxCount[a] || score[b] - score[a] || a - b;
      });
      var top = all.slice(0, MAX_RESULTS);
      var docShards = {};
      top.forEach(function (d) {
        docShards["p" + Math.floor(d / self.root.k)] = true;
      });
      self.load(Object.keys(docShards), function (ok2) {
        if (!ok2) {
          done(null);
          return;
        }
        done({
          ts: ts,
          marks: marks,
          total: all.length,
          hits: top.map(function (d) {
            return { n: d, doc: self.doc(d) };
          }),
        });
      });
    });
  };

  /* ---------- Showing results ---------- */

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

  // Where a page sits: its tree and the answers that lead there, else its
  // folder.
  function placeOf(doc) {
    if (doc.r) {
      if (doc.e && !(doc.p && doc.p.length)) {
        return label("start_of_tree", { title: doc.r });
      }
      return [doc.r].concat(doc.p || []).join(" › ");
    }
    return doc.f || label("home");
  }

  function initSearch() {
    var form = document.querySelector("form.search");
    if (!form) {
      return;
    }
    var input = form.querySelector("input[type=search]");
    if (!input) {
      return;
    }
    var src = form.getAttribute("data-index") || "";
    var index = null;
    var loading = false;
    var failed = false;
    var hits = [];
    var active = -1;
    var asked = 0; // number of the latest query: older answers are dropped

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
    var help = el("div", "search-help");
    help.hidden = true;
    panel.appendChild(status);
    panel.appendChild(list);
    panel.appendChild(help);
    form.appendChild(panel);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-describedby", status.id);
    input.setAttribute("autocomplete", "off");

    function ready(root) {
      if (!root || typeof root.w !== "string" || !root.k) {
        failed = true;
        return;
      }
      index = new Index(root, src.replace(/[^/]*$/, "") + "search/");
    }

    function load() {
      if (index || loading || failed) {
        return;
      }
      if (window[GLOBAL]) {
        ready(window[GLOBAL]);
        return;
      }
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
      var href = pageHref(hit.doc.u);
      if (bundle) {
        bundlePending = { to: null, trail: [] };
        open(false);
        input.value = "";
        input.blur();
      }
      location.href = href;
    }

    function clear(node) {
      while (node.firstChild) {
        node.removeChild(node.firstChild);
      }
    }

    function showStatus(text) {
      clear(list);
      clear(help);
      help.hidden = true;
      hits = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = text;
      open(true);
    }

    // "Did you mean" and the trees, when nothing matches.
    function showHelp(query, ts) {
      var suggestions = index.suggest(query, ts);
      if (suggestions.length) {
        var p = el("p", "search-suggest", label("search_did_you_mean") + " ");
        suggestions.forEach(function (s, i) {
          var b = el("button", "search-suggestion", s);
          b.type = "button";
          b.addEventListener("click", function () {
            input.value = s;
            input.focus();
            update();
          });
          if (i) {
            p.appendChild(document.createTextNode(", "));
          }
          p.appendChild(b);
        });
        p.appendChild(document.createTextNode("?"));
        help.appendChild(p);
      }
      var asking = asked;
      index.load(["r"], function (ok) {
        if (!ok || asking !== asked) {
          return;
        }
        var trees = shardStore.r || [];
        var p = el("p", "search-trees-title", label("search_trees"));
        var ul = el("ul", "search-trees");
        trees.slice(0, MAX_TREES_SHOWN).forEach(function (t) {
          var li = el("li");
          var a = el("a", null, t.t);
          a.href = pageHref(t.u);
          li.appendChild(a);
          ul.appendChild(li);
        });
        var li = el("li");
        var all = el("a", null, label("search_all_trees"));
        all.href = pageHref("index.html");
        li.appendChild(all);
        ul.appendChild(li);
        help.appendChild(p);
        help.appendChild(ul);
      });
      help.hidden = false;
    }

    function render(query, result) {
      showStatus("");
      var ts = result.ts;
      result.hits.forEach(function (hit, i) {
        var p = hit.doc;
        if (!p) {
          return;
        }
        var li = el("li", "search-result");
        li.id = "search-result-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-url", p.u);
        var title = el("span", "search-title");
        title.appendChild(highlighted(p.t, result.marks));
        if (p.o && OUTCOME_LABELS[p.o]) {
          title.appendChild(document.createTextNode(" "));
          title.appendChild(el("span", "badge outcome-" + p.o, OUTCOME_LABELS[p.o]));
        }
        li.appendChild(title);
        var where = el("span", "search-place", placeOf(p));
        li.appendChild(where);
        if (p.s) {
          var s = el("span", "search-snippet");
          s.appendChild(highlighted(p.s, result.marks));
          li.appendChild(s);
        }
        if (p.g && p.g.length) {
          var tags = el("span", "search-tags");
          tags.appendChild(el("span", "visually-hidden", label("tags") + ": "));
          p.g.forEach(function (g) {
            var tag = el("span", "search-tag");
            tag.appendChild(highlighted(g, result.marks));
            tags.appendChild(tag);
            tags.appendChild(document.createTextNode(" "));
          });
          li.appendChild(tags);
        }
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the box until we navigate
        });
        li.addEventListener("click", function () {
          go(i);
        });
        list.appendChild(li);
        hits.push(hit);
      });
      var n = result.total;
      status.textContent =
        n === 0
          ? label("search_none", { query: query.trim() })
          : n > MAX_RESULTS
            ? label("search_more", { count: n, shown: MAX_RESULTS })
            : (n === 1 ? label("search_one") : label("search_many", { count: n })) + " " + label("search_keys");
      if (n === 0) {
        showHelp(query, ts);
      }
      open(true);
    }

    function update() {
      var query = input.value;
      var mine = ++asked;
      if (!terms(query).length) {
        showStatus("");
        open(false);
        return;
      }
      load();
      if (failed) {
        showStatus(label("search_failed"));
        return;
      }
      if (!index) {
        showStatus(label("search_loading"));
        return;
      }
      index.search(query, function (result) {
        if (mine !== asked) {
          return;
        }
        if (!result) {
          showStatus(label("search_failed"));
          return;
        }
        render(query, result);
      });
    }

    input.addEventListener("focus", function () {
      load();
      if (input.value.trim() && panel.hidden) {
        update();
      }
    });
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "Down") {
        event.preventDefault();
        if (panel.hidden && input.value.trim()) {
          open(true);
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
        go(active >= 0 ? active : 0);
      } else if (key === "Escape" || key === "Esc") {
        if (!panel.hidden) {
          event.preventDefault();
          open(false);
          setActive(-1);
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          update();
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
    // `?q=words` in the URL: open with that search.
    var q = /[?&]q=([^&#]*)/.exec(location.search);
    if (q) {
      try {
        input.value = decodeURIComponent(q[1].replace(/\+/g, " "));
      } catch (e) {
        input.value = "";
      }
      if (input.value.trim()) {
        update();
      }
    }
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
    var copied = execCopy();
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
