#!/usr/bin/env bash
# Diagnostic: is the state after 5 steps sensitive to float32 rounding? Ours twice, PyTorch fp32 and fp64, 5 steps each.
set -uo pipefail
out=${1:-/tmp/diag}; mkdir -p "$out"; w=$(mktemp -d); lr=${2:-0.01}
cp='.gpu/lib/*:udfs/target/classes'
python3 bench/gpu/resnet_check.py inputs "$w/e" 32 224 120 || exit 1
args=(--init-weights "$w/e/W.pth" --images "$w/e/X.npy" --labels "$w/e/Y.npy" --warmup 0 --steps 5 --lr $lr)
java -Xmx16g -cp "$cp" io.flinkddp.model.gpu.GpuCheck "${args[@]}" --precision fp32 --output "$w/o1" > "$out/o1.log" 2>&1
java -Xmx16g -cp "$cp" io.flinkddp.model.gpu.GpuCheck "${args[@]}" --precision fp32 --output "$w/o2" > "$out/o2.log" 2>&1
python3 bench/gpu-check-peer.py "${args[@]}" --precision fp32 --output "$w/p32" > "$out/p32.log" 2>&1
python3 bench/gpu-check-peer.py "${args[@]}" --precision fp64 --output "$w/p64" > "$out/p64.log" 2>&1
python3 bench/gpu/resnet_check.py diag "$w/o1" "$w/o2" "$w/p32" "$w/p64" > "$out/diag-lr$lr.txt" 2>&1
python3 bench/gpu/resnet_check.py exact "$w/o1" "$w/p32" "$w/p64" > "$out/exact-lr$lr.txt" 2>&1
tail -4 "$out/diag-lr$lr.txt"; grep -E "worst|EXACT" "$out/exact-lr$lr.txt"
