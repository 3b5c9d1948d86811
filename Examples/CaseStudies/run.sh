#!/usr/bin/env bash
# The case studies: one command per dataset. Regenerates Documentation/case-studies.md,
# its figures (Documentation/images/case-studies/) and tables (Documentation/case-studies/).
#
#   Examples/CaseStudies/run.sh mnist      # LeNet-5 and LeNet-5+BN on MNIST, + their comparison
#   Examples/CaseStudies/run.sh cifar10    # the VGG-style net on CIFAR-10
#   Examples/CaseStudies/run.sh all        # both
#   Examples/CaseStudies/run.sh tiny OUT   # CI: tiny models trained here, 200 images, into OUT
#
# Needs the built plugin and cnnslicer-train (Testing/run-tests.sh or Examples/quickstart.sh
# build them; CNNSLICER_BUILD_DIR, default build/). The trained checkpoints come from
# CNNSLICER_TRAINED (default ../trained beside the checkout); missing ones are trained first
# with Examples/CaseStudies/train_case_study_models.sh (MNIST about 1 min per model; the CIFAR-10 VGG, 10 epochs, 34m54s on a busy 2-core machine).
# Real data: ../shared/datasets (CNNSLICER_SHARED_DATASETS). CNNSLICER_CASE_STUDY_EPOCHS
# (e.g. 0,2,4,8,15) limits the training study to those checkpoints (default: all).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/Examples/CaseStudies"
build="${CNNSLICER_BUILD_DIR:-$root/build}"
plugin="$build/lib/paraview-5.11/plugins/CNNSlicer/CNNSlicer.so"
trainer="$build/Training/cnnslicer-train"
trained="${CNNSLICER_TRAINED:-$(dirname "$root")/trained}"
shared="${CNNSLICER_SHARED_DATASETS:-$(dirname "$root")/shared/datasets}"
mode="${1:-}"

for needed in "$plugin" "$trainer"; do
  if [ ! -e "$needed" ]; then
    echo "run.sh: $needed is missing; build first (Testing/run-tests.sh or cmake --build build)" >&2
    exit 2
  fi
done

# Figures need an X server: the one already there (ctest runs under xvfb-run), else a
# private Xvfb. Starting a second Xvfb beside a running one raced for display numbers and
# aborted pvbatch with "bad X server connection".
pvbatch() {
  if [ -n "${DISPLAY:-}" ]; then
    /usr/bin/pvbatch "$@"
  else
    xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" /usr/bin/pvbatch "$@"
  fi
}

# study NAME CHECKPOINTS DATA OUT [case_study.py options]
study() {
  local name="$1" checkpoints="$2" data="$3" out="$4"
  shift 4
  # Only when set: pvbatch refuses an empty command-line argument.
  local epochs=()
  if [ -n "${CNNSLICER_CASE_STUDY_EPOCHS:-}" ]; then
    epochs=(--epochs "$CNNSLICER_CASE_STUDY_EPOCHS")
  fi
  pvbatch "$here/case_study.py" --plugin "$plugin" --checkpoints "$checkpoints" --data "$data" \
    --name "$name" --out "$out/$name" "${epochs[@]}" "$@"
}

report() {
  local results="$1" report="$2" images="$3" tables="$4"
  /usr/bin/python3 "$here/make_report.py" "$results" "$report" "$images" "$tables"
}

mnist() {
  local results="$1"
  if [ ! -d "$shared/mnist" ]; then
    echo "run.sh: $shared/mnist is missing (real MNIST, see shared/datasets/README.md)" >&2
    exit 2
  fi
  for model in lenet5 lenet5bn; do
    if ! ls "$trained/$model/"*_epoch_*.pt > /dev/null 2>&1; then
      bash "$root/Examples/CaseStudies/train_case_study_models.sh" "$trained" mnist
    fi
    study "$model" "$trained/$model" "$shared/mnist" "$results" --first-sample 8000 --samples 2000
  done
  pvbatch "$here/compare.py" --plugin "$plugin" "$results/lenet5" "$results/lenet5bn" \
    --names lenet5 lenet5bn --out "$results/comparison"
}

cifar10() {
  local results="$1"
  if ! ls "$trained/vgg/"*_epoch_*.pt > /dev/null 2>&1; then
    bash "$root/Examples/CaseStudies/train_case_study_models.sh" "$trained" cifar10
  fi
  # The binary batches made by train_case_study_models.sh (CIFAR10_BIN there).
  local cifar="${CNNSLICER_CIFAR10_BIN:-${CIFAR10_BIN:-$trained/data/cifar10}}"
  if [ ! -d "$cifar/cifar-10-batches-bin" ]; then
    /usr/bin/python3 "$shared/cifar10/cifar10-to-bin.py" "$cifar"
  fi
  # Every layer of the VGG on 10,000 images is ~14 GB: studies 1-4 run in layer groups of
  # 3 GB; the across-epoch studies (every layer at once) use 2,000 of the images.
  study vgg "$trained/vgg" "$cifar" "$results" --split test --samples 10000 \
    --epoch-samples 2000 --memory-mb 3000
}

case "$mode" in
  mnist | cifar10 | all)
    results="$build/case-studies"
    [ "$mode" = cifar10 ] || mnist "$results"
    [ "$mode" = mnist ] || cifar10 "$results"
    report "$results" "$root/Documentation/case-studies.md" \
      "$root/Documentation/images/case-studies" "$root/Documentation/case-studies"
    ;;
  tiny)
    # CI: LeNet-5 and LeNet-5+BN (untrained exports of Examples/Models) trained here for 2
    # epochs on 600 Fashion-MNIST images, studied on 200 test images; then every figure
    # and table is checked.
    out="${2:?usage: run.sh tiny OUT}"
    rm -rf "$out"
    mkdir -p "$out/models" "$out/checkpoints"
    /usr/bin/python3 "$root/Examples/Models/export_models.py" "$out/models" > /dev/null
    for model in lenet5 lenet5bn; do
      "$trainer" "$out/models/${model}_scripted.pt" --data /usr/share/datasets/fashion-mnist \
        --train-samples 0:600 --test-samples 0:200 --epochs 2 --batch-size 50 --lr 0.05 \
        --out "$out/checkpoints/$model" --name "$model" --quiet
      # LeNet-5+BN in layer groups of 2 MB (a few layers each), as the VGG runs on CIFAR-10:
      # the tables must come out in execution order all the same (check_outputs.py).
      groups=()
      [ "$model" = lenet5bn ] && groups=(--memory-mb 2)
      study "$model" "$out/checkpoints/$model" /usr/share/datasets/fashion-mnist "$out/results" \
        --samples 200 "${groups[@]}"
    done
    pvbatch "$here/compare.py" --plugin "$plugin" "$out/results/lenet5" "$out/results/lenet5bn" \
      --names lenet5 lenet5bn --out "$out/results/comparison"
    report "$out/results" "$out/report/case-studies.md" "$out/report/images" "$out/report/tables"
    /usr/bin/python3 "$here/check_outputs.py" "$out/results" "$out/report/case-studies.md"
    ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
