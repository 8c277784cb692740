#!/usr/bin/env bash
# Benchmark: the full Fashion-MNIST set (70,000 images) trained from a local S3 server, outputs to S3.
# Converts the Debian IDX files to PNG folders, starts bin/local-s3, uploads, trains with
# bin/train-local, and prints metrics.jsonl and summary.json. Build first: mvn -q -DskipTests package
# Usage: bench/fashion-mnist-s3.sh [train-local options], e.g. --epochs 2 --slots 2 --crop 32
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${BENCH_DIR:-/tmp/flink-ddp-bench}"
export LOCAL_S3_DIR="$WORK/s3"
mkdir -p "$WORK"
if [ ! -d "$WORK/fashion-mnist" ]; then
  "$HERE/bin/make-fashion-mnist" "$WORK/fashion-mnist"
fi
"$HERE/bin/local-s3" stop >/dev/null 2>&1 || true
"$HERE/bin/local-s3" start --port "${BENCH_S3_PORT:-19900}"
trap '"$HERE/bin/local-s3" stop' EXIT
start=$(date +%s)
"$HERE/bin/local-s3" upload "$WORK/fashion-mnist" s3://bench/fashion-mnist
echo "upload took $(( $(date +%s) - start )) s"
mkdir -p "$WORK/conf"
cat "$HERE/conf/config.yaml" "$LOCAL_S3_DIR/s3.yaml" > "$WORK/conf/config.yaml"
cp "$HERE/conf/log4j2.properties" "$WORK/conf/"
run="s3://bench/runs/$(date +%Y%m%d-%H%M%S)"
start=$(date +%s)
FLINK_CONF_DIR="$WORK/conf" "$HERE/bin/train-local" --data s3://bench/fashion-mnist --output "$run" "$@"
echo "training took $(( $(date +%s) - start )) s"
bucket_dir="$LOCAL_S3_DIR/data/bench/runs/$(basename "$run")"
cat "$bucket_dir/metrics.jsonl"
cat "$bucket_dir/summary.json"
