#!/usr/bin/env bash
# Runs every libFuzzer target of Testing/Fuzz, one after the other, for SECONDS each
# (default 600), niced, and prints a table of the results. Not part of CI.
#
#   Testing/Fuzz/run-fuzzers.sh [SECONDS] [TARGET...]     # targets: idx idx_gzip cifar10
#                                                         # npy image_folder model_metadata
#                                                         # torchscript_archive
#
# Builds the "fuzz" preset (clang, -fsanitize=fuzzer,address,undefined; build-fuzz/).
# Each target starts from its committed seeds (corpus/<target>/) and regression inputs,
# and grows a working corpus in build-fuzz/fuzz-work/<target>/ (kept between runs; the
# committed seeds are not changed). A crash, leak, timeout (-timeout=10 s) or allocation
# above -rss_limit_mb=2048 stops that target and leaves the input in
# build-fuzz/fuzz-work/artifacts/<target>/: replay it with
# build-fuzz/Testing/Fuzz/fuzz_<target> <file>, fix the loader, and commit the input under
# regressions/<target>/. Logs: build-fuzz/fuzz-work/logs/<target>.log.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(idx idx_gzip cifar10 npy image_folder model_metadata torchscript_archive)
fi

cd "$root"
cmake --preset fuzz >/dev/null && cmake --build --preset fuzz >/dev/null || exit 1

declare -A max_len=([idx]=4096 [idx_gzip]=4096 [cifar10]=10000 [npy]=4096
                    [image_folder]=1024 [model_metadata]=4096 [torchscript_archive]=8192)
work="$root/build-fuzz/fuzz-work"
# The files each input becomes (FuzzSupport.cxx), in memory, removed after each target.
scratch_base=/tmp
[ -d /dev/shm ] && scratch_base=/dev/shm
export CNNSLICER_FUZZ_SCRATCH="$scratch_base/cnnslicer-fuzz-run-$$"
status=0
rows=()
for target in "${targets[@]}"; do
  binary="$root/build-fuzz/Testing/Fuzz/fuzz_$target"
  [ -x "$binary" ] || { echo "run-fuzzers: no target $target" >&2; exit 1; }
  mkdir -p "$work/$target" "$work/artifacts/$target" "$work/logs"
  seeds=("$root/Testing/Fuzz/corpus/$target")
  [ -d "$root/Testing/Fuzz/regressions/$target" ] && seeds+=("$root/Testing/Fuzz/regressions/$target")
  log="$work/logs/$target.log"
  echo "run-fuzzers: $target for $seconds s (log $log)"
  nice -n 19 "$binary" -max_total_time="$seconds" -max_len="${max_len[$target]}" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$target/" "$work/$target" "${seeds[@]}" >"$log" 2>&1
  code=$?
  rm -rf "$CNNSLICER_FUZZ_SCRATCH"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  result="ok"
  if [ $code -ne 0 ]; then
    result="FAILED: $(grep -m1 -E 'ERROR: |SUMMARY: |Test unit written' "$log" | cut -c1-120)"
    status=1
  fi
  rows+=("| $target | $seconds | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corpus:-?} | $result |")
done
echo
echo "| target | seconds | execs | execs/s | cov | ft | corpus (inputs/size) | result |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit $status
