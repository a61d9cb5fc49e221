#!/usr/bin/env bash
# Sets up a fresh machine, builds dfs and starts a local cluster on loopback
# with its data under ./var; prints how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
tools/build.sh
build/tools/dfsctl cluster up "$@"
echo
echo "dfsctl and dfs-shell are in build/tools; to call them by name:"
echo "  export PATH=\"$PWD/build/tools:\$PATH\""
