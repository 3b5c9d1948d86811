/**
 * @file ChannelRangeAccumulator.h
 * @brief Finite min/max of every channel of one layer, folded in batch by batch: the range
 * pass of the streaming discrete estimator.
 *
 * Plain C++17, no VTK.
 */
#pragma once

#include "BatchAccumulator.h"
#include "DiscreteEntropy.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cnnslicer
{

/**
 * @brief Per-channel finite min/max over the selected samples of every batch added.
 *
 * The histogram range of Documentation/entropy.md ("Discrete entropy"): NaN and +-Inf
 * never enter a range, excluded samples (group -1) neither. Min and max are exact and
 * order-free, so batches, threads and processes may be folded in any order (merge) and
 * give the ranges channelRanges() computes on the whole layer. Groups only select samples:
 * any group >= 0 is taken.
 */
class ChannelRangeAccumulator : public BatchAccumulator
{
public:
  ChannelRangeAccumulator(std::size_t channels, std::size_t pointsPerChannel);

  /// Folds the ranges of @p other (same channels and points, else std::invalid_argument).
  void merge(const ChannelRangeAccumulator& other);

  /// Finite min/max of each channel; Low > High (not valid()) while none was seen.
  const std::vector<ValueRange>& channelRanges() const;
  /// Union of the channel ranges: the layer's finite min/max.
  ValueRange layerRange() const;
  /**
   * The range each channel is binned with, following @p options.Range (Layer, Channel or
   * Fixed), as computeDiscreteEntropy chooses it; a channel without any finite value gets
   * [0, 0] (any range gives its empty histograms).
   */
  std::vector<ValueRange> binningRanges(const DiscreteEntropyOptions& options) const;

  /**
   * For an MPI reduction: the channels' lows (reduce with min) and highs (reduce with
   * max), and back. +inf / -inf stand for "no finite value yet".
   */
  void exportExtrema(std::vector<double>& lows, std::vector<double>& highs) const;
  void importExtrema(const std::vector<double>& lows, const std::vector<double>& highs);

private:
  bool foldBatch(const ActivationBatch& batch, int threads, const Progress& progress) override;
  template<typename T>
  bool foldValues(const ActivationBatch& batch, int threads, const Progress& progress);

  std::vector<ValueRange> Ranges;
};

} // namespace cnnslicer
