#!/usr/bin/env bash
# The Raft benchmark: metadata writes (create + delete of empty files) and
# linearizable reads against a 3-node dfs cluster and, in the same run on
# the same machine, a 3-member etcd 3.4 cluster (Debian etcd-server), both
# on loopback with fsync on, at 1, 16 and 128 concurrent clients. Rounds
# alternate which system goes first; the table shows medians over rounds
# and the ratio dfs/etcd. Raw results: one JSON line per run in
# $OUT (default ./raft-bench.jsonl).
#
# Usage: tools/bench/raft_vs_etcd.sh [--seconds S] [--rounds R] [--clients "1 16 128"]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=6
rounds=3
clients="1 16 128"
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--rounds R] [--clients \"1 16 128\"]" >&2; exit 2 ;;
  esac
done
out=${OUT:-$PWD/raft-bench.jsonl}

"$root/tools/setup.sh"
need=()
for p in etcd-server etcd-client libgrpc++-dev protobuf-compiler-grpc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
"$root/tools/build.sh"
bin=$root/build/tools
bench=$bin/dfs-raft-bench

work=$(mktemp -d /tmp/dfs-raft-bench-XXXXXX)
base=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768+): no clash with outgoing sockets
etcd_pids=()
cleanup() {
  "$bin/dfsctl" cluster down --dir "$work/dfs" >/dev/null 2>&1 || true
  for p in "${etcd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

echo "== starting a 3-node dfs cluster and a 3-member etcd cluster in $work"
"$bin/dfsctl" cluster up --dir "$work/dfs" --base-port "$base" >/dev/null
dfs_eps="127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
initial=""
for i in 1 2 3; do initial+="${initial:+,}e$i=http://127.0.0.1:$((base + 100 + i))"; done
etcd_eps=""
for i in 1 2 3; do
  client=$((base + 200 + i))
  etcd_eps+="${etcd_eps:+,}127.0.0.1:$client"
  etcd --name "e$i" --data-dir "$work/etcd/e$i" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$((base + 100 + i))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((base + 100 + i))" \
    --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token dfs-bench \
    --log-level error >"$work/etcd-e$i.log" 2>&1 &
  etcd_pids+=($!)
done
for _ in $(seq 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$etcd_eps" endpoint health >/dev/null 2>&1 && break
  sleep 0.2
done
ETCDCTL_API=3 etcdctl --endpoints "$etcd_eps" endpoint health >/dev/null

: >"$out"
run() {  # system op clients
  local eps=$dfs_eps
  [ "$1" = etcd ] && eps=$etcd_eps
  "$bench" --system "$1" --op "$2" --clients "$3" --seconds "$seconds" --endpoints "$eps" | tee -a "$out"
}
echo "== $rounds rounds of ${seconds}s runs (1 s warm-up each); raw results in $out"
for r in $(seq "$rounds"); do
  for op in write read; do
    for c in $clients; do
      if [ $((r % 2)) -eq 1 ]; then run dfs "$op" "$c"; run etcd "$op" "$c"; else run etcd "$op" "$c"; run dfs "$op" "$c"; fi
    done
  done
done

echo
echo "== medians over $rounds rounds"
awk -F'[,:}]' '
  function field(name,   i) { for (i = 1; i < NF; i++) if ($i == "\"" name "\"") return $(i + 1); return "" }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    sub(/^\{/, "")
    sys = field("system"); gsub(/"/, "", sys); op = field("op"); gsub(/"/, "", op); c = field("clients")
    key = op " " c
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    ops[sys, key] = ops[sys, key] " " field("ops_per_s")
    p50[sys, key] = p50[sys, key] " " field("p50_ms")
    p99[sys, key] = p99[sys, key] " " field("p99_ms")
  }
  END {
    printf "%-6s %7s | %10s %8s %8s | %10s %8s %8s | %9s %9s\n", "op", "clients", "dfs ops/s", "p50 ms", "p99 ms", "etcd ops/s", "p50 ms", "p99 ms", "ops ratio", "p99 ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, kc, " ")
      d = median(ops["dfs", k]); e = median(ops["etcd", k])
      dp99 = median(p99["dfs", k]); ep99 = median(p99["etcd", k])
      printf "%-6s %7s | %10.0f %8.2f %8.2f | %10.0f %8.2f %8.2f | %8.2fx %8.2fx\n", kc[1], kc[2], d, median(p50["dfs", k]), dp99, e, median(p50["etcd", k]), ep99, (e > 0 ? d / e : 0), (ep99 > 0 ? dp99 / ep99 : 0)
    }
  }' "$out"
