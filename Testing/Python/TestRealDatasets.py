"""pvpython integration test on the real datasets of ../shared/datasets (skipped, with a
message, when they are absent): the reader runs the project's LeNet-5 on the 10,000 real
MNIST digits and its VGG net on CIFAR-10 converted to the binary format by the shared
script in this test's own temporary folder; the entropy filter runs downstream.

Run: pvpython TestRealDatasets.py --plugin CNNSlicer.so --data DIR --shared SHARED_DATASETS
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from paraview import simple

from cnnslicer_testing import Checks
from vtkmodules.util.numpy_support import vtk_to_numpy

SKIP = 77  # ctest SKIP_RETURN_CODE

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--shared", required=True)
args = parser.parse_args()

mnist = os.path.join(args.shared, "mnist")
cifar_archive = os.path.join(args.shared, "cifar10", "cifar10-jpg.tar.xz")
if not os.path.isdir(mnist):
    print("SKIP: %s is absent (real datasets are optional; see shared/datasets/README.md)" % mnist)
    sys.exit(SKIP)

check = Checks()


simple.LoadPlugin(args.plugin, remote=False, ns=globals())
models = os.path.join(args.data, "models")

# MNIST: all 10,000 digits through LeNet-5, two layers kept.
r = CNNActivationsReader(FileNames=[os.path.join(models, "lenet5_scripted.pt")])
r.DatasetFileName = mnist
r.MaximumSamples = 0
r.Layers = ["input", "features.0"]
r.UpdatePipeline()
table = r.GetClientSideObject().GetOutputDataObject(1)
labels = vtk_to_numpy(table.GetColumnByName("label"))
check(len(labels) == 10000, "10,000 MNIST samples, got %d" % len(labels))
counts = np.bincount(labels, minlength=10).tolist()
check(counts == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], "MNIST class counts %s" % counts)
collection = r.GetClientSideObject().GetOutputDataObject(0)
pixels = vtk_to_numpy(collection.GetPartition(0, 0).GetPointData().GetArray("activation"))
# Normalized with MNIST's mean/std from cnnslicer.json: black is -0.4242.
check(abs(pixels.min() - (0 - 0.1307) / 0.3081) < 1e-4, "normalized background %.4f" % pixels.min())
h = CNNEntropyDiscrete(Input=r)
h.UpdatePipeline()
layers = h.GetClientSideObject().GetOutputDataObject(2)
entropy = vtk_to_numpy(layers.GetColumnByName("entropy"))
mi = vtk_to_numpy(layers.GetColumnByName("mutual_information"))
check(layers.GetNumberOfRows() == 2 and np.all(np.isfinite(entropy)), "finite layer entropies %s" % entropy)
check(np.all((mi > 0) & (mi <= np.log2(10) + 1e-9)), "0 < I(T;Y) <= log2 10: %s" % mi)
print("MNIST layer entropy (bits):", entropy, "I(T;Y):", mi)

# CIFAR-10: converted by the shared script into this test's own temporary folder.
try:
    import PIL  # noqa: F401  (the conversion script needs it)
    have_pil = True
except ImportError:
    have_pil = False
if os.path.isfile(cifar_archive) and have_pil:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["/usr/bin/python3", os.path.join(args.shared, "cifar10", "cifar10-to-bin.py"), out],
                       check=True, stdout=subprocess.DEVNULL)
        c = CNNActivationsReader(FileNames=[os.path.join(models, "vgg_scripted.pt")])
        c.DatasetFileName = os.path.join(out, "cifar-10-batches-bin")
        c.MaximumSamples = 0
        c.SamplesPerClass = 50
        c.Layers = ["input", "logits"]
        c.UpdatePipeline()
        table = c.GetClientSideObject().GetOutputDataObject(1)
        labels = vtk_to_numpy(table.GetColumnByName("label"))
        check(np.bincount(labels, minlength=10).tolist() == [50] * 10, "balanced CIFAR-10 selection")
        names = c.GetClientSideObject().GetOutputDataObject(0).GetFieldData().GetAbstractArray("class_names")
        check([names.GetValue(i) for i in range(10)][:2] == ["airplane", "automobile"], "CIFAR-10 class order")
        simple.Delete(c)
else:
    print("note: CIFAR-10 part skipped (archive or python3-pil absent)")

check.finish()
