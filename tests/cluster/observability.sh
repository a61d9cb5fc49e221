#!/usr/bin/env bash
# Observability on real processes: a real Prometheus server (Debian's
# `prometheus`) scrapes a 3-node cluster with configs/prometheus.yml
# (targets rewritten to this cluster's ports) while `dfsctl bench` drives
# load. Through Prometheus's HTTP API: every node is up and exports its
# key series, and the counters move. promtool validates configs/alerts.yml
# and runs its unit tests; every metric the Grafana dashboard and the
# alert rules query exists on a live node; a killed node shows up as a
# pending (or firing) DfsNodeUnreachable alert.
# Usage: observability.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: observability.sh BIN_DIR [release|asan]}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
dfsctl="$bin/dfsctl"
pport=$((30000 + RANDOM % 5000))
prom_pid=""
before_cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
}
source "$(dirname "$0")/lib.sh"
scratch_cluster observability
ctl() { "$dfsctl" --timeout 20s "$@"; }
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  echo "FAIL prometheus and promtool are not installed (tools/setup.sh installs them)"
  exit 1
fi

cd "$work"
say "promtool: the alert rules and their unit tests"
check "promtool check rules configs/alerts.yml" promtool check rules "$root/configs/alerts.yml"
check "promtool test rules tests/prometheus/alerts_test.yml" \
  promtool test rules "$root/tests/prometheus/alerts_test.yml"

say "a 3-node cluster scraped by Prometheus"
check "cluster up" ctl cluster up --base-port "$port"
targets=$(awk '!/^#/ {printf "%s\"%s\"", (n++ ? ", " : ""), $3}' var/cluster.txt)
mkdir -p prom
sed "s|targets: \[.*\]|targets: [$targets]|" "$root/configs/prometheus.yml" >prom/prometheus.yml
cp "$root/configs/alerts.yml" prom/alerts.yml
check "promtool check config (this cluster's targets)" promtool check config prom/prometheus.yml
prometheus --config.file=prom/prometheus.yml --storage.tsdb.path=prom/data \
  --web.listen-address="127.0.0.1:$pport" >prom/log 2>&1 &
prom_pid=$!
api="http://127.0.0.1:$pport/api/v1"
# query EXPR: the number of series in its result.
query() { curl -s --get "$api/query" --data-urlencode "query=$1" | jq '.data.result | length'; }
value() { curl -s --get "$api/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'; }
for _ in $(seq 60); do [ "$(value 'sum(up{job="dfs"})')" = 3 ] && break; sleep 0.5; done
check "Prometheus scrapes all 3 nodes" test "$(value 'sum(up{job="dfs"})')" = 3

say "load for 15 s, then every node's key series present and moving"
ctl bench --duration 15s --concurrency 8 --files 200 --read-ratio 0.8 >bench.out 2>&1 ||
  bad "bench: $(tail -3 bench.out)"
sleep 6  # a last scrape after the load
for m in dfs_raft_term dfs_raft_role dfs_raft_commit_index dfs_gateway_requests_total \
  dfs_gateway_request_duration_seconds_bucket dfs_node_cpu_share dfs_node_memory_bytes \
  dfs_node_disk_free_bytes dfs_health_peer_phi dfs_health_peer_state dfs_cache_hits_total \
  dfs_chunks_under_replicated dfs_balancer_routed_total dfs_actor_mailbox_messages \
  dfs_node_open_files; do
  n=$(query "count by (node) ($m)")
  [ "$n" = 3 ] && ok "$m from every node" || bad "$m from $n of 3 nodes"
done
moving() {
  local n
  n=$(query "sum by (node) (increase($1[1m])) > 0")
  [ "$n" = 3 ] && ok "$1 grows on every node" || bad "$1 grows on $n of 3 nodes"
}
moving dfs_gateway_requests_total
moving dfs_health_heartbeats_received_total
moving dfs_balancer_routed_total
check "Raft commit index moved" test "$(query 'increase(dfs_raft_commit_index[1m]) > 0')" -ge 1

say "every metric the dashboard and the alert rules query exists on a live node"
for ep in $(awk '!/^#/ {print $3}' var/cluster.txt); do curl -s "http://$ep/metrics"; done >live.txt
names() { grep -oE 'dfs_[a-z_]+' "$1" | sed -E 's/_(bucket|sum|count)$//' | sort -u; }
missing=""
for m in $(names "$root/configs/grafana/dashboards/dfs.json") $(names "$root/configs/alerts.yml"); do
  grep -q "^# TYPE $m " live.txt || missing="$missing $m"
done
check "no metric name is missing (${missing:-none})" test -z "$missing"
check "the dashboard is valid JSON with panels" \
  test "$(jq '[.panels[] | select(.type != "row")] | length' "$root/configs/grafana/dashboards/dfs.json")" -gt 10

say "a node killed: its alert goes pending"
kill -9 "$(pid_of n3)"
for _ in $(seq 40); do
  state=$(curl -s "$api/alerts" | jq -r '[.data.alerts[] | select(.labels.alertname == "DfsNodeUnreachable")] | .[0].state // empty')
  [ -n "$state" ] && break
  sleep 1
done
check "DfsNodeUnreachable is ${state:-absent}" test -n "$state"

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
