"""Makes the JPEGs for "4. Decoding throughput": about 500x375 like Stanford Dogs' photos, from real
images, written to a folder outside the repository (default /tmp/flinkddp-decode-images):
- mosaics of real Fashion-MNIST images (Debian's dataset-fashion-mnist): 28x28 items upsampled 2-5x
  with bicubic interpolation, tinted, on a smooth coloured background, 500x375 (and some 375x500);
- crops of a real photograph that ships with Debian's matplotlib (grace_hopper.jpg, 512x600), resized
  to 500x375 or 375x500 with random crops and flips.
All saved as JPEG quality 90 (4:2:0, as cameras and the web do). Deterministic (seeded).
Usage: /usr/bin/python3 bench/make_decode_images.py [OUT] [--mosaics 40] [--photos 10]
"""
import argparse
import gzip
import os

import numpy as np
from PIL import Image

IDX = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
PHOTO = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"


def fashion_items(count, rng):
    with gzip.open(IDX, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    return data[rng.choice(len(data), size=count, replace=False)]


def mosaic(items, width, height, rng):
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    c0, c1 = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    t = (xx / width * rng.uniform(0.3, 1) + yy / height * rng.uniform(0.3, 1))[..., None] / 2
    canvas = (c0 * (1 - t) + c1 * t).astype(np.float32)
    canvas += rng.normal(0, 6, canvas.shape).astype(np.float32)  # sensor-like noise
    for item in items:
        scale = int(rng.integers(2, 6))
        side = 28 * scale
        tile = np.asarray(Image.fromarray(item).resize((side, side), Image.BICUBIC), dtype=np.float32) / 255.0
        tint = rng.uniform(60, 255, 3)
        x = int(rng.integers(0, max(1, width - side)))
        y = int(rng.integers(0, max(1, height - side)))
        region = canvas[y:y + side, x:x + side]
        alpha = tile[: region.shape[0], : region.shape[1], None]
        region[:] = region * (1 - alpha) + tint * alpha
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out", nargs="?", default="/tmp/flinkddp-decode-images")
    p.add_argument("--mosaics", type=int, default=40)
    p.add_argument("--photos", type=int, default=10)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(2026)
    items = fashion_items(a.mosaics * 14, rng)
    sizes = []
    for i in range(a.mosaics):
        w, h = (375, 500) if i % 5 == 4 else (500, 375)
        img = mosaic(items[i * 14:(i + 1) * 14], w, h, rng)
        path = os.path.join(a.out, f"fashion-mosaic-{i:03d}.jpg")
        img.save(path, quality=90)
        sizes.append(os.path.getsize(path))
    photo = Image.open(PHOTO).convert("RGB")
    for i in range(a.photos):
        w, h = (375, 500) if i % 5 == 4 else (500, 375)
        scale = rng.uniform(1.0, 1.4)
        big = photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.LANCZOS)
        cw = min(big.width, int(big.height * w / h))
        ch = int(cw * h / w)
        x = int(rng.integers(0, big.width - cw + 1))
        y = int(rng.integers(0, big.height - ch + 1))
        img = big.crop((x, y, x + cw, y + ch)).resize((w, h), Image.LANCZOS)
        if i % 2:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        path = os.path.join(a.out, f"photo-hopper-{i:03d}.jpg")
        img.save(path, quality=90)
        sizes.append(os.path.getsize(path))
    print(f"wrote {len(sizes)} JPEGs to {a.out}: {a.mosaics} Fashion-MNIST mosaics, {a.photos} photo crops; "
          f"{min(sizes) // 1024}-{max(sizes) // 1024} KB, mean {sum(sizes) // len(sizes) // 1024} KB")


if __name__ == "__main__":
    main()
