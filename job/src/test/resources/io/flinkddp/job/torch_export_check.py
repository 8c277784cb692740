"""The PyTorch and ONNX side of ExportITCase: checks the files bin/export wrote into the folder given as the
first argument, and scores the images of the second.

resnet50.pth       stored zip records, each record's data 64-byte aligned; loaded with weights_only=True, then into torchvision.models.resnet50(num_classes=K) with load_state_dict's strict matching
                   (every entry a float32 tensor but num_batches_tracked, int64), then in eval mode it scores
                   every image below the second argument, prepared as preprocessing.json says (the README's
                   snippet: Resize, CenterCrop, ToTensor, Normalize)
resnet50.onnx      passes onnx.checker (full check, with shape inference); its metadata names the classes of labels.txt
torch.json         written: path below the images folder -> the K softmax probabilities, in class order
"""
import json
import os
import sys
import zipfile

import torch
import torchvision
from PIL import Image

try:
    import onnx
except ImportError as e:
    sys.exit(f"{e}: install Debian's python3-onnx (apt-get install python3-onnx)")

folder, images = sys.argv[1], sys.argv[2]
torch.set_num_threads(2)
labels = [line.split("\t")[1] for line in open(os.path.join(folder, "labels.txt")).read().splitlines()]
prep = json.load(open(os.path.join(folder, "preprocessing.json")))

with zipfile.ZipFile(os.path.join(folder, "resnet50.pth")) as archive, open(os.path.join(folder, "resnet50.pth"), "rb") as raw:
    for info in archive.infolist():  # every record's data 64-byte aligned, as torch.save writes them
        raw.seek(info.header_offset + 26)
        start = info.header_offset + 30 + sum(int.from_bytes(raw.read(2), "little") for _ in range(2))
        assert start % 64 == 0 and info.compress_type == zipfile.ZIP_STORED, (info.filename, start)
state = torch.load(os.path.join(folder, "resnet50.pth"), weights_only=True)  # PyTorch 2.6's default: torch's own globals only
for name, tensor in state.items():
    want = torch.int64 if name.endswith("num_batches_tracked") else torch.float32
    assert tensor.dtype == want, f"{name}: {tensor.dtype}"
net = torchvision.models.resnet50(num_classes=len(labels))
net.load_state_dict(state)  # strict: every key of torchvision's resnet50, and no other
net.eval()

transform = torchvision.transforms.Compose([
    torchvision.transforms.Resize(prep["resize"]), torchvision.transforms.CenterCrop(prep["crop"]),
    torchvision.transforms.ToTensor(), torchvision.transforms.Normalize(prep["mean"], prep["std"])])
probabilities = {}
for root, _, files in os.walk(images):
    for f in sorted(files):
        path = os.path.join(root, f)
        x = transform(Image.open(path).convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            probabilities[os.path.relpath(path, images)] = torch.softmax(net(x).double(), dim=1)[0].tolist()
json.dump(probabilities, open(os.path.join(folder, "torch.json"), "w"), indent=1)

model = onnx.load(os.path.join(folder, "resnet50.onnx"))
onnx.checker.check_model(model, full_check=True)
metadata = {p.key: p.value for p in model.metadata_props}
assert json.loads(metadata["class_names"]) == labels, metadata
assert model.opset_import[0].version == 17, model.opset_import
print("checked:", len(state), "state_dict entries,", len(probabilities), "images, onnx ir", model.ir_version)
