#!/usr/bin/env bash
# A randomized fault test on a 4-node cluster (replication 3), bounded in
# time and seeded (the seed is printed; pass it back to replay the same
# choices): puts, overwrites, gets and deletes interleaved with kill -9 of
# any node (the Raft leader too), restarts, and corruption or loss of
# chunk files. At the end, with every node back and fsck healthy, every
# acknowledged write must read back identical and every acknowledged delete
# must be gone; an operation that failed may or may not have taken effect.
# Usage: chaos.sh BIN_DIR [release|asan] [SEED] [OPS]
set -u
bin=$(cd "${1:?usage: chaos.sh BIN_DIR [release|asan] [SEED] [OPS]}" && pwd)
dfsctl="$bin/dfsctl"
seed=${3:-$(( $(date +%s) % 100000 ))}
ops=${4:-300}
work=$(mktemp -d /tmp/dfs-chaos-XXXXXX)
port=$((20000 + RANDOM % 10000))
cleanup() {
  (cd "$work" && "$dfsctl" cluster down >/dev/null 2>&1)
  if [ -n "${DFS_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
source "$(dirname "$0")/lib.sh"
echo "chaos: seed $seed, $ops operations (replay: chaos.sh BIN_DIR release $seed $ops)"
RANDOM=$seed

ctl() { "$dfsctl" --timeout 8s "$@"; }
# running, and not a zombie (a killed daemon may wait for a reaper here)
alive() { ps -o stat= -p "$(pid_of "$1")" 2>/dev/null | grep -qv Z; }
nodes=(n1 n2 n3 n4)

cd "$work"
say "a 4-node cluster with replication 3"
check "cluster up" ctl cluster up --nodes 4 --base-port "$port" --set chunk_size=64KiB \
  --set dead_after=3s --set repair_interval=500ms --set gc_grace=20s --set scrub_rate=64MiB
mkdir -p versions
# The model: for each path, the contents it may have now, as version
# files ("absent" for none). An acknowledged operation leaves one; a
# failed one adds its outcome to the possibilities.
declare -A may
paths=(/a /b /c /d/e /d/f /g /h /i)
ctl mkdir /d >/dev/null
for p in "${paths[@]}"; do may[$p]=absent; done
version=0
acked_puts=0; failed_puts=0; acked_dels=0; failed_dels=0; gets=0; get_errors=0; wrong=0
kills=0; restarts=0; damaged=0

matches() {  # matches PATH FILE-OR-absent: is that one of the allowed outcomes?
  local v
  for v in ${may[$1]}; do
    if [ "$v" = absent ]; then [ "$2" = absent ] && return 0
    elif [ "$2" != absent ] && cmp -s "versions/$v" "$2"; then return 0; fi
  done
  return 1
}

say "running"
for step in $(seq 1 "$ops"); do
  p=${paths[$((RANDOM % ${#paths[@]}))]}
  r=$((RANDOM % 100))
  if [ $r -lt 40 ]; then
    version=$((version + 1))
    head -c $((RANDOM * 23 % 300000 + 1)) /dev/urandom >"versions/$version"
    if ctl put "versions/$version" "$p" >/dev/null 2>&1; then
      may[$p]=$version; acked_puts=$((acked_puts + 1))
    else
      may[$p]="${may[$p]} $version"; failed_puts=$((failed_puts + 1)); echo "step $step: put $p failed" >&2
    fi
  elif [ $r -lt 70 ]; then
    gets=$((gets + 1))
    if ctl get "$p" got >/dev/null 2>"get.err"; then
      matches "$p" got || { wrong=$((wrong + 1)); echo "step $step: $p read back content it may not have" >&2; }
    elif grep -q not_found get.err; then
      matches "$p" absent || { wrong=$((wrong + 1)); echo "step $step: $p is missing" >&2; }
    else
      get_errors=$((get_errors + 1)); echo "step $step: get $p: $(head -c 160 get.err)" >&2
    fi
  elif [ $r -lt 82 ]; then
    if ctl rm "$p" >/dev/null 2>&1; then
      may[$p]=absent; acked_dels=$((acked_dels + 1))
    else
      # not_found is a success of sorts, any other failure is ambiguous
      may[$p]="${may[$p]} absent"; failed_dels=$((failed_dels + 1))
    fi
  elif [ $r -lt 90 ]; then
    # kill -9 one node, only while all are up (a quorum of 4 survives one)
    up=0; for n in "${nodes[@]}"; do alive "$n" && up=$((up + 1)); done
    if [ $up -eq 4 ]; then
      n=${nodes[$((RANDOM % 4))]}
      kill -9 "$(pid_of "$n")"; kills=$((kills + 1))
      echo "step $step: killed $n"
    fi
  elif [ $r -lt 95 ]; then
    ctl cluster up >/dev/null 2>&1 && restarts=$((restarts + 1))
  else
    # damage one chunk file or pack on a live node: flip bytes, or delete
    # a chunk file (a pack holds many nodes' worth of chunks' copies)
    n=${nodes[$((RANDOM % 4))]}
    f=$(find "var/$n/data/chunks" \( -name '*.chunk' -o -name '*.pack' \) 2>/dev/null | sort |
      head -n $((RANDOM % 50 + 1)) | tail -1)
    if [ -n "$f" ] && alive "$n"; then
      if [ $((RANDOM % 2)) -eq 0 ] || [ "${f%.pack}" != "$f" ]; then
        printf '\xde\xad' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") / 2 )) conv=notrunc status=none
      else
        rm -f "$f"
      fi
      damaged=$((damaged + 1))
    fi
  fi
done
echo "puts: $acked_puts acked, $failed_puts failed; deletes: $acked_dels acked, $failed_dels failed;" \
  "gets: $gets ($get_errors errors); kills: $kills; restarts: $restarts; chunk files and packs damaged: $damaged"
[ "$wrong" -eq 0 ] && ok "no read returned data it should not have" || bad "$wrong reads were wrong"

say "every node back; the cluster heals"
check "cluster up" ctl cluster up
t0=$(date +%s)
until ctl fsck >/dev/null 2>&1 || [ $(($(date +%s) - t0)) -ge 120 ]; do sleep 1; done
if ctl fsck >"$work/fsck.out" 2>&1; then ok "fsck healthy $(($(date +%s) - t0)) s after the restart"; else bad "fsck not healthy: $(tr '\n' ' ' <"$work/fsck.out")"; fi

say "every acknowledged write reads back, every acknowledged delete is gone"
for p in "${paths[@]}"; do
  if ctl get "$p" got >/dev/null 2>get.err; then
    matches "$p" got && ok "$p: an allowed content" || bad "$p: content it may not have (allowed: ${may[$p]})"
  elif grep -q not_found get.err; then
    matches "$p" absent && ok "$p: absent, as allowed" || bad "$p: missing (allowed: ${may[$p]})"
  else
    bad "$p: get failed: $(head -c 200 get.err)"
  fi
done
echo "passed=$passed failed=$failed (seed $seed)"
[ "$failed" -eq 0 ]
