#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine of this kind:
# the wasm target, wasm-bindgen-cli at exactly the Cargo.lock version,
# worker-build, the npm packages from package-lock.json, and Debian's
# Chromium. Every step checks first, so a second run costs seconds.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# The version of a package as locked in Cargo.lock, so the tools that must
# match the compiled crates (wasm-bindgen above all) never drift from it.
locked_version() {
    awk -v name="$1" '
        $0 == "name = \"" name "\"" { found = 1; next }
        found && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' Cargo.lock
}

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

bindgen_version=$(locked_version wasm-bindgen)
if [ -z "$bindgen_version" ]; then
    say "Cargo.lock names no wasm-bindgen version" >&2
    exit 1
fi
if [ "$("$cargo_bin/wasm-bindgen" --version 2>/dev/null | awk '{print $NF}')" != "$bindgen_version" ]; then
    say "installing wasm-bindgen-cli $bindgen_version (the Cargo.lock version)"
    # The CLI's own lockfile is preferred; when the registry no longer
    # serves a crate version it pins, resolving afresh still builds it.
    cargo install wasm-bindgen-cli --version "$bindgen_version" --locked --force ||
        cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# worker-build is released in step with the worker crate.
worker_version=$(locked_version worker)
if [ "$("$cargo_bin/worker-build" --version 2>/dev/null | awk '{print $NF}')" != "$worker_version" ]; then
    say "installing worker-build $worker_version"
    cargo install worker-build --version "$worker_version" --locked --force
fi

# npm ci only when the installed tree is older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund
fi

if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium"
    if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium
fi

say "ready"
