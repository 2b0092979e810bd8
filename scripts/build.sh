#!/usr/bin/env bash
# Configures and builds segrt (Release) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Show only segrt's own configure lines: which backends are built and which are left out.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release | { grep -- '-- segrt' || true; }
cmake --build build -j"$(nproc)"
