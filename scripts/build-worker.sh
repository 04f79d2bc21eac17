#!/usr/bin/env bash
# Builds the Worker in functions/ into functions/build/ (index.js plus the
# wasm module), the `main` that wrangler.toml names. Safe to run repeatedly,
# and offline: worker-build is pointed at the wasm-bindgen installed by
# scripts/setup.sh and at the esbuild from node_modules, so it downloads
# nothing. wrangler runs this as its [build] command; the test script runs
# it directly.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$cargo_bin/wasm-bindgen}"
if [ -z "${ESBUILD_BIN:-}" ]; then
    # Prefer the native binary over the node wrapper: it starts faster.
    for candidate in "$root"/node_modules/@esbuild/*/bin/esbuild "$root/node_modules/.bin/esbuild"; do
        if [ -x "$candidate" ]; then
            ESBUILD_BIN="$candidate"
            break
        fi
    done
fi
export ESBUILD_BIN="${ESBUILD_BIN:?esbuild not found: run npm ci (scripts/setup.sh)}"

for tool in "$WASM_BINDGEN_BIN" worker-build; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-worker: $tool not found: run scripts/setup.sh" >&2
        exit 1
    fi
done

# Size over speed for the shipped module: the workspace's release profile
# is tuned for the native binaries' speed. These overrides apply to this
# build only.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-s}"
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-true}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}"
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-false}"
export CARGO_PROFILE_RELEASE_STRIP="${CARGO_PROFILE_RELEASE_STRIP:-true}"

# Nothing to do when the module is newer than every input. This keeps
# `wrangler dev` (which runs this script on start) quick in the tests.
output="$root/functions/build/index.js"
if [ -z "${FORCE_WORKER_BUILD:-}" ] && [ -f "$output" ] &&
    [ -z "$(find "$root/functions/src" "$root/functions/Cargo.toml" "$root/Cargo.lock" \
        "$0" -newer "$output" -print -quit)" ]; then
    echo "build-worker: functions/build is up to date"
    exit 0
fi

cd "$root/functions"
# --no-opt: wasm-opt would be downloaded; the size budget holds without it.
worker-build --release --no-opt
