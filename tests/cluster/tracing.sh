#!/usr/bin/env bash
# Tracing: `dfsctl -v` prints the trace id its requests carried, and every
# node's log (log_level = debug) names it at each step: a put through a
# follower's gateway is forwarded to the Raft leader, committed there and
# stored along a chain of three replicas; a get asks the chunk's cache
# shard and reads a replica on a miss. So `grep trace=ID` over the nodes' logs follows one request
# across the cluster.
# Usage: tracing.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: tracing.sh BIN_DIR [release|asan]}" && pwd)
dfsctl="$bin/dfsctl"
source "$(dirname "$0")/lib.sh"
scratch_cluster tracing
cluster=""
ctl() { "$dfsctl" --timeout 20s ${cluster:+--cluster "$cluster"} "$@"; }
cd "$work"
say "3 nodes logging at debug level, replication 3"
check "cluster up" ctl cluster up --base-port "$port" --set log_level=debug
l=$(leader)
follower=n1
[ "$l" = n1 ] && follower=n2
cluster=$(endpoint_of "$follower")  # enter through a follower's gateway
head -c 200000 /dev/urandom >blob

say "a put through $follower, the leader being $l"
ctl -v put blob /traced >/dev/null 2>put.err
trace=$(grep -o 'trace=[0-9]*' put.err | head -1)
check "dfsctl -v names the trace ($trace)" test -n "$trace"
sleep 0.5  # the logs are flushed as they are written; a moment for the last lines
logs=var/*/dfsd.log
check "$follower's gateway logs the request" grep -q "$trace op=put" "var/$follower/dfsd.log"
check "$follower forwarded the proposal to $l" grep -q "$trace proposal forwarded to leader $l" "var/$follower/dfsd.log"
check "$l proposed and committed it" bash -c "grep -q '$trace proposed index=' var/$l/dfsd.log && grep -q '$trace committed' var/$l/dfsd.log"
stored=$(grep -l "$trace stored chunk=" $logs | wc -l)
check "three nodes stored its chunk ($stored)" test "$stored" = 3
check "the gateway logged the chain" grep -q "$trace chunk=.* written along" "var/$follower/dfsd.log"

say "a get"
ctl -v get /traced back >/dev/null 2>get.err
trace=$(grep -o 'trace=[0-9]*' get.err | head -1)
check "dfsctl -v names the get's trace ($trace)" test -n "$trace"
check "it reads back identical" cmp -s blob back
sleep 0.5
# A file of one chunk is one get (record and bytes); a larger one a get,
# then a read per chunk.
check "the gateway logs the get" bash -c "grep -q '$trace op=get' var/$follower/dfsd.log"
check "the chunk came from the cache or a replica, and the log says which" \
  bash -c "grep -hE '$trace (chunk=.* cache (hit|miss)|chunk=.* read from|read chunk=)' $logs | grep -q ."
check "the cache shard that owns the chunk logged the lookup" \
  bash -c "grep -hE '$trace chunk=.* (hit|missed) in shard' $logs | grep -q ."
nodes=$(grep -l "$trace" $logs | wc -l)
check "the get's trace is in $nodes node logs (at least 1)" test "$nodes" -ge 1

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
