"""pvpython test: the CNNSlicer plugin loads, its entropy filters are registered,
and they compute the expected numbers on activation volumes built here.

Run: pvpython TestEntropyFilters.py --plugin /path/to/CNNSlicer.so
"""
import argparse
import math

import numpy as np
from paraview import simple

from cnnslicer_testing import Checks, abort_on_progress, collect_errors, collect_warnings
from vtkmodules.numpy_interface import dataset_adapter as dsa
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkIntArray, vtkStringArray
from vtkmodules.vtkCommonDataModel import (vtkCompositeDataSet, vtkImageData, vtkPartitionedDataSet,
                                           vtkPartitionedDataSetCollection, vtkPolyData)

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
args = parser.parse_args()

check = Checks()


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol


def activation_volume(values, name, layer_type, index):
    """values: (C, H, W, N) -> vtkImageData with an N-component 'activation' point array."""
    c, h, w, n = values.shape
    image = vtkImageData()
    image.SetDimensions(w, h, c)
    # Point order is x fastest, then y, then channel; component = sample.
    flat = np.ascontiguousarray(values.reshape(c * h * w, n), dtype=np.float32)
    array = numpy_to_vtk(flat, deep=1)
    array.SetName("activation")
    image.GetPointData().AddArray(array)
    for key, value in (("layer_name", name), ("layer_type", layer_type)):
        s = vtkStringArray()
        s.SetName(key)
        s.InsertNextValue(value)
        image.GetFieldData().AddArray(s)
    i = vtkIntArray()
    i.SetName("layer_index")
    i.InsertNextValue(index)
    image.GetFieldData().AddArray(i)
    return image


def output_of(proxy, port):
    """The filter's output on a port (builtin session: the server is this process)."""
    return proxy.GetClientSideObject().GetOutputDataObject(port)


simple.LoadPlugin(args.plugin, remote=False, ns=globals())
check("CNNEntropyDiscrete" in globals(), "CNN Entropy (Discrete) is not registered")
check("CNNEntropyContinuous" in globals(), "CNN Entropy (Continuous) is not registered")

# --- Layer A: 2 channels of 1 x 2 neurons, 4 samples, hand-computable. ------------------
# Neuron values over samples: (0,0,1,1) -> 1 bit; constant -> 0; (0,1,2,3) -> 2 bits.
layer_a = np.zeros((2, 1, 2, 4), dtype=np.float32)
layer_a[0, 0, 0] = [0, 0, 1, 1]
layer_a[0, 0, 1] = [0, 0, 0, 0]
layer_a[1, 0, 0] = [0, 1, 2, 3]
layer_a[1, 0, 1] = [3, 3, 3, 3]

# --- Layer B: a "dense" layer of 3 units (3 channels of 1 x 1), labels T = Y. --------------
labels = np.array([0, 1, 2, 3], dtype=np.int32)
layer_b = np.zeros((3, 1, 1, 4), dtype=np.float32)
layer_b[0, 0, 0] = labels
layer_b[1, 0, 0] = [3, 3, 3, 3]  # keeps the layer range [0, 3]
layer_b[2, 0, 0] = [0, 0, 1, 1]

collection = vtkPartitionedDataSetCollection()
for index, (values, name, kind) in enumerate(((layer_a, "features.0", "Conv2d"),
                                              (layer_b, "classifier", "Linear"))):
    pds = vtkPartitionedDataSet()
    pds.SetPartition(0, activation_volume(values, name, kind, index))
    collection.SetPartitionedDataSet(index, pds)
label_array = numpy_to_vtk(labels, deep=1)
label_array.SetName("label")
collection.GetFieldData().AddArray(label_array)

producer = simple.TrivialProducer()
producer.GetClientSideObject().SetOutput(collection)

discrete = CNNEntropyDiscrete(Input=producer)
discrete.NumberOfBins = 4
discrete.PerClassOutputs = 1
discrete.UpdatePipeline()

layer_table = output_of(discrete, 2)
channel_table = output_of(discrete, 1)
volumes = output_of(discrete, 0)

lt = dsa.WrapDataObject(layer_table)
ct = dsa.WrapDataObject(channel_table)
check(layer_table.GetNumberOfRows() == 2, "layer table should have 2 rows, has %d" % layer_table.GetNumberOfRows())
check(channel_table.GetNumberOfRows() == 5, "channel table should have 2 + 3 rows, has %d" % channel_table.GetNumberOfRows())
names = [layer_table.GetColumnByName("layer_name").GetValue(i) for i in range(2)]
check(names == ["features.0", "classifier"], "layer names in block order: %s" % names)
check(layer_table.GetColumnByName("layer_type").GetValue(1) == "Linear", "layer_type copied from field data")
check(layer_table.GetFieldData().GetAbstractArray("unit").GetValue(0) == "bits", "tables carry their unit")

# Layer A pooled over 16 values with range [0,3], B=4: counts {7,3,1,5}.
p = np.array([7, 3, 1, 5]) / 16.0
expected_a = float(-(p * np.log2(p)).sum())
check(close(lt.RowData["entropy"][0], expected_a), "layer A entropy %r != %r" % (lt.RowData["entropy"][0], expected_a))

# Layer B, unit 0 is the label itself: H = 2 bits, H(T|Y) = 0, I = 2 (per neuron).
first = dsa.WrapDataObject(volumes.GetPartition(0, 0))
second = dsa.WrapDataObject(volumes.GetPartition(1, 0))
check(np.allclose(first.PointData["entropy"], [1.0, 0.0, 2.0, 0.0]), "neuron entropies of layer A: %s" % first.PointData["entropy"])
check(close(second.PointData["mutual_information"][0], 2.0), "I(T;Y) of the label unit should be 2 bits")
check(close(second.PointData["conditional_entropy"][0], 0.0), "H(T|Y) of the label unit should be 0")
check(close(second.PointData["entropy"][1], 0.0), "constant unit has entropy 0")
check("entropy_class_3" in second.PointData.keys(), "per-class arrays are written")
check("activation" in first.PointData.keys(), "input arrays pass through")
check(close(ct.RowData["entropy"][2], 2.0), "channel table row of the label unit")

# Class selection: only classes 2 and 3 -> label unit takes values {2,3}: 1 bit.
discrete.ClassSelection = [2, 3]
discrete.UpdatePipeline()
second = dsa.WrapDataObject(output_of(discrete, 0).GetPartition(1, 0))
check(close(second.PointData["entropy"][0], 1.0), "class selection restricts the samples")
discrete.ClassSelection = []

# Normalization by log2(B).
discrete.Normalize = 1
discrete.UpdatePipeline()
lt = dsa.WrapDataObject(output_of(discrete, 2))
check(close(lt.RowData["entropy"][0], expected_a / 2.0), "normalized entropy = H / log2(4)")

# --- Sample scope on the same collection (labels 0..3 = sample index). -----------------------
check("CNNSampleEntropy" in globals(), "CNN Sample Entropy is registered")
sample = CNNSampleEntropy(Input=producer)
sample.NumberOfBins = 4
sample.UpdatePipeline()
per_channel = dsa.WrapDataObject(output_of(sample, 1))
per_layer = dsa.WrapDataObject(output_of(sample, 2))
# Layer A: 2 channels x 4 samples (rows); dense layer B: no per-channel rows (1 value each).
check(output_of(sample, 1).GetNumberOfRows() == 8, "sample channel rows: %d" % output_of(sample, 1).GetNumberOfRows())
check(output_of(sample, 2).GetNumberOfRows() == 8, "sample layer rows: 2 layers x 4 samples")
h = {(int(c), int(n)): e for c, n, e in zip(per_channel.RowData["channel"], per_channel.RowData["sample"],
                                            per_channel.RowData["entropy"])}
# Sample 2 of channel 0 sees {1, 0}: 1 bit; sample 0 sees {0, 0}: 0; sample 0 of channel 1 sees {0, 3}: 1 bit.
check(close(h[(0, 2)], 1.0) and close(h[(0, 0)], 0.0) and close(h[(1, 0)], 1.0), "per-sample channel entropy %s" % h)
layer_rows = [(int(i), int(n), e) for i, n, e in zip(per_layer.RowData["layer_index"], per_layer.RowData["sample"],
                                                    per_layer.RowData["entropy"])]
whole = {n: e for i, n, e in layer_rows if i == 0}
# Sample 3 over layer A: {1, 0, 3, 3} -> 1.5 bits; sample 0: {0, 0, 0, 3} -> H_b(1/4).
check(close(whole[3], 1.5) and close(whole[0], -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))),
      "per-sample layer entropy %s" % whole)
check(list(per_layer.RowData["label"][:4]) == [0, 1, 2, 3], "rows carry the labels")

# --- Continuous filter on a single image: 1 channel, 8 x 8 neurons, 4000 samples. ---------
# Each neuron: 50% exact zeros (ReLU), 50% uniform on [0, 2] -> p_atoms = 0.5, h_c = 1 bit,
# H_mix = H_b(0.5) + 0.5 * 1 = 1.5 bits.
rng = np.random.default_rng(1234)
n = 4000
vals = rng.uniform(0.0, 2.0, size=(1, 8, 8, n)).astype(np.float32)
vals[..., : n // 2] = 0.0
image = activation_volume(vals, "relu", "ReLU", 0)
producer2 = simple.TrivialProducer()
producer2.GetClientSideObject().SetOutput(image)
continuous = CNNEntropyContinuous(Input=producer2)
continuous.Estimator = "k nearest neighbours (Kozachenko-Leonenko)"
continuous.UpdatePipeline()
out = dsa.WrapDataObject(output_of(continuous, 0))
p_atoms = out.PointData["p_atoms"]
h_c = out.PointData["h_c"]
h_mix = out.PointData["entropy"]
check(np.allclose(p_atoms, 0.5), "p_atoms should be 0.5")
check(abs(float(np.mean(h_c)) - 1.0) < 0.05, "mean h_c %.4f should be ~1 bit" % float(np.mean(h_c)))
check(abs(float(np.mean(h_mix)) - 1.5) < 0.03, "mean H_mix %.4f should be ~1.5 bits" % float(np.mean(h_mix)))
check(np.all(np.isfinite(h_mix)), "no -inf or NaN on ReLU-like data")
lt2 = output_of(continuous, 2)
check(lt2.GetNumberOfRows() == 1, "one layer row for a single image")
check(lt2.GetColumnByName("p_atoms") is not None, "layer table has p_atoms")

# --- Bad input: one clear error each, and no table. -----------------------------------------


def expect_error(source, fragments, make_filter=None, **properties):
    """An entropy filter (discrete unless make_filter is given) on source must fail with an
    error containing fragments."""
    f = (make_filter or CNNEntropyDiscrete)()
    errors = collect_errors(f)
    f.Input = source
    for key, value in properties.items():
        setattr(f, key, value)
    f.UpdatePipeline()
    text = " ".join(errors)
    for fragment in fragments:
        check(fragment in text, "error should contain %r, got: %s" % (fragment, text.strip()[-300:]))
    rows = output_of(f, 2).GetNumberOfRows()
    check(rows == 0, "no table after the error %r (got %d rows)" % (fragments[0], rows))
    print("expected error:", text.strip().splitlines()[-1] if text.strip() else "(none)")
    simple.Delete(f)


# A label array whose length differs from the number of samples.
bad = activation_volume(vals[:, :2, :2, :], "relu", "ReLU", 0)
wrong = numpy_to_vtk(np.zeros(7, dtype=np.int32), deep=1)
wrong.SetName("label")
bad.GetFieldData().AddArray(wrong)
producer3 = simple.TrivialProducer()
producer3.GetClientSideObject().SetOutput(bad)
expect_error(producer3, ["has 7 entries", "4000 components"])
# A class selection on data without labels (the single ReLU image has none).
expect_error(producer2, ["needs labels", "label"], ClassSelection=[1])
# An input array that no block has.
expect_error(producer2, ["No activation volume"], SelectInputArray=["POINTS", "no_such_array"])
# A cell array where the per-neuron point array is needed.
cells = activation_volume(vals[:, :3, :3, :], "relu", "ReLU", 0)
cell_values = numpy_to_vtk(np.zeros((cells.GetNumberOfCells(), 5), dtype=np.float32), deep=1)
cell_values.SetName("cell_activation")
cells.GetCellData().AddArray(cell_values)
producer4 = simple.TrivialProducer()
producer4.GetClientSideObject().SetOutput(cells)
expect_error(producer4, ["not a point array"], SelectInputArray=["CELLS", "cell_activation"])

# Settings the continuous filter refuses: the GUI cannot give them, Python can.
expect_error(producer2, ["Invalid settings: atom values must be finite numbers."],
             make_filter=CNNEntropyContinuous, AtomMode="Fixed values", AtomValues=[float("nan")])
expect_error(producer2, ["Invalid settings: the atom threshold must be a fraction in (0, 1] (got nan)."],
             make_filter=CNNEntropyContinuous, AtomThreshold=float("nan"))
expect_error(producer2, ["Invalid settings: vector scopes support the gaussian and knn estimators, not kde."],
             make_filter=CNNEntropyContinuous, VectorScope=1, VectorEstimator=1)
# A layer whose activation array holds no values: the estimator's refusal names the layer.
empty = vtkImageData()
empty.SetDimensions(0, 0, 0)
empty_values = numpy_to_vtk(np.zeros((0, 4), dtype=np.float32), deep=1)
empty_values.SetName("activation")
empty.GetPointData().AddArray(empty_values)
producer5 = simple.TrivialProducer()
producer5.GetClientSideObject().SetOutput(empty)
expect_error(producer5, ["Cannot compute the entropy of layer 'image': the activation array is empty (0 points x 4 samples)"])

# --- Warnings: blocks and layers left out, and an aborted update. ---------------------------


def run_with_warnings(source, make_filter, abort=False, **properties):
    """Updates a new filter on source; returns it and the warnings it gave."""
    f = make_filter()
    warnings = collect_warnings(f)
    f.Input = source
    for key, value in properties.items():
        setattr(f, key, value)
    if abort:
        abort_on_progress(f)
    f.UpdatePipeline()
    for message in warnings:
        print("expected warning:", message.strip().splitlines()[-1])
    return f, " ".join(warnings)


# One activation volume, a mesh and a volume without the activation array.
mixed = vtkPartitionedDataSetCollection()
blocks = [activation_volume(layer_b, "classifier", "Linear", 0), vtkPolyData(), vtkImageData()]
blocks[2].SetDimensions(1, 1, 1)
other = numpy_to_vtk(np.zeros((1, 4), dtype=np.float32), deep=1)
other.SetName("gradient")
blocks[2].GetPointData().AddArray(other)
for index, (block, name) in enumerate(zip(blocks, ("classifier", "mesh", "no_activation"))):
    pds = vtkPartitionedDataSet()
    pds.SetPartition(0, block)
    mixed.SetPartitionedDataSet(index, pds)
    mixed.GetMetaData(index).Set(vtkCompositeDataSet.NAME(), name)
producer6 = simple.TrivialProducer()
producer6.GetClientSideObject().SetOutput(mixed)
f, text = run_with_warnings(producer6, CNNEntropyDiscrete, NumberOfBins=4)
check("Skipping block 'mesh': it is a vtkPolyData, not an activation volume (vtkImageData)." in text,
      "warning for the mesh block, got: %s" % text.strip()[-300:])
check("Skipping layer 'no_activation': it has no point array named as the filter's input array." in text,
      "warning for the layer without activations, got: %s" % text.strip()[-300:])
rows = output_of(f, 2).GetNumberOfRows()
check(rows == 1, "the activation volume is still computed (%d layer rows)" % rows)
simple.Delete(f)

f, text = run_with_warnings(producer2, CNNEntropyDiscrete, abort=True, NumberOfThreads=1)
check("Aborted while computing layer 'relu'." in text, "warning for the aborted update, got: %s" % text.strip()[-300:])
rows = output_of(f, 2).GetNumberOfRows()
check(rows == 0, "no table after an abort (%d rows)" % rows)
simple.Delete(f)

check.finish()
