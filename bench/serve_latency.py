#!/usr/bin/env python3
"""Save-to-reload latency of `signpost serve` on a generated site.

Starts `signpost serve --port 0` on a copy of a gencorpus site, listens to the
live-reload event stream like an open page does, saves a page (body edit, then
title edit) or site.toml, and measures the time from the write to the
`data: reload` event, RUNS times each. Prints medians and what the server logged
(full or incremental, files rendered).

    python3 bench/serve_latency.py --pages 10000 --runs 5
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(os.path.dirname(REPO), "shared", "tools", "gencorpus.py")


def events(addr):
    s = socket.create_connection(addr, timeout=120)
    s.sendall(b"GET /_signpost/live HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.makefile("rb")


def wait_reload(f):
    for line in f:
        if line.strip() == b"data: reload":
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/signpost-serve-bench")
    ap.add_argument("--signpost", default=os.path.join(REPO, "target/release/signpost"))
    a = ap.parse_args()
    site = os.path.join(a.work, "site-%d" % a.pages)
    if os.path.exists(site):
        shutil.rmtree(site)
    subprocess.run([sys.executable, GEN, "--pages", str(a.pages), "--out", site,
                    "--flavor", "signpost", "--force"], check=True, stderr=subprocess.DEVNULL)
    p = subprocess.Popen([a.signpost, "serve", "--port", "0", "--root", site],
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, NO_COLOR="1"))
    log = []
    addr = None
    t0 = time.perf_counter()
    for line in p.stderr:
        log.append(line.rstrip())
        m = re.match(r"Serving on http://([\d.]+):(\d+)", line)
        if m:
            addr = (m.group(1), int(m.group(2)))
            break
    print("initial build + start: %.2f s (%s)" % (time.perf_counter() - t0, log[-2]))
    threading.Thread(target=lambda: [log.append(l.rstrip()) for l in p.stderr], daemon=True).start()
    page = None
    for root, _, files in sorted(os.walk(os.path.join(site, "content"))):
        for f in sorted(files):
            if f.endswith(".md") and f != "_index.md":
                page = os.path.join(root, f)
                break
        if page:
            break
    original = open(page, encoding="utf-8").read()
    try:
        for kind in ["body", "title", "site.toml"]:
            times = []
            for i in range(a.runs):
                f = events(addr)
                time.sleep(0.2)
                t = time.perf_counter()
                if kind == "body":
                    open(page, "w", encoding="utf-8").write(original + "\nEdit %d.\n" % i)
                elif kind == "title":
                    open(page, "w", encoding="utf-8").write(
                        original.replace('title = "', 'title = "Edit %d: ' % i, 1))
                else:
                    cfg = os.path.join(site, "site.toml")
                    text = open(cfg, encoding="utf-8").read()
                    open(cfg, "w", encoding="utf-8").write(text)
                wait_reload(f)
                times.append(time.perf_counter() - t)
                f.close()
                time.sleep(0.3)
            built = [l for l in log if l.startswith("Built")][-1]
            print("%-9s save → reload: median %.0f ms (min %.0f, max %.0f); last: %s"
                  % (kind, statistics.median(times) * 1000, min(times) * 1000,
                     max(times) * 1000, built))
    finally:
        open(page, "w", encoding="utf-8").write(original)
        p.send_signal(2)
        p.wait(timeout=30)


if __name__ == "__main__":
    main()
