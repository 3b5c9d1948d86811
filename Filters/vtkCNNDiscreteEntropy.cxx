#include "vtkCNNDiscreteEntropy.h"

#include "vtkCNNEntropyFilterInternals.h"
#include "vtkCNNLayerBlocks.h"
#include "vtkCNNSampleStreaming.h"

#include "ChannelRangeAccumulator.h"
#include "DiscreteEntropy.h"
#include "HistogramAccumulator.h"

#include "vtkDataObject.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationIdTypeKey.h"
#include "vtkInformationIntegerKey.h"
#include "vtkInformationIntegerRequestKey.h"
#include "vtkInformationVector.h"
#include "vtkLogger.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

#include <exception>
#include <memory>

/**
 * Where a streamed analysis is between pipeline passes: pass 0 folds every batch into the
 * layers' value ranges (and collects the labels), pass 1 counts every batch into the layers'
 * histograms with those ranges, so that the results equal the in-memory estimator's
 * (Documentation/entropy.md, "Streaming").
 */
class vtkCNNDiscreteEntropy::vtkStreamingState
{
public:
  int Pass = 0;
  int Batch = 0;
  int Batches = 0;
  std::size_t Samples = 0;
  std::size_t BatchSize = 0;
  cnnslicer::DiscreteEntropyOptions Options;
  /// Every sample's label (pass 0), when the batches carry labels.
  std::vector<std::int64_t> Labels;
  bool HasLabels = false;
  /// Built from Labels after pass 0: the groups of every sample, as in memory.
  cnnslicer::SampleGrouping Grouping;
  std::vector<std::string> LayerNames;
  /// Channels and points per channel of each layer.
  std::vector<std::pair<std::size_t, std::size_t>> Shapes;
  std::vector<std::unique_ptr<cnnslicer::ChannelRangeAccumulator>> Ranges;
  std::vector<std::unique_ptr<cnnslicer::HistogramAccumulator>> Histograms;

  /// First sample of the current batch, and how many it holds.
  std::size_t First() const { return static_cast<std::size_t>(this->Batch) * this->BatchSize; }
  std::size_t Count() const { return std::min(this->BatchSize, this->Samples - this->First()); }
};

vtkStandardNewMacro(vtkCNNDiscreteEntropy);

vtkCNNDiscreteEntropy::vtkCNNDiscreteEntropy()
  : Streaming(new vtkStreamingState)
{
}

vtkCNNDiscreteEntropy::~vtkCNNDiscreteEntropy() = default;

cnnslicer::DiscreteEntropyOptions vtkCNNDiscreteEntropy::CoreOptions(std::string& problem) const
{
  cnnslicer::DiscreteEntropyOptions options = vtkCNNDiscreteOptions(
    this->NumberOfBins, this->RangeMode, this->FixedRange, this->Normalize, this->Unit);
  options.NeuronScope = this->NeuronScope;
  options.ChannelScope = this->ChannelScope;
  options.LayerScope = this->LayerScope;
  options.PerClass = this->PerClassOutputs;
  problem = options.validate();
  return options;
}

int vtkCNNDiscreteEntropy::RequestUpdateExtent(vtkInformation* request,
                                               vtkInformationVector** inputVector,
                                               vtkInformationVector* outputVector)
{
  if (!this->Superclass::RequestUpdateExtent(request, inputVector, outputVector))
  {
    return 0;
  }
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  if (this->StreamSamples)
  {
    inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH_SIZE(), this->StreamBatchSize);
    inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), this->Streaming->Batch);
  }
  else if (inInfo->Has(vtkCNNSampleStreaming::SAMPLE_BATCH()))
  {
    inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), -1);
  }
  return 1;
}

int vtkCNNDiscreteEntropy::RequestData(vtkInformation* request,
                                       vtkInformationVector** inputVector,
                                       vtkInformationVector* outputVector)
{
  if (!this->StreamSamples)
  {
    return this->Superclass::RequestData(request, inputVector, outputVector);
  }
  vtkStreamingState& state = *this->Streaming;
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  const auto stop = [&]()
  {
    // Nothing partial is left: no pass in flight, the reader back to its ordinary output.
    request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
    inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), -1);
    state = vtkStreamingState();
  };
  int status = 0;
  try
  {
    status = this->RequestStreamedData(request, inputVector, outputVector);
  }
  catch (const std::exception& e)
  {
    vtkErrorMacro(<< "Cannot stream the samples: " << e.what());
    status = 0;
  }
  if (status == 0 || !request->Has(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING()))
  {
    stop();
  }
  return status;
}

int vtkCNNDiscreteEntropy::RequestStreamedData(vtkInformation* request,
                                               vtkInformationVector** inputVector,
                                               vtkInformationVector* outputVector)
{
  vtkStreamingState& state = *this->Streaming;
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);

  if (state.Pass == 0 && state.Batch == 0)
  {
    if (!inInfo->Has(vtkCNNSampleStreaming::NUMBER_OF_SAMPLES()))
    {
      vtkErrorMacro(<< "Stream Samples needs a CNN Activations Reader as input (it serves the "
                       "samples in batches); turn Stream Samples off for this input.");
      return 0;
    }
    std::string problem;
    state.Options = this->CoreOptions(problem);
    if (!problem.empty())
    {
      vtkErrorMacro(<< "Invalid settings: " << problem << ".");
      return 0;
    }
    state.Samples =
      static_cast<std::size_t>(inInfo->Get(vtkCNNSampleStreaming::NUMBER_OF_SAMPLES()));
    state.BatchSize = static_cast<std::size_t>(this->StreamBatchSize);
    state.Batches = static_cast<int>((state.Samples + state.BatchSize - 1) / state.BatchSize);
    if (state.Samples == 0)
    {
      vtkErrorMacro(<< "The reader selects no sample; choose samples to analyse.");
      return 0;
    }
    vtkLogF(INFO,
            "streaming %zu samples in %d batches of %zu, two passes (ranges, then histograms)",
            state.Samples,
            state.Batches,
            state.BatchSize);
  }

  std::vector<vtkCNNLayerBlock> blocks;
  std::vector<std::string> warnings;
  if (!vtkCNNCollectLayerBlocks(input, blocks, warnings))
  {
    vtkErrorMacro(<< "Input is a " << (input ? input->GetClassName() : "null")
                  << "; expected activation volumes (vtkImageData or a composite of them).");
    return 0;
  }
  if (state.Pass == 0 && state.Batch == 0)
  {
    state.Labels.assign(state.Samples, -1);
    state.HasLabels = false;
    for (const vtkCNNLayerBlock& block : blocks)
    {
      state.LayerNames.push_back(block.LayerName);
    }
    state.Ranges.resize(blocks.size());
    state.Shapes.resize(blocks.size());
    for (const std::string& warning : warnings)
    {
      vtkWarningMacro(<< warning);
    }
  }
  if (blocks.size() != state.LayerNames.size())
  {
    vtkErrorMacro(<< "The reader's layers changed while streaming; apply again.");
    return 0;
  }

  const std::size_t first = state.First();
  const std::size_t count = state.Count();
  const double passes = 2.0 * state.Batches;
  for (std::size_t b = 0; b < blocks.size(); ++b)
  {
    const vtkCNNLayerBlock& block = blocks[b];
    int association = -1;
    vtkDataArray* activations = this->GetInputArrayToProcess(0, block.Image, association);
    if (activations == nullptr || association != vtkDataObject::FIELD_ASSOCIATION_POINTS)
    {
      continue;
    }
    vtkCNNLayerInput layer;
    vtkSmartPointer<vtkFloatArray> converted;
    vtkDataArray* labels = nullptr;
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
      return 0;
    }
    const std::size_t samples = layer.Dispatch([](const auto& l) { return l.NumberOfSamples; });
    if (samples != count)
    {
      vtkErrorMacro(<< "Layer '" << block.LayerName << "' holds " << samples
                    << " samples where batch " << state.Batch << " should hold " << count
                    << "; the input does not serve batches (use a CNN Activations Reader).");
      return 0;
    }
    const std::size_t channels = layer.Dispatch([](const auto& l) { return l.NumberOfChannels; });
    const std::size_t points = layer.Dispatch([](const auto& l) { return l.NumberOfPoints; });

    vtkCNNProgressShare share{
      this,
      (state.Pass * state.Batches + state.Batch + static_cast<double>(b) / blocks.size()) / passes,
      (state.Pass * state.Batches + state.Batch + static_cast<double>(b + 1) / blocks.size()) /
        passes
    };
    bool completed = true;
    if (state.Pass == 0)
    {
      if (b == 0 && labels != nullptr)
      {
        state.HasLabels = true;
        for (std::size_t n = 0; n < count; ++n)
        {
          state.Labels[first + n] =
            static_cast<std::int64_t>(labels->GetComponent(static_cast<vtkIdType>(n), 0));
        }
      }
      if (!state.Ranges[b])
      {
        state.Shapes[b] = { channels, points / channels };
        state.Ranges[b] =
          std::make_unique<cnnslicer::ChannelRangeAccumulator>(channels, points / channels);
      }
      // Only the samples that take part enter the ranges, as in memory.
      completed = layer.Dispatch(
        [&](const auto& l)
        {
          return state.Ranges[b]->addBatch(l.Values,
                                           count,
                                           layer.Grouping.Group.data(),
                                           cnnslicer::BatchLayout::PointMajor,
                                           this->NumberOfThreads,
                                           share.Sink());
        });
    }
    else
    {
      completed = layer.Dispatch(
        [&](const auto& l)
        {
          return state.Histograms[b]->addBatch(l.Values,
                                               count,
                                               state.Grouping.Group.data() + first,
                                               cnnslicer::BatchLayout::PointMajor,
                                               this->NumberOfThreads,
                                               share.Sink());
        });
    }
    if (!completed)
    {
      vtkWarningMacro(<< "Aborted while streaming batch " << state.Batch + 1 << " of "
                      << state.Batches << "; no output.");
      return 0;
    }
  }
  this->UpdateProgress((state.Pass * state.Batches + state.Batch + 1) / passes);

  // Next batch, next pass, or done.
  if (++state.Batch < state.Batches)
  {
    request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
    return 1;
  }
  if (state.Pass == 0)
  {
    state.Grouping =
      state.HasLabels
        ? cnnslicer::SampleGrouping::fromLabels(
            state.Labels,
            std::vector<std::int64_t>(this->SelectedClasses.begin(), this->SelectedClasses.end()))
        : cnnslicer::SampleGrouping::all(state.Samples);
    state.Histograms.resize(state.Ranges.size());
    for (std::size_t b = 0; b < state.Ranges.size(); ++b)
    {
      if (state.Ranges[b])
      {
        const cnnslicer::ChannelRangeAccumulator& ranges = *state.Ranges[b];
        state.Histograms[b] = std::make_unique<cnnslicer::HistogramAccumulator>(
          cnnslicer::HistogramAccumulatorSettings::forLayer(
            state.Shapes[b].first, state.Shapes[b].second, state.Grouping, state.Options),
          ranges.binningRanges(state.Options));
      }
    }
    state.Pass = 1;
    state.Batch = 0;
    request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
    return 1;
  }

  // Done: the last batch's structure carries the results; its activations (one batch's
  // worth) are not output.
  request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  output->ShallowCopy(input);
  std::vector<vtkCNNLayerBlock> outputBlocks;
  vtkCNNCollectLayerBlocks(output, outputBlocks, warnings);
  vtkCNNTableBuilder channelRows;
  vtkCNNTableBuilder layerRows;
  std::size_t computed = 0;
  for (std::size_t b = 0; b < outputBlocks.size() && b < state.Histograms.size(); ++b)
  {
    if (!state.Histograms[b])
    {
      continue;
    }
    const cnnslicer::HistogramAccumulator& histograms = *state.Histograms[b];
    cnnslicer::LayerDiscreteEntropy layer = histograms.result(state.Options, this->NumberOfThreads);
    vtkCNNLayerEntropy result;
    result.Neurons = std::move(layer.Neurons);
    result.Channels = std::move(layer.Channels);
    result.Layer = std::move(layer.Layer);
    result.ChannelRanges = std::move(layer.ChannelRanges);
    int association = -1;
    if (vtkDataArray* activations =
          this->GetInputArrayToProcess(0, outputBlocks[b].Image, association))
    {
      outputBlocks[b].Image->GetPointData()->RemoveArray(activations->GetName());
    }
    const std::size_t channels = histograms.settings().Channels;
    this->WriteLayer(outputBlocks[b],
                     result,
                     state.Grouping,
                     channels,
                     channels * histograms.settings().PointsPerChannel,
                     channelRows,
                     layerRows);
    ++computed;
  }
  this->WriteTables(channelRows, layerRows, outputVector);
  return this->GatherParallelResults(true, computed, outputVector);
}

bool vtkCNNDiscreteEntropy::ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result)
{
  std::string problem;
  const cnnslicer::DiscreteEntropyOptions options = this->CoreOptions(problem);
  if (!problem.empty())
  {
    vtkErrorMacro(<< "Invalid settings: " << problem << ".");
    return false;
  }

  cnnslicer::LayerDiscreteEntropy layer;
  const bool completed = input.Dispatch(
    [&](const auto& layout)
    {
      return cnnslicer::computeDiscreteEntropy(
        layout, input.Grouping, options, layer, input.Threads, input.Progress);
    });
  if (!completed)
  {
    return false;
  }
  result.Neurons = std::move(layer.Neurons);
  result.Channels = std::move(layer.Channels);
  result.Layer = std::move(layer.Layer);
  result.ChannelRanges = std::move(layer.ChannelRanges);
  return true;
}

std::string vtkCNNDiscreteEntropy::DescribeEstimator() const
{
  static const char* const ranges[] = { "layer min/max", "channel min/max", "fixed" };
  std::string text = "histogram, " + std::to_string(this->NumberOfBins) + " bins, " +
                     ranges[this->RangeMode] + " range";
  if (this->RangeMode == FIXED_RANGE)
  {
    text +=
      " [" + std::to_string(this->FixedRange[0]) + ", " + std::to_string(this->FixedRange[1]) + "]";
  }
  return text;
}

std::string vtkCNNDiscreteEntropy::DescribeUnit() const
{
  return this->Normalize ? "normalized (H / log B)" : this->Superclass::DescribeUnit();
}

void vtkCNNDiscreteEntropy::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Estimator: " << this->DescribeEstimator() << "\n";
  os << indent << "Normalize: " << this->Normalize << "\n";
  os << indent << "StreamSamples: " << this->StreamSamples << "\n";
  os << indent << "StreamBatchSize: " << this->StreamBatchSize << "\n";
}
