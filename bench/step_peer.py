"""1. Compute per step, the PyTorch peer of StepBench: torchvision resnet50, one training step
(zero_grad, forward, cross-entropy, backward, SGD lr 0.01 momentum 0.9) on random inputs.
Prints `step torch BATCH SIZE STEP_S CPU_S` per measured step (CPU_S: process CPU time, all threads). --profile CONFIG prints a per-operator-class
profile of one step (autograd profiler, self CPU time) instead.
Run by Debian's python3: /usr/bin/python3 bench/step_peer.py --configs 8x64,32x224 --steps 3
"""
import argparse
import os
import time

import torch
import torchvision


def step_fn(batch, size, classes):
    torch.manual_seed(batch * 1000 + size)
    model = torchvision.models.resnet50(num_classes=classes)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


CATEGORIES = [
    ("convolution", ("conv", "mkldnn_convolution", "_slow_conv2d", "thnn_conv")),
    ("batch norm", ("batch_norm",)),
    ("relu", ("relu", "threshold")),
    ("pooling", ("pool",)),
    ("residual add", ("aten::add",)),
    ("fc + loss", ("addmm", "mm", "linear", "softmax", "nll", "cross_entropy", "t")),
    ("sgd update", ("add_", "mul_", "sgd")),
]


def category(name):
    n = name.lower()
    if "optimizer" in n or n.startswith("aten::add_") or n.startswith("aten::mul_") or "_foreach" in n:
        return "sgd update" if ("add_" in n or "mul_" in n or "optimizer" in n or "_foreach" in n) else "other"
    for cat, keys in CATEGORIES:
        if any(k in n for k in keys):
            return cat
    return "other"


def profile(batch, size, classes):
    step = step_fn(batch, size, classes)
    step()
    step()
    with torch.autograd.profiler.profile() as prof:
        t0 = time.perf_counter()
        step()
        wall = time.perf_counter() - t0
    totals = {}
    for evt in prof.key_averages():
        totals[category(evt.key)] = totals.get(category(evt.key), 0.0) + evt.self_cpu_time_total / 1e6
    print(f"profile torch {batch}x{size} wall {wall:.4f} s (profiled step)")
    for cat, secs in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"profile torch {batch}x{size} {cat:<14} {secs:8.4f} s")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", default="8x64,32x64,8x224,32x224")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", default=None, help="BATCHxSIZE: print a per-operator profile of one step")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# torch {torch.__version__} threads {torch.get_num_threads()} OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS')}")
    if args.profile:
        b, s = (int(v) for v in args.profile.split("x"))
        profile(b, s, args.classes)
        return
    for config in args.configs.split(","):
        b, s = (int(v) for v in config.split("x"))
        step = step_fn(b, s, args.classes)
        for _ in range(args.warmup):
            t0 = time.perf_counter()
            step()
            print(f"# warmup torch {b} {s} {time.perf_counter() - t0:.4f}")
        for _ in range(args.steps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            step()
            wall = time.perf_counter() - t0
            print(f"step torch {b} {s} {wall:.4f} {time.process_time() - c0:.4f}", flush=True)


if __name__ == "__main__":
    main()
