#include "vtkCNNDiscreteEntropy.h"

#include "vtkCNNEntropyFilterInternals.h"

#include "DiscreteEntropy.h"

#include "vtkObjectFactory.h"

vtkStandardNewMacro(vtkCNNDiscreteEntropy);

vtkCNNDiscreteEntropy::vtkCNNDiscreteEntropy() = default;
vtkCNNDiscreteEntropy::~vtkCNNDiscreteEntropy() = default;

bool vtkCNNDiscreteEntropy::ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result)
{
  cnnslicer::DiscreteEntropyOptions options = vtkCNNDiscreteOptions(
    this->NumberOfBins, this->RangeMode, this->FixedRange, this->Normalize, this->Unit);
  options.NeuronScope = this->NeuronScope;
  options.ChannelScope = this->ChannelScope;
  options.LayerScope = this->LayerScope;
  options.PerClass = this->PerClassOutputs;
  const std::string problem = options.validate();
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
}
