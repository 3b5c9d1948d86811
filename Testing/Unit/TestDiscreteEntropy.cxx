// Discrete (histogram) entropy against hand-computed cases: Documentation/entropy.md,
// "Discrete entropy", and the traps of Documentation/design.md section 3.5.
#include "DiscreteEntropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

namespace
{
using namespace cnnslicer;

constexpr double Tolerance = 1e-12;
const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

double log2(double x)
{
  return std::log(x) / std::log(2.0);
}

/// Binary entropy in bits.
double binaryEntropy(double p)
{
  return p <= 0.0 || p >= 1.0 ? 0.0 : -p * log2(p) - (1.0 - p) * log2(1.0 - p);
}

TEST(DiscreteBinning, FormulaEdgesAndClamping)
{
  const HistogramBinning binning(ValueRange{ 0.0, 1.0 }, 4);
  EXPECT_EQ(binning(0.0), 0);
  EXPECT_EQ(binning(0.2499), 0);
  EXPECT_EQ(binning(0.25), 1);
  EXPECT_EQ(binning(0.75), 3);
  // The exact upper edge belongs to the last bin, not to a bin B.
  EXPECT_EQ(binning(1.0), 3);
  EXPECT_EQ(binning(-5.0), 0);
  EXPECT_EQ(binning(7.0), 3);
  EXPECT_EQ(binning(NaN), 4);
  EXPECT_EQ(binning(Inf), 4);
  EXPECT_EQ(binning(-Inf), 4);
  // Constant range: every finite value in bin 0.
  const HistogramBinning constant(ValueRange{ 2.0, 2.0 }, 8);
  EXPECT_EQ(constant(2.0f), 0);
  EXPECT_EQ(constant(3.0f), 0);
}

TEST(DiscreteEntropyHand, UpperEdgeValue)
{
  // Bins 0,1,2,3,3 -> counts {1,1,1,2} of 5: H = 3 * 0.2 log2 5 + 0.4 log2 2.5.
  const double values[] = { 0.0, 0.25, 0.5, 0.75, 1.0 };
  const double expected = 3 * 0.2 * log2(5.0) + 0.4 * log2(2.5);
  EXPECT_NEAR(discreteEntropy(values, 5, ValueRange{ 0.0, 1.0 }, 4), expected, Tolerance);
  EXPECT_NEAR(expected, 1.9219280948873623, 1e-12);
}

TEST(DiscreteEntropyHand, ConstantDataIsZero)
{
  const float values[] = { 3.5f, 3.5f, 3.5f, 3.5f };
  EXPECT_EQ(discreteEntropy(values, 4, ValueRange{ 3.5, 3.5 }, 64), 0.0);
  EXPECT_EQ(discreteEntropy(values, 4, ValueRange{ 0.0, 10.0 }, 64), 0.0);
}

TEST(DiscreteEntropyHand, NonFiniteExcludedAndCounted)
{
  const double values[] = { 0.0, 1.0, NaN, Inf, -Inf, 0.9 };
  std::uint64_t nonFinite = 0;
  // Finite values 0, 1, 0.9 in bins 0, 1, 1 of 2.
  const double h =
    discreteEntropy(values, 6, ValueRange{ 0.0, 1.0 }, 2, EntropyUnit::Bits, &nonFinite);
  EXPECT_NEAR(h, binaryEntropy(1.0 / 3.0), Tolerance);
  EXPECT_EQ(nonFinite, 3u);
  // Only non-finite values: no observation, NaN (never -inf).
  const double allBad[] = { NaN, Inf };
  EXPECT_TRUE(std::isnan(discreteEntropy(allBad, 2, ValueRange{ 0.0, 1.0 }, 2)));
}

TEST(DiscreteEntropyHand, UnitsAndUniformHistogram)
{
  // 8 values, one per bin of 8: log2 8 = 3 bits = ln 8 nats.
  const double values[] = { 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5 };
  EXPECT_NEAR(discreteEntropy(values, 8, ValueRange{ 0.0, 8.0 }, 8), 3.0, Tolerance);
  EXPECT_NEAR(discreteEntropy(values, 8, ValueRange{ 0.0, 8.0 }, 8, EntropyUnit::Nats),
              std::log(8.0),
              Tolerance);
}

TEST(DiscreteEntropyHand, BinLimitsAreEnforced)
{
  const double values[] = { 0.0, 1.0 };
  EXPECT_THROW(discreteEntropy(values, 2, ValueRange{ 0.0, 1.0 }, 1), std::invalid_argument);
  EXPECT_THROW(discreteEntropy(values, 2, ValueRange{ 0.0, 1.0 }, 65537), std::invalid_argument);
  EXPECT_NEAR(discreteEntropy(values, 2, ValueRange{ 0.0, 1.0 }, 65536), 1.0, Tolerance);
}

/// A layer of 2 channels x 2 points x 4 samples with hand-chosen values.
struct SmallLayer
{
  // point-major: point p holds samples 0..3
  std::vector<float> Values = {
    0.f, 0.f, 1.f, 1.f, // channel 0, point 0: two bins equally -> 1 bit
    0.f, 0.f, 0.f, 0.f, // channel 0, point 1: constant -> 0
    0.f, 1.f, 2.f, 3.f, // channel 1, point 0
    3.f, 3.f, 3.f, 3.f, // channel 1, point 1
  };
  ActivationLayout<float> layout() const
  {
    ActivationLayout<float> l;
    l.Values = Values.data();
    l.NumberOfPoints = 4;
    l.NumberOfSamples = 4;
    l.NumberOfChannels = 2;
    return l;
  }
};

TEST(DiscreteLayer, NeuronChannelLayerScopesByHand)
{
  const SmallLayer data;
  DiscreteEntropyOptions options;
  options.Bins = 4; // layer range [0, 3]: bins of width 0.75; 1 -> bin 1, 2 -> bin 2, 3 -> bin 3
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[0], 1.0, Tolerance);
  EXPECT_NEAR(result.Neurons.Entropy[1], 0.0, Tolerance);
  EXPECT_NEAR(result.Neurons.Entropy[2], 2.0, Tolerance);
  EXPECT_NEAR(result.Neurons.Entropy[3], 0.0, Tolerance);
  // Channel 0 pools {0,0,1,1,0,0,0,0}: p = 6/8, 2/8.
  EXPECT_NEAR(result.Channels.Entropy[0], binaryEntropy(0.25), Tolerance);
  // Channel 1 pools {0,1,2,3,3,3,3,3}: 1/8,1/8,1/8,5/8.
  const double h1 = 3 * (1.0 / 8) * 3.0 + (5.0 / 8) * log2(8.0 / 5);
  EXPECT_NEAR(result.Channels.Entropy[1], h1, Tolerance);
  // Layer: zeros 7, ones 3, twos 1, threes 5 of 16.
  const double hl = (7.0 / 16) * log2(16.0 / 7) + (3.0 / 16) * log2(16.0 / 3) + (1.0 / 16) * 4.0 +
                    (5.0 / 16) * log2(16.0 / 5);
  EXPECT_NEAR(result.Layer.Entropy[0], hl, Tolerance);
  EXPECT_EQ(result.Layer.Count[0], 16u);
  EXPECT_TRUE(result.Neurons.ConditionalEntropy.empty());
  EXPECT_EQ(result.ChannelRanges[0].Low, 0.0);
  EXPECT_EQ(result.ChannelRanges[1].High, 3.0);
}

TEST(DiscreteLayer, ChannelAndFixedRangeModes)
{
  const SmallLayer data;
  DiscreteEntropyOptions options;
  options.Bins = 2;
  options.Range = RangeMode::Channel;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result));
  // Channel 0 range [0,1]: bins split 0 | 1.
  EXPECT_EQ(result.ChannelRanges[0].High, 1.0);
  EXPECT_NEAR(result.Neurons.Entropy[0], 1.0, Tolerance);
  // Channel 1 range [0,3]: {0,1} -> bin 0, {2,3} -> bin 1.
  EXPECT_NEAR(result.Neurons.Entropy[2], 1.0, Tolerance);

  options.Range = RangeMode::Fixed;
  options.FixedRange = ValueRange{ 0.0, 100.0 };
  ASSERT_TRUE(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result));
  // Everything below 50 falls in bin 0.
  EXPECT_EQ(result.Layer.Entropy[0], 0.0);

  options.FixedRange = ValueRange{ 1.0, 0.0 };
  EXPECT_THROW(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result),
               std::invalid_argument);
}

TEST(DiscreteLayer, NormalizedAndNats)
{
  const SmallLayer data;
  DiscreteEntropyOptions options;
  options.Bins = 4;
  options.Normalize = true;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[2], 1.0, Tolerance); // 2 bits / log2(4)
  options.Normalize = false;
  options.Unit = EntropyUnit::Nats;
  ASSERT_TRUE(computeDiscreteEntropy(data.layout(), SampleGrouping::all(4), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[2], 2.0 * std::log(2.0), Tolerance);
}

TEST(DiscreteClasses, TEqualsYGivesHOfY)
{
  // 4 classes x 3 samples; the neuron outputs its label: H(T) = H(Y) = 2 bits,
  // H(T|Y) = 0, I(T;Y) = 2 bits.
  std::vector<std::int64_t> labels;
  std::vector<float> values;
  for (int k = 0; k < 4; ++k)
  {
    for (int r = 0; r < 3; ++r)
    {
      labels.push_back(k);
      values.push_back(static_cast<float>(k));
    }
  }
  ActivationLayout<float> layout{ values.data(), 1, labels.size(), 1 };
  DiscreteEntropyOptions options;
  options.Bins = 4;
  options.PerClass = true;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[0], 2.0, Tolerance);
  EXPECT_NEAR(result.Neurons.ConditionalEntropy[0], 0.0, Tolerance);
  EXPECT_NEAR(result.Neurons.MutualInformation[0], 2.0, Tolerance);
  ASSERT_EQ(result.Neurons.ClassEntropy.size(), 4u);
  EXPECT_EQ(result.Neurons.ClassEntropy[3][0], 0.0);
  EXPECT_NEAR(result.Layer.MutualInformation[0], 2.0, Tolerance);
}

TEST(DiscreteClasses, IndependentGivesZeroInformation)
{
  // Every (class, value) pair exactly once: T independent of Y, I(T;Y) = 0 exactly.
  std::vector<std::int64_t> labels;
  std::vector<float> values;
  for (int k = 0; k < 3; ++k)
  {
    for (int v = 0; v < 8; ++v)
    {
      labels.push_back(k);
      values.push_back(static_cast<float>(v));
    }
  }
  ActivationLayout<float> layout{ values.data(), 1, labels.size(), 1 };
  DiscreteEntropyOptions options;
  options.Bins = 8;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[0], 3.0, Tolerance);
  EXPECT_NEAR(result.Neurons.ConditionalEntropy[0], 3.0, Tolerance);
  EXPECT_NEAR(result.Neurons.MutualInformation[0], 0.0, Tolerance);
}

TEST(DiscreteClasses, SingleSampleClassAndSelection)
{
  // Labels {0,0,0,1}, values {0,1,1,0}, B = 2 on [0,1]:
  // H(T) = 1, H(T|Y=0) = H_b(1/3), H(T|Y=1) = 0 (a single sample),
  // H(T|Y) = 3/4 H_b(1/3), I = 1 - H(T|Y).
  const std::vector<std::int64_t> labels = { 0, 0, 0, 1 };
  const std::vector<float> values = { 0.f, 1.f, 1.f, 0.f };
  ActivationLayout<float> layout{ values.data(), 1, 4, 1 };
  DiscreteEntropyOptions options;
  options.Bins = 2;
  options.PerClass = true;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[0], 1.0, Tolerance);
  EXPECT_NEAR(result.Neurons.ClassEntropy[0][0], binaryEntropy(1.0 / 3.0), Tolerance);
  EXPECT_EQ(result.Neurons.ClassEntropy[1][0], 0.0);
  EXPECT_NEAR(result.Neurons.ConditionalEntropy[0], 0.75 * binaryEntropy(1.0 / 3.0), Tolerance);
  EXPECT_NEAR(
    result.Neurons.MutualInformation[0], 1.0 - 0.75 * binaryEntropy(1.0 / 3.0), Tolerance);

  // Only class 0: its three samples, and the range is theirs ([0,1] still).
  ASSERT_TRUE(
    computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels, { 0 }), options, result));
  EXPECT_NEAR(result.Neurons.Entropy[0], binaryEntropy(1.0 / 3.0), Tolerance);
  EXPECT_EQ(result.Neurons.Count[0], 3u);
  EXPECT_NEAR(result.Neurons.MutualInformation[0], 0.0, Tolerance);

  // A selection that matches nothing is an error, not an empty result.
  EXPECT_THROW(
    computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels, { 7 }), options, result),
    std::invalid_argument);
}

TEST(DiscreteLayer, NaNsInLayerAreCountedPerScope)
{
  const std::vector<float> values = { 0.f,
                                      1.f,
                                      static_cast<float>(NaN),
                                      1.f, //
                                      static_cast<float>(Inf),
                                      0.f,
                                      0.f,
                                      1.f };
  ActivationLayout<float> layout{ values.data(), 2, 4, 1 };
  DiscreteEntropyOptions options;
  options.Bins = 2;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::all(4), options, result));
  EXPECT_EQ(result.Neurons.NonFinite[0], 1u);
  EXPECT_EQ(result.Neurons.Count[0], 3u);
  EXPECT_NEAR(result.Neurons.Entropy[0], binaryEntropy(1.0 / 3.0), Tolerance);
  EXPECT_EQ(result.Layer.NonFinite[0], 2u);
  EXPECT_EQ(result.Layer.Count[0], 6u);
  // The range ignores the infinities.
  EXPECT_EQ(result.ChannelRanges[0].High, 1.0);
}

TEST(DiscreteLayer, AllNonFiniteNeuronIsNaNNotCrash)
{
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> values = { nan, nan, nan };
  ActivationLayout<float> layout{ values.data(), 1, 3, 1 };
  LayerDiscreteEntropy result;
  ASSERT_TRUE(
    computeDiscreteEntropy(layout, SampleGrouping::all(3), DiscreteEntropyOptions(), result));
  EXPECT_TRUE(std::isnan(result.Neurons.Entropy[0]));
  EXPECT_EQ(result.Neurons.NonFinite[0], 3u);
  EXPECT_EQ(result.Neurons.undefinedCount(), 1u);
}

/// Random activation-like data: normal values, half of the neurons through ReLU.
std::vector<float> randomLayer(std::size_t points, std::size_t samples, std::uint64_t seed)
{
  std::mt19937_64 rng(seed);
  std::vector<float> values(points * samples);
  for (std::size_t p = 0; p < points; ++p)
  {
    for (std::size_t n = 0; n < samples; ++n)
    {
      // Irwin-Hall(12) - 6: approximately normal, independent of the library's distributions.
      double s = -6.0;
      for (int i = 0; i < 12; ++i)
      {
        s += static_cast<double>(rng() >> 11) * 0x1.0p-53;
      }
      values[p * samples + n] = static_cast<float>(p % 2 == 0 ? std::max(0.0, s) : s);
    }
  }
  return values;
}

TEST(DiscreteLayer, AgreesWithSingleVariableReferenceAndPooledGather)
{
  const std::size_t points = 24;
  const std::size_t samples = 500;
  const std::vector<float> values = randomLayer(points, samples, 7);
  ActivationLayout<float> layout{ values.data(), points, samples, 3 };
  DiscreteEntropyOptions options;
  options.Bins = 32;
  LayerDiscreteEntropy result;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::all(samples), options, result));
  const ValueRange range = result.ChannelRanges[0];
  for (std::size_t p = 0; p < points; ++p)
  {
    EXPECT_NEAR(result.Neurons.Entropy[p],
                discreteEntropy(values.data() + p * samples, samples, range, 32),
                Tolerance);
  }
  for (std::size_t c = 0; c < 3; ++c)
  {
    const std::size_t begin = c * 8 * samples;
    EXPECT_NEAR(result.Channels.Entropy[c],
                discreteEntropy(values.data() + begin, 8 * samples, range, 32),
                Tolerance);
  }
  EXPECT_NEAR(
    result.Layer.Entropy[0], discreteEntropy(values.data(), values.size(), range, 32), Tolerance);
}

TEST(DiscreteLayer, SparsePathEqualsDense)
{
  // B = 65536 with 300 samples takes the sorted-key path; B chosen so that both paths
  // bin identically: compare against the single-variable reference (dense counts).
  const std::size_t points = 6;
  const std::size_t samples = 300;
  const std::vector<float> values = randomLayer(points, samples, 11);
  std::vector<std::int64_t> labels(samples);
  for (std::size_t n = 0; n < samples; ++n)
  {
    labels[n] = static_cast<std::int64_t>(n % 3);
  }
  ActivationLayout<float> layout{ values.data(), points, samples, 2 };
  DiscreteEntropyOptions options;
  options.Bins = 65536;
  LayerDiscreteEntropy sparse;
  ASSERT_TRUE(computeDiscreteEntropy(layout, SampleGrouping::fromLabels(labels), options, sparse));
  const ValueRange range = sparse.ChannelRanges[0];
  for (std::size_t p = 0; p < points; ++p)
  {
    EXPECT_NEAR(sparse.Neurons.Entropy[p],
                discreteEntropy(values.data() + p * samples, samples, range, 65536),
                Tolerance);
    // I(T;Y) <= H(Y) = log2 3 and >= 0.
    EXPECT_GE(sparse.Neurons.MutualInformation[p], 0.0);
    EXPECT_LE(sparse.Neurons.MutualInformation[p], log2(3.0) + Tolerance);
  }
  EXPECT_NEAR(sparse.Layer.Entropy[0],
              discreteEntropy(values.data(), values.size(), range, 65536),
              Tolerance);
}

TEST(DiscreteLayer, BitIdenticalForOneAndTwoThreads)
{
  const std::size_t points = 300;
  const std::size_t samples = 4000; // several tasks per channel
  const std::vector<float> values = randomLayer(points, samples, 3);
  std::vector<std::int64_t> labels(samples);
  for (std::size_t n = 0; n < samples; ++n)
  {
    labels[n] = static_cast<std::int64_t>((n * 7) % 10);
  }
  ActivationLayout<float> layout{ values.data(), points, samples, 3 };
  DiscreteEntropyOptions options;
  options.PerClass = true;
  LayerDiscreteEntropy one;
  LayerDiscreteEntropy two;
  const SampleGrouping grouping = SampleGrouping::fromLabels(labels, { 1, 4, 9 });
  ASSERT_TRUE(computeDiscreteEntropy(layout, grouping, options, one, 1));
  ASSERT_TRUE(computeDiscreteEntropy(layout, grouping, options, two, 2));
  auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
  };
  EXPECT_TRUE(same(one.Neurons.Entropy, two.Neurons.Entropy));
  EXPECT_TRUE(same(one.Neurons.MutualInformation, two.Neurons.MutualInformation));
  EXPECT_TRUE(same(one.Channels.Entropy, two.Channels.Entropy));
  EXPECT_TRUE(same(one.Channels.ConditionalEntropy, two.Channels.ConditionalEntropy));
  EXPECT_TRUE(same(one.Layer.Entropy, two.Layer.Entropy));
  EXPECT_TRUE(same(one.Layer.ClassEntropy[2], two.Layer.ClassEntropy[2]));
}

TEST(DiscreteLayer, CancellationStopsAndReportsFalse)
{
  const std::vector<float> values = randomLayer(64, 100, 5);
  ActivationLayout<float> layout{ values.data(), 64, 100, 1 };
  int calls = 0;
  Progress progress;
  progress.ClientData = &calls;
  progress.Callback = [](double, void* data) { return ++*static_cast<int*>(data) < 2; };
  LayerDiscreteEntropy result;
  EXPECT_FALSE(computeDiscreteEntropy(
    layout, SampleGrouping::all(100), DiscreteEntropyOptions(), result, 1, progress));
}

TEST(DiscreteLayer, InvalidLayoutIsRejected)
{
  const std::vector<float> values(10, 0.f);
  ActivationLayout<float> layout{ values.data(), 5, 2, 2 }; // 5 points do not split into 2 channels
  LayerDiscreteEntropy result;
  EXPECT_THROW(
    computeDiscreteEntropy(layout, SampleGrouping::all(2), DiscreteEntropyOptions(), result),
    std::invalid_argument);
  ActivationLayout<float> matching{ values.data(), 5, 2, 1 };
  EXPECT_THROW(
    computeDiscreteEntropy(matching, SampleGrouping::all(3), DiscreteEntropyOptions(), result),
    std::invalid_argument);
}

TEST(DiscreteSampleScope, PerSampleFeatureMapByHand)
{
  // 1 channel of 4 points, 2 samples: sample 0 sees {0,0,1,1} (1 bit), sample 1 sees
  // {0,1,2,3} (2 bits with B=4 on [0,3]).
  const std::vector<float> values = { 0.f, 0.f, 0.f, 1.f, 1.f, 2.f, 1.f, 3.f };
  ActivationLayout<float> layout{ values.data(), 4, 2, 1 };
  DiscreteEntropyOptions options;
  options.Bins = 4;
  ScopeEntropy result;
  ASSERT_TRUE(computeSampleEntropy(layout, SampleGrouping::all(2), options, result));
  ASSERT_EQ(result.size(), 2u);
  EXPECT_NEAR(result.Entropy[0], 1.0, Tolerance);
  EXPECT_NEAR(result.Entropy[1], 2.0, Tolerance);
  // Excluded samples give NaN.
  ASSERT_TRUE(
    computeSampleEntropy(layout, SampleGrouping::fromLabels({ 0, 1 }, { 1 }), options, result));
  EXPECT_TRUE(std::isnan(result.Entropy[0]));
}

} // namespace

// The options' own check, which the filter's clamped NumberOfBins never reaches.
TEST(DiscreteEntropyOptionsCheck, BinsOutsideTheLimitsAreNamed)
{
  DiscreteEntropyOptions options;
  EXPECT_EQ(options.validate(), "");
  options.Bins = 1;
  EXPECT_EQ(options.validate(), "number of bins 1 is outside [2, 65536]");
  options.Bins = 65537;
  EXPECT_EQ(options.validate(), "number of bins 65537 is outside [2, 65536]");
}
