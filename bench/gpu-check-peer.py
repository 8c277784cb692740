"""PyTorch's side of bin/gpu-check: the same steps on the same inputs, on the same GPU, with the same outputs.

  gpu-check-peer.py --init-weights W.pth --images X.npy --labels Y.npy --precision fp32|tf32|fp64 --warmup W --steps K
                    --output DIR [--lr 0.01] [--momentum 0.9] [--device N]

torchvision resnet50(num_classes = fc.weight's rows), training mode, mean cross-entropy, torch.optim.SGD(lr, momentum).
Images are normalised as our engine does (uint8 x float32 scale + float32 shift). fp32 turns TF32 off for convolutions
and matmuls; tf32 is PyTorch's default (cuDNN TF32 on, matmul TF32 off); fp64 runs the model in float64 (the
reference). Writes DIR/gradients.npz (the first step's .grad), DIR/state.npz (the state_dict after all steps) and
DIR/step.json (losses, step_ms_median, images_per_second, peak_gpu_bytes = torch.cuda.max_memory_reserved()).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torchvision

p = argparse.ArgumentParser()
for a in ("init-weights", "images", "labels", "output"):
    p.add_argument("--" + a, required=True)
p.add_argument("--precision", default="tf32", choices=["fp32", "tf32", "fp64"])
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--momentum", type=float, default=0.9)
p.add_argument("--device", type=int, default=0, help="CUDA device; -1 runs on the CPU (to test this script)")
args = p.parse_args()

dev = torch.device("cuda", args.device) if args.device >= 0 else torch.device("cpu")
cuda = dev.type == "cuda"
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = args.precision == "tf32"
torch.backends.cuda.matmul.allow_tf32 = False
dtype = torch.float64 if args.precision == "fp64" else torch.float32
os.makedirs(args.output, exist_ok=True)

state = torch.load(args.init_weights, map_location="cpu")
model = torchvision.models.resnet50(num_classes=state["fc.weight"].shape[0])
model.load_state_dict(state)
model = model.to(dev, dtype).train()
opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)

u8 = torch.from_numpy(np.load(args.images)).to(dev)
labels = torch.from_numpy(np.load(args.labels)).to(dev)
mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
scale, shift = (1 / (255 * std)).to(dev), (-mean / std).to(dev)
x = (u8.float() * scale + shift).permute(0, 3, 1, 2).contiguous().to(dtype)

losses, timed = [], []
if cuda:
    torch.cuda.reset_peak_memory_stats(dev)
for step in range(args.warmup + args.steps):
    if cuda:
        torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(x), labels)
    loss.backward()
    if step == 0:
        np.savez(os.path.join(args.output, "gradients.npz"),
                 **{n: q.grad.detach().float().cpu().numpy() for n, q in model.named_parameters()})
    opt.step()
    value = loss.item()
    if cuda:
        torch.cuda.synchronize(dev)
    t1 = time.perf_counter()
    losses.append(value)
    if step >= args.warmup:
        timed.append((t1 - t0) * 1e3)
    print(f"step {step + 1} loss {value:.6f} {(t1 - t0) * 1e3:.2f} ms", flush=True)

np.savez(os.path.join(args.output, "state.npz"),
         **{n: (t.cpu().numpy() if t.dtype == torch.int64 else t.detach().float().cpu().numpy()) for n, t in model.state_dict().items()})
median = float(np.median(timed)) if timed else float("nan")
step = dict(device=f"{torch.cuda.get_device_name(dev) if cuda else 'cpu'} (device {args.device})", precision=args.precision, batch=len(labels),
            side=int(u8.shape[1]), losses=losses, step_ms_median=median, images_per_second=len(labels) / median * 1000,
            peak_gpu_bytes=torch.cuda.max_memory_reserved(dev) if cuda else 0, torch=torch.__version__)
with open(os.path.join(args.output, "step.json"), "w") as f:
    json.dump(step, f)
print(json.dumps(step))
