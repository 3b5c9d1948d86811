#include "ChannelRangeAccumulator.h"

#include "FiniteRange.h"
#include "ParallelRunner.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>

namespace cnnslicer
{

namespace
{

constexpr double Infinity = std::numeric_limits<double>::infinity();

/// The range of no value at all: every finite value lowers Low and raises High.
constexpr ValueRange EmptyRange{ Infinity, -Infinity };

void widen(ValueRange& range, double low, double high)
{
  range.Low = std::min(range.Low, low);
  range.High = std::max(range.High, high);
}

} // namespace

ChannelRangeAccumulator::ChannelRangeAccumulator(std::size_t channels, std::size_t pointsPerChannel)
  : BatchAccumulator("the range pass", channels, pointsPerChannel)
  , Ranges(channels, EmptyRange)
{
}

bool ChannelRangeAccumulator::foldBatch(const ActivationBatch& batch,
                                        int threads,
                                        const Progress& progress)
{
  const BatchTaskGrid grid(batch.Shape);
  std::mutex rangesMutex;
  return ParallelRunner(threads).forEach(
    grid.tasks(),
    [&](std::size_t task)
    {
      const BatchTaskGrid::Block block = grid.block(task);
      std::vector<float> gathered(batch.Shape.Layout == BatchLayout::NHWC ? block.points() : 0);
      std::vector<float> lows(block.channels(), std::numeric_limits<float>::infinity());
      std::vector<float> highs(block.channels(), -std::numeric_limits<float>::infinity());
      for (std::size_t n = 0; n < batch.Samples; ++n)
      {
        if (batch.group(n) < 0)
        {
          continue;
        }
        for (std::size_t c = block.FirstChannel; c < block.EndChannel; ++c)
        {
          const float* row =
            batch.channelRow(n, c, block.FirstPoint, block.EndPoint, gathered.data());
          const std::size_t i = c - block.FirstChannel;
          finiteMinMax(row, block.points(), lows[i], highs[i]);
        }
      }
      const std::lock_guard<std::mutex> lock(rangesMutex);
      for (std::size_t c = block.FirstChannel; c < block.EndChannel; ++c)
      {
        const std::size_t i = c - block.FirstChannel;
        widen(Ranges[c], static_cast<double>(lows[i]), static_cast<double>(highs[i]));
      }
    },
    progress);
}

void ChannelRangeAccumulator::merge(const ChannelRangeAccumulator& other)
{
  requireUsable();
  other.requireUsable();
  if (other.channels() != channels() || other.pointsPerChannel() != pointsPerChannel())
  {
    throw std::invalid_argument(
      "cannot merge the ranges of a layer of " + std::to_string(other.channels()) + " x " +
      std::to_string(other.pointsPerChannel()) + " into one of " + std::to_string(channels()) +
      " x " + std::to_string(pointsPerChannel()));
  }
  for (std::size_t c = 0; c < Ranges.size(); ++c)
  {
    widen(Ranges[c], other.Ranges[c].Low, other.Ranges[c].High);
  }
  addMergedSamples(other.samplesAdded());
}

const std::vector<ValueRange>& ChannelRangeAccumulator::channelRanges() const
{
  requireUsable();
  return Ranges;
}

ValueRange ChannelRangeAccumulator::layerRange() const
{
  requireUsable();
  ValueRange layer = EmptyRange;
  for (const ValueRange& r : Ranges)
  {
    widen(layer, r.Low, r.High);
  }
  return layer;
}

std::vector<ValueRange> ChannelRangeAccumulator::binningRanges(
  const DiscreteEntropyOptions& options) const
{
  requireUsable();
  std::vector<ValueRange> ranges;
  switch (options.Range)
  {
    case RangeMode::Fixed:
      ranges.assign(Ranges.size(), options.FixedRange);
      break;
    case RangeMode::Channel:
      ranges = Ranges;
      break;
    case RangeMode::Layer:
      ranges.assign(Ranges.size(), layerRange());
      break;
  }
  for (ValueRange& r : ranges)
  {
    r = r.valid() ? r : ValueRange{ 0.0, 0.0 };
  }
  return ranges;
}

void ChannelRangeAccumulator::exportExtrema(std::vector<double>& lows,
                                            std::vector<double>& highs) const
{
  requireUsable();
  lows.resize(Ranges.size());
  highs.resize(Ranges.size());
  for (std::size_t c = 0; c < Ranges.size(); ++c)
  {
    lows[c] = Ranges[c].Low;
    highs[c] = Ranges[c].High;
  }
}

void ChannelRangeAccumulator::importExtrema(const std::vector<double>& lows,
                                            const std::vector<double>& highs)
{
  if (lows.size() != Ranges.size() || highs.size() != Ranges.size())
  {
    throw std::invalid_argument("range extrema of " + std::to_string(lows.size()) + " and " +
                                std::to_string(highs.size()) + " channels do not fit a layer of " +
                                std::to_string(Ranges.size()) + " channels");
  }
  for (std::size_t c = 0; c < Ranges.size(); ++c)
  {
    Ranges[c] = ValueRange{ lows[c], highs[c] };
  }
  resetSamples(samplesAdded());
}

} // namespace cnnslicer
