"""4. Decoding throughput, the PyTorch peer: PIL decode + torchvision Resize(256) + CenterCrop(224) to a
uint8 HxWx3 array (what our decoder returns), one thread, over the JPEGs of a folder held in memory, for a
fixed time after a warmup. Prints `decode pil IMAGES_PER_WALL_SECOND IMAGES_PER_CPU_SECOND`.
--compare DIR: instead, compares each crop with DecodeBench's raw dump (NAME.rgb) and prints the mean and
max absolute difference in 8-bit levels, and the center-crop offset that matches best.
Usage: /usr/bin/python3 bench/decode_peer.py DIR [--seconds 5] [--compare DUMP_DIR]
"""
import argparse
import io
import os
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--resize", type=int, default=256)
    p.add_argument("--crop", type=int, default=224)
    p.add_argument("--compare", default=None)
    a = p.parse_args()
    torch.set_num_threads(1)
    names = sorted(n for n in os.listdir(a.folder) if n.lower().endswith((".jpg", ".jpeg")))
    files = [open(os.path.join(a.folder, n), "rb").read() for n in names]
    tf = transforms.Compose([transforms.Resize(a.resize), transforms.CenterCrop(a.crop)])

    def decode(data):
        return np.asarray(tf(Image.open(io.BytesIO(data)).convert("RGB")))

    if a.compare:
        compare(a, names, files, decode)
        return
    loop(decode, files, 1.0)
    wall, cpu = loop(decode, files, a.seconds)
    print(f"decode pil {wall:.1f} {cpu:.1f}", flush=True)


def loop(decode, files, seconds):
    """Images per second of wall time and per second of this thread's CPU time."""
    cpu_start = time.thread_time()
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < seconds:
        decode(files[count % len(files)])
        count += 1
    return count / (time.perf_counter() - start), count / (time.thread_time() - cpu_start)


def compare(a, names, files, decode):
    means, maxes = [], []
    for name, data in zip(names, files):
        ours = np.fromfile(os.path.join(a.compare, os.path.splitext(name)[0] + ".rgb"), dtype=np.uint8)
        ours = ours.reshape(a.crop, a.crop, 3).astype(np.int16)
        pil = decode(data).astype(np.int16)
        diff = np.abs(ours - pil)
        means.append(diff.mean())
        maxes.append(diff.max())
        # which crop offset of PIL's resized image matches ours best (0, 0 = torchvision's own)
        img = transforms.Resize(a.resize)(Image.open(io.BytesIO(data)).convert("RGB"))
        full = np.asarray(img).astype(np.int16)
        top = int(round((full.shape[0] - a.crop) / 2.0))
        left = int(round((full.shape[1] - a.crop) / 2.0))
        best = min(((abs(ours - full[top + dy:top + dy + a.crop, left + dx:left + dx + a.crop]).mean(), dy, dx)
                    for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                    if 0 <= top + dy and top + dy + a.crop <= full.shape[0] and 0 <= left + dx and left + dx + a.crop <= full.shape[1]))
        if (best[1], best[2]) != (0, 0):
            print(f"compare {name}: best match is offset by dy {best[1]} dx {best[2]} (mean diff {best[0]:.2f})")
    print(f"compare against PIL+torchvision: mean abs diff {np.mean(means):.2f}/255 (worst image {np.max(means):.2f}), "
          f"max {int(np.max(maxes))}/255, over {len(names)} images")


if __name__ == "__main__":
    main()
