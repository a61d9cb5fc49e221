#!/usr/bin/env bash
# Benchmark: put and get of one large file through a local one-node cluster,
# beside a baseline on the same machine and disk (dd with fsync, which is
# what a put must at least do). Reports medians of RUNS runs and the node's
# peak resident memory above idle.
#   tests/bench/transfer.sh [BIN_DIR] [SIZE_MIB] [RUNS]
set -euo pipefail
bin=$(cd "${1:-build/tools}" && pwd)
size_mib=${2:-100}
runs=${3:-5}
work=$(mktemp -d /tmp/dfs-bench-XXXXXX)
port=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768+): no clash with outgoing sockets
trap '(cd "$work" && "$bin/dfsctl" cluster down >/dev/null 2>&1); rm -rf "$work"' EXIT
cd "$work"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'; }
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }

echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(uname -r)"
echo "file: ${size_mib} MiB of random bytes, ${runs} runs each, medians"
head -c $((size_mib * 1048576)) /dev/urandom >file
"$bin/dfsctl" cluster up --base-port "$port" >/dev/null
pid=$(awk '!/^#/ {print $4; exit}' var/cluster.txt)
idle=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status")

: >dd.s; : >put.s; : >get.s
for i in $(seq "$runs"); do
  seconds dd if=file of=copy bs=4M conv=fsync status=none >>dd.s
  seconds "$bin/dfsctl" put file /bench >>put.s
  seconds "$bin/dfsctl" get /bench back >>get.s
  cmp -s file back || { echo "get returned different bytes" >&2; exit 1; }
done
peak=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status")

dd_s=$(median <dd.s); put_s=$(median <put.s); get_s=$(median <get.s)
rate() { calc "$size_mib / $1"; }
printf '%-28s %8s s %8s MiB/s\n' "baseline dd conv=fsync" "$dd_s" "$(rate "$dd_s")"
printf '%-28s %8s s %8s MiB/s  (%.2fx baseline time)\n' "dfsctl put" "$put_s" "$(rate "$put_s")" "$(calc "$put_s / $dd_s")"
printf '%-28s %8s s %8s MiB/s  (%.2fx baseline time)\n' "dfsctl get" "$get_s" "$(rate "$get_s")" "$(calc "$get_s / $dd_s")"
echo "dfsd resident memory: idle $((idle / 1024)) MiB, peak $((peak / 1024)) MiB, +$(((peak - idle) / 1024)) MiB"
