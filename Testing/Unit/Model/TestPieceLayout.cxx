// How a parallel run splits samples (inference) and layers (output) among pieces.
#include "PieceLayout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace
{

using cnnslicer::assignLayersToPieces;
using cnnslicer::shareOfSamples;

TEST(PieceLayout, SharesCoverEverySampleOnceInPieceOrder)
{
  for (const std::size_t samples :
       { std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000), std::size_t(10001) })
  {
    for (int pieces = 1; pieces <= 5; ++pieces)
    {
      std::size_t next = 0;
      for (int piece = 0; piece < pieces; ++piece)
      {
        const auto share = shareOfSamples(samples, piece, pieces);
        EXPECT_EQ(share.First, next) << samples << " samples, piece " << piece;
        EXPECT_LE(share.Count, samples / pieces + 1);
        EXPECT_GE(share.Count, samples / pieces);
        next = share.First + share.Count;
      }
      EXPECT_EQ(next, samples);
    }
  }
}

TEST(PieceLayout, ShareOfAPieceThatDoesNotExistThrows)
{
  EXPECT_THROW(shareOfSamples(10, 2, 2), std::invalid_argument);
  EXPECT_THROW(shareOfSamples(10, 0, 0), std::invalid_argument);
  EXPECT_THROW(shareOfSamples(10, -1, 2), std::invalid_argument);
}

TEST(PieceLayout, LeNetLayersSplitIntoTwoNearHalves)
{
  // Points per sample of LeNet-5's 13 captured layers: input, conv1, relu1, pool1, conv2,
  // relu2, pool2, fc1, relu3, fc2, relu4, fc3, logits.
  const std::vector<std::uint64_t> points{ 784, 4704, 4704, 1176, 1600, 1600, 400,
                                           120, 120,  84,   84,   10,   10 };
  const std::vector<int> owner = assignLayersToPieces(points, 2);
  std::uint64_t load[2] = { 0, 0 };
  for (std::size_t i = 0; i < points.size(); ++i)
  {
    ASSERT_TRUE(owner[i] == 0 || owner[i] == 1);
    load[owner[i]] += points[i];
  }
  const double total = static_cast<double>(load[0] + load[1]);
  // The two 4704-point layers go to different pieces; the rest fills up to within 1%.
  EXPECT_NE(owner[1], owner[2]);
  EXPECT_NEAR(static_cast<double>(load[0]) / total, 0.5, 0.01);
}

TEST(PieceLayout, TiesGoToTheLowerPieceAndEarlierLayerFirst)
{
  EXPECT_EQ(assignLayersToPieces({ 5, 5, 5, 5 }, 2), (std::vector<int>{ 0, 1, 0, 1 }));
  EXPECT_EQ(assignLayersToPieces({ 1, 9, 4 }, 3), (std::vector<int>{ 2, 0, 1 }));
}

TEST(PieceLayout, LayersNotOutputBelongToNoPiece)
{
  EXPECT_EQ(assignLayersToPieces({ 0, 8, 0, 3 }, 2), (std::vector<int>{ -1, 0, -1, 1 }));
}

TEST(PieceLayout, MorePiecesThanLayersLeavesSomeEmpty)
{
  const std::vector<int> owner = assignLayersToPieces({ 3, 2 }, 4);
  EXPECT_EQ(owner, (std::vector<int>{ 0, 1 }));
}

TEST(PieceLayout, OnePieceOwnsEverything)
{
  const std::vector<int> owner = assignLayersToPieces({ 3, 1, 4, 1, 5 }, 1);
  EXPECT_TRUE(std::all_of(owner.begin(), owner.end(), [](int p) { return p == 0; }));
  EXPECT_THROW(assignLayersToPieces({ 1 }, 0), std::invalid_argument);
}

TEST(PieceLayout, LargestPieceWithinGrahamsBound)
{
  // Graham's LPT bound: makespan <= (4/3 - 1/(3m)) OPT; OPT >= max(total/m, largest).
  std::vector<std::uint64_t> sizes;
  std::uint64_t value = 12345;
  for (int i = 0; i < 50; ++i)
  {
    value = value * 6364136223846793005ULL + 1442695040888963407ULL;
    sizes.push_back(1 + (value >> 40) % 1000);
  }
  for (int pieces = 2; pieces <= 6; ++pieces)
  {
    const std::vector<int> owner = assignLayersToPieces(sizes, pieces);
    std::vector<double> load(pieces, 0.0);
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
      load[owner[i]] += static_cast<double>(sizes[i]);
    }
    const double total = std::accumulate(load.begin(), load.end(), 0.0);
    const double lower =
      std::max(total / pieces, static_cast<double>(*std::max_element(sizes.begin(), sizes.end())));
    EXPECT_LE(*std::max_element(load.begin(), load.end()),
              (4.0 / 3.0 - 1.0 / (3.0 * pieces)) * lower + 1e-9);
  }
}

} // namespace
