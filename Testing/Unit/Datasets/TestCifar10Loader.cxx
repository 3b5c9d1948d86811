// CIFAR-10 binary batches, on tiny batches written by the tests.
#include "Cifar10Loader.h"
#include "DatasetTestUtilities.h"

#include <gtest/gtest.h>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

/// Pixel value of record @p id, channel @p channel, pixel @p pixel: distinct across
/// records, channels and positions so that any mix-up shows.
std::uint8_t pixelValue(int id, int channel, int pixel)
{
  return static_cast<std::uint8_t>((id * 37 + channel * 101 + pixel * 7) % 256);
}

/// Records (label byte + R, G, B planes) of the ids, labelled @p labels.
Bytes cifarRecords(const std::vector<int>& ids, const std::vector<std::uint8_t>& labels)
{
  Bytes bytes;
  for (std::size_t r = 0; r < ids.size(); ++r)
  {
    bytes.push_back(labels[r]);
    for (int channel = 0; channel < 3; ++channel)
    {
      for (int pixel = 0; pixel < 1024; ++pixel)
      {
        bytes.push_back(pixelValue(ids[r], channel, pixel));
      }
    }
  }
  return bytes;
}

/// root/cifar-10-batches-bin with two training batches (3 + 2 records), a test batch
/// (4 records) and class names.
struct TinyCifar
{
  TinyCifar()
  {
    writeFile(batch("data_batch_1.bin"), cifarRecords({ 0, 1, 2 }, { 6, 9, 9 }));
    writeFile(batch("data_batch_2.bin"), cifarRecords({ 3, 4 }, { 4, 1 }));
    writeFile(batch("test_batch.bin"), cifarRecords({ 10, 11, 12, 13 }, { 3, 8, 8, 0 }));
    writeTextFile(batch("batches.meta.txt"), "c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc9\n\n");
  }
  std::string batches() const { return Root.file("cifar-10-batches-bin"); }
  std::string batch(const std::string& name) const
  {
    return Root.file("cifar-10-batches-bin/" + name);
  }

  TemporaryFolder Root;
};

void expectRecord(const Dataset& dataset, std::size_t sample, int id)
{
  for (int channel = 0; channel < 3; ++channel)
  {
    for (const int pixel : { 0, 1, 31, 32, 500, 1023 })
    {
      EXPECT_EQ(dataset.UInt8Pixels[(sample * 3 + channel) * 1024 + pixel],
                pixelValue(id, channel, pixel))
        << "sample " << sample << " channel " << channel << " pixel " << pixel;
    }
  }
}

} // namespace

TEST(Cifar10Loader, TrainSplitConcatenatesBatchesInOrder)
{
  TinyCifar cifar;
  const Dataset dataset = loadCifar10(cifar.Root.path().string(), Cifar10Split::Train);
  EXPECT_EQ(dataset.Type, PixelType::UInt8);
  EXPECT_EQ(dataset.NumberOfSamples, 5u);
  EXPECT_EQ(dataset.Channels, 3u);
  EXPECT_EQ(dataset.Height, 32u);
  EXPECT_EQ(dataset.Width, 32u);
  EXPECT_EQ(dataset.UInt8Pixels.size(), 5u * 3072u);
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 6, 9, 9, 4, 1 }));
  for (int id = 0; id < 5; ++id)
  {
    expectRecord(dataset, static_cast<std::size_t>(id), id);
  }
  EXPECT_EQ(dataset.ClassNames.size(), 10u);
  EXPECT_EQ(dataset.ClassNames.front(), "c0");
  EXPECT_EQ(dataset.ClassNames.back(), "c9");
  expectMessageContains(dataset.Source, { "data_batch_1.bin", "data_batch_2.bin" });
}

TEST(Cifar10Loader, TestSplitFromTheBatchesFolder)
{
  TinyCifar cifar;
  const Dataset dataset = loadCifar10(cifar.batches(), Cifar10Split::Test);
  EXPECT_EQ(dataset.NumberOfSamples, 4u);
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 3, 8, 8, 0 }));
  expectRecord(dataset, 0, 10);
  expectRecord(dataset, 3, 13);
  EXPECT_EQ(findCifar10Batches(cifar.batches(), Cifar10Split::Test),
            (std::vector<std::string>{ cifar.batch("test_batch.bin") }));
}

TEST(Cifar10Loader, OneBatchFileAndStandardClassNames)
{
  TemporaryFolder folder;
  const std::string path = folder.file("data_batch_2.bin");
  writeFile(path, cifarRecords({ 7, 8 }, { 2, 5 }));
  const Dataset dataset = loadCifar10(path);
  EXPECT_EQ(dataset.NumberOfSamples, 2u);
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 2, 5 }));
  expectRecord(dataset, 1, 8);
  EXPECT_EQ(dataset.ClassNames, cifar10ClassNames());
  EXPECT_EQ(dataset.ClassNames.front(), "airplane");
  EXPECT_EQ(dataset.ClassNames.back(), "truck");
}

TEST(Cifar10LoaderErrors, SizeNotAMultipleOfTheRecord)
{
  TemporaryFolder folder;
  const std::string path = folder.file("test_batch.bin");
  Bytes bytes = cifarRecords({ 1, 2 }, { 0, 1 });
  bytes.resize(bytes.size() + 5);
  writeFile(path, bytes);
  expectMessageContains(
    datasetErrorMessage([&] { loadCifar10(path); }),
    { path, "size 6151 bytes is not a multiple of the 3073-byte record", "5 bytes left over" });

  const std::string empty = folder.file("data_batch_1.bin");
  writeFile(empty, {});
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(empty); }),
                        { empty, "size 0 bytes" });
}

TEST(Cifar10LoaderErrors, MissingBatches)
{
  TemporaryFolder folder;
  writeFile(folder.file("data_batch_1.bin"), cifarRecords({ 1 }, { 0 }));
  expectMessageContains(
    datasetErrorMessage([&] { loadCifar10(folder.path().string(), Cifar10Split::Test); }),
    { folder.file("test_batch.bin"), "missing file" });

  writeFile(folder.file("data_batch_3.bin"), cifarRecords({ 3 }, { 0 }));
  expectMessageContains(
    datasetErrorMessage([&] { loadCifar10(folder.path().string(), Cifar10Split::Train); }),
    { folder.file("data_batch_2.bin"), "missing file", "data_batch_3.bin exists" });

  TemporaryFolder empty;
  expectMessageContains(
    datasetErrorMessage([&] { loadCifar10(empty.path().string(), Cifar10Split::Train); }),
    { "data_batch_1.bin", "missing file" });

  const std::string absent = folder.file("nowhere");
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(absent); }), { absent, "not found" });
}

TEST(Cifar10LoaderErrors, LabelWithoutAClass)
{
  TemporaryFolder folder;
  const std::string path = folder.file("test_batch.bin");
  writeFile(path, cifarRecords({ 1, 2 }, { 3, 12 }));
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(path); }),
                        { path, "record 1 has label 12", "only 10 classes" });
}

TEST(Cifar10LoaderErrors, PayloadAboveTheLimit)
{
  TemporaryFolder folder;
  const std::string path = folder.file("test_batch.bin");
  writeFile(path, cifarRecords({ 1, 2 }, { 0, 1 }));
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(path, Cifar10Split::Test, 4096); }),
                        { path, "6144 bytes, more than the limit of 4096" });
}

TEST(Cifar10LoaderErrors, BlankClassNamesFile)
{
  const TinyCifar cifar;
  writeTextFile(cifar.batch("batches.meta.txt"), "\n  \n\t\n");
  expectMessageContains(
    datasetErrorMessage([&] { loadCifar10(cifar.batches(), Cifar10Split::Test); }),
    { cifar.batch("batches.meta.txt"),
      "holds no class names",
      "write one class name per line, in label order" });
}
