#!/usr/bin/env bash
# 4. Decoding throughput: images/s per core of our decoder (OpenCV, DecodeBench) against PIL + torchvision
# transforms (bench/decode_peer.py), decode + resize 256 + center crop 224, on ~500x375 JPEGs made from real
# images (bench/make_decode_images.py, into /tmp), interleaved: ours, peer, ours, peer...
# Also checks our crops against PIL's, and prints how many cores per H200 each needs.
#   bench/decode-throughput.sh [--rounds 5] [--seconds 5] [--images DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=5 SECONDS_PER_RUN=5 IMAGES=/tmp/flinkddp-decode-images
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export OMP_NUM_THREADS=1
[ -d "$IMAGES" ] || "$PEER_PYTHON" "$HERE/bench/make_decode_images.py" "$IMAGES"
LOG="$RESULTS/decode-throughput.log"
echo "# $(date -u '+%F %T UTC') $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(ls "$IMAGES" | wc -l) JPEGs in $IMAGES" | tee "$LOG"
DUMP="$(mktemp -d /tmp/decode-dump.XXXXXX)"
bench_java io.flinkddp.bench.DecodeBench "$IMAGES" --seconds 1 --dump "$DUMP" 2>>"${LOG%.log}.err.log" >/dev/null
"$PEER_PYTHON" "$HERE/bench/decode_peer.py" "$IMAGES" --compare "$DUMP" | tail -1 | tee -a "$LOG"
rm -rf "$DUMP"
for round in $(seq 1 "$ROUNDS"); do
  bench_java io.flinkddp.bench.DecodeBench "$IMAGES" --seconds "$SECONDS_PER_RUN" 2>>"${LOG%.log}.err.log" | tee -a "$LOG"
  "$PEER_PYTHON" "$HERE/bench/decode_peer.py" "$IMAGES" --seconds "$SECONDS_PER_RUN" | tee -a "$LOG"
done
"$PEER_PYTHON" - "$LOG" <<'PY' | tee "$RESULTS/decode-throughput.txt"
import statistics, sys
wall = {"opencv": [], "pil": []}
cpu = {"opencv": [], "pil": []}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and f[0] == "decode":
        wall[f[1]].append(float(f[2]))
        cpu[f[1]].append(float(f[3]))
    elif line.startswith(("#", "compare")):
        print(line.rstrip())
for name, rates in (("per CPU second (per core)", cpu), ("per wall second (shared cores)", wall)):
    ours, pil = statistics.median(rates["opencv"]), statistics.median(rates["pil"])
    print(f"images {name}: ours (OpenCV) {', '.join(f'{r:.0f}' for r in rates['opencv'])}; "
          f"PIL {', '.join(f'{r:.0f}' for r in rates['pil'])}; "
          f"round ratios {', '.join(f'{o / p:.2f}' for o, p in zip(rates['opencv'], rates['pil']))}")
    print(f"  median: ours {ours:.0f}, PIL {pil:.0f}: ratio {ours / pil:.2f}x")
ours, pil = statistics.median(cpu["opencv"]), statistics.median(cpu["pil"])
print(f"goal >= 2x PIL per core: {'met' if ours / pil >= 2 else 'not met'} ({ours / pil:.2f}x)")
print(f"{'H200 case':<22} {'images/s':>9} {'cores (ours)':>13} {'cores (PIL)':>12}")
for name, ips in [("fp32 batch 100", 958), ("fp32 batch 256", 1059), ("TF32", 2203), ("bf16 AMP", 2408), ("bf16 channels-last", 4692)]:
    print(f"{name:<22} {ips:>9,} {ips / ours:>13.1f} {ips / pil:>12.1f}")
PY
