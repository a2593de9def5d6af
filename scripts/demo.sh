#!/usr/bin/env bash
# The main job: installs what it needs, builds rusm, runs the demo app (a
# supervised Wasm worker that crashes on purpose and is restarted, fed by a
# Wasm ticker; the guests are embedded in the binary). Extra arguments go to
# `rusm demo` (e.g. a directory with your own worker.wasm and ticker.wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target rusm >/dev/null
exec build/src/cli/rusm demo "$@"
