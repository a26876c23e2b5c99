#!/usr/bin/env python3
"""Full-build benchmark: signpost vs Hugo vs the pulldown-cmark floor.

Generates sites of each size with ../shared/tools/gencorpus.py (the `signpost`
and `hugo` flavors hold the same pages), then runs full builds of signpost, Hugo
and cmark-floor (`--threads 2`) in turn, RUNS times each, interleaved so that
background load hits every tool alike. Prints medians, ratios and peak RSS
(max resident set size from /usr/bin/time) as a Markdown table, with the user
and the system CPU time of each tool: user time is what the tool itself
computes, and background load and the file system disturb it less than the
wall time.

By default each run starts from an empty output folder (a clean build). With
--rebuild the output of the previous run is left in place (after one warm-up
run), as when an author builds again: signpost then swaps a new folder in and
Hugo and the floor overwrite their files.

On ext4, creating thousands of files right after deleting thousands more is
slow in the kernel (inode allocation skips recently deleted inodes), so clean
builds of every tool carry seconds of system time here; compare the user CPU
column and the --rebuild figures too.

    python3 bench/bench.py                      # 1000, 10000, 50000 pages, 5 runs
    python3 bench/bench.py --sizes 10000 --runs 7
    python3 bench/bench.py --sizes 10000 --rebuild

Needs: a release build of signpost (built if missing), `hugo` on PATH (Debian:
apt-get install hugo; skipped if absent), cargo (to build cmark-floor once into
the work folder), /usr/bin/time. No timing is asserted anywhere: this only reports.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO), "shared")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def timed(cmd, out_dir, fresh=True):
    """Runs cmd once (with an empty output folder when `fresh`); returns
    (seconds, max RSS KiB, user CPU seconds, system CPU seconds)."""
    if fresh and os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "RSS %M CPU %U %S"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    rss = [l.split() for l in p.stderr.splitlines() if l.startswith("RSS ")]
    if not rss:
        return dt, 0, 0.0, 0.0
    f = rss[-1]
    return dt, int(f[1]), float(f[3]), float(f[4])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/signpost-bench")
    ap.add_argument("--signpost", default=os.path.join(REPO, "target/release/signpost"))
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--rebuild", action="store_true",
                    help="keep each tool's output between runs (after a warm-up run)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    if not os.path.exists(a.signpost):
        sh(["cargo", "build", "--release"], cwd=REPO)
    floor_src = os.path.join(SHARED, "tools", "cmark-floor")
    floor_dir = os.path.join(a.work, "cmark-floor")
    floor = os.path.join(floor_dir, "target", "release", "cmark-floor")
    if not os.path.exists(floor):
        if os.path.exists(floor_dir):
            shutil.rmtree(floor_dir)
        shutil.copytree(floor_src, floor_dir)
        sh(["cargo", "build", "--release", "--quiet"], cwd=floor_dir)
    hugo = None if a.no_hugo else shutil.which("hugo")
    gen = os.path.join(SHARED, "tools", "gencorpus.py")

    print("machine: %d cores (nproc), %s; load average at start %.2f"
          % (os.cpu_count(), cpu_model(), loadavg()))
    if hugo:
        print(subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip())
    rows = []
    for n in a.sizes:
        sites = {}
        for flavor in ["signpost"] + (["hugo"] if hugo else []):
            d = os.path.join(a.work, "%s-%d" % (flavor, n))
            stamp = os.path.join(d, ".generated")
            if not os.path.exists(stamp):
                sh([sys.executable, gen, "--pages", str(n), "--out", d, "--flavor", flavor,
                    "--force"], stderr=subprocess.DEVNULL)
                open(stamp, "w").close()
            sites[flavor] = d
        out = os.path.join(a.work, "out")
        tools = {
            "signpost": [a.signpost, "build", "--root", sites["signpost"], "--output",
                         os.path.join(out, "signpost")],
            "cmark-floor": [floor, "--threads", "2", os.path.join(sites["signpost"], "content"),
                            os.path.join(out, "cmark-floor")],
        }
        if hugo:
            tools["hugo"] = [hugo, "--quiet", "-s", sites["hugo"], "-d",
                             os.path.join(out, "hugo")]
        res = {t: [] for t in tools}
        if a.rebuild:
            for t, cmd in tools.items():
                timed(cmd, cmd[-1])
        for _ in range(a.runs):
            for t, cmd in tools.items():
                out_dir = cmd[-1]
                res[t].append(timed(cmd, out_dir, fresh=not a.rebuild))
        med = {t: statistics.median(x[0] for x in r) for t, r in res.items()}
        rss = {t: statistics.median(x[1] for x in r) for t, r in res.items()}
        user = {t: statistics.median(x[2] for x in r) for t, r in res.items()}
        system = {t: statistics.median(x[3] for x in r) for t, r in res.items()}
        for t in tools:
            rows.append((n, t, med[t], min(x[0] for x in res[t]), user[t], system[t], rss[t]))
        budget = (10 * n + 32 * 1024)
        line = "%6d pages: signpost %.3f s" % (n, med["signpost"])
        if hugo:
            line += ", Hugo %.3f s (Hugo/signpost %.1fx)" % (med["hugo"], med["hugo"] / med["signpost"])
        line += ", floor %.3f s (signpost/floor %.2fx)" % (
            med["cmark-floor"], med["signpost"] / med["cmark-floor"])
        line += ", signpost peak RSS %.1f MiB (budget %.1f MiB)" % (rss["signpost"] / 1024, budget / 1024)
        print(line, flush=True)

    print("\nload average at end %.2f (%s builds)\n"
          % (loadavg(), "rebuild" if a.rebuild else "clean"))
    print("| pages | tool | median s | best s | median user CPU s | median system CPU s | peak RSS MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n, t, m, b, u, sy, r in rows:
        print("| %d | %s | %.3f | %.3f | %.2f | %.2f | %.1f |" % (n, t, m, b, u, sy, r / 1024))


if __name__ == "__main__":
    main()
