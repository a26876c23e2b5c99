// Search benchmark: bytes of index script loaded and time to the first result
// in headless Chromium, from file://, on generated sites.
//
//   node bench/search.mjs                                # 1,000, 10,000 and 50,000 pages
//   node bench/search.mjs --sizes 10000 --runs 5 --signpost target/release/signpost
//   node bench/search.mjs --site DIR                     # a site already built
//
// For each size it generates a site with ../shared/tools/gencorpus.py (seed 1,
// flavor signpost) in --work (default /dev/shm/signpost-search-bench), builds it,
// then, from the home page and from a deep page, opens the page in a fresh
// browser context and measures:
//   - first search: the time from the query's `input` event to the first result
//     in the list (the root word list, the term shards and the document shards
//     all load then), best of --runs, and the bytes of index script it loaded
//     (`_signpost/search-index.js` and `_signpost/search/*.js`);
//   - later searches: the same time for further queries on the same page,
//     the worst of them, and the bytes they added.
// Prints a Markdown table. Needs Chromium (SIGNPOST_CHROMIUM, default
// /usr/bin/chromium) and the npm packages of tests/browser (`npm ci --prefix
// tests/browser --ignore-scripts`). It asserts nothing.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const require = createRequire(join(repo, "tests/browser/run.mjs"));
const { chromium } = require("playwright-core");

let FIRST = "container runtime";
const args = { sizes: [1000, 10000, 50000], runs: 3, signpost: join(repo, "target/release/signpost"), work: "/dev/shm/signpost-search-bench", site: null };
for (let i = 2; i < process.argv.length; i += 2) {
  const [k, v] = [process.argv[i], process.argv[i + 1]];
  if (k === "--sizes") args.sizes = v.split(",").map(Number);
  else if (k === "--runs") args.runs = Number(v);
  else if (k === "--signpost") args.signpost = resolve(v);
  else if (k === "--work") args.work = resolve(v);
  else if (k === "--site") args.site = resolve(v);
  else if (k === "--first") FIRST = v;
  else throw new Error(`unknown option ${k}`);
}

// The first query, then later ones: whole words, a prefix being typed, a typo,
// a word that occurs nowhere with one that does.
const LATER = ["certificate expired", "dns resol", "authentcate", "printer qqqq", "disk full"];

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

// The deepest page of the site (most folders), the first in path order.
function deepPage(root) {
  let best = null;
  function walk(dir, depth) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name.startsWith("_")) continue;
      if (statSync(path).isDirectory()) walk(path, depth + 1);
      else if (name.endsWith(".html") && name !== "index.html" && (!best || depth > best.depth)) best = { path, depth };
    }
  }
  walk(root, 0);
  return best.path;
}

function isIndex(url) {
  return /\/_signpost\/(search-index\.js|search\/[^/]+\.js)$/.test(url);
}

// Time from the `input` event to the first result, in the page's own clock.
async function timeQuery(page, query) {
  return page.evaluate(
    (q) =>
      new Promise((done) => {
        const input = document.querySelector("#search-input");
        const list = document.querySelector("#search-results");
        const t0 = performance.now();
        input.value = q;
        input.dispatchEvent(new Event("input"));
        (function poll() {
          const status = document.querySelector(".search-status");
          const over = list && (list.querySelector(".search-result") || (status && /match/.test(status.textContent) && !/Loading/.test(status.textContent)));
          if (over) {
            done({ ms: performance.now() - t0, results: list.querySelectorAll(".search-result").length });
          } else {
            requestAnimationFrame(poll);
          }
        })();
      }),
    query
  );
}

async function measure(browser, url, root) {
  const firsts = [];
  let bytesFirst = 0;
  let laterWorst = 0;
  let bytesLater = 0;
  for (let r = 0; r < args.runs; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let bytes = 0;
    page.on("request", (req) => {
      if (isIndex(req.url())) bytes += statSync(fileURLToPath(req.url())).size;
    });
    await page.goto(url);
    await page.waitForLoadState("load"); // nothing of the index is loaded yet
    await page.waitForTimeout(200);
    const first = await timeQuery(page, FIRST);
    if (!first.results) throw new Error(`no result for "${FIRST}" on ${url}`);
    firsts.push(first.ms);
    bytesFirst = bytes;
    if (r === 0) {
      for (const q of LATER) {
        const t = await timeQuery(page, q);
        laterWorst = Math.max(laterWorst, t.ms);
      }
      bytesLater = bytes - bytesFirst;
    }
    await context.close();
  }
  return { first: Math.min(...firsts), firsts, bytesFirst, laterWorst, bytesLater, page: relative(root, fileURLToPath(url)) };
}

function totalIndexBytes(root) {
  let n = statSync(join(root, "_signpost/search-index.js")).size;
  for (const f of readdirSync(join(root, "_signpost/search"))) n += statSync(join(root, "_signpost/search", f)).size;
  return n;
}

const browser = await chromium.launch({ executablePath: process.env.SIGNPOST_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const sites = [];
if (args.site) {
  sites.push({ pages: "?", root: args.site });
} else {
  if (!existsSync(args.signpost)) run("cargo", ["build", "--release"], repo);
  for (const n of args.sizes) {
    const dir = join(args.work, `c${n}`);
    run("python3", [join(repo, "../shared/tools/gencorpus.py"), "--pages", String(n), "--seed", "1", "--flavor", "signpost", "--out", dir, "--force"]);
    run(args.signpost, ["build"], dir);
    sites.push({ pages: n, root: join(dir, "public") });
  }
}
console.log("| pages | index files, total | from | first search: script loaded | first result (best of " + args.runs + ") | later searches: worst | added |");
console.log("|---:|---:|---|---:|---:|---:|---:|");
for (const s of sites) {
  const total = totalIndexBytes(s.root);
  for (const url of [pathToFileURL(join(s.root, "index.html")).href, pathToFileURL(deepPage(s.root)).href]) {
    const m = await measure(browser, url, s.root);
    const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
    console.log(`| ${s.pages} | ${kb(total)} | ${m.page} | ${kb(m.bytesFirst)} | ${m.first.toFixed(0)} ms (${m.firsts.map((x) => x.toFixed(0)).join(", ")}) | ${m.laterWorst.toFixed(0)} ms | ${kb(m.bytesLater)} |`);
  }
}
await browser.close();
