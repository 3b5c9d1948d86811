#include "vtkCNNLayerBlocks.h"

#include "vtkAlgorithm.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkPointData.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <cmath>

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
  namespace names = cnnslicer::names;
  static const char* const integers[] = {
    names::LayerIndex,   names::Channel, names::Count,   names::NonFinite,        names::Atoms,
    names::Channels,     names::Neurons, names::Samples, names::UndefinedNeurons, "vector_count",
    "vector_non_finite", "vector_atoms", "patterns",     "neurons_examined"
  };
  return std::find(std::begin(integers), std::end(integers), name) != std::end(integers);
}

void vtkCNNSetTableMetadata(vtkTable* table, const std::string& unit, const std::string& estimator)
{
  for (const auto& [key, value] : { std::make_pair(cnnslicer::names::Unit, unit),
                                    std::make_pair(cnnslicer::names::Estimator, estimator) })
  {
    vtkNew<vtkStringArray> array;
    array->SetName(key);
    array->InsertNextValue(value);
    table->GetFieldData()->AddArray(array);
  }
}

vtkDataArray* vtkCNNActivationArray(vtkDataArray* chosen,
                                    vtkInformation* selection,
                                    vtkImageData* image,
                                    int& association)
{
  const char* name = selection && selection->Has(vtkDataObject::FIELD_NAME())
                       ? selection->Get(vtkDataObject::FIELD_NAME())
                       : nullptr;
  if (chosen != nullptr || (name != nullptr && *name != '\0') || image == nullptr)
  {
    return chosen;
  }
  association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
  return image->GetPointData()->GetArray(names::Activation);
}
