/**
 * @file FiniteRange.h
 * @brief Finite minimum and maximum of a run of values, at memory speed.
 */
#pragma once

#include <cstddef>

namespace cnnslicer
{

/**
 * Folds the finite min/max of @p n values into [@p lo, @p hi] (start from +inf, -inf)
 * and returns how many values were NaN or +-Inf (skipped). Vectorised (AVX2 where the
 * CPU has it): a range pass costs about what reading the values costs.
 */
std::size_t finiteMinMax(const float* values, std::size_t n, float& lo, float& hi);
std::size_t finiteMinMax(const double* values, std::size_t n, double& lo, double& hi);

} // namespace cnnslicer
