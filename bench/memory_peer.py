"""The PyTorch peer of MemoryBench: peak RSS of torchvision's resnet50 (120 classes) training steps
(forward, backward, SGD momentum 0.9) on random images. Run with Debian's /usr/bin/python3.
Usage: memory_peer.py BATCH PIXELS STEPS"""
import resource
import sys

import torch
import torchvision

batch, pixels, steps = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(2)
torch.manual_seed(1)
model = torchvision.models.resnet50(num_classes=120)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = torch.nn.CrossEntropyLoss()
images = torch.randn(batch, 3, pixels, pixels)
labels = torch.randint(0, 120, (batch,))
model.train()
for _ in range(steps):
    optimizer.zero_grad()
    loss_fn(model(images), labels).backward()
    optimizer.step()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"pytorch batch={batch} px={pixels} steps={steps} peak_rss_mb={peak_mb:.0f}")
