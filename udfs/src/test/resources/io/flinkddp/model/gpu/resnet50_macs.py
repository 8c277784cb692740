# Prints, for one image of side argv[1] through torchvision's resnet50(num_classes=argv[2]), each Conv2d's and
# Linear's multiply-adds as forward hooks see them, one "module-name macs" line each, in the order they run.
import sys

import torch
import torchvision

side, classes = int(sys.argv[1]), int(sys.argv[2])
model = torchvision.models.resnet50(num_classes=classes).eval()
lines = []


def hook(name):
    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            macs = output.numel() * (module.in_channels // module.groups) * kh * kw
        else:
            macs = output.numel() * module.in_features
        lines.append(f"{name} {macs}")
    return count


for name, module in model.named_modules():
    if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
        module.register_forward_hook(hook(name))
with torch.no_grad():
    model(torch.zeros(1, 3, side, side))
print("\n".join(lines))
