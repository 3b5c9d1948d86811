#!/usr/bin/python3
"""Writes the performance report (Markdown) from the results of runs.py:

    /usr/bin/python3 report.py RESULTS_DIR > Documentation/performance.md

Every number in the report comes from RESULTS_DIR; the sentences that say what bounds
each target are computed from the same numbers.
"""
import glob
import json
import math
import os
import re
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

TOOLS = {"plugin": "CNNSlicer plugin (pvbatch)", "python": "PyTorch hooks + NumPy + SciPy"}
MODELS = {"lenet5": "LeNet-5 on MNIST", "vgg": "VGG-style net on CIFAR-10"}
# Entry points of the plugin's work, for the inclusive profile table: (part, function).
PLUGIN_PARTS = [
    ("loading shared libraries (startup)", "_dl_open"),
    ("loading the plugin (startup)", "vtkPVPluginLoader::LoadPluginInternal"),
    ("reader, all of it", "vtkCNNActivationReader::RequestData"),
    ("reader: model forward (LibTorch)", "cnnslicer::ModelCapture::Internals::Forward"),
    ("reader: layout into volumes", "cnnslicer::ActivationVolumeWriter::write"),
    ("reader: assembly and range cache", "vtkCNNActivationCollectionBuilder::Assemble"),
    ("discrete entropy", "bool cnnslicer::computeDiscreteEntropy<float>"),
    ("continuous entropy", "bool cnnslicer::computeContinuousEntropy<float>"),
    ("ParaView teardown", "vtkInitializationHelper::Finalize"),
]
DISCRETE_KEYS = ["neuron_entropy", "neuron_conditional_entropy", "neuron_mutual_information",
                 "channel_entropy", "channel_conditional_entropy", "channel_mutual_information",
                 "layer_entropy", "layer_conditional_entropy", "layer_mutual_information"]
CONTINUOUS_KEYS = ["continuous_entropy", "continuous_h_c", "continuous_p_atoms",
                   "continuous_conditional_entropy", "continuous_mutual_information"]


def load_json(path):
    with open(path) as f:
        return json.load(f)


def seconds(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "%.2f s" % value if value < 100 else "%.0f s" % value


def spread(values, unit=seconds):
    """Median, and min-max when there is more than one value."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    text = unit(statistics.median(values))
    if len(values) > 1:
        text += " (%s-%s)" % (unit(min(values)).split()[0], unit(max(values)))
    return text


def megabytes(value):
    return "%.0f MB" % value


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def runs(folder, pattern):
    records = []
    for path in sorted(glob.glob(os.path.join(folder, pattern))):
        if path.endswith("-groups.json"):
            continue
        record = load_json(path)
        record["file"] = os.path.basename(path)
        records.append(record)
    return records


def stage(record, key):
    script = record.get("script", {})
    if key == "startup":
        # Interpreter start, imports and (plugin) ParaView + plugin load: everything before
        # the first analysis step, plus the process's exit after the script's last line.
        if "total_s" not in script or "wall_s" not in record:
            return None
        return record["wall_s"] - script["total_s"] + script.get("imports_s", 0.0)
    if key == "capture":
        if "capture_s" not in script:
            return None
        return script["capture_s"] + script.get("load_s", 0.0)
    if key == "exit_and_output":
        return None
    return script.get(key + "_s")


def working_memory(record):
    """Peak resident memory above the process's footprint after its imports (libraries:
    ParaView, VTK, the plugin and LibTorch; or torch, NumPy and SciPy)."""
    baseline = record.get("script", {}).get("rss_after_imports_mb")
    if baseline is None or "max_rss_mb" not in record:
        return None
    return record["max_rss_mb"] - baseline


def compare_results(plugin_npz, python_npz):
    """Largest |difference| over all layers for the discrete and continuous results."""
    a = np.load(plugin_npz)
    b = np.load(python_npz)
    names_a = list(a["layers"])
    names_b = list(b["layers"])
    worst = {"discrete": 0.0, "continuous": 0.0, "continuous_relative": 0.0, "nan_mismatch": 0,
             "layers": len(names_a), "same_layers": names_a == names_b, "values": 0}
    for i, name in enumerate(names_a):
        if name not in names_b:
            worst["same_layers"] = False
            continue
        j = names_b.index(name)
        for group, keys in (("discrete", DISCRETE_KEYS), ("continuous", CONTINUOUS_KEYS)):
            for key in keys:
                x = a["%d/%s" % (i, key)].astype(float).ravel()
                y = b["%d/%s" % (j, key)].astype(float).ravel()
                if x.shape != y.shape:
                    worst["same_layers"] = False
                    continue
                worst["values"] += x.size
                worst["nan_mismatch"] += int(np.sum(np.isnan(x) != np.isnan(y)))
                both = ~(np.isnan(x) | np.isnan(y))
                if both.any():
                    difference = np.abs(x[both] - y[both])
                    worst[group] = max(worst[group], float(difference.max()))
                    if group == "continuous":
                        scale = np.maximum(np.abs(y[both]), 1e-300)
                        worst["continuous_relative"] = max(worst["continuous_relative"],
                                                           float((difference / scale).max()))
    return worst


def load_text(values):
    return "%.2f" % values[0] if values else "?"


class Report:
    def __init__(self, results):
        self.results = results
        self.env = load_json(os.path.join(results, "environment.json"))
        self.out = []
        self.summary = []

    def line(self, text=""):
        self.out.append(text)

    def loads(self, records):
        values = [r["load_before"][0] for r in records if "load_before" in r]
        if not values:
            return "?"
        return "%.1f-%.1f" % (min(values), max(values))

    # --- Header -------------------------------------------------------------------------
    def header(self):
        env = self.env
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(env["started"]))
        minutes = (env.get("finished", env["started"]) - env["started"]) / 60.0
        self.line("# CNNSlicer performance report")
        self.line()
        self.line("Written by `Testing/Benchmarks/run.sh %s` (%s, %.0f minutes); every number "
                  "below comes from that one run on one machine. Re-run it to refresh this "
                  "page: it builds what it needs in `build-bench/`, checks its prerequisites "
                  "and says what is missing." % (env["mode"], started, minutes))
        self.line()
        all_runs = runs(os.path.join(self.results, "e2e"), "*.json") + \
            runs(os.path.join(self.results, "scaling"), "*.json")
        one_minute = [r["load_before"][0] for r in all_runs if "load_before" in r]
        # Other processes' CPU while each measured process ran, in cores (runs.py records
        # it); older results have only the load average, which the benchmark's own
        # 2-thread processes, run back to back, keep near the core count by themselves.
        others = [r["other_cpu_s"] / r["wall_s"] for r in all_runs
                  if "other_cpu_s" in r and r.get("wall_s")]
        if others:
            busy = max(others) > 0.25
            busy_text = "other processes used up to %.2f cores while a measured process ran" \
                % max(others)
        else:
            peak = max(one_minute) if one_minute else env["load_start"][0]
            busy = peak > env["cores"]
            busy_text = "1-minute load up to %.1f on %d cores" % (peak, env["cores"])
        self.line("- Machine: %s, %d cores, %.1f GB RAM (%.1f GB available at the start), "
                  "Linux %s." % (env["cpu"], env["cores"], env["memory_gb"],
                                 env["memory_available_gb"], env["kernel"]))
        self.line("- Software: %s, PyTorch/LibTorch %s, NumPy %s, SciPy %s; CNNSlicer commit "
                  "`%s`%s." % (" ".join(env["paraview"]), env["torch"], env["numpy"],
                               env["scipy"], env["commit"],
                               " with uncommitted changes to %s" % ", ".join(
                                   "`%s`" % f for f in env["dirty"]) if env["dirty"] else ""))
        self.line("- **Load during the run** (load averages over 1/5/15 minutes): %s at the start, "
                  "%s at the end; the 1-minute load before each timed process ranged over %s."
                  % (" / ".join("%.2f" % v for v in env["load_start"]),
                     " / ".join("%.2f" % v for v in env.get("load_end", [])),
                     "%.1f-%.1f" % (min(one_minute), max(one_minute)) if one_minute else "?"))
        if others:
            self.line("- Other processes used %.2f cores at most (median %.2f) while a measured "
                      "process ran (busy CPU time of all cores from `/proc/stat` minus the "
                      "process's own)." % (max(others), median(others)))
        if busy:
            self.line()
            self.line("> **The machine was busy during this run** (%s: other programs were "
                      "running, listed below). Every process here "
                      "competed with them for the cores, so the times are longer and noisier "
                      "than on an idle machine, and ratios between tools measured at different "
                      "moments carry that noise. Re-run `Testing/Benchmarks/run.sh full` on a "
                      "quiet machine for clean numbers." % busy_text)
            self.line()
            self.line("```")
            self.out.extend(env.get("top", []))
            self.line("```")
        self.line()

    # --- Section 1 ----------------------------------------------------------------------
    def e2e(self):
        folder = os.path.join(self.results, "e2e")
        if not os.path.isdir(folder):
            return
        self.line("## 1. The whole analysis, end to end")
        self.line()
        self.line("One process per tool does everything: load the model and the first N test "
                  "images, capture every layer (`input`, every leaf module's output, `logits`) "
                  "for all N images in batches of 256, then for every layer the discrete "
                  "entropy (B = 64 equal-width bins over the layer's min/max) at neuron, "
                  "channel and layer scope with the labels (H, H(T|Y), I(T;Y)), and the "
                  "continuous layer entropy (the default pooled sample of at most 1,000,000 "
                  "values, atoms = values repeating in at least 0.1%% of them, m-spacing "
                  "(Vasicek) estimate of the rest, H_mix, and the same per class). Both tools "
                  "use every core (%d threads)." % self.env["cores"])
        self.line()
        self.line("- **Plugin**: `Testing/Benchmarks/Analysis/plugin_analysis.py` in `pvbatch`: "
                  "CNN Activations Reader, CNN Entropy (Discrete) and CNN Entropy (Continuous, "
                  "layer scope, m-spacing) through the plugin's `cnnslicer` module, at their "
                  "defaults otherwise.")
        self.line("- **Python**: `Testing/Benchmarks/Analysis/python_analysis.py`: the eager "
                  "model (`Examples/Models/cnn_models.py`) with the weights of the same "
                  "TorchScript file, forward hooks on every leaf module copying into "
                  "preallocated NumPy arrays; per layer one `numpy.bincount` per class and "
                  "chunk of samples over `bin + neuron * B` (bins computed in float64 as the "
                  "plugin does), channel and layer histograms as sums, `scipy.stats.entropy`; "
                  "the continuous part as `scipy.stats.differential_entropy(method='vasicek')` "
                  "(SciPy's default method for n > 1000) on the same pooled sample with the "
                  "plugin's atom rule (the function leaves exact-tie spacings out, as the plugin "
                  "does, where SciPy would return -inf).")
        self.line("- Wall clock, CPU time (user + system, all threads) and peak memory (maximum "
                  "resident set size) of the whole process from `/usr/bin/time -v`; stage times "
                  "from `time.perf_counter()` inside the scripts. *Startup* is everything outside "
                  "the analysis steps: interpreter, imports (ParaView and the plugin, or "
                  "torch/NumPy/SciPy) and process exit. *Above libraries* is the peak minus the "
                  "process's resident memory right after its imports (read from "
                  "`/proc/self/status`): the memory the analysis itself needs.")
        self.line()
        rows = []
        checks = []
        for architecture in ("lenet5", "vgg"):
            records = runs(folder, architecture + "-*-*.json")
            if not records:
                continue
            groups = load_json(os.path.join(folder, architecture + "-groups.json"))
            samples = records[0]["samples"]
            by_tool = {t: [r for r in records if r["tool"] == t and "error" not in r]
                       for t in TOOLS}
            failed = [r for r in records if "error" in r]
            what = "%s, %d images, %d layers" % (MODELS[architecture], samples,
                                                 sum(len(g) for g in groups["groups"]))
            if len(groups["groups"]) > 1:
                what += (", in %d layer groups of at most %.1f GB of activations each (one "
                         "forward pass per group)" % (len(groups["groups"]),
                                                      max(groups["group_mb"]) / 1024.0))
            else:
                what += ", all layers at once (%.2f GB of activations)" % (
                    groups["group_mb"][0] / 1024.0)
            rows.append((architecture, what, by_tool, failed, groups))
            plugin_npz = os.path.join(folder, "%s-plugin-0.npz" % architecture)
            python_npz = os.path.join(folder, "%s-python-0.npz" % architecture)
            if os.path.exists(plugin_npz) and os.path.exists(python_npz):
                checks.append((architecture, compare_results(plugin_npz, python_npz)))

        self.line("| Workload | Tool | Runs | End to end | CPU time | Startup | Load + capture | "
                  "Discrete | Continuous | Peak memory | Above libraries | Load (1 min) |")
        self.line("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for architecture, what, by_tool, failed, groups in rows:
            for tool, records in by_tool.items():
                self.line("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    what if tool == "plugin" else "", TOOLS[tool], len(records),
                    spread([r.get("wall_s") for r in records]),
                    spread([r.get("cpu_s") for r in records]),
                    spread([stage(r, "startup") for r in records]),
                    spread([stage(r, "capture") for r in records]),
                    spread([stage(r, "discrete") for r in records]),
                    spread([stage(r, "continuous") for r in records]),
                    spread([r.get("max_rss_mb") for r in records], megabytes),
                    spread([working_memory(r) for r in records], megabytes),
                    self.loads(records)))
            for r in failed:
                self.line("| | %s failed | | `%s` | | | | | | | | |" % (
                    TOOLS[r["tool"]], r["error"].splitlines()[-1][:200] if r["error"] else "?"))
        self.line()
        self.line("Medians of the runs, (min-max) when there are several. Ratios (Python / "
                  "plugin: > 1 means the plugin is faster or smaller):")
        self.line()
        self.line("| Workload | End to end | Startup | Load + capture | Discrete | Continuous | "
                  "Analysis (discrete + continuous) | Peak memory (plugin / Python) |")
        self.line("|---|---|---|---|---|---|---|---|")
        for architecture, what, by_tool, failed, groups in rows:
            p, y = by_tool["plugin"], by_tool["python"]
            if not p or not y:
                continue

            def ratio(key):
                a = median([stage(r, key) for r in y])
                b = median([stage(r, key) for r in p])
                return "%.2fx" % (a / b) if b > 0 else "-"

            wall_ratio = median([r["wall_s"] for r in y]) / median([r["wall_s"] for r in p])
            analysis_ratio = (median([stage(r, "discrete") + stage(r, "continuous") for r in y]) /
                              median([stage(r, "discrete") + stage(r, "continuous") for r in p]))
            memory_ratio = (median([r.get("max_rss_mb") for r in p]) /
                            median([r.get("max_rss_mb") for r in y]))
            self.line("| %s | **%.2fx** | %s | %s | %s | %s | %.2fx | **%.2f** |" % (
                MODELS[architecture], wall_ratio, ratio("startup"), ratio("capture"),
                ratio("discrete"), ratio("continuous"), analysis_ratio, memory_ratio))
            self.summary.append(("%s: plugin >= 3x faster end to end" % MODELS[architecture],
                                 "%.2fx" % wall_ratio, wall_ratio >= 3.0))
            self.summary.append(("%s: plugin peak memory no higher" % MODELS[architecture],
                                 "%.0f MB vs %.0f MB (%.2f); above the libraries %.0f MB vs "
                                 "%.0f MB" % (
                                     median([r.get("max_rss_mb") for r in p]),
                                     median([r.get("max_rss_mb") for r in y]), memory_ratio,
                                     median([working_memory(r) for r in p]),
                                     median([working_memory(r) for r in y])),
                                 memory_ratio <= 1.0))
            self.bounds(architecture, p, y, groups)
        self.line()
        self.startup()
        if checks:
            self.line("### Do both give the same numbers?")
            self.line()
            self.line("Every result of the first run of each tool, layer by layer: neuron, "
                      "channel and layer H, H(T|Y), I(T;Y) (discrete, bits) and H_mix, h_c, "
                      "p_atoms, H(T|Y), I(T;Y) (continuous layer scope, bits).")
            self.line()
            self.line("| Workload | Layers | Values compared | Discrete: max abs difference | "
                      "Continuous: max abs difference (max relative) | NaN in one only |")
            self.line("|---|---|---|---|---|---|")
            for architecture, worst in checks:
                self.line("| %s | %d%s | %d | %.1e bits | %.1e bits (%.1e) | %d |" % (
                    MODELS[architecture], worst["layers"],
                    "" if worst["same_layers"] else " (layer lists differ!)", worst["values"],
                    worst["discrete"], worst["continuous"], worst["continuous_relative"],
                    worst["nan_mismatch"]))
                same = (worst["same_layers"] and worst["discrete"] <= 1e-9 and
                        worst["nan_mismatch"] == 0 and worst["continuous_relative"] <= 1e-6)
                self.summary.append(("%s: same numbers (discrete to 1e-9, continuous close)"
                                     % MODELS[architecture],
                                     "discrete %.0e, continuous %.0e" % (worst["discrete"],
                                                                         worst["continuous"]),
                                     same))
            self.line()
            python_runs = [r for r in runs(folder, "*-python-*.json") if "error" not in r]
            matches = [r["script"].get("spacing_matches_scipy") for r in python_runs
                       if "spacing_matches_scipy" in r.get("script", {})]
            if matches:
                self.line("The Python m-spacing function equals "
                          "`scipy.stats.differential_entropy(method='vasicek')` on 20,000 normal "
                          "values without ties (checked in every Python run: %s)." % (
                              "equal to 1e-12 in all %d runs" % len(matches) if all(matches)
                              else "**differs** in %d of %d runs" % (
                                  matches.count(False), len(matches))))
                self.line()
            self.line("Both tools bin the same float32 activations with the same float64 "
                      "arithmetic, so every histogram is identical and the entropies differ "
                      "only by the rounding of the sums (scipy.stats.entropy normalises first, "
                      "the plugin uses log n - (1/n) sum c log c). The continuous estimates use "
                      "the same pooled values, atoms and spacings and differ by rounding too.")
            self.line()

    def bounds(self, architecture, plugin, python, groups):
        """Computed sentences: where each tool's time goes, and the best ratio possible when
        the parts both tools share (startup, the LibTorch forward) stay as they are."""
        def m(records, key):
            return median([stage(r, key) for r in records])

        wall_p = median([r["wall_s"] for r in plugin])
        wall_y = median([r["wall_s"] for r in python])
        start_p, capture_p = m(plugin, "startup"), m(plugin, "capture")
        analysis_p = m(plugin, "discrete") + m(plugin, "continuous")
        analysis_y = m(python, "discrete") + m(python, "continuous")
        capture_y = m(python, "capture")
        floor = start_p + capture_p
        activations = sum(groups["group_mb"])
        base_p = median([r.get("script", {}).get("rss_after_imports_mb") for r in plugin])
        base_y = median([r.get("script", {}).get("rss_after_imports_mb") for r in python])
        work_p = median([working_memory(r) for r in plugin])
        work_y = median([working_memory(r) for r in python])
        fixed = {}
        for name in ("pvbatch-plugin", "python-imports"):
            fixed[name] = median([r["wall_s"] for r in runs(os.path.join(self.results, "startup"),
                                                            name + "-*.json")
                                  if "error" not in r])
        self.bound_notes = getattr(self, "bound_notes", [])
        if fixed["pvbatch-plugin"] == fixed["pvbatch-plugin"] and not any(
                note.startswith("- **Startup**") for note in self.bound_notes):
            self.bound_notes.append(
                "- **Startup**: `pvbatch` that only loads the plugin takes %.1f s, Python that "
                "only imports torch, NumPy and SciPy %.1f s (section 1): both load LibTorch; "
                "ParaView adds its own initialisation, its plugin machinery (proxy definitions, "
                "the plugin's Qt panel libraries), MPI and teardown." % (
                    fixed["pvbatch-plugin"], fixed["python-imports"]))
        self.bound_notes.append(
            "- **%s**: the plugin spends %.1f s of its %.1f s in startup (ParaView, the plugin, "
            "LibTorch) and %.1f s loading and capturing, against %.1f s in the analysis; "
            "Python spends %.1f s capturing and %.1f s analysing. Even with an analysis that "
            "took no time at all, the plugin's end-to-end ratio could not exceed %.1fx "
            "(Python's %.1f s over the plugin's startup + capture, %.1f s). The analysis alone "
            "is %.1fx faster in the plugin. Memory: the plugin process holds %.0f MB once "
            "ParaView, VTK, the plugin and LibTorch are loaded, Python %.0f MB with torch, NumPy "
            "and SciPy; above that the plugin needs %.0f MB and Python %.0f MB for %.2f GB of "
            "activations per layer group (%.2f GB in all). Besides its group, the reader holds "
            "every layer's output of one batch of 256 images until the batch is laid out "
            "(%.0f MB: the rewritten graph returns them all), where Python's hooks copy each "
            "output as it is made and PyTorch frees the rest." % (
                MODELS[architecture], start_p, wall_p, capture_p, analysis_p, capture_y,
                analysis_y, wall_y / floor if floor > 0 else float("nan"), wall_y, floor,
                analysis_y / analysis_p if analysis_p > 0 else float("nan"),
                base_p, base_y, work_p, work_y, max(groups["group_mb"]) / 1024.0,
                activations / 1024.0, activations / plugin[0]["samples"] * 256))

    def startup(self):
        """Table of the fixed costs (process with imports only); called inside section 1."""
        folder = os.path.join(self.results, "startup")
        records = runs(folder, "*.json")
        if not records:
            return
        names = [("pvbatch-empty", "`pvbatch` on an empty script"),
                 ("pvbatch-no-mpi-empty", "`pvbatch --no-mpi` on an empty script"),
                 ("pvbatch-plugin", "`pvbatch`, LoadPlugin(CNNSlicer) and `import cnnslicer`"),
                 ("python-imports", "`python3 -c 'import numpy, scipy.stats, torch'`")]
        self.line("Fixed costs, the same processes doing nothing else (medians of %d runs; "
                  "1-minute load %s):" % (len([r for r in records if r["name"] == names[0][0]]),
                                          self.loads(records)))
        self.line()
        self.line("| Process | Wall clock | CPU time | Resident memory |")
        self.line("|---|---|---|---|")
        self.fixed = {}
        for name, text in names:
            chosen = [r for r in records if r["name"] == name and "error" not in r]
            if not chosen:
                continue
            self.fixed[name] = median([r["wall_s"] for r in chosen])
            self.line("| %s | %s | %s | %s |" % (
                text, spread([r["wall_s"] for r in chosen]), spread([r.get("cpu_s") for r in chosen]),
                spread([r.get("max_rss_mb") for r in chosen], megabytes)))
        self.line()

    # --- Section 2 ----------------------------------------------------------------------
    def scaling(self):
        folder = os.path.join(self.results, "scaling")
        records = [r for r in runs(folder, "*.json") if "error" not in r]
        if not records:
            return
        self.line("## 2. Scaling with samples and threads (LeNet-5, MNIST, all layers)")
        self.line()
        self.line("The same whole analysis at 1,000 to 10,000 images with 1 and 2 threads "
                  "(plugin: reader and filters `NumberOfThreads`; Python: "
                  "`torch.set_num_threads`, NumPy/SciPy code is single-threaded). *Work* is "
                  "load + capture + discrete + continuous (no startup); *per 1k images* divides "
                  "it by N/1000, so a linear cost shows as a constant column. Medians of %d "
                  "run(s) each; 1-minute load before the runs %s." % (
                      max(int(r["file"].rsplit("-", 1)[1].split(".")[0]) for r in records) + 1,
                      self.loads(records)))
        self.line()
        self.line("| Images | Threads | Plugin end to end | Plugin work | Plugin work per 1k "
                  "| Python end to end | Python work | Python work per 1k | Ratio (end to end) "
                  "| Ratio (work) |")
        self.line("|---|---|---|---|---|---|---|---|---|---|")
        keys = sorted({(r["samples"], r["threads"]) for r in records})
        fits = {}
        for samples, threads in keys:
            cells = []
            works = {}
            walls = {}
            for tool in TOOLS:
                chosen = [r for r in records if r["tool"] == tool and r["samples"] == samples
                          and r["threads"] == threads]
                work = [stage(r, "capture") + stage(r, "discrete") + stage(r, "continuous")
                        for r in chosen]
                works[tool] = median(work)
                walls[tool] = median([r["wall_s"] for r in chosen])
                cells += [spread([r["wall_s"] for r in chosen]), spread(work),
                          seconds(works[tool] / (samples / 1000.0))]
                fits.setdefault((tool, threads), []).append((samples, works[tool]))
            self.line("| %d | %d | %s | %.2fx | %.2fx |" % (
                samples, threads, " | ".join(cells), walls["python"] / walls["plugin"],
                works["python"] / works["plugin"]))
        self.line()
        self.line("Least-squares line work = a + b N through the medians (a: fixed cost, b: cost "
                  "per 1,000 images), and the largest deviation of a median from the line:")
        self.line()
        self.line("| Tool | Threads | a | b (per 1k images) | Largest deviation |")
        self.line("|---|---|---|---|---|")
        for (tool, threads), points in sorted(fits.items()):
            if len(points) < 2:
                continue
            n = np.array([p[0] / 1000.0 for p in points])
            w = np.array([p[1] for p in points])
            b, a = np.polyfit(n, w, 1)
            deviation = np.max(np.abs(w - (a + b * n)) / w)
            self.line("| %s | %d | %.2f s | %.3f s | %.0f%% |" % (TOOLS[tool], threads, a, b,
                                                                 100 * deviation))
        speedups = []
        for samples, threads in keys:
            if threads == 1 and (samples, 2) in keys:
                one = [r for r in records if r["tool"] == "plugin" and r["samples"] == samples
                       and r["threads"] == 1]
                two = [r for r in records if r["tool"] == "plugin" and r["samples"] == samples
                       and r["threads"] == 2]
                for key in ("capture", "discrete", "continuous"):
                    a, b = median([stage(r, key) for r in one]), median([stage(r, key) for r in two])
                    if b > 0:
                        speedups.append((samples, key, a / b))
        if speedups:
            self.line()
            self.line("Plugin speed-up from 1 to 2 threads, per step: " + "; ".join(
                "%d images: %s" % (s, ", ".join("%s %.2fx" % (k, v) for n, k, v in speedups
                                                if n == s))
                for s in sorted({s for s, _, _ in speedups})) + ".")
        self.line()

    # --- Section 3 ----------------------------------------------------------------------
    def micro(self):
        folder = os.path.join(self.results, "micro")
        cxx = os.path.join(folder, "benchmark-cxx.json")
        numpy_jsonl = os.path.join(folder, "benchmark-numpy.jsonl")
        if not os.path.exists(cxx):
            return
        load = load_json(os.path.join(folder, "load.json"))
        lines = compare.markdown(cxx, numpy_jsonl, " / ".join("%.2f" % v
                                                               for v in load["load_before"]))
        self.line("## 3. Estimator microbenchmarks and the memory-bandwidth ceiling")
        self.line()
        self.line("`Testing/Benchmarks/BenchmarkEntropy.cxx` (Google Benchmark) against "
                  "`numpy_baseline.py` on identical synthetic data (`compare.py`):")
        self.line()
        self.out.extend(lines[2:])
        self.line()
        bandwidth = os.path.join(folder, "bandwidth.json")
        if not os.path.exists(bandwidth):
            return
        data = load_json(bandwidth)
        rates = {}
        for entry in data["benchmarks"]:
            if entry.get("run_type") == "aggregate" and entry.get("aggregate_name") != "median":
                continue
            name = entry.get("run_name", entry["name"])
            rates.setdefault(name, []).append(entry["bytes_per_second"])
        self.line("Main-memory bandwidth (`MemoryBandwidth.cxx`, STREAM kernels on %s MB arrays, "
                  "STREAM's byte counts; *Read* sums floats, the access pattern of the histogram "
                  "kernels):" % data.get("context", {}).get("array_mb", "?"))
        self.line()
        self.line("| Kernel | 1 thread | 2 threads |")
        self.line("|---|---|---|")
        table = {}
        for kernel in ("Copy", "Triad", "Read"):
            cells = []
            for threads in (1, 2):
                name = "%s/real_time/threads:%d" % (kernel, threads)
                value = median(rates.get(name, []))
                table[(kernel, threads)] = value
                cells.append("%.1f GB/s" % (value / 1e9) if value == value else "-")
            self.line("| %s | %s |" % (kernel, " | ".join(cells)))
        self.line()
        _, cxx_records = compare.load_cxx(cxx)
        self.line("The histogram kernels read each 4-byte value once, so their memory ceiling "
                  "is the *Read* bandwidth at the same thread count:")
        self.line()
        self.line("| Kernel | Values/s | Bytes read/s | Read ceiling | Share of the ceiling |")
        self.line("|---|---|---|---|---|")
        shares = []
        for name, record in sorted(cxx_records.items()):
            if not name.startswith("Discrete") or "values_per_second" not in record:
                continue
            threads = int(re.search(r"threads:(\d)", name).group(1))
            ceiling = table.get(("Read", threads), float("nan"))
            rate = record["values_per_second"]
            shares.append(100 * 4 * rate / ceiling)
            self.line("| `%s` | %.0f M/s | %.1f GB/s | %.1f GB/s | %.0f%% |" % (
                name, rate / 1e6, 4 * rate / 1e9, ceiling / 1e9, 100 * 4 * rate / ceiling))
        self.line()
        if shares:
            self.bound_notes = getattr(self, "bound_notes", [])
            self.bound_notes.append(
                "- **Histogram kernels**: they read %.0f-%.0f%% of the bytes per second the "
                "memory delivers, so memory does not bound them; each value costs a bin "
                "computation (vectorised) and one load-add-store on a counter (spread over four "
                "copies of the histogram so that repeated bins do not wait on each other): "
                "these instructions per value, not memory, bound them (`countNeuronDense` and "
                "`binIndices` in the profile below)." % (
                    min(shares), max(shares)))

    # --- Section 4 ----------------------------------------------------------------------
    def reader(self):
        folder = os.path.join(self.results, "reader")
        if not os.path.isdir(folder):
            return
        self.line("## 4. Reader details")
        self.line()
        self.line("Capture overhead: the model's plain forward; the reader's all-layers forward "
                  "(rewritten TorchScript graph that returns every leaf module's output, clones "
                  "of outputs that a later in-place operation overwrites); and that capture "
                  "with every layer written into its activation volume (one component per "
                  "sample, ranges kept for the range cache), which is the reader's work per "
                  "batch before VTK sees the data. Batch 256, every core, each variant in its "
                  "own process, alternating (`Reader/CaptureOverhead.cxx`); medians over all "
                  "repetitions, per batch:")
        self.line()
        self.line("| Model | Plain forward | All-layers capture | Capture + layout | Capture / plain "
                  "| Layout share | Layers |")
        self.line("|---|---|---|---|---|---|---|")
        variants = ("PlainForward", "CaptureAllLayers", "CaptureIntoVolumes")
        for architecture in ("lenet5", "vgg", "resnet"):
            times = {}
            layers = 0
            for variant in variants:
                values = []
                for path in glob.glob(os.path.join(folder, "capture-%s-%s-*.json" % (
                        architecture, variant))):
                    for b in load_json(path).get("benchmarks", []):
                        if b.get("run_type") == "iteration":
                            values.append(b["real_time"])
                            layers = int(b.get("layers", layers))
                times[variant] = median(values)
            plain, capture, layout = (times[v] for v in variants)
            if plain == plain and capture == capture:
                self.line("| %s | %.1f ms | %.1f ms | %s | %.2fx | %s | %d |" % (
                    architecture, plain, capture,
                    "%.1f ms" % layout if layout == layout else "-", capture / plain,
                    "%.0f%%" % (100 * (layout - capture) / layout) if layout == layout else "-",
                    layers))
        self.line()
        info = os.path.join(folder, "information.json")
        if os.path.exists(info):
            record = load_json(info)["script"]
            if "information_cached_s" in record:
                self.line("ParaView's data-information pass (what the GUI and `pvpython` run on "
                          "every output) over the reader's LeNet-5 output at %d images: %.3f s "
                          "with the per-component range cache the reader fills while writing, "
                          "%.3f s when ParaView must compute the ranges itself." % (
                              load_json(info)["samples"], record["information_cached_s"],
                              record["information_uncached_s"]))
                self.line()

    # --- Section 5 ----------------------------------------------------------------------
    def profiles(self):
        folder = os.path.join(self.results, "profiles")
        files = sorted(glob.glob(os.path.join(folder, "*-self.txt")))
        notes = getattr(self, "bound_notes", [])
        self.line("## 5. What bounds each target")
        self.line()
        self.out.extend(notes)
        self.line()
        if not files:
            return
        self.line("Profiles: `valgrind --tool=callgrind` of each tool's whole process on "
                  "LeNet-5, 1,000 images, 1 thread: instruction counts, which the machine's load "
                  "does not change%s. Functions with the most instructions of their own:" % (
                      "" if self.env.get("perf_instructions") else
                      " (hardware counters are not available here: `perf stat -e instructions` "
                      "reports them as not supported)"))
        self.line()
        inclusive = os.path.join(folder, "plugin-inclusive.txt")
        if os.path.exists(inclusive):
            with open(inclusive) as f:
                text = f.read()
            total = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
            self.line("Where the plugin's instructions go (inclusive: each function with "
                      "everything it calls; the parts overlap where one calls another):")
            self.line()
            self.line("| Part | Function | Share |")
            self.line("|---|---|---|")
            for label, function in PLUGIN_PARTS:
                match = re.search(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+[^\n]*?" +
                                  re.escape(function), text, re.M)
                if match:
                    self.line("| %s | `%s` | %s%% |" % (label, function, match.group(2)))
            self.line()
        for path in files:
            tool = os.path.basename(path).split("-")[0]
            status_path = os.path.join(folder, tool + "-status.json")
            status = load_json(status_path) if os.path.exists(status_path) else {}
            error = [line for line in status.get("stderr_tail", "").splitlines()
                     if "Error" in line]
            if status.get("returncode", 0) != 0 or error:
                self.line("%s: no profile; the process failed under valgrind (exit code %s%s), "
                          "so its instruction counts would describe a failed start-up, not the "
                          "analysis." % (TOOLS.get(tool, tool), status.get("returncode"),
                                         ": `%s`" % error[-1].strip() if error else ""))
                self.line()
                continue
            with open(path) as f:
                text = f.read()
            total = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
            rows = re.findall(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$", text, re.M)
            rows = [r for r in rows if "PROGRAM TOTALS" not in r[2]][:15]
            self.line("%s, %s instructions in all:" % (TOOLS.get(tool, tool),
                                                       total.group(1) if total else "?"))
            self.line()
            self.line("| Share | Function (file:function) |")
            self.line("|---|---|")
            for _, share, function in rows:
                function = function.split(" [")[0]
                if len(function) > 140:
                    function = function[:137] + "..."
                self.line("| %s%% | `%s` |" % (share, function.replace("|", "\\|")))
            self.line()

    def finish(self):
        body = self.out
        self.out = []
        if self.summary:
            summary = ["## Summary", "", "| Target | Measured | Holds |", "|---|---|---|"]
            summary += ["| %s | %s | %s |" % (t, m, "yes" if ok else "**no**")
                        for t, m, ok in self.summary]
            summary += ["", "Section 5 explains, from the measured stage times and profiles, "
                            "what bounds each target.", ""]
            position = next(i for i, l in enumerate(body) if l.startswith("## 1."))
            body = body[:position] + summary + body[position:]
        return "\n".join(body).rstrip() + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    report = Report(sys.argv[1])
    report.header()
    report.e2e()
    report.scaling()
    report.micro()
    report.reader()
    report.profiles()
    sys.stdout.write(report.finish())
    return 0


if __name__ == "__main__":
    sys.exit(main())
