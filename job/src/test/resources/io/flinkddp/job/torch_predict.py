"""Writes the PyTorch side of PredictTorchvisionITCase into the folder given as the first argument.

resnet50.pth      torchvision resnet50 (1000 classes), seeded, every batch norm's weight, bias, running_mean
                  and running_var randomised, the classifier's weights scaled by 0.02 (logits spread near 3,
                  not 150: top-5 probabilities far from 0 and 1), saved with torch.save(state_dict)
class_names.txt   ImageNet's 1000 class names, one per line in index order (torchvision's own list)
images/           real images: Fashion-MNIST samples (second argument: the sample set's root) upscaled to
                  224 x 224 and saved as PNG, in a folder tree (nested folders, one at the top, one grayscale)
expected.json     path below images/ -> PyTorch's eval-mode top 5: classes and softmax probabilities, with
                  torchvision's normalisation of RGB / 255 (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225)
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision.models._meta import _IMAGENET_CATEGORIES

out, samples = sys.argv[1], sys.argv[2]
torch.manual_seed(20250101)
torch.set_num_threads(2)
net = torchvision.models.resnet50()
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    net.fc.weight.mul_(0.02)
net.eval()
torch.save(net.state_dict(), os.path.join(out, "resnet50.pth"))
with open(os.path.join(out, "class_names.txt"), "w") as f:
    f.write("".join(name + "\n" for name in _IMAGENET_CATEGORIES))

places = ["coats/coat.png", "clothes/shoes/sandal.png", "clothes/shoes/sneaker.png", "top-level.png", "gray/bag.png"]
sources = ["4-coat", "5-sandal", "7-sneaker", "0-t-shirt-top", "8-bag"]
tints = [(1.0, 0.6, 0.3), (0.3, 1.0, 0.8), (1.0, 1.0, 1.0), (0.5, 0.7, 1.0), None]
tensors = []
for place, source, tint in zip(places, sources, tints):
    folder = os.path.join(samples, source)
    first = sorted(os.listdir(folder))[0]
    small = Image.open(os.path.join(folder, first)).convert("L").resize((224, 224), Image.BILINEAR)
    if tint is None:
        image = small
    else:
        gray = np.asarray(small, dtype=np.float32)
        image = Image.fromarray(np.stack([gray * t for t in tint], axis=2).round().clip(0, 255).astype(np.uint8), "RGB")
    path = os.path.join(out, "images", place)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image.save(path)
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    x = torch.from_numpy(rgb).permute(2, 0, 1)
    tensors.append(torchvision.transforms.functional.normalize(x, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))

with torch.no_grad():
    probabilities = torch.softmax(net(torch.stack(tensors)).double(), dim=1)
expected = {}
for place, p in zip(places, probabilities):
    top = torch.topk(p, 6)
    expected[place] = {"classes": top.indices[:5].tolist(), "probabilities": top.values[:5].tolist(),
                       "sixth": top.values[5].item()}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
