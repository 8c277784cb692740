#!/usr/bin/env bash
# Input keeps up (issue 22): the host side of a slot alone, cached uint8 images into native staging memory as
# the GPU engine hands them to the GPU, against the goal of 5,000 images/s per slot (750 MB/s at 224 px).
#   1. io.flinkddp.gpucheck.InputRate: S slots at once (1, 2, 4, ... up to the core count), each its own image
#      cache and staging buffer, batches of 100 at 224 px; per-slot and total images/s and MB/s beside the CPU.
#   2. io.flinkddp.bench.StagingCopyBench: one thread, JavaCPP's bulk put (ours) against a ByteBuffer view and a
#      native memcpy (the bound if the cache were off the heap).
# A few seconds per slot count. The GPU machine runs step 1 with pinned memory (bench/gpu/engine-check.sh).
#   bench/input-rate.sh [--seconds 2] [--images-per-slot 1000]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN=2 IMAGES_PER_SLOT=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --images-per-slot) IMAGES_PER_SLOT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT="$RESULTS/input-rate.txt"
echo "# $(date -u '+%F %T UTC') $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
bench_java io.flinkddp.gpucheck.InputRate --seconds "$SECONDS_PER_RUN" --images-per-slot "$IMAGES_PER_SLOT" 2>&1 | tee -a "$OUT"
bench_java io.flinkddp.bench.StagingCopyBench --rounds 3 --seconds 1 2>&1 | tee -a "$OUT"
"$PEER_PYTHON" - "$OUT" <<'PY' | tee -a "$OUT"
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and f[0] == "staging-copy":
        rates.setdefault(f[1], []).append((float(f[2]), float(f[3])))
for method, runs in rates.items():
    cpu = statistics.median(r[1] for r in runs)
    print(f"staging-copy {method}: median {cpu:,.0f} images per CPU second ({cpu * 150528 / 1e6:,.0f} MB/s), "
          f"{cpu / 5000:.1f}x the goal; runs {', '.join(f'{r[1]:,.0f}' for r in runs)}")
PY
