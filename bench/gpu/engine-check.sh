#!/usr/bin/env bash
# On the GPU machine, the GPU engine's checks in one run (what the next GPU session runs first):
#   1. io.flinkddp.gpucheck.EngineCheck: the engine on CudaOps against the same engine on HostOps (the plain-Java
#      ops that the engine contract holds to DL4J float64 in CI): gradients, logits, SGD steps, accumulation,
#      local steps, warm against fresh, slices, gradient reports, memory given back;
#   2. io.flinkddp.gpucheck.InputRate --pinned: the host side of 1, 2, 4, 8 and 16 slots at once on this 16-core host,
#      cached 224 px images into page-locked staging memory, against 5,000 images/s per slot (bench/input-rate.sh);
#   3. bench/gpu/resnet-check.sh: resnet50 through bin/gpu-check (the same engine) against PyTorch on the same
#      GPU, exactness at fp32, then the step time and memory at batch 100, 224 px, fp32 and tf32.
#   3. bench/gpu/train-check.sh: the sample set trained 30 epochs in tf32 and bf16 (and fp32), final validation top-1
#      within 1 point; needs commons-math3 in .gpu/lib and the arrays bin/export-split writes to .gpu/data (its head).
#   bash .gpu/on-device.sh bash bench/gpu/engine-check.sh "$OUT"
# Carried: .gpu (../shared/gpu/make-carry with the pickle jar) and udfs/target/classes (mvn -q -B -DskipTests package).
set -uo pipefail
out=${1:-/tmp/engine-check}; mkdir -p "$out"
rc=0
java -Xmx8g -cp '.gpu/lib/*:udfs/target/classes' io.flinkddp.gpucheck.EngineCheck 2>&1 | tee "$out/engine-check.txt"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
java -Xmx8g -cp '.gpu/lib/*:udfs/target/classes' io.flinkddp.gpucheck.InputRate --pinned 2>&1 | tee "$out/input-rate.txt"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
bash bench/gpu/resnet-check.sh "$out" || rc=1
bash bench/gpu/train-check.sh "$out/train-check" || rc=1
echo "engine-check rc=$rc"; exit $rc
