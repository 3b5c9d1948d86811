#include "vtkCNNDiscreteEntropy.h"

#include "vtkCNNEntropyFilterInternals.h"
#include "vtkCNNLayerBlocks.h"
#include "vtkCNNSampleStreaming.h"

#include "ChannelRangeAccumulator.h"
#include "DiscreteEntropy.h"
#include "HistogramAccumulator.h"

#include "vtkAbstractArray.h"
#include "vtkAlgorithmOutput.h"
#include "vtkDataObject.h"
#include "vtkFieldData.h"
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

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <sstream>

/**
 * Where a streamed analysis is between pipeline passes. The range pass folds the first
 * RangeBatches batches (every batch for exact ranges) into the layers' value ranges and
 * collects the labels; the counting pass counts every batch into the layers' histograms with
 * those ranges. With exact ranges the results equal the in-memory estimator's
 * (Documentation/entropy.md, "Streaming").
 */
class vtkCNNDiscreteEntropy::vtkStreamingState
{
public:
  int Pass = 0;
  int Batch = 0;
  int Batches = 0;
  /// Batches the range pass reads: all of them, or the first RangeBatches.
  int RangeBatches = 0;
  /// Ranges from the first batches only: the counting pass groups each batch as it comes.
  bool OnePass = false;
  std::size_t Samples = 0;
  std::size_t BatchSize = 0;
  cnnslicer::DiscreteEntropyOptions Options;
  /// The labels of the samples the range pass read, when the batches carry labels.
  std::vector<std::int64_t> Labels;
  bool HasLabels = false;
  /// The groups of every sample: after the range pass (exact), or batch by batch (one pass).
  cnnslicer::SampleGrouping Grouping;
  std::map<std::int64_t, std::int32_t> GroupOfLabel;
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
    // The first batch; RequestStreamedData asks for the others.
    inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), 0);
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
  *this->Streaming = vtkStreamingState();
  int status = 0;
  try
  {
    status = this->RequestStreamedData(inputVector, outputVector);
  }
  catch (const std::exception& e)
  {
    vtkErrorMacro(<< "Cannot stream the samples: " << e.what());
    status = 0;
  }
  // Nothing partial is kept, and the reader goes back to its ordinary output.
  vtkCNNSampleStreaming::RequestAllSamplesUpstream(this);
  *this->Streaming = vtkStreamingState();
  return status;
}

int vtkCNNDiscreteEntropy::RequestStreamedData(vtkInformationVector** inputVector,
                                               vtkInformationVector* outputVector)
{
  vtkStreamingState& state = *this->Streaming;
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
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
  state.Samples = static_cast<std::size_t>(inInfo->Get(vtkCNNSampleStreaming::NUMBER_OF_SAMPLES()));
  if (state.Samples == 0)
  {
    vtkErrorMacro(<< "The reader selects no sample; choose samples to analyse.");
    return 0;
  }
  state.BatchSize = static_cast<std::size_t>(this->StreamBatchSize);
  state.Batches = static_cast<int>((state.Samples + state.BatchSize - 1) / state.BatchSize);
  state.RangeBatches = this->StreamRangeMode == FIRST_BATCHES_RANGES
                         ? std::min(this->RangeBatches, state.Batches)
                         : state.Batches;
  state.OnePass = state.RangeBatches < state.Batches;
  vtkLogF(INFO,
          "streaming %zu samples in %d batches of %zu: ranges from %d batches, then histograms",
          state.Samples,
          state.Batches,
          state.BatchSize,
          state.RangeBatches);

  // Batch 0 came with this update (RequestUpdateExtent asked for it); every other batch is
  // asked of the producer here, so that a producer that fails or is stopped ends the stream
  // with this request (CONTINUE_EXECUTING would make VTK's executive loop forever on a
  // failing producer).
  auto* producer = vtkStreamingDemandDrivenPipeline::SafeDownCast(this->GetInputExecutive(0, 0));
  const int producerPort = this->GetInputConnection(0, 0)->GetIndex();
  vtkDataObject* input = nullptr;
  std::vector<std::string> warnings;
  for (;;)
  {
    const bool firstBatch = state.Pass == 0 && state.Batch == 0;
    if (!firstBatch)
    {
      inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH_SIZE(), this->StreamBatchSize);
      inInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), state.Batch);
      if (producer == nullptr || !producer->Update(producerPort))
      {
        vtkErrorMacro(<< "The input failed on batch " << state.Batch + 1 << " of " << state.Batches
                      << " (pass " << state.Pass + 1
                      << " of 2); no output. Its own message says why.");
        return 0;
      }
    }
    input = vtkDataObject::GetData(inputVector[0], 0);
    std::vector<vtkCNNLayerBlock> blocks;
    warnings.clear();
    if (!vtkCNNLayerCollection::Collect(input, blocks, warnings))
    {
      vtkErrorMacro(<< "Input is a " << (input ? input->GetClassName() : "null")
                    << "; expected activation volumes (vtkImageData or a composite of them).");
      return 0;
    }
    if (firstBatch)
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
    const double passes = static_cast<double>(state.RangeBatches + state.Batches);
    const double done = state.Pass == 0 ? state.Batch : state.RangeBatches + state.Batch;
    for (std::size_t b = 0; b < blocks.size(); ++b)
    {
      const vtkCNNLayerBlock& block = blocks[b];
      vtkCNNLayerInput layer;
      vtkSmartPointer<vtkFloatArray> converted;
      vtkDataArray* labels = nullptr;
      // Skipped layers are said once, with the first batch.
      const int prepared = this->PrepareLayer(block, input, firstBatch, layer, converted, labels);
      if (prepared < 0)
      {
        return 0;
      }
      if (prepared == 0)
      {
        continue;
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

      vtkCNNProgressShare share{ this,
                                 (done + static_cast<double>(b) / blocks.size()) / passes,
                                 (done + static_cast<double>(b + 1) / blocks.size()) / passes };
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
        if (b == 0 && state.OnePass && !this->GroupBatch(labels, first, count))
        {
          return 0;
        }
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
    this->UpdateProgress((done + 1) / passes);

    // Next batch, next pass, or done.
    if (++state.Batch < (state.Pass == 0 ? state.RangeBatches : state.Batches))
    {
      continue;
    }
    if (state.Pass == 1)
    {
      break;
    }
    if (!this->StartCounting(input))
    {
      return 0;
    }
    state.Pass = 1;
    state.Batch = 0;
  }

  // Done: the last batch's structure carries the results; its activations (one batch's
  // worth) are not output.
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  output->ShallowCopy(input);
  std::vector<vtkCNNLayerBlock> outputBlocks;
  vtkCNNLayerCollection::Collect(output, outputBlocks, warnings);
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
    if (state.OnePass)
    {
      for (std::size_t c = 0; c < histograms.settings().Channels; ++c)
      {
        result.ChannelClampedFraction.push_back(histograms.clampedFraction(c));
      }
      result.LayerClampedFraction = histograms.layerClampedFraction();
    }
    int association = -1;
    if (vtkDataArray* activations =
          vtkCNNActivationArray(this->GetInputArrayToProcess(0, outputBlocks[b].Image, association),
                                this->GetInputArrayInformation(0),
                                outputBlocks[b].Image,
                                association))
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

bool vtkCNNDiscreteEntropy::StartCounting(vtkDataObject* input)
{
  vtkStreamingState& state = *this->Streaming;
  const std::vector<std::int64_t> selected(this->SelectedClasses.begin(),
                                           this->SelectedClasses.end());
  if (!state.OnePass)
  {
    // Every label is known: the in-memory grouping.
    state.Grouping = state.HasLabels ? cnnslicer::SampleGrouping::fromLabels(state.Labels, selected)
                                     : cnnslicer::SampleGrouping::all(state.Samples);
  }
  else
  {
    // One pass: the classes are the selected ones, else the dataset's (class_names), else
    // those of the first batches; each batch's samples are grouped as they come.
    state.Grouping = cnnslicer::SampleGrouping::all(state.Samples);
    if (state.HasLabels)
    {
      std::set<std::int64_t> classes(selected.begin(), selected.end());
      vtkAbstractArray* names =
        input->GetFieldData() ? input->GetFieldData()->GetAbstractArray("class_names") : nullptr;
      if (classes.empty() && names != nullptr)
      {
        for (vtkIdType k = 0; k < names->GetNumberOfValues(); ++k)
        {
          classes.insert(k);
        }
      }
      if (classes.empty())
      {
        for (const std::int64_t label : state.Labels)
        {
          if (label >= 0)
          {
            classes.insert(label);
          }
        }
      }
      state.Grouping.HasClasses = true;
      state.Grouping.GroupLabel.assign(classes.begin(), classes.end());
      state.Grouping.Group.assign(state.Samples, -1);
      for (std::size_t g = 0; g < state.Grouping.GroupLabel.size(); ++g)
      {
        state.GroupOfLabel[state.Grouping.GroupLabel[g]] = static_cast<std::int32_t>(g);
      }
    }
  }

  // The histograms, within the memory limit.
  std::vector<std::pair<std::uint64_t, std::size_t>> bytes;
  std::uint64_t total = 0;
  std::vector<cnnslicer::HistogramAccumulatorSettings> settings(state.Ranges.size());
  for (std::size_t b = 0; b < state.Ranges.size(); ++b)
  {
    if (state.Ranges[b])
    {
      settings[b] = cnnslicer::HistogramAccumulatorSettings::forLayer(
        state.Shapes[b].first, state.Shapes[b].second, state.Grouping, state.Options);
      settings[b].CountClamped = state.OnePass;
      bytes.emplace_back(
        cnnslicer::HistogramAccumulator::bytesNeeded(settings[b], this->NumberOfThreads), b);
      total += bytes.back().first;
    }
  }
  const double megabytes = static_cast<double>(total) / (1024.0 * 1024.0);
  if (megabytes > this->MemoryLimit)
  {
    std::sort(bytes.rbegin(), bytes.rend());
    std::ostringstream largest;
    for (std::size_t i = 0; i < bytes.size() && i < 3; ++i)
    {
      largest << (i ? ", " : "") << state.LayerNames[bytes[i].second] << " "
              << std::lround(static_cast<double>(bytes[i].first) / (1024.0 * 1024.0)) << " MB";
    }
    vtkErrorMacro(<< "The histograms of the streamed analysis need " << std::lround(megabytes)
                  << " MB, above the memory limit of " << std::lround(this->MemoryLimit)
                  << " MB (largest: " << largest.str()
                  << "); deselect layers in the reader, use fewer bins, turn the neuron scope "
                     "off, or raise Memory Limit.");
    return false;
  }
  vtkLogF(INFO, "streaming: the histograms take %.1f MB", megabytes);
  state.Histograms.resize(state.Ranges.size());
  for (std::size_t b = 0; b < state.Ranges.size(); ++b)
  {
    if (state.Ranges[b])
    {
      state.Histograms[b] = std::make_unique<cnnslicer::HistogramAccumulator>(
        settings[b], state.Ranges[b]->binningRanges(state.Options));
    }
  }
  return true;
}

bool vtkCNNDiscreteEntropy::GroupBatch(vtkDataArray* labels, std::size_t first, std::size_t count)
{
  vtkStreamingState& state = *this->Streaming;
  for (std::size_t n = 0; n < count; ++n)
  {
    std::int32_t group = state.Grouping.HasClasses ? -1 : 0;
    if (labels != nullptr && state.Grouping.HasClasses)
    {
      const auto label =
        static_cast<std::int64_t>(labels->GetComponent(static_cast<vtkIdType>(n), 0));
      const auto found = state.GroupOfLabel.find(label);
      if (found != state.GroupOfLabel.end())
      {
        group = found->second;
      }
      else if (label >= 0 && this->SelectedClasses.empty())
      {
        vtkErrorMacro(<< "Label " << label << " first appears in batch " << state.Batch + 1
                      << ", after the " << state.RangeBatches
                      << " batches that gave the classes; use exact ranges, or select the "
                         "classes.");
        return false;
      }
    }
    state.Grouping.Group[first + n] = group;
  }
  return true;
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
