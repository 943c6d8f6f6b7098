#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, then builds and tests in
# release mode (the numeric tests train small networks and need optimised code).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release
swift test -c release "$@"
