/**
 * @file MosaicLayout.h
 * @brief Where each channel's tile goes when a layer's feature maps are laid out as a grid
 * (the Feature Map Mosaic, Documentation/mosaic.md, "Layout").
 */
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace cnnslicer
{

/// A point of the mosaic plane, in pixels (one pixel = one activation value).
struct PlanePoint
{
  double X = 0.0;
  double Y = 0.0;
};

/**
 * @brief Grid layout of one layer's C feature maps of H x W pixels.
 *
 * Tiles are placed in reading order: channel 0 top left, then left to right, then top to
 * bottom, `columns` tiles per row, `gap` pixels apart. The mosaic's lower-left corner is
 * (0, 0) and Y points up (as in VTK), so tile row r has its lower edge at
 * (rows - 1 - r) * (H + gap). Pixel (x, y) of channel c covers
 * [X_c + x, X_c + x + 1] x [Y_c + y, Y_c + y + 1], where (X_c, Y_c) = tileOrigin(c): the
 * volume's own Y (already flipped by the reader so that images are upright) is kept.
 */
class MosaicLayout
{
public:
  /**
   * @p columns 0 chooses defaultColumns(channels); more columns than channels are capped
   * at the number of channels. Throws std::invalid_argument when a size is 0.
   */
  MosaicLayout(std::size_t channels,
               std::size_t height,
               std::size_t width,
               std::size_t gap,
               std::size_t columns = 0);

  /// ceil(sqrt(C)) computed exactly in integers: the squarest grid with no empty row.
  static std::size_t defaultColumns(std::size_t channels);

  /**
   * A gap that separates tiles at a glance without wasting space: 0 for 1 x 1 tiles (a
   * dense layer then reads as one heat map of its neurons), else ceil(max(H, W) / 14)
   * pixels (2 for MNIST's 28 x 28, 1 for maps of 14 pixels or less).
   */
  static std::size_t automaticGap(std::size_t height, std::size_t width);

  std::size_t channels() const { return Channels; }
  std::size_t height() const { return Height; }
  std::size_t width() const { return Width; }
  std::size_t gap() const { return Gap; }
  std::size_t columns() const { return Columns; }
  std::size_t rows() const { return Rows; }

  /// Size of the whole mosaic: columns * W + (columns - 1) * gap, and the same for rows.
  double mosaicWidth() const;
  double mosaicHeight() const;

  /// Lower-left corner of channel @p channel's tile; throws std::out_of_range past C - 1.
  PlanePoint tileOrigin(std::size_t channel) const;

  /// Channel whose tile covers the point (x, y), or -1 in a gap, an empty grid cell or outside.
  long channelAt(double x, double y) const;

private:
  std::size_t Channels;
  std::size_t Height;
  std::size_t Width;
  std::size_t Gap;
  std::size_t Columns;
  std::size_t Rows;
};

/**
 * Places several layers' mosaics side by side along X, in order, @p spacing pixels apart,
 * tops aligned at the height of the tallest. Returns each mosaic's lower-left corner.
 */
std::vector<PlanePoint> arrangeSideBySide(const std::vector<MosaicLayout>& layouts, double spacing);

/**
 * Mean of the finite values among @p count values @p stride apart (NaN and +-Inf skipped);
 * NaN when none is finite. Used for a tile's label, e.g. the mean per-neuron entropy of a
 * channel.
 */
template<typename T>
double finiteMean(const T* values, std::size_t count, std::size_t stride = 1)
{
  double sum = 0.0;
  std::size_t finite = 0;
  for (std::size_t i = 0; i < count; ++i)
  {
    const double value = static_cast<double>(values[i * stride]);
    if (std::isfinite(value))
    {
      sum += value;
      ++finite;
    }
  }
  return finite == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(finite);
}

} // namespace cnnslicer
