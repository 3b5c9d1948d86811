#include "ChannelRangeAccumulator.h"

#include "FiniteRange.h"
#include "ParallelRunner.h"

#include <algorithm>
#include <cmath>
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
  return batch.Type == ValueType::Float ? foldValues<float>(batch, threads, progress)
                                        : foldValues<double>(batch, threads, progress);
}

template<typename T>
bool ChannelRangeAccumulator::foldValues(const ActivationBatch& batch,
                                         int threads,
                                         const Progress& progress)
{
  const BatchTaskGrid grid(batch.Shape, batch.Samples);
  const bool pointMajor = batch.Shape.Layout == BatchLayout::PointMajor;
  // With every sample selected (whatever their groups) a point-major neuron's range is
  // that of all its values: the vectorised pass, not the per-sample test.
  bool everySample = true;
  for (std::size_t n = 0; n < batch.Samples && everySample; ++n)
  {
    everySample = batch.group(n) >= 0;
  }
  std::mutex rangesMutex;
  return ParallelRunner(threads).forEach(
    grid.tasks(),
    [&](std::size_t task)
    {
      const BatchTaskGrid::Block block = grid.block(task);
      std::vector<T> lows(block.channels(), std::numeric_limits<T>::infinity());
      std::vector<T> highs(block.channels(), -std::numeric_limits<T>::infinity());
      if (pointMajor)
      {
        // One channel a task: each neuron's samples are contiguous.
        const std::size_t first = block.FirstChannel * pointsPerChannel() + block.FirstPoint;
        for (std::size_t p = first; p < first + block.points(); ++p)
        {
          const T* v = batch.neuron<T>(p);
          if (everySample)
          {
            finiteMinMax(v, batch.Samples, lows[0], highs[0]);
            continue;
          }
          for (std::size_t n = 0; n < batch.Samples; ++n)
          {
            if (std::isfinite(v[n]) && batch.group(n) >= 0)
            {
              lows[0] = std::min(lows[0], v[n]);
              highs[0] = std::max(highs[0], v[n]);
            }
          }
        }
      }
      std::vector<T> gathered(batch.Shape.Layout == BatchLayout::NHWC ? block.points() : 0);
      for (std::size_t n = 0; n < batch.Samples && !pointMajor; ++n)
      {
        if (batch.group(n) < 0)
        {
          continue;
        }
        for (std::size_t c = block.FirstChannel; c < block.EndChannel; ++c)
        {
          const T* row =
            batch.channelRow<T>(n, c, block.FirstPoint, block.EndPoint, gathered.data());
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
