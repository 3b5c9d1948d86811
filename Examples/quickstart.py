"""CNNSlicer quickstart (pvpython/pvbatch): how much information each layer of a CNN
keeps, on real data, in one command.

Runs the shipped LeNet-5 (trained on Fashion-MNIST by Examples/Training) on Fashion-MNIST
test images through the CNN Activations Reader and CNN Entropy (Discrete), and writes to
the output folder:
  layer_entropy.csv      one row per layer: H(T), H(T|Y), I(T;Y) in bits, ...
  channel_entropy.csv    one row per channel
  entropy_through_network.png   line chart of H(T) and I(T;Y) per layer
  network_entropy.png    every layer's per-neuron entropy, side by side
  cnnslicer.pvsm         the same pipeline as a ParaView state file
Rendering needs an X server (Examples/quickstart.sh runs this under xvfb-run).
"""
import argparse
import math
import os
import sys

from paraview import simple

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True, help="path of CNNSlicer.so")
parser.add_argument("--model", required=True, help="TorchScript model (.pt)")
parser.add_argument("--data", required=True, help="dataset (folder or file)")
parser.add_argument("--samples", type=int, default=2000, help="number of test images")
parser.add_argument("--output", default="quickstart-output", help="output folder")
args = parser.parse_args()

os.makedirs(args.output, exist_ok=True)
simple.LoadPlugin(args.plugin, remote=False, ns=globals())

reader = CNNActivationsReader(registrationName=os.path.basename(args.model), FileNames=[args.model])
reader.DatasetFileName = args.data
reader.MaximumSamples = args.samples
reader.UpdatePipeline()
entropy = CNNEntropyDiscrete(registrationName="CNNEntropyDiscrete", Input=reader)
entropy.NumberOfBins = 64
entropy.UpdatePipeline()

layers = entropy.GetClientSideObject().GetOutputDataObject(2)
if layers is None or layers.GetNumberOfRows() == 0:
    sys.exit("quickstart: the entropy filter produced no layer table (see the messages above)")
simple.SaveData(os.path.join(args.output, "layer_entropy.csv"), proxy=simple.OutputPort(entropy, 2),
                FieldAssociation="Row Data", Precision=6)
simple.SaveData(os.path.join(args.output, "channel_entropy.csv"), proxy=simple.OutputPort(entropy, 1),
                FieldAssociation="Row Data", Precision=6)

# Information through the network, as a line chart.
layout = simple.CreateLayout("entropy")
chart = simple.CreateView("XYChartView")
simple.AssignViewToLayout(view=chart, layout=layout, hint=0)
line = simple.Show(simple.OutputPort(entropy, 2), chart)
line.UseIndexForXAxis = 0
line.XArrayName = "layer_index"
line.SeriesVisibility = ["entropy", "mutual_information"]
line.SeriesLabel = ["entropy", "H(T) of the layer's values", "mutual_information", "I(T;Y) with the class"]
chart.ChartTitle = "Information through %s, %d images" % (os.path.basename(args.model), args.samples)
chart.LeftAxisTitle = "bits"
chart.BottomAxisTitle = "layer index (execution order: input ... logits)"
highest = max(layers.GetColumnByName("entropy").GetValue(r) for r in range(layers.GetNumberOfRows()))
chart.LeftAxisUseCustomRange = 1
chart.LeftAxisRangeMinimum = 0.0
chart.LeftAxisRangeMaximum = math.ceil(highest * 1.3)
chart.BottomAxisUseCustomRange = 1
chart.BottomAxisRangeMinimum = 0.0
chart.BottomAxisRangeMaximum = layers.GetNumberOfRows() - 1
# Fonts in points at the saved resolution (the view size is set to it, so nothing scales).
chart.ChartTitleFontSize = 16
chart.LeftAxisTitleFontSize = 14
chart.BottomAxisTitleFontSize = 14
chart.LegendFontSize = 13
chart.LeftAxisLabelFontSize = 12
chart.BottomAxisLabelFontSize = 12
line.SeriesLineThickness = ["entropy", "3", "mutual_information", "3"]
chart.ViewSize = [1200, 700]
simple.SaveScreenshot(os.path.join(args.output, "entropy_through_network.png"), chart,
                      ImageResolution=[1200, 700])

# Every layer's per-neuron entropy, side by side along X.
view = simple.CreateView("RenderView")
simple.AssignViewToLayout(view=view, layout=simple.CreateLayout("volumes"), hint=0)
volumes = simple.Show(simple.OutputPort(entropy, 0), view)
volumes.SetRepresentationType("Surface")
simple.ColorBy(volumes, ("POINTS", "entropy"))
volumes.SetScalarBarVisibility(view, True)
bar = simple.GetScalarBar(simple.GetColorTransferFunction("entropy"), view)
bar.Title = "neuron entropy (bits)"
bar.ComponentTitle = ""
bar.TitleFontSize = 14
bar.LabelFontSize = 12
bar.RangeLabelFormat = "%-#6.1f"
bar.WindowLocation = "Any Location"
bar.Position = [0.9, 0.1]
bar.ScalarBarLength = 0.8
view.OrientationAxesVisibility = 0
view.ViewSize = [1600, 500]
view.ResetCamera(False)
view.GetActiveCamera().Zoom(2.2)
simple.SaveScreenshot(os.path.join(args.output, "network_entropy.png"), view, ImageResolution=[1600, 500])
simple.SaveState(os.path.join(args.output, "cnnslicer.pvsm"))

# A short table on the terminal.
column = lambda name: layers.GetColumnByName(name)
print("\n%-14s %-10s %-14s %10s %10s" % ("layer", "type", "output", "H (bits)", "I(T;Y)"))
for row in range(layers.GetNumberOfRows()):
    mi = column("mutual_information")
    print("%-14s %-10s %-14s %10.3f %10s" % (
        column("layer_name").GetValue(row), column("layer_type").GetValue(row),
        column("output_shape").GetValue(row), column("entropy").GetValue(row),
        "%.3f" % mi.GetValue(row) if mi is not None else "-"))
samples = reader.GetClientSideObject().GetOutputDataObject(1)
correct = samples.GetColumnByName("correct")
accuracy = sum(correct.GetValue(i) for i in range(correct.GetNumberOfTuples())) / correct.GetNumberOfTuples()
print("\nmodel accuracy on these %d images: %.1f%%" % (correct.GetNumberOfTuples(), 100 * accuracy))
print("results in %s/; to open the same pipeline in the GUI:" % args.output)
print("  paraview --plugin-search-paths=%s --plugins=CNNSlicer --state=%s" % (
    os.path.dirname(os.path.abspath(args.plugin)), os.path.abspath(os.path.join(args.output, "cnnslicer.pvsm"))))
