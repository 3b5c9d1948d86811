"""One analysis run for the streaming benchmark (pvbatch): the CNN Activations Reader and
CNN Entropy (Discrete) with labels (neuron, channel and layer scope, H(T|Y), I(T;Y)) on the
first N images of a dataset, in memory or streamed.

    pvbatch stream_analysis.py --plugin CNNSlicer.so --model M.pt --data DIR --samples N
        --mode memory|exact|onepass [--batch 256] [--threads 2] [--out layers.csv]

Prints one JSON line: the mode, seconds from creating the reader to the filter's result,
and the process's peak resident memory (the whole of pvbatch). --out writes the layer
table (17 significant digits) so that runs can be compared cell by cell.
"""
import argparse
import csv
import json
import resource
import time

from paraview.simple import LoadPlugin

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--mode", choices=["memory", "exact", "onepass"], required=True)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--threads", type=int, default=0)
parser.add_argument("--memory-limit", type=float, default=16384.0)
parser.add_argument("--out")
args = parser.parse_args()

LoadPlugin(args.plugin, remote=False, ns=globals())
start = time.perf_counter()
reader = CNNActivationsReader(FileNames=[args.model])  # noqa: F821 (from LoadPlugin)
reader.DatasetFileName = args.data
reader.MaximumSamples = args.samples
reader.BatchSize = args.batch
reader.NumberOfThreads = args.threads
reader.MemoryLimit = args.memory_limit
entropy = CNNEntropyDiscrete(Input=reader, NumberOfThreads=args.threads)  # noqa: F821
if args.mode != "memory":
    entropy.StreamSamples = 1
    entropy.StreamBatchSize = args.batch
    if args.mode == "onepass":
        entropy.StreamRangeMode = "From the first batches (one pass)"
entropy.UpdatePipeline()
seconds = time.perf_counter() - start
table = entropy.GetClientSideObject().GetOutputDataObject(2)
if args.out:
    with open(args.out, "w", newline="") as stream:
        writer = csv.writer(stream)
        columns = [table.GetColumn(c) for c in range(table.GetNumberOfColumns())]
        writer.writerow([c.GetName() for c in columns])
        for row in range(table.GetNumberOfRows()):
            writer.writerow([repr(c.GetVariantValue(row).ToDouble()) if c.IsNumeric()
                             else c.GetVariantValue(row).ToString() for c in columns])
print(json.dumps({"mode": args.mode, "samples": args.samples, "batch": args.batch,
                  "layers": table.GetNumberOfRows(), "seconds": round(seconds, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
