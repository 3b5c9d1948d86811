// Sample selection: first index, stride, class subset, balanced per class, maximum.
#include "DatasetTestUtilities.h"
#include "SampleSelection.h"

#include <gtest/gtest.h>

#include <limits>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

using Indices = std::vector<std::size_t>;
const std::vector<std::int64_t> Labels = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 3 };

Indices select(const SampleSelection& selection, const std::vector<std::int64_t>& labels = Labels)
{
  return selectSamples(10, labels, selection, "tiny");
}

} // namespace

TEST(SampleSelection, EachRuleAlone)
{
  EXPECT_EQ(select({}), (Indices{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));

  SampleSelection maximum;
  maximum.MaximumSamples = 4;
  EXPECT_EQ(select(maximum), (Indices{ 0, 1, 2, 3 }));

  SampleSelection strided;
  strided.FirstIndex = 2;
  strided.Stride = 3;
  EXPECT_EQ(select(strided), (Indices{ 2, 5, 8 }));

  SampleSelection classes;
  classes.Classes = { 2, 0, 2 };
  EXPECT_EQ(select(classes), (Indices{ 0, 2, 3, 5, 6, 8 }));

  // Class 3 has one sample only: it keeps what it has.
  SampleSelection balanced;
  balanced.PerClass = 2;
  EXPECT_EQ(select(balanced), (Indices{ 0, 1, 2, 3, 4, 5, 9 }));
}

TEST(SampleSelection, RulesCombineInOrder)
{
  SampleSelection selection;
  selection.FirstIndex = 1;
  selection.Stride = 2;
  selection.Classes = { 1 };
  EXPECT_EQ(select(selection), (Indices{ 1, 7 }));

  SampleSelection balancedThenMaximum;
  balancedThenMaximum.PerClass = 2;
  balancedThenMaximum.MaximumSamples = 3;
  EXPECT_EQ(select(balancedThenMaximum), (Indices{ 0, 1, 2 }));

  SampleSelection balancedSubset;
  balancedSubset.PerClass = 1;
  balancedSubset.Classes = { 1, 3 };
  EXPECT_EQ(select(balancedSubset), (Indices{ 1, 9 }));
}

TEST(SampleSelection, UnlabelledSamplesAndHugeStrides)
{
  std::vector<std::int64_t> partly = Labels;
  partly[0] = -1;
  SampleSelection balanced;
  balanced.PerClass = 1;
  EXPECT_EQ(select(balanced, partly), (Indices{ 1, 2, 3, 9 }));

  SampleSelection huge;
  huge.FirstIndex = 3;
  huge.Stride = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(select(huge, {}), (Indices{ 3 }));
}

TEST(SampleSelectionErrors, InvalidOrEmptySelections)
{
  SampleSelection noStride;
  noStride.Stride = 0;
  expectMessageContains(datasetErrorMessage([&] { select(noStride); }), { "tiny", "stride is 0" });

  SampleSelection classes;
  classes.Classes = { 1 };
  expectMessageContains(datasetErrorMessage([&] { select(classes, {}); }),
                        { "tiny", "needs labels", "has none" });

  SampleSelection pastTheEnd;
  pastTheEnd.FirstIndex = 10;
  expectMessageContains(datasetErrorMessage([&] { select(pastTheEnd); }),
                        { "tiny", "empty selection", "first index 10", "10 samples" });

  SampleSelection absentClasses;
  absentClasses.Classes = { 7, 12 };
  expectMessageContains(datasetErrorMessage([&] { select(absentClasses); }),
                        { "tiny", "empty selection", "{7, 12}", "labels present: {0, 1, 2, 3}" });

  expectMessageContains(datasetErrorMessage([&] { selectSamples(3, Labels, {}, "tiny"); }),
                        { "tiny", "labels count 10", "images count 3" });
}

TEST(SampleSelectionErrors, BalancedSelectionWithOnlyNegativeLabels)
{
  SampleSelection balanced;
  balanced.PerClass = 2;
  const std::vector<std::int64_t> unlabelled(10, -1);
  expectMessageContains(datasetErrorMessage([&] { select(balanced, unlabelled); }),
                        { "tiny",
                          "empty selection",
                          "has a class label (all are negative)",
                          "choose classes that the dataset has" });
}
