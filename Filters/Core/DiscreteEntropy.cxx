#include "DiscreteEntropy.h"

#include "FiniteRange.h"
#include "VectorClones.h"

#include "ParallelRunner.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace cnnslicer
{

HistogramBinning::HistogramBinning(ValueRange range, int bins)
  : Low(range.Low)
  , Scale(0.0)
  , LastBin(static_cast<double>(bins - 1))
  , Bins(bins)
{
  if (range.High > range.Low)
  {
    Scale = static_cast<double>(bins) / (range.High - range.Low);
    if (!std::isfinite(Scale))
    {
      // A range narrower than bins / DBL_MAX: every distinct value gets its own edge bin.
      Scale = std::numeric_limits<double>::max();
    }
  }
}

namespace
{

/**
 * Bin index of each value, the same arithmetic as HistogramBinning but branch-free so
 * that the compiler vectorises it: (v - v) == 0 is false exactly for NaN and +-Inf.
 */
template<typename T>
CNNSLICER_ALWAYS_INLINE void binIndicesLoop(const T* values,
                                            std::size_t n,
                                            double low,
                                            double scale,
                                            double lastBin,
                                            std::uint32_t nonFiniteBin,
                                            std::uint32_t* out)
{
  for (std::size_t i = 0; i < n; ++i)
  {
    const double v = static_cast<double>(values[i]);
    const bool finite = (v - v) == 0.0;
    double t = (v - low) * scale;
    t = t < 0.0 ? 0.0 : t;
    t = t > lastBin ? lastBin : t;
    t = finite ? t : 0.0;
    const auto bin = static_cast<std::uint32_t>(static_cast<std::int32_t>(t));
    out[i] = finite ? bin : nonFiniteBin;
  }
}

CNNSLICER_VECTOR_CLONES void binIndices(const float* values,
                                        std::size_t n,
                                        double low,
                                        double scale,
                                        double lastBin,
                                        std::uint32_t nonFiniteBin,
                                        std::uint32_t* out)
{
  binIndicesLoop(values, n, low, scale, lastBin, nonFiniteBin, out);
}

CNNSLICER_VECTOR_CLONES void binIndices(const double* values,
                                        std::size_t n,
                                        double low,
                                        double scale,
                                        double lastBin,
                                        std::uint32_t nonFiniteBin,
                                        std::uint32_t* out)
{
  binIndicesLoop(values, n, low, scale, lastBin, nonFiniteBin, out);
}

} // namespace

template<typename T>
void HistogramBinning::indices(const T* values, std::size_t n, std::uint32_t* out) const
{
  binIndices(
    values, n, this->Low, this->Scale, this->LastBin, static_cast<std::uint32_t>(this->Bins), out);
}

template void HistogramBinning::indices<float>(const float*, std::size_t, std::uint32_t*) const;
template void HistogramBinning::indices<double>(const double*, std::size_t, std::uint32_t*) const;

double entropyFromCounts(const std::uint64_t* counts, std::size_t bins, EntropyUnit unit)
{
  double n = 0.0;
  double sumCLogC = 0.0;
  for (std::size_t b = 0; b < bins; ++b)
  {
    if (counts[b] > 0)
    {
      const double c = static_cast<double>(counts[b]);
      n += c;
      sumCLogC += c * std::log(c);
    }
  }
  if (n == 0.0)
  {
    return NotANumber;
  }
  return std::max(0.0, std::log(n) - sumCLogC / n) * natsTo(unit);
}

std::string DiscreteEntropyOptions::validate() const
{
  if (Bins < MinimumBins || Bins > MaximumBins)
  {
    return "number of bins " + std::to_string(Bins) + " is outside [" +
           std::to_string(MinimumBins) + ", " + std::to_string(MaximumBins) + "]";
  }
  if (Range == RangeMode::Fixed &&
      !(std::isfinite(FixedRange.Low) && std::isfinite(FixedRange.High) &&
        FixedRange.Low <= FixedRange.High))
  {
    return "the fixed range [" + std::to_string(FixedRange.Low) + ", " +
           std::to_string(FixedRange.High) + "] is not a finite interval with low <= high";
  }
  return std::string();
}

namespace
{

/**
 * Sums that determine every entropy of one histogram with groups: for each group g,
 * n_g = sum_b c_gb and s_g = sum_b c_gb log c_gb; for the whole, n and s over the bin
 * totals c_b = sum_g c_gb. Then H = log n - s / n (nats).
 */
struct HistogramSummary
{
  std::vector<double> GroupCount;
  std::vector<double> GroupCLogC;
  double Count = 0.0;
  double CLogC = 0.0;
  std::uint64_t NonFinite = 0;

  void reset(int groups)
  {
    GroupCount.assign(groups, 0.0);
    GroupCLogC.assign(groups, 0.0);
    Count = 0.0;
    CLogC = 0.0;
    NonFinite = 0;
  }
};

inline double cLogC(double c)
{
  return c > 0.0 ? c * std::log(c) : 0.0;
}

/// Summarises a dense histogram laid out group-major: counts[g * (B+1) + b], b = B is the
/// non-finite slot; group G (the last) holds excluded samples and is ignored.
template<typename CountT>
void summarizeDense(const CountT* counts, int bins, int groups, HistogramSummary& summary)
{
  summary.reset(groups);
  const std::size_t stride = static_cast<std::size_t>(bins) + 1;
  for (int b = 0; b < bins; ++b)
  {
    double total = 0.0;
    for (int g = 0; g < groups; ++g)
    {
      const double c = static_cast<double>(counts[g * stride + b]);
      if (c > 0.0)
      {
        total += c;
        summary.GroupCount[g] += c;
        summary.GroupCLogC[g] += c * std::log(c);
      }
    }
    summary.Count += total;
    summary.CLogC += cLogC(total);
  }
  for (int g = 0; g < groups; ++g)
  {
    summary.NonFinite += static_cast<std::uint64_t>(counts[g * stride + bins]);
  }
}

/// Summarises ascending bin-major keys (key = b * (G+1) + g) of a sparse histogram.
void summarizeSparse(const std::vector<std::uint32_t>& sortedKeys,
                     int bins,
                     int groups,
                     HistogramSummary& summary)
{
  summary.reset(groups);
  const std::uint32_t groupSlots = static_cast<std::uint32_t>(groups) + 1;
  std::size_t i = 0;
  while (i < sortedKeys.size())
  {
    const std::uint32_t bin = sortedKeys[i] / groupSlots;
    double binTotal = 0.0;
    while (i < sortedKeys.size() && sortedKeys[i] / groupSlots == bin)
    {
      const std::uint32_t key = sortedKeys[i];
      std::size_t j = i;
      while (j < sortedKeys.size() && sortedKeys[j] == key)
      {
        ++j;
      }
      const auto group = static_cast<int>(key % groupSlots);
      const double c = static_cast<double>(j - i);
      if (group < groups)
      {
        if (static_cast<int>(bin) == bins)
        {
          summary.NonFinite += j - i;
        }
        else
        {
          binTotal += c;
          summary.GroupCount[group] += c;
          summary.GroupCLogC[group] += c * std::log(c);
        }
      }
      i = j;
    }
    summary.Count += binTotal;
    summary.CLogC += cLogC(binTotal);
  }
}

inline double entropyOf(double n, double sumCLogC)
{
  return n > 0.0 ? std::max(0.0, std::log(n) - sumCLogC / n) : NotANumber;
}

/// Writes the entropies of @p summary into entry @p i of @p out.
void storeSummary(const HistogramSummary& summary,
                  bool hasClasses,
                  double scale,
                  ScopeEntropy& out,
                  std::size_t i)
{
  out.Count[i] = static_cast<std::uint64_t>(summary.Count);
  out.NonFinite[i] = summary.NonFinite;
  const double h = entropyOf(summary.Count, summary.CLogC);
  out.Entropy[i] = h * scale;
  if (!hasClasses)
  {
    return;
  }
  double conditional = 0.0;
  const int groups = static_cast<int>(summary.GroupCount.size());
  for (int g = 0; g < groups; ++g)
  {
    const double hg = entropyOf(summary.GroupCount[g], summary.GroupCLogC[g]);
    if (summary.GroupCount[g] > 0.0)
    {
      conditional += summary.GroupCount[g] / summary.Count * hg;
    }
    if (!out.ClassEntropy.empty())
    {
      out.ClassEntropy[g][i] = hg * scale;
    }
  }
  if (summary.Count > 0.0)
  {
    out.ConditionalEntropy[i] = conditional * scale;
    // Plug-in I(T;Y) = H(T) - H(T|Y) >= 0 by concavity; only rounding can cross zero.
    out.MutualInformation[i] = std::max(0.0, h - conditional) * scale;
  }
}

/// Per-sample offset of its group's histogram (excluded samples go to the discard group).
std::vector<std::uint32_t> groupOffsets(const SampleGrouping& grouping, int bins)
{
  const int groups = grouping.numberOfGroups();
  std::vector<std::uint32_t> offsets(grouping.numberOfSamples());
  for (std::size_t n = 0; n < offsets.size(); ++n)
  {
    const int g = grouping.Group[n] >= 0 ? grouping.Group[n] : groups;
    offsets[n] = static_cast<std::uint32_t>(g) * (static_cast<std::uint32_t>(bins) + 1);
  }
  return offsets;
}

bool selectsEverySample(const SampleGrouping& grouping)
{
  return std::all_of(
    grouping.Group.begin(), grouping.Group.end(), [](std::int32_t g) { return g >= 0; });
}

bool selectsEverySampleInOneGroup(const SampleGrouping& grouping)
{
  return !grouping.hasClasses() && std::all_of(grouping.Group.begin(),
                                               grouping.Group.end(),
                                               [](std::int32_t g) { return g == 0; });
}

/**
 * Counts one neuron's values: bin indices for a block at a time (vectorised), then
 * increments spread over four interleaved copies of the histogram (stride @p slots), so
 * that runs of one bin (ReLU zeros) do not serialise on a store-to-load dependency.
 * The copies are merged into the first.
 */
template<typename T>
void countNeuronDense(const T* values,
                      std::size_t n,
                      const std::uint32_t* offsets,
                      const HistogramBinning& binning,
                      std::size_t slots,
                      std::uint32_t* copies)
{
  std::fill(copies, copies + 4 * slots, 0u);
  std::uint32_t* c0 = copies;
  std::uint32_t* c1 = copies + slots;
  std::uint32_t* c2 = copies + 2 * slots;
  std::uint32_t* c3 = copies + 3 * slots;
  constexpr std::size_t Block = 1024;
  std::uint32_t bins[Block];
  for (std::size_t begin = 0; begin < n; begin += Block)
  {
    const std::size_t count = std::min(Block, n - begin);
    binning.indices(values + begin, count, bins);
    if (offsets != nullptr)
    {
      for (std::size_t i = 0; i < count; ++i)
      {
        bins[i] += offsets[begin + i];
      }
    }
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4)
    {
      ++c0[bins[i]];
      ++c1[bins[i + 1]];
      ++c2[bins[i + 2]];
      ++c3[bins[i + 3]];
    }
    for (; i < count; ++i)
    {
      ++c0[bins[i]];
    }
  }
  for (std::size_t s = 0; s < slots; ++s)
  {
    c0[s] += c1[s] + c2[s] + c3[s];
  }
}

/// Sorted bin-major keys of one neuron: used when the histogram is much larger than n.
template<typename T>
void countNeuronSparse(const T* values,
                       std::size_t n,
                       const SampleGrouping& grouping,
                       const HistogramBinning& binning,
                       std::vector<std::uint32_t>& keys)
{
  const int groups = grouping.numberOfGroups();
  const std::uint32_t groupSlots = static_cast<std::uint32_t>(groups) + 1;
  keys.resize(n);
  for (std::size_t i = 0; i < n; ++i)
  {
    const int g = grouping.Group[i] >= 0 ? grouping.Group[i] : groups;
    keys[i] =
      static_cast<std::uint32_t>(binning(values[i])) * groupSlots + static_cast<std::uint32_t>(g);
  }
  std::sort(keys.begin(), keys.end());
}

/// Per-channel histogram sums shared by the tasks of that channel.
struct ChannelAccumulator
{
  std::mutex Mutex;
  std::vector<std::uint64_t> Counts;
  std::atomic<std::size_t> PendingTasks{ 0 };
};

} // namespace

template<typename T>
std::vector<ValueRange> channelRanges(const ActivationLayout<T>& layout,
                                      const SampleGrouping& grouping,
                                      int threads)
{
  const std::size_t channels = layout.NumberOfChannels;
  const std::size_t perChannel = layout.pointsPerChannel();
  const std::size_t samples = layout.NumberOfSamples;
  const std::size_t block = std::max<std::size_t>(1, (std::size_t(1) << 20) / samples);
  const std::size_t blocksPerChannel = (perChannel + block - 1) / block;
  // With every sample selected (whatever their classes) the range is that of all values:
  // the vectorised pass, not the per-sample test.
  const bool everySample = selectsEverySample(grouping);

  std::vector<ValueRange> taskRanges(channels * blocksPerChannel,
                                     ValueRange{ std::numeric_limits<double>::infinity(),
                                                 -std::numeric_limits<double>::infinity() });
  ParallelRunner(threads).forEach(
    taskRanges.size(),
    [&](std::size_t task)
    {
      const std::size_t c = task / blocksPerChannel;
      const std::size_t first = c * perChannel + (task % blocksPerChannel) * block;
      const std::size_t last = std::min(first + block, (c + 1) * perChannel);
      T lo = std::numeric_limits<T>::infinity();
      T hi = -std::numeric_limits<T>::infinity();
      for (std::size_t p = first; p < last; ++p)
      {
        const T* v = layout.neuron(p);
        if (everySample)
        {
          finiteMinMax(v, samples, lo, hi);
          continue;
        }
        for (std::size_t n = 0; n < samples; ++n)
        {
          if (std::isfinite(v[n]) && grouping.Group[n] >= 0)
          {
            lo = std::min(lo, v[n]);
            hi = std::max(hi, v[n]);
          }
        }
      }
      taskRanges[task] = ValueRange{ static_cast<double>(lo), static_cast<double>(hi) };
    });

  std::vector<ValueRange> ranges(channels,
                                 ValueRange{ std::numeric_limits<double>::infinity(),
                                             -std::numeric_limits<double>::infinity() });
  for (std::size_t task = 0; task < taskRanges.size(); ++task)
  {
    ValueRange& r = ranges[task / blocksPerChannel];
    r.Low = std::min(r.Low, taskRanges[task].Low);
    r.High = std::max(r.High, taskRanges[task].High);
  }
  return ranges;
}

namespace
{

/// The range each channel is binned with, following options.Range.
template<typename T>
std::vector<ValueRange> binningRanges(const ActivationLayout<T>& layout,
                                      const SampleGrouping& grouping,
                                      const DiscreteEntropyOptions& options,
                                      int threads)
{
  if (options.Range == RangeMode::Fixed)
  {
    return std::vector<ValueRange>(layout.NumberOfChannels, options.FixedRange);
  }
  std::vector<ValueRange> ranges = channelRanges(layout, grouping, threads);
  if (options.Range == RangeMode::Layer)
  {
    ValueRange layer = ranges.front();
    for (const ValueRange& r : ranges)
    {
      layer.Low = std::min(layer.Low, r.Low);
      layer.High = std::max(layer.High, r.High);
    }
    std::fill(ranges.begin(), ranges.end(), layer);
  }
  for (ValueRange& r : ranges)
  {
    if (!r.valid())
    {
      // No finite value: any range gives the same (empty) histograms.
      r = ValueRange{ 0.0, 0.0 };
    }
  }
  return ranges;
}

} // namespace

template<typename T>
bool computeDiscreteEntropy(const ActivationLayout<T>& layout,
                            const SampleGrouping& grouping,
                            const DiscreteEntropyOptions& options,
                            LayerDiscreteEntropy& result,
                            int threads,
                            const Progress& progress)
{
  requireValidInputs(layout, grouping, options.validate());
  const int bins = options.Bins;
  const int groups = grouping.numberOfGroups();
  const bool hasClasses = grouping.hasClasses();
  const std::size_t samples = layout.NumberOfSamples;
  const std::size_t channels = layout.NumberOfChannels;
  const std::size_t perChannel = layout.pointsPerChannel();
  const std::size_t slots = static_cast<std::size_t>(groups + 1) * (bins + 1);
  const double scale =
    options.Normalize ? 1.0 / std::log(static_cast<double>(bins)) : natsTo(options.Unit);

  result.ChannelRanges = binningRanges(layout, grouping, options, threads);
  if (!progress.report(0.05))
  {
    return false;
  }
  if (options.NeuronScope)
  {
    result.Neurons.resize(layout.NumberOfPoints, grouping, false, options.PerClass);
  }
  result.Channels.resize(options.ChannelScope ? channels : 0, grouping, false, options.PerClass);
  result.Layer.resize(options.LayerScope ? 1 : 0, grouping, false, options.PerClass);
  const bool pooled = options.ChannelScope || options.LayerScope;

  // The dense histogram costs a few sequential passes over 4 * slots counters per neuron;
  // sorting the neuron's bin keys costs about 50 ns per value. Measured (B = 64 to 4096,
  // 1 or 10 classes), dense stays faster until slots exceed about 16 to 20 times the
  // samples: sorting is for large B with few samples.
  const bool sparse = slots > 16 * samples;
  const std::vector<std::uint32_t> offsets = groupOffsets(grouping, bins);
  const std::uint32_t* sampleOffsets =
    selectsEverySampleInOneGroup(grouping) ? nullptr : offsets.data();

  // Tasks are blocks of about a million values inside one channel, so that pooled
  // counts are merged per channel and only a few channel histograms are alive at once.
  const std::size_t block = std::max<std::size_t>(1, (std::size_t(1) << 20) / samples);
  const std::size_t blocksPerChannel = (perChannel + block - 1) / block;
  std::vector<ChannelAccumulator> accumulators(channels);
  for (auto& accumulator : accumulators)
  {
    accumulator.PendingTasks = blocksPerChannel;
  }
  std::vector<std::uint64_t> layerCounts(pooled ? slots : 0, 0);
  std::mutex layerMutex;

  const bool completed = ParallelRunner(threads).forEach(
    channels * blocksPerChannel,
    [&](std::size_t task)
    {
      const std::size_t c = task / blocksPerChannel;
      const std::size_t first = c * perChannel + (task % blocksPerChannel) * block;
      const std::size_t last = std::min(first + block, (c + 1) * perChannel);
      const HistogramBinning binning(result.ChannelRanges[c], bins);
      std::vector<std::uint32_t> copies(sparse ? 0 : 4 * slots);
      std::vector<std::uint32_t> keys;
      std::vector<std::uint64_t> taskCounts(pooled ? slots : 0, 0);
      HistogramSummary summary;
      const std::uint32_t groupSlots = static_cast<std::uint32_t>(groups) + 1;
      for (std::size_t p = first; p < last; ++p)
      {
        if (sparse)
        {
          countNeuronSparse(layout.neuron(p), samples, grouping, binning, keys);
          if (options.NeuronScope)
          {
            summarizeSparse(keys, bins, groups, summary);
            storeSummary(summary, hasClasses, scale, result.Neurons, p);
          }
          if (pooled)
          {
            for (const std::uint32_t key : keys)
            {
              ++taskCounts[(key % groupSlots) * (bins + 1) + key / groupSlots];
            }
          }
        }
        else
        {
          countNeuronDense(layout.neuron(p), samples, sampleOffsets, binning, slots, copies.data());
          if (options.NeuronScope)
          {
            summarizeDense(copies.data(), bins, groups, summary);
            storeSummary(summary, hasClasses, scale, result.Neurons, p);
          }
          if (pooled)
          {
            for (std::size_t s = 0; s < slots; ++s)
            {
              taskCounts[s] += copies[s];
            }
          }
        }
      }
      if (!pooled)
      {
        return;
      }
      ChannelAccumulator& accumulator = accumulators[c];
      const std::lock_guard<std::mutex> lock(accumulator.Mutex);
      if (accumulator.Counts.empty())
      {
        accumulator.Counts.assign(slots, 0);
      }
      for (std::size_t s = 0; s < slots; ++s)
      {
        accumulator.Counts[s] += taskCounts[s];
      }
      if (--accumulator.PendingTasks > 0)
      {
        return;
      }
      // Last block of this channel: its histogram is complete (integer sums, so the
      // order in which blocks arrived does not matter).
      if (options.ChannelScope)
      {
        HistogramSummary channelSummary;
        summarizeDense(accumulator.Counts.data(), bins, groups, channelSummary);
        storeSummary(channelSummary, hasClasses, scale, result.Channels, c);
      }
      if (options.LayerScope)
      {
        const std::lock_guard<std::mutex> layerLock(layerMutex);
        for (std::size_t s = 0; s < slots; ++s)
        {
          layerCounts[s] += accumulator.Counts[s];
        }
      }
      std::vector<std::uint64_t>().swap(accumulator.Counts);
    },
    progress,
    0.05,
    0.99);
  if (!completed)
  {
    return false;
  }
  if (options.LayerScope)
  {
    HistogramSummary layerSummary;
    summarizeDense(layerCounts.data(), bins, groups, layerSummary);
    storeSummary(layerSummary, hasClasses, scale, result.Layer, 0);
  }
  progress.report(1.0);
  return true;
}

template<typename T>
bool computeSampleEntropy(const ActivationLayout<T>& layout,
                          const SampleGrouping& grouping,
                          const DiscreteEntropyOptions& options,
                          ScopeEntropy& result,
                          int threads,
                          const Progress& progress)
{
  requireValidInputs(layout, grouping, options.validate());
  const int bins = options.Bins;
  const std::size_t samples = layout.NumberOfSamples;
  const std::size_t channels = layout.NumberOfChannels;
  const std::size_t perChannel = layout.pointsPerChannel();
  const std::size_t slots = static_cast<std::size_t>(bins) + 1;
  const double scale =
    options.Normalize ? 1.0 / std::log(static_cast<double>(bins)) : natsTo(options.Unit);
  const std::vector<ValueRange> ranges = binningRanges(layout, grouping, options, threads);
  result.resize(channels * samples, SampleGrouping::all(0), false, false);

  // Each task holds the histograms of a block of samples (about 4 M counters) and walks
  // the channel's points once, reading each point's contiguous sample values.
  const std::size_t block =
    std::max<std::size_t>(1, std::min(samples, (std::size_t(1) << 22) / slots));
  const std::size_t blocksPerChannel = (samples + block - 1) / block;
  return ParallelRunner(threads).forEach(
    channels * blocksPerChannel,
    [&](std::size_t task)
    {
      const std::size_t c = task / blocksPerChannel;
      const std::size_t n0 = (task % blocksPerChannel) * block;
      const std::size_t n1 = std::min(samples, n0 + block);
      const HistogramBinning binning(ranges[c], bins);
      std::vector<std::uint32_t> counts((n1 - n0) * slots, 0);
      for (std::size_t p = c * perChannel; p < (c + 1) * perChannel; ++p)
      {
        const T* v = layout.neuron(p);
        for (std::size_t n = n0; n < n1; ++n)
        {
          ++counts[(n - n0) * slots + binning(v[n])];
        }
      }
      HistogramSummary summary;
      for (std::size_t n = n0; n < n1; ++n)
      {
        if (grouping.Group[n] < 0)
        {
          continue;
        }
        // A single group: summarizeDense reads only this sample's row.
        summarizeDense(counts.data() + (n - n0) * slots, bins, 1, summary);
        storeSummary(summary, false, scale, result, c * samples + n);
      }
    },
    progress);
}

template<typename T>
double discreteEntropy(const T* values,
                       std::size_t n,
                       ValueRange range,
                       int bins,
                       EntropyUnit unit,
                       std::uint64_t* nonFinite)
{
  if (bins < MinimumBins || bins > MaximumBins)
  {
    throw std::invalid_argument("number of bins " + std::to_string(bins) + " is outside [" +
                                std::to_string(MinimumBins) + ", " + std::to_string(MaximumBins) +
                                "]");
  }
  const HistogramBinning binning(range, bins);
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(bins) + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
  {
    ++counts[binning(values[i])];
  }
  if (nonFinite != nullptr)
  {
    *nonFinite = counts[bins];
  }
  return entropyFromCounts(counts.data(), static_cast<std::size_t>(bins), unit);
}

#define CNNSLICER_INSTANTIATE_DISCRETE(T)                                                          \
  template std::vector<ValueRange> channelRanges<T>(                                               \
    const ActivationLayout<T>&, const SampleGrouping&, int);                                       \
  template bool computeDiscreteEntropy<T>(const ActivationLayout<T>&,                              \
                                          const SampleGrouping&,                                   \
                                          const DiscreteEntropyOptions&,                           \
                                          LayerDiscreteEntropy&,                                   \
                                          int,                                                     \
                                          const Progress&);                                        \
  template bool computeSampleEntropy<T>(const ActivationLayout<T>&,                                \
                                        const SampleGrouping&,                                     \
                                        const DiscreteEntropyOptions&,                             \
                                        ScopeEntropy&,                                             \
                                        int,                                                       \
                                        const Progress&);                                          \
  template double discreteEntropy<T>(                                                              \
    const T*, std::size_t, ValueRange, int, EntropyUnit, std::uint64_t*);

CNNSLICER_INSTANTIATE_DISCRETE(float)
CNNSLICER_INSTANTIATE_DISCRETE(double)

} // namespace cnnslicer
