/**
 * @file RepresentationEntropy.h
 * @brief Entropy of a layer's whole representation T (the binned activation pattern of
 * each input), for the information plane (Documentation/entropy.md, "Information plane").
 */
#pragma once

#include "ActivationLayout.h"
#include "DiscreteEntropy.h"
#include "EntropyTypes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Settings of the layer representation entropy.
struct RepresentationEntropyOptions
{
  /// Bins per neuron. 30 is the choice of Shwartz-Ziv & Tishby (2017); the information
  /// plane depends on it (Saxe et al., 2018), so it is a setting, not a constant.
  int Bins = 30;
  /// Layer (min/max over the layer and selected samples) or Fixed; Channel is refused
  /// because a pattern must be binned on one grid.
  RangeMode Range = RangeMode::Layer;
  ValueRange FixedRange{ 0.0, 1.0 };
  EntropyUnit Unit = EntropyUnit::Bits;

  /// Empty when valid, else a message saying what is wrong.
  std::string validate() const;
};

/**
 * @brief H(T), I(X;T), H(T|Y) and I(T;Y) of one layer representation.
 *
 * T is the vector of one input's binned activations over every neuron of the layer.
 * The network is deterministic, so H(T|X) = 0 and I(X;T) = H(T) (Shwartz-Ziv & Tishby,
 * 2017, section 3); with N equally likely inputs both are at most log N.
 */
struct RepresentationEntropy
{
  /// H(T) = I(X;T): entropy of the distinct binned patterns over the selected samples.
  double Entropy = NotANumber;
  /// H(T|Y) = sum_k p_k H(T|Y=k); NaN without classes.
  double ConditionalEntropy = NotANumber;
  /// I(T;Y) = H(T) - H(T|Y); NaN without classes.
  double MutualInformation = NotANumber;
  /// H(Y) of the selected samples, the upper bound of I(T;Y); NaN without classes.
  double LabelEntropy = NotANumber;
  /// log N, the upper bound of H(T) for N selected samples.
  double MaximumEntropy = NotANumber;
  /// H(T|Y=k) per group of the sample grouping (GroupLabel order); empty without classes.
  std::vector<double> ClassEntropy;
  /// Number of distinct patterns among the selected samples.
  std::uint64_t Patterns = 0;
  /// Selected samples.
  std::uint64_t Samples = 0;
  /// Non-finite activation values; each is its own symbol (bin B) in a pattern.
  std::uint64_t NonFinite = 0;
  /// Neurons examined before every selected sample had a pattern of its own (then no
  /// further neuron can change H(T)): equal to the neuron count when they never did.
  std::uint64_t NeuronsExamined = 0;
  /// The range every neuron was binned with.
  ValueRange Range;
};

/**
 * @brief Computes RepresentationEntropy for one layer.
 *
 * Patterns are compared exactly, by partition refinement: samples start in one class,
 * and each neuron splits every class by the samples' bins (a hash table keyed by
 * (class, bin) numbers the new classes). Once every selected sample is alone in its
 * class, H(T) = log N and later neurons cannot change any result, so the pass stops:
 * wide layers usually cost a few neurons. Cost O(P N) at worst for P neurons and N
 * samples, memory O(N).
 *
 * Throws std::invalid_argument on invalid options or layout. Returns false when
 * cancelled through @p progress.
 */
template<typename T>
bool computeRepresentationEntropy(const ActivationLayout<T>& layout,
                                  const SampleGrouping& grouping,
                                  const RepresentationEntropyOptions& options,
                                  RepresentationEntropy& result,
                                  int threads = 0,
                                  const Progress& progress = Progress());

} // namespace cnnslicer
