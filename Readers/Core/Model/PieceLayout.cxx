#include "PieceLayout.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace cnnslicer
{

SampleShare shareOfSamples(std::size_t samples, int piece, int pieces)
{
  if (pieces < 1 || piece < 0 || piece >= pieces)
  {
    throw std::invalid_argument("piece " + std::to_string(piece) + " of " + std::to_string(pieces) +
                                " does not exist");
  }
  const auto begin =
    static_cast<std::size_t>(static_cast<unsigned long long>(samples) *
                             static_cast<unsigned>(piece) / static_cast<unsigned>(pieces));
  const auto end =
    static_cast<std::size_t>(static_cast<unsigned long long>(samples) *
                             static_cast<unsigned>(piece + 1) / static_cast<unsigned>(pieces));
  return SampleShare{ begin, end - begin };
}

std::vector<int> assignLayersToPieces(const std::vector<std::uint64_t>& layerBytes, int pieces)
{
  if (pieces < 1)
  {
    throw std::invalid_argument("the number of pieces must be at least 1");
  }
  std::vector<std::size_t> order(layerBytes.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  // Largest first, earlier layer first on ties. std::sort with the index as tie-break
  // gives stable_sort's order without its temporary buffer, which GCC 12's libstdc++
  // frees with a call that AddressSanitizer reports as an alloc-dealloc mismatch.
  std::sort(order.begin(),
            order.end(),
            [&](std::size_t a, std::size_t b)
            { return layerBytes[a] != layerBytes[b] ? layerBytes[a] > layerBytes[b] : a < b; });
  std::vector<std::uint64_t> load(static_cast<std::size_t>(pieces), 0);
  std::vector<int> owner(layerBytes.size(), -1);
  for (const std::size_t layer : order)
  {
    if (layerBytes[layer] == 0)
    {
      continue;
    }
    // min_element returns the first minimum: the lower piece on ties.
    const auto lightest = std::min_element(load.begin(), load.end());
    *lightest += layerBytes[layer];
    owner[layer] = static_cast<int>(lightest - load.begin());
  }
  return owner;
}

} // namespace cnnslicer
