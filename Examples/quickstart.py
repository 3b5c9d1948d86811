"""CNNSlicer quickstart (pvpython/pvbatch): how much information each layer of a CNN
keeps, on real data, in one command.

Runs the shipped LeNet-5 (trained on Fashion-MNIST by
Examples/Models/train_quickstart_model.py) on Fashion-MNIST test images through the CNN
Activations Reader and CNN Entropy (Discrete), with the plugin's `cnnslicer` module, and
writes to the output folder:
  layer_entropy.csv      one row per layer: H(T), H(T|Y), I(T;Y) in bits, ...
  channel_entropy.csv    one row per channel
  entropy_through_network.png   line chart of H(T) and I(T;Y) per layer
  network_entropy.png    every layer's per-neuron entropy, side by side
  feature_map_mosaic.png the first convolution's feature maps of test image 0 as a
                         Feature Map Mosaic (tile labels: channel: mean neuron entropy)
  cnnslicer.pvsm         the same pipeline as a ParaView state file
Rendering needs an X server (Examples/quickstart.sh runs this under xvfb-run).
"""
import argparse
import os

from paraview import simple

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plugin", required=True, help="path of CNNSlicer.so")
parser.add_argument("--model", required=True, help="TorchScript model (.pt)")
parser.add_argument("--data", required=True, help="dataset (folder or file)")
parser.add_argument("--samples", type=int, default=2000, help="number of test images")
parser.add_argument("--output", default="quickstart-output", help="output folder")
args = parser.parse_args()

# The plugin's paraview.simple constructors, in a namespace of their own.
plugin = {"__doc__": "CNNSlicer constructors"}
simple.LoadPlugin(args.plugin, remote=False, ns=plugin)
import cnnslicer  # noqa: E402  (shipped inside the plugin)


def save_feature_map_mosaic(entropy, path, size=(1000, 620)):
    """The first convolution's feature maps of test image 0 (sample 0), every channel a
    tile, as the Feature Map Mosaic representation shows them in the GUI."""
    rows = cnnslicer.layer_table(entropy)
    layer = next((row for row in rows if row["layer_type"] == "Conv2d"), rows[0])
    index = int(layer["layer_index"])
    # This layer's tiles alone, for the colour range of this image and the camera.
    tiles = plugin["CNNFeatureMapMosaic"](Input=simple.OutputPort(entropy, 0), Layer=index)
    tiles.UpdatePipeline()
    low, high = tiles.GetDataInformation().GetCellDataInformation().GetArrayInformation(
        "activation").GetComponentRange(0)
    xmin, xmax, ymin, ymax = tiles.GetDataInformation().GetBounds()[:4]
    simple.Delete(tiles)

    view = simple.CreateView("RenderView")
    simple.AssignViewToLayout(view=view, layout=simple.CreateLayout("CNNSlicer mosaic"), hint=0)
    mosaic = simple.Show(simple.OutputPort(entropy, 0), view)
    mosaic.SetRepresentationType("Feature Map Mosaic")
    mosaic.MosaicLayer = index
    mosaic.MosaicLabelFontSize = 16
    simple.ColorBy(mosaic, ("POINTS", "activation", "0"))
    lut = simple.GetColorTransferFunction("activation")
    lut.ApplyPreset("Inferno (matplotlib)", True)
    lut.RescaleTransferFunction(low, high)
    mosaic.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = "activation"
    bar.ComponentTitle = ""
    bar.TitleFontSize = 16
    bar.LabelFontSize = 14
    bar.RangeLabelFormat = "%-#6.2f"
    bar.WindowLocation = "Any Location"
    bar.Position = [0.88, 0.1]
    bar.ScalarBarLength = 0.75
    sample = cnnslicer.sample_table(entropy.Input)[0]
    names = cnnslicer.class_names(entropy.Input)

    def named(k):
        k = int(k)
        return "%d %s" % (k, names[k]) if 0 <= k < len(names) else "%d" % k

    title = simple.Text(Text="%s (%s): feature maps of test image %d (class %s, predicted %s)\n"
                             "tile label = channel: its mean neuron entropy (bits)"
                        % (layer["layer_name"], layer["layer_type"], sample["sample_id"],
                           named(sample["label"]), named(sample["prediction"])))
    title_display = simple.Show(title, view)
    title_display.WindowLocation = "Upper Center"
    title_display.FontSize = 16
    view.OrientationAxesVisibility = 0
    view.ViewSize = list(size)
    simple.Render(view)
    # Parallel projection on the tiles, with room for the layer name, title and colour bar.
    width, height = xmax - xmin, ymax - ymin
    view.CameraParallelProjection = 1
    view.CameraFocalPoint = [xmin + 0.56 * width, ymin + 0.58 * height, 0]
    view.CameraPosition = [xmin + 0.56 * width, ymin + 0.58 * height, 10 * max(width, height)]
    view.CameraViewUp = [0, 1, 0]
    view.CameraParallelScale = max(0.5 * height * 1.4, 0.5 * width * 1.3 * size[1] / size[0])
    simple.SaveScreenshot(path, view, ImageResolution=list(size))
    return path


model = cnnslicer.open_model(args.model, args.data, samples=args.samples)
entropy = cnnslicer.discrete_entropy(model, bins=64)
if not cnnslicer.layer_table(entropy):
    raise SystemExit("quickstart: the entropy filter produced no layer table (see the messages above)")
cnnslicer.save_tables(entropy, args.output)
cnnslicer.plot_layer_entropy(entropy, os.path.join(args.output, "entropy_through_network.png"),
                             title="Information through %s, %d images" % (os.path.basename(args.model),
                                                                           args.samples))
cnnslicer.render_network(entropy, os.path.join(args.output, "network_entropy.png"))
save_feature_map_mosaic(entropy, os.path.join(args.output, "feature_map_mosaic.png"))
simple.SaveState(os.path.join(args.output, "cnnslicer.pvsm"))

print()
cnnslicer.print_layer_table(entropy)
samples = cnnslicer.sample_table(model)
accuracy = sum(row["correct"] for row in samples) / len(samples)
print("\nmodel accuracy on these %d images: %.1f%%" % (len(samples), 100 * accuracy))
print("results in %s/; to open the same pipeline in the GUI:" % args.output)
print("  paraview --plugin-search-paths=%s --plugins=CNNSlicer --state=%s" % (
    os.path.dirname(os.path.abspath(args.plugin)), os.path.abspath(os.path.join(args.output, "cnnslicer.pvsm"))))
