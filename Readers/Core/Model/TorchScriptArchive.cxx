#include "TorchScriptArchive.h"

#include "DatasetError.h"
#include "PlainOrGzipFile.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <utility>

namespace cnnslicer
{

namespace
{

// Record layouts from PKWARE's APPNOTE.TXT (sections 4.3.12 to 4.3.16 and 4.5.3).
constexpr std::uint32_t CentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t EndRecordSignature = 0x06054b50;
constexpr std::uint32_t Zip64EndRecordSignature = 0x06064b50;
constexpr std::uint32_t Zip64LocatorSignature = 0x07064b50;
constexpr std::uint64_t EndRecordBytes = 22;
constexpr std::uint64_t MaximumCommentBytes = 0xFFFF;
constexpr std::uint64_t Zip64LocatorBytes = 20;
constexpr std::uint64_t Zip64EndRecordBytes = 56;
constexpr std::uint64_t CentralHeaderBytes = 46;
constexpr std::uint64_t LocalHeaderBytes = 30;
constexpr std::uint16_t Zip64ExtraFieldId = 0x0001;
constexpr std::uint16_t MethodStored = 0;
constexpr std::uint16_t MethodDeflated = 8;
/// DEFLATE expands at most 1032:1 (zlib's technical notes); a deflated entry declaring
/// more than that is lying about its size.
constexpr std::uint64_t DeflateMaximumRatio = 1032;
/// A central-directory record takes 46 bytes plus its name: even a model with a million
/// tensors needs less than this. Anything larger is refused rather than read.
constexpr std::uint64_t MaximumCentralDirectoryBytes = std::uint64_t(64) << 20;

const std::string ExportFix =
  "export it with torch.jit.script/trace and save it with torch.jit.save";
const std::string ReExportFix = "export the model again with torch.jit.save";

std::uint16_t littleEndian16(const unsigned char* bytes)
{
  return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

std::uint32_t littleEndian32(const unsigned char* bytes)
{
  return std::uint32_t(bytes[0]) | (std::uint32_t(bytes[1]) << 8) |
         (std::uint32_t(bytes[2]) << 16) | (std::uint32_t(bytes[3]) << 24);
}

std::uint64_t littleEndian64(const unsigned char* bytes)
{
  return std::uint64_t(littleEndian32(bytes)) | (std::uint64_t(littleEndian32(bytes + 4)) << 32);
}

[[noreturn]] void damaged(const std::string& path, const std::string& what)
{
  throw DatasetError(path, "is a damaged zip archive (" + what + ")", ReExportFix);
}

/// Random access to the archive; every read is checked against the file size first.
class ArchiveFile
{
public:
  explicit ArchiveFile(const std::string& path)
    : Path(path)
    , Size(existingFileSize(path, "give the model's .pt file"))
    , Handle(std::fopen(path.c_str(), "rb"), &std::fclose)
  {
    if (!Handle)
    {
      throw DatasetError(path,
                         std::string("cannot open the file (") + std::strerror(errno) + ")",
                         "check its permissions");
    }
  }

  std::uint64_t size() const { return Size; }

  void readAt(std::uint64_t offset, unsigned char* destination, std::uint64_t count) const
  {
    if (offset > Size || count > Size - offset)
    {
      damaged(Path, "a record lies beyond the end of the file");
    }
    if (fseeko(Handle.get(), static_cast<off_t>(offset), SEEK_SET) != 0 ||
        std::fread(destination, 1, static_cast<std::size_t>(count), Handle.get()) != count)
    {
      throw DatasetError(Path,
                         std::string("read error (") + std::strerror(errno) + ")",
                         "check the disk and the file");
    }
  }

private:
  std::string Path;
  std::uint64_t Size;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> Handle;
};

/// Where the central directory is and how many entries it holds.
struct DirectoryLocation
{
  std::uint64_t Offset = 0;
  std::uint64_t Size = 0;
  std::uint64_t Entries = 0;
  /// Offset of the first end record (zip64 or classic): the directory must end before it.
  std::uint64_t End = 0;
  bool Zip64 = false;
};

DirectoryLocation locateCentralDirectory(const ArchiveFile& file, const std::string& path)
{
  if (file.size() < EndRecordBytes)
  {
    throw DatasetError(path, "is not a TorchScript archive (zip)", ExportFix);
  }
  // The end record is the last 22 bytes unless a comment (up to 65,535 bytes) follows it:
  // search backwards from the end, as zip readers do.
  const std::uint64_t tailSize = std::min(file.size(), EndRecordBytes + MaximumCommentBytes);
  const std::uint64_t tailStart = file.size() - tailSize;
  std::vector<unsigned char> tail(static_cast<std::size_t>(tailSize));
  file.readAt(tailStart, tail.data(), tailSize);
  std::uint64_t at = tailSize - EndRecordBytes + 1;
  bool found = false;
  while (at-- > 0)
  {
    const unsigned char* record = tail.data() + at;
    if (littleEndian32(record) == EndRecordSignature &&
        at + EndRecordBytes + littleEndian16(record + 20) <= tailSize)
    {
      found = true;
      break;
    }
  }
  if (!found)
  {
    throw DatasetError(path, "is not a TorchScript archive (zip)", ExportFix);
  }

  const unsigned char* record = tail.data() + at;
  DirectoryLocation location;
  location.End = tailStart + at;
  std::uint64_t disk = littleEndian16(record + 4);
  std::uint64_t directoryDisk = littleEndian16(record + 6);
  std::uint64_t entriesOnDisk = littleEndian16(record + 8);
  location.Entries = littleEndian16(record + 10);
  location.Size = littleEndian32(record + 12);
  location.Offset = littleEndian32(record + 16);

  // Zip64: a locator right before the end record points to the zip64 end record, whose
  // 64-bit fields replace the saturated (0xFFFF, 0xFFFFFFFF) classic ones.
  unsigned char locator[Zip64LocatorBytes];
  const bool hasLocator = location.End >= Zip64LocatorBytes &&
                          (file.readAt(location.End - Zip64LocatorBytes, locator, sizeof(locator)),
                           littleEndian32(locator) == Zip64LocatorSignature);
  const bool saturated = location.Entries == 0xFFFF || entriesOnDisk == 0xFFFF ||
                         location.Size == 0xFFFFFFFF || location.Offset == 0xFFFFFFFF;
  if (saturated && !hasLocator)
  {
    damaged(path, "zip64 sizes without a zip64 end record locator");
  }
  if (hasLocator)
  {
    const std::uint64_t recordOffset = littleEndian64(locator + 8);
    const std::uint64_t locatorOffset = location.End - Zip64LocatorBytes;
    if (recordOffset > locatorOffset || Zip64EndRecordBytes > locatorOffset - recordOffset)
    {
      damaged(path, "the zip64 end record lies outside the file");
    }
    unsigned char zip64[Zip64EndRecordBytes];
    file.readAt(recordOffset, zip64, sizeof(zip64));
    if (littleEndian32(zip64) != Zip64EndRecordSignature)
    {
      damaged(path, "no zip64 end record where the locator points");
    }
    location.Zip64 = true;
    location.End = recordOffset;
    disk = littleEndian32(zip64 + 16);
    directoryDisk = littleEndian32(zip64 + 20);
    entriesOnDisk = littleEndian64(zip64 + 24);
    location.Entries = littleEndian64(zip64 + 32);
    location.Size = littleEndian64(zip64 + 40);
    location.Offset = littleEndian64(zip64 + 48);
  }
  if (disk != 0 || directoryDisk != 0 || entriesOnDisk != location.Entries)
  {
    damaged(path, "a multi-part (split) archive");
  }
  if (location.Offset > location.End || location.Size > location.End - location.Offset)
  {
    damaged(path,
            "central directory of " + std::to_string(location.Size) + " bytes at offset " +
              std::to_string(location.Offset) + " lies outside the file");
  }
  if (location.Size > MaximumCentralDirectoryBytes)
  {
    damaged(path,
            "central directory of " + formatByteSize(location.Size) +
              ", more than any model needs");
  }
  if (location.Entries > location.Size / CentralHeaderBytes)
  {
    damaged(path,
            std::to_string(location.Entries) + " entries cannot fit in a central directory of " +
              std::to_string(location.Size) + " bytes");
  }
  return location;
}

/// Replaces the saturated 32-bit fields of @p entry by those of its zip64 extra field.
void applyZip64Extra(ZipEntry& entry,
                     const unsigned char* extra,
                     std::uint64_t extraBytes,
                     const std::string& path)
{
  const bool needUncompressed = entry.UncompressedSize == 0xFFFFFFFF;
  const bool needCompressed = entry.CompressedSize == 0xFFFFFFFF;
  const bool needOffset = entry.LocalHeaderOffset == 0xFFFFFFFF;
  std::uint64_t at = 0;
  while (at + 4 <= extraBytes)
  {
    const std::uint16_t id = littleEndian16(extra + at);
    const std::uint16_t length = littleEndian16(extra + at + 2);
    if (length > extraBytes - at - 4)
    {
      damaged(path, "an extra field of entry '" + entry.Name + "' overruns its record");
    }
    if (id == Zip64ExtraFieldId)
    {
      // The 64-bit values appear in this order, each only when its 32-bit field is full.
      const unsigned char* value = extra + at + 4;
      std::uint64_t left = length;
      for (auto [needed, field] : { std::pair{ needUncompressed, &entry.UncompressedSize },
                                    std::pair{ needCompressed, &entry.CompressedSize },
                                    std::pair{ needOffset, &entry.LocalHeaderOffset } })
      {
        if (!needed)
        {
          continue;
        }
        if (left < 8)
        {
          damaged(path, "the zip64 extra field of entry '" + entry.Name + "' is too short");
        }
        *field = littleEndian64(value);
        value += 8;
        left -= 8;
      }
      return;
    }
    at += 4 + std::uint64_t(length);
  }
  if (needUncompressed || needCompressed || needOffset)
  {
    damaged(path, "entry '" + entry.Name + "' has zip64 sizes but no zip64 extra field");
  }
}

std::vector<ZipEntry> readCentralDirectory(const ArchiveFile& file,
                                           const DirectoryLocation& location,
                                           const std::string& path)
{
  std::vector<unsigned char> directory(static_cast<std::size_t>(location.Size));
  file.readAt(location.Offset, directory.data(), location.Size);
  std::vector<ZipEntry> entries;
  entries.reserve(static_cast<std::size_t>(location.Entries));
  std::uint64_t at = 0;
  for (std::uint64_t index = 0; index < location.Entries; ++index)
  {
    if (CentralHeaderBytes > location.Size - at)
    {
      damaged(path, "the central directory ends inside entry " + std::to_string(index));
    }
    const unsigned char* record = directory.data() + at;
    if (littleEndian32(record) != CentralHeaderSignature)
    {
      damaged(path, "entry " + std::to_string(index) + " of the central directory is not one");
    }
    const std::uint64_t nameBytes = littleEndian16(record + 28);
    const std::uint64_t extraBytes = littleEndian16(record + 30);
    const std::uint64_t commentBytes = littleEndian16(record + 32);
    const std::uint64_t recordBytes = CentralHeaderBytes + nameBytes + extraBytes + commentBytes;
    if (recordBytes > location.Size - at)
    {
      damaged(path, "the central directory ends inside entry " + std::to_string(index));
    }
    ZipEntry entry;
    entry.Name.assign(reinterpret_cast<const char*>(record + CentralHeaderBytes),
                      static_cast<std::size_t>(nameBytes));
    entry.Method = littleEndian16(record + 10);
    entry.CompressedSize = littleEndian32(record + 20);
    entry.UncompressedSize = littleEndian32(record + 24);
    entry.LocalHeaderOffset = littleEndian32(record + 42);
    applyZip64Extra(entry, record + CentralHeaderBytes + nameBytes, extraBytes, path);

    // The entry's data must lie before the central directory, behind its local header.
    const std::uint64_t dataStart = entry.LocalHeaderOffset + LocalHeaderBytes;
    if (entry.LocalHeaderOffset > location.Offset ||
        LocalHeaderBytes > location.Offset - entry.LocalHeaderOffset ||
        entry.CompressedSize > location.Offset - dataStart)
    {
      damaged(path, "entry '" + entry.Name + "' lies outside the file");
    }
    if (entry.Method == MethodStored && entry.UncompressedSize != entry.CompressedSize)
    {
      damaged(path,
              "stored entry '" + entry.Name + "' declares " +
                std::to_string(entry.UncompressedSize) + " bytes but holds " +
                std::to_string(entry.CompressedSize));
    }
    if (entry.Method == MethodDeflated &&
        entry.UncompressedSize / DeflateMaximumRatio > entry.CompressedSize)
    {
      damaged(path,
              "entry '" + entry.Name + "' declares " + std::to_string(entry.UncompressedSize) +
                " bytes from " + std::to_string(entry.CompressedSize) +
                " compressed bytes, more than DEFLATE can expand");
    }
    if (entry.Method != MethodStored && entry.Method != MethodDeflated)
    {
      damaged(path,
              "entry '" + entry.Name + "' uses compression method " + std::to_string(entry.Method) +
                ", which LibTorch cannot read");
    }
    entries.push_back(std::move(entry));
    at += recordBytes;
  }
  if (at != location.Size)
  {
    damaged(path,
            "the central directory holds more than its " + std::to_string(location.Entries) +
              " entries");
  }
  return entries;
}

/// The part of @p name after its top folder ("archive/data/0" gives "data/0"), or "" when
/// the name has no folder.
std::string withinTopFolder(const std::string& name)
{
  const std::size_t slash = name.find('/');
  return slash == std::string::npos ? std::string() : name.substr(slash + 1);
}

bool startsWith(const std::string& text, const std::string& prefix)
{
  return text.size() > prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

std::string formatByteSize(std::uint64_t bytes)
{
  static const char* const units[] = { "KB", "MB", "GB", "TB", "PB", "EB" };
  if (bytes < 1024)
  {
    return std::to_string(bytes) + " bytes";
  }
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units))
  {
    value /= 1024.0;
    ++unit;
  }
  // One decimal, dropped when it is zero: "12.3 GB", "8 GB".
  const long tenths = std::lround(value * 10.0);
  std::string text = std::to_string(tenths / 10);
  if (tenths % 10 != 0)
  {
    text += "." + std::to_string(tenths % 10);
  }
  return text + " " + units[unit];
}

TorchScriptArchiveInfo inspectTorchScriptArchive(const std::string& path)
{
  const ArchiveFile file(path);
  const DirectoryLocation location = locateCentralDirectory(file, path);
  TorchScriptArchiveInfo info;
  info.Zip64 = location.Zip64;
  info.Entries = readCentralDirectory(file, location, path);

  bool hasPickle = false;
  bool hasCode = false;
  for (const ZipEntry& entry : info.Entries)
  {
    const std::string inner = withinTopFolder(entry.Name);
    hasPickle = hasPickle || inner == "data.pkl";
    hasCode = hasCode || startsWith(inner, "code/");
    // Parameters and buffers are stored under data/, tensor constants under constants/.
    if (startsWith(inner, "data/") || startsWith(inner, "constants/"))
    {
      ++info.TensorCount;
      info.TensorBytes = entry.UncompressedSize > UINT64_MAX - info.TensorBytes
                           ? UINT64_MAX
                           : info.TensorBytes + entry.UncompressedSize;
    }
    if (inner == "extra/cnnslicer.json")
    {
      info.MetadataEntry = entry.Name;
    }
  }
  if (!hasPickle)
  {
    throw DatasetError(
      path, "is a zip archive but not a TorchScript archive (it has no data.pkl)", ExportFix);
  }
  if (!hasCode)
  {
    throw DatasetError(path,
                       "is a torch.save checkpoint (weights without TorchScript code), not a "
                       "TorchScript archive",
                       "load it into the model in Python, then " + ExportFix);
  }
  return info;
}

TorchScriptArchiveInfo checkTorchScriptArchive(const std::string& path,
                                               std::uint64_t memoryLimitBytes)
{
  TorchScriptArchiveInfo info = inspectTorchScriptArchive(path);
  if (info.TensorBytes > memoryLimitBytes)
  {
    throw DatasetError(path,
                       "declares " + formatByteSize(info.TensorBytes) +
                         " of tensors, above the memory limit of " +
                         formatByteSize(memoryLimitBytes),
                       "raise MemoryLimit or use a smaller model");
  }
  return info;
}

} // namespace cnnslicer
