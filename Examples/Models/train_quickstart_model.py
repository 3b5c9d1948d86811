"""Trains the quickstart's default model: LeNet-5 (Examples/Models) on Fashion-MNIST
from Debian's dataset-fashion-mnist, exported as TorchScript with its cnnslicer.json.

  /usr/bin/python3 Examples/Models/train_quickstart_model.py [OUT.pt] [--epochs 3]

Deterministic for a given seed and thread count; takes about a minute on 2 cores.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Models"))
import cnn_models  # noqa: E402

# Fashion-MNIST's pixel mean and standard deviation over the 60,000 training images.
MEAN, STD = 0.2860, 0.3530
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory, split):
    images = read_idx(os.path.join(directory, "%s-images-idx3-ubyte.gz" % split))
    labels = read_idx(os.path.join(directory, "%s-labels-idx1-ubyte.gz" % split))
    x = (images.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x[:, None]), torch.from_numpy(labels.astype(np.int64))


def accuracy(model, x, y):
    model.eval()
    with torch.inference_mode():
        predictions = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((predictions == y).float().mean())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?",
                        default=os.path.join(here, "..", "Data", "lenet5-fashion-mnist.pt"))
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    model = cnn_models.build("lenet5", args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for first in range(0, len(order), 128):
            batch = order[first:first + 128]
            optimizer.zero_grad()
            loss = loss_function(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        test_accuracy = accuracy(model, x_test, y_test)
        print("epoch %d: loss %.3f, test accuracy %.4f (%.0f s)" % (epoch, float(loss), test_accuracy,
                                                                 time.time() - start))

    metadata = cnn_models.metadata("lenet5")
    metadata.update({"dataset": "fashion-mnist", "mean": [MEAN], "std": [STD],
                     "class_names": CLASS_NAMES, "test_accuracy": round(test_accuracy, 4),
                     "epochs": args.epochs, "seed": args.seed})
    scripted = torch.jit.script(model.eval())
    torch.jit.save(scripted, args.output, _extra_files={"cnnslicer.json": json.dumps(metadata)})
    print("wrote %s (%d bytes), test accuracy %.4f" % (args.output, os.path.getsize(args.output),
                                                      test_accuracy))


if __name__ == "__main__":
    main()
