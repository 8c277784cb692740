#!/usr/bin/env bash
# On the GPU machine (issue 22): the sample set trained on the GPU engine with the job's recipe (its split, each epoch's
# seeded shuffle, the batch, SGD with momentum, ReduceLROnPlateau on the validation loss, an evaluation after every
# epoch; bin/gpu-check train = io.flinkddp.gpucheck.TrainCheck) in TF32 and in BF16, the same epochs from the same
# start; PASS if their final validation top-1 are within 1 point. FP32 trains too, as the yardstick: how far rounding
# alone moves the same run (TF32 against FP32). 200 validation images: 1 point is 2 images.
#   bash .gpu/on-device.sh bash bench/gpu/train-check.sh OUT_DIR
# Prepared here, in this order (make-carry empties .gpu/):
#   ../shared/gpu/make-carry ~/.m2/repository/net/razorvine/pickle/1.5/pickle-1.5.jar \
#       ~/.m2/repository/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar
#   mvn -q -B -DskipTests package     # udfs/target/classes, and the job jar that bin/export-split runs
#   bin/export-split --data samples/fashion-mnist --crop 32 --output .gpu/data/fashion-mnist-32
# then carry ".gpu" and "udfs/target/classes". The arrays: the 1,000 sample images at 32 px (the README's first command)
# are 3.1 MB (800 training, 200 validation images), more than belongs in git: .gpu/data is ignored and travels with .gpu.
# At the job's default --crop 224 they would be 150 MB, more than the 64 MiB that may travel (.gpu alone is about 45 MB).
# Environment: EPOCHS (30), BATCH (32: the global batch of the README's first command, on one replica), LR (0.01),
# PRECISIONS ("tf32 bf16"), REFERENCE (fp32; empty for none), DATA (.gpu/data/fashion-mnist-32), OPS (cuda; host runs the
# plain-Java operations, e.g. here: OPS=host BLOCKS=1 EPOCHS=2 PRECISIONS="tf32 fp32" REFERENCE= CP=...), BLOCKS (3,4,6,3).
set -uo pipefail
out=${1:-/tmp/train-check}; mkdir -p "$out"
data=${DATA:-.gpu/data/fashion-mnist-32}
cp=${CP:-'.gpu/lib/*:udfs/target/classes'}
read -r a b <<< "${PRECISIONS:-tf32 bf16}"
reference=${REFERENCE-fp32}
if [ ! -f "$data/split.properties" ]; then
  echo "train-check: $data holds no exported arrays; export them before carrying (see this script's head):" \
       "bin/export-split --data samples/fashion-mnist --crop 32 --output $data" | tee "$out/train-check.txt"
  exit 2
fi
for p in $a $b $reference; do
  java -Xmx8g -cp "$cp" io.flinkddp.gpucheck.TrainCheck --data "$data" --output "$out/$p" --ops "${OPS:-cuda}" --precision "$p" \
    --epochs "${EPOCHS:-30}" --batch-size "${BATCH:-32}" --lr "${LR:-0.01}" --blocks "${BLOCKS:-3,4,6,3}" > "$out/$p.log" 2>&1
  echo "$p: exit $?, $(tail -n 1 "$out/$p.log")"
done
${PYTHON:-python3} bench/gpu/train_check.py compare "$out" "$a" "$b" $reference 2>&1 | tee "$out/train-check.txt"
exit "${PIPESTATUS[0]}"
