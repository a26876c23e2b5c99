#!/usr/bin/env bash
# Builds a binary for publishing: the `dist` profile (fat LTO, one codegen
# unit) optimized with a profile of signpost's own runs (profile-guided
# optimization). Ordinary builds (`cargo build --release`, `cargo install`)
# use neither; this script is the only place that does.
#
#   bench/dist.sh            # needs the llvm-tools rustup component and ../shared
#
# The binary lands in target/dist/signpost. The profile is made afresh each
# time in a work folder and never committed, so it cannot go stale.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$repo/../shared
work=${DIST_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/signpost-dist.XXXXXX")}
sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$sysroot/lib/rustlib/$host/bin/llvm-profdata
if [ ! -x "$profdata" ]; then
    rustup component add llvm-tools
fi

RUSTFLAGS="-Cprofile-generate=$work/profiles" \
    cargo build --profile dist --target-dir "$work/target"
bin=$work/target/dist/signpost
rm -rf "$work/profiles"   # build scripts leave counts of their own

# Training: a generated site (another seed than bench.py's), the Rust book and
# the example knowledge base.
python3 "$shared/tools/gencorpus.py" --pages 3000 --seed 7 --flavor signpost \
    --out "$work/train-3000" --force >/dev/null
"$bin" build --root "$work/train-3000" --output "$work/out-3000" >/dev/null 2>&1
"$bin" check --root "$work/train-3000" >/dev/null 2>&1
"$bin" build --root "$shared/corpora/rust-book" --output "$work/out-book" >/dev/null 2>&1
"$bin" build --root "$repo" --output "$work/out-example" >/dev/null 2>&1

"$profdata" merge --sparse -o "$work/signpost.profdata" "$work/profiles"
RUSTFLAGS="-Cprofile-use=$work/signpost.profdata -Cllvm-args=-pgo-warn-missing-function=false" \
    cargo build --profile dist
ls -l target/dist/signpost
