#!/usr/bin/env bash
# segrt's Vulkan backend on the default device (lavapipe here) for ORU-Net, the U-Net with
# ncnn's reference size (base 32, 2x2 up-convolutions, 1 -> 1 channel: 7.76M parameters,
# 6.03 GFLOP at 128x128) and the U-Net teacher at 128x128: inference and one training step, batch 1 and 16, with the CPU backend of
# the same build in the same run. Before each row our SGEMM shader (the direct tiling of
# segrt_vkbench_sgemm, M = N = K = 1024) is timed too: the machine's speed drifts by up to 2x
# over minutes (shared cores), and a network's GFLOP/s over that rate does not. Prints a
# Markdown table; raw JSON lines go to bench/results-vulkan.jsonl.
#   bash bench/compare_vulkan.sh [repeat]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
segrt=./build/segrt
out=bench/results-vulkan.jsonl
: > "$out"
echo "| network | GFLOP/image (fwd x3 for a step) | mode | batch | vulkan ms/image | GFLOP/s | SGEMM shader GFLOP/s | GFLOP/s / SGEMM | cold ms | device MiB | cpu ms/image | vulkan / cpu |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for model in oru-net "unet:base=32,up=t2,in=1,out=1" "unet:preset=oru-teacher"; do
  case "$model" in
    oru-net) label="ORU-Net" ;;
    unet:preset*) label="U-Net teacher" ;;
    *) label="U-Net 7.76M" ;;
  esac
  for cfg in "1 infer" "16 infer" "1 train" "16 train"; do
    set -- $cfg
    flag=""
    [ "$2" = train ] && flag="--train"
    r=$reps
    # The U-Nets at batch 16 take 2.5-13 s per run on lavapipe: one timed run.
    [ "$model" != oru-net ] && [ "$1" = 16 ] && r=1
    sgemm=$(./build/segrt_vkbench_sgemm --sizes 1024 --repeat 3 --tile 8,8,8,16,4,0 |
      sed -n 's/.*best shader: .*, \([0-9.]*\) GFLOP\/s.*/\1/p')
    v=$($segrt bench --backend vulkan --model "$model" --size 128x128 --batch "$1" $flag \
        --warmup 1 --repeat $r --json)
    c=$($segrt bench --backend cpu --model "$model" --size 128x128 --batch "$1" $flag \
        --warmup 1 --repeat $r --json)
    echo "$v" >> "$out"
    echo "$c" >> "$out"
    /usr/bin/python3 - "$v" "$c" "$2" "$1" "$label" "$sgemm" <<'PY'
import json, sys
v, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
b = int(sys.argv[4])
vi, ci = v['median_ms'] / b, c['median_ms'] / b
gf = v['forward_flops'] / 1e9 / b * (3 if sys.argv[3] == 'train' else 1)
sg = float(sys.argv[6])
print(f"| {sys.argv[5]} | {gf:.2f} | {sys.argv[3]} | {b} | {vi:.1f} | "
      f"{v['gflops_per_s']:.1f} | {sg:.1f} | {v['gflops_per_s'] / sg:.2f} | "
      f"{v['cold_ms']:.0f} | {v['peak_bytes'] / 2**20:.0f} | "
      f"{ci:.1f} | {vi / ci:.2f} |")
PY
  done
done
