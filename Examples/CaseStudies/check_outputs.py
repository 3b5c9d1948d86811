"""Checks the case studies' outputs (CI, run.sh tiny): every model folder has every figure
(a PNG of real size) and every table (CSV with rows, numbers finite where they must be),
and the report links only figures that exist.

    python3 check_outputs.py RESULTS REPORT.md
"""
import csv
import json
import math
import os
import re
import sys

results, report = sys.argv[1:3]
FIGURES = ["through_network_discrete.png", "through_network_continuous.png", "channel_heatmap.png",
           "neuron_entropy_maps.png", "classes.png", "inputs.png", "epochs_entropy.png",
           "epochs_mutual_information.png", "information_plane.png", "information_plane_2bins.png"]
# Columns that must be finite in every row (others may be NaN by definition, e.g. h_c of
# a layer that is all atoms).
TABLES = {"layers.csv": ["H_discrete", "I_TY", "mean_neuron_H", "mean_neuron_I_TY", "H_mix", "p_atoms"],
          "channels.csv": ["H"], "classes.csv": ["I_TY"], "inputs.csv": ["H_correct"],
          "layer_type_effects.csv": ["mean_dH_discrete"], "epochs.csv": ["H", "I_TY", "mean_neuron_I_TY", "accuracy"],
          "information_plane.csv": ["I_XT", "I_TY", "H_max"],
          "information_plane_2bins.csv": ["I_XT", "I_TY"], "dead_channels.csv": []}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


models = [m for m in sorted(os.listdir(results)) if m != "comparison"]
check(len(models) >= 1, "no model folder in %s" % results)
for model in models:
    folder = os.path.join(results, model)
    for name in FIGURES:
        path = os.path.join(folder, name)
        check(os.path.exists(path) and os.path.getsize(path) > 10000,
              "%s/%s missing or too small to be a figure" % (model, name))
    for name, columns in TABLES.items():
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            check(False, "%s/%s missing" % (model, name))
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        check(len(rows) > 0, "%s/%s has no rows" % (model, name))
        for column in columns:
            bad = [r for r in rows if not math.isfinite(float(r[column]))]
            check(not bad, "%s/%s: %d non-finite %s values" % (model, name, len(bad), column))
    # Tables of studies 1-4 list the layers in execution order, whatever the layer groups.
    summary_path = os.path.join(folder, "summary.json")
    if os.path.exists(summary_path) and os.path.exists(os.path.join(folder, "layers.csv")):
        with open(summary_path) as f:
            order = json.load(f).get("layer_order", [])
        with open(os.path.join(folder, "layers.csv")) as f:
            rows = list(csv.DictReader(f))
        check([r["layer_name"] for r in rows] == order,
              "%s/layers.csv is not in execution order: %s" % (
                  model, ", ".join(r["layer_name"] for r in rows)))
        check([int(r["layer_index"]) for r in rows] == list(range(len(rows))),
              "%s/layers.csv: layer_index is not 0..%d" % (model, len(rows) - 1))
    else:
        check(False, "%s/summary.json missing" % model)
comparison = os.path.join(results, "comparison")
for name in ("comparison.csv", "comparison_entropy.png", "comparison_mutual_information.png"):
    check(os.path.exists(os.path.join(comparison, name)), "comparison/%s missing" % name)
with open(report) as f:
    text = f.read()
links = re.findall(r"\]\(([^)]+\.(?:png|csv))\)", text)
check(len(links) >= 10 * len(models), "the report links %d figures/tables" % len(links))
for link in links:
    check(os.path.exists(os.path.join(os.path.dirname(report), link)), "report link %s is broken" % link)
check(not re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE), "the report prints NaN or inf")
if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("case-study outputs complete: %d models, %d figures and tables linked" % (len(models), len(links)))
