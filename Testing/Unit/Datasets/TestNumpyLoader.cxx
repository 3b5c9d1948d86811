// NumPy .npy images and labels, on tiny arrays written by the tests in numpy.save's format.
#include "DatasetTestUtilities.h"
#include "NumpyLoader.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

std::vector<float> rampFloats(std::size_t count)
{
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i)
  {
    values[i] = static_cast<float>(i) * 0.5f - 3.0f;
  }
  return values;
}

Bytes bigEndianFloatBytes(const std::vector<float>& values)
{
  Bytes bytes = littleEndianBytes(values);
  for (std::size_t i = 0; i < bytes.size(); i += 4)
  {
    std::swap(bytes[i], bytes[i + 3]);
    std::swap(bytes[i + 1], bytes[i + 2]);
  }
  return bytes;
}

} // namespace

TEST(NumpyLoader, Version1Float32NchwWithInt64Labels)
{
  TemporaryFolder folder;
  const std::vector<float> values = rampFloats(2 * 3 * 2 * 2);
  writeFile(folder.file("x.npy"), npyBytes(1, "<f4", { 2, 3, 2, 2 }, littleEndianBytes(values)));
  writeFile(folder.file("y.npy"),
            npyBytes(1, "<i8", { 2 }, littleEndianBytes(std::vector<std::int64_t>{ 5, 1 })));

  const Dataset dataset = loadNumpyDataset(folder.file("x.npy"), folder.file("y.npy"));
  EXPECT_EQ(dataset.Type, PixelType::Float32);
  EXPECT_EQ(dataset.NumberOfSamples, 2u);
  EXPECT_EQ(dataset.Channels, 3u);
  EXPECT_EQ(dataset.Height, 2u);
  EXPECT_EQ(dataset.Width, 2u);
  EXPECT_EQ(dataset.Float32Pixels, values);
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 5, 1 }));
  expectMessageContains(dataset.Source, { folder.file("x.npy"), folder.file("y.npy") });

  const NpyHeader header = readNpyHeader(folder.file("x.npy"));
  EXPECT_EQ(header.MajorVersion, 1);
  EXPECT_EQ(header.Descr, "<f4");
  EXPECT_EQ(header.DataOffset % 64, 0u);
  EXPECT_EQ(header.Shape, (std::vector<std::uint64_t>{ 2, 3, 2, 2 }));
}

TEST(NumpyLoader, Version3UInt8NhwcIsTransposed)
{
  TemporaryFolder folder;
  // N = 2, H = 2, W = 2, C = 3; value = 100 n + 10 (2 y + x) + c.
  Bytes pixels;
  for (int n = 0; n < 2; ++n)
  {
    for (int position = 0; position < 4; ++position)
    {
      for (int c = 0; c < 3; ++c)
      {
        pixels.push_back(static_cast<std::uint8_t>(100 * n + 10 * position + c));
      }
    }
  }
  writeFile(folder.file("nhwc.npy"), npyBytes(3, "|u1", { 2, 2, 2, 3 }, pixels));
  writeFile(folder.file("labels.npy"), npyBytes(3, "|u1", { 2 }, { 9, 4 }));

  const Dataset dataset = loadNumpyDataset(folder.file("nhwc.npy"), folder.file("labels.npy"));
  EXPECT_EQ(dataset.Type, PixelType::UInt8);
  EXPECT_EQ(dataset.Channels, 3u);
  EXPECT_EQ(dataset.Height, 2u);
  EXPECT_EQ(dataset.Width, 2u);
  Bytes expected;
  for (int n = 0; n < 2; ++n)
  {
    for (int c = 0; c < 3; ++c)
    {
      for (int position = 0; position < 4; ++position)
      {
        expected.push_back(static_cast<std::uint8_t>(100 * n + 10 * position + c));
      }
    }
  }
  EXPECT_EQ(dataset.UInt8Pixels, expected);
  EXPECT_EQ(dataset.Labels, (std::vector<std::int64_t>{ 9, 4 }));
  expectMessageContains(dataset.Source, { "NHWC" });
  EXPECT_EQ(readNpyHeader(folder.file("nhwc.npy")).MajorVersion, 3);
}

TEST(NumpyLoader, LayoutInferenceAndOverride)
{
  EXPECT_EQ(inferNumpyImageLayout({ 10, 28, 28, 1 }), NumpyImageLayout::NHWC);
  EXPECT_EQ(inferNumpyImageLayout({ 10, 32, 32, 3 }), NumpyImageLayout::NHWC);
  EXPECT_EQ(inferNumpyImageLayout({ 10, 1, 28, 28 }), NumpyImageLayout::NCHW);
  EXPECT_EQ(inferNumpyImageLayout({ 10, 3, 32, 3 }), NumpyImageLayout::NCHW);
  EXPECT_EQ(inferNumpyImageLayout({ 10, 28, 28 }), NumpyImageLayout::NCHW);

  TemporaryFolder folder;
  // (1, 3, 2, 3) reads as NCHW unless the caller says NHWC.
  Bytes pixels(18);
  for (std::size_t i = 0; i < pixels.size(); ++i)
  {
    pixels[i] = static_cast<std::uint8_t>(i);
  }
  writeFile(folder.file("a.npy"), npyBytes(1, "|u1", { 1, 3, 2, 3 }, pixels));
  const Dataset inferred = loadNumpyDataset(folder.file("a.npy"));
  EXPECT_EQ(inferred.Channels, 3u);
  EXPECT_EQ(inferred.Height, 2u);
  EXPECT_EQ(inferred.UInt8Pixels, pixels);
  const Dataset channelsLast = loadNumpyDataset(folder.file("a.npy"), "", NumpyImageLayout::NHWC);
  EXPECT_EQ(channelsLast.Channels, 3u);
  EXPECT_EQ(channelsLast.Height, 3u);
  EXPECT_EQ(channelsLast.Width, 2u);
  EXPECT_EQ(channelsLast.UInt8Pixels,
            (Bytes{ 0, 3, 6, 9, 12, 15, 1, 4, 7, 10, 13, 16, 2, 5, 8, 11, 14, 17 }));
}

TEST(NumpyLoader, Version2BigEndianFloat64AndGrayImages)
{
  TemporaryFolder folder;
  const std::vector<float> values = rampFloats(2 * 2 * 3);
  writeFile(folder.file("big.npy"), npyBytes(2, ">f4", { 2, 2, 3 }, bigEndianFloatBytes(values)));
  const Dataset big = loadNumpyDataset(folder.file("big.npy"));
  EXPECT_EQ(big.Channels, 1u);
  EXPECT_EQ(big.Height, 2u);
  EXPECT_EQ(big.Width, 3u);
  EXPECT_EQ(big.Float32Pixels, values);
  EXPECT_EQ(readNpyHeader(folder.file("big.npy")).MajorVersion, 2);

  const std::vector<double> doubles = { 0.1, -2.5, 1e-3, 3.0 };
  writeFile(folder.file("f8.npy"), npyBytes(1, "<f8", { 1, 1, 2, 2 }, littleEndianBytes(doubles)));
  const Dataset converted = loadNumpyDataset(folder.file("f8.npy"));
  EXPECT_EQ(converted.Type, PixelType::Float32);
  EXPECT_EQ(converted.Float32Pixels,
            (std::vector<float>{ 0.1f, -2.5f, static_cast<float>(1e-3), 3.0f }));
}

TEST(NumpyLoader, IntegerLabelTypes)
{
  TemporaryFolder folder;
  writeFile(
    folder.file("i4.npy"),
    npyBytes(1, "<i4", { 3 }, littleEndianBytes(std::vector<std::int32_t>{ -1, 2, 70000 })));
  EXPECT_EQ(loadNumpyLabels(folder.file("i4.npy")), (std::vector<std::int64_t>{ -1, 2, 70000 }));
  writeFile(folder.file("i2.npy"), npyBytes(1, ">i2", { 2 }, { 0xFF, 0xFE, 0x01, 0x00 }));
  EXPECT_EQ(loadNumpyLabels(folder.file("i2.npy")), (std::vector<std::int64_t>{ -2, 256 }));
  writeFile(folder.file("u8.npy"),
            npyBytes(1, "<u8", { 1 }, littleEndianBytes(std::vector<std::uint64_t>{ 9 })));
  EXPECT_EQ(loadNumpyLabels(folder.file("u8.npy")), (std::vector<std::int64_t>{ 9 }));
}

TEST(NumpyLoader, ToleratesPythonTwoHeaders)
{
  TemporaryFolder folder;
  writeFile(
    folder.file("old.npy"),
    npyBytesWithDict(1,
                     "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (1L, 2L, 2L)}",
                     { 1, 2, 3, 4 }));
  const Dataset dataset = loadNumpyDataset(folder.file("old.npy"));
  EXPECT_EQ(dataset.UInt8Pixels, (Bytes{ 1, 2, 3, 4 }));
}

TEST(NumpyLoaderErrors, NotANumpyFile)
{
  TemporaryFolder folder;
  const std::string path = folder.file("fake.npy");
  writeTextFile(path, "just some text, not an array");
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { path, "not a NumPy .npy file" });

  Bytes version4 = npyBytes(1, "|u1", { 1, 1, 1 }, { 0 });
  version4[6] = 4;
  writeFile(folder.file("v4.npy"), version4);
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("v4.npy")); }),
                        { "v4.npy", "unsupported .npy format version 4.0" });
}

TEST(NumpyLoaderErrors, FortranOrderIsRefused)
{
  TemporaryFolder folder;
  const std::string path = folder.file("fortran.npy");
  writeFile(path, npyBytes(1, "<f4", { 1, 1, 2, 2 }, Bytes(16, 0), true));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { path, "fortran_order is True", "ascontiguousarray" });
}

TEST(NumpyLoaderErrors, UnsupportedDtypes)
{
  TemporaryFolder folder;
  writeFile(folder.file("complex.npy"), npyBytes(1, "<c8", { 1, 1, 1 }, Bytes(8, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("complex.npy")); }),
                        { "complex.npy", "unsupported dtype '<c8'" });
  writeFile(folder.file("text.npy"), npyBytes(1, "<U3", { 1, 1, 1 }, Bytes(12, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("text.npy")); }),
                        { "text.npy", "unsupported dtype '<U3'" });
  writeFile(folder.file("int.npy"), npyBytes(1, "<i4", { 1, 1, 1 }, Bytes(4, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("int.npy")); }),
                        { "int.npy", "unsupported dtype '<i4' for images" });
  writeFile(folder.file("record.npy"),
            npyBytesWithDict(1,
                             "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                             Bytes(4, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("record.npy")); }),
                        { "record.npy", "unsupported dtype: a structured array" });

  writeFile(folder.file("images.npy"), npyBytes(1, "|u1", { 2, 1, 1 }, { 1, 2 }));
  writeFile(folder.file("float-labels.npy"),
            npyBytes(1, "<f4", { 2 }, littleEndianBytes(std::vector<float>{ 1, 2 })));
  expectMessageContains(
    datasetErrorMessage(
      [&] { loadNumpyDataset(folder.file("images.npy"), folder.file("float-labels.npy")); }),
    { "float-labels.npy", "unsupported dtype '<f4' for labels" });
}

TEST(NumpyLoaderErrors, SizesThatDoNotMatchTheHeader)
{
  TemporaryFolder folder;
  Bytes truncated = npyBytes(1, "<f4", { 2, 1, 2, 2 }, Bytes(32, 0));
  const std::string fullSize = std::to_string(truncated.size());
  truncated.resize(truncated.size() - 8);
  writeFile(folder.file("cut.npy"), truncated);
  expectMessageContains(
    datasetErrorMessage([&] { loadNumpyDataset(folder.file("cut.npy")); }),
    { "cut.npy",
      "truncated .npy file",
      "(2, 1, 2, 2)",
      "expected " + fullSize + " bytes, found " + std::to_string(truncated.size()) });

  Bytes longer = npyBytes(1, "|u1", { 1, 1, 2 }, { 1, 2 });
  const std::string expectedSize = std::to_string(longer.size());
  longer.push_back(3);
  writeFile(folder.file("long.npy"), longer);
  expectMessageContains(
    datasetErrorMessage([&] { loadNumpyDataset(folder.file("long.npy")); }),
    { "long.npy",
      "longer than its header says",
      "expected " + expectedSize + " bytes, found " + std::to_string(longer.size()) });

  Bytes headerCut = npyBytes(1, "|u1", { 1, 1, 1 }, { 1 });
  headerCut.resize(30);
  writeFile(folder.file("header.npy"), headerCut);
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("header.npy")); }),
                        { "header.npy", "truncated .npy file" });
}

TEST(NumpyLoaderErrors, HugeShapeFailsFastWithoutAllocating)
{
  TemporaryFolder folder;
  const std::string path = folder.file("huge.npy");
  writeFile(path, npyBytes(1, "|u1", { 1u << 31, 28, 28 }, Bytes(36, 0)));
  resetLargestAllocation();
  const auto start = std::chrono::steady_clock::now();
  const std::string message = datasetErrorMessage([&] { loadNumpyDataset(path); });
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expectMessageContains(message, { path, "truncated .npy file", "(2147483648, 28, 28)" });
  EXPECT_LT(seconds, 0.05);
  EXPECT_LT(largestAllocation(), std::size_t(1) << 20);
}

TEST(NumpyLoaderErrors, LabelsThatDoNotFit)
{
  TemporaryFolder folder;
  writeFile(folder.file("images.npy"), npyBytes(1, "|u1", { 3, 1, 1 }, { 1, 2, 3 }));
  writeFile(folder.file("two.npy"), npyBytes(1, "|u1", { 2 }, { 0, 1 }));
  expectMessageContains(
    datasetErrorMessage([&]
                        { loadNumpyDataset(folder.file("images.npy"), folder.file("two.npy")); }),
    { folder.file("two.npy"), "labels count 2", "images count 3", folder.file("images.npy") });

  writeFile(folder.file("column.npy"), npyBytes(1, "|u1", { 3, 1 }, { 0, 1, 2 }));
  expectMessageContains(
    datasetErrorMessage(
      [&] { loadNumpyDataset(folder.file("images.npy"), folder.file("column.npy")); }),
    { "column.npy", "shape (3, 1)", "1-D", "ravel" });
}

TEST(NumpyLoaderErrors, WrongImageShapeMalformedHeaderAndMissingFile)
{
  TemporaryFolder folder;
  writeFile(folder.file("flat.npy"), npyBytes(1, "|u1", { 2, 4 }, Bytes(8, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("flat.npy")); }),
                        { "flat.npy", "shape (2, 4)", "N x H x W" });

  writeFile(folder.file("noshape.npy"),
            npyBytesWithDict(1, "{'descr': '|u1', 'fortran_order': False, }", {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("noshape.npy")); }),
                        { "noshape.npy", "malformed .npy header", "'shape'" });

  writeFile(folder.file("garbled.npy"), npyBytesWithDict(1, "{'descr': '|u1' 'x'}", {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("garbled.npy")); }),
                        { "garbled.npy", "malformed .npy header", "expected ',' or '}'" });

  const std::string absent = folder.file("absent.npy");
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(absent); }),
                        { absent, "file not found" });
}

// A header of nested brackets (a 1 MB version-2 header may hold a million) overflowed the
// stack of the recursive header parser; now it is refused past 32 levels, while the
// nesting of a real structured dtype still parses (and is refused as structured).
TEST(NumpyLoaderErrors, DeeplyNestedHeaderIsRefusedNotAStackOverflow)
{
  TemporaryFolder folder;
  const std::string path = folder.file("nested.npy");
  writeFile(path, npyBytesWithDict(2, "{'descr': " + std::string(1000000, '['), {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { path,
                          "malformed .npy header: brackets nested deeper than 32 levels at "
                          "character 42",
                          "save the array again with numpy.save" });

  writeFile(path,
            npyBytesWithDict(1,
                             "{'descr': [('a', [('b', [('c', '<i4', (2, 2))])])], "
                             "'fortran_order': False, 'shape': (2,), }",
                             Bytes(32, 0)));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { path, "unsupported dtype: a structured array" });
}

// Found by the audit: a zero extent makes the payload empty whatever the other extents
// say, so 2^40 channels passed the file-size check and sized preprocessing's tables.
TEST(NumpyLoaderErrors, ShapeWithAZeroExtentIsRefused)
{
  TemporaryFolder folder;
  const std::string path = folder.file("empty.npy");
  writeFile(path, npyBytes(1, "|u1", { 1, 1ull << 40, 0, 1ull << 40 }, {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { path + ": images array has shape (1, 1099511627776, 0, 1099511627776), "
                                 "which holds no pixels (a dimension is 0); save at least one "
                                 "image of at least 1 x 1 pixels" });
  writeFile(path, npyBytes(1, "<f4", { 0, 28, 28 }, {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                        { "shape (0, 28, 28), which holds no pixels" });
}

// The file checks before the header: a folder, a path with no file size (a device), a
// version-2 preamble cut before its 4-byte header length, and the dataset size limit.
TEST(NumpyLoaderErrors, FolderDeviceShortPreambleAndSizeLimit)
{
  TemporaryFolder folder;
  writeFile(folder.file("images.npy/inside"), { 0 });
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(folder.file("images.npy")); }),
                        { folder.file("images.npy"),
                          "is a folder where a file was expected",
                          "give the .npy file itself" });

  expectMessageContains(
    datasetErrorMessage([&] { loadNumpyDataset("/dev/null"); }),
    { "/dev/null", "cannot read the file size (", "check that it is a regular file" });

  const std::string shortPreamble = folder.file("short.npy");
  writeFile(shortPreamble, { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 16, 0 });
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(shortPreamble); }),
                        { shortPreamble,
                          "truncated .npy file (expected at least 12 bytes, found 10)",
                          "save the array again with numpy.save" });

  const std::string images = folder.file("x.npy");
  writeFile(images, npyBytes(1, "|u1", { 2, 3, 4 }, Bytes(24, 7)));
  expectMessageContains(
    datasetErrorMessage([&] { loadNumpyDataset(images, "", NumpyImageLayout::Infer, 10); }),
    { images, ".npy data is 24 bytes, more than the limit of 10", "save fewer samples" });
}

// A shape whose byte count does not fit in 64 bits, and a uint64 label above 2^63 - 1.
TEST(NumpyLoaderErrors, ShapeBeyondTwoToTheSixtyFourAndLabelBeyondInt64)
{
  TemporaryFolder folder;
  const std::string huge = folder.file("huge.npy");
  writeFile(huge, npyBytes(1, "|u1", { 1ull << 32, 1ull << 32, 1ull << 32 }, {}));
  expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(huge); }),
                        { huge, "truncated .npy file", "expected more than 2^64 bytes" });

  writeFile(folder.file("images.npy"), npyBytes(1, "|u1", { 2, 1, 1 }, { 1, 2 }));
  writeFile(
    folder.file("labels.npy"),
    npyBytes(1, "<u8", { 2 }, littleEndianBytes(std::vector<std::uint64_t>{ 3, 1ull << 63 })));
  expectMessageContains(
    datasetErrorMessage(
      [&] { loadNumpyDataset(folder.file("images.npy"), folder.file("labels.npy")); }),
    { folder.file("labels.npy"), "label 1 does not fit in int64", "store class indices as int64" });
}

// Each way the header dict can be malformed names what the parser expected.
TEST(NumpyLoaderErrors, MalformedHeaderDicts)
{
  TemporaryFolder folder;
  const std::string path = folder.file("header.npy");
  const std::vector<std::pair<std::string, std::string>> cases = {
    { "{1: '|u1'}", "malformed .npy header: a dict key is not a string" },
    { "{'descr': '|u1", "malformed .npy header: unterminated string" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
      "malformed .npy header: an integer does not fit in 64 bits" },
    { "{'descr': ", "malformed .npy header: unexpected end" },
    { "{'descr': @}", "malformed .npy header: unexpected '@'" },
    { "{'shape': (2, 3]}", "malformed .npy header: expected ',' or ')'" },
    { "{'descr' '|u1'}", "malformed .npy header: expected ':'" },
    { "{'descr': [('a', '<i4') 'b']}", "malformed .npy header: expected ',' or ']'" },
  };
  for (const auto& [dict, expected] : cases)
  {
    writeFile(path, npyBytesWithDict(1, dict, {}));
    expectMessageContains(datasetErrorMessage([&] { loadNumpyDataset(path); }),
                          { path, expected, "save the array again with numpy.save" });
  }
}
