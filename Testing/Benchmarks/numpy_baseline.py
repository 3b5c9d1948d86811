#!/usr/bin/python3
"""NumPy/SciPy baseline for the workloads of BenchmarkEntropy.cxx.

Each workload is written the way a competent Python user would write it with the
usual tools (numpy.histogram + scipy.stats.entropy, scipy.stats.differential_entropy,
scipy.spatial.cKDTree), on the same floats as the C++ benchmarks (both programs use the
same counter-based generator), so the estimates of the two sides must agree. Data
generation is not timed. Every workload is repeated a few times and the median
wall-clock time is reported.

Output: one JSON object per line on stdout,
  {"name", "seconds" (median), "values_per_second", "values", "repeats", "cv"
   (coefficient of variation of the runs), "estimate", "unit", "note"}
where "values" counts float values per run (an 8-D observation is 8 values) and
"estimate" is the computed entropy, so that it can be checked against the C++ one.

Run with Debian's interpreter: /usr/bin/python3 numpy_baseline.py [--only SUBSTRING]
Total run time is about a minute on 2 cores.
"""

import argparse
import json
import math
import statistics
import sys
import time

import numpy as np
from scipy import signal, spatial, special, stats

NEURONS = 8000
SAMPLES = 10000
POOLED_POINTS = 5000
BINS = 64
CONTINUOUS_N = 1_000_000
NEIGHBOR_N = 100_000
DIMENSION = 8
K = 3


# Streams of the shared generator (see standardNormal() in BenchmarkEntropy.cxx).
NEURON_MEAN_STREAM, NEURON_SCALE_STREAM, ACTIVATION_STREAM, SAMPLE_STREAM, OBSERVATION_STREAM = 1, 2, 3, 4, 5
TWO_PI = 6.283185307179586


def splitmix64(x):
    """SplitMix64 finaliser on a uint64 array (NumPy's uint64 arithmetic wraps)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def standard_normal(stream, start, count):
    """Values start .. start+count-1 of a stream, in double: the same numbers as the C++
    benchmark's standardNormal() (Box-Muller, cosine branch, counters (s << 40) + 2i)."""
    counter = np.uint64(stream << 40) + np.uint64(2) * np.arange(start, start + count, dtype=np.uint64)
    u1 = 1.0 - (splitmix64(counter) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    u2 = (splitmix64(counter + np.uint64(1)) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(TWO_PI * u2)


def activations():
    """Same floats as normalActivations() in BenchmarkEntropy.cxx: neuron p (a row) is
    N(mu_p, sigma_p^2) with mu_p ~ N(0, 0.5^2), sigma_p = exp(N(0, 0.5^2))."""
    mean = (0.5 * standard_normal(NEURON_MEAN_STREAM, 0, NEURONS)).astype(np.float32)
    scale = np.exp(0.5 * standard_normal(NEURON_SCALE_STREAM, 0, NEURONS)).astype(np.float32)
    x = np.empty((NEURONS, SAMPLES), dtype=np.float32)
    block = 500  # neurons per chunk, to keep the double temporaries small
    for p in range(0, NEURONS, block):
        rows = min(block, NEURONS - p)
        z = standard_normal(ACTIVATION_STREAM, p * SAMPLES, rows * SAMPLES).reshape(rows, SAMPLES)
        mu = mean[p:p + rows, None].astype(np.float64)
        sigma = scale[p:p + rows, None].astype(np.float64)
        x[p:p + rows] = mu + sigma * z
    return x


def neuron_entropy_loop(x):
    """The obvious way: one numpy.histogram per neuron over the layer range."""
    lo, hi = float(x.min()), float(x.max())
    h = np.empty(x.shape[0])
    for p in range(x.shape[0]):
        counts, _ = np.histogram(x[p], bins=BINS, range=(lo, hi))
        h[p] = stats.entropy(counts, base=2)
    return float(h.mean())


def neuron_entropy_bincount(x):
    """Vectorised: bin every value at once, offset each neuron's bins, one bincount."""
    lo, hi = x.min(), x.max()
    rows = x.shape[0]
    index = ((x - lo) * np.float32(BINS / (hi - lo))).astype(np.intp)
    np.clip(index, 0, BINS - 1, out=index)
    index += (np.arange(rows, dtype=np.intp) * BINS)[:, None]
    counts = np.bincount(index.ravel(), minlength=rows * BINS).reshape(rows, BINS)
    return float(stats.entropy(counts, base=2, axis=1).mean())


def pooled_entropy(x):
    lo, hi = float(x.min()), float(x.max())
    counts, _ = np.histogram(x, bins=BINS, range=(lo, hi))
    return float(stats.entropy(counts, base=2))


def gaussian_entropy(x):
    return 0.5 * math.log(2.0 * math.pi * math.e * float(np.var(x, dtype=np.float64)))


def kde_fft_entropy(x):
    """Resubstitution KDE entropy with Silverman's bandwidth, evaluated as KDEpy's FFTKDE
    does: linear binning on a grid (h/20 spacing), FFT convolution with the Gaussian
    kernel, linear interpolation back to the points. SciPy has no fast 1-D KDE entropy:
    gaussian_kde evaluated at 1e6 points is O(n^2)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    sigma = x.std(ddof=1)
    q25, q75 = np.percentile(x, [25, 75])
    iqr = q75 - q25
    spread = min(sigma, iqr / 1.34) if iqr > 0 else sigma
    h = 0.9 * spread * n ** -0.2
    lo, hi = x.min(), x.max()
    dx = h / 20.0
    m = int(math.ceil((hi - lo) / dx)) + 2
    t = (x - lo) / dx
    i = np.floor(t).astype(np.intp)
    np.clip(i, 0, m - 2, out=i)
    w = t - i
    grid = np.bincount(i, weights=1.0 - w, minlength=m) + np.bincount(i + 1, weights=w, minlength=m)
    half = min(m - 1, int(math.ceil(8.0 * h / dx)))
    offsets = np.arange(-half, half + 1) * dx
    kernel = np.exp(-0.5 * (offsets / h) ** 2) / (math.sqrt(2.0 * math.pi) * h * n)
    density = signal.fftconvolve(grid, kernel, mode="same")
    f = (1.0 - w) * density[i] + w * density[i + 1]
    return float(-np.mean(np.log(f)))


def kozachenko_leonenko(points, k, workers):
    """KL estimate from a cKDTree query with k+1 neighbours (the first is the point)."""
    n, d = points.shape
    tree = spatial.cKDTree(points)
    distance, _ = tree.query(points, k=k + 1, workers=workers)
    eps = distance[:, k]
    eps = eps[eps > 0]
    log_unit_ball = 0.5 * d * math.log(math.pi) - special.gammaln(0.5 * d + 1.0)
    return float(special.digamma(n) - special.digamma(k) + log_unit_ball + d * np.mean(np.log(eps)))


def measure(name, function, values, repeats, unit, note):
    # At least `repeats` runs; millisecond workloads run on until they have filled about a
    # second (at most 100 runs) so that their median is not one noisy reading. A first run
    # shorter than a second is a warm-up (page faults of fresh temporaries) and is dropped;
    # for the long workloads that cost is negligible and a warm-up would double the time.
    times = []
    estimate = None
    warm_up = True
    while len(times) < repeats or (sum(times) < 1.0 and len(times) < 100):
        start = time.perf_counter()
        estimate = function()
        elapsed = time.perf_counter() - start
        if warm_up and elapsed < 1.0:
            warm_up = False
            continue
        warm_up = False
        times.append(elapsed)
    seconds = statistics.median(times)
    record = {
        "name": name,
        "seconds": seconds,
        "values_per_second": values / seconds,
        "values": values,
        "repeats": len(times),
        "cv": statistics.stdev(times) / statistics.mean(times) if len(times) > 1 else 0.0,
        "estimate": float(estimate),
        "unit": unit,
        "note": note,
    }
    print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="run only workloads whose name contains this")
    only = parser.parse_args().only

    def wanted(*names):
        return any(only in name for name in names)

    relu_names = [f"discrete_neuron/relu/{way}" for way in ("histogram_loop", "bincount_vectorised")]
    layer_names = ["discrete_neuron/normal/histogram_loop", "discrete_neuron/normal/bincount_vectorised",
                   "discrete_channel/normal/histogram"] + relu_names
    layer = activations() if wanted(*layer_names) else None
    relu = np.maximum(layer, np.float32(0.0)) if wanted(*relu_names) else None

    layer_values = NEURONS * SAMPLES
    for variant, x in (("normal", layer), ("relu", relu)):
        name = f"discrete_neuron/{variant}/histogram_loop"
        if wanted(name):
            measure(name, lambda: neuron_entropy_loop(x), layer_values, 3, "mean neuron H, bits",
                    "numpy.histogram per neuron + scipy.stats.entropy(base=2), layer min/max")
        name = f"discrete_neuron/{variant}/bincount_vectorised"
        if wanted(name):
            measure(name, lambda: neuron_entropy_bincount(x), layer_values, 3, "mean neuron H, bits",
                    "one numpy.bincount over offset bin indices + scipy.stats.entropy(axis=1)")

    name = "discrete_channel/normal/histogram"
    if wanted(name):
        pooled = layer[:POOLED_POINTS]
        measure(name, lambda: pooled_entropy(pooled), POOLED_POINTS * SAMPLES, 3, "channel H, bits",
                "numpy.histogram over 50 M values + scipy.stats.entropy(base=2)")
    layer = relu = None

    x = standard_normal(SAMPLE_STREAM, 0, CONTINUOUS_N).astype(np.float32)
    small = x[:NEIGHBOR_N]
    continuous = [
        ("gaussian1d/n:1000000/numpy_var", lambda: gaussian_entropy(x), CONTINUOUS_N, 7,
         "0.5 log(2 pi e numpy.var)"),
        ("differential_entropy_auto/n:1000000", lambda: stats.differential_entropy(x), CONTINUOUS_N,
         5, "scipy.stats.differential_entropy, method auto (= vasicek for n > 1000)"),
        ("differential_entropy_vasicek/n:1000000",
         lambda: stats.differential_entropy(x, method="vasicek"), CONTINUOUS_N, 5,
         "scipy.stats.differential_entropy(method='vasicek'), m = floor(sqrt(n) + 0.5)"),
        ("kde1d/n:1000000/numpy_fft", lambda: kde_fft_entropy(x), CONTINUOUS_N, 5,
         "hand-written binned FFT KDE (numpy + scipy.signal.fftconvolve), Silverman h"),
        ("differential_entropy_auto/n:100000", lambda: stats.differential_entropy(small),
         NEIGHBOR_N, 7, "scipy.stats.differential_entropy, method auto (= vasicek)"),
        ("differential_entropy_vasicek/n:100000",
         lambda: stats.differential_entropy(small, method="vasicek"), NEIGHBOR_N, 7,
         "scipy.stats.differential_entropy(method='vasicek')"),
        ("knn1d/n:100000/k:3/cKDTree_workers:1",
         lambda: kozachenko_leonenko(small[:, None], K, 1), NEIGHBOR_N, 5,
         "cKDTree build + query(k=4, workers=1), Kozachenko-Leonenko"),
    ]
    for name, function, values, repeats, note in continuous:
        if wanted(name):
            measure(name, function, values, repeats, "h, nats", note)

    y = standard_normal(OBSERVATION_STREAM, 0, NEIGHBOR_N * DIMENSION).astype(np.float32)
    y = y.reshape(NEIGHBOR_N, DIMENSION)
    for workers in (1, 2):
        name = f"knn8d/n:100000/k:3/cKDTree_workers:{workers}"
        if wanted(name):
            measure(name, lambda: kozachenko_leonenko(y, K, workers), NEIGHBOR_N * DIMENSION, 3,
                    "h, nats", f"cKDTree build + query(k=4, workers={workers}), Kozachenko-Leonenko")
    return 0


if __name__ == "__main__":
    sys.exit(main())
