"""CNNSlicer from pvpython and pvbatch: a CNN's activations and their entropy in a few lines.

Shipped inside the CNNSlicer plugin: ``import cnnslicer`` works once the plugin is loaded::

    from paraview.simple import LoadPlugin
    LoadPlugin("/path/to/CNNSlicer.so", remote=False)
    import cnnslicer

    model = cnnslicer.open_model("lenet5.pt", "/usr/share/datasets/fashion-mnist", samples=2000)
    entropy = cnnslicer.discrete_entropy(model, bins=64)
    cnnslicer.print_layer_table(entropy)
    cnnslicer.save_tables(entropy, "results")                  # layer and channel CSV
    cnnslicer.plot_layer_entropy(entropy, "results/layers.png")  # needs an X server

The functions build ordinary ParaView pipelines (reader, filters, views) that can be
edited, saved as state and opened in the GUI.
"""
import math
import os
import sys

from paraview import simple

__all__ = ["open_model", "discrete_entropy", "continuous_entropy", "layer_table", "channel_table",
           "sample_table", "save_tables", "print_layer_table", "plot_layer_entropy", "render_network",
           "information_plane", "information_plane_table", "plot_information_plane",
           "render_layer_maps", "series_colours", "class_names", "layer_axis_labels"]

# The data model's names (Documentation/design.md section 2), the same strings as the C++
# constants in Common/Core/DataModelNames.h: scripts select arrays and columns by them.
ACTIVATION = "activation"                    # point array: one component per sample (2.2)
LAYER_NAME = "layer_name"                    # field data / column: the module path (2.4)
LAYER_TYPE = "layer_type"                    # field data / column: the module class (2.4)
LAYER_INDEX = "layer_index"                  # field data / column: position in the network (2.4)
OUTPUT_SHAPE = "output_shape"                # field data / column: per-sample shape (2.4)
SAMPLE_ID = "sample_id"                      # per sample: index in the dataset (2.4, 2.5)
LABEL = "label"                              # per sample: the class, -1 unlabelled (2.4, 2.5)
PREDICTION = "prediction"                    # per sample: arg max of the logits (2.4, 2.5)
CLASS_NAMES = "class_names"                  # collection field data: one name per class (2.4)
CONFIDENCE = "confidence"                    # samples table: softmax of the prediction (2.5)
ENTROPY = "entropy"                          # per neuron and tables: H(T) (2.8, 2.9)
CONDITIONAL_ENTROPY = "conditional_entropy"  # H(T|Y), with labels (2.8, 2.9)
MUTUAL_INFORMATION = "mutual_information"    # I(T;Y), with labels (2.8, 2.9)
ENTROPY_CLASS_PREFIX = "entropy_class_"      # H(T|Y=k) is "entropy_class_<k>" (2.8, 2.9)
H_C = "h_c"                                  # continuous filter: continuous part's entropy (2.8)
P_ATOMS = "p_atoms"                          # continuous filter: the atoms' mass (2.8)
NON_FINITE = "non_finite"                    # count of NaN or infinite values (2.8, 2.9)
UNIT = "unit"                                # tables' field data: bits, nats, ... (2.11)
ESTIMATOR = "estimator"                      # tables' field data: the estimator's settings (2.11)

# Short estimator names -> the filter's enumeration texts.
ESTIMATORS = {
    "gaussian": "Gaussian",
    "kde": "Kernel density (KDE)",
    "knn": "k nearest neighbours (Kozachenko-Leonenko)",
    "spacing": "m-spacing (Vasicek)",
}


def _constructor(name):
    """The paraview.simple constructor of a CNNSlicer proxy; the plugin must be loaded."""
    # LoadPlugin(path) without a namespace adds the constructors to paraview.simple itself.
    # Looking there first matters: LoadPlugins() below re-reads every proxy definition of
    # ParaView, about a second per call.
    constructor = getattr(simple, name, None)
    if constructor is not None:
        return constructor
    # LoadPlugins with no file only adds the constructors known now to `ns`; an empty
    # dict would count as "no namespace given" (it is falsy), hence the seed entry.
    constructors = {"__doc__": "CNNSlicer constructors"}
    simple.LoadPlugins(ns=constructors)
    if name not in constructors:
        raise RuntimeError("the CNNSlicer plugin is not loaded: call "
                           "LoadPlugin('/path/to/CNNSlicer.so', remote=False) first")
    return constructors[name]


def open_model(model, dataset, samples=1000, **properties):
    """CNN Activations Reader for ``model`` (a .pt file, or a list of checkpoints) on
    ``dataset`` (IDX, CIFAR-10, .npy or image folder); ``samples`` = 0 reads them all.
    Other reader properties (``Layers``, ``ClassSelection``, ``BatchSize``, ...) pass through."""
    files = [model] if isinstance(model, str) else list(model)
    reader = _constructor("CNNActivationsReader")(registrationName=os.path.basename(files[0]),
                                                  FileNames=files)
    reader.DatasetFileName = dataset
    reader.MaximumSamples = samples
    for key, value in properties.items():
        setattr(reader, key, value)
    reader.UpdatePipeline()
    return reader


def discrete_entropy(source, bins=64, **properties):
    """CNN Entropy (Discrete) on ``source`` with ``bins`` bins, updated."""
    entropy = _constructor("CNNEntropyDiscrete")(Input=source)
    entropy.NumberOfBins = bins
    for key, value in properties.items():
        setattr(entropy, key, value)
    entropy.UpdatePipeline()
    return entropy


def continuous_entropy(source, estimator="kde", **properties):
    """CNN Entropy (Continuous) on ``source``; ``estimator`` is gaussian, kde, knn or spacing."""
    if estimator not in ESTIMATORS:
        raise ValueError("estimator %r: choose one of %s" % (estimator, ", ".join(ESTIMATORS)))
    entropy = _constructor("CNNEntropyContinuous")(Input=source)
    entropy.Estimator = ESTIMATORS[estimator]
    for key, value in properties.items():
        setattr(entropy, key, value)
    entropy.UpdatePipeline()
    return entropy


def information_plane(source, bins=30, **properties):
    """CNN Information Plane on ``source`` (a reader of a checkpoint series): I(X;T) and
    I(T;Y) in bits per layer per epoch, every neuron binned into ``bins`` bins. Updated."""
    plane = _constructor("CNNInformationPlane")(Input=source)
    plane.NumberOfBins = bins
    for key, value in properties.items():
        setattr(plane, key, value)
    plane.UpdatePipeline()
    return plane


def _rows(table):
    """A vtkTable as a list of dicts (one per row), values as Python numbers or strings."""
    columns = [table.GetColumn(i) for i in range(table.GetNumberOfColumns())]
    rows = []
    for r in range(table.GetNumberOfRows()):
        row = {}
        for column in columns:
            value = column.GetValue(r) if column.IsA("vtkStringArray") else column.GetTuple1(r)
            row[column.GetName()] = value
        rows.append(row)
    return rows


def _fetch(proxy, port):
    """A port's output data object (fetched from the server when remote)."""
    from paraview import servermanager
    if servermanager.ActiveConnection is None or not servermanager.ActiveConnection.IsRemote():
        return proxy.GetClientSideObject().GetOutputDataObject(port)
    return servermanager.Fetch(proxy, None, None, port)


def layer_table(entropy):
    """The layer table (port 2) of an entropy filter as a list of dicts, network order."""
    return _rows(_fetch(entropy, 2))


def channel_table(entropy):
    """The channel table (port 1) of an entropy filter as a list of dicts."""
    return _rows(_fetch(entropy, 1))


def sample_table(reader):
    """The reader's per-sample table (port 1): sample_id, label, prediction, confidence, correct."""
    return _rows(_fetch(reader, 1))


def information_plane_table(plane):
    """The information plane (port 0) as a list of dicts, one per (epoch, layer)."""
    return _rows(_fetch(plane, 0))


def save_tables(entropy, directory, prefix=""):
    """Writes ``layer_entropy.csv`` and ``channel_entropy.csv`` to ``directory``; returns the paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for port, name in ((2, "layer_entropy.csv"), (1, "channel_entropy.csv")):
        path = os.path.join(directory, prefix + name)
        simple.SaveData(path, proxy=simple.OutputPort(entropy, port), FieldAssociation="Row Data",
                        Precision=6)
        paths.append(path)
    return paths


def print_layer_table(entropy, file=sys.stdout):
    """Prints layer name, type, output shape, H (bits) and I(T;Y) per layer."""
    rows = layer_table(entropy)
    print("%-16s %-10s %-14s %10s %10s" % ("layer", "type", "output", "H (bits)", "I(T;Y)"), file=file)
    for row in rows:
        mi = row.get(MUTUAL_INFORMATION)
        print("%-16s %-10s %-14s %10.3f %10s" % (row[LAYER_NAME], row[LAYER_TYPE], row.get(OUTPUT_SHAPE, ""),
                                                  row[ENTROPY], "-" if mi is None else "%.3f" % mi), file=file)
    return rows


def class_names(source):
    """The class names the reader found (model metadata or dataset), indexed by label; empty
    when there are none. ``source``: the reader or a filter below it."""
    data = _fetch(source, 0)
    names = data.GetFieldData().GetAbstractArray(CLASS_NAMES) if data is not None else None
    return [names.GetValue(k) for k in range(names.GetNumberOfValues())] if names else []


def layer_axis_labels(rows, selected=None):
    """Custom bottom-axis labels of a chart over the layer table: each layer's name at its
    layer_index, as the CNN Slicer panel's chart has them. Names are long and layers many,
    so a module's first layer is written in full one line lower ("features.0") and the
    layers after it by their last part (".1", ".2"); ``selected`` is put in brackets."""
    labels = []
    previous = None
    for row in rows:
        name = row[LAYER_NAME]
        module, dot, _ = name.rpartition(".")
        label = name[len(module):] if module and module == previous else name
        if name == selected:
            label = "[%s]" % label
        if module and module != previous:
            label = "\n" + label
        previous = module or None
        labels += ["%g" % row[LAYER_INDEX], label]
    return labels


def plot_layer_entropy(entropy, path, columns=(ENTROPY, MUTUAL_INFORMATION), title=None,
                       size=(1200, 700), selected=None):
    """Line chart of ``columns`` of the layer table through the network, saved as a PNG
    (rendering needs an X server: run under xvfb-run when there is no display).

    As the CNN Slicer panel's chart: layer names on the x axis at integer positions
    (``selected`` marked), I(T;Y) dashed on its own right axis so that it is readable beside
    H(T), distinct colours, the legend outside the plot."""
    rows = layer_table(entropy)
    unit = _fetch(entropy, 2).GetFieldData().GetAbstractArray(UNIT)
    unit = unit.GetValue(0) if unit is not None else "bits"
    labels = {ENTROPY: "H(T)", MUTUAL_INFORMATION: "I(T;Y) (right axis)",
              CONDITIONAL_ENTROPY: "H(T|Y)", H_C: "h_c (continuous part)", P_ATOMS: "p_atoms"}
    layout = simple.CreateLayout("CNNSlicer layer entropy")
    chart = simple.CreateView("XYChartView")
    simple.AssignViewToLayout(view=chart, layout=layout, hint=0)
    line = simple.Show(simple.OutputPort(entropy, 2), chart)
    line.UseIndexForXAxis = 0
    line.XArrayName = LAYER_INDEX
    line.SeriesVisibility = list(columns)
    line.SeriesLabel = [item for c in columns for item in (c, labels.get(c, c))]
    line.SeriesLineThickness = [item for c in columns for item in (c, "3")]
    line.SeriesColor = series_colours(list(columns))
    right = [c for c in columns if c == MUTUAL_INFORMATION]
    line.SeriesPlotCorner = [item for c in right for item in (c, "1")]
    line.SeriesLineStyle = [item for c in right for item in (c, "2")]
    chart.ChartTitle = title or "Information through the network"
    chart.LeftAxisTitle = "%s (%s)" % (" / ".join(labels.get(c, c) for c in columns
                                                if c not in right), unit)

    def axis_top(names):
        """15% above the largest value, rounded up at its first digit (0.3, 7, 20)."""
        values = [row[c] for row in rows for c in names
                  if isinstance(row.get(c), float) and math.isfinite(row[c])]
        top = max(values, default=0.0) * 1.15
        if top <= 0.0:
            return 1.0
        step = 10.0 ** math.floor(math.log10(top))
        return math.ceil(top / step - 1e-9) * step

    chart.LeftAxisUseCustomRange = 1
    chart.LeftAxisRangeMinimum = 0.0
    chart.LeftAxisRangeMaximum = axis_top([c for c in columns if c not in right])
    if right:
        chart.RightAxisTitle = "I(T;Y) (%s)" % unit
        chart.RightAxisUseCustomRange = 1
        chart.RightAxisRangeMinimum = 0.0
        chart.RightAxisRangeMaximum = axis_top(right)
    chart.BottomAxisTitle = "layer (network order)" + ("; selected: %s" % selected if selected else "")
    chart.BottomAxisUseCustomLabels = 1
    chart.BottomAxisLabels = layer_axis_labels(rows, selected)
    chart.BottomAxisUseCustomRange = 1
    chart.BottomAxisRangeMinimum = -0.5
    chart.BottomAxisRangeMaximum = max(len(rows) - 0.5, 0.5)
    chart.LegendLocation = "Right"
    # Fonts in points at the saved resolution: the view is given that size, so none scale.
    chart.ChartTitleFontSize = 16
    chart.LeftAxisTitleFontSize = 14
    chart.RightAxisTitleFontSize = 14
    chart.BottomAxisTitleFontSize = 14
    chart.LegendFontSize = 13
    chart.LeftAxisLabelFontSize = 12
    chart.RightAxisLabelFontSize = 12
    chart.BottomAxisLabelFontSize = 11
    chart.ViewSize = list(size)
    simple.SaveScreenshot(path, chart, ImageResolution=list(size))
    return path


def render_network(entropy, path, array=ENTROPY, size=(1600, 450)):
    """Every layer's per-neuron ``array`` (bits) as Feature Map Mosaics side by side in
    network order, each labelled with its name, type and shape, saved as a PNG. A mosaic
    shows every channel of a layer as a tile, so dense layers (1 x 1 x F) are squares of F
    units, not lines seen edge-on. Needs an X server (xvfb-run)."""
    view = simple.CreateView("RenderView")
    simple.AssignViewToLayout(view=view, layout=simple.CreateLayout("CNNSlicer network"), hint=0)
    volumes = simple.Show(simple.OutputPort(entropy, 0), view)
    volumes.SetRepresentationType("Feature Map Mosaic")
    volumes.MosaicLayer = -1
    # Tile labels of every channel of every layer would cover the picture: layer labels only.
    volumes.MosaicTileLabels = 0
    volumes.MosaicLabelFontSize = 14
    simple.ColorBy(volumes, ("POINTS", array))
    volumes.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(simple.GetColorTransferFunction(array), view)
    bar.Title = "neuron %s (bits)" % array.replace("_", " ")
    bar.ComponentTitle = ""
    bar.TitleFontSize = 14
    bar.LabelFontSize = 12
    bar.RangeLabelFormat = "%-#6.1f"
    bar.WindowLocation = "Any Location"
    bar.Position = [0.92, 0.1]
    bar.ScalarBarLength = 0.8
    view.OrientationAxesVisibility = 0
    view.ViewSize = list(size)
    # The camera on the tiles (the mosaic filter gives their bounds), parallel, with room
    # above for the layer labels and on the right for the colour bar.
    tiles = _constructor("CNNFeatureMapMosaic")(Input=simple.OutputPort(entropy, 0), Layer=-1)
    tiles.UpdatePipeline()
    xmin, xmax, ymin, ymax = tiles.GetDataInformation().GetBounds()[:4]
    simple.Delete(tiles)
    width, height = xmax - xmin, ymax - ymin
    center = [xmin + 0.54 * width, ymin + 0.56 * height]
    view.CameraParallelProjection = 1
    view.CameraFocalPoint = center + [0.0]
    view.CameraPosition = center + [10.0 * max(width, height, 1.0)]
    view.CameraViewUp = [0, 1, 0]
    view.CameraParallelScale = max(0.5 * height * 1.5, 0.5 * width * 1.15 * size[1] / size[0])
    simple.SaveScreenshot(path, view, ImageResolution=list(size))
    return path


# Twenty distinguishable colours (Tableau 20), so that a deep network's layers differ.
PALETTE = ["1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2", "7f7f7f",
           "bcbd22", "17becf", "aec7e8", "ffbb78", "98df8a", "ff9896", "c5b0d5", "c49c94",
           "f7b6d2", "c7c7c7", "dbdb8d", "9edae5"]


def series_colours(series):
    """A chart's SeriesColor value giving each of ``series`` its own PALETTE colour."""
    colours = []
    for i, name in enumerate(series):
        rgb = PALETTE[i % len(PALETTE)]
        colours += [name] + ["%.4f" % (int(rgb[j:j + 2], 16) / 255.0) for j in (0, 2, 4)]
    return colours


def plot_information_plane(plane, path, layers=None, title=None, size=(1200, 800)):
    """The information plane as a PNG: x = I(X;T), y = I(T;Y) (bits), one line per layer
    through its epochs (markers at the checkpoints). ``layers``: names to draw (default
    all). Needs an X server (xvfb-run)."""
    rows = information_plane_table(plane)
    names = []
    for row in rows:
        if row[LAYER_NAME] not in names and (layers is None or row[LAYER_NAME] in layers):
            names.append(row[LAYER_NAME])
    series = ["I_TY (%s)" % name for name in names]
    chart = simple.CreateView("XYChartView")
    simple.AssignViewToLayout(view=chart, layout=simple.CreateLayout("CNNSlicer information plane"),
                              hint=0)
    line = simple.Show(simple.OutputPort(plane, 1), chart)
    # Port 1 holds one table per layer; a chart draws only the blocks it is given (flat
    # indices 1..L), the first one by default.
    layer_count = _fetch(plane, 1).GetNumberOfBlocks()
    line.CompositeDataSetIndex = list(range(1, layer_count + 1))
    line.UseIndexForXAxis = 0
    line.XArrayName = "I_XT"
    line.SeriesVisibility = series
    line.SeriesLabel = [item for name, s in zip(names, series) for item in (s, name)]
    line.SeriesLineThickness = [item for s in series for item in (s, "2")]
    # Marker style 4 is a circle: one per checkpoint along each trajectory.
    line.SeriesMarkerStyle = [item for s in series for item in (s, "4")]
    line.SeriesMarkerSize = [item for s in series for item in (s, "7")]
    line.SeriesColor = series_colours(series)
    chart.ChartTitle = title or "Information plane (%d epochs)" % len({row["epoch"] for row in rows})
    chart.BottomAxisTitle = "I(X;T) (bits)"
    chart.LeftAxisTitle = "I(T;Y) (bits)"
    # From 0 to the bounds log2 N and H(Y), so that saturation is visible as such.
    chart.BottomAxisUseCustomRange = 1
    chart.BottomAxisRangeMinimum = 0.0
    chart.BottomAxisRangeMaximum = 1.05 * max([row["H_max"] for row in rows] + [1.0])
    chart.LeftAxisUseCustomRange = 1
    chart.LeftAxisRangeMinimum = 0.0
    chart.LeftAxisRangeMaximum = 1.05 * max([row["H_Y"] for row in rows
                                             if math.isfinite(row["H_Y"])] + [1.0])
    chart.ChartTitleFontSize = 16
    chart.LeftAxisTitleFontSize = 14
    chart.BottomAxisTitleFontSize = 14
    chart.LegendFontSize = 12
    # A layer's I(T;Y) <= H(T) = I(X;T) (T is a function of X), so no point lies above the
    # diagonal: the top left corner is free for the legend.
    chart.LegendLocation = "TopLeft"
    chart.ViewSize = list(size)
    simple.SaveScreenshot(path, chart, ImageResolution=list(size))
    return path


def render_layer_maps(entropy, layer, path, array=ENTROPY, title=None, size=(1400, 1000)):
    """Every channel of the layer named ``layer`` side by side (Feature Map Mosaic: one H x W
    tile per channel, labelled with its index), coloured by the point array ``array`` of the
    filter's port 0 (per-neuron entropy in bits by default), saved as a PNG. Needs X."""
    data = _fetch(entropy, 0)
    names = [data.GetMetaData(i).Get(data.NAME()) for i in range(data.GetNumberOfPartitionedDataSets())]
    if layer not in names:
        raise ValueError("no layer %r in the output; layers: %s" % (layer, ", ".join(names)))
    view = simple.CreateView("RenderView")
    simple.AssignViewToLayout(view=view, layout=simple.CreateLayout("CNNSlicer " + layer), hint=0)
    display = simple.Show(simple.OutputPort(entropy, 0), view)
    display.SetRepresentationType("Feature Map Mosaic")
    display.MosaicLayer = names.index(layer)
    display.MosaicTileLabels = 1
    simple.ColorBy(display, ("POINTS", array))
    display.RescaleTransferFunctionToDataRange(False, True)
    display.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(simple.GetColorTransferFunction(array), view)
    bar.Title = "%s (bits)" % array.replace("_", " ")
    bar.ComponentTitle = ""
    bar.TitleFontSize = 14
    bar.LabelFontSize = 12
    view.OrientationAxesVisibility = 0
    view.InteractionMode = "2D"
    if title:
        text = simple.Text(registrationName="title " + layer, Text=title)
        label = simple.Show(text, view)
        label.WindowLocation = "Upper Center"
        label.FontSize = 16
    view.ViewSize = list(size)
    view.ResetCamera(False)
    simple.SaveScreenshot(path, view, ImageResolution=list(size))
    return path
