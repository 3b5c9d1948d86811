/**
 * @file HistogramAccumulator.h
 * @brief Integer histograms of one layer filled batch by batch: every discrete quantity of
 * Documentation/entropy.md ("Discrete entropy") without holding the layer's activations.
 *
 * Plain C++17, no VTK.
 */
#pragma once

#include "BatchAccumulator.h"
#include "DiscreteEntropy.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Which neuron histograms an accumulator keeps; channel and layer ones are always kept.
enum class NeuronHistograms
{
  /// None: channel and layer scopes only (memory C x K x (B+1), whatever H x W is).
  None = 0,
  /// One histogram a neuron over all classes: neuron H(T), no neuron H(T|Y) or I(T;Y).
  AllClasses = 1,
  /// One histogram a neuron and class: everything at neuron scope (K times the memory).
  PerClass = 2,
  /**
   * Everything at neuron scope, as PerClass, but each neuron's histograms are evaluated
   * as soon as they are counted and not kept: the accumulator holds the neuron records
   * instead of neuronGroups x (B+1) counters a neuron, which at large B could outweigh
   * the activations. For the whole layer in one batch (DeclaredSamples samples), as the
   * in-memory computeDiscreteEntropy has it; such an accumulator takes no second batch
   * and cannot merge or export its counts.
   */
  Evaluated = 3
};

/**
 * @brief What an accumulator counts: the layer's shape, the histogram, the groups and the
 * number of samples it will ever receive.
 */
struct HistogramAccumulatorSettings
{
  std::size_t Channels = 1;
  /// H x W of one channel.
  std::size_t PointsPerChannel = 1;
  int Bins = 64;
  /// One entry a group, as SampleGrouping::GroupLabel: the class labels in increasing
  /// order, or the single group { 0 } without classes.
  std::vector<std::int64_t> GroupLabels{ 0 };
  /// True when groups are classes (H(T|Y), I(T;Y) and H(T|Y=k) are reported).
  bool HasClasses = false;
  /// Most samples addBatch may receive in all (merged ones included). It sizes the
  /// counters: 16-bit below 65536, else 32-bit; at most 2^32 - 1.
  std::size_t DeclaredSamples = 0;
  NeuronHistograms Neurons = NeuronHistograms::PerClass;
  /**
   * Count the finite values clamped into an edge bin (clampedPerChannel). It makes
   * counting about a quarter slower; off where none can occur or none is reported (ranges
   * from a range pass over the same samples; computeDiscreteEntropy), clampedPerChannel()
   * then gives zeros.
   */
  bool CountClamped = true;

  /**
   * The settings computeDiscreteEntropy would use for a layer of @p channels x
   * @p pointsPerChannel and these @p options, with @p grouping's groups and its number of
   * samples as DeclaredSamples. Neuron histograms: None without options.NeuronScope,
   * else PerClass (AllClasses is chosen by hand to save memory).
   */
  static HistogramAccumulatorSettings forLayer(std::size_t channels,
                                               std::size_t pointsPerChannel,
                                               const SampleGrouping& grouping,
                                               const DiscreteEntropyOptions& options);

  int groups() const { return static_cast<int>(GroupLabels.size()); }
  /// Groups each neuron histogram is split into (1 for AllClasses, else the groups).
  int neuronGroups() const;
  std::size_t neurons() const { return Channels * PointsPerChannel; }
  /// Bytes of one neuron counter: 2 when DeclaredSamples < 65536, else 4.
  int counterBytes() const;
  /// Bytes of one neuron's kept counters: neuronGroups x (B+1) x counterBytes (0 for
  /// None and Evaluated).
  std::uint64_t bytesPerNeuron() const;
  /// Empty when valid, else what is wrong.
  std::string validate() const;
};

/**
 * @brief Histograms of one layer of C channels x P points, B bins, K groups, filled from
 * batches in the model's own layout and merged exactly.
 *
 * Kept: per neuron (optional) and per channel, a histogram for each group with B bins and
 * one slot for NaN/+-Inf (index B, as HistogramBinning maps them); per channel, the finite
 * values that fell outside its range and were clamped into an edge bin (zero when the
 * ranges come from a full range pass; not when they come from the first batches only).
 * The layer's histogram is the sum of the channels'.
 *
 * addBatch takes each sample's group in [0, K) (-1: left out; null only without classes)
 * and refuses, with std::invalid_argument and nothing counted, a batch that would take the
 * samples past DeclaredSamples (the counters could overflow). A cancelled batch leaves the
 * accumulator unusable until importCounts replaces its counts. Batches may come in any
 * BatchLayout; a PointMajor one (the in-memory filters' layout) is counted a neuron at a
 * time, the others a chunk of points at a time over every sample.
 *
 * Binning is HistogramBinning's (bit-identical bins), and result() evaluates the formulas
 * of Documentation/entropy.md with HistogramSummary, the same as computeDiscreteEntropy
 * (which is this accumulator over one PointMajor batch). Counts are integers: batches,
 * layouts, threads and processes may be added and merged in any order with identical
 * results, to the bit.
 */
class HistogramAccumulator : public BatchAccumulator
{
public:
  /**
   * @p channelRanges: one range for the layer or one a channel, finite with Low <= High
   * (ChannelRangeAccumulator::binningRanges gives them). Throws std::invalid_argument
   * on invalid settings or ranges.
   */
  HistogramAccumulator(HistogramAccumulatorSettings settings,
                       std::vector<ValueRange> channelRanges);

  /**
   * Bytes an accumulator with @p settings needs, to compare with a memory limit before
   * allocating: its counters (a neuron: neuronGroups x (B+1) x counterBytes, the bulk),
   * channel histograms and ranges; the records result() returns (with every class
   * entropy); and the scratch of @p threads threads (batches of up to DeclaredSamples).
   * Saturates at UINT64_MAX.
   */
  static std::uint64_t bytesNeeded(const HistogramAccumulatorSettings& settings, int threads = 1);

  /**
   * Adds the counts of @p other (exact integer sums). Both must have identical settings
   * and ranges, and the samples of both together must not exceed DeclaredSamples.
   */
  void merge(const HistogramAccumulator& other);

  /**
   * Every count as one flat array, for a sum reduction across processes: [samples added,
   * neuron counters, channel histograms, clamped values per channel]. importCounts takes
   * such an array (e.g. the sum of every process's) back, checking it fits the counters.
   */
  std::vector<std::uint64_t> exportCounts() const;
  void importCounts(const std::vector<std::uint64_t>& counts);

  /**
   * The records computeDiscreteEntropy fills, from the counts: options.Bins must equal
   * the accumulator's bins; options.Range and FixedRange are not read (the ranges were
   * fixed at construction and are returned in ChannelRanges). NeuronScope needs neuron
   * histograms (std::invalid_argument otherwise); with AllClasses ones the neuron scope has
   * no conditional quantities.
   */
  LayerDiscreteEntropy result(const DiscreteEntropyOptions& options, int threads = 0) const;

  const HistogramAccumulatorSettings& settings() const { return Settings; }
  /// The range of each channel (one a channel even when one was given for the layer).
  const std::vector<ValueRange>& channelRanges() const { return Ranges; }

  /// Finite values of the selected samples clamped into an edge bin, per channel (zeros
  /// without Settings.CountClamped).
  const std::vector<std::uint64_t>& clampedPerChannel() const { return Clamped; }
  std::uint64_t clampedInLayer() const;
  /// Clamped share of the channel's finite values (0 when it has none).
  double clampedFraction(std::size_t channel) const;
  double layerClampedFraction() const;

private:
  void checkBatch(const ActivationBatch& batch) const override;
  bool foldBatch(const ActivationBatch& batch, int threads, const Progress& progress) override;
  template<typename Counter, typename T>
  bool countBatch(std::vector<Counter>& neuronCounts,
                  const ActivationBatch& batch,
                  int threads,
                  const Progress& progress);
  template<typename Counter, typename T>
  bool countPointMajor(std::vector<Counter>& neuronCounts,
                       const ActivationBatch& batch,
                       int threads,
                       const Progress& progress);
  template<typename Counter>
  void storeNeuronEntropies(const std::vector<Counter>& neuronCounts,
                            bool hasClasses,
                            double scale,
                            ScopeEntropy& neurons,
                            int threads) const;
  void storeEvaluatedNeurons(double scale, bool perClass, ScopeEntropy& neurons) const;
  /// Throws std::logic_error for Evaluated neurons, whose counts were not kept.
  void requireKeptCounts(const char* what) const;
  std::size_t neuronCounterCount() const;
  std::uint64_t finiteInChannel(std::size_t channel) const;

  HistogramAccumulatorSettings Settings;
  std::vector<ValueRange> Ranges;
  std::vector<HistogramBinning> Binnings;
  /// Slots of one histogram: B bins and the non-finite slot.
  std::size_t Slots;
  /// [(neuron * neuronGroups + g) * Slots + b]; the one in use follows counterBytes().
  std::vector<std::uint16_t> NeuronCounts16;
  std::vector<std::uint32_t> NeuronCounts32;
  /// [(channel * groups + g) * Slots + b].
  std::vector<std::uint64_t> ChannelCounts;
  std::vector<std::uint64_t> Clamped;
  /// Evaluated neurons: their records in nats with every class entropy (result() scales).
  ScopeEntropy NeuronRecords;
};

} // namespace cnnslicer
