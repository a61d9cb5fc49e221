#!/usr/bin/env bash
# Raft under network partitions, with real processes: each dfsd runs in a
# network namespace of its own with its own address, all joined by a bridge
# in another namespace; a client namespace hangs off the same bridge.
# Cutting a node's veth on the bridge side isolates it from everyone.
#   1. A follower cut off for a while must not disturb the leader when it
#      comes back (pre-vote, check-quorum): same leader, same term.
#   2. A leader cut off (in the minority): the majority elects a new leader
#      and goes on; the old leader steps down; a write sent to it is never
#      applied; once healed it follows and catches up.
# Needs root (ip netns). Usage: raft_partition.sh BIN_DIR
set -u
bin=$(cd "${1:?usage: raft_partition.sh BIN_DIR}" && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
  echo "skipped: needs root and iproute2 for network namespaces"
  exit 77
fi
work=$(mktemp -d /tmp/dfs-part-XXXXXX)
tag=d$((RANDOM % 10000))   # namespace and link names unique to this run
net=10.$((100 + RANDOM % 100)).$((RANDOM % 250))
pids=()

ns() { echo "$tag-$1"; }
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  for n in n1 n2 n3 cli br; do ip netns del "$(ns $n)" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

source "$(dirname "$0")/lib.sh"

# --- the network: a bridge namespace, one namespace per node and one for clients
make_network() {
  ip netns add "$(ns br)" || return 1
  ip -n "$(ns br)" link add br0 type bridge || return 1
  ip -n "$(ns br)" link set br0 up || return 1
  ip -n "$(ns br)" link set lo up || return 1
  local i=0 n
  for n in n1 n2 n3 cli; do
    i=$((i + 1))
    ip netns add "$(ns $n)" || return 1
    ip link add "$tag$i" type veth peer name "${tag}p$i" || return 1
    ip link set "$tag$i" netns "$(ns $n)" || return 1
    ip link set "${tag}p$i" netns "$(ns br)" || return 1
    ip -n "$(ns $n)" link set "$tag$i" name eth0 || return 1
    ip -n "$(ns $n)" addr add "$net.$i/24" dev eth0 || return 1
    ip -n "$(ns $n)" link set eth0 up || return 1
    ip -n "$(ns $n)" link set lo up || return 1
    ip -n "$(ns br)" link set "${tag}p$i" master br0 || return 1
    ip -n "$(ns br)" link set "${tag}p$i" up || return 1
  done
}
if ! make_network; then
  echo "skipped: this machine does not let the test build network namespaces and veth links"
  exit 77
fi
addr() { echo "$net.${1#n}:7100"; }
link_of() { echo "${tag}p${1#n}"; }
isolate() { ip -n "$(ns br)" link set "$(link_of "$1")" down; }
rejoin() { ip -n "$(ns br)" link set "$(link_of "$1")" up; }

for n in n1 n2 n3; do
  peers=$(for m in n1 n2 n3; do [ "$m" != "$n" ] && echo "$m@$(addr $m)"; done | paste -sd,)
  ip netns exec "$(ns $n)" "$bin/dfsd" --node-id "$n" --listen "$(addr $n)" \
    --metrics "${net}.${n#n}:8100" --data-dir "$work/$n" --peers "$peers" \
    >"$work/$n.log" 2>&1 &
  pids+=($!)
done
all="$(addr n1),$(addr n2),$(addr n3)"

# dfsctl from the client namespace (or from inside a node's own, with `in`).
ctl() { ip netns exec "$(ns cli)" "$bin/dfsctl" "$@"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns $n)" "$bin/dfsctl" "$@"; }
status_json() { "$@" --timeout 2s raft status --json 2>/dev/null; }
leader_of() { grep -o '^{"leader":"[^"]*"' | cut -d'"' -f4; }
field_of() { sed 's/},{/}\n{/g' | grep "\"id\":\"$1\"" | grep -o "\"$2\":\"*[a-z0-9_]*" | sed 's/.*:"*//'; }
wait_leader() {
  local eps=$1
  for _ in $(seq 100); do
    local l
    l=$(status_json ctl --cluster "$eps" | leader_of)
    [ -n "$l" ] && { echo "$l"; return; }
    sleep 0.1
  done
}

say "three nodes in their own network namespaces elect a leader"
leader=$(wait_leader "$all")
[ -n "$leader" ] && ok "leader: $leader" || { bad "no leader"; cat "$work"/n*.log | tail -20; exit 1; }
term=$(status_json ctl --cluster "$all" | field_of "$leader" term)
for i in 1 2 3 4 5; do ctl --cluster "$all" --timeout 5s mkdir -p "/before/$i" >/dev/null 2>&1 || bad "write before/$i"; done
head -c 300000 /dev/urandom >"$work/blob"
check "a file put with replication 3" ctl --cluster "$all" --timeout 10s put "$work/blob" /blob --replicas 3

say "a follower cut off (3 s, then writes, puts and gets) does not disturb the leader when it returns"
follower=$(for n in n1 n2 n3; do [ "$n" != "$leader" ] && echo "$n"; done | head -1)
majority=$(for n in n1 n2 n3; do [ "$n" != "$follower" ] && addr "$n"; done | paste -sd,)
isolate "$follower"
sleep 3
if ctl --cluster "$majority" --timeout 5s mkdir /while-follower-cut >/dev/null 2>"$work/err"; then
  ok "the majority takes writes while $follower is cut off"
else
  bad "write while $follower is cut off: $(cat "$work/err")"
fi
# The data path too: the cut node's connections hang (no reset), so the
# gateways must notice its silence and write and read around it.
t0=$(ms)
if ctl --cluster "$majority" --timeout 20s put "$work/blob" /blob-cut --replicas 3 >/dev/null 2>"$work/err"; then
  took=$(($(ms) - t0))
  [ "$took" -lt 10000 ] && ok "a put with replication 3 succeeds on the two reachable nodes ($took ms)" ||
    bad "the put took $took ms"
else
  bad "put while $follower is cut off: $(cat "$work/err")"
fi
if ctl --cluster "$majority" --timeout 20s get /blob "$work/blob.back" >/dev/null 2>"$work/err" &&
  cmp -s "$work/blob" "$work/blob.back"; then
  ok "a file with a copy on $follower reads back identical"
else
  bad "get while $follower is cut off: $(cat "$work/err")"
fi
# Readiness, asked inside each node's own namespace: the cut follower
# has no word from the leader, the leader still has its majority.
ready() { ip netns exec "$(ns "$1")" curl -s -o /dev/null -w '%{http_code}' "http://${net}.${1#n}:8100/readyz"; }
for _ in $(seq 30); do [ "$(ready "$follower")" = 503 ] && break; sleep 0.1; done
[ "$(ready "$follower")" = 503 ] && ok "/readyz of the cut follower says not ready" ||
  bad "/readyz of the cut follower answers $(ready "$follower")"
[ "$(ready "$leader")" = 200 ] && ok "/readyz of the leader says ready" ||
  bad "/readyz of the leader answers $(ready "$leader")"
rejoin "$follower"
# Until every member answers and they agree on a leader (a loaded machine
# may take a moment to deliver what queued up during the cut).
for _ in $(seq 50); do
  now=$(status_json ctl --cluster "$all")
  [ -n "$(echo "$now" | leader_of)" ] && [ "$(echo "$now" | grep -o '"role"' | wc -l)" -eq 3 ] && break
  sleep 0.1
done
[ "$(echo "$now" | leader_of)" = "$leader" ] && ok "$leader still leads" || bad "leader changed to $(echo "$now" | leader_of)"
[ "$(echo "$now" | field_of "$leader" term)" = "$term" ] && ok "term unchanged ($term): the returning follower did not force an election" ||
  bad "term went from $term to $(echo "$now" | field_of "$leader" term)"
for _ in $(seq 50); do [ "$(ready "$follower")" = 200 ] && break; sleep 0.1; done
[ "$(ready "$follower")" = 200 ] && ok "/readyz of the returned follower says ready again" ||
  bad "/readyz of the returned follower answers $(ready "$follower")"
ctl --cluster "$(addr "$follower")" --timeout 5s stat /while-follower-cut >/dev/null 2>&1 &&
  ok "$follower serves what was written while it was away" || bad "$follower cannot read /while-follower-cut"

say "the leader cut off: the majority elects a new one and goes on"
old=$leader
majority=$(for n in n1 n2 n3; do [ "$n" != "$old" ] && addr "$n"; done | paste -sd,)
isolate "$old"
cut_at=$(ms)
# A write sent to the isolated leader: it can never commit.
in_ns "$old" --cluster "$(addr "$old")" --timeout 2s mkdir /lost-in-minority >/dev/null 2>"$work/minority.err" &
minority_pid=$!
served=""
for _ in $(seq 100); do
  if ctl --cluster "$majority" --timeout 1s mkdir -p "/after-cut/$(ms)" >/dev/null 2>&1; then served=$(ms); break; fi
done
if [ -n "$served" ]; then
  took=$((served - cut_at))
  [ "$took" -lt 3000 ] && ok "the majority serves writes ${took} ms after the cut" || bad "majority took ${took} ms"
else
  bad "the majority never served a write"
fi
new=$(wait_leader "$majority")
[ -n "$new" ] && [ "$new" != "$old" ] && ok "new leader $new" || bad "majority leader: '$new'"
for i in 1 2 3 4 5; do ctl --cluster "$majority" --timeout 5s mkdir -p "/majority/$i" >/dev/null 2>&1 || bad "write majority/$i"; done
wait "$minority_pid" && bad "a write to the isolated leader was acknowledged" ||
  ok "a write to the isolated leader fails ($(head -c 120 "$work/minority.err"))"
sleep 1
role=$(status_json in_ns "$old" --cluster "$(addr "$old")" | field_of "$old" role)
[ "$role" != "leader" ] && ok "the isolated old leader stepped down (role: ${role:-?})" || bad "the isolated node still thinks it leads"

say "healed: the old leader follows and catches up; nothing acknowledged is lost"
rejoin "$old"
caught=""
for _ in $(seq 100); do
  now=$(status_json ctl --cluster "$all")
  c=$(echo "$now" | field_of "$new" commit_index)
  a=$(echo "$now" | field_of "$old" applied_index)
  if [ -n "$c" ] && [ -n "$a" ] && [ "$a" -ge "$c" ] && [ "$(echo "$now" | leader_of)" = "$new" ]; then caught=1; break; fi
  sleep 0.1
done
[ -n "$caught" ] && ok "$old follows $new and applied up to $c" || bad "$old did not catch up: $(echo "$now" | head -c 400)"
for p in /before/5 /while-follower-cut /majority/5; do
  ctl --cluster "$(addr "$old")" --timeout 5s stat "$p" >/dev/null 2>&1 && ok "$p readable through $old" || bad "$p missing through $old"
done
if ctl --cluster "$all" --timeout 5s stat /lost-in-minority >/dev/null 2>"$work/err"; then
  bad "the write sent to the isolated leader was applied"
else
  grep -q "not_found" "$work/err" && ok "the write sent to the isolated leader never took effect" || bad "stat /lost-in-minority: $(cat "$work/err")"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
