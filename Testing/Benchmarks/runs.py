#!/usr/bin/python3
"""Runs every measurement of the performance report and stores the raw results;
report.py turns them into Documentation/performance.md. Called by run.sh, which builds
the programs and prepares the models and data first:

    /usr/bin/python3 runs.py --mode quick|full --results DIR --build BUILD_DIR
        --models DIR --mnist DIR --cifar DIR [--repetitions R] [--group-mb MB]

Sections (each writes into DIR/<section>/):

- startup: each tool's process with its imports only (pvbatch with and without MPI, with
  the plugin; Python with torch, NumPy and SciPy);
- e2e: the whole analysis, plugin in pvbatch vs PyTorch hooks + NumPy + SciPy, LeNet-5 on
  MNIST and the VGG net on CIFAR-10, R repetitions alternating which tool goes first, every
  process under /usr/bin/time -v (wall clock, maximum resident set size);
- scaling: the same for LeNet-5 at 1k, 2k, 5k, 10k samples and 1 and 2 threads;
- micro: CNNSlicerEntropyBenchmarks, numpy_baseline.py and CNNSlicerMemoryBandwidth;
- reader: the capture overhead (all-layers capture vs plain forward) and ParaView's
  data-information pass with and without the reader's range cache;
- profiles (full mode, when valgrind is installed): callgrind of both tools on LeNet-5.

The 1-minute load average is read before every process and stored with its result, so
the report can say how busy the machine was.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
ANALYSIS = os.path.join(HERE, "Analysis")
PYTHON = "/usr/bin/python3"

# Workloads of each mode: (model, samples); scaling: samples x threads.
PLANS = {
    "quick": {"e2e": [("lenet5", 2000), ("vgg", 500)], "repetitions": 1,
              "scaling_samples": [1000, 2000], "scaling_threads": [1, 2], "scaling_repetitions": 1,
              "micro_repetitions": 1, "micro_min_time": "0.1", "numpy_only": "discrete_neuron/normal",
              "bandwidth_mb": 400, "capture_rounds": 1, "information_samples": 2000,
              "profile": False},
    "full": {"e2e": [("lenet5", 10000), ("vgg", 10000)], "repetitions": 3,
             "scaling_samples": [1000, 2000, 5000, 10000], "scaling_threads": [1, 2],
             "scaling_repetitions": 3, "micro_repetitions": 3, "micro_min_time": "0.5",
             "numpy_only": "", "bandwidth_mb": 1200, "capture_rounds": 3,
             "information_samples": 10000, "profile": True},
}
ARCHITECTURE_DATA = {"lenet5": "mnist", "vgg": "cifar"}
INPUT_SHAPE = {"lenet5": ["1", "28", "28"], "vgg": ["3", "32", "32"], "resnet": ["3", "32", "32"]}


def load_average():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def busy_cpu_seconds():
    """CPU seconds all cores spent outside idle and iowait since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - fields[3] - fields[4]) / float(ticks)


def timed_process(command, stdout_path, timeout=7200, env=None):
    """Runs `command` under /usr/bin/time -v. Returns wall clock and maximum RSS (the
    largest of the process and its children), the exit code, the stderr tail, and the CPU
    time other processes used meanwhile (busy time of all cores minus the process's own),
    which tells whether the machine was quiet better than the load average: that one
    still carries the previous measurement's threads for a minute."""
    load = load_average()
    busy_before = busy_cpu_seconds()
    began = time.time()
    with open(stdout_path, "w") as out:
        process = subprocess.run(["/usr/bin/time", "-v"] + command, stdout=out,
                                 stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)
    elapsed = time.time() - began
    text = process.stderr
    record = {"command": command, "returncode": process.returncode, "load_before": load,
              "load_after": load_average(), "started": began}
    wall = re.search(r"Elapsed \(wall clock\) time.*?: ([\d:.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if user and system:
        record["cpu_s"] = float(user.group(1)) + float(system.group(1))
        record["other_cpu_s"] = max(0.0, busy_cpu_seconds() - busy_before - record["cpu_s"])
    if wall and rss:
        parts = [float(p) for p in wall.group(1).split(":")]
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60.0 + p
        record["wall_s"] = seconds
        record["max_rss_mb"] = int(rss.group(1)) / 1024.0
    else:
        record["wall_s"] = elapsed
    if process.returncode != 0:
        record["error"] = "\n".join(line for line in text.splitlines()
                                    if "Command being timed" not in line)[-2000:]
    return record


def last_json_line(path):
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


class Runner:
    def __init__(self, args):
        self.args = args
        self.plan = PLANS[args.mode]
        if args.repetitions:
            self.plan["repetitions"] = args.repetitions
            self.plan["scaling_repetitions"] = args.repetitions
        self.plugin = os.path.join(args.build, "lib", "paraview-5.11", "plugins", "CNNSlicer",
                                   "CNNSlicer.so")
        self.threads = os.cpu_count()

    def dataset(self, architecture):
        return self.args.mnist if ARCHITECTURE_DATA[architecture] == "mnist" else self.args.cifar

    def model(self, architecture):
        return os.path.join(self.args.models, architecture + "_scripted.pt")

    def groups(self, architecture, samples):
        """Layer groups whose activations fit --group-mb (one group when all fit)."""
        output = subprocess.run(
            [PYTHON, os.path.join(ANALYSIS, "python_analysis.py"), "--architecture", architecture,
             "--samples", str(samples), "--list-groups", "--group-mb", str(self.args.group_mb)],
            check=True, capture_output=True, text=True).stdout
        return json.loads(output)

    def analysis_command(self, tool, architecture, samples, threads, layers, npz):
        common = ["--model", self.model(architecture), "--dataset", self.dataset(architecture),
                  "--samples", str(samples), "--threads", str(threads)]
        if layers:
            # pvbatch crashes on an empty argument: no --layers means every layer.
            common += ["--layers", layers]
        if npz:
            common += ["--out", npz]
        if tool == "plugin":
            return ["pvbatch", os.path.join(ANALYSIS, "plugin_analysis.py"),
                    "--plugin", self.plugin] + common
        return [PYTHON, os.path.join(ANALYSIS, "python_analysis.py"),
                "--architecture", architecture] + common

    def analysis(self, folder, name, tool, architecture, samples, threads, layers, keep_results):
        os.makedirs(folder, exist_ok=True)
        npz = os.path.join(folder, name + ".npz") if keep_results else None
        stdout = os.path.join(folder, name + ".out")
        record = timed_process(self.analysis_command(tool, architecture, samples, threads,
                                                     layers, npz), stdout)
        record.update({"tool": tool, "architecture": architecture, "samples": samples,
                       "threads": threads, "layers": layers})
        record["script"] = last_json_line(stdout)
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(record, f, indent=1)
        status = ("%.1f s, %.0f MB" % (record["wall_s"], record.get("max_rss_mb", 0))
                  if "error" not in record else "FAILED: " + record["error"][-300:])
        log("  %s %s N=%d threads=%d: %s (load %.1f)" % (tool, architecture, samples, threads,
                                                      status, record["load_before"][0]))
        return record

    def e2e(self):
        folder = self.mkdir(os.path.join(self.args.results, "e2e"))
        for architecture, samples in self.plan["e2e"]:
            grouping = self.groups(architecture, samples)
            with open(os.path.join(folder, architecture + "-groups.json"), "w") as f:
                json.dump(grouping, f, indent=1)
            log("e2e %s, %d samples, %d layer group(s) of at most %.0f MB"
                % (architecture, samples, len(grouping["groups"]), max(grouping["group_mb"])))
            for repetition in range(self.plan["repetitions"]):
                tools = ("plugin", "python") if repetition % 2 == 0 else ("python", "plugin")
                for tool in tools:
                    self.analysis(folder, "%s-%s-%d" % (architecture, tool, repetition), tool,
                                  architecture, samples, self.threads, grouping["layers"],
                                  repetition == 0)

    def scaling(self):
        folder = os.path.join(self.args.results, "scaling")
        log("scaling: LeNet-5, samples %s, threads %s" % (self.plan["scaling_samples"],
                                                          self.plan["scaling_threads"]))
        for repetition in range(self.plan["scaling_repetitions"]):
            for samples in self.plan["scaling_samples"]:
                for threads in self.plan["scaling_threads"]:
                    tools = ("plugin", "python") if repetition % 2 == 0 else ("python", "plugin")
                    for tool in tools:
                        # All layers at once: LeNet-5 at 10,000 samples holds 616 MB.
                        self.analysis(folder, "lenet5-%s-n%d-t%d-%d" % (tool, samples, threads,
                                                                        repetition),
                                      tool, "lenet5", samples, threads, "", False)

    def startup(self):
        """Fixed costs: each tool's process with its imports and nothing else."""
        folder = self.mkdir(os.path.join(self.args.results, "startup"))
        plugin_load = ("from paraview import simple\n"
                       "simple.LoadPlugin(%r, remote=False)\nimport cnnslicer\n" % self.plugin)
        scripts = {"pvbatch-empty": "", "pvbatch-plugin": plugin_load}
        for name, text in scripts.items():
            with open(os.path.join(folder, name + ".py"), "w") as f:
                f.write(text)
        commands = {
            "pvbatch-empty": ["pvbatch", os.path.join(folder, "pvbatch-empty.py")],
            "pvbatch-no-mpi-empty": ["pvbatch", "--no-mpi", os.path.join(folder, "pvbatch-empty.py")],
            "pvbatch-plugin": ["pvbatch", os.path.join(folder, "pvbatch-plugin.py")],
            "python-imports": [PYTHON, "-c", "import numpy, scipy.stats, torch"],
        }
        log("startup: fixed costs of each process (%d runs each)" % self.plan["repetitions"])
        for repetition in range(max(3, self.plan["repetitions"])):
            for name, command in commands.items():
                record = timed_process(command, os.path.join(folder, name + ".out"))
                record["name"] = name
                with open(os.path.join(folder, "%s-%d.json" % (name, repetition)), "w") as f:
                    json.dump(record, f, indent=1)

    def mkdir(self, folder):
        os.makedirs(folder, exist_ok=True)
        return folder

    def micro(self):
        folder = self.mkdir(os.path.join(self.args.results, "micro"))
        benchmarks = os.path.join(self.args.build, "Testing", "Benchmarks")
        log("micro: memory bandwidth (%d MB arrays)" % self.plan["bandwidth_mb"])
        record = {"load_before": load_average()}
        subprocess.run([os.path.join(benchmarks, "CNNSlicerMemoryBandwidth"),
                        "--array_mb=%d" % self.plan["bandwidth_mb"],
                        "--benchmark_repetitions=%d" % self.plan["micro_repetitions"],
                        "--benchmark_min_time=%s" % self.plan["micro_min_time"],
                        "--benchmark_out=" + os.path.join(folder, "bandwidth.json"),
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        log("micro: entropy estimators (C++)")
        subprocess.run([os.path.join(benchmarks, "CNNSlicerEntropyBenchmarks"),
                        "--benchmark_repetitions=%d" % self.plan["micro_repetitions"],
                        "--benchmark_min_time=%s" % self.plan["micro_min_time"],
                        "--benchmark_report_aggregates_only=true",
                        "--benchmark_out=" + os.path.join(folder, "benchmark-cxx.json"),
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        log("micro: NumPy/SciPy baseline")
        command = [PYTHON, os.path.join(HERE, "numpy_baseline.py")]
        if self.plan["numpy_only"]:
            command += ["--only", self.plan["numpy_only"]]
        with open(os.path.join(folder, "benchmark-numpy.jsonl"), "w") as out:
            subprocess.run(command, check=True, stdout=out)
        record["load_after"] = load_average()
        with open(os.path.join(folder, "load.json"), "w") as f:
            json.dump(record, f)

    def reader(self):
        folder = self.mkdir(os.path.join(self.args.results, "reader"))
        capture = os.path.join(self.args.build, "Testing", "Benchmarks", "Reader",
                               "CNNSlicerCaptureBenchmark")
        log("reader: capture overhead")
        # Each variant in its own process, alternating: in one process the first one to
        # run changes the other's allocator state and page-fault pattern.
        for architecture in ("lenet5", "vgg", "resnet"):
            for round_ in range(self.plan["capture_rounds"]):
                for variant in ("PlainForward", "CaptureAllLayers", "CaptureIntoVolumes"):
                    path = os.path.join(folder, "capture-%s-%s-%d.json" % (architecture, variant,
                                                                           round_))
                    load = load_average()
                    with open(path, "w") as out:
                        subprocess.run([capture, self.model(architecture)] + INPUT_SHAPE[architecture]
                                       + ["--batch=256", "--benchmark_filter=^%s/" % variant,
                                          "--benchmark_repetitions=5", "--benchmark_format=json"],
                                       check=True, stdout=out, stderr=subprocess.DEVNULL)
                    with open(path) as f:
                        data = json.load(f)
                    data["load_before"] = load
                    with open(path, "w") as f:
                        json.dump(data, f)
        log("reader: data-information pass")
        samples = self.plan["information_samples"]
        command = self.analysis_command("plugin", "lenet5", samples, self.threads, "", None)
        record = timed_process(command + ["--information-pass"],
                               os.path.join(folder, "information.out"))
        record["script"] = last_json_line(os.path.join(folder, "information.out"))
        record["samples"] = samples
        with open(os.path.join(folder, "information.json"), "w") as f:
            json.dump(record, f, indent=1)

    def profiles(self):
        if not self.plan["profile"] or os.environ.get("PROFILE", "1") == "0":
            return
        if shutil.which("valgrind") is None:
            log("profiles: valgrind is not installed, skipped (apt-get install valgrind)")
            return
        folder = self.mkdir(os.path.join(self.args.results, "profiles"))
        samples = 1000
        for tool in ("plugin", "python"):
            log("profiles: callgrind, %s, LeNet-5, %d samples, 1 thread (several minutes)"
                % (tool, samples))
            out = os.path.join(folder, tool + ".callgrind")
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out + ".%p"]
            command += self.analysis_command(tool, "lenet5", samples, 1, "", None)
            process = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
            # A profile of a process that failed under valgrind (SciPy 1.10's Boost ufuncs
            # do not initialise under it) would show a start-up, not the analysis.
            with open(os.path.join(folder, tool + "-status.json"), "w") as f:
                json.dump({"returncode": process.returncode,
                           "stderr_tail": process.stderr[-1500:]}, f, indent=1)
            # The main process's file is the largest (pvbatch also starts MPI's orted).
            files = sorted((f for f in os.listdir(folder) if f.startswith(tool + ".callgrind.")),
                           key=lambda f: os.path.getsize(os.path.join(folder, f)))
            if not files:
                continue
            annotated = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=99",
                                        os.path.join(folder, files[-1])],
                                       capture_output=True, text=True).stdout
            with open(os.path.join(folder, tool + "-self.txt"), "w") as f:
                f.write(annotated)
            inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                                        os.path.join(folder, files[-1])],
                                       capture_output=True, text=True).stdout
            with open(os.path.join(folder, tool + "-inclusive.txt"), "w") as f:
                f.write(inclusive)
            for name in files:
                os.remove(os.path.join(folder, name))


def environment(args):
    def command_output(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        memory = {line.split(":")[0]: int(line.split()[1]) for line in f}
    versions = command_output([PYTHON, "-c", "import numpy, scipy, torch; print(numpy.__version__, "
                               "scipy.__version__, torch.__version__)"]).split()
    return {
        "mode": args.mode, "cpu": cpu, "cores": os.cpu_count(),
        "memory_gb": memory.get("MemTotal", 0) / 2**20,
        "memory_available_gb": memory.get("MemAvailable", 0) / 2**20,
        "kernel": platform.release(),
        "paraview": command_output(["pvbatch", "--version"]).splitlines()[-1:] or [""],
        "numpy": versions[0] if versions else "", "scipy": versions[1] if len(versions) > 1 else "",
        "torch": versions[2] if len(versions) > 2 else "",
        "commit": command_output(["git", "-C", SOURCE, "rev-parse", "--short", "HEAD"]),
        # Uncommitted changes to what the measured programs are built from.
        "dirty": [line.split(None, 1)[1] for line in command_output(
            ["git", "-C", SOURCE, "status", "--porcelain", "--untracked-files=no", "--",
             "CMakeLists.txt", "Filters", "Readers", "Plugin", "Testing/Benchmarks"]).splitlines()],
        "perf_instructions": "<not supported>" not in command_output(
            ["perf", "stat", "-e", "instructions", "true"]) + command_output(
            ["sh", "-c", "perf stat -e instructions true 2>&1"]) if shutil.which("perf") else False,
        "group_mb": args.group_mb, "started": time.time(), "load_start": load_average(),
        "top": command_output(["top", "-b", "-n", "1", "-o", "%CPU"]).splitlines()[6:14],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=list(PLANS), default="full")
    parser.add_argument("--results", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--mnist", required=True)
    parser.add_argument("--cifar", required=True)
    parser.add_argument("--repetitions", type=int, default=0)
    parser.add_argument("--group-mb", type=float, default=8192.0)
    parser.add_argument("--sections", default="startup,e2e,scaling,micro,reader,profiles")
    args = parser.parse_args()
    os.makedirs(args.results, exist_ok=True)
    info = environment(args)
    runner = Runner(args)
    for section in args.sections.split(","):
        getattr(runner, section)()
    info["finished"] = time.time()
    info["load_end"] = load_average()
    with open(os.path.join(args.results, "environment.json"), "w") as f:
        json.dump(info, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
