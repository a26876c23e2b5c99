/* signpost: progressive enhancement for the default theme.
 *
 * Plain ES2017, no dependencies, no network access: everything works when the
 * site is opened straight from disk (file://). Without JavaScript every page
 * still shows its static "where am I" path; this script only adds to it.
 *
 * Sections:
 *   1. The guided walk: the reader's trail of answers.
 *   2. Search (reserved; not implemented here).
 */
(function () {
  "use strict";

  var body = document.body;
  if (!body) {
    return;
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
   * behaves as usual.
   */

  var HASH_KEY = "trail=";
  var PENDING_KEY = "signpost.pending";   // { to: page id, trail: [...] } set on click
  var TRAILS_KEY = "signpost.trails";     // { page id: trail } of this tab
  var MAX_STEPS = 64;
  var MAX_TEXT = 500;
  var MAX_PAGES_REMEMBERED = 100;

  var pageId = body.getAttribute("data-page");
  var root = body.getAttribute("data-root") || "";

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

  // The trail in a `#trail=…` fragment, or null when the fragment is not ours.
  function trailFromHash(hash) {
    if (!hash || hash.indexOf("#" + HASH_KEY) !== 0) {
      return null;
    }
    try {
      return unpack(JSON.parse(decodeURIComponent(hash.slice(HASH_KEY.length + 1))));
    } catch (e) {
      return null;
    }
  }

  /* ---------- This page ---------- */

  // This page's URL relative to the site root: the last (depth + 1) path
  // segments, where depth is the number of `../` in data-root. Works under any
  // sub-path and under file://.
  function selfUrl() {
    var depth = (root.match(/\.\.\//g) || []).length;
    var segments = location.pathname.split("/");
    return segments.slice(-(depth + 1)).join("/");
  }

  function selfTitle() {
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
    if (pending && pending.to === pageId) {
      var fromClick = unpack(pending.trail);
      if (fromClick) {
        return fromClick;
      }
    }
    var type = navigationType();
    if (type === "back_forward" || type === "reload") {
      return rememberedTrail(pageId) || [];
    }
    return [];
  }

  /* ---------- Links that carry the trail on ---------- */

  // What a link hands to the page it opens: element → { to, trail }.
  var carried = typeof WeakMap === "function" ? new WeakMap() : null;

  // The trail of the page `targetId`, reached from here by answering `when`.
  // Going back to a page already on the trail (a loop such as "try again")
  // cuts the trail there instead of growing it forever.
  function trailTo(trail, targetId, when) {
    for (var i = 0; i < trail.length; i++) {
      if (trail[i].id === targetId) {
        return trail.slice(0, i);
      }
    }
    if (targetId === pageId) {
      return trail.slice();
    }
    return trail.concat([
      { id: pageId, title: selfTitle(), when: when, url: selfUrl() },
    ]);
  }

  // Points `a` at `baseHref` carrying `trail` in its fragment, unless the
  // link already has a fragment of its own (then sessionStorage carries it).
  function carry(a, baseHref, targetId, trail) {
    if (baseHref.indexOf("#") === -1) {
      a.setAttribute("href", trail.length ? baseHref + "#" + HASH_KEY + encodeTrail(trail) : baseHref);
    }
    if (carried) {
      carried.set(a, { to: targetId, trail: pack(trail) });
    }
  }

  function setUpBranches(trail) {
    var links = document.querySelectorAll("a[data-target]");
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      if (!a.hasAttribute("data-href")) {
        a.setAttribute("data-href", a.getAttribute("href") || "");
      }
      var when = a.getAttribute("data-when") || "Next step";
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

    box.appendChild(el("p", "trail-title", "Your answers so far"));
    var list = el("ol", "trail-steps");
    list.setAttribute("aria-label", "Your answers so far");
    trail.forEach(function (step, i) {
      var li = el("li");
      var a = el("a", null, step.title);
      a.setAttribute("data-step", String(i));
      carry(a, root + step.url, step.id, trail.slice(0, i));
      a.setAttribute("title", "Go back and change this answer");
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "trail-when", step.when));
      list.appendChild(li);
    });
    var here = el("li", null, selfTitle());
    here.setAttribute("aria-current", "page");
    list.appendChild(here);
    box.appendChild(list);

    var actions = el("div", "trail-actions");
    var button = el("button", "button trail-copy", "Copy link to this path");
    button.type = "button";
    var status = el("span", "trail-status");
    status.setAttribute("role", "status");
    actions.appendChild(button);
    actions.appendChild(status);
    box.appendChild(actions);

    button.addEventListener("click", function () {
      var link = urlWithoutHash() + "#" + HASH_KEY + encodeTrail(trail);
      copyText(link, function (ok) {
        if (ok) {
          status.textContent = "Link copied.";
          return;
        }
        // No clipboard access (older browser, or not allowed): put the link in
        // a field and select it; copy with execCommand, else the reader can.
        var field = box.querySelector(".trail-url");
        if (!field) {
          field = el("input", "trail-url");
          field.type = "text";
          field.readOnly = true;
          field.setAttribute("aria-label", "Link to this path");
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
        status.textContent = copied ? "Link copied." : "Press Ctrl+C (⌘C on a Mac) to copy the selected link.";
      });
    });

    box.hidden = false;
    if (staticPath) {
      staticPath.hidden = true;
    }
  }

  /* ---------- Wiring ---------- */

  function applyTrail(trail) {
    if (pageId) {
      rememberTrail(pageId, trail);
    }
    setUpBranches(trail);
    var box = document.querySelector("nav.where .trail");
    if (box) {
      renderTrail(box, trail);
    }
  }

  function initTrail() {
    if (!pageId) {
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

  try {
    initTrail();
  } catch (e) {
    /* Never let an enhancement break the page: the static path remains. */
  }

  /* ======================================================================
   * 2. Search (reserved)
   * ======================================================================
   *
   * Offline search goes here (another change): it will read an index shipped
   * as a script file (no fetch/XHR, so it works under file://) and enhance a
   * search box rendered in the `header_extra` block of base.html. Keep it
   * independent of section 1.
   */
})();
