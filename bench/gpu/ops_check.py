"""The GPU engine's ops against PyTorch on the same GPU (run by bench/gpu/ops-check.sh on the GPU machine).

  ops_check.py gen DIR       writes DIR/cases.txt and the inputs (.npy) OpsCheck reads
  ops_check.py compare DIR   compares DIR/out/*.npy (OpsCheck's outputs) with PyTorch float64 and float32
                             on the GPU; times PyTorch on the timed cases; exits 1 if a check fails

Every output's error is its relative L2 distance from PyTorch's float64 result. An op passes at fp32 when
ours <= max(1e-6, 2 x PyTorch float32's own error); at tf32 when ours <= max(1e-6, 2 x PyTorch TF32's).
Ops whose arithmetic we write ourselves as PyTorch does (ReLU, max pooling, normalisation, SGD) must also
match PyTorch float32 (or NumPy float32) to the bit.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# FLINKDDP_OPS_SELFTEST=1: on the CPU, PyTorch float32 stands in for our outputs (tests this script, not the engine)
SELFTEST = os.environ.get("FLINKDDP_OPS_SELFTEST") == "1"
dev = torch.device("cpu" if SELFTEST else "cuda")


def save(d, name, a):
    np.save(os.path.join(d, name + ".npy"), np.ascontiguousarray(a))


CONVS = [  # name, n, c, h, w, k, r, stride, pad: ResNet50's kinds of convolution
    ("stem7x7s2", 4, 3, 64, 64, 64, 7, 2, 3),
    ("3x3s1", 8, 64, 28, 28, 64, 3, 1, 1),
    ("3x3s2", 8, 128, 28, 28, 128, 3, 2, 1),
    ("1x1s1", 8, 256, 14, 14, 64, 1, 1, 0),
    ("1x1s2down", 8, 256, 28, 28, 512, 1, 2, 0),
]
BNS = [("c64", 8, 64, 28, 28), ("c2048", 8, 2048, 7, 7)]
TIMED_CONVS = [("b100_3x3_64_56", 100, 64, 56, 56, 64, 3, 1, 1, 20), ("b100_1x1_1024_256_14", 100, 1024, 14, 14, 256, 1, 1, 0, 20)]
TIMED_BNS = [("b100_256_56", 100, 256, 56, 56, 20)]


def gen(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(7)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    lines = []
    for name, n, c, h, w, k, r, s, p in CONVS:
        x, wt = f32(n, c, h, w), f32(k, c, r, r) * np.float32(1 / np.sqrt(c * r * r))
        oh, ow = (h + 2 * p - r) // s + 1, (w + 2 * p - r) // s + 1
        save(d, f"conv_{name}_x", x); save(d, f"conv_{name}_w", wt); save(d, f"conv_{name}_dy", f32(n, k, oh, ow))
        lines.append(f"conv {name} {s} {p}")
    for name, n, c, h, w in BNS:
        save(d, f"bn_{name}_x", f32(n, c, h, w) * 3 + 1)
        save(d, f"bn_{name}_gamma", (rng.uniform(0.5, 1.5, c)).astype(np.float32))
        save(d, f"bn_{name}_beta", f32(c) * np.float32(0.2))
        save(d, f"bn_{name}_rmean", f32(c) * np.float32(0.5))
        save(d, f"bn_{name}_rvar", rng.uniform(0.5, 2.0, c).astype(np.float32))
        save(d, f"bn_{name}_dy", f32(n, c, h, w))
        lines.append(f"bn {name} 0.1 1e-5")
    x = np.maximum(f32(4, 64, 56, 56), 0)  # after a ReLU: many zeros, so ties in the windows
    save(d, "maxpool_stem_x", x); save(d, "maxpool_stem_dy", f32(4, 64, 28, 28)); lines.append("maxpool stem 3 2 1")
    save(d, "relu_a_x", f32(4, 64, 28, 28)); save(d, "relu_a_dy", f32(4, 64, 28, 28)); lines.append("relu a")
    save(d, "add_a_a", f32(4, 64, 28, 28)); save(d, "add_a_b", f32(4, 64, 28, 28)); lines.append("add a")
    save(d, "meanpool_head_x", f32(8, 2048, 7, 7)); save(d, "meanpool_head_dy", f32(8, 2048)); lines.append("meanpool head")
    save(d, "fc_head_x", f32(8, 2048)); save(d, "fc_head_w", f32(120, 2048) * np.float32(0.02))
    save(d, "fc_head_b", f32(120) * np.float32(0.1)); save(d, "fc_head_dy", f32(8, 120)); lines.append("fc head")
    save(d, "xent_head_logits", f32(8, 120) * 3); save(d, "xent_head_labels", rng.integers(0, 120, 8).astype(np.int64))
    lines.append("xent head")
    save(d, "normalize_img_images", rng.integers(0, 256, (4, 32, 32, 3)).astype(np.uint8)); lines.append("normalize img")
    save(d, "sgd_all_p", f32(100003)); save(d, "sgd_all_v", f32(100003)); save(d, "sgd_all_sum", f32(100003) * 50)
    lines.append("sgd all 100 0.01 0.9")
    for name, n, c, h, w, k, r, s, p, it in TIMED_CONVS:
        save(d, f"time_conv_{name}_x", f32(n, c, h, w)); save(d, f"time_conv_{name}_w", f32(k, c, r, r) * np.float32(0.05))
        lines.append(f"time_conv {name} {s} {p} {it}")
    for name, n, c, h, w, it in TIMED_BNS:
        save(d, f"time_bn_{name}_x", f32(n, c, h, w)); lines.append(f"time_bn {name} {it}")
    with open(os.path.join(d, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def load(d, name):
    if SELFTEST and os.path.basename(d) == "out":
        return None
    return torch.from_numpy(np.load(os.path.join(d, name + ".npy"))).to(dev)


def rel(a, ref):
    a, ref = a.double().flatten(), ref.double().flatten()
    den = ref.norm().item()
    return (a - ref).norm().item() / (den if den > 0 else 1.0)


results = []


def check(case, tensor, ours, ref64, peer, precision="fp32", exact=None):
    if ours is None:
        ours = peer
    e_ours, e_peer = rel(ours, ref64), rel(peer, ref64)
    ok = e_ours <= max(1e-6, 2 * e_peer)
    line = f"{case:<24} {tensor:<12} {precision:<5} ours {e_ours:9.2e}  torch {e_peer:9.2e}"
    if exact is not None:
        diff = (ours.double() - exact.double()).abs().max().item()
        ok = ok and diff == 0
        line += f"  max|ours-torch32| {diff:.1e}"
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + line)


def conv_refs(x, w, dy, s, p):
    x = x.clone().requires_grad_(True); w = w.clone().requires_grad_(True)
    y = F.conv2d(x, w, stride=s, padding=p)
    y.backward(dy)
    return y.detach(), x.grad, w.grad


def sync():
    if not SELFTEST:
        torch.cuda.synchronize()


def timed(fn, iterations):
    if SELFTEST:
        iterations = 1
    for _ in range(3):
        fn()
    sync()
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(iterations):
            fn()
        sync()
        runs.append((time.perf_counter() - t0) * 1e3 / iterations)
    return sorted(runs)[2]


def compare(d):
    o = os.path.join(d, "out")
    torch.backends.cudnn.benchmark = True
    for line in open(os.path.join(d, "cases.txt")):
        try:
            compare_case(d, o, line.split())
        except Exception as e:  # one broken case must not hide the others
            results.append(False)
            print(f"FAIL {line.strip()}: {type(e).__name__}: {e}")
    print(f"{sum(results)} of {len(results)} checks passed")
    return all(results)


def compare_case(d, o, f):
        kind, name = f[0], f[1]
        pre = f"{kind}_{name}"
        if kind == "conv":
            s, p = int(f[2]), int(f[3])
            x, w, dy = load(d, pre + "_x"), load(d, pre + "_w"), load(d, pre + "_dy")
            ref = conv_refs(x.double(), w.double(), dy.double(), s, p)
            for prec in ("fp32", "tf32"):
                torch.backends.cudnn.allow_tf32 = prec == "tf32"
                peer = conv_refs(x, w, dy, s, p)
                for t, r, q in zip(("y", "dx", "dw"), ref, peer):
                    check(pre, t, load(o, f"{pre}_{t}_{prec}"), r, q, prec)
            torch.backends.cudnn.allow_tf32 = False
        elif kind == "bn":
            mom, eps = float(f[2]), float(f[3])
            x, g, b, rm, rv, dy = (load(d, pre + "_" + t) for t in ("x", "gamma", "beta", "rmean", "rvar", "dy"))
            def bn(dtype):
                xx, gg, bb = (t.to(dtype).clone().requires_grad_(True) for t in (x, g, b))
                m, v = rm.to(dtype).clone(), rv.to(dtype).clone()
                yeval = F.batch_norm(xx.detach(), m.clone(), v.clone(), gg.detach(), bb.detach(), False, mom, eps)
                y = F.batch_norm(xx, m, v, gg, bb, True, mom, eps)
                y.backward(dy.to(dtype))
                mean = xx.detach().mean((0, 2, 3)); invstd = 1 / (xx.detach().var((0, 2, 3), unbiased=False) + eps).sqrt()
                return dict(y=y.detach(), yeval=yeval, dx=xx.grad, dgamma=gg.grad, dbeta=bb.grad, rmean=m, rvar=v,
                            savedmean=mean, savedinvstd=invstd)
            ref, peer = bn(torch.float64), bn(torch.float32)
            for t in ref:
                check(pre, t, load(o, f"{pre}_{t}"), ref[t], peer[t])
        elif kind == "maxpool":
            k, s, p = int(f[2]), int(f[3]), int(f[4])
            x, dy = load(d, pre + "_x"), load(d, pre + "_dy")
            def mp(dtype):
                xx = x.to(dtype).clone().requires_grad_(True)
                y = F.max_pool2d(xx, k, s, p); y.backward(dy.to(dtype))
                return y.detach(), xx.grad
            ref, peer = mp(torch.float64), mp(torch.float32)
            check(pre, "y", load(o, pre + "_y"), ref[0], peer[0], exact=peer[0])
            check(pre, "dx", load(o, pre + "_dx"), ref[1], peer[1], exact=peer[1])
        elif kind == "relu":
            x, dy = load(d, pre + "_x"), load(d, pre + "_dy")
            y = torch.relu(x); dx = torch.where(y > 0, dy, torch.zeros_like(dy))
            check(pre, "y", load(o, pre + "_y"), y.double(), y, exact=y)
            check(pre, "dx", load(o, pre + "_dx"), dx.double(), dx, exact=dx)
        elif kind == "add":
            a, b = load(d, pre + "_a"), load(d, pre + "_b")
            check(pre, "y", load(o, pre + "_y"), a.double() + b.double(), a + b)
        elif kind == "meanpool":
            x, dy = load(d, pre + "_x"), load(d, pre + "_dy")
            def mp(dtype):
                xx = x.to(dtype).clone().requires_grad_(True)
                y = xx.mean((2, 3)); y.backward(dy.to(dtype))
                return y.detach(), xx.grad
            ref, peer = mp(torch.float64), mp(torch.float32)
            check(pre, "y", load(o, pre + "_y"), ref[0], peer[0]); check(pre, "dx", load(o, pre + "_dx"), ref[1], peer[1])
        elif kind == "fc":
            x, w, b, dy = (load(d, pre + "_" + t) for t in ("x", "w", "b", "dy"))
            def fc(dtype):
                xx, ww, bb = (t.to(dtype).clone().requires_grad_(True) for t in (x, w, b))
                y = F.linear(xx, ww, bb); y.backward(dy.to(dtype))
                return dict(y=y.detach(), dx=xx.grad, dw=ww.grad, db=bb.grad)
            torch.backends.cuda.matmul.allow_tf32 = False
            ref, peer = fc(torch.float64), fc(torch.float32)
            for t in ref:
                check(pre, t, load(o, f"{pre}_{t}"), ref[t], peer[t])
        elif kind == "xent":
            z, labels = load(d, pre + "_logits"), load(d, pre + "_labels")
            def xe(dtype):
                zz = z.to(dtype).clone().requires_grad_(True)
                loss = F.cross_entropy(zz, labels, reduction="none"); loss.sum().backward()
                return loss.detach(), zz.grad
            ref, peer = xe(torch.float64), xe(torch.float32)
            check(pre, "loss", load(o, pre + "_loss"), ref[0], peer[0]); check(pre, "dlogits", load(o, pre + "_dlogits"), ref[1], peer[1])
        elif kind == "normalize":
            u8 = np.load(os.path.join(d, pre + "_images.npy"))
            mean, std = np.float32([0.485, 0.456, 0.406]), np.float32([0.229, 0.224, 0.225])
            scale, shift = np.float32(1) / (np.float32(255) * std), -mean / std
            y32 = (u8.astype(np.float32) * scale + shift).transpose(0, 3, 1, 2)
            y64 = ((u8 / 255.0 - mean.astype(np.float64)) / std.astype(np.float64)).transpose(0, 3, 1, 2)
            t32 = torch.from_numpy(np.ascontiguousarray(y32)).to(dev)
            check(pre, "y", load(o, pre + "_y"), torch.from_numpy(np.ascontiguousarray(y64)).to(dev), t32, exact=t32)
        elif kind == "sgd":
            count, lr, m = np.float32(f[2]), np.float32(f[3]), np.float32(f[4])
            p, v, s = (np.load(os.path.join(d, f"{pre}_{t}.npy")) for t in ("p", "v", "sum"))
            v32 = m * v + s / count; p32 = p - lr * v32
            v64 = m.astype(np.float64) * v + s.astype(np.float64) / float(count); p64 = p - float(lr) * v64
            for t, a32, a64 in (("v", v32, v64), ("p", p32, p64)):
                t32 = torch.from_numpy(a32).to(dev)
                check(pre, t, load(o, f"{pre}_{t}"), torch.from_numpy(a64).to(dev), t32, exact=t32)
        elif kind == "time_conv":
            s, p, it = int(f[2]), int(f[3]), int(f[4])
            x, w = load(d, pre + "_x"), load(d, pre + "_w")
            x.requires_grad_(True); w.requires_grad_(True)
            for prec in ("fp32", "tf32"):
                torch.backends.cudnn.allow_tf32 = prec == "tf32"
                def step():
                    y = F.conv2d(x, w, stride=s, padding=p)
                    gx, gw = torch.autograd.grad(y, (x, w), y.detach())
                print(f"TORCH conv {name} {prec} {timed(step, it):.4f} ms (forward + backward)")
            torch.backends.cudnn.allow_tf32 = False
        elif kind == "time_bn":
            it = int(f[2])
            x = load(d, pre + "_x").requires_grad_(True)
            bn = torch.nn.BatchNorm2d(x.shape[1]).to(dev)
            def step():
                y = bn(x)
                torch.autograd.grad(y, (x, bn.weight, bn.bias), y.detach())
            print(f"TORCH bn {name} {timed(step, it):.4f} ms (forward + backward)")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        sys.exit(0 if compare(sys.argv[2]) else 1)
