#!/usr/bin/env bash
# End-to-end test of the cnnslicer-train command on the fixture's tiny data:
#   1. two runs with one seed write byte-identical checkpoints, with progress lines;
#   2. Ctrl-C (SIGINT) stops after the current batch, keeps the finished epochs, exits 130;
#   3. wrong input gives one error line and the documented exit code (1 error, 2 usage).
# Usage: test_cnnslicer_train.sh CNNSLICER_TRAIN TEST_DATA_DIR WORK_DIR
set -euo pipefail
train="$1"
data="$2"
work="$3"
models="$data/models"
mnist="$data/data/mnist"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work"

# 1. Determinism of the files themselves, with every random part of the loop in use.
for run in first second; do
  "$train" "$models/lenet5bn_scripted.pt" --data "$mnist" --epochs 2 --batch-size 32 \
    --augment crop-flip --schedule onecycle --nesterov --weight-decay 5e-4 --seed 3 \
    --threads 2 --progress-seconds 0 --out "$work/$run" > "$work/$run.log" 2>&1 \
    || fail "run $run exited with $? (see $work/$run.log)"
done
for epoch in 00 01 02; do
  file="lenet5bn_epoch_$epoch.pt"
  [ -f "$work/first/$file" ] || fail "$file was not written"
  cmp -s "$work/first/$file" "$work/second/$file" || fail "$file differs between two runs with seed 3"
done
grep -q "^epoch 2/2 .*test loss .* acc .*-> .*lenet5bn_epoch_02.pt" "$work/first.log" \
  || fail "no epoch line for epoch 2 in $work/first.log"
grep -q "^epoch 1/2  batch 5/5  loss .* acc .* lr .* ETA" "$work/first.log" \
  || fail "no progress line in $work/first.log"
grep -q "^done: 2 of 2 epochs" "$work/first.log" || fail "no final line in $work/first.log"
[ "$(wc -l < "$work/first/lenet5bn_history.csv")" = 4 ] || fail "history should have 3 epochs"
echo "PASS: identical checkpoints for one seed"

# 2. Ctrl-C during a long run.
"$train" "$models/lenet5_scripted.pt" --data "$mnist" --epochs 500 --batch-size 16 \
  --threads 1 --quiet --out "$work/interrupted" > "$work/interrupted.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -f "$work/interrupted/lenet5_epoch_002.pt" ] && break
  sleep 0.1
done
[ -f "$work/interrupted/lenet5_epoch_002.pt" ] || { kill "$pid"; fail "no epoch 2 after 60 s"; }
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || fail "an interrupted run exited with $status, not 130"
grep -q "stopping after this batch" "$work/interrupted.log" || fail "no stop notice"
grep -q "^interrupted: " "$work/interrupted.log" || fail "no 'interrupted:' summary"
[ ! -f "$work/interrupted/lenet5_epoch_500.pt" ] || fail "the run did not stop"
ls "$work/interrupted"/*.partial > /dev/null 2>&1 && fail "a partial checkpoint was left"
# Every epoch in the history has its checkpoint, and every checkpoint is in the history.
epochs=$(($(wc -l < "$work/interrupted/lenet5_history.csv") - 1))
[ "$(ls "$work/interrupted"/lenet5_epoch_*.pt | wc -l)" = "$epochs" ] \
  || fail "history and checkpoints disagree after Ctrl-C"
echo "PASS: Ctrl-C kept $epochs checkpoints and exited 130"

# 3. Errors: one line, the right exit code, and the words that say what to do.
expect_error() {
  local code="$1" pattern="$2"
  shift 2
  local status=0
  # stdout may have the run's header; the error is the one line on stderr.
  "$train" "$@" --out "$work/errors" > /dev/null 2> "$work/error.log" || status=$?
  [ "$status" = "$code" ] || fail "exit $status instead of $code for: $* ($(cat "$work/error.log"))"
  grep -q -- "$pattern" "$work/error.log" || fail "'$pattern' not in: $(cat "$work/error.log")"
  [ "$(wc -l < "$work/error.log")" = 1 ] || fail "more than one line: $(cat "$work/error.log")"
  echo "PASS: $(cat "$work/error.log")"
}
expect_error 1 "is not a TorchScript archive" "$mnist/t10k-labels-idx1-ubyte" --data "$mnist"
expect_error 1 "images are 3 x 32 x 32 (C x H x W) but the model .* expects 1 x 28 x 28" \
  "$models/lenet5_scripted.pt" --data "$data/data/cifar-10-batches-bin"
expect_error 1 "training mode is fixed" "$models/vgg_traced.pt" --data "$data/data/cifar-10-batches-bin"
expect_error 1 "no IDX\|not found\|does not exist\|no such" "$models/lenet5_scripted.pt" --data "$work/nothing-here"
expect_error 2 "does not fit the 160 samples" "$models/lenet5_scripted.pt" --data "$mnist" \
  --train-samples 0:999
expect_error 2 "unknown option --epoch;" "$models/lenet5_scripted.pt" --data "$mnist" --epoch 3
expect_error 2 "no dataset given" "$models/lenet5_scripted.pt"
echo "all cnnslicer-train command tests passed"
