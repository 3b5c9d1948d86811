"""ParaView figures of the case studies: line and bar charts of rows of numbers, and the
channel-entropy heatmap. Every figure has a title, axis titles with units and a legend."""
import math
import os

from paraview import simple

import cnnslicer  # shipped inside the plugin: load the plugin before importing this module


def chart(path, table_rows, x, series, title, xlabel, ylabel, labels=None, bars=False,
          size=(1200, 700), y_range=None, markers=True, tick_names=None):
    """A ParaView line (or bar) chart of columns of rows (dicts), saved as a PNG.

    Whole-number x values (layer index, epoch) get one tick each, named by tick_names
    (one per row, e.g. layer names) when they fit under the axis; without y_range the
    y axis leaves room above the data for the legend."""
    from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkStringArray
    from vtkmodules.vtkCommonDataModel import vtkTable
    table = vtkTable()
    for column in [x] + list(series):
        array = vtkDoubleArray()
        array.SetName(column)
        for row in table_rows:
            value = row.get(column)
            array.InsertNextValue(float(value) if value not in (None, "") else float("nan"))
        table.AddColumn(array)
    if labels:
        names = vtkStringArray()
        names.SetName("label")
        for row in table_rows:
            names.InsertNextValue(str(row.get(labels, "")))
        table.AddColumn(names)
    producer = simple.TrivialProducer(registrationName=os.path.basename(path))
    producer.GetClientSideObject().SetOutput(table)
    view = simple.CreateView("XYBarChartView" if bars else "XYChartView")
    layout = simple.CreateLayout(os.path.basename(path))
    simple.AssignViewToLayout(view=view, layout=layout, hint=0)
    display = simple.Show(producer, view)
    display.UseIndexForXAxis = 0
    display.XArrayName = x
    display.SeriesVisibility = list(series)
    display.SeriesLabel = [item for s in series for item in (s, series[s])]
    display.SeriesColor = cnnslicer.series_colours(list(series))
    if not bars:
        display.SeriesLineThickness = [item for s in series for item in (s, "3")]
        if markers:
            display.SeriesMarkerStyle = [item for s in series for item in (s, "4")]
    view.ChartTitle = title
    view.BottomAxisTitle = xlabel
    view.LeftAxisTitle = ylabel
    view.ChartTitleFontSize = 16
    view.LeftAxisTitleFontSize = 14
    view.BottomAxisTitleFontSize = 14
    view.LegendFontSize = 12
    xs = [float(row[x]) for row in table_rows if row.get(x) not in (None, "")]
    if xs and all(v == int(v) for v in xs):
        # A tick per row: ParaView's automatic ticks put labels such as 2.5 between layers.
        # Names fit at about 9 pixels per character.
        names = [str(n) for n in tick_names] if tick_names else []
        fits = names and len(names) == len(xs) and \
            max(len(n) for n in names) * 9 * len(xs) < 0.85 * size[0]
        view.BottomAxisUseCustomLabels = 1
        view.BottomAxisLabels = [item for i, v in enumerate(xs)
                                 for item in ("%d" % v, names[i] if fits else "%d" % v)]
    if not y_range:
        values = [float(row[s]) for row in table_rows for s in series
                  if row.get(s) not in (None, "") and math.isfinite(float(row[s]))]
        if values:
            # The legend (top right, about 18 pixels per series) gets the top of the plot.
            low, high = min(0.0, min(values)), max(values)
            legend = min(0.6, max(0.1, (18.0 * len(series) + 20.0) / (size[1] - 130.0)))
            y_range = (low, high + max(high - low, 1e-9) * legend / (1.0 - legend))
    if y_range:
        view.LeftAxisUseCustomRange = 1
        view.LeftAxisRangeMinimum, view.LeftAxisRangeMaximum = y_range
    view.ViewSize = list(size)
    simple.SaveScreenshot(path, view, ImageResolution=list(size))
    simple.Delete(display)
    simple.Delete(view)
    simple.RemoveLayout(layout)
    simple.Delete(producer)
    return path


def render_channel_heatmap(rows, path, title, size=(1400, 900)):
    """Heatmap of channel entropy: one image row per layer with several channels (bottom =
    first), one pixel column per channel; NaN (grey) where a layer has fewer channels."""
    from vtkmodules.vtkCommonCore import vtkDoubleArray
    from vtkmodules.vtkCommonDataModel import vtkImageData
    layers = []
    for r in rows:
        if (r["layer_index"], r["layer_name"]) not in layers:
            layers.append((r["layer_index"], r["layer_name"]))
    layers.sort()
    width = 1 + max(r["channel"] for r in rows)
    row_of = {name: i for i, (_, name) in enumerate(layers)}
    image = vtkImageData()
    image.SetDimensions(width, len(layers), 1)
    # Rows as tall as the image is wide over two, so that a layer row stays visible.
    image.SetSpacing(1.0, max(1.0, 0.5 * width / len(layers)), 1.0)
    values = vtkDoubleArray()
    values.SetName("channel_entropy")
    values.SetNumberOfTuples(width * len(layers))
    values.Fill(float("nan"))
    for r in rows:
        values.SetValue(row_of[r["layer_name"]] * width + r["channel"], r["H"])
    image.GetPointData().SetScalars(values)
    producer = simple.TrivialProducer(registrationName="channel heatmap")
    producer.GetClientSideObject().SetOutput(image)
    view = simple.CreateView("RenderView")
    layout = simple.CreateLayout("channel heatmap")
    simple.AssignViewToLayout(view=view, layout=layout, hint=0)
    display = simple.Show(producer, view)
    display.SetRepresentationType("Slice")
    simple.ColorBy(display, ("POINTS", "channel_entropy"))
    lut = simple.GetColorTransferFunction("channel_entropy")
    lut.ApplyPreset("Viridis (matplotlib)", True)
    # After the preset, which sets its own NaN colour: grey for "no such channel".
    lut.NanColor = [0.85, 0.85, 0.85]
    display.RescaleTransferFunctionToDataRange(False, True)
    display.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = "channel entropy (bits)"
    bar.ComponentTitle = ""
    view.AxesGrid.Visibility = 1
    view.AxesGrid.XTitle = "channel"
    view.AxesGrid.YTitle = ""
    # Numbers on the channel axis only (the edges at min and max Y); rows are named in the title.
    view.AxesGrid.AxesToLabel = 0x02 | 0x10
    view.OrientationAxesVisibility = 0
    view.InteractionMode = "2D"
    legend = "rows, bottom to top: " + ", ".join("%d %s" % (i, n) for i, (_, n) in enumerate(layers))
    words, lines = legend.split(" "), [""]
    for word in words:
        if len(lines[-1]) + len(word) > 150:
            lines.append("")
        lines[-1] += word + " "
    text = simple.Text(registrationName="heatmap title", Text=title + "\n" + "\n".join(lines))
    label = simple.Show(text, view)
    label.WindowLocation = "Upper Center"
    label.FontSize = 13
    view.ViewSize = list(size)
    view.ResetCamera(False)
    view.GetActiveCamera().Zoom(0.85)
    simple.SaveScreenshot(path, view, ImageResolution=list(size))
    for proxy in (label, display):
        simple.Delete(proxy)
    simple.Delete(text)
    simple.Delete(view)
    simple.RemoveLayout(layout)
    simple.Delete(producer)
    return path
