#include "MosaicLayout.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cnnslicer
{

MosaicLayout::MosaicLayout(std::size_t channels,
                           std::size_t height,
                           std::size_t width,
                           std::size_t gap,
                           std::size_t columns)
  : Channels(channels)
  , Height(height)
  , Width(width)
  , Gap(gap)
{
  if (channels == 0 || height == 0 || width == 0)
  {
    throw std::invalid_argument("a feature map mosaic needs at least one channel of at least "
                                "1 x 1 pixels, got " +
                                std::to_string(channels) + " x " + std::to_string(height) + " x " +
                                std::to_string(width));
  }
  this->Columns = columns == 0 ? defaultColumns(channels) : std::min(columns, channels);
  this->Rows = (channels + this->Columns - 1) / this->Columns;
}

std::size_t MosaicLayout::defaultColumns(std::size_t channels)
{
  // The floating-point root is only a first guess: above 2^52 it can be off by one either way.
  auto columns = static_cast<std::size_t>(std::sqrt(static_cast<double>(channels)));
  while (columns > 0 && (columns - 1) * (columns - 1) >= channels)
  {
    --columns;
  }
  while (columns * columns < channels)
  {
    ++columns;
  }
  return std::max<std::size_t>(columns, 1);
}

std::size_t MosaicLayout::automaticGap(std::size_t height, std::size_t width)
{
  const std::size_t size = std::max(height, width);
  return size <= 1 ? 0 : (size + 13) / 14;
}

double MosaicLayout::mosaicWidth() const
{
  return static_cast<double>(this->Columns * this->Width + (this->Columns - 1) * this->Gap);
}

double MosaicLayout::mosaicHeight() const
{
  return static_cast<double>(this->Rows * this->Height + (this->Rows - 1) * this->Gap);
}

PlanePoint MosaicLayout::tileOrigin(std::size_t channel) const
{
  if (channel >= this->Channels)
  {
    throw std::out_of_range("channel " + std::to_string(channel) + " of a layer with " +
                            std::to_string(this->Channels) + " channels");
  }
  const std::size_t column = channel % this->Columns;
  const std::size_t row = channel / this->Columns;
  return { static_cast<double>(column * (this->Width + this->Gap)),
           static_cast<double>((this->Rows - 1 - row) * (this->Height + this->Gap)) };
}

long MosaicLayout::channelAt(double x, double y) const
{
  if (!(x >= 0.0 && y >= 0.0 && x < this->mosaicWidth() && y < this->mosaicHeight()))
  {
    return -1;
  }
  const double tileWidth = static_cast<double>(this->Width + this->Gap);
  const double tileHeight = static_cast<double>(this->Height + this->Gap);
  const auto column = static_cast<std::size_t>(std::floor(x / tileWidth));
  const auto rowFromBottom = static_cast<std::size_t>(std::floor(y / tileHeight));
  if (x - static_cast<double>(column) * tileWidth >= static_cast<double>(this->Width) ||
      y - static_cast<double>(rowFromBottom) * tileHeight >= static_cast<double>(this->Height))
  {
    return -1;
  }
  const std::size_t channel = (this->Rows - 1 - rowFromBottom) * this->Columns + column;
  return channel < this->Channels ? static_cast<long>(channel) : -1;
}

std::vector<PlanePoint> arrangeSideBySide(const std::vector<MosaicLayout>& layouts, double spacing)
{
  double top = 0.0;
  for (const auto& layout : layouts)
  {
    top = std::max(top, layout.mosaicHeight());
  }
  std::vector<PlanePoint> corners;
  corners.reserve(layouts.size());
  double x = 0.0;
  for (const auto& layout : layouts)
  {
    corners.push_back({ x, top - layout.mosaicHeight() });
    x += layout.mosaicWidth() + spacing;
  }
  return corners;
}

} // namespace cnnslicer
