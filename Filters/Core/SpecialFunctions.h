/**
 * @file SpecialFunctions.h
 * @brief Digamma and unit-ball volume for the Kozachenko-Leonenko estimator.
 */
#pragma once

#include <cmath>

namespace cnnslicer
{

/**
 * @brief Digamma psi(x) for x > 0: recurrence psi(x) = psi(x+1) - 1/x up to x >= 6,
 * then the asymptotic series (Abramowitz & Stegun 6.3.18), accurate to ~1e-13.
 */
inline double digamma(double x)
{
  double result = 0.0;
  while (x < 6.0)
  {
    result -= 1.0 / x;
    x += 1.0;
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  result +=
    std::log(x) - 0.5 * inv -
    inv2 * (1.0 / 12.0 -
            inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))));
  return result;
}

/// log V_d, V_d = pi^(d/2) / Gamma(d/2 + 1), the volume of the Euclidean unit ball.
inline double logUnitBallVolume(double d)
{
  return 0.5 * d * std::log(M_PI) - std::lgamma(0.5 * d + 1.0);
}

} // namespace cnnslicer
