#include "RadixSort.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace cnnslicer
{

namespace
{

/// Order-preserving map of a float's bits to an unsigned key: flip all bits of
/// negatives, only the sign bit of positives (Herf, "Radix Tricks", 2001).
inline std::uint32_t sortKey(float v)
{
  std::uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const std::uint32_t mask = (bits & 0x80000000u) != 0 ? 0xFFFFFFFFu : 0x80000000u;
  return bits ^ mask;
}

inline float fromSortKey(std::uint32_t key)
{
  const std::uint32_t mask = (key & 0x80000000u) != 0 ? 0x80000000u : 0xFFFFFFFFu;
  const std::uint32_t bits = key ^ mask;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

} // namespace

void sortAscending(std::vector<float>& values)
{
  const std::size_t n = values.size();
  // Below a few thousand elements the three 2048-bucket histograms cost more than
  // a comparison sort.
  if (n < 4096)
  {
    std::sort(values.begin(), values.end());
    return;
  }
  constexpr int Bits = 11;
  constexpr std::size_t Buckets = std::size_t(1) << Bits;
  constexpr std::uint32_t Mask = Buckets - 1;
  std::vector<std::uint32_t> keys(n);
  std::vector<std::uint32_t> scratch(n);
  std::array<std::array<std::uint32_t, Buckets>, 3> counts{};
  for (std::size_t i = 0; i < n; ++i)
  {
    const std::uint32_t k = sortKey(values[i]);
    keys[i] = k;
    ++counts[0][k & Mask];
    ++counts[1][(k >> Bits) & Mask];
    ++counts[2][k >> (2 * Bits)];
  }
  for (int pass = 0; pass < 3; ++pass)
  {
    // A pass whose digit is the same for every key would only copy: skip it.
    auto& count = counts[pass];
    if (std::find(count.begin(), count.end(), static_cast<std::uint32_t>(n)) != count.end())
    {
      continue;
    }
    std::uint32_t offset = 0;
    for (auto& c : count)
    {
      const std::uint32_t here = c;
      c = offset;
      offset += here;
    }
    const int shift = pass * Bits;
    for (std::size_t i = 0; i < n; ++i)
    {
      const std::uint32_t k = keys[i];
      scratch[count[(k >> shift) & Mask]++] = k;
    }
    keys.swap(scratch);
  }
  for (std::size_t i = 0; i < n; ++i)
  {
    values[i] = fromSortKey(keys[i]);
  }
}

} // namespace cnnslicer
