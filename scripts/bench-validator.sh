#!/usr/bin/env bash
# Benchmarks the bundle validator against one ripgrep pass over the same
# 10,000-page bundle, on tmpfs (/dev/shm) and on disk, with hyperfine.
# Three more rows show the floor under any lol_html-based check of the
# same tree: reading every HTML file, lol_html's cheapest tag pass, and
# lol_html with a handler on every element (what the validator needs).
#
# Usage: scripts/bench-validator.sh [PAGES] [RUNS]
# Needs: ripgrep and hyperfine (apt-get install -y ripgrep hyperfine).
set -euo pipefail

pages="${1:-10000}"
runs="${2:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

for tool in rg hyperfine; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y ripgrep hyperfine" >&2; exit 2; }
done

# The release profile is the shipped one, with whole-program optimisation.
cargo build --release -p bundle-validator --bin bundle-validator --example bench_corpus --example tokenizer_floor
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
validator="$target_dir/release/bundle-validator"
corpus_tool="$target_dir/release/examples/bench_corpus"
floor="$target_dir/release/examples/tokenizer_floor"

tmpfs_dir="/dev/shm/bundle-validator-bench"
disk_dir="$target_dir/bundle-validator-bench"
for dir in "$tmpfs_dir" "$disk_dir"; do
  rm -rf "$dir"
  "$corpus_tool" "$dir" "$pages"
  # The corpus must be clean, or the benchmark measures error reporting.
  "$validator" check "$dir" --format json > /dev/null
done

for dir in "$tmpfs_dir" "$disk_dir"; do
  echo "== $dir ($pages pages, $(du -sh "$dir" | cut -f1))"
  hyperfine --warmup 2 --runs "$runs" -N --ignore-failure \
    --export-json "$target_dir/bench-validator-$(basename "$(dirname "$dir")").json" \
    "rg -uuu -c console $dir" \
    "$floor $dir read" \
    "$floor $dir one-tag" \
    "$floor $dir every-element" \
    "$validator check $dir --format json"
done
rm -rf "$tmpfs_dir"
