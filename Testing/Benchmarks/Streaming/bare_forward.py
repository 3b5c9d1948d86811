#!/usr/bin/python3
"""The floor of every analysis: one bare forward pass of the scripted model over the same
images, on the same threads, no capture (for the streaming benchmark).

    /usr/bin/python3 bare_forward.py --model M.pt --data DIR --samples N [--batch 256]
        [--threads 2]

The images are the first N test images of an MNIST-style IDX folder (.gz or plain),
preprocessed as the reader does: x / 255, then (x - mean) / std with the model's
cnnslicer.json. Prints one JSON line with the seconds of the forward passes alone and
with loading.
"""
import argparse
import gzip
import json
import os
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def idx_images(folder):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            data = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
            count, rows, cols = (int.from_bytes(data[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
            return np.frombuffer(data, np.uint8, offset=16).reshape(count, 1, rows, cols)
    raise SystemExit("no t10k-images-idx3-ubyte(.gz) in %s" % folder)


extra = {"cnnslicer.json": ""}
model = torch.jit.load(args.model, _extra_files=extra).eval()
metadata = json.loads(extra["cnnslicer.json"] or "{}")
images = idx_images(args.data)[:args.samples].astype(np.float32) / 255.0
mean = np.array(metadata.get("mean", [0.0]), np.float32).reshape(1, -1, 1, 1)
std = np.array(metadata.get("std", [1.0]), np.float32).reshape(1, -1, 1, 1)
inputs = torch.from_numpy((images - mean) / std)
forward_start = time.perf_counter()
with torch.no_grad():
    for first in range(0, len(inputs), args.batch):
        model(inputs[first:first + args.batch])
end = time.perf_counter()
print(json.dumps({"mode": "bare forward", "samples": len(inputs),
                  "forward_seconds": round(end - forward_start, 3),
                  "seconds": round(end - start, 3)}))
