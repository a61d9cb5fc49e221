#!/usr/bin/env bash
# Load balancing and health monitoring on real processes: the default
# 3-node cluster (replication 3), cache off so that every read goes to a
# replica, driven by `dfsctl bench` (16 users spread over the gateways).
#   1. A node made slow (every chunk fetch 20 ms longer, about 10x) gets
#      under 10% of the reads in the first 10 s after it turned slow,
#      while client p99 stays within 2x (+5 ms) of the healthy run's.
#   2. A node killed (kill -9) mid-run: every request still succeeds
#      (retried at another gateway within its deadline); its peers'
#      monitors judge it down and cluster status says so.
#   3. Overload: gateways admit 8 requests at once; 80 users without
#      retries see part of their requests refused at once (overloaded,
#      within milliseconds), the rest served; with load back to 4 users,
#      no refusals.
# /healthz and /readyz answer on the metrics port; a node without a
# Raft leader in sight is not ready.
# Usage: balance.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: balance.sh BIN_DIR [release|asan]}" && pwd)
# Sanitized binaries run several times slower: a looser bound on how soon
# a refusal comes back.
refuse_ms=50
[ "${2:-release}" = asan ] && refuse_ms=250
dfsctl="$bin/dfsctl"
source "$(dirname "$0")/lib.sh"
scratch_cluster balance
ctl() { "$dfsctl" --timeout 20s "$@"; }
bench() { ctl --json bench --files 200 --read-ratio 1 --no-setup "$@"; }
field() { jq -r "$1" "$2"; }

cd "$work"
say "3 nodes, replication 3, no cache, gateways admit 8 requests at once"
check "cluster up" ctl cluster up --base-port "$port" --set cache_bytes=0 --set max_in_flight=8
metrics_of() { awk -v id="$1" '$1 == id {print $3}' "$work/var/cluster.txt"; }
code() { curl -s -o /dev/null -w '%{http_code}' "http://$1"; }
m1=$(metrics_of n1)
check "/healthz answers 200" test "$(code "$m1/healthz")" = 200
for _ in $(seq 1 20); do [ "$(code "$m1/readyz")" = 200 ] && break; sleep 0.5; done
check "/readyz answers 200 once joined with a leader" test "$(code "$m1/readyz")" = 200
check "create the files" ctl bench --files 200 --requests 1 --concurrency 8

say "1. healthy baseline, then n3 slowed by 20 ms per fetch"
bench --duration 8s --concurrency 16 >healthy.json
check "healthy run without errors" test "$(field '.total.errors | length' healthy.json)" = 0
p99_healthy=$(field '.total.latency_ms.p99' healthy.json)
echo "   healthy: $(field '.total.throughput | floor' healthy.json) req/s, p99 $p99_healthy ms, shares $(jq -c .read_share healthy.json)"
check "slow n3" ctl node slow n3 20ms
bench --duration 10s --concurrency 16 >slow.json
share=$(field '.read_share.n3 // 0' slow.json)
p99_slow=$(field '.total.latency_ms.p99' slow.json)
echo "   n3 slow: $(field '.total.throughput | floor' slow.json) req/s, p99 $p99_slow ms, shares $(jq -c .read_share slow.json)"
check "n3 got under 10% of the reads in its first 10 s slow ($share)" \
  awk -v s="$share" 'BEGIN { exit !(s < 0.10) }'
check "p99 with n3 slow ($p99_slow ms) within 2x (+5 ms) of healthy ($p99_healthy ms)" \
  awk -v a="$p99_slow" -v b="$p99_healthy" 'BEGIN { exit !(a <= 2 * b + 5) }'
check "no errors while n3 is slow" test "$(field '.total.errors | length' slow.json)" = 0
check "n3 normal again" ctl node slow n3 0
bench --duration 8s --concurrency 16 >recovered.json
share=$(field '.read_share.n3 // 0' recovered.json)
check "n3 gets its share back once normal ($share)" awk -v s="$share" 'BEGIN { exit !(s > 0.15) }'

say "2. a node killed mid-run"
victim=n3
[ "$(leader)" = n3 ] && victim=n2
# 8 users: with one node gone, the two others' 8 slots each still hold
# them all (refusals here would be the admission limit, not the kill).
bench --duration 14s --concurrency 8 >killed.json &
bench_pid=$!
sleep 4
kill -9 "$(pid_of "$victim")"
wait "$bench_pid"
echo "   $victim killed: $(field '.total.requests' killed.json) requests, errors $(jq -c .total.errors killed.json), max $(field '.total.latency_ms.max' killed.json) ms"
check "every request succeeded with $victim killed" test "$(field '.total.errors | length' killed.json)" = 0
check "some requests were served after the kill" \
  test "$(field '.total.requests' killed.json)" -gt 1000
ctl --json cluster status >status.json
check "cluster status says $victim is down" \
  test "$(jq -r --arg v "$victim" '.nodes[] | select(.node_id == $v) | .state' status.json)" = down

say "3. overload: 80 users without retries against gateways admitting 8"
bench --duration 6s --concurrency 80 --retries 0 >over.json
refused=$(field '.total.errors.overloaded // 0' over.json)
echo "   $(field '.total.requests' over.json) requests: $(field '.total.ok' over.json) ok, $refused refused in p99 $(field '.total.failed_latency_ms.p99' over.json) ms"
check "part of the requests refused as overloaded" test "$refused" -gt 0
check "the rest served" test "$(field '.total.ok' over.json)" -gt 100
check "refusals answered at once (p99 under $refuse_ms ms)" \
  awk -v a="$(field '.total.failed_latency_ms.p99' over.json)" -v l="$refuse_ms" 'BEGIN { exit !(a < l) }'
check "only overload errors" test "$(field '.total.errors | keys | join(",")' over.json)" = overloaded
bench --duration 4s --concurrency 4 --retries 0 >calm.json
check "no refusals once the load drops" test "$(field '.total.errors | length' calm.json)" = 0

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
