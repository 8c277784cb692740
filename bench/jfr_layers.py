"""Per-layer profile of StepBench from a JFR recording (`jfr print --events jdk.ExecutionSample,
jdk.NativeMethodSample`): every 10 ms sample of the main thread inside a training step is charged to the
innermost node of NativeGraph on its stack (ND4J's native work runs under the layer that called it),
split into forward and backward, and scaled to seconds per step with the measured median step.
Usage: jfr_layers.py JFR_PRINT.txt STEPBENCH_LOG
"""
import re
import statistics
import sys
from collections import Counter

LAYERS = [
    ("convolution", "io.flinkddp.model.kernels.ConvNode."),
    ("batch norm", "io.flinkddp.model.kernels.BatchNormNode."),
    ("relu", "io.flinkddp.model.kernels.GraphNode$Relu."),
    ("pooling", "io.flinkddp.model.kernels.GraphNode$MaxPool."),
    ("pooling", "io.flinkddp.model.kernels.GraphNode$GlobalAvgPool."),
    ("residual add", "io.flinkddp.model.kernels.GraphNode$Add."),
    ("fc + loss", "io.flinkddp.model.kernels.ClassifierNode."),
    ("fc + loss", "io.flinkddp.model.kernels.NativeGraph.gradient"),
    ("top-k counting", "io.flinkddp.model.BatchStats."),
    ("sgd update", "io.flinkddp.model.Replica.applyGradientSum"),
    ("exchange (copy out/in)", "io.flinkddp.model.Replica.copy"),
    ("exchange (copy out/in)", "io.flinkddp.model.Replica.putSum"),
]
STEP_ROOTS = ("io.flinkddp.model.Replica.computeGradient", "io.flinkddp.model.Replica.applyGradientSum")


def samples(path):
    thread, frames, in_stack = None, [], False
    for line in open(path):
        s = line.strip()
        if s.startswith("jdk.ExecutionSample") or s.startswith("jdk.NativeMethodSample"):
            thread, frames, in_stack = None, [], False
        elif s.startswith("sampledThread"):
            m = re.search(r'"([^"]*)"', s)
            thread = m.group(1) if m else None
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
            yield thread, frames
        elif in_stack:
            frames.append(s)


def classify(frames):
    direction = "backward" if any("backpropGradient" in f or "calcBackpropGradients" in f or "doBackward" in f
                                  for f in frames) else "forward"
    for f in frames:  # innermost first
        for name, prefix in LAYERS:
            if f.startswith(prefix):
                if name in ("sgd update", "exchange (copy out/in)", "top-k counting"):
                    return name, ""
                return name, direction
    return "graph overhead", direction


def main():
    counts = Counter()
    total = 0
    for thread, frames in samples(sys.argv[1]):
        if thread != "main" or not any(f.startswith(STEP_ROOTS) for f in frames):
            continue
        counts[classify(frames)] += 1
        total += 1
    medians = {}
    for line in open(sys.argv[2]):
        f = line.split()
        if f and f[0] == "step":
            medians.setdefault((f[2], f[3]), []).append(float(f[4]))
    (b, s), steps = next(iter(medians.items()))
    step = statistics.median(steps)
    print(f"profile dl4j {b}x{s} median step {step:.4f} s; {total} samples of the main thread in steps (warmup included)")
    by_layer = Counter()
    for (name, direction), n in counts.items():
        by_layer[name] += n
    for name, n in by_layer.most_common():
        fw = counts.get((name, "forward"), 0)
        bw = counts.get((name, "backward"), 0)
        split = f"  (forward {step * fw / total:.4f}, backward {step * bw / total:.4f})" if fw or bw else ""
        print(f"profile dl4j {b}x{s} {name:<14} {step * n / total:8.4f} s  {100.0 * n / total:5.1f}%{split}")


if __name__ == "__main__":
    main()
