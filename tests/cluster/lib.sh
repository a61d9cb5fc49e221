# Helpers shared by the cluster test scripts (sourced, not run). Each
# script sets `work` (its scratch directory, the cluster in $work/var;
# scratch_cluster does that) and defines `ctl` (its dfsctl invocation)
# before using them.
passed=0
failed=0
start=$(date +%s)
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
# say TITLE: a section heading with the seconds since the start.
say() { echo "[$(($(date +%s) - start))s] == $1"; }
# check NAME CMD...: CMD must succeed (its output lands in $work/out, $work/err).
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then ok "$name"; else bad "$name (exit $?): $(head -c 300 "$work/err")"; fi
}
# timed LIMIT NAME CMD...: CMD must succeed within LIMIT seconds, times
# $scale (a script sets it, 3 under the sanitizers; 1 when unset).
timed() {
  local limit=$(($1 * ${scale:-1})) name=$2 t0 took
  shift 2
  t0=$(ms)
  if "$@" >"$work/out" 2>"$work/err"; then
    took=$(($(ms) - t0))
    if [ "$took" -le $((limit * 1000)) ]; then ok "$name ($took ms)"; else bad "$name took $took ms (limit ${limit} s)"; fi
  else
    bad "$name (exit $?): $(head -c 300 "$work/err")"
  fi
}
# bench_clean WHAT ARGS...: `ctl bench --json ARGS...` must finish with
# requests done and no error of any kind; WHAT ends the check's name.
bench_clean() {
  local what=$1 errors done_
  shift
  if ctl bench --json "$@" >"$work/bench.json" 2>"$work/err"; then
    errors=$(tail -1 "$work/bench.json" | jq '[.total.errors[]] | add // 0')
    done_=$(tail -1 "$work/bench.json" | jq '.total.requests')
    [ "$errors" = 0 ] && [ "$done_" -gt 0 ] && ok "bench: $done_ requests, no errors, $what" ||
      bad "bench: $done_ requests, $errors errors, $what"
  else
    bad "bench failed (exit $?): $(head -c 300 "$work/err")"
  fi
}
# ms: milliseconds since the epoch.
ms() { echo $(($(date +%s%N) / 1000000)); }
# pid_of NODE: its dfsd process, from the local cluster's table.
pid_of() { awk -v id="$1" '$1 == id {print $4}' "$work/var/cluster.txt"; }
# wait_healthy SECONDS: until fsck exits 0, or fail; prints the seconds taken.
wait_healthy() {
  local t0 limit=$1
  t0=$(date +%s)
  while ! ctl fsck >/dev/null 2>&1; do
    if [ $(($(date +%s) - t0)) -ge "$limit" ]; then
      ctl fsck >&2
      return 1
    fi
    sleep 0.5
  done
  echo "healthy after $(($(date +%s) - t0)) s"
}
# endpoint_of NODE: its HOST:PORT, from the local cluster's table.
endpoint_of() { awk -v id="$1" '$1 == id {print $2}' "$work/var/cluster.txt"; }
# leader: the Raft leader's id, as `raft status` reports it (empty: none).
leader() { ctl raft status --json 2>/dev/null | jq -r '.leader // empty'; }
# verify_all: every file of $work/src reads back from /data identical.
verify_all() {
  local f
  for f in "$work"/src/*; do
    ctl get "/data/$(basename "$f")" "$work/back" >/dev/null 2>&1 || { echo "get $(basename "$f") failed" >&2; return 1; }
    cmp -s "$f" "$work/back" || { echo "$(basename "$f") differs" >&2; return 1; }
  done
}
# scratch_cluster NAME: sets $work (a fresh scratch directory) and $port
# (a random base port) for a local cluster that is stopped and removed on
# exit, after the script's own `before_cleanup` if it defines one. Needs
# $dfsctl.
scratch_cluster() {
  work=$(mktemp -d "/tmp/dfs-$1-XXXXXX")
  port=$((20000 + RANDOM % 10000))
  trap scratch_cleanup EXIT
  trap 'exit 130' INT TERM
}
scratch_cleanup() {
  if declare -F before_cleanup >/dev/null; then before_cleanup; fi
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  rm -rf "$work"
}
