// Layer representation entropy for the information plane (Documentation/entropy.md): H(T) of the
// binned patterns, I(X;T) = H(T), H(T|Y), I(T;Y), against hand-computed cases and a
// brute-force count of the patterns.
#include "RepresentationEntropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

namespace
{
using namespace cnnslicer;

constexpr double Tolerance = 1e-12;

double log2(double x)
{
  return std::log(x) / std::log(2.0);
}

/// A layer from neuron-major rows: rows[p][n] is sample n at neuron p.
struct Layer
{
  explicit Layer(const std::vector<std::vector<double>>& rows, std::size_t channels = 1)
  {
    for (const auto& row : rows)
    {
      Values.insert(Values.end(), row.begin(), row.end());
    }
    View = { Values.data(), rows.size(), rows.front().size(), channels };
  }
  std::vector<double> Values;
  ActivationLayout<double> View;
};

RepresentationEntropy compute(const Layer& layer,
                              const SampleGrouping& grouping,
                              int bins,
                              RangeMode range = RangeMode::Layer)
{
  RepresentationEntropyOptions options;
  options.Bins = bins;
  options.Range = range;
  RepresentationEntropy result;
  EXPECT_TRUE(computeRepresentationEntropy(layer.View, grouping, options, result, 1));
  return result;
}

TEST(RepresentationEntropy, HandComputedPatternsAndLabels)
{
  // Two neurons, two bins over [0, 1], four samples: patterns (0,0) (0,1) (1,0) (1,0),
  // counts {1, 1, 2}: H(T) = 2 * 1/4 * 2 + 1/2 * 1 = 1.5 bits.
  const Layer layer({ { 0.0, 0.0, 1.0, 1.0 }, { 0.0, 1.0, 0.0, 0.0 } });
  const auto plain = compute(layer, SampleGrouping::all(4), 2);
  EXPECT_NEAR(plain.Entropy, 1.5, Tolerance);
  EXPECT_EQ(plain.Patterns, 3u);
  EXPECT_EQ(plain.Samples, 4u);
  EXPECT_NEAR(plain.MaximumEntropy, 2.0, Tolerance);
  EXPECT_TRUE(std::isnan(plain.MutualInformation));
  EXPECT_TRUE(plain.ClassEntropy.empty());

  // Labels 0,0,1,1: H(T|Y=0) = 1 (two patterns), H(T|Y=1) = 0 (one pattern), so
  // H(T|Y) = 0.5 and I(T;Y) = 1.5 - 0.5 = 1 = H(Y).
  const auto labelled = compute(layer, SampleGrouping::fromLabels({ 0, 0, 1, 1 }), 2);
  EXPECT_NEAR(labelled.Entropy, 1.5, Tolerance);
  ASSERT_EQ(labelled.ClassEntropy.size(), 2u);
  EXPECT_NEAR(labelled.ClassEntropy[0], 1.0, Tolerance);
  EXPECT_NEAR(labelled.ClassEntropy[1], 0.0, Tolerance);
  EXPECT_NEAR(labelled.ConditionalEntropy, 0.5, Tolerance);
  EXPECT_NEAR(labelled.MutualInformation, 1.0, Tolerance);
  EXPECT_NEAR(labelled.LabelEntropy, 1.0, Tolerance);
}

TEST(RepresentationEntropy, PatternsNeedEveryNeuron)
{
  // Each neuron alone splits the samples in two halves; together (XOR layout) they give
  // four distinct patterns: 2 bits, not 1.
  const Layer layer({ { 0.0, 0.0, 1.0, 1.0 }, { 0.0, 1.0, 0.0, 1.0 } });
  const auto result = compute(layer, SampleGrouping::all(4), 2);
  EXPECT_NEAR(result.Entropy, 2.0, Tolerance);
  EXPECT_EQ(result.Patterns, 4u);
  EXPECT_EQ(result.NeuronsExamined, 2u);
}

TEST(RepresentationEntropy, DistinctInputsReachLogNAndStopEarly)
{
  // The first neuron already separates all 8 samples: I(X;T) = H(T) = log2 8 = 3 bits and
  // the other neurons are not examined.
  std::vector<std::vector<double>> rows(100, std::vector<double>(8, 0.5));
  for (std::size_t n = 0; n < 8; ++n)
  {
    rows[0][n] = static_cast<double>(n);
  }
  const Layer layer(rows, 4);
  const auto result = compute(layer, SampleGrouping::all(8), 8);
  EXPECT_NEAR(result.Entropy, 3.0, Tolerance);
  EXPECT_NEAR(result.Entropy, result.MaximumEntropy, Tolerance);
  EXPECT_EQ(result.NeuronsExamined, 1u);
}

TEST(RepresentationEntropy, ConstantLayerHasNoInformation)
{
  const Layer layer({ { 2.0, 2.0, 2.0 }, { -1.0, -1.0, -1.0 } });
  const auto result = compute(layer, SampleGrouping::fromLabels({ 0, 1, 2 }), 30);
  EXPECT_EQ(result.Entropy, 0.0);
  EXPECT_EQ(result.Patterns, 1u);
  EXPECT_EQ(result.MutualInformation, 0.0);
  EXPECT_NEAR(result.LabelEntropy, log2(3.0), Tolerance);
}

TEST(RepresentationEntropy, LayerThatCopiesTheLabelKeepsAllClassInformation)
{
  // T = one-hot of the label: H(T|Y) = 0 and I(T;Y) = H(T) = H(Y) for unbalanced classes.
  const std::vector<std::int64_t> labels = { 0, 0, 0, 1, 2, 2 };
  std::vector<std::vector<double>> rows(3, std::vector<double>(labels.size(), 0.0));
  for (std::size_t n = 0; n < labels.size(); ++n)
  {
    rows[static_cast<std::size_t>(labels[n])][n] = 1.0;
  }
  const auto result = compute(Layer(rows), SampleGrouping::fromLabels(labels), 30);
  const double hy = -(0.5 * log2(0.5) + 1.0 / 6 * log2(1.0 / 6) + 1.0 / 3 * log2(1.0 / 3));
  EXPECT_NEAR(result.LabelEntropy, hy, Tolerance);
  EXPECT_NEAR(result.Entropy, hy, Tolerance);
  EXPECT_NEAR(result.ConditionalEntropy, 0.0, Tolerance);
  EXPECT_NEAR(result.MutualInformation, hy, Tolerance);
}

TEST(RepresentationEntropy, ClassSelectionAndUpperEdge)
{
  // Samples of class 1 only (n = 1, 3): values 0 and 1 fall in the first and the last
  // bin (1.0 is the exact upper edge of [0, 1], so bin B-1): two patterns, 1 bit. The
  // excluded samples would add patterns of their own.
  const Layer layer({ { 0.5, 0.0, 0.25, 1.0 } });
  const auto result =
    compute(layer, SampleGrouping::fromLabels({ 0, 1, 0, 1 }, { 1 }), 4, RangeMode::Layer);
  EXPECT_EQ(result.Samples, 2u);
  EXPECT_NEAR(result.Entropy, 1.0, Tolerance);
  EXPECT_EQ(result.Range.Low, 0.0);
  EXPECT_EQ(result.Range.High, 1.0);
  EXPECT_NEAR(result.MutualInformation, 0.0, Tolerance);
}

TEST(RepresentationEntropy, NonFiniteValuesAreOneSymbolAndCounted)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // Patterns: (0) (NaN) (Inf) (0): NaN and Inf share the non-finite symbol -> counts {2, 2}.
  const Layer layer({ { 0.0, nan, inf, 0.0 } });
  const auto result = compute(layer, SampleGrouping::all(4), 4);
  EXPECT_NEAR(result.Entropy, 1.0, Tolerance);
  EXPECT_EQ(result.NonFinite, 2u);
  EXPECT_TRUE(std::isfinite(result.Range.Low));
}

TEST(RepresentationEntropy, NatsAndFixedRange)
{
  const Layer layer({ { 0.1, 0.9, 0.1, 0.9 } });
  RepresentationEntropyOptions options;
  options.Bins = 2;
  options.Range = RangeMode::Fixed;
  options.FixedRange = ValueRange{ 0.0, 1.0 };
  options.Unit = EntropyUnit::Nats;
  RepresentationEntropy result;
  ASSERT_TRUE(computeRepresentationEntropy(layer.View, SampleGrouping::all(4), options, result));
  EXPECT_NEAR(result.Entropy, std::log(2.0), Tolerance);
  EXPECT_NEAR(result.MaximumEntropy, std::log(4.0), Tolerance);
}

TEST(RepresentationEntropy, MatchesBruteForcePatternCount)
{
  // Random layers with few bins (so that patterns repeat): compare with a std::map of the
  // explicit bin vectors, per class too.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const std::size_t neurons : { 1u, 3u, 6u })
  {
    const std::size_t samples = 500;
    std::vector<std::vector<double>> rows(neurons, std::vector<double>(samples));
    std::vector<std::int64_t> labels(samples);
    for (std::size_t n = 0; n < samples; ++n)
    {
      labels[n] = static_cast<std::int64_t>(rng() % 3);
      for (std::size_t p = 0; p < neurons; ++p)
      {
        // Neuron values depend on the label, so that I(T;Y) > 0.
        rows[p][n] = 0.5 * uniform(rng) + 0.3 * static_cast<double>(labels[n]);
      }
    }
    const Layer layer(rows);
    const auto result = compute(layer, SampleGrouping::fromLabels(labels), 3);

    const HistogramBinning binning(result.Range, 3);
    std::map<std::vector<int>, double> all;
    std::map<std::pair<std::int64_t, std::vector<int>>, double> perClass;
    std::map<std::int64_t, double> classCount;
    for (std::size_t n = 0; n < samples; ++n)
    {
      std::vector<int> pattern;
      for (std::size_t p = 0; p < neurons; ++p)
      {
        pattern.push_back(binning(rows[p][n]));
      }
      all[pattern] += 1.0;
      perClass[{ labels[n], pattern }] += 1.0;
      classCount[labels[n]] += 1.0;
    }
    double h = 0.0;
    for (const auto& [pattern, count] : all)
    {
      h -= count / samples * log2(count / samples);
    }
    double conditional = 0.0;
    for (const auto& [key, count] : perClass)
    {
      const double nk = classCount[key.first];
      conditional -= count / samples * log2(count / nk);
    }
    EXPECT_EQ(result.Patterns, all.size()) << neurons << " neurons";
    EXPECT_NEAR(result.Entropy, h, 1e-10) << neurons << " neurons";
    EXPECT_NEAR(result.ConditionalEntropy, conditional, 1e-10) << neurons << " neurons";
    EXPECT_GT(result.MutualInformation, 0.05);
  }
}

TEST(RepresentationEntropy, RejectsInvalidSettings)
{
  const Layer layer({ { 0.0, 1.0 } });
  RepresentationEntropy result;
  RepresentationEntropyOptions options;
  options.Range = RangeMode::Channel;
  EXPECT_THROW(computeRepresentationEntropy(layer.View, SampleGrouping::all(2), options, result),
               std::invalid_argument);
  options = RepresentationEntropyOptions();
  options.Bins = 1;
  EXPECT_THROW(computeRepresentationEntropy(layer.View, SampleGrouping::all(2), options, result),
               std::invalid_argument);
  options = RepresentationEntropyOptions();
  EXPECT_THROW(computeRepresentationEntropy(
                 layer.View, SampleGrouping::fromLabels({ 0, 1 }, { 5 }), options, result),
               std::invalid_argument);
}

TEST(RepresentationEntropy, CancelsThroughProgress)
{
  // 256 neurons that never separate the two identical samples: the pass reaches the
  // progress report at neuron 64 and stops there.
  const Layer layer(std::vector<std::vector<double>>(256, { 0.0, 0.0, 1.0 }));
  RepresentationEntropy result;
  Progress stop;
  stop.Callback = [](double, void*) { return false; };
  EXPECT_FALSE(computeRepresentationEntropy(
    layer.View, SampleGrouping::all(3), RepresentationEntropyOptions(), result, 1, stop));
}

} // namespace
