// The Feature Map Mosaic's tile layout: grid size, tile corners, the inverse lookup, the
// side-by-side arrangement of layers, and the tile label statistic.
#include "MosaicLayout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

using cnnslicer::MosaicLayout;

TEST(MosaicLayout, DefaultColumnsIsTheCeilingOfTheSquareRoot)
{
  const std::vector<std::pair<std::size_t, std::size_t>> cases = {
    { 1, 1 },  { 2, 2 },  { 3, 2 },  { 4, 2 },    { 5, 3 },    { 6, 3 },    { 9, 3 },
    { 10, 4 }, { 16, 4 }, { 17, 5 }, { 120, 11 }, { 121, 11 }, { 122, 12 }, { 512, 23 }
  };
  for (const auto& [channels, columns] : cases)
  {
    EXPECT_EQ(MosaicLayout::defaultColumns(channels), columns) << channels << " channels";
  }
}

TEST(MosaicLayout, DefaultColumnsIsExactWhereDoublesRoundTheRoot)
{
  // 2^26 squared is 2^52: around it sqrt() in double can land on the wrong integer.
  const std::uint64_t root = std::uint64_t{ 1 } << 26;
  EXPECT_EQ(MosaicLayout::defaultColumns(root * root), root);
  EXPECT_EQ(MosaicLayout::defaultColumns(root * root + 1), root + 1);
  EXPECT_EQ(MosaicLayout::defaultColumns(root * root - 1), root);
  const std::uint64_t big = 3037000499u; // largest root whose square fits in 63 bits
  EXPECT_EQ(MosaicLayout::defaultColumns(big * big), big);
  EXPECT_EQ(MosaicLayout::defaultColumns(big * big - 1), big);
}

TEST(MosaicLayout, AutomaticGapGrowsWithTheTileAndVanishesForSingleNeurons)
{
  EXPECT_EQ(MosaicLayout::automaticGap(1, 1), 0u);
  EXPECT_EQ(MosaicLayout::automaticGap(1, 84), 6u);
  EXPECT_EQ(MosaicLayout::automaticGap(5, 5), 1u);
  EXPECT_EQ(MosaicLayout::automaticGap(14, 14), 1u);
  EXPECT_EQ(MosaicLayout::automaticGap(15, 15), 2u);
  EXPECT_EQ(MosaicLayout::automaticGap(28, 28), 2u);
  EXPECT_EQ(MosaicLayout::automaticGap(32, 32), 3u);
}

TEST(MosaicLayout, LeNetFirstLayerIsThreeByTwoTilesReadingOrder)
{
  // Six 28 x 28 maps, gap 2: columns 3, rows 2, channel 0 top left, channel 3 bottom left.
  const MosaicLayout layout(6, 28, 28, 2);
  EXPECT_EQ(layout.columns(), 3u);
  EXPECT_EQ(layout.rows(), 2u);
  EXPECT_DOUBLE_EQ(layout.mosaicWidth(), 3 * 28 + 2 * 2);
  EXPECT_DOUBLE_EQ(layout.mosaicHeight(), 2 * 28 + 2);
  const double expected[6][2] = {
    { 0, 30 }, { 30, 30 }, { 60, 30 }, { 0, 0 }, { 30, 0 }, { 60, 0 }
  };
  for (std::size_t c = 0; c < 6; ++c)
  {
    EXPECT_DOUBLE_EQ(layout.tileOrigin(c).X, expected[c][0]) << "channel " << c;
    EXPECT_DOUBLE_EQ(layout.tileOrigin(c).Y, expected[c][1]) << "channel " << c;
  }
  EXPECT_THROW(layout.tileOrigin(6), std::out_of_range);
}

TEST(MosaicLayout, NonSquareTilesAndUserColumns)
{
  // 5 maps of 3 rows x 7 columns in 2 columns: rows 3, the last row half empty.
  const MosaicLayout layout(5, 3, 7, 1, 2);
  EXPECT_EQ(layout.columns(), 2u);
  EXPECT_EQ(layout.rows(), 3u);
  EXPECT_DOUBLE_EQ(layout.mosaicWidth(), 15);
  EXPECT_DOUBLE_EQ(layout.mosaicHeight(), 11);
  EXPECT_DOUBLE_EQ(layout.tileOrigin(1).X, 8);
  EXPECT_DOUBLE_EQ(layout.tileOrigin(1).Y, 8);
  EXPECT_DOUBLE_EQ(layout.tileOrigin(4).X, 0);
  EXPECT_DOUBLE_EQ(layout.tileOrigin(4).Y, 0);
  // More columns than channels: one row, no empty columns.
  const MosaicLayout wide(5, 3, 7, 1, 40);
  EXPECT_EQ(wide.columns(), 5u);
  EXPECT_EQ(wide.rows(), 1u);
  EXPECT_DOUBLE_EQ(wide.mosaicWidth(), 5 * 7 + 4);
}

TEST(MosaicLayout, ChannelAtInvertsTileOriginEverywhere)
{
  const MosaicLayout layout(7, 4, 5, 2, 3);
  std::size_t covered = 0;
  for (double y = 0.5; y < layout.mosaicHeight(); y += 1.0)
  {
    for (double x = 0.5; x < layout.mosaicWidth(); x += 1.0)
    {
      const long channel = layout.channelAt(x, y);
      if (channel < 0)
      {
        continue;
      }
      ++covered;
      const auto origin = layout.tileOrigin(static_cast<std::size_t>(channel));
      EXPECT_GE(x, origin.X);
      EXPECT_LT(x, origin.X + 5);
      EXPECT_GE(y, origin.Y);
      EXPECT_LT(y, origin.Y + 4);
    }
  }
  EXPECT_EQ(covered, 7u * 4u * 5u) << "every pixel of every tile, nothing else";
  EXPECT_EQ(layout.channelAt(5.5, 0.5), -1) << "gap between columns";
  EXPECT_EQ(layout.channelAt(0.5, 4.5), -1) << "gap between rows";
  EXPECT_EQ(layout.channelAt(8.5, 0.5), -1) << "empty grid cell after the last channel";
  EXPECT_EQ(layout.channelAt(-0.5, 0.5), -1);
  EXPECT_EQ(layout.channelAt(0.5, layout.mosaicHeight()), -1);
  EXPECT_EQ(layout.channelAt(0.5, layout.mosaicHeight() - 0.5), 0) << "channel 0 is top left";
}

TEST(MosaicLayout, RejectsEmptyLayers)
{
  EXPECT_THROW(MosaicLayout(0, 28, 28, 2), std::invalid_argument);
  EXPECT_THROW(MosaicLayout(6, 0, 28, 2), std::invalid_argument);
  EXPECT_THROW(MosaicLayout(6, 28, 0, 2), std::invalid_argument);
}

TEST(MosaicLayout, LayersSitSideBySideWithTopsAligned)
{
  const std::vector<MosaicLayout> layers = { MosaicLayout(6, 28, 28, 2),
                                             MosaicLayout(120, 1, 1, 0),
                                             MosaicLayout(1, 28, 28, 2) };
  const auto corners = cnnslicer::arrangeSideBySide(layers, 8);
  ASSERT_EQ(corners.size(), 3u);
  EXPECT_DOUBLE_EQ(corners[0].X, 0);
  EXPECT_DOUBLE_EQ(corners[0].Y, 0);
  EXPECT_DOUBLE_EQ(corners[1].X, 88 + 8);
  EXPECT_DOUBLE_EQ(corners[1].Y, 58 - 11);
  EXPECT_DOUBLE_EQ(corners[2].X, 88 + 8 + 11 + 8);
  EXPECT_DOUBLE_EQ(corners[2].Y, 58 - 28);
  EXPECT_TRUE(cnnslicer::arrangeSideBySide({}, 8).empty());
}

TEST(MosaicLayout, FiniteMeanSkipsNaNAndInfinity)
{
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float values[] = { 1.0f, nan, 3.0f, inf, -inf, 8.0f };
  EXPECT_DOUBLE_EQ(cnnslicer::finiteMean(values, 6), 4.0);
  EXPECT_DOUBLE_EQ(cnnslicer::finiteMean(values, 3, 2), 2.0) << "values 0, 2, 4";
  EXPECT_TRUE(std::isnan(cnnslicer::finiteMean(values + 1, 1)));
  EXPECT_TRUE(std::isnan(cnnslicer::finiteMean(values, 0)));
  const double doubles[] = { 0.25, 0.75 };
  EXPECT_DOUBLE_EQ(cnnslicer::finiteMean(doubles, 2), 0.5);
}
