#!/usr/bin/python3
"""Side-by-side table of the C++ benchmarks and the NumPy/SciPy baseline.

    /usr/bin/python3 compare.py CXX_JSON NUMPY_JSONL [--load "1.00 0.50 0.20"]

CXX_JSON is the --benchmark_out file of CNNSlicerEntropyBenchmarks (medians of the
repetitions are used; without repetitions, the median of the iteration runs);
NUMPY_JSONL is the output of numpy_baseline.py. Writes Markdown to stdout.
"""

import argparse
import json
import platform
import statistics
import sys

# (workload, C++ run_name, baseline name, same estimator as the C++ side?)
PAIRS = [
    ("Discrete H, neuron scope, normal, 8000 x 10000, B=64",
     "DiscreteNeuron/normal/threads:1/real_time", "discrete_neuron/normal/histogram_loop", True),
    ("", "DiscreteNeuron/normal/threads:1/real_time", "discrete_neuron/normal/bincount_vectorised", True),
    ("", "DiscreteNeuron/normal/threads:2/real_time", "discrete_neuron/normal/histogram_loop", True),
    ("", "DiscreteNeuron/normal/threads:2/real_time", "discrete_neuron/normal/bincount_vectorised", True),
    ("Discrete H, neuron scope, ReLU (~50% zeros)",
     "DiscreteNeuron/relu/threads:1/real_time", "discrete_neuron/relu/histogram_loop", True),
    ("", "DiscreteNeuron/relu/threads:1/real_time", "discrete_neuron/relu/bincount_vectorised", True),
    ("", "DiscreteNeuron/relu/threads:2/real_time", "discrete_neuron/relu/histogram_loop", True),
    ("", "DiscreteNeuron/relu/threads:2/real_time", "discrete_neuron/relu/bincount_vectorised", True),
    ("Discrete H, channel pooled, 50 M values, B=64",
     "DiscreteChannel/normal/threads:1/real_time", "discrete_channel/normal/histogram", True),
    ("", "DiscreteChannel/normal/threads:2/real_time", "discrete_channel/normal/histogram", True),
    ("Gaussian h, 1-D, n=1e6", "Gaussian1D/n:1000000", "gaussian1d/n:1000000/numpy_var", True),
    ("Vasicek spacing h, 1-D, n=1e6 (unsorted)",
     "Spacing1D/n:1000000", "differential_entropy_vasicek/n:1000000", True),
    ("", "Spacing1D/n:1000000", "differential_entropy_auto/n:1000000", True),
    ("KDE h, 1-D, n=1e6 (unsorted)", "KernelDensity1D/n:1000000", "kde1d/n:1000000/numpy_fft", True),
    ("", "KernelDensity1D/n:1000000", "differential_entropy_auto/n:1000000", False),
    ("k-NN (KL) h, 1-D, n=1e5, k=3 (unsorted)",
     "NearestNeighbor1D/n:100000/k:3", "knn1d/n:100000/k:3/cKDTree_workers:1", True),
    ("", "NearestNeighbor1D/n:100000/k:3", "differential_entropy_auto/n:100000", False),
    ("", "NearestNeighbor1D/n:100000/k:3", "differential_entropy_vasicek/n:100000", False),
    ("k-NN (KL) h, d=8, n=1e5, k=3",
     "NearestNeighbor8D/n:100000/k:3/threads:1/real_time", "knn8d/n:100000/k:3/cKDTree_workers:1", True),
    ("", "NearestNeighbor8D/n:100000/k:3/threads:2/real_time",
     "knn8d/n:100000/k:3/cKDTree_workers:2", True),
]

TO_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def load_cxx(path):
    """run_name -> record with the median real time in seconds."""
    with open(path) as f:
        report = json.load(f)
    medians, iterations, cvs = {}, {}, {}
    for entry in report.get("benchmarks", []):
        name = entry.get("run_name", entry["name"])
        if entry.get("error_occurred"):
            medians[name] = {"error": entry.get("error_message", "error")}
            continue
        record = {
            "seconds": entry["real_time"] * TO_SECONDS[entry.get("time_unit", "ns")],
            "values": entry.get("values"),
            "estimate": entry.get("estimate"),
            "label": entry.get("label", ""),
        }
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") == "median":
                medians[name] = record
            elif entry.get("aggregate_name") == "cv":
                cvs[name] = entry["real_time"]
        else:
            iterations.setdefault(name, []).append(record)
    for name, runs in iterations.items():
        if name not in medians:
            record = dict(runs[0])
            record["seconds"] = statistics.median(r["seconds"] for r in runs)
            medians[name] = record
    for name, record in medians.items():
        if "seconds" in record and record.get("values"):
            record["values_per_second"] = record["values"] / record["seconds"]
        if name in cvs:
            record["cv"] = cvs[name]
    return report.get("context", {}), medians


def load_numpy(path):
    records = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                record = json.loads(line)
                records[record["name"]] = record
    return records


def seconds_text(seconds):
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def time_cell(record):
    """Median time, with the coefficient of variation of the repetitions when known;
    flagged when above 5 % (the machine was probably busy)."""
    text = seconds_text(record["seconds"])
    cv = record.get("cv")
    if cv is not None:
        text += f" ±{100 * cv:.0f}%" + (" (noisy)" if cv > 0.05 else "")
    return text


def rate_text(rate):
    return f"{rate / 1e6:.1f} M/s" if rate >= 1e6 else f"{rate / 1e3:.0f} k/s"


def estimate_text(value):
    return "-" if value is None else f"{value:.4f}"


def versions():
    try:
        import numpy
        import scipy
        return f"NumPy {numpy.__version__}, SciPy {scipy.__version__}"
    except ImportError:
        return "NumPy/SciPy not importable"


def markdown(cxx_json, numpy_jsonl, load=""):
    """The side-by-side table and its notes as Markdown lines (title first)."""
    context, cxx = load_cxx(cxx_json)
    baseline = load_numpy(numpy_jsonl)
    load_text = load
    out = ["# CNNSlicer entropy core vs. NumPy/SciPy", ""]
    out.append(f"- Machine: {context.get('host_name', platform.node())}, "
               f"{context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz"
               + (f", load average before the run {load_text}" if load_text else ""))
    out.append("- C++: Google Benchmark, median of the repetitions, wall-clock time, core and "
               "benchmark built Release (Debian's libbenchmark itself reports "
               f"'{context.get('library_build_type', '?')}'); data: {context.get('data', '')}")
    out.append(f"- Python {platform.python_version()}, {versions()}; median wall-clock time "
               "(numpy_baseline.py); NumPy code is single-threaded except cKDTree workers=2")
    out.append("- values/s counts float values (an 8-D observation is 8 values). Speed-up = "
               "Python time / C++ time (> 1: C++ faster). Estimates: discrete in bits (mean over "
               "neurons for neuron scope), continuous in nats (true value for the normal data: "
               "1.4189 in 1-D, 11.3515 in 8-D). ±x% is the coefficient of variation of the "
               "repeated runs.")
    out.append("- 'same' = same estimator on both sides, on identical input floats, so "
               "|Δ estimate| should be at rounding level (the vectorised NumPy binning works in "
               "float32, so a few values land in a neighbouring bin: about 1e-7); 'no' = "
               "SciPy's default tool for the task, a different estimator (speed for context "
               "only).")
    out.append("")
    out.append("| Workload | C++ benchmark | C++ median | C++ values/s | C++ estimate "
               "| NumPy/SciPy baseline | Py median | Py values/s | Py estimate | same | |Δ estimate| "
               "| Speed-up |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for workload, cxx_name, py_name, same in PAIRS:
        c = cxx.get(cxx_name)
        p = baseline.get(py_name)
        if c is None and p is None:
            continue
        if c is None:
            c_cells = ["not run", "-", "-"]
        elif "error" in c:
            c_cells = ["error: " + c["error"], "-", "-"]
        else:
            c_cells = [time_cell(c), rate_text(c.get("values_per_second", 0.0)),
                       estimate_text(c.get("estimate"))]
        if p is None:
            p_cells = ["not run", "-", "-"]
        else:
            p_cells = [time_cell(p), rate_text(p["values_per_second"]),
                       estimate_text(p.get("estimate"))]
        ratio = delta = "-"
        if c is not None and "seconds" in c and p is not None:
            ratio = f"{p['seconds'] / c['seconds']:.1f}x"
            if same and c.get("estimate") is not None and p.get("estimate") is not None:
                delta = f"{abs(c['estimate'] - p['estimate']):.1e}"
        out.append("| " + " | ".join([workload, f"`{cxx_name}`"] + c_cells + [f"`{py_name}`"]
                                     + p_cells + ["same" if same else "no", delta, ratio]) + " |")

    paired_cxx = {pair[1] for pair in PAIRS}
    paired_py = {pair[2] for pair in PAIRS}
    extra = [n for n in cxx if n not in paired_cxx] + [n for n in baseline if n not in paired_py]
    if extra:
        out.append("")
        out.append("Unpaired results: " + ", ".join(f"`{n}`" for n in extra))
    notes = sorted({(name, record["note"]) for name, record in baseline.items() if record.get("note")})
    if notes:
        out.append("")
        out.append("Baselines:")
        out.extend(f"- `{name}`: {note}" for name, note in notes)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cxx_json")
    parser.add_argument("numpy_jsonl")
    parser.add_argument("--load", default="", help="load average before the run")
    args = parser.parse_args()
    print("\n".join(markdown(args.cxx_json, args.numpy_jsonl, args.load)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
