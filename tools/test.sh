#!/usr/bin/env bash
# Sets up a fresh machine, builds dfs and runs the default test suite:
# unit tests of the pure cores, in-process actor tests, and the end-to-end
# test with real dfsd processes driven through dfsctl.
#   tools/test.sh            Release build
#   tools/test.sh --asan     the same under AddressSanitizer+UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
tools/build.sh "$@"
dir=build
[ "${1:-}" = "--asan" ] && dir=build-asan
cd "$dir"
ctest --output-on-failure --timeout 900 -j 2
