# script-version: 2
"""CNNSlicer's Catalyst script: the entropy of every layer while a CNN trains.

A ParaView Catalyst (V2) script for the in-situ probe (InSitu/, used by
cnnslicer-train-catalyst). Each probe gives the input "activations": the CNN Activations
Reader's data model (one activation volume per layer, one component per probe sample,
labels in field data) with time = training step. This script runs CNN Entropy (Discrete)
on it and writes, per probe, into Catalyst's working folder:

  layer_entropy_<step>.csv     the layer table: H, H(T|Y), I(T;Y) per layer (bits)
  channel_entropy_<step>.csv   the channel table
  volumes/entropy_<step>.vtpc  with CNNSLICER_CATALYST_VOLUMES=1: every layer's
                               per-neuron entropy (and I(T;Y)), one .vti per layer
  layer_entropy_<step>.png     when an X server is there (DISPLAY): the layer table
                               as a line chart, information through the network

Settings (environment variables, all optional):
  CNNSLICER_PLUGIN            the plugin to load (cnnslicer-train-catalyst sets it)
  CNNSLICER_CATALYST_BINS     histogram bins (default 64)
  CNNSLICER_CATALYST_VOLUMES  1: also write the entropy volumes
  CNNSLICER_CATALYST_CHARTS   0: no PNG chart even with an X server
  CNNSLICER_CATALYST_LIVE     host:port of a ParaView GUI listening for Catalyst Live
                              (Catalyst > Connect; default port 22222), or 1 for
                              localhost:22222

The same script runs in pvbatch on a saved state for a dry run; its numbers are those of
the CNN Activations Reader + CNN Entropy (Discrete) on a checkpoint of the same step.
"""
import os

from paraview.simple import *  # noqa: F401,F403 (Catalyst scripts are paraview.simple scripts)
from paraview import catalyst

plugin = os.environ.get("CNNSLICER_PLUGIN")
if not plugin or not os.path.exists(plugin):
    raise RuntimeError("CNNSLICER_PLUGIN must name the CNNSlicer plugin (CNNSlicer.so), not %r"
                       % plugin)
LoadPlugin(plugin, remote=False, ns=globals())

# The probe's data: the producer is named as the Catalyst channel.
activations = TrivialProducer(registrationName="activations")

entropy = CNNEntropyDiscrete(registrationName="entropy", Input=activations)
# The producer is empty when the script loads, so no array default can come from its data.
entropy.SelectInputArray = ["POINTS", "activation"]
entropy.NumberOfBins = int(os.environ.get("CNNSLICER_CATALYST_BINS", "64"))

# Tables: 17 significant digits, so that the CSV holds the doubles exactly.
layer_csv = CreateExtractor("CSV", OutputPort(entropy, 2), registrationName="layer_table")
layer_csv.Writer.FileName = "layer_entropy_{timestep:06d}.csv"
layer_csv.Writer.Precision = 17
layer_csv.Writer.FieldAssociation = "Row Data"
channel_csv = CreateExtractor("CSV", OutputPort(entropy, 1), registrationName="channel_table")
channel_csv.Writer.FileName = "channel_entropy_{timestep:06d}.csv"
channel_csv.Writer.Precision = 17
channel_csv.Writer.FieldAssociation = "Row Data"

if os.environ.get("CNNSLICER_CATALYST_VOLUMES", "0") == "1":
    # Only the per-neuron results: the activations themselves (one component per probe
    # sample) would make each step's files as large as the probe.
    neurons = PassArrays(registrationName="neuron_entropy", Input=entropy)
    neurons.PointDataArrays = ["entropy", "conditional_entropy", "mutual_information"]
    volumes = CreateExtractor("VTPC", neurons, registrationName="volumes")
    volumes.Writer.FileName = "volumes/entropy_{timestep:06d}.vtpc"

line = None
if os.environ.get("DISPLAY") and os.environ.get("CNNSLICER_CATALYST_CHARTS", "1") != "0":
    # Debian's ParaView renders through GLX only: charts need an X server (Xvfb works).
    chart = CreateView("XYChartView", registrationName="information_through_network")
    chart.ViewSize = [900, 500]
    chart.LeftAxisTitle = "bits"
    chart.BottomAxisTitle = "layer"
    line = Show(OutputPort(entropy, 2), chart, "XYChartRepresentation")
    png = CreateExtractor("PNG", chart, registrationName="chart")
    png.Writer.FileName = "layer_entropy_{timestep:06d}.png"
    png.Writer.ImageResolution = [900, 500]

options = catalyst.Options()
# Relative to Catalyst's working folder (cnnslicer-train-catalyst --catalyst-output).
options.ExtractsOutputDirectory = "."
live = os.environ.get("CNNSLICER_CATALYST_LIVE")
if live:
    options.EnableCatalystLive = 1
    options.CatalystLiveURL = "localhost:22222" if live == "1" else live


SERIES = {"entropy": "H(T) of the layer's values", "mutual_information": "I(T;Y) with the class"}


def catalyst_execute(info):
    """Runs before the extracts of each probe are written."""
    print("catalyst: step %d" % info.timestep, flush=True)
    if line is not None:
        # The chart's series exist once the table has columns: choose them now (a choice
        # made while the producer was empty would be replaced by the defaults).
        entropy.UpdatePipeline(info.time)
        chart.ChartTitle = "Entropy through the network, step %d" % info.timestep
        line.AttributeType = "Row Data"
        line.UseIndexForXAxis = 0
        line.XArrayName = "layer_index"
        line.SeriesVisibility = list(SERIES)
        line.SeriesLabel = [item for name in SERIES for item in (name, SERIES[name])]
        line.SeriesLineThickness = [item for name in SERIES for item in (name, "3")]
