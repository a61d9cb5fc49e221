#!/usr/bin/env bash
# The data benchmark: put and get throughput of 4 KiB, 1 MiB and 64 MiB
# files with RF=1 and RF=3 on a 3-node local cluster, beside the physical
# reference measured in the same run on the same disk: the same bytes
# written RF times with write + fsync by a plain program (dfs-data-bench
# reference), with the same number of concurrent writers. Rounds
# alternate which goes first; the table shows medians over rounds. Raw
# results: one JSON line per run in $OUT (default ./data-bench.jsonl).
#
# Usage: tools/bench/data_bench.sh [--rounds R] [--sizes 4KiB,1MiB,64MiB]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=3
sizes=4KiB,1MiB,64MiB
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--sizes 4KiB,1MiB,64MiB]" >&2; exit 2 ;;
  esac
done
out=${OUT:-$PWD/data-bench.jsonl}
"$root/tools/setup.sh"
"$root/tools/build.sh"
bin=$root/build/tools
bench=$bin/dfs-data-bench
work=$(mktemp -d /tmp/dfs-data-bench-XXXXXX)
base=$((20000 + RANDOM % 10000))
cleanup() {
  "$bin/dfsctl" cluster down --dir "$work/dfs" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/dfsctl" cluster up --dir "$work/dfs" --base-port "$base" >/dev/null
# The nodes fault in their caches' memory in the background after start
# (cache_prefault, about 1.7 s for three): the first round waits for it,
# not to measure gets against that.
for _ in $(seq 1 300); do
  ready=0
  for log in "$work"/dfs/*/dfsd.log; do
    grep -q "cache memory faulted in" "$log" && ready=$((ready + 1))
  done
  [ "$ready" -ge 3 ] && break
  sleep 0.1
done
eps="127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
mkdir -p "$work/ref"
: >"$out.tmp"
# size files clients: 4 KiB puts are about files per second, the others
# about bytes per second.
cases=()
for c in "4KiB 2000 32" "1MiB 600 8" "64MiB 4 1"; do
  case ",$sizes," in *",${c%% *},"*) cases+=("$c") ;; esac
done
if [ ${#cases[@]} -eq 0 ]; then
  echo "--sizes: give one or more of 4KiB, 1MiB, 64MiB" >&2
  exit 2
fi
for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    read -r size files clients <<<"$c"
    for rf in 1 3; do
      prefix="/r$round-$size-$rf"
      run_dfs() {
        "$bench" put --cluster "$eps" --size "$size" --files "$files" --clients "$clients" \
          --replicas "$rf" --prefix "$prefix" | tee -a "$out.tmp"
      }
      run_ref() {
        "$bench" reference --size "$size" --files "$files" --clients "$clients" --copies "$rf" \
          --dir "$work/ref" | tee -a "$out.tmp"
      }
      if [ $((round % 2)) -eq 1 ]; then run_dfs; run_ref; else run_ref; run_dfs; fi
      # Gets of what was just put (no cache in front of the replicas yet:
      # every chunk is read from a replica's disk and verified).
      "$bench" get --cluster "$eps" --size "$size" --files "$files" --clients "$clients" \
        --replicas "$rf" --prefix "$prefix" | tee -a "$out.tmp"
      "$bin/dfsctl" --dir "$work/dfs" rm -r "$prefix" >/dev/null
    done
  done
done
cat "$out.tmp" >>"$out"
echo
echo "medians of $rounds rounds (MiB/s of file data, one copy; files/s for 4 KiB):"
printf "%-6s %-3s %12s %12s %8s %12s\n" size rf "dfs put" reference ratio "dfs get"
for c in "${cases[@]}"; do
  read -r size files clients <<<"$c"
  bytes=$(numfmt --from=iec-i "${size%B}")
  for rf in 1 3; do
    field=mib_per_s
    [ "$size" = 4KiB ] && field=files_per_s
    med() {  # med OP KEY VALUE: median of $field over matching lines
      grep "\"op\":\"$1\"" "$out.tmp" | grep "\"size\":$bytes," | grep "\"$2\":$3," |
        sed "s/.*\"$field\":\([0-9.]*\).*/\1/" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
    }
    put=$(med put replicas "$rf"); ref=$(med reference copies "$rf"); get=$(med get replicas "$rf")
    printf "%-6s %-3s %12s %12s %7.2fx %12s\n" "$size" "$rf" "$put" "$ref" \
      "$(echo "$put $ref" | awk '{print ($2 > 0 ? $1 / $2 : 0)}')" "$get"
  done
done
rm -f "$out.tmp"
