#include "vtkCNNFeatureMapMosaic.h"

#include "DataModelNames.h"

#include "MosaicLayout.h"

#include "vtkCNNLayerCollection.h"
#include "vtkCellArray.h"
#include "vtkCellData.h"
#include "vtkCommunicator.h"
#include "vtkDataObjectTree.h"
#include "vtkDataObjectTreeIterator.h"
#include "vtkDataSetAttributes.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkMultiProcessController.h"
#include "vtkObjectFactory.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkPointData.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

namespace names = cnnslicer::names;

vtkStandardNewMacro(vtkCNNFeatureMapMosaic);

namespace
{

/// Three significant digits: enough to compare channels, short enough to fit a tile.
std::string FormatValue(double value)
{
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", value);
  return text;
}

/// One layer of the input, and where its mosaic goes in the output.
struct LayerSlot
{
  /// The layer's volume on this process; null where another process holds it.
  vtkImageData* Image = nullptr;
  /// Partitioned dataset and partition of the image (collections only).
  unsigned int Block = 0;
  unsigned int Partition = 0;
  /// Width, height and channels, known on every process (0 when no process has an image).
  std::array<int, 3> Dimensions{ { 0, 0, 0 } };
};

/**
 * The layers of the input, one slot per layer the mosaic can show (the Layer property counts
 * them): a vtkPartitionedDataSetCollection (the reader's output) has one slot per partitioned
 * dataset, on every process, also where another process holds the image (the reader gives each
 * process whole layers), with the first volume vtkCNNLayerCollection finds in it; any other
 * input has one slot per volume vtkCNNLayerCollection finds.
 */
std::vector<LayerSlot> CollectLayers(vtkDataObject* input, bool& hasOtherLeaves)
{
  std::vector<vtkCNNLayerBlock> volumes;
  std::vector<std::string> skipped;
  hasOtherLeaves = !vtkCNNLayerCollection::Collect(input, volumes, skipped) && input != nullptr;
  hasOtherLeaves = hasOtherLeaves || !skipped.empty();
  auto* collection = vtkPartitionedDataSetCollection::SafeDownCast(input);
  std::vector<LayerSlot> layers(collection ? collection->GetNumberOfPartitionedDataSets() : 0);
  for (const vtkCNNLayerBlock& volume : volumes)
  {
    if (collection != nullptr && layers[volume.Block].Image != nullptr)
    {
      continue; // a later partition of a layer already shown
    }
    LayerSlot slot;
    slot.Image = volume.Image;
    slot.Block = volume.Block;
    slot.Partition = volume.Partition;
    volume.Image->GetDimensions(slot.Dimensions.data());
    if (collection != nullptr)
    {
      layers[volume.Block] = slot;
    }
    else
    {
      layers.push_back(slot);
    }
  }
  return layers;
}

/**
 * In a parallel run, gives every process the sizes of every layer (the largest reported,
 * i.e. the owner's) and whether any process found leaves that are not images, so that all
 * processes lay the layers out alike. Every process must call it (a collective AllReduce).
 */
void ShareLayerSizes(std::vector<LayerSlot>& layers, bool& hasOtherLeaves)
{
  vtkMultiProcessController* controller = vtkMultiProcessController::GetGlobalController();
  if (controller == nullptr || controller->GetNumberOfProcesses() < 2)
  {
    return;
  }
  std::vector<int> local(3 * layers.size() + 1, 0);
  for (std::size_t k = 0; k < layers.size(); ++k)
  {
    std::copy(layers[k].Dimensions.begin(), layers[k].Dimensions.end(), local.begin() + 3 * k);
  }
  local.back() = hasOtherLeaves ? 1 : 0;
  std::vector<int> global(local.size(), 0);
  controller->AllReduce(
    local.data(), global.data(), static_cast<vtkIdType>(local.size()), vtkCommunicator::MAX_OP);
  for (std::size_t k = 0; k < layers.size(); ++k)
  {
    std::copy(global.begin() + 3 * k, global.begin() + 3 * k + 3, layers[k].Dimensions.begin());
  }
  hasOtherLeaves = global.back() != 0;
}

cnnslicer::MosaicLayout MakeLayout(const std::array<int, 3>& dimensions, int gap, int columns)
{
  const auto width = static_cast<std::size_t>(dimensions[0]);
  const auto height = static_cast<std::size_t>(dimensions[1]);
  const auto channels = static_cast<std::size_t>(dimensions[2]);
  return cnnslicer::MosaicLayout(channels,
                                 height,
                                 width,
                                 gap < 0 ? cnnslicer::MosaicLayout::automaticGap(height, width)
                                         : static_cast<std::size_t>(gap),
                                 static_cast<std::size_t>(columns));
}

/**
 * The mosaic of one volume: quad (c, y, x) is cell (c * H + y) * W + x, the same index as
 * the volume's point (x, y, c), so point arrays become cell arrays as they are.
 */
vtkSmartPointer<vtkPolyData> BuildMosaic(vtkImageData* image,
                                         const cnnslicer::MosaicLayout& layout,
                                         const cnnslicer::PlanePoint& corner)
{
  const auto width = static_cast<vtkIdType>(layout.width());
  const auto height = static_cast<vtkIdType>(layout.height());
  const auto channels = static_cast<vtkIdType>(layout.channels());
  const vtkIdType pointsPerTile = (width + 1) * (height + 1);
  const vtkIdType cells = channels * height * width;

  vtkNew<vtkFloatArray> coordinates;
  coordinates->SetNumberOfComponents(3);
  coordinates->SetNumberOfTuples(channels * pointsPerTile);
  float* xyz = coordinates->GetPointer(0);
  vtkNew<vtkDoubleArray> tileOrigins;
  tileOrigins->SetName(names::MosaicTileOrigin);
  tileOrigins->SetNumberOfComponents(2);
  tileOrigins->SetNumberOfTuples(channels);
  for (vtkIdType c = 0; c < channels; ++c)
  {
    const auto origin = layout.tileOrigin(static_cast<std::size_t>(c));
    const double x0 = corner.X + origin.X;
    const double y0 = corner.Y + origin.Y;
    tileOrigins->SetTuple2(c, x0, y0);
    for (vtkIdType y = 0; y <= height; ++y)
    {
      for (vtkIdType x = 0; x <= width; ++x)
      {
        *xyz++ = static_cast<float>(x0 + static_cast<double>(x));
        *xyz++ = static_cast<float>(y0 + static_cast<double>(y));
        *xyz++ = 0.0f;
      }
    }
  }
  vtkNew<vtkPoints> points;
  points->SetData(coordinates);

  vtkNew<vtkIdTypeArray> offsets;
  offsets->SetNumberOfValues(cells + 1);
  vtkNew<vtkIdTypeArray> connectivity;
  connectivity->SetNumberOfValues(4 * cells);
  vtkIdType* corners = connectivity->GetPointer(0);
  vtkNew<vtkIntArray> channelOfCell;
  channelOfCell->SetName(names::Channel);
  channelOfCell->SetNumberOfValues(cells);
  vtkIdType cell = 0;
  for (vtkIdType c = 0; c < channels; ++c)
  {
    for (vtkIdType y = 0; y < height; ++y)
    {
      for (vtkIdType x = 0; x < width; ++x, ++cell)
      {
        // Counter-clockwise seen from +Z, so the quads face the default camera.
        const vtkIdType lowerLeft = c * pointsPerTile + y * (width + 1) + x;
        corners[0] = lowerLeft;
        corners[1] = lowerLeft + 1;
        corners[2] = lowerLeft + width + 2;
        corners[3] = lowerLeft + width + 1;
        corners += 4;
        offsets->SetValue(cell, 4 * cell);
        channelOfCell->SetValue(cell, static_cast<int>(c));
      }
    }
  }
  offsets->SetValue(cells, 4 * cells);
  vtkNew<vtkCellArray> quads;
  quads->SetData(offsets, connectivity);

  auto mosaic = vtkSmartPointer<vtkPolyData>::New();
  mosaic->SetPoints(points);
  mosaic->SetPolys(quads);

  // The volume's point arrays, shared (same objects, same range caches). A point ghost
  // array would mean something else on cells, so it stays behind.
  vtkPointData* pointData = image->GetPointData();
  vtkCellData* cellData = mosaic->GetCellData();
  for (int a = 0; a < pointData->GetNumberOfArrays(); ++a)
  {
    vtkAbstractArray* array = pointData->GetAbstractArray(a);
    if (array == nullptr || array->GetName() == nullptr ||
        std::strcmp(array->GetName(), vtkDataSetAttributes::GhostArrayName()) == 0 ||
        array->GetNumberOfTuples() != cells)
    {
      continue;
    }
    cellData->AddArray(array);
  }
  if (vtkDataArray* scalars = pointData->GetScalars())
  {
    cellData->SetActiveScalars(scalars->GetName());
  }
  cellData->AddArray(channelOfCell);

  vtkFieldData* fieldData = mosaic->GetFieldData();
  fieldData->PassData(image->GetFieldData());
  auto addInt = [fieldData](const char* name, std::size_t value)
  {
    vtkNew<vtkIntArray> array;
    array->SetName(name);
    array->InsertNextValue(static_cast<int>(value));
    fieldData->AddArray(array);
  };
  addInt(names::MosaicColumns, layout.columns());
  addInt(names::MosaicRows, layout.rows());
  addInt(names::MosaicGap, layout.gap());
  fieldData->AddArray(tileOrigins);
  return mosaic;
}

/// Per-channel values for the tile labels, or an empty vector when the layer has none.
std::vector<double> ChannelValues(vtkImageData* image,
                                  const std::string& arrayName,
                                  const cnnslicer::MosaicLayout& layout)
{
  std::vector<double> values;
  if (arrayName.empty())
  {
    return values;
  }
  const std::size_t channels = layout.channels();
  const std::string channelName = names::ChannelFieldPrefix + arrayName;
  auto* perChannel =
    vtkDataArray::SafeDownCast(image->GetFieldData()->GetAbstractArray(channelName.c_str()));
  if (perChannel != nullptr && perChannel->GetNumberOfTuples() == static_cast<vtkIdType>(channels))
  {
    for (std::size_t c = 0; c < channels; ++c)
    {
      values.push_back(perChannel->GetComponent(static_cast<vtkIdType>(c), 0));
    }
    return values;
  }
  vtkDataArray* perNeuron = image->GetPointData()->GetArray(arrayName.c_str());
  if (perNeuron == nullptr || perNeuron->GetNumberOfComponents() != 1)
  {
    return values;
  }
  const std::size_t pixels = layout.width() * layout.height();
  for (std::size_t c = 0; c < channels; ++c)
  {
    const auto first = static_cast<vtkIdType>(c * pixels);
    if (auto* floats = vtkFloatArray::FastDownCast(perNeuron))
    {
      values.push_back(cnnslicer::finiteMean(floats->GetPointer(first), pixels));
    }
    else if (auto* doubles = vtkDoubleArray::FastDownCast(perNeuron))
    {
      values.push_back(cnnslicer::finiteMean(doubles->GetPointer(first), pixels));
    }
    else
    {
      std::vector<double> tile(pixels);
      for (std::size_t p = 0; p < pixels; ++p)
      {
        tile[p] = perNeuron->GetComponent(first + static_cast<vtkIdType>(p), 0);
      }
      values.push_back(cnnslicer::finiteMean(tile.data(), pixels));
    }
  }
  return values;
}

/// Label points: position, text and the numbers behind the text.
struct LabelSet
{
  vtkNew<vtkPoints> Points;
  vtkNew<vtkStringArray> Text;
  vtkNew<vtkStringArray> ShortText;
  vtkNew<vtkIntArray> Layer;
  vtkNew<vtkIntArray> Channel;
  vtkNew<vtkDoubleArray> Value;
  vtkNew<vtkDoubleArray> Width;
  vtkNew<vtkDoubleArray> Height;

  LabelSet()
  {
    this->Text->SetName(names::LabelText);
    this->ShortText->SetName(names::ShortLabel);
    this->Layer->SetName(names::LabelLayer);
    this->Channel->SetName(names::Channel);
    this->Value->SetName(names::LabelValue);
    this->Width->SetName(names::TileWidth);
    this->Height->SetName(names::TileHeight);
  }

  /// A label at (x, y) for a box of @p width x @p height pixels (a tile, or a mosaic),
  /// with a shorter text for when the full one does not fit.
  void Add(double x,
           double y,
           double width,
           double height,
           const std::string& text,
           const std::string& shortText,
           int layer,
           int channel,
           double value)
  {
    this->Points->InsertNextPoint(x, y, 0.0);
    this->Text->InsertNextValue(text);
    this->ShortText->InsertNextValue(shortText);
    this->Layer->InsertNextValue(layer);
    this->Channel->InsertNextValue(channel);
    this->Value->InsertNextValue(value);
    this->Width->InsertNextValue(width);
    this->Height->InsertNextValue(height);
  }

  void Fill(vtkPolyData* output)
  {
    output->SetPoints(this->Points);
    // One vertex per label, so that the points also show and count as cells.
    vtkNew<vtkCellArray> vertices;
    for (vtkIdType i = 0; i < this->Points->GetNumberOfPoints(); ++i)
    {
      vertices->InsertNextCell(1, &i);
    }
    output->SetVerts(vertices);
    vtkPointData* pointData = output->GetPointData();
    pointData->AddArray(this->Text);
    pointData->AddArray(this->ShortText);
    pointData->AddArray(this->Layer);
    pointData->AddArray(this->Channel);
    pointData->AddArray(this->Value);
    pointData->AddArray(this->Width);
    pointData->AddArray(this->Height);
  }
};

} // namespace

vtkCNNFeatureMapMosaic::vtkCNNFeatureMapMosaic()
{
  this->SetNumberOfOutputPorts(3);
}

vtkCNNFeatureMapMosaic::~vtkCNNFeatureMapMosaic() = default;

int vtkCNNFeatureMapMosaic::FillInputPortInformation(int, vtkInformation* info)
{
  // Anything is accepted here so that a wrong input gets this filter's own one-line error
  // rather than the pipeline's type mismatch (the representation is offered for any data).
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObject");
  return 1;
}

int vtkCNNFeatureMapMosaic::FillOutputPortInformation(int port, vtkInformation* info)
{
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkPolyData");
  return 1;
}

int vtkCNNFeatureMapMosaic::RequestDataObject(vtkInformation*,
                                              vtkInformationVector** inputVector,
                                              vtkInformationVector* outputVector)
{
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  if (input == nullptr)
  {
    return 0;
  }
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkDataObject* output = outInfo->Get(vtkDataObject::DATA_OBJECT());
  if (vtkDataObjectTree::SafeDownCast(input) != nullptr)
  {
    if (output == nullptr || !output->IsA(input->GetClassName()))
    {
      outInfo->Set(vtkDataObject::DATA_OBJECT(), vtk::TakeSmartPointer(input->NewInstance()));
    }
  }
  else if (vtkPolyData::SafeDownCast(output) == nullptr)
  {
    outInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkPolyData>::New());
  }
  return 1;
}

int vtkCNNFeatureMapMosaic::RequestData(vtkInformation*,
                                        vtkInformationVector** inputVector,
                                        vtkInformationVector* outputVector)
{
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  vtkPolyData* tileLabelOutput = vtkPolyData::GetData(outputVector, 1);
  vtkPolyData* layerLabelOutput = vtkPolyData::GetData(outputVector, 2);

  bool hasOtherLeaves = false;
  std::vector<LayerSlot> layers = CollectLayers(input, hasOtherLeaves);
  if (vtkPartitionedDataSetCollection::SafeDownCast(input) != nullptr)
  {
    ShareLayerSizes(layers, hasOtherLeaves);
  }
  const bool anyImage = std::any_of(
    layers.begin(), layers.end(), [](const LayerSlot& layer) { return layer.Dimensions[2] > 0; });
  if (!anyImage)
  {
    if (hasOtherLeaves)
    {
      vtkErrorMacro(<< "The Feature Map Mosaic shows activation volumes (vtkImageData, as the "
                       "CNN Activations Reader and the CNN entropy filters make); this input is a "
                    << input->GetClassName() << " without one.");
      return 0;
    }
    return 1; // an empty collection, e.g. before the reader has run
  }
  const auto count = static_cast<int>(layers.size());
  if (this->Layer >= count)
  {
    vtkErrorMacro(<< "Layer " << this->Layer << " does not exist: the input has " << count
                  << " layers (0 to " << count - 1 << "); set Layer to -1 to show all.");
    return 0;
  }

  try
  {
    // Laid out from every process's sizes, so the mosaics of a parallel run sit where a
    // serial run puts them; each process builds those of the layers it holds.
    std::vector<int> shown;
    std::vector<cnnslicer::MosaicLayout> layouts;
    for (int k = 0; k < count; ++k)
    {
      const auto& dimensions = layers[k].Dimensions;
      const bool hasVolume = dimensions[0] > 0 && dimensions[1] > 0 && dimensions[2] > 0;
      if (hasVolume && (this->Layer < 0 || this->Layer == k))
      {
        shown.push_back(k);
        layouts.push_back(MakeLayout(dimensions, this->Gap, this->Columns));
      }
    }
    const auto corners = cnnslicer::arrangeSideBySide(layouts, this->LayerSpacing);

    std::vector<vtkSmartPointer<vtkPolyData>> mosaics(layers.size());
    LabelSet tileLabels;
    LabelSet layerLabels;
    for (std::size_t s = 0; s < shown.size(); ++s)
    {
      const int k = shown[s];
      vtkImageData* image = layers[k].Image;
      if (image == nullptr)
      {
        continue;
      }
      const auto& layout = layouts[s];
      mosaics[k] = BuildMosaic(image, layout, corners[s]);

      const auto values = ChannelValues(image, this->TileLabelArrayName, layout);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const auto channels = static_cast<int>(layout.channels());
      for (int c = 0; c < channels; ++c)
      {
        const auto origin = layout.tileOrigin(static_cast<std::size_t>(c));
        const double value = values.empty() ? nan : values[c];
        const std::string index = std::to_string(c);
        tileLabels.Add(corners[s].X + origin.X,
                       corners[s].Y + origin.Y,
                       static_cast<double>(layout.width()),
                       static_cast<double>(layout.height()),
                       std::isfinite(value) ? index + ": " + FormatValue(value) : index,
                       index,
                       k,
                       c,
                       value);
      }

      vtkFieldData* fieldData = image->GetFieldData();
      const std::string layerName = vtkCNNLayerCollection::FieldString(fieldData, names::LayerName);
      const std::string name = layerName.empty() ? "layer " + std::to_string(k) : layerName;
      std::string title = name;
      for (const char* extra : { names::LayerType, names::OutputShape })
      {
        const std::string part = vtkCNNLayerCollection::FieldString(fieldData, extra);
        if (!part.empty())
        {
          title += "  " + part;
        }
      }
      layerLabels.Add(corners[s].X,
                      corners[s].Y + layout.mosaicHeight(),
                      layout.mosaicWidth(),
                      layout.mosaicHeight(),
                      title,
                      name,
                      k,
                      -1,
                      nan);

      this->UpdateProgress(static_cast<double>(s + 1) / static_cast<double>(shown.size()));
      if (this->CheckAbort())
      {
        return 0;
      }
    }
    tileLabels.Fill(tileLabelOutput);
    layerLabels.Fill(layerLabelOutput);

    if (auto* collection = vtkPartitionedDataSetCollection::SafeDownCast(input))
    {
      auto* outputCollection = vtkPartitionedDataSetCollection::SafeDownCast(output);
      outputCollection->CopyStructure(collection);
      outputCollection->SetDataAssembly(collection->GetDataAssembly());
      outputCollection->GetFieldData()->PassData(collection->GetFieldData());
      for (std::size_t k = 0; k < layers.size(); ++k)
      {
        if (mosaics[k] != nullptr)
        {
          outputCollection->SetPartition(layers[k].Block, layers[k].Partition, mosaics[k]);
        }
      }
    }
    else if (auto* tree = vtkDataObjectTree::SafeDownCast(input))
    {
      auto* outputTree = vtkDataObjectTree::SafeDownCast(output);
      outputTree->CopyStructure(tree);
      outputTree->GetFieldData()->PassData(tree->GetFieldData());
      vtkSmartPointer<vtkDataObjectTreeIterator> it =
        vtk::TakeSmartPointer(tree->NewTreeIterator());
      it->VisitOnlyLeavesOn();
      it->SkipEmptyNodesOn();
      std::size_t k = 0;
      for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      {
        if (vtkImageData::SafeDownCast(it->GetCurrentDataObject()) != nullptr)
        {
          if (mosaics[k] != nullptr)
          {
            outputTree->SetDataSet(it, mosaics[k]);
          }
          ++k;
        }
      }
    }
    else
    {
      output->ShallowCopy(mosaics[0]);
    }
  }
  catch (const std::exception& e)
  {
    vtkErrorMacro(<< "Feature Map Mosaic: " << e.what());
    return 0;
  }
  return 1;
}

void vtkCNNFeatureMapMosaic::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Gap: " << this->Gap << "\n";
  os << indent << "Columns: " << this->Columns << "\n";
  os << indent << "Layer: " << this->Layer << "\n";
  os << indent << "LayerSpacing: " << this->LayerSpacing << "\n";
  os << indent << "TileLabelArrayName: " << this->TileLabelArrayName << "\n";
}
