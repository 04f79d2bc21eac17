#!/usr/bin/env bash
# Benchmarks the Worker: the wasm module's size (raw and gzip), then request
# rate and latency of POST /lead (validation, rate limit, D1 insert) against
# a fingerprinted static asset, both served by one local `wrangler dev`.
#
#   scripts/bench-worker.sh [duration-seconds] [connections] [runs]
#
# Static and /lead runs alternate, so a change in background load hits both;
# the summary gives the median request rate of each.
#
# Needs wrk (apt-get install -y wrk), a built Worker (scripts/build-worker.sh)
# and a built site in dist/. Prints Markdown rows for BENCHMARKS.md.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
connections="${2:-16}"
runs="${3:-3}"
threads=2
cd "$root"

command -v wrk >/dev/null || { echo "bench-worker: wrk not found (apt-get install -y wrk)" >&2; exit 1; }
scripts/build-worker.sh >/dev/null

wasm="functions/build/index_bg.wasm"
raw_bytes=$(wc -c <"$wasm")
gzip_bytes=$(gzip -9 -c "$wasm" | wc -c)

asset=$(find dist/assets -maxdepth 1 -regextype posix-extended \
    -regex '.*\.[0-9a-f]{16}\.css' -printf '%f\n' | head -n 1)
[ -n "$asset" ] || { echo "bench-worker: no fingerprinted stylesheet in dist/assets" >&2; exit 1; }

# BENCH_TMPDIR chooses where local D1 keeps its SQLite file, e.g. /dev/shm
# to measure the Worker without this machine's slow disk.
state=$(mktemp -d -p "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}")
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"
export WRANGLER_SEND_METRICS=false CI=true NO_COLOR=1
wrangler="$root/node_modules/.bin/wrangler"

"$wrangler" d1 migrations apply DB --local --persist-to "$state" >/dev/null
# setsid: wrangler and its workerd children share a new process group, so
# cleanup can end them together.
setsid "$wrangler" dev --ip 127.0.0.1 --port "$port" --persist-to "$state" \
    --show-interactive-dev-session=false --log-level warn >"$state/wrangler.log" 2>&1 &
dev_pid=$!
cleanup() {
    kill -- "-$dev_pid" 2>/dev/null || true
    wait "$dev_pid" 2>/dev/null || true
    rm -rf "$state"
}
trap cleanup EXIT

for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$base/assets/$asset" 2>/dev/null && break
    sleep 0.5
done

# Each request comes from its own address, as real visitors do, so the
# per-address rate limit measures its cost without refusing the load.
cat >"$state/lead.lua" <<LUA
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", id, math.floor(counter / 256) % 256, counter % 256)
  local body = "name=Bench+Visitor&email=bench%40customer.example&company=&message=Benchmark+lead&website="
  return wrk.format("POST", "/lead", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = "$base",
    ["CF-Connecting-IP"] = ip,
  }, body)
end
LUA

run_wrk() {
    # $1: label, rest: wrk arguments
    local label="$1"
    shift
    local output
    output=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$@")
    local rate p50 p99 non2xx
    rate=$(awk '/^Requests\/sec/ {print $2}' <<<"$output")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
    non2xx=$(awk '/Non-2xx or 3xx/ {print $NF}' <<<"$output")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$run" "$label" "$rate" "$p50" "$p99" "${non2xx:-0}"
    echo "$rate" >>"$state/$label.rates"
}

median() {
    sort -g "$1" | awk '{ values[NR] = $1 } END {
        if (NR % 2) print values[(NR + 1) / 2]; else print (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

curl -fsS -o /dev/null "$base/assets/$asset"
echo "| wasm module | raw bytes | gzip -9 bytes |"
echo "|---|---|---|"
echo "| $wasm | $raw_bytes | $gzip_bytes |"
echo
echo "wrk -t$threads -c$connections -d${duration}s --latency, one wrangler dev," \
    "local D1 under $(dirname "$state") ($(df --output=fstype "$state" | tail -n 1))"
echo
echo "| run | endpoint | requests/s | p50 | p99 | non-2xx/3xx |"
echo "|---|---|---|---|---|---|"
# Warm-up, not recorded: the first seconds include compiling the wasm
# module's hot paths and opening the database.
wrk -t"$threads" -c"$connections" -d3s "$base/assets/$asset" >/dev/null
wrk -t"$threads" -c"$connections" -d3s -s "$state/lead.lua" "$base/lead" >/dev/null
for run in $(seq 1 "$runs"); do
    run_wrk "static" "$base/assets/$asset"
    run_wrk "lead" -s "$state/lead.lua" "$base/lead"
done

stored=$("$wrangler" d1 execute DB --local --persist-to "$state" --json \
    --command "SELECT COUNT(*) AS n FROM leads" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].results[0].n))')
static_median=$(median "$state/static.rates")
lead_median=$(median "$state/lead.rates")
ratio=$(awk -v lead="$lead_median" -v static="$static_median" 'BEGIN {printf "%.2f", lead / static}')
echo
echo "median requests/s over $runs runs: static $static_median, /lead $lead_median;" \
    "/lead / static = $ratio; leads stored: $stored"
