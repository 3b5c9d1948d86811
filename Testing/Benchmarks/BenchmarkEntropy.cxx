/**
 * @file BenchmarkEntropy.cxx
 * @brief Throughput of the entropy core (Filters/Core) on activation-sized inputs.
 *
 * Benchmark names are stable: run.sh and compare.py match on them (with
 * --benchmark_repetitions, Google Benchmark appends _mean, _median, _stddev, _cv).
 *
 *   DiscreteNeuron/normal/threads:{1,2}/real_time
 *       computeDiscreteEntropy, neuron scope only, B = 64, layer range (its min/max pass
 *       is timed too): 8,000 neurons x 10,000 samples = 80 M values.
 *   DiscreteNeuron/relu/threads:{1,2}/real_time
 *       The same values through ReLU: about half are exactly 0.
 *   DiscreteChannel/normal/threads:{1,2}/real_time
 *       computeDiscreteEntropy, channel scope only, B = 64: 1 channel x 5,000 points x
 *       10,000 samples = 50 M values pooled into one histogram.
 *   Gaussian1D/n:1000000        gaussianEntropy
 *   Spacing1D/n:1000000         spacingEntropy, unsorted input (the sort is timed)
 *   KernelDensity1D/n:1000000   kernelDensityEntropy (binned FFT), unsorted input. The
 *       exact O(n^2) kernelDensityEntropyExact is left out: at n = 1e6 it takes hours.
 *   NearestNeighbor1D/n:100000/k:3   nearestNeighborEntropy, unsorted input
 *   NearestNeighbor8D/n:100000/k:3/threads:{1,2}/real_time
 *       nearestNeighborEntropyMultivariate (k-d tree), 1e5 observations of dimension 8.
 *
 * Items are float values (an 8-D observation is 8 values), so items_per_second is the
 * throughput in values/s. Benchmarks with a thread count measure wall-clock time
 * (UseRealTime); the others are single-threaded, where CPU and wall time agree.
 *
 * Extra counters: "values" (values per iteration) and "estimate" (the result, so that a
 * run also shows the numbers are sane: the label gives its meaning). All data come from a
 * fixed-seed counter-based generator and are made in the program, outside the timed loops
 * and only when a benchmark that needs them runs. numpy_baseline.py reproduces the same
 * floats, so the two programs' estimates must agree (to rounding).
 */
#include "ContinuousEntropy.h"
#include "DiscreteEntropy.h"
#include "VectorEntropy.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace
{

constexpr std::size_t NeuronCount = 8000;
constexpr std::size_t SampleCount = 10000;
constexpr std::size_t PooledPoints = 5000;
constexpr int Bins = 64;
constexpr std::size_t ContinuousCount = 1000000;
constexpr std::size_t NeighborCount = 100000;
constexpr std::size_t VectorDimension = 8;
constexpr int Neighbors = 3;

/**
 * @name Deterministic data shared with numpy_baseline.py
 * A counter-based generator (SplitMix64 finaliser + Box-Muller, cosine branch) that NumPy
 * reproduces vectorised, so both programs estimate entropies of the same floats and the
 * report can compare their estimates directly. Each data set has its own stream number;
 * value i of stream s uses counters (s << 40) + 2i and + 2i + 1. Results are computed in
 * double and rounded once to float, which hides last-ulp differences between libm and
 * NumPy's log/cos (checked: all 81.8 M floats identical; only a build that contracts
 * mean + scale * z into an FMA could change a rare last bit).
 */
///@{
std::uint64_t splitMix64(std::uint64_t x)
{
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Uniform on [0, 1) with 53 random bits.
double uniform01(std::uint64_t counter)
{
  return static_cast<double>(splitMix64(counter) >> 11) * 0x1.0p-53;
}

double standardNormal(std::uint64_t stream, std::uint64_t i)
{
  constexpr double TwoPi = 6.283185307179586;
  const std::uint64_t counter = (stream << 40) + 2 * i;
  const double u1 = 1.0 - uniform01(counter); // in (0, 1], so the log is finite
  const double u2 = uniform01(counter + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(TwoPi * u2);
}

enum Stream : std::uint64_t
{
  NeuronMeanStream = 1,
  NeuronScaleStream = 2,
  ActivationStream = 3,
  SampleStream = 4,
  ObservationStream = 5
};
///@}

/**
 * Activation-like layer, point-major like ActivationLayout: neuron p has its own mean
 * mu_p ~ N(0, 0.5^2) and scale sigma_p = exp(N(0, 0.5^2)), so that the shared layer range
 * leaves neurons with different numbers of occupied bins, as in a real network.
 */
const std::vector<float>& normalActivations()
{
  static const std::vector<float> values = []
  {
    std::vector<float> v(NeuronCount * SampleCount);
    for (std::size_t p = 0; p < NeuronCount; ++p)
    {
      const auto mean =
        static_cast<double>(static_cast<float>(0.5 * standardNormal(NeuronMeanStream, p)));
      const auto scale = static_cast<double>(
        static_cast<float>(std::exp(0.5 * standardNormal(NeuronScaleStream, p))));
      float* neuron = v.data() + p * SampleCount;
      for (std::size_t n = 0; n < SampleCount; ++n)
      {
        const double z = standardNormal(ActivationStream, p * SampleCount + n);
        neuron[n] = static_cast<float>(mean + scale * z);
      }
    }
    return v;
  }();
  return values;
}

/// ReLU outputs: the repeated exact zeros are what makes real activations hard.
const std::vector<float>& reluActivations()
{
  static const std::vector<float> values = []
  {
    std::vector<float> v = normalActivations();
    for (float& x : v)
    {
      x = x > 0.0f ? x : 0.0f;
    }
    return v;
  }();
  return values;
}

/// Standard normal sample for the 1-D estimators (true h = 0.5 ln(2 pi e) = 1.4189 nats).
const std::vector<float>& normalSample()
{
  static const std::vector<float> values = []
  {
    std::vector<float> v(ContinuousCount);
    for (std::size_t i = 0; i < v.size(); ++i)
    {
      v[i] = static_cast<float>(standardNormal(SampleStream, i));
    }
    return v;
  }();
  return values;
}

/// Standard normal observations in 8-D (true h = 8 x 1.4189 = 11.351 nats).
const cnnslicer::ObservationMatrix& normalObservations()
{
  static const cnnslicer::ObservationMatrix matrix = []
  {
    cnnslicer::ObservationMatrix m;
    m.Rows = NeighborCount;
    m.Dimension = VectorDimension;
    m.Values.resize(m.Rows * m.Dimension);
    for (std::size_t i = 0; i < m.Values.size(); ++i)
    {
      m.Values[i] = static_cast<float>(standardNormal(ObservationStream, i));
    }
    return m;
  }();
  return matrix;
}

using DataSource = const std::vector<float>& (*)();

void reportThroughput(benchmark::State& state,
                      std::size_t valuesPerIteration,
                      double estimate,
                      const char* meaning)
{
  const auto values = static_cast<std::int64_t>(valuesPerIteration);
  state.SetItemsProcessed(state.iterations() * values);
  state.SetBytesProcessed(state.iterations() * values * static_cast<std::int64_t>(sizeof(float)));
  state.counters["values"] = static_cast<double>(valuesPerIteration);
  state.counters["estimate"] = estimate;
  state.SetLabel(meaning);
}

double mean(const std::vector<double>& v)
{
  double sum = 0.0;
  for (double x : v)
  {
    sum += x;
  }
  return v.empty() ? cnnslicer::NotANumber : sum / static_cast<double>(v.size());
}

/// Runs one discrete-entropy configuration; range(0) is the core's thread count.
void runDiscrete(benchmark::State& state,
                 const cnnslicer::ActivationLayout<float>& layout,
                 const cnnslicer::DiscreteEntropyOptions& options,
                 bool neuronScope)
{
  const int threads = static_cast<int>(state.range(0));
  const auto grouping = cnnslicer::SampleGrouping::all(layout.NumberOfSamples);
  std::vector<double> entropy;
  // The core reports bad input by throwing; turn that into a skipped benchmark with the
  // message rather than an abort of the whole run.
  try
  {
    for (auto _ : state)
    {
      cnnslicer::LayerDiscreteEntropy result;
      const bool finished =
        cnnslicer::computeDiscreteEntropy(layout, grouping, options, result, threads);
      benchmark::DoNotOptimize(finished);
      benchmark::DoNotOptimize(result.Neurons.Entropy.data());
      benchmark::DoNotOptimize(result.Channels.Entropy.data());
      benchmark::ClobberMemory();
      entropy =
        neuronScope ? std::move(result.Neurons.Entropy) : std::move(result.Channels.Entropy);
    }
  }
  catch (const std::exception& e)
  {
    state.SkipWithError(e.what());
    return;
  }
  reportThroughput(state,
                   layout.NumberOfPoints * layout.NumberOfSamples,
                   mean(entropy),
                   neuronScope ? "mean neuron H, bits" : "channel H, bits");
}

void discreteNeuron(benchmark::State& state, DataSource source)
{
  cnnslicer::ActivationLayout<float> layout;
  layout.Values = source().data();
  layout.NumberOfPoints = NeuronCount;
  layout.NumberOfSamples = SampleCount;
  layout.NumberOfChannels = 1;

  cnnslicer::DiscreteEntropyOptions options;
  options.Bins = Bins;
  options.Range = cnnslicer::RangeMode::Layer;
  options.NeuronScope = true;
  options.ChannelScope = false;
  options.LayerScope = false;
  runDiscrete(state, layout, options, true);
}

void discreteChannel(benchmark::State& state, DataSource source)
{
  // The first 5,000 neurons of the 8,000-neuron layer are exactly the 50 M values needed:
  // no second copy of the data.
  cnnslicer::ActivationLayout<float> layout;
  layout.Values = source().data();
  layout.NumberOfPoints = PooledPoints;
  layout.NumberOfSamples = SampleCount;
  layout.NumberOfChannels = 1;

  cnnslicer::DiscreteEntropyOptions options;
  options.Bins = Bins;
  options.Range = cnnslicer::RangeMode::Layer;
  options.NeuronScope = false;
  options.ChannelScope = true;
  options.LayerScope = false;
  runDiscrete(state, layout, options, false);
}

/// Times a 1-D estimator `double f(const float*, std::size_t)` on the first @p n values.
template<typename Estimator>
void runContinuous(benchmark::State& state, std::size_t n, Estimator estimator)
{
  const float* values = normalSample().data();
  double h = cnnslicer::NotANumber;
  for (auto _ : state)
  {
    h = estimator(values, n);
    benchmark::DoNotOptimize(h);
  }
  reportThroughput(state, n, h, "h, nats");
}

void gaussian1D(benchmark::State& state)
{
  runContinuous(state,
                ContinuousCount,
                [](const float* v, std::size_t n) { return cnnslicer::gaussianEntropy(v, n); });
}

void spacing1D(benchmark::State& state)
{
  runContinuous(state,
                ContinuousCount,
                [](const float* v, std::size_t n)
                { return cnnslicer::spacingEntropy(v, n, false); });
}

void kernelDensity1D(benchmark::State& state)
{
  runContinuous(state,
                ContinuousCount,
                [](const float* v, std::size_t n)
                { return cnnslicer::kernelDensityEntropy(v, n, false); });
}

void nearestNeighbor1D(benchmark::State& state)
{
  runContinuous(state,
                NeighborCount,
                [](const float* v, std::size_t n)
                { return cnnslicer::nearestNeighborEntropy(v, n, Neighbors, false); });
}

void nearestNeighbor8D(benchmark::State& state)
{
  const int threads = static_cast<int>(state.range(0));
  const cnnslicer::ObservationMatrix& x = normalObservations();
  double h = cnnslicer::NotANumber;
  for (auto _ : state)
  {
    h = cnnslicer::nearestNeighborEntropyMultivariate(x, Neighbors, threads);
    benchmark::DoNotOptimize(h);
  }
  reportThroughput(state, x.Rows * x.Dimension, h, "h, nats");
}

void registerBenchmarks()
{
  for (const auto& [name, source] :
       { std::pair<const char*, DataSource>{ "DiscreteNeuron/normal", &normalActivations },
         std::pair<const char*, DataSource>{ "DiscreteNeuron/relu", &reluActivations } })
  {
    benchmark::RegisterBenchmark(name, discreteNeuron, source)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("DiscreteChannel/normal", discreteChannel, &normalActivations)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

  benchmark::RegisterBenchmark("Gaussian1D/n:1000000", gaussian1D)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Spacing1D/n:1000000", spacing1D)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("KernelDensity1D/n:1000000", kernelDensity1D)
    ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("NearestNeighbor1D/n:100000/k:3", nearestNeighbor1D)
    ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("NearestNeighbor8D/n:100000/k:3", nearestNeighbor8D)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
}

} // namespace

int main(int argc, char** argv)
{
  registerBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
  {
    return 1;
  }
  benchmark::AddCustomContext(
    "data", "SplitMix64 + Box-Muller streams 1-5, identical to numpy_baseline.py");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
