#!/usr/bin/env bash
# Paused processes (SIGSTOP): a node that keeps its connections open but
# answers nothing. The default local cluster (3 nodes, replication 3).
# With a storage node paused, puts still succeed within seconds (on the
# two answering nodes, a majority; repaired once it is back) and gets
# read around it (a read the paused node holds up is hedged to the next
# copy). With the Raft leader paused, and listed first in the client's
# endpoints, every command still succeeds within seconds; reads within
# a few (a paused node costs the client half a second to pass over, and a
# read forwarded to the old leader goes to the new one once it is known). After
# both are resumed, fsck ends healthy and every file reads back identical.
# Usage: pause.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: pause.sh BIN_DIR [release|asan]}" && pwd)
dfsctl="$bin/dfsctl"
work=$(mktemp -d /tmp/dfs-pause-XXXXXX)
port=$((20000 + RANDOM % 10000))
cleanup() {
  local n
  for n in $(awk '!/^#/ {print $1}' "$work/var/cluster.txt" 2>/dev/null); do
    kill -CONT "$(pid_of "$n")" 2>/dev/null
  done
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$(dirname "$0")/lib.sh"
cluster=""
ctl() { "$dfsctl" --timeout 20s ${cluster:+--cluster "$cluster"} "$@"; }
# Three times the time limits under the sanitizers (timed, lib.sh).
scale=1
[ "${2:-release}" = asan ] && scale=3

cd "$work"
say "the default 3-node cluster (replication 3)"
check "cluster up" ctl cluster up --base-port "$port" --set chunk_size=256KiB --set repair_interval=500ms
mkdir -p src
for i in $(seq 1 5); do head -c $((i * 150000 + 1)) /dev/urandom >"src/f$i"; done
head -c 3000 /dev/urandom >src/small
ctl mkdir /data >/dev/null
for f in f1 f2 f3 small; do check "put $f" ctl put "src/$f" "/data/$f"; done

say "a storage node paused"
l=$(leader)
[ -n "$l" ] || { bad "no Raft leader"; exit 1; }
victim=n3
[ "$l" = n3 ] && victim=n2
kill -STOP "$(pid_of "$victim")"
timed 10 "a small put with $victim paused" ctl put src/f4 /data/f4
timed 5 "the next put goes around it at once" ctl put src/small /data/small2
cp src/small src/small2
timed 10 "a 750 KB put" ctl put src/f5 /data/f5
[ "$(ctl stat --json /data/f5 | jq --arg n "$victim" '[.chunks[].replicas | index($n)] | map(select(. != null)) | length')" = 0 ] &&
  ok "no chunk of it names $victim" || bad "a chunk of the put names the paused $victim"
timed 5 "every file reads back identical" verify_all
kill -CONT "$(pid_of "$victim")"
if wait_healthy 60 >"$work/took"; then ok "fsck healthy after $victim resumed ($(cat "$work/took"))"; else bad "not healthy within 60 s of $victim resuming"; fi

say "the Raft leader paused, first in the client's list"
l=$(leader)
[ -n "$l" ] || { bad "no Raft leader"; exit 1; }
others=$(awk '!/^#/ {print $1}' var/cluster.txt | grep -v "^$l$")
cluster=$(endpoint_of "$l")
for n in $others; do cluster="$cluster,$(endpoint_of "$n")"; done
kill -STOP "$(pid_of "$l")"
head -c 900001 /dev/urandom >src/f6
timed 5 "ls with leader $l paused" ctl ls /data
timed 20 "a put" ctl put src/f6 /data/f6
timed 5 "a get" ctl get /data/f6 "$work/back"
cmp -s src/f6 "$work/back" && ok "it is identical" || bad "f6 reads back wrong"
new=$(leader)
[ -n "$new" ] && [ "$new" != "$l" ] && ok "a new leader: $new" || bad "no new leader (says: '$new')"
kill -CONT "$(pid_of "$l")"
cluster=""
if wait_healthy 60 >"$work/took"; then ok "fsck healthy after $l resumed ($(cat "$work/took"))"; else bad "not healthy within 60 s of $l resuming"; fi
check "every file reads back identical" verify_all
[ "$(ctl stat --json /data/f4 | jq '[.chunks[].replicas | length] | min')" = 3 ] &&
  ok "a file put while a node was paused has 3 copies again" || bad "f4 is still short of copies"

say "dfsctl bench with a node paused mid-run"
# The load's tries carry their deadlines themselves (no CAF timeout):
# tries at the paused node must fail on time and go elsewhere.
p=$(pid_of n2)
(sleep 3; kill -STOP "$p"; sleep 6; kill -CONT "$p") &
pauser=$!
bench_clean "across the pause" --duration 12s --concurrency 20 --files 100
wait "$pauser"

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
