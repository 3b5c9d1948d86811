#include "vtkCNNLayerBlocks.h"

#include "vtkAlgorithm.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDataObjectTree.h"
#include "vtkDataObjectTreeIterator.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkPartitionedDataSet.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

std::string vtkCNNFieldString(vtkFieldData* fd, const char* name, const std::string& fallback)
{
  vtkAbstractArray* array = fd ? fd->GetAbstractArray(name) : nullptr;
  if (array == nullptr || array->GetNumberOfValues() == 0)
  {
    return fallback;
  }
  return array->GetVariantValue(0).ToString();
}

bool vtkCNNCollectLayerBlocks(vtkDataObject* data,
                              std::vector<vtkCNNLayerBlock>& blocks,
                              std::vector<std::string>& warnings)
{
  auto addBlock = [&](vtkDataObject* block, const std::string& name)
  {
    if (auto image = vtkImageData::SafeDownCast(block))
    {
      vtkCNNLayerBlock layer;
      layer.Image = image;
      layer.BlockName = name;
      vtkFieldData* fd = image->GetFieldData();
      layer.LayerName = vtkCNNFieldString(fd, "layer_name", name);
      layer.LayerType = vtkCNNFieldString(fd, "layer_type", "");
      layer.LayerIndex = std::strtod(
        vtkCNNFieldString(fd, "layer_index", std::to_string(blocks.size())).c_str(), nullptr);
      layer.OutputShape = vtkCNNFieldString(fd, "output_shape", "");
      blocks.push_back(layer);
    }
    else if (block != nullptr)
    {
      warnings.push_back("Skipping block '" + name + "': it is a " + block->GetClassName() +
                         ", not an activation volume (vtkImageData).");
    }
  };
  if (vtkImageData::SafeDownCast(data) != nullptr)
  {
    addBlock(data, "image");
  }
  else if (auto collection = vtkPartitionedDataSetCollection::SafeDownCast(data))
  {
    for (unsigned int i = 0; i < collection->GetNumberOfPartitionedDataSets(); ++i)
    {
      std::string name = "block " + std::to_string(i);
      if (collection->HasMetaData(i) &&
          collection->GetMetaData(i)->Has(vtkCompositeDataSet::NAME()))
      {
        name = collection->GetMetaData(i)->Get(vtkCompositeDataSet::NAME());
      }
      vtkPartitionedDataSet* layer = collection->GetPartitionedDataSet(i);
      for (unsigned int j = 0; layer != nullptr && j < layer->GetNumberOfPartitions(); ++j)
      {
        addBlock(layer->GetPartitionAsDataObject(j), name);
      }
    }
  }
  else if (auto tree = vtkDataObjectTree::SafeDownCast(data))
  {
    vtkSmartPointer<vtkDataObjectTreeIterator> it = vtk::TakeSmartPointer(tree->NewTreeIterator());
    it->VisitOnlyLeavesOn();
    it->SkipEmptyNodesOn();
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
    {
      std::string name = "block " + std::to_string(it->GetCurrentFlatIndex());
      if (it->HasCurrentMetaData() && it->GetCurrentMetaData()->Has(vtkCompositeDataSet::NAME()))
      {
        name = it->GetCurrentMetaData()->Get(vtkCompositeDataSet::NAME());
      }
      addBlock(it->GetCurrentDataObject(), name);
    }
  }
  else
  {
    return false;
  }
  return true;
}

std::string vtkCNNPrepareLayerInput(const vtkCNNLayerBlock& block,
                                    vtkDataArray* activations,
                                    vtkDataObject* input,
                                    const vtkCNNLayerInputRequest& request,
                                    vtkCNNLayerInput& layer,
                                    vtkSmartPointer<vtkFloatArray>& converted,
                                    vtkDataArray*& labels)
{
  layer.Threads = request.Threads;
  int dims[3];
  block.Image->GetDimensions(dims);
  const auto samples = static_cast<std::size_t>(activations->GetNumberOfComponents());
  const auto points = static_cast<std::size_t>(activations->GetNumberOfTuples());
  const auto slices = static_cast<std::size_t>(std::max(dims[2], 1));
  if (auto doubles = vtkDoubleArray::FastDownCast(activations))
  {
    layer.IsDouble = true;
    layer.DoubleLayout = { doubles->GetPointer(0), points, samples, slices };
  }
  else
  {
    auto floats = vtkFloatArray::FastDownCast(activations);
    if (floats == nullptr)
    {
      converted = vtkSmartPointer<vtkFloatArray>::New();
      converted->DeepCopy(activations);
      floats = converted;
    }
    layer.FloatLayout = { floats->GetPointer(0), points, samples, slices };
  }

  // Labels: the block's field data first, then the whole input's.
  const char* labelName = request.LabelArrayName.c_str();
  labels = vtkArrayDownCast<vtkDataArray>(block.Image->GetFieldData()->GetAbstractArray(labelName));
  if (labels == nullptr && input->GetFieldData() != nullptr)
  {
    labels = vtkArrayDownCast<vtkDataArray>(input->GetFieldData()->GetAbstractArray(labelName));
  }
  if (labels != nullptr && static_cast<std::size_t>(labels->GetNumberOfValues()) != samples)
  {
    return "Label array '" + request.LabelArrayName + "' has " +
           std::to_string(labels->GetNumberOfValues()) + " entries but '" + activations->GetName() +
           "' of layer '" + block.LayerName + "' has " + std::to_string(samples) +
           " components (samples); they must match one to one.";
  }
  if (labels == nullptr && !request.SelectedClasses.empty())
  {
    return "A class selection needs labels, but there is no field-data array '" +
           request.LabelArrayName + "'; set the label array name or clear the class selection.";
  }
  if (labels != nullptr)
  {
    std::vector<std::int64_t> values(samples);
    for (std::size_t n = 0; n < samples; ++n)
    {
      values[n] = static_cast<std::int64_t>(labels->GetComponent(static_cast<vtkIdType>(n), 0));
    }
    layer.Grouping = cnnslicer::SampleGrouping::fromLabels(
      values,
      std::vector<std::int64_t>(request.SelectedClasses.begin(), request.SelectedClasses.end()));
  }
  else
  {
    layer.Grouping = cnnslicer::SampleGrouping::all(samples);
  }
  return std::string();
}

cnnslicer::Progress vtkCNNProgressShare::Sink()
{
  cnnslicer::Progress progress;
  progress.ClientData = this;
  progress.Callback = [](double fraction, void* data)
  {
    auto share = static_cast<vtkCNNProgressShare*>(data);
    share->Algorithm->UpdateProgress(share->Begin + (share->End - share->Begin) * fraction);
    share->Aborted = share->Algorithm->CheckAbort();
    return !share->Aborted;
  };
  return progress;
}

void vtkCNNTableBuilder::Set(const std::string& name, double value)
{
  if (!this->Numbers.count(name) && !this->Texts.count(name))
  {
    this->Order.push_back(name);
  }
  auto& column = this->Numbers[name];
  column.resize(this->Rows, std::nan(""));
  column.back() = value;
}

void vtkCNNTableBuilder::SetText(const std::string& name, const std::string& value)
{
  if (!this->Numbers.count(name) && !this->Texts.count(name))
  {
    this->Order.push_back(name);
  }
  auto& column = this->Texts[name];
  column.resize(this->Rows);
  column.back() = value;
}

void vtkCNNTableBuilder::Build(vtkTable* table)
{
  for (const auto& name : this->Order)
  {
    if (this->Texts.count(name))
    {
      auto& values = this->Texts[name];
      values.resize(this->Rows);
      vtkNew<vtkStringArray> array;
      array->SetName(name.c_str());
      array->SetNumberOfValues(static_cast<vtkIdType>(this->Rows));
      for (std::size_t r = 0; r < this->Rows; ++r)
      {
        array->SetValue(static_cast<vtkIdType>(r), values[r]);
      }
      table->AddColumn(array);
      continue;
    }
    auto& values = this->Numbers[name];
    values.resize(this->Rows, std::nan(""));
    vtkSmartPointer<vtkDataArray> array;
    if (IsCountColumn(name))
    {
      array = vtkSmartPointer<vtkIdTypeArray>::New();
    }
    else
    {
      array = vtkSmartPointer<vtkDoubleArray>::New();
    }
    array->SetName(name.c_str());
    array->SetNumberOfTuples(static_cast<vtkIdType>(this->Rows));
    for (std::size_t r = 0; r < this->Rows; ++r)
    {
      array->SetTuple1(static_cast<vtkIdType>(r), values[r]);
    }
    table->AddColumn(array);
  }
}

bool vtkCNNTableBuilder::IsCountColumn(const std::string& name)
{
  static const char* const integers[] = {
    "layer_index",       "channel",      "count",    "non_finite",        "atoms",
    "channels",          "neurons",      "samples",  "undefined_neurons", "vector_count",
    "vector_non_finite", "vector_atoms", "patterns", "neurons_examined"
  };
  return std::find(std::begin(integers), std::end(integers), name) != std::end(integers);
}

void vtkCNNSetTableMetadata(vtkTable* table, const std::string& unit, const std::string& estimator)
{
  for (const auto& [key, value] :
       { std::make_pair("unit", unit), std::make_pair("estimator", estimator) })
  {
    vtkNew<vtkStringArray> array;
    array->SetName(key);
    array->InsertNextValue(value);
    table->GetFieldData()->AddArray(array);
  }
}
