// Format detection and the single loading entry point used by the reader's properties.
#include "Cifar10Loader.h"
#include "DatasetLoader.h"
#include "DatasetTestUtilities.h"
#include "IdxLoader.h"
#include "ImageFolderScanner.h"
#include "NumpyLoader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

Bytes oneCifarRecord(std::uint8_t label)
{
  Bytes record(Cifar10RecordBytes, 17);
  record[0] = label;
  return record;
}

Bytes idxImages(std::uint32_t count)
{
  return idxBytes(0x08, { count, 1, 2 }, Bytes(2 * count, 5));
}

} // namespace

TEST(DatasetLoader, DetectsEachFormat)
{
  TemporaryFolder folder;
  writeFile(folder.file("x.npy"), npyBytes(1, "|u1", { 1, 1, 1 }, { 0 }));
  writeFile(folder.file("batch.bin"), oneCifarRecord(1));
  writeGzipFile(folder.file("digits.idx.gz"), idxImages(1));
  writeFile(folder.file("array.data"), npyBytes(1, "|u1", { 1, 1, 1 }, { 0 }));
  writeFile(folder.file("idx/t10k-images-idx3-ubyte"), idxImages(1));
  writeFile(folder.file("cifar/cifar-10-batches-bin/test_batch.bin"), oneCifarRecord(2));
  writeFile(folder.file("photos/cat/a.png"), {});

  EXPECT_EQ(detectDatasetFormat(folder.file("x.npy")), DatasetFormat::Numpy);
  EXPECT_EQ(detectDatasetFormat(folder.file("array.data")), DatasetFormat::Numpy);
  EXPECT_EQ(detectDatasetFormat(folder.file("batch.bin")), DatasetFormat::Cifar10);
  EXPECT_EQ(detectDatasetFormat(folder.file("digits.idx.gz")), DatasetFormat::Idx);
  EXPECT_EQ(detectDatasetFormat(folder.file("idx")), DatasetFormat::Idx);
  EXPECT_EQ(detectDatasetFormat(folder.file("cifar")), DatasetFormat::Cifar10);
  EXPECT_EQ(detectDatasetFormat(folder.file("cifar/cifar-10-batches-bin")), DatasetFormat::Cifar10);
  EXPECT_EQ(detectDatasetFormat(folder.file("photos")), DatasetFormat::ImageFolder);
  EXPECT_STREQ(datasetFormatName(DatasetFormat::ImageFolder), "image folder");
}

TEST(DatasetLoader, LoadsThroughOneRequest)
{
  TemporaryFolder folder;
  writeFile(folder.file("idx/train-images-idx3-ubyte"), idxImages(4));
  writeFile(folder.file("idx/train-labels-idx1-ubyte"), idxBytes(0x08, { 4 }, { 1, 2, 3, 4 }));
  writeFile(folder.file("idx/t10k-images-idx3-ubyte.gz"), idxImages(2));
  writeFile(folder.file("idx/t10k-labels-idx1-ubyte.gz"), idxBytes(0x08, { 2 }, { 9, 8 }));
  writeFile(folder.file("cifar/data_batch_1.bin"), oneCifarRecord(3));
  writeFile(folder.file("cifar/test_batch.bin"), oneCifarRecord(4));

  DatasetRequest request;
  request.Path = folder.file("idx");
  request.Split = "train";
  EXPECT_EQ(loadDataset(request).Labels, (std::vector<std::int64_t>{ 1, 2, 3, 4 }));
  request.Split = "";
  EXPECT_EQ(loadDataset(request).Labels, (std::vector<std::int64_t>{ 9, 8 }));

  // An images file opened on its own finds its labels by the standard naming.
  request.Path = folder.file("idx/train-images-idx3-ubyte");
  EXPECT_EQ(loadDataset(request).Labels, (std::vector<std::int64_t>{ 1, 2, 3, 4 }));

  request.Path = folder.file("cifar");
  request.Split = "train";
  EXPECT_EQ(loadDataset(request).Labels, (std::vector<std::int64_t>{ 3 }));
  request.Split = "test";
  EXPECT_EQ(loadDataset(request).Labels, (std::vector<std::int64_t>{ 4 }));
}

TEST(DatasetLoaderErrors, UnknownInputs)
{
  TemporaryFolder folder;
  writeTextFile(folder.file("notes.txt"), "hello");
  writeTextFile(folder.file("empty/readme.txt"), "");
  writeFile(folder.file("cifar/test_batch.bin"), oneCifarRecord(4));
  writeFile(folder.file("photos/cat/a.png"), {});

  expectMessageContains(datasetErrorMessage([&] { detectDatasetFormat(folder.file("notes.txt")); }),
                        { "notes.txt", "not a dataset file" });
  expectMessageContains(datasetErrorMessage([&] { detectDatasetFormat(folder.file("empty")); }),
                        { folder.file("empty"), "holds no dataset" });
  expectMessageContains(datasetErrorMessage([&] { detectDatasetFormat(folder.file("absent")); }),
                        { folder.file("absent"), "not found" });

  DatasetRequest request;
  request.Path = folder.file("cifar");
  request.Split = "validation";
  expectMessageContains(datasetErrorMessage([&] { loadDataset(request); }),
                        { "unknown CIFAR-10 split 'validation'", "train or test" });
  request.Path = folder.file("photos");
  expectMessageContains(datasetErrorMessage([&] { loadDataset(request); }),
                        { folder.file("photos"), "image folder", "scanImageFolder" });
}

// Files and folders the process may not read. Root reads them whatever their mode, so the
// test skips itself there (run it as another user, e.g. `su nobody`, to see it work).
TEST(DatasetLoaderErrors, UnreadableFilesAndFolders)
{
  if (geteuid() == 0)
  {
    GTEST_SKIP() << "root reads files whatever their permissions";
  }
  namespace fs = std::filesystem;
  TemporaryFolder folder;
  const auto unreadable = [](const std::string& path)
  { fs::permissions(path, fs::perms::none, fs::perm_options::replace); };

  const std::string idx = folder.file("locked-images-idx3-ubyte");
  writeFile(idx, idxImages(2));
  unreadable(idx);
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(idx); }),
                        { idx, "cannot open the file (", "check its permissions" });

  const std::string npy = folder.file("locked.npy");
  writeFile(npy, npyBytes(1, "|u1", { 1, 1, 1 }, { 0 }));
  unreadable(npy);
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(npy); }),
                        { npy, "cannot open the file (", "check its permissions" });

  const std::string batch = folder.file("cifar/test_batch.bin");
  writeFile(batch, oneCifarRecord(1));
  unreadable(batch);
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(batch); }),
                        { batch, "cannot open the file (", "check its permissions" });

  const std::string names = folder.file("names/batches.meta.txt");
  writeFile(folder.file("names/test_batch.bin"), oneCifarRecord(1));
  writeTextFile(names, "a\nb\n");
  unreadable(names);
  expectMessageContains(datasetErrorMessage([&] { loadCifar10(folder.file("names")); }),
                        { names, "cannot open the class names file", "check its permissions" });

  const std::string classes = folder.file("images/cat");
  writeFile(classes + "/a.png", { 0 });
  unreadable(classes);
  expectMessageContains(datasetErrorMessage([&] { scanImageFolder(folder.file("images")); }),
                        { classes, "cannot list the folder (", "check its permissions" });
  fs::permissions(classes, fs::perms::owner_all, fs::perm_options::replace);
}
