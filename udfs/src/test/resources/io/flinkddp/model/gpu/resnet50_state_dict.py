# Writes torchvision's resnet50(num_classes=10) state_dict (torch.save) to the file named by argv[1].
import sys

import torch
import torchvision

torch.save(torchvision.models.resnet50(num_classes=10).state_dict(), sys.argv[1])
