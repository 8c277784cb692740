"""Medians and ratios of the `step LABEL BATCH SIZE SECONDS ...` lines that StepBench and step_peer.py print."""
import statistics
import sys
from collections import defaultdict

steps = defaultdict(list)
cpus = defaultdict(list)
parts = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0] == "step":
        key = (f[1], int(f[2]), int(f[3]))
        steps[key].append(float(f[4]))
        if (f[1] == "torch" and len(f) == 6) or len(f) == 9:
            cpus[key].append(float(f[-1]))
        if len(f) >= 8:
            for name, value in zip(("gradient", "update", "exchange"), f[5:8]):
                parts[key][name].append(float(value))
configs = sorted({(b, s) for _, b, s in steps}, key=lambda c: (c[1], c[0]))
labels = sorted({l for l, _, _ in steps}, key=lambda l: (l != "dl4j", l == "torch", l))
print(f"{'batch x px':<11} {'label':<22} {'n':>2} {'median s':>9} {'min s':>7} {'ratio/torch':>11} {'cpu s':>7} {'cpu ratio':>9}   parts (medians)")
for b, s in configs:
    torch = steps.get(("torch", b, s))
    t_med = statistics.median(torch) if torch else None
    for label in labels:
        v = steps.get((label, b, s))
        if not v:
            continue
        med = statistics.median(v)
        ratio = f"{med / t_med:.2f}x" if t_med else "-"
        extra = "  ".join(f"{k} {statistics.median(x):.3f}" for k, x in parts[(label, b, s)].items())
        c = cpus.get((label, b, s))
        tc = cpus.get(("torch", b, s))
        cpu = f"{statistics.median(c):7.2f}" if c else f"{'-':>7}"
        cpu_ratio = f"{statistics.median(c) / statistics.median(tc):.2f}x" if c and tc else "-"
        print(f"{b:>3} x {s:<5} {label:<22} {len(v):>2} {med:>9.3f} {min(v):>7.3f} {ratio:>11} {cpu} {cpu_ratio:>9}   {extra}")
for line in open(sys.argv[1]):
    if line.startswith("update"):
        print(line.rstrip())
