"""Writes the bad files of BadWeightsTest into the folder given as the only argument.

resnet18.pth       torchvision resnet18(num_classes=10)'s state_dict: another architecture
resnet50-10.pth    resnet50(num_classes=10)'s, for the truncated copy the test cuts from it
"""
import os
import sys

import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(7)
torch.save(torchvision.models.resnet18(num_classes=10).state_dict(), os.path.join(out, "resnet18.pth"))
torch.save(torchvision.models.resnet50(num_classes=10).state_dict(), os.path.join(out, "resnet50-10.pth"))
