"""bin/gpu-check against bench/gpu-check-peer.py on the same GPU (run by bench/gpu/resnet-check.sh).

  resnet_check.py inputs DIR N SIDE CLASSES   W.pth (torchvision resnet50, batch-norm statistics and affine terms
                                              randomised), X.npy (uint8 N x SIDE x SIDE x 3), Y.npy (int64 N)
  resnet_check.py exact OURS PEER32 PEER64    exactness: the first step's gradient and the state after all steps, each
                                              tensor as close to PyTorch float64 as max(1e-4, 2 x PyTorch float32's
                                              distance); exit 1 if it fails
  resnet_check.py diag OURS OURS2 PEER32 PEER64  every entry's distances after all steps (two runs of ours)
  resnet_check.py speed OURS PEER             step time and memory ratios
"""
import json
import os
import sys

import numpy as np


def inputs(d, n, side, classes):
    import torch
    import torchvision
    torch.manual_seed(11)
    m = torchvision.models.resnet50(num_classes=classes)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
                mod.running_mean.normal_(0, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
    os.makedirs(d, exist_ok=True)
    torch.save(m.state_dict(), os.path.join(d, "W.pth"))
    rng = np.random.default_rng(5)
    # smooth random images: noise upsampled, so neighbouring pixels agree as in photographs
    small = rng.integers(0, 256, (n, side // 8, side // 8, 3)).astype(np.float32)
    big = np.repeat(np.repeat(small, 8, axis=1), 8, axis=2) + rng.normal(0, 12, (n, side, side, 3))
    np.save(os.path.join(d, "X.npy"), np.clip(big, 0, 255).astype(np.uint8))
    np.save(os.path.join(d, "Y.npy"), rng.integers(0, classes, n).astype(np.int64))


def rel(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    den = np.linalg.norm(b)
    return np.linalg.norm(a - b) / (den if den > 0 else 1.0)


def exact(ours, peer32, peer64):
    ok = True
    g, g32, g64 = (np.load(os.path.join(d, "gradients.npz")) for d in (ours, peer32, peer64))
    worst = (0, "")
    failed = []
    for name in g64.files:
        e_ours, e_32 = rel(g[name], g64[name]), rel(g32[name], g64[name])
        bound = max(1e-4, 2 * e_32)
        worst = max(worst, (e_ours / bound, name))
        if e_ours > bound:
            failed.append(f"{name}: ours {e_ours:.2e} > bound {bound:.2e} (torch fp32 {e_32:.2e})")
    print(f"first-step gradient, {len(g64.files)} tensors: worst ours/bound {worst[0]:.3f} at {worst[1]} "
          f"(ours {rel(g[worst[1]], g64[worst[1]]):.2e}, torch fp32 {rel(g32[worst[1]], g64[worst[1]]):.2e})")
    for f in failed:
        print("FAIL gradient " + f)
    ok &= not failed
    # After all steps the trajectories have drifted apart: float32 rounding grows step by step (PyTorch float32 ends
    # far from float64 itself, and two runs of ours differ, cuDNN's backward-filter algorithms adding in any order).
    # So each entry must be as close to the float64 trajectory as 2x PyTorch float32's; the distance from PyTorch
    # float32 is shown too.
    s, s32, s64 = (np.load(os.path.join(d, "state.npz")) for d in (ours, peer32, peer64))
    worst, worst32 = (0, ""), (0, "")
    failed = []
    missing = sorted(set(s64.files) ^ set(s.files))
    for name in s64.files:
        if name not in s.files:
            continue
        if name.endswith("num_batches_tracked"):
            if int(s[name]) != int(s64[name]):
                failed.append(f"{name}: {int(s[name])} != {int(s64[name])}")
            continue
        e_ours, e_32 = rel(s[name], s64[name]), rel(s32[name], s64[name])
        bound = max(1e-4, 2 * e_32)
        worst = max(worst, (e_ours / bound, name))
        worst32 = max(worst32, (rel(s[name], s32[name]), name))
        if e_ours > bound:
            failed.append(f"{name}: ours {e_ours:.2e} from float64 > bound {bound:.2e} (torch fp32 {e_32:.2e})")
    steps = len(json.load(open(os.path.join(ours, "step.json")))["losses"])
    print(f"state after {steps} steps, {len(s64.files)} entries: worst ours/bound {worst[0]:.3f} at {worst[1]} "
          f"(ours {rel(s[worst[1]], s64[worst[1]]):.2e}, torch fp32 {rel(s32[worst[1]], s64[worst[1]]):.2e} from float64); "
          f"largest distance from torch fp32 {worst32[0]:.2e} at {worst32[1]}")
    if missing:
        failed.append(f"entries in one state only: {missing}")
    for f in failed:
        print("FAIL state " + f)
    ok &= not failed
    lo, lp = json.load(open(os.path.join(ours, "step.json")))["losses"], json.load(open(os.path.join(peer32, "step.json")))["losses"]
    l64 = json.load(open(os.path.join(peer64, "step.json")))["losses"]
    print("losses ours          " + " ".join(f"{v:.6f}" for v in lo))
    print("losses torch fp32    " + " ".join(f"{v:.6f}" for v in lp))
    print("losses torch float64 " + " ".join(f"{v:.6f}" for v in l64))
    print("EXACTNESS " + ("PASS" if ok else "FAIL"))
    return ok


def diag(ours, ours2, peer32, peer64):
    """Per entry after all steps: the distance of ours, a second run of ours and PyTorch float32 from PyTorch float64."""
    s, s2, s32, s64 = (np.load(os.path.join(d, "state.npz")) for d in (ours, ours2, peer32, peer64))
    print(f"{'entry':<36} {'ours-64':>9} {'ours2-64':>9} {'torch32-64':>10} {'ours-ours2':>10} {'ours-torch32':>12}")
    for name in s64.files:
        if name.endswith("num_batches_tracked"):
            continue
        print(f"{name:<36} {rel(s[name], s64[name]):9.2e} {rel(s2[name], s64[name]):9.2e} {rel(s32[name], s64[name]):10.2e} "
              f"{rel(s[name], s2[name]):10.2e} {rel(s[name], s32[name]):12.2e}")
    for d in (ours, ours2, peer32, peer64):
        print(d, " ".join(f"{v:.6f}" for v in json.load(open(os.path.join(d, "step.json")))["losses"]))


def speed(ours, peer):
    o, p = (json.load(open(os.path.join(d, "step.json"))) for d in (ours, peer))
    print(f"{o['precision']} batch {o['batch']} at {o['side']} px: ours {o['step_ms_median']:.2f} ms ({o['images_per_second']:.0f} img/s), "
          f"torch {p['step_ms_median']:.2f} ms ({p['images_per_second']:.0f} img/s): ratio {o['step_ms_median'] / p['step_ms_median']:.3f}; "
          f"peak memory ours {o['peak_gpu_bytes'] / 1e9:.2f} GB, torch reserved {p['peak_gpu_bytes'] / 1e9:.2f} GB: "
          f"ratio {o['peak_gpu_bytes'] / p['peak_gpu_bytes']:.3f}")
    return True


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "inputs":
        inputs(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "diag":
        diag(*sys.argv[2:6])
    elif cmd == "exact":
        sys.exit(0 if exact(*sys.argv[2:5]) else 1)
    else:
        speed(*sys.argv[2:4])
