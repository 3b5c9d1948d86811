#include "RepresentationEntropy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cnnslicer
{

std::string RepresentationEntropyOptions::validate() const
{
  if (Range == RangeMode::Channel)
  {
    return "the representation entropy bins every neuron on one grid: use the layer range "
           "or a fixed range, not per-channel ranges";
  }
  // Bins and fixed range: the same rules as the discrete estimator's.
  DiscreteEntropyOptions discrete;
  discrete.Bins = Bins;
  discrete.Range = Range;
  discrete.FixedRange = FixedRange;
  discrete.Unit = Unit;
  return discrete.validate();
}

namespace
{

/**
 * @brief Numbers the distinct (class, bin) keys of one refinement step.
 *
 * Open addressing with linear probing; a generation stamp per slot makes clearing
 * between neurons free. Capacity is at least twice the number of samples, so the load
 * factor stays below one half.
 */
class ClassSplitter
{
public:
  explicit ClassSplitter(std::size_t samples)
  {
    std::size_t capacity = 16;
    while (capacity < 2 * samples)
    {
      capacity *= 2;
    }
    Keys.resize(capacity);
    Ids.resize(capacity);
    Stamps.assign(capacity, 0);
    Mask = capacity - 1;
  }

  /// Starts a new step: every key is forgotten.
  void clear()
  {
    ++Generation;
    Next = 0;
  }

  /// The class number of @p key in this step, a new one when unseen.
  std::uint32_t classOf(std::uint64_t key)
  {
    // Fibonacci hashing spreads the consecutive keys (class * (B+1) + bin).
    std::size_t slot = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & Mask;
    while (Stamps[slot] == Generation)
    {
      if (Keys[slot] == key)
      {
        return Ids[slot];
      }
      slot = (slot + 1) & Mask;
    }
    Stamps[slot] = Generation;
    Keys[slot] = key;
    Ids[slot] = Next;
    return Next++;
  }

  std::uint32_t classes() const { return Next; }

private:
  std::vector<std::uint64_t> Keys;
  std::vector<std::uint32_t> Ids;
  std::vector<std::uint32_t> Stamps;
  std::size_t Mask = 0;
  std::uint32_t Generation = 0;
  std::uint32_t Next = 0;
};

/// Entropy of the counts of each distinct value in @p sortedKeys (sorted ascending).
double entropyOfRuns(const std::vector<std::uint64_t>& sortedKeys, EntropyUnit unit)
{
  std::vector<std::uint64_t> counts;
  for (std::size_t i = 0; i < sortedKeys.size();)
  {
    std::size_t j = i;
    while (j < sortedKeys.size() && sortedKeys[j] == sortedKeys[i])
    {
      ++j;
    }
    counts.push_back(j - i);
    i = j;
  }
  return entropyFromCounts(counts.data(), counts.size(), unit);
}

} // namespace

template<typename T>
bool computeRepresentationEntropy(const ActivationLayout<T>& layout,
                                  const SampleGrouping& grouping,
                                  const RepresentationEntropyOptions& options,
                                  RepresentationEntropy& result,
                                  int threads,
                                  const Progress& progress)
{
  requireValidInputs(layout, grouping, options.validate());

  result = RepresentationEntropy();
  const std::size_t samples = layout.NumberOfSamples;
  const std::size_t points = layout.NumberOfPoints;
  const std::size_t selected = grouping.selectedCount();
  const auto bins = static_cast<std::uint64_t>(options.Bins);

  if (options.Range == RangeMode::Fixed)
  {
    result.Range = options.FixedRange;
  }
  else
  {
    ValueRange range{ std::numeric_limits<double>::infinity(),
                      -std::numeric_limits<double>::infinity() };
    for (const ValueRange& r : channelRanges(layout, grouping, threads))
    {
      range.Low = std::min(range.Low, r.Low);
      range.High = std::max(range.High, r.High);
    }
    result.Range = range.valid() ? range : ValueRange{ 0.0, 0.0 };
  }
  const HistogramBinning binning(result.Range, options.Bins);

  // Partition refinement: classOf[n] numbers sample n's pattern so far; excluded samples
  // keep the marker and take no part.
  constexpr std::uint32_t excluded = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> classOf(samples, excluded);
  for (std::size_t n = 0; n < samples; ++n)
  {
    if (grouping.Group[n] >= 0)
    {
      classOf[n] = 0;
    }
  }
  std::uint64_t classes = 1;
  std::vector<std::uint32_t> bin(samples);
  ClassSplitter splitter(samples);
  std::size_t p = 0;
  for (; p < points && classes < selected; ++p)
  {
    binning.indices(layout.neuron(p), samples, bin.data());
    // Non-finite values are counted over every neuron, not only the ones examined.
    for (std::size_t n = 0; n < samples; ++n)
    {
      result.NonFinite += (classOf[n] != excluded && bin[n] == bins) ? 1 : 0;
    }
    // A neuron with one bin for every selected sample cannot split any class.
    std::uint32_t first = excluded;
    bool constant = true;
    for (std::size_t n = 0; n < samples && constant; ++n)
    {
      if (classOf[n] != excluded)
      {
        first = first == excluded ? bin[n] : first;
        constant = bin[n] == first;
      }
    }
    if (!constant)
    {
      splitter.clear();
      for (std::size_t n = 0; n < samples; ++n)
      {
        if (classOf[n] != excluded)
        {
          classOf[n] = splitter.classOf(classOf[n] * (bins + 1) + bin[n]);
        }
      }
      classes = splitter.classes();
    }
    if ((p & 63) == 63 && !progress.report(static_cast<double>(p + 1) / points))
    {
      return false;
    }
  }
  result.NeuronsExamined = p;
  // Every sample has its own pattern: the remaining neurons only matter for the count of
  // non-finite values.
  for (; p < points; ++p)
  {
    const T* v = layout.neuron(p);
    for (std::size_t n = 0; n < samples; ++n)
    {
      result.NonFinite += (classOf[n] != excluded && !std::isfinite(v[n])) ? 1 : 0;
    }
  }

  // H(T) from the pattern counts; H(T|Y=k) from (class, pattern) pairs sorted by class.
  std::vector<std::uint64_t> patterns;
  std::vector<std::uint64_t> pairs;
  patterns.reserve(selected);
  pairs.reserve(selected);
  for (std::size_t n = 0; n < samples; ++n)
  {
    if (classOf[n] != excluded)
    {
      patterns.push_back(classOf[n]);
      pairs.push_back(static_cast<std::uint64_t>(grouping.Group[n]) << 32 | classOf[n]);
    }
  }
  std::sort(patterns.begin(), patterns.end());
  std::sort(pairs.begin(), pairs.end());
  const double unit = natsTo(options.Unit);
  result.Samples = selected;
  result.Patterns = classes;
  result.Entropy = entropyOfRuns(patterns, options.Unit);
  result.MaximumEntropy = std::log(static_cast<double>(selected)) * unit;

  if (grouping.hasClasses())
  {
    const int groups = grouping.numberOfGroups();
    result.ClassEntropy.assign(static_cast<std::size_t>(groups), NotANumber);
    std::vector<std::uint64_t> groupCounts(static_cast<std::size_t>(groups), 0);
    double conditional = 0.0;
    for (std::size_t i = 0; i < pairs.size();)
    {
      const std::uint64_t group = pairs[i] >> 32;
      std::size_t j = i;
      while (j < pairs.size() && (pairs[j] >> 32) == group)
      {
        ++j;
      }
      const std::vector<std::uint64_t> members(pairs.begin() + static_cast<std::ptrdiff_t>(i),
                                               pairs.begin() + static_cast<std::ptrdiff_t>(j));
      const double h = entropyOfRuns(members, options.Unit);
      result.ClassEntropy[group] = h;
      groupCounts[group] = j - i;
      conditional += static_cast<double>(j - i) / static_cast<double>(selected) * h;
      i = j;
    }
    result.ConditionalEntropy = conditional;
    // H(T) >= H(T|Y) holds exactly; rounding may leave -1e-16, which is 0.
    result.MutualInformation = std::max(0.0, result.Entropy - conditional);
    result.LabelEntropy = entropyFromCounts(groupCounts.data(), groupCounts.size(), options.Unit);
  }
  progress.report(1.0);
  return true;
}

template bool computeRepresentationEntropy<float>(const ActivationLayout<float>&,
                                                  const SampleGrouping&,
                                                  const RepresentationEntropyOptions&,
                                                  RepresentationEntropy&,
                                                  int,
                                                  const Progress&);
template bool computeRepresentationEntropy<double>(const ActivationLayout<double>&,
                                                   const SampleGrouping&,
                                                   const RepresentationEntropyOptions&,
                                                   RepresentationEntropy&,
                                                   int,
                                                   const Progress&);

} // namespace cnnslicer
