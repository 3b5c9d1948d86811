#!/usr/bin/env bash
# Reader benchmarks (issue 3), one command, not part of CI:
#
#   Testing/Benchmarks/Reader/run.sh
#
# 1. capture overhead: all-layers forward vs plain forward, ResNet-style net, batch 256,
#    3 x 32 x 32 (Google Benchmark, median of 5);
# 2. the reader end to end on LeNet-5 + 10,000 MNIST images, all layers (pvpython), vs the
#    same done the usual Python way (forward hooks + NumPy): time and peak memory
#    (/usr/bin/time -v), and ParaView's data-information pass with and without the
#    range cache the reader fills.
# MNIST: ../shared/datasets/mnist when present, else Debian's Fashion-MNIST test set
# (same format and size; apt-get install dataset-fashion-mnist).
# Environment: BUILD_DIR (default <repo>/build-bench-reader).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${BUILD_DIR:-$root/build-bench-reader}
work="$build/reader-benchmark"
mkdir -p "$work"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCNNSLICER_BUILD_BENCHMARKS=ON -DBUILD_TESTING=OFF > /dev/null
cmake --build "$build" -j 2 --target CNNSlicer CNNSlicerCaptureBenchmark
plugin="$build/lib/paraview-5.11/plugins/CNNSlicer/CNNSlicer.so"
/usr/bin/python3 "$root/Examples/Models/export_models.py" "$work/models" --models lenet5,resnet --mode scripted > /dev/null

mnist="$root/../shared/datasets/mnist"
[ -d "$mnist" ] || mnist=/usr/share/datasets/fashion-mnist
[ -d "$mnist" ] || { echo "no MNIST-format data: see the header of this script" >&2; exit 1; }
echo "Load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); data: $mnist"

echo "== 1. capture overhead (ResNet-style, batch 256, 3x32x32)"
# Each variant in its own process, alternating over 3 rounds: in one process the first
# one to run changes the other's allocator state and page-fault pattern.
for round in 1 2 3; do
  for variant in PlainForward CaptureAllLayers; do
    "$build/Testing/Benchmarks/Reader/CNNSlicerCaptureBenchmark" "$work/models/resnet_scripted.pt" 3 32 32 \
      --batch=256 --benchmark_filter="^$variant" --benchmark_repetitions=5 \
      --benchmark_format=json 2>/dev/null > "$work/capture-$variant-$round.json"
  done
done
/usr/bin/python3 - "$work" <<'PY'
import glob, json, statistics, sys
def medians(variant):
    runs = []
    for path in sorted(glob.glob("%s/capture-%s-*.json" % (sys.argv[1], variant))):
        runs += [b["real_time"] for b in json.load(open(path))["benchmarks"] if b.get("run_type") == "iteration"]
    return statistics.median(runs), len(runs)
plain, n = medians("PlainForward")
capture, _ = medians("CaptureAllLayers")
print("plain forward %.1f ms, all-layers capture %.1f ms (medians of %d runs each): %.2fx" % (plain, capture, n, capture / plain))
PY

echo "== 2. reader end to end vs Python forward hooks (LeNet-5, 10,000 images, all layers)"
/usr/bin/time -v pvpython "$here/reader_end_to_end.py" --plugin "$plugin" \
  --model "$work/models/lenet5_scripted.pt" --mnist "$mnist" > "$work/reader.json" 2> "$work/reader.time"
pvpython "$here/reader_end_to_end.py" --plugin "$plugin" --information-pass \
  --model "$work/models/lenet5_scripted.pt" --mnist "$mnist" > "$work/information.json" 2> /dev/null
/usr/bin/time -v /usr/bin/python3 "$here/python_hooks_baseline.py" --mnist "$mnist" \
  > "$work/python.json" 2> "$work/python.time"
/usr/bin/python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
def wall_and_rss(path):
    text = open(path).read()
    h, m, s = (["0"] + re.search(r"Elapsed \(wall clock\) time.*?: ([\d:.]+)", text).group(1).split(":"))[-3:]
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return float(h) * 3600 + float(m) * 60 + float(s), rss / 1024.0
reader = json.loads(open(work + "/reader.json").read().strip().splitlines()[-1])
information = json.loads(open(work + "/information.json").read().strip().splitlines()[-1])
python = json.loads(open(work + "/python.json").read().strip().splitlines()[-1])
rw, rr = wall_and_rss(work + "/reader.time")
pw, pr = wall_and_rss(work + "/python.time")
print("| | CNNSlicer reader (pvpython) | PyTorch hooks + NumPy | ratio |")
print("|---|---|---|---|")
print("| compute (load, preprocess, forward, gather) | %.2f s | %.2f s | %.2fx faster |" % (reader["request_data_s"], python["seconds"], python["seconds"] / reader["request_data_s"]))
print("| whole process wall time | %.2f s | %.2f s | %.2fx |" % (rw, pw, pw / rw))
print("| peak memory (max RSS) | %.0f MB | %.0f MB | %.2fx |" % (rr, pr, pr / rr))
print("| layers kept | %d (incl. input, logits) | %d | |" % (reader["layers"], python["layers"]))
print()
print("ParaView data-information pass on the reader's output (%d points, %d components):" % (information["points"], information["samples"]))
print("  with the reader's range cache: %.3f s; without it: %.3f s; RequestData: %.2f s" % (
    information["data_information_cached_s"], information["data_information_uncached_s"], information["request_data_s"]))
PY
