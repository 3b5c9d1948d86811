/**
 * @file DiscreteEntropy.h
 * @brief Shannon entropy of equal-width histograms (Documentation/entropy.md, "Discrete entropy").
 */
#pragma once

#include "ActivationLayout.h"
#include "EntropyTypes.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Smallest and largest number of bins a histogram may have.
inline constexpr int MinimumBins = 2;
inline constexpr int MaximumBins = 65536;

/// Closed interval [Low, High] of values that a histogram covers.
struct ValueRange
{
  double Low = 0.0;
  double High = 0.0;
  /// False when no finite value was seen (Low > High).
  bool valid() const { return Low <= High; }
};

/**
 * @brief Equal-width binning b = floor((v - lo) / (hi - lo) * B), clamped to [0, B-1].
 *
 * Computed in double as (v - lo) * (B / (hi - lo)). A value exactly at hi falls in bin
 * B-1; values outside the range are clamped to the edge bins. When hi == lo every
 * finite value falls in bin 0 (constant data has entropy 0). Non-finite values map to
 * the extra index B so that callers count them without a branch.
 */
class HistogramBinning
{
public:
  HistogramBinning(ValueRange range, int bins);

  int bins() const { return Bins; }

  /// Bin of each of @p n values into @p out (the same bins as operator(), vectorised).
  template<typename T>
  void indices(const T* values, std::size_t n, std::uint32_t* out) const
  {
    binValues(values, n, out, false);
  }
  /**
   * indices(), returning also how many finite values lay outside the range (clamped into
   * an edge bin); at most 2^32 - 1 values a call. The count makes the loop about a
   * quarter slower: for callers that report it.
   */
  template<typename T>
  std::size_t indicesCountingClamped(const T* values, std::size_t n, std::uint32_t* out) const
  {
    return binValues(values, n, out, true);
  }

  /// True for a finite value outside the range: indicesCountingClamped() counts these.
  template<typename T>
  bool clamps(T value) const
  {
    const double v = static_cast<double>(value);
    return std::isfinite(v) && (v < Low || v > High);
  }

  template<typename T>
  int operator()(T value) const
  {
    const double v = static_cast<double>(value);
    if (!std::isfinite(v))
    {
      return Bins;
    }
    double t = (v - Low) * Scale;
    t = t < 0.0 ? 0.0 : t;
    t = t > LastBin ? LastBin : t;
    return static_cast<int>(t);
  }

private:
  /// The vectorised loop behind both.
  template<typename T>
  std::size_t binValues(const T* values,
                        std::size_t n,
                        std::uint32_t* out,
                        bool countClamped) const;

  double Low;
  double High;
  double Scale;
  double LastBin;
  int Bins;
};

/**
 * @brief Entropy of a histogram: H = -sum_b p_b log p_b with p_b = c_b / n, 0 log 0 = 0.
 *
 * Evaluated as log n - (1/n) sum_b c_b log c_b. Returns NaN when n == 0.
 */
double entropyFromCounts(const std::uint64_t* counts, std::size_t bins, EntropyUnit unit);

/**
 * @brief The sums that determine every entropy of one variable's histogram split into
 * groups (Documentation/entropy.md, "Discrete entropy"), and the records they give.
 *
 * For each group g, n_g = sum_b c_gb and s_g = sum_b c_gb log c_gb; for the whole, n and s
 * over the bin totals c_b = sum_g c_gb. Then H = log n - s / n (nats),
 * H(T|Y) = sum_k (n_k / n) H(T|Y=k) and I(T;Y) = H(T) - H(T|Y). Every discrete estimator
 * (computeDiscreteEntropy, HistogramAccumulator, computeSampleEntropy) turns its counts
 * into ScopeEntropy records through this class, so that they agree to the bit.
 */
class HistogramSummary
{
public:
  /**
   * Summarises histograms laid out group-major: row g at counts + g * (bins + 1), slot
   * @p bins of each row holding the non-finite values. Rows from @p groups on (values
   * left out) are not read.
   */
  template<typename Count>
  void summarize(const Count* counts, int bins, int groups);
  /**
   * The same from ascending keys, one a value: key = b * (groups + 1) + g, with
   * b == bins for a non-finite value and g == groups for a value left out. Costs O(n)
   * where the dense form costs O(groups x bins): for large B with few samples.
   */
  void summarizeSortedKeys(const std::vector<std::uint32_t>& keys, int bins, int groups);

  /**
   * Writes entry @p i of @p out: Count, NonFinite and Entropy, and with @p hasClasses the
   * conditional entropy, the mutual information and (where @p out has them) the class
   * entropies; every entropy times @p scale (natsTo(unit), or 1 / log B to normalise).
   */
  void store(bool hasClasses, double scale, ScopeEntropy& out, std::size_t i) const;

private:
  void reset(int groups);

  std::vector<double> GroupCount;
  std::vector<double> GroupCLogC;
  double Count = 0.0;
  double CLogC = 0.0;
  std::uint64_t NonFinite = 0;
};

/// How the histogram range [lo, hi] is chosen (Documentation/entropy.md, "Discrete entropy").
enum class RangeMode
{
  /// min/max over all selected samples of the layer (default; comparable across channels).
  Layer = 0,
  /// min/max of each channel separately.
  Channel = 1,
  /// A user-given [lo, hi].
  Fixed = 2
};

/// Settings of the discrete estimator.
struct DiscreteEntropyOptions
{
  int Bins = 64;
  RangeMode Range = RangeMode::Layer;
  ValueRange FixedRange{ 0.0, 1.0 };
  /// Divide every entropy by log(B), giving a value in [0, 1].
  bool Normalize = false;
  EntropyUnit Unit = EntropyUnit::Bits;
  bool NeuronScope = true;
  bool ChannelScope = true;
  bool LayerScope = true;
  /// Fill ScopeEntropy::ClassEntropy (one entry per class) when samples carry classes.
  bool PerClass = false;

  /// Empty when valid, else a message saying what is wrong.
  std::string validate() const;
};

/// Everything the discrete estimator computes for one layer.
struct LayerDiscreteEntropy
{
  ScopeEntropy Neurons;  ///< one entry per point (neuron), over the selected samples
  ScopeEntropy Channels; ///< one entry per channel, positions x samples pooled
  ScopeEntropy Layer;    ///< one entry, every value of the layer pooled
  std::vector<ValueRange> ChannelRanges; ///< the range each channel was binned with
};

/**
 * @brief Discrete entropy of one layer at neuron, channel and layer scope.
 *
 * The whole layer as one point-major batch of a HistogramAccumulator, after a
 * ChannelRangeAccumulator pass for the range unless fixed: each neuron's histogram is
 * counted per group and evaluated at once (no neuron histogram is kept), and the counts
 * are summed into its channel's and the layer's histograms, so pooled scopes cost nothing
 * extra. Streaming the same samples in batches gives the same results to the bit. Class-conditional
 * results follow H(T|Y) = sum_k p_k H(T|Y=k), I(T;Y) = H(T) - H(T|Y), with p_k the share of finite
 * observations in class k.
 *
 * Throws std::invalid_argument on invalid options or layout. Returns false when
 * cancelled through @p progress.
 */
template<typename T>
bool computeDiscreteEntropy(const ActivationLayout<T>& layout,
                            const SampleGrouping& grouping,
                            const DiscreteEntropyOptions& options,
                            LayerDiscreteEntropy& result,
                            int threads = 0,
                            const Progress& progress = Progress());

/**
 * @brief Finite min/max of each channel over the selected samples.
 */
template<typename T>
std::vector<ValueRange> channelRanges(const ActivationLayout<T>& layout,
                                      const SampleGrouping& grouping,
                                      int threads = 0);

/**
 * @brief Sample scope (Documentation/entropy.md, "The data"): entropy of one sample's
 * feature map of channel c (its H x W values), for every sample and channel.
 *
 * Result entry [c * N + n] is sample n, channel c. Ranges follow options.Range as for
 * the other scopes. Samples excluded by @p grouping give NaN.
 */
template<typename T>
bool computeSampleEntropy(const ActivationLayout<T>& layout,
                          const SampleGrouping& grouping,
                          const DiscreteEntropyOptions& options,
                          ScopeEntropy& result,
                          int threads = 0,
                          const Progress& progress = Progress());

/**
 * @brief Entropy of a single variable from its values (a convenience for tests and
 * scripts): histogram with @p bins bins over @p range.
 */
template<typename T>
double discreteEntropy(const T* values,
                       std::size_t n,
                       ValueRange range,
                       int bins,
                       EntropyUnit unit = EntropyUnit::Bits,
                       std::uint64_t* nonFinite = nullptr);

} // namespace cnnslicer
