#!/usr/bin/env bash
# The test command: on a fresh Debian 12 machine (root or sudo) installs what is
# missing, configures and builds CNNSlicer (Ninja, Release) and runs the whole ctest
# suite (labels unit, paraview, gui) under Xvfb. Exits non-zero on any failure.
#
#   Testing/run-tests.sh            # everything
#   Testing/run-tests.sh -L unit    # extra arguments go to the main ctest run
#
# Then the VTK-free cores and their unit tests are built and run again with
# AddressSanitizer + UndefinedBehaviorSanitizer (CMakePresets.json "sanitize", folder
# build-sanitize/, about 3 minutes); CNNSLICER_SKIP_SANITIZE=1 skips that step.
# CNNSLICER_BUILD_DIR chooses the build folder (default: build/ in the checkout).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CNNSLICER_BUILD_DIR:-$root/build}"

bash "$root/Testing/install-dependencies.sh"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON
# Two jobs: a LibTorch translation unit takes ~900 MB, and the machine has 2 cores.
cmake --build "$build" -j 2

# Rendering and GUI tests need an X server; Debian's VTK has GLX only. -noreset: by
# default Xvfb resets whenever its last client disconnects, and a test that connects
# during that reset aborts with "bad X server connection" (seen with two tests at once).
(cd "$build" && xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" ctest --output-on-failure -j 2 "$@")

if [ "${CNNSLICER_SKIP_SANITIZE:-0}" != "1" ]; then
  cd "$root"
  cmake --preset sanitize
  cmake --build --preset sanitize
  ctest --preset sanitize
fi
