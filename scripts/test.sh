#!/usr/bin/env bash
# Install, build and run every test (ctest runs the doctest cases one by one).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
