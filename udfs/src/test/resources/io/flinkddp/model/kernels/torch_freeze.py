"""Writes the PyTorch side of FreezeTest into the folder given as the only argument.

One training step of torchvision's resnet50(num_classes=10), seeded, batch norms randomised, with its
stem and layer1-3 frozen as fine-tuning freezes them (eval() on them: batch norm on its running
statistics; no gradients), in float64:
weights.pth   the state_dict before the step (float32, what our network loads)
input.f32     8 x 3 x 64 x 64 input; labels.txt: the 8 labels
grads.pth     d(summed cross-entropy) / d(parameter) of every parameter that trains (float64 -> float32)
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

net = net.double()
net.train()
frozen = [net.conv1, net.bn1, net.layer1, net.layer2, net.layer3]
for module in frozen:
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
loss = torch.nn.functional.cross_entropy(net(x.double()), labels, reduction="sum")
loss.backward()
torch.save({n: p.grad.float() for n, p in net.named_parameters() if p.requires_grad}, os.path.join(out, "grads.pth"))
torch.save({n: t.float() for n, t in net.state_dict().items() if t.is_floating_point()}, os.path.join(out, "after.pth"))
