#!/usr/bin/env bash
# A node of the default 3-node cluster (replication 3) killed with kill -9:
# puts go on at once, written to the two nodes that answer (a majority of
# the factor), and gets read them. Kept dead past dead_after, the node is
# marked dead and puts still go on; restarted, it is active again, repair
# makes every third copy, fsck ends healthy and every file reads back
# identical. Then the Raft leader is killed in the middle of a bench run
# and restarted: no request of the run fails. With two of the three
# killed, a command fails within seconds saying no leader is known, and
# works again once they are back.
# Usage: degraded.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: degraded.sh BIN_DIR [release|asan]}" && pwd)
dfsctl="$bin/dfsctl"
source "$(dirname "$0")/lib.sh"
scratch_cluster degraded
ctl() { "$dfsctl" --timeout 20s "$@"; }
# Three times the time limits under the sanitizers (timed, lib.sh).
scale=1
[ "${2:-release}" = asan ] && scale=3
# copies_on NODE FILE: how many chunks of /data/FILE name NODE as a replica.
copies_on() {
  ctl stat --json "/data/$2" | jq --arg n "$1" '[.chunks[].replicas | index($n)] | map(select(. != null)) | length'
}
# fewest_copies FILE: the fewest replicas any chunk of /data/FILE has.
fewest_copies() { ctl stat --json "/data/$1" | jq '[.chunks[].replicas | length] | min'; }
# node_state NODE: as `node list` shows it.
node_state() { ctl node list --json | jq -r --arg n "$1" '.[] | select(.id == $n) | .state'; }

cd "$work"
say "the default 3-node cluster (replication 3, dead after 3 s)"
check "cluster up" ctl cluster up --base-port "$port" --set chunk_size=256KiB \
  --set repair_interval=500ms --set dead_after=3s
mkdir -p src
head -c 3000 /dev/urandom >src/small1
head -c 700001 /dev/urandom >src/big1
ctl mkdir /data >/dev/null
for f in small1 big1; do check "put $f" ctl put "src/$f" "/data/$f"; done

say "a follower killed"
l=$(leader)
[ -n "$l" ] || { bad "no Raft leader"; exit 1; }
victim=n3
[ "$l" = n3 ] && victim=n2
kill -9 "$(pid_of "$victim")"
head -c 4000 /dev/urandom >src/small2
head -c 900001 /dev/urandom >src/big2
timed 10 "a small put with $victim dead" ctl put src/small2 /data/small2
timed 10 "a put of 4 chunks" ctl put src/big2 /data/big2
for f in small2 big2; do
  [ "$(copies_on "$victim" "$f")" = 0 ] && [ "$(fewest_copies "$f")" = 2 ] &&
    ok "$f: 2 copies of each chunk, none on $victim" ||
    bad "$f: $(copies_on "$victim" "$f") chunks on $victim, fewest copies $(fewest_copies "$f")"
done
timed 5 "every file reads back identical" verify_all
under=$(ctl fsck --json 2>/dev/null | jq '.under_replicated')
[ "${under:-0}" -gt 0 ] && ok "fsck counts $under under-replicated chunks" ||
  bad "fsck counts no under-replicated chunk with $victim dead"

say "$victim marked dead"
t0=$(date +%s)
until [ "$(node_state "$victim")" = dead ] || [ $(($(date +%s) - t0)) -ge $((20 * scale)) ]; do sleep 0.5; done
[ "$(node_state "$victim")" = dead ] && ok "$victim is dead in the node table" ||
  bad "$victim is '$(node_state "$victim")' in the node table"
head -c 300001 /dev/urandom >src/big3
timed 10 "a put with $victim dead in the node table" ctl put src/big3 /data/big3

say "$victim restarted"
check "cluster up starts it again" ctl cluster up
if wait_healthy $((60 * scale)) >"$work/took"; then ok "fsck healthy ($(cat "$work/took"))"; else bad "not healthy within 60 s of $victim's restart"; fi
[ "$(node_state "$victim")" = active ] && ok "$victim is active again" ||
  bad "$victim is '$(node_state "$victim")' in the node table"
for f in small2 big2 big3; do
  [ "$(fewest_copies "$f")" = 3 ] && ok "$f has 3 copies of each chunk" ||
    bad "$f: fewest copies $(fewest_copies "$f")"
done
check "every file reads back identical" verify_all

say "the Raft leader killed and restarted in the middle of a bench run"
l=$(leader)
[ -n "$l" ] || { bad "no Raft leader"; exit 1; }
p=$(pid_of "$l")
(sleep 3; kill -9 "$p"; sleep 4; ctl cluster up >/dev/null 2>&1) &
killer=$!
bench_clean "across the loss of $l" --duration 12s --concurrency 20 --files 200
wait "$killer"
if wait_healthy $((60 * scale)) >"$work/took"; then ok "fsck healthy ($(cat "$work/took"))"; else bad "not healthy within 60 s of $l's restart"; fi

say "two of the three killed: no majority"
survivor=$(leader)
[ -n "$survivor" ] || { bad "no Raft leader"; exit 1; }
for n in n1 n2 n3; do [ "$n" = "$survivor" ] || kill -9 "$(pid_of "$n")"; done
sleep 1.5
t0=$(ms)
if ctl ls /data >"$work/out" 2>"$work/err"; then
  bad "ls answered with no majority: $(head -c 200 "$work/out")"
else
  took=$(($(ms) - t0))
  grep -q "no Raft leader known" "$work/err" && [ "$took" -le $((5000 * scale)) ] &&
    ok "ls fails in $took ms: $(head -c 200 "$work/err")" ||
    bad "ls failed in $took ms with: $(head -c 300 "$work/err")"
fi
check "cluster up starts them again" ctl cluster up
timed 10 "ls once they are back" ctl ls /data
check "every file reads back identical" verify_all

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
