"""The reader and the entropy filters in `mpiexec -n 2 pvbatch` give a serial run's tables.

Runs parallel_entropy_run.py once with `pvbatch --symmetric` and once with `mpiexec -n 2
pvbatch --symmetric`, then checks (Documentation/parallel.md):
  - discrete tables (CNN Entropy (Discrete) layer and channel tables, CNN Sample
    Entropy's layer table, CNN Information Plane's table) are identical, number for number;
  - the streamed discrete tables (Stream Samples), serial and 2 processes, are the serial
    in-memory ones, number for number;
  - continuous tables (CNN Entropy (Continuous)) agree within 1e-9 relative;
  - the sample table of the two processes together is the serial one;
  - each layer is held by exactly one process, the two hold all of the serial run's
    activation bytes between them, and neither holds more than 60% of them.

Usage: python3 TestParallelEntropy.py --pvbatch PVBATCH --mpiexec MPIEXEC --plugin SO
       --data TEST_DATA_DIR --work DIR
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys

from cnnslicer_testing import Checks

parser = argparse.ArgumentParser()
parser.add_argument("--pvbatch", required=True)
parser.add_argument("--mpiexec", required=True)
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parallel_entropy_run.py")
run_arguments = ["--symmetric", script, "--plugin", args.plugin,
                 "--model", os.path.join(args.data, "models", "lenet5bn_scripted.pt"),
                 "--data", os.path.join(args.data, "data", "mnist"),
                 "--split", "train", "--samples", "160",
                 # Per-neuron KDE on every neuron takes most of a minute; the tables come
                 # from the layer and channel scopes.
                 "--continuous-neurons", "0"]
check = Checks()


def run(command, out):
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(command + ["--out", out], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=120)
    if result.returncode != 0:
        print(result.stdout)
        sys.exit("FAIL: %s exited with %d" % (" ".join(command[:4]), result.returncode))
    errors = [line for line in result.stdout.splitlines() if "ERR|" in line]
    check(not errors, "errors in %s:\n%s" % (out, "\n".join(errors)))


serial = os.path.join(args.work, "serial")
parallel = os.path.join(args.work, "mpi2")
run([args.pvbatch] + run_arguments, serial)
# Open MPI refuses root without --allow-run-as-root; the two processes may share one core.
run([args.mpiexec, "-n", "2", "--allow-run-as-root", "--oversubscribe", args.pvbatch]
    + run_arguments, parallel)


def rows(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


for table in ["discrete_layers", "discrete_channels", "sample_entropy_layers",
              "information_plane"]:
    expected = rows(os.path.join(serial, table + ".csv"))
    got = rows(os.path.join(parallel, table + ".csv"))
    check(len(expected) > 1, "%s: the serial table is empty" % table)
    check(got == expected, "%s: the 2-process table differs from the serial one" % table)

# Streaming: each process streams its own layers batch by batch, and the tables equal the
# serial in-memory ones to the last digit.
for streamed, in_memory in (("streamed_layers", "discrete_layers"),
                            ("streamed_channels", "discrete_channels")):
    expected = rows(os.path.join(serial, in_memory + ".csv"))
    for run_folder in (serial, parallel):
        got = rows(os.path.join(run_folder, streamed + ".csv"))
        check(got == expected, "%s of %s differs from the serial in-memory %s"
              % (streamed, os.path.basename(run_folder), in_memory))

for table in ["continuous_layers", "continuous_channels"]:
    expected = rows(os.path.join(serial, table + ".csv"))
    got = rows(os.path.join(parallel, table + ".csv"))
    check(len(expected) > 1 and len(got) == len(expected) and got[0] == expected[0],
          "%s: %d rows and columns %s, serial %d rows" % (table, len(got), got[:1], len(expected)))
    worst = 0.0
    for row_got, row_expected in zip(got[1:], expected[1:]):
        for a, b in zip(row_got, row_expected):
            try:
                x, y = float(a), float(b)
            except ValueError:
                check(a == b, "%s: text %r != %r" % (table, a, b))
                continue
            if math.isnan(x) or math.isnan(y):
                check(math.isnan(x) and math.isnan(y), "%s: %r vs %r" % (table, a, b))
            elif x != y:
                worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
    check(worst <= 1e-9, "%s: relative difference %.3g above 1e-9" % (table, worst))
    print("%s: largest relative difference %.3g" % (table, worst))

sample_rows = rows(os.path.join(parallel, "samples_rank0.csv"))
sample_rows += rows(os.path.join(parallel, "samples_rank1.csv"))[1:]
check(sample_rows == rows(os.path.join(serial, "samples_rank0.csv")),
      "the sample tables of the two processes together differ from the serial one")

reports = [json.load(open(os.path.join(parallel, "rank%d.json" % r))) for r in range(2)]
serial_report = json.load(open(os.path.join(serial, "rank0.json")))
total = serial_report["activation_bytes"]
held = [report["activation_bytes"] for report in reports]
layers = [report["layers"] for report in reports]
check(sorted(layers[0] + layers[1]) == sorted(serial_report["layers"]),
      "layers held %s + %s are not the serial run's %s" % (layers[0], layers[1],
                                                           serial_report["layers"]))
check(not set(layers[0]) & set(layers[1]), "a layer is held by both processes")
check(sum(held) == total, "the processes hold %d bytes, the serial run %d" % (sum(held), total))
check(max(held) <= 0.6 * total, "one process holds %d of %d bytes" % (max(held), total))
print("activation bytes: serial %d, processes %s (%.1f%% / %.1f%%)"
      % (total, held, 100.0 * held[0] / total, 100.0 * held[1] / total))
print("seconds: serial %.2f, 2 processes %s" % (
    serial_report["seconds"]["total"], [round(r["seconds"]["total"], 2) for r in reports]))

check.finish()
