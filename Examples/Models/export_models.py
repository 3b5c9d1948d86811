#!/usr/bin/python3
"""Export the CNNSlicer test models as TorchScript archives with metadata.

usage: export_models.py OUT_DIR [--models lenet5,lenet5bn,vgg,resnet]
                        [--mode scripted|traced|both] [--seed N] [--frozen]

Writes ``OUT_DIR/<name>_<mode>.pt`` for every chosen model and mode, and with
``--frozen`` also ``OUT_DIR/<name>_<mode>_frozen.pt`` (``torch.jit.freeze``:
no module boundaries are left in it). Every archive carries the extra file
``cnnslicer.json`` (input shape, normalization, class names, dataset,
architecture, format version). Models are exported in eval mode; weights
come from ``cnn_models.build(name, seed)``, so ``reference_activations.py``
with the same seed rebuilds exactly the same eager model.

Needs Debian's python3-torch (run with /usr/bin/python3).
"""

import argparse
import json
import os
import sys

import torch

# Make the sibling module importable however this script is invoked.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn_models  # noqa: E402

MODES = ("scripted", "traced")


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Export the CNNSlicer test models as TorchScript.")
    parser.add_argument("out_dir", metavar="OUT_DIR",
                        help="directory that receives the .pt files")
    parser.add_argument("--models", default=",".join(cnn_models.MODELS),
                        help="comma-separated model names (default: all of "
                             "%(default)s)")
    parser.add_argument("--mode", choices=MODES + ("both",), default="both",
                        help="torch.jit.script, torch.jit.trace or both "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="weight initialization seed (default: "
                             "%(default)s)")
    parser.add_argument("--frozen", action="store_true",
                        help="also write a torch.jit.freeze'd variant of "
                             "every export")
    args = parser.parse_args(argv)
    args.models = [name.strip() for name in args.models.split(",")
                   if name.strip()]
    unknown = [name for name in args.models if name not in cnn_models.MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(cnn_models.MODELS)}")
    return args


def example_input(name, batch=2, seed=0):
    """Return a deterministic example batch for tracing the model ``name``.

    Batch 2 so that no dimension of the example is 1; the traced graphs
    run on any batch size.
    """
    shape = cnn_models.metadata(name)["input_shape"]
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, *shape, generator=generator)


def to_torchscript(model, name, mode):
    """Script or trace the eval-mode ``model``."""
    if mode == "scripted":
        return torch.jit.script(model)
    # Tracing under no_grad keeps autograd bookkeeping out of the recorded
    # types; check_trace re-runs the trace and compares, catching any
    # data-dependent control flow that tracing would silently freeze.
    with torch.no_grad():
        return torch.jit.trace(model, example_input(name), check_trace=True)


def save(module, path, meta):
    """Save ``module`` to ``path`` with ``cnnslicer.json`` embedded."""
    extra = {"cnnslicer.json": json.dumps(meta, indent=2)}
    torch.jit.save(module, path, _extra_files=extra)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main(argv=None):
    """Export every requested model in every requested mode."""
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    modes = MODES if args.mode == "both" else (args.mode,)
    for name in args.models:
        model = cnn_models.build(name, args.seed)
        meta = cnn_models.metadata(name)
        for mode in modes:
            module = to_torchscript(model, name, mode)
            save(module, os.path.join(args.out_dir, f"{name}_{mode}.pt"),
                 meta)
            if args.frozen:
                frozen = torch.jit.freeze(module.eval())
                save(frozen,
                     os.path.join(args.out_dir, f"{name}_{mode}_frozen.pt"),
                     meta)


if __name__ == "__main__":
    # torch.jit.script writes a module's constants in Python set order, which
    # depends on string hashing; a fixed hash seed makes the archives
    # byte-for-byte reproducible.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    main()
