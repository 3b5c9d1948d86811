#include "FiniteRange.h"

#include "VectorClones.h"

#include <algorithm>
#include <limits>

namespace cnnslicer
{

namespace
{

/**
 * Branch-free with eight independent accumulators so that the compiler vectorises it:
 * non-finite values become +-inf, which never win, and are counted ((v - v) == 0 is
 * false exactly for NaN and +-Inf).
 */
template<typename T>
CNNSLICER_ALWAYS_INLINE std::size_t finiteMinMaxLoop(const T* values, std::size_t n, T& lo, T& hi)
{
  constexpr T Inf = std::numeric_limits<T>::infinity();
  T low[8] = { Inf, Inf, Inf, Inf, Inf, Inf, Inf, Inf };
  T high[8] = { -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf, -Inf };
  std::size_t skipped[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
  {
    for (int j = 0; j < 8; ++j)
    {
      const T v = values[i + j];
      const bool finite = (v - v) == T(0);
      const T forLow = finite ? v : Inf;
      const T forHigh = finite ? v : -Inf;
      low[j] = forLow < low[j] ? forLow : low[j];
      high[j] = forHigh > high[j] ? forHigh : high[j];
      skipped[j] += finite ? 0 : 1;
    }
  }
  for (; i < n; ++i)
  {
    const T v = values[i];
    if ((v - v) == T(0))
    {
      low[0] = std::min(low[0], v);
      high[0] = std::max(high[0], v);
    }
    else
    {
      ++skipped[0];
    }
  }
  std::size_t total = 0;
  for (int j = 0; j < 8; ++j)
  {
    lo = std::min(lo, low[j]);
    hi = std::max(hi, high[j]);
    total += skipped[j];
  }
  return total;
}

} // namespace

CNNSLICER_VECTOR_CLONES std::size_t finiteMinMax(const float* values,
                                                 std::size_t n,
                                                 float& lo,
                                                 float& hi)
{
  return finiteMinMaxLoop(values, n, lo, hi);
}

CNNSLICER_VECTOR_CLONES std::size_t finiteMinMax(const double* values,
                                                 std::size_t n,
                                                 double& lo,
                                                 double& hi)
{
  return finiteMinMaxLoop(values, n, lo, hi);
}

} // namespace cnnslicer
