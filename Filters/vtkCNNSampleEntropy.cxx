#include "vtkCNNSampleEntropy.h"

#include "vtkCNNEntropyFilterInternals.h"

#include "DiscreteEntropy.h"

#include "vtkObjectFactory.h"

vtkStandardNewMacro(vtkCNNSampleEntropy);

vtkCNNSampleEntropy::vtkCNNSampleEntropy() = default;
vtkCNNSampleEntropy::~vtkCNNSampleEntropy() = default;

bool vtkCNNSampleEntropy::ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result)
{
  const cnnslicer::DiscreteEntropyOptions options = vtkCNNDiscreteOptions(
    this->NumberOfBins, this->RangeMode, this->FixedRange, this->Normalize, this->Unit);
  const std::string problem = options.validate();
  if (!problem.empty())
  {
    vtkErrorMacro(<< "Invalid settings: " << problem << ".");
    return false;
  }
  const bool completed = input.Dispatch(
    [&](const auto& layout)
    {
      if (!cnnslicer::computeSampleEntropy(
            layout, input.Grouping, options, result.SampleChannels, input.Threads, input.Progress))
      {
        return false;
      }
      // The whole layer as one channel: each sample's values pooled over all channels.
      auto whole = layout;
      whole.NumberOfChannels = 1;
      return cnnslicer::computeSampleEntropy(
        whole, input.Grouping, options, result.SampleLayer, input.Threads, input.Progress);
    });
  return completed;
}
