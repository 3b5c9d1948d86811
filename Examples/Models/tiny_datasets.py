#!/usr/bin/python3
"""Write tiny deterministic test datasets in every format the reader reads.

usage: tiny_datasets.py OUT_DIR [--samples N] [--seed S]

Two base datasets are drawn from a seeded generator: "mnist" (1 x 28 x 28
grayscale, for the LeNet models) and "cifar10" (3 x 32 x 32 RGB, for the VGG
and ResNet models), each with a test split of N samples (default 64) and a
train split of 2.5 N samples (a different count, so that a test can tell the
splits apart). Pixels are uniform uint8 noise over the
full 0..255 range, so that any transposition, flip or channel mix-up shows;
test labels are balanced over the 10 classes in a shuffled order.

The test split of each base dataset is written in every format, so the
loaders can be checked against each other:

- ``mnist/``: IDX ``{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (uint8);
- ``mnist-gz/``: the same files gzip-compressed (``.gz``);
- ``idx-float32/``: ``t10k-images-idx3-float`` (IDX type 0x0D, big-endian
  float32 values uint8 / 255) with ``t10k-labels-idx1-ubyte``;
- ``cifar-10-batches-bin/``: ``data_batch_1..5.bin`` (the train split),
  ``test_batch.bin`` and ``batches.meta.txt``, 3073-byte records;
- ``npy/``: ``mnist_nchw_float32.npy`` (N x 1 x 28 x 28, uint8 / 255),
  ``mnist_nhw_uint8.npy`` (N x 28 x 28), ``cifar10_nchw_float32.npy``
  (N x 3 x 32 x 32), ``cifar10_nhwc_uint8.npy`` (N x 32 x 32 x 3), and
  ``mnist_labels.npy`` / ``cifar10_labels.npy`` (int64);
- ``imagefolder/{mnist,cifar10}/<class>/<index>.png``: grayscale and RGB
  PNGs in torchvision's ImageFolder layout; ``<index>`` (4 digits) is the
  sample's position in the test split, so ImageFolder order (class, then
  file name) is the test split sorted stably by label;
- ``invalid/``: malformed files for the reader's error tests (see
  ``datasets.json``).

``datasets.json`` lists every file with its format, split, sample count,
shape and dtype. The float32 files hold ``np.float32(x) / np.float32(255)``
(uint8 scaling done as a float32 division; multiplying by 1/255 instead can
differ by one unit in the last place).

Needs only NumPy: PNGs are encoded here (zlib + struct), so the script runs
wherever the tests run and writes the same bytes everywhere.
"""

import argparse
import gzip
import json
import os
import struct
import zlib

import numpy as np

# Same lists as cnn_models.py; repeated so that this script needs no torch.
MNIST_CLASSES = [str(digit) for digit in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]

IDX_UINT8 = 0x08
IDX_FLOAT32 = 0x0D
CIFAR_RECORD_BYTES = 1 + 3 * 32 * 32
CIFAR_TRAIN_BATCHES = 5


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Write tiny test datasets in every supported format.")
    parser.add_argument("out_dir", metavar="OUT_DIR")
    parser.add_argument("--samples", type=int, default=64,
                        help="test split size (default: %(default)s); the "
                             "train split has 2.5x as many, so a test can "
                             "tell the splits apart by count")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.samples < 10 or args.samples % 2:
        parser.error("--samples must be even and at least 10")
    return args


def balanced_labels(rng, count):
    """Return ``count`` labels covering the 10 classes evenly, shuffled."""
    return rng.permutation(np.arange(count) % 10).astype(np.uint8)


def make_split(rng, count, shape):
    """Return (images uint8 of ``count`` x ``shape``, labels uint8)."""
    images = rng.integers(0, 256, size=(count,) + shape, dtype=np.uint8)
    return images, balanced_labels(rng, count)


def to_float(images):
    """Scale uint8 images to float32 in [0, 1] the way the reader does."""
    return images.astype(np.float32) / np.float32(255)


class Writer:
    """Writes files under one root and records them for ``datasets.json``."""

    def __init__(self, root):
        self.root = root
        self.entries = []

    def write(self, rel_path, data, **info):
        """Write ``data`` (bytes) to ``rel_path`` and record ``info``."""
        path = os.path.join(self.root, rel_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(data)
        self.entries.append(dict(path=rel_path, **info))

    def save_npy(self, rel_path, array, **info):
        """Save ``array`` as ``.npy`` and record its shape and dtype."""
        path = os.path.join(self.root, rel_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, array)
        self.entries.append(dict(path=rel_path, format="npy",
                                 shape=list(array.shape),
                                 dtype=str(array.dtype), **info))


def idx_bytes(array, type_code=IDX_UINT8):
    """Encode ``array`` as an IDX file: magic, big-endian dims, payload."""
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload_type = ">u1" if type_code == IDX_UINT8 else ">f4"
    return header + array.astype(payload_type).tobytes()


def gz(data):
    """Gzip ``data`` with a fixed timestamp, so the output is reproducible."""
    return gzip.compress(data, mtime=0)


def cifar_bytes(images, labels):
    """Encode N x 3 x 32 x 32 images as CIFAR-10 binary records."""
    flat = images.reshape(len(images), -1)
    records = np.concatenate([labels[:, None], flat], axis=1)
    return records.astype(np.uint8).tobytes()


def png_chunk(kind, data):
    """Return one PNG chunk: length, type, data, CRC of type and data."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def png_bytes(image):
    """Encode a H x W (grayscale) or H x W x 3 (RGB) uint8 image as PNG.

    8-bit depth, no interlacing, filter type 0 (none) on every row: the
    simplest valid PNG, which every decoder reads.
    """
    height, width = image.shape[:2]
    color_type = 0 if image.ndim == 2 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    rows = image.reshape(height, -1)
    scanlines = np.concatenate(
        [np.zeros((height, 1), dtype=np.uint8), rows], axis=1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 9))
            + png_chunk(b"IEND", b""))


def write_idx(writer, mnist):
    """Write the MNIST-shaped splits as IDX: plain, gzip and float32."""
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = mnist[split]
        for folder, suffix, encode in (("mnist", "", bytes),
                                       ("mnist-gz", ".gz", gz)):
            common = dict(format="idx", split=split, count=len(images))
            writer.write(f"{folder}/{prefix}-images-idx3-ubyte{suffix}",
                         encode(idx_bytes(images)), shape=list(images.shape),
                         dtype="uint8", **common)
            writer.write(f"{folder}/{prefix}-labels-idx1-ubyte{suffix}",
                         encode(idx_bytes(labels)), shape=list(labels.shape),
                         dtype="uint8", **common)
    images, labels = mnist["test"]
    common = dict(format="idx", split="test", count=len(images))
    writer.write("idx-float32/t10k-images-idx3-float",
                 idx_bytes(to_float(images), IDX_FLOAT32),
                 shape=list(images.shape), dtype="float32", **common)
    writer.write("idx-float32/t10k-labels-idx1-ubyte", idx_bytes(labels),
                 shape=list(labels.shape), dtype="uint8", **common)


def write_cifar(writer, cifar):
    """Write the CIFAR-shaped splits as CIFAR-10 binary batches."""
    folder = "cifar-10-batches-bin"
    images, labels = cifar["train"]
    per_batch = len(images) // CIFAR_TRAIN_BATCHES
    for batch in range(CIFAR_TRAIN_BATCHES):
        part = slice(batch * per_batch, (batch + 1) * per_batch)
        writer.write(f"{folder}/data_batch_{batch + 1}.bin",
                     cifar_bytes(images[part], labels[part]),
                     format="cifar10-bin", split="train", count=per_batch)
    images, labels = cifar["test"]
    writer.write(f"{folder}/test_batch.bin", cifar_bytes(images, labels),
                 format="cifar10-bin", split="test", count=len(images))
    # The official file ends with a blank line after the ten names; readers
    # must skip it.
    meta = "\n".join(CIFAR10_CLASSES) + "\n\n"
    writer.write(f"{folder}/batches.meta.txt", meta.encode("ascii"),
                 format="cifar10-meta", count=len(CIFAR10_CLASSES))


def write_npy(writer, mnist, cifar):
    """Write the test splits as .npy in the supported layouts."""
    images, labels = mnist["test"]
    writer.save_npy("npy/mnist_nchw_float32.npy", to_float(images)[:, None],
                    split="test", layout="NCHW")
    writer.save_npy("npy/mnist_nhw_uint8.npy", images, split="test",
                    layout="NHW")
    writer.save_npy("npy/mnist_labels.npy", labels.astype(np.int64),
                    split="test", layout="N")
    images, labels = cifar["test"]
    writer.save_npy("npy/cifar10_nchw_float32.npy", to_float(images),
                    split="test", layout="NCHW")
    writer.save_npy("npy/cifar10_nhwc_uint8.npy",
                    np.ascontiguousarray(images.transpose(0, 2, 3, 1)),
                    split="test", layout="NHWC")
    writer.save_npy("npy/cifar10_labels.npy", labels.astype(np.int64),
                    split="test", layout="N")


def write_imagefolder(writer, mnist, cifar):
    """Write the test splits as ImageFolder trees of PNG files."""
    for name, (images, labels), classes in (
            ("mnist", mnist["test"], MNIST_CLASSES),
            ("cifar10", cifar["test"], CIFAR10_CLASSES)):
        root = os.path.join(writer.root, "imagefolder", name)
        for index, (image, label) in enumerate(zip(images, labels)):
            if image.ndim == 3:
                image = image.transpose(1, 2, 0)
            path = os.path.join(root, classes[label], f"{index:04d}.png")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as stream:
                stream.write(png_bytes(np.ascontiguousarray(image)))
        # One index entry per tree: the file names already carry the indices.
        writer.entries.append({
            "path": f"imagefolder/{name}", "format": "imagefolder-png",
            "split": "test", "count": len(images),
            "shape": list(images.shape[1:]), "dtype": "uint8",
            "class_counts": np.bincount(labels, minlength=10).tolist()})


def write_invalid(writer, mnist):
    """Write malformed inputs, one per error the reader must report."""
    images, labels = mnist["test"]
    good = idx_bytes(images)
    writer.write("invalid/not-torchscript.pt",
                 b"this is not a TorchScript archive\n",
                 error="not a TorchScript file")
    writer.write("invalid/truncated-images-idx3-ubyte", good[:len(good) // 2],
                 error="IDX payload shorter than its header says")
    writer.write("invalid/truncated-labels-idx1-ubyte", idx_bytes(labels),
                 error="none (labels for the truncated images)")
    writer.write("invalid/wrong-magic-images-idx3-ubyte",
                 b"\xde\xad\x08\x03" + good[4:],
                 error="IDX magic does not start with two zero bytes")
    writer.write("invalid/mismatch-images-idx3-ubyte", good,
                 error=f"{len(images)} images but {len(labels) - 1} labels")
    writer.write("invalid/mismatch-labels-idx1-ubyte",
                 idx_bytes(labels[:-1]),
                 error=f"{len(labels) - 1} labels for {len(images)} images")
    padded = np.zeros((len(images), 32, 32), dtype=np.uint8)
    padded[:, 2:30, 2:30] = images
    writer.write("invalid/shape-images-idx3-ubyte", idx_bytes(padded),
                 error="32x32 images do not fit a 1x28x28 model")
    writer.write("invalid/shape-labels-idx1-ubyte", idx_bytes(labels),
                 error="none (labels for the 32x32 images)")
    writer.write("invalid/bad-size/data_batch_1.bin",
                 bytes(CIFAR_RECORD_BYTES * 2 + 100),
                 error="CIFAR file size is not a multiple of 3073")


def write_index(path, index):
    """Write ``index`` as JSON with one line per file entry, for diffing."""
    files = index.pop("files")
    text = json.dumps(index, indent=1)[:-2]
    text += ',\n "files": [\n  '
    text += ",\n  ".join(json.dumps(entry) for entry in files)
    text += "\n ]\n}\n"
    with open(path, "w") as stream:
        stream.write(text)


def main(argv=None):
    """Generate every dataset and the ``datasets.json`` index."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    test_count = args.samples
    train_count = test_count * CIFAR_TRAIN_BATCHES // 2
    mnist = {"test": make_split(rng, test_count, (28, 28)),
             "train": make_split(rng, train_count, (28, 28))}
    cifar = {"test": make_split(rng, test_count, (3, 32, 32)),
             "train": make_split(rng, train_count, (3, 32, 32))}

    writer = Writer(args.out_dir)
    write_idx(writer, mnist)
    write_cifar(writer, cifar)
    write_npy(writer, mnist, cifar)
    write_imagefolder(writer, mnist, cifar)
    write_invalid(writer, mnist)

    index = {
        "seed": args.seed,
        "class_names": {"mnist": MNIST_CLASSES, "cifar10": CIFAR10_CLASSES},
        "splits": {"test": test_count, "train": train_count},
        "files": writer.entries,
    }
    write_index(os.path.join(args.out_dir, "datasets.json"), index)
    total = sum(os.path.getsize(os.path.join(folder, name))
                for folder, _, names in os.walk(args.out_dir)
                for name in names)
    print(f"wrote {len(writer.entries)} datasets and files ({total} bytes) to "
          f"{args.out_dir}: test split {test_count}, train split "
          f"{train_count} samples")


if __name__ == "__main__":
    main()
