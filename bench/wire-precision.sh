#!/usr/bin/env bash
# Issue part 2, --wire-precision: what bf16 on the wire does to accuracy. Runs the README's command 1
# (ResNet50, 2 slots, 32 px, 3 epochs, batch 16 per slot, on samples/fashion-mnist) with fp32 and with
# bf16, same seed, and prints each epoch's validation loss and top-1 and the bf16/fp32 ratio of the
# final top-1. About 8 minutes on 2 idle cores. Outputs go to /tmp; the table to bench/results/wire-precision.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE"
RUNS="$(mktemp -d /tmp/flink-ddp-wire-XXXXXX)"
for wire in fp32 bf16; do
  start=$(date +%s)
  bin/train-local --slots 2 --crop 32 --epochs 3 --batch-size 16 --wire-precision "$wire" --output "$RUNS/$wire" > "$RUNS/$wire.log" 2>&1
  echo "$(( $(date +%s) - start ))" > "$RUNS/$wire.seconds"
done
"$PEER_PYTHON" - "$RUNS" <<'PY' | tee "$RESULTS/wire-precision.txt"
import json, sys
runs = sys.argv[1]
final = {}
print("| --wire-precision | epoch 1 val loss / top-1 | epoch 2 | epoch 3 | wall time (s) |")
print("|---|---|---|---|---|")
for wire in ("fp32", "bf16"):
    epochs = [json.loads(line) for line in open(f"{runs}/{wire}/metrics.jsonl")]
    cells = [f"{e['val_loss']:.4f} / {e['val_top1']:.3f}" for e in epochs]
    final[wire] = epochs[-1]["val_top1"]
    print(f"| {wire} | " + " | ".join(cells) + f" | {open(f'{runs}/{wire}.seconds').read().strip()} |")
print(f"\nfinal val top-1, bf16 / fp32: {final['bf16'] / final['fp32']:.2f}")
PY
