#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 machine (root or sudo) installs what
# is missing, builds CNNSlicer, and analyses the shipped LeNet-5 on Fashion-MNIST test
# images (Debian's dataset-fashion-mnist), writing quickstart-output/.
#   QUICKSTART_SAMPLES   number of images (default 2000)
#   CNNSLICER_BUILD_DIR  build folder (default build/ in the checkout)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CNNSLICER_BUILD_DIR:-$root/build}"

bash "$root/Testing/install-dependencies.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j 2 --target CNNSlicer

# Rendering needs an X server; Debian's VTK has GLX only.
xvfb-run -a -s "-screen 0 1600x1000x24" pvpython --force-offscreen-rendering "$root/Examples/quickstart.py" \
  --plugin "$build/lib/paraview-5.11/plugins/CNNSlicer/CNNSlicer.so" \
  --model "$root/Examples/Data/lenet5-fashion-mnist.pt" \
  --data /usr/share/datasets/fashion-mnist \
  --samples "${QUICKSTART_SAMPLES:-2000}" \
  --output "${QUICKSTART_OUTPUT:-quickstart-output}"
