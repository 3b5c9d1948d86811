"""One model's case study (Documentation/case-studies.md), as a pvbatch script.

For a trained model given as its checkpoint series (``<name>_epoch_NN.pt``), on the test
images of its dataset, writes into OUT/ the tables (CSV) and figures (PNG rendered by
ParaView) of the six studies:

1. information through the network: discrete H(T), I(T;Y) and continuous H_mix / h_c /
   p_atoms per layer, and what each layer type does to them (``layers.csv``,
   ``layer_type_effects.csv``, ``through_network_discrete.png``,
   ``through_network_continuous.png``);
2. channels: per-channel entropy (``channels.csv``, ``channel_heatmap.png``), dead
   channels (``dead_channels.csv``) and the neuron-entropy maps of one layer
   (``neuron_entropy_maps.png``);
3. classes: H(T|Y=k) per layer and the mean neuron I(T;Y) (``classes.csv``,
   ``classes.png``);
4. inputs: sample-scope entropy of correctly vs wrongly classified inputs
   (``inputs.csv``, ``inputs.png``);
5. training: layer entropy, I(T;Y) and accuracy across epochs and the information plane
   (``epochs.csv``, ``epochs_entropy.png``, ``epochs_mutual_information.png``,
   ``information_plane.csv``, ``information_plane.png``,
   ``information_plane_2bins.png``);
and ``summary.json`` with the numbers the report quotes.

Layers are processed in groups whose activations fit ``--memory-mb`` (the reader's own
estimate), so a VGG on 10,000 CIFAR-10 images runs in a few GB.

    xvfb-run -a pvbatch case_study.py --plugin CNNSlicer.so --checkpoints DIR \\
        --data DATASET --name lenet5 --out OUT [--first-sample 8000 --samples 2000]
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import sys
import time

from paraview import simple

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True, help="CNNSlicer.so")
parser.add_argument("--checkpoints", required=True,
                    help="folder of <name>_epoch_NN.pt checkpoints (or one .pt file)")
parser.add_argument("--data", required=True, help="dataset file or folder")
parser.add_argument("--split", default="", help="reader Split (e.g. test for CIFAR-10)")
parser.add_argument("--first-sample", type=int, default=0)
parser.add_argument("--samples", type=int, default=2000)
parser.add_argument("--name", required=True, help="model name used in titles")
parser.add_argument("--out", required=True)
parser.add_argument("--bins", type=int, default=64, help="bins of the discrete estimator")
parser.add_argument("--epochs", default="",
                    help="comma-separated epochs for the training study (default: all)")
parser.add_argument("--epoch-samples", type=int, default=0,
                    help="test images for the training study and the information plane, which "
                         "hold every layer at once (default: --samples)")
parser.add_argument("--memory-mb", type=float, default=3000.0,
                    help="activation memory per layer group")
parser.add_argument("--continuous-values", type=int, default=1000000,
                    help="values per layer for the continuous estimator (0 = all)")
args = parser.parse_args()

simple.LoadPlugin(args.plugin, remote=False)
import cnnslicer  # noqa: E402  (shipped inside the plugin)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figures import chart, render_channel_heatmap  # noqa: E402

os.makedirs(args.out, exist_ok=True)
started = time.time()


def log(message):
    print("[%6.1f s] %s: %s" % (time.time() - started, args.name, message), flush=True)


def epoch_of(path):
    match = re.search(r"(\d+)\.pt$", os.path.basename(path))
    return int(match.group(1)) if match else 0


if os.path.isdir(args.checkpoints):
    checkpoints = sorted(glob.glob(os.path.join(args.checkpoints, "*.pt")), key=epoch_of)
else:
    checkpoints = [args.checkpoints]
if not checkpoints:
    sys.exit("case_study: no .pt checkpoint in %s" % args.checkpoints)
if args.epochs:
    wanted = {int(e) for e in args.epochs.split(",")}
    series = [c for c in checkpoints if epoch_of(c) in wanted]
else:
    series = checkpoints
final = checkpoints[-1]


def write_csv(name, rows, columns=None):
    path = os.path.join(args.out, name)
    columns = columns or (list(rows[0].keys()) if rows else [])
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("%.6g" % v if isinstance(v, float) else v) for k, v in row.items()})
    return path


def open_reader(files, layers=None, samples=None):
    # Layers are chosen before the first update, so that a layer group is all the reader
    # ever holds (all layers at once may be above its MemoryLimit).
    properties = {"FirstSample": args.first_sample}
    if args.split:
        properties["Split"] = args.split
    if layers is not None:
        properties["Layers"] = layers
    return cnnslicer.open_model(files, args.data, samples=samples or args.samples, **properties)


def layer_groups(files):
    """Layer names in execution order, grouped so that each group fits --memory-mb."""
    probe = cnnslicer.open_model(files, args.data, samples=1, FirstSample=args.first_sample,
                                 **({"Split": args.split} if args.split else {}))
    names = list(probe.GetProperty("LayerInfo")[::2])
    per_layer = {}
    for name in names:
        probe.Layers = [name]
        probe.UpdatePipelineInformation()
        per_layer[name] = probe.GetProperty("MemoryEstimate")[0] * args.samples
    simple.Delete(probe)
    groups, current, size = [], [], 0.0
    for name in names:
        if current and size + per_layer[name] > args.memory_mb:
            groups.append(current)
            current, size = [], 0.0
        current.append(name)
        size += per_layer[name]
    if current:
        groups.append(current)
    return names, groups


def finite(values):
    return [v for v in values if isinstance(v, float) and math.isfinite(v)]


def mean(values):
    values = finite(values)
    return sum(values) / len(values) if values else float("nan")


def block_arrays(entropy, names):
    """Per-layer means of the neuron arrays on port 0 (mutual_information, entropy)."""
    from vtkmodules.util.numpy_support import vtk_to_numpy
    data = entropy.GetClientSideObject().GetOutputDataObject(0)
    result = {}
    for i in range(data.GetNumberOfPartitionedDataSets()):
        image = data.GetPartitionedDataSet(i).GetPartition(0)
        name = image.GetFieldData().GetAbstractArray("layer_name").GetValue(0)
        values = {}
        for array in names:
            a = image.GetPointData().GetArray(array)
            if a is not None:
                values[array] = float(vtk_to_numpy(a).mean())
        result[name] = values
    return result


# --- Studies 1 to 4 on the final checkpoint, layer group by layer group. -------------------
summary = {"name": args.name, "checkpoints": [os.path.basename(c) for c in checkpoints],
           "samples": args.samples, "bins": args.bins}
layer_names, groups = layer_groups([final])
log("%d layers in %d group(s), %d test images" % (len(layer_names), len(groups), args.samples))
# Each group's reader numbers its own layers from 0: tables use the position in the whole
# network, so that rows of different groups sort into execution order.
execution_index = {name: i for i, name in enumerate(layer_names)}
summary["layer_order"] = layer_names
summary["layer_groups"] = len(groups)
layers_rows, channel_rows, class_rows, input_rows = [], [], [], []
samples_rows = None
maps_rendered = None
for g, group in enumerate(groups):
    reader = open_reader([final], group)
    if samples_rows is None:
        samples_rows = cnnslicer.sample_table(reader)
    discrete = cnnslicer.discrete_entropy(reader, bins=args.bins, PerClassOutputs=1)
    continuous = cnnslicer.continuous_entropy(reader, "kde", NeuronScope=0, ChannelScope=0,
                                              MaximumObservations=args.continuous_values)
    sample = cnnslicer._constructor("CNNSampleEntropy")(Input=reader)
    sample.NumberOfBins = args.bins
    sample.UpdatePipeline()
    neuron_means = block_arrays(discrete, ["entropy", "mutual_information"])
    cont = {row["layer_name"]: row for row in cnnslicer.layer_table(continuous)}
    for row in cnnslicer.layer_table(discrete):
        c = cont.get(row["layer_name"], {})
        means = neuron_means.get(row["layer_name"], {})
        merged = {"layer_index": execution_index[row["layer_name"]], "layer_name": row["layer_name"],
                  "layer_type": row["layer_type"] or "Input/Output",
                  "output_shape": row.get("output_shape", ""),
                  "H_discrete": row["entropy"], "I_TY": row.get("mutual_information"),
                  "H_T_given_Y": row.get("conditional_entropy"),
                  "mean_neuron_H": row.get("mean_neuron_entropy"),
                  "mean_neuron_I_TY": means.get("mutual_information"),
                  "H_mix": c.get("entropy"), "h_c": c.get("h_c"), "p_atoms": c.get("p_atoms"),
                  "channels": int(row["channels"]), "neurons": int(row["neurons"])}
        layers_rows.append(merged)
        classes = {"layer_index": merged["layer_index"], "layer_name": row["layer_name"]}
        for key, value in row.items():
            if key.startswith("entropy_class_"):
                classes["H_class_" + key[len("entropy_class_"):]] = value
        classes["I_TY"] = row.get("mutual_information")
        classes["mean_neuron_I_TY"] = means.get("mutual_information")
        class_rows.append(classes)
    for row in cnnslicer.channel_table(discrete):
        channel_rows.append({"layer_index": execution_index[row["layer_name"]], "layer_name": row["layer_name"],
                             "layer_type": row["layer_type"], "channel": int(row["channel"]),
                             "H": row["entropy"], "I_TY": row.get("mutual_information")})
    # Study 4: each input's entropy per layer, joined with whether the model got it right.
    correct = {int(r["sample_id"]): int(r["correct"]) for r in samples_rows}
    per_layer = {}
    for row in cnnslicer._rows(cnnslicer._fetch(sample, 2)):
        key = (execution_index[row["layer_name"]], row["layer_name"])
        right = correct.get(int(row["sample_id"]), 1)
        per_layer.setdefault(key, ([], []))[0 if right else 1].append(row["entropy"])
    for (index, name), (right, wrong) in sorted(per_layer.items()):
        input_rows.append({"layer_index": index, "layer_name": name,
                           "H_correct": mean(right), "H_wrong": mean(wrong),
                           "n_correct": len(right), "n_wrong": len(wrong)})
    # Study 2's neuron maps: the first convolution's per-neuron entropy, every channel
    # (rendered at the end, see there).
    if maps_rendered is None:
        maps_rendered = next((row["layer_name"] for row in cnnslicer.layer_table(discrete)
                              if row["layer_type"] == "Conv2d"), None)
    for proxy in (sample, continuous, discrete, reader):
        simple.Delete(proxy)
    log("group %d/%d: %s ... %s" % (g + 1, len(groups), group[0], group[-1]))

layers_rows.sort(key=lambda r: r["layer_index"])
class_rows.sort(key=lambda r: r["layer_index"])
input_rows.sort(key=lambda r: r["layer_index"])
write_csv("layers.csv", layers_rows)
write_csv("channels.csv", channel_rows)
write_csv("classes.csv", class_rows)
write_csv("inputs.csv", input_rows)
accuracy = sum(r["correct"] for r in samples_rows) / len(samples_rows)
summary["accuracy"] = accuracy

# Study 1: what each layer type does (change from the layer before it).
effects = {}
for before, after in zip(layers_rows, layers_rows[1:]):
    entry = effects.setdefault(after["layer_type"], {"dH": [], "dI": [], "dH_mix": [], "p_atoms": []})
    entry["dH"].append(after["H_discrete"] - before["H_discrete"])
    if after["I_TY"] is not None and before["I_TY"] is not None:
        entry["dI"].append(after["I_TY"] - before["I_TY"])
    if after["H_mix"] is not None and before["H_mix"] is not None:
        entry["dH_mix"].append(after["H_mix"] - before["H_mix"])
    entry["p_atoms"].append(after["p_atoms"] if after["p_atoms"] is not None else float("nan"))
effect_rows = [{"layer_type": t, "layers": len(e["dH"]), "mean_dH_discrete": mean(e["dH"]),
                "mean_dI_TY": mean(e["dI"]), "mean_dH_mix": mean(e["dH_mix"]),
                "mean_p_atoms": mean(e["p_atoms"])} for t, e in effects.items()]
write_csv("layer_type_effects.csv", effect_rows)
summary["layer_type_effects"] = effect_rows
summary["layers"] = layers_rows

# Study 2: dead channels (every value identical: H = 0 bits).
dead = [r for r in channel_rows if r["H"] == 0.0]
dead_by_layer = {}
for r in dead:
    dead_by_layer.setdefault(r["layer_name"], []).append(r["channel"])
write_csv("dead_channels.csv", [{"layer_name": k, "dead_channels": len(v),
                                 "channels": " ".join(map(str, v))} for k, v in dead_by_layer.items()]
          or [{"layer_name": "", "dead_channels": 0, "channels": ""}])
summary["dead_channels"] = {k: len(v) for k, v in dead_by_layer.items()}

log("figures of studies 1-4")
titles = {"H_discrete": "H(T), discrete (%d bins)" % args.bins, "I_TY": "I(T;Y) of the layer's values",
          "mean_neuron_H": "mean neuron H", "mean_neuron_I_TY": "mean neuron I(T;Y)"}
chart(os.path.join(args.out, "through_network_discrete.png"), layers_rows, "layer_index", titles,
      "%s: information through the network (%d test images, final epoch)" % (args.name, args.samples),
      "layer index (execution order: input ... logits)", "bits",
      tick_names=[r["layer_name"] for r in layers_rows])
chart(os.path.join(args.out, "through_network_continuous.png"), layers_rows, "layer_index",
      {"H_mix": "H_mix (mixed distribution)", "h_c": "h_c (continuous part)",
       "p_atoms": "p_atoms (probability, not bits)"},
      "%s: continuous entropy with point masses (KDE)" % args.name,
      "layer index (execution order)", "bits (p_atoms: probability)",
      tick_names=[r["layer_name"] for r in layers_rows])
# ParaView's chart legend drops the character "|": "H(T|Y=0)" showed as "H(T Y=0)".
class_series = {k: "H(T) in class %s" % k[len("H_class_"):] for k in class_rows[0]
                if k.startswith("H_class_")}
class_series["I_TY"] = "I(T;Y)"
chart(os.path.join(args.out, "classes.png"), class_rows, "layer_index", class_series,
      "%s: entropy per class and I(T;Y) per layer" % args.name, "layer index (execution order)", "bits",
      tick_names=[r["layer_name"] for r in class_rows])
chart(os.path.join(args.out, "inputs.png"), input_rows, "layer_index",
      {"H_correct": "correctly classified inputs", "H_wrong": "misclassified inputs"},
      "%s: mean sample-scope entropy per layer (%d right, %d wrong)"
      % (args.name, input_rows[0]["n_correct"], input_rows[0]["n_wrong"]),
      "layer index (execution order)", "bits", tick_names=[r["layer_name"] for r in input_rows])

# --- Study 5: training, over the checkpoint series. ------------------------------------
epoch_samples = args.epoch_samples or args.samples
summary["epoch_samples"] = epoch_samples
log("training study over %d checkpoints, %d test images" % (len(series), epoch_samples))
epoch_rows = []
for path in series:
    epoch = epoch_of(path)
    reader = open_reader([path], samples=epoch_samples)
    discrete = cnnslicer.discrete_entropy(reader, bins=args.bins, ChannelScope=0)
    neuron_means = block_arrays(discrete, ["mutual_information"])
    samples = cnnslicer.sample_table(reader)
    acc = sum(r["correct"] for r in samples) / len(samples)
    for row in cnnslicer.layer_table(discrete):
        epoch_rows.append({"epoch": epoch, "layer_index": int(row["layer_index"]),
                           "layer_name": row["layer_name"], "H": row["entropy"],
                           "I_TY": row.get("mutual_information"),
                           "mean_neuron_I_TY": neuron_means.get(row["layer_name"], {}).get(
                               "mutual_information"),
                           "accuracy": acc})
    simple.Delete(discrete)
    simple.Delete(reader)
write_csv("epochs.csv", epoch_rows)
wide_h, wide_i = {}, {}
for row in epoch_rows:
    wide_h.setdefault(row["epoch"], {"epoch": row["epoch"], "accuracy": row["accuracy"]})[row["layer_name"]] = row["H"]
    wide_i.setdefault(row["epoch"], {"epoch": row["epoch"]})[row["layer_name"]] = row["mean_neuron_I_TY"]
layer_types = {r["layer_name"]: r["layer_type"] for r in layers_rows}
names_in_order = []
for row in epoch_rows:
    if row["layer_name"] not in names_in_order:
        names_in_order.append(row["layer_name"])
# More than 12 lines are not told apart: a deep net shows the layers that end a block
# (activations, pooling, linear layers, input and output); epochs.csv has every layer.
plotted, which = names_in_order, "every layer"
if len(names_in_order) > 12:
    plotted = [n for n in names_in_order
               if not re.match(r"(Conv|BatchNorm|Dropout|Flatten)", layer_types.get(n, ""))]
    which = "block-ending layers: %d of %d, all in epochs.csv" % (len(plotted), len(names_in_order))
chart(os.path.join(args.out, "epochs_entropy.png"), sorted(wide_h.values(), key=lambda r: r["epoch"]),
      "epoch", {n: n for n in plotted},
      "%s: layer entropy H(T) across training (%d bins, %d images; %s)"
      % (args.name, args.bins, epoch_samples, which), "epoch", "bits", size=(1200, 800))
chart(os.path.join(args.out, "epochs_mutual_information.png"),
      sorted(wide_i.values(), key=lambda r: r["epoch"]), "epoch", {n: n for n in plotted},
      "%s: mean neuron I(T;Y) across training (%s)" % (args.name, which), "epoch", "bits",
      size=(1200, 800))
summary["epochs"] = sorted({r["epoch"]: r["accuracy"] for r in epoch_rows}.items())

log("information plane")
reader = open_reader(series, samples=epoch_samples)
plane_summary = {}
for bins, name in ((30, "information_plane"), (2, "information_plane_2bins")):
    plane = cnnslicer.information_plane(reader, bins=bins)
    rows = cnnslicer.information_plane_table(plane)
    write_csv(name + ".csv", rows)
    cnnslicer.plot_information_plane(plane, os.path.join(args.out, name + ".png"),
                                     layers=plotted,
                                     title="%s: information plane, %d bins per neuron, %d epochs (%s)"
                                     % (args.name, bins, len(series), which))
    plane_summary[bins] = rows
    simple.Delete(plane)
simple.Delete(reader)
summary["information_plane"] = plane_summary

# Render views last: after one (a colour-mapped image, the heatmap or the mosaic) has been
# rendered, ParaView 5.11 draws the tick labels of every later chart view in the same
# process cut in half. The mosaic's layer is read again on its own for this.
if maps_rendered is not None:
    reader = open_reader([final], [maps_rendered])
    discrete = cnnslicer.discrete_entropy(reader, bins=args.bins)
    cnnslicer.render_layer_maps(discrete, maps_rendered,
                                os.path.join(args.out, "neuron_entropy_maps.png"),
                                title="%s %s: neuron entropy (bits) of every channel"
                                % (args.name, maps_rendered))
    simple.Delete(discrete)
    simple.Delete(reader)
# The heatmap shows layers with feature maps (C x H x W). A fully connected layer's
# "channels" are its single neurons (2,048 after the VGG's flatten), which would squeeze
# every convolutional layer into the first columns; channels.csv has them all.
maps = {r["layer_name"] for r in layers_rows if str(r["output_shape"]).count(",") >= 2}
render_channel_heatmap([r for r in channel_rows if r["layer_name"] in maps] or channel_rows,
                       os.path.join(args.out, "channel_heatmap.png"),
                       title="%s: entropy of every channel of the layers with feature maps "
                       "(bits, %d bins)" % (args.name, args.bins))

with open(os.path.join(args.out, "summary.json"), "w") as f:
    json.dump(summary, f, indent=1, default=str)
log("done: %s" % args.out)
