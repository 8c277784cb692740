#!/usr/bin/env bash
# Issue part 3: the overhead of a round (round time with compute stubbed out) for growing shard sizes
# (1k to 64k 32x32x3 images per slot) and two model sizes (ResNet50's 25,557,032 floats and 100,000).
# Three series: the shard read in the first round only, as the job does, with the project's conf/
# ("once": 512 MB managed memory, so Flink's cache of the shard spills somewhere between 16k and 64k
# images per slot); the same with 2 GB managed memory, so the cache stays in memory ("once-inmem"); and a control that
# re-reads the whole shard every round ("reread"). The peer line is gloo all_reduce of the same model.
# Prints the table and the growth from the smallest to the largest shard; plots
# bench/results/round-overhead.png. About 10 minutes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE"
ROUNDS="${ROUNDS:-10}"
SIZES="${SIZES:-1000,4000,16000,64000}"
CSV="$RESULTS/round-overhead.csv"
echo "run,variant,floats,images_per_slot,chunk_floats,round,seconds" > "$CSV"
for floats in 100000 25557032; do
  bench_java io.flinkddp.bench.AveragingRounds --csv "$CSV" --floats "$floats" --images-per-slot "$SIZES" \
    --variants once,reread --rounds "$ROUNDS" 2>&1 | grep '^flink [a-z]'
  bench_java io.flinkddp.bench.AveragingRounds --csv "$CSV" --floats "$floats" --images-per-slot "$SIZES" \
    --variants once --label-suffix -inmem --conf taskmanager.memory.managed.size=2g --rounds "$ROUNDS" 2>&1 | grep '^flink [a-z]'
  "$PEER_PYTHON" bench/allreduce_gloo.py --csv "$CSV" --floats "$floats" --rounds "$ROUNDS"
done
"$PEER_PYTHON" bench/summarize.py overhead "$CSV" "$RESULTS/round-overhead.png" | tee "$RESULTS/round-overhead.txt"
