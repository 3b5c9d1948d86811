#!/usr/bin/env bash
# Makes the data the tests run on, with the project's own scripts (no download):
#   OUT/models/<model>_<scripted|traced>[_frozen].pt   exported test models
#   OUT/models/reference/<model>/                      eager forward-hook references
#   OUT/models/reference-mnist/lenet5/                 the same on the tiny MNIST set
#   OUT/data/                                          tiny datasets in every format
# Usage: Testing/make-test-data.sh OUT   (needs Debian's /usr/bin/python3 + python3-torch)
set -euo pipefail
out="$1"
models="$(cd "$(dirname "${BASH_SOURCE[0]}")/../Examples/Models" && pwd)"
python=/usr/bin/python3

mkdir -p "$out/models/reference" "$out/models/reference-mnist" "$out/data"
"$python" "$models/tiny_datasets.py" "$out/data" > /dev/null
"$python" "$models/export_models.py" "$out/models" --frozen > /dev/null
for model in lenet5 lenet5bn vgg resnet; do
  "$python" "$models/reference_activations.py" "$model" "$out/models/reference/$model" > /dev/null
done
"$python" "$models/reference_activations.py" lenet5 "$out/models/reference-mnist/lenet5" \
  --input "$out/data/npy/mnist_nchw_float32.npy" > /dev/null
# A scripted model whose modules sit in both branches of an `if` (one never taken).
"$python" "$models/export_branching_model.py" "$out/models/branching_scripted.pt"
# Models the reader must refuse: forward(x, y), no forward, a pickle that is no module.
"$python" "$models/export_unrunnable_models.py" "$out/models/unrunnable"
echo "test data written to $out"
