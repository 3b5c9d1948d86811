"""Checks what Examples/quickstart.py wrote (ctest, after the quickstart ran on a reduced
setting): one CSV row per layer of the model with finite entropies in bits, the PNGs and
the state file. Usage: check_quickstart_output.py DIR EXPECTED_LAYERS"""
import csv
import math
import os
import sys

directory, expected_layers = sys.argv[1], int(sys.argv[2])
problems = []
with open(os.path.join(directory, "layer_entropy.csv"), newline="") as f:
    rows = list(csv.DictReader(f))
if len(rows) != expected_layers:
    problems.append("layer_entropy.csv has %d rows, expected %d" % (len(rows), expected_layers))
for row in rows:
    for column in ("entropy", "conditional_entropy", "mutual_information"):
        value = float(row[column])
        if not math.isfinite(value) or value < 0:
            problems.append("%s of %s is %r" % (column, row["layer_name"], row[column]))
if [r["layer_name"] for r in rows][:1] != ["input"] or rows[-1]["layer_name"] != "logits":
    problems.append("layers should run from input to logits: %s" % [r["layer_name"] for r in rows])
with open(os.path.join(directory, "channel_entropy.csv"), newline="") as f:
    if len(list(csv.DictReader(f))) < expected_layers:
        problems.append("channel_entropy.csv has fewer rows than layers")
for name in ("entropy_through_network.png", "network_entropy.png", "feature_map_mosaic.png",
             "cnnslicer.pvsm"):
    path = os.path.join(directory, name)
    if not os.path.isfile(path) or os.path.getsize(path) < 1000:
        problems.append("%s is missing or empty" % name)
for problem in problems:
    print("FAIL:", problem)
print("%d problem(s)" % len(problems) if problems else "quickstart output is complete")
sys.exit(1 if problems else 0)
