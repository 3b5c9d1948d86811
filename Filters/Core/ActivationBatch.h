/**
 * @file ActivationBatch.h
 * @brief How one batch of a layer's activations sits in memory as the model produced it,
 * and how streaming passes split a batch into independent tasks.
 *
 * Plain C++17, no VTK. The streaming passes (HistogramAccumulator, ChannelRangeAccumulator)
 * read batches in the model's own order, so that no layer is ever transposed or held
 * whole; the in-memory filters hand them the point-major ActivationLayout as one batch.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnnslicer
{

/// Order of a batch's values.
enum class BatchLayout
{
  /// PyTorch's default: value of sample n, channel c, point p at n*C*P + c*P + p.
  NCHW = 0,
  /// Channels last: value of sample n, point p, channel c at n*P*C + p*C + c.
  NHWC = 1,
  /**
   * The in-memory filters' ActivationLayout (neuron-major): value of sample n at neuron
   * c*P + p at (c*P + p)*N + n, N the batch's samples. Each neuron's values are
   * contiguous, so they are counted a neuron at a time; a whole layer held in memory is
   * one such batch.
   */
  PointMajor = 2
};

/// Type of a batch's values: the model's float, or double (a VTK array of doubles).
enum class ValueType
{
  Float = 0,
  Double = 1
};

/**
 * @brief Shape of one layer's batches: C channels of P = H*W points each. Points follow
 * ActivationLayout's order (column fastest, then row), so point p of channel c is neuron
 * c*P + p of the point-major layout.
 */
struct BatchShape
{
  std::size_t Channels = 1;
  std::size_t PointsPerChannel = 1;
  BatchLayout Layout = BatchLayout::NCHW;

  std::size_t valuesPerSample() const { return Channels * PointsPerChannel; }
};

/**
 * @brief One batch as a streaming pass receives it: @p Samples samples of @p Shape, their
 * values of type @p Type, and each sample's group (Groups[n] in [0, K), -1 for a sample
 * left out; null: every sample in group 0).
 */
struct ActivationBatch
{
  const void* Values = nullptr;
  ValueType Type = ValueType::Float;
  std::size_t Samples = 0;
  const std::int32_t* Groups = nullptr;
  BatchShape Shape;

  std::int32_t group(std::size_t sample) const { return Groups == nullptr ? 0 : Groups[sample]; }
  /// The values as @p T, which must match Type (float or double).
  template<typename T>
  const T* values() const
  {
    return static_cast<const T*>(Values);
  }
  /// PointMajor: the Samples contiguous values of neuron @p point (c*P + p).
  template<typename T>
  const T* neuron(std::size_t point) const
  {
    return values<T>() + point * Samples;
  }
  /**
   * Values of points [@p firstPoint, @p endPoint) of @p channel in @p sample: a pointer
   * into the batch when they are contiguous (NCHW), else gathered into @p scratch (room
   * for endPoint - firstPoint values) from stride C (NHWC) or stride N (PointMajor, which
   * the accumulators count a neuron at a time instead).
   */
  template<typename T>
  const T* channelRow(std::size_t sample,
                      std::size_t channel,
                      std::size_t firstPoint,
                      std::size_t endPoint,
                      T* scratch) const
  {
    const std::size_t firstNeuron = channel * Shape.PointsPerChannel + firstPoint;
    if (Shape.Layout == BatchLayout::NCHW)
    {
      return values<T>() + sample * Shape.valuesPerSample() + firstNeuron;
    }
    for (std::size_t p = firstPoint; p < endPoint; ++p)
    {
      scratch[p - firstPoint] =
        Shape.Layout == BatchLayout::NHWC
          ? values<T>()[(sample * Shape.PointsPerChannel + p) * Shape.Channels + channel]
          : neuron<T>(firstNeuron + p - firstPoint)[sample];
    }
    return scratch;
  }
};

/**
 * @brief Split of a batch into tasks of a block of channels x a block of points, each run
 * by one thread over every sample of the batch.
 *
 * NCHW: whole rows of one or more channels (about 4096 values a sample), read in place.
 * NHWC: 16 channels x 1024 points, so that the 16 strided gathers of one sample reuse the
 * same 64 KB of cache lines instead of each reading the whole sample.
 * PointMajor: neurons of one channel, about a million values in all, so that a channel's
 * histograms are summed from a few tasks and a layer of few channels still splits.
 */
class BatchTaskGrid
{
public:
  /// One task's channels [FirstChannel, EndChannel) and points [FirstPoint, EndPoint).
  struct Block
  {
    std::size_t FirstChannel = 0;
    std::size_t EndChannel = 0;
    std::size_t FirstPoint = 0;
    std::size_t EndPoint = 0;
    std::size_t channels() const { return EndChannel - FirstChannel; }
    std::size_t points() const { return EndPoint - FirstPoint; }
  };

  /// @p samples: the batch's samples (only PointMajor blocks depend on them).
  BatchTaskGrid(const BatchShape& shape, std::size_t samples);

  std::size_t tasks() const { return ChannelBlocks * PointBlocks; }
  Block block(std::size_t task) const;
  /// Most points of any block (the size of a gather or bin-index buffer).
  std::size_t pointsPerTask() const { return PointsPerTask; }
  std::size_t channelsPerTask() const { return ChannelsPerTask; }

private:
  std::size_t Channels;
  std::size_t Points;
  std::size_t ChannelsPerTask;
  std::size_t PointsPerTask;
  std::size_t ChannelBlocks;
  std::size_t PointBlocks;
};

} // namespace cnnslicer
