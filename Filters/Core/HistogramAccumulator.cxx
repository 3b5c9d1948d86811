#include "HistogramAccumulator.h"

#include "ParallelRunner.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace cnnslicer
{

namespace
{

constexpr std::uint64_t LargestUint64 = std::numeric_limits<std::uint64_t>::max();
/// Counts of a 16-bit counter stay below this; DeclaredSamples at or above needs 32 bits.
constexpr std::size_t SixteenBitLimit = std::size_t(1) << 16;

std::uint64_t saturatingProduct(std::initializer_list<std::uint64_t> factors)
{
  if (std::find(factors.begin(), factors.end(), std::uint64_t(0)) != factors.end())
  {
    return 0;
  }
  std::uint64_t product = 1;
  for (const std::uint64_t factor : factors)
  {
    if (product > LargestUint64 / factor)
    {
      return LargestUint64;
    }
    product *= factor;
  }
  return product;
}

std::uint64_t saturatingSum(std::initializer_list<std::uint64_t> terms)
{
  std::uint64_t sum = 0;
  for (const std::uint64_t term : terms)
  {
    sum = term > LargestUint64 - sum ? LargestUint64 : sum + term;
  }
  return sum;
}

/**
 * Writes entry @p i of @p out from one variable's histograms by group (@p groups rows of
 * B+1 slots, slot B the non-finite values), with the formulas of Documentation/entropy.md
 * ("Discrete entropy"): H(T) from the bin totals over groups; with classes,
 * H(T|Y) = sum_k p_k H(T|Y=k), p_k the share of finite observations in class k, and
 * I(T;Y) = H(T) - H(T|Y), never negative but for rounding (hence max(0, .)).
 * @p total is scratch for B+1 counts.
 */
void storeEntropies(const std::uint64_t* groupCounts,
                    int groups,
                    int bins,
                    bool hasClasses,
                    double scale,
                    ScopeEntropy& out,
                    std::size_t i,
                    std::uint64_t* total)
{
  const std::size_t slots = static_cast<std::size_t>(bins) + 1;
  std::fill(total, total + slots, std::uint64_t(0));
  for (int g = 0; g < groups; ++g)
  {
    const std::uint64_t* row = groupCounts + g * slots;
    for (std::size_t b = 0; b < slots; ++b)
    {
      total[b] += row[b];
    }
  }
  const std::uint64_t finite = std::accumulate(total, total + bins, std::uint64_t(0));
  out.Count[i] = finite;
  out.NonFinite[i] = total[bins];
  // Nats throughout (natsTo(Nats) == 1), converted once by scale as the in-memory estimator.
  const double h = entropyFromCounts(total, bins, EntropyUnit::Nats);
  out.Entropy[i] = h * scale;
  if (!hasClasses)
  {
    return;
  }
  double conditional = 0.0;
  for (int g = 0; g < groups; ++g)
  {
    const std::uint64_t* row = groupCounts + g * slots;
    const double classEntropy = entropyFromCounts(row, bins, EntropyUnit::Nats);
    const std::uint64_t inClass = std::accumulate(row, row + bins, std::uint64_t(0));
    if (inClass > 0)
    {
      conditional += static_cast<double>(inClass) / static_cast<double>(finite) * classEntropy;
    }
    if (!out.ClassEntropy.empty())
    {
      out.ClassEntropy[g][i] = classEntropy * scale;
    }
  }
  if (finite > 0)
  {
    out.ConditionalEntropy[i] = conditional * scale;
    out.MutualInformation[i] = std::max(0.0, h - conditional) * scale;
  }
}

/// Finite values of @p row outside @p range (clamped into an edge bin by the binning).
std::uint64_t countClamped(const float* row,
                           const std::uint32_t* bins,
                           std::size_t n,
                           ValueRange range,
                           std::uint32_t nonFiniteBin)
{
  std::uint64_t outside = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double v = static_cast<double>(row[i]);
    outside += (bins[i] != nonFiniteBin) & ((v < range.Low) | (v > range.High));
  }
  return outside;
}

/**
 * Points counted together in one task step: the bins of @p selectedSamples rows of that
 * many points are about 256 KB (see countBatch), never fewer than 16 points a row.
 */
std::size_t pointsPerChunk(std::size_t selectedSamples, const BatchTaskGrid& grid)
{
  return std::min(grid.pointsPerTask(),
                  std::max<std::size_t>(16, 65536 / std::max<std::size_t>(1, selectedSamples)));
}

/// Row stride of the bins of one chunk: one cache line more than the chunk (countBatch).
std::size_t binRowStride(std::size_t pointsPerChunk)
{
  return pointsPerChunk + 16;
}

bool sameSettings(const HistogramAccumulatorSettings& a, const HistogramAccumulatorSettings& b)
{
  return a.Channels == b.Channels && a.PointsPerChannel == b.PointsPerChannel && a.Bins == b.Bins &&
         a.GroupLabels == b.GroupLabels && a.HasClasses == b.HasClasses &&
         a.DeclaredSamples == b.DeclaredSamples && a.Neurons == b.Neurons;
}

bool sameRanges(const std::vector<ValueRange>& a, const std::vector<ValueRange>& b)
{
  return std::equal(a.begin(),
                    a.end(),
                    b.begin(),
                    b.end(),
                    [](const ValueRange& x, const ValueRange& y)
                    { return x.Low == y.Low && x.High == y.High; });
}

} // namespace

HistogramAccumulatorSettings HistogramAccumulatorSettings::forLayer(
  std::size_t channels,
  std::size_t pointsPerChannel,
  const SampleGrouping& grouping,
  const DiscreteEntropyOptions& options)
{
  HistogramAccumulatorSettings settings;
  settings.Channels = channels;
  settings.PointsPerChannel = pointsPerChannel;
  settings.Bins = options.Bins;
  settings.GroupLabels = grouping.GroupLabel;
  settings.HasClasses = grouping.hasClasses();
  settings.DeclaredSamples = grouping.numberOfSamples();
  settings.Neurons = options.NeuronScope ? NeuronHistograms::PerClass : NeuronHistograms::None;
  return settings;
}

int HistogramAccumulatorSettings::neuronGroups() const
{
  return Neurons == NeuronHistograms::PerClass ? groups() : 1;
}

int HistogramAccumulatorSettings::counterBytes() const
{
  return DeclaredSamples < SixteenBitLimit ? 2 : 4;
}

std::uint64_t HistogramAccumulatorSettings::bytesPerNeuron() const
{
  return Neurons == NeuronHistograms::None
           ? 0
           : static_cast<std::uint64_t>(neuronGroups()) * (static_cast<std::uint64_t>(Bins) + 1) *
               static_cast<std::uint64_t>(counterBytes());
}

std::string HistogramAccumulatorSettings::validate() const
{
  if (Channels == 0 || PointsPerChannel == 0)
  {
    return "a layer of " + std::to_string(Channels) + " channels x " +
           std::to_string(PointsPerChannel) + " points has no neuron";
  }
  if (Bins < MinimumBins || Bins > MaximumBins)
  {
    return "number of bins " + std::to_string(Bins) + " is outside [" +
           std::to_string(MinimumBins) + ", " + std::to_string(MaximumBins) + "]";
  }
  if (GroupLabels.empty())
  {
    return "no sample group (the class selection matches no label)";
  }
  if (!HasClasses && GroupLabels.size() != 1)
  {
    return "without classes every selected sample is in one group, not " +
           std::to_string(GroupLabels.size());
  }
  if (DeclaredSamples == 0)
  {
    return "no sample declared: the number of samples sizes the counters";
  }
  if (DeclaredSamples > std::numeric_limits<std::uint32_t>::max())
  {
    return std::to_string(DeclaredSamples) + " samples exceed the 32-bit counters (at most " +
           std::to_string(std::numeric_limits<std::uint32_t>::max()) + ")";
  }
  return std::string();
}

HistogramAccumulator::HistogramAccumulator(HistogramAccumulatorSettings settings,
                                           std::vector<ValueRange> channelRanges)
  : BatchAccumulator("the histogram accumulator", settings.Channels, settings.PointsPerChannel)
  , Settings(std::move(settings))
  , Ranges(std::move(channelRanges))
  , Slots(static_cast<std::size_t>(Settings.Bins) + 1)
{
  const std::string problem = Settings.validate();
  if (!problem.empty())
  {
    throw std::invalid_argument(problem);
  }
  if (Ranges.size() == 1)
  {
    Ranges.assign(Settings.Channels, Ranges.front());
  }
  if (Ranges.size() != Settings.Channels)
  {
    throw std::invalid_argument(std::to_string(Ranges.size()) + " ranges for a layer of " +
                                std::to_string(Settings.Channels) +
                                " channels: give one for the layer or one a channel");
  }
  Binnings.reserve(Ranges.size());
  for (const ValueRange& range : Ranges)
  {
    if (!(std::isfinite(range.Low) && std::isfinite(range.High) && range.valid()))
    {
      throw std::invalid_argument("the range [" + std::to_string(range.Low) + ", " +
                                  std::to_string(range.High) +
                                  "] is not a finite interval with low <= high");
    }
    Binnings.emplace_back(range, Settings.Bins);
  }
  if (Settings.counterBytes() == 2)
  {
    NeuronCounts16.assign(neuronCounterCount(), 0);
  }
  else
  {
    NeuronCounts32.assign(neuronCounterCount(), 0);
  }
  ChannelCounts.assign(Settings.Channels * Settings.groups() * Slots, 0);
  Clamped.assign(Settings.Channels, 0);
}

std::size_t HistogramAccumulator::neuronCounterCount() const
{
  return Settings.Neurons == NeuronHistograms::None
           ? 0
           : Settings.neurons() * Settings.neuronGroups() * Slots;
}

std::uint64_t HistogramAccumulator::bytesNeeded(const HistogramAccumulatorSettings& settings,
                                                int threads)
{
  const std::uint64_t slots = static_cast<std::uint64_t>(settings.Bins) + 1;
  const std::uint64_t groups = settings.GroupLabels.size();
  const std::uint64_t neurons = settings.Neurons == NeuronHistograms::None ? 0 : settings.neurons();
  const std::uint64_t channels = settings.Channels;
  const std::uint64_t neuronCounters = saturatingProduct({ neurons, settings.bytesPerNeuron() });
  // Per channel: the histograms by group, the clamped count, the range and its binning.
  const std::uint64_t channelState =
    saturatingProduct({ channels,
                        saturatingSum({ saturatingProduct({ groups, slots, sizeof(std::uint64_t) }),
                                        sizeof(std::uint64_t),
                                        sizeof(ValueRange),
                                        sizeof(HistogramBinning) }) });
  // The records result() returns (with every class entropy): Entropy, Count, NonFinite,
  // and with classes ConditionalEntropy, MutualInformation and K class entropies.
  const bool classes = settings.HasClasses;
  const std::uint64_t perRecord = 3 * 8 + (classes ? 16 + 8 * groups : 0);
  const std::uint64_t records =
    saturatingProduct({ saturatingSum({ neurons, channels, 1 }), perRecord });
  // Each thread's scratch: addBatch's channel histograms, gathered row and bins of a
  // chunk of points for every sample of a batch (at most DeclaredSamples), for the larger
  // of the two layouts' task blocks; result()'s widened neuron histogram.
  std::uint64_t batchScratch = 0;
  for (const BatchLayout layout : { BatchLayout::NCHW, BatchLayout::NHWC })
  {
    const BatchTaskGrid grid(BatchShape{ settings.Channels, settings.PointsPerChannel, layout });
    const std::size_t chunk = pointsPerChunk(settings.DeclaredSamples, grid);
    batchScratch = std::max(
      batchScratch,
      saturatingSum(
        { saturatingProduct({ grid.channelsPerTask(), groups, slots, sizeof(std::uint64_t) }),
          saturatingProduct({ chunk, sizeof(float) }),
          saturatingProduct(
            { settings.DeclaredSamples, binRowStride(chunk), sizeof(std::uint32_t) }) }));
  }
  const std::uint64_t resultScratch = saturatingProduct({ groups + 1, slots, 8 });
  const std::uint64_t scratch = saturatingProduct(
    { static_cast<std::uint64_t>(std::max(1, threads)), std::max(batchScratch, resultScratch) });
  return saturatingSum(
    { sizeof(HistogramAccumulator), neuronCounters, channelState, records, scratch });
}

void HistogramAccumulator::checkBatch(const ActivationBatch& batch) const
{
  if (batch.Samples > Settings.DeclaredSamples - samplesAdded())
  {
    throw std::invalid_argument(
      "a batch of " + std::to_string(batch.Samples) + " samples after the " +
      std::to_string(samplesAdded()) + " already counted exceeds the " +
      std::to_string(Settings.DeclaredSamples) + " samples declared up front, which size the " +
      std::to_string(8 * Settings.counterBytes()) + "-bit counters");
  }
  if (batch.Groups == nullptr && Settings.HasClasses)
  {
    throw std::invalid_argument("the samples carry classes but the batch gives no group");
  }
  for (std::size_t n = 0; n < batch.Samples; ++n)
  {
    if (batch.group(n) >= Settings.groups())
    {
      throw std::invalid_argument("sample " + std::to_string(n) + " of the batch is in group " +
                                  std::to_string(batch.group(n)) + " but there are " +
                                  std::to_string(Settings.groups()) + " groups");
    }
  }
}

bool HistogramAccumulator::foldBatch(const ActivationBatch& batch,
                                     int threads,
                                     const Progress& progress)
{
  return Settings.counterBytes() == 2 ? countBatch(NeuronCounts16, batch, threads, progress)
                                      : countBatch(NeuronCounts32, batch, threads, progress);
}

template<typename Counter>
bool HistogramAccumulator::countBatch(std::vector<Counter>& neuronCounts,
                                      const ActivationBatch& batch,
                                      int threads,
                                      const Progress& progress)
{
  const BatchTaskGrid grid(batch.Shape);
  const std::size_t groupCount = static_cast<std::size_t>(Settings.groups());
  const bool keepNeurons = Settings.Neurons != NeuronHistograms::None;
  const bool neuronsByClass = Settings.Neurons == NeuronHistograms::PerClass;
  // Consecutive neurons' histograms are neuronGroups x (B+1) counters apart.
  const std::size_t neuronStride = static_cast<std::size_t>(Settings.neuronGroups()) * Slots;
  const auto nonFiniteBin = static_cast<std::uint32_t>(Settings.Bins);

  // The selected samples, and where each one's group starts in a channel's and in a
  // neuron's histograms.
  std::vector<std::size_t> selected;
  std::vector<std::size_t> channelGroupOffset;
  std::vector<std::size_t> neuronGroupOffset;
  for (std::size_t n = 0; n < batch.Samples; ++n)
  {
    const std::int32_t group = batch.group(n);
    if (group >= 0)
    {
      selected.push_back(n);
      channelGroupOffset.push_back(static_cast<std::size_t>(group) * Slots);
      neuronGroupOffset.push_back(neuronsByClass ? static_cast<std::size_t>(group) * Slots : 0);
    }
  }
  if (selected.empty())
  {
    return true;
  }
  // Bins are computed a sample row at a time (vectorised), then counted a neuron at a time
  // over every sample of the batch, so that one neuron's histograms stay in L1 while the
  // batch's values for it are counted: neuron-major counting, as the in-memory estimator
  // does, touches the whole counter array once a batch instead of once a sample. A chunk
  // of points keeps the bins of the batch at about 256 KB; rows are padded by one cache
  // line so that the column walk does not map every row to one L1 set (4 KB aliasing).
  const std::size_t chunk = pointsPerChunk(selected.size(), grid);
  const std::size_t rowStride = binRowStride(chunk);
  std::mutex channelMutex;

  return ParallelRunner(threads).forEach(
    grid.tasks(),
    [&](std::size_t task)
    {
      // A task owns its neurons' counters; its channel histograms are summed into the
      // shared ones once at the end (integer sums: the order of tasks does not matter).
      const BatchTaskGrid::Block block = grid.block(task);
      std::vector<float> gathered(batch.Shape.Layout == BatchLayout::NHWC ? chunk : 0);
      std::vector<std::uint32_t> bins(selected.size() * rowStride);
      std::vector<std::uint64_t> channelCounts(block.channels() * groupCount * Slots, 0);
      std::vector<std::uint64_t> clamped(block.channels(), 0);
      for (std::size_t c = block.FirstChannel; c < block.EndChannel; ++c)
      {
        const std::size_t local = c - block.FirstChannel;
        std::uint64_t* channelHistograms = channelCounts.data() + local * groupCount * Slots;
        for (std::size_t first = block.FirstPoint; first < block.EndPoint; first += chunk)
        {
          const std::size_t points = std::min(chunk, block.EndPoint - first);
          for (std::size_t j = 0; j < selected.size(); ++j)
          {
            const float* row =
              batch.channelRow(selected[j], c, first, first + points, gathered.data());
            std::uint32_t* rowBins = bins.data() + j * rowStride;
            Binnings[c].indices(row, points, rowBins);
            std::uint64_t* channelHistogram = channelHistograms + channelGroupOffset[j];
            for (std::size_t i = 0; i < points; ++i)
            {
              ++channelHistogram[rowBins[i]];
            }
            clamped[local] += countClamped(row, rowBins, points, Ranges[c], nonFiniteBin);
          }
          if (!keepNeurons)
          {
            continue;
          }
          Counter* neuron =
            neuronCounts.data() + (c * Settings.PointsPerChannel + first) * neuronStride;
          for (std::size_t i = 0; i < points; ++i, neuron += neuronStride)
          {
            for (std::size_t j = 0; j < selected.size(); ++j)
            {
              ++neuron[neuronGroupOffset[j] + bins[j * rowStride + i]];
            }
          }
        }
      }
      const std::lock_guard<std::mutex> lock(channelMutex);
      std::uint64_t* shared = ChannelCounts.data() + block.FirstChannel * groupCount * Slots;
      for (std::size_t s = 0; s < channelCounts.size(); ++s)
      {
        shared[s] += channelCounts[s];
      }
      for (std::size_t local = 0; local < block.channels(); ++local)
      {
        Clamped[block.FirstChannel + local] += clamped[local];
      }
    },
    progress);
}

void HistogramAccumulator::merge(const HistogramAccumulator& other)
{
  requireUsable();
  other.requireUsable();
  if (!sameSettings(Settings, other.Settings) || !sameRanges(Ranges, other.Ranges))
  {
    throw std::invalid_argument("cannot merge histograms of different settings or ranges: "
                                "merge parts of one analysis only");
  }
  if (other.samplesAdded() > Settings.DeclaredSamples - samplesAdded())
  {
    throw std::invalid_argument("merging " + std::to_string(other.samplesAdded()) +
                                " samples into " + std::to_string(samplesAdded()) +
                                " exceeds the " + std::to_string(Settings.DeclaredSamples) +
                                " samples declared up front, which size the counters");
  }
  auto add = [](auto& into, const auto& from)
  {
    for (std::size_t i = 0; i < into.size(); ++i)
    {
      into[i] += from[i];
    }
  };
  add(NeuronCounts16, other.NeuronCounts16);
  add(NeuronCounts32, other.NeuronCounts32);
  add(ChannelCounts, other.ChannelCounts);
  add(Clamped, other.Clamped);
  addMergedSamples(other.samplesAdded());
}

std::vector<std::uint64_t> HistogramAccumulator::exportCounts() const
{
  requireUsable();
  std::vector<std::uint64_t> flat;
  flat.reserve(1 + neuronCounterCount() + ChannelCounts.size() + Clamped.size());
  flat.push_back(samplesAdded());
  flat.insert(flat.end(), NeuronCounts16.begin(), NeuronCounts16.end());
  flat.insert(flat.end(), NeuronCounts32.begin(), NeuronCounts32.end());
  flat.insert(flat.end(), ChannelCounts.begin(), ChannelCounts.end());
  flat.insert(flat.end(), Clamped.begin(), Clamped.end());
  return flat;
}

void HistogramAccumulator::importCounts(const std::vector<std::uint64_t>& counts)
{
  const std::size_t neuronCounters = neuronCounterCount();
  const std::size_t expected = 1 + neuronCounters + ChannelCounts.size() + Clamped.size();
  if (counts.size() != expected)
  {
    throw std::invalid_argument("an export of " + std::to_string(counts.size()) +
                                " counts does not fit these histograms (" +
                                std::to_string(expected) + " counts)");
  }
  const std::uint64_t samples = counts.front();
  const auto neuronBegin = counts.begin() + 1;
  const auto neuronEnd = neuronBegin + static_cast<std::ptrdiff_t>(neuronCounters);
  // No bin of a neuron can hold more values than there are samples: this also proves
  // that every count fits the counter width chosen for DeclaredSamples.
  const bool fits =
    samples <= Settings.DeclaredSamples &&
    std::all_of(neuronBegin, neuronEnd, [&](std::uint64_t c) { return c <= samples; });
  if (!fits)
  {
    throw std::invalid_argument("the imported counts exceed the " +
                                std::to_string(Settings.DeclaredSamples) +
                                " samples declared up front");
  }
  if (Settings.counterBytes() == 2)
  {
    std::transform(neuronBegin,
                   neuronEnd,
                   NeuronCounts16.begin(),
                   [](std::uint64_t c) { return static_cast<std::uint16_t>(c); });
  }
  else
  {
    std::transform(neuronBegin,
                   neuronEnd,
                   NeuronCounts32.begin(),
                   [](std::uint64_t c) { return static_cast<std::uint32_t>(c); });
  }
  const auto channelEnd = neuronEnd + static_cast<std::ptrdiff_t>(ChannelCounts.size());
  std::copy(neuronEnd, channelEnd, ChannelCounts.begin());
  std::copy(channelEnd, counts.end(), Clamped.begin());
  resetSamples(static_cast<std::size_t>(samples));
}

template<typename Counter>
void HistogramAccumulator::storeNeuronEntropies(const std::vector<Counter>& neuronCounts,
                                                bool hasClasses,
                                                double scale,
                                                ScopeEntropy& neurons,
                                                int threads) const
{
  const int groups = Settings.neuronGroups();
  const std::size_t perNeuron = static_cast<std::size_t>(groups) * Slots;
  constexpr std::size_t NeuronsPerTask = 1024;
  const std::size_t count = Settings.neurons();
  ParallelRunner(threads).forEach(
    (count + NeuronsPerTask - 1) / NeuronsPerTask,
    [&](std::size_t task)
    {
      std::vector<std::uint64_t> wide(perNeuron);
      std::vector<std::uint64_t> total(Slots);
      const std::size_t first = task * NeuronsPerTask;
      const std::size_t last = std::min(count, first + NeuronsPerTask);
      for (std::size_t p = first; p < last; ++p)
      {
        const Counter* counts = neuronCounts.data() + p * perNeuron;
        std::copy(counts, counts + perNeuron, wide.begin());
        storeEntropies(
          wide.data(), groups, Settings.Bins, hasClasses, scale, neurons, p, total.data());
      }
    });
}

LayerDiscreteEntropy HistogramAccumulator::result(const DiscreteEntropyOptions& options,
                                                  int threads) const
{
  requireUsable();
  std::string problem = options.validate();
  if (problem.empty() && options.Bins != Settings.Bins)
  {
    problem = "the options ask for " + std::to_string(options.Bins) +
              " bins but the histograms were counted with " + std::to_string(Settings.Bins);
  }
  if (problem.empty() && options.NeuronScope && Settings.Neurons == NeuronHistograms::None)
  {
    problem = "the neuron scope was asked for but no neuron histogram was kept";
  }
  if (!problem.empty())
  {
    throw std::invalid_argument(problem);
  }
  const double scale =
    options.Normalize ? 1.0 / std::log(static_cast<double>(Settings.Bins)) : natsTo(options.Unit);
  // ScopeEntropy::resize reads only the groups and whether they are classes.
  SampleGrouping classes;
  classes.GroupLabel = Settings.GroupLabels;
  classes.HasClasses = Settings.HasClasses;

  LayerDiscreteEntropy out;
  out.ChannelRanges = Ranges;
  if (options.NeuronScope)
  {
    const bool neuronClasses =
      Settings.HasClasses && Settings.Neurons == NeuronHistograms::PerClass;
    out.Neurons.resize(Settings.neurons(),
                       neuronClasses ? classes : SampleGrouping::all(0),
                       false,
                       options.PerClass);
    if (Settings.counterBytes() == 2)
    {
      storeNeuronEntropies(NeuronCounts16, neuronClasses, scale, out.Neurons, threads);
    }
    else
    {
      storeNeuronEntropies(NeuronCounts32, neuronClasses, scale, out.Neurons, threads);
    }
  }

  const int groups = Settings.groups();
  const std::size_t perChannel = static_cast<std::size_t>(groups) * Slots;
  std::vector<std::uint64_t> total(Slots);
  out.Channels.resize(
    options.ChannelScope ? Settings.Channels : 0, classes, false, options.PerClass);
  for (std::size_t c = 0; options.ChannelScope && c < Settings.Channels; ++c)
  {
    storeEntropies(ChannelCounts.data() + c * perChannel,
                   groups,
                   Settings.Bins,
                   Settings.HasClasses,
                   scale,
                   out.Channels,
                   c,
                   total.data());
  }
  out.Layer.resize(options.LayerScope ? 1 : 0, classes, false, options.PerClass);
  if (options.LayerScope)
  {
    // The layer's histogram is the sum of its channels' (exact integer sums).
    std::vector<std::uint64_t> layerCounts(perChannel, 0);
    for (std::size_t s = 0; s < ChannelCounts.size(); ++s)
    {
      layerCounts[s % perChannel] += ChannelCounts[s];
    }
    storeEntropies(layerCounts.data(),
                   groups,
                   Settings.Bins,
                   Settings.HasClasses,
                   scale,
                   out.Layer,
                   0,
                   total.data());
  }
  return out;
}

std::uint64_t HistogramAccumulator::finiteInChannel(std::size_t channel) const
{
  const std::size_t perChannel = static_cast<std::size_t>(Settings.groups()) * Slots;
  std::uint64_t finite = 0;
  for (std::size_t s = 0; s < perChannel; ++s)
  {
    // Slot B of each group's histogram holds the non-finite values.
    finite += (s % Slots) == static_cast<std::size_t>(Settings.Bins)
                ? 0
                : ChannelCounts[channel * perChannel + s];
  }
  return finite;
}

std::uint64_t HistogramAccumulator::clampedInLayer() const
{
  return std::accumulate(Clamped.begin(), Clamped.end(), std::uint64_t(0));
}

double HistogramAccumulator::clampedFraction(std::size_t channel) const
{
  const std::uint64_t finite = finiteInChannel(channel);
  return finite == 0 ? 0.0 : static_cast<double>(Clamped.at(channel)) / static_cast<double>(finite);
}

double HistogramAccumulator::layerClampedFraction() const
{
  std::uint64_t finite = 0;
  for (std::size_t c = 0; c < Settings.Channels; ++c)
  {
    finite += finiteInChannel(c);
  }
  return finite == 0 ? 0.0 : static_cast<double>(clampedInLayer()) / static_cast<double>(finite);
}

} // namespace cnnslicer
