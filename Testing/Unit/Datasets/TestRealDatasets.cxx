// Integration tests on real datasets: the MNIST and CIFAR-10 files in ../shared/datasets
// (CNNSLICER_SHARED_DATASETS overrides the location) and Debian's Fashion-MNIST package.
// Each test skips with a message when its data is absent, so a fresh machine still passes.
#include "Cifar10Loader.h"
#include "DatasetTestUtilities.h"
#include "IdxLoader.h"
#include "Preprocessing.h"
#include "SampleSelection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

using namespace cnnslicer;
using namespace cnnslicer::testing;
namespace fs = std::filesystem;

namespace
{

fs::path sharedDatasets()
{
  const char* fromEnvironment = std::getenv("CNNSLICER_SHARED_DATASETS");
  return fromEnvironment && *fromEnvironment ? fs::path(fromEnvironment)
                                             : fs::path(CNNSLICER_SHARED_DATASETS_DEFAULT);
}

std::vector<std::size_t> classCounts(const Dataset& dataset, std::size_t classes)
{
  std::vector<std::size_t> counts(classes, 0);
  for (const std::int64_t label : dataset.Labels)
  {
    EXPECT_GE(label, 0);
    EXPECT_LT(label, static_cast<std::int64_t>(classes));
    ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

/// Best wall time of @p repetitions calls of @p action, in seconds.
template<typename Action>
double bestSeconds(int repetitions, Action&& action)
{
  double best = 1e30;
  for (int r = 0; r < repetitions; ++r)
  {
    const auto start = std::chrono::steady_clock::now();
    action();
    best = std::min(
      best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void report(const std::string& what, double seconds)
{
  std::cout << "[ timing   ] " << what << ": " << seconds * 1000.0 << " ms" << std::endl;
  ::testing::Test::RecordProperty(what, std::to_string(seconds * 1000.0) + " ms");
}

} // namespace

TEST(RealDatasets, Mnist10kFromGzipIdx)
{
  const fs::path folder = sharedDatasets() / "mnist";
  if (!fs::exists(folder / "mnist10k-images-idx3-ubyte.gz"))
  {
    GTEST_SKIP() << "MNIST not found in " << folder
                 << " (set CNNSLICER_SHARED_DATASETS to the shared datasets folder)";
  }
  Dataset dataset;
  const double loadSeconds = bestSeconds(3, [&] { dataset = loadIdxDirectory(folder.string()); });
  report("MNIST 10k load (gz)", loadSeconds);
  EXPECT_LT(loadSeconds, 1.0);

  EXPECT_EQ(dataset.NumberOfSamples, 10000u);
  EXPECT_EQ(dataset.Channels, 1u);
  EXPECT_EQ(dataset.Height, 28u);
  EXPECT_EQ(dataset.Width, 28u);
  EXPECT_EQ(dataset.Type, PixelType::UInt8);
  EXPECT_EQ(classCounts(dataset, 10),
            (std::vector<std::size_t>{ 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }));
  EXPECT_EQ(*std::max_element(dataset.UInt8Pixels.begin(), dataset.UInt8Pixels.end()), 255);
  // MNIST digits sit on a black background: the border pixel of every image is 0.
  for (std::size_t n = 0; n < dataset.NumberOfSamples; n += 997)
  {
    EXPECT_EQ(dataset.UInt8Pixels[n * 784], 0) << n;
  }

  SampleSelection balanced;
  balanced.PerClass = 100;
  const std::vector<std::size_t> selected =
    selectSamples(dataset.NumberOfSamples, dataset.Labels, balanced, dataset.Source);
  EXPECT_EQ(selected.size(), 1000u);
  EXPECT_EQ(classCounts(dataset.subset(selected), 10), std::vector<std::size_t>(10, 100));

  PreprocessingOptions options;
  options.Mean = { 0.1307f };
  options.Std = { 0.3081f };
  std::vector<float> input;
  const double preprocessSeconds =
    bestSeconds(3, [&] { input = preprocessDataset(dataset, options); });
  report("MNIST 10k preprocessing", preprocessSeconds);
  double sum = 0.0;
  for (const std::uint8_t value : dataset.UInt8Pixels)
  {
    sum += value / 255.0;
  }
  const double mean = sum / static_cast<double>(dataset.UInt8Pixels.size());
  // The test set's mean pixel is close to the training set's 0.1307 used for Normalize.
  EXPECT_NEAR(mean, 0.1307, 0.01);
  double normalizedSum = 0.0;
  for (const float value : input)
  {
    normalizedSum += value;
  }
  EXPECT_NEAR(normalizedSum / static_cast<double>(input.size()), (mean - 0.1307) / 0.3081, 1e-4);
}

TEST(RealDatasets, FashionMnistFromDebian)
{
  const fs::path folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(folder / "t10k-images-idx3-ubyte.gz"))
  {
    GTEST_SKIP() << "Fashion-MNIST not installed in " << folder
                 << " (apt-get install dataset-fashion-mnist)";
  }
  Dataset test;
  const double testSeconds =
    bestSeconds(1, [&] { test = loadIdxDirectory(folder.string(), "test"); });
  report("Fashion-MNIST 10k test load (gz)", testSeconds);
  Dataset train;
  const double trainSeconds =
    bestSeconds(1, [&] { train = loadIdxDirectory(folder.string(), "train"); });
  report("Fashion-MNIST 60k train load (gz)", trainSeconds);

  EXPECT_EQ(test.NumberOfSamples, 10000u);
  EXPECT_EQ(train.NumberOfSamples, 60000u);
  for (const Dataset* dataset : { &test, &train })
  {
    EXPECT_EQ(dataset->Height, 28u);
    EXPECT_EQ(dataset->Width, 28u);
  }
  // Fashion-MNIST is balanced: 1,000 test and 6,000 training images per class.
  EXPECT_EQ(classCounts(test, 10), std::vector<std::size_t>(10, 1000));
  EXPECT_EQ(classCounts(train, 10), std::vector<std::size_t>(10, 6000));
}

TEST(RealDatasets, Cifar10ConvertedByTheSharedScript)
{
  const fs::path script = sharedDatasets() / "cifar10" / "cifar10-to-bin.py";
  if (!fs::exists(script) || !fs::exists(sharedDatasets() / "cifar10" / "cifar10-jpg.tar.xz"))
  {
    GTEST_SKIP() << "CIFAR-10 not found in " << sharedDatasets() / "cifar10"
                 << " (set CNNSLICER_SHARED_DATASETS to the shared datasets folder)";
  }
  if (std::system("/usr/bin/python3 -c 'import PIL' > /dev/null 2>&1") != 0)
  {
    GTEST_SKIP() << "converting CIFAR-10 needs /usr/bin/python3 with PIL "
                    "(apt-get install python3-pil)";
  }
  TemporaryFolder output;
  const std::string command =
    "/usr/bin/python3 '" + script.string() + "' '" + output.path().string() + "' > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  Dataset test;
  const double testSeconds =
    bestSeconds(3, [&] { test = loadCifar10(output.path().string(), Cifar10Split::Test); });
  report("CIFAR-10 10k test load", testSeconds);
  EXPECT_EQ(test.NumberOfSamples, 10000u);
  EXPECT_EQ(test.Channels, 3u);
  EXPECT_EQ(test.Height, 32u);
  EXPECT_EQ(test.Width, 32u);
  EXPECT_EQ(
    test.ClassNames,
    (std::vector<std::string>{
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" }));
  EXPECT_EQ(classCounts(test, 10), std::vector<std::size_t>(10, 1000));

  Dataset train;
  const double trainSeconds =
    bestSeconds(1, [&] { train = loadCifar10(output.path().string(), Cifar10Split::Train); });
  report("CIFAR-10 50k train load", trainSeconds);
  EXPECT_EQ(train.NumberOfSamples, 50000u);
  EXPECT_EQ(classCounts(train, 10), std::vector<std::size_t>(10, 5000));
}
