"""The whole CNNSlicer analysis in pvbatch, for Documentation/performance.md: the same
steps as python_analysis.py, with the plugin's reader and filters at their defaults.

    pvbatch plugin_analysis.py --plugin CNNSlicer.so --model lenet5.pt --dataset DIR \\
        --samples 10000 --out result.npz [--threads 2] [--layers a,b,c] [--information-pass]

1. load + capture: CNN Activations Reader (MaximumSamples N, batch 256, every layer or
   --layers); its RequestData loads the dataset and the model and runs the capture;
2. discrete: CNN Entropy (Discrete), B = 64, layer min/max, neuron, channel and layer
   scopes, with the reader's labels (H, H(T|Y), I(T;Y));
3. continuous: CNN Entropy (Continuous), layer scope only, m-spacing (Vasicek) estimator
   (SciPy's differential_entropy default for n > 1000), atoms at the default 0.1%,
   default pooled sample of at most 1,000,000 values.

Times each step (perf_counter around UpdatePipeline), writes the results in the layout
of python_analysis.py's --out, and prints one JSON line. --layers "a,b;c,d" runs layer
groups one after the other (a reader, and so a forward pass, each), holding one group's
activations at a time. With --information-pass it also times ParaView's data-information
pass over the reader's output with the range cache the reader fills and with that cache
removed (what ParaView would do without it).
"""
import argparse
import gc
import json
import os
import sys
import time

start = time.perf_counter()

import numpy as np  # noqa: E402
from paraview import simple  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

# pvbatch does not put the script's folder on the module path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_memory import resident_megabytes  # noqa: E402


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--dataset", required=True)
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--threads", type=int, default=0, help="0 = every core")
parser.add_argument("--layers", default="",
                    help="layer names, ',' within a group, ';' between groups (default: all "
                         "layers in one group)")
parser.add_argument("--out", help="results (.npz)")
parser.add_argument("--information-pass", action="store_true")
args = parser.parse_args()

simple.LoadPlugin(args.plugin, remote=False)
import cnnslicer  # noqa: E402  (shipped inside the plugin)

timings = {"imports_s": time.perf_counter() - start}
timings["rss_after_imports_mb"] = resident_megabytes()


def information_pass(reader):
    """ParaView's data-information pass over the reader's output, with the range cache the
    reader fills and on a deep copy without it (what ParaView would do without it)."""
    from paraview.modules.vtkRemotingCore import vtkPVDataInformation
    from vtkmodules.vtkCommonCore import vtkDataArray
    from vtkmodules.vtkCommonDataModel import vtkPartitionedDataSetCollection

    def timed(data):
        info = vtkPVDataInformation()
        began = time.perf_counter()
        info.CopyFromObject(data)
        return time.perf_counter() - began

    output = reader.GetClientSideObject().GetOutputDataObject(0)
    timings["information_cached_s"] = timed(output)
    bare = vtkPartitionedDataSetCollection()
    bare.DeepCopy(output)
    for i in range(bare.GetNumberOfPartitionedDataSets()):
        array = bare.GetPartition(i, 0).GetPointData().GetArray("activation")
        for key in (vtkDataArray.PER_COMPONENT(), vtkDataArray.PER_FINITE_COMPONENT(),
                    vtkDataArray.L2_NORM_RANGE(), vtkDataArray.L2_NORM_FINITE_RANGE()):
            array.GetInformation().Remove(key)
        array.Modified()
    timings["information_uncached_s"] = timed(bare)


def collect(discrete, continuous, arrays, names):
    """Appends the results of one group in python_analysis.py's layout: per layer, neuron
    arrays (reader point order), channel and layer values."""
    volumes = discrete.GetClientSideObject().GetOutputDataObject(0)
    channel_rows = cnnslicer.channel_table(discrete)
    layer_rows = {row["layer_name"]: row for row in cnnslicer.layer_table(discrete)}
    continuous_rows = {row["layer_name"]: row for row in cnnslicer.layer_table(continuous)}
    for i in range(volumes.GetNumberOfPartitionedDataSets()):
        image = volumes.GetPartitionedDataSet(i).GetPartition(0)
        name = image.GetFieldData().GetAbstractArray("layer_name").GetValue(0)
        prefix = "%d/" % len(names)
        names.append(name)
        for key in ("entropy", "conditional_entropy", "mutual_information"):
            arrays[prefix + "neuron_" + key] = vtk_to_numpy(image.GetPointData().GetArray(key)).copy()
            arrays[prefix + "channel_" + key] = np.array(
                [row[key] for row in channel_rows if row["layer_name"] == name])
            arrays[prefix + "layer_" + key] = np.array([layer_rows[name][key]])
        arrays[prefix + "range"] = np.array([layer_rows[name]["range_low"],
                                             layer_rows[name]["range_high"]])
        row = continuous_rows[name]
        for key in ("entropy", "h_c", "p_atoms", "conditional_entropy", "mutual_information",
                    "count"):
            arrays[prefix + "continuous_" + key] = np.array(row[key])


def run_group(group, arrays, names):
    """Reader and filters for one layer group, timed; results appended; then every proxy
    deleted, so that the group's activations are freed before the next group runs."""
    reader = cnnslicer._constructor("CNNActivationsReader")(FileNames=[args.model])
    reader.DatasetFileName = args.dataset
    reader.MaximumSamples = args.samples
    reader.NumberOfThreads = args.threads
    reader.MemoryLimit = 1e6  # the caller sizes the run (layer groups)
    if group is not None:
        reader.UpdatePipelineInformation()
        available = list(reader.GetProperty("LayerInfo")[::2])
        unknown = [name for name in group if name not in available]
        if unknown:
            raise SystemExit("plugin_analysis: the reader lists no layer %s (it has %s)"
                             % (", ".join(unknown), ", ".join(available)))
        reader.Layers = group
    t = time.perf_counter()
    reader.UpdatePipeline()
    timings["capture_s"] += time.perf_counter() - t

    t = time.perf_counter()
    discrete = cnnslicer.discrete_entropy(reader, bins=64, NumberOfThreads=args.threads)
    timings["discrete_s"] += time.perf_counter() - t

    t = time.perf_counter()
    continuous = cnnslicer.continuous_entropy(reader, "spacing", NeuronScope=0, ChannelScope=0,
                                              NumberOfThreads=args.threads)
    timings["continuous_s"] += time.perf_counter() - t

    if args.information_pass:
        information_pass(reader)
    collect(discrete, continuous, arrays, names)
    for proxy in (continuous, discrete, reader):
        simple.Delete(proxy)


# Layer groups (";" between groups) run one after the other, each with its own reader
# (a forward pass each), so that only one group's activations are held at a time.
groups = [g.split(",") for g in args.layers.split(";")] if args.layers else [None]
for key in ("capture_s", "discrete_s", "continuous_s"):
    timings[key] = 0.0
arrays = {}
names = []
for group in groups:
    run_group(group, arrays, names)
    # The proxies' Python objects are gone with run_group's frame; collect any cycle that
    # would keep a filter, and so a shallow copy of the activations, alive.
    gc.collect()

arrays["layers"] = np.array(names)
if args.out:
    np.savez(args.out, **arrays)
timings["total_s"] = time.perf_counter() - start
print(json.dumps(dict(timings, samples=args.samples, layers=len(names), groups=len(groups),
                      threads=args.threads)))
