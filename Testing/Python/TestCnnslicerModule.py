"""pvpython test of the `cnnslicer` module shipped inside the plugin: importable after
LoadPlugin, builds reader + entropy pipelines, returns tables, writes CSV.

Run: pvpython TestCnnslicerModule.py --plugin CNNSlicer.so --data DIR (Testing/make-test-data.sh)
"""
import argparse
import math
import os
import tempfile

from paraview import simple

from cnnslicer_testing import Checks

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
args = parser.parse_args()
check = Checks()

try:
    import cnnslicer  # noqa: F401
    check(False, "cnnslicer must not be importable before the plugin is loaded")
except ImportError:
    pass
simple.LoadPlugin(args.plugin, remote=False)
import cnnslicer  # noqa: E402

model = cnnslicer.open_model(os.path.join(args.data, "models", "lenet5_scripted.pt"),
                             os.path.join(args.data, "data", "mnist"), samples=0,
                             NormalizationMode="None")
samples = cnnslicer.sample_table(model)
check(len(samples) == 64 and set(samples[0]) >= {"sample_id", "label", "prediction", "confidence"},
      "sample table: %d rows, keys %s" % (len(samples), sorted(samples[0]) if samples else []))

discrete = cnnslicer.discrete_entropy(model, bins=16)
layers = cnnslicer.layer_table(discrete)
names = [row["layer_name"] for row in layers]
check(len(layers) == 13 and names[0] == "input" and names[-1] == "logits", "layer rows: %s" % names)
check(all(0.0 <= row["entropy"] <= math.log2(16) + 1e-12 for row in layers), "0 <= H <= log2(16) bits")
check(all(row["mutual_information"] >= 0 for row in layers), "I(T;Y) >= 0")
channels = cnnslicer.channel_table(discrete)
check(len(channels) == sum(row["channels"] for row in layers), "one channel row per channel")

# Chart labels: each layer's name at its position, a module's later layers by their last
# part, a module's first layer one line lower, the selected layer in brackets.
labels = cnnslicer.layer_axis_labels(layers, selected="features.3")
check(labels[:6] == ["0", "input", "1", "\nfeatures.0", "2", ".1"]
      and labels[8:10] == ["4", "[.3]"] and labels[-2:] == ["12", "logits"],
      "layer axis labels: %s" % labels)
# The tiny MNIST set names no classes; the reader then has digits' names or none.
names = cnnslicer.class_names(model)
check(names == [] or len(names) == 10, "class names of the tiny MNIST set: %s" % names)

continuous = cnnslicer.continuous_entropy(model, "knn", NeuronScope=0)
rows = {row["layer_name"]: row for row in cnnslicer.layer_table(continuous)}
check(rows["features.1"]["p_atoms"] > 0.2, "ReLU output has an atom at 0: p_atoms %.3f" % rows["features.1"]["p_atoms"])
check(all(math.isfinite(row["entropy"]) for row in rows.values()), "finite mixed entropies")
try:
    cnnslicer.continuous_entropy(model, "histogram")
    check(False, "an unknown estimator must raise")
except ValueError as error:
    check("kde" in str(error), "the error lists the estimators: %s" % error)

with tempfile.TemporaryDirectory() as out:
    paths = cnnslicer.save_tables(discrete, out)
    check(all(os.path.getsize(p) > 100 for p in paths), "CSV tables written")
    with open(paths[0]) as f:
        check(len(f.read().strip().splitlines()) == 14, "layer CSV: header + 13 rows")

    # The information plane of a one-checkpoint model: a row per layer, bounded by log2 N
    # and H(Y), drawn as a chart with one trajectory per layer.
    plane = cnnslicer.information_plane(model, bins=4)
    rows = cnnslicer.information_plane_table(plane)
    check(len(rows) == 13, "information plane: one row per layer: %d" % len(rows))
    check(all(0.0 <= row["I_TY"] <= min(row["I_XT"], row["H_Y"]) + 1e-12 and
              row["I_XT"] <= math.log2(64) + 1e-12 for row in rows),
          "0 <= I(T;Y) <= min(I(X;T), H(Y)), I(X;T) <= log2 64")
    png = cnnslicer.plot_information_plane(plane, os.path.join(out, "plane.png"))
    check(os.path.getsize(png) > 10000, "information plane chart written")
check.finish()
