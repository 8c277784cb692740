#!/usr/bin/env bash
# Part 5, memory: peak memory of one slot's ResNet50 training step (120 classes) against PyTorch's, in
# the same run, at batch 32 and 100, 224 px; then the decoded-image cache holding 4x its heap budget.
# Needs about 20 GB free: run it alone. Usage: bench/memory.sh [STEPS (default 3)]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STEPS="${1:-3}"
out="$RESULTS/memory.txt"
: > "$out"
for batch in 32 100; do
  # ND4J may use up to 20 GB off-heap; beyond it, it fails with an OutOfMemoryError (reported, not fatal).
  BENCH_JAVA_OPTS="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=20g -Dorg.bytedeco.javacpp.maxphysicalbytes=21g" \
    OMP_NUM_THREADS=2 bench_java io.flinkddp.bench.MemoryBench "$batch" 224 "$STEPS" 2>/dev/null | grep '^dl4j' | tee -a "$out"
  OMP_NUM_THREADS=2 "$PEER_PYTHON" "$HERE/bench/memory_peer.py" "$batch" 224 "$STEPS" | tee -a "$out"
done
BENCH_JAVA_OPTS="-Xmx2g" bench_java io.flinkddp.bench.ImageCacheBench 256 "${TMPDIR:-/tmp}" 2>/dev/null | grep '^cache' | tee -a "$out"
"$PEER_PYTHON" - "$out" <<'PY'
import re, sys
rows = [dict(kv.split("=", 1) for kv in re.findall(r"(\w+=\S+)", line)) | {"who": line.split()[0]} for line in open(sys.argv[1])]
for batch in ("32", "100"):
    ours = next((r for r in rows if r["who"] == "dl4j" and r["batch"] == batch), None)
    peer = next((r for r in rows if r["who"] == "pytorch" and r["batch"] == batch), None)
    if ours and peer:
        note = "" if ours["outcome"] == "ok" else "  (ours: " + ours["outcome"] + ")"
        print(f"batch {batch}, 224 px: peak RSS ours/PyTorch = {float(ours['peak_rss_mb']) / float(peer['peak_rss_mb']):.2f}x{note}")
PY
