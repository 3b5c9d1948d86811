#!/usr/bin/env bash
# The streaming benchmark (not part of CI; Documentation/performance.md, "Streaming"):
# LeNet-5 (shipped) on the first N Fashion-MNIST test images (Debian's dataset-fashion-
# mnist), the reader + CNN Entropy (Discrete) with labels in memory, streamed with exact
# ranges and streamed in one pass, beside one bare forward pass of the same model. Each
# configuration runs REPETITIONS times as a whole process (/usr/bin/time -v: wall seconds,
# peak resident memory); the streamed layer tables are compared with the in-memory one.
#
#   Testing/Benchmarks/Streaming/run.sh [N]      # default N = 10000
#
# Environment: BUILD_DIR (default <repo>/build), REPETITIONS (default 3), THREADS (2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${BUILD_DIR:-$root/build}"
plugin="$build/lib/paraview-5.11/plugins/CNNSlicer/CNNSlicer.so"
samples="${1:-10000}"
repetitions="${REPETITIONS:-3}"
threads="${THREADS:-2}"
model="$root/Examples/Data/lenet5-fashion-mnist.pt"
data=/usr/share/datasets/fashion-mnist
here="$root/Testing/Benchmarks/Streaming"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -f "$plugin" ] || { echo "run.sh: build the plugin first ($plugin)" >&2; exit 1; }
[ -d "$data" ] || { echo "run.sh: needs Debian's dataset-fashion-mnist ($data)" >&2; exit 1; }
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # label command...
  local label=$1; shift
  for r in $(seq "$repetitions"); do
    /usr/bin/time -v "$@" > "$work/out" 2> "$work/time"
    printf '%-14s run %d: %6.2f s wall, %5d MB peak  %s\n' "$label" "$r" \
      "$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time")" \
      "$(awk -F': ' '/Maximum resident/ {print int($2/1024)}' "$work/time")" \
      "$(tail -1 "$work/out")"
  done
}
measure "bare forward" /usr/bin/python3 "$here/bare_forward.py" --model "$model" --data "$data" \
  --samples "$samples" --threads "$threads"
for mode in memory exact onepass; do
  measure "$mode" /usr/bin/pvbatch "$here/stream_analysis.py" --plugin "$plugin" --model "$model" \
    --data "$data" --samples "$samples" --mode "$mode" --threads "$threads" --out "$work/$mode.csv"
done
if cmp -s "$work/memory.csv" "$work/exact.csv"; then
  echo "streamed (exact) layer table == in-memory layer table, byte for byte"
else
  echo "streamed (exact) layer table DIFFERS from the in-memory one" >&2; exit 1
fi
