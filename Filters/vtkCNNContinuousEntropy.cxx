#include "vtkCNNContinuousEntropy.h"

#include "vtkCNNEntropyFilterInternals.h"

#include "ContinuousEntropy.h"
#include "VectorEntropy.h"

#include "vtkObjectFactory.h"

vtkStandardNewMacro(vtkCNNContinuousEntropy);

vtkCNNContinuousEntropy::vtkCNNContinuousEntropy() = default;
vtkCNNContinuousEntropy::~vtkCNNContinuousEntropy() = default;

void vtkCNNContinuousEntropy::AddAtomValue(double value)
{
  this->AtomValues.push_back(value);
  this->Modified();
}

void vtkCNNContinuousEntropy::RemoveAllAtomValues()
{
  if (!this->AtomValues.empty())
  {
    this->AtomValues.clear();
    this->Modified();
  }
}

bool vtkCNNContinuousEntropy::ComputeLayer(const vtkCNNLayerInput& input,
                                           vtkCNNLayerEntropy& result)
{
  cnnslicer::ContinuousEntropyOptions options;
  options.Estimator = static_cast<cnnslicer::ContinuousEstimator>(this->Estimator);
  options.K = this->K;
  options.Atoms = static_cast<cnnslicer::AtomMode>(this->AtomMode);
  options.AtomThreshold = this->AtomThreshold;
  options.AtomValues = this->AtomValues;
  options.Unit = static_cast<cnnslicer::EntropyUnit>(this->Unit);
  options.NeuronScope = this->NeuronScope;
  options.ChannelScope = this->ChannelScope;
  options.LayerScope = this->LayerScope;
  options.PerClass = this->PerClassOutputs;
  options.MaximumObservations = static_cast<std::size_t>(this->MaximumObservations);
  std::string problem = options.validate();

  cnnslicer::VectorEntropyOptions vectorOptions;
  vectorOptions.Estimator = static_cast<cnnslicer::ContinuousEstimator>(this->VectorEstimator);
  vectorOptions.K = this->K;
  vectorOptions.PrincipalComponents = static_cast<std::size_t>(this->PrincipalComponents);
  vectorOptions.Atoms = options.Atoms;
  vectorOptions.AtomThreshold = options.AtomThreshold;
  vectorOptions.AtomValues = options.AtomValues;
  vectorOptions.Unit = options.Unit;
  vectorOptions.PerClass = options.PerClass;
  vectorOptions.Threads = input.Threads;
  if (problem.empty() && this->VectorScope != NO_VECTOR_SCOPE)
  {
    problem = vectorOptions.validate();
  }
  if (!problem.empty())
  {
    vtkErrorMacro(<< "Invalid settings: " << problem << ".");
    return false;
  }

  cnnslicer::LayerContinuousEntropy layer;
  bool completed = input.Dispatch(
    [&](const auto& layout)
    {
      return cnnslicer::computeContinuousEntropy(
        layout, input.Grouping, options, layer, input.Threads, input.Progress);
    });
  if (completed && this->VectorScope != NO_VECTOR_SCOPE)
  {
    const auto scope = this->VectorScope == CHANNEL_VECTOR ? cnnslicer::VectorScope::Channel
                                                           : cnnslicer::VectorScope::Layer;
    auto& target =
      scope == cnnslicer::VectorScope::Channel ? result.ChannelVectors : result.LayerVector;
    completed = input.Dispatch(
      [&](const auto& layout)
      {
        return cnnslicer::computeVectorEntropy(
          layout, input.Grouping, scope, vectorOptions, target, input.Progress);
      });
  }
  if (!completed)
  {
    return false;
  }
  result.Neurons = std::move(layer.Neurons);
  result.Channels = std::move(layer.Channels);
  result.Layer = std::move(layer.Layer);
  return true;
}

std::string vtkCNNContinuousEntropy::DescribeEstimator() const
{
  std::string text =
    std::string("differential, ") +
    cnnslicer::estimatorName(static_cast<cnnslicer::ContinuousEstimator>(this->Estimator));
  if (this->Estimator == NEAREST_NEIGHBOR)
  {
    text += " (k=" + std::to_string(this->K) + ")";
  }
  static const char* const atoms[] = { "atoms above threshold", "fixed atoms", "no atoms" };
  return text + ", " + atoms[this->AtomMode];
}

void vtkCNNContinuousEntropy::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Estimator: " << this->DescribeEstimator() << "\n";
  os << indent << "AtomThreshold: " << this->AtomThreshold << "\n";
  os << indent << "MaximumObservations: " << this->MaximumObservations << "\n";
  os << indent << "VectorScope: " << this->VectorScope << "\n";
}
