#!/usr/bin/env bash
# Does fine-tuning pay? Trains ResNet50 on Fashion-MNIST classes 0-4 of the sample set, then trains classes
# 5-9 three ways with the same settings: from scratch, fine-tuned from that model (--init-weights), and
# fine-tuned with --freeze layer3. Prints validation top-1 per epoch and draws bench/results/fine-tune.png.
#   bench/fine-tune.sh [--epochs 8] [extra train-local options...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
EPOCHS=8
if [ "${1:-}" = "--epochs" ]; then EPOCHS="$2"; shift 2; fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/first" "$WORK/second"
for c in "$HERE"/samples/fashion-mnist/[0-4]-*; do ln -s "$c" "$WORK/first/"; done
for c in "$HERE"/samples/fashion-mnist/[5-9]-*; do ln -s "$c" "$WORK/second/"; done
COMMON=(--slots 1 --crop 32 --batch-size 16 --epochs "$EPOCHS" "$@")
train() {  # name data extra...
  local name="$1" data="$2"; shift 2
  echo "# $name: bin/train-local --data $data ${COMMON[*]} $*"
  "$HERE/bin/train-local" --data "file://$data" --output "file://$WORK/$name" "${COMMON[@]}" "$@" > "$RESULTS/fine-tune-$name.log" 2>&1
  cp "$WORK/$name/metrics.jsonl" "$RESULTS/fine-tune-$name.jsonl"
}
train classes-0-4 "$WORK/first"
train scratch "$WORK/second"
train fine-tuned "$WORK/second" --init-weights "file://$WORK/classes-0-4/model.zip"
train fine-tuned-frozen "$WORK/second" --init-weights "file://$WORK/classes-0-4/model.zip" --freeze layer3
"$PEER_PYTHON" - "$RESULTS" <<'PY' | tee "$RESULTS/fine-tune.txt"
import json, os, sys
out = sys.argv[1]
runs = ["scratch", "fine-tuned", "fine-tuned-frozen"]
curves = {r: [json.loads(l) for l in open(os.path.join(out, f"fine-tune-{r}.jsonl"))] for r in runs}
print("validation top-1 on classes 5-9 per epoch (first run, classes 0-4, ends at %.3f)"
      % [json.loads(l) for l in open(os.path.join(out, "fine-tune-classes-0-4.jsonl"))][-1]["val_top1"])
print("epoch  " + "  ".join(f"{r:>18}" for r in runs))
for e in range(len(curves[runs[0]])):
    print(f"{e + 1:>5}  " + "  ".join(f"{curves[r][e]['val_top1']:>18.3f}" for r in runs))
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(6, 3.6))
for r in runs:
    ax.plot([m["epoch"] for m in curves[r]], [m["val_top1"] for m in curves[r]], marker="o", ms=3, label=r)
ax.set_xlabel("epoch")
ax.set_ylabel("validation top-1, classes 5-9")
ax.set_ylim(0, 1)
ax.grid(alpha=0.3)
ax.legend()
ax.set_title("ResNet50, 32 px, 1 slot: fine-tuned from classes 0-4 vs from scratch", fontsize=9)
fig.tight_layout()
fig.savefig(os.path.join(out, "fine-tune.png"), dpi=90)
PY
