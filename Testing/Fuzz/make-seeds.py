#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (Testing/Fuzz/corpus/<target>/).

Each seed is a small valid input in the target's framing (see the comment at the top of
each Fuzz*.cxx), plus a few near-misses, so that libFuzzer starts from inputs that reach
deep into the parsers. Everything is made here from scratch: no dataset is copied.
The TorchScript seeds are zip archives laid out as torch.jit.save writes them (made with
zipfile, one forced to zip64), plus a real export of a tiny model when torch is installed.

    /usr/bin/python3 Testing/Fuzz/make-seeds.py [OUTPUT_FOLDER]
"""
import gzip
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def write(target, name, data):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + struct.pack(">%dI" % len(dims), *dims) + payload


def gz(data):
    # mtime=0: the same bytes on every run.
    return gzip.compress(data, mtime=0)


# --- IDX: [mode][split][file] (FuzzIdx.cxx), [flags][amount][content] (FuzzIdxGzip.cxx)
images = idx(0x08, [3, 2, 4], bytes(range(24)))
labels = idx(0x08, [3], bytes([0, 1, 2]))
floats = idx(0x0D, [2, 2, 2], struct.pack(">8f", 0, 0.5, 1, -1, 2.5, 3, 1e-3, 7))
int32_labels = idx(0x0C, [2], struct.pack(">2i", 4, 9))
write("idx", "array-uint8", bytes([0, 0]) + images)
write("idx", "array-int32", bytes([0, 0]) + int32_labels)
write("idx", "images-float32", bytes([1, 0]) + floats)
write("idx", "images-gzip", bytes([1, 0]) + gz(images))
write("idx", "images-gzip-two-members", bytes([1, 0]) + gz(images[:10]) + gz(images[10:]))
split = len(images) * 256 // (len(images) + len(labels)) + 1
pair = images + labels
while (len(pair) * split) // 256 < len(images):
    split += 1
write("idx", "images-and-labels", bytes([2, split]) + pair)
write("idx", "truncated", bytes([1, 0]) + images[:-5])
write("idx", "header-claims-2^31-images", bytes([1, 0]) + idx(0x08, [1 << 31, 28, 28], bytes(84)))
for name, content in (("uint8", images), ("float32", floats), ("labels", labels)):
    write("idx_gzip", "level6-" + name, bytes([6, 0]) + content)
write("idx_gzip", "cut-off", bytes([0x16, 7]) + images)
write("idx_gzip", "two-members", bytes([0x26, 8]) + images)
write("idx_gzip", "padding", bytes([0x46, 5]) + images)
write("idx_gzip", "readIdxFile", bytes([0x89, 0]) + int32_labels)

# --- CIFAR-10: [meta length + 1 or 0][train bit][meta text][batch] (FuzzCifar10.cxx)
record = lambda label, seed: bytes([label]) + bytes((seed * 7 + i) % 256 for i in range(3072))
write("cifar10", "test-one-record", bytes([0, 0]) + record(3, 1))
write("cifar10", "train-two-records", bytes([0, 1]) + record(0, 2) + record(9, 3))
meta = b"cat\ndog\n\nbird \r\n"
write("cifar10", "with-class-names", bytes([len(meta) + 1, 0]) + meta + record(2, 4))
write("cifar10", "label-out-of-range", bytes([len(meta) + 1, 0]) + meta + record(7, 5))
write("cifar10", "cifar100-record", bytes([0, 0]) + record(1, 6) + b"\x00")


# --- NumPy: [mode][split][file] (FuzzNpy.cxx); modes 0-2 images (layouts), 3 labels,
# 4 header only, 5 images + labels
def npy(array, version=None):
    stream = io.BytesIO()
    if version is None:
        np.save(stream, array)
    else:
        np.lib.format.write_array(stream, array, version=version)
    return stream.getvalue()


rng = np.random.default_rng(7)
write("npy", "uint8-nhw", bytes([0, 0]) + npy(rng.integers(0, 256, (2, 3, 4), dtype=np.uint8)))
write("npy", "float32-nchw", bytes([1, 0]) + npy(rng.random((2, 1, 2, 2), dtype=np.float32)))
write("npy", "float64-nhwc", bytes([2, 0]) + npy(rng.random((2, 2, 2, 3))))
write("npy", "big-endian-float32", bytes([0, 0]) + npy(rng.random((1, 2, 2)).astype(">f4")))
write("npy", "labels-int64", bytes([3, 0]) + npy(np.array([3, 1, 4, 1, 5], dtype=np.int64)))
write("npy", "labels-uint16-v2", bytes([3, 0]) + npy(np.array([7, 8], dtype=np.uint16), (2, 0)))
write("npy", "header-v3", bytes([4, 0]) + npy(np.zeros((1, 2, 2), dtype=np.uint8), (3, 0)))
write("npy", "fortran-order", bytes([4, 0]) + npy(np.asfortranarray(np.zeros((2, 3), np.float32))))
pair_images = npy(rng.integers(0, 256, (2, 2, 2), dtype=np.uint8))
pair_labels = npy(np.array([0, 1], dtype=np.int32))
pair = pair_images + pair_labels
split = 1
while (len(pair) * split) // 256 < len(pair_images):
    split += 1
write("npy", "images-and-labels", bytes([5, split]) + pair)
write("npy", "structured-dtype", bytes([4, 0]) + npy(np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")])))

# --- image folder: lines "d <dir>", "l <link> <target>", "<file>" (FuzzImageFolder.cxx)
write("image_folder", "two-classes", b"cat/a.png\ncat/b.JPG\ndog/x/y.jpeg\ndog/readme.txt\nnotes.txt\n")
write("image_folder", "empty-class", b"a/1.png\nd b\n")
write("image_folder", "hidden-class-and-nesting", b".hidden/1.png\nz/1/2/3/4.png\nz/4.png\n")
write("image_folder", "link-to-sibling", b"a/1.png\nd b\nl b/c ../a\n")
write("image_folder", "link-cycle", b"a/1.png\nl a/loop ..\n")
write("image_folder", "idx-names", b"t10k-images-idx3-ubyte\nt10k-labels-idx1-ubyte\n")
write("image_folder", "cifar-names", b"cifar-10-batches-bin/test_batch.bin\n")

# --- cnnslicer.json (FuzzModelMetadata.cxx)
metadata = {
    "format_version": 1, "architecture": "vgg", "dataset": "cifar10",
    "input_shape": [3, 32, 32], "mean": [0.4914, 0.4822, 0.4465],
    "std": [0.2470, 0.2435, 0.2616], "channel_order": "RGB",
    "class_names": ["airplane", "automobile", "bird", "cat", "deer",
                    "dog", "frog", "horse", "ship", "truck"],
}
write("model_metadata", "cifar10", json.dumps(metadata, indent=2).encode())
write("model_metadata", "mnist-scalar-normalization",
      json.dumps({"input_shape": [1, 28, 28], "mean": 0.1307, "std": 0.3081,
                  "channel_order": "bgr", "notes": None, "epochs": 12}).encode())
write("model_metadata", "wrong-types", b'{"input_shape": [1, -2, 3.5], "mean": [1, "x"], "std": 0}')
write("model_metadata", "not-an-object", b'[1, 2, {"a": null}]')
write("model_metadata", "numbers", b'{"mean": [1e39, -0.0, 5e-324], "std": [1e-46, 3, 1e308],'
                                   b' "format_version": 18446744073709551615}')


# --- TorchScript archives (FuzzTorchScriptArchive.cxx): the layout torch.jit.save writes
def archive(folder, tensors, compress_code=True, metadata_json=None, code=True):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as z:
        if metadata_json is not None:
            z.writestr(folder + "/extra/cnnslicer.json", metadata_json)
        for k, size in enumerate(tensors):
            z.writestr(folder + "/data/%d" % k, bytes(size))
        z.writestr(folder + "/data.pkl", b"\x80\x02}q\x00.")
        if code:
            z.writestr(folder + "/code/__torch__/model.py",
                       b"class Net(Module):\n  def forward(self, x):\n    return x\n",
                       zipfile.ZIP_DEFLATED if compress_code else zipfile.ZIP_STORED)
        z.writestr(folder + "/constants.pkl", b"\x80\x02).")
        z.writestr(folder + "/version", b"3\n")
    return stream.getvalue()


write("torchscript_archive", "small-model", archive("net", [24, 96], metadata_json=b'{"input_shape": [1, 2, 2]}'))
write("torchscript_archive", "stored-code", archive("m", [4], compress_code=False))
write("torchscript_archive", "checkpoint-without-code", archive("ckpt", [16], code=False))
saved_limit = zipfile.ZIP64_LIMIT
zipfile.ZIP64_LIMIT = 1  # forces the zip64 end records and extra fields
try:
    write("torchscript_archive", "zip64", archive("big", [8, 12]))
finally:
    zipfile.ZIP64_LIMIT = saved_limit
write("torchscript_archive", "not-a-zip", b"this is not a zip archive\n")

try:
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)

        def forward(self, x):
            return torch.relu(self.fc(x))

    stream = io.BytesIO()
    torch.jit.save(torch.jit.script(Tiny()), stream,
                   _extra_files={"cnnslicer.json": json.dumps({"input_shape": [1, 1, 2]})})
    write("torchscript_archive", "torch-jit-save", stream.getvalue())
except ImportError:
    print("make-seeds: torch is not installed, the torch.jit.save seed is not made")

for target in sorted(os.listdir(OUT)):
    files = os.listdir(os.path.join(OUT, target))
    total = sum(os.path.getsize(os.path.join(OUT, target, f)) for f in files)
    print("%-20s %3d seeds, %6d bytes" % (target, len(files), total))
