#include "vtkCNNInformationPlane.h"

#include "vtkCNNEntropyFilterInternals.h"
#include "vtkCNNLayerBlocks.h"
#include "vtkCNNParallelTables.h"

#include "RepresentationEntropy.h"

#include "vtkAbstractArray.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkObjectFactory.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <cmath>
#include <exception>

vtkStandardNewMacro(vtkCNNInformationPlane);

struct vtkCNNInformationPlane::Internals
{
  /// Time steps of the input (empty: no time).
  std::vector<double> TimeSteps;
  /// Index of the time step the pipeline runs now.
  std::size_t Current = 0;
  /// Rows of port 0 (this process's layers in a parallel run).
  vtkCNNTableBuilder Plane;

  void Reset()
  {
    this->Current = 0;
    this->Plane = vtkCNNTableBuilder();
  }
};

namespace
{

/// One table per layer, rows in the order of @p plane (epoch order): port 1.
void SplitByLayer(vtkTable* plane, vtkMultiBlockDataSet* layers)
{
  auto layerNames = vtkStringArray::SafeDownCast(plane->GetColumnByName(names::LayerName));
  std::vector<std::string> order;
  std::vector<std::vector<vtkIdType>> rows;
  for (vtkIdType r = 0; layerNames != nullptr && r < plane->GetNumberOfRows(); ++r)
  {
    const std::string name = layerNames->GetValue(r);
    const auto it = std::find(order.begin(), order.end(), name);
    if (it == order.end())
    {
      order.push_back(name);
      rows.emplace_back();
    }
    rows[static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin())]
      .push_back(r);
  }
  layers->SetNumberOfBlocks(static_cast<unsigned int>(order.size()));
  for (std::size_t i = 0; i < order.size(); ++i)
  {
    vtkNew<vtkTable> table;
    for (vtkIdType c = 0; c < plane->GetNumberOfColumns(); ++c)
    {
      vtkAbstractArray* source = plane->GetColumn(c);
      vtkSmartPointer<vtkAbstractArray> column = vtk::TakeSmartPointer(source->NewInstance());
      column->SetName(source->GetName());
      column->SetNumberOfComponents(source->GetNumberOfComponents());
      for (const vtkIdType r : rows[i])
      {
        column->InsertNextTuple(r, source);
      }
      table->AddColumn(column);
    }
    table->GetFieldData()->ShallowCopy(plane->GetFieldData());
    const auto block = static_cast<unsigned int>(i);
    layers->SetBlock(block, table);
    layers->GetMetaData(block)->Set(vtkCompositeDataSet::NAME(), order[i].c_str());
  }
}

} // namespace

vtkCNNInformationPlane::vtkCNNInformationPlane()
  : Internal(new Internals)
{
  this->SetNumberOfInputPorts(1);
  this->SetNumberOfOutputPorts(2);
  this->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS, names::Activation);
}

vtkCNNInformationPlane::~vtkCNNInformationPlane() = default;

void vtkCNNInformationPlane::AddSelectedClass(int label)
{
  this->SelectedClasses.push_back(label);
  this->Modified();
}

void vtkCNNInformationPlane::RemoveAllSelectedClasses()
{
  if (!this->SelectedClasses.empty())
  {
    this->SelectedClasses.clear();
    this->Modified();
  }
}

int vtkCNNInformationPlane::FillInputPortInformation(int, vtkInformation* info)
{
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObjectTree");
  return 1;
}

int vtkCNNInformationPlane::FillOutputPortInformation(int port, vtkInformation* info)
{
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkTable" : "vtkMultiBlockDataSet");
  return 1;
}

int vtkCNNInformationPlane::RequestDataObject(vtkInformation*,
                                              vtkInformationVector**,
                                              vtkInformationVector* outputVector)
{
  vtkInformation* tableInfo = outputVector->GetInformationObject(0);
  if (vtkTable::SafeDownCast(tableInfo->Get(vtkDataObject::DATA_OBJECT())) == nullptr)
  {
    tableInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkTable>::New());
  }
  vtkInformation* blocksInfo = outputVector->GetInformationObject(1);
  if (vtkMultiBlockDataSet::SafeDownCast(blocksInfo->Get(vtkDataObject::DATA_OBJECT())) == nullptr)
  {
    blocksInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkMultiBlockDataSet>::New());
  }
  return 1;
}

int vtkCNNInformationPlane::RequestInformation(vtkInformation*,
                                               vtkInformationVector** inputVector,
                                               vtkInformationVector* outputVector)
{
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  auto& steps = this->Internal->TimeSteps;
  steps.clear();
  if (inInfo->Has(vtkStreamingDemandDrivenPipeline::TIME_STEPS()))
  {
    const double* times = inInfo->Get(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    steps.assign(times, times + inInfo->Length(vtkStreamingDemandDrivenPipeline::TIME_STEPS()));
  }
  // The outputs span every checkpoint: they have no time of their own.
  for (int port = 0; port < 2; ++port)
  {
    vtkInformation* outInfo = outputVector->GetInformationObject(port);
    outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  }
  return 1;
}

int vtkCNNInformationPlane::RequestUpdateExtent(vtkInformation*,
                                                vtkInformationVector** inputVector,
                                                vtkInformationVector*)
{
  const auto& steps = this->Internal->TimeSteps;
  if (this->AllTimeSteps && !steps.empty())
  {
    vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP(),
                steps[std::min(this->Internal->Current, steps.size() - 1)]);
  }
  return 1;
}

void vtkCNNInformationPlane::EndPass(vtkInformation* request)
{
  request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
  this->Internal->Current = 0;
}

int vtkCNNInformationPlane::RequestData(vtkInformation* request,
                                        vtkInformationVector** inputVector,
                                        vtkInformationVector* outputVector)
{
  Internals& internal = *this->Internal;
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  const bool looping = this->AllTimeSteps && !internal.TimeSteps.empty();
  const std::size_t steps = looping ? internal.TimeSteps.size() : 1;
  if (internal.Current == 0)
  {
    internal.Reset();
  }

  // The epoch of this pass: the input's time (the reader's time is the epoch number).
  double epoch = 0.0;
  if (input != nullptr && input->GetInformation()->Has(vtkDataObject::DATA_TIME_STEP()))
  {
    epoch = input->GetInformation()->Get(vtkDataObject::DATA_TIME_STEP());
  }
  else if (looping)
  {
    epoch = internal.TimeSteps[internal.Current];
  }

  const double begin = static_cast<double>(internal.Current) / steps;
  const double end = static_cast<double>(internal.Current + 1) / steps;
  std::size_t computed = 0;
  const bool ok = input != nullptr && this->ComputeTimeStep(input, epoch, begin, end, computed);
  // In a parallel run each process holds whole layers (the reader's pieces); every time
  // step, the processes agree that all of them succeeded before going on, so that a
  // failure on one stops all of them (vtkCNNParallelTables.h).
  const vtkCNNParallelTables parallel(outputVector->GetInformationObject(0));
  const long long layers = parallel.AgreeOnLayers(ok, computed);
  if (layers < 0)
  {
    if (ok)
    {
      vtkErrorMacro(<< "Another process of the parallel run failed; see its error message.");
    }
    this->EndPass(request);
    return 0;
  }
  if (layers == 0)
  {
    vtkErrorMacro(<< "No activation volume with a point array named as the input array was "
                     "found; select the array that holds one component per sample.");
    this->EndPass(request);
    return 0;
  }

  if (looping && internal.Current + 1 < steps)
  {
    ++internal.Current;
    request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
    return 1;
  }
  this->EndPass(request);

  const std::string unit = this->Unit == 1 ? "nats" : "bits";
  std::string estimator = "binned layer patterns, " + std::to_string(this->NumberOfBins) +
                          " bins per neuron, " +
                          (this->RangeMode == FIXED_RANGE ? "fixed range" : "layer min/max range");
  vtkTable* plane = vtkTable::GetData(outputVector, 0);
  plane->Initialize();
  internal.Plane.Build(plane);
  vtkCNNSetTableMetadata(plane, unit, estimator);
  parallel.GatherRows(plane, { "epoch", names::LayerIndex });

  vtkMultiBlockDataSet* trajectories = vtkMultiBlockDataSet::GetData(outputVector, 1);
  trajectories->Initialize();
  SplitByLayer(plane, trajectories);
  this->UpdateProgress(1.0);
  return 1;
}

bool vtkCNNInformationPlane::ComputeTimeStep(vtkDataObject* input,
                                             double epoch,
                                             double progressBegin,
                                             double progressEnd,
                                             std::size_t& computed)
{
  std::vector<vtkCNNLayerBlock> blocks;
  std::vector<std::string> warnings;
  if (!vtkCNNLayerCollection::Collect(input, blocks, warnings))
  {
    vtkErrorMacro(<< "Input is a " << input->GetClassName()
                  << "; expected activation volumes (vtkImageData or a composite of them).");
    return false;
  }
  for (const std::string& warning : warnings)
  {
    vtkWarningMacro(<< warning);
  }

  cnnslicer::RepresentationEntropyOptions options;
  options.Bins = this->NumberOfBins;
  options.Range =
    this->RangeMode == FIXED_RANGE ? cnnslicer::RangeMode::Fixed : cnnslicer::RangeMode::Layer;
  options.FixedRange = cnnslicer::ValueRange{ this->FixedRange[0], this->FixedRange[1] };
  options.Unit = static_cast<cnnslicer::EntropyUnit>(this->Unit);
  const std::string problem = options.validate();
  if (!problem.empty())
  {
    vtkErrorMacro(<< "Invalid settings: " << problem << ".");
    return false;
  }

  for (std::size_t b = 0; b < blocks.size(); ++b)
  {
    const vtkCNNLayerBlock& block = blocks[b];
    int association = -1;
    vtkDataArray* activations =
      vtkCNNActivationArray(this->GetInputArrayToProcess(0, block.Image, association),
                            this->GetInputArrayInformation(0),
                            block.Image,
                            association);
    if (activations == nullptr || association != vtkDataObject::FIELD_ASSOCIATION_POINTS)
    {
      vtkWarningMacro(<< "Skipping layer '" << block.LayerName
                      << "': it has no point array named as the filter's input array.");
      continue;
    }
    vtkCNNLayerInput layer;
    vtkSmartPointer<vtkFloatArray> converted;
    vtkDataArray* labels = nullptr;
    const std::string inputProblem = vtkCNNPrepareLayerInput(
      block,
      activations,
      input,
      vtkCNNLayerInputRequest{ this->LabelArrayName, this->SelectedClasses, this->NumberOfThreads },
      layer,
      converted,
      labels);
    if (!inputProblem.empty())
    {
      vtkErrorMacro(<< inputProblem);
      return false;
    }

    vtkCNNProgressShare state{ this,
                               progressBegin + (progressEnd - progressBegin) * b / blocks.size(),
                               progressBegin +
                                 (progressEnd - progressBegin) * (b + 1) / blocks.size() };
    layer.Progress = state.Sink();

    cnnslicer::RepresentationEntropy result;
    try
    {
      const bool completed = layer.Dispatch(
        [&](const auto& layout)
        {
          return cnnslicer::computeRepresentationEntropy(
            layout, layer.Grouping, options, result, layer.Threads, layer.Progress);
        });
      if (!completed)
      {
        vtkWarningMacro(<< "Aborted while computing layer '" << block.LayerName << "' at epoch "
                        << epoch << ".");
        return false;
      }
    }
    catch (const std::exception& e)
    {
      vtkErrorMacro(<< "Cannot compute the information plane of layer '" << block.LayerName
                    << "' at epoch " << epoch << ": " << e.what());
      return false;
    }
    ++computed;

    vtkCNNTableBuilder& table = this->Internal->Plane;
    {
      table.NewRow();
      table.Set("epoch", epoch);
      table.Set(names::LayerIndex, block.LayerIndex);
      table.SetText(names::LayerName, block.LayerName);
      table.SetText(names::LayerType, block.LayerType);
      table.Set("I_XT", result.Entropy);
      table.Set("I_TY", result.MutualInformation);
      table.Set("H_T", result.Entropy);
      table.Set("H_T_given_Y", result.ConditionalEntropy);
      table.Set("H_Y", result.LabelEntropy);
      table.Set("H_max", result.MaximumEntropy);
      table.Set("patterns", static_cast<double>(result.Patterns));
      table.Set(names::Samples, static_cast<double>(result.Samples));
      table.Set(names::Neurons, static_cast<double>(activations->GetNumberOfTuples()));
      table.Set("neurons_examined", static_cast<double>(result.NeuronsExamined));
      table.Set(names::NonFinite, static_cast<double>(result.NonFinite));
      table.Set(names::RangeLow, result.Range.Low);
      table.Set(names::RangeHigh, result.Range.High);
    }
  }
  return true;
}

void vtkCNNInformationPlane::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "NumberOfBins: " << this->NumberOfBins << "\n";
  os << indent << "RangeMode: " << this->RangeMode << "\n";
  os << indent << "FixedRange: " << this->FixedRange[0] << " " << this->FixedRange[1] << "\n";
  os << indent << "Unit: " << (this->Unit == 1 ? "nats" : "bits") << "\n";
  os << indent << "LabelArrayName: " << this->LabelArrayName << "\n";
  os << indent << "AllTimeSteps: " << this->AllTimeSteps << "\n";
  os << indent << "NumberOfThreads: " << this->NumberOfThreads << "\n";
}
