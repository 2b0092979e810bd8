#!/usr/bin/env bash
# The main job on the built-in default: install, build, then `segrt demo` (synthetic phantoms,
# train ORU-Net on the CPU, segment held-out images, report Dice/IoU, write masks and overlays).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/segrt demo --out demo-out "$@"
