"""One run of the reader and the entropy filters, serial or MPI-parallel (pvbatch).

Run by TestParallelEntropy.py twice (``pvbatch --symmetric`` and ``mpiexec -n 2 pvbatch
--symmetric``) and by Documentation/parallel.md's measurement. Every process runs this
script (symmetric mode), so each can report what it holds itself:

  OUT/rank<r>.json   process r: activation bytes it holds, peak resident memory, seconds
  OUT/<table>.csv    process 0: the tables, which the filters' reduction step gathers there
                     (layer and channel tables of CNN Entropy (Discrete) and (Continuous),
                     CNN Sample Entropy's layer table, CNN Information Plane's table, the
                     streamed discrete tables (Stream Samples, batches of 48), the reader's
                     sample table)

Usage: pvbatch --symmetric parallel_entropy_run.py --plugin CNNSlicer.so --model M.pt
       --data DATASET --samples N [--split test|train] [--threads T] [--continuous-neurons 0]
       [--filters discrete,continuous,samples,plane,streamed] --out DIR
"""
import argparse
import csv
import json
import os
import resource
import time

from paraview.simple import *  # noqa: F401,F403
from paraview.modules.vtkRemotingCore import vtkProcessModule

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--samples", type=int, default=1000)
parser.add_argument("--split", choices=["test", "train"], default="test")
parser.add_argument("--estimator", default="Kernel density (KDE)")
parser.add_argument("--threads", type=int, default=0,
                    help="threads of the reader and filters per process (0: every core)")
parser.add_argument("--filters", default="discrete,continuous,samples,plane,streamed",
                    help="which filters to run and write tables of (comma-separated)")
parser.add_argument("--continuous-neurons", type=int, default=1,
                    help="0: the continuous filter computes layers and channels only (faster)")
parser.add_argument("--out", required=True)
args = parser.parse_args()

process = vtkProcessModule.GetProcessModule()
rank = process.GetPartitionId()
ranks = process.GetNumberOfLocalPartitions()
LoadPlugin(args.plugin, remote=False, ns=globals())

start = time.perf_counter()
reader = CNNActivationsReader(FileNames=[args.model])
reader.DatasetFileName = args.data
reader.Split = 1 if args.split == "train" else 0
reader.MaximumSamples = args.samples
reader.NumberOfThreads = args.threads
reader.UpdatePipeline()
read_seconds = time.perf_counter() - start

filters = args.filters.split(",")
seconds = {"reader": read_seconds}


def timed(name, proxy):
    begin = time.perf_counter()
    proxy.UpdatePipeline()
    seconds[name] = time.perf_counter() - begin
    return proxy


# Named explicitly: in symmetric mode the satellites do not pick the array default from
# the data (the filters would first run once without an input array).
if "discrete" in filters:
    discrete = timed("discrete", CNNEntropyDiscrete(
        Input=reader, SelectInputArray=["POINTS", "activation"], NumberOfThreads=args.threads))
if "continuous" in filters:
    continuous = CNNEntropyContinuous(Input=reader, SelectInputArray=["POINTS", "activation"])
    continuous.Estimator = args.estimator
    continuous.NeuronScope = args.continuous_neurons
    continuous.NumberOfThreads = args.threads
    timed("continuous", continuous)
if "samples" in filters:
    samples = timed("samples", CNNSampleEntropy(
        Input=reader, SelectInputArray=["POINTS", "activation"], NumberOfThreads=args.threads))
if "plane" in filters:
    # The information plane of the model (one checkpoint: one epoch), exact like the
    # discrete tables; coarse bins, so that patterns repeat and the counts matter.
    plane = timed("plane", CNNInformationPlane(
        Input=reader, SelectInputArray=["POINTS", "activation"], NumberOfBins=3,
        NumberOfThreads=args.threads))
total_seconds = time.perf_counter() - start


def local(proxy, port):
    """This process's own output of a proxy (symmetric mode: every process has one)."""
    return proxy.GetClientSideObject().GetOutputDataObject(port)


def activation_bytes(collection):
    """Bytes of `activation` arrays in the collection this process holds."""
    total = 0
    iterator = collection.NewIterator()
    iterator.InitTraversal()
    while not iterator.IsDoneWithTraversal():
        array = iterator.GetCurrentDataObject().GetPointData().GetArray("activation")
        if array is not None:
            total += array.GetNumberOfValues() * array.GetDataTypeSize()
        iterator.GoToNextItem()
    return total


def layers_held(collection):
    names = []
    iterator = collection.NewIterator()
    iterator.InitTraversal()
    while not iterator.IsDoneWithTraversal():
        names.append(iterator.GetCurrentDataObject().GetFieldData()
                     .GetAbstractArray("layer_name").GetValue(0))
        iterator.GoToNextItem()
    return names


collection = local(reader, 0)
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "rank%d.json" % rank), "w") as report:
    json.dump({
        "rank": rank,
        "ranks": ranks,
        "activation_bytes": activation_bytes(collection),
        "layers": layers_held(collection),
        "sample_rows": local(reader, 1).GetNumberOfRows(),
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "seconds": dict(seconds, total=total_seconds),
    }, report, indent=1)


# Streamed (after the report: the reader then serves batches, and its output holds the
# last batch until something asks for all samples again). No input array named: the
# filters fall back to `activation` when none is selected, as a symmetric run's satellites
# have it.
if "streamed" in filters:
    streamed = timed("streamed", CNNEntropyDiscrete(
        Input=reader, NumberOfThreads=args.threads, StreamSamples=1, StreamBatchSize=48))


def write_table(table, path):
    """All columns, doubles with 17 significant digits (exact round trip)."""
    columns = [table.GetColumn(c) for c in range(table.GetNumberOfColumns())]
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([column.GetName() for column in columns])
        for row in range(table.GetNumberOfRows()):
            cells = []
            for column in columns:
                value = column.GetVariantValue(row)
                cells.append(repr(value.ToDouble()) if value.IsNumeric() else value.ToString())
            writer.writerow(cells)


# The reduction step leaves the whole tables on process 0 (empty elsewhere); the sample
# table is split by samples, so process 0 writes its own share and the others theirs.
write_table(local(reader, 1), os.path.join(args.out, "samples_rank%d.csv" % rank))
if rank == 0 and "discrete" in filters:
    write_table(local(discrete, 2), os.path.join(args.out, "discrete_layers.csv"))
    write_table(local(discrete, 1), os.path.join(args.out, "discrete_channels.csv"))
if rank == 0 and "streamed" in filters:
    write_table(local(streamed, 2), os.path.join(args.out, "streamed_layers.csv"))
    write_table(local(streamed, 1), os.path.join(args.out, "streamed_channels.csv"))
if rank == 0 and "continuous" in filters:
    write_table(local(continuous, 2), os.path.join(args.out, "continuous_layers.csv"))
    write_table(local(continuous, 1), os.path.join(args.out, "continuous_channels.csv"))
if rank == 0 and "samples" in filters:
    write_table(local(samples, 2), os.path.join(args.out, "sample_entropy_layers.csv"))
if rank == 0 and "plane" in filters:
    write_table(local(plane, 0), os.path.join(args.out, "information_plane.csv"))
