#include "BatchAccumulator.h"

#include <stdexcept>
#include <string>

namespace cnnslicer
{

BatchAccumulator::BatchAccumulator(const char* what,
                                   std::size_t channels,
                                   std::size_t pointsPerChannel)
  : What(what)
{
  if (channels == 0 || pointsPerChannel == 0)
  {
    throw std::invalid_argument("a layer of " + std::to_string(channels) + " channels x " +
                                std::to_string(pointsPerChannel) + " points has no neuron");
  }
  Shape.Channels = channels;
  Shape.PointsPerChannel = pointsPerChannel;
}

void BatchAccumulator::checkBatch(const ActivationBatch&) const {}

void BatchAccumulator::requireUsable() const
{
  if (Incomplete)
  {
    throw std::logic_error(std::string(What) +
                           " was cancelled in the middle of a batch: it holds part of a batch "
                           "and cannot be used");
  }
}

void BatchAccumulator::resetSamples(std::size_t samples)
{
  SamplesAdded = samples;
  Incomplete = false;
}

bool BatchAccumulator::addValues(const ActivationBatch& batch,
                                 int threads,
                                 const Progress& progress)
{
  requireUsable();
  if (batch.Samples == 0)
  {
    return true;
  }
  if (batch.Values == nullptr)
  {
    throw std::invalid_argument("the activation batch has no data");
  }
  checkBatch(batch);
  if (!foldBatch(batch, threads, progress))
  {
    Incomplete = true;
    return false;
  }
  SamplesAdded += batch.Samples;
  return true;
}

} // namespace cnnslicer
