#!/usr/bin/env bash
# Raft failover with real processes: a 3-node cluster from `dfsctl cluster
# up`, clients writing through every node, kill -9 of the leader mid-run.
# A new leader must serve within 2 s, every acknowledged write must be
# readable afterwards, and the old leader, restarted, must catch up.
# Usage: raft_failover.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: raft_failover.sh BIN_DIR [release|asan]}" && pwd)
dfsctl="$bin/dfsctl"
# The 2 s bound is the release build's; a sanitizer build runs several
# times slower (every dfsctl start included) and is checked for
# correctness, with a looser bound.
limit_ms=2000
[ "${2:-release}" = asan ] && limit_ms=10000
work=$(mktemp -d /tmp/dfs-raft-XXXXXX)
port=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768+): no clash with outgoing sockets

cleanup() {
  touch "$work/stop"
  wait 2>/dev/null
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

source "$(dirname "$0")/lib.sh"
ctl() { "$dfsctl" "$@"; }

eps="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
# The leader the reachable members agree on ("" if none).
leader() { ctl --cluster "$1" --timeout 2s raft status --json 2>/dev/null | grep -o '^{"leader":"[^"]*"' | cut -d'"' -f4; }
# One member's field from `raft status --json`.
member_field() {
  ctl --cluster "$1" --timeout 2s raft status --json 2>/dev/null | sed 's/},{/}\n{/g' |
    grep "\"id\":\"$2\"" | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# writer K: creates /wK/1, /wK/2, ... through whichever node answers first
# (its own order of endpoints), until $work/stop appears. Acknowledged
# paths go to acked.K, failed ones (which may or may not have been
# applied) to failed.K.
writer() {
  local k=$1 order=$2 i=0
  while [ ! -e "$work/stop" ]; do
    i=$((i + 1))
    if ctl --cluster "$order" --timeout 3s mkdir -p "/w$k/$i" >/dev/null 2>&1; then
      echo "$i" >>"$work/acked.$k"
    else
      echo "$i" >>"$work/failed.$k"
    fi
  done
}

cd "$work"
say "a 3-node cluster elects a leader"
check "cluster up" ctl cluster up --base-port "$port"
old=$(leader "$eps")
[ -n "$old" ] && ok "leader elected: $old" || bad "no leader after cluster up"

say "clients write through every node; the leader is killed mid-run"
a="127.0.0.1:$port"; b="127.0.0.1:$((port + 1))"; c="127.0.0.1:$((port + 2))"
writer 1 "$a,$b,$c" & writer 2 "$b,$c,$a" & writer 3 "$c,$a,$b" & writer 4 "$a,$c,$b" &
sleep 2
survivors=$(for n in n1 n2 n3; do [ "$n" != "$old" ] && endpoint_of "$n"; done | paste -sd,)
before=$(cat "$work"/acked.* 2>/dev/null | wc -l)
kill -9 "$(pid_of "$old")"
killed_at=$(ms)
# The first write acknowledged through a survivor after the kill.
served_at=""
for _ in $(seq 100); do
  if ctl --cluster "$survivors" --timeout 2s mkdir -p "/probe/$(ms)" >/dev/null 2>&1; then
    served_at=$(ms)
    break
  fi
done
new=$(leader "$survivors")
if [ -n "$served_at" ]; then
  took=$((served_at - killed_at))
  echo "     leader $old killed; $new serving a write $took ms later"
  [ "$took" -lt "$limit_ms" ] && ok "a new leader serves within $limit_ms ms ($took ms)" || bad "a new leader took $took ms to serve (limit $limit_ms ms)"
else
  bad "no write succeeded after the leader was killed"
fi
[ -n "$new" ] && [ "$new" != "$old" ] && ok "the survivors agree on a new leader ($new)" || bad "survivors' leader: '$new' (old $old)"
# raft status over all three names the killed member, down (exit 5).
ctl --cluster "$a,$b,$c" --timeout 2s raft status --json >"$work/st.json" 2>/dev/null
[ "$(jq -r --arg n "$old" '.nodes[] | select(.id == $n) | .state // .role' "$work/st.json")" = down ] &&
  ok "raft status names $old down" || bad "raft status: $(head -c 300 "$work/st.json")"
sleep 2
touch "$work/stop"
wait
after=$(cat "$work"/acked.* | wc -l)
fails=$(cat "$work"/failed.* 2>/dev/null | wc -l)
echo "     writes acknowledged: $before before the kill, $after in all; $fails failed"
[ "$after" -gt "$before" ] && ok "writes went on after the kill" || bad "no write acknowledged after the kill"

say "every acknowledged write is readable"
missing=0
for k in 1 2 3 4; do
  ctl --cluster "$survivors" ls "/w$k" >"$work/ls.$k" 2>"$work/err" || { bad "ls /w$k: $(cat "$work/err")"; continue; }
  while read -r i; do
    grep -qx "$i/" "$work/ls.$k" || { missing=$((missing + 1)); echo "     missing /w$k/$i"; }
  done <"$work/acked.$k"
done
[ "$missing" -eq 0 ] && ok "all $after acknowledged writes are there" || bad "$missing acknowledged writes are missing"

say "the old leader restarts and catches up"
check "cluster up restarts the killed node" ctl cluster up --base-port "$port"
commit=$(member_field "$eps" "$new" commit_index)
caught=""
for _ in $(seq 100); do
  applied=$(member_field "$eps" "$old" applied_index)
  if [ -n "$applied" ] && [ -n "$commit" ] && [ "$applied" -ge "$commit" ]; then caught=1; break; fi
  sleep 0.1
done
[ -n "$caught" ] && ok "$old applied up to the leader's commit index $commit" || bad "$old applied ${applied:-?} of $commit"
check "raft status: all three agree on a leader" ctl --cluster "$eps" raft status
# One endpoint is enough: the others are found through it.
n=$(ctl --cluster "$(endpoint_of "$old")" raft status --json 2>/dev/null | jq '[.nodes[] | select(.role)] | length')
[ "$n" = 3 ] && ok "raft status through one endpoint shows all three members" || bad "raft status through one endpoint: $n members"
check "a write through the restarted node" ctl --cluster "$(endpoint_of "$old")" mkdir /after-restart
check "the restarted node reads it" ctl --cluster "$(endpoint_of "$old")" stat /after-restart

say "leadership transfer"
target=$old
check "transfer-leader $target" ctl --cluster "$eps" raft transfer-leader "$target"
[ "$(leader "$eps")" = "$target" ] && ok "$target leads" || bad "leader is $(leader "$eps"), not $target"
check "a write after the transfer" ctl --cluster "$eps" mkdir /after-transfer

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
