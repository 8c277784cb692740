#!/usr/bin/env bash
# Part 6, fewer rounds: accuracy against wall time for --local-steps K = 1, 2, 4, ResNet50 on
# Fashion-MNIST (the bundled 1,000-image sample unless DATA names another set), 2 slots x batch 16,
# 32 px, 3 epochs: the README's command 1 with K local steps per round. K=1 is exact DDP.
# Usage: bench/local-steps.sh [extra train-local options]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DATA="${DATA:-file://$HERE/samples/fashion-mnist}"
work="$RESULTS/work/local-steps"
rm -rf "$work"; mkdir -p "$work"
out="$RESULTS/local-steps.txt"
: > "$out"
for k in 1 2 4; do
  start=$EPOCHREALTIME
  "$HERE/bin/train-local" --data "$DATA" --output "$work/k$k" --slots 2 --crop 32 --epochs 3 --batch-size 16 \
    --local-steps "$k" "$@" > "$work/k$k.log" 2>&1
  echo "k=$k start=$start end=$EPOCHREALTIME metrics=$work/k$k/metrics.jsonl" | tee -a "$out"
done
"$PEER_PYTHON" - "$out" <<'PY'
import json, re, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in open(sys.argv[1])]
for row in rows:
    row["wall_seconds"] = float(row["end"]) - float(row["start"])
base = rows[0]["wall_seconds"]
print("K  val top-1 by epoch      final val loss  wall s  time vs K=1")
for row in rows:
    epochs = [json.loads(line) for line in open(row["metrics"])]
    top1 = " ".join(f"{e['val_top1']:.3f}" for e in epochs)
    wall = row["wall_seconds"]
    print(f"{row['k']:<2} {top1:<24} {epochs[-1]['val_loss']:<15.4f} {wall:<7.0f} {wall / base:.2f}x")
PY
