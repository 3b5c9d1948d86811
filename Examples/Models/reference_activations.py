#!/usr/bin/python3
"""Write the reference activations of a CNNSlicer test model.

usage: reference_activations.py MODEL_NAME OUT_DIR [--seed N] [--batch B]
                                [--input file.npy] [--compare MODEL.pt ...]

Rebuilds the eager model ``cnn_models.build(MODEL_NAME, seed)`` (the same
weights that ``export_models.py --seed N`` exports), runs one input batch
through it with a forward hook on every leaf module, and writes

- ``OUT_DIR/input.npy``: the model input, float32 N x C x H x W (already
  normalized: it goes into the model as is);
- ``OUT_DIR/output.npy``: the model output (logits), float32 N x K;
- ``OUT_DIR/activations/<index>_<name>.npy``: the output of every leaf-module
  call, float32, in execution order;
- ``OUT_DIR/manifest.json``: the ordered list of layers, each
  ``{"index", "name", "type", "shape", "file"}``.

Layer names are module paths (``features.0``, ``layer1.0.bn1``); the k-th
repeated call of one module (k >= 1) is named ``<path>#k``. This is the
ground truth that the C++ capture is tested against.

With ``--compare``, each given TorchScript file is loaded and run on the same
input, and its output is compared with the eager output.

Needs Debian's python3-torch (run with /usr/bin/python3).
"""

import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

# Make the sibling module importable however this script is invoked.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn_models  # noqa: E402

# The project's tolerance for captured values: max abs difference relative to
# the reference tensor's max abs value.
RELATIVE_TOLERANCE = 1e-5


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Write eager forward-hook activations of a test model.")
    parser.add_argument("model", metavar="MODEL_NAME",
                        choices=list(cnn_models.MODELS),
                        help="one of " + ", ".join(cnn_models.MODELS))
    parser.add_argument("out_dir", metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=0,
                        help="weight seed, as given to export_models.py; also "
                             "seeds the random input (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=4,
                        help="random input batch size (default: %(default)s)")
    parser.add_argument("--input", metavar="FILE.npy",
                        help="use this float32 N x C x H x W array as the "
                             "model input instead of a random batch")
    parser.add_argument("--compare", metavar="MODEL.pt", nargs="+",
                        default=[],
                        help="TorchScript files whose output to compare with "
                             "the eager output")
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    return args


def make_input(name, batch, seed):
    """Return a deterministic random input batch for the model ``name``.

    Pixels are uniform in [0, 1) and then normalized with the dataset's
    mean/std, so that the input has the scale that the reader's
    preprocessing gives real images.
    """
    meta = cnn_models.metadata(name)
    channels = meta["input_shape"][0]
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.rand(batch, *meta["input_shape"], generator=generator)
    mean = torch.tensor(meta["mean"]).view(1, channels, 1, 1)
    std = torch.tensor(meta["std"]).view(1, channels, 1, 1)
    return (pixels - mean) / std


def load_input(path, name):
    """Load a float32 N x C x H x W input and check it fits the model."""
    array = np.load(path)
    expected = cnn_models.metadata(name)["input_shape"]
    if array.ndim != 4 or list(array.shape[1:]) != expected:
        expected_text = " x ".join(map(str, expected))
        sys.exit(f"{path}: input shape {list(array.shape)} does not fit "
                 f"model {name} (expected N x {expected_text})")
    if array.dtype != np.float32:
        sys.exit(f"{path}: input dtype is {array.dtype}, expected float32")
    return torch.from_numpy(np.ascontiguousarray(array))


def capture(model, x):
    """Run ``model`` on ``x`` and return (output, layers).

    ``layers`` lists ``(name, type name, tensor)`` for every leaf-module call
    in execution order.
    """
    layers = []
    calls = {}
    handles = []

    def make_hook(path):
        def hook(module, inputs, output):
            if not isinstance(output, torch.Tensor):
                raise TypeError(f"module {path} returned "
                                f"{type(output).__name__}, not a tensor")
            count = calls.get(path, 0)
            calls[path] = count + 1
            name = path if count == 0 else f"{path}#{count}"
            # Clone now: a later in-place op (ReLU(inplace=True), a residual
            # +=) would otherwise overwrite what this hook saw.
            layers.append((name, type(module).__name__,
                           output.detach().clone()))
        return hook

    for path, module in model.named_modules():
        if path and not any(True for _ in module.children()):
            handles.append(module.register_forward_hook(make_hook(path)))
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, layers


def write_reference(out_dir, x, output, layers):
    """Write input, output, per-layer arrays and the manifest."""
    layer_dir = os.path.join(out_dir, "activations")
    os.makedirs(layer_dir, exist_ok=True)
    # Stale arrays from an earlier run (another model) would look like layers.
    for stale in glob.glob(os.path.join(layer_dir, "*.npy")):
        os.remove(stale)
    np.save(os.path.join(out_dir, "input.npy"), x.numpy())
    np.save(os.path.join(out_dir, "output.npy"), output.numpy())
    manifest = []
    for index, (name, type_name, tensor) in enumerate(layers):
        file_name = f"{index}_{name}.npy"
        np.save(os.path.join(layer_dir, file_name), tensor.numpy())
        manifest.append({
            "index": index,
            "name": name,
            "type": type_name,
            "shape": list(tensor.shape),
            "file": f"activations/{file_name}",
        })
    # One line per layer keeps the manifest readable and diffable.
    with open(os.path.join(out_dir, "manifest.json"), "w") as stream:
        stream.write("[\n ")
        stream.write(",\n ".join(json.dumps(entry) for entry in manifest))
        stream.write("\n]\n")
    return manifest


def compare(path, x, expected):
    """Run the TorchScript file ``path`` on ``x``; return True if it matches.

    The forward runs three times because the profiling executor only swaps
    in its optimized graph after two profiling runs; the last result is the
    one compared.
    """
    module = torch.jit.load(path)
    module.eval()
    with torch.no_grad():
        for _ in range(3):
            result = module(x)
    difference = (result - expected).abs().max().item()
    scale = expected.abs().max().item()
    if torch.equal(result, expected):
        verdict = "identical"
    else:
        verdict = f"max abs difference {difference:.3g} " \
                  f"({difference / scale:.3g} of max |output|)"
    print(f"{path}: {verdict}")
    return difference <= RELATIVE_TOLERANCE * scale


def main(argv=None):
    """Capture and write the reference activations of one model."""
    args = parse_args(argv)
    model = cnn_models.build(args.model, args.seed)
    if args.input:
        x = load_input(args.input, args.model)
    else:
        x = make_input(args.model, args.batch, args.seed)
    output, layers = capture(model, x)
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = write_reference(args.out_dir, x, output, layers)
    print(f"{args.model}: {len(manifest)} layers, input "
          f"{list(x.shape)} -> {args.out_dir}")
    for entry in manifest:
        print(f"  {entry['index']:3d} {entry['name']:<28} "
              f"{entry['type']:<18} {entry['shape']}")
    results = [compare(path, x, output) for path in args.compare]
    if not all(results):
        sys.exit("some TorchScript outputs differ from the eager output "
                 f"by more than {RELATIVE_TOLERANCE} of its max")


if __name__ == "__main__":
    main()
