/**
 * @file ActivationVolume.h
 * @brief Lays batches of one layer's outputs out as an activation volume
 * (Documentation/design.md section 2.2).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief Extent of a layer's activation volume: X = column, Y = row, Z = channel.
 *
 * A sample shape (C, H, W) maps to W x H x C; a dense (F) to 1 x 1 x F; (C, L) to
 * L x 1 x C; a scalar to 1 x 1 x 1; more than three dimensions fold the leading ones
 * into channels.
 */
struct VolumeGeometry
{
  std::int64_t Width = 1;
  std::int64_t Height = 1;
  std::int64_t Channels = 1;

  static VolumeGeometry fromSampleShape(const std::vector<std::int64_t>& shape);
  std::size_t points() const { return static_cast<std::size_t>(Width * Height * Channels); }
  /// "(C, H, W)" as written into the `output_shape` field data.
  static std::string describe(const std::vector<std::int64_t>& shape);
};

/**
 * @brief Writes batches into a point-major buffer with one component per sample:
 * value of sample n at point p goes to Destination[p * NumberOfSamples + n], points
 * ordered x fastest, then y (rows flipped so that images are upright), then channel.
 *
 * While writing it keeps each component's value range (NaN ignored, and also finite
 * only) and each point's sum of squares, so that the VTK array's range cache can be
 * filled without another pass over the data.
 */
class ActivationVolumeWriter
{
public:
  /// @p threads <= 0 uses every core; the result does not depend on it.
  ActivationVolumeWriter(float* destination,
                         VolumeGeometry geometry,
                         std::size_t numberOfSamples,
                         int threads = 0);

  /**
   * Copies @p batchSize samples (contiguous, each geometry.points() floats in C, H, W
   * order) into components [firstSample, firstSample + batchSize).
   */
  void write(const float* batch, std::size_t batchSize, std::size_t firstSample);

  struct Range
  {
    double Low;
    double High;
  };
  /// Range of component n over all points (NaN ignored; infinities included).
  const std::vector<Range>& componentRanges() const { return ComponentRanges; }
  /// Range of component n over its finite values.
  const std::vector<Range>& finiteComponentRanges() const { return FiniteComponentRanges; }
  /// Min/max over points of the L2 norm of the point's tuple (all samples).
  Range normRange() const;

private:
  float* Destination;
  VolumeGeometry Geometry;
  std::size_t NumberOfSamples;
  std::vector<Range> ComponentRanges;
  std::vector<Range> FiniteComponentRanges;
  std::vector<double> PointSquares;
  int Threads;
};

} // namespace cnnslicer
