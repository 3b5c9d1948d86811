#!/usr/bin/env bash
# CNNSlicer performance report (Documentation/performance.md), one command, not part of CI:
#
#   Testing/Benchmarks/run.sh [full|quick]
#
# full (default; 22 minutes on an idle 2-core machine) writes Documentation/performance.md:
#   1. the whole analysis (load model, capture all layers, discrete entropy at neuron,
#      channel and layer scope, continuous layer entropy), plugin in pvbatch vs PyTorch
#      hooks + NumPy + SciPy (Analysis/), LeNet-5 on 10,000 MNIST images and the VGG net on
#      10,000 CIFAR-10 images, 3 runs each: time, stage times, peak memory, and a check
#      that both give the same numbers;
#   2. scaling: LeNet-5 at 1k, 2k, 5k, 10k images, 1 and 2 threads;
#   3. the estimator microbenchmarks (BenchmarkEntropy.cxx vs numpy_baseline.py) and the
#      memory bandwidth (MemoryBandwidth.cxx) as the histogram kernels' ceiling;
#   4. the reader's capture overhead and ParaView's data-information pass;
#   5. callgrind profiles of both tools (skipped without valgrind, or with PROFILE=0).
# quick (a few minutes) runs small sizes once, to check the harness, and writes
# $BUILD_DIR/performance-quick.md instead.
#
# It installs nothing: it checks what it needs and says what is missing. It builds the
# plugin and the benchmarks Release in $BUILD_DIR, exports the models, and converts
# CIFAR-10 to its binary format once into $DATA_DIR (outside the repository).
#
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (build jobs, default 2),
# DATASETS (default <repo>/../shared/datasets: mnist/ and cifar10/ as described in its
# README), DATA_DIR (default ~/.cache/cnnslicer-benchmarks), GROUP_MB (activation memory
# per layer group, default 8192: the VGG net at 10,000 images needs 13.6 GB for all its
# layers, so it runs in 2 groups, a forward pass each; 16384 runs it at once where 20 GB
# are free),
# REPETITIONS (runs per configuration; default 3 in full, 1 in quick), PROFILE (0 skips
# the callgrind profiles), SECTIONS (default startup,e2e,scaling,micro,reader,profiles).
#
# Timings mean little on a busy machine: the report records the load average before
# every process and says so prominently when the machine was busy.
set -euo pipefail

mode=${1:-full}
case "$mode" in
  full | quick) ;;
  *)
    echo "usage: $0 [full|quick]" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build-bench}
jobs=${JOBS:-2}
datasets=${DATASETS:-$source_dir/../shared/datasets}
data_dir=${DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cnnslicer-benchmarks}
python=/usr/bin/python3

# --- What is needed, and what is missing. ----------------------------------------------
missing=()
for tool in cmake ninja c++ pvbatch git; do
  command -v "$tool" > /dev/null || missing+=("$tool (command not found)")
done
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (apt-get install time)")
[ -x "$python" ] || missing+=("$python (apt-get install python3)")
if [ -x "$python" ]; then
  for module in numpy scipy torch; do
    "$python" -c "import $module" 2> /dev/null ||
      missing+=("Python module $module for $python (apt-get install python3-$module)")
  done
fi
[ -f /usr/include/benchmark/benchmark.h ] || missing+=("Google Benchmark (apt-get install libbenchmark-dev)")
mnist="$datasets/mnist"
[ -f "$mnist/mnist10k-images-idx3-ubyte.gz" ] ||
  missing+=("MNIST: $mnist/mnist10k-images-idx3-ubyte.gz (set DATASETS to the shared datasets folder)")
cifar="$data_dir/cifar10/cifar-10-batches-bin"
if [ ! -f "$cifar/test_batch.bin" ]; then
  [ -f "$datasets/cifar10/cifar10-to-bin.py" ] ||
    missing+=("CIFAR-10: $datasets/cifar10/cifar10-to-bin.py (set DATASETS to the shared datasets folder)")
  "$python" -c "import PIL" 2> /dev/null ||
    missing+=("Python module PIL to convert CIFAR-10 once (apt-get install python3-pil)")
fi
if [ "$mode" = full ] && [ "${PROFILE:-1}" != 0 ] && ! command -v valgrind > /dev/null; then
  echo "note: valgrind not found, the report will have no profiles (apt-get install valgrind)" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Testing/Benchmarks/run.sh cannot run; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi

# --- Build, models, data. ------------------------------------------------------------------
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCNNSLICER_BUILD_BENCHMARKS=ON -DCNNSLICER_BUILD_PLUGIN=ON -DBUILD_TESTING=OFF \
  -DCNNSLICER_BUILD_TRAINING=OFF > /dev/null
cmake --build "$build_dir" -j "$jobs" --target CNNSlicer CNNSlicerEntropyBenchmarks \
  CNNSlicerCaptureBenchmark CNNSlicerMemoryBandwidth

work="$build_dir/performance"
mkdir -p "$work"
"$python" "$source_dir/Examples/Models/export_models.py" "$work/models" \
  --models lenet5,vgg,resnet --mode scripted > /dev/null
if [ ! -f "$cifar/test_batch.bin" ]; then
  echo "Converting CIFAR-10 to its binary format once, into $data_dir/cifar10"
  "$python" "$datasets/cifar10/cifar10-to-bin.py" "$data_dir/cifar10"
fi

# --- Measure, then write the report. -------------------------------------------------------
results="$work/results-$mode"
rm -rf "$results"
repetitions=()
[ -n "${REPETITIONS:-}" ] && repetitions=(--repetitions "$REPETITIONS")
echo "Load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" "$here/runs.py" --mode "$mode" --results "$results" --build "$build_dir" \
  --models "$work/models" --mnist "$mnist" --cifar "$cifar" --group-mb "${GROUP_MB:-8192}" \
  --sections "${SECTIONS:-startup,e2e,scaling,micro,reader,profiles}" "${repetitions[@]}"

if [ "$mode" = full ]; then
  report="$source_dir/Documentation/performance.md"
else
  report="$build_dir/performance-quick.md"
fi
"$python" "$here/report.py" "$results" > "$report.tmp"
mv "$report.tmp" "$report"
echo "Report written to $report (raw results in $results)"
