#!/usr/bin/env bash
# The stress run of the three-ways-in issue: 1,000,000 requests from 200
# concurrent users against a 3-node local cluster on this machine, 90%
# reads, Zipf 0.914 over 100,000 files of 4 KiB, the cache at 10% of the
# files (every node's share of it). Goal: zero errors, at least 20,000
# requests/s and p99 under 20 ms on 2 cores shared by the client and the
# three nodes, and the cache hit ratio within 1 point of the simulator's
# for the same trace.
#
# Prints the figures every minute and at the end, and appends the final
# JSON line (with the machine) to $OUT (default ./million.jsonl).
#
# Usage: tools/bench/million.sh [--quick]   (--quick: 10,000 files, 100,000 requests)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
files=100000
requests=1e6
if [ "${1:-}" = "--quick" ]; then
  files=10000
  requests=1e5
fi
out=${OUT:-$PWD/million.jsonl}
"$root/tools/setup.sh"
"$root/tools/build.sh"
dfsctl=$root/build/tools/dfsctl
work=$(mktemp -d /tmp/dfs-million-XXXXXX)
trap '(cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1); rm -rf "$work"' EXIT
cd "$work"
machine="$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "machine: $machine"
# 10% of the files, as a shard charges them (bytes, chunk id, bookkeeping),
# split over the three nodes.
per_node=$((files * (4096 + 32 + 256) / 10 / 3))
"$dfsctl" cluster up --base-port $((20000 + RANDOM % 10000)) --set cache_bytes=$per_node >/dev/null
cmd=(bench --requests "$requests" --concurrency 200 --files "$files" --size 4KiB
     --read-ratio 0.9 --dist zipf:0.914 --seed 42 --report-every 60s)
echo "command: dfsctl ${cmd[*]}"
# CPU time (user + system, clock ticks) of the three nodes, from /proc.
node_pids=$(pgrep -f "$work/" | tr '\n' ' ')
node_ticks() {
  local t=0 p
  for p in $node_pids; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
ticks0=$(node_ticks)
start=$(date +%s)
# dfsctl bench exits 1 when a request failed: the figures are kept anyway.
set +e
/usr/bin/time -f "%U %S" -o client-cpu.txt "$dfsctl" --json "${cmd[@]}" | tee run.jsonl | jq -r --unbuffered '
  if .interval then
    "[interval] \(.interval.throughput | floor) req/s, p99 \(.interval.latency_ms.p99) ms, errors \(.interval.errors)"
  else empty end'
set -e
final=$(tail -1 run.jsonl)
if ! echo "$final" | jq -e .total >/dev/null 2>&1; then
  echo "the bench ended without its figures:" >&2
  tail -5 run.jsonl >&2
  exit 1
fi
echo "took $(($(date +%s) - start)) s, set-up included"
ticks1=$(node_ticks)
# CPU per request, the set-up's puts counted as requests: the nodes' and
# the bench client's, in microseconds.
hz=$(getconf CLK_TCK)
read -r cu cs <client-cpu.txt
cpu=$(awk -v n=$((ticks1 - ticks0)) -v hz="$hz" -v cu="$cu" -v cs="$cs" -v r="$requests" -v f="$files" \
  'BEGIN { total = r + f; printf "{\"nodes\": %.1f, \"client\": %.1f}", n / hz * 1e6 / total, (cu + cs) * 1e6 / total }')
echo "$final" | jq -c --arg host "$machine" --arg date "$(date -u +%FT%TZ)" \
  '{date: $date, host: $host, cpu_us_per_request: '"$cpu"'} + .' >>"$out"
echo "$final" | jq -r '
  "requests \(.total.requests), errors \(.total.errors), \(.total.throughput | floor) req/s",
  "latency ms: p50 \(.total.latency_ms.p50) p99 \(.total.latency_ms.p99) p99.9 \(.total.latency_ms.p999) max \(.total.latency_ms.max)",
  "  gets: p50 \(.total.read_latency_ms.p50) p99 \(.total.read_latency_ms.p99); puts: p50 \(.total.write_latency_ms.p50) p99 \(.total.write_latency_ms.p99)",
  "CPU per request (set-up included): nodes '"$(echo "$cpu" | jq .nodes)"' us, bench client '"$(echo "$cpu" | jq .client)"' us",
  "cache: hits \(.cache_hit_ratio * 10000 | round / 100)%, with shared loads \(.cache_served_ratio * 10000 | round / 100)%, simulator \(.simulated_hit_ratio * 10000 | round / 100)%",
  "goals: zero errors \(.total.errors == {}), 20,000 req/s \(.total.throughput >= 20000), p99 < 20 ms \(.total.latency_ms.p99 < 20), cache within 1 point \((.cache_served_ratio - .simulated_hit_ratio) | fabs < 0.01)"'
