// IDX loading (MNIST-style files), plain and gzip, on tiny files written by the tests.
#include "DatasetTestUtilities.h"
#include "IdxLoader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

constexpr std::uint8_t UInt8Code = 0x08;
constexpr std::uint8_t Int16Code = 0x0B;
constexpr std::uint8_t Int32Code = 0x0C;
constexpr std::uint8_t Float32Code = 0x0D;
constexpr std::uint8_t Float64Code = 0x0E;

/// Three 2 x 4 images whose pixel j of image i is 8 i + j + 100.
Bytes threeImagePixels()
{
  Bytes pixels;
  for (int i = 0; i < 3; ++i)
  {
    for (int j = 0; j < 8; ++j)
    {
      pixels.push_back(static_cast<std::uint8_t>(8 * i + j + 100));
    }
  }
  return pixels;
}

const Bytes ThreeLabels = { 7, 0, 3 };

} // namespace

TEST(IdxLoader, LoadsPlainUInt8ImagesAndLabels)
{
  TemporaryFolder folder;
  const std::string images = folder.file("tiny-images-idx3-ubyte");
  const std::string labels = folder.file("tiny-labels-idx1-ubyte");
  writeFile(images, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  writeFile(labels, idxBytes(UInt8Code, { 3 }, ThreeLabels));

  const Dataset dataset = loadIdxDataset(images, labels);
  EXPECT_EQ(dataset.Type, PixelType::UInt8);
  EXPECT_EQ(dataset.NumberOfSamples, 3u);
  EXPECT_EQ(dataset.Channels, 1u);
  EXPECT_EQ(dataset.Height, 2u);
  EXPECT_EQ(dataset.Width, 4u);
  EXPECT_EQ(dataset.UInt8Pixels, threeImagePixels());
  EXPECT_TRUE(dataset.Float32Pixels.empty());
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 7, 0, 3 }));
  EXPECT_TRUE(dataset.ClassNames.empty());
  expectMessageContains(dataset.Source, { images, labels });
  EXPECT_NO_THROW(dataset.validate());
}

TEST(IdxLoader, GzipFilesGiveTheSameDataAsPlainFiles)
{
  TemporaryFolder folder;
  const std::string images = folder.file("tiny-images-idx3-ubyte.gz");
  const std::string labels = folder.file("tiny-labels-idx1-ubyte.gz");
  writeGzipFile(images, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  writeGzipFile(labels, idxBytes(UInt8Code, { 3 }, ThreeLabels));

  const Dataset dataset = loadIdxDataset(images, labels);
  EXPECT_EQ(dataset.NumberOfSamples, 3u);
  EXPECT_EQ(dataset.UInt8Pixels, threeImagePixels());
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 7, 0, 3 }));
}

TEST(IdxLoader, ConcatenatedGzipMembersAreOneStream)
{
  TemporaryFolder folder;
  const Bytes file = idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels());
  const std::size_t split = 10;
  writeGzipFile(folder.file("head.gz"), Bytes(file.begin(), file.begin() + split));
  writeGzipFile(folder.file("tail.gz"), Bytes(file.begin() + split, file.end()));
  Bytes joined;
  for (const std::string name : { "head.gz", "tail.gz" })
  {
    std::ifstream stream(folder.file(name), std::ios::binary);
    joined.insert(
      joined.end(), std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
  }
  const std::string path = folder.file("joined-images-idx3-ubyte.gz");
  writeFile(path, joined);
  EXPECT_EQ(loadIdxDataset(path, "").UInt8Pixels, threeImagePixels());
}

TEST(IdxLoader, LoadsFloat32ImagesExactlyPlainAndGzip)
{
  const std::vector<float> values = { -1.5f,  0.25f, 3.0e-8f, 1.0e30f,     -0.0f, 0.1f,
                                      255.0f, 7.75f, -2.0f,   1.0f / 3.0f, 42.0f, 0.5f };
  TemporaryFolder folder;
  const Bytes file = idxBytes(Float32Code, { 2, 3, 2 }, bigEndianFloats(values));
  writeFile(folder.file("plain.idx"), file);
  writeGzipFile(folder.file("packed.idx.gz"), file);

  for (const std::string name : { "plain.idx", "packed.idx.gz" })
  {
    const Dataset dataset = loadIdxDataset(folder.file(name), "");
    EXPECT_EQ(dataset.Type, PixelType::Float32) << name;
    EXPECT_EQ(dataset.NumberOfSamples, 2u);
    EXPECT_EQ(dataset.Height, 3u);
    EXPECT_EQ(dataset.Width, 2u);
    EXPECT_EQ(dataset.Float32Pixels, values) << name;
    EXPECT_TRUE(dataset.UInt8Pixels.empty());
    EXPECT_FALSE(dataset.hasLabels());
  }
}

TEST(IdxLoader, ReadsInt32LabelsAndAnyIdxArray)
{
  TemporaryFolder folder;
  writeFile(folder.file("images.idx"), idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  writeFile(folder.file("labels.idx"),
            idxBytes(Int32Code, { 3 }, bigEndianInt32({ 70000, -1, 2 })));
  const Dataset dataset = loadIdxDataset(folder.file("images.idx"), folder.file("labels.idx"));
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 70000, -1, 2 }));

  const IdxArray array = readIdxFile(folder.file("labels.idx"));
  EXPECT_EQ(array.Type, IdxElementType::Int32);
  EXPECT_EQ(array.Dimensions, (std::vector<std::uint32_t>{ 3 }));
  EXPECT_EQ(array.Int32Values, (std::vector<std::int32_t>{ 70000, -1, 2 }));
}

TEST(IdxLoader, FindsFilesByStandardNames)
{
  TemporaryFolder folder;
  writeGzipFile(folder.file("train-images-idx3-ubyte.gz"),
                idxBytes(UInt8Code, { 5, 1, 1 }, { 1, 2, 3, 4, 5 }));
  writeGzipFile(folder.file("train-labels-idx1-ubyte.gz"),
                idxBytes(UInt8Code, { 5 }, { 0, 1, 0, 1, 0 }));
  writeFile(folder.file("t10k-images-idx3-ubyte"), idxBytes(UInt8Code, { 2, 1, 1 }, { 9, 8 }));
  writeFile(folder.file("t10k-labels-idx1-ubyte"), idxBytes(UInt8Code, { 2 }, { 1, 1 }));
  const std::string directory = folder.path().string();

  const IdxFilePair train = findIdxFiles(directory, "train");
  EXPECT_EQ(train.Images, folder.file("train-images-idx3-ubyte.gz"));
  EXPECT_EQ(train.Labels, folder.file("train-labels-idx1-ubyte.gz"));
  EXPECT_EQ(findIdxFiles(directory, "test").Images, folder.file("t10k-images-idx3-ubyte"));
  EXPECT_EQ(findIdxFiles(directory, "t10k").Labels, folder.file("t10k-labels-idx1-ubyte"));
  // Several sets and no choice: the test split, as evaluation usually wants.
  EXPECT_EQ(findIdxFiles(directory).Images, folder.file("t10k-images-idx3-ubyte"));

  const Dataset dataset = loadIdxDirectory(directory, "train");
  EXPECT_EQ(dataset.NumberOfSamples, 5u);
  EXPECT_EQ(dataset.UInt8Pixels, (Bytes{ 1, 2, 3, 4, 5 }));
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 0, 1, 0, 1, 0 }));
}

TEST(IdxLoader, FindsTheOnlyPrefixAndPrefersUncompressedFiles)
{
  TemporaryFolder folder;
  const Bytes images = idxBytes(UInt8Code, { 1, 1, 2 }, { 4, 5 });
  writeGzipFile(folder.file("mnist10k-images-idx3-ubyte.gz"), images);
  writeFile(folder.file("mnist10k-images-idx3-ubyte"), images);
  writeFile(folder.file("mnist10k-labels.idx1-ubyte"), idxBytes(UInt8Code, { 1 }, { 6 }));

  const IdxFilePair pair = findIdxFiles(folder.path().string());
  EXPECT_EQ(pair.Images, folder.file("mnist10k-images-idx3-ubyte"));
  EXPECT_EQ(pair.Labels, folder.file("mnist10k-labels.idx1-ubyte"));
}

TEST(IdxLoader, ImagesWithoutLabelsFileLoadUnlabelled)
{
  TemporaryFolder folder;
  writeFile(folder.file("x-images-idx3-ubyte"), idxBytes(UInt8Code, { 1, 1, 1 }, { 3 }));
  const IdxFilePair pair = findIdxFiles(folder.path().string(), "x");
  EXPECT_EQ(pair.Labels, "");
  EXPECT_FALSE(loadIdxDirectory(folder.path().string(), "x").hasLabels());
}

TEST(IdxLoaderErrors, WrongMagicIsNotAnIdxFile)
{
  TemporaryFolder folder;
  const std::string path = folder.file("photo-images-idx3-ubyte");
  writeFile(path, { 'P', 'K', 3, 4, 0, 0, 0, 0 });
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
                        { path, "not an IDX file", "magic bytes 50 4b 03 04" });

  // The same inside gzip: the magic is checked on the decompressed bytes.
  const std::string packed = folder.file("text.gz");
  writeGzipFile(packed, { 'h', 'e', 'l', 'l', 'o' });
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(packed); }),
                        { packed, "not an IDX file" });
}

TEST(IdxLoaderErrors, TruncatedPlainFile)
{
  TemporaryFolder folder;
  const std::string path = folder.file("cut-images-idx3-ubyte");
  Bytes file = idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels());
  file.resize(file.size() - 4);
  writeFile(path, file);
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
                        { path, "truncated IDX file", "expected 40 bytes, found 36" });

  const std::string header = folder.file("header-only");
  writeFile(header, { 0, 0, 8, 3, 0, 0 });
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(header); }),
                        { header, "truncated IDX file", "expected 16 header bytes, found 6" });
}

TEST(IdxLoaderErrors, TruncatedGzipContent)
{
  TemporaryFolder folder;
  const std::string path = folder.file("cut-images-idx3-ubyte.gz");
  Bytes file = idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels());
  file.resize(file.size() - 4);
  writeGzipFile(path, file);
  expectMessageContains(
    datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
    { path, "truncated IDX file", "expected 40 bytes, found 36 after decompression" });
}

TEST(IdxLoaderErrors, CutOffGzipStream)
{
  TemporaryFolder folder;
  const std::string complete = folder.file("complete.gz");
  Bytes pixels(5000);
  for (std::size_t i = 0; i < pixels.size(); ++i)
  {
    pixels[i] = static_cast<std::uint8_t>((i * 7919) % 251);
  }
  writeGzipFile(complete, idxBytes(UInt8Code, { 50, 10, 10 }, pixels));
  std::ifstream stream(complete, std::ios::binary);
  Bytes compressed((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  compressed.resize(compressed.size() / 2);
  const std::string path = folder.file("half-images-idx3-ubyte.gz");
  writeFile(path, compressed);
  expectMessageContains(
    datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
    { path, "truncated IDX file", "expected 5016 bytes", "gzip stream cut off" });
}

TEST(IdxLoaderErrors, CorruptGzipChecksum)
{
  TemporaryFolder folder;
  const std::string complete = folder.file("complete.gz");
  writeGzipFile(complete, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  std::ifstream stream(complete, std::ios::binary);
  Bytes compressed((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  // The gzip trailer is CRC-32 then size; a flipped CRC byte makes the data fail its check.
  compressed[compressed.size() - 8] ^= 0xFF;
  const std::string path = folder.file("corrupt-images-idx3-ubyte.gz");
  writeFile(path, compressed);
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
                        { path, "corrupt gzip data", "incorrect data check" });
}

TEST(IdxLoaderErrors, FileLongerThanItsHeader)
{
  TemporaryFolder folder;
  Bytes file = idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels());
  file.insert(file.end(), { 1, 2, 3, 4 });
  writeFile(folder.file("long"), file);
  writeGzipFile(folder.file("long.gz"), file);
  expectMessageContains(
    datasetErrorMessage([&] { readIdxFile(folder.file("long")); }),
    { folder.file("long"), "longer than its header says", "expected 40 bytes, found 44" });
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(folder.file("long.gz")); }),
                        { folder.file("long.gz"), "longer than its header says" });
}

TEST(IdxLoaderErrors, LabelsCountDiffersFromImagesCount)
{
  TemporaryFolder folder;
  const std::string images = folder.file("a-images-idx3-ubyte");
  const std::string labels = folder.file("a-labels-idx1-ubyte");
  writeFile(images, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  writeFile(labels, idxBytes(UInt8Code, { 2 }, { 1, 2 }));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(images, labels); }),
                        { labels, "labels count 2", "images count 3", images });
}

TEST(IdxLoaderErrors, MissingFiles)
{
  TemporaryFolder folder;
  const std::string images = folder.file("absent-images-idx3-ubyte.gz");
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(images, ""); }),
                        { images, "file not found" });

  writeFile(folder.file("b-images-idx3-ubyte"),
            idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  const std::string labels = folder.file("absent-labels-idx1-ubyte");
  expectMessageContains(
    datasetErrorMessage([&] { loadIdxDataset(folder.file("b-images-idx3-ubyte"), labels); }),
    { labels, "file not found" });

  expectMessageContains(
    datasetErrorMessage([&] { findIdxFiles(folder.path().string(), "train"); }),
    { folder.path().string(), "missing file", "train-images-idx3-ubyte", "prefixes found: b" });

  TemporaryFolder empty;
  expectMessageContains(datasetErrorMessage([&] { loadIdxDirectory(empty.path().string()); }),
                        { empty.path().string(), "missing file", "no IDX images file" });
}

TEST(IdxLoaderErrors, SeveralSetsWithoutTestNeedAChoice)
{
  TemporaryFolder folder;
  writeFile(folder.file("a-images-idx3-ubyte"), idxBytes(UInt8Code, { 1, 1, 1 }, { 1 }));
  writeFile(folder.file("b-images-idx3-ubyte"), idxBytes(UInt8Code, { 1, 1, 1 }, { 1 }));
  expectMessageContains(datasetErrorMessage([&] { findIdxFiles(folder.path().string()); }),
                        { "several IDX image sets (a, b)", "choose one" });
}

TEST(IdxLoaderErrors, UnsupportedDtypes)
{
  TemporaryFolder folder;
  const std::string shorts = folder.file("shorts-images-idx3-ubyte");
  writeFile(shorts, idxBytes(Int16Code, { 1, 1, 2 }, { 0, 1, 0, 2 }));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(shorts, ""); }),
                        { shorts, "unsupported dtype int16 (0x0b)", "uint8 or float32" });

  const std::string doubles = folder.file("doubles.idx");
  writeFile(doubles, idxBytes(Float64Code, { 1 }, Bytes(8, 0)));
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(doubles); }),
                        { doubles, "unsupported dtype float64" });

  writeFile(folder.file("ok-images"), idxBytes(UInt8Code, { 1, 1, 1 }, { 1 }));
  const std::string floatLabels = folder.file("float-labels");
  writeFile(floatLabels, idxBytes(Float32Code, { 1 }, bigEndianFloats({ 1.0f })));
  expectMessageContains(
    datasetErrorMessage([&] { loadIdxDataset(folder.file("ok-images"), floatLabels); }),
    { floatLabels, "unsupported dtype float32", "labels" });
}

TEST(IdxLoaderErrors, WrongDimensionCounts)
{
  TemporaryFolder folder;
  const std::string labels = folder.file("labels");
  writeFile(labels, idxBytes(UInt8Code, { 3 }, ThreeLabels));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(labels, ""); }),
                        { labels, "1 dimensions (3)", "expected 3" });
  const std::string images = folder.file("images");
  writeFile(images, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(images, images); }),
                        { "IDX labels have 3 dimensions", "expected 1" });
}

TEST(IdxLoaderErrors, PayloadAboveTheLimit)
{
  TemporaryFolder folder;
  const std::string path = folder.file("images");
  writeFile(path, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, "", 10); }),
                        { path, "24 bytes, more than the limit of 10" });
}

// A header that claims 2^31 images of 28 x 28 (1.7 TB) must be refused from the file
// size alone: fast, and without allocating anything near what it claims.
TEST(IdxLoaderErrors, HugeHeaderFailsFastWithoutAllocating)
{
  TemporaryFolder folder;
  const Bytes file = idxBytes(UInt8Code, { 1u << 31, 28, 28 }, Bytes(84, 0));
  ASSERT_EQ(file.size(), 100u);
  writeFile(folder.file("huge-images-idx3-ubyte"), file);
  writeGzipFile(folder.file("huge-images-idx3-ubyte.gz"), file);

  for (const std::string name : { "huge-images-idx3-ubyte", "huge-images-idx3-ubyte.gz" })
  {
    const std::string path = folder.file(name);
    resetLargestAllocation();
    const auto start = std::chrono::steady_clock::now();
    const std::string message = datasetErrorMessage([&] { loadIdxDataset(path, ""); });
    const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    expectMessageContains(message, { path, "truncated IDX file", "expected 1683627180048 bytes" });
    EXPECT_LT(seconds, 0.05) << name;
    // zlib's inflate window and the read buffer are the largest legitimate allocations.
    EXPECT_LT(largestAllocation(), std::size_t(1) << 20) << name;
  }
}

TEST(IdxLoaderErrors, DimensionsWhoseProductOverflows)
{
  TemporaryFolder folder;
  const std::string path = folder.file("overflow");
  writeFile(path, idxBytes(Float32Code, { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu }, {}));
  expectMessageContains(datasetErrorMessage([&] { readIdxFile(path); }),
                        { path, "truncated IDX file", "more than 2^64" });
}

namespace
{

/// gzip members of 16 MB of zeros, compressed once (about 16 KB) and repeated: a file of a
/// few MB that inflates to @p gigabytes GB, a gzip bomb, written behind @p head (one member
/// holding the IDX header) without ever holding the inflated bytes.
void writeGzipBomb(const std::string& path, const Bytes& head, unsigned gigabytes)
{
  TemporaryFolder scratch;
  writeGzipFile(scratch.file("head.gz"), head);
  writeGzipFile(scratch.file("zeros.gz"), Bytes(std::size_t(16) << 20, 0));
  const auto read = [](const std::string& file)
  {
    std::ifstream stream(file, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
  };
  const Bytes zeros = read(scratch.file("zeros.gz"));
  Bytes bomb = read(scratch.file("head.gz"));
  for (unsigned k = 0; k < gigabytes * 64; ++k)
  {
    bomb.insert(bomb.end(), zeros.begin(), zeros.end());
  }
  writeFile(path, bomb);
}

} // namespace

// A small .gz that inflates to 4 GB: decompression stops at what the header promises (plus
// one byte), so the bomb is refused after 7,841 inflated bytes, not 4 GB.
TEST(IdxLoaderErrors, GzipBombBehindASmallHeaderIsRefusedAfterItsPayload)
{
  TemporaryFolder folder;
  const std::string path = folder.file("bomb-images-idx3-ubyte.gz");
  writeGzipBomb(path, idxBytes(UInt8Code, { 10, 28, 28 }, {}), 4);
  ASSERT_LT(std::filesystem::file_size(path), std::uintmax_t(8) << 20);

  resetLargestAllocation();
  const auto start = std::chrono::steady_clock::now();
  const std::string message = datasetErrorMessage([&] { loadIdxDataset(path, ""); });
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expectMessageContains(
    message,
    { path, "IDX file is longer than its header says", "expected 7856 bytes after decompression" });
  EXPECT_LT(seconds, 0.5);
  EXPECT_LT(largestAllocation(), std::size_t(2) << 20);
}

// The same bomb behind a header that claims all 4 GB (65,536 images of 256 x 256): within
// what DEFLATE can expand the file to, so only the maximum dataset size stops it, from the
// header, before anything is inflated.
TEST(IdxLoaderErrors, GzipBombThatClaimsItsSizeIsRefusedByTheLimit)
{
  TemporaryFolder folder;
  const std::string path = folder.file("bomb-images-idx3-ubyte.gz");
  writeGzipBomb(path, idxBytes(UInt8Code, { 65536, 256, 256 }, {}), 4);

  resetLargestAllocation();
  const auto start = std::chrono::steady_clock::now();
  const std::string message =
    datasetErrorMessage([&] { loadIdxDataset(path, "", std::uint64_t(64) << 20); });
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expectMessageContains(message,
                        { path,
                          "IDX data of 65536 x 256 x 256 is 4294967296 bytes, more than the "
                          "limit of 67108864" });
  EXPECT_LT(seconds, 0.05);
  EXPECT_LT(largestAllocation(), std::size_t(1) << 20);
}

// Found by the audit: with a zero extent the other extents escape the file-size check.
TEST(IdxLoaderErrors, ImagesWithAZeroExtentAreRefused)
{
  TemporaryFolder folder;
  const std::string path = folder.file("empty-images-idx3-ubyte");
  writeFile(path, idxBytes(UInt8Code, { 5, 0, 0xFFFFFFFFu }, {}));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
                        { path + ": IDX images of 5 x 0 x 4294967295 hold no pixels (a "
                                 "dimension is 0); give an images file with at least one image" });
  writeFile(path, idxBytes(UInt8Code, { 0, 28, 28 }, {}));
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(path, ""); }),
                        { "IDX images of 0 x 28 x 28 hold no pixels" });
}

// A labels path that is a folder, a labels file shorter than the magic, a device, and the
// IDX folder lookup given a file or a missing folder.
TEST(IdxLoaderErrors, FolderShortFileDeviceAndFolderLookup)
{
  TemporaryFolder folder;
  const std::string images = folder.file("a-images-idx3-ubyte");
  writeFile(images, idxBytes(UInt8Code, { 3, 2, 4 }, threeImagePixels()));
  const std::string labelsFolder = folder.file("labels-folder");
  writeFile(labelsFolder + "/inside", { 0 });
  expectMessageContains(datasetErrorMessage([&] { loadIdxDataset(images, labelsFolder); }),
                        { labelsFolder,
                          "is a folder where a file was expected",
                          "give the file itself, or the folder as the dataset path" });

  const std::string shortLabels = folder.file("a-labels-idx1-ubyte");
  writeFile(shortLabels, { 0, 0 });
  expectMessageContains(
    datasetErrorMessage([&] { loadIdxDataset(images, shortLabels); }),
    { shortLabels, "truncated IDX file (expected at least 4 header bytes, found 2)" });

  expectMessageContains(
    datasetErrorMessage([&] { readIdxFile("/dev/null"); }),
    { "/dev/null", "cannot read the file size (", "check that it is a regular file" });

  expectMessageContains(datasetErrorMessage([&] { findIdxFiles(images); }),
                        { images, "is not a folder", "give the folder that holds the IDX files" });
  const std::string absent = folder.file("absent");
  expectMessageContains(datasetErrorMessage([&] { findIdxFiles(absent); }),
                        { absent, "folder not found", "check the dataset path" });
}
