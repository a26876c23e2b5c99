// End-to-end checks of signpost's output in headless Chromium, and the Nu HTML
// Checker over the built pages. Run by tests/integration/browser.rs (which
// builds the sites and bundles first); by hand:
//
//   node tests/browser/run.mjs --site DIR [--single FILE] [--unzipped DIR] [--vnu DIR]...
//                              [--charts DIR] [--overlay FILE] [--axe FILE]
//
//   --site DIR       a built site (signpost build): walk a tree, search, axe-core
//   --single FILE    a single-file bundle, alone in its folder: walk, search, anchors
//   --unzipped DIR   the zip bundle unzipped (the folder with index.html): walk, search
//   --vnu PATH       run the Nu HTML Checker on PATH (a folder or a file); repeatable
//   --charts DIR     a built site with wide trees and long `when`s: its home page
//                    and map pages at 1280x900 and 390x844 (nothing clipped,
//                    every title and `when` in full, labels >= 9px at 1280, axe)
//   --overlay FILE   a page as `serve` shows it after a broken save: its error
//                    banner in both colour schemes (axe), on a phone, closed
//   --axe FILE       any page: axe-core in the light and the dark colour scheme
//
// Every page is opened from file://. Every request that is not file: or data:
// is aborted and fails the check, and so does any console error or uncaught
// exception. Prints one `ok`/`not ok` line per check and a closing
// "N passed, M failed" line; exits 1 when a check failed.

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const CHROMIUM = process.env.SIGNPOST_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function parseArgs(argv) {
  const out = { site: null, single: null, unzipped: null, charts: null, overlay: null, axe: null, vnu: [] };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`${key} needs a value`);
    }
    i++;
    if (key === "--site") out.site = resolve(value);
    else if (key === "--single") out.single = resolve(value);
    else if (key === "--unzipped") out.unzipped = resolve(value);
    else if (key === "--vnu") out.vnu.push(resolve(value));
    else if (key === "--charts") out.charts = resolve(value);
    else if (key === "--overlay") out.overlay = resolve(value);
    else if (key === "--axe") out.axe = resolve(value);
    else throw new Error(`unknown option ${key}`);
  }
  return out;
}

function assert(cond, message) {
  if (!cond) {
    throw new Error(message);
  }
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

const results = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}`);
    console.log(String(e && e.stack ? e.stack : e).replace(/^/gm, "    "));
  }
}

/* ---------- The browser, offline ---------- */

let browser = null;

async function launch() {
  if (!browser) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }
  return browser;
}

const LOCAL = /^(file|data|about|blob):/;

// A fresh context and page that record every problem: non-local requests
// (aborted), console errors, uncaught exceptions, failed loads.
async function openPage() {
  const context = await (await launch()).newContext();
  const problems = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (LOCAL.test(url)) {
      return route.continue();
    }
    problems.push(`network request blocked: ${url}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!LOCAL.test(r.url())) {
      problems.push(`request: ${r.url()}`);
    }
  });
  page.on("requestfailed", (r) => {
    const failure = r.failure();
    // Aborts of our own route are reported above.
    if (LOCAL.test(r.url())) {
      problems.push(`failed to load ${r.url()}: ${failure ? failure.errorText : "?"}`);
    }
  });
  page.on("console", (m) => {
    if (m.type() === "error") {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`uncaught exception: ${e.message}`));
  return {
    page,
    problems,
    async close() {
      await context.close();
      assert(problems.length === 0, `problems in the browser:\n  ${problems.join("\n  ")}`);
    },
  };
}

/* ---------- Multi-page site and single-file bundle, one interface ---------- */

// How to read "the page shown" and wait for the next one, in each mode.
function modeOf(kind) {
  if (kind === "single") {
    const scope = ".sp-page:not([hidden])";
    return {
      kind,
      scope,
      async current(page) {
        return page.evaluate(() => {
          const shown = document.querySelectorAll(".sp-page:not([hidden])");
          if (shown.length !== 1) {
            return { error: `${shown.length} pages shown` };
          }
          const p = shown[0];
          return { id: p.dataset.page || null, title: p.dataset.title || null, url: p.dataset.url };
        });
      },
      async follow(page, locator) {
        const before = (await this.current(page)).url;
        await locator.click();
        await page.waitForFunction(
          (prev) => {
            const p = document.querySelector(".sp-page:not([hidden])");
            return p && p.dataset.url !== prev;
          },
          before,
          { timeout: 5000 }
        );
      },
    };
  }
  return {
    kind,
    scope: "body",
    async current(page) {
      return page.evaluate(() => ({
        id: document.body.dataset.page || null,
        title: document.body.dataset.title || null,
        url: location.pathname,
      }));
    },
    async follow(page, locator) {
      const before = page.url();
      await locator.click();
      await page.waitForURL((u) => u.toString() !== before, { timeout: 5000 });
      await page.waitForLoadState("load");
    },
  };
}

// From the home page: open the first tree, then take the first branch to a page
// not seen yet until an outcome page; the trail must list every answer.
// The text "Copy for the ticket" copied after walking `steps`.
function checkTicket(text, steps) {
  const lines = text.trimEnd().split("\n");
  assert(lines[0].startsWith("Procedure: "), `ticket starts with the tree: ${text}`);
  steps.forEach((step, i) => {
    assertEqual(lines[i + 1], `${i + 1}. ${step.title} → ${step.when}`, `ticket line ${i + 1}`);
  });
  const reached = lines[steps.length + 1] || "";
  assert(/^Reached: .+ \(outcome: (resolved|escalate|unsolved)\)$/.test(reached), `ticket outcome line: ${reached}`);
  const link = lines[steps.length + 2] || "";
  assert(link.startsWith("Link: ") && link.includes("trail="), `ticket link line: ${link}`);
}

async function walkTree(page, mode) {
  const s = mode.scope;
  await mode.follow(page, page.locator(`${s} .tree h3 a`).first());
  const steps = [];
  const seen = new Set();
  for (let i = 0; i < 40; i++) {
    const cur = await mode.current(page);
    assert(!cur.error, cur.error);
    assert(cur.id, `a tree page has an id (at ${cur.url})`);
    seen.add(cur.id);
    if ((await page.locator(`${s} .page-outcome`).count()) > 0) {
      break;
    }
    const branches = page.locator(`${s} a.branch`);
    const n = await branches.count();
    assert(n > 0, `${cur.id} has branches or an outcome`);
    let next = null;
    for (let b = 0; b < n; b++) {
      const target = await branches.nth(b).getAttribute("data-target");
      if (!seen.has(target)) {
        next = branches.nth(b);
        break;
      }
    }
    assert(next, `${cur.id}: every branch leads back`);
    steps.push({ title: cur.title, when: await next.getAttribute("data-when") });
    await mode.follow(page, next);
  }
  assert((await page.locator(`${s} .page-outcome`).count()) === 1, "the walk ends on an outcome");
  assert(steps.length >= 2, `a walk of ${steps.length} steps`);
  const trail = page.locator(`${s} .trail`);
  assert(await trail.isVisible(), "the trail is shown");
  assertEqual(await trail.locator(".trail-steps a").allTextContents(), steps.map((x) => x.title), "trail pages");
  assertEqual(
    await trail.locator(".trail-steps .trail-when").allTextContents(),
    steps.map((x) => x.when),
    "trail answers"
  );
  assert(!(await page.locator(`${s} .where-path`).isVisible()), "the static path gives way to the trail");
  // Going back to an earlier answer through the trail shortens it.
  await mode.follow(page, trail.locator(".trail-steps a").nth(1));
  const back = await mode.current(page);
  assertEqual(back.title, steps[1].title, "the trail link opens that page");
  assertEqual(
    await page.locator(`${s} .trail .trail-steps a`).allTextContents(),
    [steps[0].title],
    "the trail there"
  );
  return steps;
}

/* ---------- The search index, read as the theme reads it ---------- */

// The index of a built site (`dir`) or of a single file (`html`): its root
// object, its documents, and each word's postings [[document, field bits]].
// The format is documented in src/search.rs.
const BODY = 16;
const TAGS = 8;
const TITLE = 1;

function readIndex({ dir, html }) {
  const shards = {};
  const sandbox = { window: {} };
  sandbox.window.signpostSearchShard = (name, data) => {
    shards[name] = data;
  };
  sandbox.signpostSearchShard = sandbox.window.signpostSearchShard;
  if (dir) {
    vm.runInNewContext(readFileSync(join(dir, "_signpost", "search-index.js"), "utf8"), sandbox);
    for (const f of readdirSync(join(dir, "_signpost", "search"))) {
      vm.runInNewContext(readFileSync(join(dir, "_signpost", "search", f), "utf8"), sandbox);
    }
  } else {
    const m = html.match(/<script>\n(window\.signpostSearch = [^\n]*\n)<\/script>/);
    assert(m, "the single file holds the search index");
    vm.runInNewContext(m[1], sandbox);
    for (const [, name, json] of html.matchAll(/<script type="application\/json" id="sp-search-([a-z0-9]+)">([^<]*)<\/script>/g)) {
      shards[name] = JSON.parse(json);
    }
  }
  const root = sandbox.window.signpostSearch;
  assert(root && typeof root.w === "string", "the index sets window.signpostSearch");
  const docs = [];
  for (let j = 0; shards["p" + j]; j++) {
    docs.push(...shards["p" + j]);
  }
  assertEqual(docs.length, root.n, "documents in the shards");
  const lead = "0123456789abcdefghijklmnopqrstuv";
  const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";
  const words = new Map();
  root.w.split(" ").forEach((w, i) => {
    let s = 0;
    while (s + 1 < root.b.length && root.b[s + 1] <= i) s++;
    const p = shards["t" + s][i - root.b[s]];
    const out = [];
    let n = 0;
    let doc = 0;
    for (const c of p) {
      if (lead.includes(c)) {
        n = n * 32 + lead.indexOf(c);
      } else {
        n = n * 32 + last.indexOf(c);
        doc += Math.floor(n / 32);
        out.push([doc, n % 32]);
        n = 0;
      }
    }
    words.set(w, out);
  });
  return { root, docs, words, trees: shards.r };
}

// Words in a fixed order: the outcome of a test does not depend on luck.
function sortedWords(index, keep) {
  return [...index.words.entries()].filter(([w, p]) => keep(w, p)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

// A word of exactly one page's body text (and of no other field of any page),
// so that searching for it must find that page.
function pickBodyWord(index) {
  const candidates = sortedWords(
    index,
    (w, p) => /^[a-z]{7,}$/.test(w) && p.length === 1 && p[0][1] === BODY && !index.docs[p[0][0]].u.endsWith("index.html")
  );
  assert(candidates.length > 0, "some word occurs in one page only");
  const [word, p] = candidates[Math.floor(candidates.length / 2)];
  const doc = index.docs[p[0][0]];
  return { word, title: doc.t, url: doc.u, summary: doc.s || null, index };
}

// A word of exactly one page's title that other pages' texts also contain:
// that page must come first.
function pickTitleWord(index) {
  const candidates = sortedWords(
    index,
    (w, p) => /^[a-z]{6,}$/.test(w) && p.filter(([, b]) => b & TITLE).length === 1 && p.filter(([, b]) => b === BODY).length >= 2
  ).map(([w, p]) => ({ word: w, title: index.docs[p.find(([, b]) => b & TITLE)[0]].t, others: p.length }));
  candidates.sort((a, b) => b.others - a.others || (a.word < b.word ? -1 : 1));
  assert(candidates.length > 0, "some title word occurs in other pages' texts");
  return candidates[0];
}

// The results listed for `query`, typed into the box: their titles.
async function resultsFor(page, query) {
  await page.locator("#search-input").fill(query);
  await page.waitForFunction(
    (q) => {
      const s = document.querySelector(".search-status");
      return document.querySelector("#search-input").value === q && s && /match/.test(s.textContent);
    },
    query,
    { timeout: 10000 }
  );
  return page.locator("#search-results [role=option] .search-title").allTextContents();
}

async function searchAndOpen(page, mode, target) {
  // `/` focuses the box from anywhere on the page.
  await page.locator("main").first().click({ position: { x: 2, y: 2 } });
  await page.keyboard.press("/");
  assertEqual(await page.evaluate(() => document.activeElement && document.activeElement.id), "search-input", "focus after /");
  await page.keyboard.type(target.word, { delay: 10 });
  const first = page.locator("#search-results [role=option]").first();
  await first.waitFor({ timeout: 10000 });
  assert(
    (await page.locator("#search-input").getAttribute("aria-expanded")) === "true",
    "the combobox is expanded"
  );
  const title = await first.locator(".search-title").textContent();
  assert(title.startsWith(target.title), `first result for "${target.word}" is "${target.title}", got "${title}"`);
  const place = await first.locator(".search-place").textContent();
  assert(place.trim().length > 0, "the result says where the page sits");
  if (target.summary) {
    assertEqual(await first.locator(".search-snippet").textContent(), target.summary, "the result shows the summary");
  }
  // Escape closes the list; ↓ opens it again and selects the first result.
  await page.keyboard.press("Escape");
  assert(!(await page.locator(".search-panel").isVisible()), "Escape closes the results");
  await page.keyboard.press("ArrowDown");
  assertEqual(
    await page.locator("#search-input").getAttribute("aria-activedescendant"),
    "search-result-0",
    "↓ selects the first result"
  );
  const before = await mode.current(page);
  if (mode.kind === "single") {
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (prev) => document.querySelector(".sp-page:not([hidden])").dataset.url !== prev,
      before.url,
      { timeout: 5000 }
    );
  } else {
    const url = page.url();
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.toString() !== url, { timeout: 5000 });
    await page.waitForLoadState("load");
  }
  const after = await mode.current(page);
  assertEqual(after.title === null ? await page.title() : after.title, target.title, "Enter opens the result");
  if (mode.kind !== "single") {
    assert(page.url().endsWith("/" + target.url), `opened ${page.url()}, expected …/${target.url}`);
  }
}

async function axeCheck(page, what) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"], preload: false })
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n      ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n      ")}`)
    .join("\n    ");
  assert(bad.length === 0, `axe-core on ${what}:\n    ${report}`);
}

// What search finds, from file:// (issue 30): tags, any of the words, one
// typo, section intros; `?q=` opens with results; "no results" suggests words
// and the trees; compact results on a phone. `url` is the home page (site or
// single file).
async function searchChecks(label, url, target) {
  const index = target.index;

  await check(`${label}: a tag finds its page, and results show its tags`, async () => {
    // A tag word of one page that no other field of that page holds.
    const [word, p] = sortedWords(index, (w, p) => /^[a-z]{3,}$/.test(w) && p.some(([, b]) => b === TAGS)).sort(
      (a, b) => a[1].length - b[1].length
    )[0];
    const doc = index.docs[p.find(([, b]) => b === TAGS)[0]];
    const t = await openPage();
    await t.page.goto(url);
    const titles = await resultsFor(t.page, word);
    const i = titles.findIndex((x) => x.startsWith(doc.t));
    assert(i !== -1, `"${word}" (a tag) finds "${doc.t}": ${JSON.stringify(titles)}`);
    const tags = await t.page.locator("#search-results [role=option]").nth(i).locator(".search-tag").allTextContents();
    assert(tags.includes(word), `the result shows its tags: ${JSON.stringify(tags)}`);
    await t.close();
  });

  await check(`${label}: a word that occurs nowhere does not hide the page with the other word`, async () => {
    const t = await openPage();
    await t.page.goto(url);
    const titles = await resultsFor(t.page, `qwzxv ${target.word}`);
    assert(titles.length && titles[0].startsWith(target.title), `first result is "${target.title}": ${JSON.stringify(titles)}`);
    await t.close();
  });

  await check(`${label}: a query with one typo finds the page`, async () => {
    const w = target.word;
    const typo = w.slice(0, 3) + w.slice(4); // one letter left out
    const t = await openPage();
    await t.page.goto(url);
    const titles = await resultsFor(t.page, typo);
    assert(titles.some((x) => x.startsWith(target.title)), `"${typo}" finds "${target.title}": ${JSON.stringify(titles)}`);
    await t.close();
  });

  await check(`${label}: ?q= opens the page with the search's results`, async () => {
    const t = await openPage();
    await t.page.goto(`${url}?q=${encodeURIComponent(target.word)}`);
    const first = t.page.locator("#search-results [role=option]").first();
    await first.waitFor({ timeout: 10000 });
    assert(await first.isVisible(), "the results are shown");
    assert((await first.locator(".search-title").textContent()).startsWith(target.title), "first result");
    assertEqual(await t.page.locator("#search-input").inputValue(), target.word, "the box holds the query");
    await t.close();
  });

  await check(`${label}: text of a section intro is found`, async () => {
    const found = sortedWords(index, (w, p) => /^[a-z]{5,}$/.test(w) && p.length === 1 && p[0][1] === BODY && index.docs[p[0][0]].u.endsWith("index.html"));
    assert(found.length, "some word occurs only in a section intro");
    const [word, p] = found[0];
    const t = await openPage();
    await t.page.goto(url);
    const titles = await resultsFor(t.page, word);
    assert(titles.length && titles[0].startsWith(index.docs[p[0][0]].t), `"${word}" finds the intro: ${JSON.stringify(titles)}`);
    await t.close();
  });

  await check(`${label}: no results suggests the closest words and links to the trees`, async () => {
    // Two letters changed in a word of five to seven: too far for a match.
    const [word] = sortedWords(index, (w) => /^[a-z]{5,7}$/.test(w))[0];
    const miss = "q" + word[1] + "x" + word.slice(3);
    const t = await openPage();
    await t.page.goto(url);
    const titles = await resultsFor(t.page, miss);
    assertEqual(titles, [], `results for "${miss}"`);
    const suggestion = t.page.locator(".search-suggestion").first();
    await suggestion.waitFor();
    const trees = t.page.locator(".search-trees a");
    await trees.first().waitFor();
    assertEqual(await trees.first().textContent(), index.trees[0].t, "the first tree");
    await suggestion.click();
    await t.page.locator("#search-results [role=option]").first().waitFor();
    await t.close();
  });

  await check(`${label}: at least four results fit on a 390×844 screen`, async () => {
    const context = await (await launch()).newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(url);
    // The word of the most pages.
    const [word] = sortedWords(index, (w) => /^[a-z]{4,}$/.test(w)).sort((a, b) => b[1].length - a[1].length)[0];
    const titles = await resultsFor(page, word);
    assert(titles.length >= 4, `"${word}" lists ${titles.length} results`);
    const visible = await page.evaluate(() => {
      const panel = document.querySelector(".search-panel").getBoundingClientRect();
      const bottom = Math.min(panel.bottom, window.innerHeight);
      return [...document.querySelectorAll("#search-results [role=option]")].filter((li) => {
        const r = li.getBoundingClientRect();
        return r.top >= panel.top && r.bottom <= bottom + 0.5 && r.top >= 0;
      }).length;
    });
    assert(visible >= 4, `${visible} results fully visible`);
    await context.close();
  });
}

/* ---------- The checks ---------- */

async function siteChecks(root, label, target, withAxe) {
  const home = pathToFileURL(join(root, "index.html")).href;

  await check(`${label}: walk a tree from the home page to an outcome, the trail follows`, async () => {
    const t = await openPage();
    await t.page.goto(home);
    assert(await t.page.locator(".search").isVisible(), "the search box is shown with JavaScript");
    const steps = await walkTree(t.page, modeOf("site"));
    // Back on the outcome page, then a reload: the trail is still there (it
    // travels in the URL).
    await t.page.goBack();
    await t.page.reload();
    assertEqual(
      await t.page.locator(".trail .trail-steps a").allTextContents(),
      steps.map((x) => x.title),
      "trail after back and reload"
    );
    // Copy for the ticket under file:// without the Clipboard API: the
    // execCommand("copy") fallback copies the same plain text.
    await t.page.evaluate(() => {
      Object.defineProperty(navigator, "clipboard", { configurable: true, value: undefined });
      window.copiedText = undefined;
      document.addEventListener("copy", () => {
        const area = document.querySelector("textarea.copy-buffer");
        window.copiedText = area ? area.value : "";
      });
    });
    await t.page.locator(".trail-ticket").click();
    await t.page.waitForFunction(() => typeof window.copiedText === "string");
    checkTicket(await t.page.evaluate(() => window.copiedText), steps);
    await t.close();
  });

  await check(`${label}: search for a word of a page's text and open the result`, async () => {
    const t = await openPage();
    await t.page.goto(home);
    await searchAndOpen(t.page, modeOf("site"), target);
    await t.close();
  });

  if (withAxe) {
    await searchChecks(label, home, target);

    await check(`${label}: a title match ranks before matches in the text`, async () => {
      const t = await openPage();
      await t.page.goto(home);
      const title = pickTitleWord(target.index);
      await t.page.locator("#search-input").fill(title.word);
      const options = t.page.locator("#search-results [role=option]");
      await options.nth(1).waitFor();
      const first = await options.first().locator(".search-title").textContent();
      assert(first.startsWith(title.title), `"${title.word}": first result "${first}", expected "${title.title}"`);
      await t.close();
    });

    await check(`${label}: axe-core finds no serious or critical violation`, async () => {
      const t = await openPage();
      await t.page.goto(home);
      await axeCheck(t.page, "the home page");
      await walkTree(t.page, modeOf("site"));
      await axeCheck(t.page, `a tree page with its trail (${t.page.url()})`);
      await t.page.locator("#search-input").fill(target.word);
      await t.page.locator("#search-results [role=option]").first().waitFor();
      await axeCheck(t.page, "a tree page with search results open");
      await t.close();
    });

    await check(`${label}: highlighted code shows the light and the dark theme's colours`, async () => {
      // A shell comment: grey italic in InspiredGitHub, slate upright in
      // base16-ocean.dark, each from highlight.css by the colour scheme.
      const url = pathToFileURL(join(root, "sign-in/work/only-admin-locked-out.html")).href;
      const looks = {};
      for (const colorScheme of ["light", "dark"]) {
        const context = await (await launch()).newContext({ colorScheme });
        const page = await context.newPage();
        await page.goto(url);
        const comment = page.locator("pre.hl span", { hasText: "# Replace the domain" });
        looks[colorScheme] = await comment.evaluate((el) => {
          const s = getComputedStyle(el);
          const pre = getComputedStyle(el.closest("pre"));
          return { color: s.color, fontStyle: s.fontStyle, code: pre.color };
        });
        await context.close();
      }
      assertEqual(looks.light.color, "rgb(150, 152, 150)", "comment colour, light");
      assertEqual(looks.light.fontStyle, "italic", "comment style, light");
      assertEqual(looks.dark.color, "rgb(101, 115, 126)", "comment colour, dark");
      assertEqual(looks.dark.fontStyle, "normal", "comment style, dark");
      assert(looks.light.code !== looks.dark.code, "the code's own colour follows the scheme");
    });

    await check(`${label}: without JavaScript there is no search box, and pages still link`, async () => {
      const context = await (await launch()).newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(home);
      assert(!(await page.locator(".search").isVisible()), "the box is hidden without JavaScript");
      await page.locator(".tree h3 a").first().click();
      await page.waitForLoadState("load");
      assert(await page.locator("a.branch").first().isVisible(), "branches are links");
      await context.close();
    });
  }
}

async function singleFileChecks(file, target) {
  const url = pathToFileURL(file).href;
  const mode = modeOf("single");

  await check("single file: the home page first, one page at a time; walk a tree, the trail follows", async () => {
    const t = await openPage();
    await t.page.goto(url);
    const cur = await mode.current(t.page);
    assert(!cur.error, cur.error);
    assertEqual(cur.url, "index.html", "the page shown first");
    const images = await t.page.evaluate(() => [...document.images].map((i) => i.src));
    assert(images.every((s) => s.startsWith("data:")), "images are inlined");
    const steps = await walkTree(t.page, mode);
    // Back goes to the outcome page again, with its whole trail.
    await t.page.goBack();
    await t.page.waitForFunction(() => document.querySelector(".sp-page:not([hidden]) .page-outcome"));
    const trail = () => t.page.locator(".sp-page:not([hidden]) .trail .trail-steps a").allTextContents();
    assertEqual(await trail(), steps.map((x) => x.title), "trail after back");
    // The link the trail's button copies opens that page with that trail.
    await t.page.evaluate(() => {
      Object.defineProperty(navigator, "clipboard", {
        configurable: true,
        value: {
          writeText(text) {
            window.copiedText = text;
            return Promise.resolve();
          },
        },
      });
    });
    await t.page.locator(".sp-page:not([hidden]) .trail-copy").click();
    await t.page.waitForFunction(() => typeof window.copiedText === "string");
    const copied = await t.page.evaluate(() => window.copiedText);
    assert(copied.includes("#p/") && copied.includes("?trail="), `copied link: ${copied}`);
    // Copy for the ticket: plain text with the tree, each answer, the page
    // reached and its outcome, and the link with the trail.
    await t.page.evaluate(() => {
      window.copiedText = undefined;
    });
    await t.page.locator(".sp-page:not([hidden]) .trail-ticket").click();
    await t.page.waitForFunction(() => typeof window.copiedText === "string");
    checkTicket(await t.page.evaluate(() => window.copiedText), steps);
    const fresh = await openPage();
    await fresh.page.goto(copied);
    assertEqual(
      await fresh.page.locator(".sp-page:not([hidden]) .trail .trail-steps a").allTextContents(),
      steps.map((x) => x.title),
      "trail of the copied link"
    );
    await fresh.close();
    await t.close();
  });

  await check("single file: search for a word of a page's text and open the result", async () => {
    const t = await openPage();
    await t.page.goto(url);
    await searchAndOpen(t.page, mode, target);
    await t.close();
  });

  await searchChecks("single file", url, target);

  await check("single file: #heading links and ids are unique and work", async () => {
    const t = await openPage();
    await t.page.goto(url);
    const dupes = await t.page.evaluate(() => {
      const seen = new Map();
      for (const e of document.querySelectorAll("[id]")) {
        seen.set(e.id, (seen.get(e.id) || 0) + 1);
      }
      return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    });
    assertEqual(dupes, [], "duplicate ids");
    // Every in-document link names an element that exists.
    const broken = await t.page.evaluate(() =>
      [...document.querySelectorAll('a[href^="#"]')]
        .map((a) => a.getAttribute("href").slice(1))
        .filter((id) => id && !document.getElementById(id))
    );
    assertEqual([...new Set(broken)], [], "in-document links to missing ids");
    // A link to a heading of another page shows that page, scrolled to it.
    const link = await t.page.evaluate(() => {
      const a = [...document.querySelectorAll('.sp-page a[href^="#p/"]')].find((x) => {
        const h = x.getAttribute("href");
        const owner = x.closest(".sp-page");
        return h.includes(":") && !h.startsWith("#" + owner.id + ":") && !x.closest(".outline, .where, nav");
      });
      if (!a) {
        return null;
      }
      const owner = a.closest(".sp-page");
      return { from: owner.dataset.url, href: a.getAttribute("href") };
    });
    assert(link, "some page links to a heading of another page");
    await t.page.goto(url + "#p/" + link.from);
    const a = t.page.locator(`.sp-page:not([hidden]) a[href="${link.href}"]`).first();
    await a.click();
    const id = link.href.slice(1);
    await t.page.waitForFunction((i) => {
      const e = document.getElementById(i);
      return e && e.closest(".sp-page") && !e.closest(".sp-page").hidden;
    }, id);
    const inView = await t.page.evaluate((i) => {
      const r = document.getElementById(i).getBoundingClientRect();
      return r.top >= -1 && r.top < window.innerHeight;
    }, id);
    assert(inView, `${id} is scrolled into view`);
    await t.close();
  });
}

/* ---------- Flowcharts: fit, full text, readable ---------- */

// What every chart on the page looks like: whether it fits, its texts (one per
// <text>, lines joined with spaces) and the smallest label size in px.
async function chartFacts(page) {
  return page.evaluate(() => {
    for (const d of document.querySelectorAll("details")) d.open = true;
    const vw = document.documentElement.clientWidth;
    const charts = [];
    for (const fig of document.querySelectorAll("figure.flowchart")) {
      const svg = fig.querySelector("svg");
      const f = fig.getBoundingClientRect();
      const r = svg.getBoundingClientRect();
      const view = svg.viewBox.baseVal;
      const scale = r.width / view.width;
      const texts = [...svg.querySelectorAll("text")].map((t) =>
        [...t.querySelectorAll("tspan")].map((s) => s.textContent).join(" ")
      );
      let minLabel = Infinity;
      for (const t of svg.querySelectorAll(".edge-label text")) {
        minLabel = Math.min(minLabel, parseFloat(getComputedStyle(t).fontSize) * scale);
      }
      charts.push({
        // The figure itself lies within the viewport...
        figureFits: f.left >= -0.5 && f.right <= vw + 0.5,
        // ...and scrolling it shows all of the chart.
        scrollShowsAll:
          fig.scrollWidth + 0.5 >= r.width + (r.left - f.left + fig.scrollLeft) &&
          getComputedStyle(fig).overflowX !== "hidden",
        heightShown: fig.scrollHeight + 0.5 >= r.height,
        texts,
        minLabel,
      });
    }
    return { charts, pageScrollsSideways: document.documentElement.scrollWidth > vw + 0.5 };
  });
}

async function chartChecks(root) {
  const graph = JSON.parse(readFileSync(join(root, "graph.json"), "utf8"));
  const flat = (s) => s.split(/\s+/).filter(Boolean).join(" ");
  const maps = readdirSync(root, { recursive: true })
    .filter((f) => String(f).endsWith(".map.html"))
    .map(String)
    .sort();
  assert(maps.length > 0, "map pages are built");
  const pages = ["index.html", ...maps];
  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ]) {
    await check(`charts at ${width}x${height}: no chart clipped, every title and when in full`, async () => {
      const seen = new Set();
      for (const file of pages) {
        const t = await openPage();
        await t.page.setViewportSize({ width, height });
        await t.page.goto(pathToFileURL(join(root, file)).href);
        const facts = await chartFacts(t.page);
        assert(!facts.pageScrollsSideways, `${file}: the page scrolls sideways at ${width}px`);
        assert(facts.charts.length > 0 || file === "index.html", `${file}: a chart`);
        facts.charts.forEach((c, i) => {
          assert(c.figureFits, `${file}: chart ${i} sticks out of the viewport`);
          assert(c.scrollShowsAll && c.heightShown, `${file}: chart ${i} is clipped`);
          if (width >= 1280) {
            assert(c.minLabel >= 9, `${file}: chart ${i}: labels at ${c.minLabel.toFixed(2)}px`);
          }
          for (const text of c.texts) seen.add(text);
        });
        await t.close();
      }
      const missing = [
        ...graph.nodes.map((n) => n.title),
        ...graph.edges.filter((e) => e.when !== null).map((e) => e.when),
      ]
        .map(flat)
        .filter((text) => !seen.has(text));
      assert(missing.length === 0, `not in any chart in full:\n    ${missing.join("\n    ")}`);
    });
  }
  await check("phone, 390x844: a middle page's answers are one tap away, its path one line", async () => {
    const t = await openPage();
    await t.page.setViewportSize({ width: 390, height: 844 });
    await t.page.goto(pathToFileURL(join(root, "step-0.html")).href);
    const skip = t.page.locator(".to-answers a");
    const box = await skip.boundingBox();
    assert(box && box.y + box.height <= 844, "the skip link is on the first screen");
    const path = await t.page.locator(".where-path").boundingBox();
    const line = await t.page.locator(".where-path li").last().boundingBox();
    assert(path.height <= line.height * 1.6, `the path is one line (${path.height}px)`);
    await skip.click();
    const answers = await t.page.locator(".choices a.branch").first().boundingBox();
    assert(answers.y >= 0 && answers.y + answers.height <= 844, `the answers are in view (${answers.y})`);
    assert((await t.page.locator(".parents").count()) === 0, "no 'how you got here' repeating the path");
    await t.close();
  });

  await check("charts: axe-core finds no serious violation on the home, map and a middle page", async () => {
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ]) {
      for (const file of [...pages, "step-0.html"]) {
        const t = await openPage();
        await t.page.setViewportSize({ width, height });
        await t.page.goto(pathToFileURL(join(root, file)).href);
        await axeCheck(t.page, `${file} at ${width}px`);
        await t.close();
      }
    }
  });
}

/* ---------- serve's error banner ---------- */

async function overlayChecks(file) {
  const url = pathToFileURL(file).href;
  for (const colorScheme of ["light", "dark"]) {
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ]) {
      await check(`error banner, ${colorScheme} scheme, ${width}x${height}: readable, compact, closable`, async () => {
        const context = await (await launch()).newContext({ colorScheme, viewport: { width, height } });
        const page = await context.newPage();
        await page.goto(url);
        const banner = page.locator("#signpost-errors");
        assert(await banner.isVisible(), "the banner is shown");
        await axeCheck(page, `the error banner (${colorScheme})`);
        const box = await banner.boundingBox();
        assert(box.height <= height * 0.34 + 1, `the banner is ${box.height}px tall of ${height}`);
        await banner.getByRole("button").click();
        assert((await page.locator("#signpost-errors").count()) === 0, "Close removes the banner");
        await context.close();
      });
    }
  }
}

function vnu(paths) {
  const jar = join(here, "node_modules", "vnu-jar", "build", "dist", "vnu.jar");
  const r = spawnSync("java", ["-jar", jar, "--errors-only", "--skip-non-html", ...paths], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.error) {
    throw r.error;
  }
  const out = `${r.stdout}${r.stderr}`.trim();
  assert(r.status === 0 && out === "", `the Nu HTML Checker reports:\n${out}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.vnu.length) {
    // One Java start for every path.
    await check(`Nu HTML Checker: no errors in ${args.vnu.join(", ")}`, async () => vnu(args.vnu));
  }
  let target = null;
  const indexOf = args.site || args.unzipped;
  if (indexOf) {
    target = pickBodyWord(readIndex({ dir: indexOf }));
    console.log(`# searching for "${target.word}", only in the text of "${target.title}"`);
  }
  if (args.site) {
    await siteChecks(args.site, "site", target, true);
  }
  if (args.unzipped) {
    await siteChecks(args.unzipped, "unzipped bundle", target, false);
  }
  if (args.charts) {
    await chartChecks(args.charts);
  }
  if (args.overlay) {
    await overlayChecks(args.overlay);
  }
  if (args.axe) {
    for (const colorScheme of ["light", "dark"]) {
      await check(`axe-core on ${args.axe}, ${colorScheme} scheme`, async () => {
        const context = await (await launch()).newContext({ colorScheme });
        const page = await context.newPage();
        await page.goto(pathToFileURL(args.axe).href);
        await axeCheck(page, `${args.axe} (${colorScheme})`);
        await context.close();
      });
    }
  }
  if (args.single) {
    if (!target) {
      target = pickBodyWord(readIndex({ html: readFileSync(args.single, "utf8") }));
    }
    await singleFileChecks(args.single, target);
  }
  if (browser) {
    await browser.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e) => {
  console.log(`not ok - setup\n${String(e && e.stack ? e.stack : e).replace(/^/gm, "    ")}`);
  if (browser) {
    await browser.close().catch(() => {});
  }
  process.exitCode = 1;
});
