#!/usr/bin/env bash
# End-to-end test: real dfsd processes started by `dfsctl cluster up`,
# driven through dfsctl as a user would. Usage: end_to_end.sh BIN_DIR
set -u
bin=$(cd "${1:?usage: end_to_end.sh BIN_DIR}" && pwd)
dfsctl="$bin/dfsctl"
build_kind=${2:-release}
work=$(mktemp -d /tmp/dfs-e2e-XXXXXX)
# A base port unlikely to collide with another run on this machine.
port=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768+): no clash with outgoing sockets

cleanup() {
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  (cd "$work" && "$dfsctl" cluster down --dir "$work/full" >/dev/null 2>&1)
  umount "$work/full" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

source "$(dirname "$0")/lib.sh"


# expect_exit CODE NAME CMD...: CMD must fail with CODE and say why on stderr.
expect_exit() {
  local code=$1 name=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -eq "$code" ] && [ -s "$work/err" ]; then
    ok "$name (exit $rc: $(head -n1 "$work/err"))"
  else
    bad "$name: expected exit $code with a message, got $rc: $(head -c 300 "$work/err")"
  fi
}

ctl() { "$dfsctl" "$@"; }
node_pid() { awk '!/^#/ {print $4; exit}' "$work/var/cluster.txt"; }
kib() { awk -v k="$1" '$1 == k {print $2}' "/proc/$(node_pid)/status"; }

cd "$work"
echo "[$(( $(date +%s) - start ))s] == start a local cluster in $work/var (base port $port)"
# The cache's memory is not faulted in at start here: the memory check
# below measures what a transfer adds, which a heap already grown by the
# cache's reservation would hide.
check "cluster up" ctl cluster up --base-port "$port" --set cache_prefault=false
cat "$work/out"
check "cluster status" ctl cluster status
grep -q "active" "$work/out" && ok "status shows the node active" || bad "status shows the node active: $(cat "$work/out")"
check "cluster status through one node's address" ctl --cluster "127.0.0.1:$((port + 1))" cluster status
rows=$(grep -cE '^n[123] +127\.0\.0\.1:[0-9]+ +active' "$work/out")
[ "$rows" -eq 3 ] && ok "it shows all three nodes, with their addresses" || bad "cluster status through one node: $(cat "$work/out")"

echo "[$(( $(date +%s) - start ))s] == files of every size round-trip byte for byte"
head -c 0 /dev/zero >empty
head -c 1 /dev/urandom >one
head -c 4194304 /dev/urandom >chunk
head -c $((10 * 1048576 + 3)) /dev/urandom >multi
for f in empty one chunk multi; do
  check "put $f" ctl put "$f" "/$f"
  check "get $f" ctl get "/$f" "$f.back"
  cmp -s "$f" "$f.back" && ok "$f is identical" || bad "$f differs after the round trip"
done
check "get to stdout" sh -c "'$dfsctl' get /multi - >multi.stdout"
cmp -s multi multi.stdout && ok "get - writes the file to stdout" || bad "get - output differs"
check "put from stdin" sh -c "'$dfsctl' put - /from-stdin <one"
check "get the stdin upload" ctl get /from-stdin stdin.back
cmp -s one stdin.back && ok "stdin upload is identical" || bad "stdin upload differs"

echo "[$(( $(date +%s) - start ))s] == 100 MiB: round trip and the node's memory"
head -c $((100 * 1048576)) /dev/urandom >big
idle=$(kib VmRSS:)
check "put 100 MiB" ctl put big /big
check "get 100 MiB" ctl get /big big.back
cmp -s big big.back && ok "100 MiB file is identical" || bad "100 MiB file differs"
peak=$(kib VmHWM:)
grown=$(( (peak - idle) / 1024 ))
echo "     dfsd resident memory: idle ${idle} KiB, peak ${peak} KiB, +${grown} MiB"
if [ "$build_kind" = asan ]; then
  echo "     (AddressSanitizer build: memory bound not enforced)"
elif [ "$grown" -lt 64 ]; then ok "peak memory stays under idle + 64 MiB (+${grown} MiB)"; else bad "peak memory grew by ${grown} MiB"; fi
check "stat --json" ctl --json stat /big
grep -q '"size":104857600' "$work/out" && ok "stat --json reports the size" || bad "stat --json: $(head -c 200 "$work/out")"

echo "[$(( $(date +%s) - start ))s] == namespace operations"
check "mkdir" ctl mkdir /docs
check "mkdir -p" ctl mkdir -p /deep/er/est
check "mkdir -p on an existing directory" ctl mkdir -p /deep/er
check "put into a directory" ctl put one /docs/a.txt
check "overwrite" ctl put multi /docs/a.txt
check "stat after overwrite" ctl stat /docs/a.txt
grep -q "version:     2" "$work/out" && ok "an overwrite bumps the version" || bad "version after overwrite: $(cat "$work/out")"
check "mv rename" ctl mv /docs/a.txt /docs/b.txt
check "mv into a directory" ctl mv /docs/b.txt /deep
check "ls" ctl ls /deep
grep -qx "b.txt" "$work/out" && grep -qx "er/" "$work/out" && ok "ls lists files and directories" || bad "ls: $(cat "$work/out")"
check "ls -l" ctl ls -l /
grep -q "/big" "$work/out" && ok "ls -l shows entries" || bad "ls -l: $(cat "$work/out")"
check "ls --json" ctl --json ls /deep
grep -q '"path":"/deep/b.txt"' "$work/out" && ok "ls --json" || bad "ls --json: $(cat "$work/out")"
check "rm file" ctl rm /deep/b.txt
check "rm -r" ctl rm -r /deep

echo "[$(( $(date +%s) - start ))s] == Prometheus metrics of the gateway"
metrics_port=$(awk '!/^#/ {split($3, a, ":"); print a[2]; exit}' "$work/var/cluster.txt")
scrape() {
  exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" || return 1
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}
scrape >metrics.txt 2>/dev/null
grep -q 'dfs_gateway_requests_total{node="n1",op="write",result="ok"}' metrics.txt &&
  ok "request counters by op and result" || bad "request counters missing: $(head -c 300 metrics.txt)"
grep -q 'dfs_gateway_request_duration_seconds_bucket{node="n1",op="read"' metrics.txt &&
  ok "latency histograms by op" || bad "latency histograms missing"
received=$(awk '/^dfs_gateway_received_bytes_total/ {printf "%d", $2}' metrics.txt)
[ "${received:-0}" -ge $((100 * 1048576)) ] && ok "bytes received counted (${received})" || bad "bytes received: ${received:-none}"

echo "[$(( $(date +%s) - start ))s] == the chunk cache"
check "get 100 MiB again" ctl get /big big.again
cmp -s big big.again && ok "the second read is identical" || bad "the second read differs"
if ctl --json cache stats >cache.json 2>cache.err; then
  hits=$(jq '.total.hits' cache.json)
  shards=$(jq '.shards | length' cache.json)
  [ "$shards" -eq 12 ] && ok "cache stats: 12 shards (3 nodes x 4)" || bad "cache stats: $shards shards"
  [ "${hits:-0}" -ge 20 ] && ok "the second read of /big hit the cache ($hits hits)" ||
    bad "cache hits: ${hits:-none}"
  over=$(jq '[.shards[] | select(.bytes > .capacity)] | length' cache.json)
  [ "$over" -eq 0 ] && ok "no shard above its byte budget" || bad "$over shards above budget"
else
  bad "cache stats failed: $(cat cache.err)"
fi
rows=$(ctl --json cache advise 2>/dev/null | jq '.advice | length')
[ "${rows:-0}" -eq 5 ] && ok "cache advise: 5 sizes" || bad "cache advise: ${rows:-no} rows"
scrape >metrics.txt 2>/dev/null
grep -q '^dfs_cache_hits_total{node="n1",shard="0"}' metrics.txt &&
  ok "cache metrics per shard" || bad "cache metrics missing"

echo "[$(( $(date +%s) - start ))s] == every error path: one line on stderr and a distinct exit code"
expect_exit 3 "get of a missing file" ctl get /nope nope.out
[ ! -e nope.out ] && [ ! -e nope.out.dfs-partial ] && ok "a failed get leaves no file" || bad "a failed get left a file"
expect_exit 3 "put into a missing directory" ctl put one /missing/dir/f
expect_exit 3 "ls of a missing directory" ctl ls /nope
expect_exit 3 "rm of a missing path" ctl rm /nope
expect_exit 3 "mkdir without -p under a missing parent" ctl mkdir /a/b/c
expect_exit 4 "mkdir of an existing directory" ctl mkdir /docs
expect_exit 4 "rm of a non-empty directory" sh -c "'$dfsctl' put one /docs/x >/dev/null && '$dfsctl' rm /docs"
expect_exit 4 "put onto a directory" ctl put one /docs
expect_exit 4 "get of a directory" ctl get /docs docs.out
expect_exit 4 "put under a file" ctl put one /big/child
expect_exit 4 "mv onto an existing file" sh -c "'$dfsctl' put one /other >/dev/null && '$dfsctl' mv /other /docs/x"
expect_exit 2 "a relative path" ctl stat relative/path
expect_exit 2 "a path with .." ctl put one /docs/../etc
expect_exit 2 "an overlong name" ctl mkdir "/$(head -c 300 /dev/zero | tr '\0' x)"
expect_exit 2 "mv of a directory into itself" ctl mv /docs /docs/inner
expect_exit 2 "rm of the root" ctl rm -r /
expect_exit 2 "put of a missing local file" ctl put ./no-such-file /x
expect_exit 2 "an unknown command" ctl frobnicate
expect_exit 5 "an unreachable cluster" ctl --cluster 127.0.0.1:1 ls /
expect_exit 2 "a malformed cluster address" ctl --cluster nohost ls /
expect_exit 5 "--replicas beyond the storage nodes" ctl put one /r4 --replicas 4

echo "[$(( $(date +%s) - start ))s] == dfsd rejects bad configuration, naming the key"
printf 'node_id = "x"\nreplicaton = 2\n' >bad.toml
expect_exit 2 "unknown config key" "$bin/dfsd" --config bad.toml
grep -q "replicaton" "$work/err" && ok "the message names the key" || bad "message: $(cat "$work/err")"
expect_exit 2 "bad value on the command line" "$bin/dfsd" --chunk-size 12bananas

echo "[$(( $(date +%s) - start ))s] == a full disk: a clear error, nothing lost"
full="$work/full"
mkdir -p "$full"
if mount -t tmpfs -o size=24m tmpfs "$full" 2>/dev/null; then
  fport=$((port + 10))
  check "cluster up on a 24 MiB disk" ctl cluster up --dir "$full" --base-port "$fport" --set replication=1
  head -c $((10 * 1048576)) /dev/urandom >ten
  head -c $((30 * 1048576)) /dev/urandom >thirty
  check "put 10 MiB" ctl --cluster "127.0.0.1:$fport" put ten /ten
  expect_exit 6 "put 30 MiB onto the full disk" ctl --cluster "127.0.0.1:$fport" put thirty /thirty
  grep -q "no_space" "$work/err" && ok "the error says no_space" || bad "error: $(cat "$work/err")"
  expect_exit 3 "the failed put is not visible" ctl --cluster "127.0.0.1:$fport" stat /thirty
  check "get 10 MiB back" ctl --cluster "127.0.0.1:$fport" get /ten ten.back
  cmp -s ten ten.back && ok "earlier data intact on a full disk" || bad "earlier data changed"
  check "the node still answers" ctl --cluster "127.0.0.1:$fport" ls /
  ctl cluster down --dir "$full" >/dev/null 2>&1
  umount "$full"
else
  echo "skip full-disk test: cannot mount a tmpfs here (needs root)"
fi

echo "[$(( $(date +%s) - start ))s] == a node killed mid-put loses nothing committed and shows nothing partial"
pid=$(node_pid)
before=$(scrape 2>/dev/null | awk '/^dfs_gateway_received_bytes_total/ {printf "%d", $2}')
"$dfsctl" --timeout 5s put big /torn >/dev/null 2>&1 </dev/null &
putpid=$!
# Kill the node once the upload is under way, not before and not after.
for _ in $(seq 200); do
  now=$(scrape 2>/dev/null | awk '/^dfs_gateway_received_bytes_total/ {printf "%d", $2}')
  [ "${now:-0}" -gt $((before + 4 * 1048576)) ] && break
  sleep 0.02
done
if kill -0 "$putpid" 2>/dev/null; then ok "the node dies mid-upload ($(( (${now:-0} - before) / 1048576 )) MiB received)"; else bad "the put ended before the kill"; fi
kill -9 "$pid"
wait "$putpid"
[ $? -ne 0 ] && ok "the interrupted put fails" || bad "the interrupted put reported success"
check "cluster up after the crash" ctl cluster up --base-port "$port"
expect_exit 3 "the interrupted put is not visible" ctl stat /torn
check "get after crash" ctl get /multi multi.crash
cmp -s multi multi.crash && ok "committed data survives a crash" || bad "committed data changed after a crash"

echo "[$(( $(date +%s) - start ))s] == restart: everything stored reads back"
check "cluster down" ctl cluster down
grep -q "ignored SIGTERM" "$work/err" && bad "dfsd needed SIGKILL to stop" || ok "dfsd stops on SIGTERM"
check "cluster up again" ctl cluster up --base-port "$port"
for f in empty one chunk multi big; do
  check "get $f after restart" ctl get "/$f" "$f.again"
  cmp -s "$f" "$f.again" && ok "$f identical after restart" || bad "$f differs after restart"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
