#!/usr/bin/env bash
# The built-in web dashboard end to end: a 3-node cluster under light
# load, n1's dashboard (http://METRICS/dashboard) opened in headless
# Chromium (Debian's chromium, driven by playwright-core from npm with the
# system browser): the node table and the charts show live values; n3 is
# killed and turns "down" on the page. The screenshot is kept as a test
# artifact in $DFS_ARTIFACTS (default: BIN_DIR/../test-artifacts).
# Usage: dashboard.sh BIN_DIR [release|asan]
set -u
bin=$(cd "${1:?usage: dashboard.sh BIN_DIR [release|asan]}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
dfsctl="$bin/dfsctl"
artifacts=${DFS_ARTIFACTS:-$bin/../test-artifacts}
web=${DFS_WEB_DEPS:-$bin/../web-test}
load_pid=""
before_cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
}
source "$(dirname "$0")/lib.sh"
scratch_cluster dashboard
ctl() { "$dfsctl" --timeout 20s "$@"; }
for tool in node npm chromium; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (tools/setup.sh installs it)"; exit 1; }
done

say "playwright-core from npm (the browser is Debian's chromium)"
mkdir -p "$web" "$artifacts"
cp "$root/tests/web/dashboard_check.mjs" "$web/"
# playwright-core 1.64 needs Node.js 20; Debian bookworm's is 18, for
# which 1.57 is the choice. Either drives Debian's Chromium.
pw=1.64.1
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || pw=1.57.0
if [ "$(cat "$web/node_modules/playwright-core/package.json" 2>/dev/null | jq -r .version)" != "$pw" ]; then
  [ -f "$web/package.json" ] || echo '{"name": "dfs-dashboard-test", "private": true}' >"$web/package.json"
  check "npm install playwright-core@$pw" \
    npm install --prefix "$web" --no-audit --no-fund --loglevel=error "playwright-core@$pw"
fi

cd "$work"
say "a 3-node cluster under light load"
check "cluster up" ctl cluster up --base-port "$port"
ctl bench --duration 90s --concurrency 4 --files 100 --read-ratio 0.9 >load.out 2>&1 &
load_pid=$!
metrics=$(awk '$1 == "n1" {print $3}' var/cluster.txt)
check "the page is served" curl -sf "http://$metrics/dashboard" -o page.html
check "the page needs nothing from the network" bash -c '! grep -Eq "(src|href)=\"(https?:)?//" page.html'
for _ in $(seq 40); do  # the first rounds run before every peer is connected
  curl -sf "http://$metrics/api/dashboard" | jq -e '.nodes | length == 3' >/dev/null 2>&1 && break
  sleep 0.25
done
check "its data is served as JSON, with every node" \
  bash -c "curl -sf http://$metrics/api/dashboard | jq -e '.nodes | length == 3'"

say "Chromium: live values, then n3 killed"
node "$web/dashboard_check.mjs" "http://$metrics/dashboard" 3 n3 "$artifacts/dashboard.png" >browser.out 2>&1 &
browser_pid=$!
for _ in $(seq 120); do
  grep -q '^READY' browser.out && break
  kill -0 "$browser_pid" 2>/dev/null || break
  sleep 0.5
done
grep -q '^READY' browser.out && kill -9 "$(pid_of n3)"
wait "$browser_pid"
rc=$?
grep -E '^(ok|FAIL)' browser.out
passed=$((passed + $(grep -c '^ok' browser.out)))
failed=$((failed + $(grep -c '^FAIL' browser.out)))
[ "$rc" = 0 ] || { bad "the browser check exited $rc"; tail -5 browser.out; }

echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
