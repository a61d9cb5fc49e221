# Helpers shared by the cluster test scripts (sourced, not run). Each
# script sets `work` (its scratch directory) before using `check`.
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
# ms: milliseconds since the epoch.
ms() { echo $(($(date +%s%N) / 1000000)); }
