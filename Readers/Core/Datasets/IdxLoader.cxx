#include "IdxLoader.h"

#include "DatasetError.h"
#include "PlainOrGzipFile.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>

namespace cnnslicer
{

namespace
{

/// More dimensions than any real IDX file has: a larger count means the bytes are not an
/// IDX header.
constexpr unsigned MaximumIdxDimensions = 8;

const char* idxTypeName(std::uint8_t code)
{
  switch (code)
  {
    case 0x08:
      return "uint8";
    case 0x09:
      return "int8";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return nullptr;
  }
}

std::size_t idxTypeSize(std::uint8_t code)
{
  switch (code)
  {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0E:
      return 8;
    default:
      return 4;
  }
}

std::string hexByte(unsigned value)
{
  static const char digits[] = "0123456789abcdef";
  return { digits[(value >> 4) & 0xF], digits[value & 0xF] };
}

std::string dimensionsToString(const std::vector<std::uint32_t>& dimensions)
{
  std::string text;
  for (std::size_t i = 0; i < dimensions.size(); ++i)
  {
    text += (i == 0 ? "" : " x ") + std::to_string(dimensions[i]);
  }
  return text;
}

std::uint32_t bigEndian32(const unsigned char* bytes)
{
  return (std::uint32_t(bytes[0]) << 24) | (std::uint32_t(bytes[1]) << 16) |
         (std::uint32_t(bytes[2]) << 8) | std::uint32_t(bytes[3]);
}

/// What an IDX header says, checked against the file but nothing read past it yet.
struct IdxHeader
{
  std::uint8_t TypeCode = 0;
  std::vector<std::uint32_t> Dimensions;
  std::uint64_t HeaderBytes = 0;
  std::uint64_t PayloadBytes = 0;
};

const std::string RedownloadFix = "download or decompress the file again";

IdxHeader readIdxHeader(PlainOrGzipFile& file, std::uint64_t maximumBytes)
{
  const std::string& path = file.path();
  unsigned char magic[4] = { 0, 0, 0, 0 };
  const std::size_t magicBytes = file.read(magic, 4);
  if (magicBytes < 4)
  {
    throw DatasetError(path,
                       "truncated IDX file (expected at least 4 header bytes, found " +
                         std::to_string(magicBytes) + ")",
                       RedownloadFix);
  }
  const std::string magicText =
    hexByte(magic[0]) + " " + hexByte(magic[1]) + " " + hexByte(magic[2]) + " " + hexByte(magic[3]);
  if (magic[0] != 0 || magic[1] != 0 || !idxTypeName(magic[2]) || magic[3] == 0 ||
      magic[3] > MaximumIdxDimensions)
  {
    throw DatasetError(path,
                       "not an IDX file (magic bytes " + magicText +
                         ", expected 00 00 <type 08..0e> <dimension count>)",
                       "give an IDX file such as t10k-images-idx3-ubyte[.gz]");
  }

  IdxHeader header;
  header.TypeCode = magic[2];
  const unsigned dimensionCount = magic[3];
  header.HeaderBytes = 4 + 4 * std::uint64_t(dimensionCount);
  unsigned char dimensionBytes[4 * MaximumIdxDimensions];
  const std::size_t got = file.read(dimensionBytes, 4 * dimensionCount);
  if (got < 4 * dimensionCount)
  {
    throw DatasetError(path,
                       "truncated IDX file (expected " + std::to_string(header.HeaderBytes) +
                         " header bytes, found " + std::to_string(4 + got) + ")",
                       RedownloadFix);
  }
  // The payload size is computed in 64 bits with an overflow check, so that 2^32-sized
  // dimensions cannot wrap around to a small number.
  std::uint64_t payload = idxTypeSize(header.TypeCode);
  bool overflow = false;
  for (unsigned d = 0; d < dimensionCount; ++d)
  {
    const std::uint32_t extent = bigEndian32(dimensionBytes + 4 * d);
    header.Dimensions.push_back(extent);
    if (extent != 0 && payload > UINT64_MAX / extent)
    {
      overflow = true;
    }
    payload = overflow ? UINT64_MAX : payload * extent;
  }
  const std::uint64_t bound = file.contentSizeBound();
  const std::string shape = dimensionsToString(header.Dimensions);
  if (overflow || payload > bound - std::min(bound, header.HeaderBytes))
  {
    const std::string claim =
      overflow ? "more than 2^64" : std::to_string(header.HeaderBytes + payload);
    if (file.isCompressed())
    {
      throw DatasetError(path,
                         "truncated IDX file (header says " + shape + " " +
                           idxTypeName(header.TypeCode) + ", expected " + claim +
                           " bytes, but a gzip file of " + std::to_string(file.fileSize()) +
                           " bytes can hold at most " + std::to_string(bound) + ")",
                         RedownloadFix);
    }
    throw DatasetError(path,
                       "truncated IDX file (header says " + shape + " " +
                         idxTypeName(header.TypeCode) + ", expected " + claim + " bytes, found " +
                         std::to_string(file.fileSize()) + ")",
                       RedownloadFix);
  }
  if (payload > maximumBytes)
  {
    throw DatasetError(path,
                       "IDX data of " + shape + " is " + std::to_string(payload) +
                         " bytes, more than the limit of " + std::to_string(maximumBytes),
                       "raise the maximum dataset size or use a smaller file");
  }
  if (!file.isCompressed() && header.HeaderBytes + payload != file.fileSize())
  {
    throw DatasetError(path,
                       "IDX file is longer than its header says (header says " + shape +
                         ", expected " + std::to_string(header.HeaderBytes + payload) +
                         " bytes, found " + std::to_string(file.fileSize()) + ")",
                       "check that this is an unmodified IDX file");
  }
  header.PayloadBytes = payload;
  return header;
}

void requireType(const IdxHeader& header,
                 const std::string& path,
                 const std::string& role,
                 std::initializer_list<std::uint8_t> accepted)
{
  for (const std::uint8_t code : accepted)
  {
    if (code == header.TypeCode)
    {
      return;
    }
  }
  std::string acceptedNames;
  for (const std::uint8_t code : accepted)
  {
    acceptedNames += (acceptedNames.empty() ? "" : " or ") + std::string(idxTypeName(code));
  }
  throw DatasetError(path,
                     std::string("unsupported dtype ") + idxTypeName(header.TypeCode) + " (0x" +
                       hexByte(header.TypeCode) + ") for IDX " + role + ", expected " +
                       acceptedNames,
                     "convert the file to " + acceptedNames);
}

IdxArray readIdxPayload(PlainOrGzipFile& file, const IdxHeader& header)
{
  const std::string& path = file.path();
  std::vector<std::uint8_t> bytes;
  file.readToEnd(bytes, header.PayloadBytes);
  const std::uint64_t expected = header.HeaderBytes + header.PayloadBytes;
  if (bytes.size() < header.PayloadBytes)
  {
    throw DatasetError(path,
                       "truncated IDX file (expected " + std::to_string(expected) +
                         " bytes, found " + std::to_string(header.HeaderBytes + bytes.size()) +
                         (file.isCompressed() ? " after decompression" : "") +
                         (file.compressedStreamCutOff() ? ", gzip stream cut off" : "") + ")",
                       RedownloadFix);
  }
  if (bytes.size() > header.PayloadBytes)
  {
    throw DatasetError(path,
                       "IDX file is longer than its header says (header says " +
                         dimensionsToString(header.Dimensions) + ", expected " +
                         std::to_string(expected) + " bytes after decompression, found more)",
                       "check that this is an unmodified IDX file");
  }

  IdxArray array;
  array.Type = static_cast<IdxElementType>(header.TypeCode);
  array.Dimensions = header.Dimensions;
  const std::size_t count = static_cast<std::size_t>(array.numberOfElements());
  switch (array.Type)
  {
    case IdxElementType::UInt8:
      array.UInt8Values = std::move(bytes);
      break;
    case IdxElementType::Int32:
      array.Int32Values.resize(count);
      for (std::size_t i = 0; i < count; ++i)
      {
        array.Int32Values[i] = static_cast<std::int32_t>(bigEndian32(bytes.data() + 4 * i));
      }
      break;
    case IdxElementType::Float32:
      array.Float32Values.resize(count);
      for (std::size_t i = 0; i < count; ++i)
      {
        const std::uint32_t bits = bigEndian32(bytes.data() + 4 * i);
        std::memcpy(&array.Float32Values[i], &bits, 4);
      }
      break;
    default:
      requireType(header, path, "data", { 0x08, 0x0C, 0x0D });
  }
  return array;
}

struct IdxNamedFiles
{
  std::map<std::string, std::string> ImagesByPrefix;
  std::map<std::string, std::string> LabelsByPrefix;
};

/// Prefix of @p name when it ends with one of @p suffixes (optionally + ".gz"), else "".
bool matchIdxName(const std::string& name,
                  std::initializer_list<const char*> suffixes,
                  std::string& prefix)
{
  std::string stem = name;
  if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, ".gz") == 0)
  {
    stem.resize(stem.size() - 3);
  }
  for (const char* suffix : suffixes)
  {
    const std::size_t length = std::strlen(suffix);
    if (stem.size() > length && stem.compare(stem.size() - length, length, suffix) == 0)
    {
      prefix = stem.substr(0, stem.size() - length);
      return true;
    }
  }
  return false;
}

/// Keeps the uncompressed file when both forms exist: it loads faster.
void remember(std::map<std::string, std::string>& byPrefix,
              const std::string& prefix,
              const std::filesystem::path& path)
{
  auto existing = byPrefix.find(prefix);
  if (existing == byPrefix.end() || path.extension() != ".gz")
  {
    byPrefix[prefix] = path.string();
  }
}

IdxNamedFiles listIdxFiles(const std::string& directory)
{
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(directory, error))
  {
    throw DatasetError(directory, "folder not found", "check the dataset path");
  }
  if (!fs::is_directory(directory, error))
  {
    throw DatasetError(directory, "is not a folder", "give the folder that holds the IDX files");
  }
  IdxNamedFiles files;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, error))
  {
    if (!entry.is_regular_file(error))
    {
      continue;
    }
    const std::string name = entry.path().filename().string();
    std::string prefix;
    if (matchIdxName(name, { "-images-idx3-ubyte", "-images.idx3-ubyte" }, prefix))
    {
      remember(files.ImagesByPrefix, prefix, entry.path());
    }
    else if (matchIdxName(name, { "-labels-idx1-ubyte", "-labels.idx1-ubyte" }, prefix))
    {
      remember(files.LabelsByPrefix, prefix, entry.path());
    }
  }
  return files;
}

} // namespace

std::uint64_t IdxArray::numberOfElements() const
{
  std::uint64_t count = 1;
  for (const std::uint32_t extent : Dimensions)
  {
    count *= extent;
  }
  return count;
}

IdxArray readIdxFile(const std::string& path, std::uint64_t maximumBytes)
{
  PlainOrGzipFile file(path);
  const IdxHeader header = readIdxHeader(file, maximumBytes);
  requireType(header, path, "data", { 0x08, 0x0C, 0x0D });
  return readIdxPayload(file, header);
}

IdxFilePair findIdxFiles(const std::string& directory, const std::string& prefixOrSplit)
{
  const IdxNamedFiles files = listIdxFiles(directory);
  std::string prefixes;
  for (const auto& entry : files.ImagesByPrefix)
  {
    prefixes += (prefixes.empty() ? "" : ", ") + entry.first;
  }

  std::vector<std::string> candidates;
  if (prefixOrSplit.empty())
  {
    if (files.ImagesByPrefix.size() == 1)
    {
      candidates.push_back(files.ImagesByPrefix.begin()->first);
    }
    else
    {
      candidates = { "t10k", "test" };
    }
  }
  else if (prefixOrSplit == "test")
  {
    candidates = { "t10k", "test" };
  }
  else
  {
    candidates.push_back(prefixOrSplit);
  }

  for (const std::string& prefix : candidates)
  {
    const auto images = files.ImagesByPrefix.find(prefix);
    if (images != files.ImagesByPrefix.end())
    {
      IdxFilePair pair;
      pair.Images = images->second;
      const auto labels = files.LabelsByPrefix.find(prefix);
      if (labels != files.LabelsByPrefix.end())
      {
        pair.Labels = labels->second;
      }
      return pair;
    }
  }

  if (files.ImagesByPrefix.empty())
  {
    throw DatasetError(directory,
                       "missing file: no IDX images file (<prefix>-images-idx3-ubyte[.gz]) in "
                       "this folder",
                       "give the folder that holds the IDX files, or the images file itself");
  }
  if (prefixOrSplit.empty())
  {
    throw DatasetError(directory,
                       "holds several IDX image sets (" + prefixes + ")",
                       "choose one with the split or prefix");
  }
  throw DatasetError(directory,
                     "missing file: no IDX images file for '" + prefixOrSplit + "' (looked for " +
                       candidates.front() + "-images-idx3-ubyte[.gz]); prefixes found: " + prefixes,
                     "choose one of the prefixes found");
}

Dataset loadIdxDataset(const std::string& imagesPath,
                       const std::string& labelsPath,
                       std::uint64_t maximumBytes)
{
  PlainOrGzipFile imagesFile(imagesPath);
  const IdxHeader imagesHeader = readIdxHeader(imagesFile, maximumBytes);
  requireType(imagesHeader, imagesPath, "images", { 0x08, 0x0D });
  if (imagesHeader.Dimensions.size() != 3)
  {
    throw DatasetError(imagesPath,
                       "IDX images have " + std::to_string(imagesHeader.Dimensions.size()) +
                         " dimensions (" + dimensionsToString(imagesHeader.Dimensions) +
                         "), expected 3 (images x rows x columns)",
                       "give an idx3 images file; labels go to the labels path");
  }
  if (std::find(imagesHeader.Dimensions.begin(), imagesHeader.Dimensions.end(), 0u) !=
      imagesHeader.Dimensions.end())
  {
    throw DatasetError(imagesPath,
                       "IDX images of " + dimensionsToString(imagesHeader.Dimensions) +
                         " hold no pixels (a dimension is 0)",
                       "give an images file with at least one image");
  }
  const std::uint32_t imageCount = imagesHeader.Dimensions[0];

  // Both headers are checked before either payload is read, so a wrong pairing fails
  // without decompressing tens of megabytes first.
  std::unique_ptr<PlainOrGzipFile> labelsFile;
  IdxHeader labelsHeader;
  if (!labelsPath.empty())
  {
    labelsFile = std::make_unique<PlainOrGzipFile>(labelsPath);
    labelsHeader = readIdxHeader(*labelsFile, maximumBytes);
    requireType(labelsHeader, labelsPath, "labels", { 0x08, 0x0C });
    if (labelsHeader.Dimensions.size() != 1)
    {
      throw DatasetError(labelsPath,
                         "IDX labels have " + std::to_string(labelsHeader.Dimensions.size()) +
                           " dimensions (" + dimensionsToString(labelsHeader.Dimensions) +
                           "), expected 1",
                         "give an idx1 labels file");
    }
    if (labelsHeader.Dimensions[0] != imageCount)
    {
      throw DatasetError(labelsPath,
                         "labels count " + std::to_string(labelsHeader.Dimensions[0]) +
                           " differs from the images count " + std::to_string(imageCount) + " of " +
                           imagesPath,
                         "use the labels file that belongs to these images");
    }
  }

  IdxArray images = readIdxPayload(imagesFile, imagesHeader);
  Dataset dataset;
  dataset.NumberOfSamples = imageCount;
  dataset.Channels = 1;
  dataset.Height = imagesHeader.Dimensions[1];
  dataset.Width = imagesHeader.Dimensions[2];
  if (images.Type == IdxElementType::UInt8)
  {
    dataset.Type = PixelType::UInt8;
    dataset.UInt8Pixels = std::move(images.UInt8Values);
  }
  else
  {
    dataset.Type = PixelType::Float32;
    dataset.Float32Pixels = std::move(images.Float32Values);
  }
  dataset.Source = "IDX " + imagesPath;

  if (labelsFile)
  {
    const IdxArray labels = readIdxPayload(*labelsFile, labelsHeader);
    dataset.Labels.reserve(imageCount);
    if (labels.Type == IdxElementType::UInt8)
    {
      dataset.Labels.assign(labels.UInt8Values.begin(), labels.UInt8Values.end());
    }
    else
    {
      dataset.Labels.assign(labels.Int32Values.begin(), labels.Int32Values.end());
    }
    dataset.Source += " + " + labelsPath;
  }
  return dataset;
}

Dataset loadIdxDirectory(const std::string& directory,
                         const std::string& prefixOrSplit,
                         std::uint64_t maximumBytes)
{
  const IdxFilePair files = findIdxFiles(directory, prefixOrSplit);
  return loadIdxDataset(files.Images, files.Labels, maximumBytes);
}

} // namespace cnnslicer
