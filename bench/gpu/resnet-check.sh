#!/usr/bin/env bash
# On the GPU machine: the GPU engine's resnet50 step against PyTorch's on the same GPU (exactness, then speed).
#   bash .gpu/on-device.sh bash bench/gpu/resnet-check.sh OUT_DIR
# Carried: .gpu (../shared/gpu/make-carry with the pickle jar) and udfs/target/classes.
set -uo pipefail
out=${1:-/tmp/resnet-check}; mkdir -p "$out"
w=$(mktemp -d)
cp='.gpu/lib/*:udfs/target/classes'
ours() { java -Xmx16g -cp "$cp" io.flinkddp.model.gpu.GpuCheck "$@"; }
peer() { python3 bench/gpu-check-peer.py "$@"; }
rc=0
# exactness: 32 images at 224 px, 120 classes, 5 steps from randomised batch-norm statistics
python3 bench/gpu/resnet_check.py inputs "$w/e" 32 224 120 || exit 1
args=(--init-weights "$w/e/W.pth" --images "$w/e/X.npy" --labels "$w/e/Y.npy" --warmup 0 --steps 5)
ours "${args[@]}" --precision fp32 --output "$w/ours32" 2>&1 | tail -8 | tee "$out/ours-exact.log" || rc=1
peer "${args[@]}" --precision fp32 --output "$w/peer32" > "$out/peer32.log" 2>&1 || rc=1
peer "${args[@]}" --precision fp64 --output "$w/peer64" > "$out/peer64.log" 2>&1 || rc=1
python3 bench/gpu/resnet_check.py exact "$w/ours32" "$w/peer32" "$w/peer64" 2>&1 | tee "$out/exact.txt" || rc=1
# speed: batch 100 at 224 px, 120 classes, each precision, back to back; ours then times each op (profile-*.txt,
# and the roofline table at the end of ours-*.log)
python3 bench/gpu/resnet_check.py inputs "$w/s" 100 224 120 || exit 1
for prec in fp32 tf32; do
  sargs=(--init-weights "$w/s/W.pth" --images "$w/s/X.npy" --labels "$w/s/Y.npy" --warmup 5 --steps 20 --precision $prec)
  ours "${sargs[@]}" --profile 5 --output "$w/o-$prec" > "$out/ours-$prec.log" 2>&1 || rc=1
  cp "$w/o-$prec/profile.txt" "$out/profile-$prec.txt" 2>/dev/null
  peer "${sargs[@]}" --output "$w/p-$prec" > "$out/peer-$prec.log" 2>&1 || rc=1
  python3 bench/gpu/resnet_check.py speed "$w/o-$prec" "$w/p-$prec" 2>&1 | tee -a "$out/speed.txt"
done
# the same tf32 step run op by op, without CUDA graphs: what capturing the step gains
ours --init-weights "$w/s/W.pth" --images "$w/s/X.npy" --labels "$w/s/Y.npy" --warmup 5 --steps 20 --precision tf32 --graphs off \
  --output "$w/o-tf32-eager" > "$out/ours-tf32-eager.log" 2>&1 || rc=1
python3 bench/gpu/resnet_check.py speed "$w/o-tf32-eager" "$w/p-tf32" 2>&1 | sed 's/^/graphs off: /' | tee -a "$out/speed.txt"
tail -n 3 "$out"/ours-fp32.log "$out"/ours-tf32.log
echo "rc=$rc"; exit $rc
