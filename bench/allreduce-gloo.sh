#!/usr/bin/env bash
# Issue part 2: one round of averaging the 25,557,032-float ResNet50 gradient across 2 slots through
# Flink (the job's bulk iteration with compute stubbed out: AveragingRounds) against torch.distributed
# gloo all_reduce of the same tensor between 2 processes on loopback (allreduce_gloo.py), interleaved.
# Prints medians, the ratio and the bytes per slot. Extra arguments go to AveragingRounds
# (e.g. --chunk-floats 262144,1048576 --wire-precision fp32,bf16). REPEATS x (ours, gloo), ROUNDS
# supersteps each; results in bench/results/$OUT.{csv,txt} (OUT=allreduce-gloo by default).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE"
REPEATS="${REPEATS:-4}"
ROUNDS="${ROUNDS:-20}"
OUT="${OUT:-allreduce-gloo}"
CSV="$RESULTS/$OUT.csv"
echo "run,variant,floats,images_per_slot,chunk_floats,round,seconds" > "$CSV"
for run in $(seq 1 "$REPEATS"); do
  bench_java io.flinkddp.bench.AveragingRounds --csv "$CSV" --run "$run" --rounds "$ROUNDS" "$@" 2>&1 | grep '^flink'
  "$PEER_PYTHON" bench/allreduce_gloo.py --csv "$CSV" --run "$run" --rounds "$ROUNDS"
done
"$PEER_PYTHON" bench/summarize.py allreduce "$CSV" | tee "$RESULTS/$OUT.txt"
