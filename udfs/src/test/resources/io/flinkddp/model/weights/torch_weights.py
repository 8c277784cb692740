"""Writes the PyTorch side of TorchWeightsTest into the folder given as the only argument.

resnet50-10.pth   torchvision resnet50(num_classes=10), seeded, every batch norm's weight, bias,
                  running_mean and running_var randomised, saved with torch.save(state_dict)
input.f32         2 x 3 x 32 x 32 input (raw float32, little-endian, c-order)
bn1.f32           eval-mode bn1(conv1(input)): 2 x 64 x 16 x 16
logits.f32        eval-mode logits: 2 x 10
head1000.pth      the same state_dict with a 1000-class fc (as torchvision's ImageNet weights)
half.pth          {'x': a float16 tensor}: a dtype the reader refuses
views.pth         {'base': arange(24) as 4 x 6, 'view': base.t()[1:]}: one storage, offset and strides
"""
import os
import sys

import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(20240611)
torch.set_num_threads(1)
net = torchvision.models.resnet50(num_classes=10)
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
net.eval()
state = net.state_dict()
torch.save(state, os.path.join(out, "resnet50-10.pth"))

x = torch.randn(2, 3, 32, 32)
with torch.no_grad():
    bn1 = net.bn1(net.conv1(x))
    logits = net(x)


def raw(name, t):
    t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tofile(os.path.join(out, name))


raw("input.f32", x)
raw("bn1.f32", bn1)
raw("logits.f32", logits)

head = dict(state)
head["fc.weight"] = torch.randn(1000, 2048)
head["fc.bias"] = torch.randn(1000)
torch.save(head, os.path.join(out, "head1000.pth"))
torch.save({"x": torch.zeros(2, dtype=torch.half)}, os.path.join(out, "half.pth"))
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
torch.save({"base": base, "view": base.t()[1:]}, os.path.join(out, "views.pth"))
