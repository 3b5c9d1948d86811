/**
 * @file VectorEntropy.h
 * @brief Differential entropy of vector observations: multivariate Gaussian with
 * Ledoit-Wolf shrinkage, Kozachenko-Leonenko k-NN with a k-d tree, and the
 * channel-vector and layer-vector scopes (Documentation/entropy.md, "Vector scopes").
 */
#pragma once

#include "ActivationLayout.h"
#include "ContinuousEntropy.h"
#include "EntropyTypes.h"

#include <cstddef>
#include <vector>

namespace cnnslicer
{

/**
 * @brief Observations as a dense row-major matrix: row i (Dimension floats) is one
 * observation.
 */
struct ObservationMatrix
{
  std::vector<float> Values;
  std::size_t Rows = 0;
  std::size_t Dimension = 0;
  const float* row(std::size_t i) const { return Values.data() + i * Dimension; }
};

/**
 * @brief Ledoit-Wolf shrinkage intensity (Ledoit & Wolf 2004, as scikit-learn computes
 * it) of the maximum-likelihood covariance of the rows towards mu * I.
 */
double ledoitWolfShrinkage(const ObservationMatrix& x);

/**
 * @brief 0.5 log((2 pi e)^d det Sigma) in nats, Sigma the Ledoit-Wolf shrunk covariance
 * (or the maximum-likelihood one when @p shrink is false). Works from the n x n Gram
 * matrix when d > n. NaN when the covariance is singular or n < 2.
 */
double gaussianEntropyMultivariate(const ObservationMatrix& x, bool shrink = true);

/**
 * @brief Kozachenko-Leonenko estimate in nats:
 * h = psi(n) - psi(k) + log V_d + (d/n) sum_i log eps_i,
 * eps_i the Euclidean distance (a radius) from x_i to its k-th nearest neighbour and
 * V_d = pi^(d/2) / Gamma(d/2 + 1) the unit-ball volume. Uses a nanoflann k-d tree
 * (sorting in 1-D). Points whose eps_i is 0 (k or more exact copies) are left out of the
 * average; NaN when fewer than k+1 distinct points remain.
 */
double nearestNeighborEntropyMultivariate(const ObservationMatrix& x, int k, int threads = 0);

/// Rows projected on the top @p components principal components (centred data).
ObservationMatrix projectOnPrincipalComponents(const ObservationMatrix& x, std::size_t components);

/// Which vectors are observations (Documentation/entropy.md, "Vector scopes").
enum class VectorScope
{
  /// Each sample's H x W map of channel c is one observation: one result per channel.
  Channel = 0,
  /// Each sample's whole layer is one observation: one result for the layer.
  Layer = 1
};

/// Settings of the vector scopes.
struct VectorEntropyOptions
{
  /// Gaussian (with shrinkage) or NearestNeighbor.
  ContinuousEstimator Estimator = ContinuousEstimator::NearestNeighbor;
  int K = 3;
  /// Layer scope with k-NN projects onto this many principal components (0 = none).
  std::size_t PrincipalComponents = 16;
  /// Atom handling: an observation vector repeated exactly (e.g. an all-zero map) in at
  /// least AtomThreshold of the samples is a point mass; FixedValues means vectors whose
  /// entries all equal one of AtomValues.
  AtomMode Atoms = AtomMode::Threshold;
  double AtomThreshold = 0.001;
  std::vector<double> AtomValues{ 0.0 };
  EntropyUnit Unit = EntropyUnit::Bits;
  /// Fill ScopeEntropy::ClassEntropy when samples carry classes.
  bool PerClass = false;
  int Threads = 0;

  std::string validate() const;
};

/// Mixed entropy of vector observations (the rows of @p x).
MixedEntropy vectorMixedEntropy(const VectorEntropyOptions& options, const ObservationMatrix& x);

/**
 * @brief Channel-vector (one result per channel) or layer-vector (one result) entropy
 * over the selected samples, with H(T|Y), I(T;Y) when classes are given.
 */
template<typename T>
bool computeVectorEntropy(const ActivationLayout<T>& layout,
                          const SampleGrouping& grouping,
                          VectorScope scope,
                          const VectorEntropyOptions& options,
                          ScopeEntropy& result,
                          const Progress& progress = Progress());

} // namespace cnnslicer
