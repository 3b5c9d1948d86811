"""pvpython test of the CNN Activations Reader (Documentation/reader.md): layers listed
before inference, activations equal to PyTorch's forward hooks, every dataset format giving
the same input, checkpoints as time steps, the range cache, and one clear error per kind of
bad input.

Run: pvpython TestActivationReader.py --plugin CNNSlicer.so --data DIR
(DIR made by Testing/make-test-data.sh)
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
from paraview import simple

from cnnslicer_testing import Checks, abort_on_progress, collect_errors, collect_warnings
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkDataArray

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
args = parser.parse_args()
models = os.path.join(args.data, "models")
data = os.path.join(args.data, "data")

check = Checks()


simple.LoadPlugin(args.plugin, remote=False, ns=globals())

def output_of(proxy, port=0):
    return proxy.GetClientSideObject().GetOutputDataObject(port)


def layer_values(collection, index):
    """A layer's activation as (samples, C, H, W) with rows back in image order."""
    image = collection.GetPartition(index, 0)
    w, h, c = image.GetDimensions()
    values = vtk_to_numpy(image.GetPointData().GetArray("activation"))
    n = values.shape[1] if values.ndim == 2 else 1
    volume = values.reshape(c, h, w, n)[:, ::-1, :, :]
    return np.moveaxis(volume, -1, 0), image


def reader(model, dataset, **properties):
    """A reader whose errors (from the first RequestInformation on) are kept in r.errors."""
    r = CNNActivationsReader()
    r.add_attribute("errors", collect_errors(r))
    r.add_attribute("warnings", collect_warnings(r))
    if model:
        r.FileNames = [model] if isinstance(model, str) else model
    if dataset:
        r.DatasetFileName = dataset
    for key, value in properties.items():
        setattr(r, key, value)
    return r


def run_expecting_error(r, *fragments):
    """Updates r twice, as the GUI does (Apply, then the view's update); the output must be
    empty, the error must contain the fragments, and the second update must not repeat it
    (each property set before may report it once, as the reader's information changes)."""
    r.UpdatePipeline()
    reported = len(r.errors)
    r.UpdatePipeline()
    text = " ".join(r.errors)
    check(reported > 0, "an error is reported (%s)" % fragments[0])
    check(len(r.errors) == reported and len(set(r.errors)) == 1,
          "the error is not repeated by another update (%s): %s" % (fragments[0], r.errors))
    for message in r.errors:
        print("expected error:", message.strip().splitlines()[-1])
    out = output_of(r)
    empty = out is None or out.GetNumberOfPartitionedDataSets() == 0
    check(empty, "no partial output after an error (%s)" % fragments[0])
    for fragment in fragments:
        check(fragment in text, "error message should contain %r, got: %s" % (fragment, text.strip()[:400]))
    simple.Delete(r)


# --- 1. Layers are listed from the model before inference, and the memory estimate. ----
lenet = os.path.join(models, "lenet5_scripted.pt")
mnist_npy = os.path.join(data, "npy", "mnist_nchw_float32.npy")
mnist_labels = os.path.join(data, "npy", "mnist_labels.npy")
r = reader(lenet, mnist_npy, LabelsFileName=mnist_labels, MaximumSamples=0, NormalizationMode="None")
r.UpdatePipelineInformation()
names = list(r.GetProperty("LayerInfo")[::2])
manifest = json.load(open(os.path.join(models, "reference-mnist", "lenet5", "manifest.json")))
check(names == ["input"] + [e["name"] for e in manifest] + ["logits"], "layer list: %s" % names)
points = sum(np.prod(e["shape"][1:]) for e in manifest) + 784 + 10
estimate = r.GetProperty("MemoryEstimate")[0]
check(abs(estimate - points * 64 * 4 / 2**20) < 1e-6, "memory estimate %.4f MB" % estimate)

# --- 2. Activations equal the eager forward hooks on the same 64 samples. ---------------
r.UpdatePipeline()
collection = output_of(r)
check(collection.GetNumberOfPartitionedDataSets() == len(names), "one block per layer")
reference = os.path.join(models, "reference-mnist", "lenet5")
for index, entry in enumerate(manifest, start=1):
    got, image = layer_values(collection, index)
    expected = np.load(os.path.join(reference, entry["file"]))
    expected = expected.reshape(got.shape)
    error = np.abs(got - expected).max() / max(np.abs(expected).max(), 1e-30)
    check(error <= 1e-5, "%s differs from the forward hook by %g" % (entry["name"], error))
    check(image.GetFieldData().GetAbstractArray("layer_name").GetValue(0) == entry["name"], "layer_name field")
    check(image.GetFieldData().GetAbstractArray("layer_type").GetValue(0) == entry["type"], "layer_type field")
got_input, _ = layer_values(collection, 0)
check(np.array_equal(got_input, np.load(mnist_npy)), "input layer equals the dataset (no normalization)")
logits, _ = layer_values(collection, len(names) - 1)
check(np.allclose(logits.reshape(64, 10), np.load(os.path.join(reference, "output.npy")), rtol=0, atol=1e-5),
      "logits equal the eager output")

# Field data, sample table, assembly, placement.
labels = np.load(mnist_labels)
fd = collection.GetFieldData()
check(np.array_equal(vtk_to_numpy(fd.GetArray("label")), labels), "label field data")
table = output_of(r, 1)
check(table.GetNumberOfRows() == 64, "one row per sample")
predictions = vtk_to_numpy(table.GetColumnByName("prediction"))
check(np.array_equal(predictions, np.argmax(np.load(os.path.join(reference, "output.npy")), axis=1)),
      "prediction = arg max of the logits")
confidence = vtk_to_numpy(table.GetColumnByName("confidence"))
check(np.all((confidence > 0) & (confidence <= 1)), "confidence is a probability")
assembly = collection.GetDataAssembly()
node = assembly.FindFirstNodeWithName("features")
check(node >= 0 and len(assembly.GetChildNodes(node)) == 6, "assembly mirrors the module tree")
first = collection.GetPartition(1, 0)
second = collection.GetPartition(2, 0)
check(second.GetOrigin()[0] > first.GetOrigin()[0] + first.GetDimensions()[0] - 1, "layers side by side along X")

# The per-component range cache is filled and right.
array = first.GetPointData().GetArray("activation")
info = array.GetInformation()
check(info.Has(vtkDataArray.PER_COMPONENT()), "per-component range cache present")
values = vtk_to_numpy(array)
check(np.allclose(array.GetRange(5), (values[:, 5].min(), values[:, 5].max())), "cached range of component 5")

# --- 3. Every dataset format gives the same input for the same samples. ------------------
raw = np.load(os.path.join(data, "npy", "mnist_nhw_uint8.npy")).astype(np.float32) / np.float32(255)
for name, path in (("IDX", os.path.join(data, "mnist")), ("IDX gz", os.path.join(data, "mnist-gz")),
                   ("image folder", os.path.join(data, "imagefolder", "mnist")),
                   ("npy uint8", os.path.join(data, "npy", "mnist_nhw_uint8.npy"))):
    f = reader(lenet, path, MaximumSamples=0, NormalizationMode="None", Layers=["input"])
    f.UpdatePipeline()
    out = output_of(f)
    check(out.GetNumberOfPartitionedDataSets() == 1, "%s: only the selected layer" % name)
    x, _ = layer_values(out, 0)
    if name == "image folder":
        # Folders list samples class by class: compare as sets of images.
        check(x.shape == raw.shape[:1] + (1, 28, 28), "%s: shape %s" % (name, x.shape))
        key = lambda a: sorted(map(bytes, a.reshape(a.shape[0], -1).round(6)))
        check(key(x) == key(raw.reshape(-1, 1, 28, 28)), "%s: same images" % name)
    else:
        check(np.abs(x.reshape(raw.shape) - raw).max() <= 1e-6, "%s: same input as the .npy" % name)
    simple.Delete(f)

cifar = reader(os.path.join(models, "vgg_scripted.pt"), os.path.join(data, "cifar-10-batches-bin"),
               MaximumSamples=10, ClassSelection=[3, 5])
cifar.UpdatePipeline()
table = output_of(cifar, 1)
cifar_labels = vtk_to_numpy(table.GetColumnByName("label"))
check(len(cifar_labels) > 0 and set(cifar_labels) <= {3, 5}, "class selection on CIFAR-10: %s" % cifar_labels)
names = output_of(cifar).GetFieldData().GetAbstractArray("class_names")
check(names.GetNumberOfValues() == 10 and names.GetValue(0) == "airplane", "CIFAR class names")
simple.Delete(cifar)

# --- 4. Checkpoints are time steps; the epoch is in the file name. -------------------------
series = tempfile.mkdtemp()
epochs = []
for epoch, model in ((0, "lenet5_scripted.pt"), (3, "lenet5bn_scripted.pt")):
    path = os.path.join(series, "lenet_epoch_%02d.pt" % epoch)
    shutil.copy(os.path.join(models, model), path)
    epochs.append(path)
t = reader(epochs, os.path.join(data, "mnist"), MaximumSamples=8)
t.UpdatePipelineInformation()
check(list(t.TimestepValues) == [0.0, 3.0], "time steps from epochs: %s" % list(t.TimestepValues))
simple.Delete(t)

# --- 5. File > Open: ParaView's reader factory picks this reader for a .pt file, the path
# goes into FileNames (not DatasetFileName), and with a dataset chosen the model runs. ------
opened = simple.OpenDataFile(lenet)
check(opened is not None and opened.GetXMLName() == "CNNActivationsReader",
      "OpenDataFile picks the CNN Activations Reader for .pt (got %s)" % (opened and opened.GetXMLName()))
if opened is not None:
    check(list(opened.FileNames) == [lenet], "OpenDataFile sets FileNames: %s" % list(opened.FileNames))
    check(opened.DatasetFileName == "", "OpenDataFile leaves the dataset to the user: %r"
          % opened.DatasetFileName)
    opened_errors = collect_errors(opened)
    opened.DatasetFileName = os.path.join(data, "mnist")
    opened.MaximumSamples = 4
    opened.UpdatePipeline()
    check(not opened_errors, "the opened model runs: %s" % opened_errors)
    opened_volumes = output_of(opened)
    check(opened_volumes.GetNumberOfPartitionedDataSets() > 0,
          "the opened model outputs activation volumes")
    if opened_volumes.GetNumberOfPartitionedDataSets() > 0:
        values, _ = layer_values(opened_volumes, 0)
        check(values.shape[0] == 4 and np.isfinite(values).all(),
              "the opened model's first layer holds 4 finite samples: %s" % (values.shape,))
    simple.Delete(opened)
    # Several checkpoints opened at once are one reader with one time step per file.
    series_opened = simple.OpenDataFile(epochs)
    check(series_opened is not None and list(series_opened.FileNames) == epochs,
          "OpenDataFile of checkpoints sets every file: %s"
          % (series_opened and list(series_opened.FileNames)))
    if series_opened is not None:
        series_opened.UpdatePipelineInformation()
        check(list(series_opened.TimestepValues) == [0.0, 3.0],
              "opened checkpoints are time steps: %s" % list(series_opened.TimestepValues))
        simple.Delete(series_opened)

# --- 6. Bad input: one clear error each, no partial output. -------------------------------
invalid = os.path.join(data, "invalid")
run_expecting_error(reader(os.path.join(invalid, "not-torchscript.pt"), os.path.join(data, "mnist")),
                    "not-torchscript.pt", "not a TorchScript archive")
run_expecting_error(reader(os.path.join(models, "missing.pt"), os.path.join(data, "mnist")),
                    "missing.pt", "does not exist")
run_expecting_error(reader(lenet, os.path.join(invalid, "truncated-images-idx3-ubyte"),
                           LabelsFileName=""), "truncated-images-idx3-ubyte", "truncated IDX file (header says")
run_expecting_error(reader(lenet, os.path.join(invalid, "wrong-magic-images-idx3-ubyte"),
                           LabelsFileName=""), "wrong-magic-images-idx3-ubyte",
                    "not a dataset file this reader knows")
run_expecting_error(reader(os.path.join(models, "vgg_scripted.pt"), os.path.join(invalid, "bad-size", "data_batch_1.bin")),
                    "3073")
run_expecting_error(reader(lenet, os.path.join(data, "cifar-10-batches-bin")), "28", "32")
run_expecting_error(reader(lenet, os.path.join(invalid, "mismatch-images-idx3-ubyte")), "labels")
run_expecting_error(reader(lenet, os.path.join(data, "mnist"), ClassSelection=[42]), "42")
run_expecting_error(reader(lenet, ""), "No dataset")
run_expecting_error(reader(None, os.path.join(data, "mnist")), "No model file", "FileNames")
run_expecting_error(reader(lenet, os.path.join(data, "mnist"), MaximumSamples=0, MemoryLimit=1.0),
                    "memory limit")


# Models that cannot run on one image batch.
unrunnable = os.path.join(models, "unrunnable")
run_expecting_error(reader(os.path.join(unrunnable, "two_inputs_scripted.pt"), os.path.join(data, "mnist")),
                    "two_inputs_scripted.pt", "the forward method of", "takes 2 inputs",
                    "forward takes one image batch")
run_expecting_error(reader(os.path.join(unrunnable, "no_forward_scripted.pt"), os.path.join(data, "mnist")),
                    "no_forward_scripted.pt", "has no forward method to run")
# It passes the archive check (data.pkl, code/), but its pickle is no module: LibTorch's
# refusal (an internal assertion), reworded.
run_expecting_error(reader(os.path.join(unrunnable, "pickle_not_module.pt"), os.path.join(data, "mnist")),
                    "pickle_not_module.pt' is not a TorchScript archive (its data.pkl holds a "
                    "value of type Int, not a module",
                    "); save the model with torch.jit.save(torch.jit.script(model)) or torch.jit.trace")

# Dataset files made here: a folder or a 2-byte file where a labels file belongs, blank
# CIFAR-10 class names, labels that do not fit in int64 or are all negative.
scratch = tempfile.mkdtemp(prefix="cnnslicer-reader-errors-")
mnist_images = os.path.join(data, "mnist", "t10k-images-idx3-ubyte")
run_expecting_error(reader(lenet, mnist_images, LabelsFileName=os.path.join(data, "mnist")),
                    os.path.join(data, "mnist"), "is a folder where a file was expected",
                    "give the file itself")
two_bytes = os.path.join(scratch, "short-labels-idx1-ubyte")
with open(two_bytes, "wb") as f:
    f.write(b"\x00\x00")
run_expecting_error(reader(lenet, mnist_images, LabelsFileName=two_bytes),
                    two_bytes, "truncated IDX file (expected at least 4 header bytes, found 2)")
run_expecting_error(reader(lenet, mnist_npy, LabelsFileName=os.path.join(data, "npy")),
                    os.path.join(data, "npy"), "is a folder where a file was expected",
                    "give the .npy file itself")

blank_cifar = os.path.join(scratch, "cifar-10-batches-bin")
os.makedirs(blank_cifar)
shutil.copy(os.path.join(data, "cifar-10-batches-bin", "test_batch.bin"), blank_cifar)
with open(os.path.join(blank_cifar, "batches.meta.txt"), "w") as f:
    f.write("\n  \n")
run_expecting_error(reader(os.path.join(models, "vgg_scripted.pt"), blank_cifar),
                    "batches.meta.txt", "holds no class names", "one class name per line")

images_npy = os.path.join(scratch, "images.npy")
np.save(images_npy, np.zeros((3, 28, 28), dtype=np.uint8))
huge_labels = os.path.join(scratch, "huge-labels.npy")
np.save(huge_labels, np.array([1, 2**63, 0], dtype=np.uint64))
run_expecting_error(reader(lenet, images_npy, LabelsFileName=huge_labels),
                    "huge-labels.npy", "label 1 does not fit in int64", "store class indices as int64")
unlabelled = os.path.join(scratch, "unlabelled.npy")
np.save(unlabelled, np.full(3, -1, dtype=np.int64))
run_expecting_error(reader(lenet, images_npy, LabelsFileName=unlabelled, SamplesPerClass=1),
                    "empty selection", "has a class label (all are negative)",
                    "choose classes that the dataset has")

# Image folders: a file that is no image, a 16-bit PNG, and images of two sizes.
from vtkmodules.vtkCommonDataModel import vtkImageData as _Image
from vtkmodules.vtkIOImage import vtkPNGWriter


def write_png(path, width, height, scalar_type):
    image = _Image()
    image.SetDimensions(width, height, 1)
    image.AllocateScalars(scalar_type, 1)
    writer = vtkPNGWriter()
    writer.SetFileName(path)
    writer.SetInputData(image)
    writer.Write()


def image_folder(name, files):
    """scratch/name/digit/<file> for each (file, width, height, scalar type or None)."""
    root = os.path.join(scratch, name)
    os.makedirs(os.path.join(root, "digit"))
    for file_name, width, height, scalar_type in files:
        path = os.path.join(root, "digit", file_name)
        if scalar_type is None:
            with open(path, "w") as f:
                f.write("not an image")
        else:
            write_png(path, width, height, scalar_type)
    return root


VTK_UNSIGNED_CHAR, VTK_UNSIGNED_SHORT = 3, 5
run_expecting_error(reader(lenet, image_folder("undecodable", [("a.png", 0, 0, None)])),
                    "a.png", "is not an image VTK can decode", "use PNG or JPEG files")
run_expecting_error(reader(lenet, image_folder("sixteen-bit", [("a.png", 28, 28, VTK_UNSIGNED_SHORT)])),
                    "a.png", "does not decode to an 8-bit image", "save it as an 8-bit PNG or JPEG")
run_expecting_error(reader(lenet, image_folder("two-sizes", [("a.png", 28, 28, VTK_UNSIGNED_CHAR),
                                                             ("b.png", 20, 24, VTK_UNSIGNED_CHAR)])),
                    "b.png", "is 1x24x20 but earlier images are", "resize the images of the folder to one size")
shutil.rmtree(scratch)

# --- 7. Warnings: the update goes on (or stops, when interrupted) with a clear message. ---


def run_expecting_warning(r, *fragments, output=True):
    """Updates r; a warning must contain the fragments, and the output exists unless the
    update was interrupted."""
    r.UpdatePipeline()
    text = " ".join(r.warnings)
    for message in r.warnings:
        print("expected warning:", message.strip().splitlines()[-1])
    for fragment in fragments:
        check(fragment in text, "warning should contain %r, got: %s" % (fragment, text.strip()[:400]))
    out = output_of(r)
    has_output = out is not None and out.GetNumberOfPartitionedDataSets() > 0
    check(has_output == output, "output after the warning %r: %s" % (fragments[0], has_output))
    simple.Delete(r)


run_expecting_warning(reader(os.path.join(models, "lenet5_scripted_frozen.pt"), os.path.join(data, "mnist"),
                             MaximumSamples=8),
                      "lenet5_scripted_frozen.pt", "has no module calls (a frozen model?)",
                      "capturing every operation instead")
run_expecting_warning(reader(os.path.join(models, "branching_scripted.pt"), os.path.join(data, "mnist"),
                             MaximumSamples=8, NormalizationMode="None"),
                      "Layer 'skipped' is not reached for this input (a branch not taken); it is left out.")
interrupted = reader(lenet, os.path.join(data, "mnist"), MaximumSamples=64, BatchSize=8, NumberOfThreads=1)
abort_on_progress(interrupted)
run_expecting_warning(interrupted, "Interrupted after", "of 64 samples.", output=False)

check.finish()
