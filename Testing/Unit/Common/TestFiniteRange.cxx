// The finite min/max pass (vectorised) that the reader's volume writer and the estimators use.
#include "FiniteRange.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace
{
template<typename T>
void expectRange(const std::vector<T>& values, T lo, T hi, std::size_t nonFinite)
{
  T foundLo = std::numeric_limits<T>::infinity();
  T foundHi = -std::numeric_limits<T>::infinity();
  EXPECT_EQ(cnnslicer::finiteMinMax(values.data(), values.size(), foundLo, foundHi), nonFinite);
  EXPECT_EQ(foundLo, lo);
  EXPECT_EQ(foundHi, hi);
}

TEST(FiniteRange, MinMaxOfEveryLengthAroundTheVectorWidth)
{
  // Lengths 1..40 cover the scalar tail and several vector blocks; the minimum sits at
  // every position once, the maximum half a length away.
  for (std::size_t n = 1; n <= 40; ++n)
  {
    for (std::size_t at = 0; at < n; ++at)
    {
      std::vector<float> values(n, 1.5f);
      values[(at + n / 2) % n] = 7.0f;
      values[at] = -2.0f;
      const float hi = n == 1 ? -2.0f : 7.0f;
      expectRange<float>(values, -2.0f, hi, 0);
    }
  }
  expectRange<double>(
    {}, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), 0);
}

TEST(FiniteRange, NonFiniteValuesAreCountedAndSkipped)
{
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> values(33, 0.25f);
  values[0] = nan;
  values[7] = inf;
  values[16] = -inf;
  values[32] = nan;
  values[20] = -3.0f;
  expectRange<float>(values, -3.0f, 0.25f, 4);
  // Only non-finite values: the range stays empty (lo > hi).
  expectRange<float>({ nan, inf, -inf }, inf, -inf, 3);
}

TEST(FiniteRange, DoublesFoldIntoAnExistingRange)
{
  double lo = -1.0;
  double hi = 1.0;
  const std::vector<double> values = { 0.5, 3.0, -0.5 };
  EXPECT_EQ(cnnslicer::finiteMinMax(values.data(), values.size(), lo, hi), 0u);
  EXPECT_EQ(lo, -1.0);
  EXPECT_EQ(hi, 3.0);
}
} // namespace
