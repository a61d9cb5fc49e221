#!/usr/bin/env bash
# The load balancing benchmark (issue: load balancer and health monitors):
# the read p99 of a 3-node local cluster (replication 3, cache off so that
# every read goes to a replica) with one node slowed 10x, beside the same
# workload on the all-healthy cluster, in one run.
#
# "Slowed 10x": every chunk fetch at n3 takes 9 more times the healthy
# run's median read latency (dfsctl node slow), so a read it serves takes
# about ten times the usual. The workload: `dfsctl bench`, 16 users spread
# over the three gateways, Zipf 0.9 over 1000 files of 4 KiB, reads only,
# the same seed in every phase. Phases alternate (healthy, slowed) REPS
# times; the medians of each and their ratio are printed and appended,
# with every phase's figures, to $OUT (default ./balance-bench.jsonl).
#
# Usage: tools/bench/balance_bench.sh [--quick]   (--quick: 1 rep of 8 s phases)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
reps=3
phase=20s
if [ "${1:-}" = "--quick" ]; then
  reps=1
  phase=8s
fi
out=${OUT:-$PWD/balance-bench.jsonl}
"$root/tools/setup.sh"
"$root/tools/build.sh"
dfsctl=$root/build/tools/dfsctl
work=$(mktemp -d /tmp/dfs-balance-bench-XXXXXX)
trap '(cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1); rm -rf "$work"' EXIT
cd "$work"
machine="$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r)"
echo "machine: $machine"
"$dfsctl" cluster up --base-port $((20000 + RANDOM % 10000)) --set cache_bytes=0 >/dev/null
"$dfsctl" bench --files 1000 --requests 1 --concurrency 8 >/dev/null  # creates the files
run() {  # run PHASE: one bench phase, its JSON on stdout
  "$dfsctl" --json bench --files 1000 --size 4KiB --read-ratio 1 --concurrency 16 \
    --dist zipf:0.9 --seed 42 --duration "$phase" --no-setup
}
run >/dev/null  # warm-up: connections, page cache
healthy=()
slowed=()
for rep in $(seq 1 "$reps"); do
  "$dfsctl" node slow n3 0 >/dev/null
  h=$(run)
  p50=$(jq '.total.latency_ms.p50' <<<"$h")
  delay=$(awk -v p="$p50" 'BEGIN { d = int(9 * p + 0.5); print (d < 1 ? 1 : d) }')
  "$dfsctl" node slow n3 "${delay}ms" >/dev/null
  s=$(run)
  "$dfsctl" node slow n3 0 >/dev/null
  healthy+=("$(jq '.total.latency_ms.p99' <<<"$h")")
  slowed+=("$(jq '.total.latency_ms.p99' <<<"$s")")
  printf 'rep %d: healthy p50 %s ms p99 %s ms %s req/s | n3 +%s ms: p99 %s ms %s req/s, n3 share %s\n' \
    "$rep" "$p50" "${healthy[-1]}" "$(jq '.total.throughput | floor' <<<"$h")" "$delay" \
    "${slowed[-1]}" "$(jq '.total.throughput | floor' <<<"$s")" "$(jq '.read_share.n3' <<<"$s")"
  jq -c --arg m "$machine" --argjson rep "$rep" --argjson delay "$delay" \
    --argjson h "$h" '{date: (now | todate), machine: $m, rep: $rep, slow_delay_ms: $delay,
      healthy: $h, slowed: .}' <<<"$s" >>"$out"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
mh=$(median "${healthy[@]}")
ms=$(median "${slowed[@]}")
ratio=$(awk -v a="$ms" -v b="$mh" 'BEGIN { printf "%.2f", a / b }')
echo "median read p99: healthy $mh ms, one node slowed 10x $ms ms; ratio $ratio (goal: at most 2)"
jq -nc --arg m "$machine" --argjson h "$mh" --argjson s "$ms" --argjson r "$ratio" \
  '{date: (now | todate), machine: $m, summary: {median_p99_healthy_ms: $h, median_p99_slowed_ms: $s, ratio: $r, goal_met: ($r <= 2)}}' >>"$out"
