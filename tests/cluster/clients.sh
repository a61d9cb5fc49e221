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
  "$dfsctl --cluster $all ls /examples/blocking; a=\$?; $dfsctl --cluster $all ls /examples/actor; test \$a\$? = 33"

say "dfs-shell, scripted"
shell() { "$bin/dfs-shell" --timeout 20s --cluster "$all" "$@"; }
echo "hello from the shell" >hello.txt
check "file commands with a working directory (-c)" bash -c "$(declare -f shell); bin=$bin all=$all
  shell -c 'mkdir -p /sh/docs; cd /sh/docs; put hello.txt; put hello.txt copy.txt -r 1; cd ..; pwd; ls docs; cat docs/hello.txt; mv docs/copy.txt moved.txt; stat moved.txt' >sh.out"
check "  pwd, ls, cat, mv and stat say what they should" bash -c "
  grep -qx /sh sh.out && grep -qx hello.txt sh.out && grep -qx copy.txt sh.out &&
  grep -qx 'hello from the shell' sh.out && grep -q '^path: *\/sh\/moved.txt' sh.out &&
  grep -q '^replication: 1' sh.out"
check "  get writes the local file" bash -c "$(declare -f shell); bin=$bin all=$all
  shell -c 'cd /sh/docs; get hello.txt back.txt' && cmp hello.txt back.txt"
check "commands from a pipe; the first failure stops them with its exit code (3)" bash -c "
  $(declare -f shell); bin=$bin all=$all
  printf 'ls /sh\\ncat /sh/none\\nmkdir /sh/never\\n' | shell >pipe.out 2>pipe.err; rc=\$?
  test \$rc = 3 && grep -q 'not_found' pipe.err && ! shell -c 'stat /sh/never' 2>/dev/null"
check "bad input: unknown command, unterminated quote, usage (exit 2)" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'bogus'; a=\$?; shell -c \"cat 'open\"; b=\$?; shell -c 'mv /a'; c=\$?
  test \$a\$b\$c = 222"
check "cd .. at the root stays there; cd into a file is refused" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'cd ..; pwd' | grep -qx / && ! shell -c 'cd /sh/moved.txt' 2>/dev/null"
# status exits 5 while any node is judged suspect or down; the examples'
# load may have left a verdict that has not recovered yet. Wait for a
# healthy table (it must come), then ask the shell.
check "every node judged active before the cluster commands" bash -c "
  for _ in \$(seq 60); do $dfsctl --cluster $all cluster status >st.out 2>&1 && exit 0; sleep 0.25; done
  cat st.out >&2; exit 1"
check "cluster commands: raft, nodes, status, fsck, cache" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'raft; nodes; status; fsck; cache' >cl.out || { rc=\$?; grep -E 'suspect|down|unreach' cl.out >&2; exit \$rc; }
  grep -q '^leader' cl.out && grep -q hybrid cl.out"

say "dfs-shell, actors"
check "actors lists a node's actors with kind and mailbox size" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'actors n2' >act.out && grep -Eq '^gateway +gateway +[0-9]+ +[0-9]+$' act.out &&
  grep -Eq '^raft +raft ' act.out && grep -Eq '^replica +replica ' act.out &&
  grep -Eq '^cache-0 +cache ' act.out && grep -Eq '^health +health ' act.out"
check "ask any actor a typed message: n3's replica manager, n2's cache shard" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'ask n3/replica status; ask n2/cache-1 status' >ask.out &&
  grep -q '^replica_stats(' ask.out && grep -q '^cache_shard_stats(node_id(\"n2\"), 1' ask.out"
check "ask the gateway for a file's record (rendered as JSON)" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'ask gateway stat /sh/moved.txt' | jq -e '.size == 21 and .replication == 1'"
check "an error reply is an error: ask stat of a missing file (exit 3)" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'ask n1/gateway stat /sh/none' 2>ask.err; test \$? = 3 && grep -q not_found ask.err"
check "send (no waiting): fault injection on n3's replica, then off again" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'send n3/replica slow 5; send n3/replica slow 0' | grep -c '^sent slow' | grep -qx 2 &&
  sleep 0.5 && grep -q 'now waits 5 ms' var/n3/dfsd.log && grep -q 'now waits 0 ms' var/n3/dfsd.log"
check "what cannot be typed or does not fit is refused" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'ask gateway put /x 1 bytes' 2>e1; a=\$?
  shell -c 'ask gateway stat' 2>e2; b=\$?
  shell -c 'ask n9/gateway status' 2>e3; c=\$?
  shell -c 'ask gateway frobnicate' 2>e4; d=\$?
  test \$a\$b\$c\$d = 2232 && grep -q 'cannot be typed in' e1 && grep -q 'stat(path: string)' e2"
check "help MESSAGE shows its forms and fields" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'help stat' >help.out && grep -q '^gateway: stat(path: string) -> file_info' help.out &&
  grep -q '^raft: stat' help.out && grep -q 'request_context' help.out"
check "messages KIND lists an actor kind's interface" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'messages replica' | grep -q 'fetch(chunk: chunk_id) -> bytes'"
check "metric reads a node's Prometheus series" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'metric dfs_raft_term n3' | grep -Eq '^dfs_raft_term\\{node=\"n3\"\\} [0-9]+'"
check "watch repeats a command" bash -c "
  $(declare -f shell); bin=$bin all=$all
  shell -c 'watch -i 0.2 -n 3 ask n1/raft status' >watch.out &&
  test \$(grep -c '^--- every' watch.out) = 3 && test \$(grep -c '^raft_status(' watch.out) = 3"

say "dfs-shell, interactive (a pseudo-terminal)"
# Keys typed with pauses, as a person would; Tab completes. The watch
# ends on its own after 40 rounds (8 s) should the Ctrl-C be missed; the
# check below then fails instead of the test hanging.
type_keys() {
  sleep 1.5; printf 'cd /sh/do\t'; sleep 1; printf '\n'; sleep 0.5
  printf 'cat hel\t'; sleep 1; printf '\n'; sleep 0.5
  printf 'ask n2/heal\t'; sleep 1; printf 'sta\t'; sleep 1; printf '\n'; sleep 2
  printf 'watch -i 0.2 -n 40 pwd\n'; sleep 1.5; printf '\003'; sleep 0.5
  printf 'half a line'; sleep 0.3; printf '\003'; sleep 0.5
  printf 'pwd\n'; sleep 0.5; printf 'exit\n'; sleep 0.5
}
export DFS_SHELL_HISTORY="$work/history"
type_keys | script -qfc "$bin/dfs-shell --cluster $all" /dev/null >tty.out 2>&1
tr -d '\r' <tty.out | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\x07//g' >tty.txt
check "Tab completed a directory and the working directory changed" grep -q '^dfs:/sh/docs> ' tty.txt
check "Tab completed a file name; cat printed it" grep -qx 'hello from the shell' tty.txt
check "Tab completed an actor and a message; the reply was printed" grep -q 'health_report(' tty.txt
check "Ctrl-C stopped watch, not the shell" bash -c "grep -q 'watch: stopped' tty.txt && ! grep -q 'round 40)' tty.txt"
check "Ctrl-C at the prompt drops the line, not the shell" grep -q '^dfs:/sh/docs> exit' tty.txt
# libedit's history file writes a blank as \040.
check "the history was saved for the next session" grep -q 'ask.040n2/health.040status' "$work/history"

say "dfsctl bench through one node's address"
check "bench: 6 users, one endpoint given" \
  ctl --cluster "127.0.0.1:$((port + 1))" --json bench --requests 300 --concurrency 6 --files 30 --prefix /one
tail -n 1 "$work/out" >one.json
check "  it drives all three nodes" jq -e '(.endpoints | length) == 3 and .total.errors == {}' one.json
check "  --given-only drives that one alone" bash -c "'$dfsctl' --cluster 127.0.0.1:$((port + 1)) --json \
  bench --given-only --requests 100 --concurrency 2 --files 30 --prefix /one | tail -n 1 | jq -e '(.endpoints | length) == 1'"

say "dfsctl bench: mixed sizes, think time"
check "bench: 8 users thinking 20 ms, sizes 1KiB..256KiB, pareto" \
  ctl --cluster "$all" bench --requests 600 --concurrency 8 --think 20ms --files 60 \
  --size 1KiB..256KiB --dist pareto --read-ratio 0.8 --json
cp "$work/out" bench.json
check "  no errors; every request counted" jq -e '.total.errors == {} and .total.requests == 600' bench.json
check "  think time holds users back (under 8 / 20 ms = 400 req/s)" jq -e '.total.throughput < 400' bench.json
check "  gets and puts have latencies of their own" jq -e '
  .total.reads > 0 and .total.writes > 0 and .total.read_latency_ms.p50 > 0 and
  .total.write_latency_ms.p50 > 0 and .total.read_latency_ms.max <= .total.latency_ms.max and
  .total.write_latency_ms.max <= .total.latency_ms.max' bench.json
check "  the files have their sizes (several between 1 KiB and 256 KiB)" bash -c "
  $dfsctl --cluster $all ls --json /bench | jq -e '[.[].size] | (min >= 1024) and (max <= 262144) and (unique | length > 10)'"

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
