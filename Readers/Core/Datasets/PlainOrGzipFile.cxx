#include "PlainOrGzipFile.h"

#include "DatasetError.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

namespace cnnslicer
{

namespace
{

/// DEFLATE's largest expansion (zlib's technical notes): a run of one byte coded as 258-byte
/// matches of 2 bits each, plus block overhead, gives at most 1032:1.
constexpr std::uint64_t DeflateMaximumRatio = 1032;
constexpr std::size_t CompressedChunkBytes = std::size_t(1) << 18;
constexpr std::size_t InitialGrowthBytes = std::size_t(1) << 20;

} // namespace

/// zlib inflate state for a gzip file of one or more members.
class PlainOrGzipFile::Inflater
{
public:
  Inflater()
    : Input(CompressedChunkBytes)
  {
    std::memset(&Stream, 0, sizeof(Stream));
  }
  ~Inflater()
  {
    if (Initialized)
    {
      inflateEnd(&Stream);
    }
  }

  z_stream Stream;
  std::vector<unsigned char> Input;
  bool Initialized = false;
  bool MemberEnded = false;
  bool InputExhausted = false;
};

std::uint64_t existingFileSize(const std::string& path, const std::string& fixForFolder)
{
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status))
  {
    throw DatasetError(path, "file not found", "check the path and the file name");
  }
  if (fs::is_directory(status))
  {
    throw DatasetError(path, "is a folder where a file was expected", fixForFolder);
  }
  const std::uint64_t size = fs::file_size(path, error);
  if (error)
  {
    throw DatasetError(path,
                       "cannot read the file size (" + error.message() + ")",
                       "check that it is a regular file");
  }
  return size;
}

PlainOrGzipFile::PlainOrGzipFile(const std::string& path)
  : Path(path)
{
  FileSize = existingFileSize(path, "give the file itself, or the folder as the dataset path");
  Handle = std::fopen(path.c_str(), "rb");
  if (!Handle)
  {
    throw DatasetError(path,
                       std::string("cannot open the file (") + std::strerror(errno) + ")",
                       "check its permissions");
  }
  unsigned char magic[2] = { 0, 0 };
  const std::size_t magicBytes = std::fread(magic, 1, 2, Handle);
  Compressed = magicBytes == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::rewind(Handle);
  if (Compressed)
  {
    Decompressor = std::make_unique<Inflater>();
    // 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is reported as corrupt.
    if (inflateInit2(&Decompressor->Stream, 16 + MAX_WBITS) != Z_OK)
    {
      throw DatasetError(path, "zlib could not start decompressing", "free some memory");
    }
    Decompressor->Initialized = true;
  }
}

PlainOrGzipFile::~PlainOrGzipFile()
{
  if (Handle)
  {
    std::fclose(Handle);
  }
}

std::uint64_t PlainOrGzipFile::contentSizeBound() const
{
  return Compressed ? FileSize * DeflateMaximumRatio : FileSize;
}

std::size_t PlainOrGzipFile::read(void* destination, std::size_t count)
{
  auto* output = static_cast<unsigned char*>(destination);
  if (!Compressed)
  {
    const std::size_t got = std::fread(output, 1, count, Handle);
    if (got < count && std::ferror(Handle))
    {
      throw DatasetError(Path,
                         std::string("read error (") + std::strerror(errno) + ")",
                         "check the disk and the file");
    }
    Position += got;
    return got;
  }

  Inflater& inflater = *Decompressor;
  z_stream& stream = inflater.Stream;
  std::size_t produced = 0;
  while (produced < count && !inflater.InputExhausted)
  {
    if (stream.avail_in == 0)
    {
      stream.avail_in =
        static_cast<uInt>(std::fread(inflater.Input.data(), 1, inflater.Input.size(), Handle));
      stream.next_in = inflater.Input.data();
      if (stream.avail_in == 0)
      {
        if (std::ferror(Handle))
        {
          throw DatasetError(Path,
                             std::string("read error (") + std::strerror(errno) + ")",
                             "check the disk and the file");
        }
        inflater.InputExhausted = true;
        CutOff = !inflater.MemberEnded;
        break;
      }
    }
    if (inflater.MemberEnded)
    {
      // Concatenated gzip members are one stream (as gzip -d reads them); anything else
      // after a complete member is trailing padding, ignored as gzip does.
      if (stream.next_in[0] != 0x1f)
      {
        inflater.InputExhausted = true;
        break;
      }
      inflateReset(&stream);
      inflater.MemberEnded = false;
    }
    const std::size_t wanted = std::min<std::size_t>(count - produced, UINT_MAX);
    stream.next_out = output + produced;
    stream.avail_out = static_cast<uInt>(wanted);
    const int status = inflate(&stream, Z_NO_FLUSH);
    produced += wanted - stream.avail_out;
    if (status == Z_STREAM_END)
    {
      inflater.MemberEnded = true;
    }
    else if (status != Z_OK && status != Z_BUF_ERROR)
    {
      throw DatasetError(Path,
                         std::string("corrupt gzip data (zlib: ") +
                           (stream.msg ? stream.msg : "error " + std::to_string(status)) + ")",
                         "download or compress the file again");
    }
  }
  Position += produced;
  return produced;
}

void PlainOrGzipFile::readToEnd(std::vector<std::uint8_t>& buffer, std::uint64_t limit)
{
  const std::size_t start = buffer.size();
  if (!Compressed)
  {
    // The file size is exact, so reserving from it cannot be fooled by a header.
    const std::uint64_t remaining = FileSize > Position ? FileSize - Position : 0;
    buffer.reserve(start + static_cast<std::size_t>(std::min(remaining, limit) + 1));
  }
  while (true)
  {
    const std::uint64_t appended = buffer.size() - start;
    if (appended > limit)
    {
      return;
    }
    const std::uint64_t growth = std::max<std::uint64_t>(InitialGrowthBytes, appended);
    const auto wanted = static_cast<std::size_t>(std::min(limit + 1 - appended, growth));
    const std::size_t previousSize = buffer.size();
    buffer.resize(previousSize + wanted);
    const std::size_t got = read(buffer.data() + previousSize, wanted);
    buffer.resize(previousSize + got);
    if (got < wanted)
    {
      return;
    }
  }
}

} // namespace cnnslicer
