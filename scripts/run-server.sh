#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh --runtime), builds in release mode and runs
# classifier-server with the default model (models/default.safetensors) on
# 0.0.0.0:8080. Extra arguments go to the server, e.g. --port 9000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime
swift build -c release --product classifier-server
exec "$(swift build -c release --show-bin-path)/classifier-server" "$@"
