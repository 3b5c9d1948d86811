"""pvpython test of the streaming analysis (CNN Entropy (Discrete) with Stream Samples): the
reader serves its samples in batches, the filter accumulates histograms in two passes, and
every table and per-neuron array equals the in-memory filter's, in every range mode, with
and without classes; no batch holds more samples than asked for; the reader gives its
ordinary output afterwards; an interrupted stream leaves no output; one-pass ranges report
the share of clamped values exactly; histograms above the memory limit are refused; an input
that cannot stream is refused in one line (Documentation/entropy.md, "Streaming").

Run: pvpython TestStreamingEntropy.py --plugin CNNSlicer.so --data DIR
(DIR made by Testing/make-test-data.sh)
"""
import argparse
import os

import numpy as np
from paraview import simple
from vtkmodules.util.numpy_support import vtk_to_numpy

from cnnslicer_testing import Checks, abort_on_progress, collect_errors, collect_warnings

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--data", required=True)
args = parser.parse_args()
check = Checks()
simple.LoadPlugin(args.plugin, remote=False, ns=globals())

SAMPLES = 64  # the tiny MNIST set of make-test-data.sh
reader = CNNActivationsReader(FileNames=[os.path.join(args.data, "models", "lenet5_scripted.pt")])
reader.DatasetFileName = os.path.join(args.data, "data", "mnist")
reader.MaximumSamples = 0

# Every execution of the reader: how many samples its output held.
served = []


def on_reader_end(caller, event):
    volumes = caller.GetOutputDataObject(0)
    if volumes is not None and volumes.GetNumberOfPartitionedDataSets() > 0:
        served.append(volumes.GetPartition(0, 0).GetPointData().GetArray("activation")
                      .GetNumberOfComponents())


reader.GetClientSideObject().AddObserver("EndEvent", on_reader_end)


def outputs(proxy):
    algorithm = proxy.GetClientSideObject()
    return [algorithm.GetOutputDataObject(port) for port in range(3)]


def columns(table):
    return {table.GetColumnName(i): table.GetColumn(i) for i in range(table.GetNumberOfColumns())}


def compare(label, memory, streamed):
    """Every numeric cell and per-neuron value, NaN where NaN; returns the largest difference."""
    worst = 0.0
    for port, name in ((1, "channel table"), (2, "layer table")):
        a, b = columns(memory[port]), columns(streamed[port])
        check(list(a) == list(b), "%s %s: columns %s vs %s" % (label, name, list(a), list(b)))
        check(memory[port].GetNumberOfRows() == streamed[port].GetNumberOfRows(),
              "%s %s: rows" % (label, name))
        for key in set(a) & set(b):
            if not a[key].IsNumeric():
                same = all(a[key].GetValue(i) == b[key].GetValue(i)
                           for i in range(a[key].GetNumberOfValues()))
                check(same, "%s %s: column %s differs" % (label, name, key))
                continue
            x, y = vtk_to_numpy(a[key]).astype(float), vtk_to_numpy(b[key]).astype(float)
            check(np.array_equal(np.isnan(x), np.isnan(y)), "%s %s: NaN of %s" % (label, name, key))
            if len(x):
                worst = max(worst, float(np.nanmax(np.abs(x - y), initial=0.0)))
    layers = memory[0].GetNumberOfPartitionedDataSets()
    check(streamed[0].GetNumberOfPartitionedDataSets() == layers, "%s: layer count" % label)
    for i in range(layers):
        a = memory[0].GetPartition(i, 0).GetPointData()
        b = streamed[0].GetPartition(i, 0).GetPointData()
        check(b.GetArray("activation") is None, "%s: layer %d keeps a batch's activations" % (label, i))
        for j in range(a.GetNumberOfArrays()):
            name = a.GetArrayName(j)
            if name == "activation":
                continue
            other = b.GetArray(name)
            check(other is not None, "%s: layer %d lacks %s" % (label, i, name))
            if other is not None:
                x, y = vtk_to_numpy(a.GetArray(j)), vtk_to_numpy(other)
                check(np.array_equal(np.isnan(x), np.isnan(y)), "%s: NaN of %s" % (label, name))
                worst = max(worst, float(np.nanmax(np.abs(x - y), initial=0.0)))
    check(worst <= 1e-12, "%s: streamed differs from in memory by %g bits" % (label, worst))
    return worst


# --- 1. Streaming equals the in-memory filter. -------------------------------------------
cases = [
    ("layer range, all samples", dict()),
    ("layer range, per class", dict(PerClassOutputs=1)),
    ("classes 3, 5, 9", dict(ClassSelection=[3, 5, 9], PerClassOutputs=1)),
    ("channel range, 16 bins, nats", dict(RangeMode="Channel min/max", NumberOfBins=16, Unit="nats")),
    ("fixed range [-1, 1], normalized", dict(RangeMode="Fixed", FixedRange=[-1.0, 1.0], Normalize=1)),
]
for label, settings in cases:
    memory = CNNEntropyDiscrete(Input=reader, **settings)
    memory.UpdatePipeline()
    expected = outputs(memory)
    for batch in (7, 64, 100):
        streaming = CNNEntropyDiscrete(Input=reader, StreamSamples=1, StreamBatchSize=batch,
                                       **settings)
        errors = collect_errors(streaming)
        del served[:]
        streaming.UpdatePipeline()
        check(not errors, "%s, batch %d: %s" % (label, batch, errors))
        worst = compare("%s, batch %d" % (label, batch), expected, outputs(streaming))
        # Two passes over ceil(64 / batch) batches, none larger than asked for; a single
        # batch is read once, as the second pass asks for what the reader already holds.
        batches = -(-SAMPLES // batch)
        runs = 2 * batches if batches > 1 else 1
        check(len(served) == runs and max(served) <= batch,
              "%s, batch %d: the reader served %s" % (label, batch, served))
        print("%s, batch %d: %d reader runs, largest %d samples, largest difference %g bits"
              % (label, batch, len(served), max(served or [0]), worst))
        simple.Delete(streaming)
    simple.Delete(memory)

# --- 2. The reader gives its ordinary output (every selected sample) afterwards. ----------
# (Each in-memory filter of section 1 after a streamed run already read every sample through
# the pipeline. Here the reader's own output, updated directly: the proxy's UpdatePipeline
# does nothing for a proxy that was not modified, the algorithm's Update asks the pipeline.)
del served[:]
reader.GetClientSideObject().Update()
volumes = reader.GetClientSideObject().GetOutputDataObject(0)
components = volumes.GetPartition(0, 0).GetPointData().GetArray("activation").GetNumberOfComponents()
check(components == SAMPLES, "the reader's output after streaming holds %d samples" % components)

# --- 3. Interrupted: a warning, no output; the next run completes. ------------------------
streaming = CNNEntropyDiscrete(Input=reader, StreamSamples=1, StreamBatchSize=8)
warnings = collect_warnings(streaming)
abort_on_progress(streaming)
streaming.UpdatePipeline()
check(any("Aborted while streaming" in w for w in warnings), "abort is reported: %s" % warnings)
check(outputs(streaming)[2].GetNumberOfRows() == 0, "no layer table after an abort")
streaming.GetClientSideObject().RemoveAllObservers()
streaming.GetClientSideObject().SetAbortExecute(0)
streaming.StreamBatchSize = 16
streaming.UpdatePipeline()
check(outputs(streaming)[2].GetNumberOfRows() == 13, "a run after the abort completes")

# Interrupted in the reader (its stop button) during the third batch: the filter never
# runs for that batch. Changed settings afterwards start a new stream, whose tables are the
# in-memory ones, and a filter that does not stream gets every sample, not the last batch.
interrupt = {"armed": True}


def stop_reader_in_third_batch(caller, event):
    if interrupt["armed"] and len(served) >= 2 and 0.0 < caller.GetProgress() < 1.0:
        interrupt["armed"] = False
        caller.SetAbortExecute(1)


observer = reader.GetClientSideObject().AddObserver("ProgressEvent", stop_reader_in_third_batch)
reader.BatchSize = 4  # forward passes of 4 samples: the reader reports progress within a batch
del served[:]
stream_errors = collect_errors(streaming)
streaming.StreamBatchSize = 8
streaming.UpdatePipeline()
check(any("The input failed on batch 3 of 8 (pass 1 of 2); no output." in e for e in stream_errors),
      "the stopped reader ends the stream with one line: %s" % stream_errors)
reader.GetClientSideObject().RemoveObserver(observer)
reader.GetClientSideObject().SetAbortExecute(0)
check(not interrupt["armed"], "the reader was interrupted during a stream")
samples_entropy = CNNSampleEntropy(Input=reader)
samples_entropy.UpdatePipeline()
rows = outputs(samples_entropy)[2].GetNumberOfRows()
check(rows == 13 * SAMPLES, "after an interrupted stream an in-memory filter reads every "
      "sample: %d layer rows, expected %d" % (rows, 13 * SAMPLES))
simple.Delete(samples_entropy)
reader.BatchSize = 256
streaming.StreamBatchSize = 12
streaming.UpdatePipeline()
memory = CNNEntropyDiscrete(Input=reader)
memory.UpdatePipeline()
compare("streamed after an interrupted stream", outputs(memory), outputs(streaming))
simple.Delete(memory)
simple.Delete(streaming)

# --- 4. One pass: ranges from the first batches, clamped values counted and reported. -----
# The reader's full output gives every value the one-pass run counted: the reported share
# outside each layer's range must be the share of finite values outside [range_low,
# range_high], computed here directly.
reader.GetClientSideObject().Update()
full = reader.GetClientSideObject().GetOutputDataObject(0)
check(full.GetPartition(0, 0).GetPointData().GetArray("activation").GetNumberOfComponents()
      == SAMPLES, "after an interrupted and a completed stream, the reader gives every sample")
values = {}
for i in range(full.GetNumberOfPartitionedDataSets()):
    image = full.GetPartition(i, 0)
    name = image.GetFieldData().GetAbstractArray("layer_name").GetValue(0)
    # A copy: the reader's output object holds each batch in turn while the filter streams.
    values[name] = np.array(vtk_to_numpy(image.GetPointData().GetArray("activation"))).ravel()
for label, settings in (("layer range", dict()),
                        ("fixed range [-0.5, 0.5]", dict(RangeMode="Fixed", FixedRange=[-0.5, 0.5]))):
    one_pass = CNNEntropyDiscrete(Input=reader, StreamSamples=1, StreamBatchSize=8,
                                  StreamRangeMode="From the first batches (one pass)",
                                  RangeBatches=2, **settings)
    del served[:]
    one_pass.UpdatePipeline()
    check(len(served) == 2 + 8, "one pass, %s: the reader ran %d times, expected 10"
          % (label, len(served)))
    layer_table = columns(outputs(one_pass)[2])
    check("clamped_fraction" in layer_table and "clamped_fraction" in columns(outputs(one_pass)[1]),
          "one pass, %s: clamped_fraction columns" % label)
    names = layer_table["layer_name"]
    worst = 0.0
    some_clamped = False
    for row in range(outputs(one_pass)[2].GetNumberOfRows()):
        v = values[names.GetValue(row)]
        v = v[np.isfinite(v)]
        low, high = layer_table["range_low"].GetValue(row), layer_table["range_high"].GetValue(row)
        expected_share = float(np.mean((v < low) | (v > high)))
        got = layer_table["clamped_fraction"].GetValue(row)
        worst = max(worst, abs(got - expected_share))
        some_clamped = some_clamped or got > 0
    check(worst <= 1e-12, "one pass, %s: clamped_fraction differs from a direct count by %g"
          % (label, worst))
    check(some_clamped, "one pass, %s: no layer has values outside its range" % label)
    print("one pass, %s: %d reader runs, clamped_fraction equals a direct count (%g)"
          % (label, len(served), worst))
    if settings:
        # A fixed range does not depend on the data: the entropies are the in-memory ones.
        memory = CNNEntropyDiscrete(Input=reader, **settings)
        memory.UpdatePipeline()
        expected = columns(outputs(memory)[2])
        for key, column in expected.items():
            if column.IsNumeric():
                x, y = vtk_to_numpy(column), vtk_to_numpy(layer_table[key])
                check(np.allclose(x, y, rtol=0, atol=1e-12, equal_nan=True),
                      "one pass, fixed range: %s differs from in memory" % key)
        simple.Delete(memory)
    simple.Delete(one_pass)

# --- 5. Histograms above the memory limit: refused, naming the largest layers. ------------
small = CNNEntropyDiscrete(Input=reader, StreamSamples=1, MemoryLimit=1.0, PerClassOutputs=1)
errors = collect_errors(small)
small.UpdatePipeline()
check(any("above the memory limit of 1 MB (largest: features." in e for e in errors),
      "the memory refusal names the largest layer: %s" % errors)
check(outputs(small)[2].GetNumberOfRows() == 0, "no output after the memory refusal")
simple.Delete(small)

# --- 6. An input that does not serve batches: one clear error. ----------------------------
memory = CNNEntropyDiscrete(Input=reader)
passed = simple.PassArrays(Input=memory)
not_a_reader = CNNEntropyDiscrete(Input=simple.ExtractBlock(Input=reader), StreamSamples=1)
errors = collect_errors(not_a_reader)
not_a_reader.UpdatePipeline()
check(any("Stream Samples needs a CNN Activations Reader" in e or "does not serve batches" in e
          for e in errors), "a non-reader input is refused: %s" % errors)

check.finish()
