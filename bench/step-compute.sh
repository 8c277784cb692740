#!/usr/bin/env bash
# 1. Compute per step: our ResNet50 training step (DL4J, StepBench) against PyTorch's (bench/step_peer.py)
# on the same CPU, same batch, resolution, threads and optimizer, interleaved: ours, peer, ours, peer...
# Prints the medians and the ratio ours/PyTorch per configuration (bench/results/step-compute.txt).
#   bench/step-compute.sh [--rounds 2] [--steps 2] [--warmup 1] [--configs 8x64,32x64,8x224,32x224]
#   bench/step-compute.sh --profile 8x64     per-layer profile of both (JFR for DL4J, autograd profiler for torch)
#   bench/step-compute.sh --levers 8x64      DL4J levers (workspaces off, oneDNN helpers forced on, NHWC) against torch,
#                                            and the allocation lever (Replica's step before/after, UpdateBench)
#   bench/step-compute.sh --samediff         one conv3x3+bn+relu unit: DL4J layers vs SameDiff vs torch
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=2 STEPS=2 WARMUP=1 CONFIGS=8x64,32x64,8x224,32x224 MODE=compare
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --configs) CONFIGS="$2"; shift 2 ;;
    --profile) MODE=profile; CONFIGS="$2"; shift 2 ;;
    --levers) MODE=levers; CONFIGS="$2"; shift 2 ;;
    --samediff) MODE=samediff; CONFIGS=8x56; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# Same threads for both. The 2 cores are shared with other work: spinning OpenMP threads then slowed both
# sides 5-30x and erratically, so both wait passively.
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
LOG="$RESULTS/step-compute-$MODE.log"
: > "$LOG"
echo "# $(date -u '+%F %T UTC') $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg), mode $MODE, configs $CONFIGS" | tee -a "$LOG"

case "$MODE" in
compare)
  for round in $(seq 1 "$ROUNDS"); do
    bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    "$PEER_PYTHON" "$HERE/bench/step_peer.py" --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" | tee -a "$LOG"
  done
  "$PEER_PYTHON" "$HERE/bench/step_summary.py" "$LOG" | tee "$RESULTS/step-compute.txt"
  ;;
profile)
  JFR="/tmp/step-profile-$$.jfr"
  BENCH_JAVA_OPTS="-Xmx6g -Dorg.bytedeco.javacpp.maxbytes=16g -Dorg.bytedeco.javacpp.maxphysicalbytes=22g -XX:StartFlightRecording=filename=$JFR,settings=$HERE/bench/sampling.jfc" \
    bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" --label profiled 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
  jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 64 "$JFR" > "$JFR.txt"
  "$PEER_PYTHON" "$HERE/bench/jfr_layers.py" "$JFR.txt" "$LOG" | tee -a "$LOG"
  "$PEER_PYTHON" "$HERE/bench/step_peer.py" --profile "$CONFIGS" | tee -a "$LOG"
  rm -f "$JFR" "$JFR.txt"
  grep -E '^profile' "$LOG" > "$RESULTS/step-profile.txt"
  ;;
levers)
  for round in $(seq 1 "$ROUNDS"); do
    bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" --label dl4j 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" --label dl4j-workspaces-none --workspaces none 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    BENCH_JAVA_OPTS="-Xmx6g -Dorg.bytedeco.javacpp.maxbytes=16g -Dorg.bytedeco.javacpp.maxphysicalbytes=22g -Dorg.eclipse.deeplearning4j.helpers.disable=false" \
      bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" --label dl4j-onednn-helpers 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    bench_java io.flinkddp.bench.StepBench --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" --label dl4j-nhwc --format nhwc 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    "$PEER_PYTHON" "$HERE/bench/step_peer.py" --configs "$CONFIGS" --steps "$STEPS" --warmup "$WARMUP" | tee -a "$LOG"
  done
  bench_java io.flinkddp.bench.UpdateBench 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
  "$PEER_PYTHON" "$HERE/bench/step_summary.py" "$LOG" | tee "$RESULTS/step-levers.txt"
  ;;
samediff)
  for round in $(seq 1 "$ROUNDS"); do
    bench_java io.flinkddp.bench.BlockBench --steps "$STEPS" --warmup "$WARMUP" 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
    "$PEER_PYTHON" "$HERE/bench/block_peer.py" --steps "$STEPS" --warmup "$WARMUP" | tee -a "$LOG"
  done
  "$PEER_PYTHON" "$HERE/bench/step_summary.py" "$LOG" | tee "$RESULTS/step-samediff.txt"
  ;;
esac
