#include "vtkCNNFeatureMapMosaicRepresentation.h"

#include "vtkCNNFeatureMapMosaic.h"

#include "vtkActor2D.h"
#include "vtkAlgorithmOutput.h"
#include "vtkCamera.h"
#include "vtkDataArray.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkLabelPlacementMapper.h"
#include "vtkLabelRenderStrategy.h"
#include "vtkMapper.h"
#include "vtkObjectFactory.h"
#include "vtkPVRenderView.h"
#include "vtkPVTrivialProducer.h"
#include "vtkPointData.h"
#include "vtkPointSetToLabelHierarchy.h"
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

vtkStandardNewMacro(vtkCNNFeatureMapMosaicRepresentation);

namespace
{
/// Ports of the representation's extra pieces (port 0 is the geometry).
constexpr int TileLabelPort = 1;
constexpr int LayerLabelPort = 2;
/// Pixels between a label's text and the edge of its box (vtkLabelPlacementMapper margin).
constexpr double LabelMargin = 2.0;

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
  layer.Hierarchy->SetInputDataObject(layer.Shown);
  layer.Hierarchy->SetLabelArrayName("label");
  layer.Hierarchy->SetPriorityArrayName("priority");
  layer.Hierarchy->SetTextProperty(layer.Text);
  // Text grows right and up from its anchor: a tile label from the tile's lower-left
  // corner (inside the tile), a layer label from the mosaic's upper-left corner (above it).
  // vtkLabelPlacementMapper draws the box of a top-justified label one text height below
  // its text, so only bottom justification is used.
  layer.Text->SetJustificationToLeft();
  layer.Text->SetVerticalJustificationToBottom();
  layer.Text->SetBold(forLayers);
  layer.Mapper->SetInputConnection(layer.Hierarchy->GetOutputPort());
  layer.Mapper->GetRenderStrategy()->SetDefaultTextProperty(layer.Text);
  // A dark box behind the text keeps it readable on any colour map.
  layer.Mapper->SetShapeToRect();
  layer.Mapper->SetStyleToFilled();
  layer.Mapper->SetBackgroundColor(0.0, 0.0, 0.0);
  layer.Mapper->SetBackgroundOpacity(0.55);
  layer.Mapper->SetMargin(LabelMargin);
  // Labels may cover the whole view; overlapping ones are still left out.
  layer.Mapper->SetMaximumLabelFraction(1.0);
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
    this->ShowLabelsThatFit(this->TileLabels, view != nullptr ? view->GetRenderer() : nullptr);
    this->LayerLabels.Shown = this->LayerLabels.Labels;
    this->LayerLabels.Hierarchy->SetInputDataObject(this->LayerLabels.Shown);
    this->UpdateLabelActorVisibility();
  }
  return 1;
}

void vtkCNNFeatureMapMosaicRepresentation::ShowLabelsThatFit(LabelLayer& layer,
                                                             vtkRenderer* renderer)
{
  vtkPolyData* labels = layer.Labels;
  vtkPointData* pointData = labels->GetPointData();
  auto* text = vtkStringArray::SafeDownCast(pointData->GetAbstractArray("label"));
  vtkDataArray* widths = pointData->GetArray("tile_width");
  vtkDataArray* heights = pointData->GetArray("tile_height");
  const vtkIdType count = labels->GetNumberOfPoints();
  if (renderer == nullptr || renderer->GetRenderWindow() == nullptr || text == nullptr ||
      widths == nullptr || heights == nullptr || count == 0)
  {
    layer.Shown = labels;
    layer.ShownIds.clear();
    layer.ShownFrom = nullptr;
    layer.Hierarchy->SetInputDataObject(layer.Shown);
    return;
  }
  if (layer.MeasuredTime < labels->GetMTime() || layer.MeasuredTime < layer.Text->GetMTime() ||
      layer.TextSize.size() != static_cast<std::size_t>(count))
  {
    vtkTextRenderer* textRenderer = vtkTextRenderer::GetInstance();
    const int dpi = renderer->GetRenderWindow()->GetDPI();
    layer.TextSize.assign(static_cast<std::size_t>(count), { 0.0, 0.0 });
    for (vtkIdType i = 0; i < count && textRenderer != nullptr; ++i)
    {
      int box[4] = { 0, 0, 0, 0 };
      if (textRenderer->GetBoundingBox(layer.Text, text->GetValue(i), box, dpi))
      {
        layer.TextSize[i] = { box[1] - box[0] + 1 + 2 * LabelMargin,
                              box[3] - box[2] + 1 + 2 * LabelMargin };
      }
    }
    layer.MeasuredTime.Modified();
  }
  // A label needs its tile to be as wide as the text and three times as high, so that the
  // box never covers more than the bottom third of the feature map.
  const double pixels = PixelsPerUnit(renderer);
  std::vector<vtkIdType> fitting;
  for (vtkIdType i = 0; i < count; ++i)
  {
    if (layer.TextSize[i][0] <= widths->GetComponent(i, 0) * pixels &&
        3.0 * layer.TextSize[i][1] <= heights->GetComponent(i, 0) * pixels)
    {
      fitting.push_back(i);
    }
  }
  if (fitting == layer.ShownIds && layer.ShownFrom == labels &&
      layer.ShownTime > labels->GetMTime())
  {
    return;
  }
  auto shown = vtkSmartPointer<vtkPolyData>::New();
  vtkNew<vtkPoints> points;
  points->SetNumberOfPoints(static_cast<vtkIdType>(fitting.size()));
  shown->GetPointData()->CopyAllocate(pointData, static_cast<vtkIdType>(fitting.size()));
  for (std::size_t j = 0; j < fitting.size(); ++j)
  {
    points->SetPoint(static_cast<vtkIdType>(j), labels->GetPoint(fitting[j]));
    shown->GetPointData()->CopyData(pointData, fitting[j], static_cast<vtkIdType>(j));
  }
  shown->SetPoints(points);
  layer.Shown = shown;
  layer.ShownIds = std::move(fitting);
  layer.ShownFrom = labels;
  layer.ShownTime.Modified();
  layer.Hierarchy->SetInputDataObject(layer.Shown);
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
