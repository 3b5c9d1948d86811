"""Study 6: two models side by side (LeNet-5 vs LeNet-5+BatchNorm), from the output
folders of case_study.py. Writes OUT/comparison.csv (per layer type: mean change of the
discrete entropy, of I(T;Y) and of p_atoms, for each model) and two charts of the layers
in network order: discrete H(T) and mean neuron I(T;Y) (bits).

    xvfb-run -a pvbatch compare.py --plugin CNNSlicer.so A_DIR B_DIR --names lenet5 lenet5bn --out OUT
"""
import argparse
import csv
import os
import sys

from paraview import simple

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True)
parser.add_argument("folders", nargs=2)
parser.add_argument("--names", nargs=2, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
simple.LoadPlugin(args.plugin, remote=False)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figures import chart  # noqa: E402


def read(folder, name):
    with open(os.path.join(folder, name)) as f:
        return list(csv.DictReader(f))


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


os.makedirs(args.out, exist_ok=True)
layers = [read(folder, "layers.csv") for folder in args.folders]
effects = [{row["layer_type"]: row for row in read(folder, "layer_type_effects.csv")}
           for folder in args.folders]
types = []
for table in effects:
    for t in table:
        if t not in types:
            types.append(t)
rows = []
for t in types:
    row = {"layer_type": t}
    for name, table in zip(args.names, effects):
        entry = table.get(t, {})
        for column in ("layers", "mean_dH_discrete", "mean_dI_TY", "mean_p_atoms"):
            row["%s_%s" % (name, column)] = entry.get(column, "")
    rows.append(row)
with open(os.path.join(args.out, "comparison.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)

# One row per position along the network; each model's value at its own layer index.
depth = max(len(t) for t in layers)
for column, title, path in (
        ("H_discrete", "discrete entropy H(T) of each layer", "comparison_entropy.png"),
        ("mean_neuron_I_TY", "mean neuron I(T;Y) of each layer", "comparison_mutual_information.png")):
    series_rows = []
    for i in range(depth):
        row = {"layer_index": float(i)}
        for name, table in zip(args.names, layers):
            row[name] = number(table[i][column]) if i < len(table) else float("nan")
        series_rows.append(row)
    chart(os.path.join(args.out, path), series_rows, "layer_index",
          {name: "%s (%d layers)" % (name, len(table)) for name, table in zip(args.names, layers)},
          "%s vs %s: %s" % (args.names[0], args.names[1], title),
          "layer index (execution order; the BatchNorm model has more layers)", "bits")
print("comparison written to %s" % args.out)
