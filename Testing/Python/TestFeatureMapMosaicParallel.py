"""The Feature Map Mosaic in `mpiexec -n 2 pvbatch` lays every layer out where a serial
run does.

The reader gives each process whole layers; the mosaic filter shares the layers' sizes
between processes so that each lays out its own layers at the serial positions (without
that, each process would start its layers at x = 0 and their mosaics would overlap).
Runs mosaic_parallel_run.py with `pvbatch --symmetric` alone and under `mpiexec -n 2`,
for every layer and for Layer = 1, and checks that each layer's tiles are laid out on
exactly one process, at the serial corners, with the serial labels in total.

Usage: python3 TestFeatureMapMosaicParallel.py --pvbatch PVBATCH --mpiexec MPIEXEC
       --plugin SO --data TEST_DATA_DIR --work DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--pvbatch", required=True)
parser.add_argument("--mpiexec", required=True)
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mosaic_parallel_run.py")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def run(launcher, layer, out):
    shutil.rmtree(out, ignore_errors=True)
    command = launcher + [args.pvbatch, "--symmetric", script, "--plugin", args.plugin,
                          "--model", os.path.join(args.data, "models", "lenet5_scripted.pt"),
                          "--data", os.path.join(args.data, "data", "mnist"),
                          "--layer", str(layer), "--out", out]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=120)
    if result.returncode != 0:
        print(result.stdout)
        sys.exit("FAIL: %s exited with %d" % (" ".join(command[:4]), result.returncode))
    errors = [line for line in result.stdout.splitlines() if "ERR|" in line]
    check(not errors, "errors in %s:\n%s" % (out, "\n".join(errors)))
    return [json.load(open(os.path.join(out, name)))
            for name in sorted(os.listdir(out)) if name.endswith(".json")]


# Open MPI refuses root without --allow-run-as-root; the two processes may share one core.
mpi = [args.mpiexec, "-n", "2", "--allow-run-as-root", "--oversubscribe"]
for layer in (-1, 1):
    serial = run([], layer, os.path.join(args.work, "serial%d" % layer))[0]
    ranks = run(mpi, layer, os.path.join(args.work, "mpi2-%d" % layer))
    check(len(ranks) == 2, "layer %d: %d process reports" % (layer, len(ranks)))
    merged = {}
    for report in ranks:
        for block, laid_out in report["layers"].items():
            check(block not in merged, "layer %d: block %s laid out by two processes" % (layer, block))
            merged[block] = laid_out
    check(len(serial["layers"]) == (13 if layer < 0 else 1),
          "layer %d: the serial run laid out %d layers" % (layer, len(serial["layers"])))
    check(merged == serial["layers"],
          "layer %d: 2 processes laid out blocks %s, the serial run %s, or at other corners"
          % (layer, sorted(merged, key=int), sorted(serial["layers"], key=int)))
    if layer < 0:
        check(all(report["layers"] for report in ranks), "one process laid out nothing")
    for key in ("tile_labels", "layer_labels"):
        check(sum(report[key] for report in ranks) == serial[key],
              "layer %d: %s %s, serial %d" % (layer, key, [r[key] for r in ranks], serial[key]))
    print("layer %d: processes laid out blocks %s" % (layer, [sorted(r["layers"], key=int)
                                                            for r in ranks]))

if failures:
    sys.exit("%d checks failed" % len(failures))
print("PASS: 2 processes lay the mosaics out where the serial run does")
