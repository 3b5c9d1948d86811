/**
 * @file ContinuousEntropy.h
 * @brief Differential entropy estimators and the mixed (atoms + continuous) model of
 * Documentation/entropy.md, "Continuous entropy".
 */
#pragma once

#include "ActivationLayout.h"
#include "EntropyTypes.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Differential entropy estimators (all return nats internally).
enum class ContinuousEstimator
{
  /// 0.5 log(2 pi e sigma^2): exact for normal data, an upper bound otherwise.
  Gaussian = 0,
  /// Gaussian-kernel density, Silverman bandwidth, resubstitution (default for 1-D).
  KernelDensity = 1,
  /// Kozachenko-Leonenko k-nearest-neighbour estimator (default for vectors).
  NearestNeighbor = 2,
  /// Vasicek m-spacing estimator, m = floor(sqrt(n) + 0.5).
  Spacing = 3
};

const char* estimatorName(ContinuousEstimator estimator);

/// How point masses (atoms) are separated from the continuous part.
enum class AtomMode
{
  /// Every value repeating exactly in at least Threshold of the observations (default).
  Threshold = 0,
  /// A fixed list of values, e.g. {0} for ReLU outputs.
  FixedValues = 1,
  /// No separation: every value is treated as continuous.
  Off = 2
};

/// Settings of the continuous estimators.
struct ContinuousEntropyOptions
{
  ContinuousEstimator Estimator = ContinuousEstimator::KernelDensity;
  /// Neighbour rank of the k-NN estimator.
  int K = 3;
  AtomMode Atoms = AtomMode::Threshold;
  /// Fraction of observations from which a repeated value is an atom (default 0.1%).
  double AtomThreshold = 0.001;
  std::vector<double> AtomValues{ 0.0 };
  EntropyUnit Unit = EntropyUnit::Bits;
  bool NeuronScope = true;
  bool ChannelScope = true;
  bool LayerScope = true;
  bool PerClass = false;
  /// Pooled scopes use at most this many observations (evenly strided); 0 = all.
  std::size_t MaximumObservations = 0;

  std::string validate() const;
  /// Fewest distinct continuous values the estimator needs (k+1 for k-NN, else 2).
  std::size_t minimumDistinctValues() const;
};

/// @name One-dimensional estimators
/// Each takes finite values and returns the differential entropy in nats, or NaN when
/// the data have too few distinct values. @p sorted says the values are ascending (it
/// saves a sort); it is a promise, not checked.
///@{
double gaussianEntropy(const float* values, std::size_t n);
double kernelDensityEntropy(const float* values, std::size_t n, bool sorted = false);
/// Exact O(n^2) resubstitution sum with the same bandwidth: the reference for the FFT.
double kernelDensityEntropyExact(const float* values, std::size_t n);
double nearestNeighborEntropy(const float* values, std::size_t n, int k, bool sorted = false);
double spacingEntropy(const float* values, std::size_t n, bool sorted = false);
/// Silverman's rule h = 0.9 min(sigma, IQR/1.34) n^(-1/5) (sigma alone when IQR = 0).
double silvermanBandwidth(const float* values, std::size_t n, bool sorted = false);
///@}

/// Dispatches to the estimator chosen in @p options (nats).
double differentialEntropy(const ContinuousEntropyOptions& options,
                           const float* values,
                           std::size_t n,
                           bool sorted);

/// Mixed-distribution result for one random variable.
struct MixedEntropy
{
  /// H_mix = -sum_j p_j log p_j - p_c log p_c + p_c h_c (in the requested unit).
  double Entropy = NotANumber;
  /// h_c, differential entropy of the continuous part (NaN if it has too few values).
  double ContinuousEntropy = NotANumber;
  /// p_atoms = 1 - p_c.
  double AtomProbability = 0.0;
  std::uint64_t Count = 0;
  std::uint64_t NonFinite = 0;
  std::uint32_t Atoms = 0;
};

/**
 * @brief H_mix in nats from its parts: @p atomTerm = -sum_j p_j log p_j, the continuous
 * mass @p pc and its differential entropy @p hc (ignored when pc == 0).
 */
double mixtureEntropy(double atomTerm, double pc, double hc);

/**
 * @brief Atoms of a sample: the values that are point masses under @p options.
 * @p sortedValues must be finite and ascending. Returns ascending atom values.
 */
std::vector<float> findAtoms(const ContinuousEntropyOptions& options,
                             const std::vector<float>& sortedValues);

/**
 * @brief Mixed entropy of finite ascending values, given the atom set (which may come
 * from a larger sample, so that classes share the atoms of the whole).
 */
MixedEntropy mixedEntropy(const ContinuousEntropyOptions& options,
                          const std::vector<float>& sortedValues,
                          const std::vector<float>& atoms);

/// Everything the continuous estimator computes for one layer.
struct LayerContinuousEntropy
{
  ScopeEntropy Neurons;
  ScopeEntropy Channels;
  ScopeEntropy Layer;
};

/**
 * @brief Continuous entropy of one layer at neuron, channel and layer scope, with the
 * mixed-distribution handling of atoms and, when classes are given, H(T|Y) and I(T;Y)
 * computed from H_mix (atoms found on all selected samples, shared by the classes).
 */
template<typename T>
bool computeContinuousEntropy(const ActivationLayout<T>& layout,
                              const SampleGrouping& grouping,
                              const ContinuousEntropyOptions& options,
                              LayerContinuousEntropy& result,
                              int threads = 0,
                              const Progress& progress = Progress());

} // namespace cnnslicer
