#!/usr/bin/env bash
# Installs the Debian 12 packages CNNSlicer needs to build, test and run, skipping
# those already present. Needs root or sudo. Platform notes: Documentation/design.md section 7.
set -euo pipefail

packages=(
  # compilers and build tools
  g++ cmake ninja-build git
  # ParaView 5.11 SDK and Python, LibTorch 1.13 (CPU) and PyTorch for model export
  paraview paraview-dev python3-paraview libtorch-dev python3-torch
  # numerical core: Eigen (linear algebra, FFT), nanoflann (k-d tree)
  libeigen3-dev libnanoflann-dev zlib1g-dev nlohmann-json3-dev
  # a real dataset that installs from Debian (Fashion-MNIST, IDX)
  dataset-fashion-mnist
  # the shared CIFAR-10 JPEGs are converted to the binary format with PIL in a test
  python3-pil
  # tests and benchmarks
  libgtest-dev libbenchmark-dev python3-numpy python3-scipy xvfb xauth
  # find_package(ParaView) needs these on a bare paraview-dev
  libopenmpi-dev qtbase5-dev libqt5svg5-dev qttools5-dev libqt5opengl5-dev
  libdouble-conversion-dev libhdf5-openmpi-dev libutfcpp-dev libtheora-dev libogg-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libgl2ps-dev
  libnetcdf-dev libgdal-dev libglew-dev qtxmlpatterns5-dev-tools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-dependencies: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-dependencies: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "install-dependencies: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
