#!/usr/bin/python3
"""The whole CNNSlicer analysis done the usual Python way: PyTorch forward hooks +
NumPy + SciPy, written as a competent user would, for Documentation/performance.md.

    /usr/bin/python3 python_analysis.py --model lenet5.pt --architecture lenet5 \\
        --dataset DIR --samples 10000 --out result.npz [--threads 2] [--layers a,b,c]

Steps, each timed (wall clock, perf_counter):

1. load: the dataset (first N test images: MNIST IDX .gz or CIFAR-10 test_batch.bin),
   preprocessed as the reader does ((x / 255 - mean) / std in float32); the eager model
   (Examples/Models/cnn_models.py) with the weights of the same TorchScript file the
   plugin reads (torch.jit.load(...).state_dict()), so both see the same network;
2. capture: batches of 256 through the model, a forward hook on every leaf module writing
   its output into a preallocated (N, ...) float32 array; also `input` (the preprocessed
   batch) and `logits` (the model output), the layers the reader adds;
3. discrete: per layer, equal-width bins over the layer's min/max, B = 64, binned in
   float64 exactly as the plugin does (b = floor((v - lo) * (B / (hi - lo))), clamped);
   per-neuron histograms of each class by one numpy.bincount per chunk of samples over
   "bin index + neuron * B" (the bin-index trick); channel and layer histograms are sums
   of neuron histograms; H, H(T|Y) = sum_k p_k H(T|Y=k) and I(T;Y) with
   scipy.stats.entropy;
4. continuous: per layer, the plugin's default pooled sample (every s-th value in the
   reader's neuron order, at most 1,000,000), atoms = values repeating in at least 0.1%
   of it, the Vasicek m-spacing estimate of the rest (SciPy's
   differential_entropy(method="vasicek"), m = floor(sqrt(n) + 0.5), with zero
   spacings left out as the plugin does; see spacing_entropy), the mixed entropy
   H_mix = -sum p_j log p_j - p_c log p_c + p_c h_c, and the same per class with the
   atoms of the whole.

Writes the results (per layer: neuron, channel and layer entropies; continuous layer
entropies) to --out (.npz) for plugin_analysis.py's results to be compared with, and one
JSON line of timings on stdout. --layers "a,b;c,d" runs layer groups one after the other
(a forward pass each), holding one group's activations at a time. With --list-groups it
prints the reader's layer names grouped to fit --group-mb at --samples, and exits.
"""
import argparse
import glob
import gzip
import json
import math
import os
import sys
import time

start = time.perf_counter()

import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "Examples", "Models"))
import cnn_models  # noqa: E402
from process_memory import resident_megabytes  # noqa: E402

BINS = 64
ATOM_THRESHOLD = 0.001
MAXIMUM_POOLED = 1_000_000
# Values per chunk of the discrete pass: the float64 and int64 temporaries stay ~64 MB.
CHUNK_VALUES = 1 << 23


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="TorchScript file exported by export_models.py")
    parser.add_argument("--architecture", required=True, choices=list(cnn_models.MODELS))
    parser.add_argument("--dataset", help="MNIST IDX folder or CIFAR-10 binary folder")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--layers", default="",
                        help="layer names, ',' within a group, ';' between groups (default: "
                             "all layers in one group)")
    parser.add_argument("--out", help="results (.npz)")
    parser.add_argument("--list-groups", action="store_true",
                        help="print the layer names grouped to fit --group-mb, as JSON, and exit")
    parser.add_argument("--group-mb", type=float, default=4096.0)
    return parser.parse_args()


def load_images(folder, samples):
    """First `samples` test images as uint8 (N, C, H, W) and their labels."""
    idx = sorted(glob.glob(os.path.join(folder, "*images-idx3-ubyte*")))
    if idx:
        opener = gzip.open if idx[0].endswith(".gz") else open
        with opener(idx[0], "rb") as f:
            images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
        labels_path = idx[0].replace("images-idx3", "labels-idx1")
        with (gzip.open if labels_path.endswith(".gz") else open)(labels_path, "rb") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
        return images[:samples], labels[:samples].astype(np.int64)
    batch = os.path.join(folder, "test_batch.bin")
    if os.path.exists(batch):
        records = np.fromfile(batch, dtype=np.uint8).reshape(-1, 3073)[:samples]
        return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)
    sys.exit("python_analysis: no MNIST IDX images or CIFAR-10 test_batch.bin in " + folder)


def preprocess(images, info):
    """(x / 255 - mean) / std per channel in float32, the reader's (and torchvision's) order."""
    x = images.astype(np.float32) / np.float32(255.0)
    mean = np.asarray(info["mean"], dtype=np.float32).reshape(1, -1, 1, 1)
    std = np.asarray(info["std"], dtype=np.float32).reshape(1, -1, 1, 1)
    return (x - mean) / std


def leaf_modules(model):
    return [(name, module) for name, module in model.named_modules()
            if len(list(module.children())) == 0]


def capture(model, x, names, batch):
    """Every wanted layer's output for all samples, in execution order."""
    wanted = set(names)
    store = {}
    order = []

    def keep(name, output, first):
        if name not in store:
            store[name] = np.empty((len(x),) + tuple(output.shape[1:]), dtype=np.float32)
            order.append(name)
        store[name][first:first + len(output)] = output.numpy()

    position = [0]
    handles = []
    for name, module in leaf_modules(model):
        if name in wanted:
            # The hook copies at once: an in-place ReLU that follows overwrites the tensor.
            handles.append(module.register_forward_hook(
                lambda m, i, out, name=name: keep(name, out, position[0])))
    with torch.inference_mode():
        for first in range(0, len(x), batch):
            position[0] = first
            chunk = torch.from_numpy(x[first:first + batch])
            if "input" in wanted:
                keep("input", chunk, first)
            logits = model(chunk)
            if "logits" in wanted:
                keep("logits", logits, first)
    for handle in handles:
        handle.remove()
    # First calls come in the reader's order: input, modules as executed, logits.
    return {name: store[name] for name in order}


def reader_channels(shape):
    """Channels of the reader's volume: (C, H, W) has C (leading dimensions folded in), a
    dense (F) output is F channels of 1 x 1, (C, L) is C channels of L x 1."""
    return int(np.prod(shape[:-2])) if len(shape) >= 3 else int(shape[0])


def reader_neuron_order(shape):
    """Index into a sample's C-order values for each of the reader's points: a (C, H, W)
    output is laid out X = column, Y = row flipped (row 0 at the top), Z = channel."""
    if len(shape) < 3:
        return np.arange(int(np.prod(shape)))
    channels = int(np.prod(shape[:-2]))
    height, width = shape[-2], shape[-1]
    index = np.arange(channels * height * width).reshape(channels, height, width)
    return index[:, ::-1, :].ravel()


def entropy_bits(counts, axis):
    """H of histograms along `axis` (bits); NaN where a histogram is empty."""
    total = counts.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = scipy.stats.entropy(counts, base=2, axis=axis)
    return np.where(total > 0, h, np.nan)


def conditional_bits(counts):
    """H(T|Y) = sum_k p_k H(T|Y=k) from (..., K, B) class histograms (bits)."""
    per_class = np.nan_to_num(entropy_bits(counts, axis=-1))
    n_k = counts.sum(axis=-1)
    return (n_k * per_class).sum(axis=-1) / n_k.sum(axis=-1)


def discrete_layer(x, labels, classes, channels):
    """Neuron, channel and layer entropy of one layer x (N, F) with B bins over its range."""
    samples, features = x.shape
    lo, hi = float(x.min()), float(x.max())
    scale = BINS / (hi - lo) if hi > lo else 0.0
    counts = np.zeros((classes, features * BINS), dtype=np.int64)
    offsets = np.arange(features, dtype=np.int64) * BINS
    rows = max(1, CHUNK_VALUES // features)
    for k in range(classes):
        members = np.flatnonzero(labels == k)
        for first in range(0, len(members), rows):
            t = x[members[first:first + rows]].astype(np.float64)
            t -= lo
            t *= scale
            index = t.astype(np.int64)
            # v >= lo always; v == hi gives B, which belongs to the last bin.
            np.minimum(index, BINS - 1, out=index)
            index += offsets
            counts[k] += np.bincount(index.ravel(), minlength=features * BINS)
    counts = counts.reshape(classes, features, BINS).transpose(1, 0, 2)  # (F, K, B)
    neuron_total = counts.sum(axis=1)
    channel = counts.reshape(channels, features // channels, classes, BINS).sum(axis=1)
    layer = channel.sum(axis=0)
    result = {}
    for scope, class_counts, total in (("neuron", counts, neuron_total),
                                       ("channel", channel, channel.sum(axis=1)),
                                       ("layer", layer[None], layer.sum(axis=0)[None])):
        h = entropy_bits(total, axis=-1)
        conditional = conditional_bits(class_counts)
        result[scope + "_entropy"] = h
        result[scope + "_conditional_entropy"] = conditional
        result[scope + "_mutual_information"] = np.maximum(0.0, h - conditional)
    result["range"] = np.array([lo, hi])
    return result


def spacing_entropy(sorted_values):
    """Vasicek m-spacing entropy (nats) of ascending values: SciPy's
    differential_entropy(method="vasicek") (edge padding, m = floor(sqrt(n) + 0.5)),
    except that zero spacings (exact ties) are left out of the mean instead of giving
    -inf, the plugin's rule for rare repeats (Documentation/entropy.md)."""
    n = len(sorted_values)
    if n < 2 or sorted_values[0] == sorted_values[-1]:
        return math.nan
    m = math.floor(math.sqrt(n) + 0.5)
    x = sorted_values.astype(np.float64)
    padded = np.concatenate((np.full(m, x[0]), x, np.full(m, x[-1])))
    spacing = padded[2 * m:] - padded[:-2 * m]
    spacing = spacing[spacing > 0.0]
    return float(np.mean(np.log(n / (2.0 * m) * spacing)))


def spacing_matches_scipy():
    """True when spacing_entropy gives SciPy's differential_entropy(method="vasicek") on
    data without ties (where the two differ by nothing but the tie rule)."""
    values = np.sort(np.random.default_rng(7).standard_normal(20000))
    ours = spacing_entropy(values)
    theirs = float(scipy.stats.differential_entropy(values, method="vasicek"))
    return abs(ours - theirs) <= 1e-12 * abs(theirs)


def mixed_entropy(sorted_values, atoms):
    """(H_mix, h_c, p_atoms) in bits of ascending values with the given atom values."""
    n = len(sorted_values)
    lo = np.searchsorted(sorted_values, atoms, side="left")
    hi = np.searchsorted(sorted_values, atoms, side="right")
    p = (hi - lo)[hi > lo] / n
    keep = np.ones(n, dtype=bool)
    for a, b in zip(lo, hi):
        keep[a:b] = False
    continuous = sorted_values[keep]
    pc = len(continuous) / n
    hc = spacing_entropy(continuous) if len(continuous) else math.nan
    h = float(-(p * np.log(p)).sum())
    if pc > 0:
        h += -pc * math.log(pc) + pc * hc
    return h / math.log(2), hc / math.log(2), 1.0 - pc


def continuous_layer(x, labels, classes, order):
    """Continuous layer scope as the plugin's default: a strided pooled sample in the
    reader's neuron-major order, atoms at 0.1%, Vasicek, per class with shared atoms."""
    samples, features = x.shape
    total = samples * features
    stride = 1 if total <= MAXIMUM_POOLED else -(-total // MAXIMUM_POOLED)
    position = np.arange(0, total, stride, dtype=np.int64)
    point, sample = np.divmod(position, samples)
    unsorted = x[sample, order[point]]
    value_labels = labels[sample]
    values = np.sort(unsorted)
    # Atoms: values repeating exactly in at least max(2, ceil(t n)) observations.
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    runs = np.diff(np.append(starts, len(values)))
    atoms = values[starts[runs >= max(2, math.ceil(ATOM_THRESHOLD * len(values) - 1e-9))]]
    h, hc, p_atoms = mixed_entropy(values, atoms)
    conditional = 0.0
    for k in range(classes):
        part = np.sort(unsorted[value_labels == k])
        if len(part):
            conditional += len(part) / len(values) * mixed_entropy(part, atoms)[0]
    return {"continuous_entropy": h, "continuous_h_c": hc, "continuous_p_atoms": p_atoms,
            "continuous_conditional_entropy": conditional,
            "continuous_mutual_information": h - conditional, "continuous_count": len(values)}


def layer_sizes(architecture, samples):
    """The reader's layers (input, leaf modules in call order, logits) with their
    activation bytes at `samples` samples."""
    model = cnn_models.build(architecture)
    info = cnn_models.DATASETS[cnn_models.MODELS[architecture][1]]
    shapes = []
    hooks = [module.register_forward_hook(
        lambda m, i, out, name=name: shapes.append((name, tuple(out.shape[1:]))))
        for name, module in leaf_modules(model)]
    with torch.inference_mode():
        model(torch.zeros((1,) + tuple(info["input_shape"])))
    for hook in hooks:
        hook.remove()
    shapes = [("input", tuple(info["input_shape"]))] + shapes + [("logits", shapes[-1][1])]
    return [(name, 4 * samples * int(np.prod(shape))) for name, shape in shapes]


def list_groups(args):
    """Prints {"layers": "a,b;c,d", "groups": [[...], ...], "group_mb": [...]}: the reader's
    layers in order, cut into groups whose activations fit --group-mb at --samples."""
    groups, sizes, current, size = [], [], [], 0
    for name, size_bytes in layer_sizes(args.architecture, args.samples):
        if current and size + size_bytes > args.group_mb * 2**20:
            groups.append(current)
            sizes.append(size / 2**20)
            current, size = [], 0
        current.append(name)
        size += size_bytes
    groups.append(current)
    sizes.append(size / 2**20)
    print(json.dumps({"layers": ";".join(",".join(g) for g in groups), "groups": groups,
                      "group_mb": sizes}))


def main():
    args = parse_args()
    if args.list_groups:
        list_groups(args)
        return 0
    torch.set_num_threads(args.threads)
    timings = {"imports_s": time.perf_counter() - start}
    timings["rss_after_imports_mb"] = resident_megabytes()

    t = time.perf_counter()
    info = cnn_models.DATASETS[cnn_models.MODELS[args.architecture][1]]
    images, labels = load_images(args.dataset, args.samples)
    x = preprocess(images, info)
    model = cnn_models.build(args.architecture)
    model.load_state_dict(torch.jit.load(args.model).state_dict())
    model.eval()
    timings["load_s"] = time.perf_counter() - t

    # Layer groups (";" between groups) run one after the other, each with its own
    # forward pass, so that only one group's activations are held at a time.
    all_names = [n for n, _ in layer_sizes(args.architecture, 1)]
    groups = [g.split(",") for g in args.layers.split(";")] if args.layers else [all_names]
    classes = int(labels.max()) + 1
    results = {}
    values = 0
    for key in ("capture_s", "discrete_s", "continuous_s"):
        timings[key] = 0.0
    for names in groups:
        t = time.perf_counter()
        activations = capture(model, x, names, args.batch)
        timings["capture_s"] += time.perf_counter() - t
        missing = [n for n in names if n not in activations]
        if missing:
            sys.exit("python_analysis: layers not found in the model: " + ", ".join(missing))
        values += sum(a.size for a in activations.values())

        t = time.perf_counter()
        for name, a in activations.items():
            order = reader_neuron_order(a.shape[1:])
            layer = discrete_layer(a.reshape(len(a), -1), labels, classes,
                                   reader_channels(a.shape[1:]))
            # Neuron results in the reader's point order, to compare entry by entry.
            for key in ("neuron_entropy", "neuron_conditional_entropy",
                        "neuron_mutual_information"):
                layer[key] = layer[key][order]
            results[name] = layer
        timings["discrete_s"] += time.perf_counter() - t

        t = time.perf_counter()
        for name, a in activations.items():
            results[name].update(continuous_layer(a.reshape(len(a), -1), labels, classes,
                                                  reader_neuron_order(a.shape[1:])))
        timings["continuous_s"] += time.perf_counter() - t
        del activations

    if args.out:
        arrays = {"layers": np.array(list(results))}
        for i, (name, layer) in enumerate(results.items()):
            for key, value in layer.items():
                arrays["%d/%s" % (i, key)] = np.asarray(value)
        np.savez(args.out, **arrays)
    timings["total_s"] = time.perf_counter() - start
    print(json.dumps(dict(timings, samples=len(x), layers=len(results), groups=len(groups),
                          values=int(values), threads=args.threads,
                          spacing_matches_scipy=spacing_matches_scipy())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
