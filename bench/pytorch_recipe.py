"""The seed's recipe in PyTorch, as a peer for accuracy and speed: torchvision resnet50 from scratch,
Resize(crop*8/7) + CenterCrop(crop), ImageNet normalisation, an 80/20 random split, SGD (lr 0.01,
momentum 0.9), ReduceLROnPlateau on validation loss, evaluation after every epoch.

Run with Debian's python3 (python3-torch, python3-torchvision):
  /usr/bin/python3 bench/pytorch_recipe.py samples/fashion-mnist --crop 32 --epochs 3 --batch-size 200
--batch-size is the global batch: flink-ddp's --slots x --batch-size.
"""
import argparse
import json
import time

import torch
import torchvision
from torchvision import transforms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tf = transforms.Compose([
        transforms.Resize(round(args.crop * 8 / 7)),
        transforms.CenterCrop(args.crop),
        transforms.Grayscale(num_output_channels=3),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    dataset = torchvision.datasets.ImageFolder(args.data, transform=tf)
    n_train = round(len(dataset) * 0.8)
    train, val = torch.utils.data.random_split(dataset, [n_train, len(dataset) - n_train])
    train_loader = torch.utils.data.DataLoader(train, batch_size=args.batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val, batch_size=args.batch_size)
    model = torchvision.models.resnet50(num_classes=len(dataset.classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", patience=2, factor=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            seen += len(y)
            loss_sum += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
        model.eval()
        v_seen = v_correct = 0
        v_loss = 0.0
        with torch.no_grad():
            for x, y in val_loader:
                out = model(x)
                v_loss += loss_fn(out, y).item() * len(y)
                v_correct += (out.argmax(1) == y).sum().item()
                v_seen += len(y)
        scheduler.step(v_loss / v_seen)
        seconds = time.time() - start
        print(json.dumps({"epoch": epoch, "train_loss": loss_sum / seen, "train_top1": correct / seen,
                          "val_loss": v_loss / v_seen, "val_top1": v_correct / v_seen,
                          "images_per_second": seen / seconds, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
