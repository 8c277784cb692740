"""Writes the PyTorch side of FreezeTest into the folder given as the only argument.

One training step of torchvision's resnet50(num_classes=10), seeded, batch norms randomised, with its
stem and layer1-3 frozen as fine-tuning freezes them (eval() on them: batch norm on its running
statistics; no gradients), in float64:
weights.pth   the state_dict before the step (float32, what our network loads)
input.f32     8 x 3 x 64 x 64 input; labels.txt: the 8 labels
grads.pth     d(summed cross-entropy) / d(parameter) of every parameter that trains (float64 -> float32)
grads32.pth   the same step in float32: how close float32 itself gets on this data (the random draw
              differs with the CPU's vector width, and with it how many digits float32 keeps)
after.pth     the state_dict after the forward: layer4's running statistics moved, the frozen ones not
"""
import os
import sys

import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(20241202)
torch.set_num_threads(2)
net = torchvision.models.resnet50(num_classes=10)
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), os.path.join(out, "weights.pth"))
x = torch.randn(8, 3, 64, 64)
labels = torch.randint(0, 10, (8,))
x.numpy().astype("<f4").tofile(os.path.join(out, "input.f32"))
with open(os.path.join(out, "labels.txt"), "w") as f:
    f.write(" ".join(str(int(v)) for v in labels))



def step(dtype):
    """One step from weights.pth in dtype: the gradients of what trains, and the state_dict after it."""
    model = torchvision.models.resnet50(num_classes=10)
    model.load_state_dict(torch.load(os.path.join(out, "weights.pth")))
    model = model.to(dtype)
    model.train()
    for module in [model.conv1, model.bn1, model.layer1, model.layer2, model.layer3]:
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)
    torch.nn.functional.cross_entropy(model(x.to(dtype)), labels, reduction="sum").backward()
    grads = {n: p.grad.float() for n, p in model.named_parameters() if p.requires_grad}
    return grads, {n: t.float() for n, t in model.state_dict().items() if t.is_floating_point()}


grads, after = step(torch.float64)
torch.save(grads, os.path.join(out, "grads.pth"))
torch.save(after, os.path.join(out, "after.pth"))
torch.save(step(torch.float32)[0], os.path.join(out, "grads32.pth"))
