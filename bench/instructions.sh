#!/usr/bin/env bash
# Counts the instructions of one full build with callgrind, and lists the
# functions that cost the most including what they call.
#
# Timing on a shared machine cannot resolve a change under about 5%;
# instruction counts vary by well under 1% between runs of the same binary on
# the same site, whatever else the machine is doing, so compare two binaries
# with this before timing them.
# It counts user-space work only: system calls (creating and writing files)
# are not in it.
#
#   bench/instructions.sh                          # this build, the 1,000-page site
#   bench/instructions.sh path/to/signpost SITE    # another binary, another site
#
# Needs valgrind (Debian: apt-get install valgrind) and a generated site
# (bench/bench.py makes them under $TMPDIR/signpost-bench, or run
# ../shared/tools/gencorpus.py --pages 1000 --flavor signpost --out SITE).
# A 1,000-page build takes about 10 s under callgrind, 10,000 pages about 2 min.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/signpost}
site=${2:-${TMPDIR:-/tmp}/signpost-bench/signpost-1000}
if [ ! -x "$bin" ]; then
  cargo build --release
fi
if [ ! -f "$site/site.toml" ]; then
  echo "error: no site at $site (see the comment at the top of $0)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  "$bin" build --root "$site" --output "$work/out" 2>"$work/log" >/dev/null || {
  cat "$work/log" >&2
  exit 1
}
grep -E "Collected" "$work/log" | sed 's/^==[0-9]*== //'
# Inclusive counts of signpost's own functions, each once (callgrind lists a
# function again for every file its inlined code comes from; the first, largest,
# is kept). A recursive function's count includes its recursion.
callgrind_annotate --inclusive=yes "$work/callgrind.out" 2>/dev/null \
  | grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  .*\.rs:.*signpost::' \
  | sed -E 's/^( *[0-9,]+ \( *[0-9.]+%\))  .*\.rs:/\1  /; s/ \[[^]]*\]$//' \
  | grep -vE "\{\{closure\}\}|'2$|as signpost::render::Sink>" \
  | awk '!seen[substr($0, index($0, "%)") + 4)]++' \
  | head -n "${TOP:-25}"
