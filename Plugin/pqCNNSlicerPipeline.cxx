#include "pqCNNSlicerPipeline.h"

#include "pqCNNSlicerData.h"

#include <pqActiveObjects.h>
#include <pqApplicationCore.h>
#include <pqDataRepresentation.h>
#include <pqObjectBuilder.h>
#include <pqOutputPort.h>
#include <pqPipelineFilter.h>
#include <pqPipelineSource.h>
#include <pqRenderView.h>
#include <pqServer.h>
#include <pqServerManagerModel.h>
#include <pqSpreadSheetView.h>
#include <pqUndoStack.h>
#include <pqView.h>
#include <pqXYChartView.h>

#include <vtkDataAssembly.h>
#include <vtkDataObject.h>
#include <vtkNew.h>
#include <vtkSMEnumerationDomain.h>
#include <vtkSMPVRepresentationProxy.h>
#include <vtkSMParaViewPipelineControllerWithRendering.h>
#include <vtkSMPropertyHelper.h>
#include <vtkSMRenderViewProxy.h>
#include <vtkSMSessionProxyManager.h>
#include <vtkSMSourceProxy.h>
#include <vtkSMStringVectorProperty.h>
#include <vtkSMTransferFunctionProxy.h>
#include <vtkSMViewLayoutProxy.h>
#include <vtkSMViewProxy.h>
#include <vtkTable.h>

#include <algorithm>

#include <QSet>
#include <QSignalBlocker>
#include <QTimer>

#include <string>
#include <vector>

const char* pqCNNSlicerPipeline::RoleKey = "CNNSlicer.Role";

namespace
{
const char* const EntropyRole = "entropy";
const char* const LayerRole = "layer";
const char* const SliceRole = "slice";
const char* const LayoutName = "CNN Slicer";

// Annotation keys of the selection on the reader proxy.
const char* const LayerKey = "CNNSlicer.Layer";
const char* const SampleKey = "CNNSlicer.Sample";
const char* const ChannelKey = "CNNSlicer.Channel";
const char* const ClassKey = "CNNSlicer.Class";
const char* const DisplayKey = "CNNSlicer.Display";
const char* const ColorKey = "CNNSlicer.Color";
const char* const PerClassKey = "CNNSlicer.PerClassLines";

bool hasRole(pqPipelineSource* source, const char* role)
{
  vtkSMProxy* proxy = source ? source->getProxy() : nullptr;
  return proxy && proxy->HasAnnotation(pqCNNSlicerPipeline::RoleKey) &&
         QString::fromUtf8(proxy->GetAnnotation(pqCNNSlicerPipeline::RoleKey)) ==
           QLatin1String(role);
}

bool isEntropyFilter(pqPipelineSource* source)
{
  const QString name = QString::fromUtf8(source->getProxy()->GetXMLName());
  return name == QLatin1String("CNNEntropyDiscrete") ||
         name == QLatin1String("CNNEntropyContinuous");
}

/// The consumers of `source`'s output `port` that carry annotation `role`.
pqPipelineSource* consumerWithRole(pqPipelineSource* source, int port, const char* role)
{
  pqOutputPort* output = source ? source->getOutputPort(port) : nullptr;
  if (!output)
  {
    return nullptr;
  }
  for (pqPipelineSource* consumer : output->getConsumers())
  {
    if (hasRole(consumer, role))
    {
      return consumer;
    }
  }
  return nullptr;
}

/// The first view of `type` in which output `port` of `source` has a representation.
pqView* viewShowing(pqPipelineSource* source, int port, const QString& type)
{
  pqOutputPort* output = source ? source->getOutputPort(port) : nullptr;
  if (!output)
  {
    return nullptr;
  }
  for (pqView* view : output->getViews())
  {
    if (view->getViewType() == type)
    {
      return view;
    }
  }
  return nullptr;
}

void setStrings(vtkSMProxy* proxy, const char* name, const std::vector<std::string>& values)
{
  if (auto* property = vtkSMStringVectorProperty::SafeDownCast(proxy->GetProperty(name)))
  {
    property->SetElements(values);
  }
}

/// The representation of output `port` of `source` in `view`, created (hidden) when missing.
vtkSMProxy* representation(pqPipelineSource* source, int port, pqView* view)
{
  if (!source || !view)
  {
    return nullptr;
  }
  if (pqDataRepresentation* existing = source->getRepresentation(port, view))
  {
    return existing->getProxy();
  }
  vtkNew<vtkSMParaViewPipelineControllerWithRendering> controller;
  return controller->Show(source->getSourceProxy(), port, view->getViewProxy());
}

/// Sets an enumeration property by its text ("XY Plane"), as the Properties panel shows it.
void setEnumeration(vtkSMProxy* proxy, const char* name, const char* text)
{
  vtkSMProperty* property = proxy->GetProperty(name);
  auto* domain = property ? property->FindDomain<vtkSMEnumerationDomain>() : nullptr;
  if (domain && domain->HasEntryText(text))
  {
    vtkSMPropertyHelper(property).Set(domain->GetEntryValueForText(text));
  }
}

void setVisible(vtkSMProxy* representationProxy, bool visible)
{
  if (representationProxy)
  {
    vtkSMPropertyHelper(representationProxy, "Visibility").Set(visible ? 1 : 0);
    representationProxy->UpdateVTKObjects();
  }
}

/**
 * Keeps filters the panel changes "applied": the Properties panel marks a proxy modified when
 * one of its widgets follows a property the panel set (its Apply button would light up for
 * values that are already in effect). Filters that were up to date before stay so.
 */
class KeepApplied
{
public:
  explicit KeepApplied(const QList<pqPipelineSource*>& sources)
  {
    for (pqPipelineSource* source : sources)
    {
      if (source && source->modifiedState() == pqProxy::UNMODIFIED)
      {
        this->Applied.append(source);
      }
    }
  }
  ~KeepApplied()
  {
    // Now, and once more when the widgets have processed the queued events of the change.
    auto reset = [applied = this->Applied]()
    {
      for (const QPointer<pqPipelineSource>& source : applied)
      {
        if (source)
        {
          source->setModifiedState(pqProxy::UNMODIFIED);
        }
      }
    };
    reset();
    QTimer::singleShot(0, pqApplicationCore::instance(), reset);
  }

private:
  QList<QPointer<pqPipelineSource>> Applied;
};

/// "/Root/<node>" of the layer in the hierarchy ParaView builds for a collection: the
/// hierarchy names each partitioned dataset after its NAME, made a valid node name.
std::string hierarchySelector(const QString& layerName)
{
  return "/Root/" + vtkDataAssembly::MakeValidNodeName(layerName.toUtf8().constData());
}
}

//-----------------------------------------------------------------------------
bool pqCNNSlicerSelection::load(vtkSMProxy* reader)
{
  if (!reader || !reader->HasAnnotation(LayerKey))
  {
    return false;
  }
  auto text = [reader](const char* key) {
    return reader->HasAnnotation(key) ? QString::fromUtf8(reader->GetAnnotation(key)) : QString();
  };
  this->Layer = text(LayerKey);
  this->Sample = std::max(0, text(SampleKey).toInt());
  this->Channel = std::max(0, text(ChannelKey).toInt());
  this->ClassIndex = text(ClassKey).isEmpty() ? -1 : text(ClassKey).toInt();
  this->Show =
    text(DisplayKey) == QLatin1String("mosaic") ? Display::Mosaic : Display::ChannelSlice;
  this->Color = text(ColorKey) == QLatin1String("entropy") ? Coloring::NeuronEntropy
                                                           : Coloring::SampleActivation;
  this->PerClassLines = text(PerClassKey) == QLatin1String("1");
  return true;
}

void pqCNNSlicerSelection::store(vtkSMProxy* reader) const
{
  if (!reader)
  {
    return;
  }
  // Bookkeeping, not a step of its own on the undo stack (after an undo the panel stores the
  // selection it reads back, which must not clear the redo stack).
  BEGIN_UNDO_EXCLUDE();
  reader->SetAnnotation(LayerKey, this->Layer.toUtf8().constData());
  reader->SetAnnotation(SampleKey, std::to_string(this->Sample).c_str());
  reader->SetAnnotation(ChannelKey, std::to_string(this->Channel).c_str());
  reader->SetAnnotation(ClassKey, std::to_string(this->ClassIndex).c_str());
  reader->SetAnnotation(DisplayKey, this->Show == Display::Mosaic ? "mosaic" : "slice");
  reader->SetAnnotation(ColorKey,
                        this->Color == Coloring::NeuronEntropy ? "entropy" : "activation");
  reader->SetAnnotation(PerClassKey, this->PerClassLines ? "1" : "0");
  END_UNDO_EXCLUDE();
}

//-----------------------------------------------------------------------------
pqCNNSlicerPipeline::pqCNNSlicerPipeline(pqPipelineSource* reader)
  : Reader(reader)
{
  this->refresh();
}

bool pqCNNSlicerPipeline::isReader(pqPipelineSource* source)
{
  return source && source->getProxy() &&
         QString::fromUtf8(source->getProxy()->GetXMLName()) ==
           QLatin1String("CNNActivationsReader");
}

pqPipelineSource* pqCNNSlicerPipeline::findReader(pqPipelineSource* source)
{
  // Breadth-first upstream: the nearest reader wins when a filter has several inputs.
  QList<pqPipelineSource*> queue{ source };
  QSet<pqPipelineSource*> seen;
  while (!queue.isEmpty())
  {
    pqPipelineSource* current = queue.takeFirst();
    if (!current || seen.contains(current))
    {
      continue;
    }
    seen.insert(current);
    if (isReader(current))
    {
      return current;
    }
    if (auto* filter = qobject_cast<pqPipelineFilter*>(current))
    {
      for (pqOutputPort* input : filter->getAllInputs())
      {
        queue.append(input->getSource());
      }
    }
  }
  return nullptr;
}

void pqCNNSlicerPipeline::refresh()
{
  this->EntropyFilters.clear();
  this->Entropy = nullptr;
  if (this->Reader)
  {
    for (pqPipelineSource* consumer : this->Reader->getOutputPort(0)->getConsumers())
    {
      if (isEntropyFilter(consumer))
      {
        this->EntropyFilters.append(consumer);
        if (!this->Entropy || hasRole(consumer, EntropyRole))
        {
          this->Entropy = consumer;
        }
      }
    }
  }
  this->LayerBlock = consumerWithRole(this->Entropy, 0, LayerRole);
  this->ChannelSlice = consumerWithRole(this->LayerBlock, 0, SliceRole);
  this->RenderView = viewShowing(this->ChannelSlice, 0, pqRenderView::renderViewType());
  if (!this->RenderView)
  {
    this->RenderView = viewShowing(this->LayerBlock, 0, pqRenderView::renderViewType());
  }
  this->ChartView = viewShowing(this->Entropy, 2, pqXYChartView::XYChartViewType());
  this->SpreadsheetView = viewShowing(this->Entropy, 1, pqSpreadSheetView::spreadsheetViewType());
}

pqPipelineSource* pqCNNSlicerPipeline::createFilter(const char* xmlName,
                                                    pqPipelineSource* input,
                                                    int port,
                                                    const char* role,
                                                    const QString& name)
{
  // As paraview.simple does it: the filter is complete (inputs, properties) when it appears,
  // so it needs no Apply and does not take the Properties panel away from the user.
  vtkSMSessionProxyManager* proxies = input->getServer()->proxyManager();
  vtkSmartPointer<vtkSMProxy> proxy;
  proxy.TakeReference(proxies->NewProxy("filters", xmlName));
  if (!proxy)
  {
    return nullptr;
  }
  vtkNew<vtkSMParaViewPipelineController> controller;
  controller->PreInitializeProxy(proxy);
  vtkSMPropertyHelper(proxy, "Input").Set(input->getProxy(), static_cast<unsigned int>(port));
  controller->PostInitializeProxy(proxy);
  proxy->SetAnnotation(RoleKey, role);
  // Registering makes the new filter the active source. The user's choice stays active, and
  // nobody hears of the switch: a Properties panel that showed the filter once keeps its
  // widgets, and those mark the active source modified whenever the filter's input changes.
  pqActiveObjects& actives = pqActiveObjects::instance();
  pqPipelineSource* active = actives.activeSource();
  {
    const QSignalBlocker silence(&actives);
    controller->RegisterPipelineProxy(proxy, name.isEmpty() ? nullptr : name.toUtf8().constData());
  }
  actives.setActiveSource(active);
  return pqApplicationCore::instance()->getServerManagerModel()->findItem<pqPipelineSource*>(proxy);
}

void pqCNNSlicerPipeline::createViews(pqServer* server)
{
  pqObjectBuilder* builder = pqApplicationCore::instance()->getObjectBuilder();
  vtkNew<vtkSMParaViewPipelineControllerWithRendering> controller;

  // Keep the views together: reuse the layout of a view that survived, else a new tab.
  vtkSMViewLayoutProxy* layout = nullptr;
  for (pqView* existing :
       { this->RenderView.data(), this->ChartView.data(), this->SpreadsheetView.data() })
  {
    if (existing && !layout)
    {
      layout = vtkSMViewLayoutProxy::FindLayout(existing->getViewProxy());
    }
  }
  const bool newLayout = layout == nullptr;
  if (newLayout)
  {
    vtkSmartPointer<vtkSMProxy> created;
    created.TakeReference(server->proxyManager()->NewProxy("misc", "ViewLayout"));
    controller->InitializeProxy(created);
    controller->RegisterLayoutProxy(created, LayoutName);
    layout = vtkSMViewLayoutProxy::SafeDownCast(created);
    // Render view on the left half; chart above the spreadsheet on the right.
    layout->SplitHorizontal(0, 0.5);
    layout->SplitVertical(2, 0.55);
  }
  auto place = [&](QPointer<pqView>& view, const QString& type, int cell)
  {
    if (view)
    {
      return;
    }
    view = builder->createView(type, server);
    if (view && !(newLayout && layout->AssignView(cell, view->getViewProxy())))
    {
      layout->AssignViewToAnyCell(view->getViewProxy(), cell);
    }
  };
  place(this->RenderView, pqRenderView::renderViewType(), 1);
  place(this->ChartView, pqXYChartView::XYChartViewType(), 5);
  place(this->SpreadsheetView, pqSpreadSheetView::spreadsheetViewType(), 6);
}

QString pqCNNSlicerPipeline::analyze(const pqCNNSlicerSelection& selection,
                                     const pqCNNSlicerData& data)
{
  if (!this->Reader)
  {
    return QStringLiteral("No CNN Activations Reader: open a .pt model first (File > Open).");
  }
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  if (!layer)
  {
    return QStringLiteral("Select a layer in the model tree first.");
  }

  BEGIN_UNDO_SET(QStringLiteral("CNN Slicer: Analyze"));
  this->refresh();
  QList<pqPipelineSource*> existing = this->EntropyFilters;
  existing << this->LayerBlock << this->ChannelSlice;
  const KeepApplied keepExisting(QList<pqPipelineSource*>(existing) << this->Reader);
  if (!this->Entropy)
  {
    this->Entropy =
      this->createFilter("CNNEntropyDiscrete", this->Reader, 0, EntropyRole, QString());
    this->EntropyFilters.append(this->Entropy);
  }
  if (!this->LayerBlock)
  {
    this->LayerBlock =
      this->createFilter("ExtractBlock", this->Entropy, 0, LayerRole, QStringLiteral("CNN layer"));
    vtkSMPropertyHelper(this->LayerBlock->getProxy(), "Assembly").Set("Hierarchy");
  }
  if (!this->ChannelSlice)
  {
    this->ChannelSlice = this->createFilter(
      "ResampleToImage", this->LayerBlock, 0, SliceRole, QStringLiteral("CNN channel slice"));
  }
  if (!this->Entropy || !this->LayerBlock || !this->ChannelSlice)
  {
    END_UNDO_SET();
    return QStringLiteral("Could not create the CNN entropy, Extract Block or Resample To Image "
                          "filter: check that the CNNSlicer plugin is loaded on the server.");
  }
  this->applyLayer(*layer);
  this->applyClasses(selection);
  vtkSMPropertyHelper(this->Entropy->getProxy(), "PerClassOutputs")
    .Set(selection.PerClassLines ? 1 : 0);
  for (pqPipelineSource* source :
       { this->Entropy.data(), this->LayerBlock.data(), this->ChannelSlice.data() })
  {
    // A filter with edits the user has not applied yet keeps them for the user's Apply.
    if (source->modifiedState() != pqProxy::MODIFIED)
    {
      source->getProxy()->UpdateVTKObjects();
      source->updatePipeline();
      source->setModifiedState(pqProxy::UNMODIFIED);
    }
  }

  this->createViews(this->Reader->getServer());
  // Representations in their views (hidden until apply decides what the render view shows).
  representation(this->LayerBlock, 0, this->RenderView);
  representation(this->ChannelSlice, 0, this->RenderView);
  setVisible(representation(this->Entropy, 2, this->ChartView), true);
  if (vtkSMProxy* spreadsheet = this->SpreadsheetView ? this->SpreadsheetView->getProxy() : nullptr)
  {
    setVisible(representation(this->Entropy, 1, this->SpreadsheetView), true);
    vtkSMPropertyHelper(spreadsheet, "FieldAssociation").Set(vtkDataObject::FIELD_ASSOCIATION_ROWS);
    // Bookkeeping columns out of the way; the Toggle Column Visibility button shows them.
    setStrings(spreadsheet,
               "HiddenColumnLabels",
               { "Row ID", "count", "non_finite", "range_low", "range_high" });
    spreadsheet->UpdateVTKObjects();
  }
  if (vtkSMProxy* chart = this->ChartView ? this->ChartView->getProxy() : nullptr)
  {
    vtkSMPropertyHelper(chart, "ChartTitle").Set("Entropy through the network");
    vtkSMPropertyHelper(chart, "BottomAxisTitle").Set("layer (0 = input, execution order)");
    chart->UpdateVTKObjects();
  }
  if (vtkSMProxy* render = this->RenderView ? this->RenderView->getProxy() : nullptr)
  {
    // Feature maps are images: look straight at them, no rotation.
    setEnumeration(render, "InteractionMode", "2D");
    vtkSMPropertyHelper(render, "OrientationAxesVisibility").Set(0);
    render->UpdateVTKObjects();
  }
  this->FittedCamera.clear();
  const KeepApplied keepCreated({ this->Entropy, this->LayerBlock, this->ChannelSlice });
  this->apply(selection, data);
  END_UNDO_SET();

  pqActiveObjects::instance().setActiveView(this->RenderView);
  return QString();
}

QString pqCNNSlicerPipeline::cameraKey(const pqCNNSlicerSelection& selection)
{
  return selection.Layer + (selection.Show == pqCNNSlicerSelection::Display::Mosaic
                              ? QStringLiteral("/mosaic")
                              : QStringLiteral("/slice"));
}

void pqCNNSlicerPipeline::applyLayer(const pqCNNSlicerLayer& layer)
{
  if (this->LayerBlock)
  {
    vtkSMProxy* block = this->LayerBlock->getProxy();
    setStrings(block, "Selectors", { hierarchySelector(layer.Name) });
    block->UpdateVTKObjects();
  }
  if (this->ChannelSlice)
  {
    // The layer's own bounds and W x H x C points: every sample lands on an input point.
    vtkSMProxy* slice = this->ChannelSlice->getProxy();
    vtkSMPropertyHelper(slice, "UseInputBounds").Set(0);
    vtkSMPropertyHelper(slice, "SamplingBounds").Set(layer.Bounds, 6);
    const int dimensions[3] = { layer.Width, layer.Height, layer.Channels };
    vtkSMPropertyHelper(slice, "SamplingDimensions").Set(dimensions, 3);
    slice->UpdateVTKObjects();
  }
}

void pqCNNSlicerPipeline::applyClasses(const pqCNNSlicerSelection& selection)
{
  for (pqPipelineSource* filter : this->EntropyFilters)
  {
    vtkSMProxy* proxy = filter->getProxy();
    vtkSMPropertyHelper classes(proxy, "ClassSelection");
    const std::vector<int> current = classes.GetArray<int>();
    const std::vector<int> wanted =
      selection.ClassIndex < 0 ? std::vector<int>() : std::vector<int>{ selection.ClassIndex };
    if (current != wanted)
    {
      classes.Set(wanted.data(), static_cast<unsigned int>(wanted.size()));
      proxy->UpdateVTKObjects();
    }
  }
}

void pqCNNSlicerPipeline::applyDisplay(const pqCNNSlicerSelection& selection,
                                       const pqCNNSlicerData& data)
{
  if (!this->RenderView)
  {
    return;
  }
  vtkSMProxy* mosaic = representation(this->LayerBlock, 0, this->RenderView);
  vtkSMProxy* slice = representation(this->ChannelSlice, 0, this->RenderView);
  const bool showMosaic = selection.Show == pqCNNSlicerSelection::Display::Mosaic;
  vtkSMProxy* shown = showMosaic ? mosaic : slice;
  if (!shown)
  {
    return;
  }
  setVisible(showMosaic ? slice : mosaic, false);
  vtkSMRepresentationProxy::SetRepresentationType(shown,
                                                  showMosaic ? "Feature Map Mosaic" : "Slice");
  if (!showMosaic)
  {
    setEnumeration(shown, "SliceMode", "XY Plane");
    vtkSMPropertyHelper(shown, "Slice").Set(selection.Channel);
  }
  setVisible(shown, true);

  // The legends of what the view showed before go; the one of the new colouring comes back.
  for (vtkSMProxy* representationProxy : { mosaic, slice })
  {
    if (representationProxy &&
        vtkSMPropertyHelper(representationProxy, "LookupTable", true).GetAsProxy())
    {
      vtkSMPVRepresentationProxy::SetScalarBarVisibility(
        representationProxy, this->RenderView->getProxy(), false);
    }
  }
  const bool entropy = selection.Color == pqCNNSlicerSelection::Coloring::NeuronEntropy;
  if (entropy)
  {
    vtkSMPVRepresentationProxy::SetScalarColoring(shown, "entropy", vtkDataObject::POINT);
  }
  else
  {
    vtkSMPVRepresentationProxy::SetScalarColoring(
      shown, "activation", vtkDataObject::POINT, selection.Sample);
  }
  // The colour range of the whole layer (all channels) for that sample, so that channels
  // compare by colour as the user steps through them.
  vtkSMPVRepresentationProxy::RescaleTransferFunctionToDataRange(shown, false, true);
  vtkSMPVRepresentationProxy::SetScalarBarVisibility(shown, this->RenderView->getProxy(), true);
  vtkSMProxy* colors = vtkSMPropertyHelper(shown, "LookupTable", true).GetAsProxy();
  if (vtkSMProxy* bar = vtkSMTransferFunctionProxy::FindScalarBarRepresentation(
        colors, this->RenderView->getProxy()))
  {
    const std::string title = entropy ? "neuron entropy (" + data.entropyUnit().toStdString() + ")"
                                      : "activation of sample " + std::to_string(selection.Sample);
    vtkSMPropertyHelper(bar, "Title").Set(title.c_str());
    vtkSMPropertyHelper(bar, "ComponentTitle").Set("");
    bar->UpdateVTKObjects();
  }
  shown->UpdateVTKObjects();
}

void pqCNNSlicerPipeline::fitCamera(const pqCNNSlicerSelection& selection,
                                    const pqCNNSlicerData& data)
{
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  auto* renderView = this->RenderView
                       ? vtkSMRenderViewProxy::SafeDownCast(this->RenderView->getViewProxy())
                       : nullptr;
  if (!renderView || !layer || cameraKey(selection) == this->FittedCamera)
  {
    return;
  }
  this->FittedCamera = cameraKey(selection);
  // A view resets its camera on the first render after a representation appears; render
  // first, so that the fit below is the one that stays.
  this->RenderView->forceRender();
  if (selection.Show == pqCNNSlicerSelection::Display::Mosaic)
  {
    this->RenderView->resetDisplay();
  }
  else
  {
    // The slice's W x H plane (the whole volume's depth would leave the slice small).
    const double z = layer->Bounds[4] + selection.Channel;
    double plane[6] = {
      layer->Bounds[0], layer->Bounds[1], layer->Bounds[2], layer->Bounds[3], z, z
    };
    renderView->ResetCamera(plane);
  }
}

void pqCNNSlicerPipeline::applyChart(const pqCNNSlicerSelection& selection,
                                     const pqCNNSlicerData& data)
{
  vtkSMProxy* line =
    this->Entropy && this->ChartView ? representation(this->Entropy, 2, this->ChartView) : nullptr;
  if (!line)
  {
    return;
  }
  vtkSMPropertyHelper(line, "UseIndexForXAxis").Set(0);
  vtkSMPropertyHelper(line, "XArrayName").Set("layer_index");
  std::vector<std::string> visible{ "entropy" };
  std::vector<std::string> labels{ "entropy", "H(T)", "mutual_information", "I(T;Y)" };
  if (selection.PerClassLines)
  {
    for (int k = 0; k < data.classNames().size(); ++k)
    {
      const std::string column = "entropy_class_" + std::to_string(k);
      visible.push_back(column);
      labels.push_back(column);
      labels.push_back("H(T | class " + data.className(k).toStdString() + ")");
    }
  }
  else
  {
    visible.push_back("mutual_information");
  }
  // SeriesVisibility holds (series, 0/1) pairs; every column of the table gets one, so that
  // only the chosen lines show.
  std::vector<std::string> visibility;
  std::vector<std::string> thickness;
  auto* table = vtkTable::SafeDownCast(pqCNNSlicerData::fetch(this->Entropy->getSourceProxy(), 2));
  for (vtkIdType column = 0; table && column < table->GetNumberOfColumns(); ++column)
  {
    const std::string series = table->GetColumnName(column) ? table->GetColumnName(column) : "";
    const bool shown = std::find(visible.begin(), visible.end(), series) != visible.end();
    visibility.push_back(series);
    visibility.push_back(shown ? "1" : "0");
    thickness.push_back(series);
    thickness.push_back(shown ? "2" : "1");
  }
  setStrings(line, "SeriesVisibility", visibility);
  setStrings(line, "SeriesLabel", labels);
  setStrings(line, "SeriesLineThickness", thickness);
  line->UpdateVTKObjects();
  if (vtkSMProxy* chart = this->ChartView->getProxy())
  {
    vtkSMPropertyHelper(chart, "LeftAxisTitle").Set(data.entropyUnit().toUtf8().constData());
    chart->UpdateVTKObjects();
  }
}

void pqCNNSlicerPipeline::apply(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data)
{
  this->refresh();
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  BEGIN_UNDO_SET(QStringLiteral("CNN Slicer selection"));
  QList<pqPipelineSource*> changed = this->EntropyFilters;
  changed << this->LayerBlock << this->ChannelSlice;
  const KeepApplied keepApplied(changed);
  if (layer)
  {
    this->applyLayer(*layer);
  }
  this->applyClasses(selection);
  if (this->Entropy)
  {
    vtkSMProxy* entropy = this->Entropy->getProxy();
    if (vtkSMPropertyHelper(entropy, "PerClassOutputs").GetAsInt() != int(selection.PerClassLines))
    {
      vtkSMPropertyHelper(entropy, "PerClassOutputs").Set(selection.PerClassLines ? 1 : 0);
      entropy->UpdateVTKObjects();
    }
  }
  // Filters changed here are brought up to date, so the Apply button stays quiet; a filter
  // with edits the user has not applied yet is left for the user's Apply.
  for (pqPipelineSource* source : changed)
  {
    if (source && source->modifiedState() == pqProxy::UNMODIFIED)
    {
      source->updatePipeline();
    }
  }
  this->applyDisplay(selection, data);
  this->applyChart(selection, data);
  this->fitCamera(selection, data);
  // Rendered inside the undo set: a render updates proxies too (the scalar bar's placement),
  // and those changes would otherwise form an undo step of their own in front of this one.
  for (pqView* view :
       { this->RenderView.data(), this->ChartView.data(), this->SpreadsheetView.data() })
  {
    if (view)
    {
      view->forceRender();
    }
  }
  END_UNDO_SET();
}

pqCNNSlicerSelection pqCNNSlicerPipeline::selectionFromPipeline(const pqCNNSlicerSelection& current,
                                                                const pqCNNSlicerData& data) const
{
  pqCNNSlicerSelection selection = current;
  if (this->LayerBlock)
  {
    vtkSMPropertyHelper selectors(this->LayerBlock->getProxy(), "Selectors");
    const std::string selector = selectors.GetNumberOfElements() ? selectors.GetAsString(0) : "";
    for (const pqCNNSlicerLayer& layer : data.layers())
    {
      if (hierarchySelector(layer.Name) == selector)
      {
        selection.Layer = layer.Name;
        break;
      }
    }
  }
  if (this->Entropy)
  {
    vtkSMPropertyHelper classes(this->Entropy->getProxy(), "ClassSelection");
    selection.ClassIndex = classes.GetNumberOfElements() == 1 ? classes.GetAsInt(0) : -1;
    selection.PerClassLines =
      vtkSMPropertyHelper(this->Entropy->getProxy(), "PerClassOutputs").GetAsInt() != 0;
  }
  pqDataRepresentation* slice = this->ChannelSlice && this->RenderView
                                  ? this->ChannelSlice->getRepresentation(0, this->RenderView)
                                  : nullptr;
  pqDataRepresentation* mosaic = this->LayerBlock && this->RenderView
                                   ? this->LayerBlock->getRepresentation(0, this->RenderView)
                                   : nullptr;
  pqDataRepresentation* shown = nullptr;
  if (mosaic && mosaic->isVisible())
  {
    selection.Show = pqCNNSlicerSelection::Display::Mosaic;
    shown = mosaic;
  }
  else if (slice && slice->isVisible())
  {
    selection.Show = pqCNNSlicerSelection::Display::ChannelSlice;
    selection.Channel = vtkSMPropertyHelper(slice->getProxy(), "Slice").GetAsInt();
    shown = slice;
  }
  if (shown)
  {
    vtkSMPropertyHelper colorArray(shown->getProxy(), "ColorArrayName");
    const QString array = QString::fromUtf8(colorArray.GetInputArrayNameToProcess());
    if (array == QLatin1String("entropy"))
    {
      selection.Color = pqCNNSlicerSelection::Coloring::NeuronEntropy;
    }
    else if (array == QLatin1String("activation"))
    {
      selection.Color = pqCNNSlicerSelection::Coloring::SampleActivation;
      if (vtkSMProxy* colors =
            vtkSMPropertyHelper(shown->getProxy(), "LookupTable", true).GetAsProxy())
      {
        selection.Sample = vtkSMPropertyHelper(colors, "VectorComponent").GetAsInt();
      }
    }
  }
  return selection;
}
