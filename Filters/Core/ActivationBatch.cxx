#include "ActivationBatch.h"

#include <algorithm>

namespace cnnslicer
{

namespace
{

std::size_t blocksOf(std::size_t total, std::size_t perBlock)
{
  return (total + perBlock - 1) / perBlock;
}

} // namespace

BatchTaskGrid::BatchTaskGrid(const BatchShape& shape, std::size_t samples)
  : Channels(shape.Channels)
  , Points(shape.PointsPerChannel)
{
  // About 4096 values of one sample per task: large enough that a task's fixed cost
  // (its scratch histograms) is small, small enough that layers of a few channels still
  // split across threads.
  constexpr std::size_t ValuesPerTask = 4096;
  const std::size_t points = std::max<std::size_t>(1, Points);
  const std::size_t channels = std::max<std::size_t>(1, Channels);
  if (shape.Layout == BatchLayout::PointMajor)
  {
    constexpr std::size_t ValuesPerPointMajorTask = std::size_t(1) << 20;
    ChannelsPerTask = 1;
    PointsPerTask = std::min(
      points,
      std::max<std::size_t>(1, ValuesPerPointMajorTask / std::max<std::size_t>(1, samples)));
  }
  else if (shape.Layout == BatchLayout::NCHW)
  {
    PointsPerTask = std::min(points, ValuesPerTask);
    ChannelsPerTask = std::min(channels, std::max<std::size_t>(1, ValuesPerTask / points));
  }
  else
  {
    // 16 floats are one 64-byte cache line of a channels-last sample.
    ChannelsPerTask = std::min<std::size_t>(channels, 16);
    PointsPerTask = std::min<std::size_t>(points, 1024);
  }
  ChannelBlocks = Channels == 0 ? 0 : blocksOf(Channels, ChannelsPerTask);
  PointBlocks = Points == 0 ? 0 : blocksOf(Points, PointsPerTask);
}

BatchTaskGrid::Block BatchTaskGrid::block(std::size_t task) const
{
  Block b;
  b.FirstChannel = (task / PointBlocks) * ChannelsPerTask;
  b.EndChannel = std::min(Channels, b.FirstChannel + ChannelsPerTask);
  b.FirstPoint = (task % PointBlocks) * PointsPerTask;
  b.EndPoint = std::min(Points, b.FirstPoint + PointsPerTask);
  return b;
}

} // namespace cnnslicer
