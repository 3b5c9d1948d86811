/**
 * @file IdxLoader.h
 * @brief IDX files (MNIST, Fashion-MNIST, EMNIST, ...): plain or gzip, uint8 or float32.
 */
#pragma once

#include "Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Element types of the IDX format (third magic byte).
enum class IdxElementType : std::uint8_t
{
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E
};

/**
 * @brief One IDX file in memory: its dimensions and its payload converted to host order.
 *
 * Exactly one of UInt8Values (UInt8), Int32Values (Int32) or Float32Values (Float32) is
 * filled; the other IDX types are refused as unsupported.
 */
struct IdxArray
{
  IdxElementType Type = IdxElementType::UInt8;
  std::vector<std::uint32_t> Dimensions;
  std::vector<std::uint8_t> UInt8Values;
  std::vector<std::int32_t> Int32Values;
  std::vector<float> Float32Values;

  std::uint64_t numberOfElements() const;
};

/**
 * Reads an IDX file (magic 0x00 0x00 type ndims, big-endian uint32 dimensions, payload),
 * plain or gzip-compressed. The header is checked against the file (plain) or the largest
 * content the compressed file can hold (gzip) and against @p maximumBytes before the
 * payload is allocated; a payload shorter or longer than the header says is an error.
 */
IdxArray readIdxFile(const std::string& path,
                     std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

/// An images file and its labels file ("" when there is none).
struct IdxFilePair
{
  std::string Images;
  std::string Labels;
};

/**
 * Finds the IDX files of one split in @p directory by the standard names:
 * `<prefix>-images-idx3-ubyte` / `<prefix>-labels-idx1-ubyte` (also `.idx3-ubyte`, and
 * either with `.gz`). @p prefixOrSplit is a file prefix ("mnist10k", "train", "t10k") or a
 * split: "test" looks for `t10k` then `test`, "train" for `train`. Empty means the only
 * prefix present, or `t10k`/`test` when several are. Throws DatasetError when no images
 * file matches (the message lists the prefixes that exist). Labels is "" when the images
 * file has no labels file beside it.
 */
IdxFilePair findIdxFiles(const std::string& directory, const std::string& prefixOrSplit = "");

/**
 * Loads IDX images (N x H x W, uint8 or float32; C = 1) and, unless @p labelsPath is "",
 * their labels (1-D, N entries, uint8 or int32).
 */
Dataset loadIdxDataset(const std::string& imagesPath,
                       const std::string& labelsPath,
                       std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

/// findIdxFiles() then loadIdxDataset().
Dataset loadIdxDirectory(const std::string& directory,
                         const std::string& prefixOrSplit = "",
                         std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

} // namespace cnnslicer
