#!/usr/bin/env bash
# segrt's CPU backend beside PyTorch (Debian's python3-torch) on the same networks, same
# threads, same run. Prints a Markdown table; raw JSON lines go to bench/results-cpu.jsonl.
#   bash bench/compare_cpu.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
segrt=./build/segrt
out=bench/results-cpu.jsonl
: > "$out"
# name in segrt's zoo | name in bench/torch_peer.py
models=("unet:base=32,depth=4,in=3|unet" "oru-net|oru-net")
echo "| network | params | mode | batch | segrt ms | PyTorch ms | segrt / PyTorch |"
echo "|---|---|---|---|---|---|---|"
for pair in "${models[@]}"; do
  ours=${pair%%|*}
  peer=${pair##*|}
  for cfg in "1 infer" "16 train"; do
    set -- $cfg
    batch=$1
    mode=$2
    flag=""
    reps=7
    [ "$mode" = train ] && flag="--train" && reps=3
    s=$($segrt bench --model "$ours" --size 128x128 --batch "$batch" $flag --threads "$threads" \
        --warmup 1 --repeat $reps --json)
    p=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/torch_peer.py --model "$peer" --size 128 \
        --batch "$batch" $flag --threads "$threads" --warmup 1 --repeat $reps)
    echo "$s" >> "$out"
    echo "$p" >> "$out"
    /usr/bin/python3 - "$s" "$p" "$mode" "$batch" <<'PY'
import json, sys
s, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"| {s['model'].split(':')[0]} | {s['params_trainable']:,} | {sys.argv[3]} | {sys.argv[4]} | "
      f"{s['median_ms']:.1f} | {p['median_ms']:.1f} | {s['median_ms'] / p['median_ms']:.2f} |")
PY
  done
done
