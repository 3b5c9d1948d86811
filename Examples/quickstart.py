"""CNNSlicer quickstart (pvpython/pvbatch): how much information each layer of a CNN
keeps, on real data, in one command.

Runs the shipped LeNet-5 (trained on Fashion-MNIST by Examples/Training) on Fashion-MNIST
test images through the CNN Activations Reader and CNN Entropy (Discrete), with the
plugin's `cnnslicer` module, and writes to the output folder:
  layer_entropy.csv      one row per layer: H(T), H(T|Y), I(T;Y) in bits, ...
  channel_entropy.csv    one row per channel
  entropy_through_network.png   line chart of H(T) and I(T;Y) per layer
  network_entropy.png    every layer's per-neuron entropy, side by side
  cnnslicer.pvsm         the same pipeline as a ParaView state file
Rendering needs an X server (Examples/quickstart.sh runs this under xvfb-run).
"""
import argparse
import os

from paraview import simple

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True, help="path of CNNSlicer.so")
parser.add_argument("--model", required=True, help="TorchScript model (.pt)")
parser.add_argument("--data", required=True, help="dataset (folder or file)")
parser.add_argument("--samples", type=int, default=2000, help="number of test images")
parser.add_argument("--output", default="quickstart-output", help="output folder")
args = parser.parse_args()

simple.LoadPlugin(args.plugin, remote=False)
import cnnslicer  # noqa: E402  (shipped inside the plugin)

model = cnnslicer.open_model(args.model, args.data, samples=args.samples)
entropy = cnnslicer.discrete_entropy(model, bins=64)
if not cnnslicer.layer_table(entropy):
    raise SystemExit("quickstart: the entropy filter produced no layer table (see the messages above)")
cnnslicer.save_tables(entropy, args.output)
cnnslicer.plot_layer_entropy(entropy, os.path.join(args.output, "entropy_through_network.png"),
                             title="Information through %s, %d images" % (os.path.basename(args.model),
                                                                           args.samples))
cnnslicer.render_network(entropy, os.path.join(args.output, "network_entropy.png"))
simple.SaveState(os.path.join(args.output, "cnnslicer.pvsm"))

print()
cnnslicer.print_layer_table(entropy)
samples = cnnslicer.sample_table(model)
accuracy = sum(row["correct"] for row in samples) / len(samples)
print("\nmodel accuracy on these %d images: %.1f%%" % (len(samples), 100 * accuracy))
print("results in %s/; to open the same pipeline in the GUI:" % args.output)
print("  paraview --plugin-search-paths=%s --plugins=CNNSlicer --state=%s" % (
    os.path.dirname(os.path.abspath(args.plugin)), os.path.abspath(os.path.join(args.output, "cnnslicer.pvsm"))))
