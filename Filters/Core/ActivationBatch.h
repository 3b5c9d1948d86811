/**
 * @file ActivationBatch.h
 * @brief How one batch of a layer's activations sits in memory as the model produced it,
 * and how streaming passes split a batch into independent tasks.
 *
 * Plain C++17, no VTK. The in-memory estimators read the point-major ActivationLayout;
 * the streaming ones (HistogramAccumulator, ChannelRangeAccumulator) read batches in the
 * model's own order instead, so that no layer is ever transposed or held whole.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnnslicer
{

/// Order of a batch's values: sample-major either way, each sample contiguous.
enum class BatchLayout
{
  /// PyTorch's default: value of sample n, channel c, point p at n*C*P + c*P + p.
  NCHW = 0,
  /// Channels last: value of sample n, point p, channel c at n*P*C + p*C + c.
  NHWC = 1
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

  /**
   * Values of points [@p firstPoint, @p endPoint) of @p channel in @p sample: a pointer
   * into @p batch when they are contiguous (NCHW), else gathered from stride C into
   * @p scratch (NHWC; room for endPoint - firstPoint values).
   */
  const float* channelRow(const float* batch,
                          std::size_t sample,
                          std::size_t channel,
                          std::size_t firstPoint,
                          std::size_t endPoint,
                          float* scratch) const
  {
    const float* sampleValues = batch + sample * valuesPerSample();
    if (Layout == BatchLayout::NCHW)
    {
      return sampleValues + channel * PointsPerChannel + firstPoint;
    }
    for (std::size_t p = firstPoint; p < endPoint; ++p)
    {
      scratch[p - firstPoint] = sampleValues[p * Channels + channel];
    }
    return scratch;
  }
};

/**
 * @brief One batch as a streaming pass receives it: @p Samples samples of @p Shape, and
 * each sample's group (Groups[n] in [0, K), -1 for a sample left out; null: every sample
 * in group 0).
 */
struct ActivationBatch
{
  const float* Values = nullptr;
  std::size_t Samples = 0;
  const std::int32_t* Groups = nullptr;
  BatchShape Shape;

  std::int32_t group(std::size_t sample) const { return Groups == nullptr ? 0 : Groups[sample]; }
  /// BatchShape::channelRow of this batch's values.
  const float* channelRow(std::size_t sample,
                          std::size_t channel,
                          std::size_t firstPoint,
                          std::size_t endPoint,
                          float* scratch) const
  {
    return Shape.channelRow(Values, sample, channel, firstPoint, endPoint, scratch);
  }
};

/**
 * @brief Split of a batch into tasks of a block of channels x a block of points, each run
 * by one thread over every sample of the batch.
 *
 * NCHW: whole rows of one or more channels (about 4096 values a sample), read in place.
 * NHWC: 16 channels x 1024 points, so that the 16 strided gathers of one sample reuse the
 * same 64 KB of cache lines instead of each reading the whole sample.
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

  explicit BatchTaskGrid(const BatchShape& shape);

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
