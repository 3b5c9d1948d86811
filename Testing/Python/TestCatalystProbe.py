"""The in-situ probe (cnnslicer-train-catalyst + Examples/Catalyst/cnnslicer_catalyst.py).

--check extracts: a short training with the probe every 2 steps writes the expected
    extracts for steps 0, 2, 4 (layer and channel CSV, entropy volumes, and the PNG chart
    when an X server is there), and the layer and channel tables of steps 2 and 4 equal,
    number for number, what the CNN Activations Reader + CNN Entropy (Discrete) give on
    the checkpoint saved at that step (--checkpoint-probes).
--check no-effect: the probe does not change training: the checkpoints of a run with a
    probe before and after every step are byte-identical to those of the same run without it (VGG net: BatchNorm
    statistics and Dropout's random numbers would show any change).
--check errors: bad options, a missing script and an output folder that cannot be made
    each end the program with one error line saying so (the messages of
    Documentation/errors.md), without a crash; a wrong CNNSLICER_PLUGIN prints the shipped
    script's RuntimeError.

Usage: pvpython TestCatalystProbe.py --plugin SO --train EXE --script cnnslicer_catalyst.py
       --data TEST_DATA_DIR --work DIR --check extracts|no-effect|errors
"""
import argparse
import csv
import filecmp
import glob
import os
import shutil
import subprocess
import sys

from cnnslicer_testing import Checks

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--train", required=True)
parser.add_argument("--script", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--check", choices=["extracts", "no-effect", "errors"], required=True)
args = parser.parse_args()

check = Checks()


def train(out, model, data, probe, every=2, extra=()):
    """Runs cnnslicer-train-catalyst; returns its output."""
    shutil.rmtree(out, ignore_errors=True)
    command = [args.train, os.path.join(args.data, "models", model), "--data", data,
               "--epochs", "1", "--batch-size", "32", "--seed", "3", "--threads", "2",
               "--out", out] + list(extra)
    if probe:
        # The script as the README names it, relative to the working directory (the
        # repository's root there, its own folder here).
        command += ["--catalyst", os.path.basename(args.script), "--probe-every", str(every),
                    "--probe-samples", "64"]
    environment = dict(os.environ, CNNSLICER_PLUGIN=args.plugin, CNNSLICER_CATALYST_VOLUMES="1")
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=environment, timeout=120, cwd=os.path.dirname(args.script))
    if result.returncode != 0:
        print(result.stdout)
        sys.exit("FAIL: cnnslicer-train-catalyst exited with %d" % result.returncode)
    errors = [line for line in result.stdout.splitlines() if "ERR|" in line]
    check(not errors, "Catalyst reported errors:\n" + "\n".join(errors))
    return result.stdout


def read_csv(path):
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


def same_cell(extract, value):
    """An extract's CSV cell (17 significant digits) against a table value."""
    if value.IsNumeric():
        number = value.ToDouble()
        written = float(extract)
        return written == number or (written != written and number != number)
    return extract == value.ToString()


def fails_with(name, extra, message, environment=None, also=None):
    """Runs cnnslicer-train-catalyst with bad input and checks its one error line.

    The probe starts before training, so these runs stop before the first step; the tiny
    subsets only keep the data loading short."""
    out = os.path.join(args.work, name)
    shutil.rmtree(out, ignore_errors=True)
    command = [args.train, os.path.join(args.data, "models", "lenet5bn_scripted.pt"),
               "--data", os.path.join(args.data, "data", "mnist"), "--epochs", "1",
               "--threads", "2", "--train-samples", "0:32", "--test-samples", "0:32",
               "--out", out] + extra
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(environment or {})), timeout=120)
    output = result.stdout + result.stderr
    # A negative code is a signal: the program crashed instead of reporting the problem.
    check(result.returncode > 0, "%s: exit code %d, expected an error exit\n%s"
          % (name, result.returncode, output))
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("cnnslicer-train-catalyst: error: ")]
    check(len(errors) == 1 and message in errors[0],
          "%s: expected one error line with %r, got %r\n%s" % (name, message, errors, output))
    if also:
        check(also in output, "%s: %r is not in the output\n%s" % (name, also, output))
    print("%s: %s" % (name, errors[0] if errors else "(no error line)"))


if args.check == "errors":
    os.makedirs(args.work, exist_ok=True)
    # A regular file where the output folder's parent should be: no folder can be made there
    # (root can write any folder whatever its mode, so a read-only folder would not do).
    blocker = os.path.join(args.work, "a_file")
    with open(blocker, "w") as stream:
        stream.write("not a folder\n")
    missing = os.path.join(args.work, "no_such_script.py")

    fails_with("probe-every-0", ["--probe-every", "0"],
               "--probe-every needs a whole number of at least 1, not '0'")
    fails_with("probe-samples-x", ["--probe-samples", "x"],
               "--probe-samples needs a whole number of at least 1, not 'x'")
    fails_with("probe-batch-size-no-value", ["--probe-batch-size"],
               "--probe-batch-size needs a value; see cnnslicer-train-catalyst --help")
    fails_with("missing-script", ["--catalyst", missing],
               "Catalyst script '%s' does not exist or cannot be read" % missing)
    unwritable = os.path.join(blocker, "catalyst")
    fails_with("unwritable-output", ["--catalyst", args.script, "--catalyst-output", unwritable],
               "ParaView Catalyst could not start in '%s'; check that the folder can be written"
               % unwritable)
    # A script that fails at import: ParaView 5.11 imports a version-2 script at the first
    # probe, before the first training step; the probe stops the training there with one
    # error line, after the script's own error, which Catalyst prints.
    wrong = os.path.join(args.work, "not_the_plugin.so")
    out = os.path.join(args.work, "wrong-plugin")
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(
        [args.train, os.path.join(args.data, "models", "lenet5bn_scripted.pt"),
         "--data", os.path.join(args.data, "data", "mnist"), "--epochs", "1", "--threads", "2",
         "--train-samples", "0:32", "--test-samples", "0:32", "--out", out,
         "--catalyst", args.script],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
        env=dict(os.environ, CNNSLICER_PLUGIN=wrong))
    output = result.stdout + result.stderr
    check(result.returncode > 0, "wrong-plugin: exit code %d, expected an error exit\n%s"
          % (result.returncode, output))
    stops = [line for line in result.stderr.splitlines()
             if line.startswith("cnnslicer-train-catalyst: error: ")]
    check(len(stops) == 1 and "failed at step 0" in stops[0] and args.script in stops[0],
          "wrong-plugin: expected one error line naming the script and step 0, got %r" % stops)
    check(not os.path.exists(os.path.join(out, "lenet5bn_epoch_01.pt")),
          "wrong-plugin: training went on after the script failed")
    expected = ("RuntimeError: CNNSLICER_PLUGIN must name the CNNSlicer plugin (CNNSlicer.so), "
                "not %r" % wrong)
    lines = [line for line in output.splitlines() if line.startswith("RuntimeError: ")]
    check(lines == [expected], "wrong-plugin: expected %r, got %r\n%s" % (expected, lines, output))
    print("wrong-plugin: %s" % (lines[0] if lines else "(no RuntimeError line)"))
elif args.check == "no-effect":
    cifar = os.path.join(args.data, "data", "cifar-10-batches-bin")
    plain = os.path.join(args.work, "without-probe")
    probed = os.path.join(args.work, "with-probe")
    # Three steps on 96 samples, a probe before and after each one.
    subset = ["--train-samples", "0:96", "--test-samples", "0:32"]
    train(plain, "vgg_scripted.pt", cifar, probe=False, extra=subset)
    log = train(probed, "vgg_scripted.pt", cifar, probe=True, every=1, extra=subset)
    check("4 probes" in log, "expected 4 probes (steps 0 to 3):\n" + log)
    checkpoints = sorted(os.path.basename(p) for p in glob.glob(os.path.join(plain, "*.pt")))
    check(checkpoints == ["vgg_epoch_00.pt", "vgg_epoch_01.pt"], "checkpoints %s" % checkpoints)
    for name in checkpoints:
        check(filecmp.cmp(os.path.join(plain, name), os.path.join(probed, name), shallow=False),
              "%s differs with the probe: the probe changed training" % name)
else:
    from paraview.simple import LoadPlugin
    from paraview import servermanager

    mnist = os.path.join(args.data, "data", "mnist")
    out = os.path.join(args.work, "run")
    log = train(out, "lenet5bn_scripted.pt", mnist, probe=True, extra=["--checkpoint-probes"])
    catalyst = os.path.join(out, "catalyst")
    for step in [0, 2, 4]:
        for name in ["layer_entropy_%06d.csv", "channel_entropy_%06d.csv",
                     "volumes/entropy_%06d.vtpc"]:
            check(os.path.exists(os.path.join(catalyst, name % step)),
                  "no extract %s" % (name % step))
        if os.environ.get("DISPLAY"):
            check(os.path.exists(os.path.join(catalyst, "layer_entropy_%06d.png" % step)),
                  "no chart for step %d although DISPLAY is set" % step)
    check(not os.path.exists(os.path.join(catalyst, "layer_entropy_000001.csv")),
          "step 1 was probed (every 2 steps were asked for)")

    LoadPlugin(args.plugin, remote=False, ns=globals())
    for step in [2, 4]:
        reader = CNNActivationsReader(
            FileNames=[os.path.join(out, "lenet5bn_step_%06d.pt" % step)])
        reader.DatasetFileName = mnist
        reader.MaximumSamples = 64
        entropy = CNNEntropyDiscrete(Input=reader)
        entropy.UpdatePipeline()
        for port, name in [(2, "layer_entropy"), (1, "channel_entropy")]:
            table = servermanager.Fetch(entropy, None, None, port)
            extract = read_csv(os.path.join(catalyst, "%s_%06d.csv" % (name, step)))
            check(len(extract) == table.GetNumberOfRows() > 0,
                  "%s step %d: %d rows in the extract, %d from the checkpoint"
                  % (name, step, len(extract), table.GetNumberOfRows()))
            mismatches = []
            for row in range(min(len(extract), table.GetNumberOfRows())):
                for column in range(table.GetNumberOfColumns()):
                    key = table.GetColumnName(column)
                    value = table.GetValue(row, column)
                    if key not in extract[row] or not same_cell(extract[row][key], value):
                        mismatches.append("%s row %d: extract %r, checkpoint %s"
                                          % (key, row, extract[row].get(key), value.ToString()))
            check(not mismatches, "%s step %d differs from the checkpoint:\n  %s"
                  % (name, step, "\n  ".join(mismatches[:10])))
        print("step %d: %s equal to the reader on the checkpoint" % (step, "layer and channel tables"))

check.finish()
