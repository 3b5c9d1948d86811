/**
 * @file ClosedFormSampling.h
 * @brief Shared by the closed-form tests of the estimators: constants, reference
 * formulas and a sample generator whose transforms are written here, so that expected
 * values never depend on the standard library's distributions.
 */
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>

namespace cnnslicer_testing
{

constexpr double Ln2 = 0.69314718055994530942;
constexpr double Pi = 3.14159265358979323846;
constexpr double EulerE = 2.71828182845904523536;
constexpr double EulerGamma = 0.57721566490153286061;

inline double toBits(double nats)
{
  return nats / Ln2;
}

/// psi(n) for a positive integer: -gamma + sum_{i<n} 1/i (independent of the core's digamma).
inline double digammaOfInteger(std::size_t n)
{
  double sum = -EulerGamma;
  for (std::size_t i = 1; i < n; ++i)
  {
    sum += 1.0 / static_cast<double>(i);
  }
  return sum;
}

/// Samples from fixed-seed mt19937_64 output only; the transforms are written here.
class Generator
{
public:
  explicit Generator(std::uint64_t seed)
    : Engine(seed)
  {
  }

  /// Uniform on the open interval (0, 1): 53 bits centred in their cell, so 0 never occurs.
  double uniform() { return (static_cast<double>(Engine() >> 11) + 0.5) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  /// Standard normal by Box-Muller (both outputs are used).
  double normal()
  {
    if (HasSpare)
    {
      HasSpare = false;
      return Spare;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform()));
    const double angle = 2.0 * Pi * uniform();
    Spare = radius * std::sin(angle);
    HasSpare = true;
    return radius * std::cos(angle);
  }

  /// Exponential with rate lambda by inverse CDF.
  double exponential(double rate) { return -std::log(uniform()) / rate; }

  /// Student t with 3 degrees of freedom: Z / sqrt(chi2_3 / 3).
  double studentT3()
  {
    const double z = normal();
    double chi2 = 0.0;
    for (int i = 0; i < 3; ++i)
    {
      const double g = normal();
      chi2 += g * g;
    }
    return z / std::sqrt(chi2 / 3.0);
  }

  /// Index in [0, n) (n is tiny next to 2^64, so the modulo bias is negligible).
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(Engine() % n); }

private:
  std::mt19937_64 Engine;
  double Spare = 0.0;
  bool HasSpare = false;
};

} // namespace cnnslicer_testing
