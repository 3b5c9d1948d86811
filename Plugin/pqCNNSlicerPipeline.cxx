#include "pqCNNSlicerPipeline.h"

#include "DataModelNames.h"

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

#include <vtkAbstractArray.h>
#include <vtkDataAssembly.h>
#include <vtkDataObject.h>
#include <vtkNew.h>
#include <vtkPVArrayInformation.h>
#include <vtkPVDataInformation.h>
#include <vtkPVDataSetAttributesInformation.h>
#include <vtkSMEnumerationDomain.h>
#include <vtkSMPVRepresentationProxy.h>
#include <vtkSMParaViewPipelineControllerWithRendering.h>
#include <vtkSMPropertyHelper.h>
#include <vtkSMRenderViewProxy.h>
#include <vtkSMRepresentationProxy.h>
#include <vtkSMSessionProxyManager.h>
#include <vtkSMSourceProxy.h>
#include <vtkSMStringVectorProperty.h>
#include <vtkSMTransferFunctionProxy.h>
#include <vtkSMViewLayoutProxy.h>
#include <vtkSMViewProxy.h>
#include <vtkTable.h>
#include <vtkVariant.h>

#include <algorithm>
#include <iterator>

#include <QCoreApplication>
#include <QEvent>
#include <QSet>
#include <QSignalBlocker>
#include <QSize>
#include <QTimer>
#include <QWidget>

#include <string>
#include <vector>

const char* pqCNNSlicerPipeline::RoleKey = "CNNSlicer.Role";

namespace names = cnnslicer::names;

namespace
{
const char* const EntropyRole = "entropy";
const char* const LayerRole = "layer";
const char* const SliceRole = "slice";
const char* const CaptionRole = "caption";
// Roles of the views Analyze makes: the panel drives these fully and only moves other views'
// layer and sample along (a chart someone else made keeps its title and series).
const char* const RenderViewRole = "render view";
const char* const ChartViewRole = "chart view";
const char* const SpreadsheetViewRole = "spreadsheet view";
const char* const LayoutName = "CNN Slicer";

// Annotation keys of the selection on the reader proxy.
const char* const LayerKey = "CNNSlicer.Layer";
const char* const SampleKey = "CNNSlicer.Sample";
const char* const ChannelKey = "CNNSlicer.Channel";
const char* const ClassKey = "CNNSlicer.Class";
const char* const DisplayKey = "CNNSlicer.Display";
const char* const ColorKey = "CNNSlicer.Color";
const char* const PerClassKey = "CNNSlicer.PerClassLines";
const char* const RangeKey = "CNNSlicer.ColorRange";

// The render view keeps these fractions of its width and height free of the image: the
// colour legend stands in the right strip, the caption in the top one.
const double LegendStrip = 0.24;
const double CaptionStrip = 0.2;

// The chart's qualitative palette (Tableau 10): one distinct colour per class for up to ten
// classes; H(T) and I(T;Y) are black (solid, dashed), so they never share a class's colour.
const char* const ClassColors[] = { "0.122", "0.467", "0.706", "1.000", "0.498", "0.055",
                                    "0.173", "0.627", "0.173", "0.839", "0.153", "0.157",
                                    "0.580", "0.404", "0.741", "0.549", "0.337", "0.294",
                                    "0.890", "0.467", "0.761", "0.498", "0.498", "0.498",
                                    "0.737", "0.741", "0.133", "0.090", "0.745", "0.812" };

bool hasRole(pqProxy* item, const char* role)
{
  vtkSMProxy* proxy = item ? item->getProxy() : nullptr;
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

/// The first view of `type` made by the panel (`role`) in which output `port` of `source` has
/// a representation.
pqView* viewShowing(pqPipelineSource* source, int port, const QString& type, const char* role)
{
  pqOutputPort* output = source ? source->getOutputPort(port) : nullptr;
  if (!output)
  {
    return nullptr;
  }
  for (pqView* view : output->getViews())
  {
    if (view->getViewType() == type && hasRole(view, role))
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

/// The text of an enumeration property's value ("Never"), or an empty string.
QString enumerationText(vtkSMProxy* proxy, const char* name)
{
  vtkSMProperty* property = proxy->GetProperty(name);
  auto* domain = property ? property->FindDomain<vtkSMEnumerationDomain>() : nullptr;
  const char* text =
    domain ? domain->GetEntryTextForValue(vtkSMPropertyHelper(property).GetAsInt()) : nullptr;
  return text ? QString::fromUtf8(text) : QString();
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
  this->FitSampleRange = text(RangeKey) == QLatin1String("sample");
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
  reader->SetAnnotation(RangeKey, this->FitSampleRange ? "sample" : "layer");
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
  const QString renderType = pqRenderView::renderViewType();
  this->RenderView = viewShowing(this->ChannelSlice, 0, renderType, RenderViewRole);
  if (!this->RenderView)
  {
    this->RenderView = viewShowing(this->LayerBlock, 0, renderType, RenderViewRole);
  }
  this->ChartView = viewShowing(this->Entropy, 2, pqXYChartView::XYChartViewType(), ChartViewRole);
  this->SpreadsheetView =
    viewShowing(this->Entropy, 1, pqSpreadSheetView::spreadsheetViewType(), SpreadsheetViewRole);
  // The caption is the Text source with the role that the panel's render view shows.
  this->Caption = nullptr;
  if (this->RenderView)
  {
    const auto sources =
      pqApplicationCore::instance()->getServerManagerModel()->findItems<pqPipelineSource*>(
        this->RenderView->getServer());
    for (pqPipelineSource* source : sources)
    {
      if (hasRole(source, CaptionRole) && source->getRepresentation(0, this->RenderView))
      {
        this->Caption = source;
        break;
      }
    }
  }
}

pqPipelineSource* pqCNNSlicerPipeline::createSource(pqServer* server,
                                                    const char* group,
                                                    const char* xmlName,
                                                    pqPipelineSource* input,
                                                    int port,
                                                    const char* role,
                                                    const QString& name)
{
  // As paraview.simple does it: the filter is complete (inputs, properties) when it appears,
  // so it needs no Apply and does not take the Properties panel away from the user.
  vtkSMSessionProxyManager* proxies = server->proxyManager();
  vtkSmartPointer<vtkSMProxy> proxy;
  proxy.TakeReference(proxies->NewProxy(group, xmlName));
  if (!proxy)
  {
    return nullptr;
  }
  vtkNew<vtkSMParaViewPipelineController> controller;
  controller->PreInitializeProxy(proxy);
  if (input)
  {
    vtkSMPropertyHelper(proxy, "Input").Set(input->getProxy(), static_cast<unsigned int>(port));
  }
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
  auto place = [&](QPointer<pqView>& view, const QString& type, const char* role, int cell)
  {
    if (view)
    {
      return;
    }
    view = builder->createView(type, server);
    if (!view)
    {
      return;
    }
    view->getProxy()->SetAnnotation(RoleKey, role);
    if (!(newLayout && layout->AssignView(cell, view->getViewProxy())))
    {
      layout->AssignViewToAnyCell(view->getViewProxy(), cell);
    }
  };
  place(this->RenderView, pqRenderView::renderViewType(), RenderViewRole, 1);
  place(this->ChartView, pqXYChartView::XYChartViewType(), ChartViewRole, 5);
  place(this->SpreadsheetView, pqSpreadSheetView::spreadsheetViewType(), SpreadsheetViewRole, 6);
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
  pqServer* server = this->Reader->getServer();
  if (!this->Entropy)
  {
    this->Entropy = this->createSource(
      server, "filters", "CNNEntropyDiscrete", this->Reader, 0, EntropyRole, QString());
    this->EntropyFilters.append(this->Entropy);
  }
  if (!this->LayerBlock && this->Entropy)
  {
    this->LayerBlock = this->createSource(
      server, "filters", "ExtractBlock", this->Entropy, 0, LayerRole, QStringLiteral("CNN layer"));
    if (this->LayerBlock)
    {
      vtkSMPropertyHelper(this->LayerBlock->getProxy(), "Assembly").Set("Hierarchy");
    }
  }
  if (!this->ChannelSlice && this->LayerBlock)
  {
    this->ChannelSlice = this->createSource(server,
                                            "filters",
                                            "ResampleToImage",
                                            this->LayerBlock,
                                            0,
                                            SliceRole,
                                            QStringLiteral("CNN channel slice"));
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

  this->createViews(server);
  if (!this->Caption && this->RenderView)
  {
    this->Caption = this->createSource(server,
                                       "sources",
                                       "TextSource",
                                       nullptr,
                                       0,
                                       CaptionRole,
                                       QStringLiteral("CNN Slicer caption"));
    if (this->Caption)
    {
      this->Caption->updatePipeline();
      this->Caption->setModifiedState(pqProxy::UNMODIFIED);
      if (vtkSMProxy* text = representation(this->Caption, 0, this->RenderView))
      {
        setEnumeration(text, "WindowLocation", "Upper Left Corner");
        setEnumeration(text, "Justification", "Left");
        vtkSMPropertyHelper(text, "FontSize").Set(12);
        setVisible(text, true);
      }
    }
  }
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
               { "Row ID", names::Count, names::NonFinite, names::RangeLow, names::RangeHigh });
    spreadsheet->UpdateVTKObjects();
  }
  if (vtkSMProxy* chart = this->ChartView ? this->ChartView->getProxy() : nullptr)
  {
    vtkSMPropertyHelper(chart, "ChartTitle").Set("Entropy through the network");
    // Outside the plot area (ParaView's Left/Top/Right/Bottom legends make room for
    // themselves), so that no line runs under it.
    setEnumeration(chart, "LegendLocation", "Right");
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
  const KeepApplied keepCreated(
    { this->Entropy, this->LayerBlock, this->ChannelSlice, this->Caption });
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
    vtkSMPVRepresentationProxy::SetScalarColoring(shown, names::Entropy, vtkDataObject::POINT);
  }
  else
  {
    vtkSMPVRepresentationProxy::SetScalarColoring(
      shown, names::Activation, vtkDataObject::POINT, selection.Sample);
  }
  this->applyColorRange(shown, selection);
  vtkSMPVRepresentationProxy::SetScalarBarVisibility(shown, this->RenderView->getProxy(), true);
  vtkSMProxy* colors = vtkSMPropertyHelper(shown, "LookupTable", true).GetAsProxy();
  if (vtkSMProxy* bar = vtkSMTransferFunctionProxy::FindScalarBarRepresentation(
        colors, this->RenderView->getProxy()))
  {
    std::string title = "neuron entropy (" + data.entropyUnit().toStdString() + ")";
    if (!entropy)
    {
      title = selection.FitSampleRange ? "activation (this sample's range)"
                                       : "activation (layer range, all samples)";
    }
    vtkSMPropertyHelper(bar, "Title").Set(title.c_str());
    vtkSMPropertyHelper(bar, "ComponentTitle").Set("");
    // Beside the image, in the strip fitCamera keeps free, not over it.
    setEnumeration(bar, "WindowLocation", "Any Location");
    const double position[2] = { 1.0 - LegendStrip + 0.02, 0.06 };
    vtkSMPropertyHelper(bar, "Position").Set(position, 2);
    vtkSMPropertyHelper(bar, "ScalarBarLength").Set(1.0 - CaptionStrip - 0.1);
    vtkSMPropertyHelper(bar, "RangeLabelFormat").Set("%-#.3g");
    bar->UpdateVTKObjects();
  }
  shown->UpdateVTKObjects();
}

void pqCNNSlicerPipeline::applyColorRange(vtkSMProxy* shown, const pqCNNSlicerSelection& selection)
{
  vtkSMProxy* colors = vtkSMPropertyHelper(shown, "LookupTable", true).GetAsProxy();
  if (!colors)
  {
    return;
  }
  const bool activation = selection.Color == pqCNNSlicerSelection::Coloring::SampleActivation;
  // The layer's range over every sample (each sample is one component of `activation`), so
  // that the same colour means the same value whichever sample is shown
  // (Documentation/design.md section 4.3).
  double range[2] = { 0.0, -1.0 };
  if (activation && !selection.FitSampleRange && this->LayerBlock)
  {
    vtkPVDataInformation* information = this->LayerBlock->getOutputPort(0)->getDataInformation();
    vtkPVArrayInformation* array =
      information ? information->GetPointDataInformation()->GetArrayInformation(names::Activation)
                  : nullptr;
    for (int component = 0; array && component < array->GetNumberOfComponents(); ++component)
    {
      const double* componentRange = array->GetComponentRange(component);
      if (componentRange[0] <= componentRange[1])
      {
        range[0] = range[1] < range[0] ? componentRange[0] : std::min(range[0], componentRange[0]);
        range[1] = std::max(range[1], componentRange[1]);
      }
    }
  }
  if (range[0] <= range[1])
  {
    // Kept: ParaView's automatic rescaling would fit it to the sample again on the next Apply.
    setEnumeration(colors, "AutomaticRescaleRangeMode", "Never");
    vtkSMTransferFunctionProxy::RescaleTransferFunction(colors, range[0], range[1]);
    if (vtkSMProxy* opacity = vtkSMPropertyHelper(colors, "ScalarOpacityFunction").GetAsProxy())
    {
      vtkSMTransferFunctionProxy::RescaleTransferFunction(opacity, range[0], range[1]);
    }
  }
  else
  {
    // The shown sample's (or the entropy's) range over the whole layer (all channels), so
    // that channels still compare by colour as the user steps through them.
    setEnumeration(colors, "AutomaticRescaleRangeMode", "Grow and update on 'Apply'");
    vtkSMPVRepresentationProxy::RescaleTransferFunctionToDataRange(shown, false, true);
  }
  colors->UpdateVTKObjects();
}

namespace
{
/// What the render view shows, for its corner text: layer, channel, and the sample with label
/// and prediction (class names where the model has them), or the entropy's samples.
std::string captionText(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data)
{
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  QString text = selection.Layer;
  if (layer)
  {
    text = QStringLiteral("%1 (%2), ").arg(layer->Name, layer->Type);
    text += selection.Show == pqCNNSlicerSelection::Display::Mosaic
              ? QStringLiteral("%1 channels").arg(layer->Channels)
              : QStringLiteral("channel %1 of %2").arg(selection.Channel).arg(layer->Channels);
  }
  if (selection.Color == pqCNNSlicerSelection::Coloring::NeuronEntropy)
  {
    text += selection.ClassIndex < 0 ? QStringLiteral("\nneuron entropy over all samples")
                                     : QStringLiteral("\nneuron entropy over class %1")
                                         .arg(data.className(selection.ClassIndex));
  }
  else if (data.sampleCount() > 0)
  {
    const int sample = selection.Sample;
    text +=
      QStringLiteral("\nsample %1 (dataset image %2)").arg(sample).arg(data.datasetIndex(sample));
    text += QStringLiteral("\nlabel %1, predicted %2")
              .arg(data.className(data.label(sample)), data.className(data.prediction(sample)));
  }
  return text.toStdString();
}
}

void pqCNNSlicerPipeline::applyCaption(const pqCNNSlicerSelection& selection,
                                       const pqCNNSlicerData& data)
{
  if (!this->Caption)
  {
    return;
  }
  vtkSMProxy* caption = this->Caption->getProxy();
  const std::string text = captionText(selection, data);
  vtkSMPropertyHelper property(caption, "Text");
  if (text != (property.GetAsString() ? property.GetAsString() : ""))
  {
    property.Set(text.c_str());
    caption->UpdateVTKObjects();
    if (this->Caption->modifiedState() == pqProxy::UNMODIFIED)
    {
      this->Caption->updatePipeline();
    }
  }
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
  // What is shown: the slice's W x H plane (the whole volume's depth would leave the slice
  // small), or the mosaic's tiles as the representation draws them.
  double box[6] = {
    layer->Bounds[0], layer->Bounds[1], layer->Bounds[2], layer->Bounds[3], 0.0, 0.0
  };
  box[4] = box[5] = layer->Bounds[4] + selection.Channel;
  if (selection.Show == pqCNNSlicerSelection::Display::Mosaic)
  {
    auto* mosaic =
      vtkSMRepresentationProxy::SafeDownCast(representation(this->LayerBlock, 0, this->RenderView));
    vtkPVDataInformation* tiles = mosaic ? mosaic->GetRepresentedDataInformation() : nullptr;
    if (!tiles || tiles->GetNumberOfPoints() == 0)
    {
      this->RenderView->resetDisplay();
      return;
    }
    tiles->GetBounds(box);
  }
  // Looking straight at the image, parallel projection, scaled so that the image fills the
  // view but for the legend's strip on the right and the caption's at the top: the tiles'
  // labels then appear at once wherever the tiles are large enough for them.
  // The view's shape as it will be drawn: a view Analyze has just placed in its layout gets its
  // size when Qt lays the layout out, so that is done first.
  QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
  QSize shape(vtkSMPropertyHelper(renderView, "ViewSize").GetAsInt(0),
              vtkSMPropertyHelper(renderView, "ViewSize").GetAsInt(1));
  if (QWidget* widget = this->RenderView->widget())
  {
    if (widget->isVisible() && widget->width() > 0 && widget->height() > 0)
    {
      shape = widget->size();
    }
  }
  const double width = std::max(1, shape.width());
  const double height = std::max(1, shape.height());
  const double margin = 0.04;
  const double freeWidth = width * (1.0 - LegendStrip - margin);
  const double freeHeight = height * (1.0 - CaptionStrip - margin);
  const double boxWidth = std::max(box[1] - box[0], 1e-6);
  const double boxHeight = std::max(box[3] - box[2], 1e-6);
  const double unitsPerPixel = std::max(boxWidth / freeWidth, boxHeight / freeHeight);
  // The free area's centre, in pixels from the view's centre.
  const double shiftX = (margin * width + freeWidth) / 2.0 - width / 2.0;
  const double shiftY = (margin * height + freeHeight) / 2.0 - height / 2.0;
  const double focus[3] = { (box[0] + box[1]) / 2.0 - shiftX * unitsPerPixel,
                            (box[2] + box[3]) / 2.0 - shiftY * unitsPerPixel,
                            (box[4] + box[5]) / 2.0 };
  const double distance = 2.0 * std::max({ boxWidth, boxHeight, 1.0 });
  const double position[3] = { focus[0], focus[1], focus[2] + distance };
  const double up[3] = { 0.0, 1.0, 0.0 };
  vtkSMPropertyHelper(renderView, "CameraParallelProjection").Set(1);
  vtkSMPropertyHelper(renderView, "CameraFocalPoint").Set(focus, 3);
  vtkSMPropertyHelper(renderView, "CameraPosition").Set(position, 3);
  vtkSMPropertyHelper(renderView, "CameraViewUp").Set(up, 3);
  vtkSMPropertyHelper(renderView, "CameraParallelScale").Set(height * unitsPerPixel / 2.0);
  renderView->UpdateVTKObjects();
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
  const std::string unit = data.entropyUnit().toStdString();
  vtkSMPropertyHelper(line, "UseIndexForXAxis").Set(0);
  vtkSMPropertyHelper(line, "XArrayName").Set(names::LayerIndex);
  // H(T) and I(T;Y) always; I(T;Y) on the right axis, so that it is not squashed against the
  // larger H(T). ParaView's legend drops '|': a class line is "H(T) in class k".
  std::vector<std::string> visible{ names::Entropy, names::MutualInformation };
  std::vector<std::string> labels{
    names::Entropy, "H(T)", names::MutualInformation, "I(T;Y) (right axis)"
  };
  std::vector<std::string> colors{ names::Entropy,           "0", "0", "0",
                                   names::MutualInformation, "0", "0", "0" };
  std::vector<std::string> styles{ names::Entropy, "1", names::MutualInformation, "2" };
  if (selection.PerClassLines)
  {
    const int palette = static_cast<int>(std::size(ClassColors) / 3);
    for (int k = 0; k < data.classNames().size(); ++k)
    {
      const std::string column = names::EntropyClassPrefix + std::to_string(k);
      visible.push_back(column);
      labels.push_back(column);
      labels.push_back("H(T) in class " + data.className(k).toStdString());
      colors.push_back(column);
      for (int channel = 0; channel < 3; ++channel)
      {
        colors.push_back(ClassColors[3 * (k % palette) + channel]);
      }
    }
  }
  // SeriesVisibility holds (series, 0/1) pairs; every column of the table gets one, so that
  // only the chosen lines show. The totals are drawn thicker than the class lines.
  std::vector<std::string> visibility;
  std::vector<std::string> thickness;
  auto* table = vtkTable::SafeDownCast(pqCNNSlicerData::fetch(this->Entropy->getSourceProxy(), 2));
  for (vtkIdType column = 0; table && column < table->GetNumberOfColumns(); ++column)
  {
    const std::string series = table->GetColumnName(column) ? table->GetColumnName(column) : "";
    const bool shown = std::find(visible.begin(), visible.end(), series) != visible.end();
    const bool total = series == names::Entropy || series == names::MutualInformation;
    visibility.push_back(series);
    visibility.push_back(shown ? "1" : "0");
    thickness.push_back(series);
    thickness.push_back(total ? "3" : shown ? "2" : "1");
  }
  setStrings(line, "SeriesVisibility", visibility);
  setStrings(line, "SeriesLabel", labels);
  setStrings(line, "SeriesColor", colors);
  setStrings(line, "SeriesLineStyle", styles);
  setStrings(line, "SeriesLineThickness", thickness);
  setStrings(line, "SeriesPlotCorner", { names::MutualInformation, "1" });
  line->UpdateVTKObjects();

  vtkSMProxy* chart = this->ChartView->getProxy();
  // Layer names at the layers' integer positions instead of indices with half steps. Names
  // are long and layers many, so a module's first layer is named in full one line lower
  // ("features.0") and the layers after it by their last part (".1", ".2"); the selected layer
  // is in brackets.
  vtkAbstractArray* indices = table ? table->GetColumnByName(names::LayerIndex) : nullptr;
  vtkAbstractArray* layerNames = table ? table->GetColumnByName(names::LayerName) : nullptr;
  std::vector<std::string> ticks;
  double last = 0.0;
  QString previousModule;
  for (vtkIdType row = 0; indices && layerNames && row < table->GetNumberOfRows(); ++row)
  {
    const double position = indices->GetVariantValue(row).ToDouble();
    const QString name = QString::fromStdString(layerNames->GetVariantValue(row).ToString());
    const int dot = name.lastIndexOf(QLatin1Char('.'));
    const QString module = dot > 0 ? name.left(dot) : QString();
    QString label = name;
    if (!module.isEmpty() && module == previousModule)
    {
      label = name.mid(dot);
    }
    if (name == selection.Layer)
    {
      label = QStringLiteral("[%1]").arg(label);
    }
    if (!module.isEmpty() && module != previousModule)
    {
      label.prepend(QLatin1Char('\n'));
    }
    previousModule = module;
    ticks.push_back(QString::number(position).toStdString());
    ticks.push_back(label.toStdString());
    last = std::max(last, position);
  }
  vtkSMPropertyHelper(chart, "BottomAxisUseCustomLabels").Set(ticks.empty() ? 0 : 1);
  setStrings(chart, "BottomAxisLabels", ticks);
  vtkSMPropertyHelper(chart, "BottomAxisUseCustomRange").Set(ticks.empty() ? 0 : 1);
  vtkSMPropertyHelper(chart, "BottomAxisRangeMinimum").Set(-0.5);
  vtkSMPropertyHelper(chart, "BottomAxisRangeMaximum").Set(last + 0.5);
  vtkSMPropertyHelper(chart, "BottomAxisLabelFontSize").Set(10);
  vtkSMPropertyHelper(chart, "BottomAxisTitle")
    .Set(("layer; selected: " + selection.Layer.toStdString()).c_str());
  vtkSMPropertyHelper(chart, "LeftAxisTitle").Set(("H(T) (" + unit + ")").c_str());
  vtkSMPropertyHelper(chart, "RightAxisTitle").Set(("I(T;Y) (" + unit + ")").c_str());
  chart->UpdateVTKObjects();
}

QList<pqView*> pqCNNSlicerPipeline::applyOtherViews(const pqCNNSlicerSelection& selection,
                                                    const pqCNNSlicerData& data)
{
  // A Feature Map Mosaic or Slice of the reader or of an entropy filter made by someone else
  // (a script, a loaded state such as the quickstart's) follows the chosen layer and sample.
  QList<pqView*> changed;
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  QList<pqPipelineSource*> sources = this->EntropyFilters;
  sources.prepend(this->Reader);
  for (pqPipelineSource* source : sources)
  {
    pqOutputPort* output = source ? source->getOutputPort(0) : nullptr;
    for (pqDataRepresentation* shown :
         output ? output->getRepresentations(nullptr) : QList<pqDataRepresentation*>())
    {
      pqView* view = shown->getView();
      vtkSMProxy* proxy = shown->getProxy();
      if (!view || hasRole(view, RenderViewRole) || !shown->isVisible() ||
          !proxy->GetProperty("Representation"))
      {
        continue;
      }
      const std::string type = vtkSMPropertyHelper(proxy, "Representation").GetAsString();
      bool touched = false;
      if (type == "Feature Map Mosaic" && layer &&
          vtkSMPropertyHelper(proxy, "MosaicLayer").GetAsInt() >= 0 &&
          vtkSMPropertyHelper(proxy, "MosaicLayer").GetAsInt() != layer->Position)
      {
        // A mosaic of one layer shows the chosen one; one of every layer stays so.
        vtkSMPropertyHelper(proxy, "MosaicLayer").Set(layer->Position);
        touched = true;
      }
      vtkSMPropertyHelper colorArray(proxy, "ColorArrayName", true);
      const char* array = colorArray.GetInputArrayNameToProcess();
      vtkSMProxy* colors = vtkSMPropertyHelper(proxy, "LookupTable", true).GetAsProxy();
      if (colors && array && std::string(array) == names::Activation &&
          vtkSMPropertyHelper(colors, "VectorComponent").GetAsInt() != selection.Sample &&
          (type == "Feature Map Mosaic" || type == "Slice"))
      {
        vtkSMPVRepresentationProxy::SetScalarColoring(
          proxy, names::Activation, colorArray.GetInputArrayAssociation(), selection.Sample);
        touched = true;
      }
      if (touched)
      {
        proxy->UpdateVTKObjects();
        if (!changed.contains(view))
        {
          changed.append(view);
        }
      }
    }
  }
  return changed;
}

void pqCNNSlicerPipeline::apply(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data)
{
  this->refresh();
  const pqCNNSlicerLayer* layer = data.layer(selection.Layer);
  BEGIN_UNDO_SET(QStringLiteral("CNN Slicer selection"));
  QList<pqPipelineSource*> changed = this->EntropyFilters;
  changed << this->LayerBlock << this->ChannelSlice << this->Caption;
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
  this->applyCaption(selection, data);
  this->applyChart(selection, data);
  this->fitCamera(selection, data);
  // Rendered inside the undo set: a render updates proxies too (the scalar bar's placement),
  // and those changes would otherwise form an undo step of their own in front of this one.
  QList<pqView*> views = this->applyOtherViews(selection, data);
  views << this->RenderView.data() << this->ChartView.data() << this->SpreadsheetView.data();
  for (pqView* view : views)
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
    if (array == QLatin1String(names::Entropy))
    {
      selection.Color = pqCNNSlicerSelection::Coloring::NeuronEntropy;
    }
    else if (array == QLatin1String(names::Activation))
    {
      selection.Color = pqCNNSlicerSelection::Coloring::SampleActivation;
      if (vtkSMProxy* colors =
            vtkSMPropertyHelper(shown->getProxy(), "LookupTable", true).GetAsProxy())
      {
        selection.Sample = vtkSMPropertyHelper(colors, "VectorComponent").GetAsInt();
        // applyColorRange keeps the layer's range by turning automatic rescaling off.
        selection.FitSampleRange =
          enumerationText(colors, "AutomaticRescaleRangeMode") != QLatin1String("Never");
      }
    }
  }
  return selection;
}
