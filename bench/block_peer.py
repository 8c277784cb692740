"""The PyTorch peer of BlockBench (SameDiff lever of "1. Compute per step"): a 3x3 convolution without
bias + training-mode batch norm + ReLU, mean-squared-error loss, forward and backward (no update).
Prints `step torch BATCH SIZE SECONDS` lines. /usr/bin/python3 bench/block_peer.py --batch 8 --channels 64 --size 56
"""
import argparse
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--size", type=int, default=56)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    block = torch.nn.Sequential(torch.nn.Conv2d(a.channels, a.channels, 3, padding=1, bias=False),
                                torch.nn.BatchNorm2d(a.channels), torch.nn.ReLU())
    block.train()
    x = torch.randn(a.batch, a.channels, a.size, a.size)
    y = torch.randn(a.batch, a.channels, a.size, a.size)
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        block.zero_grad()
        torch.nn.functional.mse_loss(block(x), y).backward()
        dt = time.perf_counter() - t0
        print(f"{'# warmup' if step < a.warmup else 'step'} torch {a.batch} {a.size} {dt:.4f}", flush=True)


if __name__ == "__main__":
    main()
