/**
 * @file BatchAccumulator.h
 * @brief What every streaming pass over one layer's batches shares: the batch checks, the
 * samples folded so far, and a cancelled batch leaving the pass unusable.
 *
 * Plain C++17, no VTK.
 */
#pragma once

#include "ActivationBatch.h"
#include "EntropyTypes.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace cnnslicer
{

/**
 * @brief A pass that folds a layer's batches, in the model's layout, into a state of fixed
 * size (ranges, histograms) that merges exactly across threads and processes.
 */
class BatchAccumulator
{
public:
  virtual ~BatchAccumulator() = default;

  /**
   * Folds @p batchSamples samples laid out as @p layout (C x P values each, as the layer's
   * shape; PointMajor: the whole layer held in memory may be one batch). @p T is float,
   * or double (a VTK array of doubles, binned in double precision). @p groups gives each sample's
   * group, -1 for a sample left out; null means every sample in group 0 (an accumulator of
   * class-conditional counts refuses null).
   *
   * Throws std::invalid_argument on a batch the accumulator cannot take (then nothing is
   * counted). Returns false when cancelled through @p progress: the state then holds part
   * of a batch and every later use throws std::logic_error.
   */
  template<typename T>
  bool addBatch(const T* values,
                std::size_t batchSamples,
                const std::int32_t* groups,
                BatchLayout layout,
                int threads = 0,
                const Progress& progress = Progress())
  {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "batches hold float or double values");
    BatchShape shape = Shape;
    shape.Layout = layout;
    return addValues(
      ActivationBatch{ values,
                       std::is_same<T, float>::value ? ValueType::Float : ValueType::Double,
                       batchSamples,
                       groups,
                       shape },
      threads,
      progress);
  }

  /// Samples of the batches folded in (left-out ones included), merged ones too.
  std::size_t samplesAdded() const { return SamplesAdded; }

protected:
  /// @p what names the pass in messages ("the range pass").
  BatchAccumulator(const char* what, std::size_t channels, std::size_t pointsPerChannel);
  BatchAccumulator(const BatchAccumulator&) = default;
  BatchAccumulator(BatchAccumulator&&) = default;
  BatchAccumulator& operator=(const BatchAccumulator&) = default;
  BatchAccumulator& operator=(BatchAccumulator&&) = default;

  /// Throws std::invalid_argument when @p batch cannot be counted; nothing changed yet.
  virtual void checkBatch(const ActivationBatch& batch) const;
  /// Folds a checked, non-empty batch; false when @p progress asked to stop.
  virtual bool foldBatch(const ActivationBatch& batch, int threads, const Progress& progress) = 0;

  /// Throws std::logic_error after a cancelled batch.
  void requireUsable() const;
  /// After merging another pass's samples into this one.
  void addMergedSamples(std::size_t samples) { SamplesAdded += samples; }
  /// After replacing the whole state (an import): usable again, with @p samples folded.
  void resetSamples(std::size_t samples);

  std::size_t channels() const { return Shape.Channels; }
  std::size_t pointsPerChannel() const { return Shape.PointsPerChannel; }

private:
  bool addValues(const ActivationBatch& batch, int threads, const Progress& progress);

  const char* What;
  BatchShape Shape;
  std::size_t SamplesAdded = 0;
  bool Incomplete = false;
};

} // namespace cnnslicer
