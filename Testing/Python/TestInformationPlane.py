"""pvpython test of CNN Information Plane (Documentation/entropy.md, "Information plane").

1. A known answer: a programmable source with three time steps whose single layer is
   built so that I(X;T) and I(T;Y) are known exactly (distinct inputs: log2 N; the label
   copied: H(Y); constant: 0), with per-layer trajectories on port 1.
2. The reader on a two-checkpoint series (real LeNet-5 exports): every row equals an
   independent NumPy computation (np.unique over the binned patterns of the reader's own
   activations), the bounds I(X;T) <= log2 N and I(T;Y) <= min(H(T), H(Y)) hold, and the
   table has one row per (epoch, layer).

Run: pvpython TestInformationPlane.py --plugin CNNSlicer.so --data build/Testing/data
"""
import argparse
import builtins
import math
import os
import shutil
import tempfile

import numpy as np
from paraview import simple
from vtkmodules.numpy_interface import dataset_adapter as dsa
from vtkmodules.util.numpy_support import vtk_to_numpy

from cnnslicer_testing import Checks, collect_errors

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
args = parser.parse_args()
check = Checks()
simple.LoadPlugin(args.plugin, remote=False, ns=globals())
check("CNNInformationPlane" in globals(), "CNN Information Plane is not registered")


def column(table, name):
    return dsa.WrapDataObject(table).RowData[name]


def text_column(table, name):
    array = table.GetRowData().GetAbstractArray(name)
    return [array.GetValue(i) for i in range(array.GetNumberOfValues())]


# --- 1. Known answers over three time steps. ----------------------------------------------
source = simple.ProgrammableSource(OutputDataSetType="vtkImageData")
source.ScriptRequestInformation = """
executive = self.GetExecutive()
info = executive.GetOutputInformation(0)
info.Set(executive.WHOLE_EXTENT(), 0, 1, 0, 0, 0, 0)
info.Remove(executive.TIME_STEPS())
for t in (0.0, 5.0, 10.0):
    info.Append(executive.TIME_STEPS(), t)
info.Set(executive.TIME_RANGE(), [0.0, 10.0], 2)
"""
source.Script = """
import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkIntArray
executive = self.GetExecutive()
info = executive.GetOutputInformation(0)
t = info.Get(executive.UPDATE_TIME_STEP())
labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
n = len(labels)
if t == 0.0:
    values = np.vstack([np.arange(n, dtype=np.float32), np.zeros(n, np.float32)])
elif t == 5.0:
    values = np.vstack([labels.astype(np.float32), -labels.astype(np.float32)])
else:
    values = np.ones((2, n), np.float32)
output = self.GetOutput()
output.SetDimensions(2, 1, 1)
array = numpy_to_vtk(np.ascontiguousarray(values), deep=1)
array.SetName("activation")
output.GetPointData().AddArray(array)
label_array = vtkIntArray()
label_array.SetName("label")
for k in labels:
    label_array.InsertNextValue(int(k))
output.GetFieldData().AddArray(label_array)
output.GetInformation().Set(output.DATA_TIME_STEP(), t)
"""
plane = CNNInformationPlane(Input=source, NumberOfBins=8)
plane.UpdatePipeline()
table = plane.GetClientSideObject().GetOutputDataObject(0)
epochs = list(column(table, "epoch"))
check(epochs == [0.0, 5.0, 10.0], "one row per time step, in order: %s" % epochs)
expected = {0.0: (3.0, 1.0), 5.0: (1.0, 1.0), 10.0: (0.0, 0.0)}
for row, epoch in enumerate(epochs):
    ixt, ity = column(table, "I_XT")[row], column(table, "I_TY")[row]
    want = expected.get(epoch, (None, None))
    check(abs(ixt - want[0]) < 1e-12 and abs(ity - want[1]) < 1e-12,
          "epoch %g: I(X;T), I(T;Y) = %g, %g bits, expected %s" % (epoch, ixt, ity, want))
check(builtins.all(abs(h - 3.0) < 1e-12 for h in column(table, "H_max")), "H_max = log2 8 = 3 bits")
check(builtins.all(abs(h - 1.0) < 1e-12 for h in column(table, "H_Y")), "H(Y) = 1 bit")
unit = table.GetFieldData().GetAbstractArray("unit")
check(unit is not None and unit.GetValue(0) == "bits", "the table says its unit (bits)")
trajectories = plane.GetClientSideObject().GetOutputDataObject(1)
check(trajectories.GetNumberOfBlocks() == 1, "one trajectory table per layer")
if trajectories.GetNumberOfBlocks() == 1:
    layer_table = trajectories.GetBlock(0)
    trajectory = list(column(layer_table, "I_XT"))
    check(np.allclose(trajectory, [3.0, 1.0, 0.0], rtol=0, atol=1e-12),
          "the layer's trajectory is in epoch order: %s" % trajectory)
steps = plane.GetDataInformation(0).DataInformation.GetNumberOfTimeSteps()
check(steps == 0, "the information plane has no time of its own: %d time steps" % steps)

# Only the time step shown, on request.
plane.AllTimeSteps = 0
plane.UpdatePipeline(5.0)
table = plane.GetClientSideObject().GetOutputDataObject(0)
check(list(column(table, "epoch")) == [5.0], "AllTimeSteps off: one step")

# Nats: ln 8.
plane.AllTimeSteps = 1
plane.Unit = "nats"
plane.UpdatePipeline()
table = plane.GetClientSideObject().GetOutputDataObject(0)
check(abs(column(table, "I_XT")[0] - math.log(8.0)) < 1e-12, "nats: I(X;T) = ln 8")

# A bad setting gives one clear message and no crash.
errors = collect_errors(plane)
plane.Unit = "bits"
plane.LabelArrayName = "no_such_labels"
plane.ClassSelection = [1]
plane.UpdatePipeline()
check(any("class selection needs labels" in e for e in errors),
      "class selection without labels is reported: %s" % errors)
simple.Delete(plane)

# --- 2. The reader on a checkpoint series, against NumPy. ------------------------------------
models = os.path.join(args.data, "models")
series = tempfile.mkdtemp(prefix="cnnslicer-plane-")
try:
    files = []
    for epoch, model in ((0, "lenet5_scripted.pt"), (4, "lenet5_traced.pt")):
        path = os.path.join(series, "lenet_epoch_%02d.pt" % epoch)
        shutil.copy(os.path.join(models, model), path)
        files.append(path)
    reader = CNNActivationsReader(FileNames=files,
                                  DatasetFileName=os.path.join(args.data, "data", "mnist"),
                                  MaximumSamples=64)
    plane = CNNInformationPlane(Input=reader, NumberOfBins=30)
    plane.UpdatePipeline()
    table = plane.GetClientSideObject().GetOutputDataObject(0)
    names = text_column(table, "layer_name")
    epochs = list(column(table, "epoch"))

    # The reader's own activations at epoch 0, and NumPy's information plane of them.
    reader.UpdatePipeline(0.0)
    collection = reader.GetClientSideObject().GetOutputDataObject(0)
    labels = vtk_to_numpy(collection.GetFieldData().GetArray("label")).astype(int)
    n = len(labels)
    _, class_counts = np.unique(labels, return_counts=True)
    h_y = -np.sum(class_counts / n * np.log2(class_counts / n))
    layers = collection.GetNumberOfPartitionedDataSets()
    check(len(names) == 2 * layers, "one row per (epoch, layer): %d rows, %d layers"
          % (len(names), layers))
    for i in range(layers):
        image = collection.GetPartitionedDataSet(i).GetPartition(0)
        name = image.GetFieldData().GetAbstractArray("layer_name").GetValue(0)
        act = vtk_to_numpy(image.GetPointData().GetArray("activation")).astype(np.float64)
        act = act.reshape(-1, n)  # points x samples
        lo, hi = act.min(), act.max()
        scale = 30 / (hi - lo) if hi > lo else 0.0
        bins = np.clip(np.floor((act - lo) * scale), 0, 29).astype(np.int64)
        _, counts = np.unique(bins.T, axis=0, return_counts=True)
        h_t = -np.sum(counts / n * np.log2(counts / n))
        h_t_y = 0.0
        for k in np.unique(labels):
            _, ck = np.unique(bins.T[labels == k], axis=0, return_counts=True)
            nk = ck.sum()
            h_t_y += nk / n * -np.sum(ck / nk * np.log2(ck / nk))
        rows = [r for r in range(len(names)) if names[r] == name and epochs[r] == 0.0]
        check(len(rows) == 1, "layer %s has one row at epoch 0" % name)
        if rows:
            r = rows[0]
            ixt, ity = column(table, "I_XT")[r], column(table, "I_TY")[r]
            check(abs(ixt - h_t) < 1e-9, "%s: I(X;T) %.12g, NumPy %.12g" % (name, ixt, h_t))
            check(abs(ity - (h_t - h_t_y)) < 1e-9,
                  "%s: I(T;Y) %.12g, NumPy %.12g" % (name, ity, h_t - h_t_y))
            check(ixt <= math.log2(n) + 1e-12 and ity <= builtins.min(ixt, h_y) + 1e-12,
                  "%s: bounds I(X;T) <= log2 N, I(T;Y) <= min(H(T), H(Y))" % name)
    # The two checkpoints hold the same weights (scripted and traced export): equal rows.
    first = [column(table, "I_XT")[r] for r in range(len(names)) if epochs[r] == 0.0]
    second = [column(table, "I_XT")[r] for r in range(len(names)) if epochs[r] == 4.0]
    check(first == second and len(first) == layers,
          "same weights at epochs 0 and 4 give the same plane: %s vs %s" % (first, second))
finally:
    shutil.rmtree(series, ignore_errors=True)

check.finish()
