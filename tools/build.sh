#!/usr/bin/env bash
# Configures and builds dfs with CMake and ninja.
#   tools/build.sh           Release build in build/
#   tools/build.sh --asan    Debug build with AddressSanitizer+UBSan in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
args=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--asan" ]; then
  dir=build-asan
  args=(-DCMAKE_BUILD_TYPE=Debug -DDFS_ASAN=ON)
fi
cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
# CAF headers are heavy: one compile job per core, no more.
ninja -C "$dir" -j "$(nproc)"
