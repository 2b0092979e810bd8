#!/usr/bin/env bash
# Cold vs warm start of segrt's Vulkan backend: `segrt bench --backend vulkan` twice in fresh
# cache folders (segrt's pipeline cache and Mesa's shader cache), the second process finding
# what the first left. Pipeline cost = the compile's pipeline creation (`pipeline_ms`) + first
# run - median run (a driver may compile at the first dispatch, as lavapipe does); opening the
# device, lowering and buffer allocation are left out. SEGRT_VULKAN_COMPILE_THREADS is passed
# on. Prints a Markdown table.
#   bash bench/warm_start.sh [model ...]
set -euo pipefail
cd "$(dirname "$0")/.."
segrt=${SEGRT:-./build/segrt}  # SEGRT=path: another build, for A/B runs
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(oru-net "unet:base=32,up=t2,in=1,out=1")
echo "| model | mode | cold ms: pipelines + first-run extra | warm ms | warm / cold |"
echo "|---|---|---|---|---|"
for model in "${models[@]}"; do
  for flag in "" "--train"; do
    dir=$(mktemp -d)
    runs=()
    for pass in cold warm; do
      runs+=("$(MESA_SHADER_CACHE_DIR="$dir/mesa" SEGRT_CACHE_DIR="$dir/segrt" $segrt bench \
        --backend vulkan --model "$model" --size 128x128 --batch 1 $flag --warmup 1 --repeat 3 \
        --json)")
    done
    rm -rf "$dir"
    /usr/bin/python3 - "$model" "${flag:---infer}" "${runs[0]}" "${runs[1]}" <<'PY'
import json, sys
cost = lambda r: r['pipeline_ms'] + r['first_run_ms'] - r['median_ms']
c, w = (cost(json.loads(a)) for a in sys.argv[3:5])
print(f"| {sys.argv[1]} | {sys.argv[2][2:]} | {c:.0f} | {w:.0f} | {w / c:.2f} |")
PY
  done
done
