#include "DiscreteEntropy.h"

#include "ChannelRangeAccumulator.h"
#include "HistogramAccumulator.h"
#include "ParallelRunner.h"
#include "VectorClones.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cnnslicer
{

HistogramBinning::HistogramBinning(ValueRange range, int bins)
  : Low(range.Low)
  , High(range.High)
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

/// What the vectorised loop needs of a HistogramBinning.
struct BinningConstants
{
  double Low;
  double High;
  double Scale;
  double LastBin;
  std::uint32_t NonFiniteBin;
};

/**
 * Bin index of each value, the same arithmetic as HistogramBinning but branch-free so
 * that the compiler vectorises it: (v - v) == 0 is false exactly for NaN and +-Inf.
 * With CountOutside, also counts the finite values outside [Low, High], clamped into an
 * edge bin: in the same loop rather than a second pass over the values, which made the
 * accumulator's counting 1.8x slower; still a quarter slower, so only where asked.
 */
template<bool CountOutside, typename T>
CNNSLICER_ALWAYS_INLINE std::size_t binIndicesLoop(const T* values,
                                                   std::size_t n,
                                                   const BinningConstants k,
                                                   std::uint32_t* out)
{
  const double low = k.Low;
  const double high = k.High;
  const double scale = k.Scale;
  const double lastBin = k.LastBin;
  std::uint32_t outside = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double v = static_cast<double>(values[i]);
    const bool finite = (v - v) == 0.0;
    double t = (v - low) * scale;
    t = t < 0.0 ? 0.0 : t;
    t = t > lastBin ? lastBin : t;
    t = finite ? t : 0.0;
    const auto bin = static_cast<std::uint32_t>(static_cast<std::int32_t>(t));
    out[i] = finite ? bin : k.NonFiniteBin;
    if constexpr (CountOutside)
    {
      outside += static_cast<std::uint32_t>(finite & ((v < low) | (v > high)));
    }
  }
  return outside;
}

/// One call of the loop: the values, the binning, whether to count outside values, the bins.
template<typename T>
struct BinJob
{
  const T* Values;
  std::size_t N;
  BinningConstants K;
  bool CountOutside;
  std::uint32_t* Out;
};

template<typename T>
CNNSLICER_ALWAYS_INLINE std::size_t runBinJob(const BinJob<T> job)
{
  return job.CountOutside ? binIndicesLoop<true>(job.Values, job.N, job.K, job.Out)
                          : binIndicesLoop<false>(job.Values, job.N, job.K, job.Out);
}

// One clone pair a value type: target_clones takes no template.
CNNSLICER_VECTOR_CLONES std::size_t binIndices(BinJob<float> job)
{
  return runBinJob(job);
}

CNNSLICER_VECTOR_CLONES std::size_t binIndices(BinJob<double> job)
{
  return runBinJob(job);
}

} // namespace

template<typename T>
std::size_t HistogramBinning::binValues(const T* values,
                                        std::size_t n,
                                        std::uint32_t* out,
                                        bool countClamped) const
{
  const BinningConstants constants{
    this->Low, this->High, this->Scale, this->LastBin, static_cast<std::uint32_t>(this->Bins)
  };
  return binIndices(BinJob<T>{ values, n, constants, countClamped, out });
}

template std::size_t HistogramBinning::binValues<float>(const float*,
                                                        std::size_t,
                                                        std::uint32_t*,
                                                        bool) const;
template std::size_t HistogramBinning::binValues<double>(const double*,
                                                         std::size_t,
                                                         std::uint32_t*,
                                                         bool) const;

namespace
{

/// Adds a count c > 0 to the sums n = sum c and s = sum c log c (zero counts add nothing).
inline void addCount(double c, double& n, double& sumCLogC)
{
  if (c > 0.0)
  {
    n += c;
    sumCLogC += c * std::log(c);
  }
}

/// H = log n - s / n in nats, never negative but for rounding; NaN for no value (n = 0).
inline double entropyOf(double n, double sumCLogC)
{
  return n > 0.0 ? std::max(0.0, std::log(n) - sumCLogC / n) : NotANumber;
}

} // namespace

double entropyFromCounts(const std::uint64_t* counts, std::size_t bins, EntropyUnit unit)
{
  double n = 0.0;
  double sumCLogC = 0.0;
  for (std::size_t b = 0; b < bins; ++b)
  {
    addCount(static_cast<double>(counts[b]), n, sumCLogC);
  }
  return entropyOf(n, sumCLogC) * natsTo(unit);
}

void HistogramSummary::reset(int groups)
{
  GroupCount.assign(groups, 0.0);
  GroupCLogC.assign(groups, 0.0);
  Count = 0.0;
  CLogC = 0.0;
  NonFinite = 0;
}

template<typename CountT>
void HistogramSummary::summarize(const CountT* counts, int bins, int groups)
{
  reset(groups);
  const std::size_t stride = static_cast<std::size_t>(bins) + 1;
  for (int b = 0; b < bins; ++b)
  {
    double total = 0.0;
    for (int g = 0; g < groups; ++g)
    {
      const double c = static_cast<double>(counts[g * stride + b]);
      total += c;
      addCount(c, GroupCount[g], GroupCLogC[g]);
    }
    addCount(total, Count, CLogC);
  }
  for (int g = 0; g < groups; ++g)
  {
    NonFinite += static_cast<std::uint64_t>(counts[g * stride + bins]);
  }
}

template void HistogramSummary::summarize<std::uint16_t>(const std::uint16_t*, int, int);
template void HistogramSummary::summarize<std::uint32_t>(const std::uint32_t*, int, int);
template void HistogramSummary::summarize<std::uint64_t>(const std::uint64_t*, int, int);

void HistogramSummary::summarizeSortedKeys(const std::vector<std::uint32_t>& keys,
                                           int bins,
                                           int groups)
{
  reset(groups);
  const std::uint32_t groupSlots = static_cast<std::uint32_t>(groups) + 1;
  std::size_t i = 0;
  while (i < keys.size())
  {
    const std::uint32_t bin = keys[i] / groupSlots;
    double binTotal = 0.0;
    while (i < keys.size() && keys[i] / groupSlots == bin)
    {
      const std::uint32_t key = keys[i];
      std::size_t j = i;
      while (j < keys.size() && keys[j] == key)
      {
        ++j;
      }
      const auto group = static_cast<int>(key % groupSlots);
      if (group < groups && static_cast<int>(bin) == bins)
      {
        NonFinite += j - i;
      }
      else if (group < groups)
      {
        const double c = static_cast<double>(j - i);
        binTotal += c;
        addCount(c, GroupCount[group], GroupCLogC[group]);
      }
      i = j;
    }
    addCount(binTotal, Count, CLogC);
  }
}

void HistogramSummary::store(bool hasClasses, double scale, ScopeEntropy& out, std::size_t i) const
{
  out.Count[i] = static_cast<std::uint64_t>(Count);
  out.NonFinite[i] = NonFinite;
  const double h = entropyOf(Count, CLogC);
  out.Entropy[i] = h * scale;
  if (!hasClasses)
  {
    return;
  }
  double conditional = 0.0;
  const int groups = static_cast<int>(GroupCount.size());
  for (int g = 0; g < groups; ++g)
  {
    const double hg = entropyOf(GroupCount[g], GroupCLogC[g]);
    if (GroupCount[g] > 0.0)
    {
      conditional += GroupCount[g] / Count * hg;
    }
    if (!out.ClassEntropy.empty())
    {
      out.ClassEntropy[g][i] = hg * scale;
    }
  }
  if (Count > 0.0)
  {
    out.ConditionalEntropy[i] = conditional * scale;
    // Plug-in I(T;Y) = H(T) - H(T|Y) >= 0 by concavity; only rounding can cross zero.
    out.MutualInformation[i] = std::max(0.0, h - conditional) * scale;
  }
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

template<typename T>
std::vector<ValueRange> channelRanges(const ActivationLayout<T>& layout,
                                      const SampleGrouping& grouping,
                                      int threads)
{
  requireValidInputs(layout, grouping, std::string());
  ChannelRangeAccumulator ranges(layout.NumberOfChannels, layout.pointsPerChannel());
  ranges.addBatch(
    layout.Values, layout.NumberOfSamples, grouping.Group.data(), BatchLayout::PointMajor, threads);
  return ranges.channelRanges();
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
  ChannelRangeAccumulator ranges(layout.NumberOfChannels, layout.pointsPerChannel());
  if (options.Range != RangeMode::Fixed)
  {
    ranges.addBatch(layout.Values,
                    layout.NumberOfSamples,
                    grouping.Group.data(),
                    BatchLayout::PointMajor,
                    threads);
  }
  return ranges.binningRanges(options);
}

/// Progress of one part of the work: reports fraction f of it as Begin + f (End - Begin).
struct ProgressSpan
{
  const Progress& Whole;
  double Begin;
  double End;

  /// A Progress for the part (none when the whole has no callback).
  Progress part() const
  {
    Progress progress;
    if (Whole.Callback != nullptr)
    {
      progress.Callback = &ProgressSpan::report;
      progress.ClientData = const_cast<ProgressSpan*>(this);
    }
    return progress;
  }

  static bool report(double fraction, void* span)
  {
    const auto* self = static_cast<const ProgressSpan*>(span);
    return self->Whole.report(self->Begin + fraction * (self->End - self->Begin));
  }
};

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
  std::vector<ValueRange> ranges = binningRanges(layout, grouping, options, threads);
  if (!progress.report(0.05))
  {
    return false;
  }
  // The in-memory case of the streaming estimator: the whole layer is one batch, so each
  // neuron's histograms are evaluated as soon as they are counted instead of being kept
  // (B+1 counters a neuron and class could outweigh the activations themselves).
  HistogramAccumulatorSettings settings = HistogramAccumulatorSettings::forLayer(
    layout.NumberOfChannels, layout.pointsPerChannel(), grouping, options);
  settings.Neurons = options.NeuronScope ? NeuronHistograms::Evaluated : NeuronHistograms::None;
  // Nothing here reports clamped values (and with data ranges there are none).
  settings.CountClamped = false;
  HistogramAccumulator accumulator(std::move(settings), std::move(ranges));
  const ProgressSpan counting{ progress, 0.05, 0.99 };
  if (!accumulator.addBatch(layout.Values,
                            layout.NumberOfSamples,
                            grouping.Group.data(),
                            BatchLayout::PointMajor,
                            threads,
                            counting.part()))
  {
    return false;
  }
  result = accumulator.result(options, threads);
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
        // A single group: summarize reads only this sample's row.
        summary.summarize(counts.data() + (n - n0) * slots, bins, 1);
        summary.store(false, scale, result, c * samples + n);
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
