#!/usr/bin/env bash
# Remakes pgo/signpost.profdata, the profile that release builds are optimized
# with (profile-guided optimization; see pgo/rustc-wrapper and "Performance" in
# the README). Run it after changes to hot code: a stale profile still builds,
# but functions whose code changed lose their profile.
#
#   bench/pgo.sh            # needs the llvm-tools rustup component
#
# It builds signpost instrumented (-Cprofile-generate) in its own target folder,
# runs it on the training sites below, merges the counts into a sparse indexed
# profile (only functions that ran), and rebuilds target/release with it.
# Training sites: a 3,000-page generated site with another seed than the
# benchmark's sites (so the profile is not fitted to the pages it is measured
# on), the Rust book, and the example knowledge base; `build` twice and `check`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$repo/../shared
work=${PGO_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/signpost-pgo.XXXXXX")}
sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$sysroot/lib/rustlib/$host/bin/llvm-profdata
if [ ! -x "$profdata" ]; then
    rustup component add llvm-tools
fi

# RUSTC_WRAPPER= : the instrumented build must not use the old profile.
RUSTC_WRAPPER= RUSTFLAGS="-Cprofile-generate=$work/profiles" \
    cargo build --release --target-dir "$work/target"
bin=$work/target/release/signpost
# Build scripts are instrumented too and left counts of their own: drop them.
rm -rf "$work/profiles"

python3 "$shared/tools/gencorpus.py" --pages 3000 --seed 7 --flavor signpost \
    --out "$work/train-3000" --force >/dev/null
for run in 1 2; do
    "$bin" build --root "$work/train-3000" --output "$work/out-3000" >/dev/null 2>&1
done
"$bin" check --root "$work/train-3000" >/dev/null 2>&1
"$bin" build --root "$shared/corpora/rust-book" --output "$work/out-book" >/dev/null 2>&1
"$bin" build --root "$repo" --output "$work/out-example" >/dev/null 2>&1

"$profdata" merge --sparse -o pgo/signpost.profdata "$work/profiles"
ls -l pgo/signpost.profdata
# Cargo does not see a new profile (the wrapper is not part of its fingerprint):
# rebuild the release artifacts from scratch.
cargo clean --release
cargo build --release
echo "kept the work folder: $work"
