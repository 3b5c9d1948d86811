/**
 * @file EntropyTypes.h
 * @brief Units, options and result records shared by the entropy estimators.
 *
 * Plain C++17, no VTK: the numerical core of CNNSlicer (Documentation/entropy.md).
 */
#pragma once

// Every estimator takes a Progress; it lives in the common core that the reader shares.
#include "Progress.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cnnslicer
{

class SampleGrouping;

/// Logarithm base of every reported entropy: bits (log2, the default) or nats (ln).
enum class EntropyUnit
{
  Bits = 0,
  Nats = 1
};

/// Factor that turns a value in nats into the requested unit.
inline double natsTo(EntropyUnit unit)
{
  return unit == EntropyUnit::Bits ? 1.0 / std::log(2.0) : 1.0;
}

/// Name of the unit, as written into output metadata.
inline const char* unitName(EntropyUnit unit)
{
  return unit == EntropyUnit::Bits ? "bits" : "nats";
}

inline constexpr double NotANumber = std::numeric_limits<double>::quiet_NaN();

/**
 * @brief Results of one scope (neurons, channels or the layer) as parallel arrays:
 * element i is random variable i of the scope.
 *
 * ConditionalEntropy, MutualInformation and ClassEntropy are filled only when the
 * samples carry classes (SampleGrouping with labels). ClassEntropy[k][i] is H(T_i | Y = k).
 */
struct ScopeEntropy
{
  std::vector<double> Entropy;
  std::vector<double> ConditionalEntropy;
  std::vector<double> MutualInformation;
  std::vector<std::vector<double>> ClassEntropy;
  /// Finite observations that entered the estimate.
  std::vector<std::uint64_t> Count;
  /// NaN and +-Inf observations that were excluded.
  std::vector<std::uint64_t> NonFinite;

  // Continuous estimators only (Documentation/entropy.md, "Point masses"):
  /// Probability mass of the atoms, p_atoms = 1 - p_c.
  std::vector<double> AtomProbability;
  /// Differential entropy h_c of the continuous part (NaN when undefined).
  std::vector<double> ContinuousEntropy;
  /// Number of atoms found.
  std::vector<std::uint32_t> AtomCount;

  /**
   * Sizes every array for @p n variables, filled with NaN / 0. Conditional arrays exist
   * when @p grouping has classes, ClassEntropy also when @p perClass; the atom arrays
   * when @p continuous.
   */
  void resize(std::size_t n, const SampleGrouping& grouping, bool continuous, bool perClass);
  std::size_t size() const { return Entropy.size(); }
  /// Number of variables whose Entropy is NaN (undefined: too few distinct values).
  std::size_t undefinedCount() const;
};

} // namespace cnnslicer
