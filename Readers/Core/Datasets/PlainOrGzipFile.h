/**
 * @file PlainOrGzipFile.h
 * @brief Sequential reading of a file that may be gzip-compressed, with the bounds the
 * loaders need to check headers before allocating.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * Size of the regular file @p path; throws DatasetError when it does not exist, cannot
 * be read, or is a folder (the message then ends with @p fixForFolder).
 */
std::uint64_t existingFileSize(const std::string& path, const std::string& fixForFolder);

/**
 * @brief Reads a plain file, or a gzip file (detected by its content, not its name)
 * inflated with zlib.
 *
 * The loaders check every size a header claims against contentSizeBound() before they
 * allocate: for a plain file that is the exact file size; for a gzip file it is the most
 * that DEFLATE can expand the compressed bytes to (1032:1), so a forged header on a small
 * file fails at once. Data is then read incrementally (readToEnd()), so a gzip file whose
 * header lies within that bound still never makes the loader allocate much more than what
 * the stream really holds.
 */
class PlainOrGzipFile
{
public:
  /// Opens @p path; throws DatasetError when it is missing, a directory or unreadable.
  explicit PlainOrGzipFile(const std::string& path);
  ~PlainOrGzipFile();
  PlainOrGzipFile(const PlainOrGzipFile&) = delete;
  PlainOrGzipFile& operator=(const PlainOrGzipFile&) = delete;

  const std::string& path() const { return Path; }
  bool isCompressed() const { return Compressed; }
  /// Size of the file on disk.
  std::uint64_t fileSize() const { return FileSize; }
  /// Upper bound of the (decompressed) content size: exact for a plain file.
  std::uint64_t contentSizeBound() const;
  /// Content bytes consumed so far.
  std::uint64_t position() const { return Position; }

  /// Reads up to @p count bytes; returns fewer only at the end of the content. Throws
  /// DatasetError on corrupt gzip data or a read error.
  std::size_t read(void* destination, std::size_t count);

  /// True when the gzip stream ended before its end marker (a cut-off download).
  bool compressedStreamCutOff() const { return CutOff; }

  /**
   * Appends the rest of the content to @p buffer, but stops once @p limit bytes have been
   * appended plus one: a result larger than @p limit means the content is longer than
   * expected. The buffer grows with what arrives, never with what a header claims.
   */
  void readToEnd(std::vector<std::uint8_t>& buffer, std::uint64_t limit);

private:
  class Inflater;

  std::string Path;
  std::FILE* Handle = nullptr;
  std::unique_ptr<Inflater> Decompressor;
  bool Compressed = false;
  bool CutOff = false;
  std::uint64_t FileSize = 0;
  std::uint64_t Position = 0;
};

} // namespace cnnslicer
