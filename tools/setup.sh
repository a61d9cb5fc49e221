#!/usr/bin/env bash
# Installs exactly the Debian packages that dfs needs to build, run and test.
# Idempotent: packages already installed are skipped; apt-get update runs only
# when something is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # libraries
  libcaf-dev            # actors and the network middleman (CAF 0.17.6)
  libprotobuf-dev protobuf-compiler   # durable formats (metadata commands, records)
  libsqlite3-dev        # metadata store
  libspdlog-dev         # logging
  prometheus-cpp-dev    # metrics exposer
  libcivetweb-dev       # the HTTP endpoint (/metrics, /healthz, /readyz)
  libxxhash-dev         # chunk checksums (XXH3)
  libtomlplusplus-dev   # node config files
  libcli11-dev          # command-line parsing for dfsd and dfsctl
  libedit-dev           # dfs-shell's line editing, history and completion
  nlohmann-json3-dev    # dfsctl --json output
  # tests
  googletest            # GoogleTest + GoogleMock sources
  libgtest-dev libgmock-dev
  iproute2              # network namespaces for the partition tests
  jq                    # JSON in the cluster test scripts
  curl                  # metrics scraped by the cluster test scripts
  xz-utils              # the compressed cache traces (tests/data/traces)
  time                  # the bench client's CPU time (tools/bench/million.sh)
  prometheus            # a real Prometheus server and promtool (observability test)
  chromium              # the web dashboard's browser test (driven by playwright-core)
)
# Node.js and npm for that test (playwright-core comes from the npm
# registry): Debian's, unless the machine already has a Node.js (whose
# own npm would conflict with Debian's package).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
