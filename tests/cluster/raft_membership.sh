#!/usr/bin/env bash
# Raft membership with real processes: a 3-node cluster from `dfsctl cluster
# up` that compacts its log early (raft_compact_after = 40), so that a fourth
# node, started with `join = true` and added with `dfsctl node add`, catches
# up from a snapshot sent over the network. Then the leader itself is
# removed with `dfsctl node remove`, the remaining three elect a new one and
# keep serving, and the removed node is added back. Bad requests fail at
# once with a clear error and change nothing.
# Usage: raft_membership.sh BIN_DIR
set -u
bin=$(cd "${1:?usage: raft_membership.sh BIN_DIR}" && pwd)
dfsctl="$bin/dfsctl"
work=$(mktemp -d /tmp/dfs-members-XXXXXX)
port=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768+): no clash with outgoing sockets
n4_pid=""

cleanup() {
  [ -n "$n4_pid" ] && kill "$n4_pid" 2>/dev/null
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

source "$(dirname "$0")/lib.sh"
ctl() { "$dfsctl" "$@"; }
fails() { ! "$@"; }

eps="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
n4="127.0.0.1:$((port + 3))"
all="$eps,$n4"
status_json() { ctl --cluster "$1" --timeout 2s raft status --json 2>/dev/null; }
leader() { status_json "$1" | grep -o '^{"leader":"[^"]*"' | cut -d'"' -f4; }
# One member's field from `raft status --json` (numbers, or a list as text).
member_field() {
  status_json "$1" | sed 's/},{/}\n{/g' | grep "\"id\":\"$2\"" |
    grep -o "\"$3\":\(\[[^]]*\]\|[0-9]*\)" | cut -d: -f2
}

cd "$work"
say "a 3-node cluster that compacts its Raft log past 40 entries"
check "cluster up" ctl cluster up --base-port "$port"
check "cluster down" ctl cluster down
for n in n1 n2 n3; do sed -i 's/^raft_compact_after = .*/raft_compact_after = 40/' "var/$n/dfsd.toml"; done
check "cluster up again" ctl cluster up --base-port "$port"
for i in $(seq 120); do ctl --cluster "$eps" mkdir -p "/d/$i" >/dev/null 2>&1 || bad "mkdir /d/$i"; done
lead=$(leader "$eps")
snap=""
for _ in $(seq 50); do
  snap=$(member_field "$eps" "$lead" snapshot_index)
  [ -n "$snap" ] && [ "$snap" -gt 0 ] && break
  sleep 0.1
done
[ -n "$snap" ] && [ "$snap" -gt 0 ] && ok "the leader compacted its log (snapshot at $snap)" ||
  bad "no snapshot on the leader $lead"

say "a fourth node joins"
mkdir -p var/n4
sed -e "s/^node_id = .*/node_id = 'n4'/" -e "s|/var/n1/data|/var/n4/data|" \
  -e "s/^listen = .*/listen = '$n4'/" -e "s/^metrics = .*/metrics = '127.0.0.1:$((port + 1003))'/" \
  -e "s/^join = .*/join = true/" \
  -e "s/^peers = .*/peers = [ 'n1@127.0.0.1:$port', 'n2@127.0.0.1:$((port + 1))', 'n3@127.0.0.1:$((port + 2))' ]/" \
  var/n1/dfsd.toml >var/n4/dfsd.toml
"$bin/dfsd" --config var/n4/dfsd.toml >var/n4/dfsd.log 2>&1 &
n4_pid=$!
for _ in $(seq 50); do ctl --cluster "$n4" --timeout 1s cluster status >/dev/null 2>&1 && break; sleep 0.1; done
check "node add: an unreachable address fails" fails ctl --cluster "$eps" node add n9 "127.0.0.1:$((port + 9))"
check "node add: a wrong id for the address fails" fails ctl --cluster "$eps" node add n5 "$n4"
check "node add: a bad id fails" fails ctl --cluster "$eps" node add "no/good" "$n4"
check "node add n4" ctl --cluster "$eps" node add n4 "$n4"
# Every member must name the same leader for raft status to give one; a
# member just promoted may not have heard from it yet.
for _ in $(seq 50); do [ -n "$(leader "$all")" ] && break; sleep 0.1; done
voters=$(member_field "$all" "$(leader "$all")" voters)
[ "$voters" = '["n1","n2","n3","n4"]' ] && ok "four voters" || bad "voters: $voters"
n4_snap=$(member_field "$all" n4 snapshot_index)
[ -n "$n4_snap" ] && [ "$n4_snap" -gt 0 ] && ok "n4 caught up from a snapshot (at $n4_snap)" ||
  bad "n4 has no snapshot (${n4_snap:-?})"
check "n4 reads what was written before it joined" ctl --cluster "$n4" stat /d/1
check "n4 reads the last of it" ctl --cluster "$n4" stat /d/120
check "a write through n4" ctl --cluster "$n4" mkdir /through-n4
check "the others read it" ctl --cluster "$eps" stat /through-n4

say "one follower's address is enough to find the group"
lead=$(leader "$all")
# A follower's endpoint, and the other follower of n1-n3 (by id).
one=$(awk -v l="$lead" '!/^#/ && $1 != l {print $2; exit}' var/cluster.txt)
to=$(awk -v l="$lead" -v one="$one" '!/^#/ && $1 != l && $2 != one {print $1; exit}' var/cluster.txt)
check "raft status through $one alone lists all four members" \
  bash -c "'$dfsctl' --cluster '$one' raft status --json | grep -o '\"role\"' | wc -l | grep -qx 4"
check "transfer-leader $to through $one alone" ctl --cluster "$one" --timeout 10s raft transfer-leader "$to"
[ "$(leader "$all")" = "$to" ] && ok "$to leads" || bad "leader: $(leader "$all")"

say "the leader is removed"
old=$(leader "$all")
check "node remove $old" ctl --cluster "$all" node remove "$old"
new=""
for _ in $(seq 50); do
  new=$(leader "$all")
  [ -n "$new" ] && [ "$new" != "$old" ] && break
  sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$old" ] && ok "$new leads without $old" || bad "leader: ${new:-none}"
voters=$(member_field "$all" "$new" voters)
case $voters in *"\"$old\""*) bad "$old is still a voter: $voters" ;; *) ok "voters now $voters" ;; esac
old_ep=$(awk -v id="$old" '$1 == id {print $2}' var/cluster.txt)
[ -z "$old_ep" ] && old_ep=$n4
check "a write through a list that starts with the removed node" \
  ctl --cluster "$old_ep,$all" --timeout 5s mkdir /after-removal
t0=$(ms)
check "the removed node refuses metadata requests at once" fails ctl --cluster "$old_ep" --timeout 10s stat /
grep -q "not in the Raft group" "$work/err" && [ $(($(ms) - t0)) -lt 5000 ] &&
  ok "with a clear error: $(head -c 120 "$work/err")" || bad "refusal: $(head -c 200 "$work/err")"
check "raft status agrees (the removed node has no say)" ctl --cluster "$all" raft status

say "the removed node comes back"
new=$(leader "$all")
one=$(awk -v l="$new" -v o="$old" '!/^#/ && $1 != l && $1 != o {print $2; exit}' var/cluster.txt)
check "node add $old through the follower at $one alone" ctl --cluster "$one" node add "$old" "$old_ep"
check "$old reads the write made while it was out" ctl --cluster "$old_ep" stat /after-removal

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
