"""The usual Python way (issue 3 benchmark): the same LeNet-5 (Examples/Models, same
seed, so the same weights as the exported .pt) run with PyTorch forward hooks on every leaf
module, activations gathered into NumPy arrays of shape (N, ...), as a competent user
would write it. Run with Debian's /usr/bin/python3.

  python_hooks_baseline.py --mnist DIR [--samples 10000] [--batch 256]
"""
import argparse
import glob
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "Examples", "Models"))
import cnn_models  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--mnist", required=True)
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--batch", type=int, default=256)
args = parser.parse_args()

start = time.perf_counter()
torch.set_num_threads(os.cpu_count())
images_path = sorted(glob.glob(os.path.join(args.mnist, "*images-idx3-ubyte*")))[0]
opener = gzip.open if images_path.endswith(".gz") else open
with opener(images_path, "rb") as f:
    raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[: args.samples]
x = (raw.astype(np.float32) / 255.0 - 0.1307) / 0.3081

model = cnn_models.build("lenet5", 0).eval()
outputs = {}
order = []


def hook(name):
    def record(module, inputs, output):
        outputs.setdefault(name, []).append(output.detach().numpy().copy())
    return record


for name, module in model.named_modules():
    if len(list(module.children())) == 0:
        module.register_forward_hook(hook(name))
        order.append(name)

with torch.inference_mode():
    for first in range(0, len(x), args.batch):
        model(torch.from_numpy(x[first:first + args.batch]))
activations = {name: np.concatenate(outputs.pop(name)) for name in order}
elapsed = time.perf_counter() - start
values = sum(a.size for a in activations.values())
print(json.dumps({"samples": len(x), "layers": len(activations), "values": int(values), "seconds": elapsed}))
