#!/usr/bin/env bash
# On the GPU machine (bench/gpu/README.md): the GPU engine's ops against PyTorch on the same GPU.
#   bash .gpu/on-device.sh bash bench/gpu/ops-check.sh OUT_DIR
# Needs .gpu (../shared/gpu/make-carry) and udfs/target/classes carried; python3 there is PyTorch.
set -uo pipefail
out=${1:-/tmp/ops-check}
dir=$(mktemp -d)
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name(0))'
python3 bench/gpu/ops_check.py gen "$dir" || exit 1
java -cp '.gpu/lib/*:udfs/target/classes' io.flinkddp.model.gpu.OpsCheck "$dir" 2>&1 | tee "$out/java.log"
java_rc=${PIPESTATUS[0]}
python3 bench/gpu/ops_check.py compare "$dir" 2>&1 | tee "$out/compare.log"
rc=${PIPESTATUS[0]}
grep -h '^TIME\|^TORCH' "$out/java.log" "$out/compare.log"
echo "java rc=$java_rc compare rc=$rc"
exit $(( java_rc != 0 ? java_rc : rc ))
