// The radix sort behind the continuous estimators must order exactly as std::sort.
#include "RadixSort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

namespace
{

std::vector<float> mixedValues(std::size_t n, std::uint64_t seed)
{
  std::mt19937_64 rng(seed);
  const float specials[] = { 0.0f,
                             -0.0f,
                             std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(),
                             std::numeric_limits<float>::denorm_min(),
                             -std::numeric_limits<float>::denorm_min(),
                             std::numeric_limits<float>::max(),
                             std::numeric_limits<float>::lowest(),
                             1.0f,
                             -1.0f };
  std::vector<float> values(n);
  for (auto& v : values)
  {
    const std::uint64_t r = rng();
    if (r % 7 == 0)
    {
      v = specials[(r >> 8) % 10];
    }
    else
    {
      // Any finite bit pattern: random sign, exponent and mantissa.
      std::uint32_t bits = static_cast<std::uint32_t>(r >> 32);
      if (((bits >> 23) & 0xFFu) == 0xFFu)
      {
        bits &= 0xBFFFFFFFu;
      }
      std::memcpy(&v, &bits, sizeof v);
    }
  }
  return values;
}

TEST(RadixSort, MatchesStdSortAcrossSizes)
{
  for (const std::size_t n : { std::size_t(0),
                               std::size_t(1),
                               std::size_t(100),
                               std::size_t(4095),
                               std::size_t(4096),
                               std::size_t(100000) })
  {
    std::vector<float> values = mixedValues(n, 42 + n);
    std::vector<float> expected = values;
    std::sort(expected.begin(), expected.end());
    cnnslicer::sortAscending(values);
    ASSERT_EQ(values.size(), expected.size());
    for (std::size_t i = 0; i < n; ++i)
    {
      // -0.0 and +0.0 compare equal; everything else must be the same value.
      ASSERT_TRUE(values[i] == expected[i]) << "n=" << n << " i=" << i;
    }
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
  }
}

TEST(RadixSort, ConstantAndNarrowInputs)
{
  // Digits that are the same for every key are skipped; the result must still be right.
  std::vector<float> constant(10000, 3.25f);
  cnnslicer::sortAscending(constant);
  EXPECT_TRUE(std::all_of(constant.begin(), constant.end(), [](float v) { return v == 3.25f; }));
  std::vector<float> narrow(10000);
  for (std::size_t i = 0; i < narrow.size(); ++i)
  {
    narrow[i] = 1.0f + static_cast<float>((i * 7919) % 10000) * 1e-7f;
  }
  std::vector<float> expected = narrow;
  std::sort(expected.begin(), expected.end());
  cnnslicer::sortAscending(narrow);
  EXPECT_EQ(narrow, expected);
}

} // namespace
