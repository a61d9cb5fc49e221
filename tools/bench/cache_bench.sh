#!/usr/bin/env bash
# The cache benchmarks (issue: cache shards):
#  1. policy speed: every policy on one core with Google Benchmark (Zipf
#     0.9, ~90% hits), median of 5 repetitions;
#  2. the policy suite: request hit rates (unit sizes) and byte hit rates
#     (sizes 1 KiB..1 MiB) of every policy on every trace at 1% and 10%,
#     OPT beside them, and whether hybrid meets its goal;
#  3. end to end: a Zipf 0.914 (80/20) read workload through a 3-node local
#     cluster whose cache is 10% of the working set, beside the simulator's
#     figure for the same trace and capacity; with hybrid, then with lru.
# Results go to $OUT (default ./cache-bench/): policy-speed.json,
# suite-requests.json, suite-bytes.json, e2e.jsonl.
#
# Usage: tools/bench/cache_bench.sh [--quick]   (--quick: fewer requests)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
out=${OUT:-$PWD/cache-bench}
mkdir -p "$out"
"$root/tools/setup.sh"
if ! dpkg-query -W -f='${Status}' libbenchmark-dev 2>/dev/null | grep -q 'install ok installed'; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libbenchmark-dev
fi
"$root/tools/build.sh"
bin=$root/build/tools
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"

echo "== policy speed (requests/s and hits/s on one core)"
"$bin/dfs-cache-policy-bench" --benchmark_min_time=0.5 --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/policy-speed.json" \
  --benchmark_out_format=json | grep median

echo "== policy suite (request hit rates)"
"$bin/dfsctl" cache suite --traces "$root/tests/data/traces" --json >"$out/suite-requests.json" || true
jq -r '"mean hybrid \(.mean.hybrid) w-tinylfu \(.mean["w-tinylfu"]) s3-fifo \(.mean["s3-fifo"]); goal met: \(.goal_met); short: \(.short_of_goal)"' "$out/suite-requests.json"
echo "== policy suite (byte hit rates, mixed sizes)"
"$bin/dfsctl" cache suite --traces "$root/tests/data/traces" --mixed-sizes --json \
  >"$out/suite-bytes.json" || true
jq -r '"mean hybrid \(.mean.hybrid) w-tinylfu \(.mean["w-tinylfu"]) s3-fifo \(.mean["s3-fifo"]); goal met: \(.goal_met); short: \(.short_of_goal)"' "$out/suite-bytes.json"

echo "== end to end: Zipf 0.914 reads, cache at 10% of the working set"
files=10000
requests=60000
[ $quick = 1 ] && files=2000 && requests=10000
size=4096
# What a shard charges per file: the bytes, the chunk id, the bookkeeping.
per_node=$((files * (size + 32 + 256) / 10 / 3))
: >"$out/e2e.jsonl"
for policy in hybrid lru; do
  work=$(mktemp -d /tmp/dfs-cache-bench-XXXXXX)
  base=$((20000 + RANDOM % 10000))
  "$bin/dfsctl" cluster up --dir "$work" --base-port "$base" --set cache_bytes=$per_node \
    --set cache_shards=2 --set cache_policy=$policy >/dev/null
  eps="127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
  sleep 3
  "$bin/dfs-cache-e2e-bench" --cluster "$eps" --files $files --size $size --requests $requests \
    | tee -a "$out/e2e.jsonl"
  "$bin/dfsctl" cluster down --dir "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
done
jq -r '"\(.policy): cluster \(.hit_rate*100|.*100|round/100)% vs simulator \(.sim_sharded_hit_rate*100|.*100|round/100)% (sharded) / \(.sim_single_hit_rate*100|.*100|round/100)% (one cache); \(.gets_per_s) gets/s"' "$out/e2e.jsonl"
