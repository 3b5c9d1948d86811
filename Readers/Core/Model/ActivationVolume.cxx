#include "ActivationVolume.h"

#include "FiniteRange.h"
#include "ParallelRunner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

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

namespace
{

/**
 * Writes samples [b0, b1) of @p length consecutive points: value b of point x, read at
 * source[b * stride + x], goes to destination[x * n + b]; adds each point's squares to
 * @p squares[x]. With SSE2, 4 x 4 tiles are transposed in registers (four loads, the
 * shuffles of _MM_TRANSPOSE4_PS, four stores) instead of one scalar copy per value.
 */
void transposeBlock(const float* source,
                    std::size_t stride,
                    std::size_t b0,
                    std::size_t b1,
                    std::size_t length,
                    float* destination,
                    std::size_t n,
                    double* squares)
{
  std::size_t x = 0;
#if defined(__SSE2__)
  if (b1 - b0 == 16)
  {
    for (; x + 4 <= length; x += 4)
    {
      __m128d sum[4][2] = {};
      for (std::size_t b = b0; b < b1; b += 4)
      {
        __m128 r0 = _mm_loadu_ps(source + (b + 0) * stride + x);
        __m128 r1 = _mm_loadu_ps(source + (b + 1) * stride + x);
        __m128 r2 = _mm_loadu_ps(source + (b + 2) * stride + x);
        __m128 r3 = _mm_loadu_ps(source + (b + 3) * stride + x);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        const __m128 columns[4] = { r0, r1, r2, r3 };
        for (int j = 0; j < 4; ++j)
        {
          _mm_storeu_ps(destination + (x + j) * n + b, columns[j]);
          const __m128d low = _mm_cvtps_pd(columns[j]);
          const __m128d high = _mm_cvtps_pd(_mm_movehl_ps(columns[j], columns[j]));
          sum[j][0] = _mm_add_pd(sum[j][0], _mm_mul_pd(low, low));
          sum[j][1] = _mm_add_pd(sum[j][1], _mm_mul_pd(high, high));
        }
      }
      for (int j = 0; j < 4; ++j)
      {
        double lanes[2];
        _mm_storeu_pd(lanes, _mm_add_pd(sum[j][0], sum[j][1]));
        squares[x + j] += lanes[0] + lanes[1];
      }
    }
  }
#endif
  for (; x < length; ++x)
  {
    float* out = destination + x * n;
    double sum = 0.0;
    for (std::size_t b = b0; b < b1; ++b)
    {
      const float v = source[b * stride + x];
      out[b] = v;
      sum += static_cast<double>(v) * v;
    }
    squares[x] += sum;
  }
}

} // namespace

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

  // Transpose: each task takes a run of points whose source values are contiguous in
  // every sample (one image row, rows flipped so that row 0, the top, becomes the largest
  // Y; a layer of one row is a single run, cut into pieces) and writes, for blocks of
  // Block samples, Block consecutive components of each of its points: 64 contiguous
  // bytes per point, while the block's source rows stay in the L1 cache. Tasks write
  // disjoint points, so they run in parallel with identical results.
  constexpr std::size_t Block = 16;
  constexpr std::size_t Piece = 256;
  const bool oneRow = h == 1;
  const std::size_t runs = oneRow ? (perSample + Piece - 1) / Piece : c * h;
  runner.forEach(runs,
                 [&](std::size_t run)
                 {
                   std::size_t source = 0;
                   std::size_t firstPoint = 0;
                   std::size_t length = w;
                   if (oneRow)
                   {
                     source = firstPoint = run * Piece;
                     length = std::min(Piece, perSample - source);
                   }
                   else
                   {
                     const std::size_t ch = run / h;
                     const std::size_t row = run % h;
                     source = (ch * h + row) * w;
                     firstPoint = (ch * h + (h - 1 - row)) * w;
                   }
                   std::vector<double> squares(length, 0.0);
                   for (std::size_t b0 = 0; b0 < batchSize; b0 += Block)
                   {
                     const std::size_t b1 = std::min(batchSize, b0 + Block);
                     transposeBlock(batch + source,
                                    perSample,
                                    b0,
                                    b1,
                                    length,
                                    this->Destination + firstPoint * n + firstSample,
                                    n,
                                    squares.data());
                   }
                   for (std::size_t x = 0; x < length; ++x)
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
