#include "ActivationVolume.h"

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
                                               std::size_t numberOfSamples)
  : Destination(destination)
  , Geometry(geometry)
  , NumberOfSamples(numberOfSamples)
  , ComponentRanges(
      numberOfSamples,
      Range{ std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity() })
  , FiniteComponentRanges(ComponentRanges)
  , PointSquares(geometry.points(), 0.0)
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
  std::vector<float> low(batchSize, std::numeric_limits<float>::infinity());
  std::vector<float> high(batchSize, -std::numeric_limits<float>::infinity());
  std::vector<float> finiteLow(low);
  std::vector<float> finiteHigh(high);
  for (std::size_t ch = 0; ch < c; ++ch)
  {
    for (std::size_t row = 0; row < h; ++row)
    {
      // Image row 0 is the top: it becomes the largest Y so that slices look upright.
      const std::size_t y = h - 1 - row;
      for (std::size_t x = 0; x < w; ++x)
      {
        const std::size_t source = (ch * h + row) * w + x;
        const std::size_t point = (ch * h + y) * w + x;
        float* out = this->Destination + point * n + firstSample;
        double squares = 0.0;
        for (std::size_t b = 0; b < batchSize; ++b)
        {
          const float v = batch[b * perSample + source];
          out[b] = v;
          squares += static_cast<double>(v) * v;
          if (!std::isnan(v))
          {
            low[b] = std::min(low[b], v);
            high[b] = std::max(high[b], v);
            if (std::isfinite(v))
            {
              finiteLow[b] = std::min(finiteLow[b], v);
              finiteHigh[b] = std::max(finiteHigh[b], v);
            }
          }
        }
        this->PointSquares[point] += squares;
      }
    }
  }
  for (std::size_t b = 0; b < batchSize; ++b)
  {
    this->ComponentRanges[firstSample + b] = Range{ low[b], high[b] };
    this->FiniteComponentRanges[firstSample + b] = Range{ finiteLow[b], finiteHigh[b] };
  }
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
