#!/usr/bin/env bash
# Replication and self-repair with real processes: a 4-node cluster from
# `dfsctl cluster up` (replication 3, small chunks, short grace periods).
# Files put with RF=3 survive, byte-identical, a node killed with kill -9
# (re-replicated within dead_after + 60 s), a flipped chunk file and a
# deleted one (found by reads and the scrubber, repaired), a node killed in
# the middle of a put (the put fails cleanly or succeeds whole), and a node
# drained and removed. fsck must end healthy after each.
# Usage: replication.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: replication.sh BIN_DIR [release|asan]}" && pwd)
dfsctl="$bin/dfsctl"
work=$(mktemp -d /tmp/dfs-repl-XXXXXX)
port=$((20000 + RANDOM % 10000))
dead_after=3
cleanup() {
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$(dirname "$0")/lib.sh"
ctl() { "$dfsctl" --timeout 20s "$@"; }
# fsck_field NAME: one figure of `fsck --json`.
fsck_field() { ctl fsck --json 2>/dev/null | jq -r ".$1"; }
# a chunk file of /data/NAME stored at NODE
chunk_file_of() {
  local id
  id=$(ctl stat --json "/data/$1" | jq -r --arg n "$2" '[.chunks[] | select(.replicas | index($n))][0].id')
  echo "$work/var/$2/data/chunks/${id:0:2}/$id.chunk"
}
# bad_found: bad copies found so far, summed over the nodes
bad_found() { ctl node list --json | jq '[.[].bad_copies_found] | add'; }
# wait_bad_found N: until at least N bad copies are found (60 s at most)
wait_bad_found() {
  local t0
  t0=$(date +%s)
  until [ "$(bad_found)" -ge "$1" ]; do
    [ $(($(date +%s) - t0)) -ge 60 ] && break
    sleep 0.5
  done
}
# a node that is not the Raft leader (so the scans go on undisturbed)
follower() {
  local l n
  l=$(leader)
  for n in "$@"; do [ "$n" != "$l" ] && { echo "$n"; return; }; done
}

cd "$work"
say "a 4-node cluster with replication 3"
check "cluster up" ctl cluster up --nodes 4 --base-port "$port" --set chunk_size=256KiB \
  --set dead_after=${dead_after}s --set repair_interval=500ms --set gc_grace=10s \
  --set scrub_rate=256MiB
mkdir -p src
# Over 64 KiB each, so that every first chunk is a file of its own (the
# damage below targets those; smaller chunks share pack files, damaged
# further down).
for i in $(seq 1 24); do
  head -c $(( (RANDOM * 37 + i) % 1430000 + 70001 )) /dev/urandom >"src/f$i"
done
ctl mkdir /data >/dev/null
puts_ok=1
for f in src/*; do ctl put "$f" "/data/$(basename "$f")" >/dev/null 2>&1 || puts_ok=0; done
[ $puts_ok = 1 ] && ok "24 files put with RF=3" || bad "a put failed"
check "fsck is healthy" ctl fsck
[ "$(ctl stat --json /data/f1 | jq '.chunks[0].replicas | length')" = 3 ] &&
  ok "a chunk has 3 replicas" || bad "a chunk does not have 3 replicas"

say "kill -9 a storage node: its copies are re-replicated"
victim=$(follower n4 n3 n2)
kill -9 "$(pid_of "$victim")"
t0=$(date +%s)
check "every file reads back identical with $victim dead" verify_all
state_of() { ctl node list --json | jq -r --arg n "$1" '.[] | select(.id == $n) | .state'; }
until [ "$(state_of "$victim")" = dead ] || [ $(($(date +%s) - t0)) -ge $((dead_after + 30)) ]; do
  sleep 0.5
done
[ "$(state_of "$victim")" = dead ] &&
  ok "$victim is marked dead $(($(date +%s) - t0)) s after the kill" || bad "$victim is not marked dead"
if wait_healthy $((dead_after + 60 - ($(date +%s) - t0))) >"$work/took"; then
  ok "fsck healthy again, $(($(date +%s) - t0)) s after the kill (limit: dead_after + 60 s)"
else
  bad "fsck not healthy within dead_after + 60 s"
fi
[ "$(ctl node list --json | jq -r --arg n "$victim" '.[] | select(.id == $n) | .referenced')" = 0 ] &&
  ok "no chunk is placed on $victim any more" || bad "chunks still placed on $victim"
check "every file reads back identical after the repair" verify_all

say "a flipped chunk file and a deleted one are found and repaired"
found_before=$(bad_found)
# f3: its first replica's copy is flipped, then read: the read goes on to
# the next replica. f5 and f7: a copy deleted and one flipped, not read:
# the scrubber must find them.
first=$(ctl stat --json /data/f3 | jq -r '.chunks[0].replicas[0]')
flip_file() {
  local size
  size=$(stat -c %s "$1")
  printf '\xff\xff\xff\xff' | dd of="$1" bs=1 seek=$((size / 2)) conv=notrunc status=none
}
flip_file "$(chunk_file_of f3 "$first")"
check "a read of f3 succeeds past its corrupt first copy" ctl get /data/f3 "$work/back"
cmp -s "$work/back" src/f3 && ok "and is identical" || bad "f3 reads back wrong"
live=$(ctl node list --json | jq -r '.[] | select(.reachable) | .id')
a=$(echo "$live" | head -1); b=$(echo "$live" | tail -1)
rm -f "$(chunk_file_of f5 "$a")"
flip_file "$(chunk_file_of f7 "$b")"
t0=$(date +%s)
wait_bad_found $((found_before + 3))
found=$(bad_found)
[ "$found" -ge $((found_before + 3)) ] && ok "the scrubber found the other two in $(($(date +%s) - t0)) s" ||
  bad "bad copies found: $((found - found_before)) of 3"
if wait_healthy 60 >"$work/took"; then ok "fsck healthy again ($(cat "$work/took"))"; else bad "not repaired within 60 s"; fi
for f in f3 f5 f7; do
  [ "$(ctl stat --json /data/$f | jq '[.chunks[].replicas | length] | min')" = 3 ] ||
    bad "$f has a chunk with fewer than 3 replicas"
done
check "every file reads back identical" verify_all

say "small files in packs: a damaged record and a deleted pack are found and repaired"
mkdir -p small
for i in $(seq 1 30); do head -c $(( (RANDOM * 7 + i) % 60000 + 1 )) /dev/urandom >"small/s$i"; done
puts_ok=1
for f in small/*; do ctl put "$f" "/data/small-$(basename "$f")" >/dev/null 2>&1 || puts_ok=0; done
[ $puts_ok = 1 ] && ok "30 small files put" || bad "a small put failed"
# pack_of NAME NODE: the pack file holding NODE's copy of /data/NAME's chunk
pack_of() {
  local id
  id=$(ctl stat --json "/data/$1" | jq -r '.chunks[0].id')
  grep -lUa "$id" "$work/var/$2/data/chunks/packs/"*.pack | head -1
}
found_before=$(bad_found)
live=$(ctl node list --json | jq -r '.[] | select(.reachable) | .id')
a=$(echo "$live" | head -1); b=$(echo "$live" | tail -1)
id1=$(ctl stat --json /data/small-s1 | jq -r '.chunks[0].id')
p1=$(pack_of small-s1 "$a")
# Bytes a little past the id in the record's header are the chunk's data.
at=$(grep -obUa "$id1" "$p1" | head -1 | cut -d: -f1)
if [ -n "$at" ] && [ "$(stat -c %s "small/s1")" -gt 64 ]; then
  printf '\xff\xff\xff\xff' | dd of="$p1" bs=1 seek=$((at + 60)) conv=notrunc status=none
  ok "flipped bytes in $a's copy of small-s1 in $(basename "$p1")"
else
  bad "no packed copy of small-s1 on $a"
fi
p2=$(pack_of small-s2 "$b")
[ -n "$p2" ] && rm -f "$p2" && ok "deleted $b's pack $(basename "$p2")" || bad "no pack on $b"
t0=$(date +%s)
wait_bad_found $((found_before + 2))
found=$(bad_found)
[ "$found" -ge $((found_before + 2)) ] &&
  ok "the scrubber found $((found - found_before)) bad copies in $(($(date +%s) - t0)) s" ||
  bad "bad copies found: $((found - found_before)), expected at least 2"
if wait_healthy 60 >"$work/took"; then ok "fsck healthy again ($(cat "$work/took"))"; else bad "not repaired within 60 s"; fi
small_ok=1
for f in small/*; do
  ctl get "/data/small-$(basename "$f")" "$work/back" >/dev/null 2>&1 && cmp -s "$f" "$work/back" ||
    { small_ok=0; echo "small-$(basename "$f") does not read back" >&2; }
done
[ $small_ok = 1 ] && ok "every small file reads back identical" || bad "a small file reads back wrong"
ctl put small/s3 /data/small-after >/dev/null 2>&1 && ctl get /data/small-after "$work/back" >/dev/null 2>&1 &&
  cmp -s small/s3 "$work/back" && ok "a put after the deletion reads back" || bad "a put after the deletion failed"

say "the dead node comes back: active again, its stale copies collected"
check "cluster up restarts it" ctl cluster up
t0=$(date +%s)
until [ "$(state_of "$victim")" = active ]; do
  [ $(($(date +%s) - t0)) -ge 30 ] && break
  sleep 0.5
done
[ "$(state_of "$victim")" = active ] && ok "$victim is active again" || bad "$victim is not active again"
t0=$(date +%s)
until [ "$(ctl node list --json | jq -r --arg n "$victim" '.[] | select(.id == $n) | .chunks')" = \
        "$(ctl node list --json | jq -r --arg n "$victim" '.[] | select(.id == $n) | .referenced')" ]; do
  [ $(($(date +%s) - t0)) -ge 60 ] && break
  sleep 1
done
[ "$(fsck_field orphaned)" = 0 ] && ok "its unreferenced copies were collected" ||
  bad "orphaned copies left: $(fsck_field orphaned)"

say "a node killed in the middle of a put: the put fails cleanly or succeeds whole"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$work/big"
y=$(follower n2 n3 n4)
ctl put "$work/big" /data/big >"$work/put.out" 2>&1 &
put_pid=$!
sleep 0.3
kill -9 "$(pid_of "$y")"
if wait "$put_pid"; then
  ctl get /data/big "$work/big.back" >/dev/null 2>&1 && cmp -s "$work/big" "$work/big.back" &&
    ok "the put succeeded and reads back whole" || bad "the put succeeded but reads back wrong"
else
  if ctl stat /data/big >/dev/null 2>&1; then bad "a failed put left /data/big"; else ok "the put failed cleanly ($(head -c 120 "$work/put.out"))"; fi
fi
check "cluster up restarts $y" ctl cluster up
if wait_healthy 60 >"$work/took"; then ok "fsck healthy ($(cat "$work/took"))"; else bad "not healthy after the interrupted put"; fi

say "drain a node with data, remove it: nothing is lost"
# A follower that holds data (which one does depends on who led when
# nodes were killed above: a node that was dead lost its copies to repair).
l=$(leader)
z=""
for n in n3 n4 n2; do
  [ "$n" = "$l" ] && continue
  c=$(ctl node list --json | jq -r --arg n "$n" '.[] | select(.id == $n) | .referenced')
  if [ "${c:-0}" -gt 0 ]; then z=$n; break; fi
done
[ -n "$z" ] || z=$(follower n3 n4 n2)
before=$(ctl node list --json | jq -r --arg n "$z" '.[] | select(.id == $n) | .referenced')
[ "$before" -gt 0 ] && ok "$z holds $before chunk copies" || bad "$z holds no data to drain"
check "node drain $z" ctl node drain "$z" --wait 90s
check "node remove $z" ctl node remove "$z"
kill -9 "$(pid_of "$z")"
check "every file reads back identical without $z" verify_all
if wait_healthy 30 >"$work/took"; then ok "fsck healthy without $z"; else bad "not healthy without $z"; fi

say "metrics"
# metric NAME: its value summed over the nodes that answer
metric() {
  local addr total=0 v
  for addr in $(awk '!/^#/ {print $3}' "$work/var/cluster.txt"); do
    v=$(curl -s --max-time 2 "http://$addr/metrics" | awk -v n="$1" '$1 ~ "^"n"[{ ]" || $1 == n {s += $2} END {printf "%d", s}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
[ "$(metric dfs_repairs_total)" -gt 0 ] && ok "dfs_repairs_total counts the repairs ($(metric dfs_repairs_total))" ||
  bad "dfs_repairs_total is $(metric dfs_repairs_total)"
[ "$(metric dfs_nodes_marked_dead_total)" -ge 1 ] && ok "dfs_nodes_marked_dead_total counts the dead node" ||
  bad "dfs_nodes_marked_dead_total is $(metric dfs_nodes_marked_dead_total)"
[ "$(metric dfs_chunks_under_replicated)" = 0 ] && ok "dfs_chunks_under_replicated is 0" ||
  bad "dfs_chunks_under_replicated is $(metric dfs_chunks_under_replicated)"

say "bad input"
check "drain of an unknown node is refused" bash -c "! $dfsctl --timeout 10s node drain nosuchnode --wait 1s"
[ "$(cat "$work/err")" != "" ] && ok "with a message: $(head -c 100 "$work/err")" || bad "no message"

echo "passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
