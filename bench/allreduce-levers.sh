#!/usr/bin/env bash
# Issue part 2, levers one by one: single-thread time of each step of an averaging round over the
# 25,557,032-float gradient in 2 MB chunks, against what it replaced (LeverTimes). Prints each ratio
# (new time / old time) and writes bench/results/allreduce-levers.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx3g}" bench_java io.flinkddp.bench.LeverTimes 2>&1 | grep '^lever' | tee "$RESULTS/allreduce-levers.txt"
