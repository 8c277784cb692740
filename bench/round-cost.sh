#!/usr/bin/env bash
# A round's own cost, at 1 and 2 slots: bin/train-local on the sample set (ResNet50, 64 px, batch 16,
# 1 epoch), each slot's median round split by the job's RoundClock into compute (forward and backward),
# the rest of train-round (sums in, SGD update, chunks out) and Flink's part between supersteps.
#   bench/round-cost.sh [--slots "1 2"] [extra train-local options...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SLOTS="1 2"
if [ "${1:-}" = "--slots" ]; then SLOTS="$2"; shift 2; fi
OUT="$RESULTS/round-cost.txt"
echo "# $(date -u '+%F %T UTC') $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
for slots in $SLOTS; do
  run="$(mktemp -d)"
  "$HERE/bin/train-local" --slots "$slots" --crop 64 --batch-size 16 --epochs 1 --output "file://$run/out" "$@" \
    > "$RESULTS/round-cost-$slots.log" 2>&1
  echo "slots $slots: $(grep -c 'round times' "$RESULTS/round-cost-$slots.log") slot lines" | tee -a "$OUT"
  grep -o 'round times: .*' "$RESULTS/round-cost-$slots.log" | sed "s/^/  /" | tee -a "$OUT"
  rm -rf "$run"
done
