#include "HistogramAccumulator.h"

#include "ParallelRunner.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <type_traits>

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

/// Bins of @p n values; with @p countClamped, returns those clamped into an edge bin.
template<typename T>
std::uint64_t binValues(const HistogramBinning& binning,
                        const T* values,
                        std::size_t n,
                        std::uint32_t* bins,
                        bool countClamped)
{
  if (!countClamped)
  {
    binning.indices(values, n, bins);
    return 0;
  }
  return binning.indicesCountingClamped(values, n, bins);
}

/**
 * Counts one neuron's @p n values of a point-major batch into @p copies, four
 * interleaved histograms of @p slots counters (group-major, group of sample i at
 * @p offsets[i], null: all in group 0), merged into the first at the end: runs of one bin
 * (ReLU zeros) then do not serialise on a store-to-load dependency. Bins are computed a
 * block at a time (vectorised). With @p countClamped, returns the finite values clamped
 * into an edge bin, of every sample: the caller subtracts those of the samples left out.
 */
template<typename T>
std::uint64_t countNeuronDense(const T* values,
                               std::size_t n,
                               const std::uint32_t* offsets,
                               const HistogramBinning& binning,
                               bool countClamped,
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
  std::uint64_t clamped = 0;
  for (std::size_t begin = 0; begin < n; begin += Block)
  {
    const std::size_t count = std::min(Block, n - begin);
    clamped += binValues(binning, values + begin, count, bins, countClamped);
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
  return clamped;
}

/**
 * One neuron's keys b * (K+1) + g (g = K for a sample left out), sorted when @p sorted:
 * used when the neuron's histograms are much larger than its values. With
 * @p countClamped, returns the selected finite values clamped into an edge bin.
 */
template<typename T>
std::uint64_t neuronKeys(const T* values,
                         const ActivationBatch& batch,
                         int groups,
                         const HistogramBinning& binning,
                         bool countClamped,
                         bool sorted,
                         std::vector<std::uint32_t>& keys)
{
  const std::uint32_t groupSlots = static_cast<std::uint32_t>(groups) + 1;
  keys.resize(batch.Samples);
  std::uint64_t clamped = 0;
  for (std::size_t i = 0; i < batch.Samples; ++i)
  {
    const int g = batch.group(i) >= 0 ? batch.group(i) : groups;
    clamped += countClamped && g < groups && binning.clamps(values[i]);
    keys[i] =
      static_cast<std::uint32_t>(binning(values[i])) * groupSlots + static_cast<std::uint32_t>(g);
  }
  if (sorted)
  {
    std::sort(keys.begin(), keys.end());
  }
  return clamped;
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
         a.DeclaredSamples == b.DeclaredSamples && a.Neurons == b.Neurons &&
         a.CountClamped == b.CountClamped;
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

/// The grouping ScopeEntropy::resize reads (only the groups and whether they are classes).
SampleGrouping resultGrouping(const HistogramAccumulatorSettings& settings)
{
  SampleGrouping classes;
  classes.GroupLabel = settings.GroupLabels;
  classes.HasClasses = settings.HasClasses;
  return classes;
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
  return Neurons == NeuronHistograms::AllClasses ? 1 : groups();
}

int HistogramAccumulatorSettings::counterBytes() const
{
  return DeclaredSamples < SixteenBitLimit ? 2 : 4;
}

std::uint64_t HistogramAccumulatorSettings::bytesPerNeuron() const
{
  return Neurons == NeuronHistograms::None || Neurons == NeuronHistograms::Evaluated
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
  if (Settings.Neurons == NeuronHistograms::Evaluated)
  {
    // NaN entropies and zero counts: what the empty histograms of a neuron give.
    NeuronRecords.resize(Settings.neurons(), resultGrouping(Settings), false, true);
  }
}

std::size_t HistogramAccumulator::neuronCounterCount() const
{
  return Settings.bytesPerNeuron() == 0 ? 0 : Settings.neurons() * Settings.neuronGroups() * Slots;
}

void HistogramAccumulator::requireKeptCounts(const char* what) const
{
  if (Settings.Neurons == NeuronHistograms::Evaluated)
  {
    throw std::logic_error(std::string("cannot ") + what +
                           ": the neuron histograms were evaluated from one batch and not kept");
  }
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
    const BatchTaskGrid grid(BatchShape{ settings.Channels, settings.PointsPerChannel, layout },
                             settings.DeclaredSamples);
    const std::size_t chunk = pointsPerChunk(settings.DeclaredSamples, grid);
    batchScratch = std::max(
      batchScratch,
      saturatingSum(
        { saturatingProduct({ grid.channelsPerTask(), groups, slots, sizeof(std::uint64_t) }),
          saturatingProduct({ chunk, sizeof(float) }),
          saturatingProduct(
            { settings.DeclaredSamples, binRowStride(chunk), sizeof(std::uint32_t) }) }));
  }
  // A point-major batch (PointMajor, at most DeclaredSamples): a neuron's four interleaved
  // histograms with the left-out group, its keys, and its channel's histograms.
  batchScratch =
    std::max(batchScratch,
             saturatingSum({ saturatingProduct({ 4, groups + 1, slots, sizeof(std::uint32_t) }),
                             saturatingProduct({ settings.DeclaredSamples, sizeof(std::uint32_t) }),
                             saturatingProduct({ groups, slots, sizeof(std::uint64_t) }) }));
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
  if (Settings.Neurons == NeuronHistograms::Evaluated &&
      (samplesAdded() > 0 || batch.Samples != Settings.DeclaredSamples))
  {
    throw std::invalid_argument(
      "neuron histograms evaluated as they are counted need every one of the " +
      std::to_string(Settings.DeclaredSamples) + " declared samples in one batch, not " +
      std::to_string(batch.Samples) + " after " + std::to_string(samplesAdded()));
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
  auto count = [&](auto& neuronCounts, auto value)
  {
    using T = decltype(value);
    return batch.Shape.Layout == BatchLayout::PointMajor
             ? countPointMajor<typename std::decay_t<decltype(neuronCounts)>::value_type, T>(
                 neuronCounts, batch, threads, progress)
             : countBatch<typename std::decay_t<decltype(neuronCounts)>::value_type, T>(
                 neuronCounts, batch, threads, progress);
  };
  const bool isFloat = batch.Type == ValueType::Float;
  if (Settings.counterBytes() == 2)
  {
    return isFloat ? count(NeuronCounts16, 0.0f) : count(NeuronCounts16, 0.0);
  }
  return isFloat ? count(NeuronCounts32, 0.0f) : count(NeuronCounts32, 0.0);
}

template<typename Counter, typename T>
bool HistogramAccumulator::countBatch(std::vector<Counter>& neuronCounts,
                                      const ActivationBatch& batch,
                                      int threads,
                                      const Progress& progress)
{
  const BatchTaskGrid grid(batch.Shape, batch.Samples);
  const std::size_t groupCount = static_cast<std::size_t>(Settings.groups());
  const bool keepNeurons = Settings.Neurons != NeuronHistograms::None;
  const bool evaluate = Settings.Neurons == NeuronHistograms::Evaluated;
  const bool neuronsByClass = Settings.Neurons != NeuronHistograms::AllClasses;
  // Consecutive neurons' histograms are neuronGroups x (B+1) counters apart.
  const std::size_t neuronStride = static_cast<std::size_t>(Settings.neuronGroups()) * Slots;

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
      std::vector<T> gathered(batch.Shape.Layout == BatchLayout::NHWC ? chunk : 0);
      std::vector<std::uint32_t> bins(selected.size() * rowStride);
      // Evaluated neurons are counted into the chunk's own histograms (the batch holds
      // every sample) and evaluated when the chunk is done.
      std::vector<Counter> chunkCounts(evaluate ? chunk * neuronStride : 0);
      HistogramSummary summary;
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
            const T* row =
              batch.channelRow<T>(selected[j], c, first, first + points, gathered.data());
            std::uint32_t* rowBins = bins.data() + j * rowStride;
            clamped[local] += binValues(Binnings[c], row, points, rowBins, Settings.CountClamped);
            std::uint64_t* channelHistogram = channelHistograms + channelGroupOffset[j];
            for (std::size_t i = 0; i < points; ++i)
            {
              ++channelHistogram[rowBins[i]];
            }
          }
          if (!keepNeurons)
          {
            continue;
          }
          const std::size_t firstNeuron = c * Settings.PointsPerChannel + first;
          std::fill(chunkCounts.begin(), chunkCounts.end(), Counter(0));
          Counter* neuron =
            evaluate ? chunkCounts.data() : neuronCounts.data() + firstNeuron * neuronStride;
          for (std::size_t i = 0; i < points; ++i, neuron += neuronStride)
          {
            for (std::size_t j = 0; j < selected.size(); ++j)
            {
              ++neuron[neuronGroupOffset[j] + bins[j * rowStride + i]];
            }
          }
          for (std::size_t i = 0; evaluate && i < points; ++i)
          {
            summary.summarize(
              chunkCounts.data() + i * neuronStride, Settings.Bins, Settings.groups());
            summary.store(Settings.HasClasses, 1.0, NeuronRecords, firstNeuron + i);
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

template<typename Counter, typename T>
bool HistogramAccumulator::countPointMajor(std::vector<Counter>& neuronCounts,
                                           const ActivationBatch& batch,
                                           int threads,
                                           const Progress& progress)
{
  const std::size_t samples = batch.Samples;
  const int groups = Settings.groups();
  const std::size_t groupSlots = static_cast<std::size_t>(groups) * Slots;
  const std::size_t neuronStride = static_cast<std::size_t>(Settings.neuronGroups()) * Slots;
  const NeuronHistograms neurons = Settings.Neurons;
  // A neuron's histograms by group, and one more group for the samples left out, which
  // are counted but never read: (K+1)(B+1) slots. Sample n's group starts at offsets[n];
  // no offsets at all when every sample is in group 0.
  const std::size_t slots = groupSlots + Slots;
  const auto leftOut = static_cast<std::uint32_t>(groupSlots);
  std::vector<std::uint32_t> offsets(samples);
  std::vector<std::size_t> leftOutSamples;
  bool oneGroup = !Settings.HasClasses;
  for (std::size_t n = 0; n < samples; ++n)
  {
    const std::int32_t g = batch.group(n);
    offsets[n] = g >= 0 ? static_cast<std::uint32_t>(g * Slots) : leftOut;
    oneGroup = oneGroup && g == 0;
    if (g < 0 && Settings.CountClamped)
    {
      leftOutSamples.push_back(n);
    }
  }
  const std::uint32_t* sampleOffsets = oneGroup ? nullptr : offsets.data();
  // The dense histogram costs a few sequential passes over 4 x slots counters a neuron;
  // sorting the neuron's keys about 50 ns a value. Measured (B = 64 to 4096, 1 or 10
  // classes), dense stays faster until slots exceed about 16 to 20 times the samples:
  // keys are for large B with few samples.
  const bool sparse = slots > 16 * samples;
  const BatchTaskGrid grid(batch.Shape, samples);
  std::mutex channelMutex;

  return ParallelRunner(threads).forEach(
    grid.tasks(),
    [&](std::size_t task)
    {
      // One channel a task: its histograms are summed from its neurons' and added to the
      // shared ones once at the end (integer sums: the order of tasks does not matter).
      const BatchTaskGrid::Block block = grid.block(task);
      const std::size_t c = block.FirstChannel;
      std::vector<std::uint32_t> copies(sparse ? 0 : 4 * slots);
      std::vector<std::uint32_t> keys;
      std::vector<std::uint64_t> channelCounts(groupSlots, 0);
      std::uint64_t clamped = 0;
      HistogramSummary summary;
      const std::size_t first = c * Settings.PointsPerChannel + block.FirstPoint;
      for (std::size_t p = first; p < first + block.points(); ++p)
      {
        const T* values = batch.neuron<T>(p);
        Counter* kept = neuronCounts.empty() ? nullptr : neuronCounts.data() + p * neuronStride;
        if (sparse)
        {
          clamped += neuronKeys(values,
                                batch,
                                groups,
                                Binnings[c],
                                Settings.CountClamped,
                                neurons == NeuronHistograms::Evaluated,
                                keys);
          for (const std::uint32_t key : keys)
          {
            const std::size_t g = key % (groups + 1);
            const std::size_t bin = key / (groups + 1);
            if (g == static_cast<std::size_t>(groups))
            {
              continue; // left out
            }
            ++channelCounts[g * Slots + bin];
            if (kept != nullptr)
            {
              ++kept[(neurons == NeuronHistograms::PerClass ? g * Slots : 0) + bin];
            }
          }
          if (neurons == NeuronHistograms::Evaluated)
          {
            summary.summarizeSortedKeys(keys, Settings.Bins, groups);
          }
        }
        else
        {
          clamped += countNeuronDense(values,
                                      samples,
                                      sampleOffsets,
                                      Binnings[c],
                                      Settings.CountClamped,
                                      slots,
                                      copies.data());
          for (const std::size_t n : leftOutSamples)
          {
            clamped -= Binnings[c].clamps(values[n]);
          }
          const std::uint32_t* counts = copies.data();
          for (std::size_t s = 0; s < groupSlots; ++s)
          {
            channelCounts[s] += counts[s];
          }
          for (std::size_t s = 0; neurons == NeuronHistograms::PerClass && s < groupSlots; ++s)
          {
            kept[s] = static_cast<Counter>(kept[s] + counts[s]);
          }
          for (std::size_t s = 0; neurons == NeuronHistograms::AllClasses && s < groupSlots; ++s)
          {
            kept[s % Slots] = static_cast<Counter>(kept[s % Slots] + counts[s]);
          }
          if (neurons == NeuronHistograms::Evaluated)
          {
            summary.summarize(counts, Settings.Bins, groups);
          }
        }
        if (neurons == NeuronHistograms::Evaluated)
        {
          summary.store(Settings.HasClasses, 1.0, NeuronRecords, p);
        }
      }
      const std::lock_guard<std::mutex> lock(channelMutex);
      std::uint64_t* shared = ChannelCounts.data() + c * groupSlots;
      for (std::size_t s = 0; s < groupSlots; ++s)
      {
        shared[s] += channelCounts[s];
      }
      Clamped[c] += clamped;
    },
    progress);
}

void HistogramAccumulator::merge(const HistogramAccumulator& other)
{
  requireKeptCounts("merge");
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
  requireKeptCounts("export the counts");
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
  requireKeptCounts("import counts");
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
      HistogramSummary summary;
      for (std::size_t p = task * NeuronsPerTask; p < std::min(count, (task + 1) * NeuronsPerTask);
           ++p)
      {
        summary.summarize(neuronCounts.data() + p * perNeuron, Settings.Bins, groups);
        summary.store(hasClasses, scale, neurons, p);
      }
    });
}

void HistogramAccumulator::storeEvaluatedNeurons(double scale,
                                                 bool perClass,
                                                 ScopeEntropy& neurons) const
{
  // The records were stored in nats (scale 1): x * 1 * scale is x * scale to the bit.
  neurons.resize(NeuronRecords.size(), resultGrouping(Settings), false, perClass);
  const auto scaled = [scale](const std::vector<double>& from, std::vector<double>& to) {
    std::transform(from.begin(), from.end(), to.begin(), [scale](double h) { return h * scale; });
  };
  scaled(NeuronRecords.Entropy, neurons.Entropy);
  scaled(NeuronRecords.ConditionalEntropy, neurons.ConditionalEntropy);
  scaled(NeuronRecords.MutualInformation, neurons.MutualInformation);
  for (std::size_t k = 0; k < neurons.ClassEntropy.size(); ++k)
  {
    scaled(NeuronRecords.ClassEntropy[k], neurons.ClassEntropy[k]);
  }
  neurons.Count = NeuronRecords.Count;
  neurons.NonFinite = NeuronRecords.NonFinite;
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
  const SampleGrouping classes = resultGrouping(Settings);

  LayerDiscreteEntropy out;
  out.ChannelRanges = Ranges;
  if (options.NeuronScope && Settings.Neurons == NeuronHistograms::Evaluated)
  {
    storeEvaluatedNeurons(scale, options.PerClass, out.Neurons);
  }
  else if (options.NeuronScope)
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
  HistogramSummary summary;
  out.Channels.resize(
    options.ChannelScope ? Settings.Channels : 0, classes, false, options.PerClass);
  for (std::size_t c = 0; options.ChannelScope && c < Settings.Channels; ++c)
  {
    summary.summarize(ChannelCounts.data() + c * perChannel, Settings.Bins, groups);
    summary.store(Settings.HasClasses, scale, out.Channels, c);
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
    summary.summarize(layerCounts.data(), Settings.Bins, groups);
    summary.store(Settings.HasClasses, scale, out.Layer, 0);
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
