#!/usr/bin/env bash
# Benchmarks of the entropy core (Filters/Core) against NumPy/SciPy, in one command:
#
#   Testing/Benchmarks/run.sh [Google Benchmark flags, e.g. --benchmark_filter=Discrete]
#
# 1. configures a core-only Release build with Ninja in $BUILD_DIR
#    (-DCNNSLICER_BUILD_BENCHMARKS=ON -DBUILD_TESTING=OFF -DCNNSLICER_BUILD_PLUGIN=OFF),
# 2. builds CNNSlicerEntropyBenchmarks with at most $JOBS jobs,
# 3. runs it with 3 repetitions (median reported); the readable table goes to the
#    console, the JSON to $BUILD_DIR/benchmark-cxx.json,
# 4. runs numpy_baseline.py (JSON lines in $BUILD_DIR/benchmark-numpy.jsonl; about a
#    minute), unless SKIP_NUMPY=1 and that file already exists,
# 5. writes the side-by-side table (compare.py) to $BUILD_DIR/benchmark-report.md and
#    prints it.
#
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (default 2), REPETITIONS
# (default 3), PYTHON (default /usr/bin/python3, Debian's, which has NumPy and SciPy),
# SKIP_NUMPY (default 0).
#
# Timings are only meaningful on an otherwise idle machine: the load average before the
# run is recorded in the report.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build-bench}
jobs=${JOBS:-2}
repetitions=${REPETITIONS:-3}
python=${PYTHON:-/usr/bin/python3}

cmake -S "$source_dir" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCNNSLICER_BUILD_BENCHMARKS=ON \
  -DBUILD_TESTING=OFF \
  -DCNNSLICER_BUILD_PLUGIN=OFF
cmake --build "$build_dir" --target CNNSlicerEntropyBenchmarks -j "$jobs"

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Load average before the benchmarks: $load"

cxx_json=$build_dir/benchmark-cxx.json
numpy_jsonl=$build_dir/benchmark-numpy.jsonl
report=$build_dir/benchmark-report.md

# Console format for live progress; the same results go to the JSON file.
"$build_dir/Testing/Benchmarks/CNNSlicerEntropyBenchmarks" \
  --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true \
  --benchmark_format=console \
  --benchmark_out="$cxx_json" \
  --benchmark_out_format=json \
  "$@"

if [[ "${SKIP_NUMPY:-0}" == 1 && -s "$numpy_jsonl" ]]; then
  echo "Reusing $numpy_jsonl"
else
  "$python" "$here/numpy_baseline.py" | tee "$numpy_jsonl.tmp"
  mv "$numpy_jsonl.tmp" "$numpy_jsonl"
fi

"$python" "$here/compare.py" "$cxx_json" "$numpy_jsonl" --load "$load" >"$report"
echo
cat "$report"
echo
echo "Report written to $report"
