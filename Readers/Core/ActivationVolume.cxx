#include "ActivationVolume.h"

#include "FiniteRange.h"
#include "ParallelRunner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace cnnslicer
{

VolumeGeometry VolumeGeometry::fromSampleShape(const std::vector<std::int64_t>& shape)
{
  VolumeGeometry g;
  if (shape.empty())
  {
    return g;
  }
  if (shape.size() == 1)
  {
    g.Channels = shape[0];
    return g;
  }
  g.Width = shape.back();
  if (shape.size() == 2)
  {
    g.Channels = shape[0];
    return g;
  }
  g.Height = shape[shape.size() - 2];
  g.Channels = 1;
  for (std::size_t i = 0; i + 2 < shape.size(); ++i)
  {
    g.Channels *= shape[i];
  }
  return g;
}

std::string VolumeGeometry::describe(const std::vector<std::int64_t>& shape)
{
  std::ostringstream text;
  text << "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    text << (i > 0 ? ", " : "") << shape[i];
  }
  text << ")";
  return text.str();
}

ActivationVolumeWriter::ActivationVolumeWriter(float* destination,
                                               VolumeGeometry geometry,
                                               std::size_t numberOfSamples,
                                               int threads)
  : Destination(destination)
  , Geometry(geometry)
  , NumberOfSamples(numberOfSamples)
  , ComponentRanges(
      numberOfSamples,
      Range{ std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity() })
  , FiniteComponentRanges(ComponentRanges)
  , PointSquares(geometry.points(), 0.0)
  , Threads(threads)
{
}

void ActivationVolumeWriter::write(const float* batch,
                                   std::size_t batchSize,
                                   std::size_t firstSample)
{
  const std::size_t w = static_cast<std::size_t>(this->Geometry.Width);
  const std::size_t h = static_cast<std::size_t>(this->Geometry.Height);
  const std::size_t c = static_cast<std::size_t>(this->Geometry.Channels);
  const std::size_t perSample = w * h * c;
  const std::size_t n = this->NumberOfSamples;

  // Ranges per sample: each sample's values are contiguous in the batch, so the
  // vectorised range pass runs at memory speed; the scalar pass that keeps infinities
  // runs only for samples that have a non-finite value.
  const ParallelRunner runner(this->Threads);
  runner.forEach(batchSize,
                 [&](std::size_t b)
                 {
                   const float* sample = batch + b * perSample;
                   float low = std::numeric_limits<float>::infinity();
                   float high = -low;
                   const std::size_t nonFinite = finiteMinMax(sample, perSample, low, high);
                   this->FiniteComponentRanges[firstSample + b] = Range{ low, high };
                   if (nonFinite > 0)
                   {
                     for (std::size_t i = 0; i < perSample; ++i)
                     {
                       if (!std::isnan(sample[i]))
                       {
                         low = std::min(low, sample[i]);
                         high = std::max(high, sample[i]);
                       }
                     }
                   }
                   this->ComponentRanges[firstSample + b] = Range{ low, high };
                 });

  // Transpose image row by image row (rows flipped: row 0, the top, becomes the
  // largest Y so that slices look upright), a block of samples at a time: reads run
  // along each sample's row, writes fill Block consecutive components of each point.
  // Rows write disjoint points, so they run in parallel with identical results.
  constexpr std::size_t Block = 16;
  runner.forEach(c * h,
                 [&](std::size_t segment)
                 {
                   const std::size_t ch = segment / h;
                   const std::size_t row = segment % h;
                   const std::size_t source = (ch * h + row) * w;
                   const std::size_t firstPoint = (ch * h + (h - 1 - row)) * w;
                   std::vector<double> squares(w, 0.0);
                   for (std::size_t b0 = 0; b0 < batchSize; b0 += Block)
                   {
                     const std::size_t b1 = std::min(batchSize, b0 + Block);
                     for (std::size_t x = 0; x < w; ++x)
                     {
                       float* out = this->Destination + (firstPoint + x) * n + firstSample;
                       double sum = 0.0;
                       for (std::size_t b = b0; b < b1; ++b)
                       {
                         const float v = batch[b * perSample + source + x];
                         out[b] = v;
                         sum += static_cast<double>(v) * v;
                       }
                       squares[x] += sum;
                     }
                   }
                   for (std::size_t x = 0; x < w; ++x)
                   {
                     this->PointSquares[firstPoint + x] += squares[x];
                   }
                 });
}

ActivationVolumeWriter::Range ActivationVolumeWriter::normRange() const
{
  Range r{ std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity() };
  for (const double s : this->PointSquares)
  {
    r.Low = std::min(r.Low, std::sqrt(s));
    r.High = std::max(r.High, std::sqrt(s));
  }
  return r;
}

} // namespace cnnslicer
