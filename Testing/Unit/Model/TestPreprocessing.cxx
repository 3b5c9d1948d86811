// Preprocessing: ToTensor scaling, channel order, Normalize, as float32 N x C x H x W.
#include "DatasetTestUtilities.h"
#include "Preprocessing.h"

#include <gtest/gtest.h>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

/// Two RGB 1 x 2 images; value = 10 (3 n + c) + x + 1 (plus 200 on the last channel).
Dataset tinyRgb()
{
  Dataset dataset;
  dataset.NumberOfSamples = 2;
  dataset.Channels = 3;
  dataset.Height = 1;
  dataset.Width = 2;
  dataset.Source = "tiny RGB";
  for (int n = 0; n < 2; ++n)
  {
    for (int c = 0; c < 3; ++c)
    {
      for (int x = 0; x < 2; ++x)
      {
        dataset.UInt8Pixels.push_back(static_cast<std::uint8_t>(10 * (3 * n + c) + x + 1));
      }
    }
  }
  dataset.Labels = { 1, 0 };
  return dataset;
}

float uint8Input(std::uint8_t value, float mean, float std)
{
  return (static_cast<float>(value) / 255.0f - mean) / std;
}

} // namespace

TEST(Preprocessing, ScalesUInt8ToUnitRange)
{
  Dataset dataset;
  dataset.NumberOfSamples = 1;
  dataset.Channels = 1;
  dataset.Height = 2;
  dataset.Width = 2;
  dataset.UInt8Pixels = { 0, 255, 51, 128 };
  const std::vector<float> output = preprocessDataset(dataset, {});
  EXPECT_EQ(output, (std::vector<float>{ 0.0f, 1.0f, 0.2f, 128.0f / 255.0f }));

  PreprocessingOptions raw;
  raw.ScaleUInt8 = false;
  EXPECT_EQ(preprocessDataset(dataset, raw), (std::vector<float>{ 0.0f, 255.0f, 51.0f, 128.0f }));
}

TEST(Preprocessing, NormalizesPerChannelLikeTorchvision)
{
  const Dataset dataset = tinyRgb();
  PreprocessingOptions options;
  options.Mean = { 0.4914f, 0.4822f, 0.4465f };
  options.Std = { 0.2470f, 0.2435f, 0.2616f };
  const std::vector<float> output = preprocessDataset(dataset, options);
  ASSERT_EQ(output.size(), 12u);
  for (std::size_t i = 0; i < output.size(); ++i)
  {
    const std::size_t c = (i / 2) % 3;
    EXPECT_FLOAT_EQ(output[i], uint8Input(dataset.UInt8Pixels[i], options.Mean[c], options.Std[c]))
      << i;
  }
}

TEST(Preprocessing, ReversedChannelOrderUsesTheModelsMeanOrder)
{
  const Dataset dataset = tinyRgb();
  PreprocessingOptions options;
  options.ReverseChannelOrder = true;
  options.Mean = { 0.1f, 0.2f, 0.3f };
  options.Std = { 1.0f, 2.0f, 4.0f };
  const std::vector<float> output = preprocessDataset(dataset, options);
  for (std::size_t n = 0; n < 2; ++n)
  {
    for (std::size_t c = 0; c < 3; ++c)
    {
      for (std::size_t x = 0; x < 2; ++x)
      {
        const std::uint8_t stored = dataset.UInt8Pixels[(n * 3 + (2 - c)) * 2 + x];
        EXPECT_FLOAT_EQ(output[(n * 3 + c) * 2 + x],
                        uint8Input(stored, options.Mean[c], options.Std[c]));
      }
    }
  }
}

TEST(Preprocessing, FloatDataIsTakenAsIsAndOneMeanServesAllChannels)
{
  Dataset dataset;
  dataset.Type = PixelType::Float32;
  dataset.NumberOfSamples = 1;
  dataset.Channels = 2;
  dataset.Height = 1;
  dataset.Width = 2;
  dataset.Float32Pixels = { 2.0f, -1.0f, 300.0f, 0.5f };
  EXPECT_EQ(preprocessDataset(dataset, {}), dataset.Float32Pixels);

  PreprocessingOptions options;
  options.Mean = { 0.5f };
  options.Std = { 2.0f };
  EXPECT_EQ(preprocessDataset(dataset, options),
            (std::vector<float>{ 0.75f, -0.75f, 149.75f, 0.0f }));
}

TEST(Preprocessing, SelectedSamplesInTheGivenOrder)
{
  const Dataset dataset = tinyRgb();
  const std::vector<std::size_t> indices = { 1, 0, 1 };
  std::vector<float> output(3 * 6);
  preprocessSamples(dataset, indices.data(), indices.size(), {}, output.data());
  for (std::size_t i = 0; i < indices.size(); ++i)
  {
    for (std::size_t v = 0; v < 6; ++v)
    {
      EXPECT_EQ(output[i * 6 + v],
                static_cast<float>(dataset.UInt8Pixels[indices[i] * 6 + v]) / 255.0f);
    }
  }
}

TEST(Preprocessing, MetadataDefaultsAndOverrides)
{
  ModelMetadata metadata;
  metadata.Mean = { 0.1307f };
  metadata.Std = { 0.3081f };
  metadata.ExpectsBGR = true;

  const PreprocessingOptions fromMetadata = resolvePreprocessing(metadata);
  EXPECT_EQ(fromMetadata.Mean, metadata.Mean);
  EXPECT_EQ(fromMetadata.Std, metadata.Std);
  EXPECT_TRUE(fromMetadata.ReverseChannelOrder);
  EXPECT_TRUE(fromMetadata.ScaleUInt8);

  PreprocessingOverrides overrides;
  overrides.Mean = std::vector<float>{ 0.5f };
  overrides.Std = std::vector<float>{ 0.25f };
  overrides.ReverseChannelOrder = false;
  const PreprocessingOptions overridden = resolvePreprocessing(metadata, overrides);
  EXPECT_EQ(overridden.Mean, (std::vector<float>{ 0.5f }));
  EXPECT_EQ(overridden.Std, (std::vector<float>{ 0.25f }));
  EXPECT_FALSE(overridden.ReverseChannelOrder);

  PreprocessingOverrides noNormalization;
  noNormalization.Mean = std::vector<float>{};
  noNormalization.Std = std::vector<float>{};
  EXPECT_TRUE(resolvePreprocessing(metadata, noNormalization).Mean.empty());
}

TEST(PreprocessingErrors, OptionsThatDoNotFitTheData)
{
  const Dataset dataset = tinyRgb();
  PreprocessingOptions twoMeans;
  twoMeans.Mean = { 0.1f, 0.2f };
  twoMeans.Std = { 1.0f, 1.0f };
  expectMessageContains(datasetErrorMessage([&] { preprocessDataset(dataset, twoMeans); }),
                        { "tiny RGB", "2 mean and 2 std values for 3 image channels" });

  PreprocessingOptions zeroStd;
  zeroStd.Mean = { 0.1f };
  zeroStd.Std = { 0.0f };
  expectMessageContains(datasetErrorMessage([&] { preprocessDataset(dataset, zeroStd); }),
                        { "tiny RGB", "not positive" });

  PreprocessingOptions meanOnly;
  meanOnly.Mean = { 0.1f };
  expectMessageContains(datasetErrorMessage([&] { preprocessDataset(dataset, meanOnly); }),
                        { "tiny RGB", "mean but no std" });

  const std::vector<std::size_t> outOfRange = { 2 };
  std::vector<float> output(6);
  expectMessageContains(
    datasetErrorMessage([&]
                        { preprocessSamples(dataset, outOfRange.data(), 1, {}, output.data()); }),
    { "tiny RGB", "sample index 2 is out of range (2 samples)" });
}

TEST(PreprocessingErrors, ImageShapeThatDoesNotFitTheModel)
{
  Dataset dataset;
  dataset.NumberOfSamples = 1;
  dataset.Channels = 1;
  dataset.Height = 28;
  dataset.Width = 28;
  dataset.Source = "IDX /data/t10k-images-idx3-ubyte.gz";
  EXPECT_NO_THROW(checkModelInputShape(dataset, { 1, 28, 28 }, "lenet.pt"));
  EXPECT_NO_THROW(checkModelInputShape(dataset, {}, "lenet.pt"));
  expectMessageContains(
    datasetErrorMessage(
      [&] {
        checkModelInputShape(dataset, { 3, 32, 32 }, "vgg.pt");
      }),
    { "t10k-images-idx3-ubyte.gz", "images are 1 x 28 x 28", "vgg.pt", "expects 3 x 32 x 32" });
}

TEST(PreprocessingErrors, StdWithoutMeanAndSubsetIndexOutOfRange)
{
  const Dataset dataset = tinyRgb();
  PreprocessingOptions stdOnly;
  stdOnly.Std = { 0.5f };
  expectMessageContains(
    datasetErrorMessage([&] { preprocessDataset(dataset, stdOnly); }),
    { "tiny RGB", "normalization has a std but no mean", "give both mean and std, or neither" });

  expectMessageContains(datasetErrorMessage(
                          [&] {
                            dataset.subset({ 0, 5 });
                          }),
                        { "tiny RGB",
                          "sample index 5 is out of range (2 samples)",
                          "select indices below the sample count" });
}
