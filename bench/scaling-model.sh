#!/usr/bin/env bash
# 7. Scaling on paper: projected throughput and efficiency on 1 to 64 GPUs from the measured GPU step
# times and Flink's round overhead. Options pass through: --overhead S (default 0.33), --host-copy S, --accumulate 1,2,4.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
RESULTS="${BENCH_RESULTS:-$HERE/bench/results}"
mkdir -p "$RESULTS"
"${PEER_PYTHON:-/usr/bin/python3}" "$HERE/bench/scaling_model.py" --out "$RESULTS" "$@" | tee "$RESULTS/scaling-model.txt"
