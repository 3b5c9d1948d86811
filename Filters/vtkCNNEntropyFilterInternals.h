/**
 * @file vtkCNNEntropyFilterInternals.h
 * @brief Private glue between the VTK entropy filters and Filters/Core (not wrapped).
 */
#ifndef vtkCNNEntropyFilterInternals_h
#define vtkCNNEntropyFilterInternals_h

#include "ActivationLayout.h"
#include "DiscreteEntropy.h"
#include "EntropyTypes.h"

#include <string>
#include <vector>

/// One layer handed to a subclass: the activations (float or double) and the samples.
struct vtkCNNLayerInput
{
  cnnslicer::ActivationLayout<float> FloatLayout;
  cnnslicer::ActivationLayout<double> DoubleLayout;
  bool IsDouble = false;
  cnnslicer::SampleGrouping Grouping;
  cnnslicer::Progress Progress;
  int Threads = 0;

  /// Calls @p f with the layout of the right value type.
  template<typename F>
  auto Dispatch(F&& f) const
  {
    return this->IsDouble ? f(this->DoubleLayout) : f(this->FloatLayout);
  }
};

/// What a subclass computed for one layer; empty scopes are not written.
struct vtkCNNLayerEntropy
{
  cnnslicer::ScopeEntropy Neurons;
  cnnslicer::ScopeEntropy Channels;
  cnnslicer::ScopeEntropy Layer;
  /// Discrete only: the histogram range of each channel.
  std::vector<cnnslicer::ValueRange> ChannelRanges;
  /// Streamed with ranges from the first batches only: the share of each channel's and of
  /// the layer's finite values that fell outside the range, counted in an edge bin.
  std::vector<double> ChannelClampedFraction;
  double LayerClampedFraction = cnnslicer::NotANumber;
  /// Continuous vector scopes (one entry per channel, or one for the layer).
  cnnslicer::ScopeEntropy ChannelVectors;
  cnnslicer::ScopeEntropy LayerVector;
  /// Sample scope: entry c * N + n is sample n's feature map of channel c ...
  cnnslicer::ScopeEntropy SampleChannels;
  /// ... and entry n is all of sample n's values in the layer.
  cnnslicer::ScopeEntropy SampleLayer;
};

/// The histogram settings of the discrete filters as core options (validated by the core).
inline cnnslicer::DiscreteEntropyOptions vtkCNNDiscreteOptions(int bins,
                                                               int rangeMode,
                                                               const double fixedRange[2],
                                                               bool normalize,
                                                               int unit)
{
  cnnslicer::DiscreteEntropyOptions options;
  options.Bins = bins;
  options.Range = static_cast<cnnslicer::RangeMode>(rangeMode);
  options.FixedRange = cnnslicer::ValueRange{ fixedRange[0], fixedRange[1] };
  options.Normalize = normalize;
  options.Unit = static_cast<cnnslicer::EntropyUnit>(unit);
  return options;
}

#endif
