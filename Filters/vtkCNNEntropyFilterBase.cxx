#include "vtkCNNEntropyFilterBase.h"

#include "vtkCNNEntropyFilterInternals.h"
#include "vtkCNNLayerBlocks.h"
#include "vtkCNNParallelTables.h"

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
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPartitionedDataSet.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <sstream>

namespace
{

/// Writes entry @p i of every array of @p scope into the current row, names prefixed.
void AddScopeColumns(vtkCNNTableBuilder& table,
                     const cnnslicer::ScopeEntropy& scope,
                     std::size_t i,
                     const std::vector<std::int64_t>& classLabels,
                     const std::string& prefix)
{
  table.Set(prefix + names::Entropy, scope.Entropy[i]);
  if (!scope.ConditionalEntropy.empty())
  {
    table.Set(prefix + names::ConditionalEntropy, scope.ConditionalEntropy[i]);
    table.Set(prefix + names::MutualInformation, scope.MutualInformation[i]);
  }
  for (std::size_t k = 0; k < scope.ClassEntropy.size(); ++k)
  {
    table.Set(prefix + names::EntropyClassPrefix + std::to_string(classLabels[k]),
              scope.ClassEntropy[k][i]);
  }
  if (!scope.AtomProbability.empty())
  {
    table.Set(prefix + names::HC, scope.ContinuousEntropy[i]);
    table.Set(prefix + names::PAtoms, scope.AtomProbability[i]);
    table.Set(prefix + names::Atoms, static_cast<double>(scope.AtomCount[i]));
  }
  table.Set(prefix + names::Count, static_cast<double>(scope.Count[i]));
  table.Set(prefix + names::NonFinite, static_cast<double>(scope.NonFinite[i]));
}

/// Per-sample columns the sample scope copies from the reader's field data.
struct SampleInfo
{
  double LayerIndex;
  std::string LayerName;
  std::string LayerType;
  vtkDataArray* Labels;
  vtkDataArray* SampleIds;
  vtkDataArray* Predictions;
};

/// One table row per (selected sample, channel) and one per selected sample. Channels of
/// one value (dense layers) get no per-channel row: a single value has entropy 0.
void AddSampleRows(const vtkCNNLayerEntropy& result,
                   const cnnslicer::SampleGrouping& grouping,
                   std::size_t samples,
                   std::size_t channelCount,
                   std::size_t pointsPerChannel,
                   const SampleInfo& info,
                   vtkCNNTableBuilder& channels,
                   vtkCNNTableBuilder& layers)
{
  auto describe = [&](vtkCNNTableBuilder& table, std::size_t n)
  {
    table.NewRow();
    table.Set(names::LayerIndex, info.LayerIndex);
    table.SetText(names::LayerName, info.LayerName);
    table.SetText(names::LayerType, info.LayerType);
    table.Set(names::Sample, static_cast<double>(n));
    const auto id = static_cast<vtkIdType>(n);
    const bool known = info.SampleIds && info.SampleIds->GetNumberOfTuples() > id;
    table.Set(names::SampleId,
              known ? info.SampleIds->GetComponent(id, 0) : static_cast<double>(n));
    table.Set(names::Label, info.Labels ? info.Labels->GetComponent(id, 0) : -1.0);
    const bool predicted = info.Predictions && info.Predictions->GetNumberOfTuples() > id;
    table.Set(names::Prediction, predicted ? info.Predictions->GetComponent(id, 0) : -1.0);
  };
  for (std::size_t c = 0; pointsPerChannel > 1 && c < channelCount; ++c)
  {
    for (std::size_t n = 0; n < samples; ++n)
    {
      if (grouping.Group[n] >= 0)
      {
        describe(channels, n);
        channels.Set(names::Channel, static_cast<double>(c));
        AddScopeColumns(channels, result.SampleChannels, c * samples + n, {}, "");
      }
    }
  }
  for (std::size_t n = 0; n < samples; ++n)
  {
    if (grouping.Group[n] >= 0)
    {
      describe(layers, n);
      AddScopeColumns(layers, result.SampleLayer, n, {}, "");
    }
  }
}

vtkSmartPointer<vtkDoubleArray> MakePointArray(const std::string& name,
                                               const std::vector<double>& values)
{
  auto array = vtkSmartPointer<vtkDoubleArray>::New();
  array->SetName(name.c_str());
  array->SetNumberOfTuples(static_cast<vtkIdType>(values.size()));
  std::copy(values.begin(), values.end(), array->GetPointer(0));
  return array;
}

/// Adds the neuron-scope arrays to the output image's point data.
void AddNeuronArrays(vtkImageData* image,
                     const cnnslicer::ScopeEntropy& scope,
                     const std::vector<std::int64_t>& classLabels)
{
  vtkPointData* pd = image->GetPointData();
  pd->AddArray(MakePointArray(names::Entropy, scope.Entropy));
  if (!scope.ConditionalEntropy.empty())
  {
    pd->AddArray(MakePointArray(names::ConditionalEntropy, scope.ConditionalEntropy));
    pd->AddArray(MakePointArray(names::MutualInformation, scope.MutualInformation));
  }
  for (std::size_t k = 0; k < scope.ClassEntropy.size(); ++k)
  {
    pd->AddArray(MakePointArray(names::EntropyClassPrefix + std::to_string(classLabels[k]),
                                scope.ClassEntropy[k]));
  }
  if (!scope.AtomProbability.empty())
  {
    pd->AddArray(MakePointArray(names::HC, scope.ContinuousEntropy));
    pd->AddArray(MakePointArray(names::PAtoms, scope.AtomProbability));
  }
  if (std::any_of(
        scope.NonFinite.begin(), scope.NonFinite.end(), [](std::uint64_t c) { return c > 0; }))
  {
    pd->AddArray(MakePointArray(
      names::NonFinite, std::vector<double>(scope.NonFinite.begin(), scope.NonFinite.end())));
  }
  pd->SetActiveScalars(names::Entropy);
}

} // namespace

vtkCNNEntropyFilterBase::vtkCNNEntropyFilterBase()
{
  this->SetNumberOfInputPorts(1);
  this->SetNumberOfOutputPorts(3);
  this->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS, names::Activation);
}

vtkCNNEntropyFilterBase::~vtkCNNEntropyFilterBase() = default;

void vtkCNNEntropyFilterBase::AddSelectedClass(int label)
{
  this->SelectedClasses.push_back(label);
  this->Modified();
}

void vtkCNNEntropyFilterBase::RemoveAllSelectedClasses()
{
  if (!this->SelectedClasses.empty())
  {
    this->SelectedClasses.clear();
    this->Modified();
  }
}

std::string vtkCNNEntropyFilterBase::DescribeUnit() const
{
  return this->Unit == NATS ? "nats" : "bits";
}

int vtkCNNEntropyFilterBase::FillInputPortInformation(int, vtkInformation* info)
{
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObjectTree");
  return 1;
}

int vtkCNNEntropyFilterBase::FillOutputPortInformation(int port, vtkInformation* info)
{
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkTable");
  return 1;
}

int vtkCNNEntropyFilterBase::RequestDataObject(vtkInformation*,
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
  if (output == nullptr || !output->IsA(input->GetClassName()))
  {
    vtkSmartPointer<vtkDataObject> created = vtk::TakeSmartPointer(input->NewInstance());
    outInfo->Set(vtkDataObject::DATA_OBJECT(), created);
  }
  for (int port = 1; port < 3; ++port)
  {
    vtkInformation* tableInfo = outputVector->GetInformationObject(port);
    if (vtkTable::SafeDownCast(tableInfo->Get(vtkDataObject::DATA_OBJECT())) == nullptr)
    {
      tableInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkTable>::New());
    }
  }
  return 1;
}

int vtkCNNEntropyFilterBase::RequestData(vtkInformation*,
                                         vtkInformationVector** inputVector,
                                         vtkInformationVector* outputVector)
{
  std::size_t computed = 0;
  const bool ok = this->RequestLocalData(inputVector, outputVector, computed) != 0;
  return this->GatherParallelResults(ok, computed, outputVector);
}

int vtkCNNEntropyFilterBase::RequestLocalData(vtkInformationVector** inputVector,
                                              vtkInformationVector* outputVector,
                                              std::size_t& computed)
{
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);

  // The output is a shallow copy: new blocks (with their own attribute containers) that
  // share the input's arrays, so adding arrays to them never modifies the input.
  output->ShallowCopy(input);
  std::vector<vtkCNNLayerBlock> blocks;
  std::vector<std::string> warnings;
  if (!vtkCNNLayerCollection::Collect(output, blocks, warnings))
  {
    vtkErrorMacro(<< "Input is a " << (input ? input->GetClassName() : "null")
                  << "; expected activation volumes (vtkImageData or a composite of them).");
    return 0;
  }
  for (const std::string& warning : warnings)
  {
    vtkWarningMacro(<< warning);
  }

  vtkCNNTableBuilder channels;
  vtkCNNTableBuilder layers;
  for (std::size_t b = 0; b < blocks.size(); ++b)
  {
    const vtkCNNLayerBlock& block = blocks[b];
    const std::string& layerName = block.LayerName;

    vtkCNNLayerInput layer;
    vtkSmartPointer<vtkFloatArray> converted;
    vtkDataArray* labels = nullptr;
    const int prepared = this->PrepareLayer(block, input, true, layer, converted, labels);
    if (prepared < 0)
    {
      return 0;
    }
    if (prepared == 0)
    {
      continue;
    }
    const std::size_t samples = layer.Dispatch([](const auto& l) { return l.NumberOfSamples; });
    const std::size_t points = layer.Dispatch([](const auto& l) { return l.NumberOfPoints; });

    // Progress of this layer maps onto its share of the whole run.
    vtkCNNProgressShare state{ this,
                               static_cast<double>(b) / blocks.size(),
                               static_cast<double>(b + 1) / blocks.size() };
    layer.Progress = state.Sink();

    vtkCNNLayerEntropy result;
    try
    {
      if (!this->ComputeLayer(layer, result))
      {
        // Errors were reported by the subclass; an abort is reported here, where it is seen.
        if (state.Aborted)
        {
          vtkWarningMacro(<< "Aborted while computing layer '" << layerName << "'.");
        }
        return 0;
      }
    }
    catch (const std::exception& e)
    {
      vtkErrorMacro(<< "Cannot compute the entropy of layer '" << layerName << "': " << e.what());
      return 0;
    }
    ++computed;

    const std::size_t channelCount =
      layer.Dispatch([](const auto& l) { return l.NumberOfChannels; });
    if (!result.SampleLayer.Entropy.empty())
    {
      // Sample scope: rows per (sample, channel) and per sample instead of per layer.
      AddSampleRows(result,
                    layer.Grouping,
                    samples,
                    channelCount,
                    points / channelCount,
                    SampleInfo{ block.LayerIndex,
                                block.LayerName,
                                block.LayerType,
                                labels,
                                vtkArrayDownCast<vtkDataArray>(
                                  input->GetFieldData()->GetAbstractArray(names::SampleId)),
                                vtkArrayDownCast<vtkDataArray>(
                                  input->GetFieldData()->GetAbstractArray(names::Prediction)) },
                    channels,
                    layers);
      continue;
    }
    this->WriteLayer(block, result, layer.Grouping, channelCount, points, channels, layers);
  }
  this->WriteTables(channels, layers, outputVector);
  return 1;
}

int vtkCNNEntropyFilterBase::PrepareLayer(const vtkCNNLayerBlock& block,
                                          vtkDataObject* input,
                                          bool warnSkip,
                                          vtkCNNLayerInput& layer,
                                          vtkSmartPointer<vtkFloatArray>& converted,
                                          vtkDataArray*& labels)
{
  int association = -1;
  vtkDataArray* activations =
    vtkCNNActivationArray(this->GetInputArrayToProcess(0, block.Image, association),
                          this->GetInputArrayInformation(0),
                          block.Image,
                          association);
  if (activations == nullptr)
  {
    if (warnSkip)
    {
      vtkWarningMacro(<< "Skipping layer '" << block.LayerName
                      << "': it has no point array named as the filter's input array.");
    }
    return 0;
  }
  if (association != vtkDataObject::FIELD_ASSOCIATION_POINTS)
  {
    vtkErrorMacro(<< "Array '" << activations->GetName() << "' of layer '" << block.LayerName
                  << "' is not a point array; choose the per-neuron (point) activation array.");
    return -1;
  }
  const std::string problem = vtkCNNPrepareLayerInput(
    block,
    activations,
    input,
    vtkCNNLayerInputRequest{ this->LabelArrayName, this->SelectedClasses, this->NumberOfThreads },
    layer,
    converted,
    labels);
  if (!problem.empty())
  {
    vtkErrorMacro(<< problem);
    return -1;
  }
  return 1;
}

void vtkCNNEntropyFilterBase::WriteLayer(const vtkCNNLayerBlock& block,
                                         const vtkCNNLayerEntropy& result,
                                         const cnnslicer::SampleGrouping& grouping,
                                         std::size_t channelCount,
                                         std::size_t points,
                                         vtkCNNTableBuilder& channels,
                                         vtkCNNTableBuilder& layers)
{
  const std::vector<std::int64_t>& classLabels = grouping.GroupLabel;
  if (!result.Neurons.Entropy.empty())
  {
    AddNeuronArrays(block.Image, result.Neurons, classLabels);
  }
  for (std::size_t c = 0; c < channelCount && (!result.Channels.Entropy.empty() ||
                                               !result.ChannelVectors.Entropy.empty());
       ++c)
  {
    channels.NewRow();
    channels.Set(names::LayerIndex, block.LayerIndex);
    channels.SetText(names::LayerName, block.LayerName);
    channels.SetText(names::LayerType, block.LayerType);
    channels.Set(names::Channel, static_cast<double>(c));
    if (!result.Channels.Entropy.empty())
    {
      AddScopeColumns(channels, result.Channels, c, classLabels, "");
    }
    if (!result.ChannelVectors.Entropy.empty())
    {
      AddScopeColumns(channels, result.ChannelVectors, c, classLabels, "vector_");
    }
    if (!result.ChannelRanges.empty())
    {
      channels.Set(names::RangeLow, result.ChannelRanges[c].Low);
      channels.Set(names::RangeHigh, result.ChannelRanges[c].High);
    }
    if (!result.ChannelClampedFraction.empty())
    {
      channels.Set("clamped_fraction", result.ChannelClampedFraction[c]);
    }
  }

  layers.NewRow();
  layers.Set(names::LayerIndex, block.LayerIndex);
  layers.SetText(names::LayerName, block.LayerName);
  layers.SetText(names::LayerType, block.LayerType);
  layers.SetText(names::OutputShape, block.OutputShape);
  if (!result.Layer.Entropy.empty())
  {
    AddScopeColumns(layers, result.Layer, 0, classLabels, "");
  }
  if (!result.LayerVector.Entropy.empty())
  {
    AddScopeColumns(layers, result.LayerVector, 0, classLabels, "vector_");
  }
  if (!result.Neurons.Entropy.empty())
  {
    // Mean neuron entropy: how much a single unit varies across inputs, on average.
    double sum = 0.0;
    std::size_t defined = 0;
    for (const double h : result.Neurons.Entropy)
    {
      if (!std::isnan(h))
      {
        sum += h;
        ++defined;
      }
    }
    layers.Set(names::MeanNeuronEntropy, defined > 0 ? sum / defined : std::nan(""));
    layers.Set(names::UndefinedNeurons, static_cast<double>(result.Neurons.undefinedCount()));
  }
  if (!result.ChannelRanges.empty())
  {
    double low = result.ChannelRanges.front().Low;
    double high = result.ChannelRanges.front().High;
    for (const auto& r : result.ChannelRanges)
    {
      low = std::min(low, r.Low);
      high = std::max(high, r.High);
    }
    layers.Set(names::RangeLow, low);
    layers.Set(names::RangeHigh, high);
  }
  if (!result.ChannelClampedFraction.empty())
  {
    layers.Set("clamped_fraction", result.LayerClampedFraction);
  }
  layers.Set(names::Channels, static_cast<double>(channelCount));
  layers.Set(names::Neurons, static_cast<double>(points));
  layers.Set(names::Samples, static_cast<double>(grouping.selectedCount()));
}

void vtkCNNEntropyFilterBase::WriteTables(vtkCNNTableBuilder& channels,
                                          vtkCNNTableBuilder& layers,
                                          vtkInformationVector* outputVector) const
{
  vtkTable* channelTable = vtkTable::GetData(outputVector, 1);
  vtkTable* layerTable = vtkTable::GetData(outputVector, 2);
  channels.Build(channelTable);
  layers.Build(layerTable);
  vtkCNNSetTableMetadata(channelTable, this->DescribeUnit(), this->DescribeEstimator());
  vtkCNNSetTableMetadata(layerTable, this->DescribeUnit(), this->DescribeEstimator());
}

int vtkCNNEntropyFilterBase::GatherParallelResults(bool ok,
                                                   std::size_t computed,
                                                   vtkInformationVector* outputVector)
{
  // Reduction step of a parallel run: each process computed its own layers; the rows of
  // all of them go to process 0 in layer order (vtkCNNParallelTables.h).
  const vtkCNNParallelTables parallel(outputVector->GetInformationObject(0));
  const long long layers = parallel.AgreeOnLayers(ok, computed);
  if (layers < 0)
  {
    if (ok)
    {
      vtkErrorMacro(<< "Another process of the parallel run failed; see its error message.");
    }
    return 0;
  }
  if (layers == 0)
  {
    vtkErrorMacro(<< "No activation volume with a point array named as the input array was "
                     "found; select the array that holds one component per sample.");
    return 0;
  }
  parallel.GatherRows(vtkTable::GetData(outputVector, 1), { names::LayerIndex });
  parallel.GatherRows(vtkTable::GetData(outputVector, 2), { names::LayerIndex });
  this->UpdateProgress(1.0);
  return 1;
}

void vtkCNNEntropyFilterBase::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Unit: " << this->DescribeUnit() << "\n";
  os << indent << "NeuronScope: " << this->NeuronScope << "\n";
  os << indent << "ChannelScope: " << this->ChannelScope << "\n";
  os << indent << "LayerScope: " << this->LayerScope << "\n";
  os << indent << "LabelArrayName: " << this->LabelArrayName << "\n";
  os << indent << "SelectedClasses:";
  for (const int k : this->SelectedClasses)
  {
    os << " " << k;
  }
  os << "\n" << indent << "PerClassOutputs: " << this->PerClassOutputs << "\n";
  os << indent << "NumberOfThreads: " << this->NumberOfThreads << "\n";
}
