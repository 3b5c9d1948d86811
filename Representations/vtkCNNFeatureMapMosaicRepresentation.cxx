#include "vtkCNNFeatureMapMosaicRepresentation.h"

#include "DataModelNames.h"

#include "vtkCNNFeatureMapMosaic.h"

#include "vtkActor2D.h"
#include "vtkAlgorithmOutput.h"
#include "vtkCamera.h"
#include "vtkDataArray.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkLabeledDataMapper.h"
#include "vtkMapper.h"
#include "vtkObjectFactory.h"
#include "vtkPVRenderView.h"
#include "vtkPVTrivialProducer.h"
#include "vtkPointData.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkRenderWindow.h"
#include "vtkRenderer.h"
#include "vtkStdString.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTextProperty.h"
#include "vtkTextRenderer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace names = cnnslicer::names;

vtkStandardNewMacro(vtkCNNFeatureMapMosaicRepresentation);

namespace
{
/// Ports of the representation's extra pieces (port 0 is the geometry).
constexpr int TileLabelPort = 1;
constexpr int LayerLabelPort = 2;
/// Pixels kept free around a label's text when deciding whether it fits.
constexpr double LabelMargin = 2.0;
/// A tile label may take at most this share of its tile's height.
constexpr double TileLabelHeightShare = 1.0 / 3.0;

/// Pixels per unit of length in the plane of the camera's focal point.
double PixelsPerUnit(vtkRenderer* renderer)
{
  double focal[3];
  renderer->GetActiveCamera()->GetFocalPoint(focal);
  auto toDisplay = [renderer](double x, double y, double z, double display[3])
  {
    renderer->SetWorldPoint(x, y, z, 1.0);
    renderer->WorldToDisplay();
    renderer->GetDisplayPoint(display);
  };
  double center[3];
  double right[3];
  double up[3];
  toDisplay(focal[0], focal[1], focal[2], center);
  toDisplay(focal[0] + 1.0, focal[1], focal[2], right);
  toDisplay(focal[0], focal[1] + 1.0, focal[2], up);
  return std::max(std::hypot(right[0] - center[0], right[1] - center[1]),
                  std::hypot(up[0] - center[0], up[1] - center[1]));
}
} // namespace

vtkCNNFeatureMapMosaicRepresentation::vtkCNNFeatureMapMosaicRepresentation()
{
  this->SetUpLabelLayer(this->TileLabels, false);
  this->SetUpLabelLayer(this->LayerLabels, true);
  this->SetLabelFontSize(14);
  this->SetLabelColor(1.0, 1.0, 1.0);
}

vtkCNNFeatureMapMosaicRepresentation::~vtkCNNFeatureMapMosaicRepresentation() = default;

void vtkCNNFeatureMapMosaicRepresentation::SetUpLabelLayer(LabelLayer& layer, bool forLayers)
{
  layer.Labels = vtkSmartPointer<vtkPolyData>::New();
  layer.Shown = layer.Labels;
  // Text grows right and up from its anchor: a tile label from the tile's lower-left
  // corner (inside the tile), a layer label from the mosaic's upper-left corner (above it).
  layer.Text->SetJustificationToLeft();
  layer.Text->SetVerticalJustificationToBottom();
  layer.Text->SetBold(forLayers);
  // A dark box behind the text keeps it readable on any colour map.
  layer.Text->SetBackgroundColor(0.0, 0.0, 0.0);
  layer.Text->SetBackgroundOpacity(0.55);
  layer.Mapper->SetInputDataObject(layer.Shown);
  layer.Mapper->SetLabelModeToLabelFieldData();
  layer.Mapper->SetFieldDataName(names::LabelText);
  layer.Mapper->SetLabelTextProperty(layer.Text);
  layer.Actor->SetMapper(layer.Mapper);
  layer.Actor->SetVisibility(false);
}

void vtkCNNFeatureMapMosaicRepresentation::SetMosaicGap(int gap)
{
  this->Mosaic->SetGap(gap);
  this->MarkModified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetMosaicColumns(int columns)
{
  this->Mosaic->SetColumns(columns);
  this->MarkModified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetMosaicLayer(int layer)
{
  this->Mosaic->SetLayer(layer);
  this->MarkModified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetTileLabelArrayName(const char* name)
{
  this->Mosaic->SetTileLabelArrayName(name);
  this->MarkModified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetTileLabelVisibility(bool visible)
{
  this->TileLabels.Visible = visible;
  this->UpdateLabelActorVisibility();
  this->Modified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetLayerLabelVisibility(bool visible)
{
  this->LayerLabels.Visible = visible;
  this->UpdateLabelActorVisibility();
  this->Modified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetLabelFontSize(int size)
{
  this->TileLabels.Text->SetFontSize(size);
  // Layer names a little larger than tile labels, so the two read as different levels.
  this->LayerLabels.Text->SetFontSize(size + size / 4 + 1);
  this->Modified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetLabelColor(double red, double green, double blue)
{
  this->TileLabels.Text->SetColor(red, green, blue);
  this->LayerLabels.Text->SetColor(red, green, blue);
  this->Modified();
}

void vtkCNNFeatureMapMosaicRepresentation::SetVisibility(bool visible)
{
  this->Superclass::SetVisibility(visible);
  this->UpdateLabelActorVisibility();
}

void vtkCNNFeatureMapMosaicRepresentation::UpdateLabelActorVisibility()
{
  for (LabelLayer* layer : { &this->TileLabels, &this->LayerLabels })
  {
    layer->Actor->SetVisibility(this->GetVisibility() && layer->Visible &&
                                layer->Shown->GetNumberOfPoints() > 0);
  }
}

vtkAlgorithmOutput* vtkCNNFeatureMapMosaicRepresentation::GetInternalOutputPort(int port,
                                                                                int connection)
{
  vtkAlgorithmOutput* input = this->Superclass::GetInternalOutputPort(port, connection);
  if (input == nullptr)
  {
    return nullptr;
  }
  this->Mosaic->SetInputConnection(input);
  return this->Mosaic->GetOutputPort(0);
}

int vtkCNNFeatureMapMosaicRepresentation::RequestData(vtkInformation* request,
                                                      vtkInformationVector** inputVector,
                                                      vtkInformationVector* outputVector)
{
  if (inputVector[0]->GetNumberOfInformationObjects() == 1)
  {
    // vtkGeometryRepresentation gives the whole extent to its input's producer, which is
    // now the mosaic filter: the volume's producer still needs it.
    vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
    vtkAlgorithmOutput* volume = this->Superclass::GetInternalOutputPort(0, 0);
    auto* producer =
      volume != nullptr ? vtkPVTrivialProducer::SafeDownCast(volume->GetProducer()) : nullptr;
    if (producer != nullptr && inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT()))
    {
      producer->SetWholeExtent(inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT()));
    }
  }
  if (!this->Superclass::RequestData(request, inputVector, outputVector))
  {
    return 0;
  }
  const bool hasInput = inputVector[0]->GetNumberOfInformationObjects() == 1;
  int port = TileLabelPort;
  for (LabelLayer* layer : { &this->TileLabels, &this->LayerLabels })
  {
    auto labels = vtkSmartPointer<vtkPolyData>::New();
    if (hasInput)
    {
      labels->ShallowCopy(this->Mosaic->GetOutputDataObject(port));
    }
    layer->Labels = labels;
    ++port;
  }
  return 1;
}

int vtkCNNFeatureMapMosaicRepresentation::ProcessViewRequest(vtkInformationRequestKey* requestType,
                                                             vtkInformation* inInfo,
                                                             vtkInformation* outInfo)
{
  if (!this->Superclass::ProcessViewRequest(requestType, inInfo, outInfo))
  {
    return 0;
  }
  if (requestType == vtkPVView::REQUEST_UPDATE())
  {
    // Labels are drawn where 2D annotations are (the client and the rendering processes),
    // from all processes' labels gathered first.
    vtkPVView::SetPiece(inInfo, this, this->TileLabels.Labels, 0, TileLabelPort);
    vtkPVView::SetPiece(inInfo, this, this->LayerLabels.Labels, 0, LayerLabelPort);
    vtkPVRenderView::SetDeliverToClientAndRenderingProcesses(
      inInfo, this, true, true, TileLabelPort);
    vtkPVRenderView::SetDeliverToClientAndRenderingProcesses(
      inInfo, this, true, true, LayerLabelPort);
  }
  else if (requestType == vtkPVView::REQUEST_RENDER())
  {
    int port = TileLabelPort;
    for (LabelLayer* layer : { &this->TileLabels, &this->LayerLabels })
    {
      auto* delivered = vtkPolyData::SafeDownCast(vtkPVView::GetDeliveredPiece(inInfo, this, port));
      if (delivered != nullptr)
      {
        layer->Labels = delivered;
      }
      ++port;
    }
    auto* view = vtkPVRenderView::SafeDownCast(inInfo->Get(vtkPVView::VIEW()));
    vtkRenderer* renderer = view != nullptr ? view->GetRenderer() : nullptr;
    this->ShowLabelsThatFit(this->TileLabels, renderer, 0.0, TileLabelHeightShare);
    // A layer name may run over the spacing after its mosaic, not into the next name.
    this->ShowLabelsThatFit(this->LayerLabels, renderer, this->Mosaic->GetLayerSpacing(), 0.0);
    this->UpdateLabelActorVisibility();
  }
  return 1;
}

void vtkCNNFeatureMapMosaicRepresentation::ShowLabelsThatFit(LabelLayer& layer,
                                                             vtkRenderer* renderer,
                                                             double extraWidth,
                                                             double heightShare)
{
  vtkPolyData* labels = layer.Labels;
  vtkPointData* pointData = labels->GetPointData();
  auto* text = vtkStringArray::SafeDownCast(pointData->GetAbstractArray(names::LabelText));
  vtkDataArray* widths = pointData->GetArray(names::TileWidth);
  vtkDataArray* heights = pointData->GetArray(names::TileHeight);
  const vtkIdType count = labels->GetNumberOfPoints();
  if (renderer == nullptr || renderer->GetRenderWindow() == nullptr || text == nullptr ||
      widths == nullptr || heights == nullptr || count == 0)
  {
    layer.Shown = labels;
    layer.ShownIds.clear();
    layer.ShownFrom = nullptr;
    layer.Mapper->SetInputDataObject(layer.Shown);
    return;
  }
  auto* shortText = vtkStringArray::SafeDownCast(pointData->GetAbstractArray(names::ShortLabel));
  if (layer.MeasuredTime < labels->GetMTime() || layer.MeasuredTime < layer.Text->GetMTime() ||
      layer.TextSize.size() != static_cast<std::size_t>(count))
  {
    vtkTextRenderer* textRenderer = vtkTextRenderer::GetInstance();
    const int dpi = renderer->GetRenderWindow()->GetDPI();
    auto measure = [&](vtkStringArray* strings, std::vector<std::array<double, 2>>& sizes)
    {
      // A text that cannot be measured never fits.
      const double unknown = std::numeric_limits<double>::infinity();
      sizes.assign(static_cast<std::size_t>(count), { unknown, unknown });
      for (vtkIdType i = 0; i < count && strings != nullptr && textRenderer != nullptr; ++i)
      {
        int box[4] = { 0, 0, 0, 0 };
        if (textRenderer->GetBoundingBox(layer.Text, strings->GetValue(i), box, dpi))
        {
          sizes[i] = { box[1] - box[0] + 1 + 2 * LabelMargin,
                       box[3] - box[2] + 1 + 2 * LabelMargin };
        }
      }
    };
    measure(text, layer.TextSize);
    measure(shortText, layer.ShortTextSize);
    layer.MeasuredTime.Modified();
  }
  const double pixels = PixelsPerUnit(renderer);
  auto fits = [&](const std::array<double, 2>& size, vtkIdType i)
  {
    return size[0] <= (widths->GetComponent(i, 0) + extraWidth) * pixels &&
           (heightShare <= 0.0 || size[1] <= heightShare * heights->GetComponent(i, 0) * pixels);
  };
  std::vector<vtkIdType> chosen;
  for (vtkIdType i = 0; i < count; ++i)
  {
    if (fits(layer.TextSize[i], i))
    {
      chosen.push_back(i);
    }
    else if (fits(layer.ShortTextSize[i], i))
    {
      chosen.push_back(-1 - i);
    }
  }
  if (chosen == layer.ShownIds && layer.ShownFrom == labels && layer.ShownTime > labels->GetMTime())
  {
    return;
  }
  auto shown = vtkSmartPointer<vtkPolyData>::New();
  vtkNew<vtkPoints> points;
  vtkNew<vtkStringArray> shownText;
  shownText->SetName(names::LabelText);
  for (const vtkIdType id : chosen)
  {
    const vtkIdType i = id >= 0 ? id : -1 - id;
    points->InsertNextPoint(labels->GetPoint(i));
    shownText->InsertNextValue(id >= 0 ? text->GetValue(i) : shortText->GetValue(i));
  }
  shown->SetPoints(points);
  shown->GetPointData()->AddArray(shownText);
  layer.Shown = shown;
  layer.ShownIds = std::move(chosen);
  layer.ShownFrom = labels;
  layer.ShownTime.Modified();
  layer.Mapper->SetInputDataObject(layer.Shown);
}

bool vtkCNNFeatureMapMosaicRepresentation::AddToView(vtkView* view)
{
  if (auto* renderView = vtkPVRenderView::SafeDownCast(view))
  {
    renderView->GetNonCompositedRenderer()->AddActor(this->TileLabels.Actor);
    renderView->GetNonCompositedRenderer()->AddActor(this->LayerLabels.Actor);
  }
  return this->Superclass::AddToView(view);
}

bool vtkCNNFeatureMapMosaicRepresentation::RemoveFromView(vtkView* view)
{
  if (auto* renderView = vtkPVRenderView::SafeDownCast(view))
  {
    renderView->GetNonCompositedRenderer()->RemoveActor(this->TileLabels.Actor);
    renderView->GetNonCompositedRenderer()->RemoveActor(this->LayerLabels.Actor);
  }
  return this->Superclass::RemoveFromView(view);
}

void vtkCNNFeatureMapMosaicRepresentation::UpdateColoringParameters()
{
  this->Superclass::UpdateColoringParameters();
  // The volume's point arrays are the mosaic's cell arrays (one quad per point).
  vtkInformation* info = this->GetInputArrayInformation(0);
  if (info != nullptr && info->Has(vtkDataObject::FIELD_ASSOCIATION()) &&
      info->Get(vtkDataObject::FIELD_ASSOCIATION()) == vtkDataObject::FIELD_ASSOCIATION_POINTS)
  {
    this->Mapper->SetScalarMode(VTK_SCALAR_MODE_USE_CELL_FIELD_DATA);
    this->LODMapper->SetScalarMode(VTK_SCALAR_MODE_USE_CELL_FIELD_DATA);
  }
}

void vtkCNNFeatureMapMosaicRepresentation::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Mosaic:\n";
  this->Mosaic->PrintSelf(os, indent.GetNextIndent());
  os << indent << "TileLabelVisibility: " << this->TileLabels.Visible << "\n";
  os << indent << "LayerLabelVisibility: " << this->LayerLabels.Visible << "\n";
}
