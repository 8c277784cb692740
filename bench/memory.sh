#!/usr/bin/env bash
# Part 5, memory: peak memory of one slot's ResNet50 training step (120 classes) against PyTorch's, in
# the same run, at batch 32 and 100, 224 px; then the decoded-image cache holding 4x its heap budget.
# A watchdog ends a run whose RSS passes LIMIT_MB (default 20000) before the kernel's OOM killer would
# pick a process. Run it alone. Usage: bench/memory.sh [STEPS (default 3)]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STEPS="${1:-3}"
LIMIT_MB="${LIMIT_MB:-20000}"
out="$RESULTS/memory.txt"
: > "$out"

# tree_rss_mb PID: resident memory of PID and all its descendants, in MB.
tree_rss_mb() {
  local total=0 child
  total=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo 0)
  for child in $(pgrep -P "$1" 2>/dev/null); do total=$(( total + $(tree_rss_mb "$child") )); done
  echo "${total:-0}"
}

kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill -9 "$1" 2>/dev/null || true
}

# watched NAME CMD...: runs CMD, polling its peak RSS; kills it past LIMIT_MB. Prints CMD's lines and a verdict.
watched() {
  local name="$1"; shift
  local log; log=$(mktemp)
  "$@" > "$log" 2>"$log.err" &
  local pid=$! peak=0 rss verdict=finished
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(tree_rss_mb "$pid")
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    if [ "$peak" -gt "$LIMIT_MB" ]; then kill_tree "$pid"; verdict="stopped: RSS passed ${LIMIT_MB} MB"; break; fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
  grep -E '^(dl4j|pytorch)' "$log" || true
  grep -m1 -E 'Error|Exception' "$log.err" | cut -c1-200 | sed 's/^/  stderr: /' || true
  echo "$name watched_peak_rss_mb=$peak outcome=\"$verdict\""
  rm -f "$log" "$log.err"
}

for batch in 32 100; do
  # JavaCPP's own caps are lifted: the watchdog is the limit.
  watched "dl4j-watch batch=$batch" env OMP_NUM_THREADS=2 \
    BENCH_JAVA_OPTS="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=64g -Dorg.bytedeco.javacpp.maxphysicalbytes=64g" \
    bash -c "source '$HERE/bench/lib.sh'; bench_java io.flinkddp.bench.MemoryBench $batch 224 $STEPS" | tee -a "$out"
  watched "pytorch-watch batch=$batch" env OMP_NUM_THREADS=2 "$PEER_PYTHON" "$HERE/bench/memory_peer.py" "$batch" 224 "$STEPS" | tee -a "$out"
done
BENCH_JAVA_OPTS="-Xmx2g" bench_java io.flinkddp.bench.ImageCacheBench 256 "${TMPDIR:-/tmp}" 2>/dev/null | grep '^cache' | tee -a "$out"
"$PEER_PYTHON" - "$out" <<'PY'
import re, sys
rows = [dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line)) | {"who": line.split()[0]} for line in open(sys.argv[1])]
for batch in ("32", "100"):
    ours = next(r for r in rows if r["who"] == "dl4j-watch" and r["batch"] == batch)
    peer = next(r for r in rows if r["who"] == "pytorch-watch" and r["batch"] == batch)
    heap = max((float(r["heap_peak_mb"]) for r in rows if r["who"] == "dl4j" and r["batch"] == batch), default=float("nan"))
    ratio = float(ours['watched_peak_rss_mb']) / float(peer['watched_peak_rss_mb'])
    bound = "" if ours["outcome"] == '"finished"' else "more than "   # stopped by the watchdog: a lower bound
    print(f"batch {batch}, 224 px: peak RSS ours {bound}{ours['watched_peak_rss_mb']} MB (heap {heap:.0f} MB, {ours['outcome']}),"
          f" PyTorch {peer['watched_peak_rss_mb']} MB: {bound}{ratio:.2f}x")
PY
