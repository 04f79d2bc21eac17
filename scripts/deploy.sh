#!/usr/bin/env bash
# Deploys the site: the only path from the sources to Cloudflare.
#
#   scripts/deploy.sh             build, gate, migrate the remote D1, deploy
#   scripts/deploy.sh --dry-run   the same checks and builds, then
#                                 `wrangler deploy --dry-run` (nothing is
#                                 uploaded, no migration is applied)
#   scripts/deploy.sh --verify URL
#                                 deploy, then `baystore-site verify URL`:
#                                 the served site must be the bundle just
#                                 deployed (exit 1 when it is not)
#
# The bundle deployed is always the one this run just built, so it has
# passed the validator: `build` refuses to replace dist/ with a bundle
# that fails the gate, and this script stops on that failure. A
# wrangler.toml whose D1 database_id is still the placeholder is refused
# before anything is built: deploying it would bind the Worker to no
# database and every lead would fail.
#
# WRANGLER_CONFIG names another wrangler.toml (default: the repository's).
# BAYSTORE_BUILD_PROFILE picks the cargo profile the site is built with
# (default `release`; the tests use `dev`, which they have built already).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
config="${WRANGLER_CONFIG:-$root/wrangler.toml}"
dry_run=false
verify_url=""
usage() { echo "usage: scripts/deploy.sh [--dry-run] [--verify URL]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=true ;;
        --verify)
            [ $# -ge 2 ] && [ -n "$2" ] || usage
            verify_url="$2"
            shift
            ;;
        *) usage ;;
    esac
    shift
done

placeholder="00000000-0000-4000-8000-000000000000"
shown="${config#"$root"/}"
ids="$(sed -n 's/^[[:space:]]*database_id[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$config")"
if [ -z "$ids" ]; then
    echo "deploy: $shown names no D1 database_id" >&2
    exit 1
fi
for id in $ids; do
    if [ "$id" = "$placeholder" ] || ! [[ "$id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]; then
        cat >&2 <<MESSAGE
deploy: the D1 database_id in $shown is "$id", a placeholder.
Create the database once and put its id there:
    npx wrangler d1 create baystore-leads
then copy the "database_id" it prints into wrangler.toml and run this again.
MESSAGE
        exit 1
    fi
done

echo "deploy: building the site (the validator gates the bundle)" >&2
cargo run --profile "${BAYSTORE_BUILD_PROFILE:-release}" --locked --quiet -- build

echo "deploy: building the Worker" >&2
scripts/build-worker.sh

wrangler="$root/node_modules/.bin/wrangler"
if $dry_run; then
    echo "deploy: dry run: migrations would be applied with: wrangler d1 migrations apply DB --remote" >&2
    "$wrangler" deploy --config "$config" --dry-run
    if [ -n "$verify_url" ]; then
        echo "deploy: dry run: the served site would then be verified with: baystore-site verify $verify_url" >&2
    fi
else
    "$wrangler" d1 migrations apply DB --remote --config "$config"
    "$wrangler" deploy --config "$config"
    if [ -n "$verify_url" ]; then
        echo "deploy: verifying the served site against the bundle just deployed" >&2
        cargo run --profile "${BAYSTORE_BUILD_PROFILE:-release}" --locked --quiet -- verify "$verify_url"
    fi
fi
