// Streaming discrete entropy: HistogramAccumulator and ChannelRangeAccumulator against the
// in-memory computeDiscreteEntropy (Documentation/entropy.md, "Discrete entropy"), and
// hand-computed cases.
#include "ChannelRangeAccumulator.h"
#include "HistogramAccumulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{
using namespace cnnslicer;

constexpr double Tolerance = 1e-12;
const float NaN = std::numeric_limits<float>::quiet_NaN();
const float Inf = std::numeric_limits<float>::infinity();

/// A layer's activations as the model writes them: sample-major NCHW, and its NHWC copy.
struct Batches
{
  std::size_t Samples = 0;
  std::size_t Channels = 0;
  std::size_t Points = 0;
  std::vector<float> NCHW;
  std::vector<float> NHWC;
  std::vector<float> PointMajor;

  float& at(std::size_t n, std::size_t c, std::size_t p)
  {
    return NCHW[(n * Channels + c) * Points + p];
  }
  const std::vector<float>& values(BatchLayout layout) const
  {
    return layout == BatchLayout::NCHW ? NCHW : NHWC;
  }
  /// Fills the NHWC copy and the point-major one (ActivationLayout: [(c*P + p) * N + n]).
  void makeOtherLayouts()
  {
    NHWC.resize(NCHW.size());
    PointMajor.resize(NCHW.size());
    for (std::size_t n = 0; n < Samples; ++n)
    {
      for (std::size_t c = 0; c < Channels; ++c)
      {
        for (std::size_t p = 0; p < Points; ++p)
        {
          NHWC[(n * Points + p) * Channels + c] = at(n, c, p);
          PointMajor[(c * Points + p) * Samples + n] = at(n, c, p);
        }
      }
    }
  }
  ActivationLayout<float> layout() const
  {
    return ActivationLayout<float>{ PointMajor.data(), Channels * Points, Samples, Channels };
  }
  /// The in-memory estimator on the whole layer: the reference.
  LayerDiscreteEntropy inMemory(const SampleGrouping& grouping,
                                const DiscreteEntropyOptions& options) const
  {
    LayerDiscreteEntropy result;
    EXPECT_TRUE(computeDiscreteEntropy(layout(), grouping, options, result, 1));
    return result;
  }
};

/// Activation-like data: near-normal values, ReLU zeros in channel 0, a few NaN/Inf, a
/// constant neuron and a neuron with no finite value.
Batches randomBatches(std::size_t samples, std::size_t channels, std::size_t points, unsigned seed)
{
  Batches b;
  b.Samples = samples;
  b.Channels = channels;
  b.Points = points;
  b.NCHW.resize(samples * channels * points);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (std::size_t n = 0; n < samples; ++n)
  {
    for (std::size_t c = 0; c < channels; ++c)
    {
      for (std::size_t p = 0; p < points; ++p)
      {
        const float v = normal(rng) * static_cast<float>(c + 1) + static_cast<float>(p % 3);
        b.at(n, c, p) = c == 0 ? std::max(0.0f, v) : v;
      }
    }
    b.at(n, channels - 1, 0) = 2.5f;
    b.at(n, channels - 1, 1) = NaN;
    if (n % 11 == 3 && points > 2)
    {
      b.at(n, 1 % channels, 2) = n % 2 == 0 ? Inf : NaN;
    }
  }
  b.makeOtherLayouts();
  return b;
}

std::vector<std::int64_t> labelsOf(std::size_t samples)
{
  std::vector<std::int64_t> labels(samples);
  for (std::size_t n = 0; n < samples; ++n)
  {
    // Class 3 is rare; -1 is unlabelled (left out when classes are used).
    labels[n] = n % 17 == 5 ? -1 : static_cast<std::int64_t>((n * 7) % 4);
  }
  return labels;
}

/// Options with @p bins bins, every class entropy, the rest by default.
DiscreteEntropyOptions optionsWithBins(int bins)
{
  DiscreteEntropyOptions options;
  options.Bins = bins;
  options.PerClass = true;
  return options;
}

/// Range pass then counting pass, batch by batch, as a streaming filter runs them.
LayerDiscreteEntropy streamed(const Batches& data,
                              BatchLayout layout,
                              std::size_t batchSize,
                              const SampleGrouping& grouping,
                              const DiscreteEntropyOptions& options,
                              NeuronHistograms neurons = NeuronHistograms::PerClass,
                              int threads = 2)
{
  const std::vector<float>& values = data.values(layout);
  const std::size_t perSample = data.Channels * data.Points;
  ChannelRangeAccumulator rangePass(data.Channels, data.Points);
  for (std::size_t first = 0; first < data.Samples; first += batchSize)
  {
    const std::size_t count = std::min(batchSize, data.Samples - first);
    EXPECT_TRUE(rangePass.addBatch(
      values.data() + first * perSample, count, grouping.Group.data() + first, layout, threads));
  }
  HistogramAccumulatorSettings settings =
    HistogramAccumulatorSettings::forLayer(data.Channels, data.Points, grouping, options);
  settings.Neurons = neurons;
  HistogramAccumulator accumulator(settings, rangePass.binningRanges(options));
  for (std::size_t first = 0; first < data.Samples; first += batchSize)
  {
    const std::size_t count = std::min(batchSize, data.Samples - first);
    EXPECT_TRUE(accumulator.addBatch(
      values.data() + first * perSample, count, grouping.Group.data() + first, layout, threads));
  }
  EXPECT_EQ(accumulator.samplesAdded(), data.Samples);
  return accumulator.result(options, threads);
}

/// NaN equals NaN; otherwise within Tolerance, or to the bit when @p bitwise.
void expectClose(const std::vector<double>& expected,
                 const std::vector<double>& actual,
                 const char* what,
                 bool bitwise = false)
{
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
  {
    if (bitwise)
    {
      EXPECT_EQ(std::memcmp(&expected[i], &actual[i], sizeof(double)), 0)
        << what << "[" << i << "] = " << actual[i] << ", not " << expected[i];
    }
    else if (std::isnan(expected[i]))
    {
      EXPECT_TRUE(std::isnan(actual[i])) << what << "[" << i << "] = " << actual[i];
    }
    else
    {
      EXPECT_NEAR(expected[i], actual[i], Tolerance) << what << "[" << i << "]";
    }
  }
}

void expectSameScope(const ScopeEntropy& expected,
                     const ScopeEntropy& actual,
                     const char* scope,
                     bool bitwise = false)
{
  SCOPED_TRACE(scope);
  expectClose(expected.Entropy, actual.Entropy, "Entropy", bitwise);
  expectClose(
    expected.ConditionalEntropy, actual.ConditionalEntropy, "ConditionalEntropy", bitwise);
  expectClose(expected.MutualInformation, actual.MutualInformation, "MutualInformation", bitwise);
  ASSERT_EQ(expected.ClassEntropy.size(), actual.ClassEntropy.size());
  for (std::size_t k = 0; k < expected.ClassEntropy.size(); ++k)
  {
    expectClose(expected.ClassEntropy[k], actual.ClassEntropy[k], "ClassEntropy", bitwise);
  }
  EXPECT_EQ(expected.Count, actual.Count);
  EXPECT_EQ(expected.NonFinite, actual.NonFinite);
}

/// Within Tolerance, or to the bit (NaN included) when @p bitwise; ranges exactly.
void expectSameLayer(const LayerDiscreteEntropy& expected,
                     const LayerDiscreteEntropy& actual,
                     bool bitwise = false)
{
  expectSameScope(expected.Neurons, actual.Neurons, "neurons", bitwise);
  expectSameScope(expected.Channels, actual.Channels, "channels", bitwise);
  expectSameScope(expected.Layer, actual.Layer, "layer", bitwise);
  ASSERT_EQ(expected.ChannelRanges.size(), actual.ChannelRanges.size());
  for (std::size_t c = 0; c < expected.ChannelRanges.size(); ++c)
  {
    EXPECT_EQ(expected.ChannelRanges[c].Low, actual.ChannelRanges[c].Low);
    EXPECT_EQ(expected.ChannelRanges[c].High, actual.ChannelRanges[c].High);
  }
}

struct Grouping
{
  const char* Name;
  SampleGrouping Samples;
};

/// Every sample in one group; classes (labelsOf); classes 0 and 3 only.
std::vector<Grouping> groupingsOf(std::size_t samples)
{
  const std::vector<std::int64_t> labels = labelsOf(samples);
  return {
    { "all samples", SampleGrouping::all(samples) },
    { "classes", SampleGrouping::fromLabels(labels) },
    { "classes 0 and 3", SampleGrouping::fromLabels(labels, { 0, 3 }) },
  };
}

TEST(HistogramAccumulatorStreaming, EqualsInMemoryEstimatorForEveryBatchLayoutAndOption)
{
  const Batches data = randomBatches(40, 3, 6, 1);
  for (const Grouping& grouping : groupingsOf(data.Samples))
  {
    for (const RangeMode range : { RangeMode::Layer, RangeMode::Channel, RangeMode::Fixed })
    {
      for (const bool normalize : { false, true })
      {
        for (const EntropyUnit unit : { EntropyUnit::Bits, EntropyUnit::Nats })
        {
          DiscreteEntropyOptions options = optionsWithBins(8);
          options.Range = range;
          options.FixedRange = ValueRange{ -1.0, 2.0 };
          options.Normalize = normalize;
          options.Unit = unit;
          const LayerDiscreteEntropy expected = data.inMemory(grouping.Samples, options);
          for (const BatchLayout batchLayout : { BatchLayout::NCHW, BatchLayout::NHWC })
          {
            for (const std::size_t batchSize : { std::size_t(1), std::size_t(7), data.Samples })
            {
              SCOPED_TRACE(std::string(grouping.Name) + ", range mode " +
                           std::to_string(static_cast<int>(range)) + ", normalize " +
                           std::to_string(normalize) + ", unit " + unitName(unit) +
                           (batchLayout == BatchLayout::NCHW ? ", NCHW" : ", NHWC") +
                           ", batches of " + std::to_string(batchSize));
              expectSameLayer(expected,
                              streamed(data, batchLayout, batchSize, grouping.Samples, options));
            }
          }
        }
      }
    }
  }
}

TEST(HistogramAccumulatorStreaming, WideLayerSplitsChannelsIntoPointBlocksAndChunks)
{
  // 2 channels of 5000 points: several tasks a channel in both layouts (2 threads); with
  // about 90 selected samples in a batch, each task counts its points in several chunks.
  const Batches data = randomBatches(100, 2, 5000, 2);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples));
  const DiscreteEntropyOptions options = optionsWithBins(16);
  const LayerDiscreteEntropy expected = data.inMemory(grouping, options);
  for (const BatchLayout batchLayout : { BatchLayout::NCHW, BatchLayout::NHWC })
  {
    for (const std::size_t batchSize : { std::size_t(9), data.Samples })
    {
      expectSameLayer(expected, streamed(data, batchLayout, batchSize, grouping, options));
    }
  }
}

TEST(HistogramAccumulatorStreaming, ChannelAndLayerOnlyModeKeepsNoNeuronCounts)
{
  const Batches data = randomBatches(30, 4, 5, 3);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples));
  DiscreteEntropyOptions options = optionsWithBins(10);
  options.NeuronScope = false;
  const LayerDiscreteEntropy expected = data.inMemory(grouping, options);
  expectSameLayer(expected,
                  streamed(data, BatchLayout::NCHW, 7, grouping, options, NeuronHistograms::None));

  HistogramAccumulatorSettings settings =
    HistogramAccumulatorSettings::forLayer(4, 5, grouping, options);
  EXPECT_EQ(settings.Neurons, NeuronHistograms::None);
  HistogramAccumulator accumulator(settings, { ValueRange{ 0.0, 1.0 } });
  options.NeuronScope = true;
  EXPECT_THROW(accumulator.result(options), std::invalid_argument);
  // Only the channel histograms are stored: the export is [samples, channels x K x (B+1),
  // clamped per channel].
  EXPECT_EQ(accumulator.exportCounts().size(), 1 + 4 * 4 * 11 + 4u);
}

TEST(HistogramAccumulatorStreaming, AllClassesNeuronHistogramsGiveNeuronEntropyOnly)
{
  const Batches data = randomBatches(30, 2, 4, 4);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples));
  DiscreteEntropyOptions options = optionsWithBins(6);
  const LayerDiscreteEntropy expected = data.inMemory(grouping, options);
  const LayerDiscreteEntropy actual =
    streamed(data, BatchLayout::NHWC, 5, grouping, options, NeuronHistograms::AllClasses);
  expectClose(expected.Neurons.Entropy, actual.Neurons.Entropy, "neuron entropy");
  EXPECT_EQ(expected.Neurons.Count, actual.Neurons.Count);
  EXPECT_TRUE(actual.Neurons.ConditionalEntropy.empty());
  EXPECT_TRUE(actual.Neurons.ClassEntropy.empty());
  expectSameScope(expected.Channels, actual.Channels, "channels");
  expectSameScope(expected.Layer, actual.Layer, "layer");
}

/// Accumulator over samples [first, last) of @p data in NCHW.
HistogramAccumulator accumulate(const Batches& data,
                                const HistogramAccumulatorSettings& settings,
                                const std::vector<ValueRange>& ranges,
                                const SampleGrouping& grouping,
                                std::size_t first,
                                std::size_t last,
                                int threads)
{
  HistogramAccumulator accumulator(settings, ranges);
  const std::size_t perSample = data.Channels * data.Points;
  EXPECT_TRUE(accumulator.addBatch(data.NCHW.data() + first * perSample,
                                   last - first,
                                   grouping.Group.data() + first,
                                   BatchLayout::NCHW,
                                   threads));
  return accumulator;
}

TEST(HistogramAccumulatorMerge, DisjointHalvesMergeToTheWhole)
{
  const Batches data = randomBatches(50, 3, 4, 5);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples));
  DiscreteEntropyOptions options = optionsWithBins(12);
  const HistogramAccumulatorSettings settings =
    HistogramAccumulatorSettings::forLayer(3, 4, grouping, options);
  const std::vector<ValueRange> ranges = { { -3, 3 }, { -2, 4 }, { -6, 6 } };
  const HistogramAccumulator whole = accumulate(data, settings, ranges, grouping, 0, 50, 1);
  HistogramAccumulator first = accumulate(data, settings, ranges, grouping, 0, 23, 2);
  const HistogramAccumulator second = accumulate(data, settings, ranges, grouping, 23, 50, 2);

  // As an MPI sum reduction would do it: element-wise sum of the exports, imported.
  std::vector<std::uint64_t> summed = first.exportCounts();
  const std::vector<std::uint64_t> other = second.exportCounts();
  for (std::size_t i = 0; i < summed.size(); ++i)
  {
    summed[i] += other[i];
  }
  HistogramAccumulator reduced(settings, ranges);
  reduced.importCounts(summed);
  EXPECT_EQ(reduced.exportCounts(), whole.exportCounts());

  first.merge(second);
  EXPECT_EQ(first.exportCounts(), whole.exportCounts());
  EXPECT_EQ(first.samplesAdded(), 50u);
  expectSameLayer(whole.result(options), first.result(options));
  // One thread or two: the same integer counts.
  EXPECT_EQ(accumulate(data, settings, ranges, grouping, 0, 50, 2).exportCounts(),
            whole.exportCounts());

  // Parts of different analyses do not merge; nor do more samples than declared.
  HistogramAccumulator otherRanges(settings, { ValueRange{ 0, 1 } });
  EXPECT_THROW(first.merge(otherRanges), std::invalid_argument);
  EXPECT_THROW(first.merge(second), std::invalid_argument);
  std::vector<std::uint64_t> tooMany = whole.exportCounts();
  tooMany[0] = 51;
  EXPECT_THROW(reduced.importCounts(tooMany), std::invalid_argument);
  tooMany.pop_back();
  EXPECT_THROW(reduced.importCounts(tooMany), std::invalid_argument);
}

TEST(ChannelRangeAccumulatorTest, EqualsChannelRangesInBothLayoutsAndMerges)
{
  const Batches data = randomBatches(30, 3, 7, 6);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples), { 1, 2 });
  const std::vector<ValueRange> expected = channelRanges(data.layout(), grouping);
  const std::size_t perSample = 21;
  for (const BatchLayout batchLayout : { BatchLayout::NCHW, BatchLayout::NHWC })
  {
    const std::vector<float>& values = data.values(batchLayout);
    ChannelRangeAccumulator first(3, 7);
    ChannelRangeAccumulator second(3, 7);
    ASSERT_TRUE(first.addBatch(values.data(), 13, grouping.Group.data(), batchLayout, 2));
    ASSERT_TRUE(second.addBatch(
      values.data() + 13 * perSample, 17, grouping.Group.data() + 13, batchLayout, 1));
    first.merge(second);
    EXPECT_EQ(first.samplesAdded(), 30u);
    for (std::size_t c = 0; c < 3; ++c)
    {
      EXPECT_EQ(first.channelRanges()[c].Low, expected[c].Low);
      EXPECT_EQ(first.channelRanges()[c].High, expected[c].High);
    }
    EXPECT_EQ(first.layerRange().Low,
              std::min({ expected[0].Low, expected[1].Low, expected[2].Low }));
    // An MPI min/max reduction goes through the extrema.
    std::vector<double> lows;
    std::vector<double> highs;
    first.exportExtrema(lows, highs);
    ChannelRangeAccumulator reduced(3, 7);
    reduced.importExtrema(lows, highs);
    EXPECT_EQ(reduced.layerRange().High, first.layerRange().High);
  }
  // No finite value: not valid, and binned with [0, 0] as computeDiscreteEntropy does.
  ChannelRangeAccumulator empty(1, 2);
  const float nothing[] = { NaN, Inf };
  ASSERT_TRUE(empty.addBatch(nothing, 1, nullptr, BatchLayout::NCHW));
  EXPECT_FALSE(empty.channelRanges()[0].valid());
  EXPECT_EQ(empty.binningRanges(DiscreteEntropyOptions())[0].High, 0.0);
}

/// Settings of a layer without classes.
HistogramAccumulatorSettings settingsOf(std::size_t channels,
                                        std::size_t points,
                                        int bins,
                                        std::size_t declaredSamples)
{
  HistogramAccumulatorSettings settings;
  settings.Channels = channels;
  settings.PointsPerChannel = points;
  settings.Bins = bins;
  settings.DeclaredSamples = declaredSamples;
  return settings;
}

/// One accumulator over values given sample-major for a layer of 1 channel x @p points.
HistogramAccumulator oneChannel(const std::vector<float>& values,
                                std::size_t points,
                                int bins,
                                ValueRange range)
{
  const HistogramAccumulatorSettings settings = settingsOf(1, points, bins, values.size() / points);
  HistogramAccumulator accumulator(settings, { range });
  EXPECT_TRUE(
    accumulator.addBatch(values.data(), settings.DeclaredSamples, nullptr, BatchLayout::NCHW));
  return accumulator;
}

TEST(HistogramAccumulatorHand, TwoEqualBinsIsOneBitConstantIsZeroNaNOnlyIsNaN)
{
  // 4 samples x 3 neurons: neuron 0 sees {0, 0, 1, 1} (1 bit with 2 bins on [0, 1]),
  // neuron 1 is constant (0, never -inf), neuron 2 has no finite value (NaN, counted).
  const std::vector<float> values = {
    0.f, 0.5f, NaN, //
    0.f, 0.5f, NaN, //
    1.f, 0.5f, Inf, //
    1.f, 0.5f, NaN, //
  };
  DiscreteEntropyOptions options = optionsWithBins(2);
  const LayerDiscreteEntropy result =
    oneChannel(values, 3, 2, ValueRange{ 0.0, 1.0 }).result(options);
  EXPECT_EQ(result.Neurons.Entropy[0], 1.0);
  EXPECT_EQ(result.Neurons.Count[0], 4u);
  EXPECT_EQ(result.Neurons.Entropy[1], 0.0);
  EXPECT_TRUE(std::isnan(result.Neurons.Entropy[2]));
  EXPECT_EQ(result.Neurons.NonFinite[2], 4u);
  EXPECT_EQ(result.Neurons.Count[2], 0u);
  EXPECT_EQ(result.Neurons.undefinedCount(), 1u);
  // The channel pools the 8 finite values {0, 0, 1, 1, .5, .5, .5, .5}; 0.5 is in bin 1:
  // bin 0 twice, bin 1 six times.
  EXPECT_NEAR(
    result.Channels.Entropy[0], -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75)), Tolerance);
  EXPECT_EQ(result.Layer.NonFinite[0], 4u);

  // Constant data binned over its own degenerate range [2.5, 2.5]: bin 0, H = 0.
  const LayerDiscreteEntropy constant =
    oneChannel({ 2.5f, 2.5f, 2.5f }, 1, 64, ValueRange{ 2.5, 2.5 })
      .result(DiscreteEntropyOptions());
  EXPECT_EQ(constant.Neurons.Entropy[0], 0.0);
  EXPECT_EQ(constant.Layer.Entropy[0], 0.0);
}

TEST(HistogramAccumulatorHand, ClassConditionalByHand)
{
  // Labels {0,0,0,1}, values {0,1,1,0}, B = 2 on [0,1]: H(T) = 1, H(T|Y=0) = H_b(1/3),
  // H(T|Y=1) = 0, H(T|Y) = 3/4 H_b(1/3), I = 1 - H(T|Y).
  const std::vector<float> values = { 0.f, 1.f, 1.f, 0.f };
  const SampleGrouping grouping = SampleGrouping::fromLabels({ 0, 0, 0, 1 });
  DiscreteEntropyOptions options = optionsWithBins(2);
  HistogramAccumulator accumulator(HistogramAccumulatorSettings::forLayer(1, 1, grouping, options),
                                   { ValueRange{ 0.0, 1.0 } });
  ASSERT_TRUE(accumulator.addBatch(values.data(), 2, grouping.Group.data(), BatchLayout::NHWC));
  ASSERT_TRUE(
    accumulator.addBatch(values.data() + 2, 2, grouping.Group.data() + 2, BatchLayout::NCHW));
  const LayerDiscreteEntropy result = accumulator.result(options);
  const double hb = -(std::log2(1.0 / 3.0) / 3.0 + 2.0 / 3.0 * std::log2(2.0 / 3.0));
  EXPECT_NEAR(result.Neurons.Entropy[0], 1.0, Tolerance);
  EXPECT_NEAR(result.Neurons.ClassEntropy[0][0], hb, Tolerance);
  EXPECT_EQ(result.Neurons.ClassEntropy[1][0], 0.0);
  EXPECT_NEAR(result.Neurons.ConditionalEntropy[0], 0.75 * hb, Tolerance);
  EXPECT_NEAR(result.Neurons.MutualInformation[0], 1.0 - 0.75 * hb, Tolerance);
  // Classes need each sample's group, one of the classes'.
  HistogramAccumulator more(HistogramAccumulatorSettings::forLayer(1, 1, grouping, options),
                            { ValueRange{ 0.0, 1.0 } });
  EXPECT_THROW(more.addBatch(values.data(), 1, nullptr, BatchLayout::NCHW), std::invalid_argument);
  const std::int32_t beyond[] = { 2 };
  EXPECT_THROW(more.addBatch(values.data(), 1, beyond, BatchLayout::NCHW), std::invalid_argument);
  EXPECT_EQ(more.samplesAdded(), 0u);
}

TEST(HistogramAccumulatorCounters, SixteenBitGuardAndThirtyTwoBitAboveIt)
{
  const HistogramAccumulatorSettings settings = settingsOf(1, 1, 2, 65535);
  EXPECT_EQ(settings.counterBytes(), 2);
  HistogramAccumulator accumulator(settings, { ValueRange{ 0.0, 1.0 } });
  // Every sample in one bin: that bin's counter reaches 65535, the largest 16-bit value.
  const std::vector<float> zeros(65535, 0.0f);
  ASSERT_TRUE(accumulator.addBatch(zeros.data(), 65000, nullptr, BatchLayout::NCHW));
  ASSERT_TRUE(accumulator.addBatch(zeros.data(), 535, nullptr, BatchLayout::NCHW));
  try
  {
    accumulator.addBatch(zeros.data(), 1, nullptr, BatchLayout::NCHW);
    ADD_FAILURE() << "a batch past the declared samples was accepted";
  }
  catch (const std::invalid_argument& e)
  {
    EXPECT_NE(std::string(e.what()).find("65535 samples declared"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("16-bit"), std::string::npos) << e.what();
  }
  // The refused batch left the counts as they were: no wrap to 0.
  DiscreteEntropyOptions options = optionsWithBins(2);
  const LayerDiscreteEntropy result = accumulator.result(options);
  EXPECT_EQ(result.Neurons.Count[0], 65535u);
  EXPECT_EQ(result.Neurons.Entropy[0], 0.0);
  // A merge past the declared samples is refused too.
  HistogramAccumulator one(settings, { ValueRange{ 0.0, 1.0 } });
  ASSERT_TRUE(one.addBatch(zeros.data(), 1, nullptr, BatchLayout::NCHW));
  EXPECT_THROW(accumulator.merge(one), std::invalid_argument);

  // 65536 samples need 32-bit counters: twice the bytes a neuron histogram slot.
  HistogramAccumulatorSettings larger = settings;
  larger.DeclaredSamples = 65536;
  EXPECT_EQ(larger.counterBytes(), 4);
  // A 64 x 56 x 56 layer, 10 classes, 64 bins: 10 x 65 counters a neuron.
  HistogramAccumulatorSettings layer = settingsOf(64, 56 * 56, 64, 65535);
  layer.GroupLabels = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  layer.HasClasses = true;
  const std::uint64_t neurons = 64 * 56 * 56;
  EXPECT_EQ(layer.bytesPerNeuron(), 10u * 65 * 2);
  const std::uint64_t small = HistogramAccumulator::bytesNeeded(layer);
  EXPECT_GE(small, neurons * 10 * 65 * 2);
  layer.DeclaredSamples = 65536;
  EXPECT_EQ(layer.bytesPerNeuron(), 10u * 65 * 4);
  // One more sample: 2 more bytes a counter (and one more row of a batch's bin scratch).
  const std::uint64_t large = HistogramAccumulator::bytesNeeded(layer);
  EXPECT_GE(large - small, neurons * 10 * 65 * 2);
  EXPECT_LE(large - small, neurons * 10 * 65 * 2 + 1024);
  // Channel and layer only: no neuron counter, a few MB whatever the layer's H x W.
  layer.Neurons = NeuronHistograms::None;
  EXPECT_EQ(layer.bytesPerNeuron(), 0u);
  EXPECT_LT(HistogramAccumulator::bytesNeeded(layer), std::uint64_t(16) << 20);

  // Beyond 32 bits the counters cannot hold the counts.
  larger.DeclaredSamples = std::size_t(1) << 32;
  EXPECT_THROW(HistogramAccumulator(larger, { ValueRange{ 0.0, 1.0 } }), std::invalid_argument);
}

TEST(HistogramAccumulatorCounters, ThirtyTwoBitCountersMatchTheInMemoryEstimator)
{
  // 70000 samples of a 2 x 3 layer: 32-bit counters, results as computeDiscreteEntropy's.
  const Batches data = randomBatches(70000, 2, 3, 7);
  DiscreteEntropyOptions options = optionsWithBins(32);
  const LayerDiscreteEntropy expected = data.inMemory(SampleGrouping::all(data.Samples), options);
  expectSameLayer(
    expected, streamed(data, BatchLayout::NCHW, 30000, SampleGrouping::all(data.Samples), options));
}

TEST(HistogramAccumulatorClamping, FixedRangeNarrowerThanTheDataIsReported)
{
  // 2 channels x 2 points, 3 samples, range [0, 1]: values below 0 or above 1 are clamped
  // into the edge bins and counted; NaN/Inf are not clamped (they are non-finite), and
  // the excluded sample 2 counts for nothing.
  const std::vector<float> values = {
    -1.f, 0.5f, 2.f, 1.f, // sample 0: channel 0 {-1, 0.5}, channel 1 {2, 1}
    0.f,  NaN,  3.f, Inf, // sample 1: channel 0 {0, NaN}, channel 1 {3, Inf}
    9.f,  9.f,  9.f, 9.f, // sample 2: left out
  };
  const SampleGrouping grouping = SampleGrouping::fromLabels({ 4, 4, 5 }, { 4 });
  DiscreteEntropyOptions options = optionsWithBins(4);
  options.Range = RangeMode::Fixed;
  options.FixedRange = ValueRange{ 0.0, 1.0 };
  HistogramAccumulator accumulator(HistogramAccumulatorSettings::forLayer(2, 2, grouping, options),
                                   { options.FixedRange });
  ASSERT_TRUE(accumulator.addBatch(values.data(), 3, grouping.Group.data(), BatchLayout::NCHW));
  EXPECT_EQ(accumulator.clampedPerChannel(), (std::vector<std::uint64_t>{ 1, 2 }));
  EXPECT_EQ(accumulator.clampedInLayer(), 3u);
  EXPECT_NEAR(accumulator.clampedFraction(0), 1.0 / 3.0, Tolerance);
  EXPECT_NEAR(accumulator.clampedFraction(1), 2.0 / 3.0, Tolerance);
  EXPECT_NEAR(accumulator.layerClampedFraction(), 3.0 / 6.0, Tolerance);
  // The clamped values are in the edge bins: the same as the in-memory estimator.
  const std::vector<float> pointMajor = { -1.f, 0.f, 9.f, 0.5f, NaN, 9.f,
                                          2.f,  3.f, 9.f, 1.f,  Inf, 9.f };
  LayerDiscreteEntropy expected;
  ASSERT_TRUE(computeDiscreteEntropy(
    ActivationLayout<float>{ pointMajor.data(), 4, 3, 2 }, grouping, options, expected));
  expectSameLayer(expected, accumulator.result(options));

  // Ranges from a full range pass clamp nothing.
  ChannelRangeAccumulator rangePass(2, 2);
  ASSERT_TRUE(rangePass.addBatch(values.data(), 3, grouping.Group.data(), BatchLayout::NCHW));
  options.Range = RangeMode::Channel;
  HistogramAccumulator fitted(HistogramAccumulatorSettings::forLayer(2, 2, grouping, options),
                              rangePass.binningRanges(options));
  ASSERT_TRUE(fitted.addBatch(values.data(), 3, grouping.Group.data(), BatchLayout::NCHW));
  EXPECT_EQ(fitted.clampedInLayer(), 0u);
}

TEST(HistogramAccumulatorCancel, CancelledBatchRefusesFurtherUse)
{
  const Batches data = randomBatches(20, 8, 4096, 8);
  const HistogramAccumulatorSettings settings = settingsOf(8, 4096, 64, 20);
  HistogramAccumulator accumulator(settings, { ValueRange{ -5.0, 5.0 } });
  Progress stop;
  stop.Callback = [](double, void*) { return false; };
  EXPECT_FALSE(accumulator.addBatch(data.NCHW.data(), 20, nullptr, BatchLayout::NCHW, 1, stop));
  EXPECT_THROW(accumulator.result(DiscreteEntropyOptions()), std::logic_error);
  EXPECT_THROW(accumulator.addBatch(data.NCHW.data(), 1, nullptr, BatchLayout::NCHW),
               std::logic_error);
  // Counts imported from elsewhere (e.g. a reduction) make it usable again.
  HistogramAccumulator fresh(settings, { ValueRange{ -5.0, 5.0 } });
  accumulator.importCounts(fresh.exportCounts());
  EXPECT_EQ(accumulator.samplesAdded(), 0u);
}

/// The whole layer as one point-major batch (the in-memory filters' layout).
template<typename T>
HistogramAccumulator pointMajor(const std::vector<T>& values,
                                const HistogramAccumulatorSettings& settings,
                                const std::vector<ValueRange>& ranges,
                                const SampleGrouping& grouping,
                                int threads)
{
  HistogramAccumulator accumulator(settings, ranges);
  EXPECT_TRUE(accumulator.addBatch(values.data(),
                                   grouping.numberOfSamples(),
                                   grouping.Group.data(),
                                   BatchLayout::PointMajor,
                                   threads));
  return accumulator;
}

TEST(HistogramAccumulatorPointMajor, EqualsNCHWBitForBit)
{
  // Dense counting (8 bins) and sorted keys (4096 bins for 40 samples), with and without
  // classes and with samples left out; a wide layer splits channels into point blocks.
  struct Case
  {
    std::size_t Samples;
    std::size_t Channels;
    std::size_t Points;
    int Bins;
  };
  for (const Case& layer :
       { Case{ 40, 3, 6, 8 }, Case{ 40, 3, 6, 4096 }, Case{ 300, 2, 5000, 16 } })
  {
    const Batches data = randomBatches(layer.Samples, layer.Channels, layer.Points, 9);
    for (const Grouping& grouping : groupingsOf(data.Samples))
    {
      SCOPED_TRACE(std::string(grouping.Name) + ", " + std::to_string(layer.Bins) + " bins, " +
                   std::to_string(layer.Points) + " points");
      DiscreteEntropyOptions options = optionsWithBins(layer.Bins);
      // Narrower than the data: clamped values are counted alike in both layouts.
      const std::vector<ValueRange> ranges = { { -1.5, 2.0 } };
      for (const NeuronHistograms neurons :
           { NeuronHistograms::PerClass, NeuronHistograms::AllClasses, NeuronHistograms::None })
      {
        HistogramAccumulatorSettings settings = HistogramAccumulatorSettings::forLayer(
          data.Channels, data.Points, grouping.Samples, options);
        settings.Neurons = neurons;
        options.NeuronScope = neurons != NeuronHistograms::None;
        const HistogramAccumulator nchw =
          accumulate(data, settings, ranges, grouping.Samples, 0, data.Samples, 2);
        const HistogramAccumulator byNeuron =
          pointMajor(data.PointMajor, settings, ranges, grouping.Samples, 2);
        EXPECT_EQ(nchw.exportCounts(), byNeuron.exportCounts());
        EXPECT_EQ(nchw.clampedPerChannel(), byNeuron.clampedPerChannel());
        expectSameLayer(nchw.result(options), byNeuron.result(options), true);
      }

      // Neurons evaluated as counted (computeDiscreteEntropy's way): the same records as
      // kept counts, in either layout, in any unit.
      options.NeuronScope = true;
      HistogramAccumulatorSettings settings = HistogramAccumulatorSettings::forLayer(
        data.Channels, data.Points, grouping.Samples, options);
      const HistogramAccumulator kept =
        accumulate(data, settings, ranges, grouping.Samples, 0, data.Samples, 1);
      settings.Neurons = NeuronHistograms::Evaluated;
      const HistogramAccumulator evaluated =
        pointMajor(data.PointMajor, settings, ranges, grouping.Samples, 2);
      const HistogramAccumulator evaluatedNCHW =
        accumulate(data, settings, ranges, grouping.Samples, 0, data.Samples, 2);
      for (const bool normalize : { false, true })
      {
        options.Normalize = normalize;
        expectSameLayer(kept.result(options), evaluated.result(options), true);
        expectSameLayer(kept.result(options), evaluatedNCHW.result(options), true);
      }
      EXPECT_EQ(kept.clampedPerChannel(), evaluated.clampedPerChannel());

      // Without the clamped count (computeDiscreteEntropy's way): the same records.
      settings.CountClamped = false;
      const HistogramAccumulator uncounted =
        pointMajor(data.PointMajor, settings, ranges, grouping.Samples, 1);
      expectSameLayer(kept.result(options), uncounted.result(options), true);
      EXPECT_GT(kept.clampedInLayer(), 0u);
      EXPECT_EQ(uncounted.clampedInLayer(), 0u);
      settings.CountClamped = true;

      // Double values: point-major and NCHW agree as well.
      const std::vector<double> nchwDouble(data.NCHW.begin(), data.NCHW.end());
      const std::vector<double> pointMajorDouble(data.PointMajor.begin(), data.PointMajor.end());
      settings.Neurons = NeuronHistograms::PerClass;
      HistogramAccumulator doubleNCHW(settings, ranges);
      EXPECT_TRUE(doubleNCHW.addBatch(
        nchwDouble.data(), data.Samples, grouping.Samples.Group.data(), BatchLayout::NCHW, 2));
      EXPECT_EQ(doubleNCHW.exportCounts(),
                pointMajor(pointMajorDouble, settings, ranges, grouping.Samples, 2).exportCounts());
    }
  }
}

TEST(HistogramAccumulatorPointMajor, InMemoryEstimatorIsOnePointMajorBatch)
{
  // computeDiscreteEntropy is ranges, one point-major batch, result(): equal to the bit to
  // the range pass and counting pass streamed in NCHW batches.
  const Batches data = randomBatches(60, 3, 10, 10);
  const SampleGrouping grouping = SampleGrouping::fromLabels(labelsOf(data.Samples));
  for (const RangeMode range : { RangeMode::Layer, RangeMode::Channel, RangeMode::Fixed })
  {
    DiscreteEntropyOptions options = optionsWithBins(32);
    options.Range = range;
    const LayerDiscreteEntropy expected = data.inMemory(grouping, options);
    expectSameLayer(expected, streamed(data, BatchLayout::NCHW, 7, grouping, options), true);
  }
}

TEST(HistogramAccumulatorPointMajor, EvaluatedNeuronsTakeOneWholeBatchAndDoNotMerge)
{
  const Batches data = randomBatches(20, 2, 3, 11);
  const SampleGrouping grouping = SampleGrouping::all(data.Samples);
  HistogramAccumulatorSettings settings =
    HistogramAccumulatorSettings::forLayer(2, 3, grouping, optionsWithBins(8));
  settings.Neurons = NeuronHistograms::Evaluated;
  EXPECT_EQ(settings.bytesPerNeuron(), 0u);
  HistogramAccumulator accumulator(settings, { ValueRange{ -3.0, 3.0 } });
  EXPECT_THROW(accumulator.addBatch(data.PointMajor.data(), 19, nullptr, BatchLayout::PointMajor),
               std::invalid_argument);
  EXPECT_TRUE(accumulator.addBatch(data.NCHW.data(), 20, nullptr, BatchLayout::NCHW));
  EXPECT_THROW(accumulator.addBatch(data.NCHW.data(), 1, nullptr, BatchLayout::NCHW),
               std::invalid_argument);
  EXPECT_THROW(accumulator.exportCounts(), std::logic_error);
  EXPECT_THROW(accumulator.merge(accumulator), std::logic_error);
}

TEST(HistogramAccumulatorSettingsCheck, InvalidSettingsAndRangesAreNamed)
{
  HistogramAccumulatorSettings settings = settingsOf(1, 1, 4, 10);
  EXPECT_EQ(settings.validate(), "");
  settings.Bins = 1;
  EXPECT_EQ(settings.validate(), "number of bins 1 is outside [2, 65536]");
  settings.Bins = 4;
  settings.GroupLabels = { 0, 1 };
  EXPECT_NE(settings.validate(), "");
  settings.GroupLabels = { 0 };
  settings.DeclaredSamples = 0;
  EXPECT_NE(settings.validate().find("no sample declared"), std::string::npos);
  settings.DeclaredSamples = 10;
  EXPECT_THROW(HistogramAccumulator(settings, { ValueRange{ 1.0, 0.0 } }), std::invalid_argument);
  EXPECT_THROW(HistogramAccumulator(settings, { ValueRange{ 0.0, 1.0 }, ValueRange{ 0.0, 1.0 } }),
               std::invalid_argument);
  HistogramAccumulator accumulator(settings, { ValueRange{ 0.0, 1.0 } });
  DiscreteEntropyOptions options; // 64 bins, not 4
  EXPECT_THROW(accumulator.result(options), std::invalid_argument);
}

} // namespace
