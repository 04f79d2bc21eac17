#!/usr/bin/env bash
# The one command that installs what the tests need and runs every test:
# formatting, lints, rustdoc, unit and fixture tests, the Worker over real
# HTTP in wrangler dev, and the browser suite in headless Chromium.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export WRANGLER_SEND_METRICS=false

step() { printf '\n==> %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native and wasm32) -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p baystore-functions --target wasm32-unknown-unknown --locked -- -D warnings

step "rustdoc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "cargo test (unit, fixtures, snapshots, whole-site)"
cargo test --workspace --locked --no-fail-fast

step "cargo install --path validator, and the README's CI example with it"
cargo test -p bundle-validator --locked --test install -- --ignored

step "build the sample site into dist/ (validates it)"
cargo run --locked --quiet -- build

step "build the Worker"
scripts/build-worker.sh

step "Worker over real HTTP in wrangler dev"
node --test --test-concurrency=1 tests/worker/

step "browser suite in headless Chromium"
node --test --test-concurrency=1 tests/browser/
